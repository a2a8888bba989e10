"""Per-task scoring: per_task_scorer against scikit-learn's metric computed task by task by hand."""

import warnings

import numpy as np
import pytest
import scipy.sparse
import sklearn
from numpy.testing import assert_allclose
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    log_loss,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtlearn import MultiTaskClassifier, MultiTaskClassifierCV, MultiTaskRegressor, MultiTaskRegressorCV
from mtlearn.datasets import make_multitask_classification, make_multitask_regression
from mtlearn.metrics import PER_TASK_SCORERS, PerTaskScorer, get_scorer, get_scorer_names, per_task_scorer

ALPHAS = [0.3, 0.03, 0.003]


@pytest.fixture(scope="module")
def classification():
    X, y, tasks, _ = make_multitask_classification(n_tasks=4, n_samples=36, n_features=5, random_state=0)
    return X, y, tasks


@pytest.fixture(scope="module")
def regression():
    X, y, tasks, _ = make_multitask_regression(n_tasks=4, n_samples=30, n_features=5, random_state=1)
    return X, y, tasks


def _task_folds(tasks, n_splits=3):
    return list(StratifiedKFold(n_splits, shuffle=True, random_state=0).split(np.zeros((len(tasks), 1)), tasks))


def _by_hand(metric, response, y, tasks, average="mean"):
    """scikit-learn's metric on each task's rows, from the model's response on those rows alone; the mean."""
    scores, sizes = [], []
    for task in np.unique(tasks):
        rows = tasks == task
        scores.append(metric(y[rows], response(rows)))
        sizes.append(rows.sum())
    return float(np.average(scores, weights=None if average == "mean" else sizes))


def _auc_by_hand(model, X, y, tasks):
    return _by_hand(roc_auc_score, lambda rows: model.decision_function(X[rows], tasks=tasks[rows]), y, tasks)


# --------------------------------------------------------------------------- the scorer on a fitted model
@pytest.mark.parametrize("average", ["mean", "weighted"])
def test_scorer_is_the_average_of_the_metric_per_task(classification, average):
    X, y, tasks = classification
    model = MultiTaskClassifier(alpha=0.05).fit(X, y, tasks=tasks)
    scorer = per_task_scorer(roc_auc_score, average=average, response_method="decision_function")
    expected = _by_hand(
        roc_auc_score, lambda rows: model.decision_function(X[rows], tasks=tasks[rows]), y, tasks, average
    )
    assert scorer(model, X, y, tasks=tasks) == pytest.approx(expected, rel=1e-12)
    # The task column of the estimator gives the same score; the pooled AUC is another number.
    column = MultiTaskClassifier(alpha=0.05, task_column=0).fit(np.column_stack([tasks, X]), y)
    assert scorer(column, np.column_stack([tasks, X]), y) == pytest.approx(expected, rel=1e-12)
    assert roc_auc_score(y, model.decision_function(X, tasks=tasks)) != pytest.approx(expected, rel=1e-3)


