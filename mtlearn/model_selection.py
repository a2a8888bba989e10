"""Regularisation paths and cross-validated multi-task estimators.

- :func:`alpha_max`: the smallest α whose solution is W = 0, for penalties
  with a dual norm (``"l21"``, ``"lasso"``, ``"trace"``, ``"dirty"``, a
  :class:`~mtlearn.penalties.GraphPenalty` with an ℓ1 part).
- :func:`multitask_path`: the solutions along a decreasing grid of α, each fit
  warm-started from the previous one.
- :class:`MultiTaskRegressorCV`, :class:`MultiTaskClassifierCV`: choose α (and
  ``mix`` for ``penalty="mean"``) by cross-validation, then refit on all the
  data.  Each fold validates its training rows once and follows the
  estimator's solver path (:class:`mtlearn._base.FittedPath` over
  :class:`mtlearn.solvers.Path`): warm-started along α for iterative solvers;
  for the squared loss with a mean-type penalty (``"mean"``, ``"ridge"``),
  whose fits are exact, one set of per-task eigendecompositions of the fold's
  training rows, from which every (mix, α) is one p × p solve.
"""

from __future__ import annotations

import numbers
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.metrics import balanced_accuracy_score, check_scoring, log_loss, mean_squared_error
from sklearn.model_selection import ParameterGrid, StratifiedKFold, check_cv
from sklearn.utils import _safe_indexing, indexable
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import get_routing_for_object
from sklearn.utils.validation import check_array

from ._base import COMMON_PARAMETER_CONSTRAINTS, FittedPath
from ._dataframes import frame_library
from ._dtypes import as_model_dtype, model_dtype
from ._grid_search import (
    DEFAULT_MIXES,
    DEFAULT_PENALTIES,
    LOGISTIC_SHARED_INTERCEPT_MIX,
    PENALTY_MIXES,
    GridEdgeWarning,
    InterceptSharing,
    SearchedPenalty,
    chosen_point,
    default_eps,
    default_mixes,
    grid_edges,
    has_solver,
    mix_axis,
)
from ._labels import checked_class_labels
from ._target_scaling import _checked_scale
from ._tasks import check_rows_for_folds, check_sample_weight, encode_tasks, map_tasks, split_task_column
from ._typing import ArrayLike, MatrixLike, Self
from .estimators import _TASK_INPUT_DOC, MultiTaskClassifier, MultiTaskRegressor
from .losses import SquaredLoss
from .metrics import get_scorer
from .penalties import make_penalty, takes_mix
from .solvers import CompositeProblem, zero_coef_gradient

__all__ = [
    "DEFAULT_MIXES",
    "DEFAULT_PENALTIES",
    "PENALTY_MIXES",
    "GridEdgeWarning",
    "MultiTaskClassifierCV",
    "MultiTaskRegressorCV",
    "alpha_max",
    "multitask_path",
]


# ----------------------------------------------------------------- alpha_max
def _training_problems(estimator, X, y, tasks, sample_weight):
    """The :class:`~mtlearn.solvers.Problem` list ``estimator.fit`` solves (one per binary problem).

    Building them runs the checks of ``estimator.fit`` on X, y, the task
    labels and the sample weights, with its error messages.
    """
    return estimator._training_problems(X, y, tasks, sample_weight)[2]


def alpha_max(estimator, X, y, tasks=None, sample_weight=None):
    """The smallest α for which the estimator's solution is W = 0.

    W = 0 solves ``min data(W, b) + α Ω(W)`` exactly when ``G₀ ∈ α ∂Ω(0)``,
    with ``G₀`` the gradient in W of the data term at W = 0 and the intercepts
    at their optimum (the weighted mean of each task's targets for the squared
    loss, the best constant of its labels for classification).  For a norm Ω
    this is ``α ≥ Ω*(G₀)``, its dual norm, given by the penalty's
    ``dual_norm``.  For more than two classes the maximum over the
    one-vs-rest problems is returned.

    Parameters
    ----------
    estimator : MultiTaskRegressor or MultiTaskClassifier (smooth loss)
        Its penalty must declare ``has_dual_norm``.
    X, y, tasks, sample_weight : as in the estimator's ``fit``.

    Returns
    -------
    alpha_max : float
    """
    penalty = _dual_norm_penalty(estimator)
    return _top_alpha(penalty, _training_problems(estimator, X, y, tasks, sample_weight))


def _dual_norm_penalty(estimator):
    """The estimator's penalty, when α_max is defined for it (a dual norm and a smooth loss)."""
    penalty = estimator._penalty()
    if not penalty.has_dual_norm:
        raise ValueError(
            f"The penalty {estimator.penalty!r} has no dual_norm: no finite α gives W = 0 "
            "(quadratic penalties only shrink). Pass an explicit grid of alphas."
        )
    if not estimator._loss().smooth:
        raise ValueError("alpha_max needs a smooth loss; the hinge loss is not supported.")
    return penalty


def _top_alpha(penalty, problems):
    """α_max of the training problems: the largest dual norm of their gradients at W = 0."""
    return float(max(penalty.dual_norm(zero_coef_gradient(p.design, p.loss, p.intercepts)) for p in problems))


def _data_scale(penalty, problems):
    """λ_max of the entry-weighted data Gram matrix: the squared loss's Lipschitz constant."""
    problem = problems[0]
    return CompositeProblem(problem.design, SquaredLoss(), penalty, 0.0, problem.intercepts).lipschitz_estimate()


def _checked_alphas(alphas):
    """A given grid of α, validated and sorted in decreasing order."""
    alphas = np.asarray(alphas, dtype=np.float64)
    if alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
        raise ValueError("alphas must be a non-empty 1-D array of finite positive numbers.")
    return np.sort(alphas)[::-1]


def _default_alpha_grid(estimator, problems, n_alphas, eps):
    """A geometric grid of ``n_alphas`` values from the top α of the training problems down to eps·top."""
    if not isinstance(n_alphas, numbers.Integral) or n_alphas < 1:
        raise ValueError(f"n_alphas must be a positive integer, got {n_alphas!r}.")
    if not 0 < eps <= 1:
        raise ValueError(f"eps must be in (0, 1], got {eps!r}.")
    penalty = estimator._penalty()
    top = _top_alpha(_dual_norm_penalty(estimator), problems) if penalty.has_dual_norm else np.inf
    if not np.isfinite(top) or top <= 0:
        top = _data_scale(penalty, problems)
    return np.geomspace(top, top * eps, int(n_alphas))


