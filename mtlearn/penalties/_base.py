r"""The penalty protocol: what every task-coupling penalty Ω(W) declares and provides.

``W`` has shape (n_tasks, n_features): row t is task t's weight vector.  Every
model minimises ``data term + α · Ω(W)``.  A :class:`Penalty` provides

- ``value(W)``: Ω(W);
- ``prox(W, step)``: ``argmin_V ½‖V − W‖_F² + step · Ω(V)``;
- ``dual_term(G, alpha)``: what a duality gap needs of Ω.  For the data
  term's gradient ``G`` in W at the current point (shape (n_tasks,
  n_features)) it returns ``(scale, value)``: a factor ``scale`` in (0, 1]
  such that ``−scale · G / α`` lies in the domain of the conjugate Ω*, and
  ``value = α Ω*(−scale · G / α)``.  A norm has an indicator conjugate
  (scale brings G into the dual-norm ball, value 0, see :class:`NormPenalty`);
  a quadratic ``½ tr(Wᵀ M W)`` has ``Ω*(V) = ½ tr(Vᵀ M⁻¹ V)`` (scale 1);
- ``shared_coef(W)``: the component the tasks share (for tasks unseen in fit);
- ``describe(W)``: what the fitted estimator reports as ``penalty_info_``;
- ``fitted_attributes(W)``: further fitted attributes of the estimator, by
  name (e.g. the learned task covariance); none by default;
- ``check_tasks(n_tasks)``: the checks that need the number of tasks.

and declares, as class attributes, the optional capabilities the solvers
dispatch on (:func:`mtlearn.solvers.solve` checks them once):

- ``quadratic``: Ω(W) = ½ tr(Wᵀ M W) with a task matrix M; then
  ``kernel(G) = M⁻¹ G`` (the hinge-loss dual needs it, with M positive definite);
- ``mean_type``: additionally ``M⁻¹ = a I + b 11ᵀ``, given by
  ``kernel_coefficients(n_tasks)`` (the exact spectral solver of the squared
  loss needs it);
- ``feature_separable``: Ω is a sum over features, with per-feature dual
  norms ``feature_dual_norms(G)`` (working sets over features need it);
- ``has_dual_norm``: a finite α gives W = 0; ``dual_norm(G)`` is that α at
  the gradient G of the data term at W = 0 (``alpha_max``);
- ``rotation_invariant``: Ω depends on W only through the task Gram matrix
  ``W Wᵀ`` and does not grow when it shrinks in the Loewner order (the
  quadratic penalties with M ⪰ 0 and the spectral ones): with fewer rows than
  features the solvers work on the rows' span (``mtlearn.solvers._row_space``);
- ``low_rank``: the solutions are low-rank (the fitted estimator is a
  transformer onto the span of its coefficients);
- ``n_blocks``: when > 1 the solver's variable is the stacked parts
  ``[V_1 | … | V_k]`` of W = Σ_j V_j; ``value``, ``prox`` and ``describe``
  act on it (gradients ``G`` given to ``dual_term`` stay in W);
- ``smooth_split(n_tasks)``: ``(smooth, proximable)`` parts of Ω when its
  prox has no closed form (the smooth part is a :class:`TaskQuadratic`).

Parameters are validated when the penalty is built or its parameters are set
(scikit-learn's parameter constraints), not inside ``prox``.  Penalties are
small estimator-like objects (``get_params``/``set_params``), so a grid search
can tune them as ``penalty__<name>``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .._parameters import ValidatedParameters


class Penalty(ValidatedParameters, ABC):
    """Base class of the task-coupling penalties (see the module docstring)."""

    quadratic = False
    mean_type = False
    feature_separable = False
    has_dual_norm = False
    rotation_invariant = False
    low_rank = False
    n_blocks = 1

    @abstractmethod
    def value(self, W):
        """Ω(W)."""

    @abstractmethod
    def prox(self, W, step):
        """``argmin_V ½‖V − W‖_F² + step · Ω(V)``."""

    @abstractmethod
    def dual_term(self, G, alpha):
        """``(scale, α Ω*(−scale · G / α))`` with ``−scale · G / α`` in the domain of Ω*."""

    def smooth_split(self, n_tasks):
        """``(smooth, proximable)`` parts of Ω: ``(None, self)`` when the prox is closed-form."""
        return None, self

    def shared_coef(self, W):
        """The mean task model ``w̄ = (1/T) Σ_t w_t`` (used for tasks unseen in fit)."""
        return W.mean(axis=0)

    def describe(self, W):
        """What the fitted estimator stores as ``penalty_info_`` (nothing by default)."""
        return {}

    def fitted_attributes(self, W):
        """Fitted attributes the estimator sets from the task weights W, by name (none by default)."""
        return {}

    def check_tasks(self, n_tasks):
        """Check the parameters that depend on the number of tasks (nothing by default)."""

    def offset_centre(self):
        """The centre C of a quadratic penalty ``Ω(W) = Ω₀(W − C)`` (None: C = 0)."""
        return None

    def null_space(self, n_tasks):
        """Basis (n_tasks, k) of the task directions a quadratic penalty leaves unpenalised (None: none)."""
        return None


class NormPenalty(Penalty):
    """A norm Ω: its conjugate is the indicator of the unit ball of the dual norm.

    Subclasses give ``dual_norm(G)``.  ``dual_term`` scales G into the ball
    ``Ω°(scale · G) ≤ α``, where Ω* is zero.
    """

    has_dual_norm = True

    @abstractmethod
    def dual_norm(self, G):
        """The dual norm Ω°(G)."""

    def dual_term(self, G, alpha):
        norm = self.dual_norm(G)
        return (1.0 if norm <= alpha else alpha / norm), 0.0


class FeatureSeparableNorm(NormPenalty):
    """A norm that is a sum over features: its dual norm is the largest per-feature one.

    Subclasses give ``feature_dual_norms(G)``, of shape (n_features,).
    """

    feature_separable = True

    @abstractmethod
    def feature_dual_norms(self, G):
        """Per feature j, the dual norm of the feature's column ``G[:, j]``."""

    def dual_norm(self, G):
        return float(self.feature_dual_norms(G).max(initial=0.0))


class TaskQuadratic:
    """``S(W) = ½ tr(Wᵀ M W)`` as the smooth part of a penalty (see ``Penalty.smooth_split``).

    The gap needs ``S*(scale · ∇S(W))``, which for a quadratic is
    ``scale² · S(W)`` (Fenchel–Young equality at the gradient).

    Parameters
    ----------
    M : ndarray of shape (n_tasks, n_tasks)
        Symmetric positive semi-definite.
    lipschitz : float
        λ_max(M), the Lipschitz constant of the gradient.
    """

    def __init__(self, M, lipschitz):
        self.M = M
        self.lipschitz = lipschitz

    def value(self, W):
        return 0.5 * float(np.sum(W * (self.M @ W)))

    def gradient(self, W):
        return self.M @ W

    def conjugate_at_gradient(self, W, scale):
        """``S*(scale · ∇S(W)) = scale² · S(W)``."""
        return scale * scale * self.value(W)
