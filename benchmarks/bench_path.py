"""The ℓ2,1 regularisation path on a shared design: mtlearn against scikit-learn, skglm and adelie.

The problem of every library (``MultiTaskLasso``'s scaling, no intercept):

    minimise over W (T × p):   (1/2n) ‖Y − X Wᵀ‖²_F + α Σ_j ‖W_{:,j}‖₂,

on 29 values of α from α_max/1.17 down to α_max/100 (geometric), each fit
warm-started from the previous one, at two sizes: 500 × 100 × 5 tasks and
5000 × 500 × 20 tasks (``--quick``: 200 × 30 × 4).  Every solution is scored
with the same formula, the relative duality gap (P − D) / P of the problem
above (:func:`_common.multitask_lasso_gap`), and each library runs at the
loosest tol (half-decade grid, then 4 bisection steps) whose *largest* gap
over the path is at most 1e-6.

Contenders:

- mtlearn: :func:`mtlearn.model_selection.multitask_path` with
  ``MultiTaskRegressor(penalty="l21", fit_intercept=False)``;
- scikit-learn: ``lasso_path`` on the 2-D Y (the multi-task coordinate
  descent of ``MultiTaskLasso``, warm-started along the path, as
  ``MultiTaskLassoCV`` runs it);
- skglm (optional, the ``bench`` extra): one ``skglm.MultiTaskLasso`` refitted
  along the path with ``warm_start=True``;
- adelie (optional, ``--adelie``): ``grpnet`` with ``glm.multigaussian``, whose
  λ is α / T^{3/2} with its default group penalty √T (the scaling is checked:
  its solutions are scored at α = λ T^{3/2}).  adelie pins numpy < 2, so the
  script creates a virtual environment for it (``.venv-adelie`` in ``--output-dir``,
  ``pip install adelie "numpy<2"``) and runs it there in a subprocess
  (``_adelie_worker.py``) on the same data; its time is the median CPU time
  measured in that process.

Times are CPU seconds (``time.process_time``) with one BLAS thread, the median
of ``--repeats`` interleaved runs of the in-process contenders.  The *limit*
column is the time of the passes over X that the solver needed: its number of
gradient evaluations over the path (mtlearn: proximal-gradient iterations;
scikit-learn: coordinate-descent epochs, each one pass over the columns of
X) times the median time of one product X Wᵀ.  mtlearn solves on the Gram
form when n ≥ p, where an iteration costs a p × p product instead (plus
building the Gram matrix once), so its time can be below that limit.

    python benchmarks/bench_path.py [--quick] [--repeats 5] [--adelie] [--size all|small|large]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _common import OUTPUT_DIR, markdown_table, multitask_lasso_gap, write_output
from bench_speed import loosest_tol, timed_medians
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import lasso_path
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskRegressor
from mtlearn._base import FittedPath
from mtlearn.model_selection import multitask_path

TARGET = 1e-6
N_ALPHAS = 29
TOLS = [10.0 ** (-k / 2) for k in range(2, 33)]
SIZES = ((500, 100, 5, 10), (5000, 500, 20, 50))
QUICK_SIZES = ((200, 30, 4, 5),)
ADELIE_ENV_NAME = ".venv-adelie"
ADELIE_WORKER = Path(__file__).resolve().parent / "_adelie_worker.py"


def shared_design(rng, n, p, n_tasks, active):
    """X (n, p), Y (n, T) = X Wᵀ + noise with ``active`` nonzero columns of W, and the α grid."""
    X = rng.standard_normal((n, p))
    W = np.zeros((n_tasks, p))
    W[:, rng.choice(p, active, replace=False)] = rng.standard_normal((n_tasks, active))
    Y = X @ W.T + rng.standard_normal((n, n_tasks))
    alpha_max = np.max(np.linalg.norm(X.T @ Y, axis=1)) / n
    return X, Y, np.geomspace(alpha_max / 1.17, alpha_max / 100, N_ALPHAS)


def largest_gap(X, Y, alphas, coefs):
    """The largest relative duality gap of the path's solutions (``coefs``: (L, T, p))."""
    return max(multitask_lasso_gap(X, Y, coef, alpha) for coef, alpha in zip(coefs, alphas, strict=True))


# ------------------------------------------------------------------ contenders
def mtlearn_estimator(tol):
    return MultiTaskRegressor(penalty="l21", fit_intercept=False, tol=tol, max_iter=100_000)


def mtlearn_path(X, Y, alphas, tol):
    return multitask_path(mtlearn_estimator(tol), X, Y, alphas=alphas)[1]


def mtlearn_iterations(X, Y, alphas, tol):
    """Proximal-gradient iterations over the path (the fits ``multitask_path`` makes)."""
    path = FittedPath(mtlearn_estimator(tol), X, Y)
    return sum(path.fitted(alpha=alpha).n_iter_ for alpha in alphas)


def sklearn_path(X, Y, alphas, tol):
    return np.moveaxis(lasso_path(X, Y, alphas=alphas, tol=tol, max_iter=100_000)[1], -1, 0)


def sklearn_iterations(X, Y, alphas, tol):
    """Coordinate-descent epochs over the path."""
    return int(np.sum(lasso_path(X, Y, alphas=alphas, tol=tol, max_iter=100_000, return_n_iter=True)[3]))


def skglm_path(X, Y, alphas, tol):
    from skglm import MultiTaskLasso

    model = MultiTaskLasso(fit_intercept=False, tol=tol, warm_start=True, max_iter=1000, max_epochs=100_000)
    return np.stack([model.set_params(alpha=alpha).fit(X, Y).coef_.copy() for alpha in alphas])


