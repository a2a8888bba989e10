"""verbose: the iterative solvers print their progress (objective and stopping measure)."""

import re

import numpy as np
import pytest
from scipy import sparse

from mtlearn import MultiTaskClassifier, MultiTaskLinearSVC, MultiTaskRegressor
from mtlearn.datasets import make_multitask_classification, make_multitask_regression

APG_LINE = re.compile(r"^\[apg\] iter\s+(\d+)\s+objective (\S+)\s+relative gap (\S+)$")
DUAL_LINE = re.compile(r"^\[hinge-dual\] iter\s+(\d+)\s+primal (\S+)\s+relative gap (\S+)$")


@pytest.fixture(scope="module")
def classification():
    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=40, n_features=5, random_state=0)
    return X, y, tasks


@pytest.fixture(scope="module")
def sparse_classification(classification):
    """The same rows in CSR: the logistic loss is then solved by proximal gradient (Newton takes dense rows)."""
    X, y, tasks = classification
    return sparse.csr_matrix(X), y, tasks


def _parse(pattern, text):
    lines = text.strip().splitlines()
    matches = [pattern.match(line) for line in lines]
    assert lines and all(matches), text
    return [(int(m.group(1)), float(m.group(2)), float(m.group(3))) for m in matches]


@pytest.mark.parametrize("verbose, every", [(100, 1), (10, 10), (1, 100)])
def test_apg_prints_every_100_over_verbose_iterations(sparse_classification, capsys, verbose, every):
    X, y, tasks = sparse_classification
    model = MultiTaskClassifier(alpha=1e-3, tol=1e-10, max_iter=5000, verbose=verbose).fit(X, y, tasks=tasks)
    printed = capsys.readouterr().out
    assert model.n_iter_ >= 100
    rows = _parse(APG_LINE, printed)
    assert [row[0] for row in rows] == list(range(every, model.n_iter_ + 1, every))
    assert all(np.isfinite(row[1]) and row[2] >= 0 for row in rows)


def test_apg_printed_objective_is_the_objective_of_the_iterate(sparse_classification, capsys):
    X, y, tasks = sparse_classification
    model = MultiTaskClassifier(alpha=1e-2, tol=1e-8, verbose=100).fit(X, y, tasks=tasks)
    rows = _parse(APG_LINE, capsys.readouterr().out)
    # One line per iteration; the last one is the returned solution.
    assert len(rows) == model.n_iter_
    np.testing.assert_allclose(rows[-1][1], model.objective_, rtol=1e-9)
    # Every printed objective is at least the optimum (they are objectives of feasible iterates).
    assert min(row[1] for row in rows) >= model.objective_ * (1 - 1e-9)
    # The relative duality gap (the last one evaluated) falls below tol by the end (a converged fit).
    assert rows[-1][2] <= model.tol < rows[0][2]


@pytest.mark.parametrize("method", ["interior point", "projected gradient"])
@pytest.mark.parametrize(
    "estimator",
    [MultiTaskClassifier(loss="hinge", alpha=0.01, tol=1e-6, verbose=10), MultiTaskLinearSVC(tol=1e-6, verbose=10)],
    ids=["hinge", "linear-svc"],
)
def test_dual_solver_prints_primal_and_duality_gap(classification, capsys, estimator, method, monkeypatch):
    if method == "projected gradient":  # the method of designs too large for the interior-point method
        monkeypatch.setattr("mtlearn.solvers._hinge_interior.MAX_SYSTEM_SIZE", 0)
    X, y, tasks = classification
    model = estimator.fit(X, y, tasks=tasks)
    rows = _parse(DUAL_LINE, capsys.readouterr().out)
    if method == "interior point":
        # The gap is checked and printed at every iteration (one Newton step).
        assert [row[0] for row in rows] == list(range(1, model.n_iter_ + 1))
    else:
        # verbose=10: the gap is checked and printed every 10 iterations; the fit stops at a check.
        assert [row[0] for row in rows] == list(range(10, model.n_iter_ + 1, 10))
        assert model.n_iter_ % 10 == 0
    np.testing.assert_allclose(rows[-1][1], model.objective_, rtol=1e-9)
    np.testing.assert_allclose(rows[-1][2], model.certificate_, rtol=1e-3)
    assert rows[-1][2] <= model.tol < rows[0][2]


