"""Multi-task linear estimators: regression, classification and the linear SVM."""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array

from ._base import FitData, MultiTaskLinearModel
from ._design import with_targets
from ._labels import checked_class_labels
from ._statistics import LeastSquaresForm
from ._streaming import chunk_statistics, previous_coef_on
from ._subspace import SharedSubspaceMixin
from ._target_scaling import TargetScaling
from ._tasks import check_task_totals, is_dask_collection
from ._typing import ArrayLike, MatrixLike, Self
from .losses import Loss, get_loss
from .solvers import Intercepts, Problem, SolverResult, solve

_TASK_INPUT_DOC = """
    Tasks reach the estimator in one of four ways (fit and predict alike):
    ``tasks=`` labels, one per row; ``task_column=`` naming the column of X
    that holds them (removed from the features); a 2-D ``y`` of shape
    (n_samples, n_tasks) with no labels (every column a task on the same rows);
    or none of these (a single task).
"""

_PENALTY_PARAMETER_DOC = """
    penalty : {"mean", "ridge", "l21", "lasso", "trace", "dirty", "cluster", "relationship"} or Penalty, default="mean"
        The task-coupling penalty Ω(W). ``"mean"``: Evgeniou–Pontil
        mean-regularised multi-task learning, see
        :class:`mtlearn.penalties.MeanPenalty`; ``"ridge"``: ½‖W‖_F²,
        independent tasks; ``"l21"``: joint feature selection
        (:class:`~mtlearn.L21Penalty`); ``"lasso"``: ‖W‖₁
        (:class:`~mtlearn.LassoPenalty`); ``"trace"``: nuclear norm, low rank
        (:class:`~mtlearn.TracePenalty`); ``"dirty"``: shared plus
        task-specific features (:class:`~mtlearn.DirtyPenalty`); ``"cluster"``: convex
        clustered multi-task learning (:class:`~mtlearn.ClusterPenalty`); ``"relationship"``:
        a learned task covariance, (1 − mix)/2 ‖W‖_F² + mix/2 ‖W‖_*²
        (:class:`~mtlearn.RelationshipPenalty`); a known task
        graph: ``GraphPenalty(adjacency=...)`` (:class:`~mtlearn.GraphPenalty`; the name
        ``"graph"`` alone is refused: it has no graph). Any
        :class:`mtlearn.penalties.Penalty` instance is used as it is.
"""

_COMMON_PARAMETERS_DOC = """
    mix : float in [0, 1], default=0.5
        For ``penalty="mean"``: 0 gives independent ridge fits, 1 one pooled
        model, values in between tie the tasks to their mean.  For
        ``penalty="relationship"``: the weight of the learned task-covariance
        term (0 is independent ridge).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept b_t per task.
    intercept_sharing : {"per_task", "shared"}, default="per_task"
        With ``fit_intercept``: ``"per_task"`` fits one intercept b_t per
        task; ``"shared"`` one intercept b for every task (b_t = b, a single
        unpenalised variable; ``intercept_`` still has one entry per task,
        all equal).  With ``penalty="mean"`` and ``mix=1`` the shared
        intercept makes the model one pooled fit of all the rows: one w and
        one b.  Unseen tasks (``handle_unknown="shared"``) get that intercept.
    task_column : int, str or None, default=None
        Position (or DataFrame column name) of the column of X holding the
        task labels; that column is not a feature.
    task_weights : dict, pandas Series, array-like of shape (n_tasks,) or None, default=None
        ρ_t of the objective, by task label (a dict, or a Series by its index;
        labels that are not tasks are ignored) or in the order of the sorted
        labels; None gives 1 to every task.
    handle_unknown : {"error", "shared"}, default="error"
        What predicting for a task not seen in fit does: raise a ValueError
        naming it, or use the shared model (``shared_coef_``, ``shared_intercept_``).
    tol : float, default=1e-4
        Stopping tolerance on the certificate (``certificate_``): the fit
        stops once the relative duality gap, an upper bound on
        (F − F*) / F₀ with F₀ the objective at W = 0 and the intercepts
        fitted, is at most ``tol`` (scikit-learn's scaling of ``tol`` for
        ``Lasso`` and ``MultiTaskLasso``).
    max_iter : int, default=1000
        Maximum number of solver iterations; reaching it warns with
        ``ConvergenceWarning``.  An iteration is one step of the solver the
        fit uses: a proximal (or projected) gradient step, an interior-point
        step for the hinge loss's dual, or a Newton step where proximal
        Newton solves the problem (the smooth classification losses on
        per-task rows at least n_tasks × n_features in number, and with ℓ2,1,
        lasso or dirty on sparse rows, as the squared loss there), each
        Newton step's model solved with at most ``max_iter`` iterations of
        its own.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the objective and the certificate during iterative fits.
"""

