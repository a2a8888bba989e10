"""The benchmark scripts run end to end (``--quick``) and their helpers are right."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import mean_squared_error, r2_score

from mtlearn import MultiTaskRegressor
from mtlearn.penalties import PENALTIES

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import _common  # noqa: E402
from _common import split_within_tasks  # noqa: E402

# Table rows expected for the penalties available now (graph needs a known task graph: recovery only).
ROW_NAMES = {"ridge": "independent ridge", "mean": "mean (Evgeniou–Pontil)"}


def _run(script, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", "--output-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def _table_rows(markdown):
    return {line.split("|")[1].strip() for line in markdown.splitlines() if line.startswith("| ")}


# Each script takes a few CPU seconds in --quick mode, but starts a Python process and
# imports scikit-learn and matplotlib: slow on a loaded machine.
@pytest.mark.slow
@pytest.mark.parametrize(
    "script, output, graph_row",
    [
        ("reproduce_school.py", "school", False),
        ("reproduce_computer_survey.py", "computer_survey", False),
        ("recovery.py", "recovery", True),
    ],
)
def test_script_runs_and_reports_every_penalty(script, output, graph_row, tmp_path):
    stdout = _run(script, tmp_path)
    markdown = (tmp_path / f"{output}.md").read_text(encoding="utf-8")
    assert markdown in stdout
    rows = _table_rows(markdown)
    for name in PENALTIES:
        if name == "graph" and not graph_row:
            continue
        assert ROW_NAMES.get(name, name) in rows, f"no row for penalty {name!r} in {output}.md"
    if output != "recovery":
        assert "pooled ridge" in rows and _common.DEFAULTS_ROW in rows
        assert (tmp_path / f"{output}.png").stat().st_size > 0


def test_task_constant_columns_matches_brute_force():
    rng = np.random.default_rng(0)
    tasks = rng.integers(0, 5, size=60)
    X = rng.normal(size=(60, 4))
    X[:, 1] = tasks * 2.0  # constant within each task
    X[:, 3] = 1.0
    X[tasks == 2, 2] = 7.0  # constant in one task only
    expected = [all(np.ptp(X[tasks == t, j]) == 0 for t in np.unique(tasks)) for j in range(4)]
    np.testing.assert_array_equal(_common.task_constant_columns(X, tasks), expected)


@pytest.mark.parametrize("penalty, mix", [("mean", 0.9), ("ridge", 0.5), ("l21", 0.5)])
def test_leaving_out_task_constant_columns_does_not_change_the_fit(penalty, mix):
    # The claim behind task_constant_columns: with per-task intercepts such a column gets zero weight.
    rng = np.random.default_rng(1)
    tasks = np.repeat(np.arange(4), 15)
    X = np.column_stack([rng.normal(size=(60, 3)), rng.normal(size=4)[tasks]])
    y = X[:, :3] @ [1.0, -1.0, 0.5] + 3.0 * X[:, 3] + rng.normal(size=60)
    full = MultiTaskRegressor(penalty=penalty, alpha=0.05, mix=mix, tol=1e-10, max_iter=100000)
    full.fit(X, y, tasks=tasks)
    reduced = MultiTaskRegressor(penalty=penalty, alpha=0.05, mix=mix, tol=1e-10, max_iter=100000)
    reduced.fit(X[:, :3], y, tasks=tasks)
    np.testing.assert_allclose(full.coef_[:, 3], 0.0, atol=1e-6)
    np.testing.assert_allclose(full.coef_[:, :3], reduced.coef_, atol=1e-6)
    np.testing.assert_allclose(full.predict(X, tasks=tasks), reduced.predict(X[:, :3], tasks=tasks), atol=1e-5)


def test_metrics_against_scikit_learn():
    rng = np.random.default_rng(2)
    y, pred = rng.normal(size=50), rng.normal(size=50)
    assert _common.explained_variance(y, pred) == pytest.approx(r2_score(y, pred))
    assert _common.rmse(y, pred) == pytest.approx(np.sqrt(mean_squared_error(y, pred)))


def test_split_within_tasks_holds_a_quarter_of_every_task():
    tasks = np.repeat([3, 5, 9], [8, 22, 101])
    test = split_within_tasks(tasks, 0.25, np.random.default_rng(0))
    for task, n in zip([3, 5, 9], [8, 22, 101], strict=False):
        assert test[tasks == task].sum() == round(0.25 * n)


def test_task_folds_keep_every_task_in_training():
    tasks = np.repeat(np.arange(6), 16)
    for train, test in _common.task_folds(tasks, 4, random_state=0):
        assert set(tasks[train]) == set(range(6))
        np.testing.assert_array_equal(np.bincount(tasks[test]), 4)


def test_figures_go_to_docs_figures_except_in_quick_runs(tmp_path):
    parser = _common.base_parser("test")
    full = _common.parse_args(parser, ["--output-dir", str(tmp_path)])
    assert _common.figure_paths(full, "school.png", "school_reproduction.png") == [
        tmp_path / "school.png",
        ROOT / "docs" / "figures" / "school_reproduction.png",
    ]
    quick = _common.parse_args(parser, ["--quick", "--output-dir", str(tmp_path)])
    assert _common.figure_paths(quick, "school.png", "school_reproduction.png") == [tmp_path / "school.png"]


def test_plot_scores_writes_every_path(tmp_path):
    specs = [_common.ModelSpec("a", ["ridge"], 3), _common.ModelSpec("b", ["ridge"], 3)]
    results = {"a": {"rmse": [1.0, 1.2]}, "b": {"rmse": [1.1]}}
    paths = [tmp_path / "one.png", tmp_path / "sub" / "two.png"]
    _common.plot_scores(specs, results, [("ref", 0.9)], paths, "title")
    assert all(path.stat().st_size > 0 for path in paths)


def test_most_common_parameters_over_splits():
    assert _common._most_common(["α=1", "α=1"]) == "α=1"
    assert _common._most_common(["α=2", "α=1", "α=1"]) == "α=1 (2/3 splits)"
    assert _common._most_common(["α=2", "α=1"]) == "α=2 (1/2 splits)"


def test_parameter_summary_over_splits():
    assert _common._summarise_params(["α=0.316", "α=0.316"]) == "α=0.316"
    assert _common._summarise_params(["α=7.05", "α=6.71"]) == "α=6.71–7.05"
    summary = _common._summarise_params(["α=0.001, mix=0.9999", "α=0.00316, mix=0.999", "α=0.001, mix=0.9999"])
    assert summary == "α=0.001–0.00316, mix=0.9999 (2/3 splits)"


@pytest.mark.slow
def test_representation_transfer_curve(tmp_path):
    import representation_transfer

    figure = tmp_path / "curve.png"
    rows = dict(representation_transfer.main(["--quick", "--figure", str(figure)]))
    assert sorted(rows) == [5, 20]
    for scores in rows.values():
        # The 3-dimensional shared representation beats ridge on the 30 raw features.
        assert scores["representation (k = 3)"] < 0.5 * scores["target only"]
    assert rows[20]["representation (trace)"] < 0.5 * rows[20]["target only"]
    assert figure.stat().st_size > 10_000
