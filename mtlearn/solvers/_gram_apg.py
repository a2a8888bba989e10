"""Accelerated proximal gradient on the quadratic of the squared loss's Gram form, with gap-safe screening.

On the compact data term of :class:`~mtlearn.solvers.GramDesign`, a quadratic
in W (:class:`~mtlearn.solvers._gram.GramQuadratic`),

    minimise over W:   F(W) = ½ ⟨W, H W⟩ − ⟨B, W⟩ + κ + α Ω(W),

everything an iteration of :func:`~mtlearn.solvers.accelerated_proximal_gradient`
needs follows from the product ``H W`` at the new iterate, one (T × p) × (p × p)
product:

- the gradient at the extrapolated point ``y = x + m (x − x₋)`` is
  ``H y − B`` with ``H y = H x + m (H x − H x₋)`` (linear in W);
- the quadratic upper bound of the step ``s = x⁺ − y`` holds exactly when
  ``⟨s, H s⟩ = ⟨s, H x⁺ − H y⟩ ≤ L ‖s‖²`` (backtracking without evaluating
  the objective);
- the duality gap at x (:meth:`GramStopping.certificate`) is that of the compact
  least-squares problem ``Σ_t ρ_t ½ ‖R_t w_t − z_t‖² + α Ω(W)`` with the dual
  point ``u = σ ρ (R w − z)`` (σ the penalty's ``dual_term`` scale), written with
  the data term ``d = ½ Σ_t ρ_t ‖R_t w_t − z_t‖²`` and ``Σ_t ρ_t (R_t w_t −
  z_t)ᵀ z_t = ⟨B, W⟩ − 2κ``:

      gap = d + α Ω(W) + σ² d + σ (⟨B, W⟩ − 2κ) + α Ω*(−σ ∇/α),   ∇ = H W − B.

The stopping rule is that of the general solver (relative gap and relative
proximal-gradient residual at most ``tol``), the relative scales those of the
original problem, checked every ``_CHECK_EVERY`` iterations and at every
iteration whose step is small (its root mean square times L below ``tol``
times the gradient scale).  With a feature-separable norm and many features,
:func:`solve_gram` first discards the features the gap-safe rule
(:mod:`mtlearn.solvers._screening`) proves inactive at the start's gap, in this
form with curvature 1 and column scales ``√(ρ_t (G_t)_jj)``, solves on the others
(the restriction of H is a submatrix) and certifies the result on all features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._screening import _MARGIN, MIN_FEATURES

_SHRINK = 0.9
_TINY = np.finfo(float).tiny
# Iterations between two checks of the stopping rule (every iteration once the proximal steps are small).
_CHECK_EVERY = 10


@dataclass
class GramSolution:
    """What :func:`solve_gram` returns: the weights, ``H W``, and the solver's record."""

    coef: np.ndarray
    product: np.ndarray
    n_iter: int
    certificate: float
    converged: bool
    objective: float
    lipschitz: float


def gram_takes(penalty, n_tasks):
    """Whether :func:`solve_gram` takes the penalty: all of Ω proximable, one block, no unpenalised directions."""
    return penalty.n_blocks == 1 and penalty.smooth_split(n_tasks)[0] is None and penalty.null_space(n_tasks) is None


