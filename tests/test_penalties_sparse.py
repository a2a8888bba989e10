"""The sparse and spectral penalties: ℓ2,1, lasso, trace norm and the dirty model.

References: scikit-learn's ``MultiTaskLasso`` and ``Lasso``, numerical
minimisation of the prox objectives with SciPy, the Moreau identity, the
optimality condition at W = 0 (``alpha_max``), and for the dirty model its limit
cases, Clarabel on the best split and the solve in both parts.  Every fit that
does not warn must end with ``certificate_ <= tol``.
"""

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import clone
from sklearn.linear_model import Lasso, MultiTaskLasso

from mtlearn import (
    ClusterPenalty,
    DirtyPenalty,
    GraphPenalty,
    L21Penalty,
    LassoPenalty,
    MultiTaskClassifier,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    TracePenalty,
)
from mtlearn.penalties._sparse import column_max_abs

from ._fitting import fit_checked
from ._stacked_parts import StackedDirtyPenalty

TOL = 1e-10


class DenseForbiddenCSR(sp.csr_matrix):
    """A CSR matrix that fails the test if anything densifies it."""

    def toarray(self, *args, **kwargs):
        raise AssertionError("the sparse input was densified")

    def todense(self, *args, **kwargs):
        raise AssertionError("the sparse input was densified")


def sparse_features(rng, n_samples, n_features):
    X = rng.normal(size=(n_samples, n_features))
    X[rng.random(X.shape) < 0.5] = 0.0
    return X


@pytest.fixture
def shared_problem():
    rng = np.random.default_rng(0)
    X = sparse_features(rng, 50, 8)
    W = rng.normal(size=(3, 8))
    W[:, 4:] = 0.0
    Y = X @ W.T + 0.3 * rng.normal(size=(50, 3))
    return X, Y, rng.integers(1, 4, size=50).astype(float)


@pytest.fixture
def stacked_problem():
    rng = np.random.default_rng(1)
    X = sparse_features(rng, 90, 6)
    tasks = np.repeat(["a", "b", "c"], 30)
    W = rng.normal(size=(3, 6))
    W[:, 3:] = 0.0
    index = np.searchsorted(["a", "b", "c"], tasks)
    y = np.einsum("ij,ij->i", X, W[index]) + 0.5 * rng.normal(size=90) + 2.0
    return X, y, tasks, rng.uniform(0.5, 2.0, size=90)


