"""Quadratic task penalties ``Ω(W) = ½ tr(Wᵀ M W)`` with a task matrix M.

They declare ``quadratic = True`` and give ``kernel(G) = M⁻¹ G``, which the
dual (hinge loss) solver needs; their conjugate is ``Ω*(V) = ½ tr(Vᵀ M⁻¹ V)``,
so the duality gap of every solver needs no rescaling (``dual_term``).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval

from .._task_graph import check_adjacency
from ._base import NormPenalty, Penalty, TaskQuadratic
from ._sparse import column_max_abs, soft_threshold


def quadratic_dual_term(penalty, G, alpha):
    """``(1, α Ω*(−G/α)) = (1, ⟨G, M⁻¹ G⟩ / (2α))`` for a quadratic penalty with ``kernel``."""
    return 1.0, float(np.sum(G * penalty.kernel(G))) / (2.0 * alpha)


class MeanPenalty(Penalty):
    r"""Mean-regularised multi-task penalty (Evgeniou & Pontil, KDD 2004).

    Each task's weights are a shared part plus a task-specific deviation,
    ``w_t = w_0 + v_t``, and

    .. math::

        Ω(W) = \min_{w_0} \tfrac12 \Big[ \frac{1}{1 - \text{mix}} \sum_t \|w_t - w_0\|^2
               + \frac{T}{\text{mix}} \|w_0\|^2 \Big]
             = \tfrac12 \Big[ \frac{1}{1 - \text{mix}} \sum_t \|w_t - \bar w\|^2 + T \|\bar w\|^2 \Big],

    where ``T`` is the number of tasks, ``w̄`` the mean of the ``w_t`` and the
    minimising shared part is ``w_0 = mix · w̄``.  The task matrix is
    ``M = (I − J)/(1 − mix) + J`` with ``J = 11ᵀ/T``, and ``M⁻¹ = (1 − mix) I + mix J``.

    - ``mix = 0``: Ω = ½‖W‖_F², independent ridge on every task;
    - ``mix → 1``: deviations are forced to zero, all tasks share one model
      (pooled ridge with penalty ½ T‖w‖²);
    - in between, the deviations cost ``1/(1 − mix)`` times more than the mean.

    Parameters
    ----------
    mix : float in [0, 1], default=0.5
        How strongly the tasks are tied to their mean.
    """

    quadratic = True
    mean_type = True
    rotation_invariant = True
    _parameter_constraints = {"mix": [Interval(numbers.Real, 0, 1, closed="both")]}

    def __init__(self, mix=0.5):
        self.mix = mix
        super().__init__()

    def value(self, W):
        mix = self.mix
        mean = W.mean(axis=0)
        deviation = np.sum((W - mean) ** 2)
        shared = W.shape[0] * np.dot(mean, mean)
        if mix == 1.0:
            scale = max(np.sum(W * W), np.finfo(float).tiny)
            return 0.5 * shared if deviation <= 1e-20 * scale else np.inf
        return 0.5 * (deviation / (1.0 - mix) + shared)

    def prox(self, W, step):
        mix = self.mix
        mean = W.mean(axis=0)
        deviation_scale = 0.0 if mix == 1.0 else 1.0 / (1.0 + step / (1.0 - mix))
        return mean / (1.0 + step) + deviation_scale * (W - mean)

    def kernel(self, G):
        """``M⁻¹ G = (1 − mix)(G − Ḡ) + Ḡ`` for G of shape (n_tasks, n_features)."""
        mean = G.mean(axis=0)
        return (1.0 - self.mix) * (G - mean) + mean

    def kernel_coefficients(self, n_tasks):
        """(a, b) with ``M⁻¹ = a I + b 11ᵀ``: ``a = 1 − mix``, ``b = mix / T``."""
        return 1.0 - self.mix, self.mix / n_tasks

    def dual_term(self, G, alpha):
        return quadratic_dual_term(self, G, alpha)

    def shared_coef(self, W):
        """The shared part ``w_0 = mix · w̄`` of the decomposition."""
        return self.mix * W.mean(axis=0)


class RidgePenalty(MeanPenalty):
    r"""Ω(W) = ½‖W‖_F²: independent ridge regularisation of every task.

    The tasks share nothing: the shared coefficient is zero.  It is
    :class:`MeanPenalty` with ``mix = 0``.
    """

    def __init__(self):
        super().__init__(mix=0.0)


class GraphPenalty(Penalty):
    r"""Graph-regularised multi-task penalty for a known task graph.

    With a symmetric, non-negative adjacency matrix ``A`` between the tasks
    (``A[s, t]``: how similar tasks s and t are), its Laplacian ``L = D − A``
    (``D`` the diagonal of the row sums) and ``W`` of shape (n_tasks, n_features),

    .. math::

        Ω(W) = \tfrac12 \sum_{s < t} A_{st} \|w_s - w_t\|^2
               + \frac{\text{ridge}}{2} \|W\|_F^2 + \text{l1} \sum_{t, j} |W_{tj}|
             = \tfrac12 \operatorname{tr}\big(W^\top (L + \text{ridge}\, I) W\big)
               + \text{l1} \|W\|_1 .

    Every edge {s, t} is counted once.  The task matrix ``M = L + ridge·I``
    acts on the rows (the tasks) of ``W``.  With the complete graph
    ``A = a (11ᵀ − I)`` the graph part is ``(a T / 2) Σ_t ‖w_t − w̄‖²``; for
    example MALSAR's "SRMTL" objective
    ``Σ_t ½‖X_t w_t − y_t‖² + 2 Σ_t ‖w_t − w̄‖² + ‖W‖₁`` with T = 5 tasks is
    α = 1, ``adjacency = 0.8 (11ᵀ − I)``, ``l1 = 1`` and task weights ρ_t = n_t.

    Without ℓ1 part the penalty is quadratic: its proximal operator is
    ``(I + step·M)⁻¹ W`` (from one eigendecomposition of M, cached per task
    count) and the hinge-loss dual uses ``kernel(G) = M⁻¹ G``, which needs M
    positive definite (``ridge > 0``: a Laplacian is singular).  With
    ``l1 > 0`` the solvers treat the quadratic part as part of the smooth
    term and take the proximal step of the ℓ1 part only (see
    :meth:`smooth_split`).

    Parameters
    ----------
    adjacency : array-like, scipy.sparse matrix or DataFrame of shape (n_tasks, n_tasks)
        Symmetric, non-negative and finite task similarities, in the order of
        the sorted task labels (the rows of ``coef_``); a pandas DataFrame
        whose index and columns are the task labels is put in that order.  Its
        diagonal is ignored (it does not change the Laplacian).
    ridge : float >= 0, default=0.0
        Weight of the ridge term ½‖W‖_F².
    l1 : float >= 0, default=0.0
        Weight of the ℓ1 term Σ_{t,j} abs(W_tj).
    """

    _parameter_constraints = {
        "adjacency": ["array-like", "sparse matrix", None],
        "ridge": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "l1": [Interval(numbers.Real, 0, np.inf, closed="left")],
    }

    def __init__(self, adjacency=None, ridge=0.0, l1=0.0):
        self.adjacency = adjacency
        self.ridge = ridge
        self.l1 = l1
        super().__init__()

    def _validate_params(self):
        super()._validate_params()
        if self.adjacency is None:
            raise ValueError(
                "GraphPenalty needs the task graph, which penalty='graph' cannot know: "
                "pass penalty=GraphPenalty(adjacency=...)."
            )
        self._checked_adjacency()

    @property
    def quadratic(self):
        """Without an ℓ1 part the penalty is quadratic."""
        return self.l1 == 0

    @property
    def feature_separable(self):
        """With an ℓ1 part a finite α zeroes a feature; working sets apply."""
        return self.l1 > 0

    has_dual_norm = feature_separable
    # ½ tr(Wᵀ M W) = ½ tr(M W Wᵀ) with M ⪰ 0 (a Laplacian plus ridge); the ℓ1 part is not.
    rotation_invariant = quadratic

    def check_tasks(self, n_tasks):
        self._checked_adjacency(n_tasks)

    def _checked_adjacency(self, n_tasks=None):
        """The adjacency as a validated float array (its shape checked against ``n_tasks`` when given)."""
        return check_adjacency(self.adjacency, n_tasks)

    def task_matrix(self, n_tasks):
        """``M = L + ridge·I``, with L the Laplacian of the adjacency."""
        A = self._checked_adjacency(n_tasks)
        A = 0.5 * (A + A.T)
        np.fill_diagonal(A, 0.0)
        return np.diag(A.sum(axis=1)) - A + self.ridge * np.eye(n_tasks)

    def _spectrum(self, n_tasks):
        """Eigenvalues and eigenvectors of M, cached while the parameters stay the same."""
        key = (n_tasks, float(self.ridge), self._checked_adjacency(n_tasks).tobytes())
        cached = getattr(self, "_spectrum_cache", None)
        if cached is None or cached[0] != key:
            lam, U = np.linalg.eigh(self.task_matrix(n_tasks))
            cached = (key, np.maximum(lam, 0.0), U)
            self._spectrum_cache = cached
        return cached[1], cached[2]

    def value(self, W):
        return 0.5 * float(np.sum(W * (self.task_matrix(W.shape[0]) @ W))) + self.l1 * float(np.sum(np.abs(W)))

    def prox(self, W, step):
        """``(I + step·M)⁻¹ W`` (ℓ1 part zero only; see :meth:`smooth_split` otherwise)."""
        if self.l1 > 0:
            raise ValueError(
                "The proximal operator of GraphPenalty with l1 > 0 has no closed form; the solvers "
                "use smooth_split() instead."
            )
        lam, U = self._spectrum(W.shape[0])
        return U @ ((U.T @ W) / (1.0 + step * lam)[:, None])

    def is_positive_definite(self, n_tasks):
        """Whether M is positive definite (so that ``kernel`` exists): ridge > 0, or a nonsingular Laplacian."""
        lam, _ = self._spectrum(n_tasks)
        return bool(lam[0] > 1e-12 * max(lam[-1], 1.0))

    def kernel(self, G):
        """``M⁻¹ G``, for the dual of the hinge loss and the duality gap; needs M positive definite and ``l1 = 0``."""
        if self.l1 > 0 or not self.is_positive_definite(G.shape[0]):
            raise ValueError(
                "The hinge loss is solved in the dual and needs a positive definite quadratic penalty: "
                f"use GraphPenalty with ridge > 0 and l1 = 0 (got ridge={self.ridge!r}, l1={self.l1!r})."
            )
        lam, U = self._spectrum(G.shape[0])
        # M⁻¹ formed (T × T): one product with G instead of two (G has n_features columns).
        return ((U / lam) @ U.T) @ G

    def dual_term(self, G, alpha):
        """``(1, ⟨G, M⁺ G⟩ / (2α))``; +∞ when G is not in the range of a singular M (the graph part alone).

        Only used without ℓ1 part (with one, the solvers split the penalty).
        A singular M (no ridge) leaves the tasks' common model unpenalised:
        the conjugate is finite only where G has no component along the
        null space of M, which a solver of the squared loss makes exact
        (see :class:`mtlearn.solvers.CompositeProblem`).
        """
        lam, U = self._spectrum(G.shape[0])
        coordinates = U.T @ G
        positive = lam > 1e-12 * max(lam[-1], 1.0)
        off_range = float(np.sqrt(np.sum(coordinates[~positive] ** 2)))
        if off_range > 1e-9 * max(float(np.linalg.norm(G)), np.finfo(float).tiny):
            return 1.0, np.inf
        quadratic = np.sum(coordinates[positive] ** 2 / lam[positive, None])
        return 1.0, float(quadratic) / (2.0 * alpha)

    def null_space(self, n_tasks):
        """Orthonormal basis (n_tasks, k) of the null space of M (None when M is positive definite)."""
        if self.l1 > 0 or self.is_positive_definite(n_tasks):
            return None
        lam, U = self._spectrum(n_tasks)
        return U[:, lam <= 1e-12 * max(lam[-1], 1.0)]

    def smooth_split(self, n_tasks):
        """``(smooth, proximable)`` parts of Ω for proximal-gradient solvers.

        Without ℓ1 part: ``(None, self)``.  Otherwise the quadratic
        ``½ tr(Wᵀ M W)`` (a :class:`~mtlearn.penalties._base.TaskQuadratic`
        with Lipschitz constant ``λ_max(M)``) and ``l1·‖W‖₁`` (soft-thresholding).
        """
        if self.l1 == 0:
            return None, self
        lam, _ = self._spectrum(n_tasks)
        return TaskQuadratic(self.task_matrix(n_tasks), float(lam[-1])), ScaledL1(self.l1)

    def feature_dual_norms(self, G):
        """Per feature j, the smallest α with ``G[:, j]`` in α ∂Ω(0): ``max_t |G_tj| / l1``.

        The quadratic part has zero gradient at 0 and couples tasks, not
        features.  Infinite without ℓ1 part (where ``G[:, j] ≠ 0``): no finite
        α gives W = 0.
        """
        top = column_max_abs(G)
        if self.l1 > 0:
            return top / self.l1
        return np.where(top == 0, 0.0, np.inf)

    def dual_norm(self, G):
        """The largest per-feature value of :meth:`feature_dual_norms`: α_max."""
        return float(np.max(self.feature_dual_norms(G), initial=0.0))

    def shared_coef(self, W):
        """The mean of the task weights, w̄ (the model of a task with no edges to the others)."""
        return W.mean(axis=0)


class ScaledL1(NormPenalty):
    """``weight·‖W‖₁`` with its proximal operator, soft-thresholding (the ℓ1 part of a split penalty).

    Parameters
    ----------
    weight : float > 0
    """

    _parameter_constraints = {"weight": [Interval(numbers.Real, 0, np.inf, closed="neither")]}

    def __init__(self, weight):
        self.weight = weight
        super().__init__()

    def value(self, W):
        return self.weight * float(np.sum(np.abs(W)))

    def prox(self, W, step):
        return soft_threshold(W, step * self.weight)

    def dual_norm(self, G):
        return float(np.max(np.abs(G), initial=0.0)) / self.weight
