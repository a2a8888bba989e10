"""Interior-point solver of the hinge loss's dual, for designs with few features per task.

The problem is the dual QP of :mod:`mtlearn.solvers._hinge_dual`, written as a
minimisation over one variable a_i per entry,

    f(a) = ½ aᵀ Q a − lᵀ a,   Q a = y ∘ (x_iᵀ W(a)_{t_i})_i,   W(a) = M⁻¹ G(a) / α,
    subject to 0 ≤ a ≤ c and E a = 0   (E a)_t = Σ_{i in t} y_i a_i for the tasks with a free intercept,

with ``l_i = 1 − y_i (b⁰_{t_i} + o_i)``.  Mehrotra's predictor–corrector
primal–dual interior-point method follows the central path of its KKT
conditions

    Q a − l + Eᵀ β − z + u = 0,   E a = 0,   a_i z_i = μ,   (c_i − a_i) u_i = μ,

(β are the free intercepts, z and u the multipliers of the bounds), μ → 0.
One iteration (the unit of ``max_iter`` and ``n_iter_``) is one Newton step
on these conditions, found by a predictor and a corrector solve with the same
matrix.  With ``Σ = diag(z / a + u / (c − a))`` the Newton system
``(Q + Σ) Δa + Eᵀ Δβ = r, E Δa = −r_E`` is reduced by the Woodbury identity,
Q being ``Jᵀ K J`` with ``J a = Σ_{i in t} a_i y_i x_i`` and ``K = M⁻¹ ⊗ I / α``,
to one system of size T (p + 1) in the primal directions (the Newton
direction of the weights and intercepts):

    (B K̂ + P) (ν, Δβ) = Ĵ Σ⁻¹ r + (0, r_E),    Δa = Σ⁻¹ (r − Ĵᵀ (K ν, Δβ)),

where ``Ĵ`` appends the intercept's column of ones to every task's rows,
``B = Ĵ Σ⁻¹ Ĵᵀ`` is block diagonal (one (p + 1) × (p + 1) block per task),
``K̂ = diag(K, I)`` and ``P`` is the identity on the weights' part.  For a
penalty with ``M⁻¹ = a I + b 11ᵀ`` (mean, ridge) the system is the block
diagonal ``B diag(a I / α, I) + P`` plus a rank-p term, solved by the Woodbury
identity again in O(T p³); for any other quadratic penalty it is solved
densely.  The number of iterations hardly depends on C (7 to 20 on
benchmarks/bench_convergence.py's C grid 0.01 … 100 at tol = 1e-4).

Each Newton direction is refined (up to ``_REFINEMENTS`` times) against the
full system; near the optimum Σ spans many orders of magnitude, and when a refined direction still
misses its system by more than ``_ACCURACY`` (relative) the method stops and
the accelerated projected gradient of :mod:`mtlearn.solvers._hinge_dual`
finishes from its best point, within the remaining ``max_iter`` (in practice
only at tolerances near 1e-8 and below).  The distance to the upper bound,
``c − a``, is a variable of its own, so that it keeps its digits as a nears c.

Stopping certificate, evaluated at every iteration: the duality gap of the
iterate projected exactly onto the feasible set (box and equality
constraints), relative to F₀, as in :mod:`mtlearn.solvers._hinge_dual`; the
best point seen is returned.  A warm start is certified as it is first; the
path then starts halfway between it and the centre of the box.

The method is taken when ``T (p + 1) ≤ min(MAX_SYSTEM_SIZE, n_entries)``
(:func:`interior_point_applies`): on 20 rare-positive tasks of 30–80 rows
(1100 rows) over C = 0.01 … 100 it took 0.17× the CPU time of projected
gradient at 9 features and 0.6–0.8× at 30; at 60 and 90 features, where
T (p + 1) exceeds the number of rows and the data are nearly separable,
projected gradient was 1.3–6× faster (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import numpy as np

from ._hinge_dual import DualCertificate, _Projection, hinge_dual

# The method takes problems whose Newton system, n_tasks · (n_features + 1), is at most this size (and the
# number of entries: with more unknowns than entries projected gradient was measured faster).
MAX_SYSTEM_SIZE = 2000
# Fraction of the step to the boundary of the bounds taken by every iteration.
_TO_BOUNDARY = 0.99
# Refinement steps at most of a Newton direction (until it meets _ACCURACY), each one product with the rows
# and their transpose and one solve with the factored system.
_REFINEMENTS = 3
# A direction is taken when it solves its Newton system to this accuracy (relative to the right-hand side).
_ACCURACY = 1e-6
# A step shorter than this (a stalled path) ends the method.
_SHORTEST_STEP = 1e-12


def interior_point_applies(design, intercepts):
    """Whether the interior-point method takes the problem: its Newton system, T (p + 1), at most
    ``MAX_SYSTEM_SIZE`` and at most the number of entries, and one intercept per task (its Newton
    system has one equality constraint per task; an intercept shared by the tasks is left to
    projected gradient)."""
    small = design.n_tasks * (design.n_features + 1) <= min(MAX_SYSTEM_SIZE, design.n_entries)
    return small and not intercepts.shared


def _entry_features(design):
    """The dense rows x_i of every entry, shape (n_entries, n_features), from one product per feature."""
    p = design.n_features
    rows = np.empty((design.n_entries, p))
    unit = np.zeros((design.n_tasks, p))
    for j in range(p):
        unit[:, j] = 1.0
        rows[:, j] = design.forward(unit, None)
        unit[:, j] = 0.0
    return rows


def _mean_type_coefficients(kernel_matrix):
    """``(a, b)`` when ``M⁻¹ = a I + b 11ᵀ`` (to round-off), else None."""
    T = kernel_matrix.shape[0]
    diagonal = np.diag(kernel_matrix)
    off = kernel_matrix[~np.eye(T, dtype=bool)]
    b = float(off.mean()) if off.size else 0.0
    a = float(diagonal.mean()) - b
    reference = np.abs(kernel_matrix).max()
    if np.allclose(kernel_matrix, a * np.eye(T) + b, rtol=0.0, atol=1e-12 * reference):
        return a, b
    return None


class _NewtonSystem:
    """The reduced Newton system (see the module docstring), factored for one Σ⁻¹ and solved for several r."""

    def __init__(self, rows, y, task, free, n_tasks, kernel, alpha):
        """``rows``, ``y`` and ``task`` of the entries, sorted by task."""
        self.rows, self.y, self.task, self.free = rows, y, task, free
        bounds = np.searchsorted(task, np.arange(n_tasks + 1))
        self.slices = [slice(bounds[t], bounds[t + 1]) for t in range(n_tasks)]
        self.n_tasks, self.p = n_tasks, rows.shape[1]
        self.kernel_matrix = kernel(np.eye(n_tasks))
        self.kernel_matrix = 0.5 * (self.kernel_matrix + self.kernel_matrix.T)
        self.alpha = alpha
        self.coefficients = _mean_type_coefficients(self.kernel_matrix)
        # Every entry's row with the intercept's column: 1 where the task's intercept is free.
        self.extended = np.hstack([rows, free[task].astype(float)[:, None]])

    def factor(self, d):
        """Assemble the blocks B_t = Ĵ_t diag(d) Ĵ_tᵀ (a task with a fixed intercept gets 1 on its intercept)."""
        E = self.extended
        B = np.stack([E[rows].T @ (d[rows, None] * E[rows]) for rows in self.slices])
        B[~self.free, -1, -1] = 1.0
        self.B = B
        if self.coefficients is not None:
            self._factor_structured(*self.coefficients)
        else:
            self._factor_dense()

    def _factor_structured(self, a, b):
        p, alpha = self.p, self.alpha
        # S₀ = B diag(a I / α, 1) + P per task; the rank-p part is (b/α) B Û Ûᵀ with Û summing the weights over tasks.
        scale = np.concatenate([np.full(p, a / alpha), [1.0]])
        S0 = self.B * scale[None, None, :]
        S0[:, np.arange(p), np.arange(p)] += 1.0
        self.S0_inverse = np.linalg.inv(S0)
        self.low_rank = b != 0.0
        if self.low_rank:
            self.Y = self.S0_inverse @ ((b / alpha) * self.B[:, :, :p])
            self.capacitance = np.eye(p) + self.Y[:, :p, :].sum(axis=0)

    def _factor_dense(self):
        T, p, q = self.n_tasks, self.p, self.p + 1
        K = self.kernel_matrix / self.alpha
        # S[(t, :), (s, j)] = B_t[:, j] K_ts for the weights j < p, B_t[:, p] δ_ts for the intercept.
        S = np.zeros((T, q, T, q))
        S[:, :, :, :p] = self.B[:, :, None, :p] * K[:, None, :, None]
        S[np.arange(T), :, np.arange(T), p] = self.B[:, :, p]
        S = S.reshape(T * q, T * q)
        S[np.arange(T * q) % q != p, np.arange(T * q)[np.arange(T * q) % q != p]] += 1.0
        self.S = S

    def _solve_reduced(self, rhs):
        if self.coefficients is None:
            return np.linalg.solve(self.S, rhs.ravel()).reshape(rhs.shape)
        x = np.einsum("tij,tj->ti", self.S0_inverse, rhs)
        if self.low_rank:
            correction = np.linalg.solve(self.capacitance, x[:, : self.p].sum(axis=0))
            x = x - self.Y @ correction
        return x

    def solve(self, d, r, r_equality):
        """``(Δa, Δβ)`` with ``(Q + diag(1/d)) Δa + Eᵀ Δβ = r`` and ``E Δa = −r_equality``."""
        g = self.y * d * r
        rhs = np.stack([g[rows] @ self.extended[rows] for rows in self.slices])
        rhs[:, -1] += np.where(self.free, r_equality, 0.0)
        x = self._solve_reduced(rhs)
        weights = (self.kernel_matrix @ x[:, : self.p]) / self.alpha
        beta = np.where(self.free, x[:, -1], 0.0)
        direction = np.einsum("ij,ij->i", self.rows, weights[self.task]) + beta[self.task]
        return d * (r - self.y * direction), beta


def _step_to_boundary(x, dx):
    """The largest s in [0, 1] with x + s dx ≥ 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = np.where(dx < 0, -x / dx, np.inf)
    return float(min(1.0, limits.min(initial=np.inf)))