# ----------------------------------------------------------- scikit-learn references
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_l21_on_shared_design_is_multitask_lasso(shared_problem, sparse, weighted):
    X, Y, sample_weight = shared_problem
    sample_weight = sample_weight if weighted else None
    reference = MultiTaskLasso(alpha=0.05, tol=1e-14, max_iter=100_000).fit(X, Y, sample_weight=sample_weight)
    model = MultiTaskRegressor(penalty="l21", alpha=0.05, tol=TOL, max_iter=100_000)
    fit_checked(model, DenseForbiddenCSR(X) if sparse else X, Y, sample_weight=sample_weight)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6, atol=1e-9)
    support = model.penalty_info_["support"]
    np.testing.assert_array_equal(support, (reference.coef_ != 0).any(axis=0))
    assert 0 < support.sum() < X.shape[1]


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_lasso_with_one_task_is_sklearn_lasso(shared_problem, sparse, fit_intercept):
    X, Y, sample_weight = shared_problem
    reference = Lasso(alpha=0.05, fit_intercept=fit_intercept, tol=1e-14, max_iter=100_000)
    reference.fit(X, Y[:, 0], sample_weight=sample_weight)
    model = MultiTaskRegressor(penalty="lasso", alpha=0.05, fit_intercept=fit_intercept, tol=TOL, max_iter=100_000)
    # One task's own sparse rows are solved on their Gram matrix, formed from a chunk of rows densified at a
    # time (bounded: tests/test_sparse_newton.py, ``test_sparse_rows_are_not_densified_at_many_features``).
    fit_checked(model, sp.csr_matrix(X) if sparse else X, Y[:, 0], sample_weight=sample_weight)
    np.testing.assert_allclose(model.coef_[0], reference.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.intercept_[0], reference.intercept_, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(model.penalty_info_["task_support"][0], reference.coef_ != 0)


# -------------------------------------------------------------------------- proxes
def numerical_prox(penalty, W, step, rng):
    """argmin_V ½‖V − W‖² + step·Ω(V) by Powell's method (Ω separable over columns or entries)."""

    def objective(v):
        V = v.reshape(W.shape)
        return 0.5 * np.sum((V - W) ** 2) + step * penalty.value(V)

    options = {"xtol": 1e-10, "ftol": 1e-15, "maxfev": 10**6}
    best = None
    for start in (W.ravel(), rng.normal(size=W.size)):
        result = minimize(objective, start, method="Powell", options=options)
        result = minimize(objective, result.x, method="Powell", options=options)
        if best is None or result.fun < best.fun:
            best = result
    return best.x.reshape(W.shape), objective


def numerical_trace_prox(W, step, rng):
    """argmin_V ½‖V − W‖² + step‖V‖_* through ‖V‖_* = min_{ABᵀ = V} ½(‖A‖² + ‖B‖²).

    The factored problem is smooth and has no spurious local minima with as
    many columns as min(W.shape); L-BFGS from a few random starts finds it.
    """
    n, p = W.shape
    k = min(n, p)

    def factored(z):
        A, B = z[: n * k].reshape(n, k), z[n * k :].reshape(p, k)
        R = A @ B.T - W
        value = 0.5 * np.sum(R * R) + 0.5 * step * (np.sum(A * A) + np.sum(B * B))
        return value, np.concatenate([(R @ B + step * A).ravel(), (R.T @ A + step * B).ravel()])

    options = {"gtol": 1e-12, "ftol": 1e-16, "maxiter": 10_000}
    runs = [
        minimize(factored, rng.normal(size=(n + p) * k), jac=True, method="L-BFGS-B", options=options) for _ in range(3)
    ]
    z = min(runs, key=lambda run: run.fun).x
    V = z[: n * k].reshape(n, k) @ z[n * k :].reshape(p, k).T

    def objective(v):
        V = v.reshape(W.shape)
        return 0.5 * np.sum((V - W) ** 2) + step * np.sum(np.linalg.svd(V, compute_uv=False))

    return V, objective


PROX_CASES = [
    pytest.param(L21Penalty(), id="l21"),
    pytest.param(L21Penalty(l2_reg=0.7), id="l21+ridge"),
    pytest.param(LassoPenalty(), id="lasso"),
    pytest.param(DirtyPenalty(l1_ratio=0.4), id="dirty"),
    pytest.param(TracePenalty(), id="trace"),
]


@pytest.mark.parametrize("penalty", PROX_CASES)
@pytest.mark.parametrize("step", [0.3, 1.2])
def test_prox_matches_numerical_minimisation(penalty, step):
    rng = np.random.default_rng(2)
    W = rng.normal(size=(3, 4))
    if isinstance(penalty, TracePenalty):
        V_ref, objective = numerical_trace_prox(W, step, rng)
    else:
        V_ref, objective = numerical_prox(penalty, W, step, rng)
    V = penalty.prox(W, step)
    assert objective(V.ravel()) <= objective(V_ref.ravel()) + 1e-12
    np.testing.assert_allclose(V, V_ref, atol=1e-6)
    np.testing.assert_array_equal(W, np.random.default_rng(2).normal(size=(3, 4)))  # input untouched


def project_columns(G, radius):
    norms = np.linalg.norm(G, axis=0)
    return G * np.minimum(1.0, radius / np.maximum(norms, 1e-300))


def project_spectral(G, radius):
    U, s, Vt = np.linalg.svd(G, full_matrices=False)
    return (U * np.minimum(s, radius)) @ Vt


# prox of the conjugate of step·Ω (a norm) = projection on the dual ball of radius step.
MOREAU_CASES = [
    pytest.param(L21Penalty(), lambda G, s: project_columns(G, s), id="l21"),
    pytest.param(LassoPenalty(), lambda G, s: np.clip(G, -s, s), id="lasso"),
    pytest.param(TracePenalty(), project_spectral, id="trace"),
    pytest.param(DirtyPenalty(l1_ratio=0.3), lambda G, s: project_ball_and_box(G, 0.7 * s, 0.3 * s), id="dirty"),
    pytest.param(
        StackedDirtyPenalty(l1_ratio=0.3),
        lambda V, s: np.hstack([project_columns(V[:, :5], 0.7 * s), np.clip(V[:, 5:], -0.3 * s, 0.3 * s)]),
        id="dirty-parts",
    ),
]


def project_ball_and_box(G, radius, box, n_iter=20_000):
    """Projection of each column on {‖g‖₂ ≤ radius, ‖g‖_∞ ≤ box} by Dykstra's alternating projections."""
    x, p, q = G.copy(), np.zeros_like(G), np.zeros_like(G)
    for _ in range(n_iter):
        y = project_columns(x + p, radius)
        p = x + p - y
        x = np.clip(y + q, -box, box)
        q = y + q - x
    return x


@pytest.mark.parametrize("penalty, dual_projection", MOREAU_CASES)
@pytest.mark.parametrize("step", [0.1, 1.0, 3.0])
@pytest.mark.parametrize("n_tasks", [4, 9])  # the dirty prox's breakpoints over pairs of entries, or sorted
def test_moreau_identity(penalty, dual_projection, step, n_tasks):
    W = np.random.default_rng(3).normal(size=(n_tasks, 10))
    np.testing.assert_allclose(penalty.prox(W, step) + dual_projection(W, step), W, atol=1e-12)


def many_kinds_of_columns(n_tasks, n_features, seed):
    """Columns of every kind for the dirty penalty: most zero, some in its dual ball, some large, ties, a spike."""
    rng = np.random.default_rng(seed)
    W = np.zeros((n_tasks, n_features))
    used = rng.choice(n_features, n_features // 4, replace=False)
    W[:, used] = rng.normal(size=(n_tasks, used.size)) * rng.choice([0.01, 0.1, 1.0, 10.0], size=used.size)
    W[:, used[:5]] = 0.5  # ties
    W[1:, used[5]] = 0.0  # one entry
    W[0, used[6]] *= 100.0
    return W


@pytest.mark.parametrize("step", [0.1, 1.0, 3.0])
@pytest.mark.parametrize("n_tasks", [4, 9])  # the breakpoints over pairs of entries, or sorted
def test_dirty_prox_of_many_columns_meets_the_moreau_identity(step, n_tasks):
    """On an array large enough that the prox looks for the columns outside the dual ball first (dirty's
    ``box_ball_scale``), the prox is still W minus the projection on the dual ball (Dykstra's)."""
    W = many_kinds_of_columns(n_tasks, 400, seed=5)
    penalty = DirtyPenalty(l1_ratio=0.4)  # within (1 / (1 + √T), 1/2): the ball and the box both bind
    prox = penalty.prox(W, step)
    used = W.any(axis=0)  # Dykstra's iterations on those alone (the projection of a zero column is zero)
    projection = project_ball_and_box(W[:, used], 0.6 * step, 0.4 * step, n_iter=100_000)
    np.testing.assert_allclose(prox[:, used] + projection, W[:, used], atol=1e-12)
    np.testing.assert_array_equal(prox[:, ~used], 0.0)
    assert 0 < np.count_nonzero(prox.any(axis=0)) < np.count_nonzero(W.any(axis=0))  # some columns in the ball


@pytest.mark.parametrize("copies", [1, 2])  # 4 tasks (breakpoints over pairs of entries) or 8 (sorted)
def test_dirty_prox_of_columns_with_an_underflowing_entry_meets_the_moreau_identity(copies):
    """Columns of a working set's iterate: entries near 1 beside one between 1e-170 and 1e-150 (4 tasks, or the
    same rows twice, the default ratio, the step of a proximal-gradient iteration).  Their squares scaled to the
    largest entry, times the box², underflow to zero on both sides of a breakpoint's test, which then passed past
    a failed one (at 1e-160): θ = 0 left the column unshrunk, and proximal gradient drifted upwards (an objective
    4 % above the optimum after 7,000 iterations).  Subnormal entries (1e-320 to 1e-309) among them: the ratios to them
    of entries near 1 overflow."""
    tiny = np.concatenate([np.logspace(-170, -150, 41), np.logspace(-320, -309, 12)])
    W = np.tile([[-4.30703421e-3], [0.0], [8.30558740e-1], [-1.68740230e-2]], (copies, tiny.size))
    W[1] = tiny
    r = 1.0 / (1.0 + W.shape[0] ** 0.25)
    step = 0.01 / 1.902427102928506
    prox = DirtyPenalty().prox(W, step)
    projection = project_ball_and_box(W, (1.0 - r) * step, r * step, n_iter=100_000)
    np.testing.assert_allclose(prox + projection, W, rtol=0, atol=1e-15)


@pytest.mark.parametrize("penalty", [L21Penalty(), LassoPenalty(), TracePenalty()])
def test_dual_norm_bounds_the_pairing(penalty):
    """⟨G, W⟩ ≤ Ω(W) · Ω°(G), with equality for W the maximiser ∂Ω°(G)."""
    rng = np.random.default_rng(4)
    G = rng.normal(size=(3, 5))
    for _ in range(20):
        W = rng.normal(size=(3, 5))
        assert np.sum(G * W) <= penalty.value(W) * penalty.dual_norm(G) + 1e-12
    # maximisers: the largest column, the largest entry, the top singular pair
    if isinstance(penalty, L21Penalty):
        j = np.argmax(np.linalg.norm(G, axis=0))
        W = np.zeros_like(G)
        W[:, j] = G[:, j] / np.linalg.norm(G[:, j])
    elif isinstance(penalty, LassoPenalty):
        W = np.zeros_like(G)
        W.flat[np.argmax(np.abs(G))] = np.sign(G.flat[np.argmax(np.abs(G))])
    else:
        U, _, Vt = np.linalg.svd(G)
        W = np.outer(U[:, 0], Vt[0])
    assert penalty.value(W) == pytest.approx(1.0)
    assert np.sum(G * W) == pytest.approx(penalty.dual_norm(G))


def test_column_max_abs_is_the_largest_magnitude_of_each_column():
    """Against ``np.abs(W).max(axis=0)``: mixed signs, all-negative and zero columns, one task, no feature."""
    rng = np.random.default_rng(13)
    W = rng.normal(size=(5, 7)) * (rng.random((5, 7)) < 0.6)
    W[:, 0], W[:, 1] = 0.0, -np.abs(W[:, 1]) - 1.0
    original = W.copy()
    for V in (W, W[:1], W[:, :0]):
        np.testing.assert_array_equal(column_max_abs(V), np.abs(V).max(axis=0, initial=0.0))
    np.testing.assert_array_equal(W, original)  # input untouched


# ----------------------------------------------------------------------- alpha_max
def squared_gradient_at_zero(X, y, index, n_tasks, sample_weight, task_weights):
    """∇_W of Σ_t ρ_t/n_t Σ s_i ½(y_i − b_t)² at W = 0, intercepts at their optimum (task means)."""
    G = np.zeros((n_tasks, X.shape[1]))
    for t in range(n_tasks):
        rows = index == t
        s = sample_weight[rows]
        b = np.average(y[rows], weights=s)
        G[t] = task_weights[t] / s.sum() * (X[rows].T @ (s * (b - y[rows])))
    return G


def logistic_gradient_at_zero(X, y, index, n_tasks):
    """Same for the per-task mean logistic loss, y in {−1, +1}: b_t = log(P_t / N_t)."""
    G = np.zeros((n_tasks, X.shape[1]))
    for t in range(n_tasks):
        yt = y[index == t]
        b = np.log(np.mean(yt > 0) / np.mean(yt < 0))
        G[t] = X[index == t].T @ (-yt * expit(-yt * b)) / yt.size
    return G


@pytest.mark.parametrize(
    "penalty", [L21Penalty(), L21Penalty(l2_reg=2.0), LassoPenalty(), TracePenalty(), DirtyPenalty()]
)
def test_alpha_max_squared_loss(stacked_problem, penalty):
    X, y, tasks, sample_weight = stacked_problem
    task_weights = np.array([1.0, 2.0, 0.5])
    index = np.searchsorted(np.unique(tasks), tasks)
    G = squared_gradient_at_zero(X, y, index, 3, sample_weight, task_weights)
    alpha_max = penalty.dual_norm(G)
    model = MultiTaskRegressor(penalty=penalty, task_weights=task_weights, tol=TOL, max_iter=100_000)
    fit_checked(model.set_params(alpha=1.001 * alpha_max), X, y, tasks=tasks, sample_weight=sample_weight)
    assert np.all(model.coef_ == 0)
    fit_checked(model.set_params(alpha=0.99 * alpha_max), X, y, tasks=tasks, sample_weight=sample_weight)
    assert np.any(model.coef_ != 0)


@pytest.mark.parametrize("penalty", [L21Penalty(), LassoPenalty()])
def test_alpha_max_logistic_loss(stacked_problem, penalty):
    X, y, tasks, _ = stacked_problem
    labels = np.where(y > np.median(y), 1.0, -1.0)
    index = np.searchsorted(np.unique(tasks), tasks)
    alpha_max = penalty.dual_norm(logistic_gradient_at_zero(X, labels, index, 3))
    model = MultiTaskClassifier(penalty=penalty, tol=TOL, max_iter=100_000)
    fit_checked(model.set_params(alpha=1.001 * alpha_max), X, labels, tasks=tasks)
    assert np.all(model.coef_ == 0)
    fit_checked(model.set_params(alpha=0.99 * alpha_max), X, labels, tasks=tasks)
    assert np.any(model.coef_ != 0)


# ------------------------------------------------------------------- dirty model
@pytest.mark.parametrize(
    "l1_ratio, equivalent, scale",
    [
        pytest.param(0.6, "l21", 0.4, id="group-only"),  # r ≥ 1/2: Ω = (1 − r)‖W‖₂,₁
        pytest.param(0.2, "lasso", 0.2, id="entrywise-only"),  # r ≤ 1/(1 + √3): Ω = r‖W‖₁
    ],
)
def test_dirty_limit_cases(stacked_problem, l1_ratio, equivalent, scale):
    X, y, tasks, _ = stacked_problem
    dirty = fit_checked(
        MultiTaskRegressor(penalty=DirtyPenalty(l1_ratio=l1_ratio), alpha=0.2, tol=TOL, max_iter=100_000),
        X,
        y,
        tasks=tasks,
    )
    reference = fit_checked(
        MultiTaskRegressor(penalty=equivalent, alpha=0.2 * scale, tol=TOL, max_iter=100_000), X, y, tasks=tasks
    )
    np.testing.assert_allclose(dirty.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dirty.intercept_, reference.intercept_, rtol=1e-6, atol=1e-8)


def test_dirty_parts(stacked_problem):
    X, y, tasks, _ = stacked_problem
    model = fit_checked(MultiTaskRegressor(penalty="dirty", alpha=0.05, tol=TOL, max_iter=100_000), X, y, tasks=tasks)
    info = model.penalty_info_
    P, Q = info["group_part"], info["sparse_part"]
    np.testing.assert_allclose(P + Q, model.coef_, atol=1e-12)
    np.testing.assert_array_equal(info["group_support"], np.linalg.norm(P, axis=0) > 0)
    # The split is optimal: its value is Ω(W), the minimum over all splits (by Clarabel)
    r = 1 / (1 + 3**0.25)
    assert DirtyPenalty()._ratio(3) == pytest.approx(r)
    split_value = (1 - r) * np.linalg.norm(P, axis=0).sum() + r * np.abs(Q).sum()
    assert split_value == pytest.approx(DirtyPenalty().value(model.coef_), rel=1e-12)
    assert split_value == pytest.approx(best_split_value(model.coef_, r), rel=1e-7, abs=1e-9)


def best_split_value(W, r):
    """min over P of (1 − r)‖P‖₂,₁ + r‖W − P‖₁, by Clarabel."""
    P = cp.Variable(W.shape)
    problem = cp.Problem(cp.Minimize((1 - r) * cp.sum(cp.norm(P, 2, axis=0)) + r * cp.sum(cp.abs(W - P))))
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return problem.value


@pytest.mark.parametrize("l1_ratio", [0.25, 0.3, 0.4, 0.45])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_dirty_value_is_the_best_split(l1_ratio, scale):
    """Ω(W) = min_{P + Q = W} (1 − r)‖P‖₂,₁ + r‖Q‖₁ on columns of every kind (zeros, ties, one large entry)."""
    rng = np.random.default_rng(11)
    W = scale * rng.normal(size=(4, 9))
    W[:, 0] = 0.0
    W[1:, 1] = 0.0
    W[:, 2] = scale
    W[0, 3] *= 100.0
    penalty = DirtyPenalty(l1_ratio=l1_ratio)
    assert penalty.value(W) == pytest.approx(best_split_value(W, l1_ratio), rel=1e-7, abs=1e-9 * scale)
    P, Q = penalty.split(W)
    np.testing.assert_allclose(P + Q, W)
    split_value = (1 - l1_ratio) * np.linalg.norm(P, axis=0).sum() + l1_ratio * np.abs(Q).sum()
    assert split_value == pytest.approx(penalty.value(W), rel=1e-12)


@pytest.mark.parametrize("l1_ratio", [0.4, 0.45])
def test_dirty_value_of_many_columns_is_the_best_split(l1_ratio):
    """The value on an array large enough that only its used columns are split: the best split (Clarabel)."""
    W = many_kinds_of_columns(4, 300, seed=6)
    penalty = DirtyPenalty(l1_ratio=l1_ratio)
    assert penalty.value(W) == pytest.approx(best_split_value(W, l1_ratio), rel=1e-7)
    P, Q = penalty.split(W)
    np.testing.assert_allclose(P + Q, W)
    split_value = (1 - l1_ratio) * np.linalg.norm(P, axis=0).sum() + l1_ratio * np.abs(Q).sum()
    assert split_value == pytest.approx(penalty.value(W), rel=1e-12)


@pytest.mark.parametrize("estimator", [MultiTaskRegressor, MultiTaskClassifier])
def test_dirty_on_w_reaches_the_optimum_of_the_stacked_parts(stacked_problem, estimator):
    """The norm on W and the problem in both parts (P, Q) have the same optimal objective."""
    X, y, tasks, _ = stacked_problem
    target = y if estimator is MultiTaskRegressor else (y > np.median(y)).astype(int)
    fits = [
        fit_checked(estimator(penalty=penalty, alpha=0.05, tol=1e-10, max_iter=100_000), X, target, tasks=tasks)
        for penalty in (DirtyPenalty(l1_ratio=0.35), StackedDirtyPenalty(l1_ratio=0.35))
    ]
    on_w, on_parts = fits
    assert on_w.objective_ == pytest.approx(on_parts.objective_, rel=1e-8)
    np.testing.assert_allclose(on_w.coef_, on_parts.coef_, atol=1e-4)


# ------------------------------------------------------------------------ estimators
@pytest.mark.parametrize(
    "penalty",
    [
        "l21",
        "lasso",
        "trace",
        "dirty",
        GraphPenalty(adjacency=np.ones((3, 3)) - np.eye(3), ridge=0.1),
        GraphPenalty(adjacency=np.ones((3, 3)) - np.eye(3), ridge=0.1, l1=0.5),
        ClusterPenalty(n_clusters=2),
    ],
    ids=str,
)
def test_sparse_input_matches_dense(stacked_problem, penalty):
    """Dense X runs on the Gram form (squared loss), sparse X on its rows, never densified.

    With ℓ2,1, lasso or dirty, the squared loss and the squared-hinge classifier's proximal Newton
    models are solved on the tasks' Gram matrices of the (working set's) features, formed from a chunk
    of rows densified at a time (bounded: tests/test_sparse_newton.py,
    ``test_sparse_rows_are_not_densified_at_many_features``); their sparse rows are then a plain CSR
    matrix here.
    """
    X, y, tasks, sample_weight = stacked_problem
    gram_models = isinstance(penalty, str) and penalty in ("l21", "lasso", "dirty")
    rows = sp.csr_matrix(X) if gram_models else DenseForbiddenCSR(X)
    model = MultiTaskRegressor(penalty=penalty, alpha=0.05, tol=TOL, max_iter=100_000)
    dense = fit_checked(clone(model), X, y, tasks=tasks, sample_weight=sample_weight)
    sparse = fit_checked(clone(model), rows, y, tasks=tasks, sample_weight=sample_weight)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-10)
    classifier = MultiTaskClassifier(penalty=penalty, loss="squared_hinge", alpha=0.01, tol=TOL, max_iter=100_000)
    dense = fit_checked(clone(classifier), X, y > 2, tasks=tasks)
    sparse = fit_checked(clone(classifier), rows, y > 2, tasks=tasks)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-10)


