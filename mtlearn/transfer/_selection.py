"""Choosing the transfer strength (α, β) by cross-validation on the target data.

Squared loss: exact leave-one-out for every (α, β) candidate at once.  The fit
with centre β·w_src is ridge regression of the residual target
``r(β) = y − β z`` (``z_i = x_iᵀ w_src``), and the ridge hat matrix H_α does not
depend on β, so the leave-one-out residuals are

    e_i(α, β) = [(I − H_α) y − β (I − H_α) z]_i / (1 − h_ii(α)),

where, with normalised sample weights v_i and the weighted-centred rows x̃_i,
``h_ii = v_i (1 + x̃_iᵀ (X̃ᵀ V X̃ + α I)⁻¹ x̃_i)`` (drop the 1 without intercept).
One eigendecomposition of ``X̃ᵀ V X̃`` serves every candidate.  As in
``sklearn.linear_model.RidgeCV``, the penalty is held fixed when a sample is
left out.

α = ∞ ("copy the source") is an exact candidate too: the weights are then
fixed at w = β w_src and only the intercept is fitted, b = Σ_j v_j r_j with
``r = y − β z``.  Leaving row i out only changes the intercept, to
``b_{−i} = Σ_{j≠i} v_j r_j / (1 − v_i) = (b − v_i r_i) / (1 − v_i)``, so

    e_i(∞, β) = r_i − b_{−i} = (r_i − b) / (1 − v_i)

(without an intercept, e_i = r_i: nothing is fitted).  This is the α → ∞
limit of the formula above (H_∞ is the intercept-only hat matrix, with
h_ii = v_i), written out so that no 1/∞ is evaluated.

Classification: k-fold cross-validation of the held-out loss, with a
warm-started path over α (from strong to weak) for each fold and β; these
paths are independent (``TransferClassifier(n_jobs=...)`` runs them in parallel).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..solvers._exact_ridge import _centred_spectrum

DEFAULT_SOURCE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
# Default α grid, relative to the mean variance of the features.
DEFAULT_RELATIVE_ALPHAS = np.logspace(-4, 2, 13)


def check_grid(values, name, *, upper=None, allow_inf=False):
    """A validated 1-D grid of candidates (positive, or in [0, upper]; +∞ too with ``allow_inf``)."""
    grid = np.asarray(values, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D list of candidates, got shape {grid.shape}.")
    if not np.all(np.isfinite(grid) | (allow_inf & (grid == np.inf))):
        raise ValueError(f"{name} must be finite{' or +inf' if allow_inf else ''}, got {grid.tolist()}.")
    if upper is None and np.any(grid <= 0):
        raise ValueError(f"{name} must be positive, got {grid.tolist()}.")
    if upper is not None and (np.any(grid < 0) or np.any(grid > upper)):
        raise ValueError(f"{name} must lie in [0, {upper}], got {grid.tolist()}.")
    return grid


def feature_scale(X, sample_weight, fit_intercept):
    """Mean weighted variance of the columns: trace(X̃ᵀ V X̃) / p (1 for constant features)."""
    v = sample_weight / sample_weight.sum()
    if sp.issparse(X):
        second = np.asarray(X.multiply(X).T @ v).ravel()
    else:
        second = (X * X).T @ v
    mean = np.asarray(X.T @ v).ravel() if fit_intercept else 0.0
    scale = float(np.mean(second - mean * mean))
    return scale if scale > 0 else 1.0


def leave_one_out_errors(X, y, offset, sample_weight, alphas, betas, fit_intercept):
    """Weighted mean squared leave-one-out error of every (α, β) candidate.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    offset : ndarray of shape (n_samples,)
        The source's predictions ``X w_src``.
    sample_weight : ndarray of shape (n_samples,)
    alphas, betas : ndarray
        ``alphas`` may hold ``np.inf``: the copy-the-source candidate
        w = β w_src, only the intercept fitted (see the module docstring).
    fit_intercept : bool

    Returns
    -------
    errors : ndarray of shape (len(alphas), len(betas), n_samples)
        The squared leave-one-out residuals ``e_i(α, β)²``.
    """
    v = sample_weight / sample_weight.sum()
    Q, lam, x_mean = _centred_spectrum(X, v, fit_intercept)
    P = np.asarray(X @ Q) - x_mean @ Q
    P2 = P * P
    thin = Q.shape[1] < Q.shape[0]
    if thin:
        if sp.issparse(X):
            row_norms = np.asarray(X.multiply(X).sum(axis=1)).ravel() - 2 * np.asarray(X @ x_mean).ravel()
        else:
            row_norms = np.sum(X * X, axis=1) - 2 * X @ x_mean
        complement = np.maximum(row_norms + x_mean @ x_mean - P2.sum(axis=1), 0.0)

    def centred(t):
        return t - v @ t if fit_intercept else t

    targets = np.column_stack([centred(y), centred(offset)])
    projected = P.T @ (v[:, None] * targets)
    errors = np.empty((len(alphas), len(betas), len(y)))
    for k, alpha in enumerate(alphas):
        if np.isinf(alpha):
            # w = β w_src: leaving row i out only moves the intercept, e_i = (r_i − b) / (1 − v_i).
            leverage = v * float(fit_intercept)
            loo = (targets[:, :1] - targets[:, 1:] * betas[None, :]) / (1.0 - leverage)[:, None]
            errors[k] = (loo * loo).T
            continue
        shrink = 1.0 / (lam + alpha)
        quadratic = P2 @ shrink + (complement / alpha if thin else 0.0)
        leverage = v * (float(fit_intercept) + quadratic)
        residuals = targets - P @ (shrink[:, None] * projected)
        loo = (residuals[:, :1] - residuals[:, 1:] * betas[None, :]) / (1.0 - leverage)[:, None]
        errors[k] = (loo * loo).T
    return errors


def choose_candidate(errors, sample_weight, betas):
    """The best (α, β) candidate, with a one-standard-error rule in favour of no transfer.

    The candidate with the smallest weighted mean held-out loss wins, except
    that when it transfers (β > 0) and beats the best β = 0 candidate by less
    than one standard error of the paired per-sample loss differences, the
    β = 0 candidate is kept: transfer must earn its place.

    Parameters
    ----------
    errors : ndarray of shape (n_alphas, n_betas, n_samples)
        Held-out loss of every sample under every candidate.
    sample_weight : ndarray of shape (n_samples,)
    betas : ndarray of shape (n_betas,), increasing

    Returns
    -------
    (k, j) : indices of the chosen α and β
    mean_errors : ndarray of shape (n_alphas, n_betas)
    """
    v = sample_weight / sample_weight.sum()
    mean_errors = errors @ v
    k, j = np.unravel_index(np.argmin(mean_errors), mean_errors.shape)
    if betas[0] == 0.0 and j > 0:
        k0 = int(np.argmin(mean_errors[:, 0]))
        difference = errors[k0, 0] - errors[k, j]
        gain = v @ difference
        n = np.count_nonzero(v)
        standard_error = np.sqrt(v @ (difference - gain) ** 2 / max(n - 1, 1))
        if gain <= standard_error:
            k, j = k0, 0
    return (int(k), int(j)), mean_errors
