"""The floating-point type of a fitted model: float32 in, float32 out, as scikit-learn's linear models.

The solvers compute in float64 whatever the input; a model fitted on float32
features stores ``coef_`` and ``intercept_`` as float32 and predicts float32,
as ``sklearn.linear_model.Ridge``, ``Lasso`` and ``LogisticRegression`` do.
Any other input (float64, integers, mixed DataFrame columns, lists) gives a
float64 model.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_model_dtype", "model_dtype"]


def _feature_dtypes(X, task_column):
    """The dtypes of the feature columns of X (the task column left out), or [] when X has none."""
    dtype = getattr(X, "dtype", None)  # ndarray, sparse matrix
    if dtype is not None:
        return [dtype]
    dtypes = getattr(X, "dtypes", None)  # pandas and polars DataFrames: one dtype per column
    if dtypes is None:
        return []
    columns = list(X.columns)
    position = task_column % len(columns) if isinstance(task_column, numbers.Integral) and columns else None
    return [
        dtype
        for k, (name, dtype) in enumerate(zip(columns, list(dtypes), strict=True))
        if k != position and not (isinstance(task_column, str) and name == task_column)
    ]


def model_dtype(X, task_column=None):
    """float32 when every feature column of ``X`` is float32, float64 otherwise.

    Parameters
    ----------
    X : array-like, sparse matrix or DataFrame
        The features as given to ``fit``, before validation.
    task_column : int, str or None, default=None
        The estimator's ``task_column``: that column is not a feature.

    Returns
    -------
    dtype : {numpy.float32, numpy.float64}
    """
    dtypes = _feature_dtypes(X, task_column)
    return np.float32 if dtypes and all(str(dtype).lower() == "float32" for dtype in dtypes) else np.float64


def as_model_dtype(dtype, *arrays):
    """The arrays converted to ``dtype`` (no copy when they already have it).

    Parameters
    ----------
    dtype : numpy dtype
        The model's dtype, from :func:`model_dtype`.
    *arrays : array-like
        Fitted coefficients, intercepts or predictions.

    Returns
    -------
    arrays : tuple of ndarray
    """
    return tuple(np.asarray(array, dtype=dtype) for array in arrays)