def multitask_path(estimator, X, y, tasks=None, sample_weight=None, *, alphas=None, n_alphas=100, eps=1e-3):
    """Fit the estimator along a decreasing grid of α, each fit warm-started.

    Parameters
    ----------
    estimator : MultiTaskRegressor or MultiTaskClassifier
        Its parameters other than ``alpha`` are kept; it is not modified.
    X, y, tasks, sample_weight : as in the estimator's ``fit``.
    alphas : array-like of shape (n_alphas,), default=None
        The grid (used in decreasing order).  By default a geometric grid of
        ``n_alphas`` values from the top α down to ``eps`` times it, where the
        top α is :func:`alpha_max` for penalties with a dual norm, and
        otherwise (quadratic penalties, ``"cluster"``: no finite α gives
        W = 0) the largest eigenvalue of the entry-weighted Gram matrix of the
        data — the scale at which α Ω starts to dominate the data term.
    n_alphas : int, default=100
    eps : float in (0, 1], default=1e-3
        Ratio of the smallest to the largest α of the default grid.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        Decreasing.
    coefs : ndarray of shape (n_alphas,) + ``coef_.shape``
    intercepts : ndarray of shape (n_alphas,) + ``intercept_.shape``
    """
    if "alpha" not in estimator.get_params():
        raise ValueError(f"{type(estimator).__name__} has no alpha parameter to follow a path over.")
    estimator._validate_params()
    path = FittedPath(estimator, X, y, tasks, sample_weight)
    if alphas is not None:
        alphas = _checked_alphas(alphas)
    else:
        problems = [path_.problem(estimator._penalty(), 1.0) for path_ in path.paths]
        alphas = _default_alpha_grid(estimator, problems, n_alphas, eps)
    coefs, intercepts = [], []
    for k, alpha in enumerate(alphas, start=1):
        coef, intercept, n_iter, certificate = path.coefficients(alpha=alpha)
        if estimator.verbose:
            print(f"[path] alpha {k}/{len(alphas)} = {alpha:.4g}  n_iter {n_iter}  certificate {certificate:.3e}")
        coefs.append(coef)
        intercepts.append(intercept)
    return alphas, np.stack(coefs), np.stack(intercepts)


# ------------------------------------------------------------------------ CV
class _TestRowScorer:
    """How a CV estimator scores its fold models: on the user's rows, with a public fitted estimator.

    Each fold model (from :meth:`FittedPath.fitted`, fitted on the features
    without the task column) is configured as the estimator the user
    configured: its ``task_column``, and the ``n_features_in_`` and
    ``feature_names_in_`` of the X given to the CV estimator's ``fit``.  The
    scorer is then called as ``scorer(model, X_rows, y_rows)`` on the rows of
    that X (task column included).  With the tasks given as ``fit(tasks=...)``:

    - the default scoring (:class:`_DefaultScore`) and a scorer that takes
      ``tasks`` (a :class:`~mtlearn.metrics.PerTaskScorer`, the ``*_per_task``
      names, or one that requests ``tasks`` through scikit-learn's metadata
      routing) are called with ``tasks=`` the rows' labels;
    - any other (a scikit-learn name such as ``"roc_auc"``, a ``make_scorer``
      object, a plain function) gets X with the rows' tasks appended as its
      last column (:func:`_with_task_column`) and the model with
      ``task_column`` set to that column.

    When the CV estimator scores in standardised units
    (:meth:`_CVMixin._scores_standardised`: the regressor's default score with
    ``normalize_y=True``), each fold's default score divides every test
    error by its task's spread on the fold's training rows
    (:func:`_test_target_scales`).

    Parameters
    ----------
    cv_estimator : MultiTaskRegressorCV or MultiTaskClassifierCV
        After the validation of ``fit``'s input (``n_features_in_`` recorded).
    base : MultiTaskLinearModel
        The estimator fitted along the paths (for the default scoring).
    scoring : str or callable
        The ``scoring`` parameter (or the estimator's default).
    X : array-like, sparse matrix or DataFrame
        The X given to ``fit``.
    tasks : ndarray of shape (n_samples,) or None
        The validated task labels of the rows.
    """

    def __init__(self, cv_estimator, base, scoring, X, tasks):
        default = cv_estimator.scoring is None
        self.scorer = _DefaultScore.named(scoring) if default else check_scoring(base, get_scorer(scoring))
        self.standardised = cv_estimator._scores_standardised()
        self.tasks = tasks
        self.X = indexable(X)[0]
        self.task_column = cv_estimator.task_column
        self.n_features_in_ = cv_estimator.n_features_in_
        self.feature_names_in_ = getattr(cv_estimator, "feature_names_in_", None)
        self.routed_tasks = None
        self.task_numbers = None  # the sorted labels, when the appended column holds their positions
        if self.task_column is not None or tasks is None:
            return  # the tasks are in X, where the model reads them, or there are none
        if default or get_routing_for_object(self.scorer).consumes("score", ["tasks"]):
            self.routed_tasks = tasks
            return
        appended = _with_task_column(self.X, tasks, self.feature_names_in_)
        self.X, self.task_column, self.task_numbers = appended.X, appended.task_column, appended.task_numbers
        self.n_features_in_ += 1
        if self.feature_names_in_ is not None:
            self.feature_names_in_ = np.append(self.feature_names_in_, appended.task_column).astype(object)

    def on_rows(self, train, test, y, sample_weight):
        """The score of a fold model on the rows ``test``, as a function of the model.

        ``y`` and ``sample_weight`` (or None) are the validated targets and
        weights of all the rows; those of the rows ``train`` (the fold model's
        training rows) give the task scales of a standardised score.
        """
        X_test = _safe_indexing(self.X, test)
        y_test = y[test]
        routed = {} if self.routed_tasks is None else {"tasks": self.routed_tasks[test]}
        scorer = self.scorer
        if self.standardised:
            tasks_train, tasks_test = (None, None) if self.tasks is None else (self.tasks[train], self.tasks[test])
            weight_train = None if sample_weight is None else sample_weight[train]
            scale = _test_target_scales(y[train], tasks_train, tasks_test, weight_train)
            scorer = replace(scorer, scale=scale)

        def score(model):
            model.task_column = self.task_column
            model.n_features_in_ = self.n_features_in_
            if self.feature_names_in_ is not None:
                model.feature_names_in_ = self.feature_names_in_
            if self.task_numbers is not None:
                model.tasks_ = np.searchsorted(self.task_numbers, model.tasks_)
            return scorer(model, X_test, y_test, **routed)

        return score


