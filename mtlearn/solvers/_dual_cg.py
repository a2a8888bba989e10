"""Conjugate gradients on the dual of the squared loss with a quadratic task penalty, for n_t < p.

The problem, with the design's entry weights c_i (task weight times
normalised sample weight), the intercepts all free or all absent and a
quadratic penalty ``Ω(W) = ½ tr(Wᵀ M W)`` whose task kernel ``M⁻¹`` exists
(``penalty.kernel``; :class:`~mtlearn.penalties.MeanPenalty`, ridge,
:class:`~mtlearn.penalties.GraphPenalty` with ``ridge > 0``):

    minimise over W, b:   Σ_i c_i ½ (y_i − x_iᵀ w_{t_i} − b_{t_i})²  +  (α/2) tr(Wᵀ M W).

Eliminating the intercepts: with ``𝒳`` the map from W to the predictions
(``design.forward``), ``P`` the projection orthogonal to ``√c`` within each
task (the identity without intercepts), ``B = P diag(√c) 𝒳`` and
``z = P diag(√c) y``, the objective is ``½‖z − B W‖² + (α/2) tr(Wᵀ M W)``.
Its dual, over one variable θ per entry (in the range of P),

    D(θ) = θᵀz − ½‖θ‖² − (1/2α) θᵀ𝒦θ,    𝒦 = B (M⁻¹ ⊗ I) Bᵀ,

is maximal where ``(I + 𝒦/α) θ = z``, and the primal point of a dual θ is
``W(θ) = M⁻¹ Bᵀθ / α`` (``Bᵀθ = design.backward(√c Pθ)``).  For any θ in the
range of P, with ``f = B W(θ)``,

    P(W(θ)) − D(θ) = ½ ‖z − θ − f‖²:

the duality gap is half the squared residual of the linear system.
Conjugate gradients on that n × n system (n entries: the tasks' rows, never a
p × p matrix) therefore stop on the duality gap itself; each iteration is
one product with Xᵀ and one with X (sparse X stays sparse) and, for a
mean-type kernel ``M⁻¹ = a I + b 11ᵀ``, no other pass over a T × p array
than the sum of the tasks' rows.  The eigenvalues of ``I + 𝒦/α`` lie in
``[1, 1 + λ_max(𝒦)/α]``: few iterations unless α is small against the
data's scale (scikit-learn's ``Ridge`` takes the same route on sparse rows
with more features than rows).

The gap of the returned point is computed from an explicit residual (not the
recurrence): the certificate is ``½‖z − θ − f‖² / F₀``, whose round-off is
of order ε² F₀, so tolerances far below ε are reachable.
"""

from __future__ import annotations

import numpy as np

from .._design import SharedDesign
from ._problem import SolverResult


def _same_for_every_task(design, u):
    """The predictions of every entry with the same weights u for all tasks (``forward`` of rows all equal to u)."""
    shared = np.asarray(design.X @ u).ravel()
    return np.repeat(shared, design.n_tasks) if isinstance(design, SharedDesign) else shared


class KernelSystem:
    """The dual system ``(I + 𝒦/α) θ = z`` of one design, penalty and α (see the module docstring).

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    penalty : Penalty
        Quadratic with a task kernel (``kernel``; ``kernel_coefficients`` when mean-type).
    alpha : float > 0
    fit_intercept : bool
        All intercepts free (True) or all absent (False).
    """

    def __init__(self, design, penalty, alpha, fit_intercept):
        self.design, self.penalty, self.alpha, self.fit_intercept = design, penalty, alpha, fit_intercept
        c = design.weight
        self.root_c = np.sqrt(c)
        self.task = design.task_of_entries()
        self.totals = design.task_sums(c)
        self.y_mean = design.task_sums(c * design.y) / self.totals if fit_intercept else np.zeros(design.n_tasks)
        self.z = self.project(self.root_c * design.y)

    def project(self, v):
        """``P v``: v minus its component along √c within each task (nothing without intercepts)."""
        if not self.fit_intercept:
            return v
        return v - self.root_c * (self.design.task_sums(self.root_c * v) / self.totals)[self.task]

    def weights_and_predictions(self, theta, with_weights):
        """``(W(θ) or None, 𝒳 W(θ))``: the primal weights of θ and their raw predictions (no intercept)."""
        design, alpha = self.design, self.alpha
        V = design.backward(self.root_c * self.project(theta))
        if self.penalty.mean_type:
            a, b = self.penalty.kernel_coefficients(design.n_tasks)
            shared = V.sum(axis=0) if b else None
            predictions = (a / alpha) * design.forward(V, None)
            if b:
                predictions += (b / alpha) * _same_for_every_task(design, shared)
            if not with_weights:
                return None, predictions
            V *= a / alpha
            if b:
                V += (b / alpha) * shared
            return V, predictions
        W = self.penalty.kernel(V) / alpha
        return (W if with_weights else None), design.forward(W, None)

    def apply(self, theta):
        """``(I + 𝒦/α) θ``."""
        _, predictions = self.weights_and_predictions(theta, with_weights=False)
        return theta + self.project(self.root_c * predictions)

    def point(self, theta):
        """``(W, b, predictions with intercepts, residual z − θ − f)`` of a dual θ in the range of P."""
        W, predictions = self.weights_and_predictions(theta, with_weights=True)
        intercept = np.zeros(self.design.n_tasks)
        if self.fit_intercept:
            intercept = self.y_mean - self.design.task_sums(self.design.weight * predictions) / self.totals
        residual = self.z - theta - self.project(self.root_c * predictions)
        return W, intercept, predictions + intercept[self.task], residual


