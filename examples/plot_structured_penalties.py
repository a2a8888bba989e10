"""Shared features and task clusters: what the l21 and cluster penalties learn, in three figures.
==============================================================================================

Two synthetic problems from :func:`mtlearn.datasets.make_multitask_regression`,
each with a structure planted in the tasks' true weights, few samples per
task and noise of variance 1:

- **shared features** (``structure="sparse"``): only a few features matter,
  the same ones for every task.  The ``"l21"`` penalty Σ_j ‖W_{:,j}‖₂ switches
  whole features (columns of the tasks × features matrix W) on or off.
  Figure ``coef_matrix.png`` puts the true W next to the learned one;
  figure ``regularization_path.png`` follows ‖W_{:,j}‖₂ of every feature
  along a path of decreasing α (:func:`mtlearn.model_selection.multitask_path`),
  on which the planted features are the first to switch on.  The α chosen by
  cross-validation, which aims at prediction, also keeps small weights on
  some other features.
- **task clusters** (``structure="clusters"``): the tasks fall into groups
  whose weights are close.  The convex ``"cluster"`` penalty
  (:class:`mtlearn.penalties.ClusterPenalty`, given the planted number of
  clusters; a grid search could tune it as ``penalty__n_clusters``) pulls the
  weights of a group together and reads the groups off the fit
  (``penalty_info_["labels"]``).  Figure ``task_similarity.png`` shows the
  cosine similarity of the tasks' weights, ordered and outlined by those
  learned clusters, for independent ridge models and for the clustered model:
  the blocks are sharper with the penalty.

For both problems α is chosen by cross-validation
(:class:`mtlearn.MultiTaskRegressorCV`), and the script prints the test
mean squared error against independent ridge regressions (also tuned by
cross-validation), the order in which features enter the path, and how well
the learned clusters match the planted ones (adjusted Rand index, 1 for a
perfect match).

Run ``python examples/plot_structured_penalties.py`` (``--quick`` for a
small run, ``--output-dir DIR`` to choose where the figures go).
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, mean_squared_error

from mtlearn import MultiTaskRegressor, MultiTaskRegressorCV
from mtlearn.datasets import make_multitask_regression
from mtlearn.model_selection import multitask_path
from mtlearn.penalties import ClusterPenalty
from mtlearn.plotting import plot_coef_matrix, plot_regularization_path, plot_task_similarity

N_TEST = 200  # test rows per task


def make_problem(structure, n_tasks, n_train, n_features, **structure_args):
    """Training and test rows of every task, and the planted structure."""
    X, y, tasks, coef, info = make_multitask_regression(
        n_tasks=n_tasks,
        n_samples=n_train + N_TEST,
        n_features=n_features,
        structure=structure,
        noise=1.0,
        return_structure=True,
        random_state=0,
        **structure_args,
    )
    # The rows are grouped by task and i.i.d.: the first n_train of each task train.
    train = np.arange(len(y)) % (n_train + N_TEST) < n_train
    return (X[train], y[train], tasks[train]), (X[~train], y[~train], tasks[~train]), coef, info


def fit(model, rows):
    """Fit a multi-task model on (X, y, tasks)."""
    X, y, tasks = rows
    return model.fit(X, y, tasks=tasks)


def mse(model, rows):
    """Mean squared error of a fitted multi-task model on (X, y, tasks)."""
    X, y, tasks = rows
    return mean_squared_error(y, model.predict(X, tasks=tasks))


def entry_order(alphas, coefs):
    """Features in the order they become active along the path (largest α first)."""
    active = np.linalg.norm(coefs, axis=1) > 0  # (n_alphas, n_features)
    entry = np.where(active.any(axis=0), alphas[np.argmax(active, axis=0)], 0.0)
    return np.argsort(-entry, kind="stable")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer tasks and candidates, for a fast check")
    parser.add_argument("--output-dir", default=".", help="folder for the three PNG figures")
    args = parser.parse_args(argv)
    output = Path(args.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    if args.quick:
        n_tasks, n_alphas, cv, n_path = 8, 8, 3, 20
    else:
        n_tasks, n_alphas, cv, n_path = 20, 20, 5, 60
    n_train, n_features, n_informative, n_clusters = 20, 20, 5, 3

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Shared features: l21.
    train, test, true_coef, info = make_problem("sparse", n_tasks, n_train, n_features, n_informative=n_informative)
    planted = np.flatnonzero(info["support"])
    ridge = fit(MultiTaskRegressorCV(penalty="ridge", alphas=n_alphas, cv=cv), train)
    l21 = fit(MultiTaskRegressorCV(penalty="l21", alphas=n_alphas, cv=cv), train)
    alphas, coefs, _ = multitask_path(MultiTaskRegressor(penalty="l21"), *train, n_alphas=n_path, eps=1e-2)
    order = entry_order(alphas, coefs)
    print(
        f"shared features: {n_tasks} tasks, {n_train} training samples each, {n_features} features, "
        f"{n_informative} of them planted"
    )
    print(f"  test MSE: independent ridge {mse(ridge, test):.3f}, l21 {mse(l21, test):.3f}")
    print(f"  features selected by the cross-validated l21 model: {np.count_nonzero(np.any(l21.coef_, axis=0))}")
    print(f"  first {n_informative} features to enter the path: {sorted(order[:n_informative].tolist())}")
    print(f"  planted features: {planted.tolist()}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    plot_coef_matrix(true_coef, ax=left).set_title("true coefficients")
    plot_coef_matrix(l21, ax=right).set_title(f"l21, alpha={l21.alpha_:.3g} (cross-validated)")
    fig.savefig(output / "coef_matrix.png", dpi=100, bbox_inches="tight")
    fig, ax = plt.subplots(figsize=(9, 5))
    plot_regularization_path(alphas, coefs, feature_names=[f"x{j}" for j in range(n_features)], ax=ax)
    # The planted features in colour, the others in grey under one legend entry.
    colours = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"])
    for j, line in enumerate(ax.lines):
        if j in planted:
            line.set(color=next(colours), lw=2)
        else:
            line.set(color="0.7", lw=1, label="_other")
    next(line for line in ax.lines if line.get_label() == "_other").set_label("other features")
    ax.axvline(l21.alpha_, color="k", ls="--", lw=1, label="cross-validated alpha")
    ax.legend(fontsize="small")
    ax.set_title("l21 path: the planted features enter first")
    fig.savefig(output / "regularization_path.png", dpi=100, bbox_inches="tight")

    # Task clusters: the convex cluster penalty.
    train, test, _, info = make_problem(
        "clusters", n_tasks, n_train, n_features, n_clusters=n_clusters, relatedness=0.9
    )
    ridge = fit(MultiTaskRegressorCV(penalty="ridge", alphas=n_alphas, cv=cv), train)
    clustered = fit(MultiTaskRegressorCV(penalty=ClusterPenalty(n_clusters=n_clusters), alphas=n_alphas, cv=cv), train)
    labels = clustered.penalty_info_["labels"]
    print(f"\ntask clusters: {n_tasks} tasks in {n_clusters} planted clusters, {n_train} training samples each")
    print(f"  test MSE: independent ridge {mse(ridge, test):.3f}, cluster {mse(clustered, test):.3f}")
    print(f"  adjusted Rand index of the learned clusters: {adjusted_rand_score(info['cluster_labels'], labels):.3f}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    plot_task_similarity(ridge, clusters=labels, ax=left).set_title("independent ridge")
    plot_task_similarity(clustered, clusters=labels, ax=right).set_title("cluster penalty")
    fig.suptitle("Cosine similarity of the tasks' weights, grouped by the learned clusters")
    fig.savefig(output / "task_similarity.png", dpi=100, bbox_inches="tight")

    print(f"\nfigures saved to {output}: coef_matrix.png, regularization_path.png, task_similarity.png")


if __name__ == "__main__":
    main()
