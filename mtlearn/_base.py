"""What every multi-task linear estimator shares: input handling, fitting, predicting."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from ._class_weight import class_weight_factors
from ._design import SharedDesign, StackedDesign
from ._dtypes import model_dtype
from ._tasks import check_sample_weight, encode_tasks, map_tasks, split_task_column
from .penalties import PENALTIES, make_penalty
from .solvers import solve_directly, solve_on_working_sets, uses_working_sets

COMMON_PARAMETER_CONSTRAINTS = {
    "penalty": [StrOptions(set(PENALTIES)), HasMethods(["value", "prox", "shared_coef"])],
    "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
    "mix": [Interval(numbers.Real, 0, 1, closed="both")],
    "fit_intercept": ["boolean"],
    "task_column": [None, numbers.Integral, str],
    "task_weights": [None, dict, "array-like"],
    "handle_unknown": [StrOptions({"error", "shared"})],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
}


class FitData:
    """A validated training set: the design and what the estimator records of it."""

    def __init__(self, design, tasks, shared_design, dtype=np.float64):
        self.design = design
        self.tasks = tasks
        self.shared_design = shared_design
        self.dtype = dtype  # of the fitted model: see mtlearn._dtypes


class MultiTaskLinearModel(BaseEstimator):
    """Base class: task-aware validation, solver dispatch and per-task prediction.

    Subclasses set ``_loss_name()`` and ``_alpha()`` and implement ``fit``.
    """

    _parameter_constraints = dict(COMMON_PARAMETER_CONSTRAINTS)
    # Entry weights: average each task's loss over its samples (False: sum, as LinearSVC).
    _average_per_task = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ input
    def _validated_fit_data(self, X, y, tasks, sample_weight, *, y_dtype, allow_shared_design=True, classes=None):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        dtype = model_dtype(X, self.task_column)
        task_input = split_task_column(self, X, tasks, reset=True)
        X = task_input.X
        n_samples = X.shape[0]
        y = check_array(
            y, ensure_2d=False, dtype=y_dtype, input_name="y", ensure_all_finite=y_dtype is not None
        )
        if y.shape[0] != n_samples:
            raise ValueError(f"y has {y.shape[0]} rows but X has {n_samples} rows.")
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D (or 2-D for a shared design), got shape {y.shape}.")
        sample_weight = check_sample_weight(sample_weight, n_samples)
        shared = task_input.labels is None and y.ndim == 2 and allow_shared_design
        if y.ndim == 2 and not shared:
            if y.shape[1] != 1:
                raise ValueError(
                    f"y has shape {y.shape}: with task labels y must be 1-D (one target per row)."
                )
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change the shape "
                "of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
                stacklevel=3,
            )
            y = y[:, 0]
        if shared:
            tasks_ = np.arange(y.shape[1])
            if classes is not None:
                sample_weight = sample_weight * class_weight_factors(self.class_weight, classes, y, None)
            if sample_weight.sum() <= 0:
                raise ValueError("sample weights sum to zero: at least one row needs a positive weight.")
        else:
            labels = np.zeros(n_samples, dtype=np.int64) if task_input.labels is None else task_input.labels
            tasks_, task_index = encode_tasks(labels)
            if classes is not None:
                sample_weight = sample_weight * class_weight_factors(self.class_weight, classes, y, task_index)
            totals = np.bincount(task_index, weights=sample_weight, minlength=len(tasks_))
            empty = tasks_[totals <= 0]
            if empty.size:
                raise ValueError(
                    f"The sample weights of task(s) {empty[:10].tolist()} sum to zero: "
                    "every task needs at least one row with positive weight."
                )
        rho = self._task_weight_vector(tasks_)
        if shared:
            design = SharedDesign(X, y, sample_weight, rho, average_per_task=self._average_per_task)
        else:
            design = StackedDesign(
                X, y, task_index, len(tasks_), sample_weight, rho, average_per_task=self._average_per_task
            )
        return FitData(design, tasks_, shared, dtype)

    def _task_weight_vector(self, tasks_):
        task_weights = self.task_weights
        if task_weights is None:
            return np.ones(len(tasks_))
        if isinstance(task_weights, dict):
            missing = [task for task in tasks_.tolist() if task not in task_weights]
            if missing:
                raise ValueError(f"task_weights has no weight for task(s) {missing[:10]}.")
            task_weights = [task_weights[task] for task in tasks_.tolist()]
        try:
            rho = np.asarray(task_weights, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"task_weights must be numbers, got {self.task_weights!r}.") from exc
        if rho.shape != (len(tasks_),):
            raise ValueError(
                f"task_weights has shape {rho.shape}, expected ({len(tasks_)},): one weight per task "
                "in the order of the sorted task labels (or pass a dict {task: weight})."
            )
        if not np.all(np.isfinite(rho)) or np.any(rho <= 0):
            raise ValueError("task_weights must be finite and positive.")
        return rho

    # -------------------------------------------------------------- solving
    def _penalty(self):
        return make_penalty(self.penalty, mix=self.mix)

    def _warn_if_not_converged(self, result):
        if result.converged:
            return
        if result.n_iter >= self.max_iter:
            reason = f"did not converge in max_iter={self.max_iter} iterations"
        else:
            reason = "stopped short of tol (round-off limits the certificate)"
        warnings.warn(
            f"{type(self).__name__} {reason}: the stopping certificate is {result.certificate:.3g} > "
            f"tol={self.tol:g}. Increase max_iter, loosen tol, or scale the features.",
            ConvergenceWarning,
            stacklevel=3,
        )

    def _solve_proximal(self, design, loss, penalty, intercepts, start):
        """Accelerated proximal gradient, inside working sets for feature-separable penalties."""
        solve = solve_on_working_sets if uses_working_sets(penalty, design, loss, intercepts) else solve_directly
        return solve(
            design, loss, penalty, self._alpha(), intercepts, start,
            tol=self.tol, max_iter=self.max_iter, verbose=self.verbose,
        )

    # ------------------------------------------------------------ predicting
    def _row_tasks(self, X, tasks):
        """Validated features and the fitted-task index of each row (-1: use the shared model)."""
        check_is_fitted(self)
        task_input = split_task_column(self, X, tasks, reset=False)
        X = task_input.X
        if X.shape[1] != self.coef_.shape[-1]:
            raise ValueError(f"X has {X.shape[1]} features, but the model was fitted with {self.coef_.shape[-1]}.")
        if task_input.labels is None:
            if len(self.tasks_) == 1:
                return X, np.zeros(X.shape[0], dtype=np.int64)
            if self._shared_design:
                return X, None
            raise ValueError(
                f"This model was fitted on {len(self.tasks_)} tasks: give the task of each row with "
                "tasks= (or task_column=)."
            )
        index = map_tasks(task_input.labels, self.tasks_)
        unknown = index < 0
        if unknown.any() and self.handle_unknown == "error":
            unseen = list(dict.fromkeys(task_input.labels[unknown].tolist()))
            raise ValueError(
                f"Task(s) {unseen[:10]} were not seen in fit (fitted tasks: {len(self.tasks_)}). "
                "Set handle_unknown='shared' to predict them with the shared model. In cross-validation, "
                "give every task rows in every training fold: cv=StratifiedKFold(5, shuffle=True).split(X, tasks) "
                "(user guide: Working with scikit-learn)."
            )
        return X, index

    def _linear_outputs(self, X, index):
        """x·w_t + b_t for each row, shape (n_samples,) + coef_.shape[1:-1]."""
        coef, intercept = self.coef_, self.intercept_
        out = np.empty((X.shape[0],) + coef.shape[1:-1], dtype=coef.dtype)
        for t in np.unique(index):
            rows = index == t
            if t < 0:
                w, b = self.shared_coef_, self.shared_intercept_
            else:
                w, b = coef[t], intercept[t]
            out[rows] = np.asarray(X[rows] @ w.T) + b
        return out

    def _shared_design_outputs(self, X):
        """Outputs of every task on every row: shape (n_samples, n_tasks) + coef_.shape[1:-1]."""
        coef = self.coef_
        flat = np.asarray(X @ coef.reshape(-1, coef.shape[-1]).T)
        return (flat.reshape((X.shape[0],) + coef.shape[:-1]) + self.intercept_).astype(coef.dtype, copy=False)


def penalty_info(penalty, result):
    """What the penalty reports about a solution (its ``describe``), or {} if it reports nothing."""
    if not hasattr(penalty, "describe"):
        return {}
    return penalty.describe(result.coef if result.components is None else result.components)


def warm_start_point(estimator, n_tasks, n_features, index=None):
    """(W, b) of the previous fit when warm_start applies, else None."""
    if not (estimator.warm_start and hasattr(estimator, "coef_")):
        return None
    coef, intercept = estimator.coef_, estimator.intercept_
    if index is not None:
        if coef.ndim != 3 or index >= coef.shape[1]:
            return None
        coef, intercept = coef[:, index], intercept[:, index]
    if coef.shape != (n_tasks, n_features):
        return None
    return coef, intercept
