"""The hinge loss's dual solvers: the interior-point method against a conic solver, and convergence over C grids."""

import warnings

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from mtlearn import MultiTaskLinearSVC
from mtlearn._design import SharedDesign, StackedDesign
from mtlearn.datasets import make_rare_positive_tasks
from mtlearn.losses import get_loss
from mtlearn.model_selection import MultiTaskClassifierCV
from mtlearn.penalties import GraphPenalty, MeanPenalty, RidgePenalty
from mtlearn.solvers import Intercepts, Problem, solve
from mtlearn.solvers._hinge_interior import interior_point_applies
from mtlearn.solvers._solve import HingeDual, choose_method

ALPHA = 0.05
ADJACENCY = np.array([[0.0, 1.0, 0.2], [1.0, 0.0, 0.0], [0.2, 0.0, 0.0]])


def _penalty_value(name, W):
    """Ω(W) written out by hand (cvxpy expression or number), independently of mtlearn's penalties."""
    T = W.shape[0]
    mean = cp.sum(W, axis=0) / T
    if name == "ridge":
        return 0.5 * cp.sum_squares(W)
    if name.startswith("mean"):
        mix = float(name.split("-")[1])
        shared = 0.5 * T * cp.sum_squares(mean)
        return shared if mix == 1.0 else shared + 0.5 * cp.sum_squares(W - cp.vstack([mean] * T)) / (1.0 - mix)
    # graph: ½ Σ_{s<t} A_st ‖w_s − w_t‖² + ½ ridge ‖W‖², ridge 0.3
    graph = sum(0.5 * ADJACENCY[s, t] * cp.sum_squares(W[s] - W[t]) for s in range(T) for t in range(s + 1, T))
    return graph + 0.15 * cp.sum_squares(W)


def _mtlearn_penalty(name):
    if name == "ridge":
        return RidgePenalty()
    if name.startswith("mean"):
        return MeanPenalty(mix=float(name.split("-")[1]))
    return GraphPenalty(adjacency=ADJACENCY, ridge=0.3)


def _reference(X, y, task, weight, T, name, free, fixed, *, zero_weights=False):
    """min over (W, b) of Σ c_i max(0, 1 − y_i (x_iᵀ w_t + b_t)) + α Ω(W) by Clarabel (or at W = 0)."""
    p = X.shape[1]
    W = cp.Variable((T, p))
    b = cp.Variable(T)
    margins = cp.multiply(y, cp.sum(cp.multiply(X, W[task]), axis=1) + b[task])
    objective = weight @ cp.pos(1 - margins)
    constraints = [b[t] == fixed[t] for t in range(T) if not free[t]]
    if zero_weights:
        constraints.append(W == 0)
    else:
        objective = objective + ALPHA * _penalty_value(name, W)
        if name == "mean-1.0":
            constraints += [W[t] == W[0] for t in range(1, T)]
    problem = cp.Problem(cp.Minimize(objective), constraints)
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return problem.value, W.value


def _data(seed, layout):
    rng = np.random.default_rng(seed)
    T, p = 3, 4
    if layout == "shared":
        n = 25
        X = rng.normal(size=(n, p))
        Y = np.where(X @ rng.normal(size=(p, T)) + rng.normal(scale=1.0, size=(n, T)) > 0.3, 1.0, -1.0)
        sample_weight = rng.uniform(0.2, 2.0, size=n)
        design = SharedDesign(X, Y, sample_weight, np.array([1.0, 2.0, 0.5]), average_per_task=False)
        entries_X, task = np.repeat(X, T, axis=0), np.tile(np.arange(T), n)
    else:
        sizes = (12, 20, 16)
        task = np.repeat(np.arange(T), sizes)
        X = rng.normal(size=(task.size, p))
        y = np.where(X @ rng.normal(size=p) + rng.normal(size=task.size) > 0.3, 1.0, -1.0)
        sample_weight = rng.uniform(0.2, 2.0, size=task.size)
        sample_weight[rng.choice(task.size, 3, replace=False)] = 0.0  # zero box bounds
        rows = sp.csr_matrix(X) if layout == "sparse" else X
        design = StackedDesign(rows, y, task, T, sample_weight, np.array([1.0, 2.0, 0.5]), average_per_task=False)
        entries_X = X
    return design, entries_X, task, T


