"""Plots render to PNG and show the numbers they are given."""

import sys

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge, lasso_path

from mtlearn import MultiTaskClassifier, MultiTaskRegressor
from mtlearn.datasets import make_multitask_classification, make_multitask_regression
from mtlearn.plotting import (
    learning_curve_scores,
    plot_coef_matrix,
    plot_learning_curve,
    plot_regularization_path,
    plot_task_similarity,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _save(ax, path):
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def _tick_labels(ax, axis):
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [tick.get_text() for tick in ticks]


def test_coef_matrix_of_a_fitted_frame_model(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y, tasks, _ = make_multitask_regression(n_tasks=4, n_samples=20, n_features=5, random_state=0)
    names = ["north", "south", "east", "west"]
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(5)]).assign(region=np.array(names)[tasks])
    model = MultiTaskRegressor(alpha=0.1, task_column="region").fit(frame, y)
    ax = plot_coef_matrix(model)
    _save(ax, tmp_path / "coef.png")
    np.testing.assert_array_equal(ax.images[0].get_array(), model.coef_)
    assert _tick_labels(ax, "y") == sorted(names)
    assert _tick_labels(ax, "x") == [f"x{j}" for j in range(5)]
    low, high = ax.images[0].get_clim()
    assert low == -high == -np.abs(model.coef_).max()


def test_coef_matrix_of_an_array_and_of_a_multiclass_model(tmp_path):
    _, _, _, coef = make_multitask_regression(n_tasks=3, n_samples=10, n_features=6, random_state=0)
    ax = plot_coef_matrix(coef, feature_names=list("abcdef"))
    _save(ax, tmp_path / "true.png")
    assert _tick_labels(ax, "x") == list("abcdef")
    assert _tick_labels(ax, "y") == ["0", "1", "2"]

    X, y, tasks, _ = make_multitask_classification(n_tasks=3, n_samples=30, n_features=4, n_classes=3, random_state=0)
    model = MultiTaskClassifier(alpha=0.1).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="class_index"):
        plot_coef_matrix(model)
    ax = plot_coef_matrix(model, class_index=2)
    np.testing.assert_array_equal(ax.images[0].get_array(), model.coef_[:, 2, :])
    _save(ax, tmp_path / "multiclass.png")
    with pytest.raises(ValueError, match="task_names"):
        plot_coef_matrix(coef, task_names=["only one"])


def test_task_similarity_is_the_cosine_of_the_weight_vectors(tmp_path):
    coef = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0], [-1.0, -1.0], [0.0, 0.0]])
    ax = plot_task_similarity(coef)
    _save(ax, tmp_path / "similarity.png")
    s = np.sqrt(0.5)
    expected = np.array(
        [
            [1, 0, 1, -s, 0],
            [0, 1, 0, -s, 0],
            [1, 0, 1, -s, 0],
            [-s, -s, -s, 1, 0],
            [0, 0, 0, 0, 0],
        ]
    )
    np.testing.assert_allclose(ax.images[0].get_array(), expected, atol=1e-12)
    assert ax.images[0].get_clim() == (-1.0, 1.0)


def test_task_similarity_grouped_by_clusters(tmp_path):
    X, y, tasks, coef, info = make_multitask_regression(
        n_tasks=6,
        n_samples=10,
        n_features=8,
        structure="clusters",
        n_clusters=2,
        relatedness=1.0,
        random_state=0,
        return_structure=True,
    )
    clusters = info["cluster_labels"]
    ax = plot_task_similarity(coef, clusters=clusters, task_names=[f"t{k}" for k in range(6)])
    _save(ax, tmp_path / "clusters.png")
    order = np.argsort(clusters, kind="stable")
    assert _tick_labels(ax, "y") == [f"t{k}" for k in order]
    shown = ax.images[0].get_array()
    # With relatedness=1 the tasks of a cluster are identical: similarity 1 inside each outlined block.
    assert len(ax.patches) == len(np.unique(clusters))
    for patch in ax.patches:
        start, size = int(patch.get_x() + 0.5), int(patch.get_width())
        np.testing.assert_allclose(shown[start : start + size, start : start + size], 1.0, atol=1e-12)
    with pytest.raises(ValueError, match="one label per task"):
        plot_task_similarity(coef, clusters=[0, 1])


def test_regularization_path_from_sklearn_lasso_path(tmp_path):
    X, Y, _ = make_multitask_regression(n_tasks=3, n_samples=40, n_features=5, shared_design=True, random_state=0)
    alphas, coefs, _ = lasso_path(X, Y, alphas=np.logspace(0, -3, 20))  # coefs: (n_tasks, n_features, n_alphas)
    path = np.moveaxis(coefs, -1, 0)  # (n_alphas, n_tasks, n_features)
    ax = plot_regularization_path(alphas, path)
    _save(ax, tmp_path / "path.png")
    assert len(ax.lines) == 5
    for j, line in enumerate(ax.lines):
        np.testing.assert_allclose(line.get_xdata(), alphas)
        np.testing.assert_allclose(line.get_ydata(), np.sqrt(np.sum(coefs[:, j, :] ** 2, axis=0)))
    assert ax.get_xscale() == "log"
    assert ax.get_xlim()[0] > ax.get_xlim()[1]  # strongest penalty on the left
    one_task = plot_regularization_path(alphas, path, task=1, feature_names=list("abcde"))
    np.testing.assert_allclose(one_task.lines[2].get_ydata(), coefs[1, 2, :])
    assert [text.get_text() for text in one_task.get_legend().get_texts()] == list("abcde")
    with pytest.raises(ValueError, match="n_alphas"):
        plot_regularization_path(alphas[:-1], path)
    with pytest.raises(ValueError, match="positive"):
        plot_regularization_path(-alphas, path)


