"""The grid the cross-validated estimators search, and how they choose its point.

A CV estimator's ``penalty`` is one penalty or a list of them; each entry is
a :class:`SearchedPenalty`: the penalty (or the settings of its own
parameters from ``penalty_grid``), the ``mix`` values searched with it and
its own α grid.  The fold scores of the whole grid form one array of shape
(n_candidates, n_mixes, n_alphas, n_folds), along one mix axis (:func:`mix_axis`; NaN
where a penalty does not search that mix); :func:`chosen_point` picks its point by the
selection rule and :func:`grid_edges` says which chosen values are an end of
their grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .solvers import METHODS, Problem

# The penalties MultiTaskRegressorCV() and MultiTaskClassifierCV() search with no ``penalty`` given
# (those a solver takes with the estimator's loss): a new default candidate is one more name here.
DEFAULT_PENALTIES = ("mean", "l21", "relationship")

# The mix grid of a penalty that takes a mix, with ``mixes`` not given: from independent tasks (0) to one
# pooled model (1, with one intercept for all the rows: InterceptSharing); task deviations cost
# 1/(1 − mix) times the shared part, one decade apart near 1.
DEFAULT_MIXES = (0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0)

# The smallest mix of "mean" at which MultiTaskClassifierCV's intercept_sharing="auto" shares one intercept
# with the logistic loss (InterceptSharing; benchmarks/RESULTS.md, "The pooled end with one intercept for
# all rows").
LOGISTIC_SHARED_INTERCEPT_MIX = 0.9

# Penalties with a mix grid of their own, with ``mixes`` not given.  "relationship": its mix = 0 is
# ridge, the mean penalty's mix = 0 already, and its fits are iterative (an SVD per step), so it
# searches four values, up to the squared trace norm alone (mix = 1) (benchmarks/RESULTS.md, "Default
# grids of the CV estimators").
PENALTY_MIXES = {"relationship": (0.5, 0.9, 0.99, 1.0)}

# Ratio of the smallest to the largest α of the default grid, with ``eps`` not given: 3 decades below
# the top (alpha_max or the data scale), as LassoCV; 6 for a penalty searched over mixes, whose task
# deviations cost α/(1 − mix), so that its best α moves down as mix nears 1 (benchmarks/RESULTS.md,
# "Default grids of the CV estimators").
DEFAULT_EPS = 1e-3
MIX_GRID_EPS = 1e-6


class GridEdgeWarning(UserWarning):
    """The cross-validated α or mix is an end of its grid: the best value may lie beyond it.

    Raised by :class:`~mtlearn.MultiTaskRegressorCV` and
    :class:`~mtlearn.MultiTaskClassifierCV` after the search; the fitted
    attribute ``on_grid_edge_`` records the same.  ``mix = 0`` (independent
    tasks) and ``mix = 1`` (one pooled model) end the range of mix itself and
    are never an edge.
    """


@dataclass
class SearchedPenalty:
    """One entry of a CV estimator's ``penalty``.

    Attributes
    ----------
    settings : list of str or Penalty
        The penalty, or one penalty object per combination of ``penalty_grid``;
        each has its own path per mix.
    mixes : ndarray of shape (n_mixes,)
        The mix values searched (``takes_mix``), or the one mix the fits are given.
    takes_mix : bool
        Whether the penalty is a name whose penalty has a ``mix`` parameter.
    """

    settings: list
    mixes: np.ndarray
    takes_mix: bool


def has_solver(loss, penalty):
    """Whether some solver method has every capability it requires of this loss and penalty."""
    problem = Problem(design=None, loss=loss, penalty=penalty, alpha=1.0, intercepts=None)
    return any(not method.missing(problem) for method in METHODS)


def default_mixes(name):
    """The mix grid searched with a penalty that takes a mix, with ``mixes`` not given."""
    return np.array(PENALTY_MIXES.get(name, DEFAULT_MIXES), dtype=np.float64)


def mix_axis(searched, given):
    """The mix values along the mix axis of the score array.

    ``given``: the ``mixes`` parameter was given, so every penalty that takes
    a mix searches it, in its order; otherwise the values of all their
    default grids, sorted.  With no penalty that takes a mix, the one mix
    the fits are given.
    """
    grids = [entry.mixes for entry in searched if entry.takes_mix]
    if not grids:
        return searched[0].mixes
    return grids[0] if given else np.unique(np.concatenate(grids))


def shares_intercept(penalty, shared_from):
    """Whether ``intercept_sharing="auto"`` gives this penalty one intercept shared by all the tasks.

    A mean-type penalty (kernel ``M⁻¹ = a I + b 11ᵀ``) whose ``a`` is at most
    ``1 − shared_from``: for ``"mean"``, whose a = 1 − mix does not depend on
    the number of tasks, ``mix ≥ shared_from``.  There each task's deviation
    ``w_t − w̄`` from the mean weights costs ``α / (1 − mix) ≥ α / (1 − shared_from)``
    while a per-task intercept would cost nothing; at ``a = 0`` (mix = 1)
    every task has the same weights and the point is the pooled model.
    """
    return bool(penalty.mean_type) and penalty.kernel_coefficients(1)[0] <= 1.0 - shared_from


@dataclass(frozen=True)
class InterceptSharing:
    """The intercepts of a CV estimator's grid points: its ``intercept_sharing`` and where ``"auto"`` shares.

    Attributes
    ----------
    choice : {"auto", "per_task", "shared"}
        The CV estimator's ``intercept_sharing``.
    shared_from : float
        The smallest mix of ``"mean"`` at which ``"auto"`` shares one
        intercept (:func:`shares_intercept`; the CV estimator's
        ``_shared_intercept_mix``).
    """

    choice: str
    shared_from: float

    def at(self, penalty):
        """The estimators' ``intercept_sharing`` at a grid point of this penalty (a :class:`Penalty` at its mix).

        ``"auto"``: ``"shared"`` where :func:`shares_intercept`, so that the
        pooled point is one model of all the rows (one w, one b) and the
        nearly pooled ones have no free per-task offsets; ``"per_task"``
        elsewhere.  ``"per_task"`` and ``"shared"`` apply to every point.
        """
        if self.choice != "auto":
            return self.choice
        return "shared" if shares_intercept(penalty, self.shared_from) else "per_task"


def default_eps(entry):
    """The default ratio of the smallest to the largest α of a :class:`SearchedPenalty`'s grid."""
    return MIX_GRID_EPS if entry.takes_mix else DEFAULT_EPS


