"""Fitting on Dask collections: the rows stay on the workers, only model-sized numbers reach the client.

``X`` is a Dask DataFrame (``task_column`` naming a column, ``y`` a Dask
Series) or a 2-D Dask array (``task_column`` an integer position, ``y`` a 1-D
Dask array), partitioned alike; ``sample_weight`` is None or a Dask
collection partitioned like them.

- Squared loss (:func:`dask_statistics`): each partition's per-task
  statistics (:class:`~mtlearn._statistics.TaskStatistics`) are computed on
  its worker and merged by a tree reduction; the client receives
  T (p² + 2p + 4) numbers and solves their compact least-squares form with the
  usual solver and certificate.
- Logistic and squared hinge losses (:func:`dask_training_problems`): the
  rows are persisted on the workers and :class:`DaskStackedDesign` gives the
  solvers the interface of :class:`~mtlearn._design.StackedDesign` whose
  products are map-reduces over the partitions: ``forward`` returns the
  predictions as a Dask array held by the workers, ``backward`` and
  ``task_sums`` reduce to (T, p) and (T,) arrays on the client.  The loss
  values and derivatives of the solver are NumPy ufuncs, which Dask applies
  per partition, so the proximal-gradient solver runs on it unchanged.

This module imports Dask; the estimators import it only for Dask input
(:func:`mtlearn._tasks.is_dask_collection` detects it without importing Dask).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np
from sklearn.utils.validation import _check_feature_names, check_array

from ._base import FitData
from ._design import shallow_copy
from ._statistics import TaskStatistics
from ._tasks import _column_position, check_sample_weight, check_task_totals, is_dask_collection, task_labels
from .losses import Loss, get_loss
from .solvers import Problem


@dataclass
class DaskRows:
    """The training rows as Dask arrays with the same row chunks (one column chunk for the features).

    ``labels`` and ``sample_weight`` are None when not given (one task; unit weights).
    """

    features: object
    labels: object
    y: object
    sample_weight: object

    def blocks(self):
        """Delayed (features, labels, y, sample_weight) of every row chunk (None where not given)."""
        n_blocks = len(self.y.chunks[0])
        columns = [
            self.features.to_delayed()[:, 0],
            [None] * n_blocks if self.labels is None else self.labels.to_delayed(),
            self.y.to_delayed(),
            [None] * n_blocks if self.sample_weight is None else self.sample_weight.to_delayed(),
        ]
        return list(zip(*columns, strict=False))


def _tree_reduce(items, combine):
    """``combine`` the delayed items pairwise, level by level (depth log₂ of their number)."""
    items = list(items)
    while len(items) > 1:
        merged = [dask.delayed(combine)(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        items = merged + items[len(merged) * 2 :]
    return items[0]


def _check_known_chunks(array, name):
    if any(np.isnan(size) for size in array.chunks[0]):
        raise ValueError(
            f"{name} has unknown chunk sizes (NaN in {name}.chunks): call {name}.compute_chunk_sizes() "
            "first, or build it with known chunk sizes."
        )


def _as_rows_array(collection, name, lengths):
    """A Dask Series / DataFrame column / array as a 1-D Dask array, with DataFrame row ``lengths``."""
    if not is_dask_collection(collection):
        raise ValueError(
            f"X is a Dask collection, so {name} must be one too (partitioned like X), got {type(collection).__name__}."
        )
    if not isinstance(collection, da.Array):
        if lengths is not None and collection.npartitions != len(lengths):
            raise ValueError(
                f"X has {len(lengths)} partitions but {name} has {collection.npartitions}: "
                f"X and {name} must be partitioned alike (the same rows in each partition)."
            )
        array = collection.to_dask_array(lengths=True)
    else:
        array = collection
    _check_known_chunks(array, name)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per row), got a Dask collection of shape {array.shape}.")
    return array


def _dataframe_features(estimator, X):
    """(features, labels) Dask arrays of a Dask DataFrame, and its partition lengths."""
    columns = list(X.columns)
    task_column = estimator.task_column
    if task_column is None:
        name = None
    elif isinstance(task_column, str):
        if task_column not in columns:
            raise ValueError(
                f"task_column={task_column!r} is not a column of the Dask DataFrame X; its columns are {columns}."
            )
        name = task_column
    else:
        name = columns[_column_position(task_column, len(columns))]
    lengths = tuple(X.map_partitions(len).compute())
    features = X if name is None else X.drop(columns=[name])
    labels = None if name is None else X[name].to_dask_array(lengths=lengths)
    return features.to_dask_array(lengths=lengths), labels, lengths


def _array_features(estimator, X):
    """(features, labels) Dask arrays of a 2-D Dask array with an integer ``task_column``."""
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got a Dask array of shape {X.shape}.")
    _check_known_chunks(X, "X")
    task_column = estimator.task_column
    if isinstance(task_column, str):
        raise ValueError(
            f"task_column={task_column!r} is a column name, but X is a Dask array: give an integer position."
        )
    X = X.rechunk({1: -1})
    if task_column is None:
        return X, None
    position = _column_position(task_column, X.shape[1])
    return X[:, np.delete(np.arange(X.shape[1]), position)], X[:, position]


def dask_rows(estimator, X, y, tasks, sample_weight):
    """Validate Dask input (see the module docstring) and record the columns on the estimator."""
    if tasks is not None:
        raise ValueError("With a Dask X, give the task labels as a column of X (task_column=), not tasks=.")
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target y is None.")
    if isinstance(X, da.Array):
        features, labels = _array_features(estimator, X)
        lengths, n_columns = None, X.shape[1]
    else:
        import dask.dataframe as dd  # the DataFrame part of Dask, needed only for DataFrames

        if not isinstance(X, dd.DataFrame):
            raise ValueError(f"A Dask X must be a Dask DataFrame or a 2-D Dask array, got {type(X).__name__}.")
        features, labels, lengths = _dataframe_features(estimator, X)
        n_columns = len(X.columns)
    _check_feature_names(estimator, X._meta, reset=True)
    if labels is not None and features.shape[1] == 0:
        raise ValueError(f"X has no feature columns besides the task column {estimator.task_column!r}.")
    y = _as_rows_array(y, "y", lengths)
    weight = None if sample_weight is None else _as_rows_array(sample_weight, "sample_weight", lengths)
    for name, array in (("y", y), ("sample_weight", weight)):
        if array is not None and array.chunks[0] != features.chunks[0]:
            raise ValueError(
                f"X and {name} are partitioned differently: rows per partition {features.chunks[0][:5]}… in X, "
                f"{array.chunks[0][:5]}… in {name}. Partition them alike (e.g. {name}.rechunk(X.chunks[0]))."
            )
    estimator.n_features_in_ = n_columns
    return DaskRows(features, labels, y, weight)


def _checked_features(block):
    return check_array(block, dtype=np.float64, input_name="X", ensure_min_samples=0)


def _checked_weights(block):
    return check_sample_weight(block, len(block))


def _block_rows(features, labels, y, sample_weight):
    """One partition's validated rows (NumPy), as ``fit`` validates in-memory rows."""
    features = _checked_features(features)
    n = features.shape[0]
    y = check_array(np.asarray(y), ensure_2d=False, dtype=np.float64, input_name="y", ensure_min_samples=0)
    labels = np.zeros(n, dtype=np.int64) if labels is None else task_labels(labels, n)
    sample_weight = np.ones(n) if sample_weight is None else check_sample_weight(sample_weight, n)
    return features, labels, y, sample_weight


