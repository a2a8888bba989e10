"""Sparse, text-like tasks with more features than rows per task: mtlearn against loops of scikit-learn fits.

The data imitate bag-of-words documents: every task (a product domain, a
hospital) has its own rows; a row has ``density × n_features`` distinct words
drawn from a power-law (Zipf, exponent 1.1) column frequency, with
``log(1 + count)`` weights normalised to unit length, stored as CSR.  The
targets come from a shared sparse model plus task-specific deviations
(regression), thresholded at each task's median for classification.

Rows of the tables (intercepts fitted, one α per model, as in the issue):

- ``ridge``: ``MultiTaskRegressor(penalty="ridge")`` against a loop of
  ``sklearn.linear_model.Ridge(alpha=n_t α)`` on each task's sparse rows (the
  same model: agreement is the relative coefficient difference and mtlearn's
  objective relative to the peer's, both evaluated by one formula), both at
  their default tol=1e-4, and ``Ridge(tol=1e-10)`` against mtlearn at
  tol=1e-20 (the same stopping point: Ridge's conjugate gradients stop at a
  relative residual ‖r‖ ≤ tol ‖b‖, mtlearn's at a relative duality gap
  ½‖r‖² / F₀ ≤ tol of the same kind of system);
- ``mean``: ``MultiTaskRegressor(penalty="mean", mix=0.5)`` against the same
  loop (a different model: the independent-task baseline);
- ``graph``: ``MultiTaskRegressor(penalty=GraphPenalty(ring, ridge=1))`` (each
  task tied to its two neighbours on a ring) against the same loop (a
  different model);
- ``trace``, ``cluster``, ``relationship``: ``MultiTaskRegressor(penalty=...)``
  at the ridge row's α against the same loop (different models: the
  spectral penalties, solved on the rows' span where the tasks have fewer
  rows than features);
- ``lasso``: ``MultiTaskRegressor(penalty="lasso")`` at a tenth of its
  α_max against a loop of ``Lasso(alpha=α)`` on each task's sparse rows (the
  same model: Σ_t (1/n_t) ½‖r_t‖² + α‖W‖₁ is one ``Lasso`` per task), both at
  their default tol=1e-4;
- ``dirty``: ``MultiTaskRegressor(penalty="dirty")`` at the lasso's α against
  the same loop (a different model);
- ``logistic l21``: ``MultiTaskClassifier(penalty="l21")`` against a loop of
  ``LogisticRegression(l1_ratio=1, solver="liblinear", C=1/(n_t α))`` (the
  per-task ℓ1 model of the same scaling; a different model), both at tol=1e-4
  (mtlearn's: the relative duality gap) and their default ``max_iter``;
- ``squared_hinge l21``: ``MultiTaskClassifier(loss="squared_hinge", penalty="l21")``
  at the logistic row's α against a loop of ``LinearSVC(penalty="l1",
  loss="squared_hinge", dual=False, C=1/(n_t α))`` (liblinear's per-task ℓ1
  model of the same scaling; a different model), tol=1e-4 and default
  ``max_iter`` for both.

Times are CPU time (``time.process_time``) with one BLAS thread
(threadpoolctl), the median of ``--repeats`` interleaved runs, peers in the
same process; ratio = mtlearn / peer.  The peak memory of one mtlearn fit
(``tracemalloc``, a separate run) is reported as its excess over 2 × size(X),
in units of n_tasks × n_features floats (the target: O(1)).

With ``--many-tasks`` the shapes are those of many tasks with a few rows
each (50 × 10 × 3000, 100 × 2 × 5000, 200 × 3 × 500) instead.  With
``--one-class-tasks K`` the first K tasks' labels are all positive (a domain
whose fold holds one class): mtlearn fixes those tasks' intercepts at the
pooled constant; the peer loop does not fit them (scikit-learn's classifiers
need two classes), which leaves it less work.

    python benchmarks/bench_sparse.py [--quick | --many-tasks] [--repeats 5] [--one-class-tasks K]
        [--workloads ridge mean graph trace cluster relationship lasso dirty logistic squared_hinge]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _common import OUTPUT_DIR, markdown_table, write_output
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskClassifier, MultiTaskRegressor
from mtlearn.penalties import GraphPenalty

# (n_tasks, rows per task, n_features, density): the small shapes, then the text-like one.
SHAPES = [(3, 20, 2000, 0.01), (3, 20, 8000, 0.01), (3, 20, 20000, 0.01), (20, 200, 50000, 0.005)]
QUICK_SHAPES = [(3, 20, 2000, 0.01), (4, 40, 5000, 0.005)]
# --many-tasks: many tasks of a few rows each (one model per customer or sensor).
MANY_TASK_SHAPES = [(50, 10, 3000, 0.01), (100, 2, 5000, 0.004), (200, 3, 500, 0.02)]
ALPHA_RIDGE = 1e-2
ALPHA_L21_FRACTION = 0.1  # α = α_max / 10 for the sparse models
WORKLOADS = (
    "ridge",
    "mean",
    "graph",
    "trace",
    "cluster",
    "relationship",
    "lasso",
    "dirty",
    "logistic",
    "squared_hinge",
)
# The spectral penalties, each against the loop of `Ridge` (different models).
SPECTRAL = {"trace": "trace norm", "cluster": "cluster (2 clusters)", "relationship": "relationship (mix=0.5)"}


def text_like_tasks(n_tasks, n_rows, n_features, density, seed=0):
    """CSR rows with Zipf-distributed words, regression targets, binary labels and task labels."""
    rng = np.random.default_rng(seed)
    frequency = 1.0 / np.arange(1, n_features + 1) ** 1.1
    frequency /= frequency.sum()
    n = n_tasks * n_rows
    words = max(1, int(round(density * n_features)))
    indptr, indices, data = [0], [], []
    for _ in range(n):
        drawn = rng.choice(n_features, size=2 * words, p=frequency)
        columns, counts = np.unique(drawn, return_counts=True)
        keep = rng.permutation(columns.size)[:words]
        values = np.log1p(counts[keep])
        indices.append(columns[keep])
        data.append(values / np.linalg.norm(values))
        indptr.append(indptr[-1] + keep.size)
    X = sp.csr_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr)), shape=(n, n_features))
    X.sort_indices()
    tasks = np.repeat(np.arange(n_tasks), n_rows)
    support = rng.choice(n_features, size=min(200, n_features), replace=False, p=frequency)
    W = np.zeros((n_tasks, n_features))
    W[:, support] = rng.standard_normal(support.size) + 0.5 * rng.standard_normal((n_tasks, support.size))
    f = np.asarray(X.multiply(W[tasks]).sum(axis=1)).ravel()
    y = f + 0.1 * np.std(f) * rng.standard_normal(n)
    labels = np.empty(n, dtype=int)
    for t in range(n_tasks):
        rows = tasks == t
        labels[rows] = f[rows] > np.median(f[rows])
    return X, y, labels, tasks


def lasso_alpha_max(X, y, tasks):
    """α_max of the squared loss's lasso: the largest |gradient| entry at W = 0 (intercepts fitted)."""
    return max(
        float(np.max(np.abs(X[tasks == t].T @ (y[tasks == t] - y[tasks == t].mean())))) / np.sum(tasks == t)
        for t in np.unique(tasks)
    )