@dataclass(frozen=True)
class _DefaultScore:
    """The default test score of the CV estimators, computed with the rows' tasks.

    ``sign · metric(y, response)`` over all the test rows, the response of
    each row from its task's model: scikit-learn's scorer of the same name,
    without splitting a task column off X at every grid point.  A ``scale``
    s (one per test row, or one per column of a 2-D y) divides the targets
    and the responses first, ``sign · metric(y / s, response / s)``: for the
    mean squared error, the error in standardised units.
    """

    metric: object
    response_method: str
    greater_is_better: bool
    scale: object = None

    @classmethod
    def named(cls, name):
        """The default score of that scikit-learn name (the CV estimators' ``_default_scoring``)."""
        metric, response_method, greater_is_better = _DEFAULT_SCORES[name]
        return cls(metric, response_method, greater_is_better)

    def __call__(self, estimator, X, y_true, *, tasks=None):
        response = getattr(estimator, self.response_method)(X, tasks=tasks)
        labels = {"labels": estimator.classes_} if self.response_method == "predict_proba" else {}
        if self.scale is not None:
            y_true, response = y_true / self.scale, response / self.scale
        score = float(self.metric(y_true, response, **labels))
        return score if self.greater_is_better else -score


_DEFAULT_SCORES = {
    "neg_mean_squared_error": (mean_squared_error, "predict", False),
    "neg_log_loss": (log_loss, "predict_proba", False),
    "balanced_accuracy": (balanced_accuracy_score, "predict", True),
}

_APPENDED_TASK_COLUMN = "tasks"


@dataclass(frozen=True)
class _TaskColumnView:
    """X with the rows' tasks as its last column: ``X``, the model's ``task_column`` and the label numbering."""

    X: object
    task_column: object
    task_numbers: object


def _test_target_scales(y_train, tasks_train, tasks_test, weight_train):
    """The scale σ_t dividing the test errors of each task: its targets' spread on the training rows.

    σ_t is the standard deviation of task t's targets on the fold's training
    rows, weighted by their sample weights s_i (S_t = Σ_{i in t} s_i),

        m_t = Σ_{i in t} s_i y_i / S_t,   σ_t² = Σ_{i in t} s_i (y_i − m_t)² / S_t,

    and 1 when they are constant (as in
    :func:`~mtlearn._target_scaling._checked_scale`); a test task without
    training rows gets the pooled (mean_t σ_t²)^½ of the trained tasks.

    Parameters
    ----------
    y_train : ndarray of shape (n_train,) or (n_train, n_tasks)
    tasks_train, tasks_test : ndarray of shape (n_train,), (n_test,), or None
        The rows' task labels (None: one column per task, or one task).
    weight_train : ndarray of shape (n_train,) or None
        The training rows' sample weights (None: all 1).

    Returns
    -------
    scale : ndarray of shape (n_test,), or (n_tasks,) for a 2-D y
    """
    y_train = np.asarray(y_train, dtype=np.float64)  # as the fit reads them (numbers of an object array)
    weight = np.ones(y_train.shape[0]) if weight_train is None else _relative_weights(weight_train)
    if y_train.ndim == 2:
        mean = np.average(y_train, axis=0, weights=weight)
        return _checked_scale(np.average((y_train - mean) ** 2, axis=0, weights=weight), mean)
    if tasks_train is None:
        tasks_train, tasks_test = np.zeros(y_train.shape[0]), 0.0
    labels, task_index = encode_tasks(tasks_train)
    total = np.bincount(task_index, weights=weight)
    mean = np.bincount(task_index, weights=weight * y_train) / total
    mean_square = np.bincount(task_index, weights=weight * (y_train - mean[task_index]) ** 2) / total
    scale = _checked_scale(mean_square, mean)
    pooled = np.sqrt(np.mean(scale * scale))
    return np.append(scale, pooled)[map_tasks(tasks_test, labels)]  # map_tasks: -1 for an untrained task


def _relative_weights(weight):
    """Sample weights divided by the largest (all 1 when none is positive), so that their sums cannot overflow."""
    top = np.max(weight)
    return weight / top if top > 0 else np.ones_like(weight)


def _with_task_column(X, tasks, feature_names):
    """X with the task labels appended as a last column, for a scorer that takes no ``tasks=``.

    A pandas or polars DataFrame gets a column of the labels named ``"tasks"``
    (underscores prepended until no column has the name); a DataFrame whose
    column names are not strings, the first integer from ``n_columns`` up that
    is not a column name.  An array or sparse matrix gets the labels when they
    are numbers (or booleans), else each row's task number, the position of its
    label in the sorted labels (``task_numbers``: the fold models' ``tasks_``
    are then renumbered the same way); its task column is -1.
    """
    library = frame_library(X)
    if library is not None:
        columns = list(X.columns)
        if feature_names is not None or library.name == "polars":
            name = _APPENDED_TASK_COLUMN
            while name in columns:
                name = "_" + name
        else:
            name = len(columns)
            while name in columns:
                name += 1
        return _TaskColumnView(library.append(X, name, tasks), name, None)
    numbers = None
    values = tasks
    if tasks.dtype.kind not in "biuf":
        numbers, values = encode_tasks(tasks)
    column = values.reshape(-1, 1)
    if sp.issparse(X):
        appended = sp.hstack([X, sp.csr_matrix(column)], format="csr")
    else:
        appended = np.hstack([np.asarray(X), column])
    return _TaskColumnView(appended, -1, numbers)


def _fold_scores(
    base, X, y, tasks, sample_weight, train, test, penalties, alphas, mixes, intercept_sharing, scorer, fold
):
    """Test scores of one fold, shape (n_penalties, n_mixes, n_alphas), from the fold's path solvers.

    X, y, tasks and sample_weight are the validated arrays of :meth:`_CVMixin.fit`
    (tasks and sample_weight may be None); ``scorer`` the :class:`_TestRowScorer`
    that scores each fold model on the test rows; ``penalties`` are the candidate
    penalties (one path solver each); ``intercept_sharing`` the CV estimator's
    :class:`~mtlearn._grid_search.InterceptSharing` (each point's from its
    ``at``, one path solver per sharing); ``fold`` is (this fold's number, the number of
    folds), for the ``verbose`` output.
    """
    started = time.perf_counter()
    score_on_test = scorer.on_rows(train, test, y, sample_weight)
    tasks_train = None if tasks is None else tasks[train]
    weight_train = None if sample_weight is None else sample_weight[train]
    scores = np.empty((len(penalties), len(mixes), len(alphas)))
    paths = {}
    for k, penalty in enumerate(penalties):
        for i, mix in enumerate(mixes):
            sharing = intercept_sharing.at(make_penalty(penalty, mix=mix))
            if sharing not in paths:
                estimator = clone(base).set_params(intercept_sharing=sharing)
                paths[sharing] = FittedPath(estimator, X[train], y[train], tasks_train, weight_train)
            path = paths[sharing]
            path.restart()
            for j, alpha in enumerate(alphas):
                model = path.fitted(penalty=penalty, mix=mix, alpha=alpha, certify=False)
                scores[k, i, j] = score_on_test(model)
                if base.verbose:
                    print(
                        f"[cv] fold {fold[0]}/{fold[1]}  penalty {k + 1}/{len(penalties)}  mix {mix:g}  "
                        f"alpha {j + 1}/{len(alphas)} = {alpha:.4g}  test score {scores[k, i, j]:.6g}  "
                        f"({time.perf_counter() - started:.2f} s into the fold)"
                    )
    return scores


