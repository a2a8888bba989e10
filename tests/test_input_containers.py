"""Every input container goes through one validation path, with one behaviour and one message.

Task labels: a matrix of containers × dtypes (list, NumPy arrays of every dtype,
pandas Series of every dtype, polars Series, a DataFrame column) that must all
give the same model — checked against scikit-learn's ``Ridge`` fitted on each
task's rows, since ``penalty="ridge"`` decouples the tasks — and a matrix of
containers × missing markers that must all be rejected with one message
naming the row.  The same for sample weights, task weights, class labels,
adjacency matrices and transfer sources; then one regression test for each
item of the reliability sweep (issue 18) — its near-zero α case is in
``test_degenerate.py``.
"""

from __future__ import annotations

import datetime
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from mtlearn import (
    GraphPenalty,
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    TransferClassifier,
    TransferRegressor,
)
from mtlearn.solvers import SolverResult

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

N_SAMPLES, ALPHA = 24, 0.3
CODES = np.arange(N_SAMPLES) % 2  # row i belongs to the first task when i is even
MISSING_ROW = 5


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SAMPLES, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + np.where(CODES == 1, 2.0 * X[:, 0], 0.0) + 0.1 * rng.normal(size=N_SAMPLES)
    return X, y


def _per_task_ridge(X, y, alpha=ALPHA, task_weights=(1.0, 1.0), sample_weight=None):
    """Ridge on each task's rows: (1/n_t) Σ ½ r² + (α/ρ_t) ½‖w‖² is Ridge with alpha = α n_t / ρ_t."""
    sample_weight = np.ones(len(y)) if sample_weight is None else sample_weight
    models = []
    for code, rho in enumerate(task_weights):
        rows = CODES == code
        reference = Ridge(alpha=alpha * sample_weight[rows].sum() / rho)
        models.append(reference.fit(X[rows], y[rows], sample_weight=sample_weight[rows]))
    return models


def _assert_matches_per_task_ridge(model, X, y, **reference):
    for code, ridge in enumerate(_per_task_ridge(X, y, **reference)):
        assert_allclose(model.coef_[code], ridge.coef_, rtol=1e-9, atol=1e-12)
        assert_allclose(model.intercept_[code], ridge.intercept_, rtol=1e-9, atol=1e-12)


def _pick(first, second):
    """The labels of the rows: ``first`` for even rows, ``second`` for odd rows (first < second)."""
    return [first if code == 0 else second for code in CODES]


def _with_missing(values, marker):
    values = list(values)
    values[MISSING_ROW] = marker
    return values


# ------------------------------------------------------------------------------ task labels
# Each container: (id, the labels of the rows as that container).  Sorted, the first label
# is the one of the even rows.
LABEL_CONTAINERS = [
    ("list-int", lambda: _pick(3, 7)),
    ("list-str", lambda: _pick("ash", "elm")),
    ("list-bool", lambda: _pick(False, True)),
    ("list-tuple", lambda: _pick(("north", 1), ("north", 2))),
    ("list-date", lambda: _pick(datetime.date(2020, 1, 1), datetime.date(2021, 1, 1))),
    ("ndarray-int64", lambda: np.array(_pick(3, 7), dtype=np.int64)),
    ("ndarray-uint8", lambda: np.array(_pick(3, 7), dtype=np.uint8)),
    ("ndarray-float32", lambda: np.array(_pick(0.5, 1.5), dtype=np.float32)),
    ("ndarray-float64", lambda: np.array(_pick(0.5, 1.5))),
    ("ndarray-str", lambda: np.array(_pick("ash", "elm"))),
    ("ndarray-bytes", lambda: np.array(_pick(b"ash", b"elm"))),
    ("ndarray-bool", lambda: np.array(_pick(False, True))),
    ("ndarray-datetime64", lambda: np.array(_pick("2020-01-01", "2020-06-01"), dtype="datetime64[D]")),
    ("ndarray-timedelta64", lambda: np.array(_pick(1, 2), dtype="timedelta64[h]")),
    ("ndarray-object-str", lambda: np.array(_pick("ash", "elm"), dtype=object)),
    ("ndarray-object-int", lambda: np.array(_pick(3, 7), dtype=object)),
    ("pandas-int64", lambda: pd.Series(_pick(3, 7))),
    ("pandas-Int64", lambda: pd.Series(_pick(3, 7), dtype="Int64")),
    ("pandas-Float64", lambda: pd.Series(_pick(0.5, 1.5), dtype="Float64")),
    ("pandas-boolean", lambda: pd.Series(_pick(False, True), dtype="boolean")),
    ("pandas-string", lambda: pd.Series(_pick("ash", "elm"), dtype="string")),
    ("pandas-object", lambda: pd.Series(_pick("ash", "elm"), dtype=object)),
    ("pandas-category", lambda: pd.Series(_pick("ash", "elm"), dtype="category")),
    ("pandas-category-int", lambda: pd.Series(_pick(3, 7), dtype="category")),
    ("pandas-datetime", lambda: pd.Series(pd.to_datetime(_pick("2020-01-01", "2020-06-01")))),
    (
        "pandas-datetime-tz",
        lambda: pd.Series(pd.to_datetime(_pick("2020-01-01", "2020-06-01")).tz_localize("Europe/Paris")),
    ),
    ("pandas-period", lambda: pd.Series(pd.PeriodIndex(_pick("2020-01", "2020-02"), freq="M"))),
    ("pandas-index", lambda: pd.Index(_pick("ash", "elm"))),
    ("polars-int", lambda: pl.Series(_pick(3, 7))),
    ("polars-float", lambda: pl.Series(_pick(0.5, 1.5))),
    ("polars-str", lambda: pl.Series(_pick("ash", "elm"))),
    ("polars-categorical", lambda: pl.Series(_pick("ash", "elm"), dtype=pl.Categorical)),
    ("polars-bool", lambda: pl.Series(_pick(False, True))),
    ("polars-date", lambda: pl.Series(_pick(datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)))),
]