@pytest.mark.parametrize("layout", ["stacked", "sparse", "shared"])
@pytest.mark.parametrize("name", ["ridge", "mean-0.0", "mean-0.5", "mean-1.0", "graph"])
@pytest.mark.parametrize("intercepts", ["free", "none", "mixed"])
def test_interior_point_reaches_the_conic_optimum_within_its_certificate(layout, name, intercepts):
    """P − P* ≤ certificate · F₀ (Clarabel's P* and F₀), and W is within the strong-convexity bound of W*."""
    design, X, task, T = _data(1, layout)
    assert interior_point_applies(design, Intercepts.all_free(T))
    free = {"free": np.ones(T, bool), "none": np.zeros(T, bool), "mixed": np.array([True, False, True])}[intercepts]
    fixed = np.where(free, 0.0, 0.4)
    problem = Problem(design, get_loss("hinge"), _mtlearn_penalty(name), ALPHA, Intercepts(free, fixed))
    assert choose_method(problem) is HingeDual
    result = solve(problem, tol=1e-8, max_iter=1000)
    assert result.converged and result.certificate <= 1e-8
    optimum, W_star = _reference(X, design.y, task, design.weight, T, name, free, fixed)
    zero_objective, _ = _reference(X, design.y, task, design.weight, T, name, free, fixed, zero_weights=True)
    slack = 1e-8 * zero_objective  # Clarabel's own accuracy
    assert optimum <= result.objective + slack
    assert result.objective - optimum <= result.certificate * zero_objective + slack
    # P(W) − P* ≥ (α/2) ‖W − W*‖²_M, with M ⪰ I for ridge and mean (mix < 1), ⪰ 0.3 I for the graph.
    curvature = {"graph": 0.3}.get(name, 1.0)
    deviation = np.sum((result.coef - W_star) ** 2)
    if name != "mean-1.0":
        assert 0.5 * ALPHA * curvature * deviation <= result.objective - optimum + 2 * slack


def test_interior_point_certificate_bounds_the_suboptimality_at_a_loose_tol():
    design, X, task, T = _data(2, "stacked")
    free = np.ones(T, bool)
    problem = Problem(design, get_loss("hinge"), MeanPenalty(mix=0.5), ALPHA, Intercepts(free, np.zeros(T)))
    result = solve(problem, tol=1e-2, max_iter=1000)
    assert result.converged
    optimum, _ = _reference(X, design.y, task, design.weight, T, "mean-0.5", free, np.zeros(T))
    zero_objective, _ = _reference(
        X, design.y, task, design.weight, T, "mean-0.5", free, np.zeros(T), zero_weights=True
    )
    assert 0.0 <= (result.objective - optimum) / zero_objective <= result.certificate + 1e-8


def test_interior_point_warm_start_reaches_the_same_optimum():
    design, _, _, T = _data(3, "stacked")
    intercepts = Intercepts.all_free(T)
    cold = solve(Problem(design, get_loss("hinge"), MeanPenalty(), ALPHA, intercepts), tol=1e-9, max_iter=1000)
    other = solve(Problem(design, get_loss("hinge"), MeanPenalty(), 2 * ALPHA, intercepts), tol=1e-9, max_iter=1000)
    warm = solve(
        Problem(design, get_loss("hinge"), MeanPenalty(), ALPHA, intercepts), start=other, tol=1e-9, max_iter=1000
    )
    assert warm.converged
    # Both are within their certificate of the optimum: within the sum of the two of each other (relative to F₀).
    scale = Problem(design, get_loss("hinge"), MeanPenalty(), ALPHA, intercepts).with_zero_objective().zero_objective
    assert abs(warm.objective - cold.objective) <= (warm.certificate + cold.certificate) * scale


@pytest.mark.parametrize("n_samples, n_features, interior", [(3000, 1500, False), (60, 25, False), (60, 18, True)])
def test_interior_point_takes_designs_with_a_small_newton_system(n_samples, n_features, interior):
    """T (p + 1) at most 2000 and at most the number of entries; projected gradient otherwise."""
    rng = np.random.default_rng(0)
    X = sp.random(n_samples, n_features, density=0.1, random_state=0, format="csr")
    task = np.arange(n_samples) % 3
    y = np.where(rng.random(n_samples) < 0.5, 1.0, -1.0)
    design = StackedDesign(X, y, task, 3, np.ones(n_samples), np.ones(3), average_per_task=False)
    assert interior_point_applies(design, Intercepts.all_free(3)) is interior
    assert not interior_point_applies(design, Intercepts.one_shared(3))


@pytest.mark.parametrize("n_features", [9, 30])
@pytest.mark.parametrize("penalty", ["mean", "ridge"])
def test_linear_svc_certifies_over_c_up_to_100_on_rare_positive_tasks(n_features, penalty):
    """20 tasks × 30–80 rows, 5 % positives: every C of 0.01 … 100 certifies within the default max_iter."""
    X, y, tasks, _, _ = make_rare_positive_tasks(n_features=n_features, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for C in np.geomspace(0.01, 100.0, 9):
            model = MultiTaskLinearSVC(C=C, penalty=penalty).fit(X, y, tasks=tasks)
            assert model.certificate_ <= model.tol


@pytest.mark.slow
def test_no_convergence_warning_over_the_default_hinge_cv_grid_on_rare_positive_tasks():
    """The hinge loss's default grid (5 folds × 100 α × the mixes, then the refit) certifies at every point."""
    X, y, tasks, _, _ = make_rare_positive_tasks(random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        MultiTaskClassifierCV(loss="hinge").fit(X, y, tasks=tasks)
    assert sum(issubclass(w.category, ConvergenceWarning) for w in caught) == 0
