"""The dual (kernel) form of the exact squared-loss solve against the primal one, and its memory.

:func:`solve_dual_mean_regularised_squared` (the tasks' n_t × n_t Gram
matrices, conjugate gradients for the shared part) against the primal
:func:`solve_mean_regularised_squared` (p × p Gram matrices or SVDs of the
rows) on random shapes either side of n_t = p, dense and sparse, and against
the optimality conditions of the objective written out densely; the
conjugate gradients on the dual (:mod:`mtlearn.solvers._dual_cg`, the single
fits on sparse rows and the graph penalty) against the same primal solutions
and against the normal equations of the graph-penalised objective written out
densely, their certificate against the duality gap of
:class:`~mtlearn.solvers.CompositeProblem` and against the distance to the
exact minimiser; then the estimators on sparse rows with 50,000 features,
whose traced allocations must stay far below one dense n × p array.
"""

import zlib

import numpy as np
import pytest
import scipy.sparse as sp

from mtlearn import MultiTaskRegressor, MultiTaskRegressorCV
from mtlearn._design import SharedDesign, StackedDesign
from mtlearn.losses import SquaredLoss
from mtlearn.penalties import GraphPenalty, MeanPenalty
from mtlearn.solvers import CompositeProblem, Intercepts, solve
from mtlearn.solvers._dual_cg import dual_conjugate_gradients
from mtlearn.solvers._dual_ridge import DualMeanRegularisedPath, dual_pays_off, solve_dual_mean_regularised_squared
from mtlearn.solvers._exact_ridge import solve_mean_regularised_squared
from mtlearn.solvers._solve import DualConjugateGradients, DualSpectral, ExactSpectral, Problem, choose_method

from ._fitting import traced_peak
from .test_exact_ridge import _relative_difference, _task_data

ALPHAS = [3.0, 0.1, 1e-3]
MIXES = [0.0, 0.3, 0.9, 1.0 - 1e-6, 1.0]


def _features(rng, n, p, sparse):
    X = rng.standard_normal((n, p)) + rng.standard_normal(p)  # non-centred columns: the intercepts matter
    return sp.csr_matrix(X * (rng.uniform(size=(n, p)) < 0.3)) if sparse else X


def _stacked(rng, counts, p, *, sparse, weighted=True):
    T = len(counts)
    task_index = rng.permutation(np.repeat(np.arange(T), counts))
    n = len(task_index)
    y = rng.standard_normal(n) + 2.0
    sample_weight = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    task_weights = rng.uniform(0.5, 2.0, T) if weighted else np.ones(T)
    return StackedDesign(_features(rng, n, p, sparse), y, task_index, T, sample_weight, task_weights)


def _shared(rng, n, p, T, *, sparse):
    Y = rng.standard_normal((n, T)) + 1.0
    return SharedDesign(_features(rng, n, p, sparse), Y, rng.uniform(0.2, 3.0, n), rng.uniform(0.5, 2.0, T))


# Shapes either side of n_t = p: every task below, every task above, and mixed.
SHAPES = {
    "all fewer rows": lambda rng, sparse: _stacked(rng, [4, 6, 6, 3, 9], 12, sparse=sparse),
    "equal rows, far fewer": lambda rng, sparse: _stacked(rng, [5] * 4, 40, sparse=sparse, weighted=False),
    "mixed": lambda rng, sparse: _stacked(rng, [3, 15, 5, 5, 20, 2], 8, sparse=sparse),
    "all more rows": lambda rng, sparse: _stacked(rng, [14, 20, 11], 7, sparse=sparse),
    "rows equal features": lambda rng, sparse: _stacked(rng, [9, 9, 9], 9, sparse=sparse),
    "shared, fewer rows": lambda rng, sparse: _shared(rng, 7, 15, 3, sparse=sparse),
    "shared, more rows": lambda rng, sparse: _shared(rng, 25, 6, 4, sparse=sparse),
}
CASES = [(name, sparse) for name in SHAPES for sparse in (False, True)]


def _design(name, sparse):
    return SHAPES[name](np.random.default_rng(zlib.crc32(f"{name}{sparse}".encode())), sparse)


def _dense_copy(design):
    if not sp.issparse(design.X):
        return design
    copy = object.__new__(type(design))
    copy.__dict__.update(design.__dict__, X=design.X.toarray())
    return copy


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_dual_and_primal_forms_agree(name, sparse, fit_intercept):
    design = _design(name, sparse)
    primal_design = _dense_copy(design)  # the primal route on dense rows: SVDs and p × p solves
    path = DualMeanRegularisedPath(design, fit_intercept)
    T = design.n_tasks
    for mix in MIXES:
        kernel = (1.0 - mix, mix / T)
        for alpha in ALPHAS:
            primal = solve_mean_regularised_squared(primal_design, alpha, kernel, fit_intercept)
            single = solve_dual_mean_regularised_squared(design, alpha, kernel, fit_intercept)
            assert _relative_difference(single, primal) < 1e-8, (mix, alpha)
            assert _relative_difference(path.solve(alpha, kernel), primal) < 1e-8, (mix, alpha)


