"""Streaming fits: per-task statistics merged chunk by chunk give the model ``fit`` gives on all rows."""

import numpy as np
import pytest

from mtlearn import GraphPenalty, MultiTaskRegressor
from mtlearn._statistics import TaskStatistics
from mtlearn.datasets import make_multitask_regression

N_CHUNKS = 5


def _data(n_tasks=5, n_samples=30, n_features=4, seed=0):
    X, y, tasks, _ = make_multitask_regression(
        n_tasks=n_tasks, n_samples=n_samples, n_features=n_features, random_state=seed
    )
    rng = np.random.default_rng(seed)
    return X, y, tasks.astype(np.int64), rng.uniform(0.2, 2.0, size=y.shape[0])


def _chunks(tasks, late_task=None, seed=0):
    """Row indices of N_CHUNKS shuffled chunks; the rows of ``late_task`` all go to the last one."""
    rng = np.random.default_rng(seed)
    late = np.flatnonzero(tasks == late_task)
    early = rng.permutation(np.flatnonzero(tasks != late_task))
    chunks = np.array_split(early, N_CHUNKS)
    chunks[-1] = np.concatenate([chunks[-1], late])
    return chunks


def _streamed(model, X, y, tasks, sample_weight, chunks):
    for rows in chunks:
        model.partial_fit(X[rows], y[rows], tasks=tasks[rows], sample_weight=sample_weight[rows])
    return model


def _assert_same_model(streamed, full, rtol=1e-8):
    np.testing.assert_array_equal(streamed.tasks_, full.tasks_)
    scale = np.max(np.abs(full.coef_))
    np.testing.assert_allclose(streamed.coef_, full.coef_, rtol=0, atol=rtol * scale)
    np.testing.assert_allclose(
        streamed.intercept_, full.intercept_, rtol=0, atol=rtol * np.max(np.abs(full.intercept_))
    )
    np.testing.assert_allclose(streamed.objective_, full.objective_, rtol=1e-10)


TIGHT = dict(alpha=0.05, tol=1e-12, max_iter=100_000)


@pytest.mark.parametrize("penalty", ["mean", "ridge", "l21", "lasso", "trace", "dirty", "cluster"])
def test_partial_fit_over_chunks_equals_fit_with_a_late_task_and_sample_weights(penalty):
    X, y, tasks, sample_weight = _data()
    chunks = _chunks(tasks, late_task=3)
    assert not np.isin(3, tasks[np.concatenate(chunks[:-1])])
    streamed = _streamed(MultiTaskRegressor(penalty=penalty, **TIGHT), X, y, tasks, sample_weight, chunks)
    full = MultiTaskRegressor(penalty=penalty, **TIGHT).fit(X, y, tasks=tasks, sample_weight=sample_weight)
    _assert_same_model(streamed, full)


def test_partial_fit_with_a_task_graph_equals_fit():
    # The adjacency is sized by the number of tasks, so every chunk holds every task here.
    X, y, tasks, sample_weight = _data()
    n_tasks = len(np.unique(tasks))
    penalty = GraphPenalty(adjacency=np.ones((n_tasks, n_tasks)) - np.eye(n_tasks), ridge=0.5, l1=0.1)
    chunks = _chunks(tasks)
    assert all(len(np.unique(tasks[rows])) == n_tasks for rows in chunks)
    streamed = _streamed(MultiTaskRegressor(penalty=penalty, **TIGHT), X, y, tasks, sample_weight, chunks)
    full = MultiTaskRegressor(penalty=penalty, **TIGHT).fit(X, y, tasks=tasks, sample_weight=sample_weight)
    _assert_same_model(streamed, full)


@pytest.mark.parametrize("penalty", ["mean", "l21"])
def test_partial_fit_honours_task_weights_and_no_intercept(penalty):
    X, y, tasks, sample_weight = _data(seed=1)
    params = dict(penalty=penalty, fit_intercept=False, task_weights={t: 1.0 + t for t in range(5)}, **TIGHT)
    streamed = _streamed(MultiTaskRegressor(**params), X, y, tasks, sample_weight, _chunks(tasks, late_task=0))
    full = MultiTaskRegressor(**params).fit(X, y, tasks=tasks, sample_weight=sample_weight)
    _assert_same_model(streamed, full)
    np.testing.assert_array_equal(streamed.intercept_, 0.0)


def test_partial_fit_with_task_column_and_string_labels():
    X, y, tasks, _ = _data(seed=2)
    names = np.array(["ant", "bee", "cat", "dog", "eel"], dtype=object)[tasks]
    Xt = np.column_stack([X.astype(object), names])
    model = MultiTaskRegressor(task_column=-1, **TIGHT)
    for rows in _chunks(tasks, late_task=4):
        model.partial_fit(Xt[rows], y[rows])
    full = MultiTaskRegressor(task_column=-1, **TIGHT).fit(Xt, y)
    _assert_same_model(model, full)
    np.testing.assert_allclose(model.predict(Xt[:7]), full.predict(Xt[:7]), rtol=1e-10)