@pytest.mark.parametrize("make_labels", [c[1] for c in LABEL_CONTAINERS], ids=[c[0] for c in LABEL_CONTAINERS])
def test_every_label_container_gives_the_per_task_model(make_labels, data):
    X, y = data
    labels = make_labels()
    model = MultiTaskRegressor(penalty="ridge", alpha=ALPHA).fit(X, y, tasks=labels)
    assert len(model.tasks_) == 2
    _assert_matches_per_task_ridge(model, X, y)
    references = _per_task_ridge(X, y)
    expected = np.where(CODES == 0, references[0].predict(X), references[1].predict(X))
    assert_allclose(model.predict(X, tasks=make_labels()), expected, rtol=1e-9)


FRAME_CONTAINERS = [c for c in LABEL_CONTAINERS if c[0].startswith(("pandas-", "polars-")) and c[0] != "pandas-index"]


def _frame_with_column(X, labels):
    """A DataFrame of the library of ``labels`` with the features x0, x1, x2 and the labels as column 'g'."""
    columns = {f"x{j}": X[:, j] for j in range(X.shape[1])}
    if isinstance(labels, pl.Series):
        return pl.DataFrame({**columns, "g": labels})
    return (
        pd.DataFrame(columns)
        .assign(g=labels.to_numpy() if labels.dtype == "category" else labels)
        .astype({"g": labels.dtype})
    )


@pytest.mark.parametrize("make_labels", [c[1] for c in FRAME_CONTAINERS], ids=[c[0] for c in FRAME_CONTAINERS])
@pytest.mark.parametrize("task_column", ["g", -1])
def test_every_dataframe_column_dtype_gives_the_per_task_model(make_labels, task_column, data):
    X, y = data
    frame = _frame_with_column(X, make_labels())
    model = MultiTaskRegressor(penalty="ridge", alpha=ALPHA, task_column=task_column).fit(frame, y)
    _assert_matches_per_task_ridge(model, X, y)
    assert list(model.feature_names_in_) == ["x0", "x1", "x2", "g"]
    by_codes = MultiTaskRegressor(penalty="ridge", alpha=ALPHA).fit(X, y, tasks=CODES)
    assert_allclose(model.predict(frame), by_codes.predict(X, tasks=CODES), rtol=1e-9)


