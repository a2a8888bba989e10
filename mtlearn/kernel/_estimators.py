"""Multi-task kernel machines: a feature kernel times the task kernel of a quadratic penalty.

Both estimators are the linear multi-task models of :mod:`mtlearn.estimators`
fitted on the empirical kernel feature map φ of :mod:`._feature_map` (exact
with all training rows as landmarks, Nyström with ``n_components`` of them),
so they share the linear models' solvers, certificates, per-task intercepts
and the four ways of giving the tasks.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import COMMON_PARAMETER_CONSTRAINTS
from .._tasks import check_sample_weight, encode_tasks, split_task_column
from ..estimators import MultiTaskLinearSVC, MultiTaskRegressor
from ..penalties import make_penalty
from ._feature_map import KernelFeatureMap, kernel_parameters
from ._task_kernel import task_kernel

_KERNEL_PARAMETER_CONSTRAINTS = {
    **{key: value for key, value in COMMON_PARAMETER_CONSTRAINTS.items() if key not in ("alpha", "warm_start")},
    "kernel": [StrOptions(set(PAIRWISE_KERNEL_FUNCTIONS)), callable],
    "gamma": [Interval(numbers.Real, 0, None, closed="left"), StrOptions({"scale", "auto"}), None],
    "degree": [Interval(numbers.Real, 0, None, closed="left")],
    "coef0": [Interval(numbers.Real, None, None, closed="neither")],
    "kernel_params": [dict, None],
    "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "random_state": ["random_state"],
}

_KERNEL_PARAMETERS_DOC = """
    kernel : str or callable, default="rbf"
        The feature kernel k, any kernel of
        :func:`sklearn.metrics.pairwise.pairwise_kernels` (``"rbf"``,
        ``"poly"``, ``"linear"``, ``"laplacian"``, ``"sigmoid"``, …) or a
        callable of two rows returning a float.
    gamma : float, {"scale", "auto"} or None
        Kernel coefficient of ``"rbf"``, ``"poly"``, ``"laplacian"`` and
        ``"sigmoid"``: ``"scale"`` is 1 / (n_features · X.var()), ``"auto"``
        1 / n_features, None the kernel's default (1 / n_features).
    degree : float, default=3
        Degree of the ``"poly"`` kernel.
    coef0 : float
        Constant of the ``"poly"`` and ``"sigmoid"`` kernels.
    kernel_params : dict or None, default=None
        Further keyword arguments of the kernel (the only ones a callable receives).
    n_components : int or None, default=None
        None: the exact model (all training rows with positive weight are the
        landmarks of φ; n × n kernel matrix).  An int m: the Nyström
        approximation with m landmarks drawn at random from those rows
        (n × m kernel matrix), for n beyond a few thousand rows.
    random_state : int, RandomState instance or None, default=None
        Draws the Nyström landmarks (unused when ``n_components=None``).
    penalty : {"mean", "ridge"} or quadratic penalty object, default="mean"
        The task coupling ``Ω = ½ Σ_{s,t} M_st ⟨f_s, f_t⟩``: ``"mean"``
        (Evgeniou–Pontil, with ``mix``), ``"ridge"`` (independent tasks), or
        ``GraphPenalty(adjacency=..., ridge > 0)`` for a known task graph (the
        name ``"graph"`` alone is refused: it has no graph).
    mix : float in [0, 1], default=0.5
        For ``penalty="mean"``: 0 independent tasks, 1 one pooled model.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept b_t per task.
    task_column : int, str or None, default=None
        Position (or DataFrame column name) of the column of X holding the
        task labels; that column is not a feature.
    task_weights : dict, array-like of shape (n_tasks,) or None, default=None
        ρ_t of the objective.
    handle_unknown : {"error", "shared"}, default="error"
        Predicting for a task not seen in fit raises, or uses the shared model.
    tol : float, default=1e-4
        Stopping tolerance of the solver's relative certificate.
    max_iter : int, default=1000
        Maximum number of solver iterations.
    verbose : int, default=0