@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_dual_solves_satisfy_the_optimality_conditions(name, sparse):
    """α W + M⁻¹ G = 0 with G_t = ρ_t X_tᵀ V_t (X_t w_t + b_t − y_t); each task's residuals sum to zero."""
    design = _design(name, sparse)
    path = DualMeanRegularisedPath(design, fit_intercept=True)
    tasks = _task_data(design)
    T = design.n_tasks
    for mix in [0.0, 0.6, 1.0 - 1e-6]:
        a, b = 1.0 - mix, mix / T
        for alpha in [1.0, 0.01]:
            W, intercept = path.solve(alpha, (a, b))
            G = np.array(
                [rho * X.T @ (v * (X @ w + c - y)) for (X, v, y, rho), w, c in zip(tasks, W, intercept, strict=True)]
            )
            stationarity = alpha * W + a * G + b * G.sum(axis=0)
            assert np.max(np.abs(stationarity)) < 1e-9 * np.max(np.abs(alpha * W)), (mix, alpha)
            residual_sums = [v @ (X @ w + c - y) for (X, v, y, _), w, c in zip(tasks, W, intercept, strict=True)]
            assert np.max(np.abs(residual_sums)) < 1e-10 * max(1.0, np.max(np.abs(intercept)))


@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_the_dispatch_takes_the_dual_form_when_tasks_have_fewer_rows_than_features(name, sparse):
    design = _design(name, sparse)
    problem = Problem(design, SquaredLoss(), MeanPenalty(0.5), 1.0, Intercepts.all_free(design.n_tasks))
    n_rows, p = design.X.shape
    fewer = n_rows < p if isinstance(design, SharedDesign) else int(max(np.bincount(design.task_index))) < p
    assert dual_pays_off(design) is fewer
    assert choose_method(problem) is (DualSpectral if fewer else ExactSpectral)


def _text_like(n_tasks, n_rows, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n_tasks * n_rows, n_features, density=0.005, format="csr", random_state=seed)
    tasks = np.repeat(np.arange(n_tasks), n_rows)
    return X, rng.standard_normal(n_tasks * n_rows), tasks


@pytest.mark.parametrize(
    "estimator",
    [
        MultiTaskRegressor(penalty="ridge"),
        MultiTaskRegressor(penalty="mean"),
        MultiTaskRegressorCV(penalty="mean", alphas=3, mixes=[0.2, 0.8], cv=2),
        MultiTaskRegressor(penalty=GraphPenalty(adjacency=np.ones((4, 4)) - np.eye(4), ridge=0.5)),
    ],
    ids=["ridge", "mean", "mean CV", "graph"],
)
def test_sparse_rows_with_many_features_are_never_densified(estimator):
    """Peak traced memory ≤ 2 size(X) + 12 arrays of T × p: a dense n × p copy (64 MB) or p × p (20 GB) fails it."""
    T, n_t, p = 4, 40, 50_000
    X, y, tasks = _text_like(T, n_t, p)
    size = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    bound = 2 * size + 12 * T * p * 8
    assert bound < T * n_t * p * 8 / 2  # the bound excludes one dense copy of X
    peak = traced_peak(lambda: estimator.fit(X, y, tasks=tasks))
    assert peak < bound, (peak, bound)


@pytest.mark.parametrize("mix", [0.0, 0.6])
def test_estimator_on_sparse_rows_equals_scikit_learn_ridge_on_augmented_features(mix):
    """The dual form behind MultiTaskRegressor against ``Ridge`` on [c0 x, …, c1 x (block t), …] (one model)."""
    from sklearn.linear_model import Ridge

    from ._augmented import augment, task_weights_from_augmented

    T, n_t, p, alpha = 3, 15, 400, 0.05
    X, y, tasks = _text_like(T, n_t, p, seed=3)
    X = sp.csr_matrix(X.toarray() * 20.0)  # 2 non-zeros per row on average
    # tol far below the default: the dual conjugate gradients' certificate reaches ε² F₀.
    model = MultiTaskRegressor(penalty="mean", mix=mix, alpha=alpha, tol=1e-24).fit(X, y, tasks=tasks)
    assert model.certificate_ <= 1e-24
    # Ridge minimises Σ_i (1/n_t)(y_i − z_iᵀu − b_t)² + α‖u‖², twice ours: the same minimiser.
    Z = np.hstack([augment(X.toarray(), tasks, T, mix), np.eye(T)[tasks] * 1e4])  # intercepts, barely penalised
    reference = Ridge(alpha=alpha * n_t, fit_intercept=False, solver="cholesky").fit(Z, y)
    W = task_weights_from_augmented(reference.coef_[:-T], T, p, mix)
    np.testing.assert_allclose(model.coef_, W, atol=1e-8 * np.max(np.abs(W)))


