"""Reproduce the School benchmark: 75 % / 25 % random splits within each school.

For each split every model (pooled ridge, independent ridge and each multi-task
penalty of ``mtlearn.penalties.PENALTIES``) has its hyper-parameters chosen by
K-fold cross-validation on the training rows only (folds stratified by school),
is refitted on all training rows and scored on the pooled test rows:
explained variance 1 − MSE / Var(y_test) and RMSE.  Features are standardised
with the training rows' statistics; every multi-task model fits an unpenalised
intercept per school (the per-school centring of the scores).

Writes ``benchmarks/output/school.md`` and ``benchmarks/output/school.png``, and
the figure again as ``docs/figures/school_reproduction.png`` (linked from
``benchmarks/RESULTS.md``; ``--figures-dir`` elsewhere, not with ``--quick``).

Usage::

    python benchmarks/reproduce_school.py            # 10 splits
    python benchmarks/reproduce_school.py --splits 3
    python benchmarks/reproduce_school.py --quick    # 1 split, 20 schools, coarse grids
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
    random_split_scores,
    regression_report,
    write_output,
)

from mtlearn.datasets import load_school

PUBLISHED = [
    (
        "single-task neural net / Bayesian MTL",
        "9.7 % / 29.5 % explained variance (≈80/30 split)",
        "Bakker & Heskes, JMLR 2003",
    ),
    ("single-task / MTFL / GO-MTL", "RMSE 10.34 / 9.92 / 9.87", "Lee, Yang & Hwang, ICML 2016"),
    (
        "lasso / L1+trace / clustered MTL / VSTG-MTL",
        "RMSE 12.05 / 10.50 / 10.02 / 9.89 (75/25)",
        "Jeong & Jun, KDD 2018",
    ),
    ("trace / lasso / rMTFL / dirty", "RMSE 11.45 / 11.22 / 10.47 / 10.41 (75/25)", "Zhang & Li, CIKM 2019"),
]
PUBLISHED_RMSE = [("GO-MTL 9.87", 9.87), ("MTFL 9.92", 9.92), ("single-task 10.34", 10.34)]


def main(argv=None):
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10, help="number of random splits (default 10)")
    parser.add_argument("--folds", type=int, default=5, help="CV folds within the training rows (default 5)")
    args = parse_args(parser, argv)
    X, y, tasks = load_school(return_X_y=True)
    n_splits, n_folds = args.splits, args.folds
    if args.quick:
        keep = tasks < 20
        X, y, tasks = X[keep], y[keep], tasks[keep]
        n_splits, n_folds = 1, 2
    specs = model_specs(len(np.unique(tasks)), quick=args.quick)
    with benchmark_session() as session:
        results = random_split_scores(X, y, tasks, specs, n_splits, n_folds, n_jobs=args.n_jobs)
    protocol = (
        f"{n_splits} random 75 % / 25 % splits within each of the {len(np.unique(tasks))} schools "
        f"(seeds 0..{n_splits - 1}); hyper-parameters chosen by {n_folds}-fold CV (stratified by school) "
        "on the training rows only; features standardised on the training rows; one unpenalised "
        "intercept per school (one in all for pooled ridge); the 6 columns constant within every school "
        "are left out of the per-school models (their optimal weights are zero there). Figures: "
        "explained variance 1 − MSE/Var(y_test) and RMSE on the pooled test rows, mean ± sd over splits."
        + (" QUICK RUN: 20 schools, 1 split, coarse grids." if args.quick else "")
    )
    text = regression_report("School (ILEA exam scores, 139 tasks)", specs, results, PUBLISHED, protocol, session)
    write_output(text, args.output_dir / "school.md")
    figures = figure_paths(args, "school.png", "school_reproduction.png")
    plot_scores(specs, results, PUBLISHED_RMSE, figures, "School: test RMSE")


if __name__ == "__main__":
    main()
