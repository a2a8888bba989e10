"""Parameter validation at construction, for the loss and penalty objects."""

from __future__ import annotations

from sklearn.base import BaseEstimator


class ValidatedParameters(BaseEstimator):
    """Validates its parameters against ``_parameter_constraints`` when built and whenever they are set.

    Losses and penalties are small estimator-like objects (``get_params`` /
    ``set_params``, so that a grid search can tune them as ``penalty__<name>``);
    unlike estimators they are checked at once, so that ``prox`` and the
    solvers never re-validate them.
    """

    _parameter_constraints: dict = {}

    def __init__(self):
        self._validate_params()

    def set_params(self, **params):
        super().set_params(**params)
        self._validate_params()
        return self
