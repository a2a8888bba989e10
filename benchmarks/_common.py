"""Shared helpers of the benchmark scripts: the model grid, cross-validated fitting, metrics, output.

Every model is a :class:`~mtlearn.model_selection.MultiTaskRegressorCV`; the first
row, ``MultiTaskRegressorCV()`` with its defaults (penalties, mixes, α grid, ``tol``),
is what a user gets without choosing anything.  For the other rows, for each
candidate penalty object (the second hyper-parameter, e.g. the dirty model's
``l1_ratio`` or the number of task clusters) it follows one warm-started α path
per cross-validation fold (and per ``mix`` for ``"mean"``), and the candidate
with the best mean fold score is kept.  The objective of every model is

    Σ_t (1/n_t) Σ_{i in t} ½ (y_i − x_iᵀ w_t − b_t)² + α Ω(W),

with an unpenalised intercept b_t per task (the per-task centring of the
targets); the pooled ridge baseline is the same estimator with one task.
"""

from __future__ import annotations

import argparse
import contextlib
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from mtlearn.model_selection import MultiTaskRegressorCV
from mtlearn.penalties import PENALTIES, ClusterPenalty, DirtyPenalty, GraphPenalty

OUTPUT_DIR = Path(__file__).resolve().parent / "output"
# The tracked figures that benchmarks/RESULTS.md links to.
FIGURES_DIR = Path(__file__).resolve().parents[1] / "docs" / "figures"

# Penalties in table order; a name is used only when ``mtlearn.penalties.PENALTIES`` has it.
PENALTY_ORDER = ("ridge", "mean", "l21", "lasso", "trace", "dirty", "graph", "cluster", "relationship")

MEAN_MIXES = (0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0)
RELATIONSHIP_MIXES = (0.0, 0.5, 0.9, 1.0)
QUADRATIC_ALPHAS = np.geomspace(100.0, 1e-4, 13)


@dataclass
class ModelSpec:
    """One row of a results table: a penalty and the hyper-parameter grid searched by CV.

    Attributes
    ----------
    name : str
        Row label.
    candidates : list
        Penalties (names or objects) searched, each with its own α path.
    alphas : int or ndarray
        The α grid of ``MultiTaskRegressorCV`` (an int: that many values below ``alpha_max``).
    mixes : tuple or None
        The ``mix`` grid (``penalty="mean"`` or ``"relationship"`` only).
    pooled : bool
        Fit one model for all tasks (the task labels are not given).
    grid : str
        What the CV searches, for the table.
    defaults : bool
        ``MultiTaskRegressorCV`` with its own ``tol`` and ``max_iter`` (the
        candidate None, ``alphas`` and ``mixes`` then being its defaults).
    """

    name: str
    candidates: list
    alphas: object
    mixes: tuple | None = None
    pooled: bool = False
    grid: str = ""
    defaults: bool = False


DEFAULTS_ROW = "MultiTaskRegressorCV() defaults"


