r"""The empirical kernel feature map: a kernel machine as a linear model on finite features.

For landmarks L = (l_1, …, l_m) with kernel matrix ``K_LL = U Λ Uᵀ``, the map

.. math::

    \varphi(x) = \Lambda^{-1/2} U^\top \big(k(l_1, x), \dots, k(l_m, x)\big)

satisfies ``φ(x)ᵀφ(z) = k_L(x)ᵀ K_LL⁻¹ k_L(z)``: the kernel itself when x or z
is a landmark, and the Nyström approximation of it otherwise.  Any function
``f = Σ_j c_j k(l_j, ·)`` of the span of the landmarks is ``f(x) = wᵀφ(x)``
with ``‖f‖²_H = ‖w‖²`` (φ is an isometry of that span onto R^r), so a
regularised model whose solution lies in that span — every quadratic
multi-task penalty with the training rows as landmarks, by the representer
theorem — is solved *exactly* by the linear model on φ.  With fewer landmarks
(``n_components``) it is the Nyström method (Williams & Seeger, NIPS 2001),
the same construction as :class:`sklearn.kernel_approximation.Nystroem`.

Eigen-directions of ``K_LL`` with eigenvalue at or below the round-off level
``λ_max · m · ε`` are dropped (the training rows have no component along
them), so a rank-r kernel (the linear kernel on p < m features: r ≤ p) gives r
features; negative eigenvalues of an indefinite kernel (``"sigmoid"``) are
dropped too: the model uses the positive semi-definite part of the kernel.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.metrics.pairwise import KERNEL_PARAMS, pairwise_kernels


def kernel_parameters(kernel, gamma, degree, coef0, kernel_params, X, sample_weight):
    """Keyword arguments of :func:`sklearn.metrics.pairwise.pairwise_kernels` for these parameters.

    ``gamma="scale"`` is ``1 / (n_features · X.var())`` and ``"auto"`` is
    ``1 / n_features`` (as in :class:`sklearn.svm.SVC`), the variance of the
    entries of X taken with the rows' sample weights (so that a weight of 2
    is a repeated row); ``None`` leaves the kernel's own default.  A callable kernel receives ``kernel_params`` only
    (as in :class:`sklearn.kernel_ridge.KernelRidge`).
    """
    params = dict(kernel_params or {})
    if callable(kernel):
        return params
    if isinstance(gamma, str):
        if gamma == "auto":
            gamma = 1.0 / X.shape[1]
        else:
            variance = _weighted_variance(X, sample_weight)
            gamma = 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
    given = {"gamma": gamma, "degree": degree, "coef0": coef0}
    for name in KERNEL_PARAMS[kernel]:
        if given[name] is not None:
            params.setdefault(name, given[name])
    return params


def _weighted_variance(X, sample_weight):
    """Variance of all the entries of X, row i counted with weight ``sample_weight[i]``."""
    share = sample_weight / (sample_weight.sum() * X.shape[1])
    squares = X.multiply(X) if sp.issparse(X) else X * X
    mean = float(np.sum(np.asarray(X.T @ share)))
    return float(np.sum(np.asarray(squares.T @ share))) - mean**2


class KernelFeatureMap:
    """φ(x) = Λ^{-1/2} Uᵀ k(L, x) for landmarks L (see the module docstring).

    Parameters
    ----------
    kernel : str or callable
        A kernel of :func:`sklearn.metrics.pairwise.pairwise_kernels`.
    params : dict
        Its keyword arguments (see :func:`kernel_parameters`).

    Attributes
    ----------
    landmarks_ : ndarray or sparse matrix of shape (n_landmarks, n_features)
    projection_ : ndarray of shape (n_landmarks, n_components)
        ``U Λ^{-1/2}`` restricted to the kept eigen-directions.
    """

    def __init__(self, kernel, params):
        self.kernel = kernel
        self.params = params

    def _kernel(self, X, Y):
        return pairwise_kernels(X, Y, metric=self.kernel, filter_params=True, **self.params)

    def fit(self, landmarks):
        gram = self._kernel(landmarks, landmarks)
        lam, U = scipy.linalg.eigh(0.5 * (gram + gram.T), check_finite=False)
        if not np.all(np.isfinite(lam)):
            raise ValueError("The kernel matrix of the training rows contains NaN or infinity.")
        top = max(lam[-1], 0.0)
        keep = lam > top * len(lam) * np.finfo(float).eps
        if not keep.any():
            raise ValueError(
                f"The kernel matrix of the training rows is zero (kernel={self.kernel!r}): "
                "the kernel gives no feature to learn from."
            )
        self.landmarks_ = landmarks
        self.projection_ = U[:, keep] / np.sqrt(lam[keep])
        return self

    def transform(self, X):
        """φ(X), shape (n_samples, n_components)."""
        return self._kernel(X, self.landmarks_) @ self.projection_
