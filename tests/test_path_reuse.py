"""A path does its (penalty, α)-independent work once, and its fits are those of the data.

:class:`mtlearn.solvers.Path` builds the squared loss's Gram form once and solves
every (penalty, α) on it, estimates the data term's Lipschitz constant once,
and :class:`mtlearn._base.FittedPath` builds the penalty once for a run of α.
The references are independent of the path: scikit-learn's ``MultiTaskLasso``,
fits from scratch, and the objective written out here.
"""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import MultiTaskLasso

from mtlearn import MultiTaskClassifier, MultiTaskRegressor
from mtlearn._base import FittedPath
from mtlearn._design import SharedDesign, StackedDesign
from mtlearn.losses import SquaredLoss
from mtlearn.model_selection import alpha_max, multitask_path
from mtlearn.penalties import L21Penalty, LassoPenalty, TracePenalty
from mtlearn.solvers import CompositeProblem, GramDesign, Intercepts, _gram_apg, _solve, _working_set
from mtlearn.solvers._gram import GramQuadratic
from mtlearn.solvers._gram_apg import GramStopping


def _shared_problem(seed=0, n=120, p=40, n_tasks=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5
    W = np.zeros((n_tasks, p))
    W[:, :6] = rng.standard_normal((n_tasks, 6))
    Y = X @ W.T + 3.0 + 0.5 * rng.standard_normal((n, n_tasks))
    return X, Y


def _l21_objective(X, Y, coef, intercept, alpha):
    """``(1/2n) ‖Y − X Wᵀ − b‖²_F + α Σ_j ‖W_{:,j}‖₂``: MultiTaskLasso's objective."""
    R = Y - X @ coef.T - intercept
    return 0.5 * np.sum(R * R) / X.shape[0] + alpha * np.sum(np.linalg.norm(coef, axis=0))


@pytest.mark.parametrize("route", ["gram quadratic", "general solver"])
def test_gram_form_path_is_multitask_lasso(monkeypatch, route):
    # The general route: the dispatch's solvers on the compact design, with working sets forced.
    if route == "general solver":
        monkeypatch.setattr(_solve._PrimalForm, "solves_on_gram", lambda self, problem, verbose: False)
        monkeypatch.setattr(_working_set, "_MIN_GRAM_FORM_PASS", 0)
    X, Y = _shared_problem()
    estimator = MultiTaskRegressor(penalty="l21", tol=1e-10, max_iter=100_000)
    top = alpha_max(estimator, X, Y)
    alphas, coefs, intercepts = multitask_path(estimator, X, Y, alphas=np.geomspace(top / 1.5, top / 50, 6))
    for alpha, coef, intercept in zip(alphas, coefs, intercepts, strict=True):
        reference = MultiTaskLasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, Y)
        scale = np.max(np.abs(reference.coef_))
        np.testing.assert_allclose(coef, reference.coef_, atol=1e-6 * scale)
        np.testing.assert_allclose(intercept, reference.intercept_, atol=1e-6 * np.max(np.abs(Y)))


def test_gram_form_path_objective_and_certificate_are_those_of_the_data():
    X, Y = _shared_problem(seed=1)
    estimator = MultiTaskRegressor(penalty="l21", tol=1e-6, max_iter=100_000)
    top = alpha_max(estimator, X, Y)
    path = FittedPath(estimator, X, Y)
    F0 = _l21_objective(X, Y, np.zeros((Y.shape[1], X.shape[1])), Y.mean(axis=0), 0.0)
    for alpha in np.geomspace(top / 1.2, top / 30, 5):
        model = path.fitted(alpha=alpha)
        assert model.objective_ == pytest.approx(_l21_objective(X, Y, model.coef_, model.intercept_, alpha), rel=1e-10)
        reference = MultiTaskLasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, Y)
        optimum = _l21_objective(X, Y, reference.coef_, reference.intercept_, alpha)
        suboptimality = (model.objective_ - optimum) / F0
        assert model.certificate_ <= 1e-6
        assert suboptimality <= model.certificate_ + 1e-12


def test_gram_form_objective_offset_is_the_constant_between_the_forms():
    rng = np.random.default_rng(2)
    n_tasks, p = 3, 5
    task_index = np.repeat(np.arange(n_tasks), [30, 20, 25])
    X = rng.standard_normal((task_index.size, p))
    y = rng.standard_normal(task_index.size) + task_index
    rho = np.array([1.0, 2.0, 0.5])
    design = StackedDesign(X, y, task_index, n_tasks, np.ones(task_index.size), rho)
    gram = GramDesign(design, fit_intercept=True)
    for _ in range(3):
        W = rng.standard_normal((n_tasks, p))
        b = gram.intercepts(W)
        # The data term written out: Σ_t ρ_t (1/n_t) Σ_{i in t} ½ (y_i − x_iᵀ w_t − b_t)².
        residual = y - np.einsum("ij,ij->i", X, W[task_index]) - b[task_index]
        data = sum(rho[t] * 0.5 * np.mean(residual[task_index == t] ** 2) for t in range(n_tasks))
        compact = 0.5 * np.dot(gram.design.weight, (gram.design.y - gram.design.forward(W, None)) ** 2)
        assert data - compact == pytest.approx(gram.objective_offset, rel=1e-10, abs=1e-12)