_SCALE_FEATURES_DOC = """
    scale_features : bool, default=False
        Fit on each task's features divided by their spread within the task,
        x_ij / s_tj (the weighted standard deviation of feature j over task
        t's rows; their root mean square with ``fit_intercept=False``; 1 for
        a constant feature), and map the model back to the units of X:
        ``coef_[t, j] = w'_tj / s_tj``.  The features are not centred (the
        intercepts are per task), so a sparse X stays sparse.  The coupling
        penalty then compares the tasks' weights per unit of each feature's
        spread in its own task, and the fit does not depend on any task's
        feature units: multiplying task t's features by c > 0 divides
        ``coef_[t]`` by c.  ``objective_``, ``certificate_`` and the
        penalty's attributes refer to the scaled problem; unseen tasks
        (``handle_unknown="shared"``) are predicted with the pooled scales
        (mean_t s_tj²)^½.  Needs the rows: not with ``partial_fit`` or Dask
        input.
"""

_COMMON_ATTRIBUTES_DOC = """
    tasks_ : ndarray of shape (n_tasks,)
        The sorted task labels (``arange(n_tasks)`` for a 2-D ``y``).
    feature_scale_ : ndarray of shape (n_tasks, n_features)
        s_tj dividing feature j on task t's rows (ones unless ``scale_features``).
    shared_coef_ : ndarray
        The component shared by the tasks (for ``"mean"``: w_0 = mix · w̄).
    shared_intercept_ : float or ndarray
        Mean of the tasks' intercepts; used with ``shared_coef_`` for unseen tasks.
    n_features_in_ : int
        Number of columns of X seen in fit (the task column included).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of X, when X is a DataFrame with string column names.
    n_iter_ : int
        Iterations of the solver, as ``max_iter`` counts them (1 for the exact
        squared-loss solve: one direct solve; 0 when the intercept-only model
        is exact).
    certificate_ : float
        Upper bound on ``(F(coef_) − F*) / F₀``: the relative duality gap at the
        solution (see ``tol``); the largest over the one-vs-rest problems.
    objective_ : float
        The objective at the solution.
    penalty_info_ : dict (or list of dicts, one per class, for more than two classes)
        What the penalty reports about the solution (its ``describe``), e.g.
        ``"support"`` (selected features) for ``"l21"``, ``"lasso"`` and
        ``"dirty"``, ``"rank"`` for ``"trace"``; empty for ``"mean"`` and ``"ridge"``.
    task_covariance_ : ndarray of shape (n_tasks, n_tasks)
        ``"relationship"`` only: the learned task covariance
        Ω = (W Wᵀ)^{1/2} / tr(·) at ``coef_`` (intercepts excluded), trace 1;
        (n_classes, n_tasks, n_tasks) for more than two classes, one per
        one-vs-rest problem.
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        ``"relationship"`` only: the correlations Ω_st / √(Ω_ss Ω_tt) of
        ``task_covariance_``, in [−1, 1] (negative for tasks whose weights
        point opposite ways); shaped as ``task_covariance_``.
    components_ : ndarray of shape (k, n_features)
        Low-rank penalties (``"trace"``) only, with ``transform`` and
        ``get_feature_names_out``: orthonormal rows spanning the row space of
        ``coef_``, k its numerical rank (see :class:`mtlearn._subspace.SharedSubspaceMixin`).
"""


INTERCEPT_SHARING_CONSTRAINT = {"intercept_sharing": [StrOptions({"per_task", "shared"})]}


def model_intercepts(estimator, n_tasks):
    """The intercepts ``fit_intercept`` and ``intercept_sharing`` ask for: none, one per task, or one shared."""
    if not estimator.fit_intercept:
        return Intercepts.none(n_tasks)
    if estimator.intercept_sharing == "shared":
        return Intercepts.one_shared(n_tasks)
    return Intercepts.all_free(n_tasks)


