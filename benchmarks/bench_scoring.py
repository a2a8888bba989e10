"""Which test score ``MultiTaskClassifierCV`` should maximise by default: log-loss or per-task AUC.

For every data set and split, ``MultiTaskClassifierCV`` with its default grid
(``penalty=None``: ``"mean"`` over the default mixes and ``"l21"``, 30 α per
penalty, 5 folds stratified by (task, class)) is fitted on the training rows
once per ``scoring`` (``--scorings``; default ``neg_log_loss``,
``roc_auc_per_task`` and ``accuracy``, the last for the record).  The refit is
scored on the held-out rows by

- the per-task AUC: the mean over tasks of ``roc_auc_score`` on each task's
  test rows (the score multi-task classification is judged by), and
- the log-loss: ``log_loss`` over all test rows,

and the choice is recorded: the penalty, α (its index in its grid, 0 = the
top, the most regularised), mix, whether the choice is on an edge of its grid
(``on_grid_edge_``), and whether it is the null model (every weight zero:
``coef_ == 0``, the top of an ``"l21"`` grid).

Data sets (``--data``):

- ``rare9``, ``rare30``: :func:`mtlearn.datasets.make_rare_positive_tasks`
  (20 tasks, 5 % positives, two task groups) with 9 or 30 features,
  ``n_samples=(60, 160)``, ``min_positives=4``, split in halves within every
  (task, class): 30–80 training rows per task; one split per seed.
- ``clusters``: :func:`mtlearn.datasets.make_multitask_classification`,
  8 tasks in 3 clusters, 80 rows per task, 10 features, 10 % flipped labels
  (balanced classes), split in halves within every (task, class).
- ``sentiment``: :func:`mtlearn.datasets.load_sentiment_domains` (4 domains,
  7,663 sparse word features); each seed draws ``--sentiment-rows`` training
  rows per domain, the other rows are the test rows (as
  ``reproduce_sentiment_domains.py``).
- ``multiclass``: ``make_multitask_classification(n_classes=3)`` (6 tasks,
  60 rows each, 8 features): what each scoring does with more than two classes.

Usage::

    python benchmarks/bench_scoring.py                                  # every data set, seeds 0-3
    python benchmarks/bench_scoring.py --data rare9 rare30 --seeds 4
    python benchmarks/bench_scoring.py --data sentiment --seeds 2
    python benchmarks/bench_scoring.py --data rare9 --first-seed 4 --seeds 4 --scorings neg_log_loss roc_auc_per_task

CPU time (``time.process_time``) with one BLAS thread.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from mtlearn import MultiTaskClassifierCV
from mtlearn.datasets import load_sentiment_domains, make_multitask_classification, make_rare_positive_tasks
from mtlearn.model_selection import DEFAULT_PENALTIES

DATA = ("rare9", "rare30", "clusters", "sentiment", "multiclass")
SCORINGS = ("neg_log_loss", "roc_auc_per_task", "accuracy")


def _halves(X, y, tasks, seed):
    """Training and test halves, split within every (task, class)."""
    strata = np.unique(tasks, return_inverse=True)[1] * (y.max() + 1) + y
    train, test = train_test_split(np.arange(len(y)), test_size=0.5, stratify=strata, random_state=seed)
    return (X[train], y[train], tasks[train]), (X[test], y[test], tasks[test])


def _rows_per_task(X, y, tasks, n_train, seed):
    """``n_train`` random training rows of every task; every other row is a test row."""
    rng = np.random.default_rng(seed)
    train = np.zeros(len(y), dtype=bool)
    for task in np.unique(tasks):
        train[rng.choice(np.flatnonzero(tasks == task), n_train, replace=False)] = True
    return (X[train], y[train], tasks[train]), (X[~train], y[~train], tasks[~train])


def split(name, seed, sentiment_rows):
    """(training rows, test rows) of one data set and seed, each as (X, y, tasks)."""
    if name in ("rare9", "rare30"):
        n_features = 9 if name == "rare9" else 30
        X, y, tasks, _, _ = make_rare_positive_tasks(
            n_samples=(60, 160), n_features=n_features, min_positives=4, random_state=seed
        )
        return _halves(X, y, tasks, seed)
    if name == "clusters":
        X, y, tasks, _ = make_multitask_classification(
            n_tasks=8, n_samples=80, n_features=10, structure="clusters", n_clusters=3, flip_y=0.1, random_state=seed
        )
        return _halves(X, y, tasks, seed)
    if name == "multiclass":
        X, y, tasks, _ = make_multitask_classification(
            n_tasks=6, n_samples=60, n_features=8, n_classes=3, random_state=seed
        )
        return _halves(X, y, tasks, seed)
    X, y, tasks = load_sentiment_domains(return_X_y=True)
    return _rows_per_task(X, y, tasks, sentiment_rows, seed)


def per_task_auc(model, X, y, tasks):
    """Mean over tasks of each task's ROC AUC (one-vs-rest, macro, for more than two classes)."""
    proba = model.predict_proba(X, tasks=tasks)
    aucs = []
    for task in np.unique(tasks):
        rows = tasks == task
        if proba.shape[1] == 2:
            aucs.append(roc_auc_score(y[rows], proba[rows, 1]))
        else:
            aucs.append(roc_auc_score(y[rows], proba[rows], multi_class="ovr", labels=model.classes_))
    return float(np.mean(aucs))


