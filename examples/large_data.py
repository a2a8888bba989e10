"""Large data: the same multi-task model from chunks (``partial_fit``) and from a Dask cluster.

The rows of 200 related regression tasks are
1. streamed to ``MultiTaskRegressor.partial_fit`` in chunks, as if read from disk;
2. generated on the workers of a local Dask cluster and fitted there, the
   client receiving only the per-task statistics;
and both models are compared with ``fit`` on all rows in memory (they agree to
the solver's tolerance).  A classifier is then fitted on the cluster too
(logistic loss: every solver iteration is a map-reduce over the partitions).

    python examples/large_data.py [--quick]
"""

import argparse

import numpy as np

from mtlearn import MultiTaskClassifier, MultiTaskRegressor


def make_rows(n_rows, n_tasks, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_features))
    tasks = rng.integers(0, n_tasks, size=n_rows)
    W = rng.standard_normal(n_features) + 0.3 * rng.standard_normal((n_tasks, n_features))
    y = np.einsum("ij,ij->i", X, W[tasks]) + rng.standard_normal(n_rows)
    return X, y, tasks


def relative_difference(a, b):
    return np.max(np.abs(a.coef_ - b.coef_)) / np.max(np.abs(b.coef_))


def main():
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_rows, n_tasks, n_features = (20_000, 50, 5) if args.quick else (400_000, 200, 10)
    X, y, tasks = make_rows(n_rows, n_tasks, n_features)
    in_memory = MultiTaskRegressor(penalty="l21", alpha=0.01, tol=1e-8).fit(X, y, tasks=tasks)

    # 1. Streaming: only the per-task statistics (n_tasks × (p² + 2p + 4) floats) are kept between chunks.
    streamed = MultiTaskRegressor(penalty="l21", alpha=0.01, tol=1e-8)
    for rows in np.array_split(np.arange(n_rows), 10):
        streamed.partial_fit(X[rows], y[rows], tasks=tasks[rows])
    print(
        "partial_fit over 10 chunks vs fit: max relative coef difference "
        f"{relative_difference(streamed, in_memory):.1e}"
    )

    # 2. A Dask cluster (here two local worker processes; Client("tcp://host:8786") for a real one).
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster):
        chunks = n_rows // 8
        Xd = da.from_array(np.column_stack([X, tasks]), chunks=(chunks, n_features + 1))
        yd = da.from_array(y, chunks=chunks)
        distributed = MultiTaskRegressor(penalty="l21", alpha=0.01, tol=1e-8, task_column=-1).fit(Xd, yd)
        print(
            "fit on a Dask array vs fit: max relative coef difference "
            f"{relative_difference(distributed, in_memory):.1e}"
        )

        labels = y > np.median(y)
        classifier = MultiTaskClassifier(alpha=0.1, tol=1e-6, task_column=-1)
        classifier.fit(Xd, da.from_array(labels, chunks=chunks))
        local = MultiTaskClassifier(alpha=0.1, tol=1e-6).fit(X, labels, tasks=tasks)
        print(f"logistic fit on Dask vs fit: max relative coef difference {relative_difference(classifier, local):.1e}")


if __name__ == "__main__":
    main()
