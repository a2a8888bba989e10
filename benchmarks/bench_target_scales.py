"""Tasks on different target scales: ``MultiTaskRegressorCV`` with and without ``normalize_y``, and its defaults.

The coupling penalties compare the tasks' weights, so without standardisation
a task whose targets are in larger units weighs more in the penalty.  For
each data set every penalty (``"mean"``, ``"l21"``, ``"trace"``, ``"dirty"``)
is tuned by ``MultiTaskRegressorCV`` with ``normalize_y=False`` and
``normalize_y=True``, against independent ``RidgeCV`` per task (leave-one-out
α on each task's own training rows), all on the same training rows.

The score is the normalised test error averaged over tasks,

    nMSE = mean_t  MSE_t(test) / Var_t(y_train),

each task's test MSE divided by the variance of its own training targets
(so every task counts alike whatever its unit; tasks with constant training
targets are left out); the tables give its median
over the seeds (splits) and the median of the per-seed ratio to ``RidgeCV``
(below 1: better than independent ridge).

``--part defaults`` measures, on the same splits, ``MultiTaskRegressorCV()``
with every default (its penalties, mixes, α grid, 5-fold CV stratified by
task, ``normalize_y``) against the two baselines a user would try first:
``RidgeCV`` per task and one pooled ``RidgeCV`` on all the rows (no task
labels), with also the ratio of the raw test MSE (in y's units, over all
test rows) of the defaults to that of ``RidgeCV`` per task; ``--part
normalize_y`` the table above; ``--part all`` both.

Data sets:

- synthetic: ``make_multitask_regression(n_tasks=8, n_features=20,
  structure="mean", noise=1)``; each task's targets (training and test alike)
  multiplied by a scale drawn log-uniformly and rescaled so that max/min is
  exactly the spread (1×, 10×, 100×); 50 or 100 training rows and 200 test
  rows per task;
- School (``load_school``): 75 % / 25 % random split within each school;
- Grunfeld (``load_grunfeld``): random 15 / 5 year split within each firm
  (the firms' investments differ by two orders of magnitude: a natural
  spread of target scales);
- computer survey (``load_computer_survey``): random 12 / 4 split of each
  person's 16 training profiles (the bundled test subset has 4 rows per
  person, too few for Var_t); the splits are those of
  ``_common.split_within_tasks``.

Features are standardised with the training rows' statistics.  Grids: 20 α
per path (``alphas=20``; for ``"mean"`` also ``mixes=(0, 0.5, 0.9, 0.99)``),
5-fold CV stratified by task (3-fold on School), ``tol=1e-3``.  One BLAS
thread.

Run::

    python benchmarks/bench_target_scales.py                  # both parts, 5 seeds (3 splits of the real data)
    python benchmarks/bench_target_scales.py --part defaults  # the defaults against the baselines only
    python benchmarks/bench_target_scales.py --part defaults --data Grunfeld survey
    python benchmarks/bench_target_scales.py --quick          # 1 seed, small synthetic data only

writes ``benchmarks/output/target_scales.md``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from _common import split_within_tasks, standardise
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from threadpoolctl import threadpool_limits

from mtlearn.datasets import load_computer_survey, load_grunfeld, load_school, make_multitask_regression
from mtlearn.model_selection import MultiTaskRegressorCV

OUTPUT_DIR = Path(__file__).resolve().parent / "output"
PENALTIES = ("mean", "l21", "trace", "dirty")
MEAN_MIXES = (0.0, 0.5, 0.9, 0.99)
RIDGE_ALPHAS = np.geomspace(1e-3, 1e4, 36)
SPREADS = (1.0, 10.0, 100.0)
N_TRAIN = (50, 100)
N_TEST = 200


def spread_scales(n_tasks, spread, rng):
    """Log-uniform task scales rescaled so that their max / min is exactly ``spread`` (min 1)."""
    u = rng.uniform(size=n_tasks)
    if spread == 1.0:
        return np.ones(n_tasks)
    u = (u - u.min()) / (u.max() - u.min())
    return spread**u


def synthetic_split(n_train, spread, seed):
    """Training and test rows of 8 tasks whose targets are multiplied by per-task scales of the given spread."""
    n_tasks = 8
    rng = np.random.default_rng(seed)
    X, y, tasks, _ = make_multitask_regression(
        n_tasks=n_tasks, n_samples=n_train + N_TEST, n_features=20, structure="mean", noise=1.0, random_state=seed
    )
    y = y * spread_scales(n_tasks, spread, rng)[tasks]
    return _split(X, y, tasks, split_within_tasks(tasks, N_TEST / (n_train + N_TEST), rng))


def real_split(X, y, tasks, seed):
    """A random quarter of each task's rows held out."""
    return _split(X, y, tasks, split_within_tasks(tasks, 0.25, np.random.default_rng(seed)))


