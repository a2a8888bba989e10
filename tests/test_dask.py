"""A grid search over an mtlearn estimator runs on a Dask cluster of worker processes through joblib.

The cluster's workers are separate processes (``processes=True``), so the
estimator, the data and the fitted results are pickled to and from them, as
on a real cluster.
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
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


def _search(estimator, grid, n_jobs=-1):
    return GridSearchCV(estimator, grid, cv=KFold(3, shuffle=True, random_state=0), n_jobs=n_jobs)


def _local_search(estimator, grid, X, y):
    """The reference: the same search with joblib's default, in this process (no pickling)."""
    return _search(estimator, grid, n_jobs=None).fit(X, y)


def _assert_same_search(remote, local):
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-12
    )
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
