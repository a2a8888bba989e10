"""A shared representation: the subspace the tasks' weights span, learnt, drawn and reused.
========================================================================================

Twelve regression tasks on 2 features, 6 noisy rows each; every task's true
weight vector lies on one line through the origin (a 1-dimensional shared
subspace: ``w_t = c_t · u``).  Three estimates of the task weights:

- **separate ridge** (``MultiTaskRegressor(penalty="ridge")``): each task on
  its own rows; the estimates scatter off the line;
- **trace norm** (``MultiTaskRegressor(penalty="trace")``): the convex
  low-rank model; it finds the line (``components_`` is its direction), but
  the α that brings it to rank 1 (here 1.2) also shrinks every weight
  towards zero;
- **factorised, k = 1** (:class:`mtlearn.SharedRepresentationRegressor`):
  ``w_t = a_t · u`` with the representation size fixed to 1, so a small α
  (0.3) suffices: rank 1 with less shrinkage (a non-convex fit, started
  from the trace-norm solution with that α).

The figure draws the weights in weight space with the learnt directions.
The script prints each model's weight error and the angle between its
subspace and the true one, then learns a new task of the family from 3 rows
in the learnt representation (``make_pipeline(FrozenEstimator(model),
RidgeCV())``) and on the raw features.

Run ``python examples/plot_shared_representation.py`` (``--quick`` is the
same run; ``--output`` for the figure's path).
"""

import argparse

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline

from mtlearn import MultiTaskRegressor, SharedRepresentationRegressor

N_TASKS, N_ROWS, NOISE = 12, 6, 1.0
DIRECTION = np.array([np.cos(0.6), np.sin(0.6)])


def draw(rng, w, n):
    X = rng.normal(size=(n, 2))
    return X, X @ w + NOISE * rng.normal(size=n)


def angle_degrees(direction):
    """The angle between the line spanned by ``direction`` and the true line."""
    cosine = abs(direction @ DIRECTION) / np.linalg.norm(direction)
    return float(np.degrees(np.arccos(min(cosine, 1.0))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the same (small) run")
    parser.add_argument("--output", default="shared_representation.png", help="path of the figure")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    W_true = np.outer(rng.uniform(-3, 3, size=N_TASKS), DIRECTION)
    parts = [draw(rng, w, N_ROWS) for w in W_true]
    X, y = np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    tasks = np.repeat(np.arange(N_TASKS), N_ROWS)
    models = {
        "separate ridge": MultiTaskRegressor(penalty="ridge", alpha=0.05),
        "trace norm": MultiTaskRegressor(penalty="trace", alpha=1.2),
        "factorised, k = 1": SharedRepresentationRegressor(n_components=1, alpha=0.3),
    }
    print(f"{'model':<20} {'weight error':>12} {'rank':>5} {'angle (deg)':>12}")
    for name, model in models.items():
        model.fit(X, y, tasks=tasks)
        error = np.linalg.norm(model.coef_ - W_true) / np.linalg.norm(W_true)
        rank = np.linalg.matrix_rank(model.coef_, tol=1e-8)
        top = np.linalg.svd(model.coef_)[2][0]
        print(f"{name:<20} {error:>12.3f} {rank:>5d} {angle_degrees(top):>12.3f}")

    w_new = 2.0 * DIRECTION
    X_few, y_few = draw(rng, w_new, 3)
    X_test = rng.normal(size=(2000, 2))
    print("\na new task from 3 rows: test MSE (noise-free target)")
    learners = {
        "raw features": RidgeCV(),
        "trace-norm representation": make_pipeline(FrozenEstimator(models["trace norm"]), RidgeCV()),
        "factorised representation": make_pipeline(FrozenEstimator(models["factorised, k = 1"]), RidgeCV()),
    }
    for name, learner in learners.items():
        error = np.mean((learner.fit(X_few, y_few).predict(X_test) - X_test @ w_new) ** 2)
        print(f"  {name:<27} {error:.3f}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 6))
    line = np.linspace(-3.5, 3.5, 2)
    ax.plot(line * DIRECTION[0], line * DIRECTION[1], "k--", label="true shared subspace")
    ax.scatter(*W_true.T, c="k", s=25, label="true task weights")
    colours = {"separate ridge": "tab:grey", "trace norm": "tab:blue", "factorised, k = 1": "tab:orange"}
    for name, model in models.items():
        ax.scatter(*model.coef_.T, s=25, color=colours[name], label=f"{name} estimates")
        for true, estimate in zip(W_true, model.coef_, strict=False):
            ax.plot(*np.stack([true, estimate]).T, color=colours[name], linewidth=0.5)
        if name != "separate ridge":
            u = model.components_[0]
            ax.plot(line * u[0], line * u[1], color=colours[name], linewidth=1, label=f"{name}: components_")
    ax.set_xlabel("weight of feature 1")
    ax.set_ylabel("weight of feature 2")
    ax.set_aspect("equal")
    ax.legend(fontsize=8)
    ax.set_title("task weights and the learnt shared subspace")
    fig.tight_layout()
    fig.savefig(args.output, dpi=100)
    plt.close(fig)
    print(f"\nfigure written to {args.output}")


if __name__ == "__main__":
    main()
