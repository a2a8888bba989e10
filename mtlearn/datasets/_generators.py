"""Synthetic multi-task data with a planted task structure.

Both generators draw a coefficient matrix ``coef`` of shape
(n_tasks, n_features) -- row t holds task t's weights, the convention of the
mtlearn estimators' ``coef_`` -- from one of six structures, then draw a
Gaussian design per task and the targets from a linear (regression) or
logistic (classification) model.
"""

import numbers

import numpy as np
from scipy.sparse import issparse
from scipy.sparse.csgraph import connected_components
from scipy.special import expit, softmax
from sklearn.utils import check_random_state

__all__ = ["make_multitask_regression", "make_multitask_classification"]

_STRUCTURES = ("mean", "sparse", "low_rank", "clusters", "graph", "independent")


# ---------------------------------------------------------------------------
# argument validation
# ---------------------------------------------------------------------------


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_int(value, name, low=1, high=None, high_doc=None):
    if not _is_int(value):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < low or (high is not None and value > high):
        if high is None:
            bounds = f">= {low}"
        else:
            bounds = f"between {low} and {high_doc or high}"
        raise ValueError(f"{name} must be {bounds}, got {value}.")
    return int(value)


def _check_real(value, name, low=None, high=None, low_open=False):
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}.")
    return value


def _check_n_samples(n_samples, n_tasks, shared_design):
    if _is_int(n_samples):
        _check_int(n_samples, "n_samples")
        return np.full(n_tasks, int(n_samples), dtype=np.int64)
    if shared_design:
        raise ValueError(
            "n_samples must be a single integer when shared_design=True (all "
            f"tasks share the same rows), got {n_samples!r}."
        )
    try:
        sizes = np.asarray(n_samples)
    except Exception:  # pragma: no cover - exotic inputs
        sizes = None
    if sizes is None or sizes.ndim != 1 or sizes.shape[0] != n_tasks:
        raise ValueError(
            "n_samples must be a positive integer or an array-like of "
            f"n_tasks={n_tasks} positive integers, got {n_samples!r}."
        )
    if (
        sizes.dtype.kind not in "iuf"
        or not np.all(np.isfinite(sizes))
        or not np.all(sizes == np.round(sizes))
        or np.any(sizes < 1)
    ):
        raise ValueError(f"n_samples must contain positive integers only, got {n_samples!r}.")
    return sizes.astype(np.int64)


def _check_graph(graph, n_tasks):
    if graph is None:
        A = np.zeros((n_tasks, n_tasks))
        idx = np.arange(n_tasks - 1)
        A[idx, idx + 1] = A[idx + 1, idx] = 1.0
        return A
    A = graph.toarray() if issparse(graph) else graph
    try:
        A = np.asarray(A, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"graph must be a numeric adjacency matrix: {exc}") from exc
    if A.shape != (n_tasks, n_tasks):
        raise ValueError(
            f"graph must be an adjacency matrix of shape (n_tasks, n_tasks) = "
            f"({n_tasks}, {n_tasks}), got shape {A.shape}."
        )
    if not np.all(np.isfinite(A)) or np.any(A < 0):
        raise ValueError("graph must have finite, non-negative entries.")
    if not np.allclose(A, A.T):
        raise ValueError("graph must be a symmetric adjacency matrix.")
    A = (A + A.T) / 2.0
    np.fill_diagonal(A, 0.0)  # self-loops do not change the Laplacian
    return A


def _check_structure_args(
    n_tasks, n_features, structure, relatedness, n_informative, rank, n_clusters, graph, coef_scale
):
    n_tasks = _check_int(n_tasks, "n_tasks")
    n_features = _check_int(n_features, "n_features")
    if not isinstance(structure, str) or structure not in _STRUCTURES:
        raise ValueError(f"structure must be one of {', '.join(map(repr, _STRUCTURES))}; got {structure!r}.")
    relatedness = _check_real(relatedness, "relatedness", 0.0, 1.0)
    coef_scale = _check_real(coef_scale, "coef_scale", 0.0, low_open=True)
    if structure == "sparse":
        n_informative = _check_int(n_informative, "n_informative", 1, n_features, f"n_features={n_features}")
    if structure == "low_rank":
        rank = _check_int(
            rank, "rank", 1, min(n_tasks, n_features), f"min(n_tasks, n_features)={min(n_tasks, n_features)}"
        )
    if structure == "clusters":
        n_clusters = _check_int(n_clusters, "n_clusters", 1, n_tasks, f"n_tasks={n_tasks}")
    if structure == "graph":
        graph = _check_graph(graph, n_tasks)
    elif graph is not None:
        raise ValueError(f"graph is only used with structure='graph', got structure={structure!r}.")
    return dict(
        n_tasks=n_tasks,
        n_features=n_features,
        structure=structure,
        relatedness=relatedness,
        n_informative=n_informative,
        rank=rank,
        n_clusters=n_clusters,
        adjacency=graph,
        coef_scale=coef_scale,
    )


