"""The linear maps between task weights and predictions, for the two data layouts.

A multi-task data set is a list of *entries* (one per sample and task it belongs
to) with a target ``y``, a weight and a prediction ``f = x·w_t + b_t``.  The
solvers only need:

- ``forward(W, b)``: the predictions of all entries, shape (n_entries,);
- ``backward(g)``: ``G[t] = Σ_{entries i of task t} g_i x_i``, shape (n_tasks, n_features);
- ``task_sums(g)``: ``Σ_{entries i of task t} g_i``, shape (n_tasks,);
- ``blocks()``: each task's rows, for solvers that factorise per task.
- ``with_matrix(X)``: the same design on another feature matrix of its rows (for
  working sets and screening on some columns, and for rescaled features).

The entry weight folds the objective's scaling in:
``weight_i = ρ_t · s_i / Σ_{j in task t} s_j`` (task weight ρ_t, sample weight s_i),
so the data term of every model is ``Σ_i weight_i · ℓ(y_i, f_i)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# Above this many tasks, per-task products are done as one sparse
# block-diagonal product instead of a Python loop over the tasks.
_BLOCK_MATRIX_MIN_TASKS = 64


def _checked_summed_weights(sample_weight):
    """Weights used as they are (a loss summed over the rows): their sum must be a finite float."""
    with np.errstate(over="ignore"):
        total = np.sum(sample_weight)
    if not np.isfinite(total):
        row = int(np.argmax(sample_weight))
        raise ValueError(
            f"sample_weight sums to more than the largest float (its largest value is "
            f"{float(sample_weight[row])!r}, at row {row}): this estimator sums its loss over the rows, so the "
            "weights scale its objective; divide sample_weight by a constant (and multiply C by it)."
        )
    return sample_weight


@dataclass
class TaskBlock:
    """One task's rows: features, targets, normalised sample weights, task weight."""

    task: int
    X: object
    y: np.ndarray
    sample_weight: np.ndarray
    task_weight: float