def test_one_progress_block_per_one_vs_rest_problem(capsys):
    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=40, n_features=4, n_classes=3, random_state=0)
    MultiTaskClassifier(alpha=1e-2, tol=1e-8, verbose=100).fit(sparse.csr_matrix(X), y, tasks=tasks)
    rows = _parse(APG_LINE, capsys.readouterr().out)
    assert sum(row[0] == 1 for row in rows) == 3


@pytest.mark.parametrize(
    "estimator",
    [
        MultiTaskRegressor(),
        MultiTaskClassifier(),
        MultiTaskClassifier(loss="hinge"),
        MultiTaskClassifier(loss="squared_hinge"),
        MultiTaskLinearSVC(),
    ],
    ids=lambda est: f"{type(est).__name__}-{getattr(est, 'loss', 'hinge')}",
)
def test_silent_by_default(classification, capsys, estimator):
    X, y, tasks = classification
    estimator.fit(X, y, tasks=tasks)
    assert capsys.readouterr().out == ""


def test_exact_squared_loss_solve_prints_nothing_even_when_verbose(capsys):
    """The mean-regularised squared loss is one direct solve: there is no iteration to report."""
    X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_samples=20, n_features=4, random_state=0)
    MultiTaskRegressor(verbose=5).fit(X, y, tasks=tasks)
    assert capsys.readouterr().out == ""


def test_dual_solver_prints_less_often_at_lower_verbosity(classification, capsys, monkeypatch):
    """The projected-gradient dual prints every 10·k iterations (the interior-point method: every iteration)."""
    monkeypatch.setattr("mtlearn.solvers._hinge_interior.MAX_SYSTEM_SIZE", 0)
    X, y, tasks = classification
    model = MultiTaskClassifier(loss="hinge", alpha=0.001, tol=1e-9, max_iter=3000, verbose=1).fit(X, y, tasks=tasks)
    rows = _parse(DUAL_LINE, capsys.readouterr().out)
    assert model.n_iter_ >= 200
    assert [row[0] for row in rows] == list(range(100, model.n_iter_ + 1, 100))


def test_path_and_cv_report_progress(capsys):
    from mtlearn import MultiTaskRegressor, MultiTaskRegressorCV
    from mtlearn.datasets import make_multitask_regression
    from mtlearn.model_selection import multitask_path

    X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_samples=20, n_features=4, random_state=0)
    multitask_path(MultiTaskRegressor(verbose=1), X, y, tasks=tasks, alphas=[1.0, 0.1, 0.01])
    path_lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[path]")]
    assert [line.split()[2] for line in path_lines] == ["1/3", "2/3", "3/3"]
    MultiTaskRegressorCV(penalty="mean", mixes=[0.5], alphas=[1.0, 0.1], cv=3, verbose=1).fit(X, y, tasks=tasks)
    cv_lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[cv]")]
    assert len(cv_lines) == 3 * 2 + 1
    assert "3 folds done" in cv_lines[-1]


CV_LINE = re.compile(
    r"^\[cv\] fold (\d+)/(\d+)  penalty 1/1  mix \S+  alpha (\d+)/2 = \S+  test score \S+  \((\S+) s into the fold\)$"
)


def test_cv_lines_give_the_fold_and_the_time_into_it(capsys):
    from mtlearn import MultiTaskClassifierCV
    from mtlearn.datasets import make_multitask_classification

    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=30, n_features=4, random_state=0)
    MultiTaskClassifierCV(penalty="mean", mixes=[0.5], alphas=[0.1, 0.01], cv=3, verbose=1).fit(X, y, tasks=tasks)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[cv] fold")]
    rows = [CV_LINE.match(line) for line in lines]
    assert all(rows), lines
    rows = [(int(m.group(1)), int(m.group(2)), int(m.group(3)), float(m.group(4))) for m in rows]
    assert [(fold, total, alpha) for fold, total, alpha, _ in rows] == [(f, 3, a) for f in (1, 2, 3) for a in (1, 2)]
    for fold in (1, 2, 3):
        times = [seconds for f, _, _, seconds in rows if f == fold]
        assert 0 <= times[0] <= times[1]  # time since the fold started, so it grows along the fold's path
