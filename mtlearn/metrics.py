r"""Per-task scores: a metric computed on each task's rows, then averaged over the tasks.

A multi-task model is usually judged task by task (the mean AUC over the
tasks, the mean R² over the tasks): pooling the rows of all tasks into one
metric lets the tasks with many rows, or whose intercepts differ most, decide.
:func:`per_task_scorer` turns a scikit-learn metric ``metric(y_true, y_pred)``
into a scikit-learn scorer ``scorer(estimator, X, y)`` that computes

.. math::

    \text{score} = \sigma \, \frac{\sum_{t \in S} v_t \, m(y_t, \hat y_t)}{\sum_{t \in S} v_t},

with ``y_t`` and ``ŷ_t`` the true targets and the responses of task t's rows,
σ = +1 (−1 for ``greater_is_better=False``), v_t = 1 (``average="mean"``) or
the number (total sample weight) of task t's rows (``average="weighted"``),
and S the tasks where the metric is defined: their rows hold at least
``min_classes`` distinct targets and the metric is not NaN.  The scorer works
wherever scikit-learn takes ``scoring=`` (``GridSearchCV``, ``cross_validate``,
``cross_val_score``) and in mtlearn's CV estimators, which also take the
names of :data:`PER_TASK_SCORERS` (``scoring="roc_auc_per_task"``).

It finds each row's task

- in ``X``, from the estimator's ``task_column`` (the task travels with the
  row, no metadata routing needed); or
- from ``tasks=`` given to the scorer, which passes them on to the
  estimator's response method: routed by scikit-learn's metadata routing
  (the scorer requests ``tasks`` by default; the estimator requests them in
  ``fit``, ``set_fit_request(tasks=True)``, and inside a ``Pipeline`` also in
  its response method, ``set_decision_function_request(tasks=True)`` or
  ``set_predict_proba_request(tasks=True)``), or passed by mtlearn's CV
  estimators fitted with ``tasks=``; or
- for a shared design (2-D ``y``, no task labels): each column of ``y`` is a task.
"""

from __future__ import annotations

import inspect
import numbers
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.metrics import get_scorer_names as _sklearn_get_scorer_names
from sklearn.utils.metadata_routing import UNCHANGED, MetadataRequest

from ._tasks import encode_tasks, split_task_column, task_labels

__all__ = ["PER_TASK_SCORERS", "PerTaskScorer", "get_scorer", "get_scorer_names", "per_task_scorer"]

_RESPONSE_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
_AVERAGES = ("mean", "weighted")


