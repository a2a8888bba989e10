"""The default grids of the CV estimators: which score the classifier maximises, and what the defaults cost.

``--part scoring`` (default): on the synthetic rare-positive family (:func:`mtlearn.datasets.make_rare_positive_tasks`:
20 tasks, 5 % positives, two task groups), each seed's rows are split in halves
within every (task, class) stratum: 30–80 training rows per task.  For every
scoring, ``MultiTaskClassifierCV(penalty="mean")`` chooses (mix, α) by 5-fold CV
on the training half over one grid (``--mixes``, ``--n-alphas`` values from the
data scale down to ``--eps`` times it) and is scored on the test half by the
mean over tasks of each task's ROC AUC (``roc_auc_score`` task by task).  Also
printed: where the chosen α lies in its grid (0 = top, the most regularised),
whether it is the top (the null model: every task's intercept only), and the
two baselines, a pooled ``LogisticRegressionCV`` (one model for all rows) and
the null model (AUC 0.5).

``--part cost``: CPU time (one BLAS thread) of ``MultiTaskRegressorCV()`` on
School (all 15,362 rows, features standardised) and of ``MultiTaskClassifierCV()``
on the training half of the first rare-positive data set, both with every
default, and with the previous defaults (``penalty=["mean", "l21"]``,
``scale_features=False``) for the ratio; with the grid's size, the choice
and the number of ``ConvergenceWarning``s.

    python benchmarks/bench_default_grids.py [--part scoring] [--seeds 5] [--scorings accuracy neg_log_loss roc_auc]
    python benchmarks/bench_default_grids.py --part cost
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskClassifierCV, MultiTaskRegressorCV
from mtlearn.datasets import load_school, make_rare_positive_tasks


def rare_positive_split(seed):
    """Training and test halves of one rare-positive data set, split within every (task, class)."""
    X, y, tasks, _, _ = make_rare_positive_tasks(n_samples=(60, 160), min_positives=4, random_state=seed)
    strata = tasks * 2 + y
    train, test = train_test_split(np.arange(len(y)), test_size=0.5, stratify=strata, random_state=seed)
    return (X[train], y[train], tasks[train]), (X[test], y[test], tasks[test])


def per_task_auc(scores, y, tasks):
    """Mean over tasks of each task's ROC AUC of ``scores``."""
    return float(np.mean([roc_auc_score(y[tasks == t], scores[tasks == t]) for t in np.unique(tasks)]))


# The defaults before "relationship" and per-task feature scaling joined them, for the cost ratio.
PREVIOUS_DEFAULTS = {"penalty": ["mean", "l21"], "scale_features": False}


def default_cost():
    """Time, grid size and choice of the two CV estimators with every default, and with the previous ones."""
    X, y, tasks = load_school(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    (X_rare, y_rare, tasks_rare), _ = rare_positive_split(0)
    print("| data | estimator | scores_ (penalty × mix × α × fold) | CPU s | ConvergenceWarnings | chosen |")
    print("|---|---|---|---|---|---|")
    school = ("School (15,362 rows, 139 tasks)", (X, y, tasks))
    rare = ("rare positives, seed 0 (20 tasks, 30–80 rows)", (X_rare, y_rare, tasks_rare))
    for (name, data), estimator in [(school, MultiTaskRegressorCV), (rare, MultiTaskClassifierCV)]:
        for params in [{}, PREVIOUS_DEFAULTS]:
            _print_cost(name, estimator(**params), params, data)


def _print_cost(name, model, params, data):
    """One row of the cost table: fit ``model`` on ``data`` and print its time, grid, warnings and choice."""
    started = time.process_time()
    with threadpool_limits(1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data[0], data[1], tasks=data[2])
    seconds = time.process_time() - started
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    given = ", ".join(f"{key}={value!r}" for key, value in params.items())
    print(
        f"| {name} | {type(model).__name__}({given}) | {' × '.join(map(str, model.scores_.shape))} "
        f"| {seconds:.1f} | {n_warnings} | penalty {model.penalty_!r}, mix {model.mix_}, alpha {model.alpha_:.3g}, "
        f"edges {model.on_grid_edge_} |",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["scoring", "cost"], default="scoring")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--scorings", nargs="+", default=["accuracy", "neg_log_loss", "roc_auc"])
    parser.add_argument("--mixes", type=float, nargs="+", default=[0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0])
    parser.add_argument("--n-alphas", type=int, default=30)
    parser.add_argument("--eps", type=float, default=1e-6)
    args = parser.parse_args()
    if args.part == "cost":
        default_cost()
        return

    rows = {scoring: [] for scoring in args.scorings}
    baselines = []
    for seed in range(args.seeds):
        (X, y, tasks), (X_test, y_test, tasks_test) = rare_positive_split(seed)
        with threadpool_limits(1):
            pooled = LogisticRegressionCV(
                Cs=20, scoring="neg_log_loss", max_iter=5000, l1_ratios=(0.0,), use_legacy_attributes=False
            ).fit(X, y)
            baselines.append(per_task_auc(pooled.decision_function(X_test), y_test, tasks_test))
            for scoring in args.scorings:
                started = time.process_time()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    model = MultiTaskClassifierCV(
                        penalty="mean", mixes=args.mixes, alphas=args.n_alphas, eps=args.eps, scoring=scoring
                    ).fit(X, y, tasks=tasks)
                seconds = time.process_time() - started
                index = int(np.flatnonzero(model.alphas_ == model.alpha_)[0])
                auc = per_task_auc(model.decision_function(X_test, tasks=tasks_test), y_test, tasks_test)
                n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
                rows[scoring].append((auc, index, model.mix_, seconds, n_warnings))
                print(
                    f"seed {seed}  {scoring:14s} per-task AUC {auc:.3f}  alpha index {index}/{args.n_alphas - 1}  "
                    f"mix {model.mix_:g}  {seconds:.1f} s CPU  {n_warnings} ConvergenceWarnings",
                    flush=True,
                )
        print(f"seed {seed}  pooled LogisticRegressionCV per-task AUC {baselines[-1]:.3f}", flush=True)

    print(
        f"\n| scoring | per-task test AUC (mean ± sd over {args.seeds} seeds) | chose the top α (null model) "
        "| α index (0 = top) | mix | CPU s per fit |"
    )
    print("|---|---|---|---|---|---|")
    for scoring, results in rows.items():
        auc, index, mix, seconds, _ = (np.array(column) for column in zip(*results, strict=True))
        print(
            f"| {scoring} | {auc.mean():.3f} ± {auc.std():.3f} | {int(np.sum(index == 0))}/{args.seeds} "
            f"| {index.min()}–{index.max()} | {', '.join(f'{m:g}' for m in sorted(set(mix)))} | {seconds.mean():.1f} |"
        )
    baselines = np.array(baselines)
    print(f"| pooled LogisticRegressionCV (baseline) | {baselines.mean():.3f} ± {baselines.std():.3f} | | | | |")
    print("| null model (baseline) | 0.500 | | | | |")


if __name__ == "__main__":
    main()
