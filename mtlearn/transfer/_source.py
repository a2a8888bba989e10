"""Reading a source model: its coefficients, intercepts and classes.

A source is one of

- ``None``: no source (transfer switched off);
- a fitted linear model with ``coef_`` and ``intercept_`` (any scikit-learn
  linear model, a transfer estimator, ideally wrapped in
  ``sklearn.frozen.FrozenEstimator``);
- a fitted mtlearn multi-task model: its shared component
  (``shared_coef_``, ``shared_intercept_``), or task ``source_task``;
- a coefficient array of shape (n_features,) or (n_outputs, n_features), or a
  pair ``(coef, intercept)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted


@dataclass
class Source:
    """A source model read into arrays.

    Attributes
    ----------
    coef : ndarray of shape (n_outputs, n_features)
        One row per output (1 for regression and binary classification, one per
        class for more classes).
    intercept : ndarray of shape (n_outputs,)
    classes : ndarray or None
        The source's ``classes_`` when it has them.
    feature_names : ndarray or None
        The names of the features the coefficients multiply, when the source
        has ``feature_names_in_`` (for an mtlearn model fitted with a
        ``task_column``, its feature names without the task column).
    """

    coef: np.ndarray
    intercept: np.ndarray
    classes: object = None
    feature_names: object = None


def _describe(source):
    return type(source).__name__


def _coefficient_names(source, multi_task):
    """The feature names of the source's coefficient columns, or None.

    An mtlearn multi-task model fitted on a DataFrame with a ``task_column``
    records that column in ``feature_names_in_`` (and ``n_features_in_``) but
    removes it before the model sees the features: its coefficients are for the
    other columns, in their order.

    Parameters
    ----------
    source : fitted estimator
    multi_task : bool
        Whether ``source`` is an mtlearn multi-task model.

    Returns
    -------
    names : ndarray or None
    """
    names = getattr(source, "feature_names_in_", None)
    task_column = getattr(source, "task_column", None) if multi_task else None
    if names is None or task_column is None:
        return names
    names = np.asarray(names)
    if isinstance(task_column, str):
        return names[names != task_column]
    return np.delete(names, task_column)


def _from_estimator(source, source_task):
    try:
        check_is_fitted(source)
    except NotFittedError:
        raise NotFittedError(
            f"The source {_describe(source)} is not fitted: fit it before passing it as source "
            "(wrap it in sklearn.frozen.FrozenEstimator so that cloning keeps it fitted)."
        ) from None
    if not (hasattr(source, "coef_") and hasattr(source, "intercept_")):
        raise ValueError(
            f"The source {_describe(source)} is not a linear model: it needs coef_ and intercept_ "
            "attributes (or pass a coefficient array)."
        )
    multi_task = hasattr(source, "tasks_")
    if source_task is not None and not multi_task:
        raise ValueError(
            f"source_task={source_task!r} was given, but the source {_describe(source)} is not an "
            "mtlearn multi-task model (it has no tasks_)."
        )
    if not multi_task:
        coef, intercept = source.coef_, source.intercept_
    elif source_task is None:
        coef, intercept = source.shared_coef_, source.shared_intercept_
    else:
        tasks = list(source.tasks_)
        if source_task not in tasks:
            raise ValueError(
                f"source_task={source_task!r} is not a task of the source model; its tasks are {tasks[:10]}."
            )
        index = tasks.index(source_task)
        coef, intercept = source.coef_[index], source.intercept_[index]
    return Source(
        _as_rows(coef, "The source's coefficients"),
        np.atleast_1d(np.asarray(intercept, dtype=np.float64)).ravel(),
        getattr(source, "classes_", None),
        _coefficient_names(source, multi_task),
    )


_ACCEPTED = (
    "source must be None, a fitted linear model (with coef_ and intercept_, e.g. wrapped in "
    "sklearn.frozen.FrozenEstimator), a fitted mtlearn multi-task model, a coefficient array of shape "
    "(n_features,) or (n_outputs, n_features), or a pair (coef, intercept)"
)


def _numbers(value, what):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"{_ACCEPTED}. {what} are not numbers ({exc}).") from exc


def _as_rows(coef, what):
    coef = _numbers(coef.toarray() if hasattr(coef, "toarray") else coef, what)
    if coef.ndim == 1:
        coef = coef[None, :]
    if coef.ndim != 2:
        raise ValueError(f"{what} must have shape (n_features,) or (n_outputs, n_features), got {coef.shape}.")
    if not np.all(np.isfinite(coef)):
        raise ValueError(f"{what} contain NaN or infinity.")
    return coef


def read_source(source, source_task):
    """The :class:`Source` of a ``source`` parameter, or None when it is None."""
    if source is None:
        return None
    if isinstance(source, (str, bytes, dict)):
        raise InvalidParameterError(f"{_ACCEPTED}; got a {type(source).__name__}: {source!r:.80}.")
    if hasattr(source, "fit") or hasattr(source, "coef_"):
        return _from_estimator(source, source_task)
    if source_task is not None:
        raise ValueError(f"source_task={source_task!r} needs an mtlearn multi-task model as source.")
    if isinstance(source, tuple):
        if len(source) != 2:
            raise ValueError(f"A tuple source must be (coef, intercept), got a tuple of length {len(source)}.")
        coef = _as_rows(source[0], "The source coefficients")
        intercept = np.atleast_1d(_numbers(source[1], "The source intercepts")).ravel()
        if intercept.shape != (coef.shape[0],):
            raise ValueError(
                f"The source intercept has shape {intercept.shape}, expected ({coef.shape[0]},): one per "
                "row of the source coefficients."
            )
        return Source(coef, intercept)
    coef = _as_rows(source, "The source coefficients")
    return Source(coef, np.zeros(coef.shape[0]))


def check_source_features(source, n_features, feature_names):
    """Raise a ValueError when the source and the training data do not share their features."""
    if source.coef.shape[1] != n_features:
        raise ValueError(
            f"The source has {source.coef.shape[1]} features but X has {n_features}: the source must "
            "be a model of the same features."
        )
    if source.feature_names is not None and feature_names is not None:
        if not np.array_equal(np.asarray(source.feature_names), np.asarray(feature_names)):
            raise ValueError(
                "The source was fitted on features named "
                f"{list(source.feature_names)[:10]} but X has features {list(feature_names)[:10]}."
            )