def test_probability_of_the_positive_class_and_labels_of_the_model(classification):
    X, y, tasks = classification
    labels = np.where(y == 1, "yes", "no")
    model = MultiTaskClassifier(alpha=0.05).fit(X, labels, tasks=tasks)
    proba = model.predict_proba(X, tasks=tasks)[:, 1]  # classes_ = ["no", "yes"]
    auc = per_task_scorer(roc_auc_score, response_method="predict_proba")
    expected = _by_hand(roc_auc_score, lambda rows: proba[rows], labels, tasks)
    assert auc(model, X, labels, tasks=tasks) == pytest.approx(expected, rel=1e-12)
    # pos_label="no": the probability of "no" is scored.
    precision = per_task_scorer(average_precision_score, response_method="predict_proba", pos_label="no")
    expected = _by_hand(
        lambda yt, pt: average_precision_score(yt, pt, pos_label="no"), lambda rows: 1 - proba[rows], labels, tasks
    )
    assert precision(model, X, labels, tasks=tasks) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match=r"pos_label='maybe' is not one of the estimator's classes \['no', 'yes'\]"):
        per_task_scorer(average_precision_score, response_method="predict_proba", pos_label="maybe")(
            model, X, labels, tasks=tasks
        )
    # Log loss of a task whose rows hold one class: scored against the model's two classes.
    one_class = (tasks != tasks[0]) | (labels == "no")
    scorer = get_scorer("neg_log_loss_per_task")
    full = model.predict_proba(X, tasks=tasks)
    expected = -_by_hand(
        lambda yt, pt: log_loss(yt, pt, labels=model.classes_),
        lambda rows: full[one_class][rows],
        labels[one_class],
        tasks[one_class],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no task is skipped: min_classes=1 for the log loss
        score = scorer(model, X[one_class], labels[one_class], tasks=tasks[one_class])
    assert score == pytest.approx(expected, rel=1e-12)


def test_tasks_with_one_class_are_skipped_with_a_warning(classification):
    X, y, tasks = classification
    model = MultiTaskClassifier(alpha=0.05).fit(X, y, tasks=tasks)
    first, second = np.unique(tasks)[:2]
    keep = ~((tasks == first) & (y == 1)) & ~((tasks == second) & (y == 0))  # two tasks left with one class
    Xk, yk, tk = X[keep], y[keep], tasks[keep]
    scored = np.isin(tk, np.unique(tasks)[2:])
    expected = _auc_by_hand(model, Xk[scored], yk[scored], tk[scored])
    scorer = get_scorer("roc_auc_per_task")
    with pytest.warns(UndefinedMetricWarning, match=r"skipped 2 of 4 tasks.*min_classes=2"):
        assert scorer(model, Xk, yk, tasks=tk) == pytest.approx(expected, rel=1e-12)
    only_one_class = (tasks == first) & (y == 0)
    with pytest.warns(UndefinedMetricWarning, match="skipped 1 of 1 tasks.*the score is NaN"):
        assert np.isnan(scorer(model, X[only_one_class], y[only_one_class], tasks=tasks[only_one_class]))


def test_weighted_average_and_sample_weight(regression):
    X, y, tasks = regression
    model = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=tasks)
    weight = np.linspace(0.5, 2.0, len(y))
    scorer = per_task_scorer(mean_squared_error, average="weighted", greater_is_better=False, min_classes=1)
    predicted = model.predict(X, tasks=tasks)
    per_task = [
        (
            mean_squared_error(y[tasks == t], predicted[tasks == t], sample_weight=weight[tasks == t]),
            weight[tasks == t].sum(),
        )
        for t in np.unique(tasks)
    ]
    expected = -np.average([s for s, _ in per_task], weights=[w for _, w in per_task])
    assert scorer(model, X, y, tasks=tasks, sample_weight=weight) == pytest.approx(expected, rel=1e-12)


def test_shared_design_scores_each_column(regression):
    X, y, _ = regression
    Y = np.column_stack([y, -y + X[:, 0], X @ np.arange(5.0)])
    model = MultiTaskRegressor(alpha=0.1).fit(X, Y)
    predicted = model.predict(X)
    expected = np.mean([r2_score(Y[:, t], predicted[:, t]) for t in range(3)])
    assert get_scorer("r2_per_task")(model, X, Y) == pytest.approx(expected, rel=1e-12)


def test_scorer_does_not_modify_its_inputs(classification):
    X, y, tasks = classification
    Xc = np.column_stack([X, tasks])
    model = MultiTaskClassifier(alpha=0.05, task_column=-1).fit(Xc, y)
    before = Xc.copy(), y.copy()
    get_scorer("accuracy_per_task")(model, Xc, y)
    assert_allclose(Xc, before[0])
    assert_allclose(y, before[1])


# -------------------------------------------------------------------- in scikit-learn's model selection
def test_in_grid_search_with_task_column(classification):
    X, y, tasks = classification
    Xc = np.column_stack([X, tasks])
    folds = _task_folds(tasks)
    search = GridSearchCV(
        MultiTaskClassifier(task_column=-1), {"alpha": ALPHAS}, cv=folds, scoring=get_scorer("roc_auc_per_task")
    ).fit(Xc, y)
    for k, (train, test) in enumerate(folds):
        for i, alpha in enumerate(ALPHAS):
            model = MultiTaskClassifier(alpha=alpha).fit(X[train], y[train], tasks=tasks[train])
            expected = _auc_by_hand(model, X[test], y[test], tasks[test])
            assert search.cv_results_[f"split{k}_test_score"][i] == pytest.approx(expected, rel=1e-12)


