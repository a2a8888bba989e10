"""pandas input: a named task column, string task labels, feature names, pandas pipelines."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtlearn import MultiTaskClassifier, MultiTaskLinearSVC, MultiTaskRegressor

pd = pytest.importorskip("pandas")

FEATURES = ["age", "income", "score"]
SCHOOLS = ["oak", "elm", "ash", "fir"]


def _frame(seed=0, n_per_task=25):
    """Rows of four schools (string labels, not sorted) with school-specific slopes."""
    rng = np.random.default_rng(seed)
    n = n_per_task * len(SCHOOLS)
    X = rng.normal(size=(n, len(FEATURES))) * [1.0, 10.0, 0.1] + [0.0, 50.0, 2.0]
    schools = np.repeat(SCHOOLS, n_per_task)
    slopes = {name: rng.normal(size=len(FEATURES)) for name in SCHOOLS}
    y = np.array([X[i] @ slopes[s] for i, s in enumerate(schools)]) + 0.1 * rng.normal(size=n)
    frame = pd.DataFrame(X, columns=FEATURES)
    frame.insert(1, "school", schools)
    return frame, y, X, schools


def test_named_task_column_with_string_labels_matches_per_task_ridge():
    """penalty="ridge" decouples the tasks: row k of coef_ is sklearn's Ridge on the rows of tasks_[k]."""
    frame, y, X, schools = _frame()
    alpha = 0.3
    model = MultiTaskRegressor(penalty="ridge", alpha=alpha, task_column="school").fit(frame, y)
    assert list(model.tasks_) == sorted(SCHOOLS)
    assert list(model.feature_names_in_) == ["age", "school", "income", "score"]
    assert model.n_features_in_ == 4
    for k, school in enumerate(model.tasks_):
        rows = schools == school
        # (1/n_t) Σ ½ r² + α ½‖w‖²  is Ridge's  ½ Σ r² + ½ (α n_t) ‖w‖².
        reference = Ridge(alpha=alpha * rows.sum()).fit(X[rows], y[rows])
        np.testing.assert_allclose(model.coef_[k], reference.coef_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(model.intercept_[k], reference.intercept_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(model.predict(frame[rows]), reference.predict(X[rows]), rtol=1e-8)


@pytest.mark.parametrize("task_column", ["school", 1, -3])
def test_dataframe_task_column_equals_array_with_tasks(task_column):
    frame, y, X, schools = _frame()
    from_frame = MultiTaskRegressor(alpha=0.1, mix=0.7, task_column=task_column).fit(frame, y)
    from_array = MultiTaskRegressor(alpha=0.1, mix=0.7).fit(X, y, tasks=schools)
    np.testing.assert_array_equal(from_frame.tasks_, from_array.tasks_)
    np.testing.assert_allclose(from_frame.coef_, from_array.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(from_frame.predict(frame), from_array.predict(X, tasks=schools), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["object", "category", "string"])
def test_task_column_dtypes_give_the_same_model(dtype):
    frame, y, X, schools = _frame()
    typed = frame.astype({"school": dtype})
    model = MultiTaskRegressor(alpha=0.1, task_column="school").fit(typed, y)
    reference = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=schools)
    assert list(model.tasks_) == sorted(SCHOOLS)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        model.predict(typed.iloc[::-1]), reference.predict(X[::-1], tasks=schools[::-1]), rtol=1e-12
    )


def test_integer_task_column_among_float_features():
    frame, y, X, schools = _frame()
    codes = pd.Series(schools).map({name: 10 * k for k, name in enumerate(SCHOOLS)}).to_numpy()
    frame = frame.assign(school=codes)
    model = MultiTaskRegressor(alpha=0.1, task_column="school").fit(frame, y)
    reference = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=codes)
    np.testing.assert_array_equal(model.tasks_, [0, 10, 20, 30])
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12, atol=1e-12)


