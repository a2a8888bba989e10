"""The ℓ2,1 path benchmark runs end to end (``--quick``) and scores every library with one gap formula.

Timings are not asserted: what is asserted is that every row's path reaches the
target gap and that the gap formula is a duality gap (zero at the optimum,
positive elsewhere).
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import MultiTaskLasso

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_path  # noqa: E402
from _common import multitask_lasso_gap  # noqa: E402


def test_path_rows_reach_the_target_gap(tmp_path):
    rows = bench_path.main(["--quick", "--output-dir", str(tmp_path)])
    libraries = [row[1] for row in rows]
    assert libraries[:2] == ["mtlearn", "scikit-learn `lasso_path`"]
    for row in rows:
        assert 0 <= float(row[3]) <= bench_path.TARGET, row
    text = (tmp_path / "path.md").read_text(encoding="utf-8")
    assert text.count("**") == 2 * len(rows)


def test_gap_formula_is_a_duality_gap():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 8))
    Y = X[:, :2] @ rng.standard_normal((2, 3)) + 0.1 * rng.standard_normal((60, 3))
    alpha = 0.05
    optimum = MultiTaskLasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, Y).coef_
    assert 0 <= multitask_lasso_gap(X, Y, optimum, alpha) < 1e-10
    assert multitask_lasso_gap(X, Y, 0.5 * optimum, alpha) > 1e-3