def test_learning_curve_plot(tmp_path):
    sizes = [5, 10, 20]
    scores = {"multi-task": [[0.5, 0.7], [0.8, 0.8], [0.9, 0.95]], "independent": [0.1, 0.5, 0.85]}
    ax = plot_learning_curve(sizes, scores, ylabel="R²")
    _save(ax, tmp_path / "curve.png")
    assert [line.get_label() for line in ax.lines] == ["multi-task", "independent"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.6, 0.8, 0.925])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), scores["independent"])
    assert len(ax.collections) == 1  # the ± std band, only for the model with repeats
    assert ax.get_ylabel() == "R²"
    with pytest.raises(ValueError, match="expected"):
        plot_learning_curve(sizes, {"bad": [1.0, 2.0]})


def test_plots_draw_on_a_given_axes(tmp_path):
    fig, axes = plt.subplots(1, 2)
    coef = np.arange(6.0).reshape(2, 3)
    assert plot_coef_matrix(coef, ax=axes[0]) is axes[0]
    assert plot_task_similarity(coef, ax=axes[1]) is axes[1]
    fig.savefig(tmp_path / "both.png")


class _Probe(RegressorMixin, BaseEstimator):
    """Records the rows it is fitted and scored on; its score is the number of test rows."""

    def fit(self, X, y, tasks=None):
        self.fit_tasks_ = None if tasks is None else np.asarray(tasks)
        self.fit_rows_ = X[:, 0].copy()
        return self

    def predict(self, X, tasks=None):
        return np.zeros(X.shape[0])

    def score(self, X, y, tasks=None):
        _Probe.seen.append((self.fit_rows_, self.fit_tasks_, X[:, 0].copy(), tasks))
        return float(X.shape[0])


def test_learning_curve_scores_split_every_task():
    rng = np.random.default_rng(0)
    tasks = np.repeat(["a", "b", "c"], [8, 10, 12])
    X = np.column_stack([np.arange(30.0), rng.normal(size=30)])  # column 0 identifies the row
    y = rng.normal(size=30)
    _Probe.seen = []
    sizes, scores = learning_curve_scores({"probe": _Probe()}, X, y, tasks, [2, 5], n_repeats=2, random_state=0)
    np.testing.assert_array_equal(sizes, [2, 5])
    np.testing.assert_array_equal(scores["probe"], [[24, 24], [15, 15]])
    for fit_rows, fit_tasks, test_rows, test_tasks in _Probe.seen:
        m = len(fit_rows) // 3
        assert sorted(np.unique(fit_tasks, return_counts=True)[1]) == [m, m, m]
        np.testing.assert_array_equal(fit_tasks, tasks[fit_rows.astype(int)])
        np.testing.assert_array_equal(test_tasks, tasks[test_rows.astype(int)])
        assert sorted(np.r_[fit_rows, test_rows]) == list(range(30))
    # The draws differ between repeats and are reproducible from random_state.
    assert not np.array_equal(_Probe.seen[0][0], _Probe.seen[1][0])
    first = [entry[0] for entry in _Probe.seen]
    _Probe.seen = []
    learning_curve_scores({"probe": _Probe()}, X, y, tasks, [2, 5], n_repeats=2, random_state=0)
    for a, b in zip(first, [entry[0] for entry in _Probe.seen], strict=False):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="smallest task has 8 rows"):
        learning_curve_scores({"probe": _Probe()}, X, y, tasks, [8])


def test_learning_curve_scores_match_direct_fits():
    """Each entry is the model's score on its split; estimators without tasks= are pooled."""
    X, y, tasks, _ = make_multitask_regression(n_tasks=4, n_samples=25, n_features=5, random_state=1)
    estimators = {"joint": MultiTaskRegressor(alpha=0.01, mix=0.9), "pooled": Ridge(alpha=1.0)}
    _, scores = learning_curve_scores(estimators, X, y, tasks, [10], n_repeats=1, random_state=3)
    rng = np.random.RandomState(3)
    train = np.zeros(len(y), dtype=bool)
    for t in range(4):
        train[rng.choice(np.flatnonzero(tasks == t), size=10, replace=False)] = True
    test = ~train
    joint = MultiTaskRegressor(alpha=0.01, mix=0.9).fit(X[train], y[train], tasks=tasks[train])
    pooled = Ridge(alpha=1.0).fit(X[train], y[train])
    assert scores["joint"][0, 0] == pytest.approx(joint.score(X[test], y[test], tasks=tasks[test]), rel=1e-12)
    assert scores["pooled"][0, 0] == pytest.approx(pooled.score(X[test], y[test]), rel=1e-12)


def test_clear_import_error_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install"):
        plot_coef_matrix(np.eye(2))
    # Computing the scores does not need matplotlib.
    X, y, tasks, _ = make_multitask_regression(n_tasks=2, n_samples=10, n_features=3, random_state=0)
    learning_curve_scores({"joint": MultiTaskRegressor()}, X, y, tasks, [3], n_repeats=1)