_CV_CONSTRAINTS = {
    "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
    "eps": [None, Interval(numbers.Real, 0, 1, closed="right")],
    "mixes": [None, "array-like"],
    "penalty_grid": [None, dict],
    "cv": ["cv_object"],
    "scoring": [None, str, callable],
    "selection": [StrOptions({"best", "one_se"})],
    "n_jobs": [None, numbers.Integral],
    "intercept_sharing": [StrOptions({"auto", "per_task", "shared"})],
}


class _CVMixin:
    """Cross-validation over the (penalty, mix, α) grid, then a refit on all the data."""

    _base_class = None
    _default_scoring = None
    # The smallest mix of "mean" at which intercept_sharing="auto" shares one intercept (InterceptSharing).
    _shared_intercept_mix = 1.0

    def _intercept_sharing(self):
        """The grid points' :class:`~mtlearn._grid_search.InterceptSharing`: ``intercept_sharing``, from which mix."""
        return InterceptSharing(self.intercept_sharing, self._shared_intercept_mix)

    def _scores_standardised(self):
        """Whether the default test score divides each task's errors by its spread (the regressor's, below)."""
        return False

    def _validate_params(self):
        """scikit-learn's parameter validation, then the checks of the estimators fitted along the paths."""
        BaseEstimator._validate_params(self)
        self._searched_penalties()

    def _base_estimator(self):
        """The estimator fitted along the paths: this one's parameters, on features already split from the tasks.

        Its penalty is the first one searched.
        """
        own = set(_CV_CONSTRAINTS)
        params = {name: value for name, value in self.get_params(deep=False).items() if name not in own}
        return self._base_class(**{**params, "task_column": None, "penalty": self._penalty_list()[0]})

    def _penalty_list(self):
        """The entries of ``penalty`` as a list (:data:`DEFAULT_PENALTIES` for None)."""
        if self.penalty is None:
            return list(DEFAULT_PENALTIES)
        if isinstance(self.penalty, (list, tuple)):
            if len(self.penalty) == 0:
                raise ValueError("penalty is an empty list: name at least one penalty.")
            return list(self.penalty)
        return [self.penalty]

    def _validated_input(self, base, X, y, tasks, sample_weight):
        """X, y, task labels and sample weights checked as ``base.fit`` checks them, in row order.

        The task column (if any) is split off X, and ``n_features_in_`` and
        ``feature_names_in_`` are recorded on this estimator from the X it was
        given.  Also returns the training problems built on the way, for the
        default α grid.
        """
        task_input = split_task_column(self, X, tasks, reset=True)
        X, tasks = task_input.X, task_input.labels
        problems = _training_problems(base, X, y, tasks, sample_weight)
        y = checked_class_labels(y) if is_classifier(self) else y
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        return X, y, tasks, sample_weight, problems

    def _mix_grid(self, entry):
        """The mix values searched with a penalty that takes a mix (``mixes``, or its default grid for None)."""
        if self.mixes is None:
            return default_mixes(entry)
        mixes = np.asarray(self.mixes, dtype=np.float64).ravel()
        if mixes.size == 0 or not np.all((mixes >= 0) & (mixes <= 1)):
            raise ValueError("mixes must be a non-empty array of numbers in [0, 1].")
        return mixes

    def _searched_penalties(self):
        """The :class:`~mtlearn._grid_search.SearchedPenalty` of every entry of ``penalty``, validated.

        With ``penalty=None`` the entries are those of :data:`DEFAULT_PENALTIES`
        that a solver takes with the loss (the hinge loss: the quadratic ones).
        """
        entries = self._penalty_list()
        if self.penalty_grid is not None and len(entries) > 1:
            raise ValueError(
                f"penalty_grid applies to one penalty; got penalty={self.penalty!r} "
                f"(None searches {DEFAULT_PENALTIES}): name the penalty whose parameters it searches."
            )
        base = self._base_estimator()
        loss = base._loss()
        if self.penalty is None:
            entries = [name for name in entries if has_solver(loss, make_penalty(name, mix=base.mix))]
        if self.mixes is not None and not any(takes_mix(entry) for entry in entries):
            raise ValueError(
                f"mixes applies to penalties that take a mix (such as 'mean'), got penalty={self.penalty!r}."
            )
        searched = []
        for entry in entries:
            penalty = clone(base).set_params(penalty=entry)._penalty()
            mixing = takes_mix(entry)
            mixes = self._mix_grid(entry) if mixing else np.array([base.mix])
            searched.append(SearchedPenalty(self._penalty_candidates(entry, penalty), mixes, mixing))
        return searched

    def _penalty_candidates(self, entry, penalty):
        """The settings searched for one entry: the penalty with each combination of ``penalty_grid``, or itself."""
        if self.penalty_grid is None:
            return [entry]
        unknown = sorted(set(self.penalty_grid) - set(penalty.get_params()))
        if unknown:
            raise ValueError(
                f"penalty_grid names {unknown}, which {type(penalty).__name__} does not have; its "
                f"parameters are {sorted(penalty.get_params())}."
            )
        if "mix" in self.penalty_grid:
            raise ValueError("Search mix with mixes=..., not penalty_grid.")
        candidates = [clone(penalty).set_params(**setting) for setting in ParameterGrid(self.penalty_grid)]
        for candidate in candidates:
            make_penalty(candidate, mix=None)  # validates each candidate's parameters
        return candidates

    def _alpha_grid(self, base, entry, problems):
        """The α grid of one searched penalty (decreasing): ``alphas`` as given, or its own default grid."""
        if not isinstance(self.alphas, numbers.Integral):
            return _checked_alphas(self.alphas)
        estimator = clone(base).set_params(penalty=entry.settings[0])
        eps = default_eps(entry) if self.eps is None else self.eps
        return _default_alpha_grid(estimator, problems, self.alphas, eps)

    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        tasks: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> Self:
        """Choose the penalty, α and mix (and the penalty's parameters) by cross-validation, then refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Training features (with the task column, if ``task_column`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets (class labels for the classifier).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row (split with the rows into the folds).
        sample_weight : array-like of shape (n_samples,), default=None
            Used in the fits (not in the test scores).
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group-aware splitter such as ``GroupKFold``.

        Returns
        -------
        self : object
            The estimator refitted on all the data with the chosen parameters.
        """
        self._validate_params()
        dtype = model_dtype(X, self.task_column)
        base = self._base_estimator()
        searched = self._searched_penalties()
        X_given = X
        X, y, tasks, sample_weight, problems = self._validated_input(base, X, y, tasks, sample_weight)
        grids = [self._alpha_grid(base, entry, problems) for entry in searched]
        folds = _folds(self.cv, X, y, tasks, groups, classifier=is_classifier(self))
        scoring = self._default_scoring if self.scoring is None else self.scoring
        scorer = _TestRowScorer(self, base, scoring, X_given, tasks)
        n_folds = len(folds)
        fold_scores = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_scores)(
                base,
                X,
                y,
                tasks,
                sample_weight,
                train,
                test,
                entry.settings,
                grid,
                entry.mixes,
                self._intercept_sharing(),
                scorer,
                (k, n_folds),
            )
            for k, (train, test) in enumerate(folds, start=1)
            for entry, grid in zip(searched, grids, strict=True)
        )
        mixes = mix_axis(searched, given=self.mixes is not None)
        scores = _grid_scores(fold_scores, searched, mixes, n_folds)
        best_candidate, best_mix, best_alpha = chosen_point(scores, self.selection)
        self._store_choice(searched, grids, mixes, scores, (best_candidate, best_mix, best_alpha))
        if self.verbose:
            print(
                f"[cv] {len(folds)} folds done: {self.selection} alpha {self.alpha_:.4g}, mix {self.mix_}, "
                f"penalty {self.penalty_!r}, {self.intercept_sharing_} intercepts, mean test score "
                f"{np.mean(scores[best_candidate, best_mix, best_alpha]):.6g}; refitting on all data"
            )
        mix = base.mix if self.mix_ is None else self.mix_
        refit = clone(base).set_params(
            alpha=self.alpha_, mix=mix, penalty=self.penalty_, intercept_sharing=self.intercept_sharing_
        )
        refit.fit(X, y, tasks=tasks, sample_weight=sample_weight)
        # The refit saw the features without the task column: n_features_in_ and
        # feature_names_in_ stay those recorded from the X given to this fit.
        kept = set(refit.get_params(deep=False)) | {"n_features_in_", "feature_names_in_"}
        self._forget_penalty_attributes()  # the refit's penalty sets its own
        for name, value in vars(refit).items():
            if name not in kept:
                setattr(self, name, value)
        self.coef_, self.intercept_ = as_model_dtype(dtype, self.coef_, self.intercept_)
        return self

    def _store_choice(self, searched, grids, mixes, scores, index):
        """Record the chosen point, the grids and scores, and warn when α or mix is an end of its grid."""
        candidate, mix_index, alpha_index = index
        entry_index, setting = _candidate_at(searched, candidate)
        entry, alphas = searched[entry_index], grids[entry_index]
        self.penalty_ = setting
        self.alpha_ = float(alphas[alpha_index])
        self.mix_ = float(mixes[mix_index]) if entry.takes_mix else None
        mix = mixes[mix_index] if entry.takes_mix else entry.mixes[0]  # the mix the fits were given
        self.intercept_sharing_ = self._intercept_sharing().at(make_penalty(setting, mix=mix))
        several = self.penalty is None or isinstance(self.penalty, (list, tuple))
        self.alphas_ = np.stack(grids) if several else alphas
        self.mixes_ = mixes if any(e.takes_mix for e in searched) else None
        if not several:
            scores = scores if self.penalty_grid is not None else scores[0]
            scores = scores if entry.takes_mix else scores[..., 0, :, :]
        self.scores_ = scores
        self.on_grid_edge_ = grid_edges(alphas, self.alpha_, entry.mixes if entry.takes_mix else None, self.mix_)
        for name, edge in self.on_grid_edge_.items():
            if edge is not None:
                value = getattr(self, f"{name}_")
                end = "largest" if edge == "upper" else "smallest"
                warnings.warn(
                    f"{type(self).__name__} chose {name}={value:.4g}, the {end} value of its grid for "
                    f"penalty {setting!r}: the best {name} may lie beyond it. Widen the grid "
                    f"({'alphas=..., eps=...' if name == 'alpha' else 'mixes=...'}).",
                    GridEdgeWarning,
                    stacklevel=3,
                )


