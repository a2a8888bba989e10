"""Learning curves of representation transfer: a new task learnt in the subspace the source tasks share.

Synthetic family: 30 features; the weights of every task are combinations of
3 shared directions (an orthonormal basis B, ``w_t = 2 · c_tᵀ B`` with
``c_t ~ N(0, I₃)``); 10 source tasks with 40 rows each, noise σ = 0.5.  The
target is a new task of the same family (new coefficients c), learnt from n
rows and scored on 2000 held-out rows (mean squared error, the noise-free
target; the best possible is 0).

Models on the target:

- target only: ``RidgeCV`` on the 30 raw features;
- weight transfer: ``TransferRegressor(FrozenEstimator(source), alpha="auto",
  source_weight="auto")`` — biased regularisation towards the source's shared
  component (the mean task model), with "no transfer" among its candidates;
- representation transfer (trace): ``make_pipeline(FrozenEstimator(source),
  RidgeCV())`` — ridge on ``source.transform(X)``, the source's shared
  subspace; the source is ``MultiTaskRegressorCV(penalty="trace")`` (α, hence
  the rank, chosen by 3-fold cross-validation);
- representation transfer (k = 3): the same pipeline on
  ``SharedRepresentationRegressor(n_components=3)`` with the α of the trace model.

Each cell is the mean test MSE over the repetitions (a new family each).
Run: ``python benchmarks/representation_transfer.py`` (``--quick``: 2 sizes,
3 repetitions); it prints the Markdown table and writes
``docs/figures/representation_transfer.png``.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline

from mtlearn import MultiTaskRegressorCV, SharedRepresentationRegressor, TransferRegressor

FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "representation_transfer.png"
SIZES = (3, 5, 10, 20, 40, 80)
N_REPEATS = 20
N_FEATURES, RANK, N_SOURCE_TASKS, N_SOURCE_ROWS, NOISE = 30, 3, 10, 40, 0.5
RIDGE_ALPHAS = np.logspace(-3, 3, 13)
MODELS = ("target only", "weight transfer", "representation (trace)", "representation (k = 3)")


class SubspaceFamily:
    """Tasks whose weights lie in one random RANK-dimensional subspace of the features."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.basis = np.linalg.qr(self.rng.normal(size=(N_FEATURES, RANK)))[0].T

    def task(self):
        return 2.0 * self.rng.normal(size=RANK) @ self.basis

    def rows(self, w, n, noise=NOISE):
        X = self.rng.normal(size=(n, N_FEATURES))
        return X, X @ w + noise * self.rng.normal(size=n)


def fitted_sources(family):
    """The trace-norm source (α by CV) and the rank-3 factorised source with the same α."""
    parts = [family.rows(family.task(), N_SOURCE_ROWS) for _ in range(N_SOURCE_TASKS)]
    X = np.vstack([X for X, _ in parts])
    y = np.concatenate([y for _, y in parts])
    tasks = np.repeat(np.arange(N_SOURCE_TASKS), N_SOURCE_ROWS)
    trace = MultiTaskRegressorCV(penalty="trace", cv=3).fit(X, y, tasks=tasks)
    factorised = SharedRepresentationRegressor(n_components=RANK, alpha=trace.alpha_).fit(X, y, tasks=tasks)
    return trace, factorised


def target_models(trace, factorised):
    return {
        "target only": RidgeCV(alphas=RIDGE_ALPHAS),
        "weight transfer": TransferRegressor(FrozenEstimator(trace), alpha="auto", source_weight="auto"),
        "representation (trace)": make_pipeline(FrozenEstimator(trace), RidgeCV(alphas=RIDGE_ALPHAS)),
        "representation (k = 3)": make_pipeline(FrozenEstimator(factorised), RidgeCV(alphas=RIDGE_ALPHAS)),
    }


def learning_curve(sizes, n_repeats):
    """Rows (n, {model: mean test MSE}) and the mean rank of the trace-norm sources."""
    errors = {n: {name: [] for name in MODELS} for n in sizes}
    ranks = []
    for seed in range(n_repeats):
        family = SubspaceFamily(seed)
        trace, factorised = fitted_sources(family)
        ranks.append(trace.components_.shape[0])
        w = family.task()
        X_test, y_test = family.rows(w, 2000, noise=0.0)
        for n in sizes:
            X, y = family.rows(w, n)
            for name, model in target_models(trace, factorised).items():
                errors[n][name].append(np.mean((model.fit(X, y).predict(X_test) - y_test) ** 2))
    rows = [(n, {name: float(np.mean(values)) for name, values in errors[n].items()}) for n in sizes]
    return rows, float(np.mean(ranks))


def table(rows):
    lines = [
        "| target rows | " + " | ".join(MODELS) + " | " + " | ".join(f"{name} / target" for name in MODELS[1:]) + " |",
        "|---:|" + "---:|" * (2 * len(MODELS) - 1),
    ]
    for n, s in rows:
        target = s["target only"]
        cells = [f"{s[name]:.3f}" for name in MODELS] + [f"{s[name] / target:.3f}" for name in MODELS[1:]]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    sizes = [n for n, _ in rows]
    for name in MODELS:
        ax.plot(sizes, [s[name] for _, s in rows], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [str(n) for n in sizes], minor=False)
    ax.set_xticks([], minor=True)
    ax.set_xlabel("rows of the new task")
    ax.set_ylabel("test MSE (noise-free target)")
    ax.set_title(f"a new task in a {RANK}-dimensional shared subspace of {N_FEATURES} features")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 sizes, 3 repetitions")
    parser.add_argument("--figure", type=Path, default=FIGURE)
    args = parser.parse_args(argv)
    sizes, n_repeats = ((5, 20), 3) if args.quick else (SIZES, N_REPEATS)
    rows, mean_rank = learning_curve(sizes, n_repeats)
    print(f"# Representation transfer ({n_repeats} repetitions; python {platform.python_version()})")
    print(f"mean rank of the cross-validated trace-norm sources: {mean_rank:.1f} (true rank {RANK})\n")
    print(table(rows))
    plot(rows, args.figure)
    return rows


if __name__ == "__main__":
    main()