def chosen_point(scores, selection):
    """The (candidate, mix, α) index chosen from the fold scores.

    Parameters
    ----------
    scores : ndarray of shape (n_candidates, n_mixes, n_alphas, n_folds)
        Test scores (higher is better) along α grids in decreasing order; a
        point with a NaN mean score (an undefined score) is never chosen.
    selection : {"best", "one_se"}
        ``"best"``: the highest mean score over the folds.  ``"one_se"``: of
        the best point's candidate and mix, the largest α whose mean score is
        at least the best mean minus its standard error
        ``sd / sqrt(n_folds)`` (sample sd of the best point's fold scores).

    Returns
    -------
    index : tuple of int
        (candidate, mix, α) indices into ``scores``.
    """
    mean = scores.mean(axis=-1)
    if np.all(np.isnan(mean)):
        raise ValueError(
            "Every mean test score of the grid is NaN: the scoring is undefined on these folds "
            "(for example one class in every test fold of a task)."
        )
    best = np.unravel_index(np.argmax(np.where(np.isnan(mean), -np.inf, mean)), mean.shape)
    if selection == "best":
        return tuple(int(i) for i in best)
    n_folds = scores.shape[-1]
    standard_error = np.std(scores[best], ddof=1) / np.sqrt(n_folds) if n_folds > 1 else 0.0
    candidate, mix, _ = best
    within = np.flatnonzero(mean[candidate, mix] >= mean[best] - standard_error)
    return int(candidate), int(mix), int(within[0])


def grid_edges(alphas, alpha, mixes, mix):
    """Which chosen value is an end of its grid: ``{"alpha": ..., "mix": ...}``, each "lower", "upper" or None.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The chosen candidate's α grid.
    alpha : float
        The chosen α.
    mixes : ndarray of shape (n_mixes,) or None
        The chosen candidate's mix grid (None: it takes no mix).
    mix : float or None
        The chosen mix.

    Returns
    -------
    edges : dict
        "upper" for the largest value of a grid of at least two values,
        "lower" for the smallest, None otherwise; ``mix = 0`` and ``mix = 1``
        are the ends of the range of mix (independent and pooled tasks), not
        edges.
    """
    mix_edge = None if mixes is None or mix in (0.0, 1.0) else _end_of(mixes, mix)
    return {"alpha": _end_of(alphas, alpha), "mix": mix_edge}


def _end_of(grid, value):
    """ "upper" or "lower" when ``value`` is the largest or smallest of a grid of ≥ 2 distinct values, else None."""
    if np.unique(grid).size < 2:
        return None
    if value == np.max(grid):
        return "upper"
    if value == np.min(grid):
        return "lower"
    return None
