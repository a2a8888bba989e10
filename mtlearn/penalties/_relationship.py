r"""Multi-task relationship learning (Zhang & Yeung, UAI 2010): a learned task covariance.

MTRL minimises, jointly over the weights W (n_tasks × n_features, as
``coef_``) and a task covariance Ω (n_tasks × n_tasks),

.. math::

    \text{data}(W) + α \Big[ \frac{1 - \text{mix}}{2} \|W\|_F^2
    + \frac{\text{mix}}{2} \operatorname{tr}(W^\top Ω^{-1} W) \Big],
    \qquad Ω ⪰ 0,\ \operatorname{tr} Ω = 1,

a jointly convex problem (``tr(Wᵀ Ω⁻¹ W)`` is the matrix-fractional function).
With the singular value decomposition ``W = U diag(σ) Vᵀ``, the minimising
covariance is ``Ω = (W Wᵀ)^{1/2} / tr (W Wᵀ)^{1/2} = U diag(σ) Uᵀ / Σ_k σ_k``
(Cauchy–Schwarz: ``tr(Ω⁻¹ A²) · tr Ω ≥ (tr A)²``, with equality at Ω ∝ A), and
``tr(Wᵀ Ω⁻¹ W) = (Σ_k σ_k)² = ‖W‖_*²``.  So the penalty in W alone is the
spectral function

.. math::

    Ω(W) = f(σ(W)), \qquad f(σ) = \frac{a}{2} \|σ\|_2^2 + \frac{b}{2} \|σ\|_1^2,
    \qquad a = 1 - \text{mix},\ b = \text{mix}.

Its proximal operator and its conjugate act on the singular values (Lewis
1995: f is absolutely symmetric), and both come from one vector problem,

.. math::

    \max_{x ≥ 0}\ ⟨s, x⟩ - \frac{c}{2} \|x\|_2^2 - \frac{d}{2} \Big(\sum_i x_i\Big)^2
    \qquad (s ≥ 0),

whose optimality conditions ``s_i − c x_i − d Σx = 0`` on the support give
``x_i = max(s_i − θ, 0) / c`` with ``θ = d Σx``: for s sorted decreasingly and
a support of the k largest entries, ``θ_k = d Σ_{i≤k} s_i / (c + d k)``, and
the support is the largest k with ``s_k > θ_k`` (the prox of a squared ℓ1
norm, found by sorting).

- prox: ``argmin_x ½‖x − s‖² + t f(x)`` is that problem with ``c = 1 + t a``,
  ``d = t b``;
- conjugate: ``f*(s) = sup_x ⟨s, x⟩ − f(x)`` is it with ``c = a``, ``d = b``;
  f is positively 2-homogeneous, so at the maximiser ``⟨s, x⟩ = 2 f(x)`` and
  ``f*(s) = ½ ⟨s, x⟩ = Σ_{i≤k} s_i (s_i − θ_k) / (2a)``.  For mix = 1
  (a = 0) it is ``f*(s) = max_i s_i² / (2b)``, the conjugate of ½‖·‖₁².
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import Penalty
from ._svd import left_singular, map_singular_values, singular_values


def shrink_by_squared_l1(s, c, d):
    r"""``argmax_{x ≥ 0} ⟨s, x⟩ − c/2 ‖x‖² − d/2 (Σ x)²`` for s ≥ 0 and c > 0 (see the module docstring).

    Parameters
    ----------
    s : ndarray of shape (n,)
        Non-negative values (singular values).
    c : float > 0
        Weight of the squared ℓ2 term.
    d : float >= 0
        Weight of the squared ℓ1 term.

    Returns
    -------
    x : ndarray of shape (n,)
        ``max(s − θ, 0) / c`` with the threshold θ of the module docstring.
    """
    if s.size == 0 or d == 0:
        return s / c
    ordered = np.sort(s)[::-1]
    k = np.arange(1, s.size + 1)
    thresholds = d * np.cumsum(ordered) / (c + d * k)
    above = np.flatnonzero(ordered > thresholds)  # the support: the k largest entries, k = above[-1] + 1
    threshold = thresholds[above[-1]] if above.size else 0.0
    return np.maximum(s - threshold, 0.0) / c


class RelationshipPenalty(Penalty):
    r"""Multi-task relationship learning (MTRL; Zhang & Yeung, UAI 2010): a learned task covariance.

    MTRL minimises ``data(W) + α [(1 − mix)/2 ‖W‖_F² + mix/2 tr(Wᵀ Ω⁻¹ W)]``
    over W (n_tasks × n_features) and a task covariance Ω ⪰ 0 with
    ``tr Ω = 1``.  The optimal covariance is ``Ω = (W Wᵀ)^{1/2} / tr (W Wᵀ)^{1/2}``
    in closed form, so the penalty in W alone is

    .. math::

        Ω(W) = \frac{1 - \text{mix}}{2} \|W\|_F^2 + \frac{\text{mix}}{2} \|W\|_*^2
             = \frac{1 - \text{mix}}{2} \sum_k σ_k^2 + \frac{\text{mix}}{2} \Big(\sum_k σ_k\Big)^2,

    with σ_k the singular values of W.  The covariance lets tasks be
    positively correlated (their weights pull together), negatively
    correlated (pull apart, towards opposite weights) or unrelated; it is
    learnt, not given.  ``mix = 0`` is independent ridge (``"ridge"``);
    ``mix = 1`` the squared trace norm alone.  Unlike ``"trace"`` the penalty
    is not a norm: every α > 0 shrinks W but none makes it zero (no
    ``alpha_max``; the CV estimators' default α grid starts at a data scale,
    as for ``"ridge"``, ``"mean"`` and ``"cluster"``).

    Its proximal operator and conjugate act on the singular values, each in
    closed form by sorting (see :mod:`mtlearn.penalties._relationship`), so it
    is solved by accelerated proximal gradient with the usual duality-gap
    certificate, for every smooth loss.  The hinge loss, solved in the dual
    for quadratic penalties only, is refused (as for ``"trace"``): use
    ``loss="squared_hinge"``.

    The fitted estimator exposes the learned covariance ``task_covariance_``
    (Ω at ``coef_``, intercepts excluded; I/T when ``coef_`` is zero) and
    ``task_similarity_``, its correlation matrix ``Ω_st / √(Ω_ss Ω_tt)``
    (entries in [−1, 1]; 0 for a task whose weights are zero, on the diagonal
    too).  For more
    than two classes each one-vs-rest problem has its own W, hence its own
    covariance: both attributes then have shape (n_classes, n_tasks, n_tasks).

    The shared model (``shared_coef_``, used for unseen tasks with
    ``handle_unknown="shared"``) is the mean of the task weights w̄.  The
    penalty has no common component to offer — it is unchanged by any
    orthogonal mixing of the tasks, ``Ω(QW) = Ω(W)`` — and w̄ is the model
    closest on average to the fitted tasks (it minimises Σ_t ‖w_t − w‖²); when
    tasks are anti-correlated their weights cancel in w̄, which is the right
    hedge for a task of unknown sign.

    Parameters
    ----------
    mix : float in [0, 1], default=0.5
        Weight of the task-covariance term; ``1 − mix`` that of the ridge term.
    """

    rotation_invariant = True

    _parameter_constraints = {"mix": [Interval(numbers.Real, 0, 1, closed="both")]}

    def __init__(self, mix=0.5):
        self.mix = mix
        super().__init__()

    def _weights(self):
        """(a, b) = (1 − mix, mix): the weights of ½‖σ‖² and ½‖σ‖₁²."""
        return 1.0 - float(self.mix), float(self.mix)

    def value(self, W):
        a, b = self._weights()
        sigma = singular_values(W)
        return 0.5 * a * float(np.sum(sigma * sigma)) + 0.5 * b * float(np.sum(sigma)) ** 2

    def prox(self, W, step):
        a, b = self._weights()
        return map_singular_values(W, lambda sigma: shrink_by_squared_l1(sigma, 1.0 + step * a, step * b))

    def dual_term(self, G, alpha):
        r"""``(1, α Ω*(−G/α)) = (1, f*(σ(G)) / α)``, with f* of the module docstring.

        Ω* is finite everywhere (Ω is strongly convex for mix < 1, and
        ``Ω*(V) = ½ σ_max(V)² / mix`` for mix = 1), so the duality gap needs no
        rescaling; f* is positively 2-homogeneous, hence the factor 1/α.
        """
        a, b = self._weights()
        sigma = singular_values(G)
        if sigma.size == 0:
            return 1.0, 0.0
        if a == 0.0:
            return 1.0, float(sigma[0]) ** 2 / (2.0 * b * alpha)
        x = shrink_by_squared_l1(sigma, a, b)
        return 1.0, 0.5 * float(np.dot(sigma, x)) / alpha

    def task_covariance(self, W):
        """The minimising ``Ω = (W Wᵀ)^{1/2} / tr (W Wᵀ)^{1/2}``, shape (n_tasks, n_tasks); I/T when W = 0."""
        U, sigma = left_singular(W)
        total = float(np.sum(sigma))
        if total == 0.0:
            return np.eye(W.shape[0]) / W.shape[0]
        return (U * (sigma / total)) @ U.T

    def fitted_attributes(self, W):
        """``{"task_covariance_": Ω, "task_similarity_": Ω_st / √(Ω_ss Ω_tt)}`` at the weights W.

        Parameters
        ----------
        W : ndarray of shape (n_tasks, n_features)
            The task weights (``coef_`` of one problem, without intercepts).

        Returns
        -------
        attributes : dict
            ``task_covariance_`` and ``task_similarity_``, each of shape
            (n_tasks, n_tasks); a task with zero weights has similarity 0 to
            every task, itself included (W = 0: Ω = I/T, similarity I).
        """
        covariance = self.task_covariance(W)
        scale = np.sqrt(np.maximum(np.diag(covariance), 0.0))
        norm = np.outer(scale, scale)
        similarity = np.divide(covariance, norm, out=np.zeros_like(covariance), where=norm > 0)
        return {"task_covariance_": covariance, "task_similarity_": np.clip(similarity, -1.0, 1.0)}
