"""The composite problem every solver works on.

    minimise over W, β:   F(W, β) = Σ_i c_i ℓ(y_i, x_iᵀ w_{t_i} + b_{t_i}) + α Ω(W)

where the intercepts are ``b_t = β_t`` for the tasks with a free intercept and a
fixed constant for the others (zero when the model fits no intercept).  The
variables are packed into one flat vector ``x = [vec(W), β]``.

A penalty whose proximal operator has no closed form may split itself as
``Ω = S + R`` with S smooth (``penalty.smooth_split(n_tasks)`` returns the
pair; S has ``value``, ``gradient`` and a gradient Lipschitz constant
``lipschitz``, R has ``value`` and ``prox``).  Then α S joins the data term in
the smooth part and only R is handled by its proximal operator.  The smooth
part's argument ``z`` is then the predictions followed by ``vec(W)``: both are
affine in x, which is all the solvers assume of z.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Intercepts:
    """Which tasks have a free intercept, and the fixed value of the others.

    Attributes
    ----------
    free : ndarray of bool of shape (n_tasks,)
    fixed : ndarray of shape (n_tasks,)
        The intercept of the tasks that are not free (ignored where free).
    """

    free: np.ndarray
    fixed: np.ndarray

    @classmethod
    def all_free(cls, n_tasks):
        return cls(np.ones(n_tasks, dtype=bool), np.zeros(n_tasks))

    @classmethod
    def none(cls, n_tasks):
        return cls(np.zeros(n_tasks, dtype=bool), np.zeros(n_tasks))

    @property
    def n_free(self):
        return int(self.free.sum())

    def full(self, beta):
        b = self.fixed.copy()
        b[self.free] = beta
        return b


@dataclass
class SolverResult:
    """What a solver returns.

    Attributes
    ----------
    coef : ndarray of shape (n_tasks, n_features)
    intercept : ndarray of shape (n_tasks,)
    n_iter : int
    certificate : float
        Relative stopping certificate at the returned point (duality gap or
        proximal-gradient residual, see the solver).
    converged : bool
    objective : float
    history : list of float
        Objective values along the iterations (when recorded).
    components : ndarray or None
        The solver's variables when the penalty splits W into parts
        (``n_blocks > 1``): the stacked parts, whose sum is ``coef``.
    lipschitz : float or None
        The step constant L of the proximal-gradient residual in
        ``certificate`` (None for solvers certified otherwise).
    """

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    certificate: float
    converged: bool
    objective: float
    history: list = field(default_factory=list)
    components: np.ndarray | None = None
    lipschitz: float | None = None


def zero_coef_gradient(design, loss, intercepts):
    """Gradient in W of the data term at W = 0, with the free intercepts at their optimum.

    The optimum is the weighted mean of each task's targets for the squared
    loss and the best constant of its labels for classification losses.
    """
    weight, y = design.weight, design.y
    if loss.name == "squared_error":
        best = design.task_sums(weight * y) / design.task_sums(weight)
    else:
        positive = design.task_sums(weight * (y > 0))
        negative = design.task_sums(weight * (y < 0))
        best = np.array([loss.best_constant(p, n) if p > 0 and n > 0 else 0.0 for p, n in zip(positive, negative)])
    b = np.where(intercepts.free, best, intercepts.fixed)
    f = b[design.task_of_entries()]
    return design.backward(loss.derivative(y, f, weight))


class CompositeProblem:
    """Smooth data term plus α Ω(W), with the linear algebra done by a design.

    ``scale``, when given, replaces :meth:`gradient_scale` (for a design that
    stands in for another problem, whose scale the certificate must keep; see
    :class:`mtlearn.solvers.GramDesign`).
    """

    def __init__(self, design, loss, penalty, alpha, intercepts, scale=None):
        self.design = design
        self.scale = scale
        self.loss = loss
        self.penalty = penalty
        self.alpha = float(alpha)
        self.intercepts = intercepts
        self.n_coef = design.n_tasks * design.n_features
        self.n_vars = self.n_coef + intercepts.n_free
        split = getattr(penalty, "smooth_split", None)
        self.smooth_penalty, self.prox_penalty = (None, penalty) if split is None else split(design.n_tasks)

    def unpack(self, x):
        W = x[: self.n_coef].reshape(self.design.n_tasks, self.design.n_features)
        return W, self.intercepts.full(x[self.n_coef :])

    def pack(self, W, b):
        return np.concatenate([W.ravel(), b[self.intercepts.free]])

    def predictions(self, x, outputs=None):
        """The smooth part's argument z: the predictions (then vec(W) with a smooth penalty part).

        ``outputs``, when given, are the predictions ``design.forward(W, b)``
        already computed for x (e.g. on the features where W is nonzero).
        """
        if outputs is None:
            W, b = self.unpack(x)
            outputs = self.design.forward(W, b)
        if self.smooth_penalty is not None:
            return np.concatenate([outputs, x[: self.n_coef]])
        return outputs

    def _smooth_coef(self, z):
        return z[self.design.n_entries :].reshape(self.design.n_tasks, self.design.n_features)

    def loss_value(self, z):
        """The smooth part: data term (plus α S(W) with a smooth penalty part)."""
        value = self.loss.value(self.design.y, z[: self.design.n_entries], self.design.weight)
        if self.smooth_penalty is not None:
            value += self.alpha * self.smooth_penalty.value(self._smooth_coef(z))
        return value

    def loss_gradient(self, z):
        """Gradient of the smooth part in x, from z."""
        g = self.loss.derivative(self.design.y, z[: self.design.n_entries], self.design.weight)
        grad_W = self.design.backward(g)
        if self.smooth_penalty is not None:
            grad_W = grad_W + self.alpha * self.smooth_penalty.gradient(self._smooth_coef(z))
        grad_b = self.design.task_sums(g)[self.intercepts.free]
        return np.concatenate([grad_W.ravel(), grad_b])

    def penalty_value(self, x):
        """α times the proximable part of Ω (all of Ω unless it has a smooth part)."""
        W, _ = self.unpack(x)
        return self.alpha * self.prox_penalty.value(W)

    def objective(self, x):
        return self.loss_value(self.predictions(x)) + self.penalty_value(x)

    def prox(self, x, step):
        out = x.copy()
        W = x[: self.n_coef].reshape(self.design.n_tasks, self.design.n_features)
        out[: self.n_coef] = self.prox_penalty.prox(W, step * self.alpha).ravel()
        return out

    def residual(self, x, grad, L):
        """Proximal-gradient residual ``‖L (x − prox(x − grad/L, 1/L))‖_∞``.

        Zero exactly at a minimiser; for a smooth penalty it is the
        gradient's max-norm, whatever L.
        """
        return L * np.max(np.abs(x - self.prox(x - grad / L, 1.0 / L)), initial=0.0)

    def gradient_at_zero(self):
        """Gradient of the smooth part at x = 0 (every design predicts 0 at W = 0, b = 0)."""
        zero = np.zeros(self.n_vars)
        return self.loss_gradient(self.predictions(zero, outputs=np.zeros(self.design.n_entries)))

    @staticmethod
    def scale_of(gradient):
        """``‖gradient‖_∞``, kept positive."""
        return max(np.max(np.abs(gradient), initial=0.0), np.finfo(float).tiny)

    def gradient_scale(self):
        """``‖∇ data term at x = 0‖_∞``: the scale that makes residuals relative."""
        if self.scale is not None:
            return self.scale
        return self.scale_of(self.gradient_at_zero())

    def certify(self, x):
        """The relative residual and the objective at ``x`` (for a point from a direct solve).

        The residual vanishes at a minimiser for any step constant L > 0; a
        direct solve has no step, so a short power iteration (3 products)
        gives an L of the right scale at a fraction of a solve's cost.
        """
        z = self.predictions(x)
        grad = self.loss_gradient(z)
        residual = self.residual(x, grad, self.lipschitz_estimate(n_iter=3)) / self.gradient_scale()
        return float(residual), float(self.loss_value(z) + self.penalty_value(x))

    def lipschitz_estimate(self, n_iter=15, seed=0):
        """Estimate of the smooth part's gradient Lipschitz constant (plus α S's bound)."""
        estimate = self._data_lipschitz_estimate(n_iter, seed)
        if self.smooth_penalty is not None:
            estimate += self.alpha * self.smooth_penalty.lipschitz
        return estimate

    def _data_lipschitz_estimate(self, n_iter, seed):
        """Power-iteration estimate of the data term's gradient Lipschitz constant."""
        rng = np.random.default_rng(seed)
        v = rng.standard_normal(self.n_vars)
        v /= np.linalg.norm(v)
        estimate = 0.0
        weight = self.loss.curvature * self.design.weight
        for _ in range(n_iter):
            W, _ = self.unpack(v)
            beta = v[self.n_coef :]
            b = np.zeros(self.design.n_tasks)
            b[self.intercepts.free] = beta
            g = weight * self.design.forward(W, b)
            Hv = np.concatenate([self.design.backward(g).ravel(), self.design.task_sums(g)[self.intercepts.free]])
            estimate = np.linalg.norm(Hv)
            if estimate == 0.0:
                return 1.0
            v = Hv / estimate
        return estimate
