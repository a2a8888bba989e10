"""School demonstration: independent vs pooled vs multi-task ridge regression.

Run ``python -m mtlearn.demo`` or ``mtlearn-demo`` (``--splits 2`` for a quick look).  For each of
``--splits`` random splits, 75 % of every school's students train and 25 % test.
Three models are compared, each with its hyper-parameters chosen by 3-fold
cross-validation on the training part only (folds stratified by school):

- independent ridge: one ridge model per school (``penalty="ridge"``);
- pooled ridge: one ridge model for all schools (``sklearn.linear_model.Ridge``);
- mean-regularised multi-task ridge (Evgeniou–Pontil, ``penalty="mean"``), its
  strength ``alpha`` and ``mix`` chosen together.

It prints the explained variance (1 − MSE / Var(y_test) on the pooled test set)
and the RMSE, mean ± sd over the splits, and saves a bar plot (when
matplotlib is installed: ``pip install "mtlearn[plot]"``; without it, or with
``--no-plot``, only the table is printed).
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .datasets import load_school
from .estimators import MultiTaskRegressor

ALPHAS = np.logspace(-5, 0, 11)
MIXES = [0.5, 0.9, 0.98, 0.99, 0.995, 0.999, 0.9995, 1.0]


def _scaled(model, n_features):
    """Standardise the features; the task column (last) passes through untouched."""
    scale = ColumnTransformer([("scale", StandardScaler(), list(range(n_features)))], remainder="passthrough")
    return Pipeline([("scale", scale), ("model", model)])


def candidate_models(n_features):
    """The three compared models, each a grid search over its hyper-parameters."""
    return {
        "independent ridge": (
            _scaled(MultiTaskRegressor(penalty="ridge", task_column=-1), n_features),
            {"model__alpha": ALPHAS},
        ),
        "pooled ridge": (
            _scaled(Ridge(), n_features),
            {"model__alpha": np.logspace(-4, 4, 17)},
        ),
        "multi-task (mean-regularised)": (
            _scaled(MultiTaskRegressor(penalty="mean", task_column=-1), n_features),
            {"model__alpha": ALPHAS, "model__mix": MIXES},
        ),
    }


def per_task_split(tasks, test_size, rng):
    """Boolean test mask holding ``test_size`` of every task's rows (at least one each side)."""
    test = np.zeros(tasks.shape[0], dtype=bool)
    for task in np.unique(tasks):
        rows = np.flatnonzero(tasks == task)
        n_test = min(max(1, int(round(test_size * rows.size))), rows.size - 1)
        test[rng.choice(rows, size=n_test, replace=False)] = True
    return test


def evaluate(n_splits=10, test_size=0.25, random_state=0, verbose=True):
    """Fit and score the three models on ``n_splits`` random per-school splits.

    Returns
    -------
    results : dict
        Model name -> dict of arrays ``explained_variance``, ``rmse`` (one value
        per split) and the list of chosen hyper-parameters ``params``.
    """
    X, y, tasks = load_school(return_X_y=True)
    Xt = np.column_stack([X, tasks])
    rng = np.random.default_rng(random_state)
    models = candidate_models(X.shape[1])
    results = {name: {"explained_variance": [], "rmse": [], "params": []} for name in models}
    for split in range(n_splits):
        test = per_task_split(tasks, test_size, rng)
        train = ~test
        folds = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=split).split(Xt[train], tasks[train]))
        for name, (model, grid) in models.items():
            start = time.perf_counter()
            search = GridSearchCV(model, grid, cv=folds, scoring="neg_mean_squared_error").fit(Xt[train], y[train])
            mse = np.mean((search.predict(Xt[test]) - y[test]) ** 2)
            record = results[name]
            record["explained_variance"].append(1.0 - mse / np.var(y[test]))
            record["rmse"].append(np.sqrt(mse))
            record["params"].append({key.split("__")[-1]: float(value) for key, value in search.best_params_.items()})
            if verbose:
                print(
                    f"split {split + 1}/{n_splits}  {name:<30s} explained variance "
                    f"{record['explained_variance'][-1]:6.1%}  RMSE {record['rmse'][-1]:.3f}  "
                    f"{format_params(record['params'][-1])}  ({time.perf_counter() - start:.1f} s)",
                    flush=True,
                )
    for record in results.values():
        record["explained_variance"] = np.array(record["explained_variance"])
        record["rmse"] = np.array(record["rmse"])
    return results


def format_params(params):
    """Hyper-parameters as ``alpha=0.0316, mix=0.99`` (three significant digits)."""
    return ", ".join(f"{name}={value:.3g}" for name, value in params.items())


def format_table(results):
    """A Markdown table of explained variance and RMSE, mean ± sd over splits."""
    lines = [
        "| model | explained variance (%) | RMSE |",
        "|---|---|---|",
    ]
    for name, record in results.items():
        ev, rmse = 100 * record["explained_variance"], record["rmse"]
        lines.append(f"| {name} | {ev.mean():.2f} ± {ev.std():.2f} | {rmse.mean():.3f} ± {rmse.std():.3f} |")
    return "\n".join(lines)


def save_plot(results, path):
    """Bar plot of the explained variance of each model: mean over the splits, error bars ± 1 sd, dots the splits.

    The axis starts at 0, so that the bars' heights compare the models honestly.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    ev = [100 * results[name]["explained_variance"] for name in names]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(
        range(len(names)),
        [v.mean() for v in ev],
        yerr=[v.std() for v in ev],
        capsize=6,
        color=["#8da0cb", "#fc8d62", "#66c2a5"][: len(names)],
    )
    for i, values in enumerate(ev):
        ax.scatter(np.full(values.size, i), values, color="black", s=10, zorder=3)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("explained variance on test students (%)")
    ax.set_title(
        f"School data: 139 schools, {ev[0].size} random 75/25 splits per school\n"
        "bars: mean over splits; error bars: ± 1 standard deviation; dots: single splits",
        fontsize=10,
    )
    ax.set_ylim(0.0, max(v.max() for v in ev) + 2.0)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10, help="number of random 75/25 splits (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the splits")
    parser.add_argument("--output", default="school_demo.png", help="where to save the plot")
    parser.add_argument("--quiet", action="store_true", help="print only the final table")
    parser.add_argument("--no-plot", action="store_true", help="print the table only, save no plot")
    args = parser.parse_args(argv)
    plot = not args.no_plot and has_matplotlib()
    if not plot and not args.no_plot:
        print('matplotlib is not installed: printing the table only (pip install "mtlearn[plot]" for the plot).')
    results = evaluate(n_splits=args.splits, random_state=args.seed, verbose=not args.quiet)
    print()
    print(format_table(results))
    if plot:
        save_plot(results, args.output)
        print(f"\nplot saved to {args.output}")
    return results


def has_matplotlib():
    """Whether matplotlib can be imported (checked before the fits, which take minutes)."""
    return importlib.util.find_spec("matplotlib") is not None


if __name__ == "__main__":
    main()
