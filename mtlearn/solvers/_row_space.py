r"""Fewer rows than features and a penalty blind to rotations of the features: the problem on the rows' span.

A penalty that declares ``rotation_invariant`` depends on W (n_tasks ×
n_features) only through the task Gram matrix ``W Wᵀ`` and does not grow when
W Wᵀ shrinks in the Loewner order: the quadratic penalties
``½ tr(Wᵀ M W) = ½ tr(M W Wᵀ)`` with M ⪰ 0, the trace norm
``Σ_k λ_k(W Wᵀ)^{1/2}``, the clustered and the relationship penalties.  Let
the n rows of X span an r-dimensional subspace (r ≤ n) with an orthonormal
basis R (p × r).  The predictions depend on W only through ``X Wᵀ = X R Rᵀ
Wᵀ``, and ``W R Rᵀ Wᵀ ⪯ W Wᵀ``, so a minimiser lies in ``{W = B Rᵀ}``, where
``Ω(B Rᵀ) = Ω(B)`` (``Rᵀ R = I``): the problem is the same one on the rows'
coordinates ``L = X R`` (n × r),

    minimise over B (n_tasks × r), b:   Σ_i c_i ℓ(y_i, l_iᵀ b_{t_i} + b_{t_i}) + α Ω(B),

with the same optimum, the same objective at corresponding points and the
same F₀ (at W = 0).  The coordinates come from the rows' kernel
``K = X Xᵀ = V diag(λ) Vᵀ`` (n × n): ``L = V diag(λ)^{1/2}``,
``R = Xᵀ V diag(λ)^{-1/2}``, so ``W = B diag(λ)^{-1/2} Vᵀ X`` and a start
``B₀ = W₀ R`` are one product with X each; R itself (p × r, dense) is never
formed.  Eigenvalues at the round-off of K (at most ``n ε λ_max``) are
directions the rows do not span.

With 3 tasks of 20 sparse rows and 20,000 features the trace norm's problem
has 60,000 weights on the data and 180 on the coordinates; every
proximal-gradient step then costs products with a 60 × 60 array and an SVD of
3 × 60 instead of passes over the sparse rows and an SVD of 3 × 20,000.  The
kernel is formed only when it holds no more floats than W
(:func:`row_space_pays_off`), so memory stays O(T · p).  The solution, mapped
back, is certified on the original problem (its duality gap on X).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .._design import SharedDesign, StackedDesign
from ._problem import SolverResult, best_intercepts


def row_space_pays_off(design):
    """Whether the problem on ``design`` is solved on the rows' span (module docstring).

    A stacked or shared design of data rows (not a Gram form's compact ones) with at most half as many
    rows as features, whose n × n kernel holds at most n_tasks × n_features floats (no more than W).
    """
    if not isinstance(design, StackedDesign | SharedDesign) or design.gram_form:
        return False
    n_rows, n_features = design.X.shape
    return 2 * n_rows <= n_features and n_rows * n_rows <= design.n_tasks * n_features


class RowCoordinates:
    """The rows' coordinates in an orthonormal basis of their span (module docstring), from their kernel.

    Parameters
    ----------
    design : StackedDesign or SharedDesign

    Attributes
    ----------
    design : StackedDesign or SharedDesign or None
        The same design on the coordinates L (n × r, dense); None when the rows are all zero (r = 0).
    """

    def __init__(self, design):
        X = design.X
        kernel = X @ X.T
        kernel = kernel.toarray() if sp.issparse(kernel) else np.asarray(kernel)
        lam, V = scipy.linalg.eigh(kernel, overwrite_a=True, check_finite=False, driver="evd")
        top = float(lam[-1]) if lam.size else 0.0
        keep = lam > top * X.shape[0] * np.finfo(float).eps if top > 0 else np.zeros(lam.size, dtype=bool)
        root = np.sqrt(lam[keep])
        self._X, self._V, self._root = X, V[:, keep], root
        self.design = design.with_matrix(self._V * root) if keep.any() else None

    def coordinates_of(self, W):
        """``B = W R``: the weights W (n_tasks × n_features) on the basis, shape (n_tasks, r)."""
        return np.asarray(self._X @ W.T).T @ self._V / self._root

    def weights_of(self, B):
        """``W = B Rᵀ``: the weights on the features of coordinates B (n_tasks × r), shape (n_tasks, n_features)."""
        return np.asarray((B / self._root) @ self._V.T @ self._X)


def solve_on_row_space(problem, coordinates, start, *, solve, certify, tol, max_iter, verbose=0):
    """The :class:`SolverResult` of ``problem`` solved on the rows' coordinates, mapped back and certified on X.

    Parameters
    ----------
    problem : Problem
        With F₀ filled in and a ``rotation_invariant`` penalty without offset centre.
    coordinates : RowCoordinates
        Of ``problem.design``.
    start : SolverResult or None
        A previous solution on the features (its weights are mapped to the coordinates).
    solve : callable
        ``solve(problem, start=, tol=, max_iter=, verbose=)``, the solver of the coordinates' problem.
    certify : callable
        ``certify(problem, W, b, tol=, n_iter=)``: the result at (W, b) with the original problem's certificate.
    tol, max_iter, verbose
        As in :func:`~mtlearn.solvers.solve`.
    """
    design = problem.design
    if coordinates.design is None:  # the rows are zero: the data term ignores W and Ω is least at W = 0
        b = best_intercepts(design, problem.loss, problem.intercepts)
        return certify(problem, np.zeros((design.n_tasks, design.n_features)), b, tol=tol, n_iter=0)
    reduced = replace(problem, design=coordinates.design, gradient_scale=None)
    reduced_start = None
    if start is not None and start.coef.shape == (design.n_tasks, design.n_features) and start.components is None:
        reduced_start = SolverResult(
            coordinates.coordinates_of(start.coef), start.intercept, 0, np.nan, False, np.nan, dual=start.dual
        )
    result = solve(reduced, start=reduced_start, tol=tol, max_iter=max_iter, verbose=verbose)
    certified = certify(problem, coordinates.weights_of(result.coef), result.intercept, tol=tol, n_iter=result.n_iter)
    certified.dual, certified.lipschitz = result.dual, result.lipschitz
    return certified
