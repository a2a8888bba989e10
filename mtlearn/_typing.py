"""Type aliases of the public signatures (``fit``, ``predict``, ``score``, ...).

The annotations document what the methods accept; the estimators validate
their input at run time whatever the static type.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

import numpy.typing as npt
import scipy.sparse as sp

if sys.version_info >= (3, 11):
    from typing import Self
else:  # typing.Self is new in Python 3.11: on 3.10 a type checker sees Any
    from typing import Any as Self

__all__ = ["ArrayLike", "DataFrameLike", "MatrixLike", "Self"]

ArrayLike = npt.ArrayLike


class DataFrameLike(Protocol):
    """A data frame (pandas, polars, Dask): named columns and a 2-D shape."""

    @property
    def columns(self) -> Any: ...

    @property
    def shape(self) -> tuple[int, ...]: ...


MatrixLike = npt.ArrayLike | sp.spmatrix | sp.sparray | DataFrameLike
