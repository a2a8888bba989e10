"""The solver paths: the Gram form of the squared loss, and working sets over features.

References: the data term and its gradient computed on the original rows
(:class:`mtlearn.solvers.CompositeProblem`), scikit-learn's ``MultiTaskLasso``,
``Lasso`` and ℓ1 ``LogisticRegression``, and the same model solved directly on
all features.  Fits that do not warn end with ``certificate_ <= tol``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, MultiTaskLasso

from mtlearn import DirtyPenalty, GraphPenalty, MultiTaskClassifier, MultiTaskRegressor
from mtlearn._design import SharedDesign, StackedDesign
from mtlearn.losses import get_loss
from mtlearn.penalties import L21Penalty, TracePenalty
from mtlearn.solvers import CompositeProblem, GramDesign, Intercepts, Problem, gram_pays_off, solve, uses_working_sets
from mtlearn.solvers._solve import WorkingSets

from ._fitting import fit_checked
from ._l1_reference import l1_margin_reference, logistic

TIGHT = dict(tol=1e-10, max_iter=100_000)


@pytest.fixture
def count_working_set_solves(monkeypatch):
    """Counts the fits that go through working sets."""
    calls = []
    original = WorkingSets.run.__func__

    def spy(cls, *args, **kwargs):
        calls.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(WorkingSets, "run", classmethod(spy))
    return calls


def without_working_sets(monkeypatch):
    monkeypatch.setattr(WorkingSets, "takes", classmethod(lambda cls, problem: False))


# ------------------------------------------------------------------------ Gram form
def stacked_design(rng, case):
    counts = [40, 55, 30]
    n, p = sum(counts), 6
    X = rng.normal(size=(n, p)) + 3.0
    if case == "duplicated feature":
        X[:, 5] = X[:, 0]
    if case == "task with fewer rows than features":
        counts = [4, 91, 30]
    task_index = np.repeat(np.arange(3), counts)
    y = rng.normal(size=n) + X[:, 1]
    return StackedDesign(X, y, task_index, 3, rng.uniform(0.5, 2.0, n), np.array([1.0, 2.0, 0.5]))


def shared_design(rng, case):
    X = rng.normal(size=(60, 6)) - 2.0
    if case == "duplicated feature":
        X[:, 5] = X[:, 0]
    Y = rng.normal(size=(60, 3)) + X[:, :3]
    return SharedDesign(X, Y, rng.uniform(0.5, 2.0, 60), np.array([1.0, 0.3, 2.0]))


@pytest.mark.parametrize("make_design", [stacked_design, shared_design])
@pytest.mark.parametrize("case", ["regular", "duplicated feature", "task with fewer rows than features"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_gram_design_is_the_data_term_up_to_a_constant(make_design, case, fit_intercept):
    """On the original rows with the best intercepts, value − Gram value is constant, gradients and gaps agree."""
    rng = np.random.default_rng(0)
    design = make_design(rng, case)
    assert gram_pays_off(design)
    gram = GramDesign(design, fit_intercept=fit_intercept)
    squared, penalty = get_loss("squared_error"), L21Penalty()
    T, p = design.n_tasks, design.n_features
    intercepts = Intercepts.all_free(T) if fit_intercept else Intercepts.none(T)
    original = CompositeProblem(design, squared, penalty, 1.0, intercepts)
    compact = CompositeProblem(gram.design, squared, penalty, 1.0, Intercepts.none(T))
    optimum = solve(Problem(design, squared, penalty, 1.0, intercepts), tol=1e-14, max_iter=100_000).objective
    differences = []
    for _ in range(3):
        W = rng.normal(size=(T, p))
        b = gram.intercepts(W)
        x = original.pack(W, b)
        z = original.predictions(x)
        gradient = original.loss_gradient(z)
        # The intercepts are optimal: their gradient vanishes.
        np.testing.assert_allclose(gradient[T * p :], 0.0, atol=1e-10)
        z_compact = compact.predictions(W.ravel())
        np.testing.assert_allclose(compact.loss_gradient(z_compact), gradient[: T * p], rtol=1e-9, atol=1e-9)
        differences.append(original.loss_value(z) - compact.loss_value(z_compact))
        # The duality gap of either design bounds the original problem's suboptimality at (W, b*(W)).
        suboptimality = original.objective(x) - optimum
        assert suboptimality <= original.dual_gap(x)[1] * (1 + 1e-9) + 1e-12
        assert suboptimality <= compact.dual_gap(W.ravel())[1] * (1 + 1e-9) + 1e-12
    np.testing.assert_allclose(differences, differences[0], rtol=1e-9)
    assert gram.gradient_scale == pytest.approx(original.gradient_scale(), rel=1e-12)


def test_gram_form_is_used_only_when_it_pays_off():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 8))
    tasks = np.repeat(np.arange(6), 5)
    assert not gram_pays_off(StackedDesign(X, X[:, 0], tasks, 6, np.ones(30), np.ones(6)))
    assert gram_pays_off(StackedDesign(X, X[:, 0], tasks % 2, 2, np.ones(30), np.ones(2)))
    assert not gram_pays_off(SharedDesign(sp.csr_matrix(X), X[:, :2], np.ones(30), np.ones(2)))
    assert not gram_pays_off(SharedDesign(X[:5], X[:5, :2], np.ones(5), np.ones(2)))


# --------------------------------------------------------------------- working sets
@pytest.fixture
def wide_shared_problem():
    """A shared design with more features than the working sets need: 10 of 120 used, 3 tasks.

    With 400 rows its Gram form costs 20 gradient passes: the working sets run rounds on it.
    """
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 120))
    X[rng.random(X.shape) < 0.3] = 0.0
    W = np.zeros((3, 120))
    W[:, rng.choice(120, 10, replace=False)] = rng.normal(size=(3, 10))
    Y = X @ W.T + 0.5 * rng.normal(size=(400, 3)) + 1.0
    return X, Y, rng.integers(1, 4, size=400).astype(float)


@pytest.mark.parametrize("rows", [400, 90])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_l21_working_sets_reproduce_multitask_lasso(
    wide_shared_problem, count_working_set_solves, rows, sparse, weighted
):
    """Gram form inside the working sets (400 rows) or the rows themselves (90 rows < 120 features, sparse X)."""
    X, Y, sample_weight = wide_shared_problem
    X, Y, sample_weight = X[:rows], Y[:rows], sample_weight[:rows] if weighted else None
    reference = MultiTaskLasso(alpha=0.05, tol=1e-14, max_iter=100_000).fit(X, Y, sample_weight=sample_weight)
    model = MultiTaskRegressor(penalty="l21", alpha=0.05, **TIGHT)
    fit_checked(model, sp.csr_matrix(X) if sparse else X, Y, sample_weight=sample_weight)
    assert count_working_set_solves
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6, atol=1e-9)
    assert 0 < model.penalty_info_["support"].sum() < X.shape[1]


def test_lasso_working_sets_with_one_task_are_lasso(wide_shared_problem, count_working_set_solves):
    X, Y, sample_weight = wide_shared_problem
    reference = Lasso(alpha=0.02, tol=1e-14, max_iter=100_000).fit(X, Y[:, 0], sample_weight=sample_weight)
    model = fit_checked(
        MultiTaskRegressor(penalty="lasso", alpha=0.02, **TIGHT), X, Y[:, 0], sample_weight=sample_weight
    )
    assert count_working_set_solves
    np.testing.assert_allclose(model.coef_[0], reference.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.intercept_[0], reference.intercept_, rtol=1e-6, atol=1e-9)


def test_working_sets_solve_again_where_the_gram_forms_certificate_is_below_the_rows_one(count_working_set_solves):
    """5 tasks × 100 rows × 50 features at α = 1e-3, the default tol: the working set (every feature) is solved
    on its Gram form, whose dual point leaves out the part of the targets no feature explains; its certificate
    met tol where the whole problem's, on the rows, did not (1.08e-4 > 1e-4), and the fit stopped after 39
    iterations with a ConvergenceWarning blaming round-off.  Solved again to a tighter tol, it certifies."""
    rng = np.random.default_rng(0)
    T, n, p, alpha = 5, 100, 50, 1e-3
    X = rng.standard_normal((T * n, p))
    tasks = np.repeat(np.arange(T), n)
    y = rng.standard_normal(T * n) + X[:, 0]
    model = fit_checked(MultiTaskRegressor(penalty="lasso", alpha=alpha), X, y, tasks=tasks)
    assert count_working_set_solves

    # The lasso is one Lasso per task (Σ_t (1/n_t) ½‖r_t‖² + α‖w_t‖₁): the objective is within tol · F₀ of theirs.
    def task_objective(rows, w, b):
        return 0.5 * np.mean((y[rows] - X[rows] @ w - b) ** 2) + alpha * np.abs(w).sum()

    ours = reference = zero = 0.0
    for t in range(T):
        rows = tasks == t
        lasso = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X[rows], y[rows])
        ours += task_objective(rows, model.coef_[t], model.intercept_[t])
        reference += task_objective(rows, lasso.coef_, lasso.intercept_)
        zero += 0.5 * np.var(y[rows])
    assert reference - 1e-12 <= ours <= reference + model.tol * zero


def test_logistic_lasso_working_sets_with_one_task_match_bound_constrained_lbfgs(
    wide_shared_problem, count_working_set_solves
):
    X, Y, _ = wide_shared_problem
    y = Y[:, 0] > np.median(Y[:, 0])
    alpha = 0.02
    reference, _, _ = l1_margin_reference(X, np.where(y, 1.0, -1.0), alpha, logistic)
    model = MultiTaskClassifier(penalty="lasso", alpha=alpha, fit_intercept=False, **TIGHT)
    fit_checked(model, X, y)
    assert count_working_set_solves
    assert 0 < np.count_nonzero(model.coef_[0]) < X.shape[1]
    np.testing.assert_allclose(model.coef_[0], reference, rtol=1e-6, atol=1e-7)


WORKING_SET_CASES = [
    (MultiTaskRegressor, "squared_error", "l21"),
    (MultiTaskRegressor, "squared_error", "lasso"),
    (MultiTaskRegressor, "squared_error", DirtyPenalty(l1_ratio=0.3)),
    (MultiTaskRegressor, "squared_error", GraphPenalty(adjacency=np.ones((4, 4)) - np.eye(4), ridge=0.1, l1=1.0)),
    (MultiTaskClassifier, "logistic", "l21"),
    (MultiTaskClassifier, "squared_hinge", "dirty"),
]


def stacked_wide_problem(classification):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(240, 60))
    tasks = np.repeat(np.arange(4), 60)
    W = np.zeros((4, 60))
    W[:, :6] = rng.normal(size=(4, 6))
    f = np.einsum("ij,ij->i", X, W[tasks]) + 0.3 * rng.normal(size=240)
    return X, (f > 0) if classification else f, tasks


@pytest.mark.parametrize(("estimator", "loss", "penalty"), WORKING_SET_CASES)
def test_working_sets_reach_the_direct_solution(monkeypatch, count_working_set_solves, estimator, loss, penalty):
    X, y, tasks = stacked_wide_problem(estimator is MultiTaskClassifier)
    model = estimator(loss=loss, penalty=penalty, alpha=0.05, **TIGHT)
    fit_checked(model, X, y, tasks=tasks)
    assert count_working_set_solves
    without_working_sets(monkeypatch)
    direct = fit_checked(estimator(loss=loss, penalty=penalty, alpha=0.05, **TIGHT), X, y, tasks=tasks)
    assert model.objective_ == pytest.approx(direct.objective_, rel=1e-9)
    np.testing.assert_allclose(model.coef_, direct.coef_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.intercept_, direct.intercept_, rtol=1e-5, atol=1e-7)


def _round_off_floor_problems():
    """Squared hinge + dirty, 4 tasks × 40 rows × 150 features, class 0 against the rest: (dense, sparse) problems.

    Task 1 lacks a class and task 3 holds one (its intercept fixed at the pooled constant).
    """
    rng = np.random.default_rng(0)
    T, n, p = 4, 40, 150
    X = sp.random(T * n, p, density=0.08, format="csr", random_state=1, data_rvs=rng.random)
    tasks = np.repeat(np.arange(T), n)
    y = rng.integers(0, 3, T * n)
    y[(tasks == 1) & (y == 2)] = 0
    y[tasks == 3] = 1
    estimator = MultiTaskClassifier(loss="squared_hinge", penalty="dirty", alpha=0.01)
    return tuple(estimator._training_problems(rows, y, tasks, None)[2][0] for rows in (X.toarray(), X))


def test_a_round_at_its_round_off_floor_leaves_the_budget_to_the_next_rounds(count_working_set_solves):
    """The dense problem of :func:`_round_off_floor_problems` at tol = 1e-9.

    The first working set's restricted gap floors at ~3e-9 > tol; its proximal gradient used to spend the whole
    budget there (and drift upwards: the fit ended at a certificate of 0.10 after 30,000 iterations, its
    objective 41 % above the optimum).  Stopped once its gap no longer falls, it leaves the budget to the rounds
    that add the features it lacks.  (The drift was the dirty prox's: a column with an entry near 1e-160 left
    unshrunk, ``test_dirty_prox_of_columns_with_an_underflowing_entry_meets_the_moreau_identity``; with loose
    early rounds a later round met it, and the fit ended 4 % above the optimum until the prox was fixed.)
    Reference: the same problem on sparse rows (proximal Newton on the working sets' Gram models), at the same
    tol; a conic solver in the slow test below.
    """
    dense, sparse = _round_off_floor_problems()
    ours = solve(dense, tol=1e-9, max_iter=30_000)
    reference = solve(sparse, tol=1e-9, max_iter=1000)
    assert count_working_set_solves and ours.converged and reference.converged
    assert ours.certificate <= 1e-9 and reference.certificate <= 1e-9
    # Both are within 1e-9 F₀ of the optimum.
    assert abs(ours.objective - reference.objective) <= 1e-9 * dense.with_zero_objective().zero_objective


@pytest.mark.slow
def test_the_round_off_floor_problem_matches_cvxpy():
    """The optimum of the dense problem at tol = 1e-9 against Clarabel (W = P + Q, the dirty model in its parts)."""
    cp = pytest.importorskip("cvxpy")
    dense, _ = _round_off_floor_problems()
    design, intercepts = dense.design, dense.intercepts
    T, p = design.n_tasks, design.n_features
    r = dense.penalty._ratio(T)
    W, P, b = cp.Variable((T, p)), cp.Variable((T, p)), cp.Variable(T)
    data = 0
    for t in range(T):
        rows = slice(design.starts[t], design.starts[t + 1])
        margins = cp.multiply(design.y[rows], design.X[rows] @ W[t] + b[t])
        data = data + cp.sum(cp.multiply(design.weight[rows], cp.square(cp.pos(1 - margins))))
    penalty = (1 - r) * cp.sum(cp.norm(P, 2, axis=0)) + r * cp.sum(cp.abs(W - P))
    fixed = [b[t] == intercepts.fixed[t] for t in range(T) if not intercepts.free[t]]
    assert len(fixed) == 1
    problem = cp.Problem(cp.Minimize(data + dense.alpha * penalty), fixed)
    problem.solve(solver=cp.CLARABEL)
    ours = solve(dense, tol=1e-9, max_iter=30_000)
    zero = dense.with_zero_objective().zero_objective
    assert ours.converged
    # Ours is certified within 1e-9 F₀ of the optimum; Clarabel's value is accurate to its own tolerance.
    assert problem.value - 1e-7 * zero <= ours.objective <= problem.value + 1e-9 * zero


def test_working_set_warm_start_from_the_solution_takes_no_iterations(count_working_set_solves):
    X, y, tasks = stacked_wide_problem(False)
    model = fit_checked(MultiTaskRegressor(penalty="l21", alpha=0.05, warm_start=True, **TIGHT), X, y, tasks=tasks)
    assert count_working_set_solves and model.n_iter_ > 10
    fit_checked(model, X, y, tasks=tasks)
    assert model.n_iter_ == 0


def test_working_set_fit_stopped_by_max_iter_warns_with_its_certificate(count_working_set_solves):
    X, y, tasks = stacked_wide_problem(True)
    model = MultiTaskClassifier(penalty="l21", alpha=0.01, tol=1e-12, max_iter=5)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model.fit(X, y, tasks=tasks)
    assert count_working_set_solves
    assert model.n_iter_ <= 5 and model.certificate_ > model.tol


def test_working_sets_are_for_feature_separable_penalties_with_many_features():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 40))
    design = StackedDesign(X, X[:, 0], np.repeat(np.arange(2), 50), 2, np.ones(100), np.ones(2))
    squared, free = get_loss("squared_error"), Intercepts.all_free(2)
    assert uses_working_sets(L21Penalty(), design, squared, free)
    assert not uses_working_sets(
        L21Penalty(),
        StackedDesign(X[:, :8], X[:, 0], np.repeat(np.arange(2), 50), 2, np.ones(100), np.ones(2)),
        squared,
        free,
    )
    assert not uses_working_sets(TracePenalty(), design, squared, free)
    # A shared Gram matrix over few tasks is cheaper than the gradient passes of the rounds only when T ≥ p / 8.
    many_tasks = SharedDesign(X, rng.normal(size=(100, 10)), np.ones(100), np.ones(10))
    assert not uses_working_sets(L21Penalty(), many_tasks, squared, Intercepts.all_free(10))
