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

The defaults on public data (``--part public``), a related source and an
unrelated one made from it by permuting the source's targets (the same rows,
the link between features and target broken), against the target-only
scikit-learn model at its defaults as above:

- School: the target is each of the 10 largest schools in turn, with 20
  random training rows (27 features: d > n) and its other rows as the test
  set; the source a ``Ridge()`` fitted on the other 138 schools (related), or
  on their rows with the scores permuted (unrelated); test MSE /
  ``RidgeCV()``'s;
- sentiment (``load_sentiment_domains``): every ordered pair of the four
  domains, the source a ``LogisticRegression()`` fitted on all the source
  domain's rows (related) or on them with the labels permuted (unrelated),
  the target 50 random rows of the target domain (7,663 word features: d ≫ n)
  and its other rows the test set; ``TransferClassifier(source)`` against
  ``LogisticRegressionCV(scoring="neg_log_loss")``: AUC difference and
  log-loss ratio.

Medians over the targets (pairs) and seeds, worst in brackets.

Run: ``python benchmarks/bench_transfer.py`` (writes benchmarks/output/transfer.md
and transfer.png, and the figure of the user guide,
docs/figures/transfer_learning_curves.png); ``--part public`` the public-data
study only (benchmarks/output/transfer_public.md); ``--quick`` a small public
study (2 schools, 2 domain pairs), for the tests.
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, Ridge, RidgeCV
from sklearn.metrics import log_loss, roc_auc_score

from mtlearn import TransferClassifier, TransferRegressor
from mtlearn.datasets import load_school, load_sentiment_domains
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


PUBLIC_SCHOOL_ROWS = 20
PUBLIC_SENTIMENT_ROWS = 50


def _public_sources(fit, X_src, y_src, rng):
    """The related source (fitted on the source rows) and the unrelated one (on them with y permuted)."""
    return {True: FrozenEstimator(fit(X_src, y_src)), False: FrozenEstimator(fit(X_src, rng.permutation(y_src)))}


def _target_rows(rows, n_train, y, rng):
    """``n_train`` random rows of ``rows`` holding both classes (any rows for regression), and the rest."""
    while True:
        order = rng.permutation(rows)
        train, test = order[:n_train], order[n_train:]
        if y is None or len(np.unique(y[train])) == 2:
            return train, test


def school_public_study(n_schools):
    """Per source kind, (test MSE / ``RidgeCV()``'s, / target-only ``TransferRegressor()``'s) on the largest schools.

    Also under the key None: target-only ``TransferRegressor()`` / ``RidgeCV()``.
    """
    X, y, tasks = load_school(return_X_y=True)
    labels, counts = np.unique(tasks, return_counts=True)
    results = {True: [], False: [], None: []}
    for repeat, target in enumerate(labels[np.argsort(counts)[::-1][:n_schools]]):
        rng = np.random.default_rng(repeat)
        others = tasks != target
        sources = _public_sources(lambda A, b: Ridge().fit(A, b), X[others], y[others], rng)
        train, test = _target_rows(np.flatnonzero(~others), PUBLIC_SCHOOL_ROWS, None, rng)

        def mse(model):
            return np.mean((model.fit(X[train], y[train]).predict(X[test]) - y[test]) ** 2)

        base, alone = mse(RidgeCV()), mse(TransferRegressor())
        results[None].append((alone / base,))
        for related, source in sources.items():
            transfer = mse(TransferRegressor(source))
            results[related].append((transfer / base, transfer / alone))
    return {key: np.array(value) for key, value in results.items()}


