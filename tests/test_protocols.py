"""The Loss and Penalty protocols, checked over the registries: a new loss or penalty gets these tests.

References are independent of the code under test: numerical derivatives,
``scipy.optimize`` on the defining minimisation problems, and the
Fenchel–Young equality.
"""

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from mtlearn.losses import LOSSES, Loss, get_loss
from mtlearn.penalties import (
    PENALTIES,
    ClusterPenalty,
    GraphPenalty,
    L21Penalty,
    Penalty,
    RelationshipPenalty,
    make_penalty,
)
from mtlearn.penalties._quadratic import ScaledL1
from mtlearn.transfer._penalty import CentredRidgePenalty

from ._stacked_parts import StackedDirtyPenalty


def _loss_data(loss, rng, n=40):
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0) if loss.for_classification else rng.normal(scale=3.0, size=n)
    f = rng.normal(scale=2.0, size=n)
    return y, f


@pytest.fixture(params=sorted(LOSSES))
def loss(request):
    return get_loss(request.param)


def test_every_registered_loss_is_a_loss(loss):
    assert isinstance(loss, Loss)
    assert loss.smooth == np.isfinite(loss.curvature)


def test_derivative_matches_numerical_derivative(loss):
    rng = np.random.default_rng(0)
    y, f = _loss_data(loss, rng)
    weight = rng.uniform(0.5, 2.0, size=f.size)
    h = 1e-6
    numerical = weight * (loss.pointwise(y, f + h) - loss.pointwise(y, f - h)) / (2 * h)
    # Away from the kinks of the hinge (|y f − 1| > 1e-3) the derivative is the derivative.
    smooth_here = np.abs(y * f - 1.0) > 1e-3 if loss.piecewise_linear else np.ones(f.size, bool)
    np.testing.assert_allclose(loss.derivative(y, f, weight)[smooth_here], numerical[smooth_here], rtol=1e-6, atol=1e-8)


def test_curvature_bounds_the_second_derivative(loss):
    if not loss.smooth:
        pytest.skip("the hinge has no second derivative")
    rng = np.random.default_rng(1)
    y, f = _loss_data(loss, rng, n=400)
    h = 1e-4
    second = (loss.pointwise(y, f + h) - 2 * loss.pointwise(y, f) + loss.pointwise(y, f - h)) / h**2
    assert np.all(second <= loss.curvature * (1 + 1e-4) + 1e-6)


def test_second_derivative_matches_numerical_derivative(loss):
    if not loss.second_order:
        pytest.skip(f"the {loss.name!r} loss declares no second derivative")
    rng = np.random.default_rng(3)
    y, f = _loss_data(loss, rng)
    weight = rng.uniform(0.5, 2.0, size=f.size)
    h = 1e-6
    numerical = (loss.derivative(y, f + h, weight) - loss.derivative(y, f - h, weight)) / (2 * h)
    # Away from the kink of the squared hinge's derivative (|y f − 1| > 1e-3).
    smooth_here = np.abs(y * f - 1.0) > 1e-3
    np.testing.assert_allclose(
        loss.second_derivative(y, f, weight)[smooth_here], numerical[smooth_here], rtol=1e-6, atol=1e-8
    )


def test_conjugate_satisfies_fenchel_young(loss):
    """ℓ(y, f) + ℓ*(y, v) ≥ v f for every v, with equality at v = ∂ℓ/∂f (y, f)."""
    rng = np.random.default_rng(2)
    y, f = _loss_data(loss, rng)
    v = loss.derivative(y, f, np.ones(f.size))
    np.testing.assert_allclose(loss.pointwise(y, f) + loss.conjugate(y, v), v * f, rtol=1e-9, atol=1e-12)
    # The inequality at other dual points in the domain (a shrunk v stays in it: 0 is in the domain).
    for shrink in (0.0, 0.3, 0.9):
        assert np.all(loss.pointwise(y, f) + loss.conjugate(y, shrink * v) >= shrink * v * f - 1e-12)


