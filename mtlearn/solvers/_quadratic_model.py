r"""A Newton step's weighted least-squares model: on each task's Gram matrix (FISTA) or on sparse columns (coordinates).

The second-order model of a proximal Newton step (:mod:`mtlearn.solvers._newton`)
is a weighted least-squares problem on the data.  With the intercepts at their
optimum for the weights W (each task centred with the entry weights h_i, or
no centring without intercepts) it depends on the data only through

    q(W) = Σ_t ½ w_tᵀ H_t w_t − c_tᵀ w_t + const,
    H_t = Σ_{i in t} h_i x̃_i x̃_iᵀ,   c_t = Σ_{i in t} h_i x̃_i ỹ_i,

(x̃, ỹ the centred rows and targets), with the best intercepts
``b_t = ȳ_t − x̄_tᵀ w_t``.  :func:`minimise_model` minimises ``q(W) + α Ω(W)``
over W (or the penalty's stacked parts, whose sum is W) by accelerated
proximal gradient with adaptive restart and the exact step ``1/L``,
``L = n_blocks · max_t λ_max(H_t)``: an iteration is one batched product with
the T matrices H_t and one proximal step, no pass over the rows.  It stops when
the proximal-gradient residual ``L ‖x⁺ − y‖_∞`` falls below a target the
caller sets (the forcing term of an inexact Newton step: the outer solver
certifies the result).

On sparse rows (n_t < p: text-like tasks) the Gram matrices are dense
p × p.  For the few features of a working set (T p² floats at most
``_MAX_GRAM_FLOATS``, :func:`gram_model_fits`) :class:`TaskGramModel` forms
them all the same, densifying the rows a chunk at a time, and the Newton step
minimises the model by :func:`~mtlearn.solvers._gram_apg.gram_apg` from the
power-iteration estimate of its quadratic
(:meth:`~mtlearn.solvers._gram.GramQuadratic.lipschitz_estimate`).  Beyond,
:class:`ColumnModel` keeps the rows' nonzeros in compressed columns and
:func:`minimise_by_coordinates` minimises the model by block coordinate
descent over features (glmnet's inner solver, newGLMNET for the logistic
loss: Yuan, Ho & Lin, 2012), each step touching one column's nonzeros (one
Python step per feature, where a FISTA iteration on the Gram matrices is one
batched product for all of them).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._design import StackedDesign
from ._gram import GramQuadratic, _stacked_moments

_TINY = np.finfo(float).tiny
# The Gram matrices of a model on sparse rows (n_tasks × n_features² floats) are formed up to this size;
# beyond it the model is minimised over the columns (coordinate descent).
_MAX_GRAM_FLOATS = 2**21


def model_is_compact(penalty, intercepts):
    """Whether :class:`TaskGramModel` and :func:`minimise_model` take a problem with this penalty and intercepts.

    The penalty has a closed-form prox of all of Ω (no smooth part), and every
    task has its own free intercept or every one is fixed at zero (not shared).
    """
    return intercepts.each_task_or_none and penalty.smooth_split(len(intercepts.free))[0] is None


class TaskGramModel:
    """``q(W) = Σ_t ½ w_tᵀ H_t w_t − c_tᵀ w_t`` of a weighted stacked design (see the module docstring).

    Parameters
    ----------
    design : StackedDesign
        Dense or sparse rows; its entry weights are the h_i and its targets the ỹ_i.
    fit_intercept : bool
        Whether every task has a free intercept (eliminated by centring).
    """

    def __init__(self, design, fit_intercept):
        self.H, self.c, self._x_mean, self._y_mean, _ = _stacked_moments(design, fit_intercept)
        self.fit_intercept = fit_intercept
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
        """The best intercepts for the weights W (zeros without intercepts)."""
        if not self.fit_intercept:
            return np.zeros(W.shape[0])
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
    whose Gram matrices exceed their bound (:func:`gram_model_fits`).

    Parameters
    ----------
    design : StackedDesign
        Its entry weights are the h_i and its targets the ỹ_i.
    fit_intercept : bool
        Whether every task has a free intercept (eliminated by centring).
    """

    def __init__(self, design, fit_intercept):
        self.n_tasks, self.n_features = design.n_tasks, design.n_features
        h, y = design.weight, design.y
        self._design, self.fit_intercept = design, fit_intercept
        if fit_intercept:
            totals = np.maximum(design.task_sums(h), _TINY)
            self._x_mean = design.backward(h) / totals[:, None]
            self._y_mean = design.task_sums(h * y) / totals
        else:
            self._x_mean, self._y_mean = np.zeros((self.n_tasks, self.n_features)), np.zeros(self.n_tasks)
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
        if self.fit_intercept:
            HW -= self._x_mean * design.task_sums(weighted)[:, None]
        if out is None:
            return HW
        out[...] = HW
        return out

    # The power-iteration estimate of λ_max(H), through the products above.
    lipschitz_estimate = GramQuadratic.lipschitz_estimate

    def intercepts(self, W):
        """The best intercepts for the weights W (zeros without intercepts)."""
        return self._y_mean - np.einsum("tp,tp->t", self._x_mean, W)