def test_path_builds_the_gram_form_once(monkeypatch):
    built = []

    class CountedGramDesign(GramDesign):
        def __init__(self, *args, **kwargs):
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(_solve, "GramDesign", CountedGramDesign)
    X, Y = _shared_problem(seed=3)
    for penalty in ("l21", "trace", "dirty"):
        built.clear()
        multitask_path(MultiTaskRegressor(penalty=penalty, tol=1e-6), X, Y, n_alphas=8, eps=1e-2)
        assert len(built) == 1, penalty


def test_path_estimates_the_lipschitz_constant_once_and_fits_as_fit(monkeypatch):
    estimates = []
    original = CompositeProblem._data_lipschitz_estimate

    def counted(self, n_iter, seed):
        estimates.append(1)
        return original(self, n_iter, seed)

    monkeypatch.setattr(CompositeProblem, "_data_lipschitz_estimate", counted)
    rng = np.random.default_rng(4)
    task_index = np.repeat(np.arange(3), 40)
    X = rng.standard_normal((task_index.size, 6))
    labels = X[:, 0] + 0.5 * task_index + rng.standard_normal(task_index.size) > 0.5
    estimator = MultiTaskClassifier(penalty="l21", tol=1e-9, max_iter=100_000)
    alphas, coefs, intercepts = multitask_path(estimator, X, labels, task_index, n_alphas=6, eps=1e-2)
    assert len(estimates) == 1
    for alpha, coef, intercept in zip(alphas, coefs, intercepts, strict=True):
        fresh = MultiTaskClassifier(penalty="l21", alpha=alpha, tol=1e-9, max_iter=100_000).fit(
            X, labels, tasks=task_index
        )
        np.testing.assert_allclose(coef, fresh.coef_, atol=1e-5)
        np.testing.assert_allclose(intercept, fresh.intercept_, atol=1e-5)


def test_fitted_path_rebuilds_the_penalty_when_it_changes():
    X, Y = _shared_problem(seed=5, p=10)
    path = FittedPath(MultiTaskRegressor(tol=1e-10, max_iter=100_000), X, Y)
    for penalty, mix in (("mean", 0.2), ("mean", 0.8), ("ridge", 0.8), ("l21", 0.8)):
        for alpha in (0.5, 0.05):
            model = path.fitted(penalty=penalty, mix=mix, alpha=alpha)
            fresh = MultiTaskRegressor(penalty=penalty, mix=mix, alpha=alpha, tol=1e-10, max_iter=100_000).fit(X, Y)
            np.testing.assert_allclose(model.coef_, fresh.coef_, atol=1e-7)


def _gram_cases():
    """(design, fit_intercept) of each form: shared design with equal or unequal task weights, stacked tasks."""
    rng = np.random.default_rng(6)
    X, Y = _shared_problem(seed=6, n=60, p=8, n_tasks=3)
    shared = SharedDesign(X, Y, np.ones(X.shape[0]), np.ones(3))
    unequal = SharedDesign(X, Y, rng.uniform(0.5, 2.0, X.shape[0]), np.array([1.0, 3.0, 0.5]))
    task_index = np.repeat(np.arange(3), [30, 20, 25])
    Xs = rng.standard_normal((task_index.size, 8))
    y = rng.standard_normal(task_index.size)
    stacked = StackedDesign(Xs, y, task_index, 3, np.ones(task_index.size), np.array([1.0, 2.0, 0.5]))
    return [(shared, False), (unequal, True), (stacked, True)]


@pytest.mark.parametrize("penalty", [L21Penalty(), L21Penalty(l2_reg=0.3), LassoPenalty(), TracePenalty()])
@pytest.mark.parametrize("case", range(3), ids=["shared", "shared, unequal weights", "stacked"])
def test_gram_quadratic_certificate_is_the_compact_problems_duality_gap(penalty, case):
    # Reference: the duality gap computed by CompositeProblem from the rows of the compact design.
    design, fit_intercept = _gram_cases()[case]
    gram = GramDesign(design, fit_intercept=fit_intercept)
    compact, T, p = gram.design, design.n_tasks, design.n_features
    rng = np.random.default_rng(case)
    for alpha in (0.01, 0.1):
        reference = CompositeProblem(compact, SquaredLoss(), penalty, alpha, Intercepts.none(T), scale=2.0)
        stopping = GramStopping(gram.quadratic, penalty, alpha, 1e-6, 2.0, 1.0)
        for _ in range(3):
            W = rng.standard_normal((T, p)) * rng.uniform(0, 1, p)
            HW = gram.quadratic.product(W)
            certificate, objective, gradient, _ = stopping.certificate(W, HW)
            x = reference.pack(W, np.zeros(T))
            expected_certificate, expected_objective = reference.certify(x)
            z = reference.predictions(x)
            np.testing.assert_allclose(gradient.ravel(), reference.loss_gradient(z), rtol=1e-10, atol=1e-12)
            assert objective == pytest.approx(expected_objective, rel=1e-10)
            assert certificate == pytest.approx(expected_certificate, rel=1e-8, abs=1e-13)


