"""The squared loss through each task's Gram matrix: a compact design with p rows per task.

For the squared loss the data term depends on the data only through each
task's weighted Gram matrix.  With the intercepts at their optimum (each task
centred with its sample weights s_i, or no centring without intercepts),

    Σ_t ρ_t Σ_{i in t} s_i ½ (y_i − x_iᵀ w_t − b_t)²
        = Σ_t ρ_t [½ w_tᵀ G_t w_t − c_tᵀ w_t + ½ q_t],

    G_t = Σ_i s_i x̃_i x̃_iᵀ,   c_t = Σ_i s_i x̃_i ỹ_i,   q_t = Σ_i s_i ỹ_i²,

with x̃, ỹ the centred rows, and the best intercept ``b_t = ȳ_t − x̄_tᵀ w_t``.
Factor ``G_t = R_tᵀ R_t`` (Cholesky, or the eigendecomposition when G_t is
singular) and let ``z_t`` solve ``R_tᵀ z_t = c_t``.  Then the data term is
``Σ_t ρ_t ½ ‖R_t w_t − z_t‖² + const``: a least-squares design with p rows per
task, on which the solvers run unchanged.  One pass over X builds it; each
solver iteration then costs O(T p²) instead of O(n p), which pays when the
tasks have more rows than features (``gram_pays_off``).

The solver's certificate stays that of the original problem: the gradient in
W is the same (``R_tᵀ(R_t w_t − z_t) = G_t w_t − c_t``), the gradient in the
intercepts is zero at their optimum, and the relative scale ``‖∇ data(0)‖_∞``
is computed here for the original data (see :attr:`GramDesign.gradient_scale`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._design import SharedDesign, StackedDesign
from ._problem import power_iteration

# Rows of X centred at once when building a shared Gram matrix (bounds the temporary).
_CHUNK_ROWS = 4096
# Largest number of features for which a shared design gets its p × p Gram matrix.
_MAX_GRAM_FEATURES = 4096
# A Cholesky pivot below this fraction of the largest diagonal entry counts as singular.
_PIVOT_RTOL = 1e-10
_TINY = np.finfo(float).tiny


def gram_pays_off(design):
    """Whether the Gram form is cheaper per iteration than the rows and fits in O(size of X).

    Dense X only (centring sparse rows would densify them); a shared design
    needs at least as many rows as features, a stacked one at least as many
    rows per task on average.  Never for a design that already is a Gram form.
    """
    if design.gram_form or sp.issparse(design.X):
        return False
    n, p = design.X.shape
    if isinstance(design, SharedDesign):
        return p <= min(n, _MAX_GRAM_FEATURES)
    return isinstance(design, StackedDesign) and design.n_tasks * p <= n


def _weighted_centring(X, s, fit_intercept):
    """Weighted mean of the rows of X (zeros without intercept)."""
    if not fit_intercept:
        return np.zeros(X.shape[1])
    return (s @ X) / s.sum()


def _centred_products(X, s, Y, x_mean):
    """``Σ_i s_i x̃_i x̃_iᵀ`` and ``Σ_i s_i x̃_i y_iᵀ`` with x̃ = x − x̄ (Y of shape (n, m)).

    The rows are scaled by √s so that the Gram matrix is one symmetric
    product ``Bᵀ B`` (half the work of a general product), taken over chunks
    of ``_CHUNK_ROWS`` rows (sparse rows densified one chunk at a time); a
    dense chunk is used as it is when x̄ = 0 and every s_i = 1 (no copy).
    """
    centred, weighted = bool(np.any(x_mean)), bool(np.any(s != 1.0))
    G = C = None
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        B = X[rows].toarray() if sp.issparse(X) else np.asarray(X[rows], dtype=np.float64)
        Y_rows = Y[rows]
        if centred:
            B = B - x_mean
        if weighted:
            root = np.sqrt(s[rows])[:, None]
            B, Y_rows = B * root, Y_rows * root
        G_rows, C_rows = B.T @ B, B.T @ Y_rows
        G, C = (G_rows, C_rows) if G is None else (G + G_rows, C + C_rows)
    return G, C


def _shared_moments(design, fit_intercept):
    """G (1, p, p), C (T, p), x̄ (1, p), ȳ (T,) and Σ_i s_i y_it (T,) of a shared design."""
    X, s = design.X, design.sample_weight
    Y = design.y.reshape(-1, design.n_tasks)
    x_mean = _weighted_centring(X, s, fit_intercept)
    G, C = _centred_products(X, s, Y, x_mean)
    y_sums = s @ Y
    y_mean = y_sums / s.sum() if fit_intercept else np.zeros(design.n_tasks)
    return G[None], C.T, x_mean[None], y_mean, y_sums


def task_means(design, weight, fit_intercept):
    """``(x̄, ȳ)`` of shapes (T, p) and (T,): each task's means of its rows and targets under the entry weights.

    ``fit_intercept`` is a bool for every task, or one per task (ndarray of
    shape (n_tasks,)): the tasks with an intercept get their means (from one
    product with the design, ``backward``), the others x̄_t = 0 and ȳ_t = 0
    (they are not centred).
    """
    T, p = design.n_tasks, design.n_features
    free = np.broadcast_to(np.asarray(fit_intercept, dtype=bool), (T,))
    x_mean, y_mean = np.zeros((T, p)), np.zeros(T)
    if free.any():
        totals = np.maximum(design.task_sums(weight), _TINY)
        x_mean, y_mean = design.backward(weight) / totals[:, None], design.task_sums(weight * design.y) / totals
        x_mean[~free], y_mean[~free] = 0.0, 0.0
    return x_mean, y_mean


def _stacked_moments(design, fit_intercept):
    """G (T, p, p), C (T, p), x̄ (T, p), ȳ (T,) and Σ_i s_i y_i (T,) of a stacked design.

    ``fit_intercept`` as in :func:`task_means`: the tasks with an intercept
    are centred.  Each task's centred products come from its rows (dense, or
    sparse densified a chunk at a time).
    """
    T, p = design.n_tasks, design.n_features
    s, y = design.sample_weight, design.y
    y_sums = design.task_sums(s * y)
    x_mean, y_mean = task_means(design, s, fit_intercept)
    G, C = np.empty((T, p, p)), np.empty((T, p))
    for t in range(T):
        rows = slice(design.starts[t], design.starts[t + 1])
        G[t], cross = _centred_products(design.X[rows], s[rows], y[rows, None], x_mean[t])
        C[t] = cross[:, 0]
    return G, C, x_mean, y_mean, y_sums


def updated_stacked_moments(design, fit_intercept, previous_weight, G, x_mean):
    """``(G, C, x̄, ȳ)`` of :func:`_stacked_moments` for ``design``, updated from those of its rows under other weights.

    ``G`` (T, p, p) and ``x_mean`` (T, p) are the centred Gram matrices and means of the same rows under the
    entry weights ``previous_weight`` (the last Newton step's model: only the rows whose curvature changed
    differ, e.g. those crossing the squared hinge's margin).  With ``G_t(a) = Σ_i s_i (x_i − a)(x_i − a)ᵀ``,

        G_t(x̄_old) += Σ_{i changed} (s_i − s_i^old) (x_i − x̄_old)(x_i − x̄_old)ᵀ,
        G_t(x̄_new) = G_t(x̄_old) − (Σ_i s_i) (x̄_new − x̄_old)(x̄_new − x̄_old)ᵀ,

    deviations taken about a mean as in the products from the rows; ``C_t = Σ_i s_i x_i (y_i − ȳ_t)``
    (equal to ``Σ_i s_i x̃_i y_i``) is one product with the design.  ``G`` is updated in place (the last
    model's matrices become the new one's: no second T p² array).  None when more than half of the rows
    changed: forming the products anew costs less.
    """
    s = design.sample_weight
    changed = np.flatnonzero(s != previous_weight)
    if 2 * changed.size > design.n_entries:
        return None
    new_mean, y_mean = task_means(design, s, fit_intercept)
    if changed.size:
        rows = design.X[changed]
        deviations = (rows.toarray() if sp.issparse(rows) else rows) - x_mean[design.task_index[changed]]
        delta = (s - previous_weight)[changed]
        # Rows scaled by √|Δs| (and the shift by √Σ s): each term is one symmetric product, G stays symmetric.
        deviations *= np.sqrt(np.abs(delta))[:, None]
        shift = np.sqrt(design.task_sums(s))[:, None] * (new_mean - x_mean)
        bounds = np.searchsorted(changed, design.starts)  # the changed rows of task t: bounds[t]:bounds[t + 1]
        for t in np.flatnonzero(np.diff(bounds)):  # the other tasks' weights, hence means, are the same
            D, gained = deviations[bounds[t] : bounds[t + 1]], delta[bounds[t] : bounds[t + 1]] > 0
            G[t] += D[gained].T @ D[gained]
            G[t] -= D[~gained].T @ D[~gained]
            G[t] -= np.outer(shift[t], shift[t])
    C = design.backward(s * (design.y - y_mean[design.task_index]))
    return G, C, new_mean, y_mean


def _cholesky_roots(G, C):
    """(R, Z) of :func:`_square_roots` by Cholesky, or None when some G_t is not safely positive definite."""
    diagonal = np.einsum("kii->ki", G)
    scale = np.maximum(diagonal.max(axis=1, keepdims=True), np.finfo(float).tiny)
    try:
        L = np.linalg.cholesky(G)
    except np.linalg.LinAlgError:
        return None
    pivots = np.einsum("kii->ki", L) ** 2
    if not np.all(pivots > _PIVOT_RTOL * scale):
        return None
    return np.swapaxes(L, 1, 2), np.linalg.solve(L, C)


def _eigen_roots(G, C):
    """(R, Z) of :func:`_square_roots` from the eigendecomposition, the null space of each G_t dropped."""
    lam, U = np.linalg.eigh(G)
    keep = lam > _PIVOT_RTOL * np.maximum(lam[:, -1:], np.finfo(float).tiny)
    root = np.sqrt(np.where(keep, lam, 0.0))
    R = root[:, :, None] * np.swapaxes(U, 1, 2)
    coords = np.swapaxes(U, 1, 2) @ C
    Z = np.where(keep[:, :, None], coords / np.where(keep, root, 1.0)[:, :, None], 0.0)
    return R, Z


def _square_roots(G, C):
    """R (k, p, p) with R_tᵀ R_t = G_t, and Z solving R_tᵀ z = c for every column c of C.

    ``C`` has shape (k, p, m).  Cholesky when every G_t is safely positive
    definite, else the eigendecomposition with the null space dropped (there
    c_t has no component: c_t lies in the range of G_t).
    """
    roots = _cholesky_roots(G, C)
    return _eigen_roots(G, C) if roots is None else roots


def compact_stacked_design(R, Z, rho):
    """The least-squares design ``Σ_t ρ_t ½‖R_t w_t − z_t‖²``: p rows per task, entry weights ρ_t, no intercepts.

    ``R`` has shape (T, p, p) and ``Z`` (T, p, 1), as :func:`_square_roots` returns them.
    """
    T, p = R.shape[0], R.shape[2]
    design = StackedDesign(
        R.reshape(T * p, p),
        Z.reshape(T * p),
        np.repeat(np.arange(T), p),
        T,
        np.ones(T * p),
        rho,
        average_per_task=False,
    )
    design.gram_form = True
    return design


class GramDesign:
    """The squared-loss problem of a design, rewritten on its Gram matrices.

    Parameters
    ----------
    design : SharedDesign or StackedDesign
        The original data (dense X).
    fit_intercept : bool
        Whether every task has a free intercept (eliminated here by centring).

    Attributes
    ----------
    design : SharedDesign or StackedDesign
        The compact least-squares design (p rows per task, or p shared rows),
        with entry weights ρ_t: the solvers fit it with no intercepts.
    gradient_scale : float
        ``‖∇ data(W = 0, b = 0)‖_∞`` of the original problem (intercept
        gradients included when they are free).
    objective_offset : float
        The original data term at the best intercepts minus the compact one,
        ``½ Σ_t ρ_t (q_t − ‖z_t‖²)``: the same for every W.
    """

    def __init__(self, design, fit_intercept):
        self.fit_intercept = fit_intercept
        rho = design.task_weights
        shared = isinstance(design, SharedDesign)
        G, C, self._x_mean, self._y_mean, y_sums = (_shared_moments if shared else _stacked_moments)(
            design, fit_intercept
        )
        targets = C.T[None] if shared else C[:, :, None]
        roots = _cholesky_roots(G, targets)
        hessians, cross = G, C
        if roots is None:
            # The compact design drops the null space of G: its quadratic is that of RᵀR and Rᵀz.
            roots = _eigen_roots(G, targets)
            transposed = np.swapaxes(roots[0], 1, 2)
            hessians, cross = transposed @ roots[0], transposed @ roots[1]
            cross = cross[0].T if shared else cross[:, :, 0]
        R, Z = roots
        if shared:
            self.design = SharedDesign(R[0], Z[0], np.ones(design.n_features), rho, average_per_task=False)
            self.design.gram_form = True
        else:
            self.design = compact_stacked_design(R, Z, rho)
        # ∇_W at 0 uses the uncentred cross-products c_t + x̄_t Σ_i s_i y_i.
        raw = C + self._x_mean * y_sums[:, None]
        scale = np.max(np.abs(rho[:, None] * raw), initial=0.0)
        if fit_intercept:
            scale = max(scale, np.max(np.abs(rho * y_sums), initial=0.0))
        self.gradient_scale = max(scale, np.finfo(float).tiny)
        compact_constant = 0.5 * float(np.dot(self.design.weight, self.design.y**2))
        self.objective_offset = self._objective_offset(design, compact_constant)
        self.quadratic = GramQuadratic(hessians, cross, rho, compact_constant)

    def _objective_offset(self, design, compact_constant):
        """``½ Σ_i c_i (y_i − b_t)²`` at W = 0 and the best intercepts, minus ``½ Σ c z²`` of the compact design."""
        residual = design.y - self.intercepts(np.zeros((design.n_tasks, design.n_features)))[design.task_of_entries()]
        return 0.5 * float(np.dot(design.weight, residual**2)) - compact_constant

    def intercepts(self, W):
        """The optimal intercepts ``b_t = ȳ_t − x̄_tᵀ w_t`` for the weights W."""
        if self._x_mean.shape[0] == 1:  # one mean row, shared by the tasks
            return self._y_mean - W @ self._x_mean[0]
        return self._y_mean - np.einsum("tp,tp->t", self._x_mean, W)


class GramQuadratic:
    """The compact data term as a quadratic in W: ``Σ_t ρ_t (½ w_tᵀ G_t w_t − c_tᵀ w_t) + κ``.

    The data term of :attr:`GramDesign.design` (``Σ_t ρ_t ½‖R_t w_t − z_t‖²``
    with ``G_t = R_tᵀ R_t``, ``c_t = R_tᵀ z_t``, ``κ = ½ Σ_t ρ_t ‖z_t‖²``),
    handled through the products ``H W`` with ``(H W)_t = ρ_t G_t w_t``: one
    (T × p) × (p × p) product per gradient, no pass over rows.

    Parameters
    ----------
    hessians : ndarray of shape (1, p, p) or (n_tasks, p, p)
        One Gram matrix shared by the tasks, or one per task.
    cross : ndarray of shape (n_tasks, p)
        The c_t.
    task_weights : ndarray of shape (n_tasks,)
        The ρ_t.
    constant : float
        κ.

    Attributes
    ----------
    linear : ndarray of shape (n_tasks, p)
        ``B = (ρ_t c_t)_t``: the data term's gradient is ``H W − B``.
    """

    def __init__(self, hessians, cross, task_weights, constant):
        rho = np.asarray(task_weights, dtype=np.float64)
        self.n_tasks, self.n_features = cross.shape
        self.shared = hessians.shape[0] == 1 and self.n_tasks > 1
        self._uniform = self.shared and bool(np.all(rho == rho[0]))
        if self.shared:
            # One matrix: ρ folds into it when the tasks weigh the same, else it scales the product's rows.
            self._H = rho[0] * hessians[0] if self._uniform else hessians[0]
        else:  # unit task weights (a Newton step's model) keep the given matrices: no T p² copy
            self._H = hessians if np.all(rho == 1.0) else rho[:, None, None] * hessians
        self._rho = rho[:, None]
        self.linear = self._rho * cross
        self.constant = float(constant)
        self._column_scales = None

    def product(self, W, out=None):
        """``H W``: row t is ``ρ_t G_t w_t`` (into ``out`` when given)."""
        if not self.shared:
            return np.matmul(self._H, W[:, :, None], out=None if out is None else out[:, :, None])[:, :, 0]
        HW = np.matmul(W, self._H, out=out)  # G symmetric: (G w_t)ᵀ = w_tᵀ G
        if not self._uniform:
            HW *= self._rho
        return HW

    def lipschitz_estimate(self, n_iter=15, seed=0):
        """Power-iteration estimate of λ_max(H), the data term's gradient Lipschitz constant.

        The estimate of the compact design's rows (the same operator:
        :meth:`~mtlearn.solvers.CompositeProblem.lipschitz_estimate`, same start) at a p × p
        product per step instead of a pass over the rows.
        """
        start = np.random.default_rng(seed).standard_normal(self.n_tasks * self.n_features)
        return power_iteration(self.product, start.reshape(self.n_tasks, self.n_features), n_iter)

    def value(self, W, HW):
        """The data term at W, from ``HW = H W``."""
        return 0.5 * float(np.vdot(W, HW)) - float(np.vdot(self.linear, W)) + self.constant

    def restricted(self, keep):
        """The quadratic of the weights on the features ``keep`` alone (the others at zero)."""
        copy = object.__new__(GramQuadratic)
        copy.__dict__.update(self.__dict__)
        copy.n_features = len(keep)
        index = np.ix_(keep, keep)
        copy._H = self._H[index] if self.shared else self._H[(slice(None),) + index]
        copy.linear = self.linear[:, keep]
        copy._column_scales = None
        return copy

    def product_from(self, keep, W_keep):
        """``H W`` of the whole problem for weights that are zero off the features ``keep`` (``W_keep`` on them)."""
        if self.shared:
            HW = W_keep @ self._H[keep]
            return HW if self._uniform else HW * self._rho
        return np.einsum("tkp,tk->tp", self._H[:, keep], W_keep)

    @property
    def column_scales(self):
        """``a_tj = √(ρ_t (G_t)_jj)``, shape (n_tasks, p): the gradient moves by a_tj per unit of dual distance.

        Computed once (screening, :mod:`mtlearn.solvers._gram_apg`).
        """
        if self._column_scales is None:
            diagonal = np.diagonal(self._H, axis1=-2, axis2=-1)
            if self.shared:
                diagonal = np.broadcast_to(diagonal, (self.n_tasks, self.n_features))
                if not self._uniform:
                    diagonal = diagonal * self._rho
            self._column_scales = np.sqrt(np.maximum(diagonal, 0.0))
        return self._column_scales