def test_fit_does_not_modify_the_frame():
    frame, y, _, _ = _frame()
    before = frame.copy()
    MultiTaskRegressor(task_column="school").fit(frame, y).predict(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_feature_names_are_checked_at_predict():
    frame, y, _, _ = _frame()
    model = MultiTaskRegressor(task_column="school").fit(frame, y)
    with pytest.raises(ValueError, match="school"):
        model.predict(frame.drop(columns="school"))
    with pytest.raises(ValueError, match="order"):
        model.predict(frame[["school", "age", "income", "score"]])
    with pytest.raises(ValueError, match="not a column of X"):
        MultiTaskRegressor(task_column="district").fit(frame, y)
    with pytest.raises(ValueError, match="not a pandas or polars DataFrame"):
        MultiTaskRegressor(task_column="school").fit(frame.to_numpy(), y)


def test_unknown_and_missing_string_tasks():
    frame, y, X, _ = _frame()
    model = MultiTaskRegressor(task_column="school", alpha=0.1).fit(frame, y)
    new = frame.head(3).assign(school="yew")
    with pytest.raises(ValueError, match="yew"):
        model.predict(new)
    model.set_params(handle_unknown="shared")
    np.testing.assert_allclose(model.predict(new), X[:3] @ model.shared_coef_ + model.shared_intercept_)
    for missing in (None, np.nan, pd.NA):
        broken = frame.astype({"school": "object"})
        broken.loc[5, "school"] = missing
        with pytest.raises(ValueError, match="The task column .school. of X has a missing task label at row 5"):
            MultiTaskRegressor(task_column="school").fit(broken, y)


def test_feature_names_recorded_with_tasks_argument():
    """A DataFrame of features plus tasks= (a Series) records feature_names_in_ like sklearn."""
    frame, y, X, schools = _frame()
    features = frame.drop(columns="school")
    model = MultiTaskRegressor(alpha=0.1).fit(features, y, tasks=pd.Series(schools))
    assert list(model.feature_names_in_) == FEATURES
    assert model.n_features_in_ == 3
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.predict(X, tasks=schools)
    with pytest.raises(ValueError, match="order"):
        model.predict(features[FEATURES[::-1]], tasks=schools)


def test_set_output_pandas_column_transformer_pipeline():
    """Scale the features, pass the task column through by name, fit mtlearn on the frame."""
    frame, y, X, schools = _frame()
    scale = ColumnTransformer(
        [("scale", StandardScaler(), FEATURES)], remainder="passthrough", verbose_feature_names_out=False
    ).set_output(transform="pandas")
    pipeline = make_pipeline(scale, MultiTaskRegressor(alpha=0.05, mix=0.5, task_column="school"))
    pipeline.fit(frame, y)
    model = pipeline[-1]
    assert list(model.feature_names_in_) == FEATURES + ["school"]
    X_scaled = StandardScaler().fit_transform(X)
    reference = MultiTaskRegressor(alpha=0.05, mix=0.5).fit(X_scaled, y, tasks=schools)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-10)
    np.testing.assert_allclose(pipeline.predict(frame), reference.predict(X_scaled, tasks=schools), rtol=1e-10)


def test_grid_search_on_a_frame_pipeline():
    frame, y, X, schools = _frame(n_per_task=30)
    scale = ColumnTransformer(
        [("scale", StandardScaler(), FEATURES)], remainder="passthrough", verbose_feature_names_out=False
    ).set_output(transform="pandas")
    pipeline = make_pipeline(scale, MultiTaskRegressor(task_column="school"))
    grid = {"multitaskregressor__alpha": [0.01, 1.0], "multitaskregressor__mix": [0.0, 0.9]}
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(pipeline, grid, cv=cv).fit(frame, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    # The winner refit on all rows is the model fitted directly with those parameters.
    best = search.best_params_
    direct = MultiTaskRegressor(alpha=best["multitaskregressor__alpha"], mix=best["multitaskregressor__mix"])
    direct.fit(StandardScaler().fit_transform(X), y, tasks=schools)
    np.testing.assert_allclose(search.best_estimator_[-1].coef_, direct.coef_, rtol=1e-10)


@pytest.mark.parametrize(
    "estimator",
    [MultiTaskClassifier(alpha=0.05, task_column="school"), MultiTaskLinearSVC(C=1.0, task_column="school")],
)
def test_classifiers_with_string_tasks_and_string_classes(estimator):
    frame, y, X, schools = _frame()
    X = StandardScaler().fit_transform(X)
    frame[FEATURES] = X
    labels = np.where(y > np.median(y), "pass", "fail")
    model = clone(estimator).fit(frame, labels)
    reference = clone(estimator).set_params(task_column=None).fit(X, labels, tasks=schools)
    assert list(model.classes_) == ["fail", "pass"]
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-10)
    np.testing.assert_array_equal(model.predict(frame), reference.predict(X, tasks=schools))