def _split(X, y, tasks, test):
    return X[~test], y[~test], tasks[~test], X[test], y[test], tasks[test]


def normalised_mse(y_test, y_pred, t_test, y_train, t_train):
    """Mean over tasks of the test MSE divided by the variance of the task's training targets.

    Tasks whose training targets are constant (a person giving every profile the same rating) have no
    scale to divide by and are left out of the mean.
    """
    ratios = [
        np.mean((y_test[t_test == t] - y_pred[t_test == t]) ** 2) / np.var(y_train[t_train == t])
        for t in np.unique(t_train)
        if np.var(y_train[t_train == t]) > 0
    ]
    return float(np.mean(ratios))


def independent_ridge(X_train, y_train, t_train, X_test, t_test):
    """Predictions of one ``RidgeCV`` per task (leave-one-out α on the task's own rows)."""
    y_pred = np.empty(X_test.shape[0])
    for t in np.unique(t_train):
        model = RidgeCV(alphas=RIDGE_ALPHAS).fit(X_train[t_train == t], y_train[t_train == t])
        y_pred[t_test == t] = model.predict(X_test[t_test == t])
    return y_pred


def pooled_ridge(X_train, y_train, X_test):
    """Predictions of one ``RidgeCV`` on all the training rows (the task labels not given)."""
    return RidgeCV(alphas=RIDGE_ALPHAS).fit(X_train, y_train).predict(X_test)


def multitask_cv(penalty, normalize_y, cv, n_alphas):
    mixes = MEAN_MIXES if penalty == "mean" else None
    return MultiTaskRegressorCV(
        penalty=penalty, normalize_y=normalize_y, alphas=n_alphas, mixes=mixes, cv=cv, tol=1e-3, max_iter=2000
    )


def evaluate(split, cv, n_alphas, parts, quick=False):
    """nMSE of the baselines and of the models of ``parts`` on one split; CPU seconds of the multi-task fits.

    Keys: ``"RidgeCV per task"``, ``"pooled RidgeCV"``, ``(penalty, normalize_y)`` (part
    ``"normalize_y"``) and ``"defaults"`` (part ``"defaults"``, with ``"defaults chosen"``: its
    penalty and mix; ``quick``: 5 α instead of the default 30).
    """
    X_train, y_train, t_train, X_test, y_test, t_test = split
    X_train, X_test = standardise(X_train, X_test)

    def score(y_pred):
        return normalised_mse(y_test, y_pred, t_test, y_train, t_train)

    per_task = independent_ridge(X_train, y_train, t_train, X_test, t_test)
    scores = {
        "RidgeCV per task": score(per_task),
        "pooled RidgeCV": score(pooled_ridge(X_train, y_train, X_test)),
        "RidgeCV per task, raw MSE": float(np.mean((y_test - per_task) ** 2)),
    }
    seconds = 0.0
    if "normalize_y" in parts:
        for penalty in PENALTIES:
            for normalize_y in (False, True):
                started = time.process_time()
                model = multitask_cv(penalty, normalize_y, cv, n_alphas).fit(X_train, y_train, tasks=t_train)
                seconds += time.process_time() - started
                scores[(penalty, normalize_y)] = score(model.predict(X_test, tasks=t_test))
    if "defaults" in parts:
        started = time.process_time()
        model = MultiTaskRegressorCV(**({"alphas": 5} if quick else {})).fit(X_train, y_train, tasks=t_train)
        seconds += time.process_time() - started
        y_pred = model.predict(X_test, tasks=t_test)
        scores["defaults"] = score(y_pred)
        scores["defaults, raw MSE"] = float(np.mean((y_test - y_pred) ** 2))
        scores["defaults chosen"] = model.penalty_ + ("" if model.mix_ is None else f" mix={model.mix_:g}")
    return scores, seconds


def summary_rows(name, per_seed):
    """Table rows of one data set: median nMSE and median ratio to RidgeCV, off / on, per penalty."""
    ridge = np.array([s["RidgeCV per task"] for s in per_seed])
    rows = [f"| {name} | RidgeCV per task | {np.median(ridge):.3f} | 1 | | |"]
    for penalty in PENALTIES:
        off = np.array([s[(penalty, False)] for s in per_seed])
        on = np.array([s[(penalty, True)] for s in per_seed])
        rows.append(
            f"| {name} | {penalty} | {np.median(off):.3f} | {np.median(off / ridge):.3f} "
            f"| {np.median(on):.3f} | **{np.median(on / ridge):.3f}** |"
        )
    return rows