"""

_KERNEL_ATTRIBUTES_DOC = """
    tasks_ : ndarray of shape (n_tasks,)
        The sorted task labels.
    task_kernel_ : ndarray of shape (n_tasks, n_tasks)
        K_task = M⁻¹ of the penalty.
    feature_map_ : KernelFeatureMap
        The fitted empirical kernel map φ (its ``landmarks_``, ``projection_``).
    linear_model_ : estimator
        The fitted linear multi-task model on φ(X); its ``coef_`` are the
        task weights in the coordinates of φ.
    n_features_in_ : int
        Number of columns of X seen in fit (the task column included).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of X, when X is a DataFrame with string column names.
    n_iter_, certificate_, objective_ : int, float, float
        Those of ``linear_model_``.
"""


def _document(template):
    def decorate(cls):
        cls.__doc__ = template.replace("{parameters}", _KERNEL_PARAMETERS_DOC).replace(
            "{attributes}", _KERNEL_ATTRIBUTES_DOC
        )
        return cls

    return decorate


def _n_tasks(labels, y):
    """The number of tasks of a training set: its distinct labels, the columns of a 2-D y, or one."""
    if labels is not None:
        return len(encode_tasks(labels)[0])
    shape = np.shape(np.asarray(y)) if y is not None else ()
    return shape[1] if len(shape) == 2 else 1


class MultiTaskKernelMachine(BaseEstimator):
    """Base class: the linear multi-task model ``_linear_model()`` fitted on the kernel feature map."""

    _parameter_constraints = dict(_KERNEL_PARAMETER_CONSTRAINTS)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _linear_model(self):
        """The unfitted linear multi-task estimator with this machine's parameters."""
        raise NotImplementedError

    def _landmarks(self, X, sample_weight):
        """The training rows with positive weight, or ``n_components`` of them drawn at random."""
        positive = np.flatnonzero(sample_weight > 0)
        if self.n_components is not None and self.n_components < positive.size:
            rng = check_random_state(self.random_state)
            positive = np.sort(rng.choice(positive, size=self.n_components, replace=False))
        return X[positive]

    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        task_input = split_task_column(self, X, tasks, reset=True)
        X, labels = task_input.X, task_input.labels
        task_kernel_ = task_kernel(make_penalty(self.penalty, mix=self.mix), _n_tasks(labels, y))
        weights = check_sample_weight(sample_weight, X.shape[0])
        if not np.any(weights > 0):
            raise ValueError("sample weights sum to zero: at least one row needs a positive weight.")
        params = kernel_parameters(self.kernel, self.gamma, self.degree, self.coef0, self.kernel_params, X, weights)
        feature_map = KernelFeatureMap(self.kernel, params).fit(self._landmarks(X, weights))
        linear = self._linear_model().fit(feature_map.transform(X), y, tasks=labels, sample_weight=sample_weight)
        self.task_kernel_, self.feature_map_, self.linear_model_ = task_kernel_, feature_map, linear
        self.tasks_ = linear.tasks_
        self.n_iter_, self.certificate_, self.objective_ = linear.n_iter_, linear.certificate_, linear.objective_
        return self

    def _features(self, X, tasks):
        """φ of the validated features of X, and the task labels of its rows."""
        check_is_fitted(self)
        task_input = split_task_column(self, X, tasks, reset=False)
        return self.feature_map_.transform(task_input.X), task_input.labels