def _block_statistics(features, labels, y, sample_weight):
    """One partition's :class:`TaskStatistics` (None for an empty partition)."""
    features, labels, y, sample_weight = _block_rows(features, labels, y, sample_weight)
    return TaskStatistics.from_rows(features, y, labels, sample_weight) if features.shape[0] else None


def _merge_statistics(a, b):
    if a is None or b is None:
        return b if a is None else a
    return a.merge(b)


def dask_statistics(estimator, X, y, tasks, sample_weight):
    """The :class:`TaskStatistics` of Dask rows: one pass on the workers, a tree reduction to the client."""
    rows = dask_rows(estimator, X, y, tasks, sample_weight)
    blocks = [dask.delayed(_block_statistics)(*block) for block in rows.blocks()]
    (statistics,) = dask.compute(_tree_reduce(blocks, _merge_statistics))
    if statistics is None:
        raise ValueError("X has no rows.")
    return statistics


def _block_distinct(values, sample_weight):
    """Sorted distinct values of one partition (among its rows of positive weight, if weights are given)."""
    values = np.asarray(values)
    if sample_weight is not None:
        values = values[np.asarray(sample_weight) > 0]
    return np.unique(values)


def _distinct(values, sample_weight=None):
    """Sorted distinct values of a Dask array (among the rows of positive weight), on the client."""
    weights = [None] * len(values.chunks[0]) if sample_weight is None else sample_weight.to_delayed()
    parts = [dask.delayed(_block_distinct)(v, w) for v, w in zip(values.to_delayed(), weights, strict=False)]
    (distinct,) = dask.compute(_tree_reduce(parts, np.union1d))
    return distinct


