"""CPU time of mtlearn's many-fit workloads: the ℓ2,1 path at two sizes and the CV estimators' fits.

For comparing two versions of mtlearn on the same machine (there is no peer:
the per-fit overhead of paths and cross-validation is mtlearn's own).  Run it
once per tree, one after the other, e.g. for the main branch:

    git archive main mtlearn | tar -x -C /tmp/main-tree
    PYTHONPATH=/tmp/main-tree python benchmarks/bench_overhead.py
    python benchmarks/bench_overhead.py

Workloads (one BLAS thread, median of ``--repeats`` runs, CPU time):

- ``multitask_path`` of ``MultiTaskRegressor(penalty="l21", fit_intercept=False,
  tol=1e-7)``, 29 α from α_max/1.17 to α_max/100, shared design 500 × 100 × 5
  tasks and 5000 × 500 × 20 tasks (the data of ``bench_path.py``);
- ``MultiTaskRegressorCV`` and ``MultiTaskClassifierCV`` (label: target above
  its median) with ``"l21"`` and ``"trace"``, 20 α, 5 folds, on
  ``make_multitask_regression(n_tasks=20, n_samples=50, n_features=30)``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from bench_path import shared_design
from threadpoolctl import threadpool_limits

import mtlearn
from mtlearn import MultiTaskClassifierCV, MultiTaskRegressor, MultiTaskRegressorCV
from mtlearn.datasets import make_multitask_regression
from mtlearn.model_selection import multitask_path


def median_seconds(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return float(np.median(times))


def workloads():
    """``name -> callable`` of the timed workloads."""
    runs = {}
    for n, p, n_tasks, active in ((500, 100, 5, 10), (5000, 500, 20, 50)):
        X, Y, alphas = shared_design(np.random.default_rng(0), n, p, n_tasks, active)
        estimator = MultiTaskRegressor(penalty="l21", fit_intercept=False, tol=1e-7, max_iter=100_000)
        runs[f"l21 path, {n} × {p} × {n_tasks}"] = lambda e=estimator, X=X, Y=Y, a=alphas: multitask_path(
            e, X, Y, alphas=a
        )
    X, y, tasks, _ = make_multitask_regression(n_tasks=20, n_samples=50, n_features=30, random_state=0)
    labels = y > np.median(y)
    for penalty in ("l21", "trace"):
        runs[f"MultiTaskRegressorCV {penalty}"] = lambda p=penalty: MultiTaskRegressorCV(penalty=p, alphas=20).fit(
            X, y, tasks=tasks
        )
        runs[f"MultiTaskClassifierCV {penalty}"] = lambda p=penalty: MultiTaskClassifierCV(penalty=p, alphas=20).fit(
            X, labels, tasks=tasks
        )
    return runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"mtlearn from {mtlearn.__file__}")
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, run in workloads().items():
            print(f"{name}: {median_seconds(run, args.repeats):.3g} s")


if __name__ == "__main__":
    main()
