"""Per-task sufficient statistics of the squared loss, and the compact problem they define.

For the squared loss the data term of every penalty depends on the data only
through, per task t (sample weights s_i, S_t = Σ_{i in t} s_i):

    S_t,   x̄_t = Σ s_i x_i / S_t,   ȳ_t = Σ s_i y_i / S_t,
    C_t = Σ s_i (x_i − x̄_t)(x_i − x̄_t)ᵀ,   c_t = Σ s_i (x_i − x̄_t)(y_i − ȳ_t),
    q_t = Σ s_i (y_i − ȳ_t)².

:class:`TaskStatistics` holds them for a set of rows and merges two sets
exactly with the pairwise update of Chan, Golub & LeVeque (1979): with
δx = x̄_B − x̄_A, δy = ȳ_B − ȳ_A and κ = S_A S_B / (S_A + S_B),

    C = C_A + C_B + κ δx δxᵀ,   c = c_A + c_B + κ δx δy,   q = q_A + q_B + κ δy²,

so chunks of rows (``partial_fit``) and partitions of a cluster (a tree
reduction) give the statistics of their union without ever forming the
uncentred sums, whose cancellation would ruin C_t for features with large
offsets.

:func:`least_squares_form` turns statistics into the compact least-squares
design of :mod:`mtlearn.solvers._gram`: with the objective's per-task average
(G_t = C_t / S_t, g_t = c_t / S_t) and task weights ρ_t,

    Σ_t ρ_t (1/S_t) Σ_{i in t} s_i ½ (y_i − x_iᵀ w_t − b_t)²
        = Σ_t ρ_t ½ ‖R_t w_t − z_t‖² + Σ_t ρ_t ½ (q_t / S_t − ‖z_t‖²)

at the best intercepts b_t = ȳ_t − x̄_tᵀ w_t, where R_tᵀ R_t = G_t and
R_tᵀ z_t = g_t.  Without intercepts the same holds with the uncentred sums
(x̄_t = 0, ȳ_t = 0 in the formulas above).  Memory: T (p² + 2p + 4) floats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._tasks import encode_tasks
from .solvers._gram import _square_roots, compact_stacked_design

# Largest number of entries (rows × p × p) of the outer products formed at once.
_OUTER_ENTRIES = 1 << 22


def _safe_divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0 (broadcast over trailing axes)."""
    shape = denominator.shape + (1,) * (numerator.ndim - denominator.ndim)
    d = denominator.reshape(shape)
    return np.divide(numerator, d, out=np.zeros(np.broadcast_shapes(numerator.shape, d.shape)), where=d > 0)


