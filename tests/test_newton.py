"""Proximal Newton (mtlearn.solvers._newton): chosen where it applies, and the same optimum as independent solvers.

References: the existing accelerated proximal gradient solved tightly (an
independent implementation of the same objective), cvxpy on small problems,
and warm-start / limit behaviour.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mtlearn import MultiTaskClassifier
from mtlearn.datasets import make_rare_positive_tasks
from mtlearn.model_selection import MultiTaskClassifierCV, alpha_max
from mtlearn.solvers import Intercepts, Problem, choose_method, solve
from mtlearn.solvers._solve import ProximalGradient, ProximalNewton

PENALTIES = ["l21", "lasso", "trace", "dirty", "cluster", "mean"]


def _problem(loss, penalty, relative_alpha, *, seed=0, n_features=9, fit_intercept=True):
    X, y, tasks, _, _ = make_rare_positive_tasks(
        n_tasks=8, n_samples=(30, 50), n_features=n_features, random_state=seed
    )
    estimator = MultiTaskClassifier(loss=loss, penalty=penalty, fit_intercept=fit_intercept)
    problem = estimator._training_problems(X, y, tasks, None)[2][0]
    top = alpha_max(estimator, X, y, tasks) if estimator._penalty().has_dual_norm else 1.0
    return Problem(problem.design, problem.loss, problem.penalty, relative_alpha * top, problem.intercepts)


def _proximal_gradient(problem, tol):
    """The problem solved by proximal gradient alone (ProximalNewton taken out of the dispatch)."""
    assert ProximalGradient.missing(problem) == []
    return ProximalGradient.run(problem.with_zero_objective(), None, tol=tol, max_iter=200_000, verbose=0)


SLOW_CASES = {("squared_hinge", "cluster"), ("squared_hinge", "dirty"), ("logistic", "cluster")}


@pytest.mark.parametrize(
    ("loss", "penalty"),
    [
        pytest.param(loss, penalty, marks=[pytest.mark.slow] if (loss, penalty) in SLOW_CASES else [])
        for loss in ("logistic", "squared_hinge")
        for penalty in PENALTIES
    ],
)
def test_newton_reaches_the_proximal_gradient_optimum(loss, penalty):
    problem = _problem(loss, penalty, 0.05)
    assert choose_method(problem) is ProximalNewton
    # The iteration budget, not the tolerance: logistic + trace takes 37 iterations to 1e-9 and 1,020 to 1e-10 on
    # one machine (OpenBLAS 0.3.31, Haswell kernels), fewer than 1,000 on another.
    newton = solve(problem, tol=1e-10, max_iter=5000)
    # Both certificates bound (F − F*) / F₀ ≤ 1e-9 (F ≤ F₀): the objectives agree to ~1e-9 relative.
    reference = _proximal_gradient(problem, 1e-9)
    assert newton.converged and reference.converged
    assert newton.certificate <= 1e-10
    np.testing.assert_allclose(newton.objective, reference.objective, rtol=1e-8)
    np.testing.assert_allclose(newton.coef, reference.coef, atol=1e-4 * np.abs(reference.coef).max())


def test_newton_without_intercepts_and_with_a_fixed_intercept():
    problem = _problem("logistic", "l21", 0.05, fit_intercept=False)
    newton = solve(problem, tol=1e-10, max_iter=1000)
    np.testing.assert_allclose(newton.objective, _proximal_gradient(problem, 1e-9).objective, rtol=1e-8)
    np.testing.assert_array_equal(newton.intercept, 0.0)
    # One task's intercept fixed at 0.5, the others free: that task's Gram model is not centred, its targets shift.
    free = np.ones(problem.design.n_tasks, dtype=bool)
    free[0] = False
    fixed = np.where(free, 0.0, 0.5)
    mixed = Problem(problem.design, problem.loss, problem.penalty, problem.alpha, Intercepts(free, fixed))
    newton = solve(mixed, tol=1e-10, max_iter=1000)
    np.testing.assert_allclose(newton.objective, _proximal_gradient(mixed, 1e-9).objective, rtol=1e-8)
    assert newton.intercept[0] == 0.5


@pytest.mark.slow
def test_newton_matches_cvxpy_on_a_small_l21_logistic_problem():
    cp = pytest.importorskip("cvxpy")
    problem = _problem("logistic", "l21", 0.02)
    design = problem.design
    T, p = design.n_tasks, design.n_features
    W, b = cp.Variable((T, p)), cp.Variable(T)
    margins = []
    for t in range(T):
        rows = slice(design.starts[t], design.starts[t + 1])
        margins.append(cp.multiply(design.y[rows], design.X[rows] @ W[t] + b[t]))
    data = sum(
        cp.sum(cp.multiply(design.weight[design.starts[t] : design.starts[t + 1]], cp.logistic(-margins[t])))
        for t in range(T)
    )
    objective = data + problem.alpha * cp.sum(cp.norm(W, 2, axis=0))
    cp.Problem(cp.Minimize(objective)).solve(solver=cp.CLARABEL)
    newton = solve(problem, tol=1e-10, max_iter=1000)
    # The interior-point optimum is accurate to about 1e-8 relative.
    np.testing.assert_allclose(newton.objective, objective.value, rtol=1e-7)


def test_warm_start_from_the_solution_takes_no_newton_step():
    problem = _problem("logistic", "trace", 0.01)
    first = solve(problem, tol=1e-6, max_iter=1000)
    again = solve(problem, start=first, tol=1e-6, max_iter=1000)
    assert again.n_iter == 0 and again.converged


def test_newton_is_chosen_only_where_its_models_are_cheap():
    import scipy.sparse as sp

    from mtlearn import MultiTaskRegressor

    X, y, tasks, _, _ = make_rare_positive_tasks(n_tasks=6, n_samples=40, random_state=0)
    dense = MultiTaskClassifier(penalty="l21")._training_problems(X, y, tasks, None)[2][0]
    assert choose_method(Problem(dense.design, dense.loss, dense.penalty, 0.01, dense.intercepts)) is ProximalNewton
    # Sparse rows: the models of ℓ2,1, lasso or dirty, on the Gram matrices of these few features (any
    # second-order loss; coordinate descent beyond them takes the logistic and squared losses only:
    # test_sparse_newton.py).  The squared loss's model is the problem: taken on sparse rows only.
    for loss, penalty, newton in [
        ("logistic", "l21", True),
        ("logistic", "lasso", True),
        ("logistic", "dirty", True),
        ("logistic", "trace", False),
        ("squared_hinge", "l21", True),
        ("squared_hinge", "dirty", True),
        ("squared_error", "l21", True),
        ("squared_error", "trace", False),
    ]:
        estimator = (
            MultiTaskRegressor(penalty=penalty)
            if loss == "squared_error"
            else MultiTaskClassifier(loss=loss, penalty=penalty)
        )
        sparse = estimator._training_problems(sp.csr_matrix(X), y, tasks, None)[2][0]
        chosen = choose_method(Problem(sparse.design, sparse.loss, sparse.penalty, 0.01, sparse.intercepts))
        assert (chosen is ProximalNewton) is newton, (loss, penalty)
    squared = MultiTaskRegressor(penalty="l21")._training_problems(X, X[:, 0], tasks, None)[2][0]
    assert choose_method(Problem(squared.design, squared.loss, squared.penalty, 0.01, squared.intercepts)) is not (
        ProximalNewton
    )
    shared = MultiTaskClassifier(penalty="l21")._training_problems(X, np.column_stack([y, 1 - y]), None, None)[2][0]
    assert choose_method(Problem(shared.design, shared.loss, shared.penalty, 0.01, shared.intercepts)) is not (
        ProximalNewton
    )


def _count_convergence_warnings(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fit()
    return sum(issubclass(w.category, ConvergenceWarning) for w in caught)


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["logistic", "squared_hinge"])
@pytest.mark.parametrize("penalty", ["l21", "lasso", "trace", "dirty", "cluster", "mean", "relationship"])
def test_no_convergence_warning_over_the_default_cv_grid_on_rare_positive_tasks(penalty, loss):
    """Every fit of the default grid (5 folds × the default α and mix grids, then the refit) certifies within
    the default max_iter.

    20 tasks × 30–80 rows × 9 features, 5 % positives (30 features: benchmarks/bench_convergence.py).
    """
    X, y, tasks, _, _ = make_rare_positive_tasks(random_state=0)
    model = MultiTaskClassifierCV(loss=loss, penalty=penalty)
    assert _count_convergence_warnings(lambda: model.fit(X, y, tasks=tasks)) == 0


@pytest.mark.parametrize("seed", range(5))
def test_box_hyperplane_projection_is_the_euclidean_projection(seed):
    """The multipliers are roots of each task's h_t, and give the projection that scipy's brentq root gives."""
    from scipy.optimize import brentq

    from mtlearn.solvers._box_hyperplane import hyperplane_multipliers

    rng = np.random.default_rng(seed)
    n, n_groups = 80, 5
    v = rng.normal(scale=2.0, size=n)
    y = np.where(rng.random(n) < 0.2, 1.0, -1.0)
    c = np.ones(n) if seed % 2 else rng.uniform(0.1, 1.0, size=n)
    group = rng.integers(0, n_groups - 1, size=n)  # the last group is empty
    y[group == 0] = -1.0  # a group without positives
    mu = hyperplane_multipliers(v, y, c, group, n_groups)
    assert mu[-1] == 0.0
    for t in range(n_groups - 1):
        rows = group == t

        def h(m, rows=rows):
            return np.sum(y[rows] * np.clip(v[rows] + m * y[rows], 0.0, c[rows]))

        assert abs(h(mu[t])) <= 1e-10 * c[rows].sum()
        if t > 0:
            span = np.abs(v).max() + c.max() + 1.0
            root = brentq(h, -span, span, xtol=1e-14)
            # Any root gives the same projection (h is flat only where no entry is strictly inside its box).
            np.testing.assert_allclose(
                np.clip(v[rows] + mu[t] * y[rows], 0, c[rows]), np.clip(v[rows] + root * y[rows], 0, c[rows]), atol=1e-9
            )
