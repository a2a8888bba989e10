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
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
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
    # Two sizes, related and unrelated tasks, for regression (test MSE) then classification (test accuracy).
    assert len(rows) == 8
    assert output.index("=== regression") < output.index("=== classification")
    related, unrelated = rows[0:2], rows[2:4]
    for _, separate, pooled, joint in related + unrelated:
        # The joint model is never much worse than the better of the alternatives.
        assert joint <= 1.1 * min(separate, pooled)
    # With unrelated tasks pooling is far off.
    assert all(pooled > 2 * separate for _, separate, pooled, _ in unrelated)
    # With related tasks and few samples, joint beats separate.
    assert related[0][3] < 0.9 * related[0][1]
    related, unrelated = rows[4:6], rows[6:8]
    for _, separate, pooled, joint in related + unrelated:
        assert min(separate, pooled) <= joint <= 1.0
    # With 60 samples per task the joint classifier is as good as the better alternative; with 20
    # it may trail the pooled one (it fits an intercept per task), but it beats separate learning.
    for _, separate, pooled, joint in (related[1], unrelated[1]):
        assert joint >= max(separate, pooled) - 0.01
    assert related[0][3] > related[0][1] + 0.05
    assert all(pooled < separate - 0.05 for _, separate, pooled, _ in unrelated)
    assert len(re.findall(r"relatedness=0.0", output)) == 2


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
    for _, target_only, _source_only, transfer in related:
        assert transfer < target_only
    for _, target_only, source_only, transfer in unrelated:
        # An unrelated source is not followed: transfer stays near the target-only model.
        assert transfer <= 1.1 * target_only < source_only


def test_plot_structured_penalties(tmp_path):
    output = _run("plot_structured_penalties.py", "--output-dir", str(tmp_path))
    # "test MSE: independent ridge a, <penalty> b", for l21 and for cluster.
    errors = [[float(x) for x in re.findall(NUMBER, line)] for line in output.splitlines() if "test MSE" in line]
    assert len(errors) == 2
    for ridge, structured in errors:
        # The penalty encodes the planted structure: it beats independent ridge (measured: 0.49 and 0.62 of it).
        assert structured < 0.8 * ridge
    # The l21 path switches on the planted features (as the generator reports them) first.
    entered = re.search(r"first 5 features to enter the path: (\[.*\])", output).group(1)
    planted = re.search(r"planted features: (\[.*\])", output).group(1)
    assert entered == planted
    # The cluster penalty finds the planted task groups.
    assert float(re.search(r"adjusted Rand index of the learned clusters: (" + NUMBER + ")", output).group(1)) == 1.0
    for name in ("coef_matrix.png", "regularization_path.png", "task_similarity.png"):
        with open(tmp_path / name, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / name).stat().st_size > 10_000


def test_plot_shared_representation(tmp_path):
    figure = tmp_path / "subspace.png"
    output = _run("plot_shared_representation.py", "--output", str(figure))
    models = {
        match.group(1).strip(): (float(match.group(2)), int(match.group(3)), float(match.group(4)))
        for match in re.finditer(r"^(\w[\w ,=]+?)\s+(" + NUMBER + r")\s+(\d)\s+(" + NUMBER + ")$", output, flags=re.M)
    }
    assert set(models) == {"separate ridge", "trace norm", "factorised, k = 1"}
    # Both low-rank models find the line (rank 1, within 5 degrees); the factorised one, with less
    # shrinkage, estimates the weights better than separate ridge.
    for name in ("trace norm", "factorised, k = 1"):
        assert models[name][1] == 1 and models[name][2] < 5.0
    assert models["factorised, k = 1"][0] < models["separate ridge"][0]
    errors = dict(re.findall(r"^  (\w[\w -]+?)\s+(" + NUMBER + ")$", output, flags=re.M))
    assert float(errors["factorised representation"]) < float(errors["raw features"])
    assert float(errors["trace-norm representation"]) < float(errors["raw features"])
    assert figure.stat().st_size > 10_000


def test_plot_multitask_svm(tmp_path):
    figure = tmp_path / "svm.png"
    output = _run("plot_multitask_svm.py", "--output", str(figure))
    rows = _rows(output, 3)
    assert [row[0] for row in rows] == [20, 50]
    (_, separate_few, shared_few, multitask_few), (_, separate, shared, multitask) = rows
    # With 20 rows per task sharing pays: the multi-task SVM beats separate SVMs; with 50 rows
    # the shared SVM's single boundary costs, and the multi-task SVM beats both.
    assert multitask_few > separate_few + 0.02
    assert multitask > max(separate, shared)
    assert figure.stat().st_size > 10_000


def test_large_data():
    output = _run("large_data.py")
    differences = [float(value) for value in re.findall(r"difference (\d\.\de[-+]\d+)", output)]
    assert len(differences) == 3
    # Streaming and the Dask fits reach the in-memory model (tol=1e-8 regression, 1e-6 classification).
    assert differences[0] < 1e-6 and differences[1] < 1e-6 and differences[2] < 1e-4
