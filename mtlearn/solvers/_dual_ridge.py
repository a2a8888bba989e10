"""The dual (kernel) form of the exact squared-loss solve with a mean-type penalty, for n_t < p.

The problem is that of :mod:`mtlearn.solvers._exact_ridge`: the squared loss
plus ``α Ω(W)`` with ``M⁻¹ = a I + b 11ᵀ`` (:class:`~mtlearn.penalties.MeanPenalty`,
:class:`~mtlearn.penalties.RidgePenalty`),

    minimise over W, b:   Σ_t ρ_t Σ_{i in t} s_i ½ (y_i − x_iᵀ w_t − b_t)²  +  α Ω(W),

solved there, after writing ``w_t = √b u_0 + √a u_t``, by

    (I + b Σ_t A_t M_t⁻¹) u_0 = √b Σ_t M_t⁻¹ g_t,
    w_t = √b u_0 + a M_t⁻¹ (g_t − √b A_t u_0),

with ``A_t = ρ_t B_tᵀ B_t``, ``g_t = ρ_t B_tᵀ z_t``, ``M_t = a A_t + α I``, the
centred, weighted rows ``B_t = diag(√s) (X_t − 1 x̄_tᵀ)`` (n_t × p) and
``z_t = diag(√s) (y_t − ȳ_t)``.  When a task has fewer rows than features the
p × p matrices are never needed: with the n_t × n_t Gram matrix
``K_t = B_t B_tᵀ = U_t diag(σ_t²) U_tᵀ`` and the push-through identity
``M_t⁻¹ B_tᵀ = B_tᵀ (a ρ_t K_t + α I)⁻¹``,

    w_t = √b u_0 + B_tᵀ c_t,    c_t = a ρ_t U_t D_t (U_tᵀ z_t − √b U_tᵀ B_t u_0),
    D_t = diag(1 / (a ρ_t σ_t² + α)),

so every task's weights are ``√b u_0`` plus a combination of its own centred
rows (its dual coefficients c_t), and the shared part solves

    (I + b Σ_t ρ_t B_tᵀ U_t D_t U_tᵀ B_t) u_0 = √b Σ_t ρ_t B_tᵀ U_t D_t U_tᵀ z_t.

- Tasks with their own rows (:class:`~mtlearn._design.StackedDesign`): the
  matrix of that system is the identity plus a positive semi-definite term of
  norm at most ``b T / a = mix / (1 − mix)`` (each ``ρσ²/(aρσ² + α) < 1/a``), so
  conjugate gradients converge in a few iterations for mix away from 1; each
  costs one product with X and one with Xᵀ (sparse X stays sparse: the
  centring is applied as ``X u − 1 x̄ᵀ u``).
- One shared design (:class:`~mtlearn._design.SharedDesign`): all tasks share
  ``U, σ``, the matrix is diagonal on the eigenvectors ``Bᵀ U`` and u_0 is
  explicit.

The Gram matrices and their eigendecompositions do not depend on α nor on
(a, b): :class:`DualMeanRegularisedPath` computes them once, and each
``solve(alpha, (a, b))`` costs O(Σ_t n_t²) plus the products with X of the
conjugate gradients (started from the previous u_0).  The eigendecomposition
squares the condition number: eigenvalues of K_t below its round-off level
(``n_t ε λ_max``; among them the one the centring leaves at 0) are dropped.
One fit (:func:`solve_dual_mean_regularised_squared`) factorises
``a ρ_t K_t + α I`` by Cholesky instead, a fraction of the cost (nothing is
dropped: the centring's null vector √s of K_t is annihilated by B_tᵀ); the
dispatch takes it for dense rows and shared designs, whose Gram matrices are
BLAS products: a single fit on sparse rows of their own per task is
conjugate gradients on the dual instead (:mod:`mtlearn.solvers._dual_cg`),
which needs a few passes over X where the sparse Gram products cost more.
Memory: the data, the T × p weights and means, and Σ_t n_t² for the Gram
matrices — no n × p or p × p array (sparse rows: the columns present in more
than 1/8 of a task's rows, at most p / n_t of them, are densified for one
dense product).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .._design import SharedDesign

# Conjugate gradients stop at this residual relative to the right-hand side.
_CG_RTOL = 1e-13
# Columns present in more than 1/this of a task's sparse rows enter its Gram matrix as a dense product.
_DENSE_COLUMN_FRACTION = 8
# Eigenvalues of a Gram matrix below this multiple of n ε λ_max are round-off.
_EIGEN_CUTOFF = 16.0


def dual_pays_off(design):
    """Whether the dual form is the cheaper one: every task has fewer rows than features.

    Then each task's n_t × n_t Gram matrix is smaller than its p × p one (a
    single task with many rows would make the dual form the larger one).

    Parameters
    ----------
    design : StackedDesign or SharedDesign

    Returns
    -------
    bool
    """
    n_rows, p = design.X.shape
    if isinstance(design, SharedDesign):
        return n_rows < p
    return int(np.diff(design.starts).max()) < p


def _row_groups(counts):
    """(first task, last task) of the runs of consecutive tasks with the same row count."""
    first, n_tasks = 0, len(counts)
    while first < n_tasks:
        last = first + 1
        while last < n_tasks and counts[last] == counts[first]:
            last += 1
        yield first, last
        first = last


def _gram_of_rows(X):
    """``X Xᵀ`` as a dense array, for a dense or sparse X.

    For sparse rows, the columns present in more than 1/8 of the rows (the
    frequent words of text) cost more as sparse products than as one dense
    product: they are multiplied densely (at most n_features entries
    densified), the others sparsely.
    """
    if not sp.issparse(X):
        return X @ X.T
    X = X.tocsr()
    n, p = X.shape
    counts = np.bincount(X.indices, minlength=p)
    frequent = np.flatnonzero(counts * _DENSE_COLUMN_FRACTION > n)
    frequent = frequent[np.argsort(-counts[frequent], kind="stable")][: max(p // max(n, 1), 0)]
    if frequent.size == 0:
        return (X @ X.T).toarray()
    dense = np.zeros(p, dtype=bool)
    dense[frequent] = True
    rare = X.copy()  # the task's rows only; eliminate_zeros works in place
    rare.data[dense[rare.indices]] = 0.0
    rare.eliminate_zeros()
    frequent_rows = X[:, np.sort(frequent)].toarray()
    return (rare @ rare.T).toarray() + frequent_rows @ frequent_rows.T


def _centred_gram(gram, s, fit_intercept):
    """``diag(√s) C K Cᵀ diag(√s)`` with ``C = I − 1 sᵀ / Σ s`` (the identity without intercept)."""
    if fit_intercept:
        v = gram @ s / s.sum()
        gram = gram - v[:, None] - v[None, :] + (s @ v) / s.sum()
    root = np.sqrt(s)
    return root[:, None] * gram * root[None, :]


def _eigen(K):
    """Eigenvalues (round-off set to 0) and eigenvectors of a symmetric positive semi-definite K."""
    lam, U = scipy.linalg.eigh(K, overwrite_a=True, check_finite=False, driver="evd")
    cutoff = _EIGEN_CUTOFF * K.shape[0] * np.finfo(np.float64).eps * max(lam[-1], 0.0)
    return np.where(lam > cutoff, lam, 0.0), U


def task_column_sums(X, task_index, n_tasks, v):
    """``Σ_{i in t} v_i x_i`` of every task t, shape (n_tasks, p): one product of Xᵀ with v spread per task.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, p)
    task_index : ndarray of int of shape (n_rows,)
    n_tasks : int
    v : ndarray of shape (n_rows,)

    Returns
    -------
    ndarray of shape (n_tasks, p)
    """
    n_rows = len(v)
    spread = sp.csr_matrix((v, task_index, np.arange(n_rows + 1)), shape=(n_rows, n_tasks))
    sums = X.T @ spread
    return (sums.toarray() if sp.issparse(sums) else np.asarray(sums)).T


def conjugate_gradients(apply, rhs, start, max_iter):
    """Solve ``H u = rhs`` for a symmetric positive definite H given as ``apply(u) = H u``.

    Parameters
    ----------
    apply : callable
        ``u ↦ H u`` on vectors of the shape of ``rhs``.
    rhs : ndarray of shape (p,)
    start : ndarray of shape (p,)
        The first iterate.
    max_iter : int
        Iterations allowed.

    Returns
    -------
    ndarray of shape (p,)
        The iterate whose residual is at most ``1e-13 ‖rhs‖``, or the last one.
    """
    u = start.copy()
    r = rhs - apply(u)
    threshold = (_CG_RTOL * np.linalg.norm(rhs)) ** 2
    direction = r.copy()
    rr = r @ r
    for _ in range(max_iter):
        if rr <= threshold:
            break
        Hd = apply(direction)
        step = rr / (direction @ Hd)
        u += step * direction
        r -= step * Hd
        rr, previous = r @ r, rr
        direction = r + (rr / previous) * direction
    return u


class _CentredRows:
    """The centred, weighted rows ``B = diag(√s) (X − 1 x̄_{t}ᵀ)`` of all tasks, applied without forming them.

    ``X`` is the design's (n_rows, p) matrix (dense or sparse), rows grouped
    by task; ``task_index`` gives each row's task and ``x_mean`` (T, p) the
    tasks' weighted means (zeros without intercept).
    """

    def __init__(self, X, root_s, task_index, x_mean):
        self.X, self.root_s, self.task_index, self.x_mean = X, root_s, task_index, x_mean
        self.n_tasks = x_mean.shape[0]

    def times(self, u):
        """``B u`` of shape (n_rows,), for u of shape (p,)."""
        return self.root_s * (np.asarray(self.X @ u).ravel() - (self.x_mean @ u)[self.task_index])

    def _weighted(self, c):
        """The rows' coefficients ``√s c`` and their sum per task."""
        v = self.root_s * c
        return v, np.bincount(self.task_index, weights=v, minlength=self.n_tasks)

    def adjoint_sum(self, c):
        """``Σ_t B_tᵀ c_t`` of shape (p,), for the stacked coefficients c of shape (n_rows,)."""
        v, sums = self._weighted(c)
        return np.asarray(self.X.T @ v).ravel() - sums @ self.x_mean

    def adjoint(self, c):
        """``B_tᵀ c_t`` of every task, shape (T, p)."""
        v, sums = self._weighted(c)
        return task_column_sums(self.X, self.task_index, self.n_tasks, v) - sums[:, None] * self.x_mean


