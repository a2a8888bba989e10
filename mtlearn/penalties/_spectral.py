r"""Spectral penalty: the trace (nuclear) norm, for tasks sharing a low-dimensional subspace."""

from __future__ import annotations

import numpy as np

from ._base import NormPenalty
from ._svd import map_singular_values, singular_values


def _rank(singular_values, shape):
    """Number of singular values above the round-off level of an SVD of that shape."""
    top = singular_values[0] if singular_values.size else 0.0
    return int(np.sum(singular_values > top * max(shape) * np.finfo(float).eps))


class TracePenalty(NormPenalty):
    r"""Low-rank multi-task learning: Ω(W) = ‖W‖_* = Σ_k σ_k(W).

    The nuclear norm (sum of the singular values) of the (n_tasks, n_features)
    weight matrix favours task weights spanning a few shared directions
    (Pong et al. 2010; Ji & Ye 2009).  Its prox soft-thresholds the singular
    values: ``prox(W, s) = U max(Σ − s, 0) Vᵀ``.

    Notes
    -----
    ``dual_norm(G) = σ_max(G)``, the spectral norm.  ``describe`` gives
    ``{"rank": rank of W, "singular_values": σ(W) in decreasing order}``;
    the shared coefficient is the mean task model.
    """

    low_rank = True
    rotation_invariant = True

    def __init__(self):
        super().__init__()

    def value(self, W):
        return float(np.sum(singular_values(W)))

    def prox(self, W, step):
        return map_singular_values(W, lambda s: np.maximum(s - step, 0.0))

    def dual_norm(self, G):
        return float(singular_values(G)[0]) if G.size else 0.0

    def describe(self, W):
        s = singular_values(W)
        return {"rank": _rank(s, W.shape), "singular_values": s}
