"""Sentiment in four domains (``load_sentiment_domains``): independent, pooled and multi-task, AUC per task.

Each split draws ``--train-per-task`` random snippets of every domain (tweets,
movie reviews, product reviews, editorials) for training; all the other
snippets are the test rows.  Every model is a ``MultiTaskClassifierCV``
(logistic loss, one unpenalised intercept per task) with α — and ``mix`` for
``"mean"`` — chosen by 3-fold cross-validation on the training rows with
``scoring="neg_log_loss"``; *pooled* is the same estimator given no task
labels (one model for all domains), *independent* ``penalty="ridge"``.  The
score is the AUC of each domain's test rows (``roc_auc_score`` per task), and
its mean over the four domains; mean ± sd over the splits.

Writes ``benchmarks/output/sentiment_domains.md``.

Usage::

    python benchmarks/reproduce_sentiment_domains.py                # 3 splits, 100 rows per domain
    python benchmarks/reproduce_sentiment_domains.py --train-per-task 400
    python benchmarks/reproduce_sentiment_domains.py --quick        # 1 split, 40 rows per domain, coarse grids
"""

from __future__ import annotations

import time

import numpy as np
from _common import base_parser, benchmark_session, markdown_table, mean_sd, parse_args, write_output
from sklearn.metrics import roc_auc_score

from mtlearn.datasets import load_sentiment_domains
from mtlearn.model_selection import MultiTaskClassifierCV
from mtlearn.penalties import PENALTIES

MEAN_MIXES = (0.0, 0.5, 0.9, 0.99, 1.0)
# (row name, penalty, pooled): the penalties named only when mtlearn.penalties.PENALTIES has them.
MODELS = [
    ("pooled (one model)", "ridge", True),
    ("independent", "ridge", False),
    ("mean (Evgeniou–Pontil)", "mean", False),
    ("l21", "l21", False),
    ("trace", "trace", False),
]


def split_per_task(tasks, n_train, rng):
    """Boolean training mask holding ``n_train`` random rows of every task."""
    train = np.zeros(len(tasks), dtype=bool)
    for task in np.unique(tasks):
        train[rng.choice(np.flatnonzero(tasks == task), n_train, replace=False)] = True
    return train


def per_task_auc(y, scores, tasks):
    """{task: AUC of that task's rows}, by ``sklearn.metrics.roc_auc_score`` on each task alone."""
    return {task: roc_auc_score(y[tasks == task], scores[tasks == task]) for task in np.unique(tasks)}


def make_model(penalty, *, quick, n_jobs):
    mixes = (MEAN_MIXES[::2] if quick else MEAN_MIXES) if penalty == "mean" else None
    return MultiTaskClassifierCV(
        penalty=penalty, alphas=4 if quick else 12, eps=1e-3, mixes=mixes, cv=3, scoring="neg_log_loss", n_jobs=n_jobs
    )


def main(argv=None):
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=3, help="number of random splits (default 3)")
    parser.add_argument("--train-per-task", type=int, default=100, help="training rows per domain (default 100)")
    args = parse_args(parser, argv)
    X, y, tasks = load_sentiment_domains(return_X_y=True)
    n_splits, n_train = (1, 40) if args.quick else (args.splits, args.train_per_task)
    models = [(name, penalty, pooled) for name, penalty, pooled in MODELS if penalty in PENALTIES]
    domains = list(np.unique(tasks))
    results = {name: [] for name, _, _ in models}
    with benchmark_session() as session:
        for split in range(n_splits):
            train = split_per_task(tasks, n_train, np.random.default_rng(split))
            for name, penalty, pooled in models:
                start = time.perf_counter()
                model = make_model(penalty, quick=args.quick, n_jobs=args.n_jobs)
                if pooled:
                    model.fit(X[train], y[train])
                    scores = model.decision_function(X[~train])
                else:
                    model.fit(X[train], y[train], tasks=tasks[train])
                    scores = model.decision_function(X[~train], tasks=tasks[~train])
                results[name].append(per_task_auc(y[~train], scores, tasks[~train]))
                mean_auc = np.mean(list(results[name][-1].values()))
                print(
                    f"split {split + 1}/{n_splits}  {name:24s} mean AUC {mean_auc:.4f}  "
                    f"({time.perf_counter() - start:.1f} s)",
                    flush=True,
                )
    rows = []
    for name, _, _ in models:
        per_split = results[name]
        means = [np.mean(list(r.values())) for r in per_split]
        rows.append([name, mean_sd(means, "{:.4f}")] + [mean_sd([r[d] for r in per_split], "{:.4f}") for d in domains])
    protocol = (
        f"{n_splits} random splits (seeds 0..{n_splits - 1}): {n_train} training snippets per domain, all the "
        f"other {int(len(y) - n_train * len(domains))} snippets for testing; α (and mix) by 3-fold CV on the "
        "training rows, scoring neg_log_loss; AUC per domain by roc_auc_score on that domain's test rows, then "
        "their mean; mean ± sd over splits." + (" QUICK RUN: coarse grids." if args.quick else "")
    )
    text = (
        "## Sentiment in four domains (Hutto & Gilbert 2014; 4 tasks)\n\n"
        + protocol
        + "\n\n"
        + markdown_table(["model", "mean AUC over domains"] + [f"AUC {d}" for d in domains], rows)
        + f"\n\nWall time {session['seconds']:.0f} s (machine shared with other jobs); "
        f"{session['convergence_warnings']} ConvergenceWarnings.\n"
    )
    write_output(text, args.output_dir / "sentiment_domains.md")


if __name__ == "__main__":
    main()
