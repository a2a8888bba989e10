"""How tasks reach an estimator: the one module that knows the four input formats.

1. ``tasks=`` at fit / predict: an array of task labels, one per row.
2. ``task_column=``: the labels are a column of ``X`` (an int position, or a
   column name when ``X`` is a pandas DataFrame); the column is removed before
   the model sees the features.
3. Shared design: no labels and a 2-D ``y`` of shape (n_samples, n_tasks);
   every column of ``y`` is a task on the same rows.
4. None of the above: one task.
"""

from __future__ import annotations

import numbers
import sys
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    check_array,
)

__all__ = [
    "TaskInput", "split_task_column", "encode_tasks", "map_tasks", "check_sample_weight", "check_task_totals",
    "is_dask_collection",
]


@dataclass
class TaskInput:
    """Features and task labels of a data set, after the task column is removed.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The features, validated, as float64.
    labels : ndarray of shape (n_samples,) or None
        The task label of each row; None when no labels were given.
    """

    X: object
    labels: object


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "iloc")


def _label_array(labels):
    """The labels as a 1-D array; a sequence of tuples (hashable labels too) becomes an object array."""
    if not hasattr(labels, "dtype") and any(isinstance(label, tuple) for label in labels):
        array = np.empty(len(labels), dtype=object)
        for i, label in enumerate(labels):
            array[i] = label
        return array
    return np.asarray(labels)


def _check_labels(labels, n_samples):
    labels = _label_array(labels)
    if labels.ndim != 1:
        raise ValueError(f"tasks must be a 1-D array of task labels, got an array of shape {labels.shape}.")
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"tasks has {labels.shape[0]} labels but X has {n_samples} rows: give one task label per row."
        )
    if labels.dtype.kind in "fc" and not np.all(np.isfinite(labels)):
        raise ValueError("tasks contains NaN or infinity: every row needs a finite task label.")
    if labels.dtype.kind == "O":
        if any(label is None or (isinstance(label, float) and not np.isfinite(label)) for label in labels):
            raise ValueError("tasks contains None or NaN: every row needs a task label.")
    return labels


def split_task_column(estimator, X, tasks, *, reset):
    """Separate the task labels from the features and validate the features.

    Parameters
    ----------
    estimator : estimator instance
        Its ``task_column`` says where the labels are; ``n_features_in_`` and
        ``feature_names_in_`` are recorded on it when ``reset`` is True and
        checked against it otherwise.
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_columns)
    tasks : array-like of shape (n_samples,) or None
    reset : bool
        True in ``fit``, False in ``predict``.

    Returns
    -------
    TaskInput
    """
    task_column = estimator.task_column
    if task_column is not None and tasks is not None:
        raise ValueError(
            "Task labels were given twice: pass either tasks= or task_column=, not both "
            f"(task_column={task_column!r})."
        )
    if task_column is None:
        _check_feature_names(estimator, X, reset=reset)
        X = check_array(X, accept_sparse="csr", dtype=np.float64, input_name="X")
        _check_n_features(estimator, X, reset=reset)
        labels = None if tasks is None else _check_labels(tasks, X.shape[0])
        return TaskInput(X, labels)

    _check_feature_names(estimator, X, reset=reset)
    if _is_dataframe(X):
        if isinstance(task_column, str):
            if task_column not in X.columns:
                raise ValueError(
                    f"task_column={task_column!r} is not a column of X; its columns are {list(X.columns)}."
                )
            labels = X[task_column]
            features = X.drop(columns=[task_column])
        else:
            position = _column_position(task_column, X.shape[1])
            labels = X.iloc[:, position]
            features = X.drop(columns=[X.columns[position]])
        if labels.isna().any():
            raise ValueError(f"The task column {task_column!r} of X has missing values: every row needs a task label.")
        labels = labels.to_numpy()
        n_columns = X.shape[1]
    else:
        if isinstance(task_column, str):
            raise ValueError(
                f"task_column={task_column!r} is a column name, but X is not a pandas DataFrame: "
                "give an integer column position instead."
            )
        X = check_array(
            X, accept_sparse="csr", dtype=None, ensure_all_finite=False, input_name="X", ensure_min_features=2
        )
        n_columns = X.shape[1]
        position = _column_position(task_column, n_columns)
        if sp.issparse(X):
            labels = X[:, position].toarray().ravel()
            keep = np.delete(np.arange(n_columns), position)
            features = X[:, keep]
        else:
            labels = X[:, position]
            features = np.delete(X, position, axis=1)
    if not reset and hasattr(estimator, "n_features_in_") and n_columns != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_columns} columns (task column included), but {type(estimator).__name__} "
            f"was fitted with {estimator.n_features_in_} columns."
        )
    if reset:
        estimator.n_features_in_ = n_columns
    if features.shape[1] == 0:
        raise ValueError(f"X has no feature columns besides the task column {task_column!r}.")
    features = check_array(features, accept_sparse="csr", dtype=np.float64, input_name="X")
    labels = _check_labels(labels, features.shape[0])
    return TaskInput(features, labels)