def _docstring(template):
    def decorate(cls):
        cls.__doc__ = (
            template.replace("{tasks}", _TASK_INPUT_DOC)
            .replace("{penalty}", _PENALTY_PARAMETER_DOC.strip("\n") + "\n")
            .replace("{parameters}", _COMMON_PARAMETERS_DOC)
            .replace("{attributes}", _COMMON_ATTRIBUTES_DOC)
            .replace("{scale_features}", _SCALE_FEATURES_DOC.lstrip("\n"))
        )
        return cls

    return decorate


@_docstring(
    r"""Multi-task linear regression with a task-coupling penalty.

    Minimises, over the weights W (one row w_t per task) and intercepts b,

    .. math::

        \sum_t \rho_t \frac{1}{n_t} \sum_{i \in t} s_i \tfrac12 (y_i - x_i^\top w_t - b_t)^2
        + \alpha \, \Omega(W),

    with sample weights s_i, n_t = Σ_{i in t} s_i and task weights ρ_t.  With
    ``penalty="mean"``,

    .. math::

        \Omega(W) = \tfrac12 \Big[ \frac{1}{1-\text{mix}} \sum_t \|w_t - \bar w\|^2 + T \|\bar w\|^2 \Big],

    which equals ½‖W‖² for ``mix=0`` (independent ridge) and forces one shared
    model as ``mix → 1`` (pooled ridge).  The squared loss with this penalty is
    solved exactly (one eigendecomposition per task and one p × p solve).

    With ``loss="huber"`` the squared loss ½ r² of a residual r = y − f is
    replaced by Huber's ``H_ε(r) = ½ r²`` for ``|r| ≤ ε`` and
    ``ε |r| − ½ ε²`` beyond: robust to gross outliers.  The threshold ε
    (``epsilon``) is in the units of y — the scale is fixed, not estimated
    as in ``HuberRegressor``; standardise y (``normalize_y=True``), or choose
    ε from its spread.

    With ``normalize_y=True`` the problem solved is the same objective on each
    task's standardised targets,

    .. math::

        \sum_t \rho_t \frac{1}{n_t} \sum_{i \in t} s_i \tfrac12
        \Big(\frac{y_i - m_t}{\sigma_t} - x_i^\top w'_t - b'_t\Big)^2 + \alpha \, \Omega(W'),

    with m_t and σ_t the weighted mean and standard deviation of task t's
    targets (with ``fit_intercept=False``: m_t = 0 and σ_t² the weighted mean
    of y_i²; σ_t = 1 for constant targets), and its solution is returned in
    the units of y: ``coef_[t] = σ_t w'_t``, ``intercept_[t] = σ_t b'_t + m_t``.
    Each task's loss is its original one divided by σ_t², so the coupling
    penalty compares weights measured in each task's own spread and the fit
    does not depend on the unit of any task's target: multiplying task t's
    targets by c > 0 (and shifting them) multiplies ``coef_[t]`` by c and
    leaves the other tasks unchanged.  ``objective_`` and ``certificate_``
    refer to this standardised problem (Huber's ε is then in units of σ_t).
{tasks}
    Parameters
    ----------
    loss : {"squared_error", "huber"} or Loss, default="squared_error"
        The loss ℓ (a regression :class:`mtlearn.losses.Loss` instance is
        used as it is).
    epsilon : float > 0, default=1.35
        The Huber threshold ε (``loss="huber"`` only), named as in
        scikit-learn's ``HuberRegressor`` and ``SGDRegressor``.
{penalty}    alpha : float > 0, default=1.0
        Strength α of the penalty.
{parameters}    normalize_y : bool, default=False
        Fit on each task's standardised targets (y − m_t) / σ_t, weighted by
        ``sample_weight``, and map the model back to the units of y (see
        above), as ``GaussianProcessRegressor(normalize_y=True)`` does for one
        target.  Tasks not seen in fit (``handle_unknown="shared"``) are
        predicted in the pooled units: σ̄ = (mean_t σ_t²)^½ and m̄ = mean_t m_t.
{scale_features}
    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    target_mean_ : ndarray of shape (n_tasks,)
        m_t subtracted from each task's targets (zeros unless ``normalize_y``).
    target_scale_ : ndarray of shape (n_tasks,)
        σ_t dividing them (ones unless ``normalize_y``).
{attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from mtlearn import MultiTaskRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3)); tasks = np.repeat(["a", "b", "c"], 20)
    >>> y = X @ [1.0, 2.0, 0.0] + rng.normal(scale=0.1, size=60)
    >>> model = MultiTaskRegressor(alpha=0.01, mix=0.9).fit(X, y, tasks=tasks)
    >>> model.coef_.shape
    (3, 3)
    >>> model.predict(X[:2], tasks=["a", "c"]).shape
    (2,)
    """
)
class MultiTaskRegressor(SharedSubspaceMixin, RegressorMixin, MultiTaskLinearModel):
    _parameter_constraints = {
        **MultiTaskLinearModel._parameter_constraints,
        **INTERCEPT_SHARING_CONSTRAINT,
        "loss": [StrOptions({"squared_error", "huber"}), Loss],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "normalize_y": ["boolean"],
        "scale_features": ["boolean"],
    }

    def __init__(
        self,
        *,
        loss="squared_error",
        epsilon=1.35,
        penalty="mean",
        alpha=1.0,
        mix=0.5,
        fit_intercept=True,
        intercept_sharing="per_task",
        task_column=None,
        task_weights=None,
        handle_unknown="error",
        tol=1e-4,
        max_iter=1000,
        warm_start=False,
        verbose=0,
        normalize_y=False,
        scale_features=False,
    ):
        self.loss = loss
        self.epsilon = epsilon
        self.penalty = penalty
        self.alpha = alpha
        self.mix = mix
        self.fit_intercept = fit_intercept
        self.intercept_sharing = intercept_sharing
        self.task_column = task_column
        self.task_weights = task_weights
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.normalize_y = normalize_y
        self.scale_features = scale_features

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _alpha(self):
        return self.alpha

    def _normalizes_targets(self):
        """Whether the fit standardises each task's targets (``normalize_y``)."""
        return self.normalize_y

    def _scales_features(self):
        return self.scale_features

    def _shares_intercept(self):
        """Whether the tasks share one intercept (``intercept_sharing="shared"`` with ``fit_intercept``)."""
        return model_intercepts(self, 1).shared

    def _loss(self):
        loss = get_loss(self.loss, epsilon=self.epsilon)
        if loss.for_classification:
            raise ValueError(
                f"loss={self.loss!r} is a classification loss; MultiTaskRegressor needs a regression loss."
            )
        return loss

    def _training_problems(self, X, y, tasks, sample_weight):
        """The validated training set, no classes, and the one problem ``fit`` solves."""
        data = self._validated_fit_data(X, y, tasks, sample_weight, y_dtype=np.float64)
        n_tasks = data.design.n_tasks
        intercepts = model_intercepts(self, n_tasks)
        if not self._normalizes_targets():
            scaling = TargetScaling.identity(n_tasks)
        elif intercepts.shared:
            scaling = TargetScaling.pooled_of_design(data.design)
        else:
            scaling = TargetScaling.of_design(data.design, centre=self.fit_intercept)
        features, design = self._feature_scaled(data.design)
        design = scaling.standardised_design(design)
        data = FitData(design, data.tasks, data.shared_design, data.dtype, scaling, features)
        return data, None, [Problem(design, self._loss(), self._penalty(), self._alpha(), intercepts)]

    def _warm_starts(self, n_problems, data):
        """The previous solution in the standardised units it was solved in (see ``normalize_y``)."""
        starts = super()._warm_starts(n_problems, data)
        if starts[0] is None:  # no previous solution: all None
            return starts
        scaling = TargetScaling(self.target_mean_, self.target_scale_)
        for start in starts:
            start.coef, start.intercept = scaling.standardised_coef(start.coef, start.intercept)
        return starts

    def _model_coefficients(self, results, data):
        """``(coef_, intercept_)``: the model of the standardised targets mapped back to the units of y."""
        coef, intercept = super()._model_coefficients(results, data)
        return data.target_scaling.original_units(coef, intercept)

    def _store(self, results, penalty, data):
        """The fitted attributes, with the model of the standardised targets mapped back to the units of y."""
        super()._store(results, penalty, data)
        scaling = data.target_scaling
        self.shared_coef_, self.shared_intercept_ = scaling.shared_original_units(
            self.shared_coef_, self.shared_intercept_
        )
        self.target_mean_, self.target_scale_ = scaling.mean, scaling.scale

    def fit(
        self, X: MatrixLike, y: ArrayLike, tasks: ArrayLike | None = None, sample_weight: ArrayLike | None = None
    ) -> Self:
        self.__dict__.pop("_statistics", None)
        if is_dask_collection(X):
            self._validate_params()
            from ._dask import dask_statistics  # Dask is an optional dependency, imported for Dask input only

            return self._fit_statistics(dask_statistics(self, X, y, tasks, sample_weight), start=None)
        return super().fit(X, y, tasks=tasks, sample_weight=sample_weight)

    fit.__doc__ = MultiTaskLinearModel.fit.__doc__

    def _has_own_alpha(self):
        """Whether α is a parameter (``partial_fit`` re-solves at it; the CV subclass chooses α instead)."""
        return "alpha" in self._parameter_constraints

    @available_if(_has_own_alpha)
    def partial_fit(self, X, y, tasks=None, sample_weight=None):
        """Add a chunk of rows to the per-task statistics and re-solve, warm-started.

        The squared loss depends on the data only through each task's
        weighted sufficient statistics (see :mod:`mtlearn._statistics`): count,
        weight sum, means of x and y, centred Gram matrix C_t = Σ s_i x̃_i x̃_iᵀ,
        c_t = Σ s_i x̃_i ỹ_i and Σ s_i ỹ_i².  Each call merges the chunk's into
        them and minimises the objective of the class docstring on all rows
        seen so far, so after the last chunk ``coef_`` and ``intercept_`` are
        those of ``fit`` on the concatenated chunks (at the solver's ``tol``).
        A task may first appear in any chunk.  ``fit`` forgets the statistics.

        Memory: T (p² + 2p + 4) floats for T tasks and p features, whatever
        the number of rows; each call costs O(rows · p²) plus a solve of
        O(T p³).  When p is in the thousands, T p² no longer fits: use ``fit``
        on the rows (or on a Dask collection, whose workers hold them).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The same columns in every call.
        y : array-like of shape (n_samples,)
        tasks : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights s_i of the rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        first = not hasattr(self, "_statistics")
        if first:
            self._validate_params()
        statistics = chunk_statistics(self, X, y, tasks, sample_weight, reset=first)
        if not first:
            statistics = self._statistics.merge(statistics)
        self._fit_statistics(statistics, start=None if first else previous_coef_on(self, statistics.tasks))
        self._statistics = statistics
        return self

    def _fit_statistics(self, statistics, start):
        """Fit on the compact least-squares form of per-task statistics (from ``start``, (W, b) or None)."""
        loss = self._loss()
        if not loss.least_squares:
            raise ValueError(
                f"partial_fit and Dask input summarise the rows by their sufficient statistics, which only the "
                f"squared loss needs; loss={self.loss!r} needs the rows: use fit on them."
            )
        if self._scales_features():
            raise ValueError(
                "scale_features=True divides each task's features by their spread, which the sufficient "
                "statistics of partial_fit and Dask input cannot give row by row: use fit on the rows."
            )
        check_task_totals(statistics.tasks, statistics.weight_sum)
        if self._shares_intercept():
            raise ValueError(
                "partial_fit and Dask input fit on per-task statistics, centred task by task: "
                "intercept_sharing='shared' needs fit on the rows (or intercept_sharing='per_task')."
            )
        if self._normalizes_targets():
            scaling = TargetScaling.of_statistics(statistics, centre=self.fit_intercept)
        else:
            scaling = TargetScaling.identity(statistics.n_tasks)
        form = LeastSquaresForm(
            scaling.standardised_statistics(statistics), self._task_weight_vector(statistics.tasks), self.fit_intercept
        )
        problem = Problem(
            form.design,
            loss,
            self._penalty(),
            self._alpha(),
            Intercepts.none(statistics.n_tasks),
            zero_objective=form.zero_objective,
            gradient_scale=form.gradient_scale,
        )
        # The start (W, b) is in the units of y; the compact problem has no intercepts.
        previous = (
            None
            if start is None
            else SolverResult(start[0] / scaling.scale[:, None], start[1], 0, np.nan, False, np.nan)
        )
        result = solve(problem, start=previous, tol=self.tol, max_iter=self.max_iter, verbose=self.verbose)
        result.intercept = form.intercepts(result.coef)
        result.objective += form.objective_offset
        self._warn_if_not_converged(result)
        self._store([result], problem.penalty, FitData(form.design, statistics.tasks, False, target_scaling=scaling))
        return self

    def predict(self, X: MatrixLike, tasks: ArrayLike | None = None) -> np.ndarray:
        """Predict with each row's task model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to predict (with the task column, if ``task_column`` is set).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), or (n_samples, n_tasks) for a
            model fitted on a 2-D ``y`` when no task labels are given.
        """
        X, index = self._row_tasks(X, tasks)
        if index is None:
            return self._shared_design_outputs(X)
        return self._linear_outputs(X, index)

    def score(
        self, X: MatrixLike, y: ArrayLike, tasks: ArrayLike | None = None, sample_weight: ArrayLike | None = None
    ) -> float:
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


@_docstring(
    r"""Multi-task linear classification with a task-coupling penalty.

    For binary labels (y_i mapped to ±1, ``classes_[1]`` positive) it minimises

    .. math::

        \sum_t \rho_t \frac{1}{n_t} \sum_{i \in t} s_i \, \ell(y_i, x_i^\top w_t + b_t)
        + \alpha \, \Omega(W),

    with ℓ the logistic loss log(1 + e^{−y f}), the hinge max(0, 1 − y f) or the
    squared hinge max(0, 1 − y f)², and Ω as in :class:`MultiTaskRegressor`.
    More than two classes are learnt one-vs-rest: one such problem per class.
    Smooth losses are solved by accelerated proximal gradient; the hinge loss
    in the dual.

    A task whose training rows hold a single class (in a binary problem) cannot
    identify its own intercept: its intercept is fixed to the best constant of
    the pooled data (logistic: the log-odds of all tasks' weighted rows;
    squared hinge: (P − N)/(P + N); hinge: ±1 towards the larger class), its
    rows still shape its weights, and the penalty ties them to the shared
    part, so it predicts through the shared model.
{tasks}
    Parameters
    ----------
    loss : {"logistic", "hinge", "squared_hinge"} or Loss, default="logistic"
        The loss ℓ (a classification :class:`mtlearn.losses.Loss` instance
        is used as it is).
{penalty}    alpha : float > 0, default=1.0
        Strength α of the penalty.
{parameters}    class_weight : dict, "balanced" or None, default=None
        Multipliers of the sample weights by class: a dict ``{label: weight}``
        (missing classes: 1), the same in every task; ``"balanced"``: the
        classes balanced within each task, a row of class c in task t weighted
        n_t / (K_t n_{t,c}) (K_t classes present in the task, n_{t,c} rows of
        class c), so each task keeps its total weight n_t.  With one task
        this is scikit-learn's ``"balanced"``.
{scale_features}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_tasks, n_features), or (n_tasks, n_classes, n_features)
        for more than two classes.
    intercept_ : ndarray of shape (n_tasks,) or (n_tasks, n_classes)
{attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from mtlearn import MultiTaskClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(90, 3)); tasks = np.repeat(["a", "b", "c"], 30)
    >>> y = (X @ [1.0, -1.0, 0.5] + rng.normal(scale=0.5, size=90) > 0).astype(int)
    >>> model = MultiTaskClassifier(alpha=0.01, mix=0.9).fit(X, y, tasks=tasks)
    >>> model.coef_.shape
    (3, 3)
    >>> model.predict_proba(X[:2], tasks=["a", "c"]).shape
    (2, 2)
    >>> bool(model.score(X, y, tasks=tasks) > 0.8)
    True
    """
)
class MultiTaskClassifier(SharedSubspaceMixin, ClassifierMixin, MultiTaskLinearModel):
    _parameter_constraints = {
        **MultiTaskLinearModel._parameter_constraints,
        **INTERCEPT_SHARING_CONSTRAINT,
        "loss": [StrOptions({"logistic", "hinge", "squared_hinge"}), Loss],
        "class_weight": [None, dict, StrOptions({"balanced"})],
        "scale_features": ["boolean"],
    }

    def __init__(
        self,
        *,
        loss="logistic",
        penalty="mean",
        alpha=1.0,
        mix=0.5,
        fit_intercept=True,
        intercept_sharing="per_task",
        task_column=None,
        task_weights=None,
        handle_unknown="error",
        tol=1e-4,
        max_iter=1000,
        warm_start=False,
        verbose=0,
        class_weight=None,
        scale_features=False,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.mix = mix
        self.fit_intercept = fit_intercept
        self.intercept_sharing = intercept_sharing
        self.task_column = task_column
        self.task_weights = task_weights
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.class_weight = class_weight
        self.scale_features = scale_features

    def _alpha(self):
        return self.alpha

    def _scales_features(self):
        return self.scale_features

    def _loss(self):
        loss = get_loss(self._loss_name())
        if not loss.for_classification:
            raise ValueError(
                f"loss={self.loss!r} is a regression loss; {type(self).__name__} needs a classification loss."
            )
        return loss

    def _loss_name(self):
        return self.loss

    def _training_problems(self, X, y, tasks, sample_weight):
        """The validated training set, the classes present and the binary problems ``fit`` solves.

        Returns ``(data, classes, problems)``, ``problems`` a list of
        :class:`~mtlearn.solvers.Problem` on designs with ±1 targets: one
        problem for two classes, one per class (one-vs-rest) for more.
        """
        if is_dask_collection(X):
            if self._scales_features():
                raise ValueError("scale_features=True needs the rows in memory: Dask input is not supported with it.")
            if model_intercepts(self, 1).shared:
                raise ValueError(
                    "Dask input is fitted with per-task intercepts only: intercept_sharing='shared' needs "
                    "in-memory rows (or intercept_sharing='per_task')."
                )
            from ._dask import dask_training_problems  # Dask is an optional dependency, imported for Dask input only

            return dask_training_problems(self, X, y, tasks, sample_weight)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        y = check_array(checked_class_labels(y), ensure_2d=False, dtype=None, input_name="y")
        check_classification_targets(y)
        labels, codes = np.unique(y, return_inverse=True)
        data = self._validated_fit_data(
            X,
            codes.reshape(y.shape).astype(np.float64),
            tasks,
            sample_weight,
            y_dtype=np.float64,
            allow_shared_design=y.ndim == 2 and y.shape[1] > 1,
            classes=labels,
        )
        features, design = self._feature_scaled(data.design)
        data = FitData(design, data.tasks, data.shared_design, data.dtype, feature_scaling=features)
        present = np.unique(design.y[design.weight > 0]).astype(np.int64)
        if present.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes, but the rows with positive "
                f"sample_weight hold only one class: {labels[present].tolist()}."
            )
        loss, penalty = self._loss(), self._penalty()
        problems = []
        for positive in [present[1]] if present.size == 2 else list(present):
            sub = with_targets(design, np.where(design.y == positive, 1.0, -1.0))
            problems.append(Problem(sub, loss, penalty, self._alpha(), self._intercepts(sub, loss)))
        return data, labels[present], problems

    def _intercepts(self, design, loss):
        """Free intercepts for the tasks with both labels, the pooled best constant for the others; or one shared."""
        n_tasks = design.n_tasks
        intercepts = model_intercepts(self, n_tasks)
        if not intercepts.each_task_or_none or not intercepts.free.any():
            return intercepts
        positive = design.task_sums(design.weight * (design.y > 0))
        negative = design.task_sums(design.weight * (design.y < 0))
        free = (positive > 0) & (negative > 0)
        fixed = np.zeros(n_tasks)
        if not free.all():
            pooled = np.zeros(design.n_entries, dtype=np.int64)
            fixed[:] = loss.best_intercepts(design.y, design.weight, pooled, 1)[0]
        return Intercepts(free, fixed)

    def decision_function(self, X: MatrixLike, tasks: ArrayLike | None = None) -> np.ndarray:
        """Signed scores x·w_t + b_t.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to predict (with the task column, if ``task_column`` is set).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes, (n_samples, n_classes)
            otherwise; with a 2-D-``y`` model and no labels a task axis follows the rows.
        """
        X, index = self._row_tasks(X, tasks)
        if index is None:
            return self._shared_design_outputs(X)
        return self._linear_outputs(X, index)

    def predict(self, X: MatrixLike, tasks: ArrayLike | None = None) -> np.ndarray:
        """Predicted class of each row, from its task's model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to predict (with the task column, if ``task_column`` is set).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), or (n_samples, n_tasks) for a
            2-D-``y`` model when no task labels are given
            The predicted classes (labels of ``classes_``).
        """
        scores = self.decision_function(X, tasks=tasks)
        if len(self.classes_) == 2 and self.coef_.ndim == 2:
            return self.classes_[(scores > 0).astype(np.int64)]
        return self.classes_[np.argmax(scores, axis=-1)]

    def _has_probabilities(self):
        return self._loss().name == "logistic"

    @available_if(_has_probabilities)
    def predict_proba(self, X: MatrixLike, tasks: ArrayLike | None = None) -> np.ndarray:
        """Class probabilities (logistic loss only; one-vs-rest normalised for > 2 classes).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to predict (with the task column, if ``task_column`` is set).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class of ``classes_`` (a task axis follows
            the rows for a 2-D-``y`` model without task labels).
        """
        scores = self.decision_function(X, tasks=tasks)
        if len(self.classes_) == 2 and self.coef_.ndim == 2:
            positive = expit(scores)
            return np.stack([1.0 - positive, positive], axis=-1)
        probabilities = expit(scores)
        return probabilities / probabilities.sum(axis=-1, keepdims=True)

    @available_if(_has_probabilities)
    def predict_log_proba(self, X: MatrixLike, tasks: ArrayLike | None = None) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            The rows to predict (with the task column, if ``task_column`` is set).
        tasks : array-like of shape (n_samples,), default=None
            Task label of each row; not needed for a single-task model or a
            2-D-``y`` model.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Logarithm of the class probabilities.
        """
        return np.log(self.predict_proba(X, tasks=tasks))

    def score(
        self, X: MatrixLike, y: ArrayLike, tasks: ArrayLike | None = None, sample_weight: ArrayLike | None = None
    ) -> float:
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