@_document(
    r"""Multi-task kernel ridge regression.

    One function f_t of the feature kernel's space H (and an intercept b_t)
    per task, coupled by a quadratic task penalty with task matrix M:

    .. math::

        \min_{f, b} \; \sum_t \rho_t \frac{1}{n_t} \sum_{i \in t} s_i \tfrac12 (y_i - f_t(x_i) - b_t)^2
        + \frac{\alpha}{2} \sum_{s, t} M_{st} \langle f_s, f_t \rangle_H ,

    which is kernel ridge regression with the multi-task kernel
    ``K((x, s), (z, t)) = K_task[s, t] · k(x, z)``, ``K_task = M⁻¹``
    (Evgeniou, Micchelli & Pontil, JMLR 2005).  By the representer theorem the
    solution lies in the span of the k(x_i, ·), where the empirical kernel map
    φ is an isometry: the model is :class:`~mtlearn.MultiTaskRegressor` on
    φ(X), solved in closed form for ``"mean"`` and ``"ridge"`` (one
    eigendecomposition per task and one solve of the size of φ) and by the
    certified proximal-gradient solver for a task graph.  With
    ``kernel="linear"`` it is :class:`~mtlearn.MultiTaskRegressor` on X.

    Tasks reach the estimator as in :class:`~mtlearn.MultiTaskRegressor`:
    ``tasks=``, ``task_column=``, a 2-D ``y`` or a single task.

    Parameters
    ----------
    alpha : float > 0, default=1.0
        Strength α of the penalty (as ``alpha`` of
        :class:`sklearn.kernel_ridge.KernelRidge`, with the loss averaged per task).
{parameters}    normalize_y : bool, default=False
        Fit on each task's standardised targets and map the model back to the
        units of y, as :class:`~mtlearn.MultiTaskRegressor` (``normalize_y``):
        the task coupling then does not depend on the unit of any task's target.

    Attributes
    ----------
{attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from mtlearn import MultiTaskKernelRidge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, size=(60, 2)); tasks = np.repeat([0, 1, 2], 20)
    >>> y = np.sin(X[:, 0] + 0.3 * tasks) + rng.normal(scale=0.1, size=60)
    >>> model = MultiTaskKernelRidge(kernel="rbf", gamma=0.5, alpha=0.01, mix=0.8).fit(X, y, tasks=tasks)
    >>> model.predict(X[:2], tasks=[0, 2]).shape
    (2,)
    >>> model.task_kernel_.round(3)
    array([[0.467, 0.267, 0.267],
           [0.267, 0.467, 0.267],
           [0.267, 0.267, 0.467]])
    """
)
class MultiTaskKernelRidge(RegressorMixin, MultiTaskKernelMachine):
    _parameter_constraints = {
        **MultiTaskKernelMachine._parameter_constraints,
        "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
        "normalize_y": ["boolean"],
    }

    def __init__(
        self,
        *,
        alpha=1.0,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        n_components=None,
        random_state=None,
        penalty="mean",
        mix=0.5,
        fit_intercept=True,
        task_column=None,
        task_weights=None,
        handle_unknown="error",
        tol=1e-4,
        max_iter=1000,
        verbose=0,
        normalize_y=False,
    ):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.n_components = n_components
        self.random_state = random_state
        self.penalty = penalty
        self.mix = mix
        self.fit_intercept = fit_intercept
        self.task_column = task_column
        self.task_weights = task_weights
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter
        self.verbose = verbose
        self.normalize_y = normalize_y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _linear_model(self):
        return MultiTaskRegressor(
            penalty=self.penalty,
            alpha=self.alpha,
            mix=self.mix,
            fit_intercept=self.fit_intercept,
            task_weights=self.task_weights,
            handle_unknown=self.handle_unknown,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
            normalize_y=self.normalize_y,
        )

    def predict(self, X, tasks=None):
        """Predict with each row's task function: f_t(x) + b_t.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to predict (with the task column, if ``task_column`` is set),
            mapped through the fitted kernel map ``feature_map_``.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), or (n_samples, n_tasks) for a
            model fitted on a 2-D ``y`` when no task labels are given.
        """
        features, labels = self._features(X, tasks)
        return self.linear_model_.predict(features, tasks=labels)

    def score(self, X, y, tasks=None, sample_weight=None):
        """R² of the predictions (see :func:`sklearn.metrics.r2_score`).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to score (with the task column, if ``task_column`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True targets.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the score.

        Returns
        -------
        score : float
            R² of ``predict(X, tasks=tasks)`` against ``y``.
        """
        return r2_score(y, self.predict(X, tasks=tasks), sample_weight=sample_weight)


