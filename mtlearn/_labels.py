"""Labels (of tasks or of classes) from any container, with one set of rules.

A label container is a list or tuple, a NumPy array of any dtype, a pandas
Series or Index of any dtype (nullable ``Int64`` / ``Float64`` / ``boolean``,
``string``, categorical, datetime with a time zone, period), a polars Series or
a DataFrame column.  Every container is read with ``numpy.asarray`` (pandas and
polars give NumPy their values; nothing here imports them), then:

- a missing marker — ``None``, NaN of any float type (``np.float32("nan")``
  inside an object array too), ``pd.NA``, ``NaT`` — is rejected, naming the
  first row that holds one;
- labels of different kinds (numbers, strings, datetimes, tuples, ...) are
  rejected, naming a row of each kind;
- numbers of different Python types are one kind and are compared by value,
  as a ``dict`` compares its keys: ``1``, ``1.0``, ``np.int64(1)`` and
  ``True`` are the same label.  An object array of numbers becomes the NumPy
  numeric array of their values (``numpy.asarray`` of the list).
"""

from __future__ import annotations

import datetime
import numbers

import numpy as np

__all__ = ["checked_class_labels", "checked_label_array"]


def _as_array(labels):
    """The labels as an array.

    An array-like with a dtype (NumPy, pandas, polars) gives its own array; a
    plain sequence becomes an object array, so that NumPy does not turn
    ``[1, "a"]`` into the strings ``["1", "a"]``; a sequence of tuples
    (hashable labels too) becomes a 1-D object array of tuples.
    """
    if hasattr(labels, "dtype"):
        return np.asarray(labels)
    if isinstance(labels, (list, tuple)) and any(isinstance(label, tuple) for label in labels):
        array = np.empty(len(labels), dtype=object)
        for i, label in enumerate(labels):
            array[i] = label
        return array
    return np.asarray(labels, dtype=object)


def _is_missing(label):
    """Whether ``label`` is a missing marker: None, a value not equal to itself (NaN, NaT), or pd.NA."""
    if label is None:
        return True
    try:
        return bool(label != label)
    except TypeError:  # pd.NA: its comparisons are undefined
        return True


def _kind(label):
    """The kind of a label: numbers (bool included) are one kind, strings another, datetimes another."""
    if isinstance(label, (numbers.Number, np.bool_)):
        return "number"
    if isinstance(label, str):
        return "str"
    if isinstance(label, (datetime.datetime, np.datetime64)):
        return "datetime"
    return type(label).__name__


def _first_missing(array):
    """Flat index of the first missing or infinite entry of ``array``, or None."""
    flat = array.ravel()
    if array.dtype.kind in "fc":
        bad = np.flatnonzero(~np.isfinite(flat))
    elif array.dtype.kind in "mM":
        bad = np.flatnonzero(np.isnat(flat))
    elif array.dtype.kind == "O":
        return next((i for i, label in enumerate(flat) if _is_missing(label)), None)
    else:
        return None
    return int(bad[0]) if bad.size else None


def _row(array, flat_index):
    return int(np.unravel_index(flat_index, array.shape)[0]) if array.ndim > 1 else flat_index


def checked_label_array(labels, name, what):
    """``labels`` as an array with no missing marker and labels of one kind.

    Parameters
    ----------
    labels : array-like
        Any container listed in the module docstring (1-D, or 2-D for the
        class labels of a shared design).
    name : str
        How the messages name the parameter (``"tasks"``, ``"y"``, ``"the task column 'school' of X"``).
    what : str
        What a label is, for the messages (``"task label"``, ``"class label"``).

    Returns
    -------
    array : ndarray
        The labels; an object array of numbers is converted to their numeric dtype.

    Raises
    ------
    ValueError
        At a missing marker or an infinite float (naming the first such row),
        or when the labels mix kinds (naming a row of each of two kinds).
    """
    array = _as_array(labels)
    missing = _first_missing(array)
    if missing is not None:
        value = array.ravel()[missing]
        problem = "an infinite" if array.dtype.kind in "fc" and not np.isnan(value) else "a missing"
        raise ValueError(
            f"{name} has {problem} {what} at row {_row(array, missing)} ({value!r}): every row needs a "
            f"{'finite ' if problem == 'an infinite' else ''}{what}."
        )
    if array.dtype.kind != "O" or array.size == 0:
        return array
    first_row_of_kind = {}
    for i, label in enumerate(array.ravel()):
        first_row_of_kind.setdefault(_kind(label), i)
    if len(first_row_of_kind) > 1:
        (kind_a, row_a), (kind_b, row_b) = sorted(first_row_of_kind.items(), key=lambda item: item[1])[:2]
        raise ValueError(
            f"{name} mixes {what}s of different types: {kind_a} at row {_row(array, row_a)} and {kind_b} at "
            f"row {_row(array, row_b)}. Give every row a {what} of one type (e.g. all ints or all strings)."
        )
    if "number" in first_row_of_kind:
        return np.asarray(array.tolist())
    return array


def checked_class_labels(y):
    """A classifier's ``y`` with the rules of :func:`checked_label_array` (None is passed through).

    Missing class labels and labels of mixed types get a message naming the
    row, where scikit-learn's target checks would say "Unknown label type" or
    fail to sort the labels.
    """
    return None if y is None else checked_label_array(y, "y", "class label")
