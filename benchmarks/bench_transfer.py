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

Run: ``python benchmarks/bench_transfer.py`` (writes benchmarks/output/transfer.md
and transfer.png, and the figure of the user guide,
docs/figures/transfer_learning_curves.png).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge

from mtlearn import TransferRegressor
from mtlearn.datasets import load_school

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
    report += f"\nTotal time: {time.perf_counter() - start:.1f} s\n"
    print(report)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "transfer.md").write_text(report, encoding="utf-8")
    FIGURE.parent.mkdir(exist_ok=True)
    plot(curves, [OUTPUT / "transfer.png", FIGURE])


if __name__ == "__main__":
    main()
