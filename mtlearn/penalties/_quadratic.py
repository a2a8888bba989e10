"""Quadratic task penalties ``Ω(W) = ½ tr(Wᵀ M W)`` with a task matrix M.

Besides the common penalty interface they give ``kernel(G) = M⁻¹ G``, which
the dual (hinge loss) solver needs.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator


class MeanPenalty(BaseEstimator):
    r"""Mean-regularised multi-task penalty (Evgeniou & Pontil, KDD 2004).

    Each task's weights are a shared part plus a task-specific deviation,
    ``w_t = w_0 + v_t``, and

    .. math::

        Ω(W) = \min_{w_0} \tfrac12 \Big[ \frac{1}{1 - \text{mix}} \sum_t \|w_t - w_0\|^2
               + \frac{T}{\text{mix}} \|w_0\|^2 \Big]
             = \tfrac12 \Big[ \frac{1}{1 - \text{mix}} \sum_t \|w_t - \bar w\|^2 + T \|\bar w\|^2 \Big],

    where ``T`` is the number of tasks, ``w̄`` the mean of the ``w_t`` and the
    minimising shared part is ``w_0 = mix · w̄``.  The task matrix is
    ``M = (I − J)/(1 − mix) + J`` with ``J = 11ᵀ/T``, and ``M⁻¹ = (1 − mix) I + mix J``.

    - ``mix = 0``: Ω = ½‖W‖_F², independent ridge on every task;
    - ``mix → 1``: deviations are forced to zero, all tasks share one model
      (pooled ridge with penalty ½ T‖w‖²);
    - in between, the deviations cost ``1/(1 − mix)`` times more than the mean.

    Parameters
    ----------
    mix : float in [0, 1], default=0.5
        How strongly the tasks are tied to their mean.
    """

    def __init__(self, mix=0.5):
        self.mix = mix

    def _check(self):
        mix = self.mix
        if not isinstance(mix, numbers.Real) or isinstance(mix, bool) or not 0.0 <= mix <= 1.0:
            raise ValueError(f"mix must be a real number in [0, 1], got {mix!r}.")
        return float(mix)

    def value(self, W):
        mix = self._check()
        mean = W.mean(axis=0)
        deviation = np.sum((W - mean) ** 2)
        shared = W.shape[0] * np.dot(mean, mean)
        if mix == 1.0:
            scale = max(np.sum(W * W), np.finfo(float).tiny)
            return 0.5 * shared if deviation <= 1e-20 * scale else np.inf
        return 0.5 * (deviation / (1.0 - mix) + shared)

    def prox(self, W, step):
        mix = self._check()
        mean = W.mean(axis=0)
        deviation_scale = 0.0 if mix == 1.0 else 1.0 / (1.0 + step / (1.0 - mix))
        return mean / (1.0 + step) + deviation_scale * (W - mean)

    def kernel(self, G):
        """``M⁻¹ G = (1 − mix)(G − Ḡ) + Ḡ`` for G of shape (n_tasks, n_features)."""
        mix = self._check()
        mean = G.mean(axis=0)
        return (1.0 - mix) * (G - mean) + mean

    def kernel_coefficients(self, n_tasks):
        """(a, b) with ``M⁻¹ = a I + b 11ᵀ``: ``a = 1 − mix``, ``b = mix / T``."""
        mix = self._check()
        return 1.0 - mix, mix / n_tasks

    def shared_coef(self, W):
        """The shared part ``w_0 = mix · w̄`` of the decomposition."""
        return self._check() * W.mean(axis=0)


class RidgePenalty(MeanPenalty):
    r"""Ω(W) = ½‖W‖_F²: independent ridge regularisation of every task.

    The tasks share nothing: the shared coefficient is zero.  It is
    :class:`MeanPenalty` with ``mix = 0``.
    """

    def __init__(self):
        super().__init__(mix=0.0)