def model_specs(n_tasks, *, quick=False, adjacency=None, n_alphas=10, cluster_counts=(2, 3, 5), quadratic_alphas=None):
    """The models of a benchmark: ``MultiTaskRegressorCV()``'s defaults, pooled ridge, then one per available penalty.

    Parameters
    ----------
    n_tasks : int
    quick : bool
        Coarse grids (for the ``--quick`` test runs).
    adjacency : ndarray of shape (n_tasks, n_tasks) or None
        The task graph of ``"graph"``; without one the graph penalty is left out
        (a real data set with no known task relations).
    n_alphas : int
        Length of the α path of the penalties with an ``alpha_max``.
    cluster_counts : tuple of int
        Numbers of task clusters searched for ``"cluster"``.
    quadratic_alphas : ndarray or None
        The fixed α grid of the models without an ``alpha_max`` (ridge, mean,
        graph, cluster, relationship); None means :data:`QUADRATIC_ALPHAS` (two per decade).
    """
    alphas_quad = QUADRATIC_ALPHAS if quadratic_alphas is None else np.asarray(quadratic_alphas, dtype=float)
    alphas_quad = alphas_quad[::2] if quick else alphas_quad
    n_path = 4 if quick else n_alphas
    specs = [
        ModelSpec(DEFAULTS_ROW, [None], 4 if quick else 30, grid="the default grid", defaults=True),
        ModelSpec("pooled ridge", ["ridge"], alphas_quad, pooled=True, grid="α"),
    ]
    for name in PENALTY_ORDER:
        if name not in PENALTIES:
            continue
        if name == "ridge":
            specs.append(ModelSpec("independent ridge", ["ridge"], alphas_quad, grid="α"))
        elif name == "mean":
            mixes = (0.0, 0.9, 0.99) if quick else MEAN_MIXES
            specs.append(ModelSpec("mean (Evgeniou–Pontil)", ["mean"], alphas_quad, mixes=mixes, grid="α × mix"))
        elif name in ("l21", "lasso", "trace"):
            specs.append(ModelSpec(name, [name], n_path, grid="α path"))
        elif name == "dirty":
            powers = (0.25,) if quick else (0.125, 0.25, 0.375)
            ratios = [1.0 / (1.0 + n_tasks**q) for q in powers]
            specs.append(
                ModelSpec("dirty", [DirtyPenalty(l1_ratio=r) for r in ratios], n_path, grid="α path × l1_ratio")
            )
        elif name == "graph" and adjacency is not None:
            ridges = (0.1,) if quick else (0.01, 0.1, 1.0)
            candidates = [GraphPenalty(adjacency=adjacency, ridge=r) for r in ridges]
            specs.append(ModelSpec("graph", candidates, alphas_quad, grid="α × ridge"))
        elif name == "cluster":
            counts = [k for k in (cluster_counts[:1] if quick else cluster_counts) if k <= n_tasks]
            candidates = [ClusterPenalty(n_clusters=k) for k in counts]
            specs.append(ModelSpec("cluster", candidates, alphas_quad, grid="α × n_clusters"))
        elif name == "relationship":
            mixes = (0.5,) if quick else RELATIONSHIP_MIXES
            specs.append(ModelSpec("relationship", ["relationship"], alphas_quad, mixes=mixes, grid="α × mix"))
    return specs


def task_folds(tasks, n_splits, random_state):
    """K folds of the rows, stratified by task, so that every task is in every training fold."""
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros((len(tasks), 1)), tasks))


def task_constant_columns(X, tasks):
    """Mask of the columns that are constant within every task.

    With an unpenalised intercept per task such a column is absorbed by the
    intercepts at no cost, and every penalty here satisfies Ω(W) ≥ Ω(W with the
    column zeroed), so its optimal weights are zero: leaving it out gives the
    same fit and a better conditioned problem.
    """
    order = np.argsort(tasks, kind="stable")
    Xs, ts = X[order], tasks[order]
    starts = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1]])
    spread = np.maximum.reduceat(Xs, starts, axis=0) - np.minimum.reduceat(Xs, starts, axis=0)
    return np.all(spread == 0, axis=0)


@dataclass
class FittedModel:
    """A tuned model: the refitted CV estimator, its chosen parameters, mean CV score and fit time."""

    estimator: object
    params: str
    cv_score: float
    columns: np.ndarray
    seconds: float = 0.0


def describe_params(estimator):
    """The chosen hyper-parameters as a short string (the chosen penalty too when several were searched)."""
    parts = [f"α={estimator.alpha_:.3g}"]
    if estimator.mix_ is not None:
        parts.append(f"mix={estimator.mix_:g}")
    penalty = estimator.penalty_
    if estimator.penalty is None or isinstance(estimator.penalty, (list, tuple)):
        parts.append(f"penalty={penalty}")
    elif not isinstance(penalty, str):
        for key, value in penalty.get_params().items():
            if key != "adjacency":
                parts.append(f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}")
    return ", ".join(parts)


