"""Plots of fitted multi-task models, regularisation paths and learning curves.

matplotlib is optional: it is imported when a plot is drawn (``pip install
mtlearn[plot]``).  Every plotting function draws on ``ax`` (a new figure's Axes
when None) and returns that Axes; ``ax.figure`` is the Figure.

- :func:`plot_coef_matrix` -- the tasks × features coefficient matrix W as a heat map.
- :func:`plot_task_similarity` -- cosine similarity of the tasks' weight vectors,
  optionally grouped by known or learned task clusters.
- :func:`plot_regularization_path` -- coefficients along a path of penalty strengths α.
- :func:`plot_learning_curve` -- test scores against the number of training samples
  per task, one curve per model; :func:`learning_curve_scores` computes them.
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np
from sklearn.base import clone
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.utils import check_random_state

__all__ = [
    "learning_curve_scores",
    "plot_coef_matrix",
    "plot_learning_curve",
    "plot_regularization_path",
    "plot_task_similarity",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "mtlearn.plotting needs matplotlib: install it with `pip install matplotlib` "
            "(or `pip install mtlearn[plot]`)."
        ) from exc
    return plt


def _axes(ax):
    return _pyplot().subplots()[1] if ax is None else ax


def _feature_names(estimator, n_features):
    """The fitted feature names without the task column, or None."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return None
    task_column = getattr(estimator, "task_column", None)
    if isinstance(task_column, str):
        names = names[names != task_column]
    elif task_column is not None:
        names = np.delete(names, int(task_column) % len(names))
    return list(names) if len(names) == n_features else None


def _coef_and_names(estimator_or_coef, class_index, task_names, feature_names):
    """(W of shape (n_tasks, n_features), task names, feature names) from an estimator or an array."""
    fitted = hasattr(estimator_or_coef, "coef_")
    coef = np.asarray(estimator_or_coef.coef_ if fitted else estimator_or_coef, dtype=np.float64)
    if coef.ndim == 3:
        if class_index is None:
            raise ValueError(
                f"coef has shape {coef.shape} (tasks, classes, features): choose the class to show with class_index."
            )
        coef = coef[:, class_index, :]
    elif class_index is not None:
        raise ValueError(f"class_index is only for coefficients of shape (tasks, classes, features), got {coef.shape}.")
    if coef.ndim != 2:
        raise ValueError(f"coef must have shape (n_tasks, n_features), got {coef.shape}.")
    n_tasks, n_features = coef.shape
    if task_names is None:
        task_names = list(estimator_or_coef.tasks_) if fitted else list(range(n_tasks))
    if feature_names is None:
        feature_names = _feature_names(estimator_or_coef, n_features) if fitted else None
        if feature_names is None:
            feature_names = list(range(n_features))
    if len(task_names) != n_tasks:
        raise ValueError(f"task_names has {len(task_names)} entries for {n_tasks} tasks.")
    if len(feature_names) != n_features:
        raise ValueError(f"feature_names has {len(feature_names)} entries for {n_features} features.")
    return coef, [str(name) for name in task_names], [str(name) for name in feature_names]


def _label_ticks(ax, axis, names, max_labels=40):
    """Tick labels for at most ``max_labels`` rows or columns (evenly spaced beyond that)."""
    positions = np.arange(len(names))
    if len(names) > max_labels:
        positions = np.linspace(0, len(names) - 1, max_labels).round().astype(int)
    labels = [names[k] for k in positions]
    if axis == "x":
        ax.set_xticks(positions, labels, rotation=90)
    else:
        ax.set_yticks(positions, labels)


