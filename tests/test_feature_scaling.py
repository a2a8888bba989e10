"""scale_features: each task's features divided by their spread within the task, the model mapped back to X's units."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from mtlearn import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from mtlearn.datasets import make_multitask_classification, make_multitask_regression

TIGHT = {"tol": 1e-10, "max_iter": 50000}


def _hand_scales(X, tasks, weight=None, centre=True):
    """s_tj by numpy, task by task: the weighted standard deviation (root mean square without centring)."""
    labels = np.unique(tasks)
    weight = np.ones(len(X)) if weight is None else weight
    scales = np.empty((len(labels), X.shape[1]))
    for k, t in enumerate(labels):
        rows, w = X[tasks == t], weight[tasks == t]
        mean = np.average(rows, axis=0, weights=w) if centre else 0.0
        scales[k] = np.sqrt(np.average((rows - mean) ** 2, axis=0, weights=w))
    scales[scales == 0] = 1.0
    return scales


def _divided(X, tasks, scales):
    labels = list(np.unique(tasks))
    return X / scales[[labels.index(t) for t in tasks]]


@pytest.fixture(scope="module")
def regression():
    X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_samples=30, n_features=4, noise=0.5, random_state=0)
    factors = np.array([[1.0, 2.0, 0.5, 1.0], [10.0, 10.0, 10.0, 0.1], [100.0, 3.0, 1.0, 30.0]])
    return X * factors[tasks], y, tasks


@pytest.fixture(scope="module")
def classification():
    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=40, n_features=4, random_state=0)
    return X * np.array([1.0, 5.0, 50.0])[tasks][:, None], y, tasks


@pytest.mark.parametrize("penalty", ["mean", "l21", "relationship"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_regressor_is_the_unscaled_fit_on_features_divided_by_hand(regression, penalty, fit_intercept):
    X, y, tasks = regression
    weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    X_given, y_given = X.copy(), y.copy()
    params = {"penalty": penalty, "alpha": 0.05, "mix": 0.7, "fit_intercept": fit_intercept, **TIGHT}
    model = MultiTaskRegressor(scale_features=True, **params).fit(X, y, tasks=tasks, sample_weight=weight)
    scales = _hand_scales(X, tasks, weight, centre=fit_intercept)
    reference = MultiTaskRegressor(**params).fit(_divided(X, tasks, scales), y, tasks=tasks, sample_weight=weight)
    np.testing.assert_allclose(model.feature_scale_, scales, rtol=1e-10)
    np.testing.assert_allclose(model.coef_, reference.coef_ / scales, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.objective_, reference.objective_, rtol=1e-8)
    np.testing.assert_allclose(
        model.predict(X, tasks=tasks), reference.predict(_divided(X, tasks, scales), tasks=tasks)
    )
    np.testing.assert_array_equal(X, X_given)  # inputs are not modified
    np.testing.assert_array_equal(y, y_given)


def test_multiplying_a_tasks_features_divides_its_weights_only(classification):
    """The fit no longer depends on each task's feature units: c_t X_t gives coef_[t] / c_t, the same scores."""
    X, y, tasks = classification
    factors = np.array([3.0, 0.01, 7.0])
    for penalty in ["l21", "relationship"]:
        params = {"penalty": penalty, "alpha": 0.02, "mix": 0.8, "scale_features": True, **TIGHT}
        model = MultiTaskClassifier(**params).fit(X, y, tasks=tasks)
        rescaled = MultiTaskClassifier(**params).fit(X * factors[tasks][:, None], y, tasks=tasks)
        np.testing.assert_allclose(rescaled.coef_ * factors[:, None], model.coef_, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(
            rescaled.decision_function(X * factors[tasks][:, None], tasks=tasks),
            model.decision_function(X, tasks=tasks),
            rtol=1e-6,
            atol=1e-8,
        )
        unscaled = MultiTaskClassifier(**{**params, "scale_features": False}).fit(X, y, tasks=tasks)
        assert not np.allclose(unscaled.coef_, model.coef_, rtol=1e-2)  # the option changes the fit


def test_classifier_with_class_weight_scales_with_the_loss_weights(classification):
    """The spreads are weighted as the loss: by sample_weight times class_weight."""
    X, y, tasks = classification
    params = {"penalty": "l21", "alpha": 0.02, **TIGHT}
    model = MultiTaskClassifier(scale_features=True, class_weight={0: 1.0, 1: 3.0}, **params).fit(X, y, tasks=tasks)
    weight = np.where(y == 1, 3.0, 1.0)
    scales = _hand_scales(X, tasks, weight)
    reference = MultiTaskClassifier(**params).fit(_divided(X, tasks, scales), y, tasks=tasks, sample_weight=weight)
    np.testing.assert_allclose(model.feature_scale_, scales, rtol=1e-10)
    np.testing.assert_allclose(model.coef_, reference.coef_ / scales, rtol=1e-6, atol=1e-9)


def test_sparse_input_gives_the_dense_fit_and_stays_unmodified(regression):
    X, y, tasks = regression
    X_sparse = sp.csr_matrix(np.where(np.abs(X) > 0.5 * np.abs(X).mean(axis=0), X, 0.0))
    given = X_sparse.copy()
    params = {"penalty": "l21", "alpha": 0.05, "scale_features": True, **TIGHT}
    sparse = MultiTaskRegressor(**params).fit(X_sparse, y, tasks=tasks)
    dense = MultiTaskRegressor(**params).fit(X_sparse.toarray(), y, tasks=tasks)
    np.testing.assert_allclose(sparse.feature_scale_, dense.feature_scale_, rtol=1e-12)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-9)
    assert (X_sparse != given).nnz == 0