# ---------------------------------------------------------------------------
# planted structure
# ---------------------------------------------------------------------------


def _plan_structure(args, rng):
    """Draw the shared structure (support, clusters, graph factor)."""
    structure = args["structure"]
    n_tasks, n_features = args["n_tasks"], args["n_features"]
    rho = args["relatedness"]
    info = {"structure": structure}
    plan = {}
    if structure == "sparse":
        support = np.zeros(n_features, dtype=bool)
        support[rng.choice(n_features, args["n_informative"], replace=False)] = True
        info["support"] = support
    elif structure == "low_rank":
        info["rank"] = args["rank"]
    elif structure == "clusters":
        labels = rng.permutation(np.arange(n_tasks) % args["n_clusters"])
        info["cluster_labels"] = labels.astype(np.int64)
    elif structure == "graph":
        A = args["adjacency"]
        info["adjacency"] = A
        if rho == 1.0:
            # limit of the Gaussian below: identical tasks per connected component
            _, comp = connected_components(A, directed=False)
            plan["factor"] = np.eye(comp.max() + 1)[comp]
        else:
            L = np.diag(A.sum(axis=1)) - A
            Q = (rho / (1.0 - rho)) * L + np.eye(n_tasks)
            eigval, eigvec = np.linalg.eigh(Q)
            factor = eigvec / np.sqrt(eigval)  # factor @ factor.T = inv(Q)
            mean_var = np.mean(np.sum(factor**2, axis=1))
            plan["factor"] = factor / np.sqrt(mean_var)
    return info, plan


def _draw_coef(args, info, plan, rng):
    """Draw one (n_tasks, n_features) coefficient matrix from the structure."""
    structure = args["structure"]
    T, d, rho = args["n_tasks"], args["n_features"], args["relatedness"]
    if structure == "mean":
        w0 = rng.standard_normal(d)
        W = np.sqrt(rho) * w0 + np.sqrt(1.0 - rho) * rng.standard_normal((T, d))
    elif structure == "independent":
        W = rng.standard_normal((T, d))
    elif structure == "sparse":
        support = info["support"]
        W = np.zeros((T, d))
        W[:, support] = rng.standard_normal((T, int(support.sum())))
    elif structure == "low_rank":
        r = args["rank"]
        U = rng.standard_normal((T, r))
        V = rng.standard_normal((d, r))
        W = U @ V.T / np.sqrt(r)
    elif structure == "clusters":
        labels = info["cluster_labels"]
        centres = rng.standard_normal((args["n_clusters"], d))
        W = np.sqrt(rho) * centres[labels] + np.sqrt(1.0 - rho) * rng.standard_normal((T, d))
    else:  # graph
        factor = plan["factor"]
        W = factor @ rng.standard_normal((factor.shape[1], d))
    return args["coef_scale"] * W


def _design(sizes, n_features, shared_design, rng):
    if shared_design:
        return rng.standard_normal((int(sizes[0]), n_features)), None
    X = rng.standard_normal((int(sizes.sum()), n_features))
    tasks = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    return X, tasks


