"""School exam scores: independent, pooled and multi-task models against samples per school.
=========================================================================================

The School data (:func:`mtlearn.datasets.load_school`) hold the exam scores of
15,362 students in 139 London schools; predicting the scores of one school is
one task.  With only a handful of students per school, a model per school
(*independent*) has too little data, and one model for all schools (*pooled*)
ignores how schools differ.  The mean-regularised multi-task model learns one
weight vector per school, pulled towards the schools' mean; cross-validation
chooses how tightly (``mix``: 0 is independent, 1 is one shared weight
vector with an intercept per school).

For each number of training students per school, the script draws that many
students of every school for training, tests on the school's other students,
and prints the mean test R² of each model.  On School the independent models
are far behind with few students; the schools' slopes are similar, so the
pooled model is hard to beat and the multi-task model tracks it (its
per-school intercepts, unpenalised, cost a little with very few students).
The learning curves are saved to a PNG file.

Run ``python examples/plot_school_comparison.py`` (``--quick`` for a small run,
``--output FILE`` to choose where the figure goes).
"""

import argparse

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from mtlearn import MultiTaskRegressorCV
from mtlearn.datasets import load_school
from mtlearn.plotting import learning_curve_scores, plot_learning_curve


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few schools and sizes, for a fast check")
    parser.add_argument("--output", default="school_comparison.png", help="where to save the figure")
    args = parser.parse_args(argv)

    X, y, schools = load_school(return_X_y=True)
    if args.quick:
        keep = np.isin(schools, np.unique(schools)[:20])
        X, y, schools = X[keep], y[keep], schools[keep]
        sizes, n_repeats, n_alphas, mixes = [5, 15], 1, 6, [0.0, 0.9, 1.0]
    else:
        sizes, n_repeats, n_alphas, mixes = [3, 5, 10, 15, 20], 3, 15, [0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0]
    # The features are indicators and two percentages: put them on one scale.
    X = StandardScaler().fit_transform(X)

    # The rows are grouped by school: shuffle them into the CV folds, and let a
    # school that lands wholly in a test fold be predicted by the shared model.
    cv = KFold(3, shuffle=True, random_state=0)
    estimators = {
        # One ridge per school (penalty="ridge" shares nothing between tasks).
        "independent": MultiTaskRegressorCV(penalty="ridge", alphas=n_alphas, cv=cv, handle_unknown="shared"),
        # RidgeCV's fit takes no task labels: it sees all schools as one task.
        "pooled": RidgeCV(alphas=np.logspace(-2, 4, 13)),
        # Schools' weights tied to their mean, how tightly chosen by CV.
        "multi-task (mean)": MultiTaskRegressorCV(
            penalty="mean", alphas=n_alphas, mixes=mixes, cv=cv, handle_unknown="shared"
        ),
    }
    sizes, scores = learning_curve_scores(estimators, X, y, schools, sizes, n_repeats=n_repeats, random_state=0)

    print(f"{len(np.unique(schools))} schools; mean test R² over {n_repeats} draw(s)")
    print(f"{'students/school':>16}" + "".join(f"{name:>20}" for name in estimators))
    for i, m in enumerate(sizes):
        print(f"{m:>16}" + "".join(f"{scores[name][i].mean():>20.3f}" for name in estimators))

    import matplotlib

    matplotlib.use("Agg")
    ax = plot_learning_curve(sizes, scores, ylabel="test R²")
    ax.set_title("School exam scores")
    ax.figure.savefig(args.output, dpi=100, bbox_inches="tight")
    print(f"figure saved to {args.output}")


if __name__ == "__main__":
    main()
