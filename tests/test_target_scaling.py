"""``normalize_y``: fits on per-task standardised targets, mapped back to the units of y.

References are independent of the code under test: the per-task weighted
mean and standard deviation computed here with NumPy, the fit of the
standardised targets made by hand with ``normalize_y=False`` (whose objective
the rest of the suite checks against scikit-learn), scikit-learn's ``Ridge``
per task for the independent penalty, and a hand-written CV fold loop.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.utils._param_validation import InvalidParameterError

from mtlearn import MultiTaskKernelRidge, MultiTaskRegressor
from mtlearn.datasets import make_multitask_regression
from mtlearn.model_selection import MultiTaskRegressorCV

TIGHT = dict(alpha=0.05, tol=1e-12, max_iter=100_000)
PENALTIES = ["mean", "l21", "trace", "dirty"]


def _data(n_tasks=4, n_samples=30, n_features=5, seed=0):
    X, y, tasks, _ = make_multitask_regression(
        n_tasks=n_tasks, n_samples=n_samples, n_features=n_features, noise=0.5, random_state=seed
    )
    rng = np.random.default_rng(seed)
    scales = np.array([1.0, 30.0, 0.2, 5.0, 2.0, 0.5])[:n_tasks]
    y = y * scales[tasks] + np.array([0.0, 100.0, -3.0, 7.0, 1.0, 2.0])[tasks]
    return X, y, tasks, rng.uniform(0.2, 3.0, size=y.shape[0])


def _hand_statistics(y, tasks, sample_weight, centre=True):
    """Per-task weighted mean (0 without centring) and root mean square about it, by NumPy."""
    labels = np.unique(tasks)
    mean = np.array([np.average(y[tasks == t], weights=sample_weight[tasks == t]) for t in labels])
    if not centre:
        mean = np.zeros_like(mean)
    square = np.array(
        [
            np.average((y[tasks == t] - m) ** 2, weights=sample_weight[tasks == t])
            for t, m in zip(labels, mean, strict=True)
        ]
    )
    return mean, np.sqrt(square)


def _assert_close(a, b, scale=None, atol=1e-8):
    scale = np.max(np.abs(b)) if scale is None else scale
    np.testing.assert_allclose(a, b, rtol=0, atol=atol * max(scale, 1.0))


@pytest.mark.parametrize("penalty", PENALTIES)
def test_rescaling_one_task_scales_its_coefficients_and_leaves_the_others(penalty):
    X, y, tasks, _ = _data()
    c, shift = 40.0, -13.0
    y_scaled = y.copy()
    y_scaled[tasks == 2] = c * y[tasks == 2] + shift
    fits = {}
    for normalize_y in (True, False):
        params = dict(penalty=penalty, normalize_y=normalize_y, **TIGHT)
        base = MultiTaskRegressor(**params).fit(X, y, tasks=tasks)
        scaled = MultiTaskRegressor(**params).fit(X, y_scaled, tasks=tasks)
        fits[normalize_y] = base, scaled
    base, scaled = fits[True]
    expected = base.coef_.copy()
    expected[2] *= c
    _assert_close(scaled.coef_, expected, atol=1e-7)
    expected_intercept = base.intercept_.copy()
    expected_intercept[2] = c * base.intercept_[2] + shift
    _assert_close(scaled.intercept_, expected_intercept, atol=1e-7)
    # Without standardisation the coupling sees the new unit: the other tasks' weights move (far beyond
    # the 1e-7 to which the standardised fits agree).
    base, scaled = fits[False]
    others = np.arange(4) != 2
    assert np.max(np.abs(scaled.coef_[others] - base.coef_[others])) > 1e-5 * np.max(np.abs(base.coef_))


@pytest.mark.parametrize(
    ("penalty", "fit_intercept"), [*((penalty, True) for penalty in PENALTIES), ("mean", False), ("trace", False)]
)
def test_equals_the_fit_of_hand_standardised_targets_mapped_back(penalty, fit_intercept):
    X, y, tasks, sample_weight = _data(seed=1)
    mean, scale = _hand_statistics(y, tasks, sample_weight, centre=fit_intercept)
    y_standardised = (y - mean[tasks]) / scale[tasks]
    params = dict(penalty=penalty, fit_intercept=fit_intercept, **TIGHT)
    by_hand = MultiTaskRegressor(**params).fit(X, y_standardised, tasks=tasks, sample_weight=sample_weight)
    model = MultiTaskRegressor(normalize_y=True, **params).fit(X, y, tasks=tasks, sample_weight=sample_weight)
    np.testing.assert_allclose(model.target_mean_, mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.target_scale_, scale, rtol=1e-12)
    _assert_close(model.coef_, scale[:, None] * by_hand.coef_)
    _assert_close(model.intercept_, scale * by_hand.intercept_ + mean)
    np.testing.assert_allclose(model.objective_, by_hand.objective_, rtol=1e-9)
    _assert_close(model.predict(X, tasks=tasks), scale[tasks] * by_hand.predict(X, tasks=tasks) + mean[tasks])


def test_sample_weights_enter_the_statistics_as_repeated_rows():
    X, y, tasks, _ = _data(seed=2)
    counts = np.random.default_rng(2).integers(1, 4, size=y.shape[0])
    repeated = np.repeat(np.arange(y.shape[0]), counts)
    params = dict(penalty="l21", normalize_y=True, **TIGHT)
    weighted = MultiTaskRegressor(**params).fit(X, y, tasks=tasks, sample_weight=counts.astype(float))
    copies = MultiTaskRegressor(**params).fit(X[repeated], y[repeated], tasks=tasks[repeated])
    _assert_close(weighted.coef_, copies.coef_)
    _assert_close(weighted.intercept_, copies.intercept_)


def test_independent_ridge_is_unchanged_and_is_ridge_per_task():
    """½ mean (y − f)² + α/2 ‖w‖² is homogeneous in y: standardising changes nothing for penalty="ridge"."""
    X, y, tasks, _ = _data(seed=3)
    alpha = 0.3
    model = MultiTaskRegressor(penalty="ridge", alpha=alpha, normalize_y=True).fit(X, y, tasks=tasks)
    plain = MultiTaskRegressor(penalty="ridge", alpha=alpha).fit(X, y, tasks=tasks)
    _assert_close(model.coef_, plain.coef_)
    for t in range(4):
        rows = tasks == t
        # scikit-learn's Ridge sums the loss: α of the mean loss times n_t.
        reference = Ridge(alpha=alpha * rows.sum()).fit(X[rows], y[rows])
        _assert_close(model.coef_[t], reference.coef_)
        _assert_close(model.intercept_[t], reference.intercept_)


@pytest.mark.parametrize("sparse", [False, True])
def test_shared_design_standardises_each_column(sparse):
    X, Y, _ = make_multitask_regression(n_tasks=3, n_samples=40, n_features=6, shared_design=True, random_state=4)
    Y = Y * [1.0, 50.0, 0.1] + [0.0, 10.0, -2.0]
    sample_weight = np.random.default_rng(4).uniform(0.5, 2.0, size=Y.shape[0])
    mean = np.average(Y, axis=0, weights=sample_weight)
    scale = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=sample_weight))
    features = sp.csr_matrix(X) if sparse else X
    by_hand = MultiTaskRegressor(penalty="l21", **TIGHT).fit(features, (Y - mean) / scale, sample_weight=sample_weight)
    model = MultiTaskRegressor(penalty="l21", normalize_y=True, **TIGHT).fit(features, Y, sample_weight=sample_weight)
    _assert_close(model.coef_, scale[:, None] * by_hand.coef_)
    _assert_close(model.intercept_, scale * by_hand.intercept_ + mean)
    _assert_close(model.predict(features), by_hand.predict(features) * scale + mean)


@pytest.mark.parametrize(("penalty", "fit_intercept"), [("mean", True), ("l21", True), ("trace", False)])
def test_partial_fit_over_chunks_equals_fit(penalty, fit_intercept):
    X, y, tasks, sample_weight = _data(n_tasks=5, seed=5)
    rng = np.random.default_rng(5)
    early = rng.permutation(np.flatnonzero(tasks != 4))
    chunks = np.array_split(early, 3)
    chunks[-1] = np.concatenate([chunks[-1], np.flatnonzero(tasks == 4)])  # task 4 first seen in the last chunk
    params = dict(penalty=penalty, fit_intercept=fit_intercept, normalize_y=True, alpha=0.05, tol=1e-10)
    streamed = MultiTaskRegressor(max_iter=20_000, **params)
    for rows in chunks:
        streamed.partial_fit(X[rows], y[rows], tasks=tasks[rows], sample_weight=sample_weight[rows])
    full = MultiTaskRegressor(max_iter=20_000, **params).fit(X, y, tasks=tasks, sample_weight=sample_weight)
    _assert_close(streamed.coef_, full.coef_, atol=1e-6)
    _assert_close(streamed.intercept_, full.intercept_, atol=1e-6)
    np.testing.assert_allclose(streamed.objective_, full.objective_, rtol=1e-8)


def test_dask_array_fit_equals_the_in_memory_fit():
    da = pytest.importorskip("dask.array")
    X, y, tasks, sample_weight = _data(seed=7)
    Xt = np.column_stack([tasks, X])
    params = dict(penalty="l21", normalize_y=True, task_column=0, **TIGHT)
    local = MultiTaskRegressor(**params).fit(Xt, y, sample_weight=sample_weight)
    remote = MultiTaskRegressor(**params).fit(
        da.from_array(Xt, chunks=(37, Xt.shape[1])),
        da.from_array(y, chunks=37),
        sample_weight=da.from_array(sample_weight, chunks=37),
    )
    _assert_close(remote.coef_, local.coef_)
    _assert_close(remote.intercept_, local.intercept_)


def test_constant_task_targets_keep_unit_scale():
    X, y, tasks, _ = _data(seed=8)
    y = y.copy()
    y[tasks == 0] = 0.1  # its computed spread is round-off, not zero
    y[tasks == 1] = 0.0
    model = MultiTaskRegressor(penalty="l21", normalize_y=True, **TIGHT).fit(X, y, tasks=tasks)
    np.testing.assert_array_equal(model.target_scale_[:2], 1.0)
    assert np.all(np.isfinite(model.coef_))
    _assert_close(model.predict(X[tasks == 0], tasks=tasks[tasks == 0]), np.full((tasks == 0).sum(), 0.1), atol=1e-6)


def test_unknown_tasks_are_predicted_in_the_pooled_units():
    X, y, tasks, _ = _data(seed=9)
    mean, scale = _hand_statistics(y, tasks, np.ones_like(y))
    params = dict(penalty="mean", mix=0.7, handle_unknown="shared", **TIGHT)
    by_hand = MultiTaskRegressor(**params).fit(X, (y - mean[tasks]) / scale[tasks], tasks=tasks)
    model = MultiTaskRegressor(normalize_y=True, **params).fit(X, y, tasks=tasks)
    pooled_scale, pooled_mean = np.sqrt(np.mean(scale**2)), np.mean(mean)
    unseen = np.full(5, 99)
    expected = pooled_scale * by_hand.predict(X[:5], tasks=unseen) + pooled_mean
    _assert_close(model.predict(X[:5], tasks=unseen), expected)


def test_warm_started_refit_starts_at_the_solution():
    X, y, tasks, _ = _data(seed=10)
    model = MultiTaskRegressor(penalty="l21", normalize_y=True, warm_start=True, alpha=0.05, tol=1e-8).fit(
        X, y, tasks=tasks
    )
    cold_iterations = model.n_iter_
    model.fit(X, y, tasks=tasks)
    assert cold_iterations > 5 and model.n_iter_ <= 2


def test_inputs_are_not_modified_and_float32_is_kept():
    X, y, tasks, sample_weight = _data(seed=11)
    X32, y_copy, w_copy = X.astype(np.float32), y.copy(), sample_weight.copy()
    model = MultiTaskRegressor(penalty="l21", normalize_y=True).fit(X32, y, tasks=tasks, sample_weight=sample_weight)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(sample_weight, w_copy)
    assert model.coef_.dtype == np.float32 and model.intercept_.dtype == np.float32


def test_bad_normalize_y_is_refused_by_name():
    X, y, tasks, _ = _data()
    with pytest.raises(InvalidParameterError, match="normalize_y"):
        MultiTaskRegressor(normalize_y="yes").fit(X, y, tasks=tasks)


def test_cv_standardises_on_each_fold_training_rows_only():
    X, y, tasks, _ = _data(seed=12)
    rng = np.random.default_rng(12)
    test = np.zeros(y.shape[0], dtype=bool)
    for t in range(4):
        test[rng.choice(np.flatnonzero(tasks == t), size=8, replace=False)] = True
    train_rows, test_rows = np.flatnonzero(~test), np.flatnonzero(test)
    y = y.copy()
    y[test_rows[tasks[test_rows] == 1]] *= 1e3  # test rows far off: any use of them would show
    alphas = [0.5, 0.05, 0.005]
    params = dict(penalty="l21", normalize_y=True, tol=1e-10, max_iter=100_000)
    cv = MultiTaskRegressorCV(alphas=alphas, cv=[(train_rows, test_rows)], **params).fit(X, y, tasks=tasks)
    # The default score divides each test error by its task's spread on the training rows only.
    spread = np.array([np.std(y[train_rows][tasks[train_rows] == t]) for t in range(4)])
    for j, alpha in enumerate(alphas):
        fold = MultiTaskRegressor(alpha=alpha, **params).fit(X[train_rows], y[train_rows], tasks=tasks[train_rows])
        prediction = fold.predict(X[test_rows], tasks=tasks[test_rows])
        scale = spread[tasks[test_rows]]
        expected = -mean_squared_error(y[test_rows] / scale, prediction / scale)
        np.testing.assert_allclose(cv.scores_[j, 0], expected, rtol=1e-6)
    refit = MultiTaskRegressor(alpha=cv.alpha_, **params).fit(X, y, tasks=tasks)
    _assert_close(cv.coef_, refit.coef_)


def test_kernel_ridge_passes_normalize_y_to_its_linear_model():
    X, y, tasks, _ = _data(seed=13)
    y_scaled = y.copy()
    y_scaled[tasks == 3] *= 25.0
    params = dict(kernel="rbf", gamma=0.2, alpha=0.01, mix=0.8, normalize_y=True)
    base = MultiTaskKernelRidge(**params).fit(X, y, tasks=tasks)
    scaled = MultiTaskKernelRidge(**params).fit(X, y_scaled, tasks=tasks)
    expected = base.predict(X, tasks=tasks)
    expected[tasks == 3] *= 25.0
    _assert_close(scaled.predict(X, tasks=tasks), expected)
    assert scaled.linear_model_.normalize_y
