"""The relationship penalty (MTRL, Zhang & Yeung 2010) against independent references.

- the fitted objective against an alternating minimisation over (W, Ω) that
  never uses the nuclear-norm form of the penalty: the Ω-step closed form
  Ω = (WWᵀ)^{1/2}/tr and the W-step, a ridge problem with the task matrix
  λ₁I + λ₂Ω⁻¹ solved as one linear system in vec(W);
- the vector prox and conjugate against scipy.optimize, the matrix prox and
  conjugate against cvxpy;
- the certificate of a logistic fit against cvxpy;
- ``task_similarity_`` on planted positively and negatively correlated tasks;
- the limits: mix = 0 is ridge in closed form, mix = 1 is the trace norm at a
  matched α.
"""

import warnings

import numpy as np
import pytest
from scipy.linalg import sqrtm
from scipy.optimize import minimize
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from mtlearn import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    RelationshipPenalty,
    TracePenalty,
)
from mtlearn.model_selection import multitask_path
from mtlearn.penalties import make_penalty
from mtlearn.penalties._relationship import shrink_by_squared_l1


def _tasks(rng, coef, n_per_task, noise=0.1):
    """Rows of every task, targets from the task weights ``coef`` (T, p) plus an offset per task."""
    T, p = coef.shape
    tasks = np.repeat(np.arange(T), n_per_task)
    X = rng.normal(size=(tasks.size, p))
    y = np.einsum("ij,ij->i", X, coef[tasks]) + np.arange(T)[tasks] + noise * rng.normal(size=tasks.size)
    return X, y, tasks


def _centred(X, y, tasks):
    """Each task's rows and targets centred (the unpenalised intercepts eliminated exactly)."""
    Xc, yc = X.copy(), y.copy()
    for t in np.unique(tasks):
        rows = tasks == t
        Xc[rows] -= X[rows].mean(axis=0)
        yc[rows] -= y[rows].mean()
    return Xc, yc


def _alternating_reference(X, y, tasks, alpha, mix, n_iter=3000):
    """min over W, Ω of Σ_t (1/2n_t)‖y_t − X_t w_t − b_t‖² + α/2 tr(Wᵀ(λ₁I + λ₂Ω⁻¹)W), tr Ω = 1, by alternation.

    Returns the joint objective at the final (W, Ω) (an upper bound on the
    minimum, equal to it at convergence) and W.  Used where the solution has
    full rank (T ≤ p, generic data): Ω⁻¹ then exists at the optimum and the
    alternation converges linearly.  Where W is rank-deficient the alternation
    freezes the vanishing directions (Ω⁻¹ blows up on them) and converges too
    slowly to serve as a reference; the cvxpy tests cover that case.
    """
    Xc, yc = _centred(X, y, tasks)
    T, p = tasks.max() + 1, X.shape[1]
    H = np.zeros((T * p, T * p))
    r = np.zeros(T * p)
    for t in range(T):
        rows = tasks == t
        block = slice(t * p, (t + 1) * p)
        H[block, block] = Xc[rows].T @ Xc[rows] / rows.sum()
        r[block] = Xc[rows].T @ yc[rows] / rows.sum()
    omega = np.eye(T) / T
    previous = np.inf
    for k in range(n_iter):
        M = (1 - mix) * np.eye(T) + mix * np.linalg.inv(omega)
        W = np.linalg.solve(H + alpha * np.kron(M, np.eye(p)), r).reshape(T, p)  # W-step: vec(W) row-major
        epsilon_at_floor = 1e-6 * 0.5**k < 1e-14
        epsilon = max(1e-6 * 0.5**k, 1e-14) * np.sum(W * W) / T  # Ω regularised by εI, ε → 0
        lam, U = np.linalg.eigh(W @ W.T + epsilon * np.eye(T))
        root = (U * np.sqrt(np.maximum(lam, 0.0))) @ U.T
        omega = root / np.trace(root)  # Ω-step
        M = (1 - mix) * np.eye(T) + mix * np.linalg.inv(omega)
        residual = yc - np.einsum("ij,ij->i", Xc, W[tasks])
        data = sum(0.5 * np.mean(residual[tasks == t] ** 2) for t in range(T))
        objective = data + 0.5 * alpha * np.sum(W * (M @ W))
        if epsilon_at_floor and abs(previous - objective) <= 1e-15 * objective:
            break
        previous = objective
    return objective, W


