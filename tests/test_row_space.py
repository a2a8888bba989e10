"""Fewer rows than features with a rotation-invariant penalty: the problem solved on the rows' span.

The fits are checked against an independent conic solver (cvxpy with Clarabel) on the objective
written out in ``tests/test_certificates.py``; the dispatch, the span of the solution, the memory
on sparse rows, the path's reuse of the coordinates and rows that are all zero separately.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from mtlearn import GraphPenalty, MultiTaskClassifier, MultiTaskRegressor
from mtlearn.model_selection import multitask_path
from mtlearn.penalties import LassoPenalty, TracePenalty
from mtlearn.solvers import Intercepts
from mtlearn.solvers import _row_space as row_space
from mtlearn.solvers._solve import Problem, RowSpace, choose_method

from ._fitting import traced_peak
from .test_certificates import REFERENCE_SLACK, _objective, _penalty_cases, _reference, _zero_objective

cp = pytest.importorskip("cvxpy")

# 3 tasks of 4 rows and 60 features: 12 rows, 2 · 12 ≤ 60 and 12² ≤ 3 · 60 (the rows' span is taken).
N_TASKS, ROWS_PER_TASK, N_FEATURES = 3, 4, 60


def _wide_tasks(seed, sparse):
    rng = np.random.default_rng(seed)
    tasks = np.repeat(np.arange(N_TASKS), ROWS_PER_TASK)
    X = rng.normal(size=(tasks.size, N_FEATURES)) * (rng.random((tasks.size, N_FEATURES)) < 0.3)
    shared = rng.normal(size=N_FEATURES) / np.sqrt(N_FEATURES)
    f = np.einsum("ij,j->i", X, shared) + 0.3 * rng.normal(size=tasks.size)
    return (sp.csr_matrix(X) if sparse else X), tasks, f


def _estimator(loss, penalty, alpha, tol):
    if loss == "squared_error":
        return MultiTaskRegressor(penalty=penalty, alpha=alpha, tol=tol, max_iter=20_000)
    return MultiTaskClassifier(penalty=penalty, alpha=alpha, tol=tol, max_iter=20_000)


CASES = [
    ("squared_error", "trace"),
    ("squared_error", "cluster"),
    ("squared_error", "relationship"),
    ("logistic", "trace"),
    ("logistic", "cluster"),
    ("logistic", "relationship"),
    ("logistic", "ridge"),
    ("logistic", "mean"),
    ("logistic", "graph-ridge"),
]


@pytest.mark.slow
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("loss, name", CASES)
def test_fit_on_the_rows_span_is_within_tol_of_the_conic_optimum(loss, name, sparse):
    X, tasks, f = _wide_tasks(seed=len(name) + 7 * sparse, sparse=sparse)
    # Classes split at each task's median: both in every task (a one-class task's intercept is fixed, not free).
    medians = np.array([np.median(f[tasks == t]) for t in range(N_TASKS)])
    y = f if loss == "squared_error" else np.where(f > medians[tasks], 1.0, -1.0)
    labels = y if loss == "squared_error" else (y > 0).astype(int)
    penalty, term = _penalty_cases(N_TASKS)[name]
    alpha, tol = (0.05 if loss == "squared_error" else 0.02), 1e-6
    model = _estimator(loss, penalty, alpha, tol)
    problems = model._training_problems(X, labels, tasks, None)[2]
    assert choose_method(problems[0]) is RowSpace
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, labels, tasks=tasks)
    assert not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    dense = X.toarray() if sparse else X
    F0 = _zero_objective(y, tasks, loss, True)
    optimum = _reference(dense, y, tasks, loss, alpha, name, term, True)
    value = _objective(dense, y, tasks, loss, alpha, penalty, model.coef_, model.intercept_)
    assert value == pytest.approx(model.objective_, rel=1e-9, abs=1e-12)
    slack = REFERENCE_SLACK * max(F0, abs(optimum))
    assert (value - optimum) / F0 <= model.certificate_ + slack / F0
    assert value - optimum <= tol * F0 + slack


@pytest.mark.parametrize("penalty", ["trace", "cluster", "relationship"])
def test_the_solution_lies_in_the_span_of_the_rows(penalty):
    X, tasks, f = _wide_tasks(seed=3, sparse=True)
    model = MultiTaskRegressor(penalty=penalty, alpha=0.05, tol=1e-8).fit(X, f, tasks=tasks)
    basis = np.linalg.qr(X.toarray().T)[0]  # p × n, orthonormal columns spanning the rows
    outside = model.coef_ - (model.coef_ @ basis) @ basis.T
    assert np.abs(outside).max() <= 1e-12 * np.abs(model.coef_).max()
    assert model.certificate_ <= 1e-8


def _problem(X, tasks, f, penalty):
    model = MultiTaskRegressor(penalty=penalty)
    design = model._training_problems(X, f, tasks, None)[0].design
    return Problem(
        design,
        model._loss(),
        model._penalty() if isinstance(penalty, str) else penalty,
        0.1,
        Intercepts.all_free(N_TASKS),
    )


def test_rows_span_dispatch():
    X, tasks, f = _wide_tasks(seed=5, sparse=True)
    assert choose_method(_problem(X, tasks, f, "trace")) is RowSpace
    assert choose_method(_problem(X, tasks, f, "lasso")) is not RowSpace  # not rotation invariant
    assert not LassoPenalty.rotation_invariant and TracePenalty.rotation_invariant
    assert not GraphPenalty(adjacency=np.ones((3, 3)), l1=0.1).rotation_invariant
    assert GraphPenalty(adjacency=np.ones((3, 3)), ridge=0.1).rotation_invariant
    # More rows than half the features, or a kernel larger than W: the problem stays on the features.
    narrow = sp.csr_matrix(X[:, :20])
    assert choose_method(_problem(narrow, tasks, f, "trace")) is not RowSpace
    assert row_space.row_space_pays_off(_problem(X, tasks, f, "trace").design)
    many_rows = sp.vstack([X] * 4).tocsr()
    assert not row_space.row_space_pays_off(_problem(many_rows, np.tile(tasks, 4), np.tile(f, 4), "trace").design)


@pytest.mark.parametrize("penalty", ["trace", "cluster", "relationship"])
def test_sparse_rows_are_not_densified_at_many_features(penalty):
    """3 tasks × 20 sparse rows × 50,000 features: peak memory within 2 size(X) + 10 T p floats."""
    rng = np.random.default_rng(0)
    n_tasks, n_features = 3, 50_000
    X = sp.random(60, n_features, density=0.01, format="csr", random_state=1)
    tasks = np.repeat(np.arange(n_tasks), 20)
    y = rng.standard_normal(60)
    model = MultiTaskRegressor(penalty=penalty, alpha=0.01)
    model.fit(X, y, tasks=tasks)
    size = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    peak = traced_peak(lambda: model.fit(X, y, tasks=tasks))
    assert peak <= 2 * size + 10 * n_tasks * n_features * 8
    assert model.certificate_ <= model.tol


def test_path_builds_the_coordinates_once_and_matches_single_fits(monkeypatch):
    X, tasks, f = _wide_tasks(seed=11, sparse=True)
    built = []
    original = row_space.RowCoordinates.__init__

    def counting(self, design):
        built.append(design.X.shape)
        original(self, design)

    monkeypatch.setattr(row_space.RowCoordinates, "__init__", counting)
    alphas = [0.5, 0.1, 0.02]
    model = MultiTaskRegressor(penalty="trace", tol=1e-8)
    _, coefs, _ = multitask_path(model, X, f, tasks=tasks, alphas=alphas)
    assert len(built) == 1
    for alpha, coef in zip(alphas, coefs, strict=True):
        single = MultiTaskRegressor(penalty="trace", alpha=alpha, tol=1e-10, max_iter=100_000).fit(X, f, tasks=tasks)
        np.testing.assert_allclose(coef, single.coef_, atol=1e-4 * np.abs(single.coef_).max())


def test_rows_that_are_all_zero_give_the_intercept_model():
    tasks = np.repeat(np.arange(N_TASKS), ROWS_PER_TASK)
    y = np.arange(tasks.size, dtype=float)
    X = sp.csr_matrix((tasks.size, N_FEATURES))
    model = MultiTaskRegressor(penalty="trace", alpha=0.1).fit(X, y, tasks=tasks)
    assert np.all(model.coef_ == 0)
    np.testing.assert_allclose(model.intercept_, [y[tasks == t].mean() for t in range(N_TASKS)])
    assert model.certificate_ <= 1e-12