@_docstring(
    r"""Multi-task linear support vector classifier, with ``C`` as in ``LinearSVC``.

    Minimises

    .. math::

        \Omega(W) + C \sum_t \rho_t \sum_{i \in t} s_i \max(0, 1 - y_i (x_i^\top w_t + b_t)),

    a *sum* (not a per-task mean) of hinge losses, so that with one task,
    ``penalty="ridge"`` and no intercept it is ``sklearn.svm.LinearSVC(C=C,
    loss="hinge", fit_intercept=False)``.  It is :class:`MultiTaskClassifier`
    with ``loss="hinge"`` and α = 1/C on summed losses, solved in the dual.
{tasks}
    Parameters
    ----------
    C : float > 0, default=1.0
        Weight of the hinge losses (the inverse of the regularisation strength).
{penalty}{parameters}    class_weight : dict, "balanced" or None, default=None
        Multipliers of the sample weights by class: a dict ``{label: weight}``
        (missing classes: 1), the same in every task; ``"balanced"``: the
        classes balanced within each task, a row of class c in task t weighted
        n_t / (K_t n_{t,c}) (K_t classes present in the task, n_{t,c} rows of
        class c), so each task keeps its total weight n_t.  With one task
        this is scikit-learn's ``"balanced"``.
{scale_features}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_tasks, n_features) or (n_tasks, n_classes, n_features)
    intercept_ : ndarray of shape (n_tasks,) or (n_tasks, n_classes)
{attributes}
    Examples
    --------
    >>> import numpy as np
    >>> from mtlearn import MultiTaskLinearSVC
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(90, 3)); tasks = np.repeat([0, 1, 2], 30)
    >>> y = np.where(X @ [1.0, -1.0, 0.5] > 0, "yes", "no")
    >>> model = MultiTaskLinearSVC(C=1.0, class_weight="balanced").fit(X, y, tasks=tasks)
    >>> model.classes_
    array(['no', 'yes'], dtype='<U3')
    >>> model.predict(X[:3], tasks=tasks[:3]).tolist() == y[:3].tolist()
    True
    """
)
class MultiTaskLinearSVC(MultiTaskClassifier):
    _parameter_constraints = {
        key: value for key, value in MultiTaskClassifier._parameter_constraints.items() if key not in ("alpha", "loss")
    }
    _parameter_constraints["C"] = [Interval(numbers.Real, 0, None, closed="neither")]
    _average_per_task = False

    def __init__(
        self,
        *,
        C=1.0,
        penalty="mean",
        mix=0.5,
        fit_intercept=True,
        intercept_sharing="per_task",
        task_column=None,
        task_weights=None,
        handle_unknown="error",
        tol=1e-4,
        max_iter=1000,
        warm_start=False,
        verbose=0,
        class_weight=None,
        scale_features=False,
    ):
        self.C = C
        self.penalty = penalty
        self.mix = mix
        self.fit_intercept = fit_intercept
        self.intercept_sharing = intercept_sharing
        self.task_column = task_column
        self.task_weights = task_weights
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.class_weight = class_weight
        self.scale_features = scale_features

    def _alpha(self):
        return 1.0 / self.C

    def _loss_name(self):
        return "hinge"