def have_skglm():
    try:
        import skglm  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------- adelie
def adelie_python(output_dir):
    """adelie's interpreter in ``output_dir``, its environment made with ``pip install adelie "numpy<2"`` if missing."""
    environment = output_dir / ADELIE_ENV_NAME
    python = environment / "bin" / "python"
    if not python.exists():
        print(f"creating {environment} for adelie (it pins numpy < 2)")
        subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "adelie", "numpy<2"], check=True)
    return python


def adelie_run(python, X, Y, alphas, tol, repeats=0):
    """adelie's path at λ = α / T^{3/2} in its environment: (coefs (L, T, p), median seconds or NaN)."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "input.npz", Path(folder) / "output.npz"
        lmdas = alphas / Y.shape[1] ** 1.5
        np.savez(source, X=X, Y=Y, lmdas=lmdas, tol=tol, repeats=repeats)
        environment = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        subprocess.run([str(python), str(ADELIE_WORKER), str(source), str(target)], check=True, env=environment)
        output = np.load(target)
        return output["coefs"], float(output["seconds"])


# ----------------------------------------------------------------------- table
def product_seconds(X, n_tasks, clock, repeats=200):
    """Median time of one product X Wᵀ (W of shape (T, p))."""
    W = np.ones((n_tasks, X.shape[1]))
    times = []
    for _ in range(repeats):
        start = clock()
        X @ W.T
        times.append(clock() - start)
    return float(np.median(times))


def size_rows(args, rng, n, p, n_tasks, active, python):
    X, Y, alphas = shared_design(rng, n, p, n_tasks, active)
    tol_grid = TOLS[::2] if args.quick else TOLS  # decades: fewer fits for the tests
    contenders = {"mtlearn": mtlearn_path, "scikit-learn `lasso_path`": sklearn_path}
    if have_skglm():
        contenders["skglm `MultiTaskLasso`"] = skglm_path
    tols, gaps = {}, {}
    for name, run in contenders.items():
        tols[name], gaps[name] = loosest_tol(
            lambda tol: run(X, Y, alphas, tol), lambda coefs: largest_gap(X, Y, alphas, coefs), TARGET, tol_grid
        )
    times = timed_medians(
        {name: (lambda run=run, name=name: run(X, Y, alphas, tols[name])) for name, run in contenders.items()},
        args.repeats,
        time.process_time,
    )
    product = product_seconds(X, n_tasks, time.process_time)
    iterations = {
        "mtlearn": mtlearn_iterations(X, Y, alphas, tols["mtlearn"]),
        "scikit-learn `lasso_path`": sklearn_iterations(X, Y, alphas, tols["scikit-learn `lasso_path`"]),
    }
    if python is not None:
        name = "adelie `grpnet` (own process, numpy < 2)"
        tols[name], gaps[name] = loosest_tol(
            lambda tol: adelie_run(python, X, Y, alphas, tol)[0],
            lambda coefs: largest_gap(X, Y, alphas, coefs),
            TARGET,
            tol_grid,
        )
        times[name] = adelie_run(python, X, Y, alphas, tols[name], repeats=args.repeats)[1]
    fastest_peer = min(seconds for name, seconds in times.items() if name != "mtlearn")
    rows = []
    for name, seconds in times.items():
        count = iterations.get(name)
        rows.append(
            [
                f"{n} × {p}, {n_tasks} tasks",
                name,
                f"{tols[name]:.3g}",
                f"{gaps[name]:.1e}",
                "—" if count is None else str(count),
                f"{seconds:.3g}",
                "—" if count is None else f"{count * product:.3g}",
                f"**{seconds / fastest_peer:.2f}**",
            ]
        )
    return rows, product


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size, one repeat (for the tests)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per contender (default 5; 1 with --quick)")
    parser.add_argument("--adelie", action="store_true", help="also run adelie (creates its environment once)")
    parser.add_argument("--size", choices=("all", "small", "large"), default="all", help="which size to run")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 5
    python = adelie_python(args.output_dir) if args.adelie else None
    rng = np.random.default_rng(0)
    rows, products = [], []
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sizes = QUICK_SIZES if args.quick else {"all": SIZES, "small": SIZES[:1], "large": SIZES[1:]}[args.size]
        for size in sizes:
            size_rows_, product = size_rows(args, rng, *size, python)
            print(markdown_table(["size", "library", "tol", "gap", "evaluations", "s", "limit", "ratio"], size_rows_))
            rows += size_rows_
            products.append(f"{size[0]} × {size[1]}, {size[2]} tasks: {product * 1e3:.3g} ms")
    table = markdown_table(
        [
            "size",
            "library",
            "tol",
            "largest gap over the path",
            "gradient evaluations",
            "time [s]",
            "limit [s]",
            "time / fastest peer",
        ],
        rows,
    )
    text = (
        f"# ℓ2,1 path: {N_ALPHAS} α from α_max/1.17 to α_max/100, warm-started, largest gap ≤ {TARGET:g}\n\n"
        f"Median of {args.repeats} runs, CPU time, one BLAS thread. limit = gradient evaluations × one X Wᵀ "
        f"product ({'; '.join(products)}).\n\n" + table + "\n"
    )
    write_output(text, args.output_dir / ("path.md" if args.size == "all" else f"path_{args.size}.md"))
    return rows


if __name__ == "__main__":
    main()
