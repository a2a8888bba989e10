"""Learning curves of transfer learning: target only, source only, transfer.

Two problems, held-out mean squared error against the number of target samples:

- synthetic: 20 features, source w_src ~ N(0, I) learnt by Ridge from 2000
  samples; a *related* target w = w_src + 0.3·N(0, I) and an *unrelated* target
  w ~ N(0, I) independent of the source; noise σ = 1;
- School (``mtlearn.datasets.load_school``): the target is one school, the
  source a Ridge model fit on all other schools.  A random quarter of the
  school's rows (rounded up) is its test set, the same for every training
  size; the training sets are nested (the first n of the other rows in a
  random order), up to all of them in the smallest school used.  Repeated over
  the 10 largest schools (201 to 251 students: up to 150 training rows, at
  least 51 test rows).

Models: target only = ``TransferRegressor(source=None, alpha="auto")``
(leave-one-out ridge on the target); source only = the source's predictions
with its intercept refitted on the target (α = ∞, β = 1: ``alpha="auto",
alphas=[np.inf], source_weight=1``, exactly w = w_src);
transfer = ``TransferRegressor(source, alpha="auto", source_weight="auto")``,
whose candidates include both ends (β = 0: ignore the source; α = ∞: copy it).
Each cell is the mean over repetitions of the test MSE; the ratio columns
divide by target only.

The defaults, d > n (issue 13, item 4): 40 features, 20 target rows, a source
fitted by scikit-learn on 1000 source rows (``FrozenEstimator(Ridge())``,
``FrozenEstimator(LogisticRegression())``), related (the source's weights plus
N(0, 0.3²) per coefficient) or unrelated (independent weights), 10 seeds, a
test set of 5000 rows.  Each setting of (``alpha``, ``source_weight``) is
compared with scikit-learn's target-only model at its defaults: ``RidgeCV()``
(test MSE ratio) and ``LogisticRegressionCV(scoring="neg_log_loss")`` (AUC
difference and log-loss ratio); medians over the seeds, worst seed in brackets.
The settings: (1.0, 1.0), the defaults before; ("auto", 1.0); ("auto", "auto")
on the finite α grid only (the classifier's automatic choice before it had the
copy-the-source candidate); ("auto", "auto") with it, the defaults now.

Run: ``python benchmarks/bench_transfer.py`` (writes benchmarks/output/transfer.md
and transfer.png, and the figure of the user guide,
docs/figures/transfer_learning_curves.png).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, Ridge, RidgeCV
from sklearn.metrics import log_loss, roc_auc_score

from mtlearn import TransferClassifier, TransferRegressor
from mtlearn.datasets import load_school
from mtlearn.transfer._selection import DEFAULT_RELATIVE_ALPHAS, feature_scale

OUTPUT = Path(__file__).resolve().parent / "output"
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "transfer_learning_curves.png"
SYNTHETIC_SIZES = (5, 10, 20, 50, 100, 200, 500)
# Then all the training rows of the smallest school used.
SCHOOL_SIZES = (5, 10, 20, 50, 100)
SCHOOL_TEST_FRACTION = 0.25
N_REPEATS = 10


def _three_models(source, X, y, X_test, y_test):
    models = {
        "target only": TransferRegressor(alpha="auto"),
        "source only": TransferRegressor(source, alpha="auto", alphas=[np.inf], source_weight=1.0),
        "transfer": TransferRegressor(source, alpha="auto", source_weight="auto"),
    }
    return {name: np.mean((model.fit(X, y).predict(X_test) - y_test) ** 2) for name, model in models.items()}


def _mean_scores(scores):
    """The mean over repetitions of each model's test MSE."""
    return {name: np.mean([s[name] for s in scores]) for name in scores[0]}