def _encode_block(labels, tasks):
    return np.searchsorted(tasks, task_labels(labels, len(labels)))


def _forward_block(X, task_index, W, b):
    return np.einsum("np,np->n", X, W[task_index]) + b[task_index]


def _products_block(X, task_index, g, n_tasks):
    """``[Σ_{i in t} g_i x_i | Σ_{i in t} g_i]`` of one partition, shape (n_tasks, p + 1)."""
    columns = [np.bincount(task_index, weights=g * X[:, j], minlength=n_tasks) for j in range(X.shape[1])]
    return np.column_stack(columns + [np.bincount(task_index, weights=g, minlength=n_tasks)])


class DaskStackedDesign:
    """The interface of :class:`~mtlearn._design.StackedDesign` over rows held by Dask workers.

    Entries are the rows, in partition order; ``y`` (the targets as given:
    :func:`dask_training_problems` replaces them by ±1 per binary problem)
    and ``weight`` are Dask arrays persisted on the workers, with ``weight_i = ρ_t s_i / Σ_{j in t} s_j``
    (the objective's per-task average, as in ``StackedDesign``).

    Parameters
    ----------
    rows : DaskRows
    tasks : ndarray of shape (n_tasks,)
        The sorted task labels.
    task_weights : ndarray of shape (n_tasks,)
    """

    gram_form = False  # as StackedDesign's

    def __init__(self, rows, tasks, task_weights):
        self.n_tasks, self.n_features = len(tasks), rows.features.shape[1]
        self.task_weights = np.asarray(task_weights, dtype=np.float64)
        self._last_products = None
        if rows.labels is None:
            index = da.zeros(rows.y.shape, chunks=rows.y.chunks, dtype=np.int64)
        else:
            index = rows.labels.map_blocks(_encode_block, tasks=tasks, dtype=np.int64)
        sample_weight = da.ones_like(rows.y, dtype=np.float64) if rows.sample_weight is None else rows.sample_weight
        features = rows.features.map_blocks(_checked_features, dtype=np.float64)
        self.X, self.task_index, self.y, sample_weight = dask.persist(
            features, index, rows.y, sample_weight.map_blocks(_checked_weights, dtype=np.float64)
        )
        totals = self.task_sums(sample_weight)
        check_task_totals(np.asarray(tasks), totals)
        factor = self.task_weights / totals
        (self.weight,) = dask.persist(
            sample_weight * da.map_blocks(operator.getitem, factor, self.task_index, dtype=float)
        )

    @property
    def n_entries(self):
        return self.y.shape[0]

    def with_matrix(self, X):
        """A shallow copy whose feature matrix is the Dask array ``X`` (the same rows), with no kept products."""
        return shallow_copy(self, X=X, n_features=X.shape[1], _last_products=None)

    def _rows_array(self, g):
        """``g`` as a Dask array chunked like the rows (it may be a NumPy vector)."""
        return g if is_dask_collection(g) else da.from_array(np.asarray(g), chunks=self.y.chunks)

    def _reduce(self, function, *arrays, **kwargs):
        """Σ over the row chunks of ``function(*blocks, **kwargs)``, computed on the workers."""
        blocks = [a.to_delayed().ravel() for a in arrays]
        parts = [dask.delayed(function)(*chunk, **kwargs) for chunk in zip(*blocks, strict=False)]
        (total,) = dask.compute(_tree_reduce(parts, operator.add))
        return total

    def forward(self, W, b):
        b = np.zeros(self.n_tasks) if b is None else np.asarray(b, dtype=np.float64)
        f = da.blockwise(
            _forward_block,
            "i",
            self.X,
            "ij",
            self.task_index,
            "i",
            W=np.asarray(W),
            b=b,
            dtype=np.float64,
            concatenate=True,
        )
        return f.persist()

    def _products(self, g):
        """``backward(g)`` and ``task_sums(g)`` side by side, from one map-reduce.

        The solvers ask for both of the same ``g`` in turn (the gradient in W
        and in the intercepts), so the last result is kept for that ``g``.
        """
        if self._last_products is None or self._last_products[0] is not g:
            total = self._reduce(_products_block, self.X, self.task_index, self._rows_array(g), n_tasks=self.n_tasks)
            self._last_products = (g, total)
        return self._last_products[1]

    def backward(self, g):
        return self._products(g)[:, :-1]

    def task_sums(self, g):
        return self._products(g)[:, -1]

    def task_of_entries(self):
        return self.task_index