def test_in_cross_validate_with_routed_tasks(classification):
    X, y, tasks = classification
    folds = _task_folds(tasks)
    scorer = get_scorer("roc_auc_per_task")
    with sklearn.config_context(enable_metadata_routing=True):
        model = MultiTaskClassifier(alpha=0.03).set_fit_request(tasks=True)
        routed = cross_validate(model, X, y, params={"tasks": tasks}, cv=folds, scoring=scorer)["test_score"]
        search = GridSearchCV(model, {"alpha": ALPHAS}, cv=folds, scoring=scorer).fit(X, y, tasks=tasks)
    for k, (train, test) in enumerate(folds):
        fitted = MultiTaskClassifier(alpha=0.03).fit(X[train], y[train], tasks=tasks[train])
        assert routed[k] == pytest.approx(_auc_by_hand(fitted, X[test], y[test], tasks[test]), rel=1e-12)
    assert search.cv_results_["split0_test_score"][1] == pytest.approx(routed[0], rel=1e-12)
    # In a pipeline the last step requests the tasks in its response method too.
    with sklearn.config_context(enable_metadata_routing=True):
        step = MultiTaskClassifier(alpha=0.03).set_fit_request(tasks=True).set_decision_function_request(tasks=True)
        pipeline = make_pipeline(StandardScaler(), step)
        in_pipeline = cross_validate(pipeline, X, y, params={"tasks": tasks}, cv=folds, scoring=scorer)["test_score"]
    for k, (train, test) in enumerate(folds):
        scaler = StandardScaler().fit(X[train])
        fitted = MultiTaskClassifier(alpha=0.03).fit(scaler.transform(X[train]), y[train], tasks=tasks[train])
        expected = _auc_by_hand(fitted, scaler.transform(X[test]), y[test], tasks[test])
        assert in_pipeline[k] == pytest.approx(expected, rel=1e-12)


def test_without_tasks_the_scorer_says_how_to_give_them(classification):
    X, y, tasks = classification
    model = MultiTaskClassifier(alpha=0.03).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="cannot find the task of each row.*task_column"):
        get_scorer("roc_auc_per_task")(model, X, y)
    pipeline = make_pipeline(StandardScaler(), MultiTaskClassifier()).fit(X, y, multitaskclassifier__tasks=tasks)
    with pytest.raises(ValueError, match="cannot find the task of each row"):
        get_scorer("accuracy_per_task")(pipeline, X, y)
    # Given the tasks, the pipeline passes them to its last step.
    expected = _by_hand(accuracy_score, lambda rows: pipeline.predict(X[rows], tasks=tasks[rows]), y, tasks)
    assert get_scorer("accuracy_per_task")(pipeline, X, y, tasks=tasks) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------------------ in the CV estimators
@pytest.mark.parametrize("by", ["task_column", "tasks"])
def test_cv_classifier_scores_are_the_per_task_auc(classification, by):
    X, y, tasks = classification
    folds = _task_folds(tasks)
    params = {
        "penalty": "mean",
        "mixes": [0.5],
        "alphas": ALPHAS,
        "cv": folds,
        "scoring": "roc_auc_per_task",
        "tol": 1e-7,
    }
    if by == "task_column":
        model = MultiTaskClassifierCV(task_column=-1, **params).fit(np.column_stack([X, tasks]), y)
    else:
        model = MultiTaskClassifierCV(**params).fit(X, y, tasks=tasks)
    for k, (train, test) in enumerate(folds):
        for j, alpha in enumerate(ALPHAS):
            fitted = MultiTaskClassifier(alpha=alpha, tol=1e-7, scale_features=True)  # the CV's default
            fitted.fit(X[train], y[train], tasks=tasks[train])
            assert model.scores_[0, j, k] == pytest.approx(
                _auc_by_hand(fitted, X[test], y[test], tasks[test]), rel=1e-9
            )