def synthetic_curve(related, p=20):
    rows = []
    for n in SYNTHETIC_SIZES:
        scores = []
        for seed in range(N_REPEATS):
            rng = np.random.default_rng(seed)
            w_src = rng.normal(size=p)
            w = w_src + 0.3 * rng.normal(size=p) if related else rng.normal(size=p)
            X_src = rng.normal(size=(2000, p))
            source = FrozenEstimator(Ridge(alpha=1.0).fit(X_src, X_src @ w_src + rng.normal(size=2000)))
            X, X_test = rng.normal(size=(n, p)), rng.normal(size=(5000, p))
            y, y_test = X @ w + rng.normal(size=n), X_test @ w + rng.normal(size=5000)
            scores.append(_three_models(source, X, y, X_test, y_test))
        rows.append((n, _mean_scores(scores)))
    return rows


def school_curve():
    """The School learning curve: rows (n, mean test MSE of each model).

    The target schools are the ``N_REPEATS`` largest; each keeps a fixed test
    set and nested training sets (see the module docstring), so that the curve
    extends to all the training rows of the smallest of them.
    """
    X, y, tasks = load_school(return_X_y=True)
    labels, counts = np.unique(tasks, return_counts=True)
    splits = {}
    for repeat, target in enumerate(labels[np.argsort(counts)[::-1][:N_REPEATS]]):
        rows = np.random.default_rng(repeat).permutation(np.flatnonzero(tasks == target))
        n_test = int(np.ceil(SCHOOL_TEST_FRACTION * rows.size))
        splits[target] = rows[n_test:], rows[:n_test]
    largest = min(len(train) for train, _ in splits.values())
    sources = {
        target: FrozenEstimator(Ridge(alpha=1.0).fit(X[tasks != target], y[tasks != target])) for target in splits
    }
    curve = []
    for n in [size for size in SCHOOL_SIZES if size < largest] + [largest]:
        scores = [
            _three_models(sources[target], X[train[:n]], y[train[:n]], X[test], y[test])
            for target, (train, test) in splits.items()
        ]
        curve.append((n, _mean_scores(scores)))
    return curve


DEFAULTS_SHAPE = {"n_features": 40, "n_target": 20, "n_source": 1000, "n_test": 5000}
DEFAULTS_SEEDS = range(10)


def _default_settings(X):
    """The (alpha, source_weight) settings compared, by name (see the module docstring)."""
    finite = DEFAULT_RELATIVE_ALPHAS * feature_scale(X, np.ones(len(X)), True)
    return {
        "alpha=1, source_weight=1 (defaults before)": {"alpha": 1.0, "source_weight": 1.0},
        'alpha="auto", source_weight=1': {"alpha": "auto", "source_weight": 1.0},
        '"auto", "auto", finite α grid': {"alphas": finite},
        '"auto", "auto" with α = ∞ (defaults now)': {},
    }


def _defaults_problem(seed, related, classification):
    """Source model, target rows and test rows of one seed of the d > n study."""
    shape = DEFAULTS_SHAPE
    p = shape["n_features"]
    rng = np.random.default_rng(seed)
    w_src = rng.normal(size=p)
    w = w_src + 0.3 * rng.normal(size=p) if related else rng.normal(size=p)
    noise = rng.logistic if classification else rng.normal
    X_src = rng.normal(size=(shape["n_source"], p))
    y_src = X_src @ w_src + noise(size=shape["n_source"])
    source = LogisticRegression().fit(X_src, y_src > 0) if classification else Ridge().fit(X_src, y_src)
    X, X_test = rng.normal(size=(shape["n_target"], p)), rng.normal(size=(shape["n_test"], p))
    y, y_test = X @ w + noise(size=shape["n_target"]), X_test @ w + noise(size=shape["n_test"])
    if classification:
        y, y_test = y > 0, y_test > 0
    return FrozenEstimator(source), X, y, X_test, y_test


