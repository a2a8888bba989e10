"""Task-coupling penalties Ω(W) of the multi-task objective.

``W`` has shape (n_tasks, n_features): row t is task t's weight vector ``w_t``.
Every model minimises ``data term + α · Ω(W)``; a penalty object gives

- ``value(W)``: Ω(W);
- ``prox(W, step)``: argmin_V ½‖V − W‖_F² + step · Ω(V);
- ``shared_coef(W)``: the component the tasks share, used for tasks unseen in fit.

Penalties are small estimator-like objects (``get_params``/``set_params``), so a
grid search can tune their parameters as ``penalty__<name>``.  A string
``penalty`` names a penalty with its default parameters (see :data:`PENALTIES`);
``"mean"`` takes the estimator's ``mix``.
"""

from ._quadratic import MeanPenalty, RidgePenalty

# name -> factory taking the estimator's ``mix``
PENALTIES = {
    "mean": lambda mix: MeanPenalty(mix=mix),
    "ridge": lambda mix: RidgePenalty(),
}


def make_penalty(penalty, *, mix):
    """The penalty object for the estimator parameters ``penalty`` and ``mix``."""
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


__all__ = ["PENALTIES", "MeanPenalty", "RidgePenalty", "make_penalty"]
