"""TransferRegressor and TransferClassifier: biased regularisation towards a source model."""

from __future__ import annotations

import itertools
import numbers
import warnings

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import MultiTaskLinearModel
from .._design import StackedDesign
from .._dtypes import model_dtype
from .._labels import checked_class_labels
from .._tasks import check_sample_weight
from .._typing import ArrayLike, MatrixLike, Self
from ..losses import SquaredLoss, get_loss
from ..solvers import Intercepts, Path, Problem, solve_exactly
from ._copy import copy_the_source
from ._penalty import CentredRidgePenalty
from ._selection import (
    DEFAULT_RELATIVE_ALPHAS,
    DEFAULT_SOURCE_WEIGHTS,
    check_grid,
    choose_candidate,
    feature_scale,
    leave_one_out_errors,
)
from ._source import check_source_features, read_source

_PARAMETERS_DOC = """
    source : estimator, ndarray, tuple (coef, intercept) or None, default=None
        The source model.  A fitted linear model with ``coef_`` and
        ``intercept_`` (scikit-learn's Ridge, Lasso, LogisticRegression,
        LinearSVC, SGD…, or an mtlearn model), best wrapped in
        ``sklearn.frozen.FrozenEstimator`` so that ``clone`` (and so
        ``GridSearchCV``) keeps it fitted; a coefficient array of shape
        (n_features,) or (n_outputs, n_features); or a pair
        ``(coef, intercept)``.  ``None`` means no transfer: the estimator is
        then ridge-regularised learning on the target alone.
{loss}    alpha : float > 0 or "auto", default="auto"
        Strength α of the pull towards β·w_src.  ``"auto"``: chosen from
        ``alphas`` by cross-validation (see ``source_weight``).
    source_weight : float in [0, 1] or "auto", default="auto"
        β: how much of the source the weights are pulled towards.  0 ignores
        the source (target-only ridge / regularised logistic regression), 1
        pulls towards the source itself.  ``"auto"``: chosen from
        ``source_weights`` by cross-validation, jointly with α when
        ``alpha="auto"``.  Since 0 is a candidate, an unrelated source is
        switched off rather than followed.  The defaults choose both: with
        an unrelated source the model is the target-only model, up to the
        noise of the cross-validation estimate (measured at 40 features and
        20 target rows in ``benchmarks/RESULTS.md``); a fixed (α, β) follows
        the source whatever it is.  Without a source the only candidate is
        β = 0.
    alphas : array-like of positive floats or None, default=None
        Candidates for ``alpha="auto"``.  None: 13 values log-spaced from
        1e-4 to 1e2 times the mean (weighted) variance of the features; with
        a source, α = ∞ ("copy the source": w = β·w_src, only the intercept
        fitted on the target) is added, so that both ends, ignoring the
        source (β = 0) and copying it, are candidates.  At β = 0 that α = ∞
        would be the intercept-only model: it is left out (``cv_errors_`` is
        ``inf`` there), so that ignoring the source gives exactly the
        target-only model of the same grid.  With a source a given list may
        hold ``np.inf`` too (every given combination is then a candidate).
    source_weights : array-like of floats in [0, 1] or None, default=None
        Candidates for ``source_weight="auto"``; None: (0, 0.25, 0.5, 0.75, 1).
    source_task : hashable or None, default=None
        For an mtlearn multi-task source: the task whose model is the source.
        None takes its shared component (``shared_coef_``, ``shared_intercept_``).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept on the target (the source's intercept
        is not used; it is kept as ``source_intercept_``).
"""