# Each: (id, the labels with a missing marker at MISSING_ROW).
MISSING_LABELS = [
    ("list-None", lambda: _with_missing(_pick("ash", "elm"), None)),
    ("list-nan", lambda: _with_missing(_pick(0.5, 1.5), float("nan"))),
    ("list-float32-nan", lambda: _with_missing(_pick(3, 7), np.float32("nan"))),
    ("ndarray-float64-nan", lambda: np.array(_with_missing(_pick(0.5, 1.5), np.nan))),
    ("ndarray-float32-nan", lambda: np.array(_with_missing(_pick(0.5, 1.5), np.nan), dtype=np.float32)),
    ("ndarray-float16-nan", lambda: np.array(_with_missing(_pick(0.5, 1.5), np.nan), dtype=np.float16)),
    (
        "ndarray-datetime64-NaT",
        lambda: np.array(_with_missing(_pick("2020-01-01", "2020-06-01"), "NaT"), dtype="datetime64[D]"),
    ),
    ("ndarray-timedelta64-NaT", lambda: np.array(_with_missing(_pick(1, 2), "NaT"), dtype="timedelta64[h]")),
    ("object-None", lambda: np.array(_with_missing(_pick("ash", "elm"), None), dtype=object)),
    ("object-nan", lambda: np.array(_with_missing(_pick("ash", "elm"), np.nan), dtype=object)),
    ("object-float32-nan", lambda: np.array(_with_missing(_pick(0, 1), np.float32("nan")), dtype=object)),
    ("object-float16-nan", lambda: np.array(_with_missing(_pick(0, 1), np.float16("nan")), dtype=object)),
    ("object-pd.NA", lambda: np.array(_with_missing(_pick("ash", "elm"), pd.NA), dtype=object)),
    ("object-pd.NaT", lambda: np.array(_with_missing(_pick("ash", "elm"), pd.NaT), dtype=object)),
    ("object-datetime64-NaT", lambda: np.array(_with_missing(_pick(1, 2), np.datetime64("NaT")), dtype=object)),
    ("pandas-Int64-NA", lambda: pd.Series(_with_missing(_pick(3, 7), None), dtype="Int64")),
    ("pandas-Float64-NA", lambda: pd.Series(_with_missing(_pick(0.5, 1.5), None), dtype="Float64")),
    ("pandas-boolean-NA", lambda: pd.Series(_with_missing(_pick(False, True), None), dtype="boolean")),
    ("pandas-string-NA", lambda: pd.Series(_with_missing(_pick("ash", "elm"), pd.NA), dtype="string")),
    ("pandas-object-None", lambda: pd.Series(_with_missing(_pick("ash", "elm"), None), dtype=object)),
    ("pandas-category-NaN", lambda: pd.Series(_with_missing(_pick("ash", "elm"), None), dtype="category")),
    (
        "pandas-datetime-NaT",
        lambda: pd.Series(pd.to_datetime(_with_missing(_pick("2020-01-01", "2020-06-01"), None))),
    ),
    (
        "pandas-datetime-tz-NaT",
        lambda: pd.Series(pd.to_datetime(_with_missing(_pick("2020-01-01", "2020-06-01"), None)).tz_localize("UTC")),
    ),
    (
        "pandas-period-NaT",
        lambda: pd.Series(pd.PeriodIndex(_with_missing(_pick("2020-01", "2020-02"), None), freq="M")),
    ),
    ("polars-int-null", lambda: pl.Series(_with_missing(_pick(3, 7), None))),
    ("polars-float-nan", lambda: pl.Series(_with_missing(_pick(0.5, 1.5), float("nan")))),
    ("polars-str-null", lambda: pl.Series(_with_missing(_pick("ash", "elm"), None))),
    ("polars-categorical-null", lambda: pl.Series(_with_missing(_pick("ash", "elm"), None), dtype=pl.Categorical)),
    ("polars-bool-null", lambda: pl.Series(_with_missing(_pick(False, True), None))),
    (
        "polars-date-null",
        lambda: pl.Series(_with_missing(_pick(datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)), None)),
    ),
]


@pytest.mark.parametrize("make_labels", [c[1] for c in MISSING_LABELS], ids=[c[0] for c in MISSING_LABELS])
@pytest.mark.parametrize("estimator", [MultiTaskRegressor(), MultiTaskRegressorCV(alphas=3, cv=2)], ids=["fit", "cv"])
def test_every_missing_marker_is_rejected_naming_its_row(make_labels, estimator, data):
    X, y = data
    with pytest.raises(ValueError, match=rf"^tasks has a missing task label at row {MISSING_ROW} \(.*\): every row"):
        estimator.fit(X, y, tasks=make_labels())
    fitted = MultiTaskRegressor().fit(X, y, tasks=CODES)
    with pytest.raises(ValueError, match=rf"^tasks has a missing task label at row {MISSING_ROW} "):
        fitted.predict(X, tasks=make_labels())


FRAME_MISSING = [c for c in MISSING_LABELS if c[0].startswith(("pandas-", "polars-"))]


@pytest.mark.parametrize("make_labels", [c[1] for c in FRAME_MISSING], ids=[c[0] for c in FRAME_MISSING])
def test_a_missing_marker_in_a_dataframe_task_column_is_rejected_naming_its_row(make_labels, data):
    X, y = data
    frame = _frame_with_column(X, make_labels())
    with pytest.raises(ValueError, match=rf"^The task column 'g' of X has a missing task label at row {MISSING_ROW} "):
        MultiTaskRegressor(task_column="g").fit(frame, y)


