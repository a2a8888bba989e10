r"""Singular value decompositions of task weights through a QR factorisation of their long side.

The spectral penalties (trace norm, clustered, relationship) act on the
singular values of W or of a gradient, shape (n_tasks, n_features), which is
wide on text-like tasks (20 tasks, 50,000 features).  LAPACK's divide-and-conquer
SVD of such a C-ordered array costs about 28 ms at that shape; a Householder QR
of the long side ``Wᵀ = Q R`` (p × T, backward stable, about 6 ms) and the SVD
of its T × T factor ``R = A diag(σ) Bᵀ`` give the same decomposition,

    W = Rᵀ Qᵀ = B diag(σ) (Q A)ᵀ,

so that ``U diag(f(σ)) Vᵀ = (B diag(f(σ)) Aᵀ) Qᵀ`` costs one more T × T × p
product.  Arrays with no more features than tasks, or small ones (below
``_QR_SIZE`` entries, where the QR's call costs exceed the SVD's work: the
coordinates of a few rows, 3 × 60), are decomposed directly.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

# From this many entries the QR route is the faster (`timeit`, one thread: 3 × 60 direct 34 µs, QR 91 µs;
# 3 × 500 48 / 44 µs; 3 × 2,000 135 / 58 µs; 20 × 4,000 4.8 / 1.9 ms).
_QR_SIZE = 2048


def _wide(W):
    return W.shape[1] > W.shape[0] > 0 and W.size >= _QR_SIZE


def singular_values(W):
    """The singular values of W in decreasing order, ``min(W.shape)`` of them."""
    if _wide(W):
        return np.linalg.svd(np.linalg.qr(W.T, mode="r"), compute_uv=False)
    return np.linalg.svd(W, compute_uv=False)


def map_singular_values(W, function):
    """``U diag(function(σ)) Vᵀ`` for the thin SVD ``W = U diag(σ) Vᵀ``.

    Parameters
    ----------
    W : ndarray of shape (n_tasks, n_features)
    function : callable
        Maps the singular values (decreasing, ``min(W.shape)`` of them) to as many new ones.

    Returns
    -------
    ndarray of shape (n_tasks, n_features)
    """
    if not _wide(W):
        U, sigma, Vt = np.linalg.svd(W, full_matrices=False)
        return (U * function(sigma)) @ Vt
    Q, R = scipy.linalg.qr(W.T, mode="economic", check_finite=False)
    A, sigma, Bt = np.linalg.svd(R)
    return ((Bt.T * function(sigma)) @ A.T) @ Q.T


def left_singular(W):
    """``(U, σ)``: all n_tasks left singular vectors of W (columns of U) and σ padded with zeros to n_tasks values.

    The task-side factor of ``W Wᵀ = U diag(σ²) Uᵀ``, without the features' singular vectors.
    """
    n_tasks = W.shape[0]
    if _wide(W):
        _, sigma, Bt = np.linalg.svd(np.linalg.qr(W.T, mode="r"))
        return Bt.T, sigma
    U, sigma, _ = np.linalg.svd(W, full_matrices=True)
    return U, np.concatenate([sigma, np.zeros(n_tasks - sigma.size)])
