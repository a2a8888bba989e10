r"""A weighted least-squares model on each task's Gram matrix, minimised with a penalty by FISTA.

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
"""

from __future__ import annotations

import numpy as np

from ._gram import _stacked_moments


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
        Dense rows; its entry weights are the h_i and its targets the ỹ_i.
    fit_intercept : bool
        Whether every task has a free intercept (eliminated by centring).
    """

    def __init__(self, design, fit_intercept):
        self.H, self.c, self._x_mean, self._y_mean, _ = _stacked_moments(design, fit_intercept)
        self.fit_intercept = fit_intercept
        top = np.linalg.eigvalsh(self.H)[:, -1].max(initial=0.0)
        self.lipschitz = max(float(top), np.finfo(float).tiny)

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