class PerTaskScorer:
    r"""A scikit-learn scorer: a metric computed on each task's rows, averaged over the tasks.

    Called as ``scorer(estimator, X, y_true)`` it returns

    .. math::

        \sigma \, \frac{\sum_{t \in S} v_t \, m(y_t, \hat y_t)}{\sum_{t \in S} v_t},

    with ``m`` the metric, ``y_t`` and ``ŷ_t`` the true targets and the
    estimator's responses on task t's rows, σ = −1 when
    ``greater_is_better=False`` (else +1), v_t = 1 (``average="mean"``) or
    the number, or total sample weight, of task t's rows
    (``average="weighted"``), and S the tasks whose rows hold at least
    ``min_classes`` distinct targets and whose metric is not NaN.  The
    other tasks are skipped with an ``UndefinedMetricWarning`` that says how
    many and which; when every task is skipped the score is NaN.  Build it
    with :func:`per_task_scorer`.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_pred, **metric_kwargs)``, a scikit-learn metric
        such as :func:`sklearn.metrics.roc_auc_score`.
    average : {"mean", "weighted"}, default="mean"
        ``"mean"``: every task counts once; ``"weighted"``: each task by its
        number of rows (their total weight when sample weights are given).
    min_classes : int >= 1, default=2
        A task is scored when its rows hold at least this many distinct
        targets (classes, for a classifier): 2 for a ranking metric such as
        ROC AUC or for R², 1 for accuracy, log loss or squared error.
    response_method : str or tuple of str, default="predict"
        The estimator's method giving ``y_pred``
        (``"predict"``, ``"predict_proba"``, ``"predict_log_proba"``,
        ``"decision_function"``); a tuple: the first the estimator has.  As
        in scikit-learn's scorers, for two classes the probability (or the
        decision value) of the positive class ``pos_label`` is passed (by
        default ``classes_[1]``); with ``predict_proba``, a metric that takes
        ``labels`` gets ``labels=estimator.classes_``, so a task whose rows
        miss a class is scored against the model's classes.
    greater_is_better : bool, default=True
        False for a loss (the score is then minus the loss, as scikit-learn's
        ``neg_*`` scorers).
    metric_kwargs : dict or None, default=None
        Further keyword arguments of the metric.

    See Also
    --------
    per_task_scorer : Builds this scorer.
    get_scorer : A scorer by name, the per-task names included.
    """

    def __init__(
        self,
        metric,
        *,
        average="mean",
        min_classes=2,
        response_method="predict",
        greater_is_better=True,
        metric_kwargs=None,
    ):
        if not callable(metric):
            raise ValueError(f"metric must be a callable metric(y_true, y_pred), got {metric!r}.")
        if average not in _AVERAGES:
            raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}.")
        if not isinstance(min_classes, numbers.Integral) or isinstance(min_classes, bool) or min_classes < 1:
            raise ValueError(f"min_classes must be an integer >= 1, got {min_classes!r}.")
        methods = (response_method,) if isinstance(response_method, str) else tuple(response_method)
        if not methods or any(method not in _RESPONSE_METHODS for method in methods):
            raise ValueError(
                f"response_method must be one of {_RESPONSE_METHODS} or a tuple of them, got {response_method!r}."
            )
        if not isinstance(greater_is_better, bool | np.bool_):
            raise ValueError(f"greater_is_better must be a bool, got {greater_is_better!r}.")
        self.metric = metric
        self.average = average
        self.min_classes = int(min_classes)
        self.response_method = response_method
        self.greater_is_better = bool(greater_is_better)
        self.metric_kwargs = dict(metric_kwargs or {})
        self._requests = {"tasks": True, "sample_weight": None}

    def __repr__(self):
        options = f"average={self.average!r}, min_classes={self.min_classes}, response_method={self.response_method!r}"
        if not self.greater_is_better:
            options += ", greater_is_better=False"
        kwargs = "".join(f", {name}={value!r}" for name, value in self.metric_kwargs.items())
        return f"per_task_scorer({getattr(self.metric, '__name__', repr(self.metric))}, {options}{kwargs})"

    def __call__(self, estimator, X, y_true, *, tasks=None, sample_weight=None):
        """The per-task score of a fitted estimator on the rows X.

        Parameters
        ----------
        estimator : fitted estimator
            Its ``task_column`` (when set and ``tasks`` is None) says which
            column of X holds each row's task.
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows, as the estimator's ``predict`` takes them.
        y_true : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True targets; 2-D for a shared design (one task per column).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row, also passed to the response method.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the metric task by task (and the weights of
            ``average="weighted"``).

        Returns
        -------
        score : float
            The average over the scored tasks (NaN when none can be scored).
        """
        y_true = np.asarray(y_true)
        n_samples = y_true.shape[0]
        labels = self._row_tasks(estimator, X, tasks, y_true)
        method_name, response = self._response(estimator, X, tasks)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != (n_samples,):
                raise ValueError(f"sample_weight has shape {sample_weight.shape}, expected ({n_samples},).")
        kwargs = dict(self.metric_kwargs)
        if method_name == "predict_proba" and "labels" in _metric_parameters(self.metric) and "labels" not in kwargs:
            kwargs["labels"] = estimator.classes_
        scores, sizes, skipped = [], [], []
        for task, y_task, response_task, weight_task in _task_parts(labels, y_true, response, sample_weight):
            score = np.nan
            if np.unique(y_task).size >= self.min_classes:
                extra = {} if weight_task is None else {"sample_weight": weight_task}
                score = float(self.metric(y_task, response_task, **kwargs, **extra))
            if np.isnan(score):
                skipped.append(task)
                continue
            scores.append(score)
            sizes.append(len(y_task) if weight_task is None else weight_task.sum())
        n_tasks = len(scores) + len(skipped)
        if skipped:
            scored = f"the score is the {self.average} over the other {len(scores)}" if scores else "the score is NaN"
            warnings.warn(
                f"{self!r} skipped {len(skipped)} of {n_tasks} tasks on these rows, whose rows hold fewer than "
                f"min_classes={self.min_classes} distinct targets or where the metric is undefined "
                f"(tasks {skipped[:10]}); {scored}.",
                UndefinedMetricWarning,
                stacklevel=2,
            )
        if not scores:
            return float("nan")
        weights = np.ones(len(scores)) if self.average == "mean" else np.asarray(sizes, dtype=np.float64)
        sign = 1.0 if self.greater_is_better else -1.0
        return sign * float(np.average(scores, weights=weights))

    def set_score_request(self, *, tasks=UNCHANGED, sample_weight=UNCHANGED):
        """Request metadata passed to the scorer (scikit-learn's metadata routing).

        Parameters
        ----------
        tasks : bool, str or None, default=sklearn.utils.metadata_routing.UNCHANGED
            Whether routed ``tasks`` reach the scorer (True by default: requested).
        sample_weight : bool, str or None, default=sklearn.utils.metadata_routing.UNCHANGED
            Whether routed ``sample_weight`` reaches the metric (None by default:
            not requested; passing it then raises, as for scikit-learn's scorers).

        Returns
        -------
        self : PerTaskScorer
            The scorer, with its requests updated.
        """
        for name, value in (("tasks", tasks), ("sample_weight", sample_weight)):
            if value is not UNCHANGED:
                self._requests[name] = value
        return self

    def get_metadata_routing(self):
        """The metadata this scorer consumes in ``score`` (scikit-learn's metadata routing).

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRequest
            ``tasks`` (requested by default) and ``sample_weight`` (not requested
            by default) for the ``score`` method.
        """
        request = MetadataRequest(owner=self)
        for name, alias in self._requests.items():
            request.score.add_request(param=name, alias=alias)
        return request

    def _row_tasks(self, estimator, X, tasks, y_true):
        """The task of each row, or None for a shared design (one task per column of ``y_true``)."""
        if tasks is not None:
            return task_labels(tasks, y_true.shape[0])
        if estimator.get_params(deep=False).get("task_column") is not None:
            return split_task_column(estimator, X, None, reset=False).labels
        if y_true.ndim == 2 and y_true.shape[1] > 1:
            return None
        fitted_tasks = getattr(estimator, "tasks_", None)
        if fitted_tasks is not None and len(fitted_tasks) == 1:
            return np.zeros(y_true.shape[0], dtype=np.int64)
        raise ValueError(
            f"{self!r} cannot find the task of each row: {type(estimator).__name__} has no task_column "
            "and no tasks were given. Set task_column on the estimator (the tasks then travel in X), or "
            "route the tasks to the scorer (sklearn.set_config(enable_metadata_routing=True), "
            "params={'tasks': ...})."
        )

    def _response(self, estimator, X, tasks):
        """The name of the response method used and its output (the positive class's column for two classes)."""
        methods = (self.response_method,) if isinstance(self.response_method, str) else self.response_method
        name = next((method for method in methods if hasattr(estimator, method)), None)
        if name is None:
            raise AttributeError(
                f"{type(estimator).__name__} has none of the response methods {methods} that {self!r} needs."
            )
        method = getattr(estimator, name)
        response = np.asarray(method(X) if tasks is None else method(X, tasks=tasks))
        classes = getattr(estimator, "classes_", None)
        if name == "predict" or classes is None or len(classes) != 2:
            return name, response
        positive = self.metric_kwargs.get("pos_label", classes[1])
        if positive not in classes:
            raise ValueError(f"pos_label={positive!r} is not one of the estimator's classes {classes.tolist()}.")
        if name == "decision_function":
            return name, response if positive == classes[1] else -response
        return name, response[..., np.flatnonzero(classes == positive)[0]]


