"""How tasks reach an estimator: the one module that knows the four input formats.

1. ``tasks=`` at fit / predict: an array of task labels, one per row.
2. ``task_column=``: the labels are a column of ``X`` (an int position, or a
   column name when ``X`` is a pandas or polars DataFrame); the column is
   removed before the model sees the features.
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

from ._dataframes import frame_library, pandas_series
from ._labels import checked_label_array

__all__ = [
    "TaskInput",
    "check_rows_for_folds",
    "check_sample_weight",
    "check_task_totals",
    "check_task_weights",
    "encode_tasks",
    "is_dask_collection",
    "map_tasks",
    "split_task_column",
    "task_labels",
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


def task_labels(labels, n_samples, name="tasks"):
    """The task label of every row, from any label container, validated.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        A list, NumPy array, pandas or polars Series or DataFrame column; see
        :mod:`mtlearn._labels` for the rules (missing markers and mixed types
        rejected; ``1``, ``1.0``, ``np.int64(1)`` and ``True`` are one task).
    n_samples : int
        The number of rows of X.
    name : str, default="tasks"
        How the messages name the labels.

    Returns
    -------
    labels : ndarray of shape (n_samples,)
    """
    labels = checked_label_array(labels, name, "task label")
    if labels.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of task labels, got an array of shape {labels.shape}.")
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {labels.shape[0]} labels but X has {n_samples} rows: give one task label per row."
        )
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
            f"Task labels were given twice: pass either tasks= or task_column=, not both (task_column={task_column!r})."
        )
    if task_column is None:
        _check_feature_names(estimator, X, reset=reset)
        X = check_array(X, accept_sparse="csr", dtype=np.float64, input_name="X")
        _check_n_features(estimator, X, reset=reset)
        labels = None if tasks is None else task_labels(tasks, X.shape[0])
        return TaskInput(X, labels)

    _check_feature_names(estimator, X, reset=reset)
    library = frame_library(X)
    if library is not None:
        columns = list(X.columns)
        if isinstance(task_column, str):
            if task_column not in columns:
                raise ValueError(f"task_column={task_column!r} is not a column of X; its columns are {columns}.")
            name = task_column
        else:
            name = columns[_column_position(task_column, len(columns))]
        labels = library.column(X, name)
        features = library.drop(X, name)
        n_columns = len(columns)
    else:
        if isinstance(task_column, str):
            raise ValueError(
                f"task_column={task_column!r} is a column name, but X is not a pandas or polars DataFrame: "
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
    labels = task_labels(labels, features.shape[0], name=f"The task column {task_column!r} of X")
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
    """Validated non-negative, finite sample weights (ones when None), as float64.

    The weights are returned as given (a copy): the designs normalise each
    task's weights by their maximum before summing them, so weights near the
    largest float do not overflow.
    """
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n_samples, float(sample_weight))
    sample_weight = check_array(sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight", copy=True)
    if sample_weight.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got shape {sample_weight.shape}.")
    if sample_weight.shape[0] != n_samples:
        raise ValueError(f"sample_weight has {sample_weight.shape[0]} entries but X has {n_samples} rows.")
    negative = np.flatnonzero(sample_weight < 0)
    if negative.size:
        raise ValueError(
            f"sample_weight contains negative values (first at row {negative[0]}: "
            f"{float(sample_weight[negative[0]])!r}); weights must be non-negative."
        )
    return sample_weight


def check_task_weights(task_weights, tasks):
    """The weight ρ_t of every task, in the order of the sorted task labels ``tasks``.

    Parameters
    ----------
    task_weights : dict, pandas Series, array-like of shape (n_tasks,) or None
        A dict or a pandas Series is matched to the tasks **by label** (the
        Series by its index); labels that are not tasks are ignored, so one
        mapping serves every fold of a cross-validation.  Any other array-like
        is read by position: one weight per task in the order of ``tasks``.
        None: every task weighs 1.
    tasks : ndarray of shape (n_tasks,)
        The sorted task labels.

    Returns
    -------
    rho : ndarray of shape (n_tasks,)
        Finite, positive weights.
    """
    if task_weights is None:
        return np.ones(len(tasks))
    by_label = isinstance(task_weights, dict) or pandas_series(task_weights)
    if by_label:
        mapping = dict(task_weights.items())
        missing = [task for task in tasks.tolist() if task not in mapping]
        if missing:
            given = "the index of the task_weights Series" if pandas_series(task_weights) else "task_weights"
            raise ValueError(
                f"task_weights has no weight for task(s) {missing[:10]}: {given} is matched to the tasks "
                f"by label, and holds {list(mapping)[:10]}."
            )
        values = [mapping[task] for task in tasks.tolist()]
    else:
        values = task_weights
    try:
        rho = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"task_weights must be numbers, got {task_weights!r}.") from exc
    if rho.shape != (len(tasks),):
        raise ValueError(
            f"task_weights has shape {rho.shape}, expected ({len(tasks)},): one weight per task "
            "in the order of the sorted task labels (or pass a dict {task: weight})."
        )
    bad = np.flatnonzero(~np.isfinite(rho) | (rho <= 0))
    if bad.size:
        raise ValueError(
            f"task_weights must be finite and positive: task {_plain(tasks, bad[0])!r} has "
            f"weight {float(rho[bad[0]])!r}."
        )
    return rho


def _plain(array, index):
    """Entry ``index`` of ``array`` as a Python value, for messages ('a', not np.str_('a'))."""
    return array[index : index + 1].tolist()[0]


def check_rows_for_folds(strata, n_splits, tasks, classes=None):
    """Raise a ValueError when no task (or (task, class) pair) has ``n_splits`` rows to stratify on.

    Parameters
    ----------
    strata : ndarray of int of shape (n_samples,)
        The stratum of each row: its task, or its (task, class) pair.
    n_splits : int
        The number of folds asked for (``cv``).
    tasks : ndarray of shape (n_samples,)
        The task labels, to name the largest stratum.
    classes : ndarray of shape (n_samples,) or None
        The class labels when the strata are (task, class) pairs.
    """
    counts = np.bincount(strata)
    if counts.max() >= n_splits:
        return
    row = np.flatnonzero(strata == np.argmax(counts))[0]
    what = "task" if classes is None else "(task, class) pair"
    largest = f"task {_plain(tasks, row)!r}"
    if classes is not None:
        largest += f" with class {_plain(classes, row)!r}"
    raise ValueError(
        f"cv={n_splits} splits the rows of every {what} into {n_splits} folds, but every {what} has fewer "
        f"than {n_splits} rows (the largest, {largest}, has {counts.max()}). Use cv={counts.max()} or "
        "fewer, or pass a splitter such as KFold (tasks absent from a training fold then need "
        "handle_unknown='shared')."
    )


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