@pytest.mark.parametrize("weights", ["uniform", "zeros on the sparse column's absent rows"])
def test_sparse_scales_of_columns_with_a_large_mean_are_the_dense_ones(weights):
    """Columns stored on every row of positive weight: no round-off weight of implicit zeros times the mean²."""
    rng = np.random.default_rng(0)
    n = 10
    X = np.column_stack([1e6 + rng.normal(size=n), rng.normal(size=n), 1e6 + rng.normal(size=n)])
    sample_weight = np.ones(n)
    if weights != "uniform":
        X[:3, 2] = 0.0  # absent from the sparse matrix, and weighted 0
        sample_weight[:3] = 0.0
    y = X[:, 1] + 0.1 * rng.normal(size=n)
    fits = [
        MultiTaskRegressor(penalty="ridge", alpha=0.01, scale_features=True).fit(rows, y, sample_weight=sample_weight)
        for rows in (X, sp.csr_matrix(X))
    ]
    positive = sample_weight > 0
    expected = np.sqrt(np.average((X[positive] - np.average(X[positive], axis=0)) ** 2, axis=0))
    np.testing.assert_allclose(fits[0].feature_scale_[0], expected, rtol=1e-9)
    np.testing.assert_allclose(fits[1].feature_scale_, fits[0].feature_scale_, rtol=1e-12)


def test_constant_feature_keeps_scale_one_and_svc_takes_the_option(classification):
    X, y, tasks = classification
    X = X.copy()
    X[tasks == 1, 2] = 4.0  # constant within task 1
    model = MultiTaskLinearSVC(C=0.5, scale_features=True).fit(X, y, tasks=tasks)
    assert model.feature_scale_[1, 2] == 1.0
    np.testing.assert_allclose(model.feature_scale_, _hand_scales(X, tasks), rtol=1e-10)


def test_shared_model_uses_the_pooled_scales(regression):
    X, y, tasks = regression
    params = {"penalty": "mean", "alpha": 0.05, "mix": 0.9, "handle_unknown": "shared"}
    model = MultiTaskRegressor(scale_features=True, **params).fit(X, y, tasks=tasks)
    scales = _hand_scales(X, tasks)
    reference = MultiTaskRegressor(**params).fit(_divided(X, tasks, scales), y, tasks=tasks)
    pooled = np.sqrt(np.mean(scales**2, axis=0))
    np.testing.assert_allclose(model.shared_coef_, reference.shared_coef_ / pooled, rtol=1e-10)
    np.testing.assert_allclose(
        model.predict(X[:5], tasks=[99] * 5), reference.predict(X[:5] / pooled, tasks=[99] * 5), rtol=1e-10
    )


