"""The sparse benchmark runs end to end (``--quick``) and compares like with like.

Timings are not asserted.  What is: the ridge rows at tol=1e-20 agree with
scikit-learn's ``Ridge`` at tol=1e-10 on the same sparse rows, every mtlearn
fit reached its tol, and the peak memory stays within 2 × size(X) plus a few
T × p arrays; ``--workloads`` selects rows.
"""

import re
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_sparse  # noqa: E402


def test_sparse_benchmark_compares_equal_solutions(tmp_path):
    rows = bench_sparse.main(["--quick", "--output-dir", str(tmp_path)])
    assert (tmp_path / "sparse.md").exists()
    assert {row[0].split(" ")[0].rstrip(",") for row in rows} == set(bench_sparse.WORKLOADS)
    exact_ridge = [row for row in rows if row[2] == "loop of `Ridge(tol=1e-10)`"]
    assert len(exact_ridge) == len(bench_sparse.QUICK_SHAPES)
    for row in exact_ridge:
        assert float(row[-1].split(",")[0]) < 1e-8
        assert abs(float(re.search(r"objective ([0-9.e+-]+)", row[-1]).group(1))) < 1e-12
        assert float(re.search(r"certificate ([0-9.e+-]+)", row[-1]).group(1)) <= 1e-20
    for row in rows:
        assert float(re.search(r"certificate ([0-9.e+-]+)", row[-1]).group(1)) <= 1e-4
        assert float(row[6]) < 16.0


def test_sparse_benchmark_runs_the_selected_workloads(tmp_path):
    rows = bench_sparse.main(["--quick", "--workloads", "graph", "--output-dir", str(tmp_path)])
    assert [row[0] for row in rows] == ["graph (ring, ridge=1)"] * len(bench_sparse.QUICK_SHAPES)


def test_sparse_benchmark_runs_many_tasks_of_a_few_rows(tmp_path):
    rows = bench_sparse.main(
        ["--many-tasks", "--repeats", "1", "--workloads", "logistic", "--output-dir", str(tmp_path)]
    )
    assert [row[1].split(" (")[0] for row in rows] == [
        f"{T} × {n_t} × {p:,}" for T, n_t, p, _ in bench_sparse.MANY_TASK_SHAPES
    ]
    for row in rows:
        assert float(re.search(r"certificate ([0-9.e+-]+)", row[-1]).group(1)) <= 1e-4


def test_sparse_benchmark_certifies_with_a_task_of_one_class(tmp_path):
    """A task whose labels hold one class (its intercept fixed) keeps the classifiers' fits certified."""
    rows = bench_sparse.main(
        ["--quick", "--one-class-tasks", "1", "--workloads", "logistic", "squared_hinge", "--output-dir", str(tmp_path)]
    )
    assert len(rows) == 2 * len(bench_sparse.QUICK_SHAPES)
    for row in rows:
        assert float(re.search(r"certificate ([0-9.e+-]+)", row[-1]).group(1)) <= 1e-4