def _grid_scores(fold_scores, searched, mixes, n_folds):
    """The fold scores of every searched penalty in one array (n_candidates, n_mixes, n_alphas, n_folds).

    ``fold_scores`` holds the output of :func:`_fold_scores` fold by fold,
    each fold searched penalty by penalty; ``mixes`` is the mix axis
    (:func:`~mtlearn._grid_search.mix_axis`).  A penalty that takes a mix
    fills the positions of its own mix grid (NaN at the others); one that
    takes no mix has one score per α, the same at every mix (its model does
    not depend on mix).
    """
    n_candidates = sum(len(entry.settings) for entry in searched)
    scores = np.full((n_candidates, len(mixes), fold_scores[0].shape[-1], n_folds), np.nan)
    positions = [
        [int(np.flatnonzero(mixes == mix)[0]) for mix in entry.mixes] if entry.takes_mix else slice(None)
        for entry in searched
    ]
    blocks = iter(fold_scores)
    for fold in range(n_folds):
        start = 0
        for at in positions:
            block = next(blocks)
            scores[start : start + block.shape[0], :, :, fold][:, at] = block
            start += block.shape[0]
    return scores


def _candidate_at(searched, candidate):
    """(index of the searched penalty, setting) of a candidate index of the score array."""
    for entry_index, entry in enumerate(searched):
        if candidate < len(entry.settings):
            return entry_index, entry.settings[candidate]
        candidate -= len(entry.settings)
    raise IndexError(candidate)


def _folds(cv, X, y, tasks, groups, *, classifier):
    """The (train, test) folds; an int or None gives folds stratified by task.

    Every task then has rows in every training fold (when it has at least
    ``n_splits`` rows); classifiers are stratified by (task, class).

    Parameters
    ----------
    cv : int, cross-validation generator, iterable or None
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_tasks)
    tasks : ndarray of shape (n_samples,) or None
        The validated task labels.
    groups : array-like of shape (n_samples,) or None
    classifier : bool

    Returns
    -------
    folds : list of (train, test) index arrays
    """
    if cv is not None and not isinstance(cv, numbers.Integral):
        return list(check_cv(cv, y, classifier=classifier).split(X, y, groups))
    n_splits = 5 if cv is None else cv
    if tasks is None:
        return list(check_cv(n_splits, y, classifier=classifier).split(X, y, groups))
    _, strata = encode_tasks(tasks)
    if classifier:
        _, classes = np.unique(y, return_inverse=True)
        strata = strata * (classes.max() + 1) + classes.ravel()
    check_rows_for_folds(strata, n_splits, tasks, y if classifier else None)
    return list(StratifiedKFold(n_splits=n_splits).split(np.zeros((len(strata), 1)), strata))