def fit_tuned(spec, X, y, tasks, folds, *, n_jobs=1, tol=1e-3, max_iter=2000):
    """Fit ``spec`` with its hyper-parameters chosen by CV over ``folds`` (training rows only).

    Returns
    -------
    FittedModel
    """
    columns = np.ones(X.shape[1], dtype=bool) if spec.pooled else ~task_constant_columns(X, tasks)
    start, best = time.perf_counter(), None
    options = {} if spec.defaults else {"tol": tol, "max_iter": max_iter}
    for candidate in spec.candidates:
        model = MultiTaskRegressorCV(
            penalty=candidate, alphas=spec.alphas, mixes=spec.mixes, cv=folds, n_jobs=n_jobs, **options
        )
        model.fit(X[:, columns], y, tasks=None if spec.pooled else tasks)
        score = float(np.nanmax(np.mean(model.scores_, axis=-1)))
        if best is None or score > best.cv_score:
            best = FittedModel(model, describe_params(model), score, columns)
    best.seconds = time.perf_counter() - start
    return best


def predict(fitted, spec, X, tasks):
    """Predictions of a :class:`FittedModel` on new rows."""
    return fitted.estimator.predict(X[:, fitted.columns], tasks=None if spec.pooled else tasks)


def timed_fit(estimator, X, y, tasks):
    """CPU seconds of ``estimator.fit(X, y, tasks=tasks)``, its warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.process_time()
        estimator.fit(X, y, tasks=tasks)
        return time.process_time() - start


def split_within_tasks(tasks, test_size, rng):
    """Boolean test mask holding round(test_size · n_t) random rows of every task."""
    test = np.zeros(len(tasks), dtype=bool)
    for task in np.unique(tasks):
        rows = np.flatnonzero(tasks == task)
        test[rng.choice(rows, int(round(test_size * len(rows))), replace=False)] = True
    return test


def score_specs(specs, results, train, test, folds, *, n_jobs, label=""):
    """Fit every spec on ``train`` = (X, y, tasks) with CV over ``folds``; record its test scores in ``results``.

    ``results[spec.name]`` gets the explained variance ("ev"), the RMSE ("rmse") and the chosen
    hyper-parameters ("params") on ``test`` = (X, y, tasks); one progress line per spec, after ``label``.
    """
    X_train, y_train, t_train = train
    X_test, y_test, t_test = test
    for spec in specs:
        fitted = fit_tuned(spec, X_train, y_train, t_train, folds, n_jobs=n_jobs)
        y_pred = predict(fitted, spec, X_test, t_test)
        r = results[spec.name]
        r["ev"].append(explained_variance(y_test, y_pred))
        r["rmse"].append(rmse(y_test, y_pred))
        r["params"].append(fitted.params)
        print(
            f"{label}{spec.name:24s} RMSE {r['rmse'][-1]:.3f}  EV {100 * r['ev'][-1]:.1f} %  "
            f"({fitted.params}; {fitted.seconds:.1f} s)",
            flush=True,
        )


def random_split_scores(X, y, tasks, specs, n_splits, n_folds, *, n_jobs, test_size=0.25):
    """:func:`score_specs` over ``n_splits`` random splits within every task (seeds 0, 1, ...).

    Features are standardised on each split's training rows; the CV folds are stratified by task.
    """
    results = {spec.name: {"ev": [], "rmse": [], "params": []} for spec in specs}
    for split in range(n_splits):
        test = split_within_tasks(tasks, test_size, np.random.default_rng(split))
        X_train, X_test = standardise(X[~test], X[test])
        folds = task_folds(tasks[~test], n_folds, random_state=split)
        train_rows, test_rows = (X_train, y[~test], tasks[~test]), (X_test, y[test], tasks[test])
        score_specs(
            specs, results, train_rows, test_rows, folds, n_jobs=n_jobs, label=f"split {split + 1}/{n_splits}  "
        )
    return results


def multitask_lasso_gap(X, Y, coef, alpha):
    """Relative duality gap (P − D) / P of ``MultiTaskLasso``'s objective at ``coef`` (T, p), no intercept.

    P = (1/2n) ‖Y − X Wᵀ‖²_F + α Σ_j ‖W_{:,j}‖₂, and D the dual value at the
    residual scaled into the dual feasible set ``max_j ‖(Xᵀθ)_j‖₂ ≤ n α``:
    D = (⟨θ, Y⟩ − ½ ‖θ‖²) / n.
    """
    n = X.shape[0]
    R = Y - X @ coef.T
    P = 0.5 * np.sum(R * R) / n + alpha * np.sum(np.linalg.norm(coef, axis=0))
    dual_norm = np.max(np.linalg.norm(X.T @ R, axis=1))
    theta = R * min(1.0, n * alpha / dual_norm) if dual_norm > 0 else R
    D = (np.sum(theta * Y) - 0.5 * np.sum(theta * theta)) / n
    return (P - D) / P


def explained_variance(y_true, y_pred):
    """1 − MSE / Var(y_true) on the pooled test rows."""
    return 1.0 - np.mean((y_true - y_pred) ** 2) / np.var(y_true)


def rmse(y_true, y_pred):
    """Root mean squared error on the pooled test rows."""
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def standardise(X_train, X_test):
    """Centre and scale the features with the training rows' mean and standard deviation."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std


