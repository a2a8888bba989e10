"""How the mean-regularised and ℓ2,1 regressors' fit time and memory grow with rows and tasks.

Two sweeps of ``MultiTaskRegressor(penalty="mean")`` (exact solver) and of
``MultiTaskRegressor(penalty="l21")`` (proximal gradient on the tasks' Gram
form), intercepts fitted, 20 features:

- rows: 10 tasks, 10³ → 10⁶ rows in all;
- tasks: 100 rows per task, 10 → 10⁴ tasks (so 10³ → 10⁶ rows).

For each size it reports the median fit time of ``--repeats`` runs (CPU time,
one BLAS thread, as in ``bench_speed.py``) and the peak memory allocated during
one fit (``tracemalloc``, in a separate run), as a multiple of the size of X
and as the excess over 2 × size(X) in units of n_tasks × n_features floats.
The log-log slope of time against size is fitted on all sizes and on the two
largest decades (linear scaling: slope ≈ 1).  The tables go to
``benchmarks/output/scaling.md`` and are printed.

    python benchmarks/bench_scaling.py [--quick] [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from _common import OUTPUT_DIR, markdown_table, write_output
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskRegressor

N_FEATURES = 20


def make_data(n_rows, n_tasks, rng):
    """Related regression tasks of equal size: X, y, task index."""
    X = rng.standard_normal((n_rows, N_FEATURES))
    task_index = np.repeat(np.arange(n_tasks), n_rows // n_tasks)
    W = rng.standard_normal(N_FEATURES) + 0.3 * rng.standard_normal((n_tasks, N_FEATURES))
    y = np.einsum("ij,ij->i", X, W[task_index]) + rng.standard_normal(n_rows)
    return X, y, task_index


MODELS = {
    "mean": lambda: MultiTaskRegressor(penalty="mean", alpha=0.1, mix=0.5),
    "l21": lambda: MultiTaskRegressor(penalty="l21", alpha=0.05),
}


def measure(model, n_rows, n_tasks, repeats, rng):
    """(median CPU seconds, peak bytes allocated during a fit, bytes of X)."""
    X, y, task_index = make_data(n_rows, n_tasks, rng)

    def fit():
        MODELS[model]().fit(X, y, tasks=task_index)

    times = []
    for _ in range(repeats):
        start = time.process_time()
        fit()
        times.append(time.process_time() - start)
    tracemalloc.start()
    fit()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return float(np.median(times)), peak, X.nbytes


def slope(sizes, times):
    """Least-squares slope of log(time) against log(size)."""
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def sweep(model, title, sizes, shapes, repeats, rng):
    """Markdown section for one sweep; ``shapes`` gives (n_rows, n_tasks) for each size."""
    rows, times = [], []
    for _size, (n_rows, n_tasks) in zip(sizes, shapes, strict=False):
        seconds, peak, x_bytes = measure(model, n_rows, n_tasks, repeats, rng)
        times.append(seconds)
        excess = (peak - 2 * x_bytes) / (8 * n_tasks * N_FEATURES)
        rows.append(
            [
                f"{n_rows:,}",
                f"{n_tasks:,}",
                f"{seconds:.3g}",
                f"{x_bytes / 2**20:.1f}",
                f"{peak / 2**20:.1f}",
                f"{peak / x_bytes:.2f}",
                f"{excess:.1f}",
            ]
        )
    sizes = np.asarray(sizes, dtype=float)
    large = sizes >= sizes[-1] / 100
    table = markdown_table(
        ["rows", "tasks", "fit [s]", "X [MiB]", "peak [MiB]", "peak / size(X)", "(peak − 2 size(X)) / (8 T p)"], rows
    )
    return (
        f"#### {model}: {title}\n\n{table}\n\nlog-log slope of time: {slope(sizes, times):.2f} on all sizes, "
        f"{slope(sizes[large], np.asarray(times)[large]):.2f} on the two largest decades.\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for the tests)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per size (default 3; 1 with --quick)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    row_counts = [1000, 3000, 10_000] if args.quick else [10**k for k in range(3, 7)] + [3 * 10**5]
    task_counts = [2, 6, 20] if args.quick else [10, 100, 1000, 3000, 10_000]
    row_counts.sort()
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        X, y, task_index = make_data(1000, 10, rng)
        for model in MODELS:  # warm-up: imports and first-call costs are not timed
            MODELS[model]().fit(X, y, tasks=task_index)
        sections = []
        for model in MODELS:
            sections.append(sweep(model, "rows (10 tasks)", row_counts, [(n, 10) for n in row_counts], repeats, rng))
            sections.append(
                sweep(
                    model, "tasks (100 rows per task)", task_counts, [(100 * t, t) for t in task_counts], repeats, rng
                )
            )
    text = (
        '# Scaling of MultiTaskRegressor (penalty="mean" and "l21")\n\n'
        f"{N_FEATURES} features; median of {repeats} fits, CPU time, {args.threads} BLAS thread(s); peak memory "
        "allocated during one fit (tracemalloc), X itself excluded.\n\n" + "\n".join(sections)
    )
    write_output(text, args.output_dir / "scaling.md")
    return text


if __name__ == "__main__":
    main()