@pytest.mark.parametrize("by", ["task_column", "tasks"])
def test_cv_regressor_scores_are_the_per_task_r2(regression, by):
    X, y, tasks = regression
    folds = _task_folds(tasks)
    mixes = [0.2, 0.9]
    params = {"penalty": "mean", "alphas": ALPHAS, "mixes": mixes, "cv": folds, "scoring": per_task_scorer(r2_score)}
    if by == "task_column":
        model = MultiTaskRegressorCV(task_column=0, **params).fit(np.column_stack([tasks, X]), y)
    else:
        model = MultiTaskRegressorCV(**params).fit(X, y, tasks=tasks)
    for k, (train, test) in enumerate(folds):
        for i, mix in enumerate(mixes):
            for j, alpha in enumerate(ALPHAS):
                fitted = MultiTaskRegressor(alpha=alpha, mix=mix, normalize_y=True)
                fitted.fit(X[train], y[train], tasks=tasks[train])
                predict = lambda rows, f=fitted, t=test: f.predict(X[t][rows], tasks=tasks[t][rows])  # noqa: E731
                expected = _by_hand(r2_score, predict, y[test], tasks[test])
                assert model.scores_[i, j, k] == pytest.approx(expected, rel=1e-8)


def test_cv_callable_scorer_sees_the_users_columns(regression):
    pd = pytest.importorskip("pandas")
    X, y, tasks = regression
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame.insert(2, "school", np.array(["a", "b", "c", "d"])[tasks])
    folds = _task_folds(tasks)
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append((type(estimator), estimator.get_params()["task_column"], X_test))
        return -mean_squared_error(y_test, estimator.predict(X_test))

    model = MultiTaskRegressorCV(
        penalty="ridge", alphas=[1.0, 0.1], cv=folds, task_column="school", scoring=scorer
    ).fit(frame, y)
    assert len(seen) == 2 * len(folds)
    for (kind, task_column, X_test), (_, test) in zip(seen, [fold for fold in folds for _ in range(2)], strict=True):
        assert kind is MultiTaskRegressor and task_column == "school"
        assert isinstance(X_test, pd.DataFrame) and list(X_test.columns) == list(frame.columns)
        assert X_test.equals(frame.iloc[test])
    named = MultiTaskRegressorCV(
        penalty="ridge", alphas=[1.0, 0.1], cv=folds, task_column="school", scoring="neg_mean_squared_error"
    ).fit(frame, y)
    assert_allclose(model.scores_, named.scores_, rtol=1e-12)


def test_cv_scorer_requesting_tasks_gets_them(regression):
    """With fit(tasks=...), a scorer that requests tasks (metadata routing) gets the rows' tasks and a public model."""
    X, y, tasks = regression
    folds = _task_folds(tasks)
    seen = []

    class Recorder:
        def __call__(self, estimator, X_test, y_test, tasks=None):
            seen.append((type(estimator), tasks))
            return estimator.score(X_test, y_test, tasks=tasks)

        def get_metadata_routing(self):
            request = sklearn.utils.metadata_routing.MetadataRequest(owner=self)
            request.score.add_request(param="tasks", alias=True)
            return request

    model = MultiTaskRegressorCV(penalty="ridge", alphas=[1.0, 0.1], cv=folds, scoring=Recorder()).fit(
        X, y, tasks=tasks
    )
    assert all(kind is MultiTaskRegressor for kind, _ in seen)
    for (_, seen_tasks), (_, test) in zip(seen, [fold for fold in folds for _ in range(2)], strict=True):
        np.testing.assert_array_equal(seen_tasks, tasks[test])
    r2 = MultiTaskRegressorCV(penalty="ridge", alphas=[1.0, 0.1], cv=folds, scoring="r2").fit(X, y, tasks=tasks)
    assert_allclose(model.scores_, r2.scores_, rtol=1e-12)


