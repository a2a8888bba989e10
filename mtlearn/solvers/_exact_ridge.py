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
iterations, and the per-task work is batched over the tasks:

- consecutive tasks with the same number of rows are viewed (no copy) as one
  stack of shape (n_tasks_in_group, n_rows, n_features);
- a task with at least as many rows as features (or sparse rows) gets its
  p × p Gram matrix, and ``M_t⁻¹ A_t`` and ``M_t⁻¹ g_t`` come from one
  batched solve;
- a task with fewer rows than features gets the SVD of its centred rows
  (``M_t⁻¹`` acts as ``1/(a λ + α)`` on the row space and ``1/α`` off it);
- tasks that share their design (2-D ``y``) share one eigendecomposition.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .._design import SharedDesign

# Largest number of entries (tasks × rows × features) of a group of tasks
# processed at once: it bounds the temporaries of the batched products.
_GROUP_ENTRIES = 1 << 22


def _gram(X, sample_weight):
    """Xᵀ diag(s) X for a 2-D (dense or sparse) X, as a dense array."""
    if sp.issparse(X):
        return (sp.csr_matrix(X.multiply(sample_weight[:, None])).T @ X).toarray()
    return (X * sample_weight[:, None]).T @ X


def _centred_spectrum(X, sample_weight, fit_intercept):
    """Eigenvectors Q and eigenvalues λ of X̃ᵀ V X̃, and the weighted mean of X."""
    p = X.shape[1]
    x_mean = np.asarray(X.T @ sample_weight).ravel() if fit_intercept else np.zeros(p)
    if sp.issparse(X) or X.shape[0] >= p:
        gram = _gram(X, sample_weight)
        gram -= np.outer(x_mean, x_mean)
        lam, Q = scipy.linalg.eigh(gram, overwrite_a=True, check_finite=False)
        return Q, np.maximum(lam, 0.0), x_mean
    rows = np.sqrt(sample_weight)[:, None] * (X - x_mean)
    _, s, Vt = scipy.linalg.svd(rows, full_matrices=False, check_finite=False)
    return Vt.T, s * s, x_mean


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
    """``A_t = Q_t diag(λ_t) Q_tᵀ`` from eigenpairs, with ``M_t⁻¹ g_t`` formed.

    ``Q`` has shape (k, p, r), or (1, p, r) when the tasks share it; ``lam`` has
    shape (k, r) (the task weights already folded in).  Off the span of Q,
    ``M_t`` is α I.
    """

    def __init__(self, Q, lam, g, a, alpha):
        self.Q, self.lam = Q, lam
        self.denominators = a * lam + alpha
        coords = self._coords(g)
        self.inverse_g = self._expand(coords / self.denominators)
        if Q.shape[2] < Q.shape[1]:
            self.inverse_g += (g - self._expand(coords)) / alpha

    def _coords(self, V):
        return np.matmul(V[:, None, :], self.Q)[:, 0]

    def _expand(self, C):
        return np.matmul(self.Q, C[:, :, None])[:, :, 0]

    def curvature_apply(self, u):
        weights = self.lam / self.denominators
        return self._expand(weights * np.matmul(u, self.Q))

    def curvature_sum(self):
        weights = self.lam / self.denominators
        if self.Q.shape[0] == 1:
            weights = weights.sum(axis=0, keepdims=True)
        p = self.Q.shape[1]
        scaled = (self.Q * weights[:, None, :]).transpose(1, 0, 2).reshape(p, -1)
        return scaled @ self.Q.transpose(1, 0, 2).reshape(p, -1).T


def _weighted_sums(X, V):
    """``Σ_i V[k, i] X[k, i]`` of shape (k, p): X a (k, n, p) stack, or a 2-D sparse X with k = 1."""
    if sp.issparse(X):
        return np.asarray(X.T @ V[0]).reshape(1, -1)
    return np.matmul(V[:, None, :], X)[:, 0]


def _group(X, S, Y, rho, a, alpha, fit_intercept):
    """Operator and weighted means of x and y for a group of tasks with the same row count.

    X is a (k, n, p) stack of the tasks' rows (or, sparse, one task's 2-D rows),
    S and Y the (k, n) sample weights and targets, rho the (k,) task weights.
    """
    k, n = S.shape
    p = X.shape[-1]
    total = S.sum(axis=1)
    if fit_intercept:
        x_mean = _weighted_sums(X, S) / total[:, None]
        y_mean = np.einsum("kn,kn->k", S, Y) / total
    else:
        x_mean, y_mean = np.zeros((k, p)), np.zeros(k)
    g = rho[:, None] * (_weighted_sums(X, S * Y) - (total * y_mean)[:, None] * x_mean)
    if sp.issparse(X) or n >= p:
        if sp.issparse(X):
            A = _gram(X, S[0])[None]
        elif np.all(S == S[:, :1]):
            A = np.matmul(X.transpose(0, 2, 1), X) * S[:, :1, None]
        else:
            A = np.matmul(X.transpose(0, 2, 1), X * S[:, :, None])
        A -= total[:, None, None] * x_mean[:, :, None] * x_mean[:, None, :]
        A *= rho[:, None, None]
        return _ExplicitInverses(A, g, a, alpha), x_mean, y_mean
    rows = np.sqrt(S)[:, :, None] * (X - x_mean[:, None, :])
    _, singular, Vt = np.linalg.svd(rows, full_matrices=False)
    return _Spectra(Vt.transpose(0, 2, 1), rho[:, None] * singular**2, g, a, alpha), x_mean, y_mean


def _groups(design, a, alpha, fit_intercept):
    """Yield (tasks, operator, x_mean, y_mean) over groups of tasks (see the module docstring)."""
    if isinstance(design, SharedDesign):
        S, rho = design.sample_weight, design.task_weights
        Y = design.y.reshape(-1, design.n_tasks)
        Q, lam, x_mean = _centred_spectrum(design.X, S / S.sum(), fit_intercept)
        y_mean = S @ Y / S.sum() if fit_intercept else np.zeros(design.n_tasks)
        g = rho[:, None] * (np.asarray(design.X.T @ (S[:, None] * Y)).T - S.sum() * np.outer(y_mean, x_mean))
        operator = _Spectra(Q[None], rho[:, None] * lam, g, a, alpha)
        yield slice(None), operator, np.broadcast_to(x_mean, g.shape), y_mean
        return
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
        X_group = X[rows] if sp.issparse(X) else X[rows].reshape(k, n, p)
        yield (
            slice(first, last),
            *_group(
                X_group,
                design.sample_weight[rows].reshape(k, n),
                design.y[rows].reshape(k, n),
                design.task_weights[first:last],
                a,
                alpha,
                fit_intercept,
            ),
        )
        first = last


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
    a, b = kernel_coefficients
    T, p = design.n_tasks, design.n_features
    groups = list(_groups(design, a, alpha, fit_intercept))
    u0 = np.zeros(p)
    if b > 0:
        H = np.eye(p)
        rhs = np.zeros(p)
        for _, operator, _, _ in groups:
            H += b * operator.curvature_sum()
            rhs += np.sqrt(b) * operator.inverse_g.sum(axis=0)
        u0 = scipy.linalg.solve(0.5 * (H + H.T), rhs, assume_a="pos")
    W = np.empty((T, p))
    intercept = np.zeros(T)
    for tasks, operator, x_mean, y_mean in groups:
        W[tasks] = np.sqrt(b) * u0 + a * (operator.inverse_g - np.sqrt(b) * operator.curvature_apply(u0))
        if fit_intercept:
            intercept[tasks] = y_mean - np.einsum("kp,kp->k", x_mean, W[tasks])
    return W, intercept