@dataclass
class _SpectralGroup:
    """Consecutive tasks with n rows each: their rows, task weights ρ (k, 1), eigenpairs σ² (k, n), U (k, n, n)."""

    rows: slice
    rho: np.ndarray
    lam: np.ndarray
    U: np.ndarray

    def shifted_solver(self, a, alpha):
        """``c_t ↦ ρ_t (a ρ_t K_t + α I)⁻¹ c_t`` on the kept eigenvalues (0 on the dropped ones), c stacked."""
        weights = np.where(self.lam > 0, self.rho / (a * self.rho * self.lam + alpha), 0.0)

        def apply(c):
            coords = np.matmul(c.reshape(len(self.U), 1, -1), self.U)[:, 0]
            return np.matmul(self.U, (weights * coords)[:, :, None]).ravel()

        return apply


@dataclass
class _CholeskyGroup:
    """Consecutive tasks with n rows each: their rows, task weights ρ (k, 1) and Gram matrices K (k, n, n)."""

    rows: slice
    rho: np.ndarray
    K: np.ndarray

    def shifted_solver(self, a, alpha):
        """``c_t ↦ ρ_t (a ρ_t K_t + α I)⁻¹ c_t`` by one Cholesky factorisation per task, c stacked."""
        n = self.K.shape[1]
        shifted = [a * rho * K + alpha * np.eye(n) for rho, K in zip(self.rho[:, 0], self.K, strict=True)]
        factors = [scipy.linalg.cho_factor(matrix, overwrite_a=True, check_finite=False) for matrix in shifted]

        def apply(c):
            tasks = c.reshape(len(factors), n)
            solved = [
                scipy.linalg.cho_solve(factor, row, check_finite=False)
                for factor, row in zip(factors, tasks, strict=True)
            ]
            return (self.rho * np.array(solved)).ravel()

        return apply


