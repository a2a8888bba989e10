"""Structured task penalties: the task graph ("graph") and convex clustered MTL ("cluster")."""

from pathlib import Path

import numpy as np
import pytest
import scipy.io
import scipy.optimize
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.svm import LinearSVC

from mtlearn import MultiTaskLinearSVC, MultiTaskRegressor
from mtlearn.penalties import ClusterPenalty, GraphPenalty

# A copy of shared/datasets/reference_small.mat (the optima are listed in shared/datasets/README.md).
REFERENCE = Path(__file__).resolve().parent / "data" / "reference_small.mat"


@pytest.fixture(scope="module")
def reference():
    data = scipy.io.loadmat(REFERENCE, mat_dtype=True)
    Xs = [data["X"][0, t] for t in range(5)]
    ys = [data["Y"][0, t].ravel() for t in range(5)]
    return Xs, ys


def _stacked(Xs, ys):
    tasks = np.repeat(np.arange(len(Xs)), [len(y) for y in ys])
    return np.vstack(Xs), np.concatenate(ys), tasks, np.array([len(y) for y in ys], dtype=float)


def _sum_of_squares(Xs, ys, W):
    return sum(0.5 * np.sum((X @ w - y) ** 2) for X, y, w in zip(Xs, ys, W, strict=False))


def _task_data(rng, n_tasks=4, n=30, p=5):
    X = rng.standard_normal((n_tasks * n, p))
    tasks = np.repeat(np.arange(n_tasks), n)
    W = rng.standard_normal((n_tasks, p))
    y = np.einsum("ij,ij->i", X, W[tasks]) + 0.5 + 0.1 * rng.standard_normal(n_tasks * n)
    return X, y, tasks


# --------------------------------------------------------------------- graph
def test_graph_l1_reference_optimum(reference):
    # Σ_t ½‖X_t w_t − y_t‖² + 2‖W(I − 11ᵀ/5)‖_F² + ‖W‖₁: complete graph with weight 0.8, α = 1, l1 = 1.
    Xs, ys = reference
    X, y, tasks, n = _stacked(Xs, ys)
    adjacency = 0.8 * (np.ones((5, 5)) - np.eye(5))
    model = MultiTaskRegressor(
        penalty=GraphPenalty(adjacency=adjacency, l1=1.0),
        alpha=1.0,
        fit_intercept=False,
        task_weights=n,
        tol=1e-10,
        max_iter=20000,
    ).fit(X, y, tasks=tasks)
    W = model.coef_
    objective = _sum_of_squares(Xs, ys, W) + 2 * np.sum((W - W.mean(axis=0)) ** 2) + np.sum(np.abs(W))
    assert objective == pytest.approx(100.9002553, rel=1e-6)
    assert model.objective_ == pytest.approx(objective, rel=1e-10)


def test_graph_prox_matches_scipy():
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(4, 4))
    A = A + A.T
    penalty = GraphPenalty(adjacency=A, ridge=0.3)
    W, step = rng.standard_normal((4, 3)), 0.7
    L = np.diag(A.sum(1) - np.diag(A)) - (A - np.diag(np.diag(A)))

    def f(v):
        V = v.reshape(W.shape)
        omega = 0.25 * sum(A[s, t] * np.sum((V[s] - V[t]) ** 2) for s in range(4) for t in range(4) if s != t)
        omega += 0.15 * np.sum(V * V)
        return 0.5 * np.sum((V - W) ** 2) + step * omega

    ref = scipy.optimize.minimize(f, np.zeros(W.size), method="BFGS", options={"gtol": 1e-10}).x
    np.testing.assert_allclose(penalty.prox(W, step), ref.reshape(W.shape), atol=1e-7)
    assert penalty.value(W) == pytest.approx(0.5 * np.trace(W.T @ (L + 0.3 * np.eye(4)) @ W))


