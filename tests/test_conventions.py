"""The conventions scikit-learn users rely on: float32 kept, class_weight, CV on task-sorted rows, routing."""

import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score, cross_validate
from sklearn.svm import LinearSVC
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from mtlearn import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    SharedRepresentationRegressor,
    TransferClassifier,
    TransferRegressor,
)


def _tasks(seed=0, n_per_task=(30, 40, 50), n_features=4):
    """Task-sorted rows: task t holds rows start_t .. start_t + n_t − 1."""
    rng = np.random.default_rng(seed)
    tasks = np.repeat(np.arange(len(n_per_task)), n_per_task)
    X = rng.normal(size=(tasks.size, n_features))
    W = rng.normal(size=(len(n_per_task), n_features)) + 1.0
    y = np.einsum("ij,ij->i", X, W[tasks]) + 0.3 * rng.normal(size=tasks.size)
    return X, y, tasks


def _rare_positives(seed=0):
    """Binary labels whose positive rate differs by task: 40 %, 15 % and 5 % of each task's rows."""
    X, score, tasks = _tasks(seed, n_per_task=(40, 60, 80))
    rates = [0.4, 0.15, 0.05]
    threshold = np.array([np.quantile(score[tasks == t], 1 - rate) for t, rate in enumerate(rates)])
    return X, (score > threshold[tasks]).astype(int), tasks


# ------------------------------------------------------------------ float32
ESTIMATORS_32 = [
    (MultiTaskRegressor(alpha=0.1), "regression"),
    (MultiTaskRegressor(alpha=0.01, penalty="l21", tol=1e-8), "regression"),
    (MultiTaskRegressorCV(alphas=[1.0, 0.1], cv=3), "regression"),
    (MultiTaskClassifier(alpha=0.1, tol=1e-8), "classification"),
    (MultiTaskLinearSVC(tol=1e-8, max_iter=10_000), "classification"),
    (MultiTaskClassifierCV(alphas=[1.0, 0.1], cv=3, tol=1e-8), "classification"),
]


