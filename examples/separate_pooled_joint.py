"""Learning related tasks separately, pooled, or jointly, for regression and for classification.
=============================================================================================

Several tasks share one design (every row is observed for every task, the
``sklearn.linear_model.MultiTaskLasso`` format), and their true weight
vectors are close to a common mean (``structure="mean"``).  Three ways to
learn them:

- **separately**: one model per task, ignoring the others
  (``sklearn.multioutput.MultiOutputRegressor`` of ridge regressions,
  ``sklearn.multioutput.MultiOutputClassifier`` of logistic regressions);
- **pooled**: one ridge / logistic regression for all tasks, as if they were
  the same task;
- **jointly**: :class:`mtlearn.MultiTaskRegressor` /
  :class:`mtlearn.MultiTaskClassifier` with the mean-regularised penalty,
  which pulls each task's weights towards the tasks' mean by an amount chosen
  by cross-validation (:class:`mtlearn.MultiTaskRegressorCV`,
  :class:`mtlearn.MultiTaskClassifierCV`).

Every model chooses its strength by cross-validation (ridge: leave-one-out;
logistic regression: 3 folds; the joint models: 3 or 5 folds, over α and
mix; the classifiers by their log loss).  The script
prints, for regression (linear targets, noise variance 1) and for
classification (labels drawn from a logistic model), the test score averaged
over the tasks — mean squared error, lower is better; accuracy, higher is
better — for a few training-set sizes, for related tasks and for unrelated
ones, and the score of the true weights, the best that can be expected.
With few samples the joint model is better than learning separately; as
samples grow the gap closes.  Pooling is good only while the tasks really
are alike, and the joint model never does much worse than the better of the
two — except that with 20 samples per task the joint classifier can trail
the pooled one by a few points of accuracy: it fits an unpenalised intercept
per task, which costs with so few samples (here every task's true intercept
is 0, so the pooled model's single intercept is enough).

Run ``python examples/separate_pooled_joint.py`` (``--quick`` for a small run).
"""

import argparse
import functools

import numpy as np
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV
from sklearn.multioutput import MultiOutputClassifier, MultiOutputRegressor

from mtlearn import MultiTaskClassifierCV, MultiTaskRegressorCV
from mtlearn.datasets import make_multitask_classification, make_multitask_regression

RIDGE_ALPHAS = np.logspace(-3, 3, 13)
LOGISTIC_CS = np.logspace(-3, 3, 13)


def _joint_grid(quick):
    """The candidates of the joint models: α (a count: a default grid) and mix."""
    if quick:
        return dict(penalty="mean", alphas=8, mixes=[0.0, 0.9, 0.99, 1.0], cv=3)
    return dict(penalty="mean", alphas=20, mixes=[0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0], cv=5)


def _stacked(X, Y):
    """The rows repeated once per task and the targets stacked: the pooled training set."""
    return np.tile(X, (Y.shape[1], 1)), Y.T.ravel()


class _Broadcast:
    """The pooled model's prediction, repeated for every task."""

    def __init__(self, model, n_tasks):
        self.model, self.n_tasks = model, n_tasks

    def predict(self, X):
        return np.repeat(self.model.predict(X)[:, None], self.n_tasks, axis=1)


def _logistic_cv():
    """Logistic regression with C chosen by 3-fold cross-validated log loss."""
    return GridSearchCV(LogisticRegression(solver="newton-cholesky"), {"C": LOGISTIC_CS}, cv=3, scoring="neg_log_loss")


def _neg_mean_log_loss(estimator, X, Y):
    """Scorer of the joint classifier: minus the log loss, averaged over the rows and the tasks.

    scikit-learn's ``"neg_log_loss"`` takes one column of labels; here Y has
    one column per task and ``predict_proba`` the shape (n_samples, n_tasks, n_classes).
    """
    proba = estimator.predict_proba(X)
    true_class = np.take_along_axis(proba, np.searchsorted(estimator.classes_, Y)[:, :, None], axis=2)
    return float(np.mean(np.log(np.clip(true_class, 1e-15, None))))


REGRESSION = dict(
    name="regression",
    make=functools.partial(make_multitask_regression, noise=1.0),
    truth=lambda X, coef: X @ coef.T,
    score_name="test MSE (lower is better)",
    score=mean_squared_error,
    learners={
        # One ridge per task (each with its own α by leave-one-out).
        "separate": lambda X, Y, quick: MultiOutputRegressor(RidgeCV(alphas=RIDGE_ALPHAS)).fit(X, Y),
        "pooled": lambda X, Y, quick: _Broadcast(RidgeCV(alphas=RIDGE_ALPHAS).fit(*_stacked(X, Y)), Y.shape[1]),
        # Mean-regularised multi-task ridge, α and mix chosen by cross-validation.
        "joint": lambda X, Y, quick: MultiTaskRegressorCV(**_joint_grid(quick)).fit(X, Y),
    },
    sizes=([15, 40], [15, 30, 60, 120, 400]),
)

CLASSIFICATION = dict(
    name="classification",
    make=make_multitask_classification,
    truth=lambda X, coef: (X @ coef.T > 0).astype(np.int64),
    score_name="test accuracy (higher is better)",
    score=lambda Y, predicted: float(np.mean(Y == predicted)),
    learners={
        "separate": lambda X, Y, quick: MultiOutputClassifier(_logistic_cv()).fit(X, Y),
        "pooled": lambda X, Y, quick: _Broadcast(_logistic_cv().fit(*_stacked(X, Y)), Y.shape[1]),
        "joint": lambda X, Y, quick: MultiTaskClassifierCV(scoring=_neg_mean_log_loss, **_joint_grid(quick)).fit(X, Y),
    },
    sizes=([20, 60], [20, 40, 80, 160, 400]),
)


def compare(problem, quick):
    """Print the table of one problem: separate, pooled and joint test scores against training size."""
    sizes = problem["sizes"][0 if quick else 1]
    n_tasks, n_features, n_test = (5, 10, 500) if quick else (10, 20, 2000)
    print(
        f"\n=== {problem['name']}: {n_tasks} tasks, {n_features} features, shared design; "
        f"{problem['score_name']}, averaged over tasks"
    )
    for relatedness in (0.9, 0.0):
        X_all, Y_all, coef = problem["make"](
            relatedness=relatedness,
            n_tasks=n_tasks,
            n_samples=max(sizes) + n_test,
            n_features=n_features,
            structure="mean",
            shared_design=True,
            random_state=0,
        )
        X_test, Y_test = X_all[-n_test:], Y_all[-n_test:]
        best = problem["score"](Y_test, problem["truth"](X_test, coef))
        print(
            f"\nrelatedness={relatedness} ({'related' if relatedness else 'unrelated'} tasks); "
            f"the true weights score {best:.3f}"
        )
        print(f"{'samples':>8} {'separate':>10} {'pooled':>10} {'joint':>10}   chosen mix")
        for n in sizes:
            X, Y = X_all[:n], Y_all[:n]
            models = {name: learn(X, Y, quick) for name, learn in problem["learners"].items()}
            scores = [problem["score"](Y_test, model.predict(X_test)) for model in models.values()]
            print(f"{n:>8}" + "".join(f" {score:>10.3f}" for score in scores) + f"   {models['joint'].mix_:.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a fast check")
    args = parser.parse_args(argv)
    for problem in (REGRESSION, CLASSIFICATION):
        compare(problem, args.quick)


if __name__ == "__main__":
    main()