@pytest.mark.parametrize("mix", [0.3, 0.8])
def test_objective_matches_alternating_reference(mix):
    rng = np.random.default_rng(0)
    u = rng.normal(size=6)
    coef = np.array([u, u + 0.3 * rng.normal(size=6), -u + 0.3 * rng.normal(size=6), rng.normal(size=6)])
    X, y, tasks = _tasks(rng, coef, 25, noise=0.5)
    alpha = 0.05
    model = MultiTaskRegressor(penalty="relationship", mix=mix, alpha=alpha, tol=1e-12, max_iter=50_000)
    model.fit(X, y, tasks=tasks)
    reference, W = _alternating_reference(X, y, tasks, alpha, mix)
    assert model.objective_ == pytest.approx(reference, rel=1e-6)
    np.testing.assert_allclose(model.coef_, W, atol=1e-8)


# ----------------------------------------------------------------------- prox and conjugate, vector form
def _f(x, a, b):
    return 0.5 * a * np.sum(x * x) + 0.5 * b * np.sum(x) ** 2


@pytest.mark.parametrize("mix", [0.0, 0.4, 0.9, 1.0])
def test_vector_prox_matches_bounded_minimisation(mix):
    """argmin_{x ≥ 0} ½‖x − s‖² + t f(x): on x ≥ 0 the objective is a smooth quadratic (L-BFGS-B)."""
    rng = np.random.default_rng(1)
    a, b = 1 - mix, mix
    for step in (0.1, 0.7, 3.0):
        s = np.sort(np.abs(rng.normal(size=5)) * 2)[::-1]
        x = shrink_by_squared_l1(s, 1 + step * a, step * b)
        found = minimize(
            lambda z: 0.5 * np.sum((z - s) ** 2) + step * _f(z, a, b),
            s,
            jac=lambda z: z - s + step * (a * z + b * np.sum(z)),
            bounds=[(0, None)] * s.size,
            method="L-BFGS-B",
            options={"ftol": 1e-15, "gtol": 1e-12},
        )
        np.testing.assert_allclose(x, found.x, atol=1e-6)


@pytest.mark.parametrize("mix", [0.0, 0.4, 0.9, 1.0])
def test_conjugate_matches_numerical_supremum(mix):
    """f*(s) = sup_{x ≥ 0} ⟨s, x⟩ − f(x) by L-BFGS-B, against dual_term on a diagonal matrix with σ = s."""
    rng = np.random.default_rng(2)
    a, b = 1 - mix, mix
    penalty = RelationshipPenalty(mix=mix)
    alpha = 0.7
    for _ in range(4):
        s = np.abs(rng.normal(size=4)) * 2
        found = minimize(
            lambda z: _f(z, a, b) - s @ z,
            np.zeros(s.size),
            jac=lambda z: a * z + b * np.sum(z) - s,
            bounds=[(0, None)] * s.size,
            method="L-BFGS-B",
            options={"ftol": 1e-15, "gtol": 1e-12},
        )
        G = np.zeros((4, 6))
        G[np.arange(4), np.arange(4)] = -alpha * s  # −G/α has singular values s
        scale, term = penalty.dual_term(G, alpha)
        assert scale == 1.0
        assert term / alpha == pytest.approx(-found.fun, rel=1e-7)


def _cvxpy_penalty(cp, W, mix):
    return (1 - mix) / 2 * cp.sum_squares(W) + mix / 2 * cp.square(cp.normNuc(W))