def run_one(scoring, train, test):
    """Fit the default CV estimator with ``scoring`` on ``train``; its choice and its test scores (a dict)."""
    X, y, tasks = train
    started = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = MultiTaskClassifierCV(scoring=scoring).fit(X, y, tasks=tasks)
    seconds = time.process_time() - started
    alphas = model.alphas_[list(DEFAULT_PENALTIES).index(model.penalty_)]  # one row per default penalty
    return {
        "penalty": model.penalty_,
        "alpha": model.alpha_,
        "alpha_index": int(np.argmin(np.abs(alphas - model.alpha_))),
        "n_alphas": len(alphas),
        "mix": model.mix_,
        "edge": {name: edge for name, edge in model.on_grid_edge_.items() if edge is not None},
        "null": bool(np.all(model.coef_ == 0)),
        "auc": per_task_auc(model, test[0], test[1], test[2]),
        "log_loss": float(log_loss(test[1], model.predict_proba(test[0], tasks=test[2]), labels=model.classes_)),
        "seconds": seconds,
        "convergence_warnings": sum(issubclass(w.category, ConvergenceWarning) for w in caught),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", choices=DATA, default=list(DATA))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--scorings", nargs="+", default=list(SCORINGS))
    parser.add_argument("--sentiment-rows", type=int, default=100)
    args = parser.parse_args()
    summary = []
    for name in args.data:
        results = {scoring: [] for scoring in args.scorings}
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            train, test = split(name, seed, args.sentiment_rows)
            for scoring in args.scorings:
                with threadpool_limits(1):
                    try:
                        result = run_one(scoring, train, test)
                    except (ValueError, TypeError) as exc:
                        print(f"{name} seed {seed} {scoring}: fails: {type(exc).__name__}: {exc}", flush=True)
                        continue
                results[scoring].append(result)
                print(
                    f"{name} seed {seed} {scoring:17s} penalty {result['penalty']!r:7s} mix {result['mix']} "
                    f"alpha {result['alpha']:.3g} (index {result['alpha_index']}/{result['n_alphas'] - 1}) "
                    f"edge {result['edge'] or '-'} null {result['null']}  test per-task AUC {result['auc']:.4f} "
                    f"log-loss {result['log_loss']:.4f}  {result['seconds']:.1f} s CPU  "
                    f"{result['convergence_warnings']} ConvergenceWarnings",
                    flush=True,
                )
        summary.append((name, results))

    print(
        "\n| data | scoring | test per-task AUC | test log-loss | null model | on an edge | penalty chosen "
        "| α index (0 = top) | mix | CPU s per fit |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, results in summary:
        for scoring, rows in results.items():
            if not rows:
                print(f"| {name} | {scoring} | fails | | | | | | | |")
                continue
            auc = np.array([r["auc"] for r in rows])
            loss = np.array([r["log_loss"] for r in rows])
            chosen = [r["penalty"] for r in rows]
            penalties = ", ".join(f"{p} {chosen.count(p)}" for p in sorted(set(chosen)))
            mixes = ", ".join(sorted({"-" if r["mix"] is None else f"{r['mix']:g}" for r in rows}))
            indices = [r["alpha_index"] for r in rows]
            print(
                f"| {name} | {scoring} | {auc.mean():.4f} ± {auc.std():.4f} | {loss.mean():.4f} ± {loss.std():.4f} "
                f"| {sum(r['null'] for r in rows)}/{len(rows)} | {sum(bool(r['edge']) for r in rows)}/{len(rows)} "
                f"| {penalties} | {min(indices)}–{max(indices)} | {mixes} "
                f"| {np.mean([r['seconds'] for r in rows]):.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