def _conjugate_gradients(system, theta, residual, goal, max_iter):
    """CG iterations from θ (its residual given) until ``½‖r‖² ≤ goal`` (recurrence r) or max_iter.

    Returns (θ, iterations).
    """
    direction = residual.copy()
    rr = residual @ residual
    for iteration in range(max_iter):
        if 0.5 * rr <= goal:
            return theta, iteration
        Hd = system.apply(direction)
        step = rr / (direction @ Hd)
        theta = theta + step * direction
        residual = residual - step * Hd
        rr, previous = residual @ residual, rr
        direction = residual + (rr / previous) * direction
    return theta, max_iter


def dual_conjugate_gradients(
    design, penalty, alpha, fit_intercept, *, zero_objective, tol, max_iter, dual0=None, verbose=0
):
    """Minimise the squared loss plus α Ω(W) for a quadratic penalty by conjugate gradients on its dual.

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    penalty : Penalty
        Quadratic with a task kernel ``M⁻¹`` (see the module docstring).
    alpha : float > 0
    fit_intercept : bool
    zero_objective : float > 0
        F₀, the scale of the relative certificate.
    tol : float
        Stop when the duality gap of the returned point is at most ``tol · F₀``.
    max_iter : int
        Conjugate-gradient iterations allowed.
    dual0 : ndarray of shape (n_entries,) or None, default=None
        Where the iterations start (a previous solve's dual variables).
    verbose : int, default=0

    Returns
    -------
    SolverResult
        With the certificate ``½‖z − θ − f‖² / F₀`` of the returned point and
        its dual variables θ (``dual``, for warm starts).
    """
    system = KernelSystem(design, penalty, alpha, fit_intercept)
    theta = np.zeros_like(system.z) if dual0 is None else system.project(np.asarray(dual0, dtype=np.float64))
    goal, n_iter, previous = tol * zero_objective, 0, np.inf
    while True:
        W, intercept, predictions, residual = system.point(theta)
        gap = 0.5 * float(residual @ residual)
        if verbose:
            print(f"dual conjugate gradients: iteration {n_iter}, relative duality gap {gap / zero_objective:.3e}")
        # Stop when converged, out of iterations, or when the explicit gap no longer decreases (round-off).
        if gap <= goal or n_iter >= max_iter or gap >= previous:
            break
        previous = gap
        # The recurrence's residual drifts from the explicit one by round-off: aim below the goal.
        theta, used = _conjugate_gradients(system, theta, residual, 0.25 * goal, max_iter - n_iter)
        theta = system.project(theta)
        n_iter += used
    # α Ω(W(θ)) = (1/2α) ⟨Bᵀθ, M⁻¹ Bᵀθ⟩ = ½ θᵀ f, with f = z − θ − residual.
    penalty_term = 0.5 * float(theta @ (system.z - theta - residual))
    objective = 0.5 * float(np.sum(design.weight * (design.y - predictions) ** 2)) + penalty_term
    certificate = gap / zero_objective
    return SolverResult(W, intercept, n_iter, certificate, certificate <= tol, objective, dual=theta)