def l21_alpha_max(X, labels, tasks):
    """α_max of the logistic ℓ2,1 model: the largest feature norm of the gradient at W = 0 (intercepts fitted)."""
    n_tasks = tasks.max() + 1
    G = np.empty((n_tasks, X.shape[1]))
    for t in range(n_tasks):
        rows = tasks == t
        z = labels[rows] - labels[rows].mean()
        G[t] = X[rows].T @ z / rows.sum()
    return float(np.max(np.linalg.norm(G, axis=0)))


class TaskLoop:
    """One scikit-learn estimator per task, fitted on that task's rows (a classifier's task of one class: none).

    A task whose labels hold one class gets zero weights and intercept (it is
    not fitted: scikit-learn's classifiers need two classes).
    """

    def __init__(self, make, tasks):
        self.make, self.tasks = make, tasks

    def fit(self, X, y):
        coef, intercept = np.zeros((self.tasks.max() + 1, X.shape[1])), np.zeros(self.tasks.max() + 1)
        for t in np.unique(self.tasks):
            model = self.make()
            rows = self.tasks == t
            if is_classifier(model) and np.unique(y[rows]).size < 2:
                continue
            model.fit(X[rows], y[rows])
            coef[t], intercept[t] = np.ravel(model.coef_), float(np.ravel(model.intercept_)[0])
        self.coef_, self.intercept_ = coef, intercept
        return self