def _zero_objective(design, fit_intercept):
    """F₀ = Σ_i c_i ½ (y_i − ȳ_t)² (ȳ_t = 0 without intercepts), from the design's entry weights."""
    c, task = design.weight, design.task_of_entries()
    means = design.task_sums(c * design.y) / design.task_sums(c) if fit_intercept else np.zeros(design.n_tasks)
    return 0.5 * float(np.sum(c * (design.y - means[task]) ** 2))


def _graph_penalty(T, seed):
    rng = np.random.default_rng(seed)
    A = rng.uniform(size=(T, T)) * (rng.uniform(size=(T, T)) < 0.6)
    return GraphPenalty(adjacency=A + A.T, ridge=0.3)


def _task_matrix(penalty, T):
    """M, written out: the graph's Laplacian plus ridge, or ``(I − J)/(1 − mix) + J`` (J = 11ᵀ/T, mix < 1)."""
    if isinstance(penalty, GraphPenalty):
        return penalty.task_matrix(T)
    J = np.full((T, T), 1.0 / T)
    return (np.eye(T) - J) / (1.0 - penalty.mix) + J


def _normal_equations_solution(design, penalty, alpha, fit_intercept):
    """The minimiser from the dense normal equations ``blockdiag(ρ_t X̃_tᵀ V_t X̃_t) + α M ⊗ I`` (small p only)."""
    tasks = _task_data(design)
    T, p = design.n_tasks, design.n_features
    H = alpha * np.kron(_task_matrix(penalty, T), np.eye(p))
    g = np.zeros(T * p)
    means = []
    for t, (X, v, y, rho) in enumerate(tasks):
        x_mean, y_mean = (v @ X / v.sum(), v @ y / v.sum()) if fit_intercept else (np.zeros(p), 0.0)
        Xc, yc = X - x_mean, y - y_mean
        block = slice(t * p, (t + 1) * p)
        H[block, block] += rho * Xc.T @ (v[:, None] * Xc)
        g[block] = rho * Xc.T @ (v * yc)
        means.append((x_mean, y_mean))
    W = np.linalg.solve(H, g).reshape(T, p)
    intercept = np.array([y_mean - x_mean @ w for (x_mean, y_mean), w in zip(means, W, strict=True)])
    return W, intercept


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_dual_conjugate_gradients_agree_with_the_primal_form(name, sparse, fit_intercept):
    """Run to a certificate of 1e-24 (its round-off is ε² F₀), the dual CG equals the exact primal solve to 1e-8."""
    design = _design(name, sparse)
    primal_design = _dense_copy(design)
    F0 = _zero_objective(design, fit_intercept)
    for mix in MIXES:
        penalty = MeanPenalty(mix)
        for alpha in ALPHAS:
            primal = solve_mean_regularised_squared(
                primal_design, alpha, penalty.kernel_coefficients(design.n_tasks), fit_intercept
            )
            result = dual_conjugate_gradients(
                design, penalty, alpha, fit_intercept, zero_objective=F0, tol=1e-24, max_iter=2000
            )
            assert result.converged and result.certificate <= 1e-24, (mix, alpha)
            assert _relative_difference((result.coef, result.intercept), primal) < 1e-8, (mix, alpha)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_dual_conjugate_gradients_solve_the_graph_penalty(name, sparse, fit_intercept):
    """GraphPenalty (ridge > 0): the dual CG against the dense normal equations of the objective."""
    design = _design(name, sparse)
    penalty = _graph_penalty(design.n_tasks, seed=len(name))
    F0 = _zero_objective(design, fit_intercept)
    for alpha in ALPHAS:
        reference = _normal_equations_solution(design, penalty, alpha, fit_intercept)
        result = dual_conjugate_gradients(
            design, penalty, alpha, fit_intercept, zero_objective=F0, tol=1e-24, max_iter=2000
        )
        assert result.converged, alpha
        assert _relative_difference((result.coef, result.intercept), reference) < 1e-8, alpha