def defaults_rows(name, per_seed):
    """Table row of one data set: nMSE of the defaults and of both baselines, the defaults' ratio to each."""
    ridge, pooled, defaults = (
        np.array([s[key] for s in per_seed]) for key in ("RidgeCV per task", "pooled RidgeCV", "defaults")
    )
    better = np.minimum(ridge, pooled)
    raw = np.array([s["defaults, raw MSE"] / s["RidgeCV per task, raw MSE"] for s in per_seed])
    choices = {}
    for s in per_seed:
        choices[s["defaults chosen"]] = choices.get(s["defaults chosen"], 0) + 1
    chosen = "; ".join(f"{key} ({count}/{len(per_seed)})" for key, count in choices.items())
    return [
        f"| {name} | {np.median(ridge):.3f} | {np.median(pooled):.3f} | {np.median(defaults):.3f} "
        f"| {np.median(defaults / ridge):.3f} | {np.median(defaults / pooled):.3f} "
        f"| **{np.median(defaults / better):.3f}** ({np.max(defaults / better):.3f}) "
        f"| {np.median(raw):.3f} ({np.max(raw):.3f}) | {chosen} |"
    ]


REAL_DATA = {
    "School": (lambda: load_school(return_X_y=True), 3),
    "Grunfeld": (lambda: load_grunfeld(return_X_y=True), 3),
    "computer survey": (lambda: load_computer_survey(subset="train", return_X_y=True), 5),
}


def data_sets(args):
    """(name, list of splits, cv folds) of every data set measured (``args.data``: which ones)."""
    seeds = range(args.seeds)
    sets = []
    if "synthetic" in args.data:
        sets = [
            (f"synthetic, {n} rows/task, spread {spread:g}×", [synthetic_split(n, spread, seed) for seed in seeds], 5)
            for n in ((50,) if args.quick else N_TRAIN)
            for spread in SPREADS
        ]
    if args.quick:
        return sets
    real_seeds = range(min(args.seeds, 3))
    for name, (load, folds) in REAL_DATA.items():
        if name.split()[-1] in args.data:
            X, y, tasks = load()
            sets.append((name, [real_split(X, y, tasks, seed) for seed in real_seeds], folds))
    return sets


NORMALIZE_Y_HEADER = [
    "| data | model | nMSE, normalize_y=False | ratio to RidgeCV | nMSE, normalize_y=True | ratio to RidgeCV |",
    "|---|---|---|---|---|---|",
]
DEFAULTS_HEADER = [
    "| data | nMSE, RidgeCV per task | nMSE, pooled RidgeCV | nMSE, MultiTaskRegressorCV() "
    "| defaults / per task | defaults / pooled | defaults / better baseline (worst seed) "
    "| raw MSE, defaults / per task (worst seed) | chosen |",
    "|---|---|---|---|---|---|---|---|---|",
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 50-row synthetic sets only, 5 alphas")
    parser.add_argument("--seeds", type=int, default=5, help="seeds (splits) per data set (default 5; ≤ 3 real)")
    parser.add_argument(
        "--part", choices=["all", "normalize_y", "defaults"], default="all", help="which table(s) (default all)"
    )
    parser.add_argument(
        "--data",
        nargs="+",
        default=["synthetic", "School", "Grunfeld", "survey"],
        choices=["synthetic", "School", "Grunfeld", "survey"],
        help="data sets (default all; --quick: synthetic only)",
    )
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds = 1
    parts = ("normalize_y", "defaults") if args.part == "all" else (args.part,)
    n_alphas = 5 if args.quick else 20
    normalize_rows, default_rows, total_seconds = [], [], 0.0
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        for name, splits, cv in data_sets(args):
            per_seed = []
            for split in splits:
                scores, seconds = evaluate(split, cv, n_alphas, parts, quick=args.quick)
                per_seed.append(scores)
                total_seconds += seconds
            if "normalize_y" in parts:
                normalize_rows += summary_rows(name, per_seed)
                print("\n".join(normalize_rows[-len(PENALTIES) - 1 :]), flush=True)
            if "defaults" in parts:
                default_rows += defaults_rows(name, per_seed)
                print(default_rows[-1], flush=True)
        warned = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    tables = []
    if normalize_rows:
        tables += ["## normalize_y off and on, per penalty", "", *NORMALIZE_Y_HEADER, *normalize_rows, ""]
    if default_rows:
        tables += [
            "## MultiTaskRegressorCV() against RidgeCV per task and pooled",
            "",
            *DEFAULTS_HEADER,
            *default_rows,
            "",
        ]
    text = "\n".join(
        [
            "# Tasks on different target scales",
            "",
            *tables,
            f"Medians over {args.seeds} seeds (at most 3 splits of the real data sets); "
            f"{total_seconds:.0f} s CPU in the multi-task fits; {warned} ConvergenceWarnings.",
            "",
        ]
    )
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "target_scales.md").write_text(text, encoding="utf-8")
    print(text)
    return text


if __name__ == "__main__":
    main()