class EagerLoss(Loss):
    """A loss on Dask entries whose values are computed at once and whose derivatives are persisted.

    The solver uses a loss value several times (backtracking, restarts):
    computed once, it is a float on the client instead of a graph evaluated
    at every use; a persisted derivative is reduced by ``backward`` and
    ``task_sums`` without being recomputed.  It declares what the wrapped
    loss declares.
    """

    def __init__(self, loss):
        self.loss = loss
        for name in (
            "name",
            "smooth",
            "curvature",
            "for_classification",
            "full_dual_domain",
            "least_squares",
            "piecewise_linear",
        ):
            setattr(self, name, getattr(loss, name))

    def pointwise(self, y, f):
        return self.loss.pointwise(y, f)

    def conjugate(self, y, v):
        return self.loss.conjugate(y, v)

    def best_intercepts(self, y, weight, task_index, n_tasks):
        return np.asarray(self.loss.best_intercepts(y, weight, task_index, n_tasks))

    def value(self, y, f, weight):
        return float(self.loss.value(y, f, weight))

    def derivative(self, y, f, weight):
        return self.loss.derivative(y, f, weight).persist()


def _binary_problem(design, positive):
    """A shallow copy of ``design`` with targets +1 where ``y == positive``, −1 elsewhere."""
    copy = object.__new__(DaskStackedDesign)
    copy.__dict__.update(design.__dict__)
    (copy.y,) = dask.persist(da.where(design.y == positive, 1.0, -1.0))
    copy._last_products = None
    return copy


def dask_training_problems(estimator, X, y, tasks, sample_weight):
    """``MultiTaskClassifier._training_problems`` for Dask input: the same triple, on a :class:`DaskStackedDesign`.

    The classes are those of the rows with positive weight; more than two
    are learnt one-vs-rest, as in memory.
    """
    if estimator._loss_name() == "hinge":
        raise ValueError(
            "The hinge loss is solved in the dual, which needs the rows in memory: with a Dask X use "
            "loss='squared_hinge' or loss='logistic'."
        )
    rows = dask_rows(estimator, X, y, tasks, sample_weight)
    classes = _distinct(rows.y, rows.sample_weight)
    if classes.size < 2:
        raise ValueError(
            f"{type(estimator).__name__} needs samples of at least 2 classes, but the rows with positive "
            f"sample_weight hold only one class: {classes.tolist()}."
        )
    tasks_ = np.zeros(1, dtype=np.int64) if rows.labels is None else _distinct(rows.labels)
    design = DaskStackedDesign(rows, tasks_, estimator._task_weight_vector(tasks_))
    loss = EagerLoss(get_loss(estimator._loss_name()))
    problems = []
    for positive in [classes[1]] if classes.size == 2 else list(classes):
        sub = _binary_problem(design, positive)
        problems.append(Problem(sub, loss, estimator._penalty(), estimator._alpha(), estimator._intercepts(sub, loss)))
    return FitData(design, tasks_, False), classes, problems