def squared_objective(X, y, tasks, coef, intercept, penalty):
    """``Σ_t (1/n_t) Σ_{i in t} ½ (y_i − x_iᵀ w_t − b_t)² + penalty(W)``: the objective both sides minimise."""
    residual = y - np.asarray(X.multiply(coef[tasks]).sum(axis=1)).ravel() - intercept[tasks]
    return float(np.sum(np.bincount(tasks, 0.5 * residual**2) / np.bincount(tasks))) + penalty(coef)


def ring(n_tasks):
    """Adjacency of the ring over the tasks: each one tied to its two neighbours."""
    A = np.zeros((n_tasks, n_tasks))
    t = np.arange(n_tasks)
    A[t, (t + 1) % n_tasks] = A[(t + 1) % n_tasks, t] = 1.0
    return A


def workloads(X, y, labels, tasks, selected=WORKLOADS):
    """(name, mtlearn fit, peer name, peer fit, penalty) of one shape, for the selected workloads.

    ``penalty`` is α Ω(W) of the model both fit (the same model: the objectives are compared), or None.
    """
    n_t = np.bincount(tasks)[0]
    ridge_loop = TaskLoop(lambda: Ridge(alpha=n_t * ALPHA_RIDGE), tasks)
    ridge_penalty = lambda W: 0.5 * ALPHA_RIDGE * float(np.sum(W * W))  # noqa: E731
    rows = []
    if "ridge" in selected:
        rows += [
            (
                "ridge",
                MultiTaskRegressor(penalty="ridge", alpha=ALPHA_RIDGE),
                y,
                "loop of `Ridge`",
                ridge_loop,
                ridge_penalty,
            ),
            (
                "ridge, tol=1e-20",
                MultiTaskRegressor(penalty="ridge", alpha=ALPHA_RIDGE, tol=1e-20),
                y,
                "loop of `Ridge(tol=1e-10)`",
                TaskLoop(lambda: Ridge(alpha=n_t * ALPHA_RIDGE, tol=1e-10), tasks),
                ridge_penalty,
            ),
        ]
    if "mean" in selected:
        mean = MultiTaskRegressor(penalty="mean", alpha=ALPHA_RIDGE)
        rows.append(("mean (mix=0.5)", mean, y, "loop of `Ridge`", ridge_loop, None))
    if "graph" in selected:
        graph = MultiTaskRegressor(penalty=GraphPenalty(adjacency=ring(tasks.max() + 1), ridge=1.0), alpha=ALPHA_RIDGE)
        rows.append(("graph (ring, ridge=1)", graph, y, "loop of `Ridge`", ridge_loop, None))
    for name, label in SPECTRAL.items():
        if name in selected:
            rows.append(
                (label, MultiTaskRegressor(penalty=name, alpha=ALPHA_RIDGE), y, "loop of `Ridge`", ridge_loop, None)
            )
    alpha_lasso = ALPHA_L21_FRACTION * lasso_alpha_max(X, y, tasks)
    lasso_loop = TaskLoop(lambda: Lasso(alpha=alpha_lasso), tasks)
    if "lasso" in selected:
        lasso = MultiTaskRegressor(penalty="lasso", alpha=alpha_lasso)
        lasso_penalty = lambda W: alpha_lasso * float(np.sum(np.abs(W)))  # noqa: E731
        rows.append(("lasso, α_max/10", lasso, y, "loop of `Lasso`", lasso_loop, lasso_penalty))
    if "dirty" in selected:
        dirty = MultiTaskRegressor(penalty="dirty", alpha=alpha_lasso)
        rows.append(("dirty, lasso's α", dirty, y, "loop of `Lasso`", lasso_loop, None))
    alpha_l21 = ALPHA_L21_FRACTION * l21_alpha_max(X, labels, tasks)
    if "logistic" in selected:
        rows.append(
            (
                "logistic l21, α_max/10",
                MultiTaskClassifier(penalty="l21", alpha=alpha_l21, tol=1e-4),
                labels,
                "loop of `LogisticRegression(l1)`",
                TaskLoop(
                    lambda: LogisticRegression(l1_ratio=1.0, solver="liblinear", C=1.0 / (n_t * alpha_l21)), tasks
                ),
                None,
            )
        )
    if "squared_hinge" in selected:
        rows.append(
            (
                "squared_hinge l21, logistic α_max/10",
                MultiTaskClassifier(loss="squared_hinge", penalty="l21", alpha=alpha_l21, tol=1e-4),
                labels,
                "loop of `LinearSVC(l1, squared hinge)`",
                TaskLoop(
                    lambda: LinearSVC(penalty="l1", loss="squared_hinge", dual=False, C=1.0 / (n_t * alpha_l21)),
                    tasks,
                ),
                None,
            )
        )
    return rows


