"""Dense tasks with fewer rows than features: certified at the defaults, at the optimum of independent solvers.

Shapes where each task's rows are fewer than the features and the Gram form
of the whole problem does not pay off (n < n_tasks × n_features).  At α_max / 1000
proximal gradient on all the rows stopped at the default ``max_iter`` with a
ConvergenceWarning (relative gaps 1e-4 to 2e-3); the squared loss now takes
the Newton route of wide rows (one model, the problem itself, on the working
sets' features) and the working sets solve their early rounds loosely.

References: scikit-learn's ``Lasso`` on each task's rows (the lasso is one
Lasso per task) with its own duality gap, L-BFGS-B on the split ``w = u − v``
for the squared hinge's lasso per task (its loss is differentiable with a
Lipschitz gradient), and cvxpy with Clarabel for ℓ2,1 and dirty.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso

from mtlearn import MultiTaskClassifier, MultiTaskRegressor
from mtlearn.model_selection import alpha_max
from mtlearn.penalties import make_penalty
from mtlearn.solvers import GramDesign, Intercepts
from mtlearn.solvers._newton import wide_model_method

from ._fitting import fit_checked
from ._l1_reference import l1_margin_reference, squared_hinge

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_wide_dense import wide_tasks  # noqa: E402

WIDE_SHAPES = [(5, 20, 500, 0), (5, 20, 500, 1), (3, 50, 300, 1), (20, 10, 50, 1)]


def test_the_squared_loss_on_wide_dense_rows_takes_the_wide_models_and_classification_losses_do_not():
    X, y, labels, tasks = wide_tasks(5, 20, 500, 0)
    regression = MultiTaskRegressor(penalty="lasso")._training_problems(X, y, tasks, None)[2][0]
    assert wide_model_method(regression.design, regression.loss, regression.penalty, regression.intercepts)
    classification = MultiTaskClassifier(penalty="lasso")._training_problems(X, labels, tasks, None)[2][0]
    assert (
        wide_model_method(classification.design, classification.loss, classification.penalty, classification.intercepts)
        is None
    )
    tall_X, tall_y, _, tall_tasks = wide_tasks(2, 300, 50, 0)
    tall = MultiTaskRegressor(penalty="lasso")._training_problems(tall_X, tall_y, tall_tasks, None)[2][0]
    assert wide_model_method(tall.design, tall.loss, tall.penalty, tall.intercepts) is None
    # A Gram form's compact rows (p per task, whose own Gram form is not built again) are not wide rows: the
    # fits on them (a path's, a Dask fit's) keep proximal gradient.
    compact = GramDesign(tall.design, fit_intercept=True).design
    assert compact.gram_form and compact.n_entries == compact.n_tasks * compact.n_features
    assert wide_model_method(compact, tall.loss, tall.penalty, Intercepts.none(compact.n_tasks)) is None


@pytest.mark.parametrize("shape", WIDE_SHAPES)
def test_the_lasso_on_wide_dense_tasks_is_certified_at_the_defaults_and_matches_lasso_per_task(shape):
    n_tasks, n_rows, n_features, seed = shape
    X, y, labels, tasks = wide_tasks(n_tasks, n_rows, n_features, seed)
    alpha = alpha_max(MultiTaskRegressor(penalty="lasso"), X, y, tasks=tasks) / 1000
    model = fit_checked(MultiTaskRegressor(penalty="lasso", alpha=alpha), X, y, tasks=tasks)

    # Σ_t (1/n_t) ½‖r_t‖² + α‖w_t‖₁: within tol · F₀ of the sum of the per-task Lasso optima.
    def task_objective(rows, w, b):
        return 0.5 * np.mean((y[rows] - X[rows] @ w - b) ** 2) + alpha * np.abs(w).sum()

    # The Lasso's own duality gap bounds its distance to the optimum (it may stop short at 1e-14).
    ours = reference = reference_gap = zero = 0.0
    for t in range(n_tasks):
        rows = tasks == t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lasso = Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000).fit(X[rows], y[rows])
        ours += task_objective(rows, model.coef_[t], model.intercept_[t])
        reference += task_objective(rows, lasso.coef_, lasso.intercept_)
        reference_gap += lasso.dual_gap_
        zero += 0.5 * np.var(y[rows])
    assert reference - reference_gap - 1e-12 * zero <= ours <= reference + model.tol * zero


@pytest.mark.parametrize("shape", WIDE_SHAPES[:3])
def test_the_squared_hinge_lasso_on_wide_dense_tasks_with_loose_early_rounds_matches_lbfgs(shape):
    """Proximal gradient on the working sets (700 to 1,500 iterations here: not always within the default
    ``max_iter``), their early rounds solved to a fraction of the whole problem's certificate."""
    n_tasks, n_rows, n_features, seed = shape
    X, y, labels, tasks = wide_tasks(n_tasks, n_rows, n_features, seed)
    estimator = MultiTaskClassifier(penalty="lasso", loss="squared_hinge", max_iter=5000)
    alpha = alpha_max(estimator, X, labels, tasks=tasks) / 1000
    model = fit_checked(estimator.set_params(alpha=alpha), X, labels, tasks=tasks)
    y_pm = np.where(labels, 1.0, -1.0)
    ours = reference = zero = 0.0
    for t in range(n_tasks):
        rows = tasks == t
        margins = y_pm[rows] * (X[rows] @ model.coef_[t] + model.intercept_[t])
        ours += np.mean(np.maximum(0.0, 1.0 - margins) ** 2) + alpha * np.abs(model.coef_[t]).sum()
        reference += l1_margin_reference(X[rows], y_pm[rows], alpha, squared_hinge, fit_intercept=True)[2]
        balance = y_pm[rows].mean()  # the best constant (P − N) / (P + N)
        zero += np.mean((1.0 - y_pm[rows] * balance) ** 2)
    assert reference - 1e-9 * zero <= ours <= reference + model.tol * zero


