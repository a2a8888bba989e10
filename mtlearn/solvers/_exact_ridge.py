"""Exact solution of the squared loss with a mean-regularised (or ridge) penalty.

With ``M⁻¹ = a I + b 11ᵀ`` (see :class:`mtlearn.penalties.MeanPenalty`), write
``w_t = √b · u_0 + √a · u_t``; the penalty becomes ``(α/2)(‖u_0‖² + Σ_t ‖u_t‖²)``.
After centring each task (its intercept is unpenalised), let
``A_t = ρ_t X̃_tᵀ V_t X̃_t`` and ``g_t = ρ_t X̃_tᵀ V_t ỹ_t`` (V_t: normalised sample
weights) and ``M_t = a A_t + α I``.  Eliminating the u_t gives a p × p system
for the shared part,

    (I + b Σ_t A_t M_t⁻¹) u_0 = √b Σ_t M_t⁻¹ g_t,

then ``u_t = √a M_t⁻¹ (g_t − √b A_t u_0)``.  Every ``M_t⁻¹`` comes from one
eigendecomposition of the task's (weighted, centred) Gram matrix — or an SVD of
its rows when it has fewer rows than features — so the cost is that of
independent ridge fits plus one p × p solve, with no iterations.  Tasks that
share their design (2-D ``y``) share one decomposition.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp


def _centred_spectrum(X, sample_weight, fit_intercept):
    """Eigenvectors Q and eigenvalues λ of X̃ᵀ V X̃, and the weighted mean of X."""
    p = X.shape[1]
    x_mean = np.asarray(X.T @ sample_weight).ravel() if fit_intercept else np.zeros(p)
    if sp.issparse(X) or X.shape[0] >= p:
        if sp.issparse(X):
            gram = (sp.csr_matrix(X.multiply(sample_weight[:, None])).T @ X).toarray()
        else:
            gram = (X * sample_weight[:, None]).T @ X
        gram -= np.outer(x_mean, x_mean)
        lam, Q = scipy.linalg.eigh(gram, overwrite_a=True, check_finite=False)
        return Q, np.maximum(lam, 0.0), x_mean
    rows = np.sqrt(sample_weight)[:, None] * (X - x_mean)
    _, s, Vt = scipy.linalg.svd(rows, full_matrices=False, check_finite=False)
    return Vt.T, s * s, x_mean


def _apply_inverse(Q, denominators, alpha, v):
    """M⁻¹ v with M = Q diag(denominators) Qᵀ + α (I − Q Qᵀ)."""
    coords = Q.T @ v
    out = Q @ (coords / denominators)
    if Q.shape[1] < Q.shape[0]:
        out += (v - Q @ coords) / alpha
    return out


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
    spectra = {}
    per_task = []
    H = np.eye(p)
    rhs = np.zeros(p)
    for block in design.blocks():
        key = (id(block.X), id(block.sample_weight))
        if key not in spectra:
            spectra[key] = _centred_spectrum(block.X, block.sample_weight, fit_intercept)
        Q, lam, x_mean = spectra[key]
        rho = block.task_weight
        y_mean = np.dot(block.sample_weight, block.y) if fit_intercept else 0.0
        g = rho * (np.asarray(block.X.T @ (block.sample_weight * block.y)).ravel() - x_mean * y_mean)
        lam_t = rho * lam
        denominators = a * lam_t + alpha
        if b > 0:
            H += b * (Q * (lam_t / denominators)) @ Q.T
            rhs += np.sqrt(b) * _apply_inverse(Q, denominators, alpha, g)
        per_task.append((Q, lam_t, denominators, g, x_mean, y_mean))
    u0 = scipy.linalg.solve(H, rhs, assume_a="pos") if b > 0 else np.zeros(p)
    shared = np.sqrt(b) * u0
    W = np.empty((T, p))
    intercept = np.zeros(T)
    for t, (Q, lam_t, denominators, g, x_mean, y_mean) in enumerate(per_task):
        A_u0 = Q @ (lam_t * (Q.T @ u0))
        u_t = np.sqrt(a) * _apply_inverse(Q, denominators, alpha, g - np.sqrt(b) * A_u0)
        W[t] = shared + np.sqrt(a) * u_t
        if fit_intercept:
            intercept[t] = y_mean - np.dot(x_mean, W[t])
    return W, intercept