@pytest.mark.parametrize(("name", "sparse"), CASES)
@pytest.mark.parametrize("penalty", ["mean", "graph"])
def test_dual_conjugate_gradients_certificate_bounds_the_distance_to_the_optimum(name, sparse, penalty):
    """At tol = 1e-4: the objective is CompositeProblem's, the certificate bounds F − F* (as does that
    class's gap at its own dual point), and so the distance to the minimiser:
    F − F* ≥ (α/2) tr((W − W*)ᵀ M (W − W*)) ≥ (α/2) λ_min(M) ‖W − W*‖²."""
    design = _design(name, sparse)
    T = design.n_tasks
    penalty = MeanPenalty(0.6) if penalty == "mean" else _graph_penalty(T, seed=1)
    alpha = 0.01
    intercepts = Intercepts.all_free(T)
    F0 = _zero_objective(design, True)
    result = dual_conjugate_gradients(design, penalty, alpha, True, zero_objective=F0, tol=1e-4, max_iter=2000)
    assert result.converged and result.certificate <= 1e-4
    composite = CompositeProblem(design, SquaredLoss(), penalty, alpha, intercepts)
    certificate, objective = composite.certify(composite.pack(result.coef, result.intercept))
    assert objective == pytest.approx(result.objective, rel=1e-10)
    assert composite.zero_objective() == pytest.approx(F0, rel=1e-12)
    W_star, b_star = _normal_equations_solution(design, penalty, alpha, True)
    optimum = composite.objective(composite.pack(W_star, b_star))
    assert objective - optimum <= result.certificate * F0 + 1e-14 * F0
    assert objective - optimum <= certificate * F0 + 1e-14 * F0  # both gaps bound the same suboptimality
    smallest = np.linalg.eigvalsh(_task_matrix(penalty, T))[0]
    distance = np.sum((result.coef - W_star) ** 2)
    assert 0.5 * alpha * smallest * distance <= result.certificate * F0 * (1 + 1e-8) + 1e-15 * F0


def test_dual_conjugate_gradients_start_from_a_previous_dual():
    """From the dual of a converged solve at the same α the iterations stop at once; at a nearby α, no later."""
    design = _design("equal rows, far fewer", True)
    penalty = MeanPenalty(0.5)
    F0 = _zero_objective(design, True)
    cold = dual_conjugate_gradients(design, penalty, 0.1, True, zero_objective=F0, tol=1e-10, max_iter=500)
    again = dual_conjugate_gradients(
        design, penalty, 0.1, True, zero_objective=F0, tol=1e-10, max_iter=500, dual0=cold.dual
    )
    assert again.n_iter == 0 and again.certificate == pytest.approx(cold.certificate)
    near_cold = dual_conjugate_gradients(design, penalty, 0.12, True, zero_objective=F0, tol=1e-10, max_iter=500)
    near_warm = dual_conjugate_gradients(
        design, penalty, 0.12, True, zero_objective=F0, tol=1e-10, max_iter=500, dual0=cold.dual
    )
    assert near_warm.converged and near_warm.n_iter <= near_cold.n_iter


def test_dual_conjugate_gradients_warn_when_out_of_iterations():
    """max_iter too small: not converged, and the certificate (the gap of the returned point) says by how much."""
    design = _design("all fewer rows", True)
    penalty = MeanPenalty(0.3)
    F0 = _zero_objective(design, True)
    result = dual_conjugate_gradients(design, penalty, 1e-3, True, zero_objective=F0, tol=1e-12, max_iter=2)
    assert not result.converged and result.n_iter == 2 and result.certificate > 1e-12
    composite = CompositeProblem(design, SquaredLoss(), penalty, 1e-3, Intercepts.all_free(design.n_tasks))
    kernel = penalty.kernel_coefficients(design.n_tasks)
    W_star, b_star = solve_mean_regularised_squared(_dense_copy(design), 1e-3, kernel, True)
    optimum = composite.objective(composite.pack(W_star, b_star))
    assert result.objective - optimum <= result.certificate * F0 * (1 + 1e-10)


@pytest.mark.parametrize(("name", "sparse"), CASES)
def test_the_dispatch_takes_the_dual_conjugate_gradients(name, sparse):
    """Sparse stacked rows with n_t < p: mean-type single fits by CG (DualSpectral delegates); the graph
    penalty with ridge > 0 by CG on dense and sparse rows with n_t < p; without ridge (M singular: no kernel) not."""
    design = _design(name, sparse)
    T = design.n_tasks
    intercepts = Intercepts.all_free(T)
    fewer = dual_pays_off(design)
    graph = Problem(design, SquaredLoss(), _graph_penalty(T, seed=2), 0.1, intercepts)
    assert (choose_method(graph) is DualConjugateGradients) is fewer
    singular = Problem(design, SquaredLoss(), GraphPenalty(adjacency=np.ones((T, T))), 0.1, intercepts)
    assert choose_method(singular) is not DualConjugateGradients
    mean = solve(Problem(design, SquaredLoss(), MeanPenalty(0.5), 0.1, intercepts), tol=1e-4, max_iter=100)
    by_cg = fewer and sparse and isinstance(design, StackedDesign)
    assert (mean.dual is not None) is by_cg
    assert mean.converged and mean.certificate <= 1e-4
