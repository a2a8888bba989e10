"""Per-task scaling of the features (``scale_features``) and the way back to the user's units.

With ``scale_features=True`` an estimator fits, for each task t, the features

    x'_ij = x_ij / s_tj,   i in task t,

with s_tj the spread of feature j over task t's rows, weighted by the rows'
weights v_i in the loss (``sample_weight``, times ``class_weight`` for a
classifier; V_t = Σ_{i in t} v_i):

    s_tj² = Σ_{i in t} v_i (x_ij − x̄_tj)² / V_t,    x̄_tj = Σ_{i in t} v_i x_ij / V_t

when the intercepts are fitted (the within-task standard deviation), and
s_tj² = Σ_{i in t} v_i x_ij² / V_t without intercepts (the spread about the
intercept-free model's zero).  A feature constant in a task (s_tj ≤ 10 ε
|x̄_tj|, ε the machine epsilon: zero up to round-off) keeps s_tj = 1.  The
features are divided, never centred: the intercepts are per task, so
centring would only move them, and a sparse X stays sparse.

The solution w'_t of the scaled problem is returned in the user's units,

    w_tj = w'_tj / s_tj,   so that x·w_t = x'·w'_t,

and the intercepts are unchanged.  The shared model (for tasks not seen in
fit) is mapped back with the pooled scale of each feature, each task
counting once: s̄_j = (mean_t s_tj²)^½.

The penalty then compares the tasks' weights per unit of each feature's
spread within its own task: multiplying task t's features by c > 0 divides
``coef_[t]`` by c and changes nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._design import SharedDesign, with_rows

# Spreads at most this many machine epsilons of |x̄_tj| are round-off of a constant feature.
_CONSTANT_SPREAD = 10 * np.finfo(np.float64).eps


def _column_spreads(X, weight, centre):
    """Weighted column means and mean squares about them (about 0 unless ``centre``), weights summing to one.

    Two passes (the deviations from the mean, squared), so that a constant column has a spread of zero
    up to round-off; for a sparse X the implicit zeros count ``(1 − Σ_stored w) x̄²``, and exactly 0 for a
    column that stores every row of positive weight (where ``1 − Σ_stored w`` is round-off, about 1e-16,
    which times x̄² would add to the spread of a column with a large mean: 0.685067 instead of 0.684986
    at a mean of 1e6).
    """
    if sp.issparse(X):
        X = X.tocoo(copy=True)
        X.sum_duplicates()
        weights = weight[X.row]
        mean = np.bincount(X.col, weights * X.data, minlength=X.shape[1])
        centred = mean if centre else np.zeros_like(mean)
        explicit = np.bincount(X.col, weights * (X.data - centred[X.col]) ** 2, minlength=X.shape[1])
        implicit = np.maximum(1.0 - np.bincount(X.col, weights, minlength=X.shape[1]), 0.0)
        positive = weight > 0
        implicit[np.bincount(X.col, positive[X.row], minlength=X.shape[1]) == np.count_nonzero(positive)] = 0.0
        return mean, explicit + implicit * centred**2
    mean = weight @ X
    centred = X - mean if centre else X
    return mean, weight @ (centred * centred)


@dataclass
class FeatureScaling:
    """Per-task feature scales s_tj, and the maps between the scaled and the user's units.

    Attributes
    ----------
    scale : ndarray of shape (n_tasks, n_features)
        s_tj > 0, dividing feature j on task t's rows.
    """

    scale: np.ndarray

    @classmethod
    def identity(cls, n_tasks, n_features):
        """No scaling: s_tj = 1 (the maps are exact no-ops)."""
        return cls(np.ones((n_tasks, n_features)))

    @classmethod
    def of_design(cls, design, centre):
        """The weighted spread of every feature within every task of a design (about the task mean when ``centre``)."""
        scale = np.empty((design.n_tasks, design.n_features))
        for block in design.blocks():
            weight = block.sample_weight / block.sample_weight.sum()
            mean, spread = _column_spreads(block.X, weight, centre)
            root = np.sqrt(spread)
            reference = mean if centre else np.zeros_like(mean)
            scale[block.task] = np.where(root > _CONSTANT_SPREAD * np.abs(reference), root, 1.0)
            if isinstance(design, SharedDesign):  # one X and one set of weights for every task
                scale[:] = scale[block.task]
                break
        return cls(scale)

    def scaled_design(self, design):
        """A copy of ``design`` whose rows of each task have their features divided by that task's scales."""
        if isinstance(design, SharedDesign):
            factor = 1.0 / self.scale[0]
            X = design.X.multiply(factor[None, :]).tocsr() if sp.issparse(design.X) else design.X * factor
        else:
            factor = 1.0 / self.scale[design.task_of_entries()]
            X = design.X.multiply(factor).tocsr() if sp.issparse(design.X) else design.X * factor
        return with_rows(design, X)

    def scaled_coef(self, coef):
        """Weights in the user's units as variables of the scaled problem: w'_tj = w_tj s_tj.

        Weights of other tasks or features (a previous fit's, as a warm start) are returned as they are.
        """
        scale = self._broadcast(coef)
        return coef * scale if coef.shape[0] == scale.shape[0] and coef.shape[-1] == scale.shape[-1] else coef

    def original_units(self, coef):
        """The scaled problem's weights in the user's units: w_tj = w'_tj / s_tj."""
        return coef / self._broadcast(coef).astype(coef.dtype, copy=False)

    def shared_original_units(self, shared_coef):
        """The shared model's weights in the user's units, with the pooled scales s̄_j = (mean_t s_tj²)^½."""
        pooled = np.sqrt(np.mean(self.scale**2, axis=0))
        return shared_coef / pooled.astype(shared_coef.dtype, copy=False)

    def _broadcast(self, coef):
        """The scales shaped as ``coef``: (n_tasks, n_features), or (n_tasks, n_problems, n_features)."""
        return self.scale if coef.ndim == 2 else self.scale[:, None, :]