class _StackedDual:
    """The tasks' centred Gram matrices of a stacked design, eigendecomposed (for paths) or as they are.

    In groups of consecutive tasks with equal row counts.  ``spectral=True``:
    one eigendecomposition per task, then every (α, a, b) costs products
    only; False: one Cholesky factorisation per task and solve (cheaper for
    one fit).
    """

    def __init__(self, design, fit_intercept, spectral):
        X, starts, T = design.X, design.starts, design.n_tasks
        s, rho = design.sample_weight, design.task_weights
        totals = np.add.reduceat(s, starts[:-1])
        x_mean = np.zeros((T, design.n_features))
        self.y_mean = np.zeros(T)
        if fit_intercept:
            x_mean = design.backward(s) / totals[:, None]
            self.y_mean = np.add.reduceat(s * design.y, starts[:-1]) / totals
        self.x_mean = x_mean
        root_s = np.sqrt(s)
        self.rows = _CentredRows(X, root_s, design.task_index, x_mean)
        self.z = root_s * (design.y - self.y_mean[design.task_index])
        self.groups = []
        for first, last in _row_groups(np.diff(starts)):
            n = int(starts[first + 1] - starts[first])
            K = np.empty((last - first, n, n))
            for j, t in enumerate(range(first, last)):
                rows = slice(starts[t], starts[t + 1])
                K[j] = _centred_gram(_gram_of_rows(X[rows]), s[rows], fit_intercept)
            rows, group_rho = slice(starts[first], starts[last]), rho[first:last, None]
            if spectral:
                lam, U = np.empty((last - first, n)), K
                for j in range(last - first):
                    lam[j], U[j] = _eigen(K[j])
                self.groups.append(_SpectralGroup(rows, group_rho, lam, U))
            else:
                self.groups.append(_CholeskyGroup(rows, group_rho, K))
        self.n_rows = X.shape[0]
        self._u0 = np.zeros(design.n_features)

    def solve(self, alpha, kernel_coefficients):
        a, b = kernel_coefficients
        solvers = [(group.rows, group.shifted_solver(a, alpha)) for group in self.groups]

        def inverse(c):
            # ρ_t (a ρ_t K_t + α I)⁻¹ c_t of every task, stacked.
            return np.concatenate([solver(c[rows]) for rows, solver in solvers])

        inverse_z = inverse(self.z)
        if b == 0:
            return self.rows.adjoint(a * inverse_z)

        def apply(u):
            # (I + b Σ_t A_t M_t⁻¹) u, with A_t M_t⁻¹ = ρ_t B_tᵀ (a ρ_t K_t + α I)⁻¹ B_t.
            return u + b * self.rows.adjoint_sum(inverse(self.rows.times(u)))

        rhs = np.sqrt(b) * self.rows.adjoint_sum(inverse_z)
        self._u0 = conjugate_gradients(apply, rhs, self._u0, max_iter=self.n_rows + 10)
        return np.sqrt(b) * self._u0 + self.rows.adjoint(
            a * (inverse_z - np.sqrt(b) * inverse(self.rows.times(self._u0)))
        )