class StackedDesign:
    """Each task owns its own rows (formats 1, 2 and 4 of the task input).

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    task_index : ndarray of int of shape (n_samples,)
        Row i belongs to task ``task_index[i]``; every task has a row.
    n_tasks : int
    sample_weight : ndarray of shape (n_samples,)
        Non-negative; each task's weights sum to a positive number.
    task_weights : ndarray of shape (n_tasks,)
    average_per_task : bool, default=True
        Divide each task's sample weights by their sum (the per-task average of
        the objective); when False the weights are used as they are.
    """

    # True for the compact design of a Gram form (mtlearn.solvers.GramDesign): its Gram form is itself.
    gram_form = False

    def __init__(self, X, y, task_index, n_tasks, sample_weight, task_weights, average_per_task=True):
        order = np.argsort(task_index, kind="stable")
        self.order = order
        # Rows already grouped by task (the order is the identity) are used as they are: no copy of X.
        self.X = X if np.all(task_index[:-1] <= task_index[1:]) else X[order]
        self.y = np.asarray(y, dtype=np.float64)[order]
        self.task_index = task_index[order]
        self.n_tasks = n_tasks
        self.n_features = X.shape[1]
        counts = np.bincount(self.task_index, minlength=n_tasks)
        self.starts = np.concatenate([[0], np.cumsum(counts)])
        sw = sample_weight[order]
        if average_per_task:
            # Scaled by each task's largest weight first: the sums cannot overflow.
            sw = sw / np.maximum.reduceat(sw, self.starts[:-1])[self.task_index]
            sw = sw / np.add.reduceat(sw, self.starts[:-1])[self.task_index]
        else:
            sw = _checked_summed_weights(sw)
        self.sample_weight = sw
        self.task_weights = np.asarray(task_weights, dtype=np.float64)
        self.weight = self.sample_weight * self.task_weights[self.task_index]
        self._slices = [slice(self.starts[t], self.starts[t + 1]) for t in range(n_tasks)]
        # Sparse rows always: slicing a CSR matrix per task costs more than the product itself.
        use_block_matrix = n_tasks > _BLOCK_MATRIX_MIN_TASKS or sp.issparse(X)
        self._block_matrix = self._block_transpose = None
        if use_block_matrix:
            self._set_block_matrix()

    @property
    def n_entries(self):
        return self.y.shape[0]

    def with_matrix(self, X):
        """A shallow copy whose feature matrix is ``X`` (the rows in this design's order), its block matrix rebuilt."""
        copy = shallow_copy(self, X=X, n_features=X.shape[1])
        if self._block_matrix is not None:
            copy._set_block_matrix()
        return copy

    def _set_block_matrix(self):
        """Build the block matrix of the rows and its transpose, once per design.

        The transpose of a CSR matrix is the CSC matrix on the same three arrays: it costs
        no copy, and building it here spares ``backward`` its construction on every product.
        """
        block = self._build_block_matrix()
        self._block_matrix = block
        self._block_transpose = sp.csc_matrix((block.data, block.indices, block.indptr), shape=block.shape[::-1])

    def _build_block_matrix(self):
        n, p = self.X.shape
        if sp.issparse(self.X):
            X = self.X.tocsr()
            rows = np.repeat(np.arange(n), np.diff(X.indptr))
            indices = X.indices + self.task_index[rows] * p
            data, indptr = X.data, X.indptr
        else:
            data = self.X.ravel()
            # Built in the index type scipy keeps (int32 when it fits): no second copy of the indices.
            dtype = np.int32 if max(n, self.n_tasks) * p < np.iinfo(np.int32).max else np.int64
            indices = (np.arange(p, dtype=dtype)[None, :] + (self.task_index * p).astype(dtype)[:, None]).ravel()
            indptr = np.arange(0, n * p + 1, p, dtype=dtype)
        return sp.csr_matrix((data, indices, indptr), shape=(n, self.n_tasks * p))

    def forward(self, W, b):
        if self._block_matrix is not None:
            f = self._block_matrix @ W.ravel()
        else:
            f = np.empty(self.n_entries)
            for t, rows in enumerate(self._slices):
                f[rows] = self.X[rows] @ W[t]
        if b is not None:
            f += b[self.task_index]
        return f

    def backward(self, g):
        if self._block_matrix is not None:
            return np.asarray(self._block_transpose @ g).reshape(self.n_tasks, self.n_features)
        G = np.empty((self.n_tasks, self.n_features))
        for t, rows in enumerate(self._slices):
            G[t] = self.X[rows].T @ g[rows]
        return G

    def task_sums(self, g):
        return np.add.reduceat(g, self.starts[:-1])

    def task_of_entries(self):
        return self.task_index

    def blocks(self):
        for t, rows in enumerate(self._slices):
            yield TaskBlock(t, self.X[rows], self.y[rows], self.sample_weight[rows], self.task_weights[t])