def _cpu_time(fit):
    start = time.process_time()
    fit()
    return time.process_time() - start


def _peak_excess(fit, X):
    """Peak traced memory of ``fit`` minus 2 × size(X), in bytes."""
    size = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    tracemalloc.start()
    try:
        fit()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - 2 * size


def run_shape(shape, repeats, selected=WORKLOADS, one_class_tasks=0):
    n_tasks, n_rows, n_features, density = shape
    X, y, labels, tasks = text_like_tasks(*shape)
    labels[tasks < one_class_tasks] = 1
    rows = []
    for name, ours, target, peer_name, peer, penalty in workloads(X, y, labels, tasks, selected):
        times_ours, times_peer = [], []
        for _ in range(repeats):
            times_ours.append(_cpu_time(lambda: ours.fit(X, target, tasks=tasks)))  # noqa: B023
            times_peer.append(_cpu_time(lambda: peer.fit(X, target)))  # noqa: B023
        t_ours, t_peer = float(np.median(times_ours)), float(np.median(times_peer))
        certificate = f"certificate {ours.certificate_:.1e}"
        if penalty is not None:
            difference = np.max(np.abs(ours.coef_ - peer.coef_)) / np.max(np.abs(peer.coef_))
            objectives = [squared_objective(X, y, tasks, m.coef_, m.intercept_, penalty) for m in (ours, peer)]
            objective_excess = (objectives[0] - objectives[1]) / objectives[1]
            agreement = f"{difference:.1e}, objective {objective_excess:+.1e} ({certificate})"
        else:
            agreement = f"different model ({certificate})"
        excess = _peak_excess(lambda: ours.fit(X, target, tasks=tasks), X)  # noqa: B023
        rows.append(
            (
                name,
                f"{n_tasks} × {n_rows} × {n_features:,} ({100 * density:g} %)",
                peer_name,
                f"{t_ours:.3g}",
                f"{t_peer:.3g}",
                f"**{t_ours / t_peer:.2f}**",
                f"{excess / (8 * n_tasks * n_features):.1f}",
                agreement,
            )
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes and one repeat (for the tests)")
    parser.add_argument("--many-tasks", action="store_true", help="many tasks of a few rows each instead")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--one-class-tasks", type=int, default=0, help="the first K tasks' labels all positive (default: 0)"
    )
    parser.add_argument("--output-dir", default=str(OUTPUT_DIR))
    parser.add_argument(
        "--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS), help="the rows to run (default: all)"
    )
    args = parser.parse_args(argv)
    shapes, repeats = (
        (QUICK_SHAPES, 1) if args.quick else (MANY_TASK_SHAPES if args.many_tasks else SHAPES, args.repeats)
    )
    rows = []
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the certificate column says whether a fit converged
        for shape in shapes:
            rows += run_shape(shape, repeats, args.workloads, args.one_class_tasks)
    header = [
        "workload",
        "tasks × rows × features (density)",
        "peer",
        "mtlearn [s]",
        "peer [s]",
        "ratio",
        "peak − 2 size(X) [T·p floats]",
        "agreement",
    ]
    write_output(markdown_table(header, rows) + "\n", Path(args.output_dir) / "sparse.md")
    return rows


if __name__ == "__main__":
    main()