@pytest.mark.parametrize("mix", [0.4, 1.0])
@pytest.mark.parametrize("step, full_rank", [(0.05, True), (1.0, False)])  # a large step zeroes small σ
def test_matrix_prox_matches_cvxpy(mix, step, full_rank):
    """prox(Z, s) = argmin_V ½‖V − Z‖² + s Ω(V) over matrices, by Clarabel on the squared nuclear norm."""
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(3, 4)) @ rng.normal(size=(4, 4))
    V = cp.Variable(Z.shape)
    cp.Problem(cp.Minimize(0.5 * cp.sum_squares(V - Z) + step * _cvxpy_penalty(cp, V, mix))).solve(solver=cp.CLARABEL)
    prox = RelationshipPenalty(mix=mix).prox(Z, step)
    np.testing.assert_allclose(prox, V.value, atol=1e-6)
    assert (np.linalg.matrix_rank(prox, tol=1e-9) == 3) == full_rank


@pytest.mark.parametrize("mix", [0.0, 0.3, 1.0])
def test_matrix_conjugate_matches_cvxpy(mix):
    """α Ω*(−G/α) = α sup_W ⟨−G/α, W⟩ − Ω(W) over matrices, by Clarabel (the spectral reduction, checked)."""
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(3)
    G, alpha = rng.normal(size=(3, 4)), 0.7
    W = cp.Variable(G.shape)
    problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(-G / alpha, W)) - _cvxpy_penalty(cp, W, mix)))
    problem.solve(solver=cp.CLARABEL)
    scale, term = RelationshipPenalty(mix=mix).dual_term(G, alpha)
    assert scale == 1.0
    assert term == pytest.approx(alpha * problem.value, rel=1e-6)


def test_value_is_the_minimum_over_task_covariances():
    """Ω(W) = min over Ω ⪰ 0, tr Ω = 1 of (1−mix)/2‖W‖² + mix/2 tr(WᵀΩ⁻¹W), attained at task_covariance(W)."""
    rng = np.random.default_rng(5)
    W = rng.normal(size=(3, 5))
    penalty = RelationshipPenalty(mix=0.6)

    def joint(omega):
        return 0.2 * np.sum(W * W) + 0.3 * np.trace(W.T @ np.linalg.solve(omega, W))

    best = penalty.task_covariance(W)
    assert np.trace(best) == pytest.approx(1.0)
    assert joint(best) == pytest.approx(penalty.value(W), rel=1e-12)
    for _ in range(20):  # any other feasible covariance is worse
        A = rng.normal(size=(3, 3))
        omega = A @ A.T + 0.01 * np.eye(3)
        assert joint(omega / np.trace(omega)) >= penalty.value(W) - 1e-12


# ------------------------------------------------------------------------------------------ certificates
@pytest.mark.parametrize(
    "n_tasks, n_features, mix", [(3, 4, 0.6), (6, 2, 0.6), (6, 2, 1.0)]
)  # full rank; rank-deficient W; and without the strongly convex ridge part
def test_logistic_certificate_against_cvxpy(n_tasks, n_features, mix):
    """(F(coef_) − F*)/F₀ ≤ certificate_ ≤ tol, with F* from Clarabel on the squared nuclear norm."""
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(6)
    T, p, n, alpha = n_tasks, n_features, 20, 0.05
    coef = rng.normal(size=(T, p))
    tasks = np.repeat(np.arange(T), n)
    X = rng.normal(size=(T * n, p))
    y = np.where(np.einsum("ij,ij->i", X, coef[tasks]) + rng.normal(size=T * n) > 0, 1.0, -1.0)
    W, b = cp.Variable((T, p)), cp.Variable(T)
    data = sum(cp.sum(cp.logistic(-cp.multiply(y[tasks == t], X[tasks == t] @ W[t] + b[t]))) / n for t in range(T))
    term = (1 - mix) / 2 * cp.sum_squares(W) + mix / 2 * cp.square(cp.normNuc(W))
    problem = cp.Problem(cp.Minimize(data + alpha * term))
    problem.solve(solver=cp.CLARABEL)
    optimum = problem.value
    positive = np.array([np.mean(y[tasks == t] > 0) for t in range(T)])
    F0 = float(-np.sum(positive * np.log(positive) + (1 - positive) * np.log(1 - positive)))  # best intercepts
    slack = 1e-6 * F0
    for tol in (1e-3, 1e-6):
        model = MultiTaskClassifier(penalty="relationship", mix=mix, alpha=alpha, tol=tol, max_iter=20_000)
        model.fit(X, (y > 0).astype(int), tasks=tasks)
        f = np.einsum("ij,ij->i", X, model.coef_[tasks]) + model.intercept_[tasks]
        value = np.sum(np.logaddexp(0.0, -y * f)) / n + alpha * RelationshipPenalty(mix=mix).value(model.coef_)
        assert value == pytest.approx(model.objective_, rel=1e-9)
        assert (value - optimum) / F0 <= model.certificate_ + slack / F0
        assert model.certificate_ <= tol
        assert value - optimum <= tol * F0 + slack


