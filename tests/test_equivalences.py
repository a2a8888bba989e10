"""Exact equivalences of the mean-regularised models with scikit-learn fits.

The references are scikit-learn estimators (or scipy.optimize) on the augmented
features of ``tests/_augmented.py``, with the scaling worked out in each test.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import SVC, LinearSVC

from mtlearn import MultiTaskClassifier, MultiTaskLinearSVC, MultiTaskRegressor

from ._augmented import augment, make_tasks, per_task_mean_weights, task_weights_from_augmented

TIGHT = dict(tol=1e-10, max_iter=200_000)


def centre_per_task(X, y, task_index):
    """Subtract each task's mean from X and y (what free per-task intercepts do)."""
    Xc, yc = X.copy(), y.astype(float).copy()
    for t in np.unique(task_index):
        rows = task_index == t
        Xc[rows] -= X[rows].mean(axis=0)
        yc[rows] -= y[rows].mean()
    return Xc, yc


@pytest.mark.parametrize("mix", [0.0, 0.3, 0.8, 1.0])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_mean_regressor_equals_ridge_on_augmented_features(mix, fit_intercept):
    X, y, task_index = make_tasks(0)
    alpha, T, p = 0.05, 3, X.shape[1]
    model = MultiTaskRegressor(alpha=alpha, mix=mix, fit_intercept=fit_intercept).fit(X, y, tasks=task_index)
    # ½ Σ_t (1/n_t) Σ r² + (α/2)‖u‖²  ==  ½ [Σ_i s_i r_i² + α ‖u‖²] with s_i = 1/n_t.
    Xr, yr = centre_per_task(X, y, task_index) if fit_intercept else (X, y)
    ridge = Ridge(alpha=alpha, fit_intercept=False, solver="cholesky")
    ridge.fit(augment(Xr, task_index, T, mix), yr, sample_weight=per_task_mean_weights(task_index, T))
    W_ref = task_weights_from_augmented(ridge.coef_, T, p, mix)
    assert_allclose(model.coef_, W_ref, rtol=1e-6, atol=1e-10)
    if fit_intercept:
        for t in range(T):
            rows = task_index == t
            expected = y[rows].mean() - X[rows].mean(axis=0) @ W_ref[t]
            assert_allclose(model.intercept_[t], expected, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("mix", [0.0, 0.5, 1.0])
def test_mean_logistic_equals_logistic_regression_on_augmented_features(mix):
    X, y, task_index = make_tasks(1, classification=True)
    alpha, T, p = 0.02, 3, X.shape[1]
    model = MultiTaskClassifier(alpha=alpha, mix=mix, fit_intercept=False, **TIGHT).fit(X, y, tasks=task_index)
    # Σ_t (1/n_t) Σ log(1+e^{-yf}) + (α/2)‖u‖²  ==  α [C Σ s_i log(...) + ½‖u‖²], C = 1/α.
    reference = LogisticRegression(C=1.0 / alpha, fit_intercept=False, tol=1e-14, max_iter=100_000)
    reference.fit(augment(X, task_index, T, mix), y, sample_weight=per_task_mean_weights(task_index, T))
    W_ref = task_weights_from_augmented(reference.coef_, T, p, mix)
    assert_allclose(model.coef_, W_ref, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mix", [0.0, 0.5, 1.0])
def test_mean_squared_hinge_equals_linear_svc_on_augmented_features(mix):
    X, y, task_index = make_tasks(2, classification=True)
    alpha, T, p = 0.05, 3, X.shape[1]
    model = MultiTaskClassifier(loss="squared_hinge", alpha=alpha, mix=mix, fit_intercept=False, **TIGHT)
    model.fit(X, y, tasks=task_index)
    reference = LinearSVC(
        C=1.0 / alpha,
        loss="squared_hinge",
        dual=False,
        fit_intercept=False,
        tol=1e-14,
        max_iter=100_000,
        random_state=0,
    )
    reference.fit(augment(X, task_index, T, mix), y, sample_weight=per_task_mean_weights(task_index, T))
    W_ref = task_weights_from_augmented(reference.coef_, T, p, mix)
    assert_allclose(model.coef_, W_ref, rtol=1e-6, atol=1e-8)


def _hinge_dual_reference(Z, y, c, task_index, fit_intercept):
    """Solve max Σa − ½ aᵀ(y yᵀ ∘ Z Zᵀ)a, 0 ≤ a ≤ c (and Σ_{i in t} y_i a_i = 0) with SLSQP.

    Returns the primal augmented coefficients u = Σ a_i y_i z_i.
    """
    Q = (y[:, None] * Z) @ (y[:, None] * Z).T
    constraints = []
    if fit_intercept:
        for t in np.unique(task_index):
            rows = (task_index == t).astype(float) * y
            constraints.append({"type": "eq", "fun": lambda a, r=rows: r @ a, "jac": lambda a, r=rows: r})
    result = minimize(
        lambda a: 0.5 * a @ Q @ a - a.sum(),
        np.zeros(len(y)),
        jac=lambda a: Q @ a - 1.0,
        bounds=[(0.0, ci) for ci in c],
        constraints=constraints,
        method="SLSQP",
        options={"ftol": 1e-13, "maxiter": 10_000},
    )
    assert result.success, result.message
    return (result.x * y) @ Z, -result.fun


@pytest.mark.parametrize("mix", [0.0, 0.6, 1.0])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_mean_linear_svc_equals_the_dual_quadratic_programme(mix, fit_intercept):
    X, y, task_index = make_tasks(3, n_per_task=(20, 15, 25), n_features=3, classification=True)
    C, T, p = 0.7, 3, X.shape[1]
    model = MultiTaskLinearSVC(C=C, mix=mix, fit_intercept=fit_intercept, **TIGHT).fit(X, y, tasks=task_index)
    # ½‖u‖² + C Σ hinge: the standard SVM; its dual is solved by SLSQP here.
    u, dual_optimum = _hinge_dual_reference(
        augment(X, task_index, T, mix), y, np.full(len(y), C), task_index, fit_intercept
    )
    W_ref = task_weights_from_augmented(u, T, p, mix)
    assert_allclose(model.coef_, W_ref, rtol=1e-5, atol=1e-6)
    # The model's objective is (1/C)·(½‖u‖² + C Σ hinge); at the optimum it equals the dual value / C.
    assert_allclose(model.objective_ * C, dual_optimum, rtol=1e-6)


@pytest.mark.parametrize("mix", [0.0, 0.6, 1.0])
@pytest.mark.parametrize("per_task_mean", [False, True])
def test_mean_hinge_equals_linear_svc_on_augmented_features(mix, per_task_mean):
    """The hinge-loss models equal liblinear's dual coordinate descent on the augmented features.

    Without intercept, ``½‖u‖² + C Σ_i s_i max(0, 1 − y_i z_iᵀu)`` is 1-strongly convex
    in u, so the optimum is unique and the coefficients are compared as well as the
    objectives.  liblinear stops when the spread of its projected dual gradient is
    below ``tol``; ours when its relative duality gap (``certificate_``) is.  At
    ``tol=1e-10`` both (measured) agree to below 1e-10 in objective and about 1e-8 in
    coefficients, and ours, certified, is never above liblinear's.
    """
    X, y, task_index = make_tasks(4, classification=True)
    T, p = 3, X.shape[1]
    if per_task_mean:
        # Σ_t (1/n_t) Σ hinge + α Ω(W)  ==  α [½‖u‖² + C Σ s_i hinge], C = 1/α, s_i = 1/n_t.
        alpha = 0.05
        C, weights = 1.0 / alpha, per_task_mean_weights(task_index, T)
        model = MultiTaskClassifier(loss="hinge", alpha=alpha, mix=mix, fit_intercept=False, **TIGHT)
    else:
        # Ω(W) + C Σ hinge  ==  ½‖u‖² + C Σ hinge, LinearSVC's primal.
        C, weights = 0.5, np.ones(len(y))
        model = MultiTaskLinearSVC(C=C, penalty="mean", mix=mix, fit_intercept=False, **TIGHT)
    model.fit(X, y, tasks=task_index)
    Z = augment(X, task_index, T, mix)
    reference = LinearSVC(
        C=C, loss="hinge", dual=True, fit_intercept=False, tol=1e-10, max_iter=1_000_000, random_state=0
    )
    reference.fit(Z, y, sample_weight=weights)
    u = reference.coef_.ravel()
    liblinear = 0.5 * u @ u + C * weights @ np.maximum(0.0, 1.0 - y * (Z @ u))
    assert model.certificate_ <= 1e-10
    # Both objectives are 1/C times LinearSVC's primal.
    ours = model.objective_ * C
    assert ours <= liblinear * (1 + 1e-9)
    assert_allclose(ours, liblinear, rtol=1e-6)
    # In W the primal C Σ hinge + Ω(W) is strongly convex with modulus M ⪰ I: ½‖W − W*‖² ≤ P(W) − P*, with
    # P* ≥ ours − C·certificate·F₀, F₀ = Σ_i s_i (every hinge is 1 at W = 0), and P(W_liblinear) ≤ liblinear
    # (Ω(W) ≤ ½‖u‖²). The coefficients are bounded by the certificate: the interior-point dual stops at an
    # interior point whose objective is certified and whose coefficients are accurate to about √gap only.
    lower = ours - C * model.certificate_ * weights.sum()
    W_liblinear = task_weights_from_augmented(u, T, p, mix)
    bound = np.sqrt(2 * (ours - lower)) + np.sqrt(2 * max(liblinear - lower, 0.0))
    assert np.linalg.norm(model.coef_ - W_liblinear) <= bound


def test_one_task_regressor_equals_ridge():
    X, y, _ = make_tasks(5, n_per_task=(40,))
    alpha = 0.1
    for penalty in ("mean", "ridge"):
        model = MultiTaskRegressor(penalty=penalty, alpha=alpha).fit(X, y)
        reference = Ridge(alpha=alpha * len(y)).fit(X, y)
        assert_allclose(model.coef_[0], reference.coef_, rtol=1e-8)
        assert_allclose(model.intercept_[0], reference.intercept_, rtol=1e-8)
        assert_allclose(model.predict(X), reference.predict(X), rtol=1e-8)


def test_one_task_logistic_equals_logistic_regression():
    X, y, _ = make_tasks(6, n_per_task=(60,), classification=True)
    alpha = 0.05
    model = MultiTaskClassifier(alpha=alpha, **TIGHT).fit(X, y)
    reference = LogisticRegression(C=1.0 / (alpha * len(y)), tol=1e-14, max_iter=100_000).fit(X, y)
    assert_allclose(model.coef_[0], reference.coef_[0], rtol=1e-6)
    assert_allclose(model.intercept_[0], reference.intercept_[0], rtol=1e-6)
    assert_allclose(model.predict_proba(X), reference.predict_proba(X), rtol=1e-6)


def test_one_task_hinge_equals_libsvm_with_free_intercept():
    X, y, _ = make_tasks(7, n_per_task=(50,), n_features=3, classification=True)
    C = 0.3
    model = MultiTaskLinearSVC(C=C, **TIGHT).fit(X, y)
    reference = SVC(kernel="linear", C=C, tol=1e-12).fit(X, y)
    assert_allclose(model.coef_[0], reference.coef_[0], rtol=1e-5, atol=1e-7)
    assert_allclose(model.decision_function(X), reference.decision_function(X), rtol=1e-5, atol=1e-6)


def test_mix_zero_is_independent_ridge_and_logistic_fits():
    X, y, task_index = make_tasks(8)
    yb = np.where(y > np.median(y), 1, -1)
    alpha = 0.03
    reg = MultiTaskRegressor(alpha=alpha, mix=0.0).fit(X, y, tasks=task_index)
    clf = MultiTaskClassifier(alpha=alpha, mix=0.0, **TIGHT).fit(X, yb, tasks=task_index)
    for t in range(3):
        rows = task_index == t
        ridge = Ridge(alpha=alpha * rows.sum()).fit(X[rows], y[rows])
        assert_allclose(reg.coef_[t], ridge.coef_, rtol=1e-8)
        assert_allclose(reg.intercept_[t], ridge.intercept_, rtol=1e-8)
        logistic = LogisticRegression(C=1.0 / (alpha * rows.sum()), tol=1e-14, max_iter=100_000).fit(X[rows], yb[rows])
        assert_allclose(clf.coef_[t], logistic.coef_[0], rtol=1e-6)
        assert_allclose(clf.intercept_[t], logistic.intercept_[0], rtol=1e-6)


def test_mix_one_is_a_pooled_fit():
    X, y, task_index = make_tasks(9)
    T, alpha = 3, 0.03
    weights = per_task_mean_weights(task_index, T)
    # No intercept: one w for all rows, ½Σ_t (1/n_t)Σ r² + (α/2)·T‖w‖².
    reg = MultiTaskRegressor(alpha=alpha, mix=1.0, fit_intercept=False).fit(X, y, tasks=task_index)
    pooled = Ridge(alpha=alpha * T, fit_intercept=False).fit(X, y, sample_weight=weights)
    assert_allclose(reg.coef_, np.tile(pooled.coef_, (T, 1)), rtol=1e-8)
    assert_allclose(reg.shared_coef_, pooled.coef_, rtol=1e-8)
    yb = np.where(y > np.median(y), 1, -1)
    clf = MultiTaskClassifier(alpha=alpha, mix=1.0, fit_intercept=False, **TIGHT).fit(X, yb, tasks=task_index)
    pooled = LogisticRegression(C=1.0 / (alpha * T), fit_intercept=False, tol=1e-14, max_iter=100_000)
    pooled.fit(X, yb, sample_weight=weights)
    assert_allclose(clf.coef_, np.tile(pooled.coef_[0], (T, 1)), rtol=1e-6)


def test_mix_approaching_its_ends_approaches_the_end_models():
    X, y, task_index = make_tasks(10)
    ends = {m: MultiTaskRegressor(alpha=0.05, mix=m).fit(X, y, tasks=task_index).coef_ for m in (0.0, 1.0)}
    near = {m: MultiTaskRegressor(alpha=0.05, mix=m).fit(X, y, tasks=task_index).coef_ for m in (1e-7, 1 - 1e-7)}
    assert_allclose(near[1e-7], ends[0.0], atol=1e-5)
    assert_allclose(near[1 - 1e-7], ends[1.0], atol=1e-5)


@pytest.mark.parametrize(
    "make_model",
    [
        lambda: MultiTaskRegressor(alpha=0.1, mix=0.5),
        lambda: MultiTaskClassifier(alpha=0.1, mix=0.5, **TIGHT),
        lambda: MultiTaskClassifier(loss="squared_hinge", alpha=0.1, mix=0.5, **TIGHT),
        lambda: MultiTaskLinearSVC(C=0.5, mix=0.5, **TIGHT),
    ],
)
def test_weight_two_equals_a_duplicated_row(make_model):
    X, y, task_index = make_tasks(11, classification=True)
    is_regressor = isinstance(make_model(), MultiTaskRegressor)
    if is_regressor:
        y = X @ np.arange(1, X.shape[1] + 1) + task_index
    weights = np.ones(len(y))
    weights[::4] = 2.0
    weighted = make_model().fit(X, y, tasks=task_index, sample_weight=weights)
    repeat = np.where(weights == 2.0, 2, 1)
    duplicated = make_model().fit(
        np.repeat(X, repeat, axis=0), np.repeat(y, repeat), tasks=np.repeat(task_index, repeat)
    )
    assert_allclose(weighted.coef_, duplicated.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(weighted.intercept_, duplicated.intercept_, rtol=1e-6, atol=1e-8)