def sentiment_public_study(pairs):
    """Per source kind, (AUC − baseline AUC, log-loss / baseline's, log-loss / target-only transfer's).

    The baseline is ``LogisticRegressionCV(scoring="neg_log_loss")``, the target-only transfer
    ``TransferClassifier()``; under the key None the latter against the former.
    """
    X, y, tasks = load_sentiment_domains(return_X_y=True)
    results = {True: [], False: [], None: []}
    for repeat, (source_domain, target_domain) in enumerate(pairs):
        rng = np.random.default_rng(repeat)
        rows = tasks == source_domain
        sources = _public_sources(lambda A, b: LogisticRegression(max_iter=1000).fit(A, b), X[rows], y[rows], rng)
        train, test = _target_rows(np.flatnonzero(tasks == target_domain), PUBLIC_SENTIMENT_ROWS, y, rng)

        def scores(model):
            model.fit(X[train], y[train])
            return (
                roc_auc_score(y[test], model.decision_function(X[test])),
                log_loss(y[test], model.predict_proba(X[test])),
            )

        base_auc, base_loss = scores(LogisticRegressionCV(scoring="neg_log_loss"))
        alone_auc, alone_loss = scores(TransferClassifier())
        results[None].append((alone_auc - base_auc, alone_loss / base_loss, 1.0))
        for related, source in sources.items():
            auc, loss = scores(TransferClassifier(source))
            results[related].append((auc - base_auc, loss / base_loss, loss / alone_loss))
    return {key: np.array(value) for key, value in results.items()}


SOURCE_KINDS = {True: "related", False: "unrelated (permuted targets)", None: "none (target-only transfer)"}


def public_table(school, sentiment, n_pairs):
    def cell(values, worst):
        return f"{np.median(values):.3f} ({worst(values):.3f})"

    lines = [
        "#### Defaults on public data: median (worst)",
        "",
        "| data | source | targets | MSE / RidgeCV | MSE / target-only | AUC − LogisticRegressionCV "
        "| log-loss / LogisticRegressionCV | log-loss / target-only |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for related, kind in SOURCE_KINDS.items():
        values = school[related]
        alone = "" if related is None else cell(values[:, 1], np.max)
        lines.append(
            f"| School, {PUBLIC_SCHOOL_ROWS} rows, 27 features | {kind} | {len(values)} schools "
            f"| {cell(values[:, 0], np.max)} | {alone} | | | |"
        )
    for related, kind in SOURCE_KINDS.items():
        values = sentiment[related]
        alone = "" if related is None else cell(values[:, 2], np.max)
        lines.append(
            f"| sentiment, {PUBLIC_SENTIMENT_ROWS} rows, 7,663 words | {kind} | {n_pairs} domain pairs | | "
            f"| {cell(values[:, 0], np.min)} | {cell(values[:, 1], np.max)} | {alone} |"
        )
    return "\n".join(lines) + "\n"


def public_study(quick):
    """Markdown of the public-data study of the defaults, with its run time and ConvergenceWarnings."""
    start = time.perf_counter()
    _, _, tasks = load_sentiment_domains(return_X_y=True)
    pairs = list(itertools.permutations(np.unique(tasks), 2))
    pairs = pairs[:2] if quick else pairs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        school = school_public_study(2 if quick else N_REPEATS)
        sentiment = sentiment_public_study(pairs)
    warned = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return (
        public_table(school, sentiment, len(pairs))
        + f"\nPublic-data study: {time.perf_counter() - start:.1f} s wall; {warned} ConvergenceWarnings.\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "public"], default="all", help="all tables, or the public data only")
    parser.add_argument("--quick", action="store_true", help="the public study only, 2 schools and 2 domain pairs")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    if args.quick or args.part == "public":
        report = public_study(args.quick)
        print(report)
        (args.output_dir / "transfer_public.md").write_text(report, encoding="utf-8")
        return report
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
    report += "\n" + public_study(quick=False)
    report += f"\nTotal time: {time.perf_counter() - start:.1f} s\n"
    print(report)
    (args.output_dir / "transfer.md").write_text(report, encoding="utf-8")
    FIGURE.parent.mkdir(exist_ok=True)
    plot(curves, [args.output_dir / "transfer.png", FIGURE])
    return report


if __name__ == "__main__":
    main()