@_document(
    r"""Multi-task kernel support vector classifier, with ``C`` as in :class:`sklearn.svm.SVC`.

    One function f_t of the feature kernel's space H (and an intercept b_t)
    per task, coupled by a quadratic task penalty with task matrix M; for
    labels y_i in {−1, +1}:

    .. math::

        \min_{f, b} \; \tfrac12 \sum_{s, t} M_{st} \langle f_s, f_t \rangle_H
        + C \sum_t \rho_t \sum_{i \in t} s_i \max\big(0, 1 - y_i (f_t(x_i) + b_t)\big),

    the SVM with the multi-task kernel ``K((x, s), (z, t)) = K_task[s, t] ·
    k(x, z)``, ``K_task = M⁻¹`` (Evgeniou, Micchelli & Pontil, JMLR 2005);
    with one task and ``penalty="ridge"`` it is ``SVC(C=C)`` except that the
    intercept is chosen by the primal, not the dual.  It is
    :class:`~mtlearn.MultiTaskLinearSVC` on the empirical kernel map φ(X)
    (exact by the representer theorem), solved in the dual with a certified
    duality gap; more than two classes are learnt one-vs-rest.  With
    ``kernel="linear"`` it is :class:`~mtlearn.MultiTaskLinearSVC` on X.

    Tasks reach the estimator as in :class:`~mtlearn.MultiTaskLinearSVC`:
    ``tasks=``, ``task_column=``, a 2-D ``y`` or a single task.

    Parameters
    ----------
    C : float > 0, default=1.0
        Weight of the hinge losses (the inverse of the regularisation strength).
{parameters}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
{attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from mtlearn import MultiTaskSVC
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 2)); tasks = np.repeat(["a", "b"], 40)
    >>> y = (np.hypot(X[:, 0], X[:, 1]) < 1.0 + 0.2 * (tasks == "b")).astype(int)
    >>> model = MultiTaskSVC(C=10.0, mix=0.5).fit(X, y, tasks=tasks)
    >>> float(model.score(X, y, tasks=tasks)) > 0.9
    True
    """
)
class MultiTaskSVC(ClassifierMixin, MultiTaskKernelMachine):
    _parameter_constraints = {
        **MultiTaskKernelMachine._parameter_constraints,
        "C": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        C=1.0,
        kernel="rbf",
        gamma="scale",
        degree=3,
        coef0=0.0,
        kernel_params=None,
        n_components=None,
        random_state=None,
        penalty="mean",
        mix=0.5,
        fit_intercept=True,
        task_column=None,
        task_weights=None,
        handle_unknown="error",
        tol=1e-4,
        max_iter=1000,
        verbose=0,
    ):
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.n_components = n_components
        self.random_state = random_state
        self.penalty = penalty
        self.mix = mix
        self.fit_intercept = fit_intercept
        self.task_column = task_column
        self.task_weights = task_weights
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter
        self.verbose = verbose

    def _linear_model(self):
        return MultiTaskLinearSVC(
            C=self.C,
            penalty=self.penalty,
            mix=self.mix,
            fit_intercept=self.fit_intercept,
            task_weights=self.task_weights,
            handle_unknown=self.handle_unknown,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
        )

    def fit(self, X, y, tasks=None, sample_weight=None):
        super().fit(X, y, tasks=tasks, sample_weight=sample_weight)
        self.classes_ = self.linear_model_.classes_
        return self

    fit.__doc__ = MultiTaskKernelMachine.fit.__doc__

    def decision_function(self, X, tasks=None):
        """Signed scores f_t(x) + b_t (one column per class for more than two classes).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to predict (with the task column, if ``task_column`` is set),
            mapped through the fitted kernel map ``feature_map_``.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes, (n_samples, n_classes)
            otherwise; with a 2-D-``y`` model and no labels a task axis follows the rows.
        """
        features, labels = self._features(X, tasks)
        return self.linear_model_.decision_function(features, tasks=labels)

    def predict(self, X, tasks=None):
        """Predicted class of each row, from its task's function.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to predict (with the task column, if ``task_column`` is set),
            mapped through the fitted kernel map ``feature_map_``.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), or (n_samples, n_tasks) for a
            2-D-``y`` model when no task labels are given
            The predicted classes (labels of ``classes_``).
        """
        features, labels = self._features(X, tasks)
        return self.linear_model_.predict(features, tasks=labels)

    def score(self, X, y, tasks=None, sample_weight=None):
        """Accuracy of the predictions.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to score (with the task column, if ``task_column`` is set).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True class labels.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the score.

        Returns
        -------
        score : float
            Fraction of rows whose ``predict(X, tasks=tasks)`` equals ``y``.
        """
        return accuracy_score(y, self.predict(X, tasks=tasks), sample_weight=sample_weight)
