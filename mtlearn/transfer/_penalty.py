"""The biased (centred) ridge penalty of transfer learning."""

from __future__ import annotations

import numpy as np


class CentredRidgePenalty:
    r"""Ω(W) = ½‖W − C‖_F²: ridge regularisation towards a fixed centre C.

    Its proximal operator is closed-form,
    ``prox(W, step) = argmin_V ½‖V − W‖² + step · ½‖V − C‖² = (W + step · C) / (1 + step)``.

    Parameters
    ----------
    centre : ndarray of shape (n_tasks, n_features)
    """

    def __init__(self, centre):
        self.centre = centre

    def value(self, W):
        difference = W - self.centre
        return 0.5 * float(np.sum(difference * difference))

    def prox(self, W, step):
        return (W + step * self.centre) / (1.0 + step)

    def shared_coef(self, W):
        """The centre: what the penalty pulls every task towards."""
        return self.centre.mean(axis=0)
