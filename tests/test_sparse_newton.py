"""Proximal Newton on sparse rows: the models solved on the tasks' Gram matrices or with products on the rows.

References: scikit-learn's liblinear (one task, ℓ1 logistic regression), cvxpy
with Clarabel on a small sparse ℓ2,1 problem, the dense path of mtlearn (the
same rows as a dense array: working sets with proximal gradient), the
centred Gram matrices computed densely, the eigenvalues of the Gram
matrices, and a ``tracemalloc`` bound that fails if an n × p array is
allocated at p = 50,000.  The tests that run a fit do so with the models
solved on the Gram matrices below their size limit and as beyond it
(``model_solver``: products on the rows, with the limit at zero).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from mtlearn import MultiTaskClassifier, MultiTaskRegressor
from mtlearn._design import StackedDesign, with_entry_weights
from mtlearn.solvers import Problem, _newton, _quadratic_model, choose_method, solve
from mtlearn.solvers._newton import wide_model_method
from mtlearn.solvers._quadratic_model import TaskGramModel, TaskRowsModel, rows_for_gram_models
from mtlearn.solvers._solve import ProximalGradient, WorkingSets

from ._fitting import traced_peak


def _sparse_tasks(n_tasks, n_rows, n_features, density, seed=0):
    """CSR rows with nonnegative entries (a few frequent columns), labels from a sparse model, task labels."""
    rng = np.random.default_rng(seed)
    n = n_tasks * n_rows
    X = sp.random(n, n_features, density=density, format="csr", random_state=rng, data_rvs=rng.random)
    frequent = rng.random((n, 5)) * (rng.random((n, 5)) < 0.5)
    X = sp.hstack([sp.csr_matrix(frequent), X[:, 5:]], format="csr")
    tasks = np.repeat(np.arange(n_tasks), n_rows)
    W = np.zeros((n_tasks, n_features))
    W[:, :8] = rng.standard_normal(8) + 0.3 * rng.standard_normal((n_tasks, 8))
    f = np.asarray(X.multiply(W[tasks]).sum(axis=1)).ravel()
    y = (f + 0.3 * rng.standard_normal(n) > np.median(f)).astype(int)
    return X, y, tasks


@pytest.fixture(params=["gram", "beyond the Gram bound"])
def model_solver(request, monkeypatch):
    """The Newton models solved on the Gram matrices (the default at these sizes) or as beyond their bound.

    Beyond it, FISTA with the products on the rows (:class:`TaskRowsModel`).
    """
    if request.param != "gram":
        monkeypatch.setattr(_quadratic_model, "_MAX_GRAM_FLOATS", 0)
    return request.param


def _problem(X, y, tasks, penalty, relative_alpha, fit_intercept=True, loss="logistic"):
    estimator = MultiTaskClassifier(loss=loss, penalty=penalty, fit_intercept=fit_intercept)
    problem = estimator._training_problems(X, y, tasks, None)[2][0]
    G = problem.design.backward(problem.loss.derivative(problem.design.y, np.zeros(len(y)), problem.design.weight))
    alpha = relative_alpha * float(np.max(problem.penalty.feature_dual_norms(G)))
    return Problem(problem.design, problem.loss, problem.penalty, alpha, problem.intercepts)


def test_one_task_lasso_is_liblinear_l1_logistic_regression(model_solver):
    """Without intercept, one task: Σ_i ℓ(y_i, x_iᵀw) / n + α‖w‖₁ is liblinear's model at C = 1 / (n α)."""
    X, y, tasks = _sparse_tasks(1, 60, 200, 0.05, seed=1)
    alpha = 0.02
    ours = MultiTaskClassifier(penalty="lasso", alpha=alpha, fit_intercept=False, tol=1e-10).fit(X, y, tasks=tasks)
    reference = LogisticRegression(
        l1_ratio=1.0, solver="liblinear", C=1.0 / (len(y) * alpha), fit_intercept=False, tol=1e-12, max_iter=10_000
    ).fit(X, y)
    assert ours.certificate_ <= 1e-10
    assert np.count_nonzero(reference.coef_) > 3
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=1e-5 * np.abs(reference.coef_).max())