def test_shared_design_scales_the_one_matrix_of_every_task():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3)) * [1.0, 10.0, 100.0]
    Y = X @ rng.standard_normal((3, 2)) + rng.standard_normal((40, 2))
    model = MultiTaskRegressor(penalty="l21", alpha=0.05, scale_features=True, **TIGHT).fit(X, Y)
    spread = X.std(axis=0)
    reference = MultiTaskRegressor(penalty="l21", alpha=0.05, **TIGHT).fit(X / spread, Y)
    np.testing.assert_allclose(model.feature_scale_, np.tile(spread, (2, 1)), rtol=1e-10)
    np.testing.assert_allclose(model.coef_, reference.coef_ / spread, rtol=1e-6, atol=1e-9)


def test_warm_start_restarts_in_the_scaled_units(regression):
    X, y, tasks = regression
    params = {"penalty": "l21", "alpha": 0.05, "scale_features": True, **TIGHT}
    cold = MultiTaskRegressor(**params).fit(X, y, tasks=tasks)
    warm = MultiTaskRegressor(warm_start=True, **params).fit(X, y, tasks=tasks)
    n_first = warm.n_iter_
    warm.fit(X, y, tasks=tasks)
    np.testing.assert_allclose(warm.coef_, cold.coef_, rtol=1e-6, atol=1e-9)
    assert warm.n_iter_ < n_first  # started at the solution, in the units it was solved in


def test_partial_fit_refuses_scale_features(regression):
    X, y, tasks = regression
    with pytest.raises(ValueError, match="scale_features=True"):
        MultiTaskRegressor(scale_features=True).partial_fit(X, y, tasks=tasks)


@pytest.mark.filterwarnings("ignore::mtlearn.model_selection.GridEdgeWarning")
def test_cv_scales_each_fold_with_its_training_rows(regression):
    """MultiTaskRegressorCV(scale_features=True) scores as GridSearchCV refitting the scaled estimator per fold."""
    X, y, tasks = regression
    Xc = np.column_stack([X, tasks])
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, tasks))
    alphas, mixes = np.geomspace(1.0, 1e-3, 4), [0.0, 0.9]
    assert not MultiTaskRegressorCV().scale_features and MultiTaskClassifierCV().scale_features  # the defaults
    cv = MultiTaskRegressorCV(
        penalty="mean",
        alphas=alphas,
        mixes=mixes,
        cv=folds,
        task_column=-1,
        scale_features=True,
        scoring="neg_mean_squared_error",  # GridSearchCV's raw MSE, not the default standardised one
    ).fit(Xc, y)
    search = GridSearchCV(
        MultiTaskRegressor(task_column=-1, normalize_y=True, scale_features=True),
        {"alpha": alphas, "mix": mixes},
        cv=folds,
        scoring="neg_mean_squared_error",
    ).fit(Xc, y)
    expected = search.cv_results_["mean_test_score"].reshape(len(alphas), len(mixes)).T
    np.testing.assert_allclose(cv.scores_.mean(axis=-1), expected, rtol=1e-8)
    np.testing.assert_allclose(cv.coef_, search.best_estimator_.coef_, rtol=1e-8)


@pytest.mark.filterwarnings("ignore::mtlearn.model_selection.GridEdgeWarning")
def test_classifier_cv_passes_the_option_to_its_folds(classification):
    X, y, tasks = classification
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, tasks * 2 + y))
    common = {"penalty": "l21", "alphas": [0.1, 0.01], "cv": folds, **TIGHT}
    on = MultiTaskClassifierCV(**common).fit(X, y, tasks=tasks)
    by_hand = MultiTaskClassifierCV(scale_features=False, **common)
    scores = []
    for train, test in folds:
        scales = _hand_scales(X[train], tasks[train])
        fold = by_hand.set_params(cv=[(np.arange(len(train)), np.arange(len(train), len(y)))])
        Xs = np.vstack([_divided(X[train], tasks[train], scales), _divided(X[test], tasks[test], scales)])
        order = np.concatenate([train, test])
        scores.append(fold.fit(Xs, y[order], tasks=tasks[order]).scores_[..., 0])
    np.testing.assert_allclose(on.scores_, np.stack(scores, axis=-1), rtol=1e-6)
