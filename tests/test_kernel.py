"""Multi-task kernel machines against independent references.

- ``kernel="linear"`` is the linear multi-task model on X;
- the kernel ridge solution equals the closed-form solve of its dual (an
  (n + T) linear system written here) and the linear model on an explicit
  polynomial feature map;
- one task and no coupling is scikit-learn's ``KernelRidge`` / ``SVC``;
- on a non-linear task family the RBF multi-task model beats per-task kernel
  ridge and the linear multi-task model, all tuned by cross-validation.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.kernel_ridge import KernelRidge
from sklearn.metrics import mean_squared_error
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

from mtlearn import (
    GraphPenalty,
    MultiTaskKernelRidge,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    MultiTaskSVC,
)
from mtlearn.kernel import task_kernel
from mtlearn.penalties import make_penalty

from ._augmented import make_tasks

TIGHT = {"tol": 1e-11, "max_iter": 200_000}
CHAIN = GraphPenalty(adjacency=[[0, 1, 0], [1, 0, 2], [0, 2, 0]], ridge=0.5)


def _with_task_column(X, task_index):
    return np.column_stack([X, task_index])


@pytest.mark.parametrize("penalty", ["mean", "ridge", CHAIN], ids=["mean", "ridge", "graph"])
def test_linear_kernel_ridge_equals_the_linear_regressor(penalty):
    X, y, task_index = make_tasks(0)
    params = {"alpha": 0.05, "mix": 0.7, "penalty": penalty, **TIGHT}
    model = MultiTaskKernelRidge(kernel="linear", **params).fit(X, y, tasks=task_index)
    reference = MultiTaskRegressor(**params).fit(X, y, tasks=task_index)
    assert_allclose(model.predict(X, tasks=task_index), reference.predict(X, tasks=task_index), atol=1e-6)
    # The linear kernel's map has as many coordinates as the rank of X, not one per row.
    assert model.feature_map_.projection_.shape == (X.shape[0], X.shape[1])


@pytest.mark.parametrize("penalty", ["mean", CHAIN], ids=["mean", "graph"])
def test_linear_kernel_svc_equals_the_linear_svc(penalty):
    X, y, task_index = make_tasks(1, classification=True)
    params = {"C": 0.5, "mix": 0.6, "penalty": penalty, **TIGHT}
    model = MultiTaskSVC(kernel="linear", **params).fit(X, y, tasks=task_index)
    reference = MultiTaskLinearSVC(**params).fit(X, y, tasks=task_index)
    assert_allclose(
        model.decision_function(X, tasks=task_index), reference.decision_function(X, tasks=task_index), atol=1e-6
    )
    assert_allclose(model.predict(X, tasks=task_index), reference.predict(X, tasks=task_index))


def test_the_four_task_formats_give_the_same_kernel_models():
    X, y, task_index = make_tasks(2, n_per_task=(20, 20, 20))
    params = {"kernel": "rbf", "gamma": 0.3, "alpha": 0.1, **TIGHT}
    by_labels = MultiTaskKernelRidge(**params).fit(X, y, tasks=task_index)
    by_column = MultiTaskKernelRidge(task_column=-1, **params).fit(_with_task_column(X, task_index), y)
    assert_allclose(by_column.predict(_with_task_column(X, task_index)), by_labels.predict(X, tasks=task_index))
    # One shared design (2-D y): each column a task on the same rows, as the stacked tasks on repeated rows.
    rows = X[:20]
    Y = np.column_stack([y[task_index == t] for t in range(3)])
    shared = MultiTaskKernelRidge(**params).fit(rows, Y)
    stacked = MultiTaskKernelRidge(**params).fit(np.vstack([rows] * 3), Y.T.ravel(), tasks=task_index)
    assert_allclose(shared.predict(rows), stacked.predict(np.vstack([rows] * 3), tasks=task_index).reshape(3, 20).T)
    # A single task with no coupling is scikit-learn's KernelRidge (its loss is summed: alpha · n).
    single = MultiTaskKernelRidge(penalty="ridge", fit_intercept=False, **params).fit(X, y)
    reference = KernelRidge(kernel="rbf", gamma=0.3, alpha=0.1 * X.shape[0]).fit(X, y)
    assert_allclose(single.predict(X), reference.predict(X), atol=1e-8)


def _dual_reference(X, y, task_index, kernel_matrix, K_task, alpha, weights):
    """Solve [[Q + α C⁻¹, E], [Eᵀ, 0]] [a; b] = [y; 0], Q = K_task[t_i, t_j] k(x_i, x_j).

    Stationarity of Σ c_i ½(y_i − f_i − b_t)² + (α/2)‖f‖²_K at f = Q a gives
    α a = C (y − Q a − E b) and, for the free intercepts, Eᵀ a = 0.
    """
    n, T = len(y), K_task.shape[0]
    Q = K_task[np.ix_(task_index, task_index)] * kernel_matrix(X, X)
    E = np.zeros((n, T))
    E[np.arange(n), task_index] = 1.0
    system = np.block([[Q + alpha * np.diag(1.0 / weights), E], [E.T, np.zeros((T, T))]])
    solution = np.linalg.solve(system, np.concatenate([y, np.zeros(T)]))
    a, b = solution[:n], solution[n:]

    def predict(X_new, tasks_new):
        return np.sum(K_task[np.ix_(tasks_new, task_index)] * kernel_matrix(X_new, X) * a, axis=1) + b[tasks_new]

    return predict


@pytest.mark.parametrize("penalty", ["mean", CHAIN], ids=["mean", "graph"])
def test_kernel_ridge_equals_the_closed_form_of_its_dual(penalty):
    X, y, task_index = make_tasks(3)
    gamma, alpha, mix = 0.4, 0.02, 0.6
    # Predictions to 1e-6 need a relative gap near 1e-15: the graph penalty's fit (conjugate gradients on the
    # dual, which stop at the gap itself) is within tol of the optimum's objective, not of its predictions.
    options = dict(TIGHT, tol=1e-15)
    model = MultiTaskKernelRidge(kernel="rbf", gamma=gamma, alpha=alpha, mix=mix, penalty=penalty, **options)
    model.fit(X, y, tasks=task_index)
    K_task = task_kernel(make_penalty(penalty, mix=mix), 3)
    counts = np.bincount(task_index)
    predict = _dual_reference(
        X, y, task_index, lambda A, B: rbf_kernel(A, B, gamma=gamma), K_task, alpha, 1.0 / counts[task_index]
    )
    X_new = np.random.default_rng(0).normal(size=(30, X.shape[1]))
    tasks_new = np.arange(30) % 3
    assert_allclose(model.predict(X_new, tasks=tasks_new), predict(X_new, tasks_new), atol=1e-6)
    assert_allclose(model.task_kernel_, K_task)


def _quadratic_features(X, gamma, coef0):
    """An explicit map with φ(x)ᵀφ(z) = (γ xᵀz + c)²: [c, √(2cγ) x, γ vec(x xᵀ)]."""
    outer = gamma * np.einsum("ij,ik->ijk", X, X).reshape(len(X), -1)
    return np.column_stack([np.full(len(X), coef0), np.sqrt(2 * coef0 * gamma) * X, outer])


def test_polynomial_kernel_ridge_equals_the_linear_model_on_the_explicit_feature_map():
    X, y, task_index = make_tasks(4, n_features=3)
    y = y + 0.5 * X[:, 0] * X[:, 1]
    gamma, coef0, params = 0.5, 1.5, {"alpha": 0.03, "mix": 0.4, **TIGHT}
    model = MultiTaskKernelRidge(kernel="poly", degree=2, gamma=gamma, coef0=coef0, **params)
    model.fit(X, y, tasks=task_index)
    reference = MultiTaskRegressor(**params).fit(_quadratic_features(X, gamma, coef0), y, tasks=task_index)
    X_new = np.random.default_rng(1).normal(size=(25, 3))
    tasks_new = np.arange(25) % 3
    assert_allclose(
        model.predict(X_new, tasks=tasks_new),
        reference.predict(_quadratic_features(X_new, gamma, coef0), tasks=tasks_new),
        atol=1e-6,
    )


@pytest.mark.parametrize("gamma", [0.5, "scale", "auto"])
def test_one_task_uncoupled_svc_equals_libsvm(gamma):
    X, y, _ = make_tasks(5, n_per_task=(60,), n_features=2, classification=True)
    X = 3.0 * X + 1.0
    model = MultiTaskSVC(C=2.0, gamma=gamma, penalty="ridge", **TIGHT).fit(X, y)
    reference = SVC(C=2.0, gamma=gamma, tol=1e-12).fit(X, y)
    assert_allclose(model.decision_function(X), reference.decision_function(X), atol=1e-5)


def test_nystroem_with_every_row_is_the_exact_model_and_fewer_rows_approximate_it():
    X, y, task_index = make_tasks(6, n_per_task=(100, 100, 100), n_features=2)
    y = np.sin(2 * X[:, 0]) + 0.3 * task_index
    params = {"kernel": "rbf", "gamma": 0.5, "alpha": 1e-3, "mix": 0.5, **TIGHT}
    exact = MultiTaskKernelRidge(**params).fit(X, y, tasks=task_index)
    every_row = MultiTaskKernelRidge(n_components=300, random_state=0, **params).fit(X, y, tasks=task_index)
    assert_allclose(every_row.predict(X, tasks=task_index), exact.predict(X, tasks=task_index), atol=1e-6)
    gaps = []
    for n_components in (10, 40, 160):
        nystroem = MultiTaskKernelRidge(n_components=n_components, random_state=0, **params).fit(X, y, tasks=task_index)
        assert nystroem.feature_map_.landmarks_.shape == (n_components, 2)
        gaps.append(mean_squared_error(exact.predict(X, tasks=task_index), nystroem.predict(X, tasks=task_index)))
    # A smooth target and a fast-decaying kernel spectrum: each 4x more landmarks cut the gap tenfold.
    assert gaps[1] < 0.1 * gaps[0] and gaps[2] < 0.1 * gaps[1]
    assert gaps[2] < 1e-4 * np.var(y)


def _sine_family(seed, n_tasks=6, n_per_task=12, n_test=200):
    """y_t = sin(x₁ + c_t) + x₂²/3 + noise, offsets c_t close to each other."""
    rng = np.random.default_rng(seed)
    offsets = rng.normal(scale=0.3, size=n_tasks)

    def draw(n):
        tasks = np.repeat(np.arange(n_tasks), n)
        X = rng.uniform(-3, 3, size=(tasks.size, 2))
        return X, np.sin(X[:, 0] + offsets[tasks]) + X[:, 1] ** 2 / 3, tasks

    X, y, tasks = draw(n_per_task)
    X_test, y_test, tasks_test = draw(n_test)
    return X, y + rng.normal(scale=0.1, size=y.size), tasks, X_test, y_test, tasks_test


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rbf_multitask_kernel_ridge_beats_per_task_kernel_ridge_and_linear_multitask_ridge(seed):
    X, y, tasks, X_test, y_test, tasks_test = _sine_family(seed)
    gammas, alphas = [0.1, 0.3, 1.0], [1e-3, 1e-2, 1e-1]
    multitask = GridSearchCV(
        MultiTaskKernelRidge(task_column=-1),
        {"gamma": gammas, "alpha": alphas, "mix": [0.5, 0.9]},
        cv=StratifiedKFold(3, shuffle=True, random_state=seed).split(X, tasks),
        scoring="neg_mean_squared_error",
        error_score="raise",
    ).fit(_with_task_column(X, tasks), y)
    multitask_error = mean_squared_error(y_test, multitask.predict(_with_task_column(X_test, tasks_test)))
    separate_predictions = np.empty_like(y_test)
    for t in np.unique(tasks):
        search = GridSearchCV(
            KernelRidge(kernel="rbf"),
            {"gamma": gammas, "alpha": [a * (tasks == t).sum() for a in alphas]},
            cv=3,
            scoring="neg_mean_squared_error",
        ).fit(X[tasks == t], y[tasks == t])
        separate_predictions[tasks_test == t] = search.predict(X_test[tasks_test == t])
    separate_error = mean_squared_error(y_test, separate_predictions)
    linear = MultiTaskRegressorCV(cv=3).fit(X, y, tasks=tasks)
    linear_error = mean_squared_error(y_test, linear.predict(X_test, tasks=tasks_test))
    assert multitask_error < 0.8 * separate_error
    assert multitask_error < 0.5 * linear_error


def test_kernel_machines_need_a_quadratic_task_penalty():
    X, y, task_index = make_tasks(7)
    with pytest.raises(ValueError, match="quadratic task penalty"):
        MultiTaskKernelRidge(penalty="trace").fit(X, y, tasks=task_index)
    with pytest.raises(ValueError, match="ridge > 0"):
        MultiTaskSVC(penalty=GraphPenalty(adjacency=np.ones((3, 3)))).fit(X, y > 0, tasks=task_index)


def test_kernel_machines_do_not_modify_their_inputs_and_name_unknown_tasks():
    X, y, task_index = make_tasks(8)
    X_before, y_before = X.copy(), y.copy()
    model = MultiTaskKernelRidge(gamma=0.2).fit(X, y, tasks=task_index)
    assert_allclose(X, X_before)
    assert_allclose(y, y_before)
    with pytest.raises(ValueError, match=r"\[7\]"):
        model.predict(X[:1], tasks=[7])
    shared = MultiTaskKernelRidge(gamma=0.2, handle_unknown="shared").fit(X, y, tasks=task_index)
    assert np.isfinite(shared.predict(X[:1], tasks=[7])).all()


def test_sparse_rows_give_the_dense_model():
    X, y, task_index = make_tasks(9, classification=True)
    X[np.abs(X) < 0.5] = 0.0
    dense = MultiTaskSVC(**TIGHT).fit(X, y, tasks=task_index)
    sparse = MultiTaskSVC(**TIGHT).fit(sp.csr_matrix(X), y, tasks=task_index)
    assert_allclose(
        sparse.decision_function(sp.csr_matrix(X), tasks=task_index),
        dense.decision_function(X, tasks=task_index),
        atol=1e-8,
    )


def test_docstring_examples():
    import doctest

    import mtlearn.kernel._estimators as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_score_takes_the_tasks():
    X, y, task_index = make_tasks(10)
    model = MultiTaskKernelRidge(gamma=0.2, alpha=0.01).fit(X, y, tasks=task_index)
    assert_allclose(
        model.score(X, y, tasks=task_index), 1 - np.mean((model.predict(X, tasks=task_index) - y) ** 2) / np.var(y)
    )
