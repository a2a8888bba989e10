"""Taking the task column out of a pandas or polars DataFrame, without importing either.

As in scikit-learn (``sklearn.utils._dataframe``), a DataFrame is recognised
by ``isinstance`` against the library's class only when the library is already
imported (``sys.modules``): the NumPy path never imports an optional
dependency.  Each library is described by a :class:`FrameLibrary` that names
the operations the task input needs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FrameLibrary", "frame_library", "pandas_series"]


@dataclass(frozen=True)
class FrameLibrary:
    """The DataFrame operations the task input needs, for one library.

    Attributes
    ----------
    name : str
        The module name (``"pandas"``, ``"polars"``).
    column : callable ``(frame, name) -> Series``
        One column, by name.
    drop : callable ``(frame, name) -> DataFrame``
        The frame without that column.
    append : callable ``(frame, name, values) -> DataFrame``
        A new frame: the columns of ``frame``, then ``values`` as a column
        ``name`` (``frame`` is not modified).
    """

    name: str
    column: Callable
    drop: Callable
    append: Callable

    def is_frame(self, X):
        module = sys.modules.get(self.name)
        return module is not None and isinstance(X, module.DataFrame)


def _pandas_append(frame, name, values):
    frame = frame.copy(deep=False)  # a new frame sharing the columns' data; the new column is its own
    frame[name] = values
    return frame


def _polars_append(frame, name, values):
    return frame.with_columns(sys.modules["polars"].Series(name, values))


FRAME_LIBRARIES = (
    FrameLibrary(
        "pandas",
        column=lambda frame, name: frame[name],
        drop=lambda frame, name: frame.drop(columns=[name]),
        append=_pandas_append,
    ),
    FrameLibrary(
        "polars",
        column=lambda frame, name: frame.get_column(name),
        drop=lambda frame, name: frame.drop(name),
        append=_polars_append,
    ),
)


def frame_library(X):
    """The :class:`FrameLibrary` of ``X`` when it is a pandas or polars DataFrame, else None."""
    return next((library for library in FRAME_LIBRARIES if library.is_frame(X)), None)


def pandas_series(obj):
    """Whether ``obj`` is a pandas Series (False when pandas is not imported)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, pandas.Series)
