"""The reproduction scripts of the public data sets run end to end (``--quick``) and report every model."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mtlearn.penalties import PENALTIES

from .test_reproduction_scripts import ROW_NAMES, _run, _table_rows


@pytest.mark.slow
def test_grunfeld_script_reports_every_penalty(tmp_path):
    stdout = _run("reproduce_grunfeld.py", tmp_path)
    markdown = (tmp_path / "grunfeld.md").read_text(encoding="utf-8")
    assert markdown in stdout
    rows = _table_rows(markdown)
    assert "pooled ridge" in rows
    for name in PENALTIES:
        if name != "graph":  # no known task graph for the firms
            assert ROW_NAMES.get(name, name) in rows, f"no row for penalty {name!r}"


@pytest.mark.slow
def test_sentiment_script_reports_a_mean_auc_per_model(tmp_path):
    _run("reproduce_sentiment_domains.py", tmp_path)
    markdown = (tmp_path / "sentiment_domains.md").read_text(encoding="utf-8")
    table = [line.split("|")[1:-1] for line in markdown.splitlines() if line.startswith("| ") and "AUC" not in line]
    names = {cells[0].strip() for cells in table}
    assert {"pooled (one model)", "independent"} <= names
    for cells in table:
        aucs = [float(cell.split("±")[0]) for cell in cells[1:]]
        # The mean over the four domains, then one AUC per domain.
        assert aucs[0] == pytest.approx(np.mean(aucs[1:]), abs=1e-4)
        assert all(0.0 <= auc <= 1.0 for auc in aucs)


def test_split_per_task_and_per_task_auc():
    import reproduce_sentiment_domains  # benchmarks/ is on sys.path through test_reproduction_scripts

    tasks = np.repeat(np.array(["a", "b", "c"]), [10, 30, 50])
    train = reproduce_sentiment_domains.split_per_task(tasks, 7, np.random.default_rng(0))
    assert [int(train[tasks == t].sum()) for t in "abc"] == [7, 7, 7]
    rng = np.random.default_rng(1)
    y, scores = rng.integers(0, 2, size=90), rng.normal(size=90)
    auc = reproduce_sentiment_domains.per_task_auc(y, scores, tasks)
    for t in "abc":
        assert auc[t] == roc_auc_score(y[tasks == t], scores[tasks == t])
