"""What every multi-task linear estimator shares: input handling, solving, storing, predicting."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from ._class_weight import class_weight_factors
from ._design import SharedDesign, StackedDesign
from ._dtypes import as_model_dtype, model_dtype
from ._feature_scaling import FeatureScaling
from ._tasks import (
    check_sample_weight,
    check_task_totals,
    check_task_weights,
    encode_tasks,
    map_tasks,
    split_task_column,
)
from ._typing import ArrayLike, MatrixLike, Self
from .penalties import PENALTIES, Penalty, make_penalty
from .solvers import Path, SolverResult, solve

COMMON_PARAMETER_CONSTRAINTS = {
    "penalty": [StrOptions(set(PENALTIES)), Penalty],
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

    def __init__(self, design, tasks, shared_design, dtype=np.float64, target_scaling=None, feature_scaling=None):
        self.design = design
        self.tasks = tasks
        self.shared_design = shared_design
        self.dtype = dtype  # of the fitted model: see mtlearn._dtypes
        self.target_scaling = target_scaling  # regressors: mtlearn._target_scaling.TargetScaling of design.y
        self.feature_scaling = feature_scaling  # mtlearn._feature_scaling.FeatureScaling of design.X, or None


class MultiTaskLinearModel(BaseEstimator):
    """Base class: task-aware validation, solving through :func:`mtlearn.solvers.solve`, per-task prediction.

    Subclasses give ``_loss()`` (the :class:`~mtlearn.losses.Loss`),
    ``_alpha()`` and ``_training_problems(X, y, tasks, sample_weight)``,
    which returns ``(data, classes, problems)``: the validated training set,
    the classes (None for a regressor) and the :class:`~mtlearn.solvers.Problem`
    list that ``fit`` solves (one, or one per class for one-vs-rest).
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
        y = check_array(y, ensure_2d=False, dtype=y_dtype, input_name="y", ensure_all_finite=y_dtype is not None)
        if y.shape[0] != n_samples:
            raise ValueError(f"y has {y.shape[0]} rows but X has {n_samples} rows.")
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D (or 2-D for a shared design), got shape {y.shape}.")
        sample_weight = check_sample_weight(sample_weight, n_samples)
        shared = task_input.labels is None and y.ndim == 2 and allow_shared_design
        if y.ndim == 2 and not shared:
            if y.shape[1] != 1:
                raise ValueError(f"y has shape {y.shape}: with task labels y must be 1-D (one target per row).")
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
            if sample_weight.max(initial=0.0) <= 0:
                raise ValueError("sample weights sum to zero: at least one row needs a positive weight.")
        else:
            labels = np.zeros(n_samples, dtype=np.int64) if task_input.labels is None else task_input.labels
            tasks_, task_index = encode_tasks(labels)
            if classes is not None:
                sample_weight = sample_weight * class_weight_factors(self.class_weight, classes, y, task_index)
            check_task_totals(tasks_, np.bincount(task_index, weights=sample_weight, minlength=len(tasks_)))
        rho = self._task_weight_vector(tasks_)
        if shared:
            design = SharedDesign(X, y, sample_weight, rho, average_per_task=self._average_per_task)
        else:
            design = StackedDesign(
                X, y, task_index, len(tasks_), sample_weight, rho, average_per_task=self._average_per_task
            )
        return FitData(design, tasks_, shared, dtype)

    def _task_weight_vector(self, tasks_):
        return check_task_weights(self.task_weights, tasks_)

    def _scales_features(self):
        """Whether the fit divides each task's features by their spread within the task (``scale_features``)."""
        return False

    def _feature_scaled(self, design):
        """The per-task feature scales of the fit (ones unless ``scale_features``) and the design they scale."""
        if not self._scales_features():
            return FeatureScaling.identity(design.n_tasks, design.n_features), design
        scaling = FeatureScaling.of_design(design, centre=self.fit_intercept)
        return scaling, scaling.scaled_design(design)

    # -------------------------------------------------------------- solving
    def _validate_params(self):
        """scikit-learn's parameter validation, then the loss and the penalty built from the parameters."""
        super()._validate_params()
        self._loss()
        self._penalty()

    def _penalty(self):
        return make_penalty(self.penalty, mix=self.mix)

    def fit(
        self, X: MatrixLike, y: ArrayLike, tasks: ArrayLike | None = None, sample_weight: ArrayLike | None = None
    ) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Features (and the task column when ``task_column`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets (class labels for a classifier); a 2-D ``y`` without task
            labels gives one task per column on shared rows.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight s_i of each row in its task's loss (for a classifier, times
            its ``class_weight``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        data, classes, problems = self._training_problems(X, y, tasks, sample_weight)
        starts = self._warm_starts(len(problems), data)
        results = []
        for problem, start in zip(problems, starts, strict=False):
            result = solve(problem, start=start, tol=self.tol, max_iter=self.max_iter, verbose=self.verbose)
            self._warn_if_not_converged(result)
            results.append(result)
        if classes is not None:
            self.classes_ = classes
        self._store(results, problems[0].penalty, data)
        return self

    def _warm_starts(self, n_problems, data):
        """The previous fit's solutions to start from (``warm_start=True``), one per problem, or Nones.

        Their weights are given in the features of ``data`` (scaled per task with ``scale_features``).
        """
        if not (self.warm_start and hasattr(self, "coef_")):
            return [None] * n_problems
        coef, intercept = self.coef_, self.intercept_
        if data.feature_scaling is not None:
            coef = data.feature_scaling.scaled_coef(coef)
        if coef.ndim == 2:
            coef, intercept = coef[:, None], intercept[:, None]
        if coef.shape[1] != n_problems:
            return [None] * n_problems
        duals = getattr(self, "_duals", None) or [None] * n_problems
        return [
            SolverResult(coef[:, k], intercept[:, k], 0, np.nan, False, np.nan, dual=duals[k])
            for k in range(n_problems)
        ]

    def _warn_if_not_converged(self, result):
        if result.converged:
            return
        if result.n_iter >= self.max_iter:
            reason = f"did not converge in max_iter={self.max_iter} iterations"
            advice = "Increase max_iter, loosen tol, or scale the features."
        else:
            reason = "stopped short of tol: round-off limits the certificate"
            advice = "More iterations cannot help: loosen tol, increase alpha, or scale the features."
        warnings.warn(
            f"{type(self).__name__} {reason}: the stopping certificate (relative duality gap) is "
            f"{result.certificate:.3g} > tol={self.tol:g}. {advice}",
            ConvergenceWarning,
            stacklevel=3,
        )

    def _model_coefficients(self, results, data):
        """``(coef_, intercept_)`` of the solver results (one per problem) on ``data``: the user's units and dtype."""
        coef = np.stack([r.coef for r in results], axis=1)
        intercept = np.stack([r.intercept for r in results], axis=1)
        if len(results) == 1:
            coef, intercept = coef[:, 0], intercept[:, 0]
        if data.feature_scaling is not None:
            coef = data.feature_scaling.original_units(coef)
        return as_model_dtype(data.dtype, coef, intercept)

    def _store(self, results, penalty, data):
        """Set the fitted attributes from the solver results (one per problem) on the training set ``data``."""
        single = len(results) == 1
        self.coef_, self.intercept_ = self._model_coefficients(results, data)
        shared = np.stack([penalty.shared_coef(r.coef) for r in results])
        self.shared_coef_ = shared[0] if single else shared
        if data.feature_scaling is not None:
            self.shared_coef_ = data.feature_scaling.shared_original_units(self.shared_coef_)
            self.feature_scale_ = data.feature_scaling.scale
        info = [penalty.describe(r.coef if r.components is None else r.components) for r in results]
        self.penalty_info_ = info[0] if single else info
        self._forget_penalty_attributes()
        extra = [penalty.fitted_attributes(r.coef) for r in results]
        for name in extra[0]:  # one per problem: stacked over the classes of a one-vs-rest fit
            setattr(self, name, extra[0][name] if single else np.stack([e[name] for e in extra]))
        self._penalty_attributes = tuple(extra[0])
        shared_intercept = np.array([r.intercept.mean() for r in results])
        self.shared_intercept_ = float(shared_intercept[0]) if single else shared_intercept
        self.tasks_ = data.tasks
        self._shared_design = data.shared_design
        self.n_iter_ = max(r.n_iter for r in results)
        self.certificate_ = max(r.certificate for r in results)
        self.objective_ = float(sum(r.objective for r in results))
        duals = [r.dual for r in results]
        self._duals = duals if any(d is not None for d in duals) else None

    def _forget_penalty_attributes(self):
        """Remove the attributes a previous fit's penalty set (``Penalty.fitted_attributes``)."""
        for name in getattr(self, "_penalty_attributes", ()):
            if name in vars(self):
                delattr(self, name)
        self._penalty_attributes = ()

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


class FittedPath:
    """An estimator's fits on one training set along a grid: one validation, one solver path per problem.

    ``fitted(alpha=..., mix=..., penalty=...)`` returns a copy of the
    estimator with those parameters, fitted as ``fit`` would fit it (the same
    problems and solvers), each solve started from the previous one or exact
    from one set of spectra (see :class:`mtlearn.solvers.Path`).  It serves
    :func:`mtlearn.model_selection.multitask_path` and the CV estimators'
    folds, so a grid costs its solves and not one validation per point.

    Parameters
    ----------
    estimator : MultiTaskLinearModel
        Not modified.
    X, y, tasks, sample_weight
        As in the estimator's ``fit``.
    """

    def __init__(self, estimator, X, y, tasks=None, sample_weight=None):
        self.template = clone(estimator)
        self.data, self.classes, problems = self.template._training_problems(X, y, tasks, sample_weight)
        self.paths = [Path(problem.design, problem.loss, problem.intercepts) for problem in problems]
        self._last_penalty = None  # (the parameters other than alpha, the penalty built from them)

    def restart(self):
        """Start the next solves from zero (e.g. at the top of the α grid of a new candidate)."""
        for path in self.paths:
            path.restart()

    def fitted(self, *, certify=True, **params):
        """The estimator fitted with ``params`` set; ``certify=False`` skips the gap of exact solves (only scored)."""
        model, penalty, results = self._solved(params, certify)
        if self.classes is not None:
            model.classes_ = self.classes
        model._store(results, penalty, self.data)
        return model

    def coefficients(self, **params):
        """``(coef_, intercept_, n_iter_, certificate_)`` of :meth:`fitted`'s model, without building that model.

        What :func:`mtlearn.model_selection.multitask_path` keeps of each fit.
        """
        model, _, results = self._solved(params, certify=True)
        coef, intercept = model._model_coefficients(results, self.data)
        return coef, intercept, max(r.n_iter for r in results), max(r.certificate for r in results)

    def _solved(self, params, certify):
        """``(model, penalty, results)``: a copy of the estimator with ``params`` set, and its solver results.

        Each result not converged has raised its ``ConvergenceWarning``.
        """
        # A shallow copy keeps n_features_in_ (and feature_names_in_) recorded by the validation; the
        # parameters are set as set_params would, without its introspection of the signature (and the
        # copy is made without the pickling protocol copy.copy goes through).
        model = object.__new__(type(self.template))
        model.__dict__.update(self.template.__dict__)
        for name, value in params.items():
            setattr(model, name, value)
        penalty = self._penalty(model, params)
        results = [
            path.solve(
                penalty, model._alpha(), tol=model.tol, max_iter=model.max_iter, verbose=model.verbose, certify=certify
            )
            for path in self.paths
        ]
        for result in results:
            model._warn_if_not_converged(result)
        return model, penalty, results

    def _penalty(self, model, params):
        """``model._penalty()``, built (and validated) once for consecutive calls that change only alpha."""
        others = [(name, value) for name, value in params.items() if name != "alpha"]
        last = self._last_penalty
        same = last is not None and len(last[0]) == len(others)
        same = same and all(a == b and x is y for (a, x), (b, y) in zip(last[0], others, strict=False))
        if not same:
            self._last_penalty = (others, model._penalty())
        return self._last_penalty[1]
