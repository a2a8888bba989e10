"""The rare-positive task-group and public-data transfer benchmarks: their helpers, and quick runs."""

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import cdist

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_rare_positive_groups as rare  # noqa: E402


def test_rare_training_rows_hold_the_asked_positives_per_task():
    rng = np.random.default_rng(0)
    tasks = np.repeat(np.arange(3), 100)
    y = (rng.random(300) < 0.3).astype(int)
    train = rare.rare_training_rows(y, tasks, 30, 3, np.random.default_rng(1))
    for t in range(3):
        assert train[tasks == t].sum() == 30
        assert y[train & (tasks == t)].sum() == 3


def test_group_adjacency_joins_the_tasks_of_a_group():
    A = rare.group_adjacency(np.array([0, 1, 0, 1, 1]))
    expected = np.array(
        [[0, 0, 1, 0, 0], [0, 0, 0, 1, 1], [1, 0, 0, 0, 0], [0, 1, 0, 0, 1], [0, 1, 0, 1, 0]], dtype=float
    )
    np.testing.assert_array_equal(A, expected)


def test_weight_correlations_are_cosine_similarities():
    W = np.random.default_rng(2).normal(size=(4, 6))
    np.testing.assert_allclose(rare.weight_correlations(W), 1.0 - cdist(W, W, "cosine"), atol=1e-12)


def test_group_recovery_finds_planted_groups_and_not_noise():
    groups = np.array([0, 0, 1, 1, 0, 1])
    same = groups[:, None] == groups[None, :]
    within, between, ari = rare.group_recovery(np.where(same, 0.9, -0.2), groups)
    assert (within, between, ari) == pytest.approx((0.9, -0.2, 1.0))
    # One cluster joining every task: the adjusted Rand index of chance.
    _, _, ari = rare.group_recovery(np.where(np.eye(6, dtype=bool), 1.0, 0.5) + 0.01 * np.eye(6)[::-1], groups)
    assert ari <= 0.2


@pytest.mark.slow
def test_rare_positive_benchmark_reports_every_model(tmp_path):
    text = rare.main(["--quick", "--output-dir", str(tmp_path)])
    assert (tmp_path / "rare_positive_groups.md").read_text(encoding="utf-8") == text
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    for name in rare.MODEL_NAMES:
        auc = float(rows[name].split("|")[2])
        assert 0.0 <= auc <= 1.0
    assert "relationship (CV) `task_similarity_`, 30 rows/task" in rows


@pytest.mark.slow
def test_transfer_public_study_reports_every_source_kind(tmp_path):
    import bench_transfer

    text = bench_transfer.main(["--quick", "--output-dir", str(tmp_path)])
    assert (tmp_path / "transfer_public.md").read_text(encoding="utf-8") == text
    rows = [line for line in text.splitlines() if line.startswith("| School") or line.startswith("| sentiment")]
    assert len(rows) == 2 * len(bench_transfer.SOURCE_KINDS)
    for row in rows:
        numbers = [float(cell.split("(")[0]) for cell in row.strip("|").split("|")[3:] if cell.strip()]
        assert numbers and all(np.isfinite(numbers))
