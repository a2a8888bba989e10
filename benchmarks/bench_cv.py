"""Wall time of MultiTaskRegressorCV against GridSearchCV over the same grid and folds.

Both choose α (and, in the last row, mix) on the same folds and the same grid
(MultiTaskRegressorCV's default α grid, whose computation is part of its time;
the task labels travel as the last column of X) and refit on all the data.
GridSearchCV fits every (fold, mix, α) from zero.  MultiTaskRegressorCV follows
one warm-started path per fold and mix for the iterative solvers (l21,
cluster); for the exact solver (squared loss with "mean") it computes the
per-task eigendecompositions of each fold's training rows once and solves
every (mix, α) from them.  Prints, for each penalty, the two wall times, their
ratio (GridSearchCV / CV: above 1, the CV estimator is faster) and whether
both chose the same α (and mix).

    python benchmarks/bench_cv.py [--n-tasks 20] [--n-samples 50] [--n-features 30] [--n-alphas 20]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold

from mtlearn import ClusterPenalty, MultiTaskRegressor, MultiTaskRegressorCV
from mtlearn.datasets import make_multitask_regression


def _timed(function):
    start = time.perf_counter()
    out = function()
    return time.perf_counter() - start, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tasks", type=int, default=20)
    parser.add_argument("--n-samples", type=int, default=50)
    parser.add_argument("--n-features", type=int, default=30)
    parser.add_argument("--n-alphas", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    X, y, tasks, _ = make_multitask_regression(
        n_tasks=args.n_tasks, n_samples=args.n_samples, n_features=args.n_features, random_state=0
    )
    Xc = np.column_stack([X, tasks])
    folds = KFold(5, shuffle=True, random_state=0)
    # name: (penalty, mixes searched or None)
    cases = {
        "mean (exact solver)": ("mean", None),
        "l21 (APG)": ("l21", None),
        "cluster (APG)": (ClusterPenalty(n_clusters=3), None),
        "mean, 3 mixes (exact)": ("mean", [0.2, 0.5, 0.8]),
    }
    print(
        f"{args.n_tasks} tasks x {args.n_samples} samples, {args.n_features} features, "
        f"{args.n_alphas} alphas, 5 folds, best of {args.repeats}"
    )
    print(f"{'penalty':<22}{'CV [s]':>10}{'GridSearchCV [s]':>18}{'ratio':>8}  same alpha")
    for name, (penalty, mixes) in cases.items():
        # normalize_y=True: MultiTaskRegressorCV's default, so both search the same models.
        base = MultiTaskRegressor(penalty=penalty, task_column=-1, tol=1e-6, max_iter=5000, normalize_y=True)
        cv_times, gs_times = [], []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(args.repeats):
                seconds, cv = _timed(
                    lambda: MultiTaskRegressorCV(
                        alphas=args.n_alphas,
                        mixes=mixes,
                        cv=folds,
                        penalty=penalty,
                        task_column=-1,
                        tol=1e-6,
                        max_iter=5000,
                    ).fit(Xc, y)
                )
                cv_times.append(seconds)
                grid = {"alpha": cv.alphas_} if mixes is None else {"alpha": cv.alphas_, "mix": mixes}
                seconds, search = _timed(
                    lambda: GridSearchCV(base, grid, cv=folds, scoring="neg_mean_squared_error").fit(Xc, y)
                )
                gs_times.append(seconds)
        same = np.isclose(cv.alpha_, search.best_params_["alpha"])
        if mixes is not None:
            same = same and np.isclose(cv.mix_, search.best_params_["mix"])
        cv_time, gs_time = min(cv_times), min(gs_times)
        print(f"{name:<22}{cv_time:>10.3f}{gs_time:>18.3f}{gs_time / cv_time:>8.2f}  {same}")


if __name__ == "__main__":
    main()