@contextlib.contextmanager
def benchmark_session():
    """One BLAS thread per process (parallelism is over CV folds) and ConvergenceWarnings counted.

    Yields a dict whose ``"convergence_warnings"`` entry is filled on exit.
    """
    record = {}
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        yield record
    record["convergence_warnings"] = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    record["seconds"] = time.perf_counter() - start


def base_parser(description):
    """Command-line options shared by the scripts."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small grids and data, for tests (seconds)")
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="CV folds fitted in parallel (default 2; 1 with --quick)"
    )
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR, help="where the .md and .png go")
    parser.add_argument(
        "--figures-dir",
        type=Path,
        default=FIGURES_DIR,
        help="where a copy of the figure goes (default docs/figures, linked from RESULTS.md; not written with --quick)",
    )
    return parser


def parse_args(parser, argv):
    """Parsed options; ``--n-jobs`` defaults to 1 in quick mode (no worker start-up) and 2 otherwise."""
    args = parser.parse_args(argv)
    if args.n_jobs is None:
        args.n_jobs = 1 if args.quick else 2
    return args


def markdown_table(header, rows):
    """A markdown table from a header and rows of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def mean_sd(values, fmt="{:.2f}"):
    """'mean ± sd' of a list of numbers (sd with ddof=1; just the mean for one value)."""
    values = np.asarray(values, dtype=float)
    if values.size == 1:
        return fmt.format(values[0])
    return f"{fmt.format(values.mean())} ± {fmt.format(values.std(ddof=1))}"


RATIO_REFERENCE = "independent ridge"


def _most_common(values):
    """The most frequent value, with how often it occurs when the values differ ("x (7/10 splits)")."""
    counts = Counter(values).most_common()  # ties: the value seen first
    value, count = counts[0]
    return value if len(counts) == 1 else f"{value} ({count}/{len(values)} splits)"


def _summarise_params(params):
    """The chosen hyper-parameters over the splits: α as a range when it varies, the rest by frequency.

    ``params`` are :func:`describe_params` strings, which start with ``"α=<value>"``.
    """
    if len(set(params)) == 1:
        return params[0]
    alphas = [float(p.split(",")[0].removeprefix("α=")) for p in params]
    rest = [p.split(", ", 1)[1] if ", " in p else "" for p in params]
    text = f"α={alphas[0]:.3g}" if len(set(alphas)) == 1 else f"α={min(alphas):.3g}–{max(alphas):.3g}"
    if any(rest):
        text += ", " + _most_common(rest)
    return text


