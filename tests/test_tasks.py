"""The four ways tasks reach an estimator give the same model."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from mtlearn import MultiTaskClassifier, MultiTaskRegressor

from ._augmented import make_tasks


@pytest.fixture
def data():
    X, y, task_index = make_tasks(0)
    labels = np.array(["oak", "elm", "ash"])[task_index]
    return X, y, labels


def test_labels_task_column_and_dataframe_column_agree(data):
    X, y, labels = data
    by_labels = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=labels)
    with_column = np.column_stack([labels, X]).astype(object)
    by_position = MultiTaskRegressor(alpha=0.1, task_column=0).fit(with_column, y)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]).assign(site=labels)
    by_name = MultiTaskRegressor(alpha=0.1, task_column="site").fit(frame, y)
    for model in (by_position, by_name):
        assert_array_equal(model.tasks_, ["ash", "elm", "oak"])
        assert_allclose(model.coef_, by_labels.coef_, rtol=1e-12)
    assert_allclose(by_name.predict(frame), by_labels.predict(X, tasks=labels), rtol=1e-12)
    assert by_name.n_features_in_ == X.shape[1] + 1
    assert list(by_name.feature_names_in_) == list(frame.columns)


def test_task_column_input_is_not_modified(data):
    X, y, labels = data
    Xt = np.column_stack([X, np.unique(labels, return_inverse=True)[1]])
    before = Xt.copy()
    MultiTaskRegressor(task_column=-1).fit(Xt, y).predict(Xt)
    assert_array_equal(Xt, before)


def test_shared_design_equals_stacked_rows():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4))
    Y = X @ rng.normal(size=(4, 3)) + rng.normal(size=(50, 3))
    shared = MultiTaskRegressor(alpha=0.05, mix=0.6).fit(X, Y)
    stacked = MultiTaskRegressor(alpha=0.05, mix=0.6).fit(
        np.tile(X, (3, 1)), Y.T.ravel(), tasks=np.repeat([0, 1, 2], 50)
    )
    assert_array_equal(shared.tasks_, [0, 1, 2])
    assert_allclose(shared.coef_, stacked.coef_, rtol=1e-10)
    assert_allclose(shared.predict(X), np.column_stack([stacked.predict(X, tasks=np.full(50, t)) for t in range(3)]))
    assert_allclose(shared.predict(X[:5], tasks=[2, 0, 1, 1, 2]), shared.predict(X[:5])[np.arange(5), [2, 0, 1, 1, 2]])


def test_shared_design_classifier_columns_are_tasks():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    model = MultiTaskClassifier(alpha=0.01, mix=0.0, tol=1e-8).fit(X, Y)
    per_task = [MultiTaskClassifier(alpha=0.01, tol=1e-8).fit(X, Y[:, t]) for t in range(2)]
    for t in range(2):
        assert_allclose(model.coef_[t], per_task[t].coef_[0], rtol=1e-5)
    assert model.predict(X).shape == (80, 2)


def test_no_labels_is_one_task(data):
    X, y, _ = data
    single = MultiTaskRegressor(alpha=0.1).fit(X, y)
    same = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=np.full(len(y), "only"))
    assert single.coef_.shape == (1, X.shape[1])
    assert_allclose(single.coef_, same.coef_, rtol=1e-12)
    assert_allclose(single.predict(X), same.predict(X, tasks=np.full(len(y), "only")))


def test_unknown_task_is_named_or_predicted_with_the_shared_model(data):
    X, y, labels = data
    model = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=labels)
    with pytest.raises(ValueError, match=r"\['pine'\] were not seen in fit"):
        model.predict(X[:2], tasks=["oak", "pine"])
    model.set_params(handle_unknown="shared")
    pred = model.predict(X[:2], tasks=["oak", "pine"])
    assert_allclose(pred[1], X[1] @ model.shared_coef_ + model.shared_intercept_)
    assert_allclose(pred[0], model.predict(X[:1], tasks=["oak"])[0])


def test_multi_task_model_needs_labels_at_predict(data):
    X, y, labels = data
    model = MultiTaskRegressor().fit(X, y, tasks=labels)
    with pytest.raises(ValueError, match="fitted on 3 tasks"):
        model.predict(X)


def test_task_weights_by_label_or_position_agree(data):
    X, y, labels = data
    by_dict = MultiTaskRegressor(alpha=0.1, task_weights={"ash": 1.0, "elm": 3.0, "oak": 0.5}).fit(X, y, tasks=labels)
    by_array = MultiTaskRegressor(alpha=0.1, task_weights=[1.0, 3.0, 0.5]).fit(X, y, tasks=labels)
    plain = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=labels)
    assert_allclose(by_dict.coef_, by_array.coef_, rtol=1e-12)
    assert not np.allclose(by_dict.coef_, plain.coef_)


def test_task_weights_scale_a_tasks_loss_like_its_penalty_share():
    # With mix=0 the tasks are independent: weighting task t by ρ equals dividing its α by ρ.
    X, y, task_index = make_tasks(3)
    weighted = MultiTaskRegressor(alpha=0.1, mix=0.0, task_weights=[2.0, 1.0, 1.0]).fit(X, y, tasks=task_index)
    rows = task_index == 0
    alone = MultiTaskRegressor(alpha=0.05).fit(X[rows], y[rows])
    assert_allclose(weighted.coef_[0], alone.coef_[0], rtol=1e-10)


def test_tuple_labels_are_tasks_like_any_hashable(data):
    """Tuples (e.g. (region, school)) label tasks as their string codes do; unseen tuples are named."""
    X, y, labels = data
    pairs = {"oak": ("north", 1), "elm": ("north", 2), "ash": ("south", 1)}
    tuples = [pairs[label] for label in labels]
    by_tuples = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=tuples)
    by_strings = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=labels)
    # Sorted tuples ("north", 1) < ("north", 2) < ("south", 1) are oak, elm, ash.
    assert list(by_tuples.tasks_) == [("north", 1), ("north", 2), ("south", 1)]
    order = [list(by_strings.tasks_).index(name) for name in ("oak", "elm", "ash")]
    assert_allclose(by_tuples.coef_, by_strings.coef_[order], rtol=1e-12)
    assert_allclose(by_tuples.predict(X[:5], tasks=tuples[:5]), by_strings.predict(X[:5], tasks=labels[:5]), rtol=1e-12)
    with pytest.raises(ValueError, match=r"\('east', 9\)"):
        by_tuples.predict(X[:1], tasks=[("east", 9)])