_STRUCTURE_DOC = """\
    The coefficient matrix ``coef`` (row t = task t's weights w_t) is drawn
    with entries of variance ``coef_scale**2`` (on average over tasks for
    ``"graph"``), z denoting independent standard normal vectors and
    rho = ``relatedness``:

    - ``"mean"``: w_t = sqrt(rho) w_0 + sqrt(1 - rho) z_t, with a shared
      w_0 ~ N(0, I). ``relatedness=1`` gives identical tasks, ``0``
      independent tasks; the correlation between two tasks' weights is rho.
    - ``"sparse"``: a support S of ``n_informative`` features, shared by all
      tasks, is drawn at random; w_tj ~ N(0, 1) independently for j in S and
      w_tj = 0 exactly outside S (the columns of ``coef`` outside the
      support, i.e. the rows of the features-by-tasks matrix, are zero).
    - ``"low_rank"``: W = U V^T / sqrt(rank) with U (n_tasks, rank) and
      V (n_features, rank) standard normal, so ``coef`` has rank ``rank``.
    - ``"clusters"``: the tasks are split at random into ``n_clusters``
      non-empty groups of (near) equal size; w_t = sqrt(rho) c_k(t) +
      sqrt(1 - rho) z_t with a standard normal centre c_k per group.
    - ``"graph"``: the tasks are the nodes of a graph with adjacency matrix
      A (``graph``; a chain 0 - 1 - ... - (n_tasks - 1) by default) and
      Laplacian L = D - A. Each column of W (one feature across tasks) is
      drawn from N(0, c Q^{-1}) with precision
      Q = rho / (1 - rho) L + I, i.e. proportional to the Laplacian plus a
      ridge (1 - rho) / rho, and c normalising the mean variance to 1. The
      density is proportional to exp(-rho / (2 (1 - rho) c) sum over edges of
      A_st ||w_s - w_t||^2 - ||W||_F^2 / (2c)), so neighbouring tasks are
      close. ``relatedness=0`` gives independent tasks; ``relatedness=1``
      (the limit) identical tasks within each connected component.
    - ``"independent"``: w_t ~ N(0, I) independently.

    ``relatedness`` is used by ``"mean"``, ``"clusters"`` and ``"graph"``;
    ``n_informative`` only by ``"sparse"``, ``rank`` only by ``"low_rank"``,
    ``n_clusters`` only by ``"clusters"``, ``graph`` only by ``"graph"``.
    """

_SIZE_PARAMS_DOC = """\
    n_tasks : int, default=10
        Number of tasks.
    n_samples : int or array-like of shape (n_tasks,), default=100
        Number of samples per task: one int for all tasks, or one per task.
        With ``shared_design=True`` it must be an int (the number of shared
        rows).
    n_features : int, default=20
        Number of features."""

_STRUCTURE_PARAMS_DOC = """\
    structure : {"mean", "sparse", "low_rank", "clusters", "graph", \
"independent"}, default="mean"
        How the tasks' coefficient vectors are related (see Notes).
    relatedness : float in [0, 1], default=0.9
        How close related tasks are for ``"mean"``, ``"clusters"`` and
        ``"graph"``: 1 makes them identical (within a cluster / connected
        component), 0 independent.
    n_informative : int, default=5
        Size of the shared support for ``structure="sparse"``.
    rank : int, default=2
        Rank of ``coef`` for ``structure="low_rank"``; at most
        ``min(n_tasks, n_features)``.
    n_clusters : int, default=3
        Number of task groups for ``structure="clusters"``; at most
        ``n_tasks``.
    graph : array-like of shape (n_tasks, n_tasks), default=None
        Symmetric non-negative adjacency matrix of the task graph for
        ``structure="graph"`` (dense or scipy sparse). None means a chain
        graph linking task t to task t + 1. Passing a graph with another
        structure raises a ValueError."""

_DESIGN_PARAMS_DOC = """\
    shared_design : bool, default=False
        If True, all tasks share one design matrix X of shape
        (n_samples, n_features) and the targets are returned as a 2-D array
        with one column per task (the ``MultiTaskLasso`` format); no
        ``tasks`` array is returned.
    coef_scale : float > 0, default=1.0
        Standard deviation of the coefficient entries (see Notes).
    return_structure : bool, default=False
        If True, also return a dict describing the planted structure.
    random_state : int, RandomState instance or None, default=None
        Seed or generator; the output is a deterministic function of it."""

_STRUCTURE_RETURN_DOC = """\
    structure_info : dict
        Only if ``return_structure=True``. Always holds ``"structure"``
        (the name), plus ``"support"`` (bool mask of shape (n_features,)) for
        ``"sparse"``, ``"rank"`` for ``"low_rank"``, ``"cluster_labels"``
        (int array of shape (n_tasks,)) for ``"clusters"`` and
        ``"adjacency"`` (array of shape (n_tasks, n_tasks)) for ``"graph"``."""


# ---------------------------------------------------------------------------
# public generators
# ---------------------------------------------------------------------------


def make_multitask_regression(
    n_tasks=10,
    n_samples=100,
    n_features=20,
    *,
    structure="mean",
    relatedness=0.9,
    n_informative=5,
    rank=2,
    n_clusters=3,
    graph=None,
    noise=0.1,
    shared_design=False,
    coef_scale=1.0,
    return_structure=False,
    random_state=None,
):
    args = _check_structure_args(
        n_tasks, n_features, structure, relatedness, n_informative, rank, n_clusters, graph, coef_scale
    )
    noise = _check_real(noise, "noise", 0.0)
    sizes = _check_n_samples(n_samples, args["n_tasks"], bool(shared_design))
    rng = check_random_state(random_state)

    info, plan = _plan_structure(args, rng)
    coef = _draw_coef(args, info, plan, rng)
    X, tasks = _design(sizes, args["n_features"], shared_design, rng)
    if shared_design:
        Y = X @ coef.T + noise * rng.standard_normal((X.shape[0], args["n_tasks"]))
        out = (X, Y, coef)
    else:
        y = np.einsum("ij,ij->i", X, coef[tasks])
        y += noise * rng.standard_normal(X.shape[0])
        out = (X, y, tasks, coef)
    return out + (info,) if return_structure else out