@pytest.mark.parametrize("penalty", ["l21", "dirty"])
def test_l21_and_dirty_on_wide_dense_tasks_are_within_tol_of_a_conic_solver(penalty):
    """4 tasks × 10 rows × 60 features at α_max / 100, the defaults: F within tol · F₀ of Clarabel's F*."""
    cp = pytest.importorskip("cvxpy")
    X, y, labels, tasks = wide_tasks(4, 10, 60, 2)
    alpha = alpha_max(MultiTaskRegressor(penalty=penalty), X, y, tasks=tasks) / 100
    model = fit_checked(MultiTaskRegressor(penalty=penalty, alpha=alpha), X, y, tasks=tasks)
    T, p = 4, X.shape[1]
    W, b = cp.Variable((T, p)), cp.Variable(T)
    data = sum(cp.sum_squares(X[tasks == t] @ W[t] + b[t] - y[tasks == t]) / (2 * np.sum(tasks == t)) for t in range(T))
    constraints = []
    if penalty == "l21":
        term = cp.sum(cp.norm(W, 2, axis=0))
    else:  # the default ratio r = 1 / (1 + T^{1/4}): (1 − r) ‖P‖₂,₁ + r ‖Q‖₁ over W = P + Q
        r = 1.0 / (1.0 + T**0.25)
        P, Q = cp.Variable((T, p)), cp.Variable((T, p))
        constraints.append(W == P + Q)
        term = (1 - r) * cp.sum(cp.norm(P, 2, axis=0)) + r * cp.sum(cp.abs(Q))
    problem = cp.Problem(cp.Minimize(data + alpha * term), constraints)
    problem.solve(solver=cp.CLARABEL)
    assert problem.status == "optimal"
    zero = sum(0.5 * np.var(y[tasks == t]) for t in range(T))
    residual = y - np.einsum("ip,ip->i", X, model.coef_[tasks]) - model.intercept_[tasks]
    ours = sum(0.5 * np.mean(residual[tasks == t] ** 2) for t in range(T))
    ours += alpha * make_penalty(penalty, mix=0.5).value(model.coef_)
    assert problem.value - 1e-6 * zero <= ours <= problem.value + model.tol * zero
