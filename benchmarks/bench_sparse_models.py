"""The Newton models on sparse rows: one product with the tasks' Gram matrices against one on the rows.

A proximal Newton step on sparse rows minimises its weighted least-squares
model by FISTA, each iteration one product ``H W`` (``H_t = Σ_{i in t} h_i
x̃_i x̃_iᵀ``), either with the T × k × k Gram matrices of the working set's k
features (:class:`~mtlearn.solvers._quadratic_model.TaskGramModel`, formed
once per step) or on the rows (:class:`~mtlearn.solvers._quadratic_model.TaskRowsModel`,
two sparse passes).  For each shape — the working set taken as the k most
frequent words of ``bench_sparse.text_like_tasks`` — the table gives T k²,
the rows' nonzeros, the CPU time of forming the Gram matrices, of one
product with them and of one product on the rows (one BLAS thread, mean of
``--repeats`` products), and the choice of
:func:`~mtlearn.solvers._quadratic_model.gram_models_pay_off`.

    python benchmarks/bench_sparse_models.py [--quick] [--repeats 500]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import OUTPUT_DIR, markdown_table, write_output
from bench_sparse import text_like_tasks
from threadpoolctl import threadpool_limits

from mtlearn._design import StackedDesign, with_entry_weights
from mtlearn.solvers._quadratic_model import TaskGramModel, TaskRowsModel, gram_models_pay_off, rows_for_gram_models

# ((n_tasks, rows per task, n_features, density), working-set features k).
SHAPES = [
    ((3, 20, 2000, 0.01), 64),
    ((3, 20, 20000, 0.01), 70),
    ((20, 200, 50000, 0.005), 131),
    ((20, 200, 50000, 0.005), 320),
    ((10, 500, 2000, 0.05), 200),
    ((50, 10, 3000, 0.01), 64),
    ((100, 2, 5000, 0.004), 64),
    ((200, 3, 500, 0.02), 64),
    ((300, 1, 2000, 0.01), 64),
]
QUICK_SHAPES = [((3, 20, 2000, 0.01), 64), ((200, 3, 500, 0.02), 64)]


def _mean_cpu_time(function, repeats):
    start = time.process_time()
    for _ in range(repeats):
        function()
    return (time.process_time() - start) / repeats


def measure(shape, k, repeats):
    """(T k², nnz, formation, Gram product, rows product [s], Gram chosen) for a working set of k features."""
    X, y, _, tasks = text_like_tasks(*shape)
    n_tasks = shape[0]
    X = X[:, :k].tocsr()
    design = StackedDesign(X, y, tasks, n_tasks, np.ones(len(y)), np.ones(n_tasks))
    rng = np.random.default_rng(0)
    h, W = rng.uniform(0.1, 1.0, len(y)), rng.standard_normal((n_tasks, k))
    gram_rows = with_entry_weights(rows_for_gram_models(design), y, h)
    formation = _mean_cpu_time(lambda: TaskGramModel(gram_rows, True).quadratic(), max(1, repeats // 25))
    gram = TaskGramModel(gram_rows, True).quadratic()
    rows = TaskRowsModel(with_entry_weights(design, y, h), True)
    return (
        n_tasks * k * k,
        X.nnz,
        formation,
        _mean_cpu_time(lambda: gram.product(W), repeats),
        _mean_cpu_time(lambda: rows.product(W), repeats),
        gram_models_pay_off(design),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two shapes and few repeats (for the tests)")
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--output-dir", default=str(OUTPUT_DIR))
    args = parser.parse_args(argv)
    shapes, repeats = (QUICK_SHAPES, 20) if args.quick else (SHAPES, args.repeats)
    rows = []
    with threadpool_limits(1):
        for shape, k in shapes:
            size, nnz, formation, gram, on_rows, chosen = measure(shape, k, repeats)
            n_tasks, n_rows, n_features, density = shape
            rows.append(
                (
                    f"{n_tasks} × {n_rows} × {n_features:,} ({100 * density:g} %)",
                    str(k),
                    f"{size:,}",
                    f"{nnz:,}",
                    f"{size / nnz:.1f}",
                    f"{1e6 * formation:.0f}",
                    f"{1e6 * gram:.1f}",
                    f"{1e6 * on_rows:.1f}",
                    "Gram matrices" if chosen else "rows",
                )
            )
    header = [
        "tasks × rows × features (density)",
        "k",
        "T k²",
        "nnz",
        "T k² / nnz",
        "forming [µs]",
        "Gram product [µs]",
        "rows product [µs]",
        "chosen",
    ]
    write_output(markdown_table(header, rows) + "\n", Path(args.output_dir) / "sparse_models.md")
    return rows


if __name__ == "__main__":
    main()
