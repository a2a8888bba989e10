"""Synthetic multi-task classification with rare positives and planted task groups."""

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.utils import check_random_state

from ._generators import _check_int, _check_real

__all__ = ["make_rare_positive_tasks"]


def _task_sizes(n_samples, n_tasks, rng):
    """Rows per task: one integer for all, or a (low, high) range drawn uniformly per task."""
    if isinstance(n_samples, tuple):
        if len(n_samples) != 2:
            raise ValueError(f"n_samples must be an integer or a (low, high) pair, got {n_samples!r}.")
        low = _check_int(n_samples[0], "n_samples[0]", 2)
        high = _check_int(n_samples[1], "n_samples[1]", low)
        return rng.randint(low, high + 1, size=n_tasks)
    return np.full(n_tasks, _check_int(n_samples, "n_samples", 2), dtype=np.int64)


def _intercept_for_rate(scores, rate):
    """The intercept b for which the mean of expit(scores + b) equals ``rate``."""
    return brentq(lambda b: expit(scores + b).mean() - rate, -60.0, 60.0)


def make_rare_positive_tasks(
    n_tasks=20,
    n_samples=(30, 80),
    n_features=9,
    *,
    positive_rate=0.05,
    n_groups=2,
    relatedness=0.8,
    coef_scale=2.0,
    min_positives=2,
    random_state=None,
):
    """Generate binary tasks with rare positives whose weights come from a few task groups.

    The shape of the public multi-task medical and marketing benchmarks: about
    twenty tasks, a few dozen rows each, a few per cent positives, a handful of
    features, and tasks that fall into groups sharing their weights.  Task t
    belongs to group g(t) = t mod ``n_groups``; with rho = ``relatedness``,
    s = ``coef_scale`` and z standard normal vectors, its weights and rows are

        w_t = s (sqrt(rho) u_{g(t)} + sqrt(1 - rho) z_t),   u_g ~ N(0, I / n_features),
        x_i ~ N(0, I),   P(y_i = 1 | x_i) = 1 / (1 + exp(-(x_i^T w_t + b_t))),

    with the intercept b_t set so that the model's mean probability over the
    task's rows equals ``positive_rate``.  Each task then gets at least
    ``min_positives`` positives: when fewer are drawn, the negatives the model
    finds most likely positive are relabelled.

    Parameters
    ----------
    n_tasks : int, default=20
    n_samples : int or (int, int), default=(30, 80)
        Rows per task, or the range (inclusive) from which each task's number
        of rows is drawn uniformly.
    n_features : int, default=9
    positive_rate : float in (0, 0.5], default=0.05
        Expected fraction of positives in every task.
    n_groups : int, default=2
        Number of task groups; 1 gives one shared model, ``n_tasks`` gives
        unrelated tasks.
    relatedness : float in [0, 1], default=0.8
        Share of each task's weight variance that comes from its group.
    coef_scale : float > 0, default=2.0
        Standard deviation of the linear score x^T w_t (before the intercept).
    min_positives : int, default=2
        Fewest positives per task (at most half of the task's rows).
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples_total, n_features)
    y : ndarray of shape (n_samples_total,)
        Labels in {0, 1}.
    tasks : ndarray of shape (n_samples_total,)
        Each row's task, 0 to n_tasks - 1, in blocks.
    coef : ndarray of shape (n_tasks, n_features)
        The task weights w_t.
    groups : ndarray of shape (n_tasks,)
        Each task's group g(t).
    """
    n_tasks = _check_int(n_tasks, "n_tasks")
    n_features = _check_int(n_features, "n_features")
    positive_rate = _check_real(positive_rate, "positive_rate", 0.0, 0.5, low_open=True)
    n_groups = _check_int(n_groups, "n_groups", 1, n_tasks, "n_tasks")
    relatedness = _check_real(relatedness, "relatedness", 0.0, 1.0)
    coef_scale = _check_real(coef_scale, "coef_scale", 0.0, low_open=True)
    min_positives = _check_int(min_positives, "min_positives", 0)
    rng = check_random_state(random_state)
    sizes = _task_sizes(n_samples, n_tasks, rng)

    groups = np.arange(n_tasks) % n_groups
    centres = rng.standard_normal((n_groups, n_features)) / np.sqrt(n_features)
    own = rng.standard_normal((n_tasks, n_features)) / np.sqrt(n_features)
    coef = coef_scale * (np.sqrt(relatedness) * centres[groups] + np.sqrt(1.0 - relatedness) * own)

    X = rng.standard_normal((int(sizes.sum()), n_features))
    tasks = np.repeat(np.arange(n_tasks, dtype=np.int64), sizes)
    y = np.empty(X.shape[0], dtype=np.int64)
    for t in range(n_tasks):
        rows = tasks == t
        scores = X[rows] @ coef[t]
        proba = expit(scores + _intercept_for_rate(scores, positive_rate))
        labels = (rng.random(proba.size) < proba).astype(np.int64)
        missing = min(min_positives, proba.size // 2) - labels.sum()
        if missing > 0:
            negatives = np.flatnonzero(labels == 0)
            labels[negatives[np.argsort(-proba[negatives])[:missing]]] = 1
        y[rows] = labels
    return X, y, tasks, coef, groups