_ATTRIBUTES_DOC = """
    alpha_ : float
        The α used for the final fit (chosen when ``alpha="auto"``).
        ``np.inf`` when the copy-the-source candidate was chosen: then
        ``coef_`` is ``source_weight_ · w_src`` exactly and only the
        intercept was fitted.
    source_weight_ : float
        The β used for the final fit (chosen when ``source_weight="auto"``).
    alphas_ : ndarray of shape (n_alphas,)
        The α candidates that were compared (only when something is "auto").
    source_weights_ : ndarray of shape (n_source_weights,)
        The β candidates that were compared (only when something is "auto").
    cv_errors_ : ndarray of shape (n_alphas, n_source_weights)
        Mean cross-validated loss of every candidate, lower is better (only
        when something is "auto"; ``inf`` marks a combination that is not a
        candidate, see ``alphas``).
    source_coef_ : ndarray
        The source coefficients w_src read from ``source`` (zeros without a source).
    source_intercept_ : ndarray
        The source intercept (zeros without a source).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when X is a DataFrame with string column names.
    n_iter_ : int
        Solver iterations of the final fit (0 for the closed-form squared loss).
    certificate_ : float
        The solver's relative stopping certificate at the solution.
    objective_ : float
        The objective at the solution.
"""


def _docstring(template, loss=""):
    def decorate(cls):
        parameters = _PARAMETERS_DOC.replace("{loss}", loss)
        cls.__doc__ = template.replace("{parameters}", parameters).replace("{attributes}", _ATTRIBUTES_DOC)
        return cls

    return decorate