def plot_coef_matrix(
    estimator_or_coef, *, class_index=None, task_names=None, feature_names=None, cmap="RdBu_r", ax=None
):
    """Heat map of the coefficient matrix W: one row per task, one column per feature.

    Shared feature selection (``penalty="l21"``) shows as whole empty columns,
    a mean-regularised model as columns of similar colour, independent tasks
    as unrelated rows.  The colour scale is symmetric around zero.

    Parameters
    ----------
    estimator_or_coef : fitted mtlearn estimator or array-like of shape (n_tasks, n_features)
        A fitted estimator (its ``coef_``, ``tasks_`` and feature names are
        used) or a coefficient array, e.g. the true coefficients of
        :func:`mtlearn.datasets.make_multitask_regression`.
    class_index : int, default=None
        For coefficients of shape (n_tasks, n_classes, n_features) (more than
        two classes): the class whose one-vs-rest weights are shown.
    task_names, feature_names : list of str, default=None
        Row and column labels; default: the estimator's ``tasks_`` and
        feature names, or positions.
    cmap : str or Colormap, default="RdBu_r"
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    coef, task_names, feature_names = _coef_and_names(estimator_or_coef, class_index, task_names, feature_names)
    ax = _axes(ax)
    limit = float(np.max(np.abs(coef), initial=0.0)) or 1.0
    image = ax.imshow(coef, aspect="auto", cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="coefficient")
    _label_ticks(ax, "x", feature_names)
    _label_ticks(ax, "y", task_names)
    ax.set_xlabel("feature")
    ax.set_ylabel("task")
    ax.set_title("Coefficients per task")
    return ax


def plot_task_similarity(
    estimator_or_coef, *, clusters=None, class_index=None, task_names=None, cmap="RdBu_r", ax=None
):
    """Heat map of the cosine similarity between the tasks' weight vectors.

    Entry (s, t) is ``w_s·w_t / (‖w_s‖ ‖w_t‖)`` (0 for a zero vector): +1 for
    tasks whose weights point the same way, 0 for unrelated ones, −1 for
    opposite ones.  Given task clusters (known groups, or the groups a
    clustered model learned), the tasks are ordered by cluster and the
    clusters are outlined, so that a block structure shows.

    Parameters
    ----------
    estimator_or_coef : fitted mtlearn estimator or array-like of shape (n_tasks, n_features)
    clusters : array-like of shape (n_tasks,), default=None
        A cluster label per task (in the order of ``tasks_``/the rows of coef).
    class_index : int, default=None
        For coefficients of shape (n_tasks, n_classes, n_features).
    task_names : list of str, default=None
    cmap : str or Colormap, default="RdBu_r"
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    coef, task_names, _ = _coef_and_names(estimator_or_coef, class_index, task_names, None)
    similarity = cosine_similarity(coef)
    if clusters is not None:
        clusters = np.asarray(clusters)
        if clusters.shape != (coef.shape[0],):
            raise ValueError(f"clusters has shape {clusters.shape}, expected ({coef.shape[0]},): one label per task.")
        order = np.argsort(clusters, kind="stable")
        similarity = similarity[np.ix_(order, order)]
        task_names = [task_names[k] for k in order]
    ax = _axes(ax)
    image = ax.imshow(similarity, cmap=cmap, vmin=-1.0, vmax=1.0, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="cosine similarity")
    if clusters is not None:
        sorted_clusters = clusters[order]
        starts = np.flatnonzero(np.r_[True, sorted_clusters[1:] != sorted_clusters[:-1]])
        ends = np.r_[starts[1:], len(sorted_clusters)]
        for start, end in zip(starts, ends, strict=False):
            ax.add_patch(
                _pyplot().Rectangle((start - 0.5, start - 0.5), end - start, end - start, fill=False, lw=2, ec="k")
            )
    _label_ticks(ax, "x", task_names)
    _label_ticks(ax, "y", task_names)
    ax.set_xlabel("task")
    ax.set_ylabel("task")
    ax.set_title("Task similarity (cosine of the weight vectors)")
    return ax