@pytest.mark.parametrize("estimator, kind", ESTIMATORS_32, ids=lambda e: type(e).__name__)
def test_float32_input_gives_a_float32_model_as_sklearn_does(estimator, kind):
    X, y, tasks = _tasks()
    if kind == "classification":
        y = (y > np.median(y)).astype(int)
    X32 = X.astype(np.float32)
    model32 = sklearn.clone(estimator).fit(X32, y, tasks=tasks)
    model64 = sklearn.clone(estimator).fit(X32.astype(np.float64), y, tasks=tasks)
    reference = (Ridge() if kind == "regression" else LogisticRegression()).fit(X32, y)
    assert reference.coef_.dtype == np.float32  # the convention followed
    assert model32.coef_.dtype == model32.intercept_.dtype == np.float32
    assert model64.coef_.dtype == np.float64
    # The solve is the float64 one, rounded once at the end.
    assert_allclose(model32.coef_, model64.coef_.astype(np.float32), rtol=0, atol=0)
    output = "predict" if kind == "regression" else "decision_function"
    prediction = getattr(model32, output)(X32, tasks=tasks)
    assert prediction.dtype == np.float32
    assert_allclose(prediction, getattr(model64, output)(X32, tasks=tasks), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "estimator, kind",
    [
        (SharedRepresentationRegressor(n_components=2, alpha=0.1), "regression"),
        (TransferRegressor(alpha=0.1, source_weight=0.0), "regression"),
        (TransferClassifier(alpha=0.1, source_weight=0.0, tol=1e-8), "classification"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_float32_input_gives_a_float32_model_for_the_other_linear_estimators(estimator, kind):
    """The factorised and the transfer models follow the same convention (single-task rows for transfer)."""
    X, y, tasks = _tasks()
    if kind == "classification":
        y = (y > np.median(y)).astype(int)
    fit_params = {"tasks": tasks} if isinstance(estimator, SharedRepresentationRegressor) else {}
    X32 = X.astype(np.float32)
    model32 = sklearn.clone(estimator).fit(X32, y, **fit_params)
    model64 = sklearn.clone(estimator).fit(X32.astype(np.float64), y, **fit_params)
    assert model32.coef_.dtype == np.asarray(model32.intercept_).dtype == np.float32
    assert model64.coef_.dtype == np.float64
    assert_allclose(model32.coef_, model64.coef_.astype(np.float32), rtol=0, atol=0)
    output = "predict" if kind == "regression" else "decision_function"
    prediction = getattr(model32, output)(X32, **fit_params)
    assert prediction.dtype == np.float32
    assert_allclose(prediction, getattr(model64, output)(X32, **fit_params), rtol=1e-5, atol=1e-5)


def test_float32_with_a_task_column_and_a_shared_design():
    X, y, tasks = _tasks()
    X32 = np.column_stack([X, tasks]).astype(np.float32)
    assert MultiTaskRegressor(alpha=0.1, task_column=-1).fit(X32, y).predict(X32).dtype == np.float32
    Y = np.column_stack([y, -y])
    shared = MultiTaskRegressor(alpha=0.1).fit(X.astype(np.float32), Y)
    assert shared.coef_.dtype == np.float32 and shared.predict(X.astype(np.float32)).dtype == np.float32


def test_float32_features_in_a_frame_with_a_string_task_column():
    pd = pytest.importorskip("pandas")
    X, y, tasks = _tasks()
    frame = pd.DataFrame(X.astype(np.float32), columns=list("abcd")).assign(school=np.array(list("pqr"))[tasks])
    assert MultiTaskRegressor(alpha=0.1, task_column="school").fit(frame, y).coef_.dtype == np.float32
    # One float64 feature column: the model is float64, as check_array would make X.
    frame["a"] = frame["a"].astype(np.float64)
    assert MultiTaskRegressor(alpha=0.1, task_column="school").fit(frame, y).coef_.dtype == np.float64


def test_integer_input_gives_a_float64_model():
    X, y, tasks = _tasks()
    model = MultiTaskRegressor(alpha=0.1).fit(np.round(X * 10).astype(np.int32), y, tasks=tasks)
    assert model.coef_.dtype == np.float64


# ------------------------------------------------------------------ class_weight
def _per_task_balanced_weights(y, tasks):
    """scikit-learn's "balanced" sample weights computed within each task separately."""
    weights = np.empty(y.shape[0])
    for t in np.unique(tasks):
        rows = tasks == t
        weights[rows] = compute_sample_weight("balanced", y[rows])
    return weights


@pytest.mark.parametrize(
    "estimator",
    [
        MultiTaskClassifier(alpha=0.05, tol=1e-10, max_iter=20_000),
        MultiTaskClassifier(alpha=0.05, loss="squared_hinge", penalty="l21", tol=1e-10, max_iter=20_000),
        MultiTaskLinearSVC(C=0.5, tol=1e-10, max_iter=100_000),
    ],
    ids=["logistic", "squared-hinge-l21", "linear-svc"],
)
@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 7.5}])
def test_class_weight_equals_the_equivalent_sample_weight(estimator, class_weight):
    X, y, tasks = _rare_positives()
    rng = np.random.default_rng(1)
    sample_weight = rng.uniform(0.5, 2.0, size=y.shape[0])
    weighted = sklearn.clone(estimator).set_params(class_weight=class_weight)
    weighted.fit(X, y, tasks=tasks, sample_weight=sample_weight)
    if class_weight == "balanced":
        factors = _per_task_balanced_weights(y, tasks)
    else:
        factors = np.array([class_weight[label] for label in y])
    reference = sklearn.clone(estimator).fit(X, y, tasks=tasks, sample_weight=sample_weight * factors)
    assert_allclose(weighted.coef_, reference.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(weighted.intercept_, reference.intercept_, rtol=1e-8, atol=1e-10)
    # And it matters: the rare positives move the decision boundary.
    unweighted = sklearn.clone(estimator).fit(X, y, tasks=tasks, sample_weight=sample_weight)
    assert weighted.predict(X, tasks=tasks).sum() > unweighted.predict(X, tasks=tasks).sum()


def test_balanced_keeps_each_tasks_total_weight_and_balances_its_classes():
    from mtlearn._class_weight import class_weight_factors

    _, y, tasks = _rare_positives()
    factors = class_weight_factors("balanced", np.array([0, 1]), y, tasks)
    for t in range(3):
        rows = tasks == t
        assert_allclose(factors[rows].sum(), rows.sum())
        assert_allclose(factors[rows & (y == 1)].sum(), factors[rows & (y == 0)].sum())


def test_balanced_with_one_task_is_liblinears_class_weight():
    """One task, ridge, no intercept: MultiTaskLinearSVC is LinearSVC(loss="hinge"), class weights included."""
    X, y, tasks = _rare_positives()
    X, y = X[tasks == 1], y[tasks == 1]
    C = 0.5
    model = MultiTaskLinearSVC(
        C=C, penalty="ridge", fit_intercept=False, class_weight="balanced", tol=1e-10, max_iter=200_000
    ).fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Liblinear failed to converge")
        ref = LinearSVC(
            C=C,
            loss="hinge",
            fit_intercept=False,
            class_weight="balanced",
            tol=1e-12,
            max_iter=1_000_000,
            dual=True,
            random_state=0,
        ).fit(X, y)
    weights = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)[y]
    y_pm = 2.0 * y - 1.0

    def primal(w):
        return 0.5 * w @ w + C * np.sum(weights * np.maximum(0.0, 1.0 - y_pm * (X @ w)))

    # Both objectives agree to the certified gap (1e-10 relative, plus liblinear's own accuracy).
    assert_allclose(primal(model.coef_[0]), primal(ref.coef_[0]), rtol=1e-6)


