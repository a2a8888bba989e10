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

import numpy as np

from ._box_hyperplane import hyperplane_multipliers
from ._problem import SolverResult

_CHECK_EVERY = 10


def _best_intercepts(margin_free_y, y, c, group, n_groups, groups):
    """Per group of entries, b minimising Σ_i c_i max(0, 1 − y_i (f_i + b)); f_i given without b."""
    b = np.zeros(n_groups)
    for t in groups:
        rows = group == t
        f, yt, ct = margin_free_y[rows], y[rows], c[rows]
        # The loss of row i is active for b < 1 − f_i (y = +1) or b > −1 − f_i (y = −1).
        breaks = yt - f
        order = np.argsort(breaks)
        breaks, yt, ct = breaks[order], yt[order], ct[order]
        # Slope just right of each breakpoint: + (weight of active negatives) − (weight of active positives).
        neg_active = np.cumsum(np.where(yt < 0, ct, 0.0))
        pos_active = np.sum(np.where(yt > 0, ct, 0.0)) - np.cumsum(np.where(yt > 0, ct, 0.0))
        slope = neg_active - pos_active
        k = int(np.searchsorted(slope, 0.0))
        b[t] = breaks[min(k, len(breaks) - 1)]
    return b


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
    task = design.task_of_entries()
    fixed_b = np.where(intercepts.free, 0.0, intercepts.fixed)
    offset = np.zeros_like(y) if offset is None else offset
    linear = 1.0 - y * (fixed_b[task] + offset)
    group, free = intercepts.group_of_entries(design), intercepts.free_groups
    n_groups = len(free)
    project = _Projection(y, c, group, n_groups, free)

    def weights(a):
        """``G = Σ_i a_i y_i x_i`` per task and the primal weights ``W(a) = M⁻¹ G / α``."""
        G = design.backward(a * y)
        return G, penalty.kernel(G) / alpha

    def dual_value(a, G, W):
        return np.dot(a, linear) - 0.5 * np.sum(G * W)

    def gradient(W):
        return linear - y * design.forward(W, None)

    def primal(W):
        margin = design.forward(W, None) + offset
        b = fixed_b
        if free.any():
            b = intercepts.from_groups(_best_intercepts(margin, y, c, group, n_groups, np.flatnonzero(free)))
        value = np.dot(c, np.maximum(0.0, 1.0 - y * (margin + b[task]))) + alpha * penalty.value(W)
        return value, b

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
    P, b = primal(W)
    D = dual_value(a, G, W)
    scale = max(zero_objective, np.finfo(float).tiny)
    certificate = (P - D) / scale
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
            P, b = primal(W)
            D = dual_value(a, G, W)
            certificate = (P - D) / scale
            if report_every and n_iter % report_every == 0:
                print(f"[hinge-dual] iter {n_iter:5d}  primal {P:.10g}  relative gap {certificate:.3e}")
    P, b = primal(W)
    D = dual_value(a, *weights(a))
    certificate = max((P - D) / scale, 0.0)
    return SolverResult(W, b, n_iter, float(certificate), certificate <= tol, float(P), dual=a)