def _metric_parameters(metric):
    """The names of the metric's parameters (none known for a callable without a signature)."""
    try:
        return inspect.signature(metric).parameters
    except (TypeError, ValueError):
        return {}


def _task_parts(labels, y_true, response, sample_weight):
    """(task, y_t, response_t, sample_weight_t) of every task, in the order of the sorted task labels."""
    if labels is None:  # shared design: every column of y is a task on all the rows
        for t in range(y_true.shape[1]):
            yield t, y_true[:, t], response[:, t], sample_weight
        return
    tasks, index = encode_tasks(labels)
    for t, task in enumerate(tasks.tolist()):
        rows = index == t
        yield task, y_true[rows], response[rows], None if sample_weight is None else sample_weight[rows]


def per_task_scorer(
    metric, *, average="mean", min_classes=2, response_method="predict", greater_is_better=True, **kwargs
):
    r"""A scikit-learn scorer that computes ``metric`` on each task's rows and averages over the tasks.

    The score of a fitted estimator on rows X is

    .. math::

        \sigma \, \frac{\sum_{t \in S} v_t \, m(y_t, \hat y_t)}{\sum_{t \in S} v_t}

    (see :class:`PerTaskScorer`): σ = −1 for a loss, v_t = 1 or task t's
    number of rows, S the tasks where the metric is defined.  Each row's task
    is read from X through the estimator's ``task_column``, or taken from
    ``tasks=`` (routed metadata, or passed by mtlearn's CV estimators).

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_pred, **kwargs)``, e.g. :func:`sklearn.metrics.roc_auc_score`.
    average : {"mean", "weighted"}, default="mean"
        ``"mean"``: unweighted mean over the tasks; ``"weighted"``: weighted
        by each task's number of rows (or total sample weight).
    min_classes : int >= 1, default=2
        Tasks whose rows hold fewer distinct targets are skipped (with an
        ``UndefinedMetricWarning`` naming how many); NaN when all are.
    response_method : str or tuple of str, default="predict"
        ``"predict"``, ``"predict_proba"``, ``"predict_log_proba"`` or
        ``"decision_function"``, or a tuple of them (the first the estimator
        has), as in :func:`sklearn.metrics.make_scorer`.
    greater_is_better : bool, default=True
        False for a loss: the score is then minus the loss.
    **kwargs
        Further keyword arguments of the metric.

    Returns
    -------
    scorer : PerTaskScorer
        ``scorer(estimator, X, y, tasks=None, sample_weight=None)`` → float.

    See Also
    --------
    get_scorer : The named per-task scorers (``"roc_auc_per_task"``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import roc_auc_score
    >>> from sklearn.model_selection import KFold, cross_val_score
    >>> from mtlearn import MultiTaskClassifier
    >>> from mtlearn.datasets import make_multitask_classification
    >>> from mtlearn.metrics import per_task_scorer
    >>> X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=40, n_features=4, random_state=0)
    >>> scorer = per_task_scorer(roc_auc_score, response_method="decision_function")
    >>> model = MultiTaskClassifier(task_column=-1)
    >>> folds = KFold(3, shuffle=True, random_state=0)
    >>> scores = cross_val_score(model, np.column_stack([X, tasks]), y, scoring=scorer, cv=folds)
    >>> scores.shape
    (3,)
    """
    return PerTaskScorer(
        metric,
        average=average,
        min_classes=min_classes,
        response_method=response_method,
        greater_is_better=greater_is_better,
        metric_kwargs=kwargs,
    )


