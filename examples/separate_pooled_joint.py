"""Learning related tasks separately, pooled, or jointly.

Ten regression tasks share one design (every row is observed for every task,
the ``sklearn.linear_model.MultiTaskLasso`` format), and their true weight
vectors are close to a common mean (``structure="mean"``).  Three ways to
learn them:

- **separately**: one ridge regression per task, ignoring the others
  (``sklearn.multioutput.MultiOutputRegressor``);
- **pooled**: one ridge regression for all tasks, as if they were the same
  task;
- **jointly**: :class:`mtlearn.MultiTaskRegressor` with the mean-regularised
  penalty, which pulls each task's weights towards the tasks' mean by an
  amount chosen by cross-validation (:class:`mtlearn.MultiTaskRegressorCV`).

The script prints the test mean squared error (averaged over the tasks) for a
few training-set sizes, for related tasks and for unrelated ones.  With few
samples the joint model is much better than learning separately; as samples
grow the gap closes.  Pooling is good only while the tasks really are alike,
and the joint model never does much worse than the better of the two.

Run ``python examples/separate_pooled_joint.py`` (``--quick`` for a small run).
"""

import argparse

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_squared_error
from sklearn.multioutput import MultiOutputRegressor

from mtlearn import MultiTaskRegressorCV
from mtlearn.datasets import make_multitask_regression

RIDGE_ALPHAS = np.logspace(-3, 3, 13)


def separate(X, Y):
    """One ridge per task (each with its own α by leave-one-out)."""
    return MultiOutputRegressor(RidgeCV(alphas=RIDGE_ALPHAS)).fit(X, Y)


def pooled(X, Y):
    """One ridge for all tasks: the rows repeated once per task, the targets stacked."""
    n_tasks = Y.shape[1]
    model = RidgeCV(alphas=RIDGE_ALPHAS).fit(np.tile(X, (n_tasks, 1)), Y.T.ravel())
    return _Broadcast(model, n_tasks)


class _Broadcast:
    """The pooled model's prediction, repeated for every task."""

    def __init__(self, model, n_tasks):
        self.model, self.n_tasks = model, n_tasks

    def predict(self, X):
        return np.repeat(self.model.predict(X)[:, None], self.n_tasks, axis=1)


def joint(X, Y, quick=False):
    """Mean-regularised multi-task ridge, α and mix chosen by cross-validation."""
    if quick:
        return MultiTaskRegressorCV(alphas=8, mixes=[0.0, 0.9, 0.99], cv=3).fit(X, Y)
    return MultiTaskRegressorCV(alphas=20, mixes=[0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0], cv=5).fit(X, Y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a fast check")
    args = parser.parse_args(argv)
    sizes = [15, 40] if args.quick else [15, 30, 60, 120, 400]
    n_tasks, n_features, n_test = (5, 10, 200) if args.quick else (10, 20, 2000)

    print(f"{n_tasks} tasks, {n_features} features, shared design; test MSE averaged over tasks")
    for relatedness in (0.9, 0.0):
        X_all, Y_all, coef = make_multitask_regression(
            n_tasks=n_tasks, n_samples=max(sizes) + n_test, n_features=n_features, structure="mean",
            relatedness=relatedness, noise=1.0, shared_design=True, random_state=0,
        )
        X_test, Y_test = X_all[-n_test:], Y_all[-n_test:]
        print(f"\nrelatedness={relatedness} ({'related' if relatedness else 'unrelated'} tasks)")
        print(f"{'samples':>8} {'separate':>10} {'pooled':>10} {'joint':>10}   chosen mix")
        for n in sizes:
            X, Y = X_all[:n], Y_all[:n]
            errors = {}
            models = {"separate": separate(X, Y), "pooled": pooled(X, Y), "joint": joint(X, Y, args.quick)}
            for name, model in models.items():
                errors[name] = mean_squared_error(Y_test, model.predict(X_test))
            mix = models["joint"].mix_
            print(f"{n:>8} {errors['separate']:>10.3f} {errors['pooled']:>10.3f} {errors['joint']:>10.3f}   {mix:.2f}")
    print("\n(noise variance 1.0: an MSE of 1.0 is the best possible)")


if __name__ == "__main__":
    main()
