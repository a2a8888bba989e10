"""Grunfeld's investment panel (``load_grunfeld``): independent, pooled and multi-task, 75 % / 25 % within firms.

11 firms (tasks), 20 years each; the target is the firm's gross investment,
the features its market value and capital stock.  For each split 5 random
years of every firm are the test rows (the other 15 the training rows); every
model (pooled ridge, independent ridge and each multi-task penalty of
``mtlearn.penalties.PENALTIES``) has its hyper-parameters chosen by K-fold
cross-validation on the training rows only (folds stratified by firm), is
refitted on all training rows and scored on the pooled test rows: explained
variance 1 − MSE / Var(y_test) and RMSE.  Features are standardised with the
training rows' statistics; every multi-task model fits an unpenalised
intercept per firm.  The firms' investments differ by two orders of magnitude,
so the RMSE is mostly that of the largest firms.

Writes ``benchmarks/output/grunfeld.md`` and ``benchmarks/output/grunfeld.png``.

Usage::

    python benchmarks/reproduce_grunfeld.py            # 10 splits
    python benchmarks/reproduce_grunfeld.py --quick    # 1 split, coarse grids
"""

from __future__ import annotations

import numpy as np
from _common import (
    base_parser,
    benchmark_session,
    model_specs,
    parse_args,
    random_split_scores,
    regression_report,
    write_output,
)

from mtlearn.datasets import load_grunfeld

PUBLISHED = [
    (
        "per-firm least squares, General Electric / Westinghouse",
        "a, b, c = −9.956, 0.02655, 0.1517 / −0.5094, 0.05289, 0.09241 (all 20 years)",
        "Zellner, JASA 1962 (checked in tests/test_datasets.py)",
    ),
]


def main(argv=None):
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10, help="number of random splits (default 10)")
    parser.add_argument("--folds", type=int, default=3, help="CV folds within the training rows (default 3)")
    args = parse_args(parser, argv)
    X, y, tasks = load_grunfeld(return_X_y=True)
    n_splits, n_folds = (1, 2) if args.quick else (args.splits, args.folds)
    specs = model_specs(len(np.unique(tasks)), quick=args.quick)
    with benchmark_session() as session:
        results = random_split_scores(X, y, tasks, specs, n_splits, n_folds, n_jobs=args.n_jobs)
    protocol = (
        f"{n_splits} random 15 / 5 year splits within each of the 11 firms (seeds 0..{n_splits - 1}); "
        f"hyper-parameters chosen by {n_folds}-fold CV (stratified by firm) on the training rows only; "
        "features standardised on the training rows; one unpenalised intercept per firm (one in all for "
        "pooled ridge). Figures: explained variance and RMSE on the pooled test rows, mean ± sd over splits."
        + (" QUICK RUN: 1 split, coarse grids." if args.quick else "")
    )
    text = regression_report("Grunfeld investment (11 firms)", specs, results, PUBLISHED, protocol, session)
    write_output(text, args.output_dir / "grunfeld.md")


if __name__ == "__main__":
    main()
