"""``partial_fit`` input: one chunk's validated rows as per-task statistics, and the warm start."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array

from ._statistics import TaskStatistics
from ._tasks import check_sample_weight, map_tasks, split_task_column


def chunk_statistics(estimator, X, y, tasks, sample_weight, *, reset):
    """The :class:`TaskStatistics` of one chunk, validated as ``fit`` validates its input.

    ``reset`` records the feature count (and names) on the estimator, for the
    first chunk; later chunks are checked against them.
    """
    if y is None:
        raise ValueError(f"{type(estimator).__name__}.partial_fit requires y, but the target y is None.")
    task_input = split_task_column(estimator, X, tasks, reset=reset)
    X = task_input.X.toarray() if sp.issparse(task_input.X) else task_input.X
    y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    if y.ndim != 1:
        raise ValueError(
            f"partial_fit needs a 1-D y (one target per row, tasks given by tasks= or task_column=), "
            f"got shape {y.shape}."
        )
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]} rows.")
    sample_weight = check_sample_weight(sample_weight, X.shape[0])
    labels = np.zeros(X.shape[0], dtype=np.int64) if task_input.labels is None else task_input.labels
    return TaskStatistics.from_rows(X, y, labels, sample_weight)


def previous_coef_on(estimator, tasks):
    """The fitted ``coef_`` laid out on the sorted labels ``tasks`` (zeros for new tasks), as a start.

    Returns ``(W, b)`` with zero intercepts: the compact problem has none.
    """
    W = np.zeros((len(tasks), estimator.coef_.shape[1]))
    position = map_tasks(estimator.tasks_, tasks)
    W[position] = estimator.coef_
    return W, np.zeros(len(tasks))
