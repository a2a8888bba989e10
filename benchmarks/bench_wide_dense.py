"""Convergence at the defaults on dense tasks with fewer rows than features (whose all-feature Gram form does not pay).

Dense Gaussian rows, targets from five shared features with task-specific
deviations plus noise (labels: target above 0, both classes in every task);
shapes tasks × rows × features 10 × 30 × 100, 5 × 20 × 500, 20 × 10 × 50 and
3 × 50 × 300, two seeds; for ``MultiTaskRegressor`` and ``MultiTaskClassifier``
(logistic, squared hinge) with ``"l21"``, ``"lasso"`` and ``"dirty"``, one fit at
the defaults but α for each α = α_max · {1e-1, 1e-2, 1e-3} (24 fits per row).
Each row reports the fits that ended with a ``ConvergenceWarning``, the
largest certificate, the CPU time of its fits (one BLAS thread) and, for the
lasso regressor, the time of a loop of scikit-learn ``Lasso`` fits on each
task's rows (the lasso is one Lasso per task) at their default tol.

    python benchmarks/bench_wide_dense.py [--quick] [--output-dir D]

``--quick`` runs the first shape and seed (for the tests).  The table goes to
``benchmarks/output/wide_dense.md`` (or ``D``) and is printed.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from _common import OUTPUT_DIR, markdown_table, write_output
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskClassifier, MultiTaskRegressor
from mtlearn.model_selection import alpha_max

SHAPES = [(10, 30, 100), (5, 20, 500), (20, 10, 50), (3, 50, 300)]
SEEDS = (0, 1)
FRACTIONS = (1e-1, 1e-2, 1e-3)
PENALTIES = ("l21", "lasso", "dirty")
LOSSES = ("squared_error", "logistic", "squared_hinge")


def wide_tasks(n_tasks, n_rows, n_features, seed):
    """Dense rows, regression targets, labels with both classes in every task, task labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_tasks * n_rows, n_features))
    tasks = np.repeat(np.arange(n_tasks), n_rows)
    W = np.zeros((n_tasks, n_features))
    W[:, :5] = rng.standard_normal(5) + 0.3 * rng.standard_normal((n_tasks, 5))
    y = np.einsum("ip,ip->i", X, W[tasks]) + 0.5 * rng.standard_normal(len(tasks))
    labels = y > 0
    for t in range(n_tasks):
        labels[np.flatnonzero(tasks == t)[:2]] = [True, False]
    return X, y, labels, tasks


def estimator(loss, penalty):
    if loss == "squared_error":
        return MultiTaskRegressor(penalty=penalty)
    return MultiTaskClassifier(penalty=penalty, loss=loss)


def timed(fit):
    start = time.process_time()
    fit()
    return time.process_time() - start


def run_row(loss, penalty, shapes, seeds):
    """(warned fits, fits, largest certificate, CPU seconds, Lasso loop seconds or None) of one row."""
    warned = fits = 0
    worst, seconds, peer = 0.0, 0.0, 0.0
    for shape in shapes:
        for seed in seeds:
            X, y, labels, tasks = wide_tasks(*shape, seed)
            target = y if loss == "squared_error" else labels
            top = alpha_max(estimator(loss, penalty), X, target, tasks=tasks)
            for fraction in FRACTIONS:
                model = estimator(loss, penalty).set_params(alpha=top * fraction)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    seconds += timed(lambda: model.fit(X, target, tasks=tasks))
                fits += 1
                warned += any(issubclass(w.category, ConvergenceWarning) for w in caught)
                worst = max(worst, model.certificate_)
                if loss == "squared_error" and penalty == "lasso":
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        peer += timed(
                            lambda a=top * fraction: [
                                Lasso(alpha=a).fit(X[tasks == t], y[tasks == t]) for t in range(shape[0])
                            ]
                        )
    return warned, fits, worst, seconds, peer if loss == "squared_error" and penalty == "lasso" else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output-dir", default=str(OUTPUT_DIR))
    args = parser.parse_args(argv)
    shapes, seeds = (SHAPES[:1], SEEDS[:1]) if args.quick else (SHAPES, SEEDS)
    header = ["loss", "penalty", "fits warned", "largest certificate", "mtlearn [s]", "loop of `Lasso` [s]"]
    rows = []
    with threadpool_limits(limits=1):
        for loss in LOSSES:
            for penalty in PENALTIES:
                warned, fits, worst, seconds, peer = run_row(loss, penalty, shapes, seeds)
                rows.append(
                    [
                        loss,
                        penalty,
                        f"{warned} of {fits}",
                        f"{worst:.2e}",
                        f"{seconds:.2f}",
                        "" if peer is None else f"{peer:.2f}",
                    ]
                )
    text = markdown_table(header, rows)
    write_output(text + "\n", Path(args.output_dir) / "wide_dense.md")
    return rows


if __name__ == "__main__":
    main()