def gram_model_fits(design):
    """Whether the Gram matrices of a model on ``design`` (sparse rows) are formed: T p² floats at most 2²¹."""
    return design.n_tasks * design.n_features**2 <= _MAX_GRAM_FLOATS


def rows_for_gram_models(design):
    """The rows the Gram-matrix models of sparse ``design`` are built from: densified once when they are few.

    Every Newton step forms its tasks' Gram matrices from the same rows with
    new entry weights.  When the rows, dense, hold no more floats than those
    T p × p Gram matrices (n ≤ T p: fewer rows per task than features, the
    text-like shape) and at most 2²¹, a copy of ``design`` on its dense rows
    makes each task's rows a view instead of a sparse slice densified at
    every step; otherwise they stay sparse.
    """
    n, p = design.n_entries, design.n_features
    if n > design.n_tasks * p or n * p > _MAX_GRAM_FLOATS:
        return design
    return design.with_matrix(design.X.toarray())


def sparse_models_apply(design, penalty, intercepts):
    """Whether the Newton models of a problem on ``design`` are models of sparse rows (by their structure).

    Sparse rows, each task its own (entry weights per row); a penalty
    separable over features, on W itself (``n_blocks = 1``: parts summed into
    W are perfectly correlated in the data, which slows the block steps
    alike), whose prox is closed form, with uniform intercepts
    (:func:`model_is_compact`).  Which method minimises them (FISTA on the
    Gram matrices or with products on the rows, or coordinate descent over the
    columns) depends on the loss and the size as well:
    :func:`~mtlearn.solvers._newton.sparse_model_method`.
    """
    return (
        isinstance(design, StackedDesign)
        and sp.issparse(design.X)
        and bool(penalty.feature_separable)
        and penalty.n_blocks == 1
        and model_is_compact(penalty, intercepts)
    )


class ColumnModel:
    r"""The weighted least-squares model on the columns of sparse rows, for coordinate descent.

    ``q(W, b) = Σ_i ½ h_i (ỹ_i − x_iᵀ w_{t_i} − b_{t_i})²`` with the h_i the
    design's entry weights and ỹ_i its targets.  Holds X in compressed
    columns (one copy of the rows' nonzeros), the task of every nonzero,
    ``h_i x_ij``, and per feature and task the sums ``s_tj = Σ_{i in t} h_i
    x_ij`` and the curvatures of the columns centred with the weights h
    (with intercepts; of the columns themselves without),

        d_tj = Σ_{i in t} h_i x_ij² − s_tj² / Σ_{i in t} h_i.

    The centring is never formed: a step in w_tj moves the best intercept
    b_t by ``−(s_tj / Σ_{i in t} h_i) Δw_tj``, kept as one offset per task.

    Parameters
    ----------
    design : StackedDesign
        Sparse rows; its entry weights are the h_i and its targets the ỹ_i.
    fit_intercept : bool
        Whether every task has a free intercept.
    """

    def __init__(self, design, fit_intercept):
        X = sp.csc_matrix(design.X)
        self.indptr, self.rows, self.values = X.indptr, X.indices, X.data
        T, m = design.n_tasks, design.n_features
        self.n_tasks, self.n_features = T, m
        self.task = design.task_index
        self.entry_task = self.task[self.rows]
        h = design.weight
        self.h, self.fit_intercept = h, fit_intercept
        self.hx = h[self.rows] * self.values
        self.cells = cells = np.repeat(np.arange(m), np.diff(self.indptr)) * T + self.entry_task
        squares = np.bincount(cells, self.hx * self.values, minlength=m * T).reshape(m, T)
        self.task_curvature = np.maximum(self.task_sums(h), np.finfo(float).tiny)
        if fit_intercept:
            self.sums = np.bincount(cells, self.hx, minlength=m * T).reshape(m, T)
            self.shifts = self.sums / self.task_curvature
            squares = np.maximum(squares - self.sums * self.shifts, 0.0)
        else:
            self.sums = self.shifts = np.zeros((m, T))
        self.curvature = squares

    def task_sums(self, g):
        """``Σ_{i in t} g_i`` for every task."""
        return np.bincount(self.task, g, minlength=self.n_tasks)

    def gradients(self, r, offset):
        """``g_tj = Σ_{i in t} h_i x̃_ij (r_i + offset_t)`` of every feature, shape (n_tasks, n_features)."""
        m, T = self.n_features, self.n_tasks
        G = np.bincount(self.cells, self.hx * r[self.rows], minlength=m * T).reshape(m, T)
        return (G + self.sums * offset).T


