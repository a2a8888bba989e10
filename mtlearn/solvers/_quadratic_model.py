r"""A Newton step's weighted least-squares model: on each task's Gram matrix, or with its products on sparse rows.

The second-order model of a proximal Newton step (:mod:`mtlearn.solvers._newton`)
is a weighted least-squares problem on the data.  With the intercepts at their
optimum for the weights W (each task with a free intercept centred with the
entry weights h_i; no centring for a task whose intercept is fixed, e.g. a
classifier's task of one class, whose targets ỹ_i the caller has shifted by
that fixed value) it depends on the data only through

    q(W) = Σ_t ½ w_tᵀ H_t w_t − c_tᵀ w_t + const,
    H_t = Σ_{i in t} h_i x̃_i x̃_iᵀ,   c_t = Σ_{i in t} h_i x̃_i ỹ_i,

(x̃, ỹ the centred rows and targets), with the best intercepts
``b_t = ȳ_t − x̄_tᵀ w_t`` of the free tasks (x̄_t = 0, ȳ_t = 0 for the
others).  :func:`minimise_model` minimises ``q(W) + α Ω(W)`` over W (or the
penalty's stacked parts, whose sum is W) by accelerated proximal gradient
with adaptive restart and the exact step ``1/L``, ``L = n_blocks · max_t
λ_max(H_t)``: an iteration is one batched product with the T matrices H_t
and one proximal step, no pass over the rows.  It stops when the
proximal-gradient residual ``L ‖x⁺ − y‖_∞`` falls below a target the
caller sets (the forcing term of an inexact Newton step: the outer solver
certifies the result).

On wide rows (n_t < p: text-like tasks, sparse, or dense for the squared
loss, :func:`wide_models_apply`) the Gram matrices are dense p × p.  For the
few features of a working set :class:`TaskGramModel` forms them all the same,
densifying sparse rows a chunk at a time, where that pays off
(:func:`gram_models_pay_off`); :class:`TaskRowsModel` takes the same products
on the rows otherwise.  The Newton step minimises either by
:func:`~mtlearn.solvers._gram_apg.gram_apg` from the power-iteration estimate
of its quadratic (:meth:`~mtlearn.solvers._gram.GramQuadratic.lipschitz_estimate`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._design import StackedDesign
from ._gram import GramQuadratic, _stacked_moments, gram_pays_off, task_means, updated_stacked_moments

_TINY = np.finfo(float).tiny
# The Gram matrices of a model on sparse rows (n_tasks × n_features² floats) are formed up to this size;
# beyond it the model's products are taken on the rows.
_MAX_GRAM_FLOATS = 2**21
# Up to this size a product with the Gram matrices costs less than the fixed cost of one on the rows
# (about 20 µs for its sparse products and task sums; 3 × 64² floats take 5 µs).
_SMALL_GRAM_FLOATS = 2**16
# Beyond it the Gram matrices are formed when they hold at most this many floats per nonzero of the rows:
# a product on the rows costs about 2 ns per nonzero (two sparse passes), one on the Gram matrices 0.15 to
# 0.3 ns per float, and forming them costs tens of products at every Newton step (bench_sparse_models.py).
_GRAM_FLOATS_PER_NONZERO = 4


def model_is_compact(penalty, intercepts):
    """Whether :class:`TaskGramModel` and :func:`minimise_model` take a problem with this penalty and intercepts.

    The penalty has a closed-form prox of all of Ω (no smooth part), and each
    task has its own intercept, free or fixed (not one shared by the tasks).
    """
    return not intercepts.shared and penalty.smooth_split(len(intercepts.free))[0] is None


class TaskGramModel:
    """``q(W) = Σ_t ½ w_tᵀ H_t w_t − c_tᵀ w_t`` of a weighted stacked design (see the module docstring).

    Parameters
    ----------
    design : StackedDesign
        Dense or sparse rows; its entry weights are the h_i and its targets the ỹ_i.
    fit_intercept : bool or ndarray of bool of shape (n_tasks,)
        Whether every task, or each task, has a free intercept (eliminated by centring).
    previous : TaskGramModel or None, default=None
        The model of the same rows (``design.X``) and ``fit_intercept`` under other entry weights
        (the last Newton step's): when at most half of the rows' weights changed its Gram matrices are
        updated on those rows and become this model's (:func:`~mtlearn.solvers._gram.updated_stacked_moments`;
        ``previous`` is not used afterwards).
    """

    def __init__(self, design, fit_intercept, previous=None):
        moments = None
        if previous is not None:
            moments = updated_stacked_moments(
                design, fit_intercept, previous._design.sample_weight, previous.H, previous._x_mean
            )
        if moments is None:
            moments = _stacked_moments(design, fit_intercept)[:4]
        self.H, self.c, self._x_mean, self._y_mean = moments
        self._design = design
        self._lipschitz = None

    @property
    def lipschitz(self):
        """``max_t λ_max(H_t)`` (from the eigenvalues, computed on first use)."""
        if self._lipschitz is None:
            top = np.linalg.eigvalsh(self.H)[:, -1].max(initial=0.0)
            self._lipschitz = max(float(top), _TINY)
        return self._lipschitz

    def quadratic(self):
        """The model as a :class:`~mtlearn.solvers._gram.GramQuadratic`: task weights 1, κ = ½ Σ_i h_i (ỹ_i − ȳ_t)²."""
        design = self._design
        residual = design.y - self._y_mean[design.task_index]
        constant = 0.5 * float(np.dot(design.weight, residual * residual))
        return GramQuadratic(self.H, self.c, np.ones(design.n_tasks), constant)

    def gradient(self, W):
        """``∇q(W)``: row t is ``H_t w_t − c_t``."""
        return np.einsum("tij,tj->ti", self.H, W) - self.c

    def intercepts(self, W):
        """The best intercepts for the weights W (zero for the tasks without a free intercept)."""
        return self._y_mean - np.einsum("tp,tp->t", self._x_mean, W)


def minimise_model(model, penalty, alpha, V0, *, residual_target, max_iter):
    """Minimise ``q(W) + α Ω`` over the penalty's variable from ``V0`` (see the module docstring).

    Parameters
    ----------
    model : TaskGramModel
    penalty : Penalty
    alpha : float
    V0 : ndarray of shape (n_tasks, n_blocks · n_features)
        W itself for a penalty with one block, else the stacked parts.
    residual_target : float
        Stop once the proximal-gradient residual ``L ‖x⁺ − y‖_∞`` is at most this.
    max_iter : int

    Returns
    -------
    V : ndarray like V0
    n_iter : int
    """
    n_blocks = penalty.n_blocks
    T = V0.shape[0]
    L = n_blocks * model.lipschitz

    def gradient(V):
        W = V if n_blocks == 1 else V.reshape(T, n_blocks, -1).sum(axis=1)
        G = model.gradient(W)
        return G if n_blocks == 1 else np.tile(G, n_blocks)

    x = V0.copy()
    y, t = x, 1.0
    for n_iter in range(1, max_iter + 1):
        x_new = penalty.prox(y - gradient(y) / L, alpha / L)
        if L * np.max(np.abs(x_new - y), initial=0.0) <= residual_target:
            return x_new, n_iter
        if np.sum((y - x_new) * (x_new - x)) > 0:  # momentum points uphill: restart
            y, t_new = x_new, 1.0
        else:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            y = x_new + ((t - 1.0) / t_new) * (x_new - x)
        x, t = x_new, t_new
    return x, max_iter


class TaskRowsModel:
    """``q(W)`` of :class:`TaskGramModel` with its products taken on the rows: no Gram matrix formed.

    With the rows centred by the entry weights h (``x̄_t = Σ_{i in t} h_i x_i /
    Σ_{i in t} h_i``; no centring without intercepts),

        (H W)_t = Σ_{i in t} h_i x̃_i x̃_iᵀ w_t = X_tᵀ (h ⊙ X_t w_t) − x̄_t Σ_{i in t} h_i x_iᵀ w_t,

    two passes over the rows' nonzeros per product (T p² multiply-adds for the
    Gram matrices), and ``c_t = X_tᵀ (h ⊙ (ỹ − ȳ_t))``.  For the working sets
    whose Gram matrices do not pay off (:func:`gram_models_pay_off`).

    Parameters
    ----------
    design : StackedDesign
        Its entry weights are the h_i and its targets the ỹ_i.
    fit_intercept : bool or ndarray of bool of shape (n_tasks,)
        Whether every task, or each task, has a free intercept (eliminated by centring).
    """

    def __init__(self, design, fit_intercept):
        self.n_tasks, self.n_features = design.n_tasks, design.n_features
        h, y = design.weight, design.y
        self._design, self._centred = design, bool(np.any(fit_intercept))
        self._x_mean, self._y_mean = task_means(design, h, fit_intercept)
        centred = y - self._y_mean[design.task_index]
        self.linear = design.backward(h * centred)
        self.constant = 0.5 * float(np.dot(h, centred * centred))

    def quadratic(self):
        """The model itself: it has the products, ``linear``, ``constant`` and λ_max estimate gram_apg uses."""
        return self

    def product(self, W, out=None):
        """``H W`` (into ``out`` when given)."""
        design = self._design
        weighted = design.weight * design.forward(W, None)
        HW = design.backward(weighted)
        if self._centred:
            HW -= self._x_mean * design.task_sums(weighted)[:, None]
        if out is None:
            return HW
        out[...] = HW
        return out

    # The power-iteration estimate of λ_max(H), through the products above.
    lipschitz_estimate = GramQuadratic.lipschitz_estimate

    def intercepts(self, W):
        """The best intercepts for the weights W (zero for the tasks without a free intercept)."""
        return self._y_mean - np.einsum("tp,tp->t", self._x_mean, W)


def gram_models_pay_off(design):
    """Whether the Newton models on ``design`` (wide rows) are formed as Gram matrices rather than taken on the rows.

    Their T p² floats are at most ``_MAX_GRAM_FLOATS`` (2²¹), and either few
    (at most ``_SMALL_GRAM_FLOATS``, 2¹⁶: a product with them costs less than
    the fixed cost of one on the rows) or at most
    ``_GRAM_FLOATS_PER_NONZERO`` (4) per stored entry of the rows (the
    nonzeros of sparse rows, all n × p of dense ones).  Many tasks of a
    few rows each (300 one-row tasks: T p² ≈ 375 × nnz at 64 features) have
    Gram matrices far larger than their rows: a product costs 274 µs on them
    and 48 µs on the rows, and forming them costs 11 ms at every Newton step
    (``benchmarks/bench_sparse_models.py``; benchmarks/RESULTS.md, "Gram
    matrices or rows for the Newton models on sparse rows").
    """
    size = design.n_tasks * design.n_features**2
    stored = design.X.nnz if sp.issparse(design.X) else design.X.size
    return size <= _MAX_GRAM_FLOATS and (size <= _SMALL_GRAM_FLOATS or size <= _GRAM_FLOATS_PER_NONZERO * stored)


def rows_for_gram_models(design):
    """The rows the Gram-matrix models of wide ``design`` are built from: sparse ones densified once when few.

    Every Newton step forms its tasks' Gram matrices from the same rows with
    new entry weights.  When the rows, dense, hold no more floats than those
    T p × p Gram matrices (n ≤ T p: fewer rows per task than features, the
    text-like shape) and at most 2²¹, a copy of ``design`` on its dense rows
    makes each task's rows a view instead of a sparse slice densified at
    every step; otherwise they stay sparse.  Dense rows are used as they are.
    """
    n, p = design.n_entries, design.n_features
    if not sp.issparse(design.X) or n > design.n_tasks * p or n * p > _MAX_GRAM_FLOATS:
        return design
    return design.with_matrix(design.X.toarray())


def wide_models_apply(design, loss, penalty, intercepts):
    """Whether the Newton models of a problem on ``design`` with ``loss`` are models of wide rows (by structure).

    Wide rows: each task its own (entry weights per row), sparse, or dense
    with fewer rows than n_tasks × n_features for the squared loss (not a
    Gram form's compact rows, p per task), whose Gram form does not pay off
    there (:func:`~mtlearn.solvers.gram_pays_off`)
    and whose model is the problem itself, solved once by FISTA on the few
    features of each working set (proximal gradient on all the rows stopped
    at the default ``max_iter`` short of ``tol``: benchmarks/RESULTS.md,
    "Dense tasks with fewer rows than features").  A classification loss's
    models on such dense rows are each as ill-conditioned as its problem,
    which proximal gradient solves in less time.  The penalty is separable
    over features, on W itself (``n_blocks = 1``: parts summed into W are
    perfectly correlated in the data, which slows the block steps alike),
    with a closed-form prox, each task with its own intercept, free or fixed
    (:func:`model_is_compact`).  Whether FISTA minimises the models on the
    Gram matrices or with the products on the rows depends on the penalty
    and the size as well: :func:`~mtlearn.solvers._newton.wide_model_method`.
    """
    if not isinstance(design, StackedDesign):
        return False
    wide = sp.issparse(design.X) or (loss.least_squares and not design.gram_form and not gram_pays_off(design))
    return wide and bool(penalty.feature_separable) and penalty.n_blocks == 1 and model_is_compact(penalty, intercepts)