def _centred_grams(Xc, s, index, starts, n_samples):
    """``Σ_{i in t} s_i x̃_i x̃_iᵀ`` for every task, from centred rows grouped by task.

    A task with at least p rows gets one matrix product (BLAS); the rows of
    the smaller tasks are summed as outer products, a bounded number of rows
    at a time (one product per tiny task would cost more in overhead).
    """
    T, p = len(n_samples), Xc.shape[1]
    xx = np.zeros((T, p, p))
    large = n_samples >= p
    for t in np.flatnonzero(large):
        rows = slice(starts[t], starts[t] + n_samples[t])
        xx[t] = (Xc[rows] * s[rows, None]).T @ Xc[rows]
    small_rows = np.flatnonzero(~large[index])
    rows_at_once = max(1, _OUTER_ENTRIES // (p * p))
    for start in range(0, small_rows.size, rows_at_once):
        rows = small_rows[start : start + rows_at_once]
        chunk_index = index[rows]
        first = np.flatnonzero(np.r_[True, chunk_index[1:] != chunk_index[:-1]])
        outer = np.einsum("ni,nj->nij", s[rows, None] * Xc[rows], Xc[rows])
        xx[chunk_index[first]] += np.add.reduceat(outer, first, axis=0)
    return xx


@dataclass
class TaskStatistics:
    """Weighted, centred sufficient statistics of the rows of each task (see the module docstring).

    Attributes
    ----------
    tasks : ndarray of shape (n_tasks,)
        Sorted task labels.
    n_samples : ndarray of int of shape (n_tasks,)
        Rows seen per task.
    weight_sum : ndarray of shape (n_tasks,)
        S_t, the sum of the sample weights.
    x_mean : ndarray of shape (n_tasks, n_features)
    y_mean : ndarray of shape (n_tasks,)
    xx : ndarray of shape (n_tasks, n_features, n_features)
        C_t, the centred weighted Gram matrix.
    xy : ndarray of shape (n_tasks, n_features)
        c_t, the centred weighted cross-products.
    yy : ndarray of shape (n_tasks,)
        q_t, the centred weighted sum of squares of the targets.
    """

    tasks: np.ndarray
    n_samples: np.ndarray
    weight_sum: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray
    xx: np.ndarray
    xy: np.ndarray
    yy: np.ndarray

    @property
    def n_tasks(self):
        return self.tasks.shape[0]

    @property
    def n_features(self):
        return self.x_mean.shape[1]

    @classmethod
    def from_rows(cls, X, y, labels, sample_weight):
        """The statistics of dense rows X (n, p), targets y (n,), task labels and weights (n,)."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        tasks, index = encode_tasks(labels)
        order = np.argsort(index, kind="stable")
        index, X, y, s = index[order], X[order], y[order], sample_weight[order]
        T = len(tasks)
        starts = np.searchsorted(index, np.arange(T))
        weight_sum = np.bincount(index, weights=s, minlength=T)
        x_mean = _safe_divide(np.add.reduceat(s[:, None] * X, starts, axis=0), weight_sum)
        y_mean = _safe_divide(np.add.reduceat(s * y, starts), weight_sum)
        Xc = X - x_mean[index]
        yc = y - y_mean[index]
        n_samples = np.bincount(index, minlength=T)
        xx = _centred_grams(Xc, s, index, starts, n_samples)
        xy = np.add.reduceat((s * yc)[:, None] * Xc, starts, axis=0)
        yy = np.add.reduceat(s * yc * yc, starts)
        return cls(tasks, n_samples, weight_sum, x_mean, y_mean, xx, xy, yy)

    def _on_tasks(self, tasks):
        """These statistics laid out on the sorted labels ``tasks`` (a superset), zeros elsewhere."""
        position = np.searchsorted(tasks, self.tasks)
        T, p = len(tasks), self.n_features
        out = TaskStatistics(
            tasks,
            np.zeros(T, dtype=np.int64),
            np.zeros(T),
            np.zeros((T, p)),
            np.zeros(T),
            np.zeros((T, p, p)),
            np.zeros((T, p)),
            np.zeros(T),
        )
        for name in ("n_samples", "weight_sum", "x_mean", "y_mean", "xx", "xy", "yy"):
            getattr(out, name)[position] = getattr(self, name)
        return out

    def merge(self, other):
        """The statistics of the union of both sets of rows (a new object; neither is modified)."""
        if other.n_features != self.n_features:
            raise ValueError(
                f"Cannot merge statistics of {other.n_features} features into statistics of "
                f"{self.n_features} features: every chunk must have the same feature columns."
            )
        try:
            tasks = np.union1d(self.tasks, other.tasks)
        except TypeError as exc:
            raise ValueError(
                f"Task labels of type {other.tasks.dtype} cannot be merged with labels of type {self.tasks.dtype}."
            ) from exc
        a, b = self._on_tasks(tasks), other._on_tasks(tasks)
        weight_sum = a.weight_sum + b.weight_sum
        share_b = _safe_divide(b.weight_sum, weight_sum)
        kappa = _safe_divide(a.weight_sum * b.weight_sum, weight_sum)
        dx, dy = b.x_mean - a.x_mean, b.y_mean - a.y_mean
        return TaskStatistics(
            tasks,
            a.n_samples + b.n_samples,
            weight_sum,
            a.x_mean + share_b[:, None] * dx,
            a.y_mean + share_b * dy,
            a.xx + b.xx + kappa[:, None, None] * dx[:, :, None] * dx[:, None, :],
            a.xy + b.xy + (kappa * dy)[:, None] * dx,
            a.yy + b.yy + kappa * dy * dy,
        )


class LeastSquaresForm:
    """The compact least-squares problem of :class:`TaskStatistics` (see the module docstring).

    Parameters
    ----------
    statistics : TaskStatistics
        Every task has a positive weight sum.
    task_weights : ndarray of shape (n_tasks,)
        ρ_t.
    fit_intercept : bool
        Whether every task has a free intercept (eliminated by the centring).

    Attributes
    ----------
    design : StackedDesign
        p rows ``R_t`` and targets ``z_t`` per task, entry weights ρ_t: the
        solvers fit it without intercepts.
    gradient_scale : float
        ``‖∇ data(W = 0, b = 0)‖_∞`` of the original problem (intercept
        gradients included when they are free): the certificate's scale.
    zero_objective : float
        F₀ of the original data (the objective at W = 0, intercepts fitted),
        the scale of the relative certificate.
    objective_offset : float
        The original data term minus the compact one, at the best intercepts.
    """

    def __init__(self, statistics, task_weights, fit_intercept):
        rho = np.asarray(task_weights, dtype=np.float64)
        S = statistics.weight_sum
        G = statistics.xx / S[:, None, None]
        g = statistics.xy / S[:, None]
        q = statistics.yy / S
        x_mean, y_mean = statistics.x_mean, statistics.y_mean
        if fit_intercept:
            self._x_mean, self._y_mean = x_mean, y_mean
        else:
            G = G + x_mean[:, :, None] * x_mean[:, None, :]
            g = g + x_mean * y_mean[:, None]
            q = q + y_mean * y_mean
            self._x_mean, self._y_mean = np.zeros_like(x_mean), np.zeros_like(y_mean)
        R, Z = _square_roots(G, g[:, :, None])
        self.design = compact_stacked_design(R, Z, rho)
        self.objective_offset = float(0.5 * np.dot(rho, q - np.einsum("tpk,tpk->t", Z, Z)))
        # F₀ of the original data: the data term at W = 0 with the intercepts at their optimum.
        self.zero_objective = float(0.5 * np.dot(rho, q))
        # ∇_W at W = 0, b = 0 uses the uncentred cross-products g_t + x̄_t ȳ_t.
        raw = g + self._x_mean * self._y_mean[:, None]
        scale = np.max(np.abs(rho[:, None] * raw), initial=0.0)
        if fit_intercept:
            scale = max(scale, np.max(np.abs(rho * y_mean), initial=0.0))
        self.gradient_scale = max(scale, np.finfo(float).tiny)

    def intercepts(self, W):
        """The optimal intercepts ``b_t = ȳ_t − x̄_tᵀ w_t`` for the weights W."""
        return self._y_mean - np.einsum("tp,tp->t", self._x_mean, W)