_CV_PARAMETERS_DOC = """
    alphas : int or array-like, default=30
        The grid of α: an int gives that many values on a geometric grid from
        the top α down to ``eps`` times it, for each penalty searched (see
        :func:`multitask_path`: :func:`alpha_max` for penalties with a dual
        norm, a data scale for the others); an array is used as it is (in
        decreasing order) for every penalty.
    eps : float in (0, 1] or None, default=None
        Ratio of the smallest to the largest α of the default grid.  None:
        1e-3 (as ``LassoCV``), and 1e-6 for a penalty searched over
        ``mixes``, whose task deviations cost α/(1 − mix): its best α moves
        down as mix nears 1.
    mixes : array-like of floats in [0, 1] or None, default=None
        The grid of ``mix`` values searched with α for each penalty given by
        a name that takes a mix (``"mean"``, ``"relationship"``).  None:
        each its own default grid — for ``"mean"``
        :data:`~mtlearn.model_selection.DEFAULT_MIXES` = (0, 0.5, 0.9, 0.99,
        0.999, 0.9999, 1): from independent tasks (0) to one pooled model
        (1), the deviations from the shared model costing ``1/(1 − mix)``;
        for ``"relationship"`` ``PENALTY_MIXES["relationship"]`` = (0.5,
        0.9, 0.99, 1) (its mix = 0 is ridge, the mean penalty's mix = 0).
    penalty_grid : dict or None, default=None
        The penalty's own parameters searched with α, as lists of values by
        name (every combination, as ``ParameterGrid``): e.g.
        ``{"l1_ratio": [0.1, 0.3]}`` for ``"dirty"``, ``{"n_clusters": [2, 3]}``
        for ``"cluster"``, ``{"ridge": [...], "l1": [...]}`` for a
        :class:`~mtlearn.GraphPenalty`.  Each candidate has its own paths.
        Only with a single ``penalty``.
    cv : int, cross-validation generator or iterable, default=None
        None or an int: that many folds (5 for None) stratified by task (and
        by class for classifiers), so that every task is in every training
        fold.  A splitter or an iterable of folds is used as it is; a group
        splitter (``GroupKFold``, ...) gets ``groups`` from ``fit``.
        Tasks absent from a training fold need ``handle_unknown="shared"``.
    scoring : str, callable or None, default=None
        Test score to maximise: a scikit-learn scorer name, a per-task name
        of :data:`mtlearn.metrics.PER_TASK_SCORERS` (``"roc_auc_per_task"``:
        the metric on each task's test rows, averaged over the tasks), or a
        callable ``scorer(estimator, X, y)``.  None: the estimator's default
        (for the regressor the mean squared error, in standardised units
        with ``normalize_y=True``).  It is called with a fitted
        estimator of the underlying class, with this estimator's
        ``task_column``, on the test rows of the X given to ``fit`` (task
        column included).  With ``fit(tasks=...)``, the default and a scorer
        that takes ``tasks`` (the per-task scorers, one requesting them by
        metadata routing) get the rows' ``tasks=``; any other (a
        scikit-learn name, ``make_scorer``, a function) gets the test rows
        with their tasks appended as a last column and a model whose
        ``task_column`` is that column: ``"tasks"`` in a DataFrame; -1 in an
        array or sparse matrix, holding the labels when they are numbers,
        else each row's task number (the position of its label among the
        sorted labels, the model's ``tasks_`` renumbered alike).
    selection : {"best", "one_se"}, default="best"
        How the grid point is chosen from the mean test scores over the
        splits.  ``"best"``: the highest.  ``"one_se"`` (the "one standard
        error" rule, glmnet's ``lambda.1se``): for the penalty and mix of
        the best point, the largest α whose mean score is at least the best
        mean minus its standard error ``sd / √n_splits`` (sample standard
        deviation of the best point's split scores) — the most regularised
        model that cross-validation cannot tell apart from the best.
    n_jobs : int or None, default=None
        Number of (fold, penalty) paths computed in parallel (joblib).
{loss}    penalty : str, penalty object, list of them or None, default=None
        The penalty, or the penalties searched (each with its own α grid,
        and with ``mixes`` when it takes a mix); ``penalty_`` is the winner.
        None: :data:`~mtlearn.model_selection.DEFAULT_PENALTIES`,
        ``("mean", "l21", "relationship")`` — ``"mean"`` over its mix grid,
        whose ends are independent per-task models (mix = 0) and one pooled
        model (mix = 1), ``"l21"`` (shared feature selection) and
        ``"relationship"`` (a learned task covariance) over theirs — keeping
        those a solver takes with the loss (for ``loss="hinge"``:
        ``"mean"``).  The user guide page "Model selection" gives the cost
        of this grid.
    intercept_sharing : {"auto", "per_task", "shared"}, default="auto"
        The underlying estimator's ``intercept_sharing`` at each grid point.
        ``"auto"``: one intercept shared by all the tasks at the points of
        ``"mean"`` with ``mix ≥ m₀`` — m₀ = 1 for
        :class:`MultiTaskRegressorCV`, m₀ = 0.9 for
        :class:`MultiTaskClassifierCV` with the logistic loss (1 with the
        hinge losses) — and one intercept per task at every
        other point.  At mix = 1 every task has the same weights, and with
        one intercept the point is one model of all the rows (one w and one
        b: the pooled baseline).  Below it, the objective's deviations of
        the tasks' weights from their mean cost ``α / (1 − mix)`` (≥ 10 α
        for mix ≥ 0.9) while per-task intercepts are free: there the
        classifier's grid fits the nearly pooled weights with one intercept
        (on small tasks with a common intercept cross-validation chose the
        per-task offsets by noise and lost test log-loss to the pooled
        model; user guide, "Model selection").  ``"per_task"`` or
        ``"shared"``: that at every point.
    fit_intercept, task_column, task_weights, handle_unknown, tol, max_iter, verbose
        As in the underlying estimator (``alpha`` and ``mix`` are chosen;
        every path is warm-started, or solved exactly from one
        eigendecomposition per task and fold for the squared loss with
        ``"mean"`` or ``"ridge"``).  A known task graph is
        ``penalty=GraphPenalty(adjacency=...)``: the name
        ``"graph"`` alone is refused (it has no graph).
"""

