r"""Loss functions ℓ(y, f) of the multi-task objective, behind one declared protocol.

Every model's data term is ``D(f) = Σ_i c_i · ℓ(y_i, f_i)`` with entry weights
``c_i = ρ_t · s_i / Σ_{j in task t} s_j`` (see :mod:`mtlearn._design`).
Classification losses take labels ``y`` in {-1, +1}.

A loss is a :class:`Loss`: it gives

- ``pointwise(y, f)``: ℓ(y_i, f_i) entry by entry, and ``value(y, f, c)``,
  their weighted sum;
- ``derivative(y, f, c)``: ``c_i ∂ℓ/∂f (y_i, f_i)``, the gradient of D;
- ``curvature``: a bound on ∂²ℓ/∂f², the Lipschitz constant of ℓ' (∞ for a
  loss that is not smooth, with ``smooth = False``);
- ``conjugate(y, v)``: the convex conjugate in f,
  ``ℓ*(y, v) = sup_f v f − ℓ(y, f)`` (+∞ outside its domain).  Its domain
  is an interval that contains 0 (every loss here is bounded below), which
  the duality gaps of :mod:`mtlearn.solvers` rely on;
- ``best_intercepts(y, c, task_index, n_tasks)``: per task, the constant
  ``argmin_b Σ_{i in t} c_i ℓ(y_i, b)`` — the intercept-only model;
- ``second_derivative(y, f, c)``: ``c_i ∂²ℓ/∂f² (y_i, f_i)`` (a generalised
  second derivative where ℓ' has a kink), for the losses that declare
  ``second_order`` (proximal Newton needs it).

Declared attributes: ``name``, ``smooth``, ``curvature``,
``for_classification``, ``full_dual_domain`` (ℓ* finite everywhere, so
any dual point is feasible for the loss), ``least_squares`` (ℓ is ½(y − f)²:
exact linear algebra and the Gram form apply), ``piecewise_linear`` (the
hinge: solved in the dual) and ``second_order`` (``second_derivative`` is
given).  Parameters (such as the Huber threshold
``epsilon``) are validated when the loss is built, with scikit-learn's
parameter constraints.  :data:`LOSSES` is the registry the estimators'
``loss=`` names come from; ``loss=`` also takes an instance.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod

import numpy as np
from scipy.special import expit, log_expit, xlogy
from sklearn.utils._param_validation import Interval

from ._parameters import ValidatedParameters

# Bisection steps for an intercept without closed form: halves a bracket of width 2·range(y) to round-off.
_BISECTION_STEPS = 200


class Loss(ValidatedParameters, ABC):
    """A loss ℓ(y, f): value, derivative, curvature bound, conjugate and intercept-only optimum."""

    name: str = ""
    smooth: bool = True
    curvature: float = np.inf
    for_classification: bool = False
    full_dual_domain: bool = False
    least_squares: bool = False
    piecewise_linear: bool = False
    second_order: bool = False

    @abstractmethod
    def pointwise(self, y, f):
        """ℓ(y_i, f_i) for every entry."""

    @abstractmethod
    def derivative(self, y, f, weight):
        """``weight_i · ∂ℓ/∂f (y_i, f_i)`` for every entry (a subgradient where ℓ has a kink)."""

    @abstractmethod
    def conjugate(self, y, v):
        """``ℓ*(y_i, v_i) = sup_f v_i f − ℓ(y_i, f)`` for every entry (+∞ outside the domain)."""

    @abstractmethod
    def best_intercepts(self, y, weight, task_index, n_tasks):
        """Per task t, ``argmin_b Σ_{i in t} weight_i ℓ(y_i, b)``, shape (n_tasks,)."""

    def value(self, y, f, weight):
        """``Σ_i weight_i ℓ(y_i, f_i)``."""
        return float(np.dot(weight, self.pointwise(y, f)))

    def second_derivative(self, y, f, weight):
        """``weight_i · ∂²ℓ/∂f² (y_i, f_i)`` for every entry (losses that declare ``second_order``)."""
        raise NotImplementedError(f"The {self.name!r} loss does not declare second_order.")


def _task_sums(values, task_index, n_tasks):
    return np.bincount(task_index, weights=values, minlength=n_tasks)


class SquaredLoss(Loss):
    r"""ℓ(y, f) = ½ (y − f)².

    Conjugate ``ℓ*(y, v) = v y + ½ v²``; the best intercept of a task is the
    weighted mean of its targets.
    """

    name = "squared_error"
    curvature = 1.0
    full_dual_domain = True
    least_squares = True
    second_order = True

    def __init__(self):
        super().__init__()

    def pointwise(self, y, f):
        r = f - y
        return 0.5 * r * r

    def derivative(self, y, f, weight):
        return weight * (f - y)

    def second_derivative(self, y, f, weight):
        return np.broadcast_to(weight, np.shape(f)).astype(float)

    def conjugate(self, y, v):
        return v * y + 0.5 * v * v

    def best_intercepts(self, y, weight, task_index, n_tasks):
        return _task_sums(weight * y, task_index, n_tasks) / _task_sums(weight, task_index, n_tasks)


class HuberLoss(Loss):
    r"""ℓ(y, f) = H_ε(y − f): squared near the target, linear beyond the threshold ε.

    .. math::

        H_ε(r) = \begin{cases} \tfrac12 r^2 & |r| \le ε \\ ε |r| - \tfrac12 ε^2 & |r| > ε \end{cases}

    The threshold is in the units of y: the scale is fixed, not estimated
    (unlike :class:`sklearn.linear_model.HuberRegressor`, which estimates a
    scale σ jointly and thresholds ``|r| / σ``).  A residual beyond ε pulls
    with a constant force ε, so gross outliers move the fit a bounded amount.

    Conjugate ``ℓ*(y, v) = v y + ½ v²`` for ``|v| ≤ ε`` (+∞ beyond); the best
    intercept of a task is found by bisection on the (monotone) derivative.

    Parameters
    ----------
    epsilon : float > 0, default=1.35
        The threshold ε, named as in scikit-learn's ``HuberRegressor`` and
        ``SGDRegressor(loss="huber")``.
    """

    name = "huber"
    curvature = 1.0
    _parameter_constraints = {"epsilon": [Interval(numbers.Real, 0, np.inf, closed="neither")]}

    def __init__(self, epsilon=1.35):
        self.epsilon = epsilon
        super().__init__()

    def pointwise(self, y, f):
        r = np.abs(y - f)
        eps = self.epsilon
        return np.where(r <= eps, 0.5 * r * r, eps * r - 0.5 * eps * eps)

    def derivative(self, y, f, weight):
        return weight * np.clip(f - y, -self.epsilon, self.epsilon)

    def conjugate(self, y, v):
        inside = np.abs(v) <= self.epsilon * (1 + 1e-12)
        return np.where(inside, v * y + 0.5 * v * v, np.inf)

    def best_intercepts(self, y, weight, task_index, n_tasks):
        # The task's derivative Σ_i c_i clip(b − y_i, ±ε) rises from −Σc ε to +Σc ε over [min y, max y].
        low = np.full(n_tasks, np.inf)
        high = np.full(n_tasks, -np.inf)
        np.minimum.at(low, task_index, y)
        np.maximum.at(high, task_index, y)
        for _ in range(_BISECTION_STEPS):
            middle = 0.5 * (low + high)
            slope = _task_sums(self.derivative(y, middle[task_index], weight), task_index, n_tasks)
            low = np.where(slope < 0, middle, low)
            high = np.where(slope < 0, high, middle)
            if np.all(high - low <= 4 * np.finfo(float).eps * np.maximum(np.abs(middle), 1.0)):
                break
        return 0.5 * (low + high)


def _class_totals(y, weight, task_index, n_tasks):
    """Weighted counts of the positive and of the negative labels of every task."""
    return (
        _task_sums(weight * (y > 0), task_index, n_tasks),
        _task_sums(weight * (y < 0), task_index, n_tasks),
    )


class LogisticLoss(Loss):
    r"""ℓ(y, f) = log(1 + exp(−y f)), y in {−1, +1}.

    Conjugate: with ``a = −y v`` in [0, 1], ``ℓ*(y, v) = a log a + (1 − a) log(1 − a)``
    (+∞ outside); the best intercept of a task with weighted class totals P
    and N is ``log(P / N)``.
    """

    name = "logistic"
    curvature = 0.25
    for_classification = True
    second_order = True

    def __init__(self):
        super().__init__()

    def pointwise(self, y, f):
        return -log_expit(y * f)

    def derivative(self, y, f, weight):
        return -weight * y * expit(-y * f)

    def second_derivative(self, y, f, weight):
        # ℓ'' = σ(yf) σ(−yf), with σ the logistic function.
        p = expit(-y * f)
        return weight * p * (1.0 - p)

    def conjugate(self, y, v):
        a = -y * v
        inside = (a >= -1e-12) & (a <= 1 + 1e-12)
        a = np.clip(a, 0.0, 1.0)
        return np.where(inside, xlogy(a, a) + xlogy(1 - a, 1 - a), np.inf)

    def best_intercepts(self, y, weight, task_index, n_tasks):
        positive, negative = _class_totals(y, weight, task_index, n_tasks)
        with np.errstate(divide="ignore"):
            return np.log(positive) - np.log(negative)


class SquaredHingeLoss(Loss):
    r"""ℓ(y, f) = max(0, 1 − y f)², y in {−1, +1} (as in ``LinearSVC``).

    Conjugate: with ``a = −y v ≥ 0``, ``ℓ*(y, v) = a²/4 − a`` (+∞ for a < 0);
    the best intercept of a task with weighted class totals P and N is
    ``(P − N) / (P + N)``.
    """

    name = "squared_hinge"
    curvature = 2.0
    for_classification = True
    second_order = True

    def __init__(self):
        super().__init__()

    def pointwise(self, y, f):
        slack = np.maximum(0.0, 1.0 - y * f)
        return slack * slack

    def derivative(self, y, f, weight):
        return -2.0 * weight * y * np.maximum(0.0, 1.0 - y * f)

    def second_derivative(self, y, f, weight):
        # ℓ'' = 2 where the margin y f is below 1, 0 above (the generalised second derivative at 1 is 0).
        return 2.0 * weight * (y * f < 1.0)

    def conjugate(self, y, v):
        a = -y * v
        return np.where(a >= -1e-12, 0.25 * a * a - a, np.inf)

    def best_intercepts(self, y, weight, task_index, n_tasks):
        positive, negative = _class_totals(y, weight, task_index, n_tasks)
        return (positive - negative) / (positive + negative)


class HingeLoss(Loss):
    r"""ℓ(y, f) = max(0, 1 − y f), y in {−1, +1}; not smooth: solved in the dual.

    Conjugate: with ``a = −y v`` in [0, 1], ``ℓ*(y, v) = −a`` (+∞ outside);
    the best intercept of a task is +1 or −1 towards its larger weighted
    class (0 on a tie).
    """

    name = "hinge"
    smooth = False
    for_classification = True
    piecewise_linear = True

    def __init__(self):
        super().__init__()

    def pointwise(self, y, f):
        return np.maximum(0.0, 1.0 - y * f)

    def derivative(self, y, f, weight):
        return -weight * y * (y * f < 1.0)

    def conjugate(self, y, v):
        a = -y * v
        return np.where((a >= -1e-12) & (a <= 1 + 1e-12), -a, np.inf)

    def best_intercepts(self, y, weight, task_index, n_tasks):
        positive, negative = _class_totals(y, weight, task_index, n_tasks)
        return np.sign(positive - negative)


LOSSES = {loss.name: loss for loss in (SquaredLoss, HuberLoss, LogisticLoss, SquaredHingeLoss, HingeLoss)}


def get_loss(loss, **params):
    """The :class:`Loss` for a name of :data:`LOSSES` (built with ``params``), or ``loss`` itself if it is one.

    Parameters
    ----------
    loss : str or Loss
    **params
        Parameters of the named loss, e.g. ``epsilon`` for ``"huber"``;
        parameters the loss does not have are ignored.

    Returns
    -------
    Loss
    """
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose one of {sorted(LOSSES)} or pass a Loss instance.")
    cls = LOSSES[loss]
    accepted = cls._get_param_names()
    return cls(**{name: value for name, value in params.items() if name in accepted})
