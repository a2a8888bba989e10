"""Wall time of MultiTaskRegressorCV against GridSearchCV over the same grid and folds.

Both choose α on the same folds and the same grid (MultiTaskRegressorCV's default
grid, whose computation is part of its time; the task labels travel as the last
column of X) and refit on all the data.  MultiTaskRegressorCV follows one warm-started path
per fold; GridSearchCV fits every (fold, α) from zero.  Prints, for each
penalty, the two wall times, their ratio and whether both chose the same α.

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
    penalties = {"mean (exact solver)": "mean", "l21 (APG)": "l21", "cluster (APG)": ClusterPenalty(n_clusters=3)}
    print(f"{args.n_tasks} tasks x {args.n_samples} samples, {args.n_features} features, "
          f"{args.n_alphas} alphas, 5 folds, best of {args.repeats}")
    print(f"{'penalty':<22}{'CV [s]':>10}{'GridSearchCV [s]':>18}{'ratio':>8}  same alpha")
    for name, penalty in penalties.items():
        base = MultiTaskRegressor(penalty=penalty, task_column=-1, tol=1e-6, max_iter=5000)
        cv_times, gs_times = [], []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(args.repeats):
                seconds, cv = _timed(
                    lambda: MultiTaskRegressorCV(
                        alphas=args.n_alphas, cv=folds, penalty=penalty, task_column=-1, tol=1e-6, max_iter=5000
                    ).fit(Xc, y)
                )
                cv_times.append(seconds)
                seconds, search = _timed(
                    lambda: GridSearchCV(base, {"alpha": cv.alphas_}, cv=folds, scoring="neg_mean_squared_error").fit(Xc, y)
                )
                gs_times.append(seconds)
        same = np.isclose(cv.alpha_, search.best_params_["alpha"])
        cv_time, gs_time = min(cv_times), min(gs_times)
        print(f"{name:<22}{cv_time:>10.3f}{gs_time:>18.3f}{gs_time / cv_time:>8.2f}  {same}")


if __name__ == "__main__":
    main()
