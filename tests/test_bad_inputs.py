"""Catalogue of bad inputs: each must raise a clear exception naming the problem.

Every case is run on every estimator it applies to: the multi-task regressor,
the classifier with each loss, the linear SVC, the cross-validated estimators
and the transfer estimators.  A case names what it needs (task labels, a solver
tolerance, an ``alpha`` ...; see ``FEATURES``) and runs on the estimators that
have it; the cases that need nothing (bad X, y or sample weights) run on all of
them, with the task labels passed to the estimators that take them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge

from mtlearn import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskKernelRidge,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    MultiTaskSVC,
    SharedRepresentationRegressor,
    TransferClassifier,
    TransferRegressor,
)
from mtlearn.penalties import PENALTIES, ClusterPenalty, GraphPenalty, MeanPenalty, make_penalty

pd = pytest.importorskip("pandas")

N_SAMPLES, N_FEATURES = 20, 3


def _factory(cls, **defaults):
    """Build ``cls`` with ``defaults``, which the keyword arguments of the call override."""
    return lambda **params: cls(**{**defaults, **params})


ESTIMATORS = {
    "regressor": _factory(MultiTaskRegressor),
    "logistic": _factory(MultiTaskClassifier, loss="logistic"),
    "hinge": _factory(MultiTaskClassifier, loss="hinge"),
    "squared_hinge": _factory(MultiTaskClassifier, loss="squared_hinge"),
    "svc": _factory(MultiTaskLinearSVC),
    # A 3-value grid and 2 folds keep the cases that fit fast.
    "regressor_cv": _factory(MultiTaskRegressorCV, alphas=3, cv=2),
    "classifier_cv": _factory(MultiTaskClassifierCV, alphas=3, cv=2),
    "transfer_regressor": _factory(TransferRegressor),
    "transfer_classifier": _factory(TransferClassifier),
    "kernel_ridge": _factory(MultiTaskKernelRidge),
    "kernel_svc": _factory(MultiTaskSVC),
    "shared_representation": _factory(SharedRepresentationRegressor),
}

# What a case may need, and the parameters an estimator must have to offer it.  A case may
# also need "regressor" or "classifier": the estimator's kind.
FEATURES = {
    "tasks": {"task_column", "task_weights", "handle_unknown"},  # task labels, also as tasks= in fit/predict
    "solver": {"tol", "max_iter"},
    "mix": {"mix"},
    "penalty": {"penalty"},
    "alpha": {"alpha"},
    "C": {"C"},
    "loss": {"loss"},
    "alpha_grid": {"alphas", "eps", "mixes"},  # the cross-validated estimators' grid
    "transfer": {"source_weight", "alphas", "source_weights"},  # the transfer estimators' candidates
}


def features(kind):
    """The estimator's kind and the ``FEATURES`` whose parameters it has."""
    estimator = ESTIMATORS[kind]()
    params = set(estimator.get_params())
    offered = {name for name, needed in FEATURES.items() if needed <= params}
    return offered | {"classifier" if is_classifier(estimator) else "regressor"}


@dataclass
class Data:
    X: np.ndarray
    y: np.ndarray
    tasks: np.ndarray
    takes_tasks: bool

    def task_args(self, rows=slice(None)):
        """The task labels of ``rows`` as a keyword argument of fit / predict, for the estimators that take them."""
        return {"tasks": self.tasks[rows]} if self.takes_tasks else {}

    @property
    def with_task_column(self):
        """X with the task labels appended as a last (numeric) column."""
        codes = (self.tasks == "b").astype(float)
        return np.column_stack([self.X, codes])

    @property
    def frame(self):
        frame = pd.DataFrame(self.X, columns=[f"x{j}" for j in range(N_FEATURES)])
        frame["group"] = self.tasks
        return frame