class GramStopping:
    """The certificate and the stopping rule of ``F`` (module docstring) at one α.

    Parameters
    ----------
    quadratic : GramQuadratic
    penalty : Penalty
        With :func:`gram_takes`.
    alpha : float
    tol : float
        The fit is done when the relative duality gap and the relative
        proximal-gradient residual are at most tol.
    zero_objective, gradient_scale : float
        F₀ and ``‖∇ data(0)‖_∞`` of the original problem: the scales that make them relative.
    """

    def __init__(self, quadratic, penalty, alpha, tol, zero_objective, gradient_scale):
        self.quadratic, self.penalty, self.alpha, self.tol = quadratic, penalty, alpha, tol
        self.zero_objective = max(zero_objective, _TINY)
        self.gradient_scale = gradient_scale

    def restricted(self, quadratic):
        """The same rule on the restriction ``quadratic`` of the problem to some features."""
        copy = object.__new__(GramStopping)
        copy.__dict__.update(self.__dict__, quadratic=quadratic)
        return copy

    def certificate(self, W, HW):
        """``(certificate, objective, gradient, scale)`` at W from ``HW = H W`` (module docstring).

        ``objective`` is the compact objective ``d + α Ω(W)``, ``gradient`` is
        ``∇ = H W − B`` and ``scale`` the dual point's σ.
        """
        gradient = HW - self.quadratic.linear
        certificate, objective, scale = self.gap(W, gradient)
        return certificate, objective, gradient, scale

    def gap(self, W, gradient):
        """``(certificate, objective, scale)`` at W from its gradient ``∇ = H W − B``.

        The data term is ``d = ½ (⟨W, ∇⟩ − ⟨B, W⟩) + κ``, as ``⟨W, H W⟩ = ⟨W, ∇⟩ + ⟨B, W⟩``.
        """
        quadratic, alpha = self.quadratic, self.alpha
        linear = float(np.vdot(quadratic.linear, W))
        data = 0.5 * (float(np.vdot(W, gradient)) - linear) + quadratic.constant
        scale, penalty_term = self.penalty.dual_term(gradient, alpha)
        primal = data + alpha * self.penalty.value(W)
        dual = -scale * scale * data - scale * (linear - 2.0 * quadratic.constant) - penalty_term
        return max(primal - dual, 0.0) / self.zero_objective, primal, scale

    def residual(self, W, gradient, L):
        """The proximal-gradient residual ``L ‖W − prox(W − ∇/L)‖_∞`` relative to the gradient scale."""
        moved = self.penalty.prox(W - gradient / L, self.alpha / L)
        moved -= W
        return L * float(np.abs(moved).max(initial=0.0)) / self.gradient_scale

    def check(self, W, gradient, L, final=False):
        """``(done, certificate, objective)`` from the gradient ``∇ = H W − B``.

        The gap is evaluated once the residual is small (or when final).
        """
        residual = self.residual(W, gradient, L)
        if residual > self.tol and not final:
            return False, np.inf, np.nan
        certificate, objective, _ = self.gap(W, gradient)
        return residual <= self.tol and certificate <= self.tol, certificate, objective


def gram_apg(stopping, W0, HW0, *, max_iter, lipschitz, start_lipschitz=None, checked=False, spaced_checks=False):
    """Minimise ``F`` (module docstring) by FISTA with backtracking and adaptive restart, from W0.

    Each iterate is kept stacked with its gradient ``∇ = H W − B`` (rows ``[:T]`` and ``[T:]`` of one
    array): the gradient is affine in W, so one array operation moves both, the step ``s`` comes with
    ``H s`` (the backtracking test) and the momentum point with its gradient.

    Parameters
    ----------
    stopping : GramStopping
        The problem (its quadratic, penalty and α) and when to stop.
    W0, HW0 : ndarray of shape (n_tasks, n_features)
        The start and ``H W0``.
    max_iter : int
    lipschitz : float
        An estimate of λ_max(H) (the power iteration's): the step constant L doubles while the
        upper bound fails, up to twice this.
    start_lipschitz : float or None
        The first L (e.g. the last one of a neighbouring solve); None: ``lipschitz``.
    checked : bool
        Whether the caller has found that W0 does not meet the stopping rule (no check at the start).
    spaced_checks : bool
        Space the checks of small steps: after a check that does not stop, the next small step is
        checked only after twice as many iterations (up to ``_CHECK_EVERY``).  For a loose ``tol``
        (the forcing term of an inexact Newton step), where the steps are small from the start and
        checking every one costs a prox and a gap per iteration; a path (tight ``tol``) checks every
        small step, its stopping point being what its tolerance buys.

    Returns
    -------
    GramSolution
    """
    quadratic, penalty, alpha = stopping.quadratic, stopping.penalty, stopping.alpha
    small_step = stopping.tol * stopping.gradient_scale
    small_step_squared = small_step * small_step * W0.size
    L = lipschitz if start_lipschitz is None else min(start_lipschitz, lipschitz)
    L_floor = 1e-3 * lipschitz
    L_cap = 2.0 * lipschitz  # past twice the estimate a failed bound is round-off, not curvature
    current = _Stack(W0, HW0 - quadratic.linear)  # the iterate and its gradient
    done, certificate, objective = (
        (False, np.inf, np.nan) if checked else stopping.check(current.W, current.gradient, L, final=True)
    )
    new = _Stack(W0, HW0)  # a buffer for the next iterate
    point = _Stack(current.W, current.gradient)  # the momentum point
    step, move = _Stack(W0, W0), _Stack(W0, W0)  # s = x⁺ − y over H s, and x⁺ − x over H (x⁺ − x)
    moved = np.empty_like(W0)
    t = 1.0
    n_iter = last_check = 0
    wait = 1  # iterations from the last check before a small step is checked
    while not done and n_iter < max_iter:
        n_iter += 1
        while True:
            np.multiply(point.gradient, -1.0 / L, out=moved)
            moved += point.W
            new.W[...] = penalty.prox(moved, alpha / L)
            quadratic.product(new.W, out=new.gradient)
            new.gradient -= quadratic.linear
            np.subtract(new.both, point.both, out=step.both)
            step_squared = np.vdot(step.W, step.W)
            if np.vdot(step.W, step.gradient) <= L * (1.0 + 1e-12) * step_squared or L >= L_cap:
                break
            L *= 2.0
        np.subtract(new.both, current.both, out=move.both)
        if np.vdot(step.W, move.W) < 0:  # momentum points uphill: restart
            t = 1.0
            point.both[...] = new.both
        else:
            t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
            np.multiply(move.both, (t - 1.0) / t_new, out=point.both)
            point.both += new.both
            t = t_new
        current, new = new, current
        since = n_iter - last_check
        small = L * L * step_squared <= small_step_squared and since >= wait
        if since >= _CHECK_EVERY or small or n_iter == max_iter:
            done, certificate, objective = stopping.check(current.W, current.gradient, L, final=n_iter == max_iter)
            last_check = n_iter
            if spaced_checks:
                wait = min(2 * wait, _CHECK_EVERY)  # small steps that did not stop: check them less often
        L = max(L * _SHRINK, L_floor)
    if last_check != n_iter or not np.isfinite(certificate):
        done, certificate, objective = stopping.check(current.W, current.gradient, L, final=True)
    HW = current.gradient + quadratic.linear
    return GramSolution(current.W, HW, n_iter, float(certificate), bool(done), float(objective), float(L))


