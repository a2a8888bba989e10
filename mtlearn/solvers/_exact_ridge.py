"""Exact solution of the squared loss with a mean-regularised (or ridge) penalty.

With ``M⁻¹ = a I + b 11ᵀ`` (see :class:`mtlearn.penalties.MeanPenalty`), write
``w_t = √b · u_0 + √a · u_t``; the penalty becomes ``(α/2)(‖u_0‖² + Σ_t ‖u_t‖²)``.
After centring each task (its intercept is unpenalised), let
``A_t = ρ_t X̃_tᵀ V_t X̃_t`` and ``g_t = ρ_t X̃_tᵀ V_t ỹ_t`` (V_t: normalised sample
weights) and ``M_t = a A_t + α I``.  Eliminating the u_t gives a p × p system
for the shared part,

    (I + b Σ_t A_t M_t⁻¹) u_0 = √b Σ_t M_t⁻¹ g_t,

then ``u_t = √a M_t⁻¹ (g_t − √b A_t u_0)``, so
``w_t = √b u_0 + a M_t⁻¹ (g_t − √b A_t u_0)``.

The cost is that of independent ridge fits plus one p × p solve, with no
iterations.  Two routes share this algebra (:func:`_assemble`).

One fit, :func:`solve_mean_regularised_squared`, batches the per-task work:

- consecutive tasks with the same number of rows are viewed (no copy) as one
  stack of shape (n_tasks_in_group, n_rows, n_features);
- a task with at least as many rows as features (or sparse rows) gets its
  p × p Gram matrix, and ``M_t⁻¹ A_t`` and ``M_t⁻¹ g_t`` come from one
  batched solve (cheaper than an eigendecomposition);
- a task with fewer rows than features gets the SVD of its centred rows
  (``M_t⁻¹`` acts as ``1/(a λ + α)`` on the row space and ``1/α`` off it);
- tasks that share their design (2-D ``y``) share one eigendecomposition.

Many fits on one design (a regularisation path, the (mix, α) grid of a
cross-validation fold), :class:`MeanRegularisedPath`: with
``A_t = Q_t diag(λ_t) Q_tᵀ``, ``M_t`` has eigenvalues ``a λ_t + α`` on the
same eigenvectors, so the spectra do not depend on α nor on (a, b).  They are
computed once — one batched eigendecomposition of the Gram matrices of all
tasks with at least as many rows as features, whatever their row counts; the
SVD of the centred rows of the others (sparse rows densified), per group of
equal row counts; one eigendecomposition for a shared design — and each
``solve(alpha, (a, b))`` costs O(T p²) products and one p × p solve.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .._design import SharedDesign
from ._problem import weighted_gram

# Largest number of entries (tasks × rows × features) of a group of tasks
# processed at once: it bounds the temporaries of the batched products.
_GROUP_ENTRIES = 1 << 22


def _squared_singular_values(singular, rows_shape):
    """``s²``, with the singular values at round-off level (``numpy.linalg.matrix_rank``'s cut-off) set to 0.

    Centring n < p rows leaves a singular value of order ε·s_max that is 0
    in exact arithmetic: kept, the coordinate of g on it (round-off too) would
    be divided by α, far from the minimum-norm limit as α → 0.
    """
    cutoff = singular.max(axis=-1, keepdims=True) * max(rows_shape[-2:]) * np.finfo(np.float64).eps
    return np.where(singular > cutoff, singular**2, 0.0)


def _centred_spectrum(X, sample_weight, fit_intercept):
    """Eigenvectors Q and eigenvalues λ of X̃ᵀ V X̃, and the weighted mean of X."""
    p = X.shape[1]
    x_mean = np.asarray(X.T @ sample_weight).ravel() if fit_intercept else np.zeros(p)
    if sp.issparse(X) or X.shape[0] >= p:
        gram = weighted_gram(X, sample_weight)
        gram -= np.outer(x_mean, x_mean)
        lam, Q = scipy.linalg.eigh(gram, overwrite_a=True, check_finite=False)
        return Q, np.maximum(lam, 0.0), x_mean
    rows = np.sqrt(sample_weight)[:, None] * (X - x_mean)
    _, s, Vt = scipy.linalg.svd(rows, full_matrices=False, check_finite=False)
    return Vt.T, _squared_singular_values(s, rows.shape), x_mean


class _ExplicitInverses:
    """A stack of Gram matrices ``A`` of shape (k, p, p), with ``M_t⁻¹ A_t`` and ``M_t⁻¹ g_t`` formed.

    One batched solve gives both (``M_t⁻¹ A_t = A_t M_t⁻¹``: the two commute).
    """

    def __init__(self, A, g, a, alpha):
        p = A.shape[1]
        M = a * A
        M[:, np.arange(p), np.arange(p)] += alpha
        solved = np.linalg.solve(M, np.concatenate([A, g[:, :, None]], axis=2))
        self.curvature, self.inverse_g = solved[:, :, :p], solved[:, :, p]

    def curvature_apply(self, u):
        """``A_t M_t⁻¹ u`` for every task, shape (k, p)."""
        return np.matmul(self.curvature, u)

    def curvature_sum(self):
        """``Σ_t A_t M_t⁻¹``."""
        return self.curvature.sum(axis=0)


class _Spectra:
    """``A_t = Q_t diag(λ_t) Q_tᵀ`` and ``g_t`` in that basis, for a stack of tasks.

    Nothing here depends on α or on the kernel coefficients (a, b):
    :meth:`at` gives the operator of ``M_t = a A_t + α I``.  ``Q`` has shape
    (k, p, r), or (1, p, r) when the tasks share it; ``lam`` has shape (k, r)
    (the task weights already folded in) and ``g`` shape (k, p).  Off the span
    of Q (r < p), ``A_t`` is 0.
    """

    def __init__(self, Q, lam, g):
        self.Q, self.lam = Q, lam
        p = Q.shape[1]
        # g_t = ρ_t X̃_tᵀ V_t ỹ_t lies in the range of A_t: its coordinates on the
        # eigenvalues 0 (and off the span of Q) are round-off, which 1/α would amplify.
        self.coords = np.where(lam > 0, np.matmul(g[:, None, :], Q)[:, 0], 0.0)
        # The Q_t side by side, shape (p, k r): Σ_t Q_t D_t Q_tᵀ is one product.
        self.columns = Q.transpose(1, 0, 2).reshape(p, -1)

    def expand(self, C):
        """``Q_t c_t`` for coordinates C of shape (k, r): shape (k, p)."""
        return np.matmul(self.Q, C[:, :, None])[:, :, 0]

    def at(self, a, alpha):
        """The operator of ``M_t = a A_t + α I`` (``M_t⁻¹ g_t``, ``A_t M_t⁻¹ u``, ``Σ_t A_t M_t⁻¹``)."""
        return _SpectralOperator(self, a, alpha)


class _SpectralOperator:
    """What :func:`_assemble` needs of ``M_t = a A_t + α I``, from the eigenpairs of :class:`_Spectra`."""

    def __init__(self, spectra, a, alpha):
        self.spectra = spectra
        denominators = a * spectra.lam + alpha
        self.weights = spectra.lam / denominators
        self.inverse_g = spectra.expand(spectra.coords / denominators)

    def curvature_apply(self, u):
        """``A_t M_t⁻¹ u`` for every task, shape (k, p)."""
        return self.spectra.expand(self.weights * np.matmul(u, self.spectra.Q))

    def curvature_sum(self):
        """``Σ_t A_t M_t⁻¹``."""
        weights = self.weights
        if self.spectra.Q.shape[0] == 1:
            weights = weights.sum(axis=0, keepdims=True)
        columns = self.spectra.columns
        return (columns * weights.ravel()) @ columns.T


def _weighted_sums(X, V):
    """``Σ_i V[k, i] X[k, i]`` of shape (k, p): X a (k, n, p) stack, or a 2-D sparse X with k = 1."""
    if sp.issparse(X):
        return np.asarray(X.T @ V[0]).reshape(1, -1)
    return np.matmul(V[:, None, :], X)[:, 0]


def _task_groups(design):
    """Yield (tasks, X, S, Y, rho) over groups of consecutive tasks with the same row count.

    For a StackedDesign: ``tasks`` is the slice of the group's tasks, X the
    (k, n, p) stack of their rows (a view; for sparse X, one task's 2-D rows),
    S and Y the (k, n) sample weights and targets, rho the (k,) task weights.
    """
    X, starts, n_tasks, p = design.X, design.starts, design.n_tasks, design.n_features
    counts = np.diff(starts)
    first = 0
    while first < n_tasks:
        n = int(counts[first])
        limit = first + 1 if sp.issparse(X) else first + max(1, _GROUP_ENTRIES // (n * p))
        last = first + 1
        while last < min(limit, n_tasks) and counts[last] == n:
            last += 1
        rows = slice(starts[first], starts[last])
        k = last - first
        yield (
            slice(first, last),
            X[rows] if sp.issparse(X) else X[rows].reshape(k, n, p),
            design.sample_weight[rows].reshape(k, n),
            design.y[rows].reshape(k, n),
            design.task_weights[first:last],
        )
        first = last


def _moments(X, S, Y, rho, fit_intercept):
    """Weighted means of x (k, p) and y (k,), ``g = ρ X̃ᵀ V ỹ`` (k, p) and the weight totals (k,) of a group."""
    k, _ = S.shape
    total = S.sum(axis=1)
    if fit_intercept:
        x_mean = _weighted_sums(X, S) / total[:, None]
        y_mean = np.einsum("kn,kn->k", S, Y) / total
    else:
        x_mean, y_mean = np.zeros((k, X.shape[-1])), np.zeros(k)
    g = rho[:, None] * (_weighted_sums(X, S * Y) - (total * y_mean)[:, None] * x_mean)
    return x_mean, y_mean, g, total


def _gets_gram_matrix(X):
    """Whether a group's tasks get their p × p Gram matrix (sparse, or at least as many rows as features)."""
    return sp.issparse(X) or X.shape[-2] >= X.shape[-1]


def _centred_gram(X, S, rho, x_mean, total):
    """``A_t = ρ_t X̃_tᵀ V_t X̃_t`` of a group, shape (k, p, p)."""
    if sp.issparse(X):
        A = weighted_gram(X, S[0])[None]
    elif np.all(S == S[:, :1]):
        A = np.matmul(X.transpose(0, 2, 1), X) * S[:, :1, None]
    else:
        A = np.matmul(X.transpose(0, 2, 1), X * S[:, :, None])
    A -= total[:, None, None] * x_mean[:, :, None] * x_mean[:, None, :]
    A *= rho[:, None, None]
    return A


def _row_spectra(X, S, rho, x_mean, g):
    """:class:`_Spectra` of a dense group with fewer rows than features, from the SVD of its centred rows."""
    rows = np.sqrt(S)[:, :, None] * (X - x_mean[:, None, :])
    _, singular, Vt = np.linalg.svd(rows, full_matrices=False)
    return _Spectra(Vt.transpose(0, 2, 1), rho[:, None] * _squared_singular_values(singular, rows.shape), g)


def _batched_eigh(A):
    """Eigenvalues (k, p) and eigenvectors (k, p, p) of a stack of symmetric matrices (overwritten).

    A loop of ``scipy.linalg.eigh`` rather than the batched ``numpy.linalg.eigh``:
    on a shared 2-core machine the latter (numpy 2.4's OpenBLAS 0.3.31, two
    threads) took 50–300 ms instead of 1.5 ms for 20 matrices of 30 × 30 when
    called between stretches of Python work, as in a cross-validation fold;
    and scipy 1.10, the oldest supported, has no batched eigh.
    """
    lam = np.empty(A.shape[:2])
    for t, matrix in enumerate(A):
        lam[t], A[t] = scipy.linalg.eigh(matrix, overwrite_a=True, check_finite=False, driver="evd")
    return lam, A


def _assemble(parts, x_mean, y_mean, kernel_coefficients, fit_intercept):
    """W and the intercepts from the operators of all the tasks (see the module docstring).

    ``parts`` lists (tasks, operator) pairs whose ``tasks`` (slices or index
    arrays) cover every task once; x_mean (n_tasks, p) and y_mean (n_tasks,)
    are the tasks' weighted means.
    """
    a, b = kernel_coefficients
    n_tasks, p = x_mean.shape
    u0 = np.zeros(p)
    if b > 0:
        H = np.eye(p)
        rhs = np.zeros(p)
        for _, operator in parts:
            H += b * operator.curvature_sum()
            rhs += np.sqrt(b) * operator.inverse_g.sum(axis=0)
        u0 = scipy.linalg.solve(0.5 * (H + H.T), rhs, assume_a="pos")
    W = np.empty((n_tasks, p))
    for tasks, operator in parts:
        W[tasks] = np.sqrt(b) * u0 + a * (operator.inverse_g - np.sqrt(b) * operator.curvature_apply(u0))
    intercept = y_mean - np.einsum("tp,tp->t", x_mean, W) if fit_intercept else np.zeros(n_tasks)
    return W, intercept


class MeanRegularisedPath:
    """The α- and (a, b)-independent spectra of a design, for many exact solves on it.

    ``MeanRegularisedPath(design, fit_intercept).solve(alpha, kernel_coefficients)``
    equals ``solve_mean_regularised_squared(design, alpha, kernel_coefficients,
    fit_intercept)`` (to round-off); building the object costs one
    eigendecomposition (or SVD) per task, each solve O(T p²) and one p × p
    solve (see the module docstring).  For a single fit,
    :func:`solve_mean_regularised_squared` is faster.

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    fit_intercept : bool
    """

    def __init__(self, design, fit_intercept):
        self.fit_intercept = fit_intercept
        T, p = design.n_tasks, design.n_features
        if isinstance(design, SharedDesign):
            S, rho = design.sample_weight, design.task_weights
            Y = design.y.reshape(-1, T)
            Q, lam, x_mean = _centred_spectrum(design.X, S / S.sum(), fit_intercept)
            self.y_mean = S @ Y / S.sum() if fit_intercept else np.zeros(T)
            g = rho[:, None] * (np.asarray(design.X.T @ (S[:, None] * Y)).T - S.sum() * np.outer(self.y_mean, x_mean))
            self.x_mean = np.broadcast_to(x_mean, (T, p))
            self._parts = [(slice(None), _Spectra(Q[None], rho[:, None] * lam, g))]
            return
        self.x_mean, self.y_mean = np.zeros((T, p)), np.zeros(T)
        self._parts = []
        gram_tasks, grams, gram_g = [], [], []
        for tasks, X, S, Y, rho in _task_groups(design):
            if sp.issparse(X) and X.shape[0] < p:
                X = X.toarray()[None]  # the SVD of n × p rows, not a dense p × p Gram matrix
            self.x_mean[tasks], self.y_mean[tasks], g, total = _moments(X, S, Y, rho, fit_intercept)
            if _gets_gram_matrix(X):
                gram_tasks.append(np.arange(tasks.start, tasks.stop))
                grams.append(_centred_gram(X, S, rho, self.x_mean[tasks], total))
                gram_g.append(g)
            else:
                self._parts.append((tasks, _row_spectra(X, S, rho, self.x_mean[tasks], g)))
        if grams:
            lam, Q = _batched_eigh(np.concatenate(grams))
            spectra = _Spectra(Q, np.maximum(lam, 0.0), np.concatenate(gram_g))
            self._parts.append((np.concatenate(gram_tasks), spectra))

    def solve(self, alpha, kernel_coefficients):
        """(W, intercept) for α > 0 and ``M⁻¹ = a I + b 11ᵀ``, as :func:`solve_mean_regularised_squared`."""
        a, _ = kernel_coefficients
        parts = [(tasks, spectra.at(a, alpha)) for tasks, spectra in self._parts]
        return _assemble(parts, self.x_mean, self.y_mean, kernel_coefficients, self.fit_intercept)


def solve_mean_regularised_squared(design, alpha, kernel_coefficients, fit_intercept):
    """Exact minimiser of the squared loss plus α Ω(W) for a mean-type penalty.

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    alpha : float > 0
    kernel_coefficients : (a, b)
        ``M⁻¹ = a I + b 11ᵀ``.
    fit_intercept : bool

    Returns
    -------
    W : ndarray of shape (n_tasks, n_features)
    intercept : ndarray of shape (n_tasks,)
    """
    if isinstance(design, SharedDesign):
        # One eigendecomposition for all the tasks: the path object is the single fit.
        return MeanRegularisedPath(design, fit_intercept).solve(alpha, kernel_coefficients)
    a, _ = kernel_coefficients
    x_mean, y_mean = np.zeros((design.n_tasks, design.n_features)), np.zeros(design.n_tasks)
    parts = []
    for tasks, X, S, Y, rho in _task_groups(design):
        x_mean[tasks], y_mean[tasks], g, total = _moments(X, S, Y, rho, fit_intercept)
        if _gets_gram_matrix(X):
            operator = _ExplicitInverses(_centred_gram(X, S, rho, x_mean[tasks], total), g, a, alpha)
        else:
            operator = _row_spectra(X, S, rho, x_mean[tasks], g).at(a, alpha)
        parts.append((tasks, operator))
    return _assemble(parts, x_mean, y_mean, kernel_coefficients, fit_intercept)
