"""Task-coupling penalties Ω(W) of the multi-task objective.

``W`` has shape (n_tasks, n_features): row t is task t's weight vector ``w_t``.
Every model minimises ``data term + α · Ω(W)``; a penalty object gives

- ``value(W)``: Ω(W);
- ``prox(W, step)``: argmin_V ½‖V − W‖_F² + step · Ω(V);
- ``shared_coef(W)``: the component the tasks share, used for tasks unseen in fit;

and optionally

- ``dual_norm(G)``: the dual norm of Ω, so that ``alpha_max = dual_norm(G₀)``
  with G₀ the data term's gradient in W at W = 0 (intercepts at their optimum)
  is the smallest α whose solution is W = 0;
- ``describe(W)``: a dict the estimator stores as ``penalty_info_``;
- ``n_blocks``: when > 1 the solver's variable is the stacked parts
  ``[V_1 | … | V_k]`` of W = Σ_j V_j, and ``value``, ``prox`` and ``describe``
  act on it (see :class:`DirtyPenalty`);
- ``smooth_split(n_tasks)``: ``(smooth, proximable)`` parts of Ω when its prox
  has no closed form (see :class:`GraphPenalty` and
  :class:`mtlearn.solvers.CompositeProblem`).

Penalties are small estimator-like objects (``get_params``/``set_params``), so a
grid search can tune their parameters as ``penalty__<name>``.  A string
``penalty`` names a penalty with its default parameters (see :data:`PENALTIES`);
``"mean"`` takes the estimator's ``mix``.
"""

from ._cluster import ClusterPenalty
from ._quadratic import GraphPenalty, MeanPenalty, RidgePenalty
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
}


def make_penalty(penalty, *, mix):
    """The penalty object for the estimator parameters ``penalty`` and ``mix``.

    Parameters
    ----------
    penalty : str or penalty object
        A name of :data:`PENALTIES`, or an object with ``value``, ``prox`` and
        ``shared_coef`` methods (used as it is).
    mix : float in [0, 1] or None
        The estimator's ``mix``, given to the named penalty's constructor.

    Returns
    -------
    penalty : penalty object
        The penalty, its parameters checked.
    """
    if isinstance(penalty, str):
        if penalty not in PENALTIES:
            raise ValueError(f"Unknown penalty {penalty!r}; choose one of {sorted(PENALTIES)} or pass a penalty object.")
        made = PENALTIES[penalty](mix)
    elif all(hasattr(penalty, name) for name in ("value", "prox", "shared_coef")):
        made = penalty
    else:
        raise ValueError(
            f"penalty must be one of {sorted(PENALTIES)} or an object with value, prox and "
            f"shared_coef methods, got {penalty!r}."
        )
    if hasattr(made, "_check"):
        made._check()
    return made


__all__ = [
    "PENALTIES",
    "ClusterPenalty",
    "DirtyPenalty",
    "GraphPenalty",
    "L21Penalty",
    "LassoPenalty",
    "MeanPenalty",
    "RidgePenalty",
    "TracePenalty",
    "make_penalty",
]