@pytest.mark.parametrize("tol", [1e-3, 1e-8])
def test_spaced_checks_stop_within_the_same_rule(tol, monkeypatch):
    """gram_apg with the checks of small steps spaced: fewer checks, and its point meets the same stopping rule."""
    design, fit_intercept = _gram_cases()[2]
    gram = GramDesign(design, fit_intercept=fit_intercept)
    T, p = design.n_tasks, design.n_features
    stopping = GramStopping(gram.quadratic, L21Penalty(), 0.05, tol, 2.0, 1.0)
    checks = []
    original = GramStopping.check

    def counted(self, *args, **kwargs):
        checks.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GramStopping, "check", counted)
    W0 = np.zeros((T, p))
    lipschitz = gram.quadratic.lipschitz_estimate()
    counts, solutions = [], []
    for spaced in (False, True):
        checks.clear()
        solutions.append(
            _gram_apg.gram_apg(
                stopping, W0, gram.quadratic.product(W0), max_iter=100_000, lipschitz=lipschitz, spaced_checks=spaced
            )
        )
        counts.append(len(checks))
    for solution in solutions:
        assert solution.converged and solution.certificate <= tol
        residual = stopping.residual(solution.coef, solution.product - gram.quadratic.linear, solution.lipschitz)
        assert residual <= tol
    assert counts[1] < counts[0], counts


def test_gram_path_screening_keeps_the_active_features(monkeypatch):
    # Reference: the same path with screening switched off (every solve on all features).
    restricted = []
    original = GramQuadratic.restricted

    def counted(self, keep):
        restricted.append(len(keep))
        return original(self, keep)

    monkeypatch.setattr(GramQuadratic, "restricted", counted)
    X, Y = _shared_problem(seed=7, n=150, p=60)
    estimator = MultiTaskRegressor(penalty="l21", fit_intercept=False, tol=1e-10, max_iter=100_000)
    alphas = np.geomspace(alpha_max(estimator, X, Y) / 1.1, alpha_max(estimator, X, Y) / 30, 8)
    _, screened, _ = multitask_path(estimator, X, Y, alphas=alphas)
    assert restricted and min(restricted) < X.shape[1]  # some solves ran on fewer features
    monkeypatch.setattr(_gram_apg, "MIN_FEATURES", 10**9)
    restricted.clear()
    _, whole, _ = multitask_path(estimator, X, Y, alphas=alphas)
    assert not restricted
    np.testing.assert_allclose(screened, whole, atol=1e-6 * np.max(np.abs(whole)))
    for coef_screened, coef_whole in zip(screened, whole, strict=True):
        support = np.linalg.norm(coef_whole, axis=0) > 1e-8
        np.testing.assert_array_equal(np.linalg.norm(coef_screened, axis=0) > 1e-8, support)


@pytest.mark.parametrize("penalty", ["trace", "lasso"])
def test_gram_path_on_stacked_tasks_fits_as_fit(penalty):
    # Reference: each α fitted from scratch by fit (the general proximal gradient on the compact design).
    rng = np.random.default_rng(8)
    task_index = np.repeat(np.arange(4), [40, 30, 50, 35])
    X = rng.standard_normal((task_index.size, 7))
    y = X @ rng.standard_normal(7) + task_index + rng.standard_normal(task_index.size)
    estimator = MultiTaskRegressor(penalty=penalty, task_weights=[1.0, 2.0, 0.5, 1.0], tol=1e-10, max_iter=100_000)
    path = FittedPath(estimator, X, y, task_index)
    for alpha in (0.3, 0.1, 0.03, 0.01):
        model = path.fitted(alpha=alpha)
        fresh = MultiTaskRegressor(
            penalty=penalty, task_weights=[1.0, 2.0, 0.5, 1.0], alpha=alpha, tol=1e-10, max_iter=100_000
        ).fit(X, y, tasks=task_index)
        assert model.certificate_ <= 1e-10
        np.testing.assert_allclose(model.coef_, fresh.coef_, atol=1e-6)
        np.testing.assert_allclose(model.intercept_, fresh.intercept_, atol=1e-6)
        assert model.objective_ == pytest.approx(fresh.objective_, rel=1e-9)


def test_gram_path_warns_when_max_iter_stops_it():
    X, Y = _shared_problem(seed=9)
    estimator = MultiTaskRegressor(penalty="l21", alpha=0.01, tol=1e-12, max_iter=2)
    path = FittedPath(estimator, X, Y)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = path.fitted(alpha=0.01)
    assert model.n_iter_ == 2 and model.certificate_ > 1e-12