def _appended(X, labels, container):
    """X in the container of ``container`` (the tasks are given as fit(tasks=labels))."""
    if container == "sparse":
        return scipy.sparse.csr_matrix(X)
    if container in ("pandas", "polars"):
        frame = pytest.importorskip(container).DataFrame({f"x{j}": X[:, j] for j in range(X.shape[1])})
        return frame
    return X


@pytest.mark.parametrize(
    "container, text_labels",
    [("array", False), ("array", True), ("sparse", False), ("sparse", True), ("pandas", True), ("polars", True)],
)
def test_cv_callable_scorer_with_routed_tasks_gets_them_as_a_last_column(regression, container, text_labels):
    """fit(tasks=...) and a scorer that takes no tasks: a public model whose task_column is an appended column."""
    X, y, tasks = regression
    labels = np.array(["north", "east", "south", "west"])[tasks] if text_labels else 10 * tasks + 3
    X_given = _appended(X, labels, container)
    folds = _task_folds(tasks)
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append((estimator, X_test))
        return -mean_squared_error(y_test, estimator.predict(X_test))

    model = MultiTaskRegressorCV(penalty="ridge", alphas=ALPHAS, cv=folds, scoring=scorer).fit(X_given, y, tasks=labels)
    sorted_labels = np.unique(labels)
    assert len(seen) == len(ALPHAS) * len(folds)
    for (estimator, X_test), (_, test) in zip(seen, [fold for fold in folds for _ in ALPHAS], strict=True):
        assert type(estimator) is MultiTaskRegressor
        if container in ("pandas", "polars"):
            assert type(X_test) is type(X_given) and estimator.task_column == "tasks"
            assert list(X_test.columns) == [*X_given.columns, "tasks"]
            assert list(estimator.feature_names_in_) == list(X_test.columns)
            np.testing.assert_array_equal(np.asarray(X_test["tasks"]), labels[test])
            assert_allclose(np.asarray(X_test[list(X_given.columns)], dtype=float), X[test])
            np.testing.assert_array_equal(estimator.tasks_, sorted_labels)
            continue
        assert estimator.task_column == -1 and estimator.n_features_in_ == X.shape[1] + 1
        dense = X_test.toarray() if container == "sparse" else X_test
        assert scipy.sparse.issparse(X_test) == (container == "sparse")
        assert_allclose(dense[:, :-1], X[test])
        if text_labels:  # an array holds numbers: each row's task is the position of its label
            np.testing.assert_array_equal(dense[:, -1], np.searchsorted(sorted_labels, labels[test]))
            np.testing.assert_array_equal(estimator.tasks_, np.arange(len(sorted_labels)))
        else:
            np.testing.assert_array_equal(dense[:, -1], labels[test])
            np.testing.assert_array_equal(estimator.tasks_, sorted_labels)
    # The scores are those of models fitted by hand on each fold, predicting with the tasks.
    expected = np.empty((len(ALPHAS), len(folds)))
    standardised = np.empty((len(ALPHAS), len(folds)))
    for k, (train, test) in enumerate(folds):
        spread = {label: np.std(y[train][labels[train] == label]) for label in sorted_labels}
        scale = np.array([spread[label] for label in labels[test]])
        for j, alpha in enumerate(ALPHAS):
            fitted = MultiTaskRegressor(penalty="ridge", alpha=alpha, normalize_y=True)
            fitted.fit(X[train], y[train], tasks=labels[train])
            error = y[test] - fitted.predict(X[test], tasks=labels[test])
            expected[j, k] = -np.mean(error**2)
            standardised[j, k] = -np.mean((error / scale) ** 2)
    assert_allclose(model.scores_, expected, rtol=1e-8)
    # The default scoring (the mean squared error in standardised units) scores the same models;
    # the user's X is not changed.
    default = MultiTaskRegressorCV(penalty="ridge", alphas=ALPHAS, cv=folds).fit(X_given, y, tasks=labels)
    assert_allclose(default.scores_, standardised, rtol=1e-8)
    if container in ("pandas", "polars"):
        assert list(X_given.columns) == [f"x{j}" for j in range(X.shape[1])]