# ---------------------------------------------------------------------------------- task similarities
def test_task_similarity_recovers_planted_correlations():
    """Tasks u, u, −u, v, −v (plus noise), v ⟂ u: signs and sizes of the similarities, against the planted Ω.

    The planted covariance is Ω = (WWᵀ)^{1/2}/tr at the true weights (a matrix
    square root by scipy); its correlations are smaller than the cosines of
    the weights (the square root flattens the spectrum).
    """
    rng = np.random.default_rng(7)
    p = 8
    u, v = rng.normal(size=p), rng.normal(size=p)
    v -= (v @ u) / (u @ u) * u
    coef = np.array([u, u, -u, v, -v]) + 0.1 * rng.normal(size=(5, p))
    X, y, tasks = _tasks(rng, coef, 200, noise=0.3)
    model = MultiTaskRegressor(penalty="relationship", mix=0.5, alpha=0.001).fit(X, y, tasks=tasks)
    S = model.task_similarity_
    assert S.shape == (5, 5) and np.allclose(S, S.T)
    assert np.all(S >= -1) and np.all(S <= 1)
    np.testing.assert_allclose(np.diag(S), 1.0)
    assert S[0, 1] > 0.8  # same direction
    assert S[0, 2] < -0.7 and S[1, 2] < -0.7 and S[3, 4] < -0.8  # opposite directions
    assert np.all(np.abs(S[:3, 3:]) < 0.15)  # orthogonal groups
    root = np.real(sqrtm(coef @ coef.T))
    planted = root / np.trace(root)
    scale = np.sqrt(np.diag(planted))
    np.testing.assert_allclose(S, planted / np.outer(scale, scale), atol=0.05)
    omega = model.task_covariance_
    assert np.trace(omega) == pytest.approx(1.0)
    assert np.all(np.linalg.eigvalsh(omega) >= -1e-12)
    np.testing.assert_allclose(omega, planted, atol=0.02)


def test_multiclass_covariance_has_one_matrix_per_class():
    rng = np.random.default_rng(8)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 4)), 40)
    labels = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    model = MultiTaskClassifier(penalty="relationship", alpha=0.05).fit(X, labels, tasks=tasks)
    assert model.coef_.shape == (3, 3, 4)
    assert model.task_covariance_.shape == (3, 3, 3) and model.task_similarity_.shape == (3, 3, 3)
    penalty = RelationshipPenalty()
    for k in range(3):
        np.testing.assert_allclose(model.task_covariance_[k], penalty.task_covariance(model.coef_[:, k]), atol=1e-12)


def test_zero_weights_give_the_uniform_covariance():
    attributes = RelationshipPenalty().fitted_attributes(np.zeros((3, 2)))
    np.testing.assert_allclose(attributes["task_covariance_"], np.eye(3) / 3)
    np.testing.assert_allclose(attributes["task_similarity_"], np.eye(3))