_CV_ATTRIBUTES_DOC = """
    alpha_ : float
        The chosen α (by ``selection``).
    mix_ : float or None
        The chosen mix (None when the chosen penalty takes no mix).
    penalty_ : str or penalty object
        The chosen penalty: an entry of ``penalty``, or the chosen candidate
        of ``penalty_grid``.
    intercept_sharing_ : {"per_task", "shared"}
        The intercepts of the chosen point (see ``intercept_sharing``), those of the refit.
    alphas_ : ndarray of shape (n_alphas,) or (n_penalties, n_alphas)
        The grid of α, decreasing; one row per penalty searched when
        ``penalty`` is a list or None.
    mixes_ : ndarray of shape (n_mixes,) or None
        The mix of each position of the mix axis of ``scores_`` (None when
        no penalty searched takes a mix): ``mixes``, or the sorted values of
        the default grids of the penalties searched.
    scores_ : ndarray of shape ([n_candidates,] [n_mixes,] n_alphas, n_splits)
        Test score of every split along the grid (higher is better).  With
        a single ``penalty``, the candidate axis is there when
        ``penalty_grid`` is given and the mix axis when the penalty takes a
        mix.  When ``penalty`` is a list or None both axes are there (the
        candidates in the order of ``penalty``); a penalty that takes no mix
        has the same scores at every mix (its model does not depend on it),
        and one whose mix grid lacks a value of ``mixes_`` has NaN there.
    on_grid_edge_ : dict
        ``{"alpha": edge, "mix": edge}``, each "upper" or "lower" when the
        chosen value is the largest or smallest of its grid (of at least two
        values), else None; a :class:`~mtlearn.model_selection.GridEdgeWarning`
        is raised for each edge.  ``mix`` = 0 and 1 (independent and pooled
        tasks) end the range of mix and are never an edge.
    coef_, intercept_, tasks_, shared_coef_, shared_intercept_, n_iter_, certificate_, objective_, penalty_info_
        Those of the estimator refitted on all the data with ``alpha_`` (and ``mix_``, ``intercept_sharing_``).
"""


def _cv_doc(template, loss):
    def decorate(cls):
        cls.__doc__ = (
            template.replace("{tasks}", _TASK_INPUT_DOC)
            .replace("{parameters}", _CV_PARAMETERS_DOC.lstrip("\n").replace("{loss}", loss))
            .replace("{attributes}", _CV_ATTRIBUTES_DOC.lstrip("\n"))
        )
        return cls

    return decorate


def _cv_constraints(base_class):
    shared = {k: v for k, v in base_class._parameter_constraints.items() if k not in ("alpha", "mix", "warm_start")}
    penalty = [None, list, tuple, *COMMON_PARAMETER_CONSTRAINTS["penalty"]]
    return {**shared, "penalty": penalty, **_CV_CONSTRAINTS}


@_cv_doc(
    r"""Multi-task regression with the penalty, α and mix chosen by cross-validation, as ``LassoCV``.

    For each fold, each penalty searched and each mix it follows a path over
    the decreasing α grid of :class:`~mtlearn.MultiTaskRegressor`'s objective

    .. math::

        \sum_t \rho_t \frac{1}{n_t} \sum_{i \in t} s_i \tfrac12 (y_i - x_i^\top w_t - b_t)^2
        + \alpha \, \Omega(W),

    scores each fit on the fold's test rows (default: the mean squared error,
    in standardised units with ``normalize_y=True``: below), picks the
    (penalty, mix, α) with the best mean score (or by the one
    standard error rule, ``selection="one_se"``) and refits on all the data.
    With no parameters it searches ``"mean"`` from independent (mix = 0) to
    pooled (mix = 1) tasks, ``"l21"`` and ``"relationship"``, so that the
    independent and the pooled ridge models are points of its grid.  With ``penalty="mean"`` or
    ``"ridge"`` every fit is exact: the per-task eigendecompositions of a
    fold's training rows depend on neither α nor mix, so they are computed
    once per fold and each (mix, α) costs one p × p solve (the refit is the estimator's own fit, certified).  Other
    penalties follow a warm-started path.

    With ``normalize_y=True`` every fit (of each fold, and the refit) is
    made on the targets standardised per task with the statistics of *its
    own training rows* (the fold's, never the test rows'), and mapped back to
    the units of y.  The default score (``scoring=None``) is then the test
    error in standardised units: on a fold with training rows R and test
    rows E,

    .. math::

        -\frac{1}{|E|} \sum_{i \in E} \Big(\frac{y_i - \hat y_i}{\sigma_{t(i)}}\Big)^2,
        \qquad \sigma_t^2 = \frac{\sum_{i \in R_t} s_i (y_i - m_t)^2}{\sum_{i \in R_t} s_i},
        \quad m_t = \frac{\sum_{i \in R_t} s_i y_i}{\sum_{i \in R_t} s_i},

    σ_t the standard deviation of task t's targets on the fold's training
    rows R_t, weighted by the sample weights s_i (per column of a 2-D y; 1
    for constant targets; the pooled (mean_t σ_t²)^½ for a test task
    without training rows): the scale of the fold's per-task
    standardisation (with fitted intercepts), kept at every grid point of
    the fold (also at those with one intercept shared by the tasks, whose
    fit is standardised by one pooled scale) so that all are compared
    alike.  Every task then counts
    as in the standardised fit, whatever its unit: the raw mean squared
    error would be led by the tasks with the largest units (on Grunfeld's
    firms its choices were at 1.14× the per-task normalised test error of
    ``RidgeCV`` per firm, those of this score at 0.94×; user guide, "Model
    selection", *Default scoring of the regressor*).  With
    ``normalize_y=False`` the default is the raw mean squared error over
    all test rows.
{tasks}
    Parameters
    ----------
{parameters}    normalize_y : bool, default=True
        Fit on each task's standardised targets, as
        :class:`~mtlearn.MultiTaskRegressor` (``normalize_y``): the coupling
        does not depend on the unit of any task's target.  On by default here
        (off in :class:`~mtlearn.MultiTaskRegressor`, whose objective is the
        one written in its docstring): measured on School, the computer
        survey and synthetic tasks with target scales 1× to 100× apart, it
        never costs more than a few per cent of test error and saves up to a
        factor of 5 (``benchmarks/bench_target_scales.py``; user guide,
        *Tasks on different target scales*).
    scale_features : bool, default=False
        Fit on each task's features divided by their spread within the task
        (computed on each fold's training rows), as
        :class:`~mtlearn.MultiTaskRegressor` (``scale_features``).  Off by
        default here, unlike :class:`MultiTaskClassifierCV`: not measured
        yet for regression (user guide, "Model selection", *Tasks whose
        features have different units*).

    Attributes
    ----------
{attributes}    mse_path_ : ndarray, shape of ``scores_``
        Mean squared test error of every fold along the grid (when
        ``scoring=None``): in standardised units (each test error divided by
        its task's σ_t, above) with ``normalize_y=True``, in the units of y
        with ``normalize_y=False``.

    Examples
    --------
    >>> from mtlearn.datasets import make_multitask_regression
    >>> from mtlearn.model_selection import MultiTaskRegressorCV
    >>> X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_samples=30, n_features=5, random_state=0)
    >>> model = MultiTaskRegressorCV(penalty="mean", mixes=[0.0, 1.0], alphas=[1.0, 0.1, 0.01], cv=3)
    >>> model.fit(X, y, tasks=tasks).scores_.shape  # (mix, alpha, fold)
    (2, 3, 3)
    """,
    loss=(
        '    loss : {"squared_error", "huber"} or Loss, default="squared_error"\n        The loss ℓ.\n'
        "    epsilon : float > 0, default=1.35\n"
        '        The Huber threshold (``loss="huber"`` only), as in :class:`~mtlearn.MultiTaskRegressor`.\n'
    ),
)
class MultiTaskRegressorCV(_CVMixin, MultiTaskRegressor):
    _parameter_constraints = _cv_constraints(MultiTaskRegressor)
    _base_class = MultiTaskRegressor
    _default_scoring = "neg_mean_squared_error"

    def _scores_standardised(self):
        """With ``scoring=None`` and ``normalize_y=True`` the test errors are in standardised units."""
        return self.scoring is None and self.normalize_y

    def __init__(
        self,
        *,
        alphas=30,
        eps=None,
        mixes=None,
        penalty_grid=None,
        cv=None,
        scoring=None,
        selection="best",
        n_jobs=None,
        loss="squared_error",
        epsilon=1.35,
        penalty=None,
        intercept_sharing="auto",
        fit_intercept=True,
        task_column=None,
        task_weights=None,
        handle_unknown="error",
        tol=1e-4,
        max_iter=1000,
        verbose=0,
        normalize_y=True,
        scale_features=False,
    ):
        self.alphas = alphas
        self.eps = eps
        self.mixes = mixes
        self.penalty_grid = penalty_grid
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.n_jobs = n_jobs
        self.loss = loss
        self.epsilon = epsilon
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.intercept_sharing = intercept_sharing
        self.task_column = task_column
        self.task_weights = task_weights
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter
        self.verbose = verbose
        self.normalize_y = normalize_y
        self.scale_features = scale_features

    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        tasks: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> Self:
        super().fit(X, y, tasks=tasks, sample_weight=sample_weight, groups=groups)
        if self.scoring is None:
            self.mse_path_ = -self.scores_
        return self

    fit.__doc__ = _CVMixin.fit.__doc__