def test_trace_reports_rank(shared_problem):
    X, Y, _ = shared_problem
    # a fourth task whose targets combine the others': least squares gives rank 3
    Y = np.hstack([Y, Y @ [[1.0], [0.5], [-1.0]]])
    low = fit_checked(MultiTaskRegressor(penalty="trace", alpha=0.5, tol=TOL, max_iter=100_000), X, Y)
    high = fit_checked(MultiTaskRegressor(penalty="trace", alpha=1e-3, tol=TOL, max_iter=100_000), X, Y)
    assert low.penalty_info_["rank"] == np.linalg.matrix_rank(low.coef_) < 3
    assert high.penalty_info_["rank"] == np.linalg.matrix_rank(high.coef_) == 3
    expected = np.linalg.svd(low.coef_, compute_uv=False)
    # The zero singular values are round-off of either SVD (1e-17 here): compared on the scale of the largest.
    np.testing.assert_allclose(low.penalty_info_["singular_values"], expected, rtol=1e-12, atol=1e-13 * expected[0])


@pytest.mark.parametrize("penalty", ["l21", "lasso", "trace", "dirty"])
def test_hinge_loss_refuses_non_quadratic_penalties(stacked_problem, penalty):
    X, y, tasks, _ = stacked_problem
    with pytest.raises(ValueError, match="squared_hinge"):
        MultiTaskClassifier(loss="hinge", penalty=penalty).fit(X, y > 2, tasks=tasks)
    with pytest.raises(ValueError, match="squared_hinge"):
        MultiTaskLinearSVC(penalty=penalty).fit(X, y > 2, tasks=tasks)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: L21Penalty(l2_reg=-1.0), "l2_reg"),
        (lambda: L21Penalty(l2_reg=np.inf), "l2_reg"),
        (lambda: DirtyPenalty(l1_ratio=0.0), "l1_ratio"),
        (lambda: DirtyPenalty(l1_ratio=1.0), "l1_ratio"),
        (lambda: DirtyPenalty(l1_ratio="half"), "l1_ratio"),
        (lambda: DirtyPenalty().set_params(l1_ratio=1.5), "l1_ratio"),
    ],
)
def test_invalid_parameters_are_refused_when_the_penalty_is_built(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_penalty_parameters_are_tunable():
    model = MultiTaskRegressor(penalty=DirtyPenalty(l1_ratio=0.3))
    assert model.get_params()["penalty__l1_ratio"] == 0.3
    tuned = clone(model).set_params(penalty__l1_ratio=0.4)
    assert tuned.penalty.l1_ratio == 0.4 and model.penalty.l1_ratio == 0.3
    assert MultiTaskRegressor(penalty=L21Penalty(l2_reg=0.1)).get_params()["penalty__l2_reg"] == 0.1