def test_conjugate_is_the_supremum(loss):
    """ℓ*(y, v) = sup_f v f − ℓ(y, f), by a one-dimensional numerical maximisation."""
    rng = np.random.default_rng(3)
    y, f = _loss_data(loss, rng, n=8)
    v = 0.7 * loss.derivative(y, f, np.ones(f.size))
    for yi, vi in zip(y, v, strict=False):
        best = minimize_scalar(
            lambda g: -(vi * g - loss.pointwise(np.array([yi]), np.array([g]))[0]),
            bounds=(-60, 60),
            method="bounded",
            options={"xatol": 1e-10},
        )
        assert loss.conjugate(np.array([yi]), np.array([vi]))[0] == pytest.approx(-best.fun, abs=1e-6)


def test_best_intercepts_minimise_each_task(loss):
    rng = np.random.default_rng(4)
    y, _ = _loss_data(loss, rng, n=60)
    task_index = np.repeat(np.arange(3), 20)
    weight = rng.uniform(0.5, 2.0, size=60)
    best = loss.best_intercepts(y, weight, task_index, 3)
    for t in range(3):
        rows = task_index == t

        def task_loss(b):
            return np.dot(weight[rows], loss.pointwise(y[rows], np.full(rows.sum(), b)))

        reference = minimize_scalar(task_loss, bounds=(-20, 20), method="bounded", options={"xatol": 1e-10})
        assert task_loss(best[t]) <= reference.fun + 1e-8


def test_loss_parameters_are_validated_when_built():
    with pytest.raises(ValueError, match="epsilon"):
        get_loss("huber", epsilon=-1.0)
    with pytest.raises(ValueError, match="epsilon"):
        get_loss("huber").set_params(epsilon=0.0)


# ------------------------------------------------------------------------------------ penalties
def _penalties():
    """Every registered penalty that builds from its name, and the parameterised variants."""
    cases = []
    for name, factory in sorted(PENALTIES.items()):
        try:
            cases.append(pytest.param(factory(0.4), id=name))
        except ValueError:  # "graph" needs its adjacency
            continue
    A = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.0], [0.5, 0.0, 0.0]])
    cases += [
        pytest.param(GraphPenalty(adjacency=A), id="graph-laplacian"),
        pytest.param(GraphPenalty(adjacency=A, ridge=0.3), id="graph-ridge"),
        pytest.param(ClusterPenalty(n_clusters=1, eta=0.5), id="cluster-k1"),
        pytest.param(L21Penalty(l2_reg=0.7), id="l21-ridge"),
        pytest.param(RelationshipPenalty(mix=0.0), id="relationship-mix0"),
        pytest.param(RelationshipPenalty(mix=1.0), id="relationship-mix1"),
        pytest.param(ScaledL1(0.8), id="scaled-l1"),
        pytest.param(CentredRidgePenalty(np.arange(12.0).reshape(3, 4) / 10), id="centred-ridge"),
        pytest.param(StackedDirtyPenalty(l1_ratio=0.35), id="stacked-parts"),
    ]
    return cases


PENALTY_CASES = _penalties()


def _variable(penalty, rng, T=3, p=4):
    return 2.0 * rng.normal(size=(T, penalty.n_blocks * p))


@pytest.mark.parametrize("penalty", PENALTY_CASES)
def test_prox_matches_numerical_prox(penalty):
    """prox(Z, s) = argmin_V ½‖V − Z‖² + s Ω(V), against scipy.optimize (Powell on the nonsmooth objective)."""
    rng = np.random.default_rng(5)
    Z = _variable(penalty, rng)
    step = 0.6
    V = penalty.prox(Z, step)

    def objective(v):
        v = v.reshape(Z.shape)
        return 0.5 * np.sum((v - Z) ** 2) + step * penalty.value(v)

    # The prox is the unique minimiser: no numerical search from it or from Z does better.
    for start in (V.ravel(), Z.ravel()):
        found = minimize(objective, start, method="Powell", options={"xtol": 1e-10, "ftol": 1e-14, "maxiter": 200_000})
        assert objective(V.ravel()) <= found.fun + 1e-9
    # And V is where the search from Z ends, as far as the search got: the objective is 1-strongly
    # convex, so its minimiser V has ½‖x − V‖² ≤ objective(x) − objective(V) at every x.  Where Powell
    # converges this pins V to √(2 · its accuracy); where it stalls at a kink (a spectral penalty at
    # a rank-deficient V) the bound is looser, and tests/test_relationship.py checks that prox with cvxpy.
    found = minimize(objective, Z.ravel(), method="Powell", options={"xtol": 1e-10, "ftol": 1e-15, "maxiter": 200_000})
    assert 0.5 * np.sum((found.x - V.ravel()) ** 2) <= objective(found.x) - objective(V.ravel()) + 1e-9


