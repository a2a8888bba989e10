"""The Newton-model product benchmark runs end to end (``--quick``); timings are not asserted.

What is: the Gram matrices are chosen for 3 tasks of 20 rows (T k² below 2¹⁶) and the rows for 200
tasks of 3 rows, whose Gram matrices hold about 200 times as many floats as the rows have nonzeros.
"""

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_sparse_models  # noqa: E402


def test_product_benchmark_reports_both_forms_and_the_choice(tmp_path):
    rows = bench_sparse_models.main(["--quick", "--output-dir", str(tmp_path)])
    assert (tmp_path / "sparse_models.md").exists()
    assert [row[-1] for row in rows] == ["Gram matrices", "rows"]
    for row in rows:
        assert all(float(cell) > 0 for cell in row[5:8])
    assert float(rows[1][4]) > 100
