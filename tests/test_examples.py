"""The example scripts run end to end on small sizes (--quick) and print their comparison."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NUMBER = r"-?\d+\.\d{3}"


def _run(script, *args):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--quick", *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _rows(output, n_numbers):
    """The table rows: an int (the size) followed by n_numbers scores."""
    pattern = re.compile(r"^\s*(\d+)" + (r"\s+(" + NUMBER + ")") * n_numbers)
    return [[float(value) for value in match.groups()] for match in map(pattern.match, output.splitlines()) if match]


def test_separate_pooled_joint():
    output = _run("separate_pooled_joint.py")
    rows = _rows(output, 3)
    assert len(rows) == 4  # two sizes, related and unrelated tasks
    related, unrelated = rows[:2], rows[2:]
    for _, separate, pooled, joint in related + unrelated:
        # The joint model is never much worse than the better of the alternatives.
        assert joint <= 1.1 * min(separate, pooled)
    # With unrelated tasks pooling is far off.
    assert all(pooled > 2 * separate for _, separate, pooled, _ in unrelated)
    assert re.search(r"relatedness=0.0", output)


def test_plot_school_comparison(tmp_path):
    figure = tmp_path / "school.png"
    output = _run("plot_school_comparison.py", "--output", str(figure))
    rows = _rows(output, 3)
    assert len(rows) == 2
    for _, independent, pooled, joint in rows:
        # Sharing across schools beats one model per school with few students.
        assert joint > independent and pooled > independent
    assert figure.stat().st_size > 1000


def test_transfer_learning():
    pytest.importorskip("sklearn.frozen")
    output = _run("transfer_learning.py")
    rows = _rows(output, 3)
    assert len(rows) == 4
    related, unrelated = rows[:2], rows[2:]
    for _, target_only, source_only, transfer in related:
        assert transfer < target_only
    for _, target_only, source_only, transfer in unrelated:
        # An unrelated source is not followed: transfer stays near the target-only model.
        assert transfer <= 1.1 * target_only < source_only


DOC_PAGES = sorted((ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.name)
def test_documentation_code_runs(page, tmp_path, monkeypatch):
    """The ```python blocks of each page run in order, in one namespace."""
    blocks = re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    if not blocks:
        pytest.skip(f"{page.name} has no Python code")
    pytest.importorskip("matplotlib").use("Agg")
    if "dask" in "".join(blocks):
        pytest.importorskip("distributed")
    if "skops" in "".join(blocks):
        pytest.importorskip("skops")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__doc_page__"}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)