class _CentralPath:
    """The iterate (a, β, z, u) of the interior-point method and its predictor–corrector step.

    The distance to the upper bound, ``s = c − a``, is kept as a variable of its
    own: recomputed as a difference it would lose its digits where a nears c.
    """

    def __init__(self, a, c, y, task, free, system, products):
        self.a, self.s, self.y, self.task, self.free, self.system = a, c - a, y, task, free, system
        self.products = products
        self.z, self.u = np.ones_like(a), np.ones_like(a)
        self.beta = np.zeros(free.size)

    def _direction(self, rz, ru):
        """The Newton direction (Δa, Δβ, Δz, Δu) for the complementarity targets rz, ru."""
        a, s, z, u = self.a, self.s, self.z, self.u
        r = -self.residual + rz / a - ru / s
        da, dbeta = self.system.solve(self.d, r, self.residual_equality)
        # Iterative refinement: Σ⁻¹ spans many orders of magnitude near the optimum.
        target = _ACCURACY * np.abs(r).max(initial=0.0)
        for refinement in range(_REFINEMENTS + 1):
            lack = r - (self.products(da) + da / self.d + self.y * dbeta[self.task])
            accurate = np.abs(lack).max(initial=0.0) <= target
            if accurate or refinement == _REFINEMENTS:
                break
            lack_equality = self.residual_equality + self._equality(da)
            correction, correction_beta = self.system.solve(self.d, lack, lack_equality)
            da, dbeta = da + correction, dbeta + correction_beta
        return da, dbeta, (rz - z * da) / a, (ru + u * da) / s, accurate

    def _equality(self, a):
        """``E a``: Σ_{i in t} y_i a_i for the tasks with a free intercept (0 for the others)."""
        return np.where(self.free, np.bincount(self.task, weights=self.y * a, minlength=self.free.size), 0.0)

    def _longest(self, da, dz, du):
        return min(
            _step_to_boundary(self.a, da),
            _step_to_boundary(self.s, -da),
            _step_to_boundary(self.z, dz),
            _step_to_boundary(self.u, du),
        )

    def step(self, gradient):
        """One predictor–corrector step from ``gradient = Q a − l``; its length, or None (and no step) when
        the Newton system cannot be solved accurately any more."""
        a, s, z, u, y, task = self.a, self.s, self.z, self.u, self.y, self.task
        self.residual = gradient + y * self.beta[task] - z + u
        self.residual_equality = self._equality(a)
        m = a.size
        mu = (np.dot(a, z) + np.dot(s, u)) / (2 * m)
        self.d = 1.0 / (z / a + u / s)
        self.system.factor(self.d)
        da, _, dz, du, _ = self._direction(-a * z, -s * u)
        length = self._longest(da, dz, du)
        mu_affine = (np.dot(a + length * da, z + length * dz) + np.dot(s - length * da, u + length * du)) / (2 * m)
        sigma = (mu_affine / mu) ** 3
        da, dbeta, dz, du, accurate = self._direction(sigma * mu - a * z - da * dz, sigma * mu - s * u + da * du)
        if not accurate:
            return None
        length = min(1.0, _TO_BOUNDARY * self._longest(da, dz, du))
        self.a, self.s = a + length * da, s - length * da
        self.beta = self.beta + length * dbeta
        self.z, self.u = z + length * dz, u + length * du
        return length


