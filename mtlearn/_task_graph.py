"""A task graph's adjacency matrix from a dense array, a scipy.sparse matrix or a labelled DataFrame."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._dataframes import frame_library

__all__ = ["check_adjacency"]


def _in_sorted_task_order(frame):
    """The values of a pandas DataFrame whose index and columns are the task labels, both in sorted order."""
    rows, columns = list(frame.index), list(frame.columns)
    if set(rows) != set(columns) or len(rows) != len(columns):
        raise ValueError(
            "adjacency is a DataFrame whose index and columns are not the same task labels: "
            f"index {rows[:10]}, columns {columns[:10]}."
        )
    try:
        labels = sorted(rows)
    except TypeError as exc:
        raise ValueError(f"The task labels of the adjacency DataFrame cannot be sorted: {rows[:10]}.") from exc
    return frame.loc[labels, labels].to_numpy()


def check_adjacency(adjacency, n_tasks=None):
    """The adjacency matrix A of a task graph as a dense, validated float64 array.

    Parameters
    ----------
    adjacency : array-like, scipy.sparse matrix or pandas DataFrame of shape (n_tasks, n_tasks)
        ``A[s, t] ≥ 0``: how similar tasks s and t are; symmetric and finite.
        Rows and columns of an array or sparse matrix are the tasks in the
        order of the sorted task labels; a DataFrame whose index and columns
        are the task labels is put in that order.
    n_tasks : int or None, default=None
        The number of tasks the shape must match (None: any square shape).

    Returns
    -------
    A : ndarray of shape (n_tasks, n_tasks)
        A new array (the input is not modified).
    """
    library = frame_library(adjacency)
    if sp.issparse(adjacency):
        values = adjacency.toarray()
    elif library is not None and library.name == "pandas":
        values = _in_sorted_task_order(adjacency)
    else:
        values = adjacency
    try:
        A = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "adjacency must be a square matrix of numbers (a NumPy array, a scipy.sparse matrix or a "
            f"DataFrame indexed by the task labels), got {type(adjacency).__name__}: {exc}"
        ) from exc
    if n_tasks is None and (A.ndim != 2 or A.shape[0] != A.shape[1]):
        raise ValueError(f"adjacency must be a square matrix, one row and one column per task; got shape {A.shape}.")
    if n_tasks is not None and A.shape != (n_tasks, n_tasks):
        raise ValueError(
            f"adjacency has shape {A.shape}, expected ({n_tasks}, {n_tasks}): one row and one column "
            "per task, in the order of the sorted task labels."
        )
    bad = np.argwhere(~np.isfinite(A))
    if bad.size:
        s, t = bad[0]
        raise ValueError(f"adjacency contains NaN or infinity: A[{s}, {t}] = {A[s, t]:g}; every entry must be finite.")
    negative = np.argwhere(A < 0)
    if negative.size:
        s, t = negative[0]
        raise ValueError(f"adjacency has negative entries: A[{s}, {t}] = {A[s, t]:g}; task similarities must be >= 0.")
    asymmetric = np.argwhere(~np.isclose(A, A.T, rtol=1e-12, atol=1e-12 * max(np.max(A, initial=0.0), 1.0)))
    if asymmetric.size:
        s, t = asymmetric[0]
        raise ValueError(
            f"adjacency is not symmetric: A[{s}, {t}] = {A[s, t]:g} but A[{t}, {s}] = {A[t, s]:g}; "
            "A[s, t] must equal A[t, s]."
        )
    return A
