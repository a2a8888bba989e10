"""Gap-safe screening on paths: it never discards a feature that is active at the optimum.

At each α of a path the rule is applied from the previous (tightly solved)
solution, and the features it discards are compared with the support of the
unscreened solve at that α, solved to tol=1e-8; the screened path's
solutions agree with the unscreened ones.  The rule must also discard
something (the comparison would be vacuous otherwise).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from mtlearn._design import SharedDesign, StackedDesign
from mtlearn.losses import LogisticLoss, SquaredHingeLoss, SquaredLoss
from mtlearn.penalties import DirtyPenalty, L21Penalty, LassoPenalty
from mtlearn.solvers import Intercepts, Path, Problem, solve, zero_coef_gradient
from mtlearn.solvers._screening import column_scales, possibly_active, screening_applies

T, N_T, P = 3, 25, 60


def _data(seed, *, sparse, shared, classification):
    rng = np.random.default_rng(seed)
    n = N_T if shared else T * N_T
    X = rng.standard_normal((n, P)) * (rng.uniform(size=(n, P)) < (0.2 if sparse else 1.0))
    W = np.zeros((T, P))
    W[:, :5] = rng.standard_normal(5) + 0.3 * rng.standard_normal((T, 5))
    if shared:
        F = X @ W.T
        Y = np.where(F > 0, 1.0, -1.0) if classification else F + 0.1 * rng.standard_normal(F.shape)
        return SharedDesign(sp.csr_matrix(X) if sparse else X, Y, np.ones(n), np.ones(T))
    task_index = np.repeat(np.arange(T), N_T)
    f = np.einsum("ij,ij->i", X, W[task_index])
    y = np.where(f > 0, 1.0, -1.0) if classification else f + 0.1 * rng.standard_normal(n)
    return StackedDesign(sp.csr_matrix(X) if sparse else X, y, task_index, T, np.ones(n), np.ones(T))


LOSSES = {"squared": SquaredLoss, "logistic": LogisticLoss, "squared hinge": SquaredHingeLoss}
PENALTIES = {"l21": L21Penalty, "lasso": LassoPenalty, "dirty": lambda: DirtyPenalty(l1_ratio=0.5)}
# The squared and logistic losses on stacked designs run by default; the rest is marked slow.
CASES = [
    pytest.param(loss, penalty, sparse, shared, marks=[pytest.mark.slow] if shared or loss == "squared hinge" else [])
    for loss in LOSSES
    for penalty in PENALTIES
    for sparse, shared in [(False, False), (True, False), (True, True)]
]


def _path_problems(loss_name, penalty_name, sparse, shared):
    loss, penalty = LOSSES[loss_name](), PENALTIES[penalty_name]()
    design = _data(7, sparse=sparse, shared=shared, classification=loss_name != "squared")
    intercepts = Intercepts.all_free(T)
    alpha_max = penalty.dual_norm(zero_coef_gradient(design, loss, intercepts))
    return (
        design,
        loss,
        [Problem(design, loss, penalty, f * alpha_max, intercepts) for f in np.geomspace(0.95, 0.1, 12)],
    )


@pytest.mark.parametrize(("loss_name", "penalty_name", "sparse", "shared"), CASES)
def test_screening_never_discards_an_active_feature(loss_name, penalty_name, sparse, shared):
    design, loss, problems = _path_problems(loss_name, penalty_name, sparse, shared)
    assert screening_applies(problems[0])
    scales = column_scales(design, loss.curvature)
    previous = solve(problems[0], tol=1e-8, max_iter=20_000)
    discarded = 0
    for problem in problems[1:]:
        kept = possibly_active(problem, previous, scales)
        optimum = solve(problem, tol=1e-8, max_iter=20_000)
        assert optimum.converged
        active = np.any(optimum.coef != 0, axis=0)
        assert not np.any(active & ~kept), np.flatnonzero(active & ~kept)
        discarded += int(np.sum(~kept))
        previous = optimum
    assert discarded > 0


@pytest.mark.parametrize(("loss_name", "penalty_name", "sparse", "shared"), CASES[::5])
def test_screened_path_equals_unscreened_solves(loss_name, penalty_name, sparse, shared):
    design, loss, problems = _path_problems(loss_name, penalty_name, sparse, shared)
    path = Path(design, loss, problems[0].intercepts)
    for problem in problems:
        screened = path.solve(problem.penalty, problem.alpha, tol=1e-8, max_iter=20_000)
        assert screened.converged and screened.certificate <= 1e-8
        reference = solve(problem, tol=1e-8, max_iter=20_000)
        scale = max(np.max(np.abs(reference.coef)), 1.0)
        np.testing.assert_allclose(screened.coef, reference.coef, atol=1e-4 * scale)


def test_dirty_path_with_many_features_warm_starts_from_the_parts():
    """The working sets take the previous fit's stacked parts as a start (they used to fail on their shape)."""
    from mtlearn import MultiTaskRegressor
    from mtlearn.model_selection import multitask_path

    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 60))
    tasks = np.repeat(np.arange(3), 30)
    y = X[:, :3].sum(axis=1) + rng.standard_normal(90)
    alphas, coefs, _ = multitask_path(MultiTaskRegressor(penalty="dirty", max_iter=5000), X, y, tasks=tasks, n_alphas=5)
    assert coefs.shape == (5, 3, 60) and np.all(np.isfinite(coefs))
    assert np.all(coefs[0] == 0) and np.any(coefs[-1] != 0)
