"""The speed and scaling benchmarks run end to end (``--quick``) and compare like with like.

The scripts are imported and their ``main`` called in this process (no second
interpreter start-up).  Timings are not asserted; what is asserted is that
every comparison is between equal solutions: mtlearn agrees with scikit-learn
on the same problem, and both reach the accuracy the row claims, measured by
the benchmark's own formulas (duality gaps, coefficient differences).
"""

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_scaling  # noqa: E402
import bench_speed  # noqa: E402


@pytest.fixture(scope="module")
def speed_rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("speed")
    rows = bench_speed.main(["--quick", "--output-dir", str(out)])
    return rows, (out / "speed.md").read_text(encoding="utf-8")


def test_speed_writes_a_ratio_per_row(speed_rows):
    rows, text = speed_rows
    assert len(rows) >= 5
    assert text.count("**") == 2 * len(rows)
    for *_, t_ours, t_peer, _, _ in rows:
        assert t_ours > 0 and t_peer > 0


def test_speed_rows_compare_equal_solutions(speed_rows):
    rows, _ = speed_rows
    bounded = [row for row in rows if row[-1] is not None]
    assert {row[0].split(",")[0] for row in bounded} >= {"mean ridge (mix=0.5)", "ridge (mix=0)", "mean hinge SVM"}
    for workload, *_, agreement, bound in bounded:
        assert len(agreement) >= 1
        assert all(0 <= value <= bound for value in agreement), (workload, agreement, bound)


def test_augmented_features_carry_the_mean_penalty():
    """The benchmark's peer input: ½‖u‖² of the augmented coefficients equals Ω(W) at the optimum u."""
    from mtlearn.penalties import MeanPenalty

    rng = np.random.default_rng(0)
    T, n, p, mix = 3, 4, 2, 0.3
    X = rng.normal(size=(T * n, p))
    task_index = np.repeat(np.arange(T), n)
    Z = bench_speed.augmented(X, task_index, T, mix).toarray()
    u = rng.normal(size=(T + 1) * p)
    W = bench_speed.task_weights_from_augmented(u, T, mix)
    np.testing.assert_allclose(Z @ u, np.einsum("ij,ij->i", X, W[task_index]))
    # The decomposition minimising ½‖u‖² for this W: u_0 = √(mix T) w̄, u_t = (w_t − mix w̄)/√(1 − mix).
    mean = W.mean(axis=0)
    u_best = np.concatenate([np.sqrt(mix * T) * mean, ((W - mix * mean) / np.sqrt(1 - mix)).ravel()])
    np.testing.assert_allclose(bench_speed.task_weights_from_augmented(u_best, T, mix), W)
    np.testing.assert_allclose(0.5 * u_best @ u_best, MeanPenalty(mix=mix).value(W))
    assert 0.5 * u @ u >= MeanPenalty(mix=mix).value(W)


def test_scaling_writes_both_sweeps(tmp_path):
    text = bench_scaling.main(["--quick", "--output-dir", str(tmp_path)])
    assert (tmp_path / "scaling.md").read_text(encoding="utf-8") == text
    for model in ("mean", "l21"):
        assert f"{model}: rows (10 tasks)" in text and f"{model}: tasks (100 rows per task)" in text
    assert text.count("log-log slope") == 4


def test_slope_recovers_a_power_law():
    sizes = np.array([1e3, 1e4, 1e5])
    assert bench_scaling.slope(sizes, 3e-6 * sizes**1.5) == pytest.approx(1.5)


@pytest.mark.slow
def test_distributed_benchmark_fits_equal_the_in_memory_ones(tmp_path):
    pytest.importorskip("distributed")
    import bench_distributed

    rows = bench_distributed.main(["--quick", "--output-dir", str(tmp_path)])
    assert [row[0] for row in rows] == list(bench_distributed.MODELS)
    assert "| penalty | workers |" in (tmp_path / "distributed.md").read_text(encoding="utf-8")
    for *_, difference, certificate in rows:
        assert float(difference) < 1e-8
        assert float(certificate) < 1e-4


def test_target_scale_spreads_are_exact():
    import bench_target_scales

    rng = np.random.default_rng(0)
    for spread in bench_target_scales.SPREADS:
        scales = bench_target_scales.spread_scales(8, spread, rng)
        assert scales.min() == pytest.approx(1.0) and scales.max() / scales.min() == pytest.approx(spread)


@pytest.mark.slow
def test_target_scales_benchmark_writes_both_settings_per_penalty(tmp_path):
    import bench_target_scales

    text = bench_target_scales.main(["--quick", "--output-dir", str(tmp_path)])
    assert (tmp_path / "target_scales.md").read_text(encoding="utf-8") == text
    normalize_part, defaults_part = text.split("## MultiTaskRegressorCV() against RidgeCV per task and pooled")
    rows = [line for line in normalize_part.splitlines() if line.startswith("| synthetic")]
    assert len(rows) == len(bench_target_scales.SPREADS) * (1 + len(bench_target_scales.PENALTIES))
    for row in rows:
        cells = [cell.strip("* ") for cell in row.strip("|").split("|")]
        assert all(np.isfinite(float(cell)) for cell in cells[2:] if cell)
    rows = [line for line in defaults_part.splitlines() if line.startswith("| synthetic")]
    assert len(rows) == len(bench_target_scales.SPREADS)
    for row in rows:
        ridge, pooled, defaults, to_ridge, to_pooled = (float(c) for c in row.strip("|").split("|")[1:6])
        # The ratio columns are those of the nMSE columns (one seed: medians of one value).
        assert to_ridge == pytest.approx(defaults / ridge, abs=2e-3, rel=2e-2)
        assert to_pooled == pytest.approx(defaults / pooled, abs=2e-3, rel=2e-2)