def hinge_dual_interior(
    design, penalty, alpha, intercepts, *, zero_objective, dual0=None, offset=None, tol, max_iter, verbose=0
):
    """Solve the hinge-loss problem in the dual by an interior-point method (see the module docstring).

    Parameters and returns as :func:`mtlearn.solvers._hinge_dual.hinge_dual`;
    one iteration is one predictor–corrector Newton step.
    """
    y, c = design.y, design.weight
    n_tasks = design.n_tasks
    task = design.task_of_entries()
    free = intercepts.free
    certify = DualCertificate(design, penalty, alpha, intercepts, offset, zero_objective)
    project = _Projection(y, c, task, n_tasks, free)
    # Entries that can move: a positive bound, and in a task with a free intercept both labels present.
    has_both = (np.bincount(task, weights=(y > 0) * (c > 0), minlength=n_tasks) > 0) & (
        np.bincount(task, weights=(y < 0) * (c > 0), minlength=n_tasks) > 0
    )
    active = (c > 0) & (~free[task] | has_both[task])
    idx = np.flatnonzero(active)
    idx = idx[np.argsort(task[idx], kind="stable")]
    ya, ca, ta, la = y[idx], c[idx], task[idx], certify.linear[idx]
    system = _NewtonSystem(_entry_features(design)[idx], ya, ta, free, n_tasks, penalty.kernel, alpha)
    m = idx.size

    def full(v):
        out = np.zeros_like(c)
        out[idx] = v
        return out

    def products(a):
        """``Q a`` on the active entries."""
        G = design.backward(full(a) * y)
        return ya * design.forward(penalty.kernel(G) / alpha, None)[idx]

    a = 0.5 * ca
    best = certify(project(full(a)))
    if dual0 is not None:
        # A warm start is certified as it is, and the path starts halfway between it and the centre of the box.
        start = certify(project(dual0))
        a = 0.5 * (start.dual[idx] + a)
        best = min(start, certify(project(full(a))), key=lambda p: p.certificate)
    state = _CentralPath(a, ca, ya, ta, free, system, products)
    n_iter = 0
    while best.certificate > tol and n_iter < max_iter and m > 0:
        step = state.step(products(state.a) - la)
        if step is None:
            break
        n_iter += 1
        point = certify(project(full(state.a)))
        if verbose:
            print(f"[hinge-dual] iter {n_iter:5d}  primal {point.primal:.10g}  relative gap {point.certificate:.3e}")
        best = min(best, point, key=lambda p: p.certificate)
        if step < _SHORTEST_STEP:
            break
    if best.certificate <= tol or n_iter >= max_iter:
        return best.result(n_iter, tol)
    # The Newton systems lost their accuracy before tol (Σ spans too many orders of magnitude), or the path
    # stalled: projected gradient finishes from the best point.
    finish = hinge_dual(
        design,
        penalty,
        alpha,
        intercepts,
        zero_objective=zero_objective,
        dual0=best.dual,
        offset=offset,
        tol=tol,
        max_iter=max_iter - n_iter,
        verbose=verbose,
    )
    if finish.certificate > best.certificate:
        return best.result(n_iter + finish.n_iter, tol)
    finish.n_iter += n_iter
    return finish