class _TransferLinearModel(BaseEstimator):
    """Shared parts: parameters, the source, the candidate grids and the chosen strength."""

    _parameter_constraints = {
        "source": "no_validation",
        "alpha": [Interval(numbers.Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "source_weight": [Interval(numbers.Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "alphas": [None, "array-like"],
        "source_weights": [None, "array-like"],
        "source_task": "no_validation",
        "fit_intercept": ["boolean"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _read_source(self, n_features, n_outputs):
        """(w_src of shape (n_outputs, p), b_src of shape (n_outputs,)), zeros without a source."""
        source = read_source(self.source, self.source_task)
        if source is None:
            return None, np.zeros((n_outputs, n_features)), np.zeros(n_outputs)
        check_source_features(source, n_features, getattr(self, "feature_names_in_", None))
        return source, source.coef, source.intercept

    def _candidates(self, X, sample_weight, has_source):
        """The (α, β) grids to compare; single values for the settings that are not "auto".

        With a source (``has_source``) the default α grid ends with α = ∞
        (w = β w_src, only the intercept fitted) and ``alphas`` may hold
        ``np.inf``.  Without one every β gives the same model: β = 0 is the
        only candidate.
        """
        if self.alpha == "auto":
            if self.alphas is None:
                alphas = DEFAULT_RELATIVE_ALPHAS * feature_scale(X, sample_weight, self.fit_intercept)
                if has_source:
                    alphas = np.append(alphas, np.inf)
            else:
                alphas = check_grid(self.alphas, "alphas", allow_inf=has_source)
        else:
            alphas = np.array([float(self.alpha)])
        if self.source_weight == "auto":
            grid = DEFAULT_SOURCE_WEIGHTS if self.source_weights is None else self.source_weights
            betas = check_grid(grid, "source_weights", upper=1.0)
            betas = betas if has_source else np.zeros(1)
        else:
            betas = np.array([float(self.source_weight)])
        return np.sort(alphas)[::-1], np.sort(betas)

    def _without_intercept_only(self, errors, alphas, betas, has_source):
        """``errors`` with the default grid's (α = ∞, β = 0) left out (set to ∞).

        The default grid's α = ∞ copies β·w_src for β > 0; at β = 0 it would be
        the intercept-only model, which target-only learning (no source) does
        not consider: left out, so that ignoring the source gives exactly the
        target-only model.
        """
        if has_source and self.alpha == "auto" and self.alphas is None and betas[0] == 0.0:
            errors[np.isinf(alphas), 0] = np.inf
        return errors

    def _record_choice(self, alphas, betas, errors, sample_weight, has_source):
        """Store the chosen candidate (see :func:`choose_candidate`; ties go to strongest α, smallest β)."""
        errors = self._without_intercept_only(errors, alphas, betas, has_source)
        (k, j), mean_errors = choose_candidate(errors, sample_weight, betas)
        self.alpha_, self.source_weight_ = float(alphas[k]), float(betas[j])
        self.alphas_, self.source_weights_, self.cv_errors_ = alphas, betas, mean_errors

    def _is_auto(self):
        return self.alpha == "auto" or self.source_weight == "auto"

    def _store_result(self, coef, intercept, n_iter, certificate, objective, dtype):
        """The fitted attributes; ``coef_`` and ``intercept_`` in the model's ``dtype`` (float32 for float32 X)."""
        self.coef_ = np.asarray(coef, dtype=dtype)
        self.intercept_ = dtype(intercept) if np.ndim(intercept) == 0 else np.asarray(intercept, dtype=dtype)
        self.n_iter_, self.certificate_, self.objective_ = n_iter, certificate, objective


def _validated_weights(sample_weight, n_samples):
    """The validated weights divided by their maximum (the objective depends only on s / Σ s).

    So that weights near the largest float do not overflow when the automatic
    choice and the copy-the-source fits sum them.
    """
    sample_weight = check_sample_weight(sample_weight, n_samples)
    largest = sample_weight.max(initial=0.0)
    if largest <= 0:
        raise ValueError("sample weights sum to zero: at least one row needs a positive weight.")
    return sample_weight / largest


def _single_task_design(X, y, sample_weight):
    n = X.shape[0]
    return StackedDesign(X, y, np.zeros(n, dtype=np.int64), 1, sample_weight, np.ones(1))


def _intercepts(fit_intercept):
    return Intercepts.all_free(1) if fit_intercept else Intercepts.none(1)


def _held_out_losses(classifier, X, targets, sample_weight, train, test, centre, alphas, loss):
    """One unit of a TransferClassifier's cross-validation: a fold and a β (through ``centre``).

    Fits the warm-started path over ``alphas`` on the ``train`` rows and
    returns the held-out loss ℓ of the ``test`` rows (summed over the
    one-vs-rest problems), shape (n_alphas, n_test), and whether every fit
    converged.
    """
    path = classifier._fit_path(X[train], targets[train], sample_weight[train], centre, alphas, loss)
    losses = np.zeros((len(alphas), len(test)))
    converged = True
    for k, results in enumerate(path):
        for r, result in enumerate(results):
            scores = np.asarray(X[test] @ result.coef[0]).ravel() + result.intercept[0]
            losses[k] += loss.pointwise(targets[test, r], scores)
            converged &= result.converged
    return losses, converged


@_docstring(
    r"""Linear regression transferred from a source model by biased regularisation.

    Minimises, over the weights w and the intercept b,

    .. math::

        \frac{1}{n} \sum_i s_i \tfrac12 (y_i - x_i^\top w - b)^2
        + \frac{\alpha}{2} \| w - \beta \, w_{src} \|^2,

    with sample weights s_i (n = Σ s_i), the source weights w_src and
    β = ``source_weight``.  The ends of the parameterisation:

    - β = 0: ridge regression on the target alone (``sklearn.linear_model.Ridge``
      with ``alpha = α · n``), whatever the source;
    - β = 1 and α → ∞: the source's weights, with the intercept refitted on
      the target (the weighted mean of y − X w_src);
    - β = 1, α → 0: least squares on the target.

    α = ∞ is reached exactly by the automatic choice (see below): w = β w_src
    and b is the weighted mean of y − β X w_src (0 without an intercept).

    Writing w = β w_src + v turns the problem into ridge regression of the
    residual target y − β X w_src on X, which is solved exactly.

    With ``alpha="auto"`` and/or ``source_weight="auto"`` the strength is
    chosen by exact leave-one-out cross-validation over all (α, β)
    candidates from one eigendecomposition (the hat matrix does not depend on
    β).  With a source, the default α grid ends with α = ∞, "copy the
    source" (w = β w_src, only the intercept fitted; leaving row i out then
    only moves the intercept, so its leave-one-out residual is
    (r_i − b) / (1 − v_i) with r = y − β X w_src and v the normalised sample
    weights); ``alpha_`` is then ``np.inf``.  The best candidate wins, except
    that one that transfers (β > 0) must beat the best β = 0 candidate by
    more than one standard error of the paired leave-one-out differences.
    With β = 0 among the candidates (the default grid), an unrelated
    source is switched off: the model is then no worse than target-only ridge
    regression up to the noise of the leave-one-out estimate.  These are the
    defaults; at 40 features and 20 target rows an unrelated source gives
    the test error of target-only ``RidgeCV`` (median ratio 1.00 over 10
    seeds), a related one 0.14 of it (``benchmarks/RESULTS.md``).  There is no
    ``n_jobs``: the selection refits nothing (one eigendecomposition and a few
    matrix products per α), so there is no loop worth spreading over workers.

    Parameters
    ----------
{parameters}
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
{attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import Ridge
    >>> from mtlearn import TransferRegressor
    >>> rng = np.random.default_rng(0)
    >>> w = rng.normal(size=5)
    >>> X_src = rng.normal(size=(500, 5)); y_src = X_src @ w + rng.normal(size=500)
    >>> X = rng.normal(size=(15, 5)); y = X @ (w + 0.1) + rng.normal(size=15)
    >>> source = FrozenEstimator(Ridge().fit(X_src, y_src))
    >>> model = TransferRegressor(source).fit(X, y)
    >>> model.source_weight_ > 0
    True
    """
)
class TransferRegressor(RegressorMixin, _TransferLinearModel):
    def __init__(
        self,
        source=None,
        *,
        alpha="auto",
        source_weight="auto",
        alphas=None,
        source_weights=None,
        source_task=None,
        fit_intercept=True,
    ):
        self.source = source
        self.alpha = alpha
        self.source_weight = source_weight
        self.alphas = alphas
        self.source_weights = source_weights
        self.source_task = source_task
        self.fit_intercept = fit_intercept

    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the model on the target data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-problem features.
        y : array-like of shape (n_samples,)
            Target-problem targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        dtype = model_dtype(X)
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, y_numeric=True)
        sample_weight = _validated_weights(sample_weight, X.shape[0])
        source, w_src, b_src = self._read_source(X.shape[1], 1)
        if source is not None:
            if source.classes is not None:
                raise ValueError(
                    "The source is a classifier (it has classes_); TransferRegressor needs a regression source."
                )
            if source.coef.shape[0] != 1:
                raise ValueError(
                    f"The source has {source.coef.shape[0]} outputs; TransferRegressor transfers a "
                    "single-output model (pass one row of its coefficients)."
                )
        w_src, b_src = w_src[0], b_src[0]
        offset = np.asarray(X @ w_src).ravel()
        if self._is_auto():
            if X.shape[0] < 2:
                raise ValueError("Choosing the strength by leave-one-out needs at least 2 samples, got n_samples=1.")
            has_source = source is not None
            alphas, betas = self._candidates(X, sample_weight, has_source)
            errors = leave_one_out_errors(X, y, offset, sample_weight, alphas, betas, self.fit_intercept)
            self._record_choice(alphas, betas, errors, sample_weight, has_source)
        else:
            self.alpha_, self.source_weight_ = float(self.alpha), float(self.source_weight)
        alpha, beta = self.alpha_, self.source_weight_
        if np.isinf(alpha):
            # Copy the source: w = β w_src, only the intercept is fitted (exactly: the weighted mean).
            coef = beta * w_src
            residual = y - beta * offset
            intercept = float(np.average(residual, weights=sample_weight)) if self.fit_intercept else 0.0
            residual = residual - intercept
            objective = 0.5 * float(sample_weight @ (residual * residual)) / sample_weight.sum()
            self.source_coef_, self.source_intercept_ = w_src, b_src
            self._store_result(coef, intercept, 0, 0.0, objective, dtype)
            return self
        problem = Problem(
            _single_task_design(X, y, sample_weight),
            SquaredLoss(),
            CentredRidgePenalty(beta * w_src[None]),
            alpha,
            _intercepts(self.fit_intercept),
        )
        result = solve_exactly(problem)
        self.source_coef_, self.source_intercept_ = w_src, b_src
        self._store_result(result.coef[0], float(result.intercept[0]), 0, result.certificate, result.objective, dtype)
        return self

    def predict(self, X: MatrixLike) -> np.ndarray:
        """x·w + b for each row of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predictions.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        return (np.asarray(X @ self.coef_).ravel() + self.intercept_).astype(self.coef_.dtype, copy=False)


@_docstring(
    r"""Linear classification transferred from a source model by biased regularisation.

    For two classes (y_i mapped to ±1, ``classes_[1]`` positive) it minimises

    .. math::

        \frac{1}{n} \sum_i s_i \, \ell(y_i, x_i^\top w + b)
        + \frac{\alpha}{2} \| w - \beta \, w_{src} \|^2,

    with ℓ the logistic loss log(1 + e^{−y f}), the hinge max(0, 1 − y f) or
    the squared hinge max(0, 1 − y f)², sample weights s_i (n = Σ s_i) and
    β = ``source_weight``.  More than two classes are learnt one-vs-rest, the
    problem of class k pulled towards row k of the source coefficients (the
    source must have the same classes).  The ends of the parameterisation:

    - β = 0: the target alone — ``LogisticRegression(C=1/(α n))`` for the
      logistic loss, ``LinearSVC(C=1/(α n))`` without intercept for the hinge
      losses;
    - β = 1 and α → ∞: the source's weights, with the intercept refitted on
      the target.

    α = ∞ is reached exactly by the automatic choice (see below): w = β w_src
    and b = argmin_b (1/n) Σ_i s_i ℓ(y_i, x_iᵀ β w_src + b), a one-dimensional
    convex problem solved by bisection on its derivative (0 without an
    intercept; ``n_iter_`` is then 0 and ``certificate_`` the bisection's
    bound on the suboptimality relative to F₀).

    Smooth losses are minimised by accelerated proximal gradient on the
    centred-ridge penalty (closed-form prox), started from the α = ∞ fit
    (w = β w_src, the intercept fitted), as the cross-validation's paths are;
    the hinge loss in the dual, after the substitution w = β w_src + v (the
    source's scores become a fixed margin offset), started from v = 0, i.e.
    from w = β w_src.  So with β = 0 the fit is the target-only one whatever
    the source, in the directions the rows do not determine too.

    With ``alpha="auto"`` and/or ``source_weight="auto"`` the strength is
    chosen by stratified k-fold cross-validation of the held-out loss ℓ (summed
    over the one-vs-rest problems), with a warm-started path over α (strong to
    weak) for every fold and every β; these paths are independent, and
    ``n_jobs`` computes them in parallel.  With a source, the default α grid
    starts with α = ∞, "copy the source" (its fold fits refit only the
    intercept, and start the path of the finite α); ``alpha_`` is then
    ``np.inf``.  The best candidate wins, except that one that transfers
    (β > 0) must beat the best β = 0 candidate by more than one standard
    error of the paired per-sample held-out losses.  With β = 0 among the
    candidates (the default grid), an unrelated source is switched off.
    These are the defaults; at 40 features and 20 target rows an unrelated
    source leaves the AUC and the log-loss of target-only
    ``LogisticRegressionCV`` unchanged (median over 10 seeds), a related one
    raises the AUC from 0.72 to 0.95 (``benchmarks/RESULTS.md``).

    Parameters
    ----------
{parameters}
    cv : int, cross-validation generator or iterable, default=5
        Folds for the "auto" settings (as in ``sklearn.model_selection.check_cv``;
        an int gives stratified folds, reduced to the smallest class count).
    n_jobs : int or None, default=None
        Number of jobs computing the cross-validation of the "auto" settings
        in parallel (joblib): the unit of work is one fold and one β
        candidate, a warm-started path over the α candidates, so up to
        ``n_folds × n_source_weights`` jobs run at once.  None means 1 unless
        in a ``joblib.parallel_backend`` context, -1 means all processors.
        The result does not depend on it.  Unused without an "auto" setting.
    tol : float, default=1e-4
        Stopping tolerance on the solver's relative certificate.
    max_iter : int, default=1000
        Maximum solver iterations per fit; reaching it warns with ``ConvergenceWarning``.
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
{attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mtlearn import TransferClassifier
    >>> rng = np.random.default_rng(0)
    >>> w = rng.normal(size=5)
    >>> X_src = rng.normal(size=(500, 5)); y_src = (X_src @ w > 0).astype(int)
    >>> X = rng.normal(size=(30, 5)); y = (X @ (w + 0.1) > 0).astype(int)
    >>> source = FrozenEstimator(LogisticRegression().fit(X_src, y_src))
    >>> model = TransferClassifier(source).fit(X, y)
    >>> model.coef_.shape
    (1, 5)
    >>> bool(model.score(X, y) > 0.8)
    True
    """,
    loss='    loss : {"logistic", "hinge", "squared_hinge"}, default="logistic"\n        The loss ℓ.\n',
)
class TransferClassifier(ClassifierMixin, _TransferLinearModel):
    _parameter_constraints = {
        **_TransferLinearModel._parameter_constraints,
        "loss": [StrOptions({"logistic", "hinge", "squared_hinge"})],
        "cv": ["cv_object"],
        "n_jobs": [None, numbers.Integral],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        source=None,
        *,
        loss="logistic",
        alpha="auto",
        source_weight="auto",
        alphas=None,
        source_weights=None,
        source_task=None,
        fit_intercept=True,
        cv=5,
        n_jobs=None,
        tol=1e-4,
        max_iter=1000,
        verbose=0,
    ):
        self.source = source
        self.loss = loss
        self.alpha = alpha
        self.source_weight = source_weight
        self.alphas = alphas
        self.source_weights = source_weights
        self.source_task = source_task
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.n_jobs = n_jobs
        self.tol = tol
        self.max_iter = max_iter
        self.verbose = verbose

    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the model on the target data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-problem features.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        dtype = model_dtype(X)
        X, y = validate_data(self, X, checked_class_labels(y), accept_sparse="csr", dtype=np.float64)
        check_classification_targets(y)
        sample_weight = _validated_weights(sample_weight, X.shape[0])
        labels, codes = np.unique(y, return_inverse=True)
        present = np.flatnonzero(np.bincount(codes, weights=sample_weight, minlength=len(labels)) > 0)
        if present.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes, but the rows with positive "
                f"sample_weight hold only one class: {labels[present].tolist()}."
            )
        classes = labels[present]
        positives = present[1:] if present.size == 2 else present
        targets = np.where(codes[:, None] == positives[None, :], 1.0, -1.0)
        source, w_src, b_src = self._read_source(X.shape[1], len(positives))
        if source is not None:
            self._check_source_classes(source, classes, len(positives))
        loss = get_loss(self.loss)
        if self._is_auto():
            has_source = source is not None
            alphas, betas = self._candidates(X, sample_weight, has_source)
            errors = self._cross_validated_errors(X, codes, targets, sample_weight, w_src, alphas, betas, loss)
            self._record_choice(alphas, betas, errors, sample_weight, has_source)
        else:
            self.alpha_, self.source_weight_ = float(self.alpha), float(self.source_weight)
        fitted = self._fit_path(X, targets, sample_weight, self.source_weight_ * w_src, [self.alpha_], loss)
        results = fitted[0]
        for result in results:
            self._warn_if_not_converged(result)
        self.classes_ = classes
        self.source_coef_, self.source_intercept_ = w_src, b_src
        self._store_result(
            np.stack([r.coef[0] for r in results]),
            np.concatenate([r.intercept for r in results]),
            max(r.n_iter for r in results),
            max(r.certificate for r in results),
            float(sum(r.objective for r in results)),
            dtype,
        )
        return self

    def _check_source_classes(self, source, classes, n_outputs):
        if source.classes is not None:
            source_classes = np.asarray(source.classes)
            if source_classes.shape != classes.shape or not np.all(source_classes == classes):
                raise ValueError(
                    f"The source's classes {source_classes.tolist()} do not match the target's classes "
                    f"{classes.tolist()}: transfer needs the same classes."
                )
        if source.coef.shape[0] != n_outputs:
            raise ValueError(
                f"The source has {source.coef.shape[0]} rows of coefficients but the target has "
                f"{len(classes)} classes (expected {n_outputs} rows)."
            )

    # The same warning as the multi-task estimators (it reads only tol and max_iter).
    _warn_if_not_converged = MultiTaskLinearModel._warn_if_not_converged

    def _fit_path(self, X, targets, sample_weight, centre, alphas, loss):
        """Fits for the decreasing ``alphas``, each started from the previous one, the first from the centre.

        The first start is the α = ∞ fit (w = ``centre`` = β w_src, the intercept fitted): the same in
        the cross-validation and in the final fit, which therefore scores and fits from one point (a
        start at w_src itself would keep, at β = 0 and a small α, the source in the directions the
        rows do not determine).  Returns a list (one per α) of lists (one per one-vs-rest problem) of
        SolverResult.
        """
        intercepts = _intercepts(self.fit_intercept)
        columns = []
        for k in range(targets.shape[1]):
            start_k = copy_the_source(loss, X, targets[:, k], centre[k], sample_weight, self.fit_intercept)
            path = Path(_single_task_design(X, targets[:, k], sample_weight), loss, intercepts, start=start_k)
            penalty = CentredRidgePenalty(centre[k][None])
            columns.append(
                [
                    start_k
                    if np.isinf(alpha)
                    else path.solve(penalty, alpha, tol=self.tol, max_iter=self.max_iter, verbose=self.verbose)
                    for alpha in alphas
                ]
            )
        return [list(results) for results in zip(*columns, strict=True)]

    def _cross_validated_errors(self, X, codes, targets, sample_weight, w_src, alphas, betas, loss):
        """Held-out loss of every row under every (α, β) candidate, shape (n_alphas, n_betas, n_samples)."""
        cv = self.cv
        if isinstance(cv, numbers.Integral):
            smallest = np.bincount(codes).min()
            if smallest < 2:
                raise ValueError(
                    "Choosing the strength by cross-validation needs at least 2 samples of every class; "
                    f"the smallest class has {smallest}."
                )
            cv = min(cv, smallest)
        folds = list(check_cv(cv, codes, classifier=True).split(X, codes))
        held_out = Parallel(n_jobs=self.n_jobs)(
            delayed(_held_out_losses)(self, X, targets, sample_weight, train, test, beta * w_src, alphas, loss)
            for train, test in folds
            for beta in betas
        )
        errors = np.zeros((len(alphas), len(betas), X.shape[0]))
        for ((_, test), j), (losses, _) in zip(itertools.product(folds, range(len(betas))), held_out, strict=False):
            errors[:, j, test] += losses
        if not all(converged for _, converged in held_out):
            warnings.warn(
                f"Some cross-validation fits of {type(self).__name__} did not converge in "
                f"max_iter={self.max_iter} iterations.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return errors

    def decision_function(self, X: MatrixLike) -> np.ndarray:
        """Signed scores x·w_k + b_k.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to predict.

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes, (n_samples, n_classes) otherwise
            The scores (positive: ``classes_[1]`` for two classes).
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        scores = (np.asarray(X @ self.coef_.T) + self.intercept_).astype(self.coef_.dtype, copy=False)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predicted class of each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predicted labels of ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.int64)]
        return self.classes_[np.argmax(scores, axis=1)]

    def _has_probabilities(self):
        return self.loss == "logistic"

    @available_if(_has_probabilities)
    def predict_proba(self, X: MatrixLike) -> np.ndarray:
        """Class probabilities (logistic loss; one-vs-rest normalised for more than two classes).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to predict.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class of ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = expit(scores)
            return np.column_stack([1.0 - positive, positive])
        probabilities = expit(scores)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    @available_if(_has_probabilities)
    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to predict.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Logarithm of the class probabilities.
        """
        return np.log(self.predict_proba(X))
