"""Reproduce the computer-survey benchmark (Lenk et al.): the fixed train / test split.

180 people (tasks) each rated 16 training and 4 test computer profiles.  Every
model (pooled ridge, independent ridge and each multi-task penalty of
``mtlearn.penalties.PENALTIES``) has its hyper-parameters chosen by K-fold
cross-validation on the training rows only (folds stratified by person), is
refitted on all training rows and scored on the 720 test rows: RMSE and
explained variance 1 − MSE / Var(y_test).  The 13 attributes (coded ±1, the
bias column of the source file left out) are standardised on the training
rows; every multi-task model fits an unpenalised intercept per person (the
"centred" variant of McDonald, Pontil & Stamos).

Writes ``benchmarks/output/computer_survey.md`` and ``benchmarks/output/computer_survey.png``, and
the figure again as ``docs/figures/computer_survey_reproduction.png`` (linked from
``benchmarks/RESULTS.md``; ``--figures-dir`` elsewhere, not with ``--quick``).

Usage::

    python benchmarks/reproduce_computer_survey.py
    python benchmarks/reproduce_computer_survey.py --quick   # 20 people, coarse grids
"""

from __future__ import annotations

import numpy as np
from _common import (
    base_parser,
    benchmark_session,
    figure_paths,
    model_specs,
    parse_args,
    plot_scores,
    regression_report,
    score_specs,
    standardise,
    task_folds,
    write_output,
)

from mtlearn.datasets import load_computer_survey

PUBLISHED = [
    (
        "independent ridge / trace norm / centred trace norm",
        "RMSE 3.79 / 1.91 / 1.79",
        "McDonald, Pontil & Stamos, JMLR 2016, Table 5",
    ),
    ("single-task / GO-MTL", "RMSE 2.70 / 1.76 (190 people)", "Gupta, Phung & Venkatesh, ICML 2013"),
]
PUBLISHED_RMSE = [("centred trace 1.79", 1.79), ("trace 1.91", 1.91), ("GO-MTL 1.76", 1.76)]


def main(argv=None):
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=4, help="CV folds within the training rows (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the CV folds (default 0)")
    args = parse_args(parser, argv)
    X_train, y_train, t_train = load_computer_survey(subset="train", return_X_y=True)
    X_test, y_test, t_test = load_computer_survey(subset="test", return_X_y=True)
    n_folds = args.folds
    if args.quick:
        keep_train, keep_test = t_train < 20, t_test < 20
        X_train, y_train, t_train = X_train[keep_train], y_train[keep_train], t_train[keep_train]
        X_test, y_test, t_test = X_test[keep_test], y_test[keep_test], t_test[keep_test]
        n_folds = 2
    X_train, X_test = standardise(X_train, X_test)
    n_tasks = len(np.unique(t_train))
    specs = model_specs(n_tasks, quick=args.quick, n_alphas=30)
    results = {spec.name: {"ev": [], "rmse": [], "params": []} for spec in specs}
    folds = task_folds(t_train, n_folds, random_state=args.seed)
    with benchmark_session() as session:
        score_specs(specs, results, (X_train, y_train, t_train), (X_test, y_test, t_test), folds, n_jobs=args.n_jobs)
    protocol = (
        f"The fixed split: {len(y_train)} training rows (16 profiles per person), {len(y_test)} test rows "
        f"(4 per person), {n_tasks} people; hyper-parameters chosen by {n_folds}-fold CV (stratified by "
        f"person, seed {args.seed}) on the training rows only; features standardised on the training rows; "
        "one unpenalised intercept per person (one in all for pooled ridge). One split, so no sd."
        + (" QUICK RUN: 20 people, coarse grids." if args.quick else "")
    )
    text = regression_report("Computer survey (Lenk et al., 180 tasks)", specs, results, PUBLISHED, protocol, session)
    write_output(text, args.output_dir / "computer_survey.md")
    figures = figure_paths(args, "computer_survey.png", "computer_survey_reproduction.png")
    plot_scores(specs, results, PUBLISHED_RMSE, figures, "Computer survey: test RMSE")


if __name__ == "__main__":
    main()
