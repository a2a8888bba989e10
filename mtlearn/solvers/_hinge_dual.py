"""Dual solver for the hinge loss with a quadratic task penalty.

Primal, with labels y_i in {−1, +1}, entry weights c_i and a quadratic penalty
``Ω(W) = ½ tr(Wᵀ M W)``:

    P(W, b) = Σ_i c_i max(0, 1 − y_i (x_iᵀ w_{t_i} + b_{t_i})) + α Ω(W).

Dual, over one variable a_i per entry:

    D(a) = Σ_i a_i (1 − y_i b⁰_{t_i}) − (1 / 2α) tr(Gᵀ M⁻¹ G),   G_t = Σ_{i in t} a_i y_i x_i,
    subject to 0 ≤ a_i ≤ c_i and, for every task with a free intercept,
    Σ_{i in t} a_i y_i = 0 (one constraint Σ_i a_i y_i = 0 over all the
    entries for an intercept shared by the tasks),

where b⁰ is the fixed intercept of the other tasks.  The primal weights are
``W(a) = M⁻¹ G / α``.  D is a concave quadratic maximised by accelerated
projected gradient ascent with adaptive restart; the projection onto the box
and the per-task hyperplane is exact, from the sorted breakpoints of each
task's multiplier equation (:mod:`mtlearn.solvers._box_hyperplane`).  The
free intercepts are recovered by minimising the primal over b at W(a) (a
one-dimensional convex problem per task).

Stopping certificate: the duality gap relative to F₀, the primal objective at
W = 0 with the intercepts at their optimum: ``(P − D) / F₀``, an upper bound on
(P − P*) / F₀.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._box_hyperplane import hyperplane_multipliers
from ._problem import SolverResult

_CHECK_EVERY = 10


def _best_intercepts(margin_free_y, y, c, group_of_entries, n_groups, groups):
    """Per group of entries in ``groups``, b minimising Σ_i c_i max(0, 1 − y_i (f_i + b)); f_i given without b.

    The groups are the tasks, or one group of all the entries for an
    intercept shared by the tasks; b is 0 for the groups not in ``groups``.
    """
    b = np.zeros(n_groups)
    rows = np.flatnonzero(np.isin(group_of_entries, groups))
    if rows.size == 0:
        return b
    f, yt, ct, group = margin_free_y[rows], y[rows], c[rows], group_of_entries[rows]
    # The loss of row i is active for b < 1 − f_i (y = +1) or b > −1 − f_i (y = −1).
    breaks = yt - f
    order = np.lexsort((breaks, group))
    breaks, yt, ct, group = breaks[order], yt[order], ct[order], group[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    # Slope just right of each breakpoint: + (weight of active negatives) − (weight of active positives),
    # from cumulative sums restarted at every task.
    negative = np.where(yt < 0, ct, 0.0)
    positive = np.where(yt > 0, ct, 0.0)
    segment = np.cumsum(np.r_[False, group[1:] != group[:-1]])
    neg_active = _segment_cumsum(negative, starts, segment)
    pos_active = np.add.reduceat(positive, starts)[segment] - _segment_cumsum(positive, starts, segment)
    slope = neg_active - pos_active
    # The first breakpoint of each task where the slope is ≥ 0 (its last breakpoint when round-off leaves none).
    ends = np.r_[starts[1:], group.size] - 1
    position = np.where(slope >= 0, np.arange(group.size), group.size)
    first = np.minimum(np.minimum.reduceat(position, starts), ends)
    b[group[starts]] = breaks[first]
    return b


def _segment_cumsum(values, starts, segment):
    """Cumulative sums of ``values`` restarted at every segment start."""
    total = np.cumsum(values)
    before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0.0)
    return total - before[segment]


@dataclass
class DualPoint:
    """A feasible dual point with its primal weights, best intercepts, primal objective and relative gap."""

    dual: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    primal: float
    certificate: float

    def result(self, n_iter, tol):
        return SolverResult(
            self.coef, self.intercept, n_iter, self.certificate, self.certificate <= tol, self.primal, dual=self.dual
        )


class DualCertificate:
    """The duality gap of the hinge problem at a feasible dual point (see the module docstring).

    ``linear`` is the dual's linear term ``1 − y_i (b⁰_{t_i} + o_i)``;
    calling it with a dual point a gives its :class:`DualPoint`.
    """

    def __init__(self, design, penalty, alpha, intercepts, offset, zero_objective):
        self.design, self.penalty, self.alpha, self.intercepts = design, penalty, alpha, intercepts
        self.task = design.task_of_entries()
        self.group, self.free = intercepts.group_of_entries(design), intercepts.free_groups
        self.fixed_b = np.where(intercepts.free, 0.0, intercepts.fixed)
        self.offset = np.zeros_like(design.y) if offset is None else offset
        self.linear = 1.0 - design.y * (self.fixed_b[self.task] + self.offset)
        self.scale = max(zero_objective, np.finfo(float).tiny)

    def weights(self, a):
        """``G = Σ_i a_i y_i x_i`` per task and the primal weights ``W(a) = M⁻¹ G / α``."""
        G = self.design.backward(a * self.design.y)
        return G, self.penalty.kernel(G) / self.alpha

    def primal(self, W):
        """The primal objective at W with the intercepts at their optimum, and those intercepts."""
        design, free = self.design, self.free
        y, c = design.y, design.weight
        margin = design.forward(W, None) + self.offset
        b = self.fixed_b
        if free.any():
            best = _best_intercepts(margin, y, c, self.group, len(free), np.flatnonzero(free))
            b = self.intercepts.from_groups(best)
        value = np.dot(c, np.maximum(0.0, 1.0 - y * (margin + b[self.task]))) + self.alpha * self.penalty.value(W)
        return float(value), b

    def __call__(self, a, G=None, W=None):
        """The :class:`DualPoint` of a (G and W: its weights, when already known)."""
        if G is None:
            G, W = self.weights(a)
        P, b = self.primal(W)
        D = np.dot(a, self.linear) - 0.5 * np.sum(G * W)
        return DualPoint(a, W, b, P, max(float(P - D) / self.scale, 0.0))


class _Projection:
    """Projection onto {0 ≤ a ≤ c, Σ_{i in g} y_i a_i = 0 for the groups g of entries with a free intercept}."""

    def __init__(self, y, c, group, n_groups, free):
        self.y, self.c = y, c
        self.group, self.n_groups = group, n_groups
        self.constrained = free[group]
        self.free = free
        self.any_constraint = bool(free.any())

    def __call__(self, v):
        a = np.clip(v, 0.0, self.c)
        if not self.any_constraint:
            return a
        mu = hyperplane_multipliers(v, self.y, self.c, self.group, self.n_groups)
        mu = np.where(self.free, mu, 0.0)
        return np.where(self.constrained, np.clip(v + mu[self.group] * self.y, 0.0, self.c), a)


def hinge_dual(
    design, penalty, alpha, intercepts, *, zero_objective, dual0=None, offset=None, tol, max_iter, verbose=0
):
    """Solve the hinge-loss problem in the dual (see the module docstring).

    Parameters
    ----------
    design : StackedDesign or SharedDesign
        Its targets are the labels in {−1, +1}.
    penalty : quadratic penalty with ``kernel`` and ``value``
    alpha : float
    intercepts : Intercepts
    dual0 : ndarray of shape (n_entries,) or None
        Starting dual point (warm start); clipped to the feasible set.
    offset : ndarray of shape (n_entries,) or None
        A fixed term o_i added to every margin, ``f_i = x_iᵀ w_t + b_t + o_i``
        (it enters the dual as ``a_i (1 − y_i o_i)``); None means zero.
    zero_objective : float > 0
        F₀, the scale of the relative duality gap.
    tol, max_iter, verbose : as in the estimators.

    Returns
    -------
    result : SolverResult
        With the final dual variables in ``dual`` (kept for warm starts).
    """
    y, c = design.y, design.weight
    certify = DualCertificate(design, penalty, alpha, intercepts, offset, zero_objective)
    linear, weights = certify.linear, certify.weights
    project = _Projection(y, c, certify.group, len(certify.free), certify.free)

    def gradient(W):
        return linear - y * design.forward(W, None)

    # Lipschitz constant of the dual gradient, by power iteration on a ↦ y ∘ X M⁻¹ Xᵀ (y ∘ a) / α.
    rng = np.random.default_rng(0)
    v = rng.standard_normal(design.n_entries)
    L = 1.0
    for _ in range(20):
        Hv = y * design.forward(weights(v / np.linalg.norm(v))[1], None)
        L = np.linalg.norm(Hv)
        if L == 0.0:
            L = 1.0
            break
        v = Hv
    L *= 1.05

    a = project(np.zeros_like(c) if dual0 is None else dual0)
    # G and W are linear in a: they follow the iterates and their extrapolations.
    G, W = weights(a)
    z, G_z, W_z = a, G, W
    t = 1.0
    n_iter = 0
    certificate = certify(a).certificate
    # Progress is printed at gap checks: every _CHECK_EVERY·k iterations, k growing as verbose shrinks.
    report_every = _CHECK_EVERY * max(1, (100 // verbose) // _CHECK_EVERY) if verbose else 0
    while certificate > tol and n_iter < max_iter:
        n_iter += 1
        grad = gradient(W_z)
        while True:
            a_new = project(z + grad / L)
            step = a_new - z
            G_new, W_new = weights(a_new)
            # D is quadratic: D(z + s) = D(z) + ∇D·s − ½ sᵀHs, and sᵀHs = α ⟨ΔW, M ΔW⟩ = ⟨ΔG, ΔW⟩.
            curvature = np.sum((G_new - G_z) * (W_new - W_z))
            if curvature <= L * np.dot(step, step) * (1 + 1e-12):
                break
            L *= 2.0
        restart = np.dot(z - a_new, a_new - a) > 0
        if restart:
            t_new, z, G_z, W_z = 1.0, a_new, G_new, W_new
        else:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            momentum = (t - 1.0) / t_new
            z = a_new + momentum * (a_new - a)
            G_z = G_new + momentum * (G_new - G)
            W_z = W_new + momentum * (W_new - W)
        a, G, W, t = a_new, G_new, W_new, t_new
        if n_iter % _CHECK_EVERY == 0 or n_iter == max_iter:
            point = certify(a, G, W)
            certificate = point.certificate
            if report_every and n_iter % report_every == 0:
                print(f"[hinge-dual] iter {n_iter:5d}  primal {point.primal:.10g}  relative gap {certificate:.3e}")
    return certify(a).result(n_iter, tol)