def test_a_task_with_zero_weights_is_similar_to_none():
    W = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, -2.0]])
    attributes = RelationshipPenalty().fitted_attributes(W)
    np.testing.assert_allclose(attributes["task_covariance_"][1], 0.0, atol=1e-15)
    np.testing.assert_allclose(attributes["task_similarity_"], [[1, 0, -1], [0, 0, 0], [-1, 0, 1]], atol=1e-12)


def test_other_penalties_set_no_covariance():
    """Not even after a fit with the relationship penalty: a refit with another one removes it."""
    rng = np.random.default_rng(9)
    X, y, tasks = _tasks(rng, rng.normal(size=(2, 3)), 20)
    model = MultiTaskRegressor(penalty="relationship").fit(X, y, tasks=tasks)
    assert hasattr(model, "task_similarity_")
    model.set_params(penalty="trace").fit(X, y, tasks=tasks)
    assert not hasattr(model, "task_similarity_") and not hasattr(model, "task_covariance_")


# ----------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("mix", [-0.1, 1.5, "half"])
def test_bad_mix_is_refused_naming_it(mix):
    with pytest.raises((ValueError, TypeError), match="mix"):
        RelationshipPenalty(mix=mix)
    with pytest.raises((ValueError, TypeError), match="mix"):
        RelationshipPenalty().set_params(mix=mix)
    with pytest.raises((ValueError, TypeError), match="mix"):
        MultiTaskRegressor(penalty="relationship", mix=mix).fit(np.eye(3), np.ones(3))


def test_inputs_are_not_modified():
    rng = np.random.default_rng(10)
    W, G = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    W0, G0 = W.copy(), G.copy()
    penalty = RelationshipPenalty()
    penalty.prox(W, 0.5), penalty.value(W), penalty.dual_term(G, 0.3), penalty.fitted_attributes(W)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(G, G0)


# -------------------------------------------------------------------------------------------- limits
def test_mix_zero_is_ridge_in_closed_form():
    rng = np.random.default_rng(11)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 5)), 15)
    alpha = 0.1
    model = MultiTaskRegressor(penalty=RelationshipPenalty(mix=0.0), alpha=alpha, tol=1e-12).fit(X, y, tasks=tasks)
    Xc, yc = _centred(X, y, tasks)
    for t in range(3):
        rows = tasks == t
        n = rows.sum()
        w = np.linalg.solve(Xc[rows].T @ Xc[rows] / n + alpha * np.eye(5), Xc[rows].T @ yc[rows] / n)
        np.testing.assert_allclose(model.coef_[t], w, atol=1e-8)
    assert make_penalty("relationship", mix=0.0).value(model.coef_) == pytest.approx(0.5 * np.sum(model.coef_**2))


def test_mix_one_is_the_trace_norm_at_the_matched_alpha():
    """argmin data + α/2‖W‖*² = argmin data + β‖W‖* with β = α‖W*‖* (the optimality conditions coincide)."""
    rng = np.random.default_rng(12)
    u = rng.normal(size=5)
    X, y, tasks = _tasks(rng, np.outer([1.0, 0.8, -0.5, 1.2], u) + 0.05 * rng.normal(size=(4, 5)), 20, noise=0.5)
    alpha = 0.05
    relationship = MultiTaskRegressor(penalty=RelationshipPenalty(mix=1.0), alpha=alpha, tol=1e-12, max_iter=50_000)
    relationship.fit(X, y, tasks=tasks)
    beta = alpha * np.sum(np.linalg.svd(relationship.coef_, compute_uv=False))
    trace = MultiTaskRegressor(penalty=TracePenalty(), alpha=beta, tol=1e-12, max_iter=50_000).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(relationship.coef_, trace.coef_, atol=1e-5)


# ------------------------------------------------------------------------------- where the penalty works
@pytest.mark.parametrize("loss", ["huber", "squared_error"])
def test_regression_losses_converge(loss):
    rng = np.random.default_rng(13)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 4)), 20)
    model = MultiTaskRegressor(penalty="relationship", loss=loss, alpha=0.05, tol=1e-8).fit(X, y, tasks=tasks)
    assert model.certificate_ <= 1e-8


