"""mtlearn on a Dask cluster of worker processes: grid searches through joblib, and fits on Dask collections.

The cluster's workers are separate processes (``processes=True``), so the
estimator, the data and the fitted results are pickled to and from them, as
on a real cluster.  The fits on Dask DataFrames and arrays are compared with
the in-memory fits of the same rows.
"""

import os

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV, KFold

from mtlearn import MultiTaskClassifier, MultiTaskRegressor
from mtlearn.datasets import make_multitask_classification, make_multitask_regression

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def _search(estimator, grid, n_jobs=-1):
    return GridSearchCV(estimator, grid, cv=KFold(3, shuffle=True, random_state=0), n_jobs=n_jobs)


def _local_search(estimator, grid, X, y):
    """The reference: the same search with joblib's default, in this process (no pickling)."""
    return _search(estimator, grid, n_jobs=None).fit(X, y)


def _assert_same_search(remote, local):
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-12)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.best_estimator_.coef_, local.best_estimator_.coef_, rtol=1e-12)


def test_workers_are_other_processes(client):
    worker_pids = client.run(os.getpid)
    assert len(worker_pids) == 2
    assert os.getpid() not in worker_pids.values()


def test_grid_search_on_dask_matches_the_default_backend(client):
    X, y, tasks, _ = make_multitask_regression(n_tasks=4, n_samples=20, n_features=5, random_state=0)
    Xt = np.column_stack([X, tasks])
    grid = {"alpha": [0.01, 0.1, 1.0], "mix": [0.0, 0.5, 0.9]}
    estimator = MultiTaskRegressor(task_column=-1)
    local = _local_search(estimator, grid, Xt, y)
    with distributed.get_task_stream(client) as stream, parallel_backend("dask"):
        remote = _search(estimator, grid).fit(Xt, y)
    _assert_same_search(remote, local)
    # The cross-validation fits ran as tasks on the cluster's workers (joblib batches them).
    assert stream.data
    assert {record["worker"] for record in stream.data} <= set(client.scheduler_info()["workers"])


def test_iterative_classifier_grid_search_on_dask(client):
    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=30, n_features=4, random_state=1)
    Xt = np.column_stack([X, tasks])
    grid = {"alpha": [0.01, 0.1], "loss": ["logistic", "squared_hinge"]}
    estimator = MultiTaskClassifier(task_column=-1, tol=1e-8, max_iter=5000)
    local = _local_search(estimator, grid, Xt, y)
    with parallel_backend("dask"):
        remote = _search(estimator, grid).fit(Xt, y)
    _assert_same_search(remote, local)


# ---------------------------------------------------------------- fit on Dask collections
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

TIGHT = dict(tol=1e-12, max_iter=100_000)


def _regression_frame(seed=0, n_tasks=4):
    X, y, tasks, _ = make_multitask_regression(n_tasks=n_tasks, n_samples=40, n_features=5, random_state=seed)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame.insert(2, "store", np.array(["north", "south", "east", "west", "up"])[tasks.astype(int)])
    weights = np.random.default_rng(seed).uniform(0.5, 2.0, size=y.shape[0])
    return frame, pd.Series(y, name="sales"), pd.Series(weights)


def _assert_same_fit(remote, local, rtol):
    np.testing.assert_array_equal(remote.tasks_, local.tasks_)
    np.testing.assert_allclose(remote.coef_, local.coef_, rtol=0, atol=rtol * np.max(np.abs(local.coef_)))
    np.testing.assert_allclose(
        remote.intercept_, local.intercept_, rtol=0, atol=rtol * max(np.max(np.abs(local.intercept_)), 1.0)
    )


@pytest.mark.parametrize("penalty", ["mean", "l21", "trace", "relationship"])
def test_regressor_on_a_dask_dataframe_equals_the_in_memory_fit(client, penalty):
    frame, y, weights = _regression_frame()
    params = dict(penalty=penalty, alpha=0.05, task_column="store", **TIGHT)
    local = MultiTaskRegressor(**params).fit(frame, y, sample_weight=weights)
    remote = MultiTaskRegressor(**params).fit(
        dd.from_pandas(frame, npartitions=3),
        dd.from_pandas(y, npartitions=3),
        sample_weight=dd.from_pandas(weights, npartitions=3),
    )
    _assert_same_fit(remote, local, 1e-8)
    assert remote.n_features_in_ == local.n_features_in_
    np.testing.assert_array_equal(remote.feature_names_in_, local.feature_names_in_)
    np.testing.assert_allclose(remote.predict(frame), local.predict(frame), rtol=1e-8)


def test_regressor_on_a_dask_array_equals_the_in_memory_fit(client):
    X, y, tasks, _ = make_multitask_regression(n_tasks=6, n_samples=30, n_features=4, random_state=1)
    Xt = np.column_stack([tasks, X])
    params = dict(penalty="dirty", alpha=0.02, task_column=0, fit_intercept=False, **TIGHT)
    local = MultiTaskRegressor(**params).fit(Xt, y)
    remote = MultiTaskRegressor(**params).fit(da.from_array(Xt, chunks=(47, 2)), da.from_array(y, chunks=47))
    _assert_same_fit(remote, local, 1e-8)


@pytest.mark.parametrize("loss", ["logistic", pytest.param("squared_hinge", marks=pytest.mark.slow)])
def test_classifier_on_dask_equals_the_in_memory_fit(client, loss):
    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=30, n_features=3, random_state=2)
    Xt = np.column_stack([X, tasks])
    params = dict(loss=loss, alpha=1.0, task_column=-1, tol=1e-8, max_iter=5000)
    local = MultiTaskClassifier(**params).fit(Xt, y)
    remote = MultiTaskClassifier(**params).fit(da.from_array(Xt, chunks=(40, 4)), da.from_array(y, chunks=40))
    _assert_same_fit(remote, local, 1e-6)
    np.testing.assert_array_equal(remote.classes_, local.classes_)
    assert remote.certificate_ <= 1e-8


