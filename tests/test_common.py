"""scikit-learn's estimator checks over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from mtlearn import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskKernelRidge,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    MultiTaskSVC,
    SharedRepresentationRegressor,
)

_DUAL_SAMPLE_WEIGHT_REASON = (
    "compares fits to rtol=1e-7, but the hinge-loss dual solver stops at a relative duality "
    "gap of tol=1e-4, which leaves the weights accurate to about 1e-2 only; the same check "
    "passes below with tol tightened, and tests/test_equivalences.py checks "
    "weight 2 == duplicated row at tight tolerance"
)

HINGE_XFAILS = {
    "check_sample_weight_equivalence_on_dense_data": _DUAL_SAMPLE_WEIGHT_REASON,
    "check_sample_weight_equivalence_on_sparse_data": _DUAL_SAMPLE_WEIGHT_REASON,
}

DEFAULT_ESTIMATORS = [
    MultiTaskRegressor(),
    MultiTaskRegressor(penalty="ridge"),
    MultiTaskRegressor(penalty="trace"),
    MultiTaskClassifier(),
    MultiTaskClassifier(loss="hinge"),
    MultiTaskClassifier(loss="squared_hinge"),
    MultiTaskLinearSVC(),
    MultiTaskKernelRidge(),
    MultiTaskSVC(),
    SharedRepresentationRegressor(),
]

# A 3-value α grid, two mixes (independent and pooled) and 2 folds keep the checks of the default
# penalty list fast (each CV fit is 2 folds × 3 paths — two mixes of "mean", one "l21" — of 3 fits
# and a refit); eps=0.1 keeps the smallest α of the grid from slowing the iterative logistic fits.
SMALL_GRID = {"alphas": 3, "eps": 0.1, "cv": 2, "mixes": [0.0, 1.0]}
CV_ESTIMATORS = [MultiTaskRegressorCV(**SMALL_GRID), MultiTaskClassifierCV(**SMALL_GRID)]

TIGHT_HINGE_ESTIMATORS = [
    MultiTaskClassifier(loss="hinge", tol=1e-10, max_iter=100_000),
    MultiTaskLinearSVC(tol=1e-10, max_iter=100_000),
    MultiTaskSVC(tol=1e-10, max_iter=100_000),
]


TRACE_XFAILS = {
    "check_transformer_n_iter": (
        "fits alpha=1 on data whose alpha_max is 0.41: W = 0 is optimal at the start, so the "
        "certified solver stops after n_iter_=0 iterations"
    ),
}


def _expected_failures(estimator):
    if getattr(estimator, "penalty", None) == "trace":
        return TRACE_XFAILS
    if isinstance(estimator, (MultiTaskLinearSVC, MultiTaskSVC)) or getattr(estimator, "loss", None) == "hinge":
        return HINGE_XFAILS
    return {}


@parametrize_with_checks(DEFAULT_ESTIMATORS + CV_ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", TIGHT_HINGE_ESTIMATORS, ids=repr)
@pytest.mark.parametrize(
    "check", [check_sample_weight_equivalence_on_dense_data, check_sample_weight_equivalence_on_sparse_data]
)
def test_hinge_sample_weight_equivalence_at_tight_tolerance(estimator, check):
    check(type(estimator).__name__, estimator)