@pytest.mark.parametrize("loss", ["logistic", "squared_hinge"])
def test_classification_losses_converge(loss):
    rng = np.random.default_rng(14)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 4)), 30)
    labels = (y > np.median(y)).astype(int)
    model = MultiTaskClassifier(penalty="relationship", loss=loss, alpha=0.05, tol=1e-8).fit(X, labels, tasks=tasks)
    assert model.certificate_ <= 1e-8


def test_unseen_tasks_use_the_mean_task_model():
    rng = np.random.default_rng(16)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 4)), 20)
    model = MultiTaskRegressor(penalty="relationship", handle_unknown="shared").fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.shared_coef_, model.coef_.mean(axis=0))
    Xnew = rng.normal(size=(5, 4))
    np.testing.assert_allclose(
        model.predict(Xnew, tasks=[7] * 5), Xnew @ model.coef_.mean(axis=0) + model.intercept_.mean()
    )


def test_partial_fit_matches_fit():
    rng = np.random.default_rng(17)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 4)), 30)
    params = dict(penalty="relationship", mix=0.7, alpha=0.05, tol=1e-10)
    full = MultiTaskRegressor(**params).fit(X, y, tasks=tasks)
    streamed = MultiTaskRegressor(**params)
    for chunk in np.array_split(rng.permutation(tasks.size), 3):
        streamed.partial_fit(X[chunk], y[chunk], tasks=tasks[chunk])
    np.testing.assert_allclose(streamed.coef_, full.coef_, atol=1e-6)
    np.testing.assert_allclose(streamed.task_covariance_, full.task_covariance_, atol=1e-6)


def test_warm_start_from_the_solution_takes_few_iterations():
    rng = np.random.default_rng(18)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 4)), 30)
    model = MultiTaskRegressor(penalty="relationship", alpha=0.05, tol=1e-8, warm_start=True).fit(X, y, tasks=tasks)
    cold = model.n_iter_
    model.fit(X, y, tasks=tasks)
    assert model.n_iter_ <= max(2, cold // 10)


@pytest.mark.parametrize("estimator", [MultiTaskRegressorCV, MultiTaskClassifierCV])
def test_cv_estimators_search_mix(estimator):
    rng = np.random.default_rng(19)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 4)), 30)
    target = y if estimator is MultiTaskRegressorCV else (y > np.median(y)).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = estimator(penalty="relationship", mixes=[0.0, 0.5, 0.9], alphas=4, cv=3).fit(X, target, tasks=tasks)
    assert model.mix_ in (0.0, 0.5, 0.9)
    assert model.scores_.shape == (3, 4, 3)
    assert model.task_similarity_.shape == (3, 3)
    refit = (MultiTaskRegressor if estimator is MultiTaskRegressorCV else MultiTaskClassifier)(
        penalty="relationship", mix=model.mix_, alpha=model.alpha_, scale_features=model.scale_features
    ).fit(X, target, tasks=tasks)
    np.testing.assert_allclose(model.coef_, refit.coef_, atol=1e-3)


def test_warm_started_path_matches_separate_fits():
    """multitask_path follows α with warm starts (mtlearn.solvers.Path): the same solutions as cold fits."""
    rng = np.random.default_rng(20)
    X, y, tasks = _tasks(rng, rng.normal(size=(3, 4)), 30)
    estimator = MultiTaskRegressor(penalty="relationship", mix=0.7, tol=1e-10)
    alphas, coefs, _ = multitask_path(estimator, X, y, tasks=tasks, alphas=[1.0, 0.1, 0.01])
    for alpha, coef in zip(alphas, coefs, strict=True):
        cold = clone(estimator).set_params(alpha=alpha).fit(X, y, tasks=tasks)
        np.testing.assert_allclose(coef, cold.coef_, atol=1e-6)