def test_cv_sklearn_scorer_name_with_routed_text_tasks_on_sparse_rows(classification):
    """scoring="roc_auc" with fit(tasks=...) scores the pooled rows of each fold with each row's own task's model."""
    X, y, tasks = classification
    labels = np.array(["a", "b", "c", "d"])[tasks]
    folds = _task_folds(tasks)
    params = {"penalty": "mean", "mixes": [0.5], "alphas": ALPHAS, "cv": folds, "tol": 1e-7}
    model = MultiTaskClassifierCV(scoring="roc_auc", **params).fit(scipy.sparse.csr_matrix(X), y, tasks=labels)
    for k, (train, test) in enumerate(folds):
        for j, alpha in enumerate(ALPHAS):
            fitted = MultiTaskClassifier(alpha=alpha, mix=0.5, tol=1e-7, scale_features=True)  # the CV's default
            fitted.fit(X[train], y[train], tasks=labels[train])
            expected = roc_auc_score(y[test], fitted.decision_function(X[test], tasks=labels[test]))
            assert model.scores_[0, j, k] == pytest.approx(expected, rel=1e-9)  # (mix, alpha, fold)


def test_grid_search_callable_scorer_with_routed_tasks_is_told_to_use_task_column(regression):
    """GridSearchCV gives a scorer the user's X: without the tasks the model says how to give them."""
    X, y, tasks = regression

    def scorer(estimator, X_test, y_test):
        return -mean_squared_error(y_test, estimator.predict(X_test))

    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            MultiTaskRegressor().set_fit_request(tasks=True),
            {"alpha": [0.1]},
            cv=_task_folds(tasks),
            scoring=scorer,
            error_score="raise",
        )
        with pytest.raises(
            ValueError, match=r"fitted on 4 tasks: give the task of each row with tasks= \(or task_column=\)"
        ):
            search.fit(X, y, tasks=tasks)


# ------------------------------------------------------------------------------------ names and errors
def test_named_scorers():
    assert set(PER_TASK_SCORERS) <= set(get_scorer_names())
    assert "roc_auc" in get_scorer_names()
    for name in PER_TASK_SCORERS:
        assert isinstance(get_scorer(name), PerTaskScorer)
    assert get_scorer("roc_auc_per_task") is not get_scorer("roc_auc_per_task")
    assert repr(get_scorer("r2")) == repr(sklearn.metrics.get_scorer("r2"))
    with pytest.raises(ValueError, match="'auc_per_task' is not a valid scoring value.*roc_auc_per_task"):
        get_scorer("auc_per_task")
    with pytest.raises(ValueError, match="not a valid scoring value"):
        MultiTaskRegressorCV(scoring="r2_per_tsak").fit(np.ones((6, 2)), np.arange(6.0))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"average": "macro"}, "average must be one of"),
        ({"min_classes": 0}, "min_classes must be an integer >= 1"),
        ({"response_method": "predict_probability"}, "response_method must be one of"),
        ({"greater_is_better": "no"}, "greater_is_better must be a bool"),
    ],
)
def test_bad_scorer_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        per_task_scorer(roc_auc_score, **kwargs)
    with pytest.raises(ValueError, match="metric must be a callable"):
        per_task_scorer("roc_auc")


def test_missing_response_method_is_named(regression):
    X, y, tasks = regression
    model = MultiTaskRegressor().fit(X, y, tasks=tasks)
    with pytest.raises(AttributeError, match="predict_proba"):
        get_scorer("neg_log_loss_per_task")(model, X, y, tasks=tasks)


def test_cv_folds_with_a_one_class_task_warn(classification):
    X, y, tasks = classification
    first = np.unique(tasks)[0]
    keep = ~((tasks == first) & (y == 1))
    folds = KFold(3, shuffle=True, random_state=0)
    with pytest.warns(UndefinedMetricWarning, match="skipped 1 of 4 tasks"):
        model = MultiTaskClassifierCV(penalty="mean", alphas=[0.1], cv=folds, scoring="roc_auc_per_task")
        model.fit(X[keep], y[keep], tasks=tasks[keep])
    assert np.all(np.isfinite(model.scores_))
