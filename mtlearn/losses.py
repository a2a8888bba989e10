"""Loss functions ℓ(y, f) of the multi-task objective.

Every model's data term is ``Σ_i c_i · ℓ(y_i, f_i)`` with entry weights
``c_i = ρ_t · s_i / Σ_{j in task t} s_j`` (see :mod:`mtlearn._design`).
Classification losses take labels ``y`` in {-1, +1}.

Each loss gives its value, the derivative in ``f`` and a bound on the second
derivative (the ``curvature``) used as a Lipschitz constant by the solvers.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit


class Loss:
    """Base class: ``value`` is the weighted sum of the per-entry ``pointwise`` losses."""

    def value(self, y, f, weight):
        """Σ_i weight_i ℓ(y_i, f_i)."""
        return np.dot(weight, self.pointwise(y, f))


class SquaredLoss(Loss):
    """ℓ(y, f) = ½ (y − f)²."""

    name = "squared_error"
    curvature = 1.0
    smooth = True

    def pointwise(self, y, f):
        r = f - y
        return 0.5 * r * r

    def derivative(self, y, f, weight):
        return weight * (f - y)


class LogisticLoss(Loss):
    """ℓ(y, f) = log(1 + exp(−y f)), y in {−1, +1}."""

    name = "logistic"
    curvature = 0.25
    smooth = True

    def pointwise(self, y, f):
        return -log_expit(y * f)

    def derivative(self, y, f, weight):
        return -weight * y * expit(-y * f)

    @staticmethod
    def best_constant(positive, negative):
        """argmin_b P log(1 + e^{−b}) + N log(1 + e^{b}) = log(P / N)."""
        return float(np.log(positive / negative))


class SquaredHingeLoss(Loss):
    """ℓ(y, f) = max(0, 1 − y f)², y in {−1, +1} (as in ``LinearSVC``)."""

    name = "squared_hinge"
    curvature = 2.0
    smooth = True

    def pointwise(self, y, f):
        slack = np.maximum(0.0, 1.0 - y * f)
        return slack * slack

    def derivative(self, y, f, weight):
        return -2.0 * weight * y * np.maximum(0.0, 1.0 - y * f)

    @staticmethod
    def best_constant(positive, negative):
        """argmin_b P max(0, 1 − b)² + N max(0, 1 + b)² = (P − N) / (P + N)."""
        return float((positive - negative) / (positive + negative))


class HingeLoss(Loss):
    """ℓ(y, f) = max(0, 1 − y f), y in {−1, +1}; not smooth: solved in the dual."""

    name = "hinge"
    curvature = np.inf
    smooth = False

    def pointwise(self, y, f):
        return np.maximum(0.0, 1.0 - y * f)

    @staticmethod
    def best_constant(positive, negative):
        """argmin_b P max(0, 1 − b) + N max(0, 1 + b): +1, −1, or 0 on a tie."""
        return float(np.sign(positive - negative))


LOSSES = {loss.name: loss for loss in (SquaredLoss, LogisticLoss, SquaredHingeLoss, HingeLoss)}


def get_loss(name):
    """The loss object for a name of :data:`LOSSES`."""
    try:
        return LOSSES[name]()
    except KeyError:
        raise ValueError(f"Unknown loss {name!r}; choose one of {sorted(LOSSES)}.") from None
