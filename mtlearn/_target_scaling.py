"""Per-task standardisation of regression targets (``normalize_y``) and the way back to the user's units.

With ``normalize_y=True`` a regressor fits, for each task t, the targets

    y'_i = (y_i − m_t) / σ_t,   i in task t,

with, for sample weights s_i (S_t = Σ_{i in t} s_i),

    m_t = Σ_{i in t} s_i y_i / S_t,     σ_t² = Σ_{i in t} s_i (y_i − m_t)² / S_t

when the intercepts are fitted (the weighted mean and standard deviation of
the task's targets), and m_t = 0, σ_t² = Σ s_i y_i² / S_t without intercepts
(the scale about the intercept-free model's zero).  A task whose targets are
constant (σ_t ≤ 10 ε |m_t|, ε the machine epsilon: zero up to round-off)
keeps σ_t = 1.  The solution (w'_t, b'_t) of the standardised problem is
returned in the units of y,

    w_t = σ_t w'_t,   b_t = σ_t b'_t + m_t,

so x·w_t + b_t = σ_t (x·w'_t + b'_t) + m_t.  The shared model (for tasks
not seen in fit) is mapped back with the pooled scale and mean, each task
counting once as in ``shared_intercept_``: σ̄ = (mean_t σ_t²)^½, m̄ = mean_t m_t.

With one intercept shared by the tasks, per-task means would be per-task
intercepts again: the targets are standardised by one mean and one scale, those
of all the entries (:meth:`TargetScaling.pooled_of_design`), a change of
unit common to every task.

Every loss term of the standardised problem is the original one divided by
σ_t², so the coupling penalty compares the tasks' weights in units of their
own spread, and F₀ of a task with fitted intercept is ρ_t / 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._design import with_targets
from ._statistics import TaskStatistics

# Spreads at most this many machine epsilons of |m_t| are round-off of constant targets.
_CONSTANT_SPREAD = 10 * np.finfo(np.float64).eps


def _checked_scale(mean_square, mean):
    """σ_t = √(mean square), 1 for the tasks whose spread is round-off of a constant target."""
    scale = np.sqrt(np.maximum(mean_square, 0.0))
    return np.where(scale > _CONSTANT_SPREAD * np.abs(mean), scale, 1.0)


@dataclass
class TargetScaling:
    """Per-task target means m_t and scales σ_t, and the maps between the two sets of units.

    Attributes
    ----------
    mean : ndarray of shape (n_tasks,)
        m_t, subtracted from task t's targets (0 without intercepts).
    scale : ndarray of shape (n_tasks,)
        σ_t > 0, dividing them.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def identity(cls, n_tasks):
        """No standardisation: m_t = 0, σ_t = 1 (the maps are exact no-ops)."""
        return cls(np.zeros(n_tasks), np.ones(n_tasks))

    @classmethod
    def of_design(cls, design, centre):
        """The weighted statistics of each task's entry targets in a design (centred when ``centre``)."""
        task = design.task_of_entries()
        weight = design.weight / design.task_weights[task]
        total = design.task_sums(weight)
        mean = design.task_sums(weight * design.y) / total if centre else np.zeros(design.n_tasks)
        residual = design.y - mean[task]
        mean_square = design.task_sums(weight * residual * residual) / total
        return cls(mean, _checked_scale(mean_square, mean))

    @classmethod
    def pooled_of_design(cls, design):
        """One mean and one scale for every task: those of all the entry targets, weighted as in the objective.

        For an intercept shared by the tasks (``intercept_sharing="shared"``):
        m = Σ c_i y_i / Σ c_i and σ² = Σ c_i (y_i − m)² / Σ c_i with the entry
        weights c_i, so that the model stays one model of all the rows.
        """
        c = design.weight
        total = np.sum(c)
        mean = np.full(design.n_tasks, np.dot(c, design.y) / total)
        mean_square = np.full(design.n_tasks, np.dot(c, (design.y - mean[0]) ** 2) / total)
        return cls(mean, _checked_scale(mean_square, mean))

    @classmethod
    def of_statistics(cls, statistics, centre):
        """The same statistics from per-task sufficient statistics (exact: no pass over the rows)."""
        S, y_mean = statistics.weight_sum, statistics.y_mean
        centred = statistics.yy / S
        if centre:
            return cls(y_mean.copy(), _checked_scale(centred, y_mean))
        return cls(np.zeros_like(y_mean), _checked_scale(centred + y_mean * y_mean, np.zeros_like(y_mean)))

    def standardised_design(self, design):
        """A shallow copy of ``design`` with every entry target standardised by its task's (m_t, σ_t)."""
        task = design.task_of_entries()
        return with_targets(design, (design.y - self.mean[task]) / self.scale[task])

    def standardised_statistics(self, statistics):
        """The sufficient statistics of the standardised targets (x̄_t and C_t unchanged).

        ȳ'_t = (ȳ_t − m_t) / σ_t,  c'_t = c_t / σ_t,  q'_t = q_t / σ_t².
        """
        return TaskStatistics(
            statistics.tasks,
            statistics.n_samples,
            statistics.weight_sum,
            statistics.x_mean,
            (statistics.y_mean - self.mean) / self.scale,
            statistics.xx,
            statistics.xy / self.scale[:, None],
            statistics.yy / self.scale**2,
        )

    def standardised_coef(self, coef, intercept):
        """(W, b) in the user's units as variables of the standardised problem: w_t / σ_t, (b_t − m_t) / σ_t."""
        return coef / self.scale[:, None], (intercept - self.mean) / self.scale

    def original_units(self, coef, intercept):
        """The standardised solution (W', b') in the user's units: w_t = σ_t w'_t, b_t = σ_t b'_t + m_t."""
        scale = self.scale.astype(coef.dtype, copy=False)
        mean = self.mean.astype(intercept.dtype, copy=False)
        return coef * scale[:, None], intercept * scale + mean

    def shared_original_units(self, shared_coef, shared_intercept):
        """The shared model in the user's units, with the pooled scale σ̄ = (mean σ_t²)^½ and mean m̄ = mean m_t."""
        pooled_scale = float(np.sqrt(np.mean(self.scale**2)))
        return shared_coef * pooled_scale, shared_intercept * pooled_scale + float(np.mean(self.mean))