class _Stack:
    """A (T × p) point W over its gradient ``H W − B`` in one (2T × p) array ``both`` (a copy of the two given).

    The gradient is affine in W, so one operation on ``both`` moves the point and its gradient together
    (and the difference of two stacks is a step s over ``H s``).
    """

    __slots__ = ("both", "W", "gradient")

    def __init__(self, W, gradient):
        self.both = np.concatenate([W, gradient])
        self.W, self.gradient = self.both[: W.shape[0]], self.both[W.shape[0] :]


def solve_gram(stopping, W0, HW0, *, max_iter, lipschitz, start_lipschitz=None):
    """:func:`gram_apg` from (W0, H W0), on the features gap-safe screening keeps when it applies.

    Screening applies to a feature-separable penalty with at least
    :data:`~mtlearn.solvers._screening.MIN_FEATURES` features: the gap at
    W0 bounds the distance to the optimal dual point, which bounds each
    feature's correlation there (module docstring).  The restricted solution
    is certified on all features; when that certificate exceeds ``tol`` (the
    screened features' dual norms are part of the dual point's scaling) the
    whole problem is solved from it.

    Parameters and returns as :func:`gram_apg`.
    """
    quadratic, penalty, alpha = stopping.quadratic, stopping.penalty, stopping.alpha
    L = lipschitz if start_lipschitz is None else min(start_lipschitz, lipschitz)
    certificate, objective, gradient, scale = stopping.certificate(W0, HW0)
    if certificate <= stopping.tol and stopping.residual(W0, gradient, L) <= stopping.tol:
        return GramSolution(W0, HW0, 0, certificate, True, objective, L)
    options = dict(max_iter=max_iter, lipschitz=lipschitz, start_lipschitz=L, checked=True)
    if not (penalty.feature_separable and quadratic.n_features >= MIN_FEATURES):
        return gram_apg(stopping, W0, HW0, **options)
    radius = np.sqrt(2.0 * certificate * stopping.zero_objective)
    bound = penalty.feature_dual_norms(scale * gradient) + radius * penalty.feature_dual_norms(quadratic.column_scales)
    keep = np.flatnonzero(bound >= (1.0 - _MARGIN) * alpha)
    if keep.size == quadratic.n_features:
        return gram_apg(stopping, W0, HW0, **options)
    W, HW = np.zeros_like(W0), np.zeros_like(W0)
    if keep.size == 0:  # W = 0 is the solution
        inner = GramSolution(W, HW, 0, 0.0, True, np.nan, L)
    else:
        restricted = quadratic.restricted(keep)
        W_keep = W0[:, keep]
        inner = gram_apg(stopping.restricted(restricted), W_keep, restricted.product(W_keep), **options)
        W[:, keep] = inner.coef
        HW = quadratic.product_from(keep, inner.coef)
    certificate, objective, _, _ = stopping.certificate(W, HW)
    if certificate <= stopping.tol or not inner.converged:
        return GramSolution(W, HW, inner.n_iter, certificate, inner.converged, objective, inner.lipschitz)
    whole = gram_apg(stopping, W, HW, **dict(options, start_lipschitz=inner.lipschitz, checked=False))
    whole.n_iter += inner.n_iter
    return whole
