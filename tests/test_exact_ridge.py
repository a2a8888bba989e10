"""The exact squared-loss solver: many solves from one set of spectra equal single fits.

:class:`MeanRegularisedPath` (one eigendecomposition or SVD per task, then a
p × p solve per (α, a, b)) against :func:`solve_mean_regularised_squared` (the
single-fit route: batched solves on the Gram matrices), and both against the
optimality condition of the objective written out densely here.
"""

import zlib

import numpy as np
import pytest
import scipy.sparse as sp

from mtlearn._design import SharedDesign, StackedDesign
from mtlearn.solvers._exact_ridge import MeanRegularisedPath, solve_mean_regularised_squared

ALPHAS = [3.0, 0.1, 1e-3]
MIXES = [0.0, 0.3, 0.9, 1.0 - 1e-6, 1.0]


def _stacked(rng, counts, p, *, weighted, sparse=False, shuffle=True):
    T = len(counts)
    task_index = np.repeat(np.arange(T), counts)
    if shuffle:
        rng.shuffle(task_index)
    n = len(task_index)
    X = rng.standard_normal((n, p)) + rng.standard_normal(p)  # non-centred columns: the intercepts matter
    if sparse:
        X = sp.csr_matrix(X * (rng.uniform(size=(n, p)) < 0.5))
    y = rng.standard_normal(n) + 2.0
    sample_weight = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    task_weights = rng.uniform(0.5, 2.0, T) if weighted else np.ones(T)
    return StackedDesign(X, y, task_index, T, sample_weight, task_weights)


def _shared(rng, n, p, T, *, weighted):
    X = rng.standard_normal((n, p)) + rng.standard_normal(p)
    Y = rng.standard_normal((n, T)) + 1.0
    sample_weight = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    task_weights = rng.uniform(0.5, 2.0, T) if weighted else np.ones(T)
    return SharedDesign(X, Y, sample_weight, task_weights)


DESIGNS = {
    # Every task with at least as many rows as features, equal row counts (one batched stack).
    "equal counts": lambda rng: _stacked(rng, [12] * 5, 6, weighted=False),
    # Unequal counts, weighted: many groups of one task for the single fit, one eigendecomposition batch for the path.
    "unequal counts, weighted": lambda rng: _stacked(rng, [7, 12, 9, 30, 8, 8], 7, weighted=True),
    # Tasks with fewer rows than features (SVD route) mixed with full-rank ones (Gram route).
    "fewer rows than features": lambda rng: _stacked(rng, [3, 15, 5, 5, 20, 2], 8, weighted=True),
    "all fewer rows than features": lambda rng: _stacked(rng, [4, 6, 6, 3], 10, weighted=False),
    "one task": lambda rng: _stacked(rng, [25], 5, weighted=True),
    "sparse": lambda rng: _stacked(rng, [4, 20, 12, 6], 9, weighted=True, sparse=True),
    "shared": lambda rng: _shared(rng, 30, 6, 4, weighted=True),
    "shared, fewer rows than features": lambda rng: _shared(rng, 5, 9, 3, weighted=False),
}


def _relative_difference(got, expected):
    (W, b), (W_ref, b_ref) = got, expected
    scale = max(np.max(np.abs(W_ref)), np.max(np.abs(b_ref)), np.finfo(float).tiny)
    return max(np.max(np.abs(W - W_ref)), np.max(np.abs(b - b_ref))) / scale


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("name", list(DESIGNS))
def test_path_solves_equal_single_fits(name, fit_intercept):
    design = DESIGNS[name](np.random.default_rng(zlib.crc32(name.encode())))
    path = MeanRegularisedPath(design, fit_intercept)
    T = design.n_tasks
    for mix in MIXES:
        kernel = (1.0 - mix, mix / T)
        for alpha in ALPHAS:
            single = solve_mean_regularised_squared(design, alpha, kernel, fit_intercept)
            assert _relative_difference(path.solve(alpha, kernel), single) < 1e-10, (mix, alpha)


def _task_data(design):
    """Each task's rows, normalised sample weights, targets and task weight, densely."""
    X = design.X.toarray() if sp.issparse(design.X) else design.X
    if isinstance(design, SharedDesign):
        Y = design.y.reshape(-1, design.n_tasks)
        return [(X, design.sample_weight, Y[:, t], design.task_weights[t]) for t in range(design.n_tasks)]
    rows = [slice(design.starts[t], design.starts[t + 1]) for t in range(design.n_tasks)]
    return [(X[r], design.sample_weight[r], design.y[r], design.task_weights[t]) for t, r in enumerate(rows)]


@pytest.mark.parametrize("name", list(DESIGNS))
def test_path_solves_satisfy_the_optimality_conditions(name):
    """α W + M⁻¹ G = 0 with G_t = ρ_t X_tᵀ V_t (X_t w_t + b_t − y_t); each task's residuals sum to zero."""
    design = DESIGNS[name](np.random.default_rng(zlib.crc32(name.encode())))
    path = MeanRegularisedPath(design, fit_intercept=True)
    tasks = _task_data(design)
    T = design.n_tasks
    for mix in [0.0, 0.6, 1.0 - 1e-6]:
        a, b = 1.0 - mix, mix / T
        for alpha in [1.0, 0.01]:
            W, intercept = path.solve(alpha, (a, b))
            G = np.array(
                [rho * X.T @ (v * (X @ w + c - y)) for (X, v, y, rho), w, c in zip(tasks, W, intercept, strict=False)]
            )
            stationarity = alpha * W + a * G + b * G.sum(axis=0)
            scale = np.max(np.abs(alpha * W))
            assert np.max(np.abs(stationarity)) < 1e-10 * scale, (mix, alpha)
            residual_sums = [v @ (X @ w + c - y) for (X, v, y, _), w, c in zip(tasks, W, intercept, strict=False)]
            assert np.max(np.abs(residual_sums)) < 1e-10 * max(1.0, np.max(np.abs(intercept)))


def test_path_with_mix_one_is_one_shared_model():
    design = DESIGNS["fewer rows than features"](np.random.default_rng(0))
    W, _ = MeanRegularisedPath(design, True).solve(0.1, (0.0, 1.0 / design.n_tasks))
    np.testing.assert_allclose(W, np.broadcast_to(W[0], W.shape), rtol=1e-12, atol=1e-14)