@_cv_doc(
    r"""Multi-task classification with the penalty, α and mix chosen by cross-validation, as ``LogisticRegressionCV``.

    For each fold, each penalty searched and each mix it follows a
    warm-started path over the decreasing α grid of
    :class:`~mtlearn.MultiTaskClassifier`'s objective

    .. math::

        \sum_t \rho_t \frac{1}{n_t} \sum_{i \in t} s_i \, \ell(y_i, x_i^\top w_t + b_t)
        + \alpha \, \Omega(W),

    scores each fit on the fold's test rows (default: the log-loss for the
    logistic loss, the balanced accuracy for the hinge losses: accuracy would
    choose the intercept-only model on rare positives; the log-loss chooses
    models at least as good on per-task test AUC as the per-task AUC itself,
    at a third of its cost, and takes any number of classes — user guide,
    "Model selection"), picks the
    (penalty, mix, α) with the best mean score (or by the one standard error
    rule, ``selection="one_se"``) and refits on all the data.  With no
    parameters it searches ``"mean"`` from independent (mix = 0) to pooled
    (mix = 1) tasks, ``"l21"`` and ``"relationship"``.
{tasks}
    Parameters
    ----------
{parameters}    class_weight : dict, "balanced" or None, default=None
        As in :class:`~mtlearn.MultiTaskClassifier`; ``"balanced"`` is
        computed on the training rows of each fold.
    scale_features : bool, default=True
        Fit on each task's features divided by their spread within the task
        (computed on each fold's training rows), as
        :class:`~mtlearn.MultiTaskClassifier` (``scale_features``, off
        there): the coupling penalties then compare the tasks' weights per
        unit of each feature's spread in its own task, not in the units
        each task was measured in.  On by default here, from the
        measurements of the user guide page "Model selection" (*Tasks whose
        features have different units*).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
{attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from mtlearn.datasets import make_multitask_classification
    >>> from mtlearn.model_selection import MultiTaskClassifierCV
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=40, n_features=4, random_state=0)
    >>> model = MultiTaskClassifierCV(penalty="mean", alphas=[0.1, 0.01], mixes=[0.5, 0.9], cv=3)
    >>> model = model.fit(X, y, tasks=tasks)
    >>> model.scores_.shape
    (2, 2, 3)
    >>> model.mix_ in (0.5, 0.9)
    True
    """,
    loss='    loss : {"logistic", "hinge", "squared_hinge"}, default="logistic"\n        The loss ℓ.\n',
)
class MultiTaskClassifierCV(_CVMixin, MultiTaskClassifier):
    _parameter_constraints = _cv_constraints(MultiTaskClassifier)
    _base_class = MultiTaskClassifier

    @property
    def _shared_intercept_mix(self):
        """Where ``"auto"`` starts sharing one intercept: mix = 0.9 of ``"mean"`` for the logistic loss, else 1.

        Near the pooled end per-task intercepts were the offsets cross-validation
        chose by noise (benchmarks/RESULTS.md, "The pooled end with one intercept
        for all rows", measured with the logistic loss).  The hinge losses keep
        mix = 1: with one intercept for the tasks at mix 0.9–0.9999 their fits on
        the rare-positive grid stopped at ``max_iter`` (216 ``ConvergenceWarning``).
        """
        return LOGISTIC_SHARED_INTERCEPT_MIX if self._base_estimator()._has_probabilities() else 1.0

    @property
    def _default_scoring(self):
        """The test score with ``scoring=None``: the log-loss for the logistic loss, else the balanced accuracy.

        Both score the intercept-only (null) model below any model with skill
        on rare positives, where accuracy prefers it (benchmarks/RESULTS.md,
        "Default grids of the CV estimators"); the log-loss's choices score as
        well as those of ``"roc_auc_per_task"`` on per-task test AUC, which
        is binary only (benchmarks/RESULTS.md, "Default scoring of the
        classifier CV estimator").
        """
        return "neg_log_loss" if self._base_estimator()._has_probabilities() else "balanced_accuracy"

    def __init__(
        self,
        *,
        alphas=30,
        eps=None,
        mixes=None,
        penalty_grid=None,
        cv=None,
        scoring=None,
        selection="best",
        n_jobs=None,
        loss="logistic",
        penalty=None,
        intercept_sharing="auto",
        fit_intercept=True,
        task_column=None,
        task_weights=None,
        handle_unknown="error",
        tol=1e-4,
        max_iter=1000,
        verbose=0,
        class_weight=None,
        scale_features=True,
    ):
        self.alphas = alphas
        self.eps = eps
        self.mixes = mixes
        self.penalty_grid = penalty_grid
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.n_jobs = n_jobs
        self.loss = loss
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.intercept_sharing = intercept_sharing
        self.task_column = task_column
        self.task_weights = task_weights
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter
        self.verbose = verbose
        self.class_weight = class_weight
        self.scale_features = scale_features
