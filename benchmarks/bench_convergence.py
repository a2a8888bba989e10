"""Convergence of the classifiers over the CV estimators' default grids on rare-positive tasks.

The family is :func:`mtlearn.datasets.make_rare_positive_tasks` (20 tasks,
30–80 rows each, 5 % positives) with 9 and with 30 features.  For each
smooth classification loss (logistic, squared hinge) and each penalty that
``MultiTaskClassifierCV`` searches over a default α grid, one
``MultiTaskClassifierCV`` fit with its defaults (100 α from α_max down to
``eps`` · α_max, 5 folds, warm-started paths) is run, and for
``MultiTaskLinearSVC`` (hinge loss, solved in the dual) cold fits over a C
grid up to 100.  Each row reports the number of ``ConvergenceWarning``\\ s
(every fit of the grid that stopped above ``tol``), the CPU time of the grid
(one BLAS thread), the iterations summed over the grid's fits and the largest
certificate; the solver method that fitted the grid is named.

    python benchmarks/bench_convergence.py [--quick] [--seeds 0 1] [--features 9 30] [--eps 1e-3] [--n-alphas 100]
        [--losses logistic squared_hinge hinge]

``--quick`` runs one seed on 9 features with a 20-point grid (for the tests).
The table goes to ``benchmarks/output/convergence.md`` and is printed.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _common import OUTPUT_DIR, markdown_table, write_output
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskLinearSVC
from mtlearn._base import MultiTaskLinearModel
from mtlearn.datasets import make_rare_positive_tasks
from mtlearn.model_selection import MultiTaskClassifierCV
from mtlearn.penalties import PENALTIES
from mtlearn.solvers import Problem, choose_method

SMOOTH_LOSSES = ("logistic", "squared_hinge")
# Penalties with a default α grid (a dual norm) or a data-scaled one, in table order.
GRID_PENALTIES = ("mean", "lasso", "l21", "trace", "dirty", "cluster", "relationship")
HINGE_C = np.geomspace(0.01, 100.0, 9)
HINGE_PENALTIES = ("mean", "ridge")


class _FitRecorder:
    """Records every solver result stored by a fitted model (iterations, certificate) while active."""

    def __init__(self):
        self.results = []
        self._store = MultiTaskLinearModel._store

    def __enter__(self):
        recorder = self

        def store(model, results, penalty, data):
            recorder.results.extend(results)
            return recorder._store(model, results, penalty, data)

        MultiTaskLinearModel._store = store
        return self

    def __exit__(self, *exc):
        MultiTaskLinearModel._store = self._store


def _run(fit):
    """(warnings, CPU seconds, total iterations, worst certificate, fits) of ``fit()``."""
    with warnings.catch_warnings(record=True) as caught, _FitRecorder() as recorder:
        warnings.simplefilter("always", ConvergenceWarning)
        started = time.process_time()
        fit()
        elapsed = time.process_time() - started
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    certificates = [r.certificate for r in recorder.results if np.isfinite(r.certificate)]
    worst = max(certificates, default=np.nan)
    return n_warnings, elapsed, sum(r.n_iter for r in recorder.results), worst, len(recorder.results)


def _method_name(model, X, y, tasks):
    problems = model._training_problems(X, y, tasks, None)[2]
    problem = problems[0]
    return choose_method(Problem(problem.design, problem.loss, problem.penalty, 1e-3, problem.intercepts)).name


def rows(seeds, features, n_alphas, eps, losses=SMOOTH_LOSSES + ("hinge",)):
    out = []
    for n_features in features:
        for seed in seeds:
            X, y, tasks, _, _ = make_rare_positive_tasks(n_features=n_features, random_state=seed)
            shape = f"{n_features} features, seed {seed}"
            for loss in (loss for loss in SMOOTH_LOSSES if loss in losses):
                for penalty in GRID_PENALTIES:
                    if penalty not in PENALTIES:
                        continue
                    model = MultiTaskClassifierCV(loss=loss, penalty=penalty, alphas=n_alphas, eps=eps)
                    method = _method_name(model._base_estimator(), X, y, tasks)
                    stats = _run(lambda model=model: model.fit(X, y, tasks=tasks))
                    out.append((shape, loss, penalty, method, *stats))
            for penalty in HINGE_PENALTIES if "hinge" in losses else ():

                def fit_grid(penalty=penalty):
                    for C in HINGE_C:
                        MultiTaskLinearSVC(C=C, penalty=penalty).fit(X, y, tasks=tasks)

                method = _method_name(MultiTaskLinearSVC(penalty=penalty), X, y, tasks)
                out.append((shape, "hinge (C ≤ 100)", penalty, method, *_run(fit_grid)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--features", type=int, nargs="+", default=[9, 30])
    parser.add_argument("--eps", type=float, default=1e-3, help="bottom of the α grid, relative to its top")
    parser.add_argument("--n-alphas", type=int, default=100, help="points of the α grid")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--losses", nargs="+", default=[*SMOOTH_LOSSES, "hinge"], choices=[*SMOOTH_LOSSES, "hinge"], help="rows to run"
    )
    args = parser.parse_args(argv)
    seeds, features, n_alphas = (args.seeds, args.features, args.n_alphas) if not args.quick else ([0], [9], 20)
    with threadpool_limits(args.threads):
        table = rows(seeds, features, n_alphas, args.eps, args.losses)
    header = ["data", "loss", "penalty", "method", "warnings", "CPU s", "iterations", "worst certificate", "fits"]
    body = [
        [shape, loss, penalty, method, str(n), f"{t:.2f}", str(it), f"{cert:.1e}", str(fits)]
        for shape, loss, penalty, method, n, t, it, cert, fits in table
    ]
    total = sum(row[4] for row in table)
    text = markdown_table(header, body) + f"\n\nConvergenceWarnings in all: {total}\n"
    write_output(text, OUTPUT_DIR / "convergence.md")


if __name__ == "__main__":
    main()