make_multitask_regression.__doc__ = f"""Generate a multi-task regression problem with a planted structure.

    For each task t = 0, ..., n_tasks - 1, draws n_t samples

        x_i ~ N(0, I_{{n_features}}),   y_i = x_i^T w_t + noise * e_i,
        e_i ~ N(0, 1),

    with the task coefficient vectors w_t (the rows of ``coef``) drawn from
    the chosen ``structure`` (see Notes). There is no intercept.

    Parameters
    ----------
{_SIZE_PARAMS_DOC}
{_STRUCTURE_PARAMS_DOC}
    noise : float >= 0, default=0.1
        Standard deviation of the Gaussian noise added to the targets.
{_DESIGN_PARAMS_DOC}

    Returns
    -------
    X : ndarray of shape (sum of n_t, n_features), or (n_samples, n_features) \
if ``shared_design``
        The design; rows are grouped by task (task 0's rows first).
    y : ndarray of shape (sum of n_t,), or Y of shape (n_samples, n_tasks) \
if ``shared_design``
        The targets.
    tasks : ndarray of shape (sum of n_t,)
        Task id (int64, 0..n_tasks - 1) of each row. Not returned when
        ``shared_design=True``: the return value is then
        ``(X, Y, coef)`` (plus ``structure_info``).
    coef : ndarray of shape (n_tasks, n_features)
        The true coefficients; row t is task t's weight vector (the
        convention of mtlearn's ``coef_``).
{_STRUCTURE_RETURN_DOC}

    Raises
    ------
    ValueError
        If an argument is out of range; the message names the parameter.

    Notes
    -----
{_STRUCTURE_DOC}
    The random draws are made in a fixed order (structure, coefficients,
    design, noise), so the output is reproducible under ``random_state``.

    Examples
    --------
    >>> from mtlearn.datasets import make_multitask_regression
    >>> X, y, tasks, coef = make_multitask_regression(
    ...     n_tasks=5, n_samples=[10, 20, 30, 40, 50], n_features=8,
    ...     structure="low_rank", rank=2, random_state=0)
    >>> X.shape, coef.shape
    ((150, 8), (5, 8))
    >>> X, Y, coef = make_multitask_regression(
    ...     n_tasks=4, n_samples=30, structure="sparse", shared_design=True,
    ...     random_state=0)
    >>> Y.shape
    (30, 4)
    """


def _ensure_all_classes(y, proba, n_classes):
    """Relabel as few rows as possible so that every class appears in y.

    For each missing class k, the row most likely to be of class k (under
    the model) among the rows whose class occurs more than once is moved to
    class k. Possible whenever ``len(y) >= n_classes``; otherwise y is left
    unchanged.
    """
    if len(y) < n_classes:
        return y
    y = y.copy()
    for k in range(n_classes):
        if np.any(y == k):
            continue
        counts = np.bincount(y, minlength=n_classes)
        candidates = np.flatnonzero(counts[y] > 1)
        i = candidates[np.argmax(proba[candidates, k])]
        y[i] = k
    return y


def _sample_labels(logits, n_classes, flip_y, rng):
    """Draw labels from a logistic / softmax model; return (labels, proba)."""
    if n_classes == 2:
        p1 = expit(logits)
        proba = np.column_stack([1.0 - p1, p1])
    else:
        proba = softmax(logits, axis=1)
    u = rng.uniform(size=proba.shape[0])
    cum = np.cumsum(proba, axis=1)
    y = np.minimum((u[:, None] > cum).sum(axis=1), n_classes - 1).astype(np.int64)
    flip = rng.uniform(size=y.shape[0]) < flip_y
    y[flip] = rng.randint(n_classes, size=int(flip.sum()))
    return y, proba