def test_graph_complete_large_weight_is_pooled_fit():
    rng = np.random.default_rng(1)
    X, y, tasks = _task_data(rng)
    adjacency = 1e5 * (np.ones((4, 4)) - np.eye(4))
    model = MultiTaskRegressor(penalty=GraphPenalty(adjacency=adjacency), alpha=1.0, tol=1e-10, max_iter=5000)
    model.fit(X, y, tasks=tasks)
    # Pooled reference: one w, one intercept per task, each task's loss averaged over its rows.
    onehot = np.eye(4)[tasks]
    pooled = LinearRegression(fit_intercept=False).fit(np.hstack([X, onehot]), y, sample_weight=1 / 30 * np.ones(120))
    np.testing.assert_allclose(model.coef_, np.tile(pooled.coef_[:5], (4, 1)), atol=1e-4)
    np.testing.assert_allclose(model.intercept_, pooled.coef_[5:], atol=1e-4)


def test_graph_without_edges_is_independent_ridge():
    rng = np.random.default_rng(2)
    X, y, tasks = _task_data(rng)
    alpha, ridge = 0.5, 0.4
    model = MultiTaskRegressor(
        penalty=GraphPenalty(adjacency=np.zeros((4, 4)), ridge=ridge), alpha=alpha, tol=1e-12, max_iter=5000
    ).fit(X, y, tasks=tasks)
    for t in range(4):
        rows = tasks == t
        # (1/n_t) Σ ½ r² + (α ridge / 2) ‖w‖²  ⇔  Σ r² + n_t α ridge ‖w‖²
        ref = Ridge(alpha=rows.sum() * alpha * ridge).fit(X[rows], y[rows])
        np.testing.assert_allclose(model.coef_[t], ref.coef_, rtol=1e-7, atol=1e-9)
        assert model.intercept_[t] == pytest.approx(ref.intercept_, rel=1e-7)


def test_hinge_graph_without_edges_is_linear_svc_per_task():
    rng = np.random.default_rng(3)
    X, y, tasks = _task_data(rng, n=40)
    labels = np.where(y > np.median(y), 1, -1)
    C = 0.5
    model = MultiTaskLinearSVC(
        C=C,
        penalty=GraphPenalty(adjacency=np.zeros((4, 4)), ridge=1.0),
        fit_intercept=False,
        tol=1e-9,
        max_iter=50000,
    ).fit(X, labels, tasks=tasks)
    for t in range(4):
        rows = tasks == t
        ref = LinearSVC(C=C, loss="hinge", fit_intercept=False, tol=1e-10, max_iter=200000, random_state=0).fit(
            X[rows], labels[rows]
        )
        np.testing.assert_allclose(model.coef_[t], ref.coef_[0], rtol=1e-3, atol=1e-4)


def test_hinge_graph_complete_large_weight_is_pooled_linear_svc():
    rng = np.random.default_rng(4)
    X, y, tasks = _task_data(rng, n=40)
    labels = np.where(y > np.median(y), 1, -1)
    C, T = 0.5, 4
    adjacency = 1e4 * (np.ones((T, T)) - np.eye(T))
    model = MultiTaskLinearSVC(
        C=C, penalty=GraphPenalty(adjacency=adjacency, ridge=1.0), fit_intercept=False, tol=1e-9, max_iter=100000
    ).fit(X, labels, tasks=tasks)
    # All w_t equal to w: Ω = (T/2)‖w‖², so it is LinearSVC(C/T) on the pooled rows.
    ref = LinearSVC(C=C / T, loss="hinge", fit_intercept=False, tol=1e-10, max_iter=200000, random_state=0).fit(
        X, labels
    )
    np.testing.assert_allclose(model.coef_, np.tile(ref.coef_[0], (T, 1)), rtol=1e-3, atol=1e-3)


def test_hinge_graph_needs_positive_definite_task_matrix():
    rng = np.random.default_rng(5)
    X, y, tasks = _task_data(rng)
    labels = np.where(y > 0, 1, -1)
    with pytest.raises(ValueError, match="ridge > 0"):
        MultiTaskLinearSVC(penalty=GraphPenalty(adjacency=np.ones((4, 4)))).fit(X, labels, tasks=tasks)


