"""The benchmark of dense tasks with fewer rows than features runs end to end (``--quick``).

Timings are not asserted.  What is: every fit of the quick run (one shape, one seed, 27 fits at α_max / 10 to
α_max / 1000 with the defaults) reaches its tol, and the lasso row times the loop of scikit-learn fits.
"""

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_wide_dense  # noqa: E402


def test_wide_dense_benchmark_certifies_every_fit_at_the_defaults(tmp_path):
    rows = bench_wide_dense.main(["--quick", "--output-dir", str(tmp_path)])
    assert (tmp_path / "wide_dense.md").exists()
    assert len(rows) == len(bench_wide_dense.LOSSES) * len(bench_wide_dense.PENALTIES)
    for row in rows:
        assert row[2] == "0 of 3" and float(row[3]) <= 1e-4
    assert [row[5] != "" for row in rows].count(True) == 1
