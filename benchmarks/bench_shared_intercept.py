"""What the shared intercept at the pooled end of the default grid costs and changes.

``MultiTaskRegressorCV()`` on School (all 15,362 rows, features standardised)
and ``MultiTaskClassifierCV()`` on the training half of the first rare-positive
data set (as ``bench_default_grids.py --part cost``), each with every default
but ``intercept_sharing``: ``"per_task"`` (one intercept per task everywhere),
``"auto"`` (the default: one shared intercept at ``"mean"`` from mix = 0.9 on
for the classifier, at mix = 1 for the regressor) and ``"shared"`` (one shared
intercept at every point); for the classifier also ``"auto"`` sharing at
mix = 1 only (``auto@1``, the classifier's default grid before).  CPU time
(``time.process_time``, one BLAS thread), the settings alternated in the same
process, median of ``--repeats``; the ratios to per_task (and to auto@1);
the chosen point; and the test score of the classifier on the held-out half
(mean per-task ROC AUC).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_shared_intercept.py [--repeats 3] [--part both]
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import timed_fit
from bench_default_grids import per_task_auc, rare_positive_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskClassifierCV, MultiTaskRegressorCV
from mtlearn.datasets import load_school

SETTINGS = ("per_task", "auto", "shared")


class ClassifierSharedAtMixOne(MultiTaskClassifierCV):
    """``MultiTaskClassifierCV`` whose ``"auto"`` shares the intercept at mix = 1 only (its grid before)."""

    _shared_intercept_mix = 1.0


def classifier_settings():
    """The classifier's settings by label: the three ``intercept_sharing`` values and ``"auto"`` at mix = 1 only."""
    settings = {setting: (lambda s=setting: MultiTaskClassifierCV(intercept_sharing=s)) for setting in SETTINGS}
    return {**settings, "auto@1": lambda: ClassifierSharedAtMixOne(intercept_sharing="auto")}


def compare(name, makers, X, y, tasks, repeats, test=None):
    """Fit every estimator of ``makers`` (label -> factory) ``repeats`` times, alternated; print times and choices."""
    times = {setting: [] for setting in makers}
    models = {}
    for _ in range(repeats):
        for setting, make in makers.items():
            model = make()
            times[setting].append(timed_fit(model, X, y, tasks))
            models[setting] = model
    medians = {setting: float(np.median(times[setting])) for setting in makers}
    for setting in makers:
        model = models[setting]
        line = (
            f"{name:<32} intercept_sharing={setting:<9} CPU {medians[setting]:7.2f} s (median of {repeats})  "
            f"chose {model.penalty_!r} mix={model.mix_} alpha={model.alpha_:.3g} {model.intercept_sharing_}"
        )
        if test is not None:
            X_test, y_test, tasks_test = test
            auc = per_task_auc(model.decision_function(X_test, tasks=tasks_test), y_test, tasks_test)
            line += f"  test per-task AUC {auc:.4f}"
        print(line, flush=True)
    for setting in list(makers)[1:]:
        ratio = medians[setting] / medians["per_task"]
        print(f"{name:<32} CPU ratio {setting} / per_task = {ratio:.3f}", flush=True)
    if "auto@1" in medians:
        ratio = medians["auto"] / medians["auto@1"]
        print(f"{name:<32} CPU ratio auto / auto@1 = {ratio:.3f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--part", choices=["regressor", "classifier", "both"], default="both")
    args = parser.parse_args()
    with threadpool_limits(1):
        if args.part in ("regressor", "both"):
            X, y, tasks = load_school(return_X_y=True)
            X = StandardScaler().fit_transform(X)
            compare(
                "MultiTaskRegressorCV() School",
                {setting: (lambda s=setting: MultiTaskRegressorCV(intercept_sharing=s)) for setting in SETTINGS},
                X,
                y,
                tasks,
                args.repeats,
            )
        if args.part in ("classifier", "both"):
            (X, y, tasks), test = rare_positive_split(0)
            compare(
                "MultiTaskClassifierCV() rare +",
                classifier_settings(),
                X,
                y,
                tasks,
                args.repeats,
                test=test,
            )


if __name__ == "__main__":
    main()
