"""Rare positives with task groups: the classifier's defaults against pooled, per-task and known-group models.

Two data sets, each with tasks that fall into groups:

- sentiment (``load_sentiment_domains``): the four domains (editorials,
  movie reviews, product reviews, tweets), in two groups — the reviews
  (movie, product) and the other opinion texts (editorials, tweets);
- synthetic (``make_rare_positive_tasks``): 20 tasks in its two planted
  groups (task t in group t mod 2), 10 % positives, 9 features.

Each split draws ``--train-per-task`` training rows of every task of which
``--positives`` are positive (30 and 3 by default: rare positives; for the
sentiment domains ``--sentiment-rows`` and ``--sentiment-positives``, 100 and
10 by default: with 30 rows of text and 7,663 words every model is at chance);
all the other rows of the task are its test rows.  Models, every one fitted on the
same training rows:

- ``MultiTaskClassifierCV()`` with every default;
- pooled ``LogisticRegressionCV``: one model for all rows, no task labels;
- per-task ``LogisticRegressionCV``: one model per task on its own rows;
- relationship: ``MultiTaskClassifierCV(penalty="relationship")`` (α and mix
  by CV: the task covariance is learned);
- graph on the known groups: ``MultiTaskClassifierCV(penalty=GraphPenalty(adjacency=A),
  penalty_grid={"ridge": (0.01, 0.1, 1)})`` with ``A_st = 1`` for two tasks
  of the same group (the structure given, not learned).

The scikit-learn models choose C by 3-fold CV stratified by class with
``scoring="neg_log_loss"``, the score the mtlearn CV estimators maximise by
default for the logistic loss.  The score is each task's test AUC
(``roc_auc_score`` on that task's rows), averaged over the tasks; the table
gives its mean over the splits ± its standard error (sd / √splits), and the
per-split difference to the better of the two baselines (pooled, per task).

Whether the relationship penalty finds the groups: its ``task_similarity_``
averaged over the pairs of tasks of the same group and over the pairs of
different groups, and the adjusted Rand index between the groups and a
two-cluster average-linkage clustering of the tasks at distance 1 −
similarity (1: the groups found exactly; about 0: no better than chance).
The same figures for an independent reference: the correlations of the true
weights (synthetic), or of per-domain ``LogisticRegression`` weights fitted
on all the rows of each domain (sentiment: whether these groups are in the
data at all).

The word columns that no training row of a split holds are left out of that
split's fits: with an unpenalised intercept such a column is constant within
every task, and every penalty here gives it zero weight
(``_common.task_constant_columns``).

Run::

    python benchmarks/bench_rare_positive_groups.py                  # 5 splits, both data sets
    python benchmarks/bench_rare_positive_groups.py --data synthetic --splits 10
    python benchmarks/bench_rare_positive_groups.py --quick          # 1 split, 6 synthetic tasks, coarse grids

writes ``benchmarks/output/rare_positive_groups.md``.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from _common import base_parser, benchmark_session, markdown_table, parse_args, task_constant_columns, write_output
from reproduce_sentiment_domains import per_task_auc
from sklearn.cluster import AgglomerativeClustering
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import StratifiedKFold

from mtlearn import GraphPenalty
from mtlearn.datasets import load_sentiment_domains, make_rare_positive_tasks
from mtlearn.model_selection import MultiTaskClassifierCV

# The two groups of the sentiment domains: reviews, and the other opinion texts.
SENTIMENT_GROUPS = {"movie_reviews": 0, "product_reviews": 0, "editorials": 1, "tweets": 1}
GRAPH_RIDGES = (0.01, 0.1, 1.0)
BASELINES = ("pooled LogisticRegressionCV", "per-task LogisticRegressionCV")
DEFAULTS = "MultiTaskClassifierCV() defaults"
RELATIONSHIP = "relationship (CV)"
GRAPH = "graph on the known groups (CV)"
MODEL_NAMES = (DEFAULTS, *BASELINES, RELATIONSHIP, GRAPH)
# With 6 tasks of 3 positives, a fold of the default 5-fold CV may hold no positive at all.
QUICK_POSITIVES = 5


def sentiment_data():
    """(X, y, tasks, groups per task, reference weights per task) of the sentiment domains.

    The reference weights are one ``LogisticRegression`` per domain on all its rows.
    """
    X, y, tasks = load_sentiment_domains(return_X_y=True)
    labels = np.unique(tasks)
    reference = np.vstack([LogisticRegression(max_iter=1000).fit(X[tasks == d], y[tasks == d]).coef_ for d in labels])
    return X, y, tasks, np.array([SENTIMENT_GROUPS[d] for d in labels]), reference


def synthetic_data(n_tasks, seed):
    """(X, y, tasks, groups, true weights) of ``make_rare_positive_tasks`` with 10 % positives, 330 rows per task."""
    X, y, tasks, coef, groups = make_rare_positive_tasks(
        n_tasks=n_tasks, n_samples=330, positive_rate=0.1, min_positives=10, random_state=seed
    )
    return X, y, tasks, groups, coef


def rare_training_rows(y, tasks, n_train, n_positives, rng):
    """Boolean mask of ``n_train`` random training rows per task, ``n_positives`` of them positive."""
    train = np.zeros(len(y), dtype=bool)
    for task in np.unique(tasks):
        for label, count in ((1, n_positives), (0, n_train - n_positives)):
            rows = np.flatnonzero((tasks == task) & (y == label))
            train[rng.choice(rows, count, replace=False)] = True
    return train


def group_adjacency(groups):
    """``A_st = 1`` for two different tasks of the same group, else 0."""
    same = (groups[:, None] == groups[None, :]).astype(float)
    np.fill_diagonal(same, 0.0)
    return same


def weight_correlations(W):
    """Correlation matrix of the rows of W (the tasks' weights), uncentred as ``task_similarity_``."""
    norms = np.linalg.norm(W, axis=1)
    return (W @ W.T) / np.outer(norms, norms)


def group_recovery(similarity, groups):
    """(mean similarity within groups, between groups, adjusted Rand index of a two-cluster linkage)."""
    same = groups[:, None] == groups[None, :]
    off = ~np.eye(len(groups), dtype=bool)
    clusters = AgglomerativeClustering(n_clusters=2, metric="precomputed", linkage="average")
    found = clusters.fit_predict(np.clip(1.0 - similarity, 0.0, None))
    return (
        float(similarity[same & off].mean()),
        float(similarity[~same].mean()),
        float(adjusted_rand_score(groups, found)),
    )


def make_models(groups, *, quick, n_jobs):
    """The mtlearn CV estimators by row name (the scikit-learn baselines are fitted by :func:`fit_baselines`)."""
    grid = {"alphas": 4, "mixes": (0.0, 0.9, 1.0)} if quick else {}
    graph_grid = {"alphas": 4} if quick else {}
    return {
        DEFAULTS: MultiTaskClassifierCV(n_jobs=n_jobs, **({"alphas": 4} if quick else {})),
        RELATIONSHIP: MultiTaskClassifierCV(penalty="relationship", n_jobs=n_jobs, **grid),
        GRAPH: MultiTaskClassifierCV(
            penalty=GraphPenalty(adjacency=group_adjacency(groups)),
            penalty_grid={"ridge": list(GRAPH_RIDGES[1:2] if quick else GRAPH_RIDGES)},
            n_jobs=n_jobs,
            **graph_grid,
        ),
    }


def _logistic_cv():
    return LogisticRegressionCV(scoring="neg_log_loss", cv=StratifiedKFold(3), max_iter=2000)


def fit_baselines(X_train, y_train, t_train, X_test, t_test):
    """Test decision scores of the pooled and the per-task ``LogisticRegressionCV``."""
    pooled = _logistic_cv().fit(X_train, y_train).decision_function(X_test)
    per_task = np.empty(X_test.shape[0])
    for task in np.unique(t_train):
        model = _logistic_cv().fit(X_train[t_train == task], y_train[t_train == task])
        per_task[t_test == task] = model.decision_function(X_test[t_test == task])
    return {BASELINES[0]: pooled, BASELINES[1]: per_task}


def _chosen(model):
    """The chosen penalty, mix and α of a fitted CV estimator, as a short string."""
    penalty = model.penalty_ if isinstance(model.penalty_, str) else type(model.penalty_).__name__
    mix = "" if model.mix_ is None else f" mix={model.mix_:g}"
    return f"{penalty}{mix} α={model.alpha_:.2g}"


def run_split(X, y, tasks, groups, train, *, quick, n_jobs):
    """Per-task mean test AUC of every model on one split; the chosen settings; the relationship similarity."""
    X_train, y_train, t_train = X[train], y[train], tasks[train]
    X_test, y_test, t_test = X[~train], y[~train], tasks[~train]
    dense_train = X_train.toarray() if sp.issparse(X_train) else X_train
    keep = ~task_constant_columns(dense_train, t_train)
    X_train, X_test = X_train[:, keep], X_test[:, keep]
    auc, chosen, seconds = {}, {}, {}
    start = time.process_time()
    for name, scores in fit_baselines(X_train, y_train, t_train, X_test, t_test).items():
        auc[name] = float(np.mean(list(per_task_auc(y_test, scores, t_test).values())))
    seconds["baselines"] = time.process_time() - start
    similarity = None
    for name, model in make_models(groups, quick=quick, n_jobs=n_jobs).items():
        start = time.process_time()
        model.fit(X_train, y_train, tasks=t_train)
        seconds[name] = time.process_time() - start
        scores = model.decision_function(X_test, tasks=t_test)
        auc[name] = float(np.mean(list(per_task_auc(y_test, scores, t_test).values())))
        chosen[name] = _chosen(model)
        if name == RELATIONSHIP:
            similarity = model.task_similarity_
    return auc, chosen, similarity, seconds


def mean_se(values, fmt="{:.3f}"):
    """'mean ± standard error' of a list of numbers (just the mean for one value)."""
    values = np.asarray(values, dtype=float)
    if values.size == 1:
        return fmt.format(values[0])
    return f"{fmt.format(values.mean())} ± {fmt.replace('+', '').format(values.std(ddof=1) / np.sqrt(values.size))}"


def _summary_of_choices(choices):
    counts = {}
    for choice in choices:
        key = choice.split(" α=")[0]
        counts[key] = counts.get(key, 0) + 1
    return "; ".join(f"{key} ({count}/{len(choices)})" for key, count in sorted(counts.items(), key=lambda kv: -kv[1]))


def report(name, per_split, reference_recovery, n_train, n_positives):
    """Markdown of one data set: the AUC table and the group recovery of the relationship penalty."""
    auc = {model: np.array([s[0][model] for s in per_split]) for model in MODEL_NAMES}
    better = max(BASELINES, key=lambda b: auc[b].mean())
    rows = []
    for model in MODEL_NAMES:
        choices = [s[1][model] for s in per_split if model in s[1]]
        diff = "" if model == better else mean_se(auc[model] - auc[better], "{:+.3f}")
        rows.append([model, mean_se(auc[model]), diff, _summary_of_choices(choices) if choices else ""])
    table = markdown_table(
        ["model", "mean per-task AUC (± SE over splits)", f"difference to {better} (± SE)", "chosen"], rows
    )
    recovered = np.array([s[2] for s in per_split])
    within, between, ari = reference_recovery
    recovery = markdown_table(
        ["similarities", "mean within groups", "mean between groups", "adjusted Rand index (2 clusters)"],
        [
            [
                f"relationship (CV) `task_similarity_`, {n_train} rows/task",
                mean_se(recovered[:, 0]),
                mean_se(recovered[:, 1]),
                mean_se(recovered[:, 2], "{:.2f}"),
            ],
            ["reference (see the script)", f"{within:.3f}", f"{between:.3f}", f"{ari:.2f}"],
        ],
    )
    return (
        f"#### {name}: {n_train} training rows per task, {n_positives} positive; {len(per_split)} splits\n\n"
        f"{table}\n\n{recovery}\n"
    )


def data_sets(args):
    """(name, list of (X, y, tasks, groups, train mask), reference recovery, rows and positives per task)."""
    sets = []
    n_train, n_positives = args.train_per_task, args.positives
    if "sentiment" in args.data and not args.quick:
        X, y, tasks, groups, reference = sentiment_data()
        rows, positives = args.sentiment_rows, args.sentiment_positives
        splits = [
            (X, y, tasks, groups, rare_training_rows(y, tasks, rows, positives, np.random.default_rng(s)))
            for s in range(args.splits)
        ]
        recovery = group_recovery(weight_correlations(reference), groups)
        sets.append(("sentiment, 4 domains", splits, recovery, rows, positives))
    if "synthetic" in args.data:
        n_tasks = 6 if args.quick else 20
        splits, refs = [], []
        for seed in range(1 if args.quick else args.splits):
            X, y, tasks, groups, coef = synthetic_data(n_tasks, seed)
            train = rare_training_rows(y, tasks, n_train, n_positives, np.random.default_rng(seed))
            splits.append((X, y, tasks, groups, train))
            refs.append(group_recovery(weight_correlations(coef), groups))
        name = f"synthetic, {n_tasks} tasks in 2 groups"
        sets.append((name, splits, tuple(np.mean(refs, axis=0)), n_train, n_positives))
    return sets


def main(argv=None):
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=5, help="random splits (synthetic: data seeds) (default 5)")
    parser.add_argument("--train-per-task", type=int, default=30, help="training rows per task (default 30)")
    parser.add_argument("--positives", type=int, default=3, help="positive training rows per task (default 3)")
    parser.add_argument("--sentiment-rows", type=int, default=100, help="sentiment: rows per domain (default 100)")
    parser.add_argument("--sentiment-positives", type=int, default=10, help="sentiment: positives (default 10)")
    parser.add_argument(
        "--data", nargs="+", default=["sentiment", "synthetic"], choices=["sentiment", "synthetic"], help="data sets"
    )
    args = parse_args(parser, argv)
    if args.quick:
        args.positives = max(args.positives, QUICK_POSITIVES)
    sections = []
    with benchmark_session() as session:
        for name, splits, reference, n_train, n_positives in data_sets(args):
            per_split = []
            for k, (X, y, tasks, groups, train) in enumerate(splits):
                auc, chosen, similarity, seconds = run_split(
                    X, y, tasks, groups, train, quick=args.quick, n_jobs=args.n_jobs
                )
                per_split.append((auc, chosen, group_recovery(similarity, groups)))
                print(
                    f"{name}, split {k + 1}/{len(splits)}: "
                    + ", ".join(f"{m} {auc[m]:.3f}" for m in MODEL_NAMES)
                    + "; relationship similarity within / between groups, ARI "
                    + " / ".join(f"{v:.3f}" for v in per_split[-1][2])
                    + "; CPU s "
                    + ", ".join(f"{m} {s:.0f}" for m, s in seconds.items()),
                    flush=True,
                )
            sections.append(report(name, per_split, reference, n_train, n_positives))
    text = (
        "## Rare positives with task groups\n\n"
        + "\n".join(sections)
        + f"\nWall time {session['seconds']:.0f} s; {session['convergence_warnings']} ConvergenceWarnings."
        + (" QUICK RUN: coarse grids." if args.quick else "")
        + "\n"
    )
    write_output(text, args.output_dir / "rare_positive_groups.md")
    return text


if __name__ == "__main__":
    main()