def test_partial_fit_rejects_a_different_feature_count():
    X, y, tasks, _ = _data()
    model = MultiTaskRegressor().partial_fit(X[:50], y[:50], tasks=tasks[:50])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[50:, :3], y[50:], tasks=tasks[50:])
    # The statistics are unchanged by the rejected chunk.
    model.partial_fit(X[50:], y[50:], tasks=tasks[50:])
    _assert_same_model(model, MultiTaskRegressor().fit(X, y, tasks=tasks), rtol=1e-10)


def test_fit_after_partial_fit_starts_afresh():
    X, y, tasks, _ = _data()
    model = MultiTaskRegressor(**TIGHT).partial_fit(X[:60], y[:60] + 100.0, tasks=tasks[:60])
    model.fit(X[60:], y[60:], tasks=tasks[60:])
    _assert_same_model(model, MultiTaskRegressor(**TIGHT).fit(X[60:], y[60:], tasks=tasks[60:]))
    # partial_fit after fit starts a new stream too.
    model.partial_fit(X[:60], y[:60], tasks=tasks[:60])
    _assert_same_model(model, MultiTaskRegressor(**TIGHT).fit(X[:60], y[:60], tasks=tasks[:60]))


def test_partial_fit_does_not_modify_its_input():
    X, y, tasks, sample_weight = _data()
    copies = [a.copy() for a in (X, y, tasks, sample_weight)]
    MultiTaskRegressor().partial_fit(X, y, tasks=tasks, sample_weight=sample_weight)
    for original, copy in zip((X, y, tasks, sample_weight), copies, strict=False):
        np.testing.assert_array_equal(original, copy)


def _direct_statistics(X, y, s):
    """Two-pass weighted statistics of one task, the reference for the merged ones."""
    S = s.sum()
    x_mean, y_mean = s @ X / S, s @ y / S
    Xc, yc = X - x_mean, y - y_mean
    return S, x_mean, y_mean, (Xc * s[:, None]).T @ Xc, Xc.T @ (s * yc), s @ (yc * yc)


def test_merged_statistics_are_the_two_pass_ones_despite_a_large_offset():
    rng = np.random.default_rng(3)
    offset = 1e8
    X = rng.normal(size=(400, 3)) + offset
    y = rng.normal(size=400) - offset
    s = rng.uniform(0.5, 1.5, size=400)
    labels = np.zeros(400, dtype=np.int64)
    merged = None
    for rows in np.array_split(np.arange(400), 7):
        part = TaskStatistics.from_rows(X[rows], y[rows], labels[rows], s[rows])
        merged = part if merged is None else merged.merge(part)
    S, x_mean, y_mean, xx, xy, yy = _direct_statistics(X - offset, y + offset, s)
    np.testing.assert_allclose(merged.weight_sum[0], S, rtol=1e-14)
    np.testing.assert_allclose(merged.x_mean[0] - offset, x_mean, atol=1e-6)
    # Normwise: the rows themselves are rounded at 1e8 · eps ≈ 1e-8, which moves every entry by about that.
    np.testing.assert_allclose(merged.xx[0], xx, rtol=0, atol=1e-8 * np.abs(xx).max())
    np.testing.assert_allclose(merged.xy[0], xy, rtol=0, atol=1e-8 * np.abs(xx).max())
    np.testing.assert_allclose(merged.yy[0], yy, rtol=1e-8)
    # The uncentred sums would have lost every digit: Σ s x² ≈ 4e18, its centred part ≈ 4e2.
    assert np.finfo(float).eps * (s @ X[:, 0] ** 2) > np.abs(xx[0, 0])


def test_the_cross_validated_regressor_has_no_partial_fit():
    from mtlearn.model_selection import MultiTaskRegressorCV

    assert hasattr(MultiTaskRegressor(), "partial_fit")
    assert not hasattr(MultiTaskRegressorCV(), "partial_fit")


def test_statistics_of_large_and_small_tasks_are_the_two_pass_ones():
    """Tasks with at least p rows (one matrix product each) and with fewer (outer products) alike."""
    rng = np.random.default_rng(4)
    p = 6
    counts = [1, 2, 5, 6, 40, 3, 7]
    labels = rng.permutation(np.repeat(np.arange(len(counts)) * 10, counts))
    X = rng.normal(size=(labels.size, p))
    y = rng.normal(size=labels.size)
    s = rng.uniform(0.5, 1.5, size=labels.size)
    statistics = TaskStatistics.from_rows(X, y, labels, s)
    np.testing.assert_array_equal(statistics.tasks, np.arange(len(counts)) * 10)
    np.testing.assert_array_equal(statistics.n_samples, counts)
    for t, task in enumerate(statistics.tasks):
        rows = labels == task
        S, x_mean, y_mean, xx, xy, yy = _direct_statistics(X[rows], y[rows], s[rows])
        np.testing.assert_allclose(statistics.weight_sum[t], S, rtol=1e-13)
        np.testing.assert_allclose(statistics.x_mean[t], x_mean, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(statistics.y_mean[t], y_mean, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(statistics.xx[t], xx, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(statistics.xy[t], xy, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(statistics.yy[t], yy, rtol=1e-12, atol=1e-13)
