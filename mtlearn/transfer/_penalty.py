"""The biased (centred) ridge penalty of transfer learning."""

from __future__ import annotations

import numpy as np

from ..penalties import Penalty


class CentredRidgePenalty(Penalty):
    r"""Ω(W) = ½‖W − C‖_F²: ridge regularisation towards a fixed centre C.

    Its proximal operator is closed-form,
    ``prox(W, step) = argmin_V ½‖V − W‖² + step · ½‖V − C‖² = (W + step · C) / (1 + step)``,
    and its conjugate is ``Ω*(V) = ½‖V‖² + ⟨V, C⟩``.  It is the ridge penalty
    (task matrix M = I, ``kernel_coefficients`` (1, 0)) moved to the centre:
    the exact and hinge-dual solvers substitute W = C + V.

    Parameters
    ----------
    centre : ndarray of shape (n_tasks, n_features)
    """

    quadratic = True
    mean_type = True
    _parameter_constraints = {"centre": ["array-like"]}

    def __init__(self, centre):
        self.centre = centre
        super().__init__()

    def value(self, W):
        difference = W - self.centre
        return 0.5 * float(np.sum(difference * difference))

    def prox(self, W, step):
        return (W + step * self.centre) / (1.0 + step)

    def kernel(self, G):
        """``M⁻¹ G = G``."""
        return G

    def kernel_coefficients(self, n_tasks):
        """``M⁻¹ = I``: (a, b) = (1, 0)."""
        return 1.0, 0.0

    def offset_centre(self):
        """The centre C of the substitution W = C + V."""
        return self.centre

    def dual_term(self, G, alpha):
        return 1.0, float(np.sum(G * G)) / (2.0 * alpha) - float(np.sum(G * self.centre))

    def shared_coef(self, W):
        """The centre: what the penalty pulls every task towards."""
        return self.centre.mean(axis=0)