def defaults_study(classification):
    """Per setting and source kind, the per-seed scores relative to the target-only baseline.

    Regression: test MSE / that of ``RidgeCV()``.  Classification: (AUC − the
    baseline's AUC, log-loss / the baseline's log-loss), the baseline
    ``LogisticRegressionCV(scoring="neg_log_loss")``.
    """
    results = {}
    for related in (True, False):
        for seed in DEFAULTS_SEEDS:
            source, X, y, X_test, y_test = _defaults_problem(seed, related, classification)
            if classification:
                baseline = LogisticRegressionCV(scoring="neg_log_loss").fit(X, y)
                base_auc = roc_auc_score(y_test, baseline.decision_function(X_test))
                base_loss = log_loss(y_test, baseline.predict_proba(X_test))
            else:
                base_mse = np.mean((RidgeCV().fit(X, y).predict(X_test) - y_test) ** 2)
            for name, setting in _default_settings(X).items():
                if classification:
                    model = TransferClassifier(source, **setting).fit(X, y)
                    score = (
                        roc_auc_score(y_test, model.decision_function(X_test)) - base_auc,
                        log_loss(y_test, model.predict_proba(X_test)) / base_loss,
                    )
                else:
                    model = TransferRegressor(source, **setting).fit(X, y)
                    score = (np.mean((model.predict(X_test) - y_test) ** 2) / base_mse,)
                results.setdefault((name, related), []).append(score)
    return {key: np.array(scores) for key, scores in results.items()}


def defaults_table(regression, classification):
    def cell(values, worst):
        return f"{np.median(values):.3f} ({worst(values):.3f})"

    lines = [
        f"#### Defaults, d = {DEFAULTS_SHAPE['n_features']} > n = {DEFAULTS_SHAPE['n_target']}: "
        f"median over {len(DEFAULTS_SEEDS)} seeds (worst seed)",
        "",
        "| setting | source | regression: MSE / RidgeCV | classification: AUC − LogisticRegressionCV "
        "| classification: log-loss / LogisticRegressionCV |",
        "|---|---|---:|---:|---:|",
    ]
    for name, related in regression:
        mse, clf = regression[name, related][:, 0], classification[name, related]
        lines.append(
            f"| {name} | {'related' if related else 'unrelated'} | {cell(mse, np.max)} | "
            f"{cell(clf[:, 0], np.min)} | {cell(clf[:, 1], np.max)} |"
        )
    return "\n".join(lines) + "\n"


def table(title, rows):
    lines = [
        f"#### {title}",
        "",
        "| target samples | target only | source only | transfer | source / target | transfer / target |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n, s in rows:
        t = s["target only"]
        lines.append(
            f"| {n} | {t:.3f} | {s['source only']:.3f} | {s['transfer']:.3f} | "
            f"{s['source only'] / t:.3f} | {s['transfer'] / t:.3f} |"
        )
    return "\n".join(lines) + "\n"


def plot(curves, paths):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 4))
    for ax, (title, rows) in zip(axes, curves.items(), strict=False):
        sizes = [n for n, _ in rows]
        for name in ("target only", "source only", "transfer"):
            ax.plot(sizes, [s[name] for _, s in rows], marker="o", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("target training samples")
        ax.set_ylabel("test MSE")
        ax.set_title(title)
        ax.legend()
    fig.tight_layout()
    for path in paths:
        fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    start = time.perf_counter()
    curves = {
        "synthetic, related source": synthetic_curve(related=True),
        "synthetic, unrelated source": synthetic_curve(related=False),
        "School (one school; source: the others)": school_curve(),
    }
    report = "## Transfer learning curves (mean test MSE over 10 repetitions)\n\n" + "\n".join(
        table(title, rows) for title, rows in curves.items()
    )
    report += "\n" + defaults_table(defaults_study(classification=False), defaults_study(classification=True))
    report += f"\nTotal time: {time.perf_counter() - start:.1f} s\n"
    print(report)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "transfer.md").write_text(report, encoding="utf-8")
    FIGURE.parent.mkdir(exist_ok=True)
    plot(curves, [OUTPUT / "transfer.png", FIGURE])


if __name__ == "__main__":
    main()
