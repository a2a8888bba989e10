"""Suite-wide check of convergence honesty.

Every ``fit`` (and ``partial_fit``) of an mtlearn estimator anywhere in the test suite (the
scikit-learn checks, the path and CV fits, the examples run in-process) either
warns with ``ConvergenceWarning`` or ends with ``certificate_ <= tol``
(``TransferRegressor``, a closed-form solve, has no ``tol``).  The
warnings a fit raises are recorded and then re-issued, so the tests' own
warning filters and ``pytest.warns`` see them as before.
"""

import functools
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._available_if import _AvailableIfDescriptor
from sklearn.utils.metaestimators import available_if

import mtlearn
import mtlearn._base
import mtlearn.model_selection

CERTIFIED = [
    mtlearn._base.MultiTaskLinearModel,
    mtlearn.model_selection._CVMixin,
    mtlearn.MultiTaskRegressor,
    mtlearn.MultiTaskClassifier,
    mtlearn.MultiTaskRegressorCV,
    mtlearn.MultiTaskClassifierCV,
    mtlearn.TransferRegressor,
    mtlearn.TransferClassifier,
    mtlearn.MultiTaskKernelRidge,
    mtlearn.MultiTaskSVC,
    mtlearn.SharedRepresentationRegressor,
]


def _certified(fit):
    @functools.wraps(fit)
    def checked_fit(self, *args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fit(self, *args, **kwargs)
        for warning in caught:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        warned = any(issubclass(warning.category, ConvergenceWarning) for warning in caught)
        certificate, tol = getattr(self, "certificate_", None), getattr(self, "tol", None)
        if not warned and certificate is not None and tol is not None:
            assert certificate <= tol, (
                f"{type(self).__name__}.fit returned without ConvergenceWarning, but its certificate_ "
                f"{certificate:.3g} exceeds tol={tol:g}"
            )
        return result

    return checked_fit


@pytest.fixture(autouse=True)
def every_fit_is_certified(monkeypatch):
    for cls in CERTIFIED:
        for name in ("fit", "partial_fit"):
            if name in vars(cls):
                monkeypatch.setattr(cls, name, _certified_method(vars(cls)[name]))


def _certified_method(method):
    """The checked method, still behind its ``available_if`` condition when it has one."""
    if isinstance(method, _AvailableIfDescriptor):
        return available_if(method.check)(_certified(method.fn))
    return _certified(method)