@pytest.mark.parametrize("penalty", [case for case in PENALTY_CASES if case.values[0].n_blocks == 1])
def test_dual_term_satisfies_fenchel_young_at_a_subgradient(penalty):
    """With W = prox(Z, 1), V = Z − W is a subgradient of Ω at W, so Ω(W) + Ω*(V) = ⟨V, W⟩.

    ``dual_term(G, α)`` returns α Ω*(−scale · G / α); at G = −α V the scale is 1
    (V is in the domain of Ω*) and the value α Ω*(V).
    """
    penalty = penalty.values[0] if hasattr(penalty, "values") else penalty
    rng = np.random.default_rng(6)
    Z = _variable(penalty, rng)
    W = penalty.prox(Z, 1.0)
    V = Z - W
    alpha = 0.8
    scale, term = penalty.dual_term(-alpha * V, alpha)
    assert scale == pytest.approx(1.0, abs=1e-9)
    assert term == pytest.approx(alpha * (np.sum(V * W) - penalty.value(W)), rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("penalty", [case for case in PENALTY_CASES if case.values[0].n_blocks == 1])
def test_dual_term_is_a_valid_conjugate_everywhere(penalty):
    """Fenchel–Young inequality at random points: Ω(W) + Ω*(U) ≥ ⟨U, W⟩ for the scaled dual point U."""
    penalty = penalty.values[0] if hasattr(penalty, "values") else penalty
    rng = np.random.default_rng(7)
    alpha = 0.5
    for _ in range(5):
        G, W = _variable(penalty, rng), _variable(penalty, rng)
        scale, term = penalty.dual_term(G, alpha)
        assert 0 < scale <= 1.0
        U = -scale * G / alpha
        assert penalty.value(W) + term / alpha >= np.sum(U * W) - 1e-9


@pytest.mark.parametrize("penalty", PENALTY_CASES)
def test_penalty_declares_its_capabilities(penalty):
    assert isinstance(penalty, Penalty)
    if penalty.mean_type:
        a, b = penalty.kernel_coefficients(3)
        G = np.random.default_rng(8).normal(size=(3, 4))
        np.testing.assert_allclose(penalty.kernel(G), a * G + b * G.sum(axis=0), rtol=1e-12)
    if penalty.feature_separable:
        G = np.random.default_rng(9).normal(size=(3, 4))
        assert penalty.dual_norm(G) == pytest.approx(np.max(penalty.feature_dual_norms(G)))


def test_graph_smooth_part_gradient_is_its_derivative():
    penalty = GraphPenalty(adjacency=np.ones((3, 3)) - np.eye(3), ridge=0.2, l1=0.5)
    smooth, proximable = penalty.smooth_split(3)
    W = np.random.default_rng(10).normal(size=(3, 4))
    h = 1e-6
    numerical = np.zeros_like(W)
    for index in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[index] = h
        numerical[index] = (smooth.value(W + E) - smooth.value(W - E)) / (2 * h)
    np.testing.assert_allclose(smooth.gradient(W), numerical, rtol=1e-6, atol=1e-8)
    assert smooth.value(W) + proximable.value(W) == pytest.approx(penalty.value(W))
    assert smooth.conjugate_at_gradient(W, 0.5) == pytest.approx(0.25 * smooth.value(W))


def test_penalty_parameters_are_validated_when_built_and_set():
    with pytest.raises(ValueError, match="mix"):
        make_penalty("mean", mix=2.0)
    with pytest.raises(ValueError, match="eta"):
        ClusterPenalty().set_params(eta=-1.0)
    with pytest.raises(ValueError, match=r"GraphPenalty\(adjacency=\.\.\.\)"):
        make_penalty("graph", mix=0.5)
