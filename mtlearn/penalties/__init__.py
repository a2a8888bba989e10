"""Task-coupling penalties Ω(W) of the multi-task objective.

``W`` has shape (n_tasks, n_features): row t is task t's weight vector ``w_t``.
Every model minimises ``data term + α · Ω(W)``.  Every penalty is a
:class:`Penalty`: it provides ``value``, ``prox``, ``dual_term`` (for duality
gaps), ``shared_coef`` and ``describe``, and declares its optional
capabilities as attributes (``quadratic``, ``mean_type``,
``feature_separable``, ``has_dual_norm``, ``rotation_invariant``, ``low_rank``, ``n_blocks``,
``smooth_split``); see :mod:`mtlearn.penalties._base` for the protocol and
the user guide page "Adding a loss or a penalty".

A string ``penalty`` names a penalty with its default parameters (see
:data:`PENALTIES`); ``"mean"`` and ``"relationship"`` take the estimator's ``mix``.  Penalties are
small estimator-like objects (``get_params``/``set_params``, validated when
built), so a grid search can tune their parameters as ``penalty__<name>``.
"""

from ._base import FeatureSeparableNorm, NormPenalty, Penalty, TaskQuadratic
from ._cluster import ClusterPenalty
from ._quadratic import GraphPenalty, MeanPenalty, RidgePenalty
from ._relationship import RelationshipPenalty
from ._sparse import DirtyPenalty, L21Penalty, LassoPenalty
from ._spectral import TracePenalty

# name -> factory taking the estimator's ``mix``
PENALTIES = {
    "mean": lambda mix: MeanPenalty(mix=mix),
    "ridge": lambda mix: RidgePenalty(),
    "l21": lambda mix: L21Penalty(),
    "lasso": lambda mix: LassoPenalty(),
    "trace": lambda mix: TracePenalty(),
    "dirty": lambda mix: DirtyPenalty(),
    "graph": lambda mix: GraphPenalty(),
    "cluster": lambda mix: ClusterPenalty(),
    "relationship": lambda mix: RelationshipPenalty(mix=mix),
}

# the names whose penalty takes the estimator's ``mix`` (searched by the CV estimators' ``mixes``)
MIXED_PENALTIES = ("mean", "relationship")


def takes_mix(penalty):
    """Whether the estimator parameter ``penalty`` names a penalty built with the estimator's ``mix``.

    Parameters
    ----------
    penalty : str, Penalty or other
        The estimator's ``penalty`` parameter (a penalty object carries its own parameters).

    Returns
    -------
    bool
    """
    return isinstance(penalty, str) and penalty in MIXED_PENALTIES


def make_penalty(penalty, *, mix):
    """The :class:`Penalty` for the estimator parameters ``penalty`` and ``mix``.

    Parameters
    ----------
    penalty : str or Penalty
        A name of :data:`PENALTIES`, or a penalty instance (used as it is).
    mix : float
        The estimator's ``mix``, for ``penalty="mean"`` and ``penalty="relationship"``.

    Returns
    -------
    Penalty
    """
    if isinstance(penalty, Penalty):
        return penalty
    if isinstance(penalty, str):
        if penalty not in PENALTIES:
            raise ValueError(
                f"Unknown penalty {penalty!r}; choose one of {sorted(PENALTIES)} or pass a penalty object."
            )
        return PENALTIES[penalty](mix)
    raise ValueError(
        f"penalty must be one of {sorted(PENALTIES)} or a mtlearn.penalties.Penalty instance, got {penalty!r}."
    )


__all__ = [
    "MIXED_PENALTIES",
    "PENALTIES",
    "ClusterPenalty",
    "DirtyPenalty",
    "FeatureSeparableNorm",
    "GraphPenalty",
    "L21Penalty",
    "LassoPenalty",
    "MeanPenalty",
    "NormPenalty",
    "Penalty",
    "RelationshipPenalty",
    "RidgePenalty",
    "TaskQuadratic",
    "TracePenalty",
    "make_penalty",
    "takes_mix",
]