def regression_report(title, specs, results, published, protocol, session):
    """Markdown of a real-data benchmark: our models (mean ± sd over splits) and the published figures.

    ``results[name]`` holds lists ``"ev"``, ``"rmse"`` and ``"params"`` over the splits.
    """
    rows = []
    reference = np.asarray(results[RATIO_REFERENCE]["rmse"]) if RATIO_REFERENCE in results else None
    for spec in specs:
        r = results[spec.name]
        row = [spec.name, spec.grid, mean_sd(100 * np.asarray(r["ev"]), "{:.1f}"), mean_sd(r["rmse"], "{:.3f}")]
        if reference is not None:
            ratio = np.asarray(r["rmse"]) / reference
            cell = f"{ratio.mean():.3f}"
            if len(ratio) > 1 and spec.name != RATIO_REFERENCE:
                cell += f" ({int(np.sum(ratio < 1))}/{len(ratio)})"
            row.append(cell)
        rows.append(row + [_summarise_params(r["params"])])
    header = ["model", "tuned by CV", "explained variance (%)", "RMSE"]
    if reference is not None:
        header.append("RMSE / independent ridge" + (" (splits below 1)" if len(reference) > 1 else ""))
    ours = markdown_table(header + ["chosen"], rows)
    theirs = markdown_table(["method", "published figure", "source"], published)
    per_split = ""
    if any(len(set(results[spec.name]["params"])) > 1 for spec in specs):
        lines = [f"- {spec.name}: " + "; ".join(results[spec.name]["params"]) for spec in specs]
        per_split = "Hyper-parameters chosen on each split (split 1 first):\n\n" + "\n".join(lines) + "\n\n"
    return (
        f"# {title}\n\n{protocol}\n\n## mtlearn (this run)\n\n{ours}\n\n{per_split}"
        f"Run time {session['seconds']:.0f} s; ConvergenceWarnings raised in the main process: "
        f"{session['convergence_warnings']}.\n\n## Published figures\n\n{theirs}\n"
    )


def figure_paths(args, output_name, figure_name):
    """Where a script's figure is saved: ``output_name`` in the output directory, and
    ``figure_name`` in the tracked figures directory unless this is a ``--quick`` run
    (the tests must not overwrite the tracked figures)."""
    paths = [args.output_dir / output_name]
    if not args.quick and args.figures_dir is not None:
        paths.append(args.figures_dir / figure_name)
    return paths


def plot_scores(specs, results, published_rmse, paths, title):
    """Horizontal bar chart of RMSE (mean ± sd over splits), published figures as dashed lines.

    ``paths``: one path or a list of paths the figure is saved to.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [spec.name for spec in specs]
    means = np.array([np.mean(results[n]["rmse"]) for n in names])
    sds = np.array([np.std(results[n]["rmse"], ddof=1) if len(results[n]["rmse"]) > 1 else 0.0 for n in names])
    n_splits = max(len(results[n]["rmse"]) for n in names)
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(names) + 1.8))
    ax.barh(names, means, xerr=sds if n_splits > 1 else None, color="tab:blue", alpha=0.8, capsize=3)
    styles = ["--", ":", "-."]
    colors = ["tab:red", "tab:green", "tab:purple", "tab:orange"]
    for k, (label, value) in enumerate(published_rmse):
        ax.axvline(value, linestyle=styles[k % 3], linewidth=1.2, color=colors[k % 4], label=f"published: {label}")
    high = float(np.max(means + sds))
    low = min(float(np.min(means - sds)), min(v for _, v in published_rmse))
    span = high - low
    for y, (m, sd) in enumerate(zip(means, sds, strict=False)):
        ax.text(m + sd + 0.01 * span, y, f"{m:.2f}", va="center", fontsize=8)
    ax.set_xlim(low - 0.3 * span, high + 0.12 * span)
    ax.invert_yaxis()
    ax.set_xlabel("test RMSE (lower is better)" + (f"; mean ± sd over {n_splits} splits" if n_splits > 1 else ""))
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=len(published_rmse), fontsize=7, frameon=False)
    fig.tight_layout()
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
        print(f"figure written to {path}")
    plt.close(fig)


def write_output(text, path):
    """Print ``text`` and write it to ``path`` (creating the directory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {path}")
