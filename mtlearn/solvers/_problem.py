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

Certificate
-----------
Every solver's certificate is the relative duality gap (:meth:`CompositeProblem.certify`)

    certificate = (F(W, b) − D(u)) / F₀   ≥   (F(W, b) − F*) / F₀,

with F₀ the objective at W = 0 with the intercepts at their optimum (the
scaling scikit-learn's ``tol`` has for ``Lasso`` and ``MultiTaskLasso``) and D
the Fenchel dual

    D(u) = −Σ_i c_i ℓ*(y_i, u_i / c_i) − α Ω*(−Xᵀu / α) + Σ_{fixed t} b_t Σ_{i in t} u_i,

maximised over u with ``Σ_{i in t} u_i = 0`` for every task with a free
intercept (Xᵀu: the design's ``backward``); with one intercept shared by all
the tasks (``Intercepts.one_shared``: b_t = β for every t, one unpenalised
variable) the constraint is the single global one ``Σ_i u_i = 0``.  The dual
point is the gradient of the data term at the current predictions, ``u_i =
c_i ℓ'(y_i, f_i)`` — optimal at the solution — made feasible in two steps
that keep it in the domain of ℓ* (an interval containing 0): in each group of
entries with a free intercept (a task, or all the entries for a shared one)
the larger of its positive and negative parts is scaled down so that they
balance, then all of u is scaled by the factor the penalty's
``dual_term`` gives (into the dual-norm ball for a norm; 1 for a penalty
with a finite conjugate).  With a smooth part S of Ω the dual carries its
own variable ``α ∇S(W)`` (scaled alike).  A quadratic penalty that leaves
task directions unpenalised (a graph Laplacian without ridge) also needs
``Xᵀu`` orthogonal to them: for the squared loss (whose conjugate is finite
everywhere) the residual is projected onto that subspace by weighted least
squares.  F₀ = 0 means the intercept-only model is exact, hence optimal.

The proximal-gradient solvers stop when the certificate is at most ``tol``
*and* the proximal-gradient residual relative to the gradient at zero
(:meth:`CompositeProblem.relative_residual`) is too: the gap bounds the
objective, the residual makes the weights themselves accurate (a smooth
problem's gap is of second order in the distance to the solution, so a gap of
1e-10 alone may leave weights accurate to 1e-5 only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class Intercepts:
    """Which tasks have a free intercept, and the fixed value of the others; or one intercept shared by all.

    Attributes
    ----------
    free : ndarray of bool of shape (n_tasks,)
    fixed : ndarray of shape (n_tasks,)
        The intercept of the tasks that are not free (ignored where free).
    shared : bool, default=False
        One free intercept common to every task (``free`` is then all True):
        ``b_t = β`` for all t, a single unpenalised variable.
    """

    free: np.ndarray
    fixed: np.ndarray
    shared: bool = False

    @classmethod
    def all_free(cls, n_tasks):
        return cls(np.ones(n_tasks, dtype=bool), np.zeros(n_tasks))

    @classmethod
    def none(cls, n_tasks):
        return cls(np.zeros(n_tasks, dtype=bool), np.zeros(n_tasks))

    @classmethod
    def one_shared(cls, n_tasks):
        """One free intercept common to all the tasks."""
        return cls(np.ones(n_tasks, dtype=bool), np.zeros(n_tasks), shared=True)

    @property
    def n_free(self):
        """The number of intercept variables."""
        return 1 if self.shared else int(self.free.sum())

    @property
    def each_task_or_none(self):
        """Every task has its own free intercept, or every intercept is zero (what per-task centring takes)."""
        if self.shared:
            return False
        return (bool(self.free.all()) or not self.free.any()) and not self.fixed.any()

    def full(self, beta):
        """The intercepts of every task from the variables β."""
        if self.shared:
            return np.full(len(self.free), beta[0])
        b = self.fixed.copy()
        b[self.free] = beta
        return b

    def direction(self, beta):
        """The change of every task's intercept along a change β of the variables (zero on the fixed tasks)."""
        if self.shared:
            return np.full(len(self.free), beta[0])
        b = np.zeros(len(self.free))
        b[self.free] = beta
        return b

    def variables(self, b):
        """The variables β of the intercepts b (the free tasks'; their mean when shared)."""
        return np.array([np.mean(b)]) if self.shared else b[self.free]

    def gradient(self, task_sums):
        """The gradient in β from each task's sum of the data gradient in the predictions."""
        return np.array([np.sum(task_sums)]) if self.shared else task_sums[self.free]

    @property
    def free_groups(self):
        """Which groups of entries have a free intercept: one group per task, or one for a shared intercept."""
        return np.ones(1, dtype=bool) if self.shared else self.free

    def group_of_entries(self, design):
        """The group of each entry of a design: its task, or 0 for all the entries when the intercept is shared."""
        return np.zeros(design.n_entries, dtype=np.int64) if self.shared else design.task_of_entries()

    def group_sums(self, design, values):
        """Σ of ``values`` (one per entry) over each group of :meth:`group_of_entries`."""
        return np.atleast_1d(np.sum(values)) if self.shared else design.task_sums(values)

    def from_groups(self, values):
        """Every task's intercept from one value per group of :meth:`group_of_entries` (fixed where not free)."""
        if self.shared:
            return np.full(len(self.free), values[0])
        return np.where(self.free, values, self.fixed)


@dataclass
class SolverResult:
    """What a solver returns.

    Attributes
    ----------
    coef : ndarray of shape (n_tasks, n_features)
    intercept : ndarray of shape (n_tasks,)
    n_iter : int
    certificate : float
        Upper bound on (F − F*) / F₀ at the returned point: the relative
        duality gap (see the module docstring).
    converged : bool
    objective : float
    history : list of float
        Objective values along the iterations (when recorded).
    components : ndarray or None
        The solver's variables when the penalty splits W into parts
        (``n_blocks > 1``): the stacked parts, whose sum is ``coef``.
    lipschitz : float or None
        The last step constant L of a proximal-gradient solver (None for the others).
    dual : ndarray or None
        The dual variables of a dual solver (its warm start).
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
    dual: np.ndarray | None = None


def weighted_gram(X, weight):
    """``Xᵀ diag(weight) X`` for a 2-D (dense or sparse) X, as a dense array."""
    if sp.issparse(X):
        return (sp.csr_matrix(X.multiply(weight[:, None])).T @ X).toarray()
    return (X * weight[:, None]).T @ X


def best_intercepts(design, loss, intercepts):
    """The intercepts at W = 0: each free variable's best constant (the loss's), the fixed value of the others."""
    free = intercepts.free_groups
    if not free.any():
        return intercepts.fixed.copy()
    group = intercepts.group_of_entries(design)
    return intercepts.from_groups(loss.best_intercepts(design.y, design.weight, group, len(free)))


def zero_coef_gradient(design, loss, intercepts):
    """Gradient in W of the data term at W = 0, with the free intercepts at their optimum."""
    b = best_intercepts(design, loss, intercepts)
    f = b[design.task_of_entries()]
    return design.backward(loss.derivative(design.y, f, design.weight))


def balance_free_intercepts(u, design, intercepts):
    """u with ``Σ_i u_i = 0`` over the entries of every free intercept variable, each entry only shrunk towards 0.

    The entries of a variable are its task's, or all of them for a shared
    intercept.  In each such group the larger of the positive and the
    negative parts is scaled down to the size of the other.  Returns u
    itself when there is nothing to balance.
    """
    free = intercepts.free_groups
    if not free.any():
        return u
    group = intercepts.group_of_entries(design)
    positive = intercepts.group_sums(design, np.maximum(u, 0.0))
    negative = intercepts.group_sums(design, np.maximum(-u, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink_positive = np.where(free & (positive > negative), negative / positive, 1.0)
        shrink_negative = np.where(free & (negative > positive), positive / negative, 1.0)
    return np.where(u > 0, u * shrink_positive[group], u * shrink_negative[group])


class CompositeProblem:
    """Smooth data term plus α Ω(W), with the linear algebra done by a design.

    ``scale`` and ``gradient_scale``, when given, replace :meth:`zero_objective`
    (the F₀ of the relative certificate) and :meth:`gradient_scale` (that of
    the relative residual): for a design that stands in for another problem,
    whose scales the stopping rule must keep (the Gram form of
    :class:`mtlearn.solvers.GramDesign`, a working set's restriction).
    ``data_lipschitz``, when given, replaces the power-iteration estimate of
    the data term's gradient Lipschitz constant (``λ_max`` of its Hessian in
    the model's weights and free intercepts) in :meth:`lipschitz_estimate`:
    a path estimates it once for its design.
    """

    def __init__(self, design, loss, penalty, alpha, intercepts, scale=None, gradient_scale=None, data_lipschitz=None):
        self.design = design
        self.scale = scale
        self.loss = loss
        self.penalty = penalty
        self.alpha = float(alpha)
        self.intercepts = intercepts
        self.n_coef = design.n_tasks * design.n_features
        self.n_vars = self.n_coef + intercepts.n_free
        self.smooth_penalty, self.prox_penalty = penalty.smooth_split(design.n_tasks)
        self._projection = None
        self._gradient_scale = gradient_scale
        self._data_lipschitz = data_lipschitz
        self._last_gradient = None
        self._gradient_at_zero = None

    def unpack(self, x):
        W = x[: self.n_coef].reshape(self.design.n_tasks, self.design.n_features)
        return W, self.intercepts.full(x[self.n_coef :])

    def pack(self, W, b):
        return np.concatenate([W.ravel(), self.intercepts.variables(b)])

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

    def _data_gradient(self, z):
        """``(u, Xᵀu)``: the data term's gradient in the predictions and in the solver's variable, at z.

        The last one is kept, keyed by the identity of z: the stopping rule
        asks for the gradient at the iterate twice (residual, duality gap).
        """
        cached = self._last_gradient
        if cached is not None and cached[0] is z:
            return cached[1], cached[2]
        u = self.loss.derivative(self.design.y, z[: self.design.n_entries], self.design.weight)
        backward = self.design.backward(u)
        self._last_gradient = (z, u, backward)
        return u, backward

    def loss_gradient(self, z):
        """Gradient of the smooth part in x, from z."""
        g, grad_W = self._data_gradient(z)
        if self.smooth_penalty is not None:
            grad_W = grad_W + self.alpha * self.smooth_penalty.gradient(self._smooth_coef(z))
        grad_b = self.intercepts.gradient(self.design.task_sums(g))
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
        """Proximal-gradient residual ``‖L (x − prox(x − grad/L, 1/L))‖_∞`` (zero exactly at a minimiser)."""
        return L * np.max(np.abs(x - self.prox(x - grad / L, 1.0 / L)), initial=0.0)

    def gradient_scale(self):
        """``‖∇ smooth part at x = 0‖_∞``: the scale that makes the residual relative (computed once)."""
        if self._gradient_scale is None:
            self._gradient_scale = self.scale_of(self.gradient_at_zero())
        return self._gradient_scale

    def relative_residual(self, x, grad, L):
        """The residual at x relative to :meth:`gradient_scale`: small only near a minimiser."""
        return self.residual(x, grad, L) / self.gradient_scale()

    def gradient_at_zero(self):
        """Gradient of the smooth part at x = 0 (every design predicts 0 at W = 0, b = 0), computed once."""
        if self._gradient_at_zero is None:
            zero = np.zeros(self.n_vars)
            self._gradient_at_zero = self.loss_gradient(self.predictions(zero, outputs=np.zeros(self.design.n_entries)))
        return self._gradient_at_zero

    @staticmethod
    def scale_of(gradient):
        """``‖gradient‖_∞``, kept positive."""
        return max(np.max(np.abs(gradient), initial=0.0), np.finfo(float).tiny)

    def zero_point(self):
        """(W, b) = (0, the intercepts at W = 0): the point whose objective is F₀."""
        W = np.zeros((self.design.n_tasks, self.design.n_features))
        return W, best_intercepts(self.design, self.loss, self.intercepts)

    def zero_objective(self):
        """F₀: the objective at W = 0 with the intercepts at their optimum (or the given ``scale``)."""
        if self.scale is None:
            # At W = 0 the predictions are the intercepts: no pass over X.
            W, b = self.zero_point()
            f = b[self.design.task_of_entries()]
            z = self.predictions(self.pack(W, b), outputs=f)
            self.scale = float(self.loss_value(z) + self.penalty_value(self.pack(W, b)))
        return self.scale

    def _coef(self, x):
        """The model's weights W (the sum of the parts for a penalty with several)."""
        n_tasks, n_blocks = self.design.n_tasks, self.penalty.n_blocks
        return x[: self.n_coef].reshape(n_tasks, n_blocks, -1).sum(axis=1)

    def _in_weights(self, G):
        """A gradient in the solver's variable (tiled over the parts) as a gradient in W."""
        return G[:, : G.shape[1] // self.penalty.n_blocks]

    def dual_gap(self, x, z=None):
        """``(primal, gap)`` at x: the objective and the duality gap (see the module docstring)."""
        if z is None:
            z = self.predictions(x)
        design, loss, alpha = self.design, self.loss, self.alpha
        primal = float(self.loss_value(z) + self.penalty_value(x))
        c = design.weight
        u, backward = self._data_gradient(z)
        feasible = self._feasible_direction(u)
        if feasible is not u:  # balanced or projected: its own pass over X
            u, backward = feasible, design.backward(feasible)
        W = self._coef(x)
        G = self._in_weights(backward)
        if self.smooth_penalty is not None:
            G = G + alpha * self.smooth_penalty.gradient(W)
        scale, penalty_term = self.prox_penalty.dual_term(G, alpha)
        u = scale * u
        weighted = c > 0
        v = np.divide(u, c, out=np.zeros_like(u), where=weighted)
        conjugate = np.where(weighted, c * loss.conjugate(design.y, v), 0.0)
        dual = -float(np.sum(conjugate)) - penalty_term
        if self.smooth_penalty is not None:
            dual -= alpha * self.smooth_penalty.conjugate_at_gradient(W, scale)
        fixed = ~self.intercepts.free
        if fixed.any():
            dual += float(np.dot(self.intercepts.fixed[fixed], design.task_sums(u)[fixed]))
        return primal, max(primal - dual, 0.0)

    def _feasible_direction(self, u):
        """The data gradient u made dual feasible but for the penalty's scaling (module docstring)."""
        null_space = self.prox_penalty.null_space(self.design.n_tasks)
        if null_space is None:
            return balance_free_intercepts(u, self.design, self.intercepts)
        if self.intercepts.shared:
            raise ValueError(
                f"{type(self.penalty).__name__} leaves task directions unpenalised (a graph without ridge): "
                "a shared intercept is not supported there; set ridge > 0 or intercept_sharing='per_task'."
            )
        if not self.loss.full_dual_domain:
            raise ValueError(
                f"{type(self.penalty).__name__} leaves task directions unpenalised (a graph without ridge): "
                f"only the squared loss is certified there; with loss={self.loss.name!r} set ridge > 0."
            )
        if self._projection is None:
            self._projection = NullSpaceProjection(self.design, null_space, self.intercepts)
        return self._projection(u)

    def certify(self, x, z=None):
        """``(certificate, objective)`` at x: the duality gap relative to F₀."""
        primal, gap = self.dual_gap(x, z)
        return gap / max(self.zero_objective(), np.finfo(float).tiny), primal

    def lipschitz_estimate(self, n_iter=15, seed=0):
        """Estimate of the smooth part's gradient Lipschitz constant (plus α S's bound).

        With ``data_lipschitz`` given, the data term's part is that constant
        times the number of the penalty's parts (the data see their sum).
        """
        if self._data_lipschitz is None:
            estimate = self._data_lipschitz_estimate(n_iter, seed)
        else:
            estimate = self.penalty.n_blocks * self._data_lipschitz
        if self.smooth_penalty is not None:
            estimate += self.alpha * self.smooth_penalty.lipschitz
        return estimate

    def _data_lipschitz_estimate(self, n_iter, seed):
        """Power-iteration estimate of the data term's gradient Lipschitz constant."""
        weight = self.loss.curvature * self.design.weight

        def hessian_product(v):
            W, _ = self.unpack(v)
            b = self.intercepts.direction(v[self.n_coef :])
            g = weight * self.design.forward(W, b)
            return np.concatenate([self.design.backward(g).ravel(), self.intercepts.gradient(self.design.task_sums(g))])

        return power_iteration(hessian_product, np.random.default_rng(seed).standard_normal(self.n_vars), n_iter)


def power_iteration(product, v, n_iter):
    """Estimate of the largest eigenvalue of a symmetric positive semi-definite operator: ``‖A v‖`` after n_iter steps.

    Parameters
    ----------
    product : callable
        ``v ↦ A v`` on arrays of the shape of ``v``.
    v : ndarray
        The start (nonzero; not modified).
    n_iter : int

    Returns
    -------
    float
        1.0 when ``A v`` vanishes (A = 0 on the iterates).
    """
    v = v / math.sqrt(np.vdot(v, v))
    estimate = 0.0
    for _ in range(n_iter):
        Av = product(v)
        estimate = math.sqrt(np.vdot(Av, Av))
        if estimate == 0.0:
            return 1.0
        v = Av / estimate
    return estimate


class NullSpaceProjection:
    """Projects a squared-loss dual point so that it is orthogonal to the unpenalised task directions.

    With N (n_tasks, k) a basis of the task directions the penalty leaves
    unpenalised, the dual needs ``Nᵀ Xᵀu = 0`` (and ``Σ_{i in t} u_i = 0`` on
    the tasks with a free intercept).  Writing u = c ∘ r, the residual r is
    replaced by its weighted least-squares residual on the unpenalised
    directions: r' = r̃ − X̃ (N β), with r̃, X̃ centred within each task with a
    free intercept and β (k, p) solving

        Σ_t (N_t N_tᵀ ⊗ H_t) vec β = vec(Nᵀ Xᵀ(c ∘ r̃)),   H_t = X̃_tᵀ C_t X̃_t,

    built once from the tasks' Gram matrices (p × p each, so this is for a
    moderate number of features).
    """

    def __init__(self, design, null_space, intercepts):
        self.design, self.N = design, null_space
        self.centred = bool(intercepts.free.all())
        c = design.weight
        self.totals = design.task_sums(c)
        self.x_mean = design.backward(c) / self.totals[:, None] if self.centred else None
        k, p = null_space.shape[1], design.n_features
        A = np.zeros((k * p, k * p))
        for block in design.blocks():
            weight = block.sample_weight * block.task_weight
            H = weighted_gram(block.X, weight)
            if self.centred:
                H = H - self.totals[block.task] * np.outer(self.x_mean[block.task], self.x_mean[block.task])
            n_t = null_space[block.task]
            A += np.kron(np.outer(n_t, n_t), H)
        self.solve = np.linalg.pinv(0.5 * (A + A.T), hermitian=True)

    def __call__(self, u):
        design, N = self.design, self.N
        c = design.weight
        task = design.task_of_entries()
        if self.centred:
            u = u - c * (design.task_sums(u) / self.totals)[task]
        g = N.T @ design.backward(u)
        beta = (self.solve @ g.ravel()).reshape(g.shape)
        shift = N @ beta
        offset = -np.einsum("tp,tp->t", self.x_mean, shift) if self.centred else None
        return u - c * design.forward(shift, offset)