@pytest.mark.parametrize("penalty", ["l21", "lasso"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_rows_reach_the_optimum_of_the_dense_path(penalty, fit_intercept, model_solver):
    X, y, tasks = _sparse_tasks(4, 25, 120, 0.05)
    sparse = _problem(X, y, tasks, penalty, 0.1, fit_intercept)
    dense = _problem(X.toarray(), y, tasks, penalty, 0.1, fit_intercept)
    assert sparse.alpha == pytest.approx(dense.alpha, rel=1e-12)
    assert choose_method(sparse) is WorkingSets
    ours = solve(sparse, tol=1e-10, max_iter=1000)
    reference = ProximalGradient.run(dense.with_zero_objective(), None, tol=1e-9, max_iter=200_000, verbose=0)
    assert ours.converged and ours.certificate <= 1e-10 and reference.converged
    # Both certificates bound (F − F*) / F₀ by 1e-9 (F ≤ F₀): the objectives agree to ~1e-9 relative.
    np.testing.assert_allclose(ours.objective, reference.objective, rtol=2e-9)
    np.testing.assert_allclose(ours.coef, reference.coef, atol=1e-4 * np.abs(reference.coef).max())
    scale = max(1.0, np.abs(reference.intercept).max())
    np.testing.assert_allclose(ours.intercept, reference.intercept, atol=1e-4 * scale)


@pytest.mark.parametrize("penalty", ["l21", "lasso"])
@pytest.mark.parametrize("loss", ["logistic", "squared_hinge"])
def test_a_one_class_task_keeps_the_newton_models_and_reaches_the_dense_optimum(loss, penalty, model_solver):
    """A task of one class has its intercept fixed (the pooled constant): its model is uncentred, its targets shift."""
    X, y, tasks = _sparse_tasks(4, 25, 120, 0.05)
    y[tasks == 3] = 1
    sparse = _problem(X, y, tasks, penalty, 0.1, loss=loss)
    dense = _problem(X.toarray(), y, tasks, penalty, 0.1, loss=loss)
    fixed = sparse.intercepts.fixed[3]
    assert list(sparse.intercepts.free) == [True, True, True, False] and fixed != 0
    assert wide_model_method(sparse.design, sparse.loss, sparse.penalty, sparse.intercepts) is not None
    ours = solve(sparse, tol=1e-10, max_iter=1000)
    reference = ProximalGradient.run(dense.with_zero_objective(), None, tol=1e-9, max_iter=200_000, verbose=0)
    assert ours.converged and ours.certificate <= 1e-10 and reference.converged
    np.testing.assert_allclose(ours.objective, reference.objective, rtol=2e-9)
    np.testing.assert_allclose(ours.coef, reference.coef, atol=1e-4 * np.abs(reference.coef).max())
    np.testing.assert_allclose(ours.intercept[:3], reference.intercept[:3], atol=1e-4 * max(1.0, np.abs(fixed)))
    assert ours.intercept[3] == fixed


@pytest.mark.parametrize("penalty", ["l21", "lasso"])
def test_squared_hinge_on_sparse_rows_takes_newton_to_the_optimum_of_the_dense_path(penalty):
    """The squared hinge's Newton models on the Gram matrices (curvature floored beyond the margin)."""
    X, y, tasks = _sparse_tasks(4, 25, 120, 0.05)
    sparse = _problem(X, y, tasks, penalty, 0.1, loss="squared_hinge")
    dense = _problem(X.toarray(), y, tasks, penalty, 0.1, loss="squared_hinge")
    assert wide_model_method(sparse.design, sparse.loss, sparse.penalty, sparse.intercepts) == "gram"
    ours = solve(sparse, tol=1e-10, max_iter=1000)
    reference = ProximalGradient.run(dense.with_zero_objective(), None, tol=1e-9, max_iter=200_000, verbose=0)
    assert ours.converged and ours.certificate <= 1e-10 and reference.converged
    np.testing.assert_allclose(ours.objective, reference.objective, rtol=2e-9)
    np.testing.assert_allclose(ours.coef, reference.coef, atol=1e-4 * np.abs(reference.coef).max())


@pytest.mark.parametrize("loss", ["logistic", "squared_hinge"])
@pytest.mark.parametrize("penalty", ["l21", "lasso"])
def test_a_tight_tol_is_reached_by_newton_steps_the_objective_no_longer_resolves(loss, penalty):
    """Near the optimum at tol = 1e-10 a Newton step changes the objective by less than its round-off while the
    gap still exceeds tol: the step is judged by the certificate (it was rejected by the line search, and
    proximal gradient took 27–244 iterations to finish, where it finished)."""
    X, y, tasks = _sparse_tasks(4, 25, 120, 0.05)
    result = solve(_problem(X, y, tasks, penalty, 0.1, loss=loss), tol=1e-10, max_iter=1000)
    assert result.converged and result.certificate <= 1e-10
    assert result.n_iter <= 15  # Newton steps only


def _tiny_tasks():
    """200 tasks of 3 sparse rows and 64 features, each task with both classes."""
    X, labels, tasks = _sparse_tasks(200, 3, 64, 0.05, seed=3)
    labels[0::3], labels[1::3] = 0, 1
    return X, labels, tasks


def test_sparse_models_are_taken_on_the_rows_beyond_the_gram_bound_and_for_many_tiny_tasks(monkeypatch):
    """Gram matrices for few tasks of many rows; the rows beyond the bound and where T k² far exceeds the nonzeros."""
    X, y, tasks = _sparse_tasks(4, 25, 120, 0.05)
    for loss in ("logistic", "squared_hinge"):
        problem = _problem(X, y, tasks, "l21", 0.1, loss=loss)
        assert wide_model_method(problem.design, problem.loss, problem.penalty, problem.intercepts) == "gram"
    X_tiny, y_tiny, tasks_tiny = _tiny_tasks()
    tiny = _problem(X_tiny, y_tiny, tasks_tiny, "l21", 0.1)
    # 200 × 64² floats of Gram matrices against a few thousand nonzeros.
    assert tiny.design.n_tasks * tiny.design.n_features**2 > 100 * tiny.design.X.nnz
    assert wide_model_method(tiny.design, tiny.loss, tiny.penalty, tiny.intercepts) == "rows"
    monkeypatch.setattr(_quadratic_model, "_MAX_GRAM_FLOATS", 0)
    assert wide_model_method(problem.design, problem.loss, problem.penalty, problem.intercepts) == "rows"


@pytest.mark.parametrize("penalty", ["l21", "lasso", "dirty"])
@pytest.mark.parametrize("loss", ["squared_error", "logistic"])
def test_many_tiny_tasks_on_the_rows_reach_the_optimum_of_the_dense_path(loss, penalty):
    """200 tasks of 3 sparse rows (the models on the rows) against proximal gradient on the same rows, dense."""
    X, labels, tasks = _tiny_tasks()
    y = labels + 0.3 * np.random.default_rng(4).standard_normal(len(labels)) if loss == "squared_error" else labels
    estimator = MultiTaskRegressor(penalty=penalty) if loss == "squared_error" else MultiTaskClassifier(penalty=penalty)
    sparse, dense = (estimator._training_problems(rows, y, tasks, None)[2][0] for rows in (X, X.toarray()))
    G = sparse.design.backward(sparse.loss.derivative(sparse.design.y, np.zeros(len(y)), sparse.design.weight))
    alpha = 0.05 * sparse.penalty.dual_norm(G)
    sparse, dense = (Problem(p.design, p.loss, p.penalty, alpha, p.intercepts) for p in (sparse, dense))
    assert wide_model_method(sparse.design, sparse.loss, sparse.penalty, sparse.intercepts) == "rows"
    ours = solve(sparse, tol=1e-9, max_iter=1000)
    reference = ProximalGradient.run(dense.with_zero_objective(), None, tol=1e-9, max_iter=200_000, verbose=0)
    assert ours.converged and reference.converged
    np.testing.assert_allclose(ours.objective, reference.objective, rtol=3e-9)


@pytest.mark.slow
@pytest.mark.parametrize("one_class", [False, True])
def test_sparse_l21_matches_cvxpy(model_solver, one_class):
    cp = pytest.importorskip("cvxpy")
    X, y, tasks = _sparse_tasks(3, 20, 40, 0.1, seed=2)
    if one_class:  # the last task's intercept is fixed at the pooled constant
        y[tasks == 2] = 0
    problem = _problem(X, y, tasks, "l21", 0.1)
    design = problem.design
    T, p = design.n_tasks, design.n_features
    W, b = cp.Variable((T, p)), cp.Variable(T)
    constraints = [b[t] == problem.intercepts.fixed[t] for t in range(T) if not problem.intercepts.free[t]]
    assert len(constraints) == int(one_class)
    data = 0
    for t in range(T):
        rows = slice(design.starts[t], design.starts[t + 1])
        margins = cp.multiply(design.y[rows], design.X[rows] @ W[t] + b[t])
        data = data + cp.sum(cp.multiply(design.weight[rows], cp.logistic(-margins)))
    objective = data + problem.alpha * cp.sum(cp.norm(W, 2, axis=0))
    cp.Problem(cp.Minimize(objective), constraints).solve(solver=cp.CLARABEL)
    ours = solve(problem, tol=1e-10, max_iter=1000)
    np.testing.assert_allclose(ours.objective, objective.value, rtol=1e-7)


def _weighted_sparse_design(seed, n_tasks=3, n_rows=10, n_features=12):
    rng = np.random.default_rng(seed)
    n = n_tasks * n_rows
    X = sp.random(n, n_features, density=0.3, format="csr", random_state=rng)
    tasks = np.repeat(np.arange(n_tasks), n_rows)
    h = rng.uniform(0.1, 1.0, n)
    design = StackedDesign(X, rng.standard_normal(n), tasks, n_tasks, h, np.ones(n_tasks), average_per_task=False)
    return design, X.toarray(), tasks, h


def _assert_centred_weighted_gram(model, design, dense, tasks, fit_intercept):
    """The model's H_t, c_t and intercepts are those of the rows centred with their entry weights, computed densely."""
    h = design.sample_weight
    W = np.random.default_rng(7).standard_normal((3, 12))
    for t in range(3):
        rows = tasks == t
        centred = np.broadcast_to(fit_intercept, (3,))[t]
        x_mean = h[rows] @ dense[rows] / h[rows].sum() if centred else np.zeros(12)
        y_mean = h[rows] @ design.y[rows] / h[rows].sum() if centred else 0.0
        Xt, yt = dense[rows] - x_mean, design.y[rows] - y_mean
        np.testing.assert_allclose(model.H[t], Xt.T @ (h[rows][:, None] * Xt), atol=1e-12)
        np.testing.assert_allclose(model.c[t], Xt.T @ (h[rows] * yt), atol=1e-12)
        np.testing.assert_allclose(model.intercepts(W)[t], y_mean - x_mean @ W[t], atol=1e-12)


FIT_INTERCEPTS = (True, False, np.array([True, False, True]))


@pytest.mark.parametrize("rows", ["sparse", "densified once"])
def test_task_gram_model_of_sparse_rows_is_the_centred_weighted_gram(rows):
    design, dense, tasks, _ = _weighted_sparse_design(6)
    if rows == "densified once":
        design = rows_for_gram_models(design)
        assert not sp.issparse(design.X)
    for fit_intercept in FIT_INTERCEPTS:
        _assert_centred_weighted_gram(TaskGramModel(design, fit_intercept), design, dense, tasks, fit_intercept)


@pytest.mark.parametrize("rows", ["sparse", "densified once"])
@pytest.mark.parametrize("n_changed", [0, 4, 25])
def test_task_gram_model_from_the_last_one_is_the_centred_weighted_gram(rows, n_changed):
    """Built from the last step's model when some rows' weights changed (e.g. crossing the squared hinge's
    margin: to the curvature floor, or back), with new targets; formed afresh when more than half changed."""
    design, dense, tasks, h = _weighted_sparse_design(6)
    if rows == "densified once":
        design = rows_for_gram_models(design)
    rng = np.random.default_rng(8)
    changed = rng.choice(design.n_entries, n_changed, replace=False)
    h_new = h.copy()
    h_new[changed[::2]] = 1e-10  # to the floor
    h_new[changed[1::2]] *= 3.0
    new = with_entry_weights(design, rng.standard_normal(design.n_entries), h_new)
    for fit_intercept in FIT_INTERCEPTS:
        model = TaskGramModel(new, fit_intercept, previous=TaskGramModel(design, fit_intercept))
        _assert_centred_weighted_gram(model, new, dense, tasks, fit_intercept)
        np.testing.assert_array_equal(model.H, np.swapaxes(model.H, 1, 2))  # exactly symmetric


def test_rows_of_the_gram_models_stay_sparse_beyond_the_bound(monkeypatch):
    design = _weighted_sparse_design(6)[0]
    monkeypatch.setattr(_quadratic_model, "_MAX_GRAM_FLOATS", design.n_entries * design.n_features - 1)
    assert rows_for_gram_models(design) is design
    monkeypatch.undo()
    more_rows = design.with_matrix(design.X[:, : design.n_entries // design.n_tasks - 1])  # n > T p
    assert rows_for_gram_models(more_rows) is more_rows


@pytest.mark.parametrize("fit_intercept", [True, False, np.array([False, True, False])])
def test_task_rows_model_is_the_task_gram_model(fit_intercept):
    """Products, linear term, constant, intercepts and λ_max estimate on the rows equal those of the Gram matrices."""
    design, _, _, _ = _weighted_sparse_design(9)
    gram, rows = TaskGramModel(design, fit_intercept), TaskRowsModel(design, fit_intercept)
    quadratic = gram.quadratic()
    W = np.random.default_rng(10).standard_normal((3, 12))
    np.testing.assert_allclose(rows.product(W), quadratic.product(W), atol=1e-12)
    out = np.empty_like(W)
    assert rows.product(W, out=out) is out
    np.testing.assert_allclose(out, quadratic.product(W), atol=1e-12)
    np.testing.assert_allclose(rows.linear, quadratic.linear, atol=1e-12)
    assert rows.constant == pytest.approx(quadratic.constant, rel=1e-12)
    np.testing.assert_allclose(rows.intercepts(W), gram.intercepts(W), atol=1e-12)
    assert rows.lipschitz_estimate() == pytest.approx(quadratic.lipschitz_estimate(), rel=1e-10)


def test_power_iteration_estimate_is_close_below_the_largest_eigenvalue():
    design, _, _, _ = _weighted_sparse_design(8, n_tasks=4, n_rows=30, n_features=20)
    model = TaskGramModel(design, True)
    top = np.linalg.eigvalsh(model.H)[:, -1].max()
    estimate = model.quadratic().lipschitz_estimate()
    assert 0.9 * top <= estimate <= top * (1 + 1e-12)


@pytest.mark.parametrize("loss", ["logistic", "squared_hinge"])
def test_text_like_tasks_certify_within_the_default_max_iter(model_solver, loss):
    X, y, tasks = _sparse_tasks(3, 20, 2000, 0.01, seed=4)
    problem = _problem(X, y, tasks, "l21", 0.1, loss=loss)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = MultiTaskClassifier(loss=loss, penalty="l21", alpha=problem.alpha).fit(X, y, tasks=tasks)
    assert model.certificate_ <= model.tol
    assert 0 < np.count_nonzero(np.abs(model.coef_).sum(axis=0)) < 2000


@pytest.mark.parametrize(
    "loss, penalty",
    [
        ("squared_error", "l21"),
        ("squared_error", "lasso"),
        ("squared_error", "dirty"),
        ("logistic", "dirty"),
        ("squared_hinge", "dirty"),
    ],
)
@pytest.mark.parametrize("shape", [(3, 20, 2000, 0.01), (50, 10, 3000, 0.01)], ids=["3x20x2000", "50x10x3000"])
def test_text_like_tasks_certify_with_every_sparse_penalty(loss, penalty, shape):
    """The squared loss on sparse rows and the dirty model with every loss, at the default max_iter.

    Proximal gradient on these rows stopped at max_iter (relative gaps 3e-3 to 4e-2) for the dirty
    model with every loss and the squared loss's lasso at 50 × 10 × 3000; there the working sets'
    Gram matrices (T k² ≥ 50 × 64² floats) hold far more floats than the rows' nonzeros, and the
    models are solved on the rows.
    """
    X, labels, tasks = _sparse_tasks(*shape, seed=6)
    alpha = _problem(X, labels, tasks, penalty, 0.1, loss="logistic").alpha
    if loss == "squared_error":
        y = labels + 0.3 * np.random.default_rng(7).standard_normal(len(labels))
        model = MultiTaskRegressor(penalty=penalty, alpha=alpha)
    else:
        y, model = labels, MultiTaskClassifier(loss=loss, penalty=penalty, alpha=alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y, tasks=tasks)
    assert model.certificate_ <= model.tol
    assert 0 < np.count_nonzero(np.abs(model.coef_).sum(axis=0)) < shape[2]


@pytest.mark.parametrize("loss", ["squared_error", "logistic", "squared_hinge"])
def test_sparse_rows_are_not_densified_at_many_features(model_solver, loss):
    """Peak memory of a fit at p = 50,000: below 2 × size(X) + 16 T p floats.

    A dense n × p array (n = 160 rows) alone is 2.5 times the 16 T p floats allowed.
    """
    T, n_t, p = 4, 40, 50_000
    X, y, tasks = _sparse_tasks(T, n_t, p, 0.0004, seed=5)
    alpha = _problem(X, y, tasks, "l21", 0.2, loss="logistic" if loss == "squared_error" else loss).alpha
    size = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    model = (
        MultiTaskRegressor(penalty="l21", alpha=alpha)
        if loss == "squared_error"
        else MultiTaskClassifier(loss=loss, penalty="l21", alpha=alpha)
    )
    peak = traced_peak(lambda: model.fit(X, y, tasks=tasks))
    assert peak < 2 * size + 16 * T * p * 8
    assert model.certificate_ <= model.tol


def test_inputs_are_not_modified():
    X, y, tasks = _sparse_tasks(3, 20, 100, 0.05)
    X0, y0 = X.copy(), y.copy()
    MultiTaskClassifier(penalty="lasso", alpha=0.01).fit(X, y, tasks=tasks)
    assert (X != X0).nnz == 0 and np.array_equal(y, y0)


def test_a_squared_loss_step_that_does_not_halve_the_certificate_hands_over_to_proximal_gradient(monkeypatch):
    """The squared loss's Newton model is the problem itself: a step that leaves most of the gap solves it again.

    300 one-row tasks (random targets, no intercepts, the dirty model at α = 1e-3) are nearly interpolated
    by 2,000 sparse features; each model solve stops at ``max_iter``. Without the hand-over every Newton
    step would be such a solve, up to ``max_iter`` of them per working set.
    """
    rng = np.random.default_rng(0)
    X = sp.random(300, 2000, density=0.01, format="csr", random_state=rng)
    y, tasks = rng.standard_normal(300), np.arange(300)
    handed_over, model_solves = [], []
    finish, model_solution = _newton._finish_by_proximal_gradient, _newton._gram_model_solution
    monkeypatch.setattr(
        _newton, "_finish_by_proximal_gradient", lambda *a, **k: handed_over.append(1) or finish(*a, **k)
    )
    monkeypatch.setattr(
        _newton, "_gram_model_solution", lambda *a, **k: model_solves.append(1) or model_solution(*a, **k)
    )
    model = MultiTaskRegressor(penalty="dirty", alpha=1e-3, fit_intercept=False, max_iter=30)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y, tasks=tasks)
    assert handed_over
    assert len(model_solves) <= 2 * len(handed_over) + 2
