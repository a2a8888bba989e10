"""The dual (kernel) form of the exact squared-loss solve against the primal one, and its memory.

:func:`solve_dual_mean_regularised_squared` (the tasks' n_t × n_t Gram
matrices, conjugate gradients for the shared part) against the primal
:func:`solve_mean_regularised_squared` (p × p Gram matrices or SVDs of the
rows) on random shapes either side of n_t = p, dense and sparse, and against
the optimality conditions of the objective written out densely; then the
estimators on sparse rows with 50,000 features, whose traced allocations must
stay far below one dense n × p array.
"""

import tracemalloc
import zlib

import numpy as np
import pytest
import scipy.sparse as sp

from mtlearn import MultiTaskRegressor, MultiTaskRegressorCV
from mtlearn._design import SharedDesign, StackedDesign
from mtlearn.losses import SquaredLoss
from mtlearn.penalties import MeanPenalty
from mtlearn.solvers import Intercepts
from mtlearn.solvers._dual_ridge import DualMeanRegularisedPath, dual_pays_off, solve_dual_mean_regularised_squared
from mtlearn.solvers._exact_ridge import solve_mean_regularised_squared
from mtlearn.solvers._solve import DualSpectral, ExactSpectral, Problem, choose_method

from .test_exact_ridge import _relative_difference, _task_data

ALPHAS = [3.0, 0.1, 1e-3]
MIXES = [0.0, 0.3, 0.9, 1.0 - 1e-6, 1.0]


def _features(rng, n, p, sparse):
    X = rng.standard_normal((n, p)) + rng.standard_normal(p)  # non-centred columns: the intercepts matter
    return sp.csr_matrix(X * (rng.uniform(size=(n, p)) < 0.3)) if sparse else X


def _stacked(rng, counts, p, *, sparse, weighted=True):
    T = len(counts)
    task_index = rng.permutation(np.repeat(np.arange(T), counts))
    n = len(task_index)
    y = rng.standard_normal(n) + 2.0
    sample_weight = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    task_weights = rng.uniform(0.5, 2.0, T) if weighted else np.ones(T)
    return StackedDesign(_features(rng, n, p, sparse), y, task_index, T, sample_weight, task_weights)


def _shared(rng, n, p, T, *, sparse):
    Y = rng.standard_normal((n, T)) + 1.0
    return SharedDesign(_features(rng, n, p, sparse), Y, rng.uniform(0.2, 3.0, n), rng.uniform(0.5, 2.0, T))


# Shapes either side of n_t = p: every task below, every task above, and mixed.
SHAPES = {
    "all fewer rows": lambda rng, sparse: _stacked(rng, [4, 6, 6, 3, 9], 12, sparse=sparse),
    "equal rows, far fewer": lambda rng, sparse: _stacked(rng, [5] * 4, 40, sparse=sparse, weighted=False),
    "mixed": lambda rng, sparse: _stacked(rng, [3, 15, 5, 5, 20, 2], 8, sparse=sparse),
    "all more rows": lambda rng, sparse: _stacked(rng, [14, 20, 11], 7, sparse=sparse),
    "rows equal features": lambda rng, sparse: _stacked(rng, [9, 9, 9], 9, sparse=sparse),
    "shared, fewer rows": lambda rng, sparse: _shared(rng, 7, 15, 3, sparse=sparse),
    "shared, more rows": lambda rng, sparse: _shared(rng, 25, 6, 4, sparse=sparse),
}
CASES = [(name, sparse) for name in SHAPES for sparse in (False, True)]


def _design(name, sparse):
    return SHAPES[name](np.random.default_rng(zlib.crc32(f"{name}{sparse}".encode())), sparse)


def _dense_copy(design):
    if not sp.issparse(design.X):
        return design
    copy = object.__new__(type(design))
    copy.__dict__.update(design.__dict__, X=design.X.toarray())
    return copy


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_dual_and_primal_forms_agree(name, sparse, fit_intercept):
    design = _design(name, sparse)
    primal_design = _dense_copy(design)  # the primal route on dense rows: SVDs and p × p solves
    path = DualMeanRegularisedPath(design, fit_intercept)
    T = design.n_tasks
    for mix in MIXES:
        kernel = (1.0 - mix, mix / T)
        for alpha in ALPHAS:
            primal = solve_mean_regularised_squared(primal_design, alpha, kernel, fit_intercept)
            single = solve_dual_mean_regularised_squared(design, alpha, kernel, fit_intercept)
            assert _relative_difference(single, primal) < 1e-8, (mix, alpha)
            assert _relative_difference(path.solve(alpha, kernel), primal) < 1e-8, (mix, alpha)


