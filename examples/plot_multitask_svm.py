"""Separate SVMs, one shared SVM, and the multi-task SVM, on a family of non-linear tasks.
=======================================================================================

The classic teaching contrast of Evgeniou, Micchelli & Pontil (JMLR 2005).
Eight tasks share one design (every row is labelled for every task); task t's
positive class lies above the curve x₂ = sin(1.5 x₁ + φ_t) + d_t, with
phases φ_t and levels d_t that differ from task to task (10% of the labels
flipped), so each task needs a non-linear boundary and the tasks are alike
but not equal.  Three RBF SVMs:

- **separate**: one SVC per task, ``MultiOutputClassifier(SVC())``;
- **shared**: one SVC for the rows of all tasks, as if they were one task;
- **multi-task**: :class:`mtlearn.MultiTaskSVC`, the SVM with the kernel
  ``K((x, s), (z, t)) = K_task[s, t] · k(x, z)`` of the mean-regularised
  penalty (``mix`` ties every task to the tasks' mean function).

All use γ = 1 (the scale of the boundaries' wiggles) and choose C (and the
multi-task SVM its ``mix``) by 3-fold cross-validation on the training rows.
The script prints the test accuracy averaged over the tasks and the
repetitions for two training sizes, and draws the three models' boundaries
for two of the tasks (true boundary dashed).  Separate SVMs see too few rows
each; the shared SVM draws one boundary for all tasks, which costs more as
the rows grow.  Measured over 5 repetitions (mean test accuracy): with 20
rows the multi-task SVM matches the shared SVM (0.834 against 0.835) and
beats separate SVMs (0.799); with 50 rows it beats both (0.921 against
0.908 separate and 0.894 shared).

Run ``python examples/plot_multitask_svm.py`` (``--quick``: one repetition;
``--output`` for the figure's path).
"""

import argparse

import numpy as np
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV
from sklearn.multioutput import MultiOutputClassifier
from sklearn.svm import SVC

from mtlearn import MultiTaskSVC

N_TASKS = 8
SVM_GRID = {"C": [1.0, 10.0], "gamma": [1.0]}


def _accuracy_over_tasks(Y, predicted):
    return float(np.mean(np.asarray(Y) == np.asarray(predicted)))


SCORING = make_scorer(_accuracy_over_tasks)


class SineBoundaryFamily:
    """Task t: label 1 above x₂ = sin(1.5 x₁ + φ_t) + d_t, 10% of the labels flipped."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.phases = self.rng.normal(size=N_TASKS)
        self.levels = 0.3 * self.rng.normal(size=N_TASKS)

    def boundary(self, x1, task):
        return np.sin(1.5 * x1 + self.phases[task]) + self.levels[task]

    def truth(self, X):
        tasks = np.arange(N_TASKS)
        return (X[:, 1:2] > self.boundary(X[:, :1], tasks)).astype(int)

    def rows(self, n, flip=0.1):
        X = self.rng.uniform(-2.5, 2.5, size=(n, 2))
        Y = self.truth(X)
        return X, np.where(self.rng.uniform(size=Y.shape) < flip, 1 - Y, Y)


class SharedSVM:
    """One SVC fitted on the rows of every task, predicting the same label for every task."""

    def __init__(self):
        self.search = GridSearchCV(SVC(), SVM_GRID, cv=3)

    def fit(self, X, Y):
        self.search.fit(np.tile(X, (Y.shape[1], 1)), Y.T.ravel())
        self.n_tasks = Y.shape[1]
        return self

    def predict(self, X):
        return np.repeat(self.search.predict(X)[:, None], self.n_tasks, axis=1)


def three_models():
    return {
        "separate": MultiOutputClassifier(GridSearchCV(SVC(), SVM_GRID, cv=3)),
        "shared": SharedSVM(),
        "multi-task": GridSearchCV(MultiTaskSVC(), {**SVM_GRID, "mix": [0.5, 0.8, 0.95]}, cv=3, scoring=SCORING),
    }


def compare(sizes, n_repeats):
    """Rows (n, mean test accuracy of each model), and the fitted models of the first repetition at sizes[0]."""
    rows, shown = [], None
    for n in sizes:
        scores = {name: [] for name in three_models()}
        for seed in range(n_repeats):
            family = SineBoundaryFamily(seed)
            X, Y = family.rows(n)
            X_test = family.rng.uniform(-2.5, 2.5, size=(2000, 2))
            Y_test = family.truth(X_test)
            models = three_models()
            for name, model in models.items():
                scores[name].append(_accuracy_over_tasks(Y_test, model.fit(X, Y).predict(X_test)))
            if shown is None:
                shown = (family, X, Y, models)
        rows.append((n, {name: float(np.mean(values)) for name, values in scores.items()}))
    return rows, shown


def plot(shown, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family, X, Y, models = shown
    grid = np.linspace(-2.5, 2.5, 150)
    G = np.array(np.meshgrid(grid, grid)).reshape(2, -1).T
    fig, axes = plt.subplots(2, 3, figsize=(11, 7), sharex=True, sharey=True)
    for row, task in enumerate((0, 1)):
        for ax, (name, model) in zip(axes[row], models.items(), strict=False):
            predicted = model.predict(G)[:, task].reshape(len(grid), len(grid))
            ax.contourf(grid, grid, predicted, levels=[-0.5, 0.5, 1.5], colors=["#f2f2f2", "#c6dbef"])
            ax.scatter(X[:, 0], X[:, 1], c=Y[:, task], cmap="coolwarm", s=18, edgecolor="k", linewidth=0.3)
            ax.plot(grid, family.boundary(grid, task), "k--", linewidth=1)
            ax.set_title(f"{name} SVM, task {task}")
            ax.set_ylim(-2.5, 2.5)
            ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition")
    parser.add_argument("--output", default="multitask_svm.png", help="path of the figure")
    args = parser.parse_args(argv)
    sizes, n_repeats = ((20, 50), 1) if args.quick else ((20, 50), 5)
    rows, shown = compare(sizes, n_repeats)
    print(f"test accuracy averaged over {N_TASKS} tasks and {n_repeats} repetitions (higher is better)")
    print(f"{'rows':>6} {'separate':>9} {'shared':>9} {'multi-task':>11}")
    for n, s in rows:
        print(f"{n:>6} {s['separate']:>9.3f} {s['shared']:>9.3f} {s['multi-task']:>11.3f}")
    plot(shown, args.output)
    print(f"figure written to {args.output}")


if __name__ == "__main__":
    main()
