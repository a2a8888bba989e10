"""``MultiTaskClassifierCV()`` against per-task and pooled ``LogisticRegressionCV``: the slow tests' computation.

The five synthetic structures of ``tests/test_cv_grids.py`` (4 tasks, 30
training rows each; 5 seeds each): the test log-loss of the defaults, of
per-task and of pooled ``LogisticRegressionCV``, the excess of the defaults
over the better baseline per seed, its mean and its standard error (the
test passes when the mean is at most one standard error); and the rare
positives of ``test_default_classifier_cv_beats_null_and_pooled_on_rare_positives``
(per-task test AUC of the defaults and of a pooled ``LogisticRegressionCV``,
5 seeds); with ``--groups N``, the defaults and the two baselines of
``bench_rare_positive_groups.py --data synthetic --positives 5`` on its
first N splits (20 tasks in 2 groups, 30 training rows with 5 positives per
task; per-task test AUC).  ``--shared-from`` sets the smallest mix of ``"mean"`` at which
``intercept_sharing="auto"`` shares one intercept (the estimator's default:
0.9; 1.0 is its grid before, sharing at the pooled end only).  Prints the
chosen point of every fit and the CPU time of the default fits.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_classifier_baselines.py
        [--shared-from 1.0] [--structures mean clusters ...] [--no-rare] [--groups 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from _common import timed_fit
from bench_rare_positive_groups import fit_baselines, rare_training_rows, synthetic_data
from reproduce_sentiment_domains import per_task_auc
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mtlearn import MultiTaskClassifierCV  # noqa: E402
from mtlearn._grid_search import LOGISTIC_SHARED_INTERCEPT_MIX  # noqa: E402
from mtlearn.datasets import make_rare_positive_tasks  # noqa: E402
from tests.test_cv_grids import (  # noqa: E402  (the tests' own data and criterion)
    STRUCTURES,
    _classification_structure,
    _per_task_auc,
    _split,
    _within_one_standard_error,
)

LOGISTIC = {"Cs": 20, "scoring": "neg_log_loss", "max_iter": 5000, "l1_ratios": (0.0,), "use_legacy_attributes": False}


def defaults(shared_from):
    """``MultiTaskClassifierCV()`` whose ``"auto"`` shares the intercept from mix = ``shared_from`` of "mean" on."""
    return type("MultiTaskClassifierCV", (MultiTaskClassifierCV,), {"_shared_intercept_mix": shared_from})()


def describe(model):
    return f"{model.penalty_} mix={model.mix_} alpha={model.alpha_:.3g} {model.intercept_sharing_}"


def structure_excess(structure, shared_from):
    """Per seed: the test log-loss of the defaults and of the two baselines; then the test's criterion."""
    default, independent, pooled, cpu = [], [], [], 0.0
    for seed in range(5):
        (X, y, tasks), (X_test, y_test, tasks_test) = _split(*_classification_structure(structure, seed), seed)
        model = defaults(shared_from)
        cpu += timed_fit(model, X, y, tasks)
        default.append(log_loss(y_test, model.predict_proba(X_test, tasks=tasks_test)[:, 1]))
        per_task = np.empty(len(y_test))
        for t in np.unique(tasks):
            fitted = LogisticRegressionCV(cv=3, **LOGISTIC).fit(X[tasks == t], y[tasks == t])
            per_task[tasks_test == t] = fitted.predict_proba(X_test[tasks_test == t])[:, 1]
        independent.append(log_loss(y_test, per_task))
        pooled.append(log_loss(y_test, LogisticRegressionCV(**LOGISTIC).fit(X, y).predict_proba(X_test)[:, 1]))
        print(
            f"  {structure} seed {seed}: chose {describe(model)}  test log-loss {default[-1]:.4f} "
            f"(per task {independent[-1]:.4f}, pooled {pooled[-1]:.4f})",
            flush=True,
        )
    within, excess = _within_one_standard_error(default, [independent, pooled])
    standard_error = np.std(excess, ddof=1) / np.sqrt(len(excess))
    print(
        f"{structure}: excess {np.array2string(excess, precision=3, sign='+')} mean {np.mean(excess):+.4f} "
        f"SE {standard_error:.4f} within one SE: {within}  CPU of the default fits {cpu:.1f} s",
        flush=True,
    )


def rare_positive_auc(shared_from):
    """Per-task test AUC of the defaults and of a pooled LogisticRegressionCV on the rare-positive family."""
    default, pooled = [], []
    for seed in range(5):
        X, y, tasks, _, _ = make_rare_positive_tasks(n_samples=(60, 160), min_positives=4, random_state=seed)
        train, test = train_test_split(np.arange(len(y)), test_size=0.5, stratify=tasks * 2 + y, random_state=seed)
        model = defaults(shared_from)
        cpu = timed_fit(model, X[train], y[train], tasks[train])
        default.append(_per_task_auc(model.decision_function(X[test], tasks=tasks[test]), y[test], tasks[test]))
        logistic = LogisticRegressionCV(**LOGISTIC).fit(X[train], y[train])
        pooled.append(_per_task_auc(logistic.decision_function(X[test]), y[test], tasks[test]))
        print(
            f"  rare positives seed {seed}: chose {describe(model)}  per-task AUC {default[-1]:.4f} "
            f"(pooled {pooled[-1]:.4f})  CPU {cpu:.1f} s",
            flush=True,
        )
    print(f"rare positives: mean per-task AUC {np.mean(default):.4f} (pooled {np.mean(pooled):.4f})", flush=True)


def rare_positive_groups(shared_from, n_splits):
    """The defaults and the baselines of ``bench_rare_positive_groups.py --data synthetic --positives 5``."""
    for seed in range(n_splits):
        X, y, tasks, _, _ = synthetic_data(20, seed)
        train = rare_training_rows(y, tasks, 30, 5, np.random.default_rng(seed))
        X_test, y_test, t_test = X[~train], y[~train], tasks[~train]
        scores = fit_baselines(X[train], y[train], tasks[train], X_test, t_test)
        model = defaults(shared_from)
        cpu = timed_fit(model, X[train], y[train], tasks[train])
        scores["defaults"] = model.decision_function(X_test, tasks=t_test)
        auc = {name: np.mean(list(per_task_auc(y_test, s, t_test).values())) for name, s in scores.items()}
        line = "  ".join(f"{name} {value:.4f}" for name, value in auc.items())
        print(f"  groups split {seed}: chose {describe(model)}  per-task AUC: {line}  CPU {cpu:.1f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-from", type=float, default=LOGISTIC_SHARED_INTERCEPT_MIX)
    parser.add_argument("--structures", nargs="*", default=STRUCTURES, choices=STRUCTURES)
    parser.add_argument("--no-rare", action="store_true", help="skip the rare positives")
    parser.add_argument("--groups", type=int, default=0, help="splits of the rare positives with task groups")
    args = parser.parse_args()
    print(f"intercept_sharing='auto' shares one intercept from mix = {args.shared_from} of 'mean' on", flush=True)
    with threadpool_limits(1):
        for structure in args.structures:
            structure_excess(structure, args.shared_from)
        if not args.no_rare:
            rare_positive_auc(args.shared_from)
        rare_positive_groups(args.shared_from, args.groups)


if __name__ == "__main__":
    main()