@pytest.mark.parametrize(
    "adjacency, message",
    [
        (np.ones((3, 3)), "shape"),
        (np.array([[0, 1, 0, 0], [2, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0.0]]), "symmetric"),
        (-np.ones((4, 4)), "negative"),
        (np.full((4, 4), np.nan), "NaN"),
    ],
)
def test_bad_adjacency_is_refused(adjacency, message):
    rng = np.random.default_rng(6)
    X, y, tasks = _task_data(rng)
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressor(penalty=GraphPenalty(adjacency=adjacency)).fit(X, y, tasks=tasks)


def test_graph_string_asks_for_the_adjacency():
    rng = np.random.default_rng(7)
    X, y, tasks = _task_data(rng)
    with pytest.raises(ValueError, match=r"GraphPenalty\(adjacency=\.\.\.\)"):
        MultiTaskRegressor(penalty="graph").fit(X, y, tasks=tasks)


def test_graph_input_adjacency_not_modified():
    A = np.ones((4, 4))
    before = A.copy()
    GraphPenalty(adjacency=A).task_matrix(4)
    np.testing.assert_array_equal(A, before)


# ------------------------------------------------------------------- cluster
def _cluster_term(W, eta, M):
    """tr(Wᵀ (ηI + M)⁻¹ W) for W of shape (n_tasks, n_features)."""
    return np.trace(W.T @ np.linalg.solve(eta * np.eye(W.shape[0]) + M, W))