@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_dual_solves_satisfy_the_optimality_conditions(name, sparse):
    """α W + M⁻¹ G = 0 with G_t = ρ_t X_tᵀ V_t (X_t w_t + b_t − y_t); each task's residuals sum to zero."""
    design = _design(name, sparse)
    path = DualMeanRegularisedPath(design, fit_intercept=True)
    tasks = _task_data(design)
    T = design.n_tasks
    for mix in [0.0, 0.6, 1.0 - 1e-6]:
        a, b = 1.0 - mix, mix / T
        for alpha in [1.0, 0.01]:
            W, intercept = path.solve(alpha, (a, b))
            G = np.array(
                [rho * X.T @ (v * (X @ w + c - y)) for (X, v, y, rho), w, c in zip(tasks, W, intercept, strict=True)]
            )
            stationarity = alpha * W + a * G + b * G.sum(axis=0)
            assert np.max(np.abs(stationarity)) < 1e-9 * np.max(np.abs(alpha * W)), (mix, alpha)
            residual_sums = [v @ (X @ w + c - y) for (X, v, y, _), w, c in zip(tasks, W, intercept, strict=True)]
            assert np.max(np.abs(residual_sums)) < 1e-10 * max(1.0, np.max(np.abs(intercept)))


@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_the_dispatch_takes_the_dual_form_when_tasks_have_fewer_rows_than_features(name, sparse):
    design = _design(name, sparse)
    problem = Problem(design, SquaredLoss(), MeanPenalty(0.5), 1.0, Intercepts.all_free(design.n_tasks))
    n_rows, p = design.X.shape
    fewer = n_rows < p if isinstance(design, SharedDesign) else int(max(np.bincount(design.task_index))) < p
    assert dual_pays_off(design) is fewer
    assert choose_method(problem) is (DualSpectral if fewer else ExactSpectral)


def _text_like(n_tasks, n_rows, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n_tasks * n_rows, n_features, density=0.005, format="csr", random_state=seed)
    tasks = np.repeat(np.arange(n_tasks), n_rows)
    return X, rng.standard_normal(n_tasks * n_rows), tasks


def _traced_peak(fit):
    tracemalloc.start()
    try:
        fit()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "estimator",
    [
        MultiTaskRegressor(penalty="ridge"),
        MultiTaskRegressor(penalty="mean"),
        MultiTaskRegressorCV(penalty="mean", alphas=3, mixes=[0.2, 0.8], cv=2),
    ],
    ids=["ridge", "mean", "mean CV"],
)
def test_sparse_rows_with_many_features_are_never_densified(estimator):
    """Peak traced memory ≤ 2 size(X) + 12 arrays of T × p: a dense n × p copy (64 MB) or p × p (20 GB) fails it."""
    T, n_t, p = 4, 40, 50_000
    X, y, tasks = _text_like(T, n_t, p)
    size = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    bound = 2 * size + 12 * T * p * 8
    assert bound < T * n_t * p * 8 / 2  # the bound excludes one dense copy of X
    peak = _traced_peak(lambda: estimator.fit(X, y, tasks=tasks))
    assert peak < bound, (peak, bound)


@pytest.mark.parametrize("mix", [0.0, 0.6])
def test_estimator_on_sparse_rows_equals_scikit_learn_ridge_on_augmented_features(mix):
    """The dual form behind MultiTaskRegressor against ``Ridge`` on [c0 x, …, c1 x (block t), …] (one model)."""
    from sklearn.linear_model import Ridge

    from ._augmented import augment, task_weights_from_augmented

    T, n_t, p, alpha = 3, 15, 400, 0.05
    X, y, tasks = _text_like(T, n_t, p, seed=3)
    X = sp.csr_matrix(X.toarray() * 20.0)  # 2 non-zeros per row on average
    model = MultiTaskRegressor(penalty="mean", mix=mix, alpha=alpha).fit(X, y, tasks=tasks)
    # Ridge minimises Σ_i (1/n_t)(y_i − z_iᵀu − b_t)² + α‖u‖², twice ours: the same minimiser.
    Z = np.hstack([augment(X.toarray(), tasks, T, mix), np.eye(T)[tasks] * 1e4])  # intercepts, barely penalised
    reference = Ridge(alpha=alpha * n_t, fit_intercept=False, solver="cholesky").fit(Z, y)
    W = task_weights_from_augmented(reference.coef_[:-T], T, p, mix)
    np.testing.assert_allclose(model.coef_, W, atol=1e-8 * np.max(np.abs(W)))
