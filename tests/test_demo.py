"""The School demonstration runs end to end and writes its table and plot."""

import numpy as np
import pytest

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


def test_without_matplotlib_the_demo_says_so_first_and_prints_the_table(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo, "ALPHAS", [1e-3, 1e-1])
    monkeypatch.setattr(demo, "MIXES", [0.9])
    monkeypatch.setattr(demo, "has_matplotlib", lambda: False)
    output = tmp_path / "school.png"
    demo.main(["--splits", "1", "--output", str(output)])
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    # The message comes before any fit, then the fits and the table; no plot is attempted.
    assert lines[0].startswith("matplotlib is not installed") and 'pip install "mtlearn[plot]"' in lines[0]
    assert lines[1].startswith("split 1/1")
    assert "| pooled ridge |" in printed and not output.exists()


def test_printed_parameters_are_plain_numbers():
    assert demo.format_params({"alpha": np.float64(0.31622776601683794), "mix": np.float64(0.99)}) == (
        "alpha=0.316, mix=0.99"
    )


def test_console_entry_point_is_the_demo_main():
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="console_scripts") if e.name == "mtlearn-demo"]
    assert entry.load() is demo.main


def test_plot_axis_starts_at_zero_and_says_what_the_error_bars_are(tmp_path, monkeypatch):
    plt = pytest.importorskip("matplotlib.pyplot")
    closed = []
    monkeypatch.setattr(plt, "close", closed.append)
    results = {name: {"explained_variance": np.array([0.30, 0.32, 0.31])} for name in ("a", "b")}
    demo.save_plot(results, tmp_path / "plot.png")
    (ax,) = closed[0].axes
    assert ax.get_ylim()[0] == 0.0
    assert "error bars: ± 1 standard deviation" in ax.get_title()
