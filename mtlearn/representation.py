r"""An explicit shared representation of chosen size: the factorised multi-task model W = A·U.

The tasks' weights are ``w_t = Uᵀ a_t``: k shared features ``u_jᵀ x`` (the
rows of U, the "shared hidden layer") and, per task, k weights ``a_t`` on them.
The factor penalty ``½(‖A‖²_F + ‖U‖²_F)`` is the variational form of the trace
norm (Srebro, Rennie & Jaakkola, NIPS 2005),

.. math::

    \|W\|_* = \min_{A U = W} \tfrac12 \big(\|A\|_F^2 + \|U\|_F^2\big)
    \quad (\text{inner dimension} \ge \operatorname{rank} W),

attained at the balanced factors ``A = P Σ^{1/2}``, ``U = Σ^{1/2} Qᵀ`` of
the SVD ``W = P Σ Qᵀ``.  So the factorised problem is the trace-norm problem
restricted to rank ≤ k, and with k at least the rank of the trace-norm
solution its global minimum *is* the trace-norm model with the same α.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import COMMON_PARAMETER_CONSTRAINTS
from ._dtypes import as_model_dtype
from .estimators import MultiTaskRegressor
from .losses import get_loss
from .penalties import TracePenalty
from .solvers import Intercepts, Problem, SolverResult, solve


class _TaskMoments:
    """Per task t, with entry weights c_i = ρ_t s_i / n_t and the rows centred when intercepts are fitted:

    ``G[t] = X̃_tᵀ C X̃_t`` (p × p), ``h[t] = X̃_tᵀ C ỹ_t``, ``q[t] = ½ ỹ_tᵀ C ỹ_t``, and the
    weighted means ``x_mean[t]``, ``y_mean[t]``.  The data term at ``w_t`` (its intercept at
    its optimum ``ȳ_t − x̄_tᵀ w_t``) is ``q_t − w_tᵀ h_t + ½ w_tᵀ G_t w_t``.
    """

    def __init__(self, design, fit_intercept):
        G, h, q, x_mean, y_mean = [], [], [], [], []
        for block in design.blocks():
            X = block.X.toarray() if sp.issparse(block.X) else np.asarray(block.X)
            c = block.task_weight * block.sample_weight
            total = max(c.sum(), np.finfo(float).tiny)
            xm = c @ X / total if fit_intercept else np.zeros(X.shape[1])
            ym = c @ block.y / total if fit_intercept else 0.0
            Xc, yc = X - xm, block.y - ym
            G.append((Xc * c[:, None]).T @ Xc)
            h.append(Xc.T @ (c * yc))
            q.append(0.5 * np.dot(c * yc, yc))
            x_mean.append(xm)
            y_mean.append(ym)
        self.G, self.h, self.q = np.array(G), np.array(h), np.array(q)
        self.x_mean, self.y_mean = np.array(x_mean), np.array(y_mean)

    def data_term(self, W):
        return float(np.sum(self.q - np.einsum("tp,tp->t", W, self.h)) + 0.5 * np.einsum("tp,tpq,tq->", W, self.G, W))


class SharedRepresentationRegressor(MultiTaskRegressor):
    r"""Multi-task regression through k shared features: W = A·U, by alternating minimisation.

    Minimises, over the task loadings A (n_tasks × k), the shared
    representation U (k × n_features) and the intercepts b,

    .. math::

        F(A, U, b) = \sum_t \rho_t \frac{1}{n_t} \sum_{i \in t} s_i \tfrac12
        (y_i - a_t^\top U x_i - b_t)^2 + \frac{\alpha}{2} \big(\|A\|_F^2 + \|U\|_F^2\big),

    which is ``min over rank(W) ≤ k of  L(W) + α ‖W‖_*`` (the variational form
    of the trace norm, see :mod:`mtlearn.representation`): the trace-norm
    model of :class:`~mtlearn.MultiTaskRegressor` (``penalty="trace"``) with
    its rank capped at k, as in "multi-task feature learning" (Argyriou,
    Evgeniou & Pontil, 2008) and GO-MTL (Kumar & Daumé, 2012, there with an
    ℓ1 penalty on A).

    **The problem is not convex** in (A, U) jointly; it is a ridge regression
    in each factor given the other.  Each iteration minimises F exactly over
    (A, b) (one k × k solve per task), then over (U, b) (one solve of size
    k · n_features), so F decreases monotonically to a stationary point,
    not necessarily the global minimum.  The start is the trace-norm solution
    truncated to its top k singular directions (``init="trace"``), or random
    factors (``init="random"``).  With k at least the rank of the trace-norm
    solution, that solution is a global minimum of F.

    Tasks reach the estimator in one of four ways (fit and predict alike):
    ``tasks=`` labels, ``task_column=``, a 2-D ``y`` (a shared design), or a
    single task.

    Parameters
    ----------
    n_components : int >= 1, default=2
        k, the size of the shared representation (at most
        min(n_tasks, n_features) is used: a larger k gives the same model).
    alpha : float > 0, default=1.0
        Strength α of the factor penalty.
    init : {"trace", "random"}, default="trace"
        Starting factors: the balanced factors of the top k singular
        directions of the trace-norm model with the same α, or standard
        normal entries divided by √n_features.
    random_state : int, RandomState instance or None, default=None
        Draws the factors for ``init="random"``.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept b_t per task.
    task_column : int, str or None, default=None
        Position (or DataFrame column name) of the column of X holding the
        task labels.
    task_weights : dict, array-like of shape (n_tasks,) or None, default=None
        ρ_t of the objective.
    handle_unknown : {"error", "shared"}, default="error"
        Predicting for a task not seen in fit raises, or uses the mean task model.
    tol : float, default=1e-4
        Stop when an iteration decreases F by at most ``tol · F₀`` (F₀: F at
        W = 0 with the intercepts fitted).  A stationarity test: it does not
        bound the distance to the global minimum of a non-convex problem.
    max_iter : int, default=1000
        Maximum number of alternating iterations (and of the trace-norm start's).
    verbose : int, default=0
        Print the objective at every iteration.

    Attributes
    ----------
    representation_ : ndarray of shape (k, n_features)
        U: row j is the shared feature ``x ↦ u_jᵀ x``.
    task_loadings_ : ndarray of shape (n_tasks, k)
        A: row t is task t's weights on the shared features.
    coef_ : ndarray of shape (n_tasks, n_features)
        W = A·U.
    intercept_ : ndarray of shape (n_tasks,)
    components_ : ndarray of shape (rank, n_features)
        Orthonormal rows spanning the row space of ``coef_`` (and of U when A
        has full column rank); ``transform(X) = X @ components_.T``.
    tasks_ : ndarray of shape (n_tasks,)
    shared_coef_, shared_intercept_ : ndarray, float
        The mean task model, for ``handle_unknown="shared"``.
    objective_ : float
        F at the solution.
    objective_path_ : ndarray
        F at the start and after every half-iteration (A-step, U-step, …):
        non-increasing.
    n_iter_ : int
        Alternating iterations run.
    certificate_ : float
        The last iteration's relative decrease of F, ``ΔF / F₀``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> import numpy as np
    >>> from mtlearn import SharedRepresentationRegressor
    >>> rng = np.random.default_rng(0)
    >>> basis = rng.normal(size=(2, 10))
    >>> X = rng.normal(size=(120, 10)); tasks = np.repeat(np.arange(6), 20)
    >>> W = rng.normal(size=(6, 2)) @ basis
    >>> y = np.einsum("ij,ij->i", X, W[tasks]) + rng.normal(scale=0.1, size=120)
    >>> model = SharedRepresentationRegressor(n_components=2, alpha=0.01).fit(X, y, tasks=tasks)
    >>> model.representation_.shape, model.transform(X).shape
    ((2, 10), (120, 2))
    >>> bool(np.all(np.diff(model.objective_path_) <= 1e-12))
    True
    """

    def _shares_intercept(self):
        """One intercept per task (fitted with ``fit_intercept``): this model has no ``intercept_sharing``."""
        return False

    _parameter_constraints = {
        **{
            key: COMMON_PARAMETER_CONSTRAINTS[key]
            for key in (
                "alpha",
                "fit_intercept",
                "task_column",
                "task_weights",
                "handle_unknown",
                "tol",
                "max_iter",
                "verbose",
            )
        },
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "init": [StrOptions({"trace", "random"})],
        "random_state": ["random_state"],
    }

    # Not MultiTaskRegressor's parameters: the factor penalty replaces ``penalty`` and ``mix``.
    def __init__(
        self,
        *,
        n_components=2,
        alpha=1.0,
        init="trace",
        random_state=None,
        fit_intercept=True,
        task_column=None,
        task_weights=None,
        handle_unknown="error",
        tol=1e-4,
        max_iter=1000,
        verbose=0,
    ):
        self.n_components = n_components
        self.alpha = alpha
        self.init = init
        self.random_state = random_state
        self.fit_intercept = fit_intercept
        self.task_column = task_column
        self.task_weights = task_weights
        self.handle_unknown = handle_unknown
        self.tol = tol
        self.max_iter = max_iter
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.init == "random" and self.random_state is None
        return tags

    def _fits_low_rank(self):
        return True

    def _normalizes_targets(self):
        """The factor model fits the targets as given (it has no ``normalize_y``; used by ``partial_fit``)."""
        return False

    def _scales_features(self):
        """The factor model fits the features as given (it has no ``scale_features``; used by ``partial_fit``)."""
        return False

    def _loss(self):
        return get_loss("squared_error")

    def _penalty(self):
        """The convex model the factorised one starts from and is compared with: the trace norm."""
        return TracePenalty()

    def _objective(self, moments, A, U):
        return moments.data_term(A @ U) + 0.5 * self.alpha * (np.sum(A * A) + np.sum(U * U))

    def _start(self, design, k):
        """The starting factors (A, U) of shapes (n_tasks, k) and (k, n_features)."""
        n_tasks, n_features = design.n_tasks, design.n_features
        if self.init == "random":
            rng = check_random_state(self.random_state)
            scale = 1.0 / np.sqrt(n_features)
            return rng.standard_normal((n_tasks, k)) * scale, rng.standard_normal((k, n_features)) * scale
        intercepts = Intercepts.all_free(n_tasks) if self.fit_intercept else Intercepts.none(n_tasks)
        problem = Problem(design, get_loss("squared_error"), TracePenalty(), self.alpha, intercepts)
        trace = solve(problem, tol=self.tol, max_iter=self.max_iter, verbose=self.verbose)
        P, s, Qt = np.linalg.svd(trace.coef, full_matrices=False)
        root = np.sqrt(s[:k])
        return P[:, :k] * root, root[:, None] * Qt[:k]

    def _loadings_step(self, moments, U):
        """argmin over A: per task, ``(U G_t Uᵀ + α I) a_t = U h_t``."""
        k = U.shape[0]
        curvature = np.einsum("kp,tpq,lq->tkl", U, moments.G, U, optimize=True) + self.alpha * np.eye(k)
        return np.linalg.solve(curvature, (moments.h @ U.T)[:, :, None])[:, :, 0]

    def _representation_step(self, moments, A):
        """argmin over U: ``(Σ_t a_t a_tᵀ ⊗ G_t + α I) vec(U) = Σ_t a_t ⊗ h_t`` (U row-major)."""
        k, p = A.shape[1], moments.G.shape[1]
        curvature = np.einsum("tj,tl,tpq->jplq", A, A, moments.G).reshape(k * p, k * p)
        curvature[np.diag_indices(k * p)] += self.alpha
        return np.linalg.solve(curvature, np.einsum("tj,tp->jp", A, moments.h).ravel()).reshape(k, p)

    def fit(self, X, y, tasks=None, sample_weight=None):
        """Fit the factors by alternating minimisation.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Sparse rows are densified per task (the U-step solves a dense
            system of size k · n_features anyway).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        tasks : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        data = self._validated_fit_data(X, y, tasks, sample_weight, y_dtype=np.float64)
        design = data.design
        moments = _TaskMoments(design, self.fit_intercept)
        k = min(self.n_components, design.n_tasks, design.n_features)
        A, U = self._start(design, k)
        scale = max(float(np.sum(moments.q)), np.finfo(float).tiny)
        path = [self._objective(moments, A, U)]
        certificate, n_iter = np.inf, 0
        while certificate > self.tol and n_iter < self.max_iter:
            n_iter += 1
            A = self._loadings_step(moments, U)
            path.append(self._objective(moments, A, U))
            U = self._representation_step(moments, A)
            path.append(self._objective(moments, A, U))
            certificate = max(path[-3] - path[-1], 0.0) / scale
            if self.verbose:
                print(f"[factorised] iter {n_iter:5d}  objective {path[-1]:.10g}  relative decrease {certificate:.3e}")
        W = A @ U
        b = moments.y_mean - np.einsum("tp,tp->t", moments.x_mean, W)
        result = SolverResult(W, b, n_iter, float(certificate), certificate <= self.tol, path[-1])
        self._warn_if_not_converged(result)
        self.task_loadings_, self.representation_ = A, U
        self.coef_, self.intercept_ = as_model_dtype(data.dtype, W, b)
        self.shared_coef_, self.shared_intercept_ = W.mean(axis=0), float(np.mean(b))
        self.tasks_, self._shared_design = data.tasks, data.shared_design
        self.objective_, self.objective_path_ = path[-1], np.array(path)
        self.n_iter_, self.certificate_ = n_iter, float(certificate)
        return self