class _SharedSpectra:
    """``U, σ²`` of one shared design and every task's ``Uᵀ z_t``: u_0 is explicit (see the module docstring)."""

    def __init__(self, design, fit_intercept):
        X, s, T = design.X, design.sample_weight, design.n_tasks
        Y = design.y.reshape(-1, T)
        x_mean = np.zeros(design.n_features)
        self.y_mean = np.zeros(T)
        if fit_intercept:
            x_mean = np.asarray(X.T @ s).ravel() / s.sum()
            self.y_mean = s @ Y / s.sum()
        self.x_mean = np.broadcast_to(x_mean, (T, design.n_features))
        self.rows = _CentredRows(X, np.sqrt(s), np.zeros(X.shape[0], dtype=np.intp), x_mean[None])
        self.lam, self.U = _eigen(_centred_gram(_gram_of_rows(X), s, fit_intercept))
        zeta = self.U.T @ (np.sqrt(s)[:, None] * (Y - self.y_mean))
        self.zeta = np.where(self.lam[:, None] > 0, zeta, 0.0)
        self.rho = design.task_weights

    def solve(self, alpha, kernel_coefficients):
        a, b = kernel_coefficients
        lam = self.lam[:, None]
        inverse = np.where(lam > 0, 1.0 / (a * self.rho * lam + alpha), 0.0)
        # u_0 = Bᵀ U e_0, so U_tᵀ B_t u_0 = σ² e_0.
        e0 = (
            np.sqrt(b)
            * (self.rho * inverse * self.zeta).sum(axis=1)
            / (1.0 + b * self.lam * (self.rho * inverse).sum(axis=1))
        )
        E = np.sqrt(b) * e0[:, None] + a * self.rho * inverse * (self.zeta - np.sqrt(b) * (self.lam * e0)[:, None])
        V = self.rows.root_s[:, None] * (self.U @ E)
        return np.asarray(self.rows.X.T @ V).T - V.sum(axis=0)[:, None] * self.x_mean


