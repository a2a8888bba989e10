"""Independent references: the augmented-feature view of the mean-regularised penalty.

With ``w_t = c0·u_0 + c1·u_t``, ``c0 = √(mix/T)`` and ``c1 = √(1 − mix)``, the mean
penalty ``Ω(W)`` equals ``½ ‖u‖²``, so a mean-regularised model is a single-task
model on the augmented rows ``[c0·x, 0, …, c1·x (block t), …, 0]``.
"""

import numpy as np


def augment(X, task_index, n_tasks, mix):
    """The augmented design: shape (n_samples, (n_tasks + 1) * n_features)."""
    n, p = X.shape
    c0, c1 = np.sqrt(mix / n_tasks), np.sqrt(1.0 - mix)
    Z = np.zeros((n, (n_tasks + 1) * p))
    Z[:, :p] = c0 * X
    for t in range(n_tasks):
        rows = task_index == t
        Z[rows, (t + 1) * p : (t + 2) * p] = c1 * X[rows]
    return Z


def task_weights_from_augmented(u, n_tasks, n_features, mix):
    """W (n_tasks, n_features) from the augmented coefficients u."""
    c0, c1 = np.sqrt(mix / n_tasks), np.sqrt(1.0 - mix)
    u = np.asarray(u).ravel()
    shared = u[:n_features]
    return np.array([c0 * shared + c1 * u[(t + 1) * n_features : (t + 2) * n_features] for t in range(n_tasks)])


def per_task_mean_weights(task_index, n_tasks):
    """Sample weights 1/n_t that turn a plain sum into the per-task mean."""
    counts = np.bincount(task_index, minlength=n_tasks)
    return 1.0 / counts[task_index]


def make_tasks(seed, n_per_task=(30, 45, 25), n_features=4, classification=False):
    """Small related tasks of unequal sizes: X, y, task_index."""
    rng = np.random.default_rng(seed)
    n_tasks = len(n_per_task)
    task_index = np.repeat(np.arange(n_tasks), n_per_task)
    X = rng.normal(size=(task_index.size, n_features))
    shared = rng.normal(size=n_features)
    W = shared + 0.5 * rng.normal(size=(n_tasks, n_features))
    f = np.einsum("ij,ij->i", X, W[task_index]) + 0.5 * task_index
    noise = rng.normal(scale=0.5, size=task_index.size)
    if classification:
        y = np.where(f + noise > 0.3, 1.0, -1.0)
    else:
        y = f + noise
    return X, y, task_index