def minimise_by_coordinates(model, penalty, alpha, V0, b0, residual, *, residual_target, max_iter):
    r"""Minimise ``q(W, b) + α Ω`` by cyclic block coordinate descent over features, from (V0, b0).

    The intercepts are kept at their optimum for the current W (the model on
    centred columns, :class:`ColumnModel`).  Feature j's block holds its
    weights in every task and every part of the penalty (``V[:, j + k m]``,
    k < n_blocks); the tasks' data do not interact within a block, so ``q``
    restricted to it is majorised by ``½ L_j ‖Δ‖²`` with
    ``L_j = n_blocks · max_t d_tj``, and the block step

        V_j ← prox_{α Ω_j / L_j}(V_j + g_j / L_j),   g_tj = Σ_{i in t} h_i x̃_ij r_i,

    (r the model's residual ỹ − f, x̃ the centred column) decreases the
    model monotonically.  The sweeps go over an active set (glmnet's): the
    features in use and those whose block would leave zero, found for every
    feature at once from the gradients of all columns (for a norm,
    ``L_j prox_{αΩ_j/L_j}(g_j/L_j) = prox_{αΩ_j}(g_j)``, nonzero by more than
    the target).  When a sweep's largest step ``L_j ‖ΔV_j‖_∞`` is at most
    ``residual_target`` the active set is renewed; it stops when no feature
    outside it would move.

    Parameters
    ----------
    model : ColumnModel
    penalty : Penalty
        Separable over features.
    alpha : float
    V0 : ndarray of shape (n_tasks, n_blocks · n_features)
    b0 : ndarray of shape (n_tasks,)
    residual : ndarray of shape (n_entries,)
        ``ỹ − f`` at (V0, b0) (taken over and modified).
    residual_target : float
    max_iter : int
        Most sweeps.

    Returns
    -------
    V, b : ndarrays like V0, b0
    n_iter : int
        Sweeps made.
    """
    T, m, k = model.n_tasks, model.n_features, penalty.n_blocks
    V = V0.copy()
    parts = V.reshape(T, k, m)  # a view: parts[:, :, j] is feature j's block
    # The residual is r[i] + offset[t_i]: the intercepts' moves are kept per task (b + offset stays b0).
    offset = np.zeros(T)
    if model.fit_intercept:
        offset -= model.task_sums(model.h * residual) / model.task_curvature
    L = k * model.curvature.max(axis=1, initial=0.0)
    live = np.flatnonzero(L > 0)
    bounds, inverse = model.indptr.tolist(), (1.0 / np.where(L > 0, L, 1.0)).tolist()
    rows, values, entry_task, hx = model.rows, model.values, model.entry_task, model.hx
    sums, shifts = model.sums, model.shifts
    r = residual
    prox, bincount = penalty.prox, np.bincount

    def sweep(features):
        largest = 0.0
        for j in features.tolist():
            start, stop, step = bounds[j], bounds[j + 1], inverse[j]
            where, tasks = rows[start:stop], entry_task[start:stop]
            g = bincount(tasks, hx[start:stop] * r[where], minlength=T) + offset * sums[j]
            old = parts[:, :, j]
            new = prox(old + step * g[:, None], alpha * step)
            change = new - old
            moved = np.abs(change).max()
            if moved > 0.0:
                parts[:, :, j] = new
                delta = change.sum(axis=1)
                r[where] -= values[start:stop] * delta[tasks]
                offset[:] += shifts[j] * delta
                largest = max(largest, moved / step)
        return largest

    def violating():
        """The unused features whose block would move by more than the target: prox_{αΩ}(g) ≠ 0."""
        moves = penalty.prox(np.tile(model.gradients(r, offset), k), alpha).reshape(T, k, m)
        unused = ~np.any(parts != 0, axis=(0, 1))
        return np.flatnonzero(unused & (L > 0) & (np.abs(moves).max(axis=(0, 1), initial=0.0) > residual_target))

    def in_use():
        return live[np.any(parts[:, :, live] != 0, axis=(0, 1))]

    active, n_iter = np.union1d(in_use(), violating()), 0
    while n_iter < max_iter and active.size:
        n_iter += 1
        if sweep(active) <= residual_target:
            entering = violating()
            if entering.size == 0:
                break
            active = np.union1d(in_use(), entering)
    return V, b0 - offset, n_iter