def make_multitask_classification(
    n_tasks=10,
    n_samples=100,
    n_features=20,
    *,
    n_classes=2,
    structure="mean",
    relatedness=0.9,
    n_informative=5,
    rank=2,
    n_clusters=3,
    graph=None,
    flip_y=0.0,
    shared_design=False,
    coef_scale=1.0,
    return_structure=False,
    random_state=None,
):
    args = _check_structure_args(
        n_tasks, n_features, structure, relatedness, n_informative, rank, n_clusters, graph, coef_scale
    )
    n_classes = _check_int(n_classes, "n_classes", 2)
    flip_y = _check_real(flip_y, "flip_y", 0.0, 1.0)
    sizes = _check_n_samples(n_samples, args["n_tasks"], bool(shared_design))
    rng = check_random_state(random_state)

    info, plan = _plan_structure(args, rng)
    if n_classes == 2:
        coef = _draw_coef(args, info, plan, rng)
    else:
        coef = np.stack([_draw_coef(args, info, plan, rng) for _ in range(n_classes)], axis=1)
    X, tasks = _design(sizes, args["n_features"], shared_design, rng)

    def labels_for(Xt, wt):
        logits = Xt @ wt.T  # (n,) for binary, (n, n_classes) otherwise
        yt, proba = _sample_labels(logits, n_classes, flip_y, rng)
        return _ensure_all_classes(yt, proba, n_classes)

    if shared_design:
        Y = np.column_stack([labels_for(X, coef[t]) for t in range(args["n_tasks"])])
        out = (X, Y, coef)
    else:
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        y = np.concatenate([labels_for(X[bounds[t] : bounds[t + 1]], coef[t]) for t in range(args["n_tasks"])])
        out = (X, y, tasks, coef)
    return out + (info,) if return_structure else out


make_multitask_classification.__doc__ = f"""Generate a multi-task classification problem with a planted structure.

    For each task t = 0, ..., n_tasks - 1, draws n_t samples from a logistic
    model with task coefficient vector w_t (the rows of ``coef``, drawn from
    the chosen ``structure``, see Notes) and no intercept:

        x_i ~ N(0, I_{{n_features}}),   P(y_i = 1 | x_i) = 1 / (1 + exp(-x_i^T w_t)).

    With ``n_classes = K > 2`` the model is the multinomial (softmax) one,
    P(y_i = k | x_i) proportional to exp(x_i^T w_tk), and ``coef`` has one
    structured matrix per class, drawn independently but sharing the planted
    structure (same support, clusters or graph; each class matrix has rank
    ``rank``).

    Then, if ``flip_y > 0``, each label is replaced with probability
    ``flip_y`` by a class drawn uniformly at random (as in
    :func:`sklearn.datasets.make_classification`, so about
    ``flip_y * (K - 1) / K`` of the labels actually change). Finally, if a
    task's labels miss a class and the task has at least K samples, the
    rows most likely to belong to the missing class under the model (taken
    from classes that occur more than once) are relabelled, so that every
    task holds every class whenever it has enough samples.

    Parameters
    ----------
{_SIZE_PARAMS_DOC}
    n_classes : int >= 2, default=2
        Number of classes; labels are the integers 0..n_classes - 1.
{_STRUCTURE_PARAMS_DOC}
    flip_y : float in [0, 1], default=0.0
        Fraction of labels reassigned at random (label noise).
{_DESIGN_PARAMS_DOC}

    Returns
    -------
    X : ndarray of shape (sum of n_t, n_features), or (n_samples, n_features) \
if ``shared_design``
        The design; rows are grouped by task (task 0's rows first).
    y : ndarray of shape (sum of n_t,), or Y of shape (n_samples, n_tasks) \
if ``shared_design``
        The int64 labels in 0..n_classes - 1.
    tasks : ndarray of shape (sum of n_t,)
        Task id (int64, 0..n_tasks - 1) of each row. Not returned when
        ``shared_design=True``: the return value is then
        ``(X, Y, coef)`` (plus ``structure_info``).
    coef : ndarray of shape (n_tasks, n_features), or (n_tasks, n_classes, \
n_features) if ``n_classes > 2``
        The true coefficients; row t is task t's weight vector.
{_STRUCTURE_RETURN_DOC}

    Raises
    ------
    ValueError
        If an argument is out of range; the message names the parameter.

    Notes
    -----
{_STRUCTURE_DOC}
    Larger ``coef_scale`` makes the classes more separable: the logits have
    standard deviation about ``coef_scale * sqrt(n_features)`` for a dense
    structure (``coef_scale * sqrt(n_informative)`` for ``"sparse"``).

    Examples
    --------
    >>> from mtlearn.datasets import make_multitask_classification
    >>> X, y, tasks, coef = make_multitask_classification(
    ...     n_tasks=3, n_samples=40, n_features=5, structure="clusters",
    ...     n_clusters=2, random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((120, 5), [0, 1])
    """