PER_TASK_SCORERS = {
    "accuracy_per_task": {"metric": accuracy_score, "min_classes": 1},
    "roc_auc_per_task": {"metric": roc_auc_score, "response_method": ("decision_function", "predict_proba")},
    "average_precision_per_task": {
        "metric": average_precision_score,
        "response_method": ("decision_function", "predict_proba"),
    },
    "neg_log_loss_per_task": {
        "metric": log_loss,
        "response_method": "predict_proba",
        "greater_is_better": False,
        "min_classes": 1,
    },
    "r2_per_task": {"metric": r2_score},
    "neg_mean_squared_error_per_task": {"metric": mean_squared_error, "greater_is_better": False, "min_classes": 1},
    "neg_mean_absolute_error_per_task": {"metric": mean_absolute_error, "greater_is_better": False, "min_classes": 1},
}
"""The named per-task scorers: name → the arguments of :func:`per_task_scorer` (the average is ``"mean"``)."""


def get_scorer(scoring):
    """A scorer from its name: mtlearn's per-task names, or any of scikit-learn's.

    Parameters
    ----------
    scoring : str, callable or None
        A name of :data:`PER_TASK_SCORERS` (``"roc_auc_per_task"``, ...), a
        name scikit-learn's :func:`sklearn.metrics.get_scorer` knows, or a
        scorer callable (returned as it is; None too).

    Returns
    -------
    scorer : callable or None
        A new scorer for a name.

    Examples
    --------
    >>> from mtlearn.metrics import get_scorer
    >>> get_scorer("roc_auc_per_task")
    per_task_scorer(roc_auc_score, average='mean', min_classes=2, response_method=('decision_function', \
'predict_proba'))
    """
    if isinstance(scoring, str) and scoring in PER_TASK_SCORERS:
        return per_task_scorer(**PER_TASK_SCORERS[scoring])
    if isinstance(scoring, str) and scoring not in _sklearn_get_scorer_names():
        raise ValueError(
            f"{scoring!r} is not a valid scoring value. The per-task scorers are {sorted(PER_TASK_SCORERS)}; "
            "mtlearn.metrics.get_scorer_names() lists every name (scikit-learn's as well)."
        )
    return _sklearn_get_scorer(scoring)


def get_scorer_names():
    """The names :func:`get_scorer` (and ``scoring=`` of mtlearn's CV estimators) accepts.

    Returns
    -------
    names : list of str
        scikit-learn's scorer names and those of :data:`PER_TASK_SCORERS`, sorted.
    """
    return sorted([*_sklearn_get_scorer_names(), *PER_TASK_SCORERS])