def plot_regularization_path(alphas, coefs, *, task=None, feature_names=None, ax=None):
    """Coefficients along a path of penalty strengths α (log scale, strongest on the left).

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,)
        Positive penalty strengths.
    coefs : array-like of shape (n_alphas, n_tasks, n_features) or (n_alphas, n_features)
        The coefficients fitted at each α.
    task : int, default=None
        With multi-task coefficients: None draws, for every feature, its norm
        across the tasks ‖W_{:,j}‖₂ (the quantity the ``"l21"`` penalty
        switches on and off); an index draws that task's coefficients.
    feature_names : list of str, default=None
        Legend labels (shown for at most 20 features).
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    coefs = np.asarray(coefs, dtype=np.float64)
    if alphas.ndim != 1 or np.any(alphas <= 0):
        raise ValueError("alphas must be a 1-D array of positive penalty strengths.")
    if coefs.ndim not in (2, 3) or coefs.shape[0] != alphas.shape[0]:
        raise ValueError(
            f"coefs must have shape (n_alphas, n_tasks, n_features) or (n_alphas, n_features) with "
            f"n_alphas={alphas.shape[0]}, got {coefs.shape}."
        )
    if coefs.ndim == 3 and task is None:
        curves, ylabel = np.linalg.norm(coefs, axis=1), "norm of the feature's coefficients across tasks"
    elif coefs.ndim == 3:
        curves, ylabel = coefs[:, task, :], f"coefficient of task {task}"
    elif task is not None:
        raise ValueError("task is only for multi-task coefficients of shape (n_alphas, n_tasks, n_features).")
    else:
        curves, ylabel = coefs, "coefficient"
    n_features = curves.shape[1]
    if feature_names is None:
        feature_names = [f"feature {j}" for j in range(n_features)]
    if len(feature_names) != n_features:
        raise ValueError(f"feature_names has {len(feature_names)} entries for {n_features} features.")
    ax = _axes(ax)
    for j in range(n_features):
        ax.plot(alphas, curves[:, j], label=str(feature_names[j]))
    ax.set_xscale("log")
    ax.set_xlim(alphas.max(), alphas.min())
    ax.set_xlabel("alpha (penalty strength)")
    ax.set_ylabel(ylabel)
    ax.set_title("Regularisation path")
    if n_features <= 20:
        ax.legend(fontsize="small")
    return ax


def plot_learning_curve(samples_per_task, scores, *, ylabel="test score", ax=None):
    """Test score against the number of training samples per task, one curve per model.

    The usual picture of multi-task learning: with few samples per task a
    joint model beats learning each task alone, and the gap closes as the
    tasks get more data; a pooled model helps only as far as the tasks agree.

    Parameters
    ----------
    samples_per_task : array-like of shape (n_sizes,)
    scores : dict of str to array-like of shape (n_sizes,) or (n_sizes, n_repeats)
        Model name → scores; with repeats the mean is drawn with a band of
        ± one standard deviation.  :func:`learning_curve_scores` computes them.
    ylabel : str, default="test score"
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    sizes = np.asarray(samples_per_task)
    if sizes.ndim != 1:
        raise ValueError("samples_per_task must be 1-D.")
    if not scores:
        raise ValueError("scores is empty: give at least one model's scores.")
    ax = _axes(ax)
    for name, values in scores.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape[0] != sizes.shape[0] or values.ndim > 2:
            raise ValueError(
                f"scores[{name!r}] has shape {values.shape}, expected ({sizes.shape[0]},) or "
                f"({sizes.shape[0]}, n_repeats)."
            )
        values = values.reshape(sizes.shape[0], -1)
        mean = values.mean(axis=1)
        (line,) = ax.plot(sizes, mean, marker="o", label=str(name))
        if values.shape[1] > 1:
            spread = values.std(axis=1)
            ax.fill_between(sizes, mean - spread, mean + spread, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("training samples per task")
    ax.set_ylabel(ylabel)
    ax.set_title("Learning curve")
    ax.legend()
    return ax


def _accepts_tasks(estimator):
    return "tasks" in inspect.signature(estimator.fit).parameters


def learning_curve_scores(estimators, X, y, tasks, samples_per_task, *, n_repeats=3, scoring=None, random_state=None):
    """Test scores of several models trained on ``m`` samples of every task, for each m.

    For each m in ``samples_per_task`` and each repeat, m rows of every task
    are drawn at random for training and the task's other rows are the test
    set; every model is fitted on the same training rows and scored on the
    same test rows.  Estimators whose ``fit`` takes ``tasks=`` get the task
    labels (multi-task models); the others are fitted on the rows alone,
    which makes them pooled models.

    Parameters
    ----------
    estimators : dict of str to estimator
        Model name → unfitted estimator (cloned for every fit).
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    tasks : array-like of shape (n_samples,)
        Task label of each row.
    samples_per_task : array-like of int
        Training rows per task; each must be below the size of the smallest task.
    n_repeats : int, default=3
        Random draws of the training rows per size.
    scoring : callable, default=None
        ``scoring(y_true, y_pred)`` on the test rows (e.g.
        :func:`sklearn.metrics.mean_squared_error`); None uses each estimator's
        ``score`` (R² for regressors, accuracy for classifiers).
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    samples_per_task : ndarray of shape (n_sizes,)
    scores : dict of str to ndarray of shape (n_sizes, n_repeats)
        Ready for :func:`plot_learning_curve`.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    tasks = np.asarray(tasks)
    if not (X.shape[0] == y.shape[0] == tasks.shape[0]):
        raise ValueError(f"X, y and tasks have {X.shape[0]}, {y.shape[0]} and {tasks.shape[0]} rows.")
    sizes = np.asarray(samples_per_task)
    if sizes.ndim != 1 or not all(isinstance(m, numbers.Integral) and m >= 1 for m in sizes.tolist()):
        raise ValueError("samples_per_task must be a 1-D list of positive ints.")
    if not isinstance(n_repeats, numbers.Integral) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive int, got {n_repeats!r}.")
    labels, task_index = np.unique(tasks, return_inverse=True)
    groups = [np.flatnonzero(task_index == t) for t in range(len(labels))]
    smallest = min(len(rows) for rows in groups)
    if sizes.max() >= smallest:
        raise ValueError(
            f"samples_per_task goes up to {sizes.max()}, but the smallest task has {smallest} rows: "
            "every task needs at least one test row."
        )
    rng = check_random_state(random_state)
    scores = {name: np.empty((len(sizes), n_repeats)) for name in estimators}
    for i, m in enumerate(sizes):
        for r in range(n_repeats):
            train = np.zeros(len(y), dtype=bool)
            for rows in groups:
                train[rng.choice(rows, size=m, replace=False)] = True
            test = ~train
            for name, estimator in estimators.items():
                model = clone(estimator)
                task_args = _accepts_tasks(model)
                model.fit(X[train], y[train], **({"tasks": tasks[train]} if task_args else {}))
                test_args = {"tasks": tasks[test]} if task_args else {}
                if scoring is None:
                    scores[name][i, r] = model.score(X[test], y[test], **test_args)
                else:
                    scores[name][i, r] = scoring(y[test], model.predict(X[test], **test_args))
    return sizes, scores
