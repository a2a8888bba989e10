"""Gap-safe screening of features on a regularisation path (feature-separable penalties, smooth losses).

The dual of the composite problem (:mod:`mtlearn.solvers._problem`) is

    D(u) = −Σ_i c_i ℓ*(y_i, u_i / c_i) − α Ω*(−Xᵀu / α),

and a feature j has zero weights at the optimum when its correlations with
the optimal dual point are strictly inside the penalty's ball,
``Ω°_j(G_j(u*)) < α`` with ``G_tj(u) = Σ_{i in t} x_ij u_i`` and ``Ω°_j`` the
per-feature dual norm (``penalty.feature_dual_norms``).  With ℓ' Lipschitz
with constant L (the loss's ``curvature``), each ``c ℓ*(·/c)`` is
``1/(c L)``-strongly convex, so D is strongly concave and, for any feasible
dual point u with duality gap ``gap = F(W, b) − D(u)``,

    Σ_i (u_i − u*_i)² / (c_i L) ≤ 2 gap.

By Cauchy–Schwarz in each task, ``|G_tj(u*) − G_tj(u)| ≤ a_tj √(2 gap)`` with
``a_tj² = L Σ_{i in t} c_i x_ij²``; the per-feature dual norms of mtlearn's
penalties are monotone in the absolute values of their argument (ℓ2, ℓ∞ and
their weighted maxima), hence the gap-safe rule (Ndiaye, Fercoq, Gramfort
and Salmon, JMLR 2017, in this scaling):

    Ω°_j(G_j(u)) + √(2 gap) Ω°_j(a_j) < α   ⇒   W*_j = 0.

On a path the previous solution gives u and the gap at the new α (one pass
over X); the screened features are dropped from the design, the problem is
solved on the others and its result certified on the whole problem (the
screened features' weights are zero; if the whole problem's certificate
exceeds ``tol``, it is solved once more on all features, warm-started).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from .._design import SharedDesign, with_features
from ._composite import full_problem
from ._dual_ridge import task_column_sums
from ._problem import SolverResult, balance_free_intercepts

# Screening pays only with many features (as the working sets, below which problems are solved directly).
MIN_FEATURES = 32
# A feature is screened when its bound is below α by this relative margin (round-off in the bound).
_MARGIN = 1e-9


def screening_applies(problem):
    """Whether the gap-safe rule holds for the problem: smooth loss, feature-separable norm without smooth part.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    bool
    """
    penalty, T = problem.penalty, problem.design.n_tasks
    return (
        bool(problem.loss.smooth)
        and np.isfinite(problem.loss.curvature)
        and bool(penalty.feature_separable)
        and penalty.smooth_split(T)[0] is None
        and penalty.null_space(T) is None
        and problem.design.n_features >= MIN_FEATURES
    )


def column_scales(design, curvature):
    """``a_tj = √(L Σ_{i in t} c_i x_ij²)`` of shape (n_tasks, n_features) (see the module docstring).

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    curvature : float
        L, the Lipschitz constant of ℓ'.

    Returns
    -------
    ndarray of shape (n_tasks, n_features)
    """
    X = design.X
    squared = X.multiply(X).tocsr() if sp.issparse(X) else np.square(X)
    if isinstance(design, SharedDesign):
        sums = np.asarray(squared.T @ design.weight.reshape(-1, design.n_tasks)).T
    else:
        sums = task_column_sums(squared, design.task_index, design.n_tasks, design.weight)
    return np.sqrt(curvature * np.maximum(sums, 0.0))


def _start_parts(problem, start):
    """The previous solution's variables (W, or the stacked parts) and intercepts, if they fit this problem."""
    T, p, k = problem.design.n_tasks, problem.design.n_features, problem.penalty.n_blocks
    if start is None or start.coef.shape != (T, p) or start.intercept.shape != (T,):
        return None
    if k == 1:
        return start.coef, start.intercept
    if start.components is None or start.components.shape != (T, k * p):
        return None
    return start.components, start.intercept