def test_classifier_cv_class_weight_equals_the_equivalent_sample_weight():
    X, y, tasks = _rare_positives()
    class_weight = {0: 1.0, 1: 4.0}
    common = dict(alphas=[0.3, 0.03, 0.003], cv=3, tol=1e-9, max_iter=20_000)
    weighted = MultiTaskClassifierCV(class_weight=class_weight, **common).fit(X, y, tasks=tasks)
    reference = MultiTaskClassifierCV(**common).fit(X, y, tasks=tasks, sample_weight=np.where(y == 1, 4.0, 1.0))
    assert weighted.alpha_ == reference.alpha_
    assert_allclose(weighted.scores_, reference.scores_)
    assert_allclose(weighted.coef_, reference.coef_, rtol=1e-8, atol=1e-10)


def test_class_weight_errors_name_the_problem():
    X, y, tasks = _rare_positives()
    with pytest.raises(ValueError, match=r"class_weight names class\(es\) \[2\]"):
        MultiTaskClassifier(class_weight={2: 3.0}).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="class_weight values must be finite and non-negative"):
        MultiTaskClassifier(class_weight={1: -1.0}).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="class_weight needs one class per row"):
        MultiTaskClassifier(class_weight="balanced").fit(X, np.column_stack([y, 1 - y]))
    with pytest.raises(ValueError, match="class_weight"):
        MultiTaskClassifier(class_weight="auto").fit(X, y, tasks=tasks)


# ------------------------------------------------------------------ CV on task-sorted rows
def test_default_cv_on_task_sorted_rows_says_what_to_do():
    """KFold without shuffling puts whole tasks in the test folds: scikit-learn turns the error into NaN.

    With error_score="raise" the error says what to do; the warnings scikit-learn
    emits with the NaN carry the same message.
    """
    X, y, tasks = _tasks(n_per_task=(12,) * 10)
    Xt = np.column_stack([X, tasks])
    model = MultiTaskRegressor(alpha=0.1, task_column=-1)
    with pytest.raises(ValueError, match=r"were not seen in fit.*StratifiedKFold\(5, shuffle=True\)"):
        cross_val_score(model, Xt, y, error_score="raise")
    with pytest.warns(UserWarning, match="StratifiedKFold") as record:
        scores = cross_val_score(model, Xt, y)
    assert np.isnan(scores).any() and any("were not seen in fit" in str(w.message) for w in record)


@pytest.mark.parametrize("search", [False, True], ids=["cross_val_score", "GridSearchCV"])
def test_the_documented_folds_give_numbers_on_task_sorted_rows(search):
    X, y, tasks = _tasks(n_per_task=(12,) * 10)
    Xt = np.column_stack([X, tasks])
    cv = list(StratifiedKFold(5, shuffle=True, random_state=0).split(Xt, tasks))
    model = MultiTaskRegressor(alpha=0.1, task_column=-1)
    if search:
        scores = GridSearchCV(model, {"alpha": [0.01, 0.1]}, cv=cv).fit(Xt, y).cv_results_["mean_test_score"]
    else:
        scores = cross_val_score(model, Xt, y, cv=cv)
    assert np.all(np.isfinite(scores)) and np.all(scores > 0.5)


def test_shared_fallback_gives_numbers_with_the_default_cv():
    """handle_unknown="shared": each test fold's unseen tasks are predicted by the shared model (leave-tasks-out)."""
    X, y, tasks = _tasks(n_per_task=(12,) * 10)
    Xt = np.column_stack([X, tasks])
    scores = cross_val_score(MultiTaskRegressor(alpha=0.1, mix=0.9, task_column=-1, handle_unknown="shared"), Xt, y)
    assert np.all(np.isfinite(scores))


# ------------------------------------------------------------------ metadata routing of tasks
@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_routed_tasks_reach_fit_and_score(routing):
    """The recipe of the user guide: request tasks in fit and score; the default scoring is the model's score."""
    X, y, tasks = _tasks()
    cv = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, tasks))
    model = MultiTaskRegressor(alpha=0.1).set_fit_request(tasks=True).set_score_request(tasks=True)
    routed = cross_validate(model, X, y, params={"tasks": tasks}, cv=cv)["test_score"]
    column = cross_val_score(MultiTaskRegressor(alpha=0.1, task_column=-1), np.column_stack([X, tasks]), y, cv=cv)
    assert_allclose(routed, column, rtol=1e-12)


def test_string_scorers_do_not_pass_tasks_to_predict(routing):
    """A string scorer calls predict(X) with no metadata: the model cannot know the rows' tasks."""
    X, y, tasks = _tasks()
    cv = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, tasks))
    model = MultiTaskRegressor(alpha=0.1).set_fit_request(tasks=True)
    with pytest.raises(ValueError, match="give the task of each row"):
        cross_validate(model, X, y, params={"tasks": tasks}, cv=cv, scoring="r2", error_score="raise")