def make_data(kind):
    """Two tasks of 10 rows: a linear target for regressors, alternating labels for classifiers."""
    offered = features(kind)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    tasks = np.repeat(["a", "b"], N_SAMPLES // 2)
    if "regressor" in offered:
        y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=N_SAMPLES)
    else:
        y = np.tile([0, 1], N_SAMPLES // 2)
    return Data(X, y, tasks, "tasks" in offered)


def with_entry(array, value, index=0):
    out = np.array(array, dtype=np.float64 if np.asarray(array).dtype.kind != "O" else object)
    out.flat[index] = value
    return out


def fitted(make, d):
    return make().fit(d.X, d.y, **d.task_args())


# Each case: (id, what it needs (see FEATURES), action(make, data), exception type, regex the
# message must match).
INPUT_CASES = [
    ("nan_in_X", (), lambda m, d: m().fit(with_entry(d.X, np.nan), d.y, **d.task_args()), ValueError, "X contains NaN"),
    (
        "inf_in_X",
        (),
        lambda m, d: m().fit(with_entry(d.X, np.inf), d.y, **d.task_args()),
        ValueError,
        "X contains infinity",
    ),
    (
        "nan_in_sparse_X",
        (),
        lambda m, d: m().fit(sp.csr_matrix(with_entry(d.X, np.nan)), d.y, **d.task_args()),
        ValueError,
        "X contains NaN",
    ),
    (
        "nan_in_y",
        (),
        lambda m, d: m().fit(d.X, with_entry(d.y, np.nan), **d.task_args()),
        ValueError,
        "y contains NaN|y has a missing class label at row 0",
    ),
    (
        "inf_in_y",
        (),
        lambda m, d: m().fit(d.X, with_entry(d.y, np.inf), **d.task_args()),
        ValueError,
        "y contains infinity|y has an infinite class label at row 0",
    ),
    ("y_is_none", (), lambda m, d: m().fit(d.X, None, **d.task_args()), ValueError, "requires y to be passed"),
    (
        "nan_in_sample_weight",
        (),
        lambda m, d: m().fit(d.X, d.y, **d.task_args(), sample_weight=with_entry(np.ones(N_SAMPLES), np.nan)),
        ValueError,
        "sample_weight contains NaN",
    ),
    (
        "inf_in_sample_weight",
        (),
        lambda m, d: m().fit(d.X, d.y, **d.task_args(), sample_weight=with_entry(np.ones(N_SAMPLES), np.inf)),
        ValueError,
        "sample_weight contains infinity",
    ),
    (
        "negative_sample_weight",
        (),
        lambda m, d: m().fit(d.X, d.y, **d.task_args(), sample_weight=with_entry(np.ones(N_SAMPLES), -1.0)),
        ValueError,
        "sample_weight contains negative values",
    ),
    (
        "nan_task_label",
        ("tasks",),
        lambda m, d: m().fit(d.X, d.y, tasks=with_entry((d.tasks == "b").astype(float), np.nan)),
        ValueError,
        r"tasks has a missing task label at row 0 \(np.float64\(nan\)\)",
    ),
    (
        "inf_task_label",
        ("tasks",),
        lambda m, d: m().fit(d.X, d.y, tasks=with_entry((d.tasks == "b").astype(float), np.inf)),
        ValueError,
        r"tasks has an infinite task label at row 0 \(np.float64\(inf\)\)",
    ),
    (
        "none_task_label",
        ("tasks",),
        lambda m, d: m().fit(d.X, d.y, tasks=with_entry(d.tasks.astype(object), None)),
        ValueError,
        r"tasks has a missing task label at row 0 \(None\)",
    ),
    (
        "nan_in_task_column",
        ("tasks",),
        lambda m, d: m(task_column=-1).fit(with_entry(d.with_task_column, np.nan, N_FEATURES), d.y),
        ValueError,
        "The task column -1 of X has a missing task label at row 0",
    ),
    (
        "missing_value_in_dataframe_task_column",
        ("tasks",),
        lambda m, d: m(task_column="group").fit(d.frame.assign(group=[None] + list(d.tasks[1:])), d.y),
        ValueError,
        "The task column 'group' of X has a missing task label at row 0",
    ),
    (
        "y_length_mismatch",
        (),
        lambda m, d: m().fit(d.X, d.y[:-1], **d.task_args()),
        ValueError,
        # mtlearn's message; the transfer estimators validate X and y with scikit-learn's validate_data.
        r"y has 19 rows but X has 20|inconsistent numbers of samples: \[20, 19\]",
    ),
    (
        "tasks_length_mismatch",
        ("tasks",),
        lambda m, d: m().fit(d.X, d.y, tasks=d.tasks[:-1]),
        ValueError,
        "tasks has 19 labels but X has 20 rows",
    ),
    (
        "sample_weight_length_mismatch",
        (),
        lambda m, d: m().fit(d.X, d.y, **d.task_args(), sample_weight=np.ones(N_SAMPLES - 1)),
        ValueError,
        "sample_weight has 19 entries but X has 20 rows",
    ),
    (
        "sample_weight_2d",
        (),
        lambda m, d: m().fit(d.X, d.y, **d.task_args(), sample_weight=np.ones((N_SAMPLES, 1))),
        ValueError,
        "sample_weight must be 1-D",
    ),
    (
        "task_column_out_of_range",
        ("tasks",),
        lambda m, d: m(task_column=7).fit(d.with_task_column, d.y),
        ValueError,
        "task_column=7 is out of range for X with 4 columns",
    ),
    (
        "task_column_negative_out_of_range",
        ("tasks",),
        lambda m, d: m(task_column=-5).fit(d.with_task_column, d.y),
        ValueError,
        "task_column=-5 is out of range",
    ),
    (
        "task_column_missing_from_dataframe",
        ("tasks",),
        lambda m, d: m(task_column="school").fit(d.frame, d.y),
        ValueError,
        "task_column='school' is not a column of X",
    ),
    (
        "task_column_name_on_ndarray",
        ("tasks",),
        lambda m, d: m(task_column="group").fit(d.with_task_column, d.y),
        ValueError,
        "is a column name, but X is not a pandas or polars DataFrame",
    ),
    (
        "task_column_is_bool",
        ("tasks",),
        lambda m, d: m(task_column=True).fit(d.with_task_column, d.y),
        ValueError,
        "task_column must be an int position",
    ),
    (
        "dataframe_with_only_the_task_column",
        ("tasks",),
        lambda m, d: m(task_column="group").fit(d.frame[["group"]], d.y),
        ValueError,
        "no feature columns besides the task column",
    ),
    (
        "tasks_given_twice",
        ("tasks",),
        lambda m, d: m(task_column=-1).fit(d.with_task_column, d.y, tasks=d.tasks),
        ValueError,
        "Task labels were given twice",
    ),
    (
        "tasks_2d",
        ("tasks",),
        lambda m, d: m().fit(d.X, d.y, tasks=d.tasks[:, None]),
        ValueError,
        "tasks must be a 1-D array",
    ),
    (
        "tasks_of_mixed_types",
        ("tasks",),
        lambda m, d: m().fit(d.X, d.y, tasks=np.array([1, "a"] * (N_SAMPLES // 2), dtype=object)),
        ValueError,
        "tasks mixes task labels of different types: number at row 0 and str at row 1",
    ),
    (
        "task_with_zero_total_weight",
        ("tasks",),
        lambda m, d: m().fit(d.X, d.y, tasks=d.tasks, sample_weight=(d.tasks == "b").astype(float)),
        ValueError,
        r"sample weights of task\(s\) \['a'\] sum to zero",
    ),
    (
        "all_sample_weights_zero_single_task",
        (),
        lambda m, d: m().fit(d.X, d.y, sample_weight=np.zeros(N_SAMPLES)),
        ValueError,
        "sum to zero",
    ),
    ("empty_X", (), lambda m, d: m().fit(d.X[:0], d.y[:0], **d.task_args(np.s_[:0])), ValueError, r"0 sample\(s\)"),
    ("X_3d", (), lambda m, d: m().fit(d.X[:, :, None], d.y, **d.task_args()), ValueError, "dim 3"),
    ("X_1d", (), lambda m, d: m().fit(d.X[:, 0], d.y, **d.task_args()), ValueError, "Expected 2D array"),
    ("y_3d", (), lambda m, d: m().fit(d.X, d.y[:, None, None], **d.task_args()), ValueError, "dim 3"),
    (
        "y_2d_with_task_labels",
        ("tasks",),
        lambda m, d: m().fit(d.X, np.column_stack([d.y, d.y]), tasks=d.tasks),
        ValueError,
        r"with task labels y must be 1-D",
    ),
    (
        "unknown_task_at_predict",
        ("tasks",),
        lambda m, d: fitted(m, d).predict(d.X, tasks=np.where(d.tasks == "a", "a", "zzz")),
        ValueError,
        r"Task\(s\) \['zzz'\] were not seen in fit",
    ),
    (
        "predict_without_task_labels",
        ("tasks",),
        lambda m, d: fitted(m, d).predict(d.X),
        ValueError,
        "fitted on 2 tasks: give the task of each row",
    ),
    (
        "predict_tasks_length_mismatch",
        ("tasks",),
        lambda m, d: fitted(m, d).predict(d.X, tasks=d.tasks[:5]),
        ValueError,
        "tasks has 5 labels but X has 20 rows",
    ),
    (
        "predict_wrong_feature_count",
        (),
        lambda m, d: fitted(m, d).predict(d.X[:, :2], **d.task_args()),
        ValueError,
        "X has 2 features, but .* is expecting 3",
    ),
    (
        "predict_task_column_wrong_column_count",
        ("tasks",),
        lambda m, d: m(task_column=-1).fit(d.with_task_column, d.y).predict(d.X),
        ValueError,
        r"X has 3 columns \(task column included\), but .* fitted with 4",
    ),
    (
        "predict_empty_X",
        (),
        lambda m, d: fitted(m, d).predict(d.X[:0], **d.task_args(np.s_[:0])),
        ValueError,
        r"0 sample\(s\)",
    ),
    ("predict_X_3d", (), lambda m, d: fitted(m, d).predict(d.X[:, :, None], **d.task_args()), ValueError, "dim 3"),
    (
        "predict_nan_in_X",
        (),
        lambda m, d: fitted(m, d).predict(with_entry(d.X, np.nan), **d.task_args()),
        ValueError,
        "X contains NaN",
    ),
    ("predict_before_fit", (), lambda m, d: m().predict(d.X, **d.task_args()), NotFittedError, "not fitted yet"),
    (
        "task_weights_negative",
        ("tasks",),
        lambda m, d: m(task_weights=[1.0, -1.0]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "task_weights must be finite and positive",
    ),
    (
        "task_weights_zero",
        ("tasks",),
        lambda m, d: m(task_weights={"a": 0.0, "b": 1.0}).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "task_weights must be finite and positive",
    ),
    (
        "task_weights_nan",
        ("tasks",),
        lambda m, d: m(task_weights=[1.0, np.nan]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "task_weights must be finite and positive",
    ),
    (
        "task_weights_non_numeric",
        ("tasks",),
        lambda m, d: m(task_weights=["heavy", "light"]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "task_weights must be numbers",
    ),
    (
        "task_weights_dict_non_numeric",
        ("tasks",),
        lambda m, d: m(task_weights={"a": 1.0, "b": "heavy"}).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "task_weights must be numbers",
    ),
    (
        "task_weights_wrong_length",
        ("tasks",),
        lambda m, d: m(task_weights=[1.0, 1.0, 1.0]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        r"task_weights has shape \(3,\), expected \(2,\)",
    ),
    (
        "task_weights_dict_missing_a_task",
        ("tasks",),
        lambda m, d: m(task_weights={"a": 1.0}).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        r"task_weights has no weight for task\(s\) \['b'\]",
    ),
    (
        "handle_unknown_unknown",
        ("tasks",),
        lambda m, d: m(handle_unknown="ignore").fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'handle_unknown' parameter .* Got 'ignore'",
    ),
]

# Bad values of the constructor parameters.
PARAMETER_CASES = [
    (
        "tol_negative",
        ("solver",),
        lambda m, d: m(tol=-1e-4).fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'tol' parameter .* Got -0.0001",
    ),
    (
        "tol_non_numeric",
        ("solver",),
        lambda m, d: m(tol="tight").fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'tol' parameter .* Got 'tight'",
    ),
    (
        "tol_nan",
        ("solver",),
        lambda m, d: m(tol=np.nan).fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'tol' parameter .* Got nan",
    ),
    (
        "max_iter_zero",
        ("solver",),
        lambda m, d: m(max_iter=0).fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'max_iter' parameter .* Got 0",
    ),
    (
        "mix_above_one",
        ("mix",),
        lambda m, d: m(mix=1.5).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'mix' parameter .* Got 1.5",
    ),
    (
        "mix_negative",
        ("mix",),
        lambda m, d: m(mix=-0.1).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'mix' parameter .* Got -0.1",
    ),
    (
        "penalty_object_with_bad_mix",
        ("penalty",),
        lambda m, d: m(penalty=MeanPenalty(mix=3)).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        r"'mix' parameter of MeanPenalty must be a float in the range \[0.0, 1.0\]. Got 3",
    ),
    (
        "penalty_unknown_name",
        ("penalty",),
        lambda m, d: m(penalty="elastic").fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'penalty' parameter .* Got 'elastic'",
    ),
    (
        # Refused at parameter validation: before the data (whose y has the wrong length) are looked at.
        "penalty_graph_without_its_graph",
        ("penalty",),
        lambda m, d: m(penalty="graph").fit(d.X, d.y[:3], tasks=d.tasks),
        ValueError,
        r"penalty='graph' cannot know: pass penalty=GraphPenalty\(adjacency=\.\.\.\)",
    ),
    (
        "penalty_not_a_penalty",
        ("penalty",),
        lambda m, d: m(penalty=object()).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'penalty' parameter .* an instance of 'mtlearn.penalties._base.Penalty'",
    ),
    (
        "alpha_negative",
        ("alpha",),
        lambda m, d: m(alpha=-1.0).fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'alpha' parameter .* Got -1.0",
    ),
    (
        "alpha_zero",
        ("alpha",),
        lambda m, d: m(alpha=0.0).fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'alpha' parameter .* Got 0.0",
    ),
    (
        "alpha_non_numeric",
        ("alpha",),
        lambda m, d: m(alpha="strong").fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'alpha' parameter .* Got 'strong'",
    ),
    (
        "alpha_nan",
        ("alpha",),
        lambda m, d: m(alpha=np.nan).fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'alpha' parameter .* Got nan",
    ),
    (
        "alpha_inf",
        ("alpha",),
        lambda m, d: m(alpha=np.inf).fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'alpha' parameter .* Got inf",
    ),
    (
        "C_negative",
        ("C",),
        lambda m, d: m(C=-1.0).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'C' parameter .* Got -1.0",
    ),
    ("C_zero", ("C",), lambda m, d: m(C=0.0).fit(d.X, d.y, tasks=d.tasks), ValueError, "'C' parameter .* Got 0.0"),
    (
        "C_non_numeric",
        ("C",),
        lambda m, d: m(C="soft").fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'C' parameter .* Got 'soft'",
    ),
    (
        "alphas_zero",
        ("alpha_grid",),
        lambda m, d: m(alphas=0).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'alphas' parameter .* Got 0",
    ),
    (
        "alphas_non_numeric",
        ("alpha_grid",),
        lambda m, d: m(alphas="strong").fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'alphas' parameter .* Got 'strong'",
    ),
    (
        "alphas_with_a_negative_value",
        ("alpha_grid",),
        lambda m, d: m(alphas=[1.0, -1.0]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "alphas must be a non-empty 1-D array of finite positive numbers",
    ),
    (
        "alphas_with_nan",
        ("alpha_grid",),
        lambda m, d: m(alphas=[1.0, np.nan]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "alphas must be a non-empty 1-D array of finite positive numbers",
    ),
    (
        "alphas_empty",
        ("alpha_grid",),
        lambda m, d: m(alphas=[]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "alphas must be a non-empty 1-D array of finite positive numbers",
    ),
    (
        "eps_zero",
        ("alpha_grid",),
        lambda m, d: m(eps=0.0).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'eps' parameter .* Got 0.0",
    ),
    (
        "eps_above_one",
        ("alpha_grid",),
        lambda m, d: m(eps=1.5).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'eps' parameter .* Got 1.5",
    ),
    (
        "mixes_above_one",
        ("alpha_grid",),
        lambda m, d: m(mixes=[0.5, 1.5]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        r"mixes must be a non-empty array of numbers in \[0, 1\]",
    ),
    (
        "mixes_negative",
        ("alpha_grid",),
        lambda m, d: m(mixes=[-0.1]).fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        r"mixes must be a non-empty array of numbers in \[0, 1\]",
    ),
    (
        "cv_not_a_splitter",
        ("alpha_grid",),
        lambda m, d: m(cv="five").fit(d.X, d.y, tasks=d.tasks),
        ValueError,
        "'cv' parameter .* Got 'five'",
    ),
    (
        "source_weight_above_one",
        ("transfer",),
        lambda m, d: m(source_weight=1.5).fit(d.X, d.y),
        ValueError,
        "'source_weight' parameter .* Got 1.5",
    ),
    (
        "source_weight_negative",
        ("transfer",),
        lambda m, d: m(source_weight=-0.5).fit(d.X, d.y),
        ValueError,
        "'source_weight' parameter .* Got -0.5",
    ),
    (
        "auto_alpha_with_a_negative_candidate",
        ("transfer",),
        lambda m, d: m(alpha="auto", alphas=[1.0, -1.0]).fit(d.X, d.y),
        ValueError,
        r"alphas must be positive, got \[1.0, -1.0\]",
    ),
    (
        "auto_alpha_with_a_nan_candidate",
        ("transfer",),
        lambda m, d: m(alpha="auto", alphas=[1.0, np.nan]).fit(d.X, d.y),
        ValueError,
        "alphas must be finite",
    ),
    (
        "auto_source_weight_with_a_candidate_above_one",
        ("transfer",),
        lambda m, d: m(source_weight="auto", source_weights=[0.0, 2.0]).fit(d.X, d.y),
        ValueError,
        r"source_weights must lie in \[0, 1.0\], got \[0.0, 2.0\]",
    ),
    (
        "regression_loss_unknown",
        ("regressor", "loss"),
        lambda m, d: m(loss="absolute_error").fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'loss' parameter .* Got 'absolute_error'",
    ),
    (
        "classification_loss_unknown",
        ("classifier", "loss"),
        lambda m, d: m(loss="perceptron").fit(d.X, d.y, **d.task_args()),
        ValueError,
        "'loss' parameter .* Got 'perceptron'",
    ),
    (
        "classifier_continuous_target",
        ("classifier",),
        lambda m, d: m().fit(d.X, d.X[:, 0], **d.task_args()),
        ValueError,
        "Unknown label type: continuous",
    ),
    (
        "classifier_single_class",
        ("classifier",),
        lambda m, d: m().fit(d.X, np.ones(N_SAMPLES), **d.task_args()),
        ValueError,
        "needs samples of at least 2 classes",
    ),
]


def _cases():
    for name, needs, action, exc, match in INPUT_CASES + PARAMETER_CASES:
        for kind in ESTIMATORS:
            if set(needs) <= features(kind):
                yield pytest.param(kind, action, exc, match, id=f"{name}-{kind}")


@pytest.mark.parametrize("kind, action, exc, match", list(_cases()))
def test_bad_input_raises_naming_the_problem(kind, action, exc, match):
    with pytest.raises(exc, match=match):
        action(ESTIMATORS[kind], make_data(kind))


def test_catalogue_size():
    """The brief asks for at least 30 distinct bad inputs."""
    assert len(INPUT_CASES) + len(PARAMETER_CASES) >= 30


@pytest.mark.parametrize("case", INPUT_CASES + PARAMETER_CASES, ids=lambda case: case[0])
def test_every_case_runs_on_some_estimator(case):
    """A misspelt need would silently drop its case."""
    assert any(set(case[1]) <= features(kind) for kind in ESTIMATORS)


@pytest.mark.parametrize("kind", ["regressor_cv", "classifier_cv", "transfer_regressor", "transfer_classifier"])
def test_common_cases_cover_the_cv_and_transfer_estimators(kind):
    """The cases that need nothing (bad X, y, sample weights, prediction inputs) run on these too."""
    names = {param.id.rsplit("-", 1)[0] for param in _cases() if param.id.endswith(f"-{kind}")}
    assert {"nan_in_X", "inf_in_y", "y_length_mismatch", "empty_X", "X_3d", "predict_before_fit"} <= names


# ------------------------------------------------- registered penalties without a quadratic form
def _non_quadratic_penalties():
    names = []
    for name, factory in PENALTIES.items():
        try:
            penalty = factory(0.5)
        except (TypeError, ValueError):
            continue
        if not penalty.quadratic:
            names.append(name)
    return names


@pytest.mark.parametrize("kind", ["hinge", "svc"])
@pytest.mark.parametrize("penalty", _non_quadratic_penalties())
def test_hinge_loss_rejects_a_non_quadratic_penalty(kind, penalty):
    data = make_data(kind)
    name = type(make_penalty(penalty, mix=0.5)).__name__
    with pytest.raises(ValueError, match=f"'hinge' loss with {name}: .*hinge loss .* needs a quadratic penalty"):
        ESTIMATORS[kind](penalty=penalty).fit(data.X, data.y, tasks=data.tasks)


@pytest.mark.parametrize("kind", ["kernel_ridge", "kernel_svc"])
@pytest.mark.parametrize("penalty", _non_quadratic_penalties())
def test_kernel_machines_reject_a_non_quadratic_penalty(kind, penalty):
    data = make_data(kind)
    with pytest.raises(ValueError, match=f"need a quadratic task penalty.*penalty={penalty.title()}Penalty"):
        ESTIMATORS[kind](penalty=penalty).fit(data.X, data.y, tasks=data.tasks)


# ------------------------------------------------------------------------------ graph penalty
@pytest.mark.parametrize(
    "kind", ["regressor", "logistic", "svc", "regressor_cv", "classifier_cv", "kernel_ridge", "kernel_svc"]
)
@pytest.mark.parametrize(
    "adjacency, match",
    [
        (np.ones((3, 3)) - np.eye(3), r"adjacency has shape \(3, 3\), expected \(2, 2\)"),
        (np.array([[0.0, 1.0], [2.0, 0.0]]), "adjacency is not symmetric"),
        (np.array([[0.0, -1.0], [-1.0, 0.0]]), "adjacency has negative entries"),
        (np.array([[0.0, np.nan], [np.nan, 0.0]]), "adjacency contains NaN"),
    ],
    ids=["wrong_shape", "asymmetric", "negative", "nan"],
)
def test_bad_task_graph(kind, adjacency, match):
    data = make_data(kind)
    with pytest.raises(ValueError, match=match):
        ESTIMATORS[kind](penalty=GraphPenalty(adjacency=adjacency, ridge=1.0)).fit(data.X, data.y, tasks=data.tasks)


@pytest.mark.parametrize("kind", [kind for kind in ESTIMATORS if "penalty" in features(kind)])
def test_penalty_docstrings_say_how_to_give_a_task_graph(kind):
    """The name "graph" alone is refused (case penalty_graph_without_its_graph): the docstrings say what to pass."""
    doc = type(ESTIMATORS[kind]()).__doc__
    assert "GraphPenalty(adjacency=" in doc and '``"graph"`` alone is refused' in doc


# ---------------------------------------------------------------------------- cluster penalty
@pytest.mark.parametrize("n_clusters", [0, 3, -1])
def test_cluster_count_outside_one_to_n_tasks(n_clusters):
    data = make_data("regressor")  # two tasks: 1 <= n_clusters <= 2 is valid
    with pytest.raises(ValueError, match="n_clusters"):
        MultiTaskRegressor(penalty=ClusterPenalty(n_clusters=n_clusters)).fit(data.X, data.y, tasks=data.tasks)


# ------------------------------------------------------------------------- transfer sources
def test_transfer_source_with_wrong_feature_count():
    data = make_data("transfer_regressor")
    source = np.ones(N_FEATURES + 2)
    with pytest.raises(ValueError, match=f"source has {N_FEATURES + 2} features but X has {N_FEATURES}"):
        TransferRegressor(source=source).fit(data.X, data.y)


def test_transfer_source_fitted_on_other_features():
    data = make_data("transfer_regressor")
    source = Ridge().fit(data.X[:, :2], data.y)
    with pytest.raises(ValueError, match="source has 2 features but X has 3"):
        TransferRegressor(source=source).fit(data.X, data.y)


def test_transfer_source_with_other_classes():
    data = make_data("transfer_classifier")
    source = LogisticRegression().fit(data.X, np.where(data.y == 1, "yes", "no"))
    with pytest.raises(ValueError, match="classes"):
        TransferClassifier(source=source).fit(data.X, data.y)
