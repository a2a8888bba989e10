"""mtlearn inside scikit-learn: pipelines, grid searches, cross-validation, clone, pickle, warm start."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtlearn import MultiTaskClassifier, MultiTaskLinearSVC, MultiTaskRegressor

from ._augmented import make_tasks


def with_task_column(X, task_index):
    return np.column_stack([X, task_index])


def test_pipeline_scales_features_and_passes_the_task_column_through():
    X, y, task_index = make_tasks(0, n_per_task=(40, 40, 40))
    X = X * [1.0, 100.0, 0.01, 5.0] + 3.0
    Xt = with_task_column(X, task_index)
    n_features = X.shape[1]
    scale = ColumnTransformer([("scale", StandardScaler(), list(range(n_features)))], remainder="passthrough")
    pipe = make_pipeline(scale, MultiTaskRegressor(alpha=0.01, task_column=-1)).fit(Xt, y)
    # Reference: scale the features by hand and pass the labels explicitly.
    scaled = StandardScaler().fit(X)
    direct = MultiTaskRegressor(alpha=0.01).fit(scaled.transform(X), y, tasks=task_index)
    assert_allclose(pipe.predict(Xt), direct.predict(scaled.transform(X), tasks=task_index), rtol=1e-10)
    # The task column was passed through unscaled: the tasks are the original labels.
    assert_array_equal(pipe[-1].tasks_, [0, 1, 2])


def test_grid_search_over_strength_and_mix_with_stratified_folds():
    X, y, task_index = make_tasks(1, n_per_task=(30, 30, 30))
    Xt = with_task_column(X, task_index)
    folds = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(Xt, task_index))
    grid = {"alpha": [0.001, 0.1, 10.0], "mix": [0.0, 0.5, 0.9]}
    search = GridSearchCV(MultiTaskRegressor(task_column=-1), grid, cv=folds).fit(Xt, y)
    # The search's mean test score for each candidate is the mean of per-fold R² computed by hand.
    for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=False):
        fold_scores = []
        for train, test in folds:
            model = MultiTaskRegressor(**params).fit(X[train], y[train], tasks=task_index[train])
            fold_scores.append(model.score(X[test], y[test], tasks=task_index[test]))
        assert_allclose(score, np.mean(fold_scores), rtol=1e-10)
    assert search.best_params_["alpha"] < 10.0


def test_grid_search_with_group_folds_predicts_new_tasks_with_the_shared_model():
    X, y, task_index = make_tasks(2, n_per_task=(20, 20, 20, 20))
    Xt = with_task_column(X, task_index)
    search = GridSearchCV(
        MultiTaskRegressor(task_column=-1, handle_unknown="shared"),
        {"alpha": [0.01, 1.0], "mix": [0.2, 0.9]},
        cv=GroupKFold(n_splits=4),
    )
    search.fit(Xt, y, groups=task_index)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    # Held-out tasks are predicted with shared_coef_ and shared_intercept_.
    train = task_index != 3
    model = MultiTaskRegressor(alpha=0.01, mix=0.9, handle_unknown="shared").fit(
        X[train], y[train], tasks=task_index[train]
    )
    expected = X[~train] @ model.shared_coef_ + model.shared_intercept_
    assert_allclose(model.predict(X[~train], tasks=task_index[~train]), expected)


def test_grid_search_classifier_with_stratified_folds():
    X, y, task_index = make_tasks(3, n_per_task=(40, 40, 40), classification=True)
    Xt = with_task_column(X, task_index)
    strata = task_index * 2 + (y > 0)
    folds = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(Xt, strata))
    search = GridSearchCV(MultiTaskClassifier(task_column=-1), {"alpha": [0.001, 0.1], "mix": [0.0, 0.8]}, cv=folds)
    search.fit(Xt, y)
    assert search.best_score_ > 0.7


def test_cross_val_score_with_the_task_column():
    X, y, task_index = make_tasks(4, n_per_task=(30, 30, 30))
    Xt = with_task_column(X, task_index)
    folds = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=1).split(Xt, task_index))
    scores = cross_val_score(MultiTaskRegressor(alpha=0.01, mix=0.0, task_column=-1), Xt, y, cv=folds)
    # With mix=0 every fold is three independent ridge fits: compare with Ridge per task.
    for (train, test), score in zip(folds, scores, strict=False):
        pred = np.empty(len(test))
        for t in range(3):
            tr, te = train[task_index[train] == t], test[task_index[test] == t]
            ridge = Ridge(alpha=0.01 * len(tr)).fit(X[tr], y[tr])
            pred[task_index[test] == t] = ridge.predict(X[te])
        ss_res = np.sum((y[test] - pred) ** 2)
        ss_tot = np.sum((y[test] - y[test].mean()) ** 2)
        assert_allclose(score, 1 - ss_res / ss_tot, rtol=1e-8)


@pytest.mark.parametrize(
    "model",
    [
        MultiTaskRegressor(alpha=0.1, mix=0.5),
        MultiTaskClassifier(alpha=0.1),
        MultiTaskClassifier(loss="hinge", alpha=0.1),
        MultiTaskLinearSVC(C=1.0),
    ],
)
def test_clone_and_pickle_round_trip(model):
    classification = not isinstance(model, MultiTaskRegressor)
    X, y, task_index = make_tasks(5, classification=classification)
    labels = np.array(["north", "south", "east"])[task_index]
    fitted = clone(model).fit(X, y, tasks=labels)
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(restored.predict(X, tasks=labels), fitted.predict(X, tasks=labels))
    assert_array_equal(restored.tasks_, ["east", "north", "south"])
    unfitted = clone(fitted)
    assert not hasattr(unfitted, "coef_")
    assert unfitted.get_params() == fitted.get_params()


@pytest.mark.parametrize(
    "model",
    [
        MultiTaskClassifier(alpha=0.01, tol=1e-8),
        MultiTaskClassifier(loss="squared_hinge", alpha=0.01, tol=1e-8),
        MultiTaskClassifier(loss="hinge", alpha=0.05, tol=1e-6, max_iter=20_000),
    ],
)
def test_warm_start_refit_from_the_solution_takes_almost_no_iterations(model):
    X, y, task_index = make_tasks(6, classification=True)
    cold = clone(model).fit(X, y, tasks=task_index)
    warm = clone(model).set_params(warm_start=True).fit(X, y, tasks=task_index)
    first = warm.n_iter_
    warm.fit(X, y, tasks=task_index)
    # n_iter_ counts proximal Newton steps for the smooth losses (a handful), dual passes for the hinge
    assert cold.n_iter_ == first > 1
    assert warm.n_iter_ <= max(1, first // 20)
    assert_allclose(warm.coef_, cold.coef_, rtol=1e-3, atol=1e-4)