class DualMeanRegularisedPath:
    """The α- and (a, b)-independent spectra of the tasks' n_t × n_t Gram matrices, for many exact solves.

    ``DualMeanRegularisedPath(design, fit_intercept).solve(alpha, kernel_coefficients)``
    is the minimiser of :func:`~mtlearn.solvers.solve_mean_regularised_squared`
    (the same problem) in the dual form of the module docstring; the
    conjugate gradients of a stacked design start from the previous solve's
    shared part.

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    fit_intercept : bool
    spectral : bool, default=True
        Eigendecompose the Gram matrices of a stacked design (each solve then
        costs products only); False: factorise ``a ρ_t K_t + α I`` by Cholesky
        at each solve (cheaper for a single fit).
    """

    def __init__(self, design, fit_intercept, spectral=True):
        self.fit_intercept = fit_intercept
        if isinstance(design, SharedDesign):
            self._spectra = _SharedSpectra(design, fit_intercept)
        else:
            self._spectra = _StackedDual(design, fit_intercept, spectral)

    def solve(self, alpha, kernel_coefficients):
        """(W, intercept) for α > 0 and ``M⁻¹ = a I + b 11ᵀ``.

        Parameters
        ----------
        alpha : float > 0
        kernel_coefficients : (a, b)

        Returns
        -------
        W : ndarray of shape (n_tasks, n_features)
        intercept : ndarray of shape (n_tasks,)
        """
        spectra = self._spectra
        W = spectra.solve(alpha, kernel_coefficients)
        intercept = (
            spectra.y_mean - np.einsum("tp,tp->t", spectra.x_mean, W) if self.fit_intercept else np.zeros(len(W))
        )
        return W, intercept


def solve_dual_mean_regularised_squared(design, alpha, kernel_coefficients, fit_intercept):
    """Exact minimiser of the squared loss plus α Ω(W) for a mean-type penalty, in the dual form.

    Parameters
    ----------
    design : StackedDesign or SharedDesign
    alpha : float > 0
    kernel_coefficients : (a, b)
        ``M⁻¹ = a I + b 11ᵀ``.
    fit_intercept : bool

    Returns
    -------
    W : ndarray of shape (n_tasks, n_features)
    intercept : ndarray of shape (n_tasks,)
    """
    return DualMeanRegularisedPath(design, fit_intercept, spectral=False).solve(alpha, kernel_coefficients)