def _min_over_m(sigma, eta, k):
    """min over 0 ≤ m ≤ 1, Σm = k of Σ σ²/(η + m), by SLSQP (an independent reference)."""
    T = sigma.size
    result = scipy.optimize.minimize(
        lambda m: np.sum(sigma**2 / (eta + m)),
        np.full(T, k / T),
        method="SLSQP",
        jac=lambda m: -(sigma**2) / (eta + m) ** 2,
        bounds=[(0, 1)] * T,
        constraints=[{"type": "eq", "fun": lambda m: m.sum() - k, "jac": lambda m: np.ones(T)}],
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    return result.fun


def test_cluster_reference_optimum(reference):
    # Σ_t ½‖X_t w_t − y_t‖² + 10 η(1 + η) min_M tr(W(ηI + M)⁻¹Wᵀ), η = 0.1, k = 2: α = 20.
    Xs, ys = reference
    X, y, tasks, n = _stacked(Xs, ys)
    eta = 0.1
    model = MultiTaskRegressor(
        penalty=ClusterPenalty(n_clusters=2, eta=eta),
        alpha=20.0,
        fit_intercept=False,
        task_weights=n,
        tol=1e-10,
        max_iter=20000,
    ).fit(X, y, tasks=tasks)
    W = model.coef_
    sigma = np.linalg.svd(W, compute_uv=False)
    objective = _sum_of_squares(Xs, ys, W) + 10 * eta * (1 + eta) * _min_over_m(sigma, eta, 2)
    assert objective == pytest.approx(70.10460587, rel=1e-6)
    M = model.penalty_info_["task_matrix"]
    assert np.trace(M) == pytest.approx(2.0)
    assert np.all(np.linalg.eigvalsh(M) >= -1e-12) and np.all(np.linalg.eigvalsh(M) <= 1 + 1e-12)


def _min_over_task_matrices(fun, T, k, rng, n_starts=3):
    """min of fun(M) over 0 ⪯ M ⪯ I, tr M = k, by SLSQP on M = Q diag(m) Qᵀ.

    Q is the Cayley transform (I − S)⁻¹(I + S) of a skew-symmetric S; m lies in
    the capped simplex.  Returns the best value and its M.
    """
    upper = np.triu_indices(T, 1)
    n_angles = len(upper[0])

    def matrix(params):
        S = np.zeros((T, T))
        S[upper] = params[:n_angles]
        S = S - S.T
        Q = np.linalg.solve(np.eye(T) - S, np.eye(T) + S)
        return (Q * params[n_angles:]) @ Q.T

    best = (np.inf, None)
    for _ in range(n_starts):
        x0 = np.concatenate([rng.standard_normal(n_angles), np.full(T, k / T)])
        result = scipy.optimize.minimize(
            lambda x: fun(matrix(x)),
            x0,
            method="SLSQP",
            bounds=[(None, None)] * n_angles + [(0, 1)] * T,
            constraints=[{"type": "eq", "fun": lambda x: x[n_angles:].sum() - k}],
            options={"ftol": 1e-14, "maxiter": 1000},
        )
        if result.fun < best[0]:
            best = (result.fun, matrix(result.x))
    return best


@pytest.mark.parametrize("seed, shape, k", [(0, (3, 5), 1), (1, (4, 6), 2), (2, (4, 2), 3)])
def test_cluster_task_matrix_is_the_minimiser(seed, shape, k):
    rng = np.random.default_rng(seed)
    W, eta = rng.standard_normal(shape), 0.3
    penalty = ClusterPenalty(n_clusters=k, eta=eta)
    best, _ = _min_over_task_matrices(lambda M: _cluster_term(W, eta, M), shape[0], k, rng)
    M = penalty.task_matrix(W)
    closed_form = _cluster_term(W, eta, M)
    assert closed_form <= best * (1 + 1e-9)
    assert closed_form == pytest.approx(best, rel=1e-6)
    assert penalty.value(W) == pytest.approx(0.5 * eta * (1 + eta) * closed_form)
    assert np.trace(M) == pytest.approx(k)
    eigenvalues = np.linalg.eigvalsh(M)
    assert eigenvalues.min() >= -1e-12 and eigenvalues.max() <= 1 + 1e-12


def test_cluster_prox_matches_direct_minimisation():
    # prox = argmin_V ½‖V − W‖² + s c min_M tr(Vᵀ(ηI + M)⁻¹V), c = ½η(1 + η).  For a fixed M the
    # minimising V solves (I + 2sc(ηI + M)⁻¹) V = W; minimise the resulting value over M numerically.
    rng = np.random.default_rng(8)
    W, step, eta, k = rng.standard_normal((4, 3)), 0.4, 0.2, 2
    c = 0.5 * eta * (1 + eta)
    identity = np.eye(4)

    def v_of(M):
        return np.linalg.solve(identity + 2 * step * c * np.linalg.inv(eta * identity + M), W)

    def objective(M):
        V = v_of(M)
        return 0.5 * np.sum((V - W) ** 2) + step * c * _cluster_term(V, eta, M)

    best, M = _min_over_task_matrices(objective, 4, k, rng)
    prox = ClusterPenalty(n_clusters=k, eta=eta).prox(W, step)
    np.testing.assert_allclose(prox, v_of(M), atol=1e-6)
    penalty_value = ClusterPenalty(n_clusters=k, eta=eta).value(prox)
    assert 0.5 * np.sum((prox - W) ** 2) + step * penalty_value == pytest.approx(best, rel=1e-9)


def test_cluster_recovers_planted_clusters():
    rng = np.random.default_rng(9)
    centres = 3 * rng.standard_normal((2, 8))
    truth = np.array([0, 1, 0, 0, 1, 1])
    coef = centres[truth] + 0.1 * rng.standard_normal((6, 8))
    X = rng.standard_normal((6 * 40, 8))
    tasks = np.repeat(np.arange(6), 40)
    y = np.einsum("ij,ij->i", X, coef[tasks]) + 0.1 * rng.standard_normal(240)
    model = MultiTaskRegressor(penalty=ClusterPenalty(n_clusters=2, eta=0.1), alpha=0.5, tol=1e-8).fit(
        X, y, tasks=tasks
    )
    labels = model.penalty_info_["labels"]
    np.testing.assert_array_equal(labels, truth)


def test_cluster_checks_its_parameters():
    rng = np.random.default_rng(10)
    X, y, tasks = _task_data(rng)
    with pytest.raises(ValueError, match="n_clusters=5 is larger than the number of tasks"):
        MultiTaskRegressor(penalty=ClusterPenalty(n_clusters=5)).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="eta"):
        MultiTaskRegressor(penalty=ClusterPenalty(eta=0.0)).fit(X, y, tasks=tasks)
    # The registry name gives the default penalty.
    assert MultiTaskRegressor(penalty="cluster").fit(X, y, tasks=tasks).coef_.shape == (4, 5)