def test_classifier_on_dask_with_working_sets_equals_the_in_memory_fit(client):
    """40 features and ℓ2,1: the solver restricts the Dask design to working sets of columns."""
    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=60, n_features=40, random_state=0)
    Xt = np.column_stack([X, tasks])
    params = dict(penalty="l21", alpha=0.01, task_column=-1, tol=1e-8, max_iter=5000)
    local = MultiTaskClassifier(**params).fit(Xt, y)
    remote = MultiTaskClassifier(**params).fit(da.from_array(Xt, chunks=(60, 41)), da.from_array(y, chunks=60))
    assert np.count_nonzero(np.any(local.coef_ != 0, axis=0)) < 40  # ℓ2,1 left features out: working sets
    _assert_same_fit(remote, local, 1e-6)
    assert remote.certificate_ <= 1e-8


@pytest.mark.slow
def test_classifier_on_a_dask_dataframe_with_string_classes(client):
    frame, y, weights = _regression_frame(seed=3, n_tasks=3)
    labels = pd.Series(np.where(y > np.median(y), "high", "low"))
    params = dict(alpha=0.5, task_column="store", tol=1e-8)
    local = MultiTaskClassifier(**params).fit(frame, labels, sample_weight=weights)
    remote = MultiTaskClassifier(**params).fit(
        dd.from_pandas(frame, npartitions=2),
        dd.from_pandas(labels, npartitions=2),
        sample_weight=dd.from_pandas(weights, npartitions=2),
    )
    _assert_same_fit(remote, local, 1e-6)
    np.testing.assert_array_equal(remote.classes_, ["high", "low"])


def test_the_client_never_holds_x(client):
    """Fitting 8 × 10⁵ rows × 25 columns (160 MB, made on the workers) allocates far less on the client."""
    import tracemalloc

    n, p, n_tasks = 800_000, 24, 50
    chunks = 100_000
    features = da.random.default_rng(0).standard_normal((n, p), chunks=(chunks, p))
    tasks = da.random.default_rng(1).integers(0, n_tasks, size=n, chunks=chunks).astype(np.float64)
    y = features @ np.linspace(-1.0, 1.0, p) + tasks * 0.1
    X = da.concatenate([features, tasks[:, None]], axis=1)
    size = X.shape[0] * X.shape[1] * 8
    tracemalloc.start()
    try:
        model = MultiTaskRegressor(penalty="l21", alpha=0.01, task_column=-1).fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.coef_.shape == (n_tasks, p)
    bound = 16 * 2**20
    assert size > 8 * bound
    assert peak < bound, f"the client allocated {peak / 2**20:.1f} MiB while fitting {size / 2**20:.0f} MiB"


def test_in_memory_fits_do_not_import_dask():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np; from mtlearn import MultiTaskRegressor, MultiTaskClassifier\n"
        "X = np.random.default_rng(0).normal(size=(40, 3)); t = np.arange(40) % 2\n"
        "MultiTaskRegressor().fit(X, X[:, 0], tasks=t).partial_fit(X, X[:, 0], tasks=t)\n"
        "MultiTaskClassifier().fit(X, X[:, 0] > 0, tasks=t)\n"
        "assert 'dask' not in sys.modules, 'dask was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dask_dataframe_without_the_task_column_is_rejected(client):
    frame, y, _ = _regression_frame()
    with pytest.raises(ValueError, match="task_column='shop' is not a column of the Dask DataFrame"):
        MultiTaskRegressor(task_column="shop").fit(
            dd.from_pandas(frame, npartitions=2), dd.from_pandas(y, npartitions=2)
        )


def test_dask_array_with_unknown_chunk_sizes_is_rejected(client):
    frame, y, _ = _regression_frame()
    X = dd.from_pandas(frame.drop(columns="store"), npartitions=2).to_dask_array()
    assert np.isnan(X.chunks[0][0])
    with pytest.raises(ValueError, match="X has unknown chunk sizes"):
        MultiTaskRegressor(task_column=0).fit(X, da.from_array(y.to_numpy(), chunks=80))
    Xk = X.compute_chunk_sizes()
    with pytest.raises(ValueError, match="y has unknown chunk sizes"):
        MultiTaskRegressor(task_column=0).fit(Xk, dd.from_pandas(y, npartitions=2).to_dask_array())


def test_mismatched_partitions_of_x_and_y_are_rejected(client):
    frame, y, weights = _regression_frame()
    with pytest.raises(ValueError, match="X has 3 partitions but y has 2"):
        MultiTaskRegressor(task_column="store").fit(
            dd.from_pandas(frame, npartitions=3), dd.from_pandas(y, npartitions=2)
        )
    X = da.from_array(frame.drop(columns="store").to_numpy(), chunks=(100, 5))
    with pytest.raises(ValueError, match="X and y are partitioned differently"):
        MultiTaskRegressor(task_column=0).fit(X, da.from_array(y.to_numpy(), chunks=60))
    with pytest.raises(ValueError, match="X and sample_weight are partitioned differently"):
        MultiTaskClassifier(task_column=0).fit(
            X, da.from_array(y.to_numpy() > 0, chunks=100), sample_weight=da.from_array(weights.to_numpy(), chunks=30)
        )


def test_in_memory_y_with_a_dask_x_is_rejected(client):
    frame, y, _ = _regression_frame()
    with pytest.raises(ValueError, match="so y must be one too"):
        MultiTaskRegressor(task_column="store").fit(dd.from_pandas(frame, npartitions=2), y.to_numpy())
