r"""Convex clustered multi-task learning (Jacob, Bach & Vert 2008; Zhou, Chen & Ye 2011).

With ``W`` of shape (n_tasks, n_features) and its singular value decomposition
``W = U diag(σ) Vᵀ`` (σ padded with zeros to n_tasks values), the penalty

.. math::

    Ω(W) = \tfrac12 η(1 + η) \min_{M} \operatorname{tr}\big(W^\top (ηI + M)^{-1} W\big),
    \qquad 0 ⪯ M ⪯ I,\ \operatorname{tr} M = k,

is a spectral function: the minimising M shares W's left singular vectors,
``M* = U diag(m) Uᵀ``, and m solves the water-filling problem

.. math::

    \min_m \sum_i \frac{σ_i^2}{η + m_i}, \qquad 0 ≤ m_i ≤ 1,\ \sum_i m_i = k.

Its optimality conditions (a multiplier γ for the sum) give
``m_i = clip(τ σ_i − η, 0, 1)`` with ``τ = 1/√γ`` chosen so that the m_i sum
to k; the sum is piecewise linear and non-decreasing in τ, so τ is found
exactly from its breakpoints ``η/σ_i`` and ``(1 + η)/σ_i``.  When fewer than k
singular values are positive, τ = ∞: those directions get m_i = 1 and the
remaining mass is spread evenly over the others (where σ_i = 0, so the value
does not depend on it).  For σ_i > 0 the term is strictly convex in m_i, so
the m_i that matter are unique; by Danskin's theorem Ω is differentiable,
with gradient ``η(1 + η) (ηI + M*)⁻¹ W``.

The proximal operator is closed-form too.  For a fixed M,
``min_V ½‖V − W‖² + s c tr(Vᵀ(ηI + M)⁻¹V)`` (c = ½η(1 + η)) is attained at
``V = (ηI + M)(ηI + 2scI + M)⁻¹ W`` with value ``s c tr(Wᵀ(η'I + M)⁻¹W)``,
``η' = η + 2sc``.  So the prox is the same water-filling with η' in place
of η, then ``v_i = σ_i (η + m_i)/(η' + m_i)`` on the singular values.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.utils._param_validation import Interval

from ._base import Penalty
from ._spectral import _rank
from ._svd import left_singular, map_singular_values, singular_values


def cluster_weights(sigma, eta, k):
    """The eigenvalues m of the optimal task matrix M* (see the module docstring).

    Parameters
    ----------
    sigma : ndarray of shape (n_tasks,)
        Non-negative singular values of W, padded with zeros to n_tasks values.
    eta : float > 0
    k : float in (0, n_tasks]

    Returns
    -------
    m : ndarray of shape (n_tasks,)
        ``argmin Σ σ_i²/(η + m_i)`` over 0 ≤ m ≤ 1, Σ m = k.
    """
    sigma = np.asarray(sigma, dtype=np.float64)
    positive = sigma > 0
    n_positive = int(positive.sum())
    if n_positive <= k:
        spread = (k - n_positive) / max(sigma.size - n_positive, 1)
        return np.where(positive, 1.0, spread)

    def filled(tau):
        return np.clip(tau * sigma - eta, 0.0, 1.0)

    s = sigma[positive]
    breaks = np.unique(np.concatenate([eta / s, (1.0 + eta) / s]))
    totals = np.array([filled(tau).sum() for tau in breaks])
    # totals rises from 0 to n_positive > k: find the segment where it crosses k.
    j = int(np.searchsorted(totals, k))
    lo, hi = breaks[j - 1], breaks[j]
    total_lo, total_hi = totals[j - 1], totals[j]
    tau = hi if total_hi == total_lo else lo + (k - total_lo) * (hi - lo) / (total_hi - total_lo)
    return filled(tau)


class ClusterPenalty(Penalty):
    r"""Convex clustered multi-task penalty (Jacob, Bach & Vert 2008; Zhou, Chen & Ye 2011).

    .. math::

        Ω(W) = \tfrac12 η(1 + η) \min_{0 ⪯ M ⪯ I,\ \operatorname{tr} M = k}
               \operatorname{tr}\big(W^\top (ηI + M)^{-1} W\big),

    with W of shape (n_tasks, n_features) (M acts on the tasks).  When M is
    restricted to the projection ``P = Σ_c 1_c 1_cᵀ / |c|`` of a partition of
    the tasks into k clusters, ``η(1 + η)(ηI + P)⁻¹ = (I − P) + ηI`` and

    .. math::

        Ω(W) = \tfrac12 \Big[\sum_t \|w_t - \bar w_{c(t)}\|^2 + η \|W\|_F^2\Big],

    the within-cluster spread of the task weights plus a ridge term; the convex
    penalty relaxes the partition to any M in the set above.  It is the
    penalty of MALSAR's ``Least_CMTL``, ``ρ₁ η(1 + η) tr(W (ηI + M)⁻¹ Wᵀ)``
    with ``η = ρ₂/ρ₁`` (W transposed there), which is α Ω with α = 2ρ₁.

    The optimal M and the proximal operator are closed-form (see
    :mod:`mtlearn.penalties._cluster`), so the model is solved by accelerated
    proximal gradient with the usual certificate.  ``describe(W)`` (stored
    as the estimator's ``penalty_info_``) gives the task matrix ``M*`` and
    cluster labels read from it: tasks s and t are compared by the cosine
    similarity ``M*_st / √(M*_ss M*_tt)`` (1 when their rows of W point the
    same way within the k leading task directions), and average-linkage
    hierarchical clustering on ``1 − similarity`` is cut into ``n_clusters``
    groups, numbered in order of first appearance — a deterministic rule.

    Parameters
    ----------
    n_clusters : int >= 1, default=2
        k, the number of task clusters (at most the number of tasks).
    eta : float > 0, default=0.1
        η, the weight of the ridge term relative to the clustering term.
    """

    rotation_invariant = True

    _parameter_constraints = {
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left")],
        "eta": [Interval(numbers.Real, 0, np.inf, closed="neither")],
    }

    def __init__(self, n_clusters=2, eta=0.1):
        self.n_clusters = n_clusters
        self.eta = eta
        super().__init__()

    def check_tasks(self, n_tasks):
        if self.n_clusters > n_tasks:
            raise ValueError(f"n_clusters={self.n_clusters} is larger than the number of tasks ({n_tasks}).")

    def _check(self, n_tasks):
        self.check_tasks(n_tasks)
        return int(self.n_clusters), float(self.eta)

    def _scale(self, eta):
        return 0.5 * eta * (1.0 + eta)

    @staticmethod
    def _padded(sigma, n_tasks):
        return np.concatenate([sigma, np.zeros(n_tasks - sigma.size)])

    def value(self, W):
        k, eta = self._check(W.shape[0])
        sigma = self._padded(singular_values(W), W.shape[0])
        m = cluster_weights(sigma, eta, k)
        return self._scale(eta) * float(np.sum(sigma**2 / (eta + m)))

    def prox(self, W, step):
        k, eta = self._check(W.shape[0])
        shifted = eta + 2.0 * step * self._scale(eta)

        def shrunk(sigma):
            m = cluster_weights(self._padded(sigma, W.shape[0]), shifted, k)[: sigma.size]
            return sigma * (eta + m) / (shifted + m)

        return map_singular_values(W, shrunk)

    def dual_term(self, G, alpha):
        r"""``(1, α Ω*(−G/α))``, with the closed-form conjugate of the penalty.

        Ω is the infimum over M of the quadratics ``c tr(Wᵀ (ηI + M)⁻¹ W)``
        (c = η(1 + η)/2), so its conjugate is the supremum of their conjugates
        ``tr(Vᵀ (ηI + M) V) / (4c)`` over the same set of M, which is attained
        at the projection onto the top k eigenvectors of ``V Vᵀ``:

        .. math::

            Ω^*(V) = \frac{1}{4c} \Big( η \|V\|_F^2 + \sum_{i \le k} σ_i(V)^2 \Big).

        It is finite everywhere, so the duality gap needs no rescaling.
        """
        k, eta = self._check(G.shape[0])
        sigma = singular_values(G)
        top = float(np.sum(sigma[:k] ** 2))
        return 1.0, (eta * float(np.sum(G * G)) + top) / (4.0 * self._scale(eta) * alpha)

    def task_matrix(self, W):
        """The minimising ``M* = U diag(m) Uᵀ``, shape (n_tasks, n_tasks)."""
        k, eta = self._check(W.shape[0])
        U, sigma = left_singular(W)
        # Singular values at round-off are zeros: the null directions share their weight evenly, not by noise.
        sigma[_rank(sigma, W.shape) :] = 0.0
        m = cluster_weights(sigma, eta, k)
        return (U * m) @ U.T

    def cluster_labels(self, W):
        """Task cluster labels from ``M*`` (see the class docstring), shape (n_tasks,)."""
        k, _ = self._check(W.shape[0])
        n_tasks = W.shape[0]
        if n_tasks == 1:
            return np.zeros(1, dtype=np.int64)
        M = self.task_matrix(W)
        diagonal = np.sqrt(np.maximum(np.diag(M), 0.0))
        norm = np.outer(diagonal, diagonal)
        similarity = np.divide(M, norm, out=np.zeros_like(M), where=norm > 0)
        distance = np.clip(1.0 - similarity, 0.0, 2.0)
        np.fill_diagonal(distance, 0.0)
        tree = linkage(squareform(0.5 * (distance + distance.T), checks=False), method="average")
        raw = fcluster(tree, t=k, criterion="maxclust")
        _, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
        return np.argsort(np.argsort(first))[inverse]

    def describe(self, W):
        """``{"task_matrix": M*, "labels": task cluster labels}``."""
        return {"task_matrix": self.task_matrix(W), "labels": self.cluster_labels(W)}

    def shared_coef(self, W):
        """The mean of the task weights, w̄."""
        return W.mean(axis=0)