@pytest.mark.parametrize(
    "labels, kinds",
    [
        (_pick(1, "a"), ("number", 0, "str", 1)),
        (np.array(_pick(1.5, "a"), dtype=object), ("number", 0, "str", 1)),
        (pd.Series(_pick("a", 2), dtype=object), ("str", 0, "number", 1)),
        (_pick("a", ("north", 1)), ("str", 0, "tuple", 1)),
        (_pick(datetime.datetime(2020, 1, 1), "2020-01-02"), ("datetime", 0, "str", 1)),
    ],
    ids=["list-int-str", "object-float-str", "pandas-str-int", "str-tuple", "datetime-str"],
)
def test_mixed_label_types_are_rejected_naming_a_row_of_each(labels, kinds, data):
    X, y = data
    first, first_row, second, second_row = kinds
    message = (
        rf"^tasks mixes task labels of different types: {first} at row {first_row} and {second} at row "
        rf"{second_row}\. Give every row a task label of one type"
    )
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressor().fit(X, y, tasks=labels)


def test_equal_numbers_of_different_types_are_one_task(data):
    """1, 1.0, np.int64(1) and True are the label 1 (compared by value, as dict keys are)."""
    X, y = data
    ones = [1, 1.0, np.int64(1), True, np.float32(1)]
    twos = [2, 2.0, np.int64(2), np.uint8(2), np.float32(2)]
    labels = np.empty(N_SAMPLES, dtype=object)
    labels[CODES == 0] = [ones[i % len(ones)] for i in range(N_SAMPLES // 2)]
    labels[CODES == 1] = [twos[i % len(twos)] for i in range(N_SAMPLES // 2)]
    model = MultiTaskRegressor(penalty="ridge", alpha=ALPHA).fit(X, y, tasks=labels)
    assert model.tasks_.tolist() == [1, 2]
    _assert_matches_per_task_ridge(model, X, y)
    assert_allclose(model.predict(X[:2], tasks=[True, 2]), model.predict(X[:2], tasks=[1, 2]))


def test_label_containers_are_not_modified(data):
    X, y = data
    series = pd.Series(_pick("ash", "elm"), dtype="category")
    labels = np.array(_pick(1, 2.0), dtype=object)
    before_series, before_labels = series.copy(), labels.copy()
    MultiTaskRegressor().fit(X, y, tasks=series).predict(X, tasks=series)
    MultiTaskRegressor().fit(X, y, tasks=labels)
    pd.testing.assert_series_equal(series, before_series)
    assert [type(v) for v in labels] == [type(v) for v in before_labels]


# ------------------------------------------------------------------------------ task weights
TASK_WEIGHTS = [
    ("dict", {"ash": 3.0, "elm": 0.5}),
    ("dict-extra-label", {"elm": 0.5, "ash": 3.0, "oak": 9.0}),
    ("pandas-by-label", pd.Series({"elm": 0.5, "ash": 3.0})),
    ("pandas-extra-label", pd.Series({"oak": 9.0, "elm": 0.5, "ash": 3.0})),
    ("list", [3.0, 0.5]),
    ("ndarray", np.array([3.0, 0.5])),
    ("polars-by-position", pl.Series([3.0, 0.5])),
]


@pytest.mark.parametrize("task_weights", [c[1] for c in TASK_WEIGHTS], ids=[c[0] for c in TASK_WEIGHTS])
def test_task_weights_by_label_or_by_position(task_weights, data):
    """A dict or a pandas Series is matched by label (extra labels ignored); other arrays by position."""
    X, y = data
    model = MultiTaskRegressor(penalty="ridge", alpha=ALPHA, task_weights=task_weights)
    model.fit(X, y, tasks=_pick("ash", "elm"))
    _assert_matches_per_task_ridge(model, X, y, task_weights=(3.0, 0.5))


@pytest.mark.parametrize(
    "task_weights, message",
    [
        ({"ash": 1.0}, r"task_weights has no weight for task\(s\) \['elm'\]: task_weights is matched .* by label"),
        (
            pd.Series([1.0, 2.0]),
            r"no weight for task\(s\) \['ash', 'elm'\]: the index of the task_weights Series is matched to the "
            r"tasks by label, and holds \[0, 1\]",
        ),
        ({"ash": 1.0, "elm": -2.0}, r"task_weights must be finite and positive: task 'elm' has weight -2.0"),
        (pd.Series({"ash": np.nan, "elm": 1.0}), r"finite and positive: task 'ash' has weight nan"),
        ([1.0, np.inf], r"finite and positive: task 'elm' has weight inf"),
    ],
    ids=["dict-missing-task", "series-by-position", "negative", "series-nan", "list-inf"],
)
def test_bad_task_weights_name_the_task_and_value(task_weights, message, data):
    X, y = data
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressor(task_weights=task_weights).fit(X, y, tasks=_pick("ash", "elm"))


# ----------------------------------------------------------------------------- sample weights
SAMPLE_WEIGHTS = [
    ("list", lambda w: w.tolist()),
    ("ndarray-float32", lambda w: w.astype(np.float32)),
    ("ndarray-int", lambda w: (4 * w).astype(int)),
    ("pandas", lambda w: pd.Series(w)),
    ("pandas-Float64", lambda w: pd.Series(w, dtype="Float64")),
    ("polars", lambda w: pl.Series(w)),
]


@pytest.mark.parametrize("convert", [c[1] for c in SAMPLE_WEIGHTS], ids=[c[0] for c in SAMPLE_WEIGHTS])
def test_every_sample_weight_container_weighs_the_rows(convert, data):
    X, y = data
    weights = np.tile([0.25, 0.5, 1.0, 0.75], N_SAMPLES // 4)
    given = convert(weights)
    model = MultiTaskRegressor(penalty="ridge", alpha=ALPHA).fit(X, y, tasks=CODES, sample_weight=given)
    _assert_matches_per_task_ridge(model, X, y, sample_weight=np.asarray(given, dtype=float))


@pytest.mark.parametrize(
    "make",
    [
        lambda: MultiTaskRegressor(),
        lambda: MultiTaskRegressor(penalty="l21", tol=1e-10, max_iter=10_000),
        lambda: MultiTaskClassifier(),
        lambda: MultiTaskClassifier(loss="hinge"),
        lambda: MultiTaskRegressorCV(alphas=3, cv=2),
        lambda: MultiTaskClassifierCV(alphas=3, cv=2),
        lambda: TransferRegressor(),
        lambda: TransferClassifier(),
    ],
    ids=[
        "regressor",
        "regressor-l21",
        "logistic",
        "hinge",
        "regressor_cv",
        "classifier_cv",
        "transfer",
        "transfer_clf",
    ],
)
def test_weights_near_the_largest_float_are_normalised_without_overflow(make, data):
    """Weights 1e307 (their sum overflows) give the model of weights 1: each task averages its rows."""
    X, y = data
    estimator = make()
    target = (y > np.median(y)).astype(int) if "Classifier" in type(estimator).__name__ else y
    tasks = {"tasks": CODES} if "tasks" in estimator.fit.__code__.co_varnames else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        huge = make().fit(X, target, sample_weight=np.full(N_SAMPLES, 1e307), **tasks)
    plain = make().fit(X, target, **tasks)
    assert_allclose(huge.coef_, plain.coef_, rtol=1e-10, atol=1e-12)


def test_summed_loss_with_overflowing_weights_names_sample_weight(data):
    X, y = data
    message = r"sample_weight sums to more than the largest float \(its largest value is 1e\+307, at row 0\)"
    with pytest.raises(ValueError, match=message):
        MultiTaskLinearSVC().fit(X, (y > 0).astype(int), tasks=CODES, sample_weight=np.full(N_SAMPLES, 1e307))


def test_negative_sample_weight_names_its_row_and_value(data):
    X, y = data
    weights = np.ones(N_SAMPLES)
    weights[MISSING_ROW] = -2.0
    with pytest.raises(
        ValueError, match=rf"sample_weight contains negative values \(first at row {MISSING_ROW}: -2.0\)"
    ):
        MultiTaskRegressor().fit(X, y, tasks=CODES, sample_weight=weights)


# ------------------------------------------------------------------------------ class labels
CLASSIFIERS = [
    lambda: MultiTaskClassifier(),
    lambda: MultiTaskClassifierCV(alphas=3, cv=2),
    lambda: TransferClassifier(),
]
CLASSIFIER_IDS = ["classifier", "classifier_cv", "transfer"]
MISSING_CLASSES = [
    ("list-None", lambda: _with_missing(_pick("no", "yes"), None)),
    ("ndarray-nan", lambda: np.array(_with_missing(_pick(0.0, 1.0), np.nan))),
    ("object-float32-nan", lambda: np.array(_with_missing(_pick(0, 1), np.float32("nan")), dtype=object)),
    ("object-pd.NA", lambda: np.array(_with_missing(_pick("no", "yes"), pd.NA), dtype=object)),
    ("pandas-string-NA", lambda: pd.Series(_with_missing(_pick("no", "yes"), pd.NA), dtype="string")),
    ("pandas-category-NaN", lambda: pd.Series(_with_missing(_pick("no", "yes"), None), dtype="category")),
    ("pandas-Int64-NA", lambda: pd.Series(_with_missing(_pick(0, 1), None), dtype="Int64")),
    ("polars-str-null", lambda: pl.Series(_with_missing(_pick("no", "yes"), None))),
]


def _fit_classifier(make, X, y):
    estimator = make()
    if isinstance(estimator, TransferClassifier):
        return estimator.fit(X, y)
    return estimator.fit(X, y, tasks=np.arange(N_SAMPLES) // (N_SAMPLES // 2))


@pytest.mark.parametrize("make_y", [c[1] for c in MISSING_CLASSES], ids=[c[0] for c in MISSING_CLASSES])
@pytest.mark.parametrize("make", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_a_missing_class_label_is_named(make, make_y, data):
    X, _ = data
    with pytest.raises(ValueError, match=rf"^y has a missing class label at row {MISSING_ROW} \("):
        _fit_classifier(make, X, make_y())


@pytest.mark.parametrize("make", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_mixed_class_label_types_are_named(make, data):
    X, _ = data
    with pytest.raises(
        ValueError, match=r"^y mixes class labels of different types: number at row 0 and str at row 1\."
    ):
        _fit_classifier(make, X, _pick(0, "yes"))


@pytest.mark.parametrize("make", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_equal_class_labels_of_different_types_are_one_class(make, data):
    X, y = data
    classes = np.where(y > np.median(y), 1, 0)
    spellings = {0: [False, 0.0, np.int64(0)], 1: [True, 1.0, np.int64(1)]}
    mixed = np.array([spellings[c][i % 3] for i, c in enumerate(classes)], dtype=object)
    model = _fit_classifier(make, X, mixed)
    reference = _fit_classifier(make, X, classes)
    assert model.classes_.tolist() == [0, 1]
    assert_allclose(model.coef_, reference.coef_, rtol=1e-12)


# ------------------------------------------------------------------------------ task graphs
def _graph_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3))
    tasks = np.repeat(["ash", "elm", "fir"], 20)
    y = X @ np.array([1.0, 0.5, -1.0]) + rng.normal(size=60)
    A = np.array([[0.0, 2.0, 0.0], [2.0, 0.0, 0.5], [0.0, 0.5, 0.0]])
    return X, y, tasks, A


def _labelled(A, order):
    names = ["ash", "elm", "fir"]
    frame = pd.DataFrame(A, index=names, columns=names)
    return frame.loc[order, order[::-1]]


ADJACENCIES = [
    ("list", lambda A: A.tolist()),
    ("csr", sp.csr_matrix),
    ("csc", sp.csc_matrix),
    ("coo", sp.coo_matrix),
    ("csr_array", sp.csr_array),
    ("dataframe-shuffled", lambda A: _labelled(A, ["fir", "ash", "elm"])),
    ("dataframe-sorted", lambda A: _labelled(A, ["ash", "elm", "fir"])),
]


@pytest.mark.parametrize("convert", [c[1] for c in ADJACENCIES], ids=[c[0] for c in ADJACENCIES])
def test_every_adjacency_container_gives_the_dense_graph_model(convert):
    X, y, tasks, A = _graph_data()
    given = convert(A)
    model = MultiTaskRegressor(penalty=GraphPenalty(adjacency=given, ridge=0.1), alpha=0.5).fit(X, y, tasks=tasks)
    dense = MultiTaskRegressor(penalty=GraphPenalty(adjacency=A, ridge=0.1), alpha=0.5).fit(X, y, tasks=tasks)
    assert_allclose(model.coef_, dense.coef_, rtol=1e-12)


@pytest.mark.parametrize("convert", [c[1] for c in ADJACENCIES], ids=[c[0] for c in ADJACENCIES])
@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda A: A - 1.5 * np.fliplr(np.eye(3)) * (1 - np.eye(3)),
            r"adjacency has negative entries: A\[0, 2\] = -1.5",
        ),
        (lambda A: A + np.triu(np.ones((3, 3)), 1), r"adjacency is not symmetric: A\[0, 1\] = 3 but A\[1, 0\] = 2"),
        (lambda A: np.where(np.eye(3) == 1, np.nan, A), r"adjacency contains NaN or infinity: A\[0, 0\] = nan"),
    ],
    ids=["negative", "asymmetric", "nan"],
)
def test_bad_adjacency_is_named_in_every_container(convert, change, message):
    X, y, tasks, A = _graph_data()
    with pytest.raises(ValueError, match=message):  # refused when the penalty is built
        MultiTaskRegressor(penalty=GraphPenalty(adjacency=convert(change(A)), ridge=0.1)).fit(X, y, tasks=tasks)


@pytest.mark.parametrize(
    "adjacency, message",
    [
        (
            pd.DataFrame(np.zeros((3, 3)), index=["ash", "elm", "oak"], columns=["ash", "elm", "fir"]),
            "index and columns are not the same task labels",
        ),
        ([["a", "b"], ["c", "d"]], "adjacency must be a square matrix of numbers"),
        ("graph", "'adjacency' parameter of GraphPenalty must be an array-like"),
    ],
    ids=["dataframe-labels-differ", "strings", "a-string"],
)
def test_unreadable_adjacency_is_named(adjacency, message):
    X, y, tasks, _ = _graph_data()
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressor(penalty=GraphPenalty(adjacency=adjacency, ridge=0.1)).fit(X, y, tasks=tasks)


def test_adjacency_dataframe_is_not_modified():
    X, y, tasks, A = _graph_data()
    frame = _labelled(A, ["fir", "ash", "elm"])
    before = frame.copy()
    MultiTaskRegressor(penalty=GraphPenalty(adjacency=frame, ridge=0.1)).fit(X, y, tasks=tasks)
    pd.testing.assert_frame_equal(frame, before)


# ---------------------------------------------------------------------------------- sources
@pytest.mark.parametrize(
    "source, shown",
    [
        ({"coef": [1.0, 2.0, 3.0]}, r"got a dict: \{'coef'"),
        ("ridge", "got a str: 'ridge'"),
        (b"ridge", "got a bytes"),
        (("ridge", 0.0), "The source coefficients are not numbers"),
        (([1.0, 2.0, 3.0], "zero"), "The source intercepts are not numbers"),
        ([[1.0, "a", 3.0]], "The source coefficients are not numbers"),
        (object(), "The source coefficients are not numbers"),
    ],
    ids=["dict", "str", "bytes", "tuple-of-str", "str-intercept", "array-with-str", "object"],
)
@pytest.mark.parametrize("cls", [TransferRegressor, TransferClassifier])
def test_a_source_of_the_wrong_type_names_source_and_what_it_accepts(cls, source, shown, data):
    X, y = data
    target = (y > 0).astype(int) if cls is TransferClassifier else y
    accepted = r"^source must be None, a fitted linear model .* or a pair \(coef, intercept\)"
    with pytest.raises(InvalidParameterError, match=accepted):
        cls(source=source).fit(X, target)
    with pytest.raises(InvalidParameterError, match=shown):
        cls(source=source).fit(X, target)


# ------------------------------------------------------------------------ regression tests
def test_float32_nan_in_object_labels_is_not_a_task(data):
    """Issue 18: an object array holding np.float32('nan') fitted NaN as a task and label 1 twice."""
    X, y = data
    labels = np.array([0, 1, np.float32("nan"), 1] * (N_SAMPLES // 4), dtype=object)
    with pytest.raises(ValueError, match=r"tasks has a missing task label at row 2 \(np.float32\(nan\)\)"):
        MultiTaskRegressor().fit(X, y, tasks=labels)


def test_datetime_series_with_nat_is_rejected_on_both_paths(data):
    X, y = data
    stamps = pd.Series(pd.to_datetime(_with_missing(_pick("2020-01-01", "2020-02-01"), None)))
    with pytest.raises(ValueError, match=f"tasks has a missing task label at row {MISSING_ROW} "):
        MultiTaskRegressor().fit(X, y, tasks=stamps)
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"]).assign(g=stamps)
    with pytest.raises(ValueError, match=f"The task column 'g' of X has a missing task label at row {MISSING_ROW} "):
        MultiTaskRegressor(task_column="g").fit(frame, y)


def test_string_series_with_pd_na_is_a_missing_label_not_a_mix_of_types(data):
    X, y = data
    labels = pd.Series(_with_missing(_pick("a", "b"), pd.NA), dtype="string")
    with pytest.raises(ValueError, match=rf"tasks has a missing task label at row {MISSING_ROW} \(<NA>\)"):
        MultiTaskRegressor().fit(X, y, tasks=labels)


def test_task_weights_series_is_read_by_label(data):
    """Issue 18: pd.Series({"b": 3.0, "a": 1.0}) was read by position, swapping the weights."""
    X, y = data
    tasks = _pick("a", "b")
    by_series = MultiTaskRegressor(task_weights=pd.Series({"b": 3.0, "a": 1.0})).fit(X, y, tasks=tasks)
    by_dict = MultiTaskRegressor(task_weights={"b": 3.0, "a": 1.0}).fit(X, y, tasks=tasks)
    swapped = MultiTaskRegressor(task_weights={"a": 3.0, "b": 1.0}).fit(X, y, tasks=tasks)
    assert_allclose(by_series.coef_, by_dict.coef_, rtol=1e-12)
    assert np.abs(by_series.coef_ - swapped.coef_).max() > 1e-3


def test_sparse_task_graph_fits():
    """Issue 18: GraphPenalty(adjacency=csr_matrix(A)) failed with "setting an array element with a sequence"."""
    X, y, tasks, A = _graph_data()
    sparse = MultiTaskRegressor(penalty=GraphPenalty(adjacency=sp.csr_matrix(A), ridge=0.1)).fit(X, y, tasks=tasks)
    dense = MultiTaskRegressor(penalty=GraphPenalty(adjacency=A, ridge=0.1)).fit(X, y, tasks=tasks)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-12)


@pytest.mark.parametrize("cv", [5, None])
def test_more_folds_than_rows_in_every_task_names_the_task_and_cv(cv, data):
    X, y = data
    tasks = np.repeat(["a", "b", "c", "d", "e", "f"], 4)
    message = (
        r"cv=5 splits the rows of every task into 5 folds, but every task has fewer than 5 rows "
        r"\(the largest, task 'a', has 4\)\. Use cv=4 or fewer"
    )
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressorCV(alphas=3, cv=cv).fit(X, y, tasks=tasks)
    model = MultiTaskRegressorCV(alphas=3, cv=4).fit(X, y, tasks=tasks)  # as many folds as rows: fits
    assert model.coef_.shape == (6, 3)


def test_more_folds_than_rows_of_a_class_names_the_task_and_class(data):
    X, y = data
    tasks = np.repeat(["a", "b", "c"], 8)
    classes = np.tile([0, 0, 0, 0, 1, 1, 1, 1], 3)
    message = r"every \(task, class\) pair has fewer than 5 rows \(the largest, task 'a' with class 0, has 4\)"
    with pytest.raises(ValueError, match=message):
        MultiTaskClassifierCV(alphas=3, cv=5).fit(X, classes, tasks=tasks)


@pytest.mark.parametrize(
    "n_iter, advice, not_advised",
    [
        (1, "More iterations cannot help: loosen tol, increase alpha", "max_iter"),
        (50, "Increase max_iter", "cannot help"),
    ],
    ids=["stopped-early", "out-of-iterations"],
)
def test_convergence_warning_advises_more_iterations_only_when_they_ran_out(n_iter, advice, not_advised):
    model = MultiTaskRegressor(max_iter=50)
    result = SolverResult(np.zeros((1, 2)), np.zeros(1), n_iter, certificate=1e-2, converged=False, objective=1.0)
    with pytest.warns(ConvergenceWarning) as record:
        model._warn_if_not_converged(result)
    message = str(record[0].message)
    assert advice in message
    assert not_advised not in message.split(": the stopping certificate")[1]


# ------------------------------------------------------------------------------------ polars
def _school_frames(data):
    X, y = data
    labels = _pick("ash", "elm")
    columns = {"age": X[:, 0], "school": labels, "income": X[:, 1], "score": X[:, 2]}
    return pl.DataFrame(columns), pd.DataFrame(columns), X, y, labels


@pytest.mark.parametrize("task_column", ["school", 1, -3])
def test_polars_dataframe_fits_and_predicts_like_pandas(task_column, data):
    polars_frame, pandas_frame, X, y, labels = _school_frames(data)
    from_polars = MultiTaskRegressor(alpha=0.1, task_column=task_column).fit(polars_frame, y)
    from_pandas = MultiTaskRegressor(alpha=0.1, task_column=task_column).fit(pandas_frame, y)
    from_array = MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=labels)
    assert from_polars.tasks_.tolist() == ["ash", "elm"]
    assert list(from_polars.feature_names_in_) == ["age", "school", "income", "score"]
    assert_allclose(from_polars.coef_, from_array.coef_, rtol=1e-12)
    assert_allclose(from_polars.predict(polars_frame), from_pandas.predict(pandas_frame), rtol=1e-12)
    with pytest.raises(ValueError, match="order"):
        from_polars.predict(polars_frame.select(["school", "age", "income", "score"]))


def test_polars_dataframe_in_cross_validation_and_classifiers(data):
    polars_frame, _, X, y, labels = _school_frames(data)
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(MultiTaskRegressor(alpha=0.1, task_column="school"), polars_frame, y, cv=cv)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    classes = (y > np.median(y)).astype(int)
    by_frame = MultiTaskClassifier(task_column="school").fit(polars_frame, classes)
    by_array = MultiTaskClassifier().fit(X, classes, tasks=labels)
    assert_allclose(by_frame.coef_, by_array.coef_, rtol=1e-12)
    searched = MultiTaskRegressorCV(alphas=3, cv=2, task_column="school").fit(polars_frame, y)
    assert searched.tasks_.tolist() == ["ash", "elm"]


def test_polars_task_column_name_that_is_not_a_column(data):
    polars_frame, _, _, y, _ = _school_frames(data)
    with pytest.raises(
        ValueError, match=r"task_column='district' is not a column of X; its columns are \['age', 'school'"
    ):
        MultiTaskRegressor(task_column="district").fit(polars_frame, y)
