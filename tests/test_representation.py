"""The factorised model W = A·U: monotone alternating minimisation, and its trace-norm limit.

The correspondence tested: ‖W‖_* = min over W = A U of ½(‖A‖²_F + ‖U‖²_F) when the
inner dimension k is at least rank W, so with k ≥ the rank of the trace-norm
solution the factorised objective's minimum is the trace-norm model's optimum
(same α), reached from random factors as well.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from mtlearn import MultiTaskRegressor, SharedRepresentationRegressor

from .test_subspace import _subspace_tasks

TIGHT = {"tol": 1e-12, "max_iter": 20_000}


def _raw_objective(model, X, y, tasks, alpha):
    """F(A, U, b) from the data: Σ_t mean_t ½(y − x·w_t − b_t)² + α/2 (‖A‖² + ‖U‖²)."""
    residual = y - np.einsum("ij,ij->i", X, model.coef_[tasks]) - model.intercept_[tasks]
    data = sum(0.5 * np.mean(residual[tasks == t] ** 2) for t in np.unique(tasks))
    A, U = model.task_loadings_, model.representation_
    return data + 0.5 * alpha * (np.sum(A * A) + np.sum(U * U))


@pytest.mark.parametrize("n_components", [1, 2, 4])
@pytest.mark.parametrize("init", ["trace", "random"])
def test_the_objective_decreases_monotonically(init, n_components):
    X, y, tasks, *_ = _subspace_tasks(0)
    model = SharedRepresentationRegressor(n_components=n_components, alpha=0.5, init=init, random_state=0, **TIGHT)
    model.fit(X, y, tasks=tasks)
    path = model.objective_path_
    assert len(path) == 2 * model.n_iter_ + 1
    assert np.all(np.diff(path) <= 1e-12 * path[0])
    assert_allclose(model.objective_, _raw_objective(model, X, y, tasks, 0.5), rtol=1e-10)
    assert_allclose(model.coef_, model.task_loadings_ @ model.representation_)


def test_the_solution_is_stationary_in_both_factors():
    X, y, tasks, *_ = _subspace_tasks(1)
    alpha = 0.3
    model = SharedRepresentationRegressor(n_components=2, alpha=alpha, init="random", random_state=1, **TIGHT)
    model.fit(X, y, tasks=tasks)
    A, U = model.task_loadings_, model.representation_
    residual = np.einsum("ij,ij->i", X, model.coef_[tasks]) + model.intercept_[tasks] - y
    counts = np.bincount(tasks)
    # dF/dW_t = (1/n_t) Σ r_i x_i; dF/dA = (dF/dW) Uᵀ + αA, dF/dU = Aᵀ (dF/dW) + αU; dF/db_t = mean_t r.
    grad_W = np.array([X[tasks == t].T @ residual[tasks == t] / counts[t] for t in range(len(counts))])
    assert_allclose(grad_W @ U.T + alpha * A, 0.0, atol=1e-5)
    assert_allclose(A.T @ grad_W + alpha * U, 0.0, atol=1e-5)
    assert_allclose(np.bincount(tasks, weights=residual) / counts, 0.0, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_large_rank_from_random_factors_is_the_trace_norm_model(seed):
    X, y, tasks, *_ = _subspace_tasks(seed)
    alpha = 0.2
    trace = MultiTaskRegressor(penalty="trace", alpha=alpha, tol=1e-10, max_iter=100_000).fit(X, y, tasks=tasks)
    rank = trace.penalty_info_["rank"]
    model = SharedRepresentationRegressor(n_components=rank + 2, alpha=alpha, init="random", random_state=seed, **TIGHT)
    model.fit(X, y, tasks=tasks)
    assert_allclose(model.predict(X, tasks=tasks), trace.predict(X, tasks=tasks), atol=1e-4)
    assert_allclose(model.objective_, trace.objective_, rtol=1e-8)
    # The balanced factors: ½(‖A‖² + ‖U‖²) = ‖AU‖_*.
    A, U = model.task_loadings_, model.representation_
    nuclear = np.sum(np.linalg.svd(model.coef_, compute_uv=False))
    assert_allclose(0.5 * (np.sum(A * A) + np.sum(U * U)), nuclear, rtol=1e-6)


def test_a_small_rank_caps_the_rank_and_costs_objective():
    X, y, tasks, *_ = _subspace_tasks(2)
    trace = MultiTaskRegressor(penalty="trace", alpha=0.5, tol=1e-10, max_iter=100_000).fit(X, y, tasks=tasks)
    assert trace.penalty_info_["rank"] == 2
    model = SharedRepresentationRegressor(n_components=1, alpha=0.5, **TIGHT).fit(X, y, tasks=tasks)
    assert np.linalg.matrix_rank(model.coef_) == 1
    assert model.components_.shape == (1, X.shape[1])
    assert model.objective_ > trace.objective_
    # The alternation improves on its start (the trace-norm solution truncated to rank 1).
    assert model.objective_path_[-1] < model.objective_path_[0]


def test_task_formats_and_transform():
    X, y, tasks, *_ = _subspace_tasks(3)
    params = {"n_components": 2, "alpha": 0.5, **TIGHT}
    by_labels = SharedRepresentationRegressor(**params).fit(X, y, tasks=tasks)
    with_column = np.column_stack([X, tasks])
    by_column = SharedRepresentationRegressor(task_column=-1, **params).fit(with_column, y)
    assert_allclose(by_column.predict(with_column), by_labels.predict(X, tasks=tasks))
    assert_allclose(by_column.transform(with_column), X @ by_labels.components_.T, atol=1e-10)
    rows = X[:40]
    Y = np.column_stack([rows @ w for w in np.random.default_rng(0).normal(size=(3, X.shape[1]))])
    shared = SharedRepresentationRegressor(**params).fit(rows, Y)
    stacked = SharedRepresentationRegressor(**params).fit(
        np.vstack([rows] * 3), Y.T.ravel(), tasks=np.repeat([0, 1, 2], 40)
    )
    assert_allclose(shared.coef_, stacked.coef_, atol=1e-8)


def test_too_few_iterations_warn():
    X, y, tasks, *_ = _subspace_tasks(4)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        SharedRepresentationRegressor(init="random", random_state=0, max_iter=1).fit(X, y, tasks=tasks)


def test_docstring_examples():
    import doctest

    import mtlearn.representation as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