class SharedDesign:
    """All tasks share one design matrix; ``Y[:, t]`` are task t's targets (format 3).

    Entries are the (row, task) pairs in row-major order of ``Y``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_tasks)
    sample_weight : ndarray of shape (n_samples,)
    task_weights : ndarray of shape (n_tasks,)
    average_per_task : bool, default=True
        As in :class:`StackedDesign`.
    """

    # True for the compact design of a Gram form (mtlearn.solvers.GramDesign): its Gram form is itself.
    gram_form = False

    def __init__(self, X, Y, sample_weight, task_weights, average_per_task=True):
        self.X = X
        n, self.n_tasks = Y.shape
        self.n_features = X.shape[1]
        self.y = np.asarray(Y, dtype=np.float64).ravel()
        if average_per_task:
            scaled = sample_weight / sample_weight.max()  # the sum cannot overflow
            self.sample_weight = scaled / scaled.sum()
        else:
            self.sample_weight = _checked_summed_weights(sample_weight)
        self.task_weights = np.asarray(task_weights, dtype=np.float64)
        self.weight = np.outer(self.sample_weight, self.task_weights).ravel()
        self._n_samples = n

    @property
    def n_entries(self):
        return self.y.shape[0]

    def with_matrix(self, X):
        """A shallow copy whose feature matrix is ``X`` (the same rows)."""
        return shallow_copy(self, X=X, n_features=X.shape[1])

    def forward(self, W, b):
        F = np.asarray(self.X @ W.T)
        if b is not None:
            F = F + b
        return F.ravel()

    def backward(self, g):
        return np.asarray(self.X.T @ g.reshape(self._n_samples, self.n_tasks)).T

    def task_sums(self, g):
        return g.reshape(self._n_samples, self.n_tasks).sum(axis=0)

    def task_of_entries(self):
        return np.tile(np.arange(self.n_tasks), self._n_samples)

    def blocks(self):
        Y = self.y.reshape(self._n_samples, self.n_tasks)
        for t in range(self.n_tasks):
            yield TaskBlock(t, self.X, Y[:, t], self.sample_weight, self.task_weights[t])


class SummedBlocksDesign:
    """A design whose variables are ``n_blocks`` parts summed into the model's weights.

    For penalties that split W into parts (``penalty.n_blocks > 1``, e.g. a
    model W = P + Q written in both parts): the solver's variable is ``V = [V_1 | … | V_k]`` of
    shape (n_tasks, k · n_features) and the predictions are those of
    ``W = Σ_j V_j`` under the wrapped design.
    """

    def __init__(self, design, n_blocks):
        self.design = design
        self.n_blocks = n_blocks
        self.n_tasks = design.n_tasks
        self.n_features = n_blocks * design.n_features
        self.y = design.y
        self.weight = design.weight
        self.n_entries = design.n_entries

    def combine(self, V):
        """The model's weights ``W = Σ_j V_j``."""
        return V.reshape(self.n_tasks, self.n_blocks, -1).sum(axis=1)

    def lift(self, W):
        """Parts that sum to W: W itself, then zeros."""
        return np.hstack([W] + [np.zeros_like(W)] * (self.n_blocks - 1))

    def forward(self, V, b):
        return self.design.forward(self.combine(V), b)

    def backward(self, g):
        return np.tile(self.design.backward(g), self.n_blocks)

    def task_sums(self, g):
        return self.design.task_sums(g)

    def task_of_entries(self):
        return self.design.task_of_entries()


def shallow_copy(design, **changes):
    """A copy of ``design`` sharing its arrays, with the attributes ``changes`` replaced."""
    copy = object.__new__(type(design))
    copy.__dict__.update(design.__dict__)
    copy.__dict__.update(changes)
    return copy


def with_targets(design, y):
    """A shallow copy of ``design`` whose entry targets are ``y``."""
    return shallow_copy(design, y=np.asarray(y, dtype=np.float64))


def with_entry_weights(design, y, weight):
    """A shallow copy of a :class:`StackedDesign` with entry targets ``y`` and entry weights ``weight``.

    The weights replace the products of sample and task weights: the copy's
    sample weights are ``weight`` and its task weights are 1.
    """
    if not isinstance(design, StackedDesign):
        raise TypeError(f"Entry weights need a StackedDesign (each entry its own row), got {type(design).__name__}.")
    weight = np.asarray(weight, dtype=np.float64)
    return shallow_copy(
        design,
        y=np.asarray(y, dtype=np.float64),
        sample_weight=weight,
        task_weights=np.ones(design.n_tasks),
        weight=weight,
    )


def with_features(design, columns):
    """A shallow copy of ``design`` restricted to the feature columns ``columns`` (a copy of them)."""
    return design.with_matrix(design.X[:, columns])


def with_rows(design, X):
    """A shallow copy of ``design`` whose feature matrix is ``X`` (same shape, rows in the design's order)."""
    return design.with_matrix(X)