def possibly_active(problem, start, scales):
    """The features the gap-safe rule keeps at the problem's α, from a previous solution.

    Parameters
    ----------
    problem : Problem
        With :func:`screening_applies`.
    start : SolverResult
        A solution at another α (or any point): the dual point is its scaled data gradient.
    scales : ndarray of shape (n_tasks, n_features)
        :func:`column_scales` of the design.

    Returns
    -------
    ndarray of bool of shape (n_features,)
        False where the weights are zero at the optimum.
    """
    design, penalty, alpha = problem.design, problem.penalty, problem.alpha
    V, b = _start_parts(problem, start)
    composite = full_problem(design, problem.loss, penalty, alpha, problem.intercepts)
    x = composite.pack(V, b)
    z = composite.predictions(x)
    _, gap = composite.dual_gap(x, z)
    u = balance_free_intercepts(composite._data_gradient(z)[0], design, problem.intercepts)
    G = design.backward(u)
    scale, _ = penalty.dual_term(G, alpha)
    bound = penalty.feature_dual_norms(scale * G) + np.sqrt(2.0 * gap) * penalty.feature_dual_norms(scales)
    return bound >= (1.0 - _MARGIN) * alpha


class GapSafeScreening:
    """Screened solves of one design along a path (see the module docstring).

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    loss : Loss
    """

    def __init__(self, design, loss):
        self.design, self.loss = design, loss
        self._scales = None

    def solve(self, problem, start, solve, solve_restricted, *, tol, max_iter, verbose=0):
        """The :class:`SolverResult` of ``solve(problem, ...)``, on the features the rule keeps.

        Parameters
        ----------
        problem : Problem
        start : SolverResult or None
            The previous solution on the path (no screening without one).
        solve : callable
            ``solve(problem, start=..., tol=..., max_iter=..., verbose=...)``: the solver of the
            whole problem (when no feature is discarded).
        solve_restricted : callable
            The same, for the problem restricted to the kept features (a solver that does not
            rely on anything computed on the whole design).
        tol, max_iter, verbose
            As for ``solve``.

        Returns
        -------
        SolverResult
            Certified on the whole problem.
        """
        if start is None or not screening_applies(problem) or _start_parts(problem, start) is None:
            return solve(problem, start=start, tol=tol, max_iter=max_iter, verbose=verbose)
        if self._scales is None:
            self._scales = column_scales(self.design, self.loss.curvature)
        keep = np.flatnonzero(possibly_active(problem, start, self._scales))
        p, k = problem.design.n_features, problem.penalty.n_blocks
        if keep.size == p:
            return solve(problem, start=start, tol=tol, max_iter=max_iter, verbose=verbose)
        problem = problem.with_zero_objective()
        whole = full_problem(
            problem.design, problem.loss, problem.penalty, problem.alpha, problem.intercepts, **problem.scales()
        )
        columns = np.concatenate([keep + block * p for block in range(k)])
        V, b = _start_parts(problem, start)
        restricted_start = replace(
            start, coef=start.coef[:, keep], components=V[:, columns] if k > 1 else None, intercept=b
        )
        restricted = replace(
            problem,
            design=with_features(problem.design, keep),
            gradient_scale=whole.gradient_scale() if problem.gradient_scale is None else problem.gradient_scale,
        )
        inner = solve_restricted(restricted, start=restricted_start, tol=tol, max_iter=max_iter, verbose=verbose)
        parts = np.zeros((problem.design.n_tasks, k * p))
        parts[:, columns] = inner.coef if k == 1 else inner.components
        certificate, objective = whole.certify(whole.pack(parts, inner.intercept))
        W = parts.reshape(problem.design.n_tasks, k, p).sum(axis=1)
        result = SolverResult(
            W,
            inner.intercept,
            inner.n_iter,
            float(certificate),
            bool(inner.converged and certificate <= tol),
            float(objective),
            components=parts if k > 1 else None,
            lipschitz=inner.lipschitz,
        )
        if result.converged or not inner.converged:
            return result
        return solve(problem, start=result, tol=tol, max_iter=max_iter, verbose=verbose)
