"""The School demonstration runs end to end and writes its table and plot."""

import numpy as np

from mtlearn import demo


def test_per_task_split_keeps_a_quarter_of_every_task():
    tasks = np.repeat([0, 1, 2], [8, 20, 3])
    test = demo.per_task_split(tasks, 0.25, np.random.default_rng(0))
    assert [test[tasks == t].sum() for t in range(3)] == [2, 5, 1]


def test_demo_prints_the_table_and_saves_the_plot(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo, "ALPHAS", [1e-3, 1e-1])
    monkeypatch.setattr(demo, "MIXES", [0.9])
    output = tmp_path / "school.png"
    results = demo.main(["--splits", "1", "--output", str(output), "--quiet"])
    printed = capsys.readouterr().out
    for name in results:
        assert f"| {name} |" in printed
    assert output.stat().st_size > 10_000
    assert set(results) == {"independent ridge", "pooled ridge", "multi-task (mean-regularised)"}