def _column_position(task_column, n_columns):
    if not isinstance(task_column, numbers.Integral) or isinstance(task_column, bool):
        raise ValueError(f"task_column must be an int position or a DataFrame column name, got {task_column!r}.")
    if not -n_columns <= task_column < n_columns:
        raise ValueError(f"task_column={task_column} is out of range for X with {n_columns} columns.")
    return int(task_column) % n_columns


def encode_tasks(labels):
    """Sorted unique task labels and the index of each row's task.

    Returns
    -------
    tasks : ndarray of shape (n_tasks,)
        Sorted distinct labels.
    task_index : ndarray of shape (n_samples,) of int
        ``tasks[task_index[i]]`` is row i's label.
    """
    try:
        tasks, task_index = np.unique(labels, return_inverse=True)
    except TypeError as exc:
        raise ValueError(
            "Task labels must be mutually comparable (e.g. all ints or all strings), "
            f"got a mix of types: {sorted({type(label).__name__ for label in labels})}."
        ) from exc
    return tasks, task_index.ravel()


def map_tasks(labels, known_tasks):
    """Index of each label in ``known_tasks``; -1 for labels not seen in fit."""
    labels = _label_array(labels)
    try:
        position = np.searchsorted(known_tasks, labels)
    except TypeError as exc:
        raise ValueError(
            f"Task labels of type {labels.dtype} cannot be matched against the fitted tasks "
            f"(dtype {known_tasks.dtype})."
        ) from exc
    position = np.clip(position, 0, len(known_tasks) - 1)
    found = known_tasks[position] == labels
    return np.where(found, position, -1)


def check_sample_weight(sample_weight, n_samples):
    """Validated non-negative, finite sample weights (ones when None), as float64."""
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n_samples, float(sample_weight))
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight", copy=True
    )
    if sample_weight.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got shape {sample_weight.shape}.")
    if sample_weight.shape[0] != n_samples:
        raise ValueError(f"sample_weight has {sample_weight.shape[0]} entries but X has {n_samples} rows.")
    if np.any(sample_weight < 0):
        raise ValueError("sample_weight contains negative values; weights must be non-negative.")
    return sample_weight


def check_task_totals(tasks, totals):
    """Raise if a task's sample weights sum to zero (``totals[t]`` for the label ``tasks[t]``)."""
    empty = tasks[totals <= 0]
    if empty.size:
        raise ValueError(
            f"The sample weights of task(s) {empty[:10].tolist()} sum to zero: "
            "every task needs at least one row with positive weight."
        )


def is_dask_collection(obj):
    """Whether ``obj`` is a Dask collection (DataFrame, Series, array), without importing Dask.

    A program that never imported Dask cannot hold a Dask collection.
    """
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(obj)
