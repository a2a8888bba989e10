"""Tests for mtlearn.datasets: bundled loaders and synthetic generators."""

import re
import socket
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from mtlearn.datasets import (
    load_computer_survey,
    load_grunfeld,
    load_school,
    load_sentiment_domains,
    make_multitask_classification,
    make_multitask_regression,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
_SHARED_CANDIDATES = [
    REPO_ROOT.parent / "shared" / "datasets",
    Path("/work/shared/datasets"),
]
SURVEY_FEATURES = [
    "telephone_hotline",
    "ram",
    "screen_size",
    "cpu_speed",
    "hard_disk",
    "cd_rom",
    "cache",
    "color",
    "availability",
    "warranty",
    "software",
    "guarantee",
    "price",
]
STRUCTURES = ["mean", "sparse", "low_rank", "clusters", "graph", "independent"]


def _shared_dir():
    for path in _SHARED_CANDIDATES:
        if (path / "school.mat").is_file() and (path / "computer_survey.mat").is_file():
            return path
    pytest.skip("shared reference data folder (../shared/datasets) not available")


@pytest.fixture(scope="module")
def school():
    return load_school()


# ---------------------------------------------------------------------------
# School
# ---------------------------------------------------------------------------


def test_school_shapes_dtypes_and_tasks(school):
    assert school.data.shape == (15362, 27)
    assert school.data.dtype == np.float64
    assert school.target.shape == (15362,)
    assert school.target.dtype == np.float64
    assert school.tasks.shape == (15362,)
    assert school.tasks.dtype == np.int64
    assert school.frame is None
    assert len(school.feature_names) == 27
    assert len(set(school.feature_names)) == 27
    assert school.feature_names[:5] == ["year_1", "year_2", "year_3", "pct_free_school_meals", "pct_vr_band_1"]
    assert school.feature_names[-1] == "school_denomination_3"

    counts = np.bincount(school.tasks)
    assert np.array_equal(np.unique(school.tasks), np.arange(139))
    assert counts.min() == 22 and counts.max() == 251
    assert np.median(counts) == 103
    # rows are grouped by school, schools in increasing order
    assert np.all(np.diff(school.tasks) >= 0)


def test_school_values(school):
    X, y, names = school.data, school.target, school.feature_names
    assert np.array_equal(X, np.round(X))
    pct = [names.index("pct_free_school_meals"), names.index("pct_vr_band_1")]
    binary = [j for j in range(27) if j not in pct]
    assert set(np.unique(X[:, binary])) == {0.0, 1.0}
    assert X[:, pct].min() >= 0 and X[:, pct].max() <= 100
    # no constant (bias) column left
    assert np.all(X.std(axis=0) > 0)
    # one-hot groups: exactly one indicator set (the VR band may be missing)
    for prefix in ["year_", "gender_", "ethnic_", "school_gender_", "school_denomination_"]:
        cols = [j for j, n in enumerate(names) if n.startswith(prefix)]
        assert np.all(X[:, cols].sum(axis=1) == 1), prefix
    vr = [j for j, n in enumerate(names) if n.startswith("vr_band_")]
    assert len(vr) == 3 and X[:, vr].sum(axis=1).max() == 1
    # school-level indicators are constant within a school
    school_cols = [j for j, n in enumerate(names) if n.startswith("school_")]
    for t in (0, 50, 138):
        rows = X[school.tasks == t][:, school_cols]
        assert np.all(rows == rows[0])
    # target: integer scores 1..70, mean 20.6, sd 12.7 (shared README)
    assert np.array_equal(y, np.round(y))
    assert y.min() == 1 and y.max() == 70
    assert y.mean() == pytest.approx(20.6, abs=0.05)
    assert y.std() == pytest.approx(12.7, abs=0.05)


def test_school_descr(school):
    assert "Inner London Education Authority" in school.DESCR
    assert "9.87" in school.DESCR and "Bakker" in school.DESCR


def test_school_return_X_y(school):
    X, y, tasks = load_school(return_X_y=True)
    assert np.array_equal(X, school.data)
    assert np.array_equal(y, school.target)
    assert np.array_equal(tasks, school.tasks)


def test_school_as_frame(school):
    pd = pytest.importorskip("pandas")
    bunch = load_school(as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame)
    assert list(bunch.data.columns) == school.feature_names + ["school"]
    assert np.array_equal(bunch.data["school"].to_numpy(), school.tasks)
    assert np.array_equal(bunch.data[school.feature_names].to_numpy(), school.data)
    assert isinstance(bunch.target, pd.Series) and bunch.target.name == "score"
    assert bunch.frame.shape == (15362, 29)
    assert list(bunch.frame.columns[-2:]) == ["school", "score"]

    X, y, tasks = load_school(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame) and "school" in X.columns
    assert isinstance(y, pd.Series) and y.name == "score"
    assert isinstance(tasks, np.ndarray) and np.array_equal(tasks, school.tasks)


# ---------------------------------------------------------------------------
# Computer survey
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("subset, n_rows, per_person", [("train", 2880, 16), ("test", 720, 4), ("all", 3600, 20)])
def test_survey_shapes_and_values(subset, n_rows, per_person):
    b = load_computer_survey(subset=subset)
    assert b.data.shape == (n_rows, 13) and b.data.dtype == np.float64
    assert b.target.shape == (n_rows,) and b.target.dtype == np.float64
    assert b.tasks.shape == (n_rows,) and b.tasks.dtype == np.int64
    assert b.feature_names == SURVEY_FEATURES
    assert set(np.unique(b.data)) == {-1.0, 1.0}
    assert set(np.unique(b.target)) <= set(range(11))
    assert b.target.min() == 0 and b.target.max() == 10
    assert np.array_equal(np.bincount(b.tasks), np.full(180, per_person))
    assert "Lenk" in b.DESCR and "1.79" in b.DESCR


@pytest.mark.parametrize("subset, per_person", [("train", 16), ("test", 4)])
def test_survey_rows_grouped_by_person(subset, per_person):
    X, _, tasks = load_computer_survey(subset=subset, return_X_y=True)
    assert np.array_equal(tasks, np.repeat(np.arange(180), per_person))
    # every person rated the same profiles: each block of consecutive rows
    # holds per_person distinct profiles, the same set for every person
    blocks = {frozenset(map(tuple, X[tasks == p])) for p in range(180)}
    assert len(blocks) == 1
    assert len(next(iter(blocks))) == per_person


def test_survey_train_test_profiles_disjoint():
    Xtr, _, _ = load_computer_survey(subset="train", return_X_y=True)
    Xte, _, _ = load_computer_survey(subset="test", return_X_y=True)
    train_profiles = set(map(tuple, Xtr))
    test_profiles = set(map(tuple, Xte))
    assert not train_profiles & test_profiles
    assert len(train_profiles | test_profiles) == 20


def test_survey_all_is_train_then_test():
    tr = load_computer_survey(subset="train", return_X_y=True)
    te = load_computer_survey(subset="test", return_X_y=True)
    al = load_computer_survey(subset="all", return_X_y=True)
    for a, b, c in zip(tr, te, al, strict=False):
        assert np.array_equal(c, np.concatenate([a, b]))


@pytest.mark.parametrize("subset", ["validation", "TRAIN", None, 0])
def test_survey_bad_subset(subset):
    with pytest.raises(ValueError, match="subset.*'train', 'test', 'all'"):
        load_computer_survey(subset=subset)


def test_survey_as_frame():
    pd = pytest.importorskip("pandas")
    b = load_computer_survey(subset="test", as_frame=True)
    assert list(b.data.columns) == SURVEY_FEATURES + ["person"]
    assert np.array_equal(b.data["person"].to_numpy(), np.repeat(np.arange(180), 4))
    assert isinstance(b.target, pd.Series) and b.target.name == "rating"
    assert b.frame.shape == (720, 15)
    X, y, tasks = load_computer_survey(subset="train", return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame) and X.shape == (2880, 14)
    assert isinstance(y, pd.Series) and len(y) == 2880
    assert np.array_equal(tasks, X["person"].to_numpy())


# ---------------------------------------------------------------------------
# Both loaders
# ---------------------------------------------------------------------------


def test_data_files_are_small_package_resources():
    root = resources.files("mtlearn.datasets")
    for name in ["school.npz", "computer_survey.npz"]:
        res = root.joinpath("data", name)
        assert res.is_file()
        assert len(res.read_bytes()) < 500_000
    for name in ["school.rst", "computer_survey.rst"]:
        assert root.joinpath("descr", name).is_file()


def test_loaders_do_not_use_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a loader tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert load_school().data.shape[0] == 15362
    assert load_computer_survey(subset="all").data.shape[0] == 3600


def test_loaders_match_the_mat_files(school):
    shared = _shared_dir()
    from scipy.io import loadmat

    mat = loadmat(shared / "school.mat", mat_dtype=True)
    Xc, Yc = mat["X"].ravel(), mat["Y"].ravel()
    assert len(Xc) == 139
    X = np.vstack(Xc)
    assert np.all(X[:, 27] == 1)
    assert np.array_equal(school.data, X[:, :27])
    assert np.array_equal(school.target, np.concatenate([v.ravel() for v in Yc]))
    assert np.array_equal(school.tasks, np.repeat(np.arange(139), [len(x) for x in Xc]))

    mat = loadmat(shared / "computer_survey.mat", mat_dtype=True)
    for subset, key in [("train", "Traindata"), ("test", "Testdata")]:
        X, y, _ = load_computer_survey(subset=subset, return_X_y=True)
        assert np.array_equal(X, mat[key][:, 1:14])
        assert np.array_equal(y, mat[key][:, 14])


# ---------------------------------------------------------------------------
# Generators: planted structure
# ---------------------------------------------------------------------------

GENERATORS = [make_multitask_regression, make_multitask_classification]


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("rank", [1, 2, 4])
def test_low_rank(make, rank):
    *_, coef, info = make(
        n_tasks=8, n_features=12, n_samples=5, structure="low_rank", rank=rank, return_structure=True, random_state=rank
    )
    assert info == {"structure": "low_rank", "rank": rank}
    assert np.linalg.matrix_rank(coef) == rank


def test_low_rank_multiclass_each_class_has_the_rank():
    *_, coef = make_multitask_classification(
        n_tasks=6, n_features=10, n_samples=5, n_classes=3, structure="low_rank", rank=2, random_state=0
    )
    assert coef.shape == (6, 3, 10)
    for k in range(3):
        assert np.linalg.matrix_rank(coef[:, k, :]) == 2


@pytest.mark.parametrize("make", GENERATORS)
def test_sparse_support(make):
    *_, coef, info = make(
        n_tasks=6,
        n_features=30,
        n_samples=5,
        structure="sparse",
        n_informative=7,
        return_structure=True,
        random_state=3,
    )
    support = info["support"]
    assert support.dtype == bool and support.shape == (30,) and support.sum() == 7
    assert np.all(coef[:, ~support] == 0.0)
    assert np.all(coef[:, support] != 0.0)


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clusters(make, seed):
    *_, coef, info = make(
        n_tasks=12,
        n_features=30,
        n_samples=5,
        structure="clusters",
        n_clusters=3,
        relatedness=0.9,
        return_structure=True,
        random_state=seed,
    )
    labels = info["cluster_labels"]
    assert np.array_equal(np.bincount(labels), [4, 4, 4])
    dist = np.linalg.norm(coef[:, None, :] - coef[None, :, :], axis=-1)
    same = labels[:, None] == labels[None, :]
    off_diag = ~np.eye(12, dtype=bool)
    assert dist[same & off_diag].max() < dist[~same].min()


def test_relatedness_one_gives_identical_tasks():
    *_, coef = make_multitask_regression(n_tasks=5, structure="mean", relatedness=1.0, random_state=0)
    assert np.allclose(coef, coef[0])
    *_, coef, info = make_multitask_regression(
        n_tasks=9, structure="clusters", n_clusters=3, relatedness=1.0, return_structure=True, random_state=0
    )
    for k in range(3):
        rows = coef[info["cluster_labels"] == k]
        assert np.allclose(rows, rows[0])
    assert not np.allclose(coef, coef[0])
    *_, coef = make_multitask_regression(n_tasks=6, structure="graph", relatedness=1.0, random_state=0)
    assert np.allclose(coef, coef[0])


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_mean_structure_task_correlation_is_relatedness(rho):
    *_, coef = make_multitask_regression(
        n_tasks=4, n_samples=1, n_features=4000, structure="mean", relatedness=rho, random_state=0
    )
    corr = np.corrcoef(coef)[np.triu_indices(4, 1)]
    assert np.allclose(corr, rho, atol=0.06)
    assert coef.std() == pytest.approx(1.0, abs=0.05)


def test_coef_scale_scales_the_coefficients():
    kw = dict(n_tasks=5, n_samples=3, structure="clusters", random_state=4)
    *_, c1 = make_multitask_regression(**kw)
    *_, c3 = make_multitask_regression(coef_scale=3.0, **kw)
    assert np.allclose(c3, 3.0 * c1)


def test_graph_neighbours_are_close():
    *_, coef, info = make_multitask_regression(
        n_tasks=10,
        n_samples=1,
        n_features=2000,
        structure="graph",
        relatedness=0.9,
        return_structure=True,
        random_state=0,
    )
    A = info["adjacency"]
    assert np.array_equal(A, np.eye(10, k=1) + np.eye(10, k=-1))  # default chain
    sq = lambda s, t: np.sum((coef[s] - coef[t]) ** 2)  # noqa: E731
    near = np.mean([sq(t, t + 1) for t in range(9)])
    far = np.mean([sq(t, t + 5) for t in range(5)])
    assert near < 0.5 * far


def test_graph_custom_adjacency_components():
    A = np.zeros((6, 6))
    A[0, 1] = A[1, 0] = A[1, 2] = A[2, 1] = 1.0  # component {0, 1, 2}
    A[3, 4] = A[4, 3] = A[4, 5] = A[5, 4] = 2.0  # component {3, 4, 5}
    *_, coef, info = make_multitask_regression(
        n_tasks=6, n_samples=2, structure="graph", graph=A, relatedness=1.0, return_structure=True, random_state=0
    )
    assert np.array_equal(info["adjacency"], A)
    assert np.allclose(coef[:3], coef[0]) and np.allclose(coef[3:], coef[3])
    assert not np.allclose(coef[0], coef[3])


@pytest.mark.parametrize("make", GENERATORS)
def test_independent_is_full_rank(make):
    *_, coef, info = make(
        n_tasks=6, n_features=10, n_samples=3, structure="independent", return_structure=True, random_state=0
    )
    assert info == {"structure": "independent"}
    assert np.linalg.matrix_rank(coef) == 6


# ---------------------------------------------------------------------------
# Generators: data, formats, determinism
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", GENERATORS)
def test_per_task_sample_counts(make):
    sizes = [3, 10, 1, 25, 7]
    X, y, tasks, coef = make(n_tasks=5, n_samples=sizes, n_features=4, random_state=0)
    assert X.shape == (46, 4) and y.shape == (46,) and coef.shape == (5, 4)
    assert tasks.dtype == np.int64
    assert np.array_equal(tasks, np.repeat(np.arange(5), sizes))
    X, y, tasks, coef = make(n_tasks=3, n_samples=8, n_features=4, random_state=0)
    assert np.array_equal(np.bincount(tasks), [8, 8, 8])


def test_regression_targets_follow_the_linear_model():
    X, y, tasks, coef = make_multitask_regression(
        n_tasks=4, n_samples=[5, 6, 7, 8], n_features=3, noise=0.0, random_state=0
    )
    assert np.allclose(y, np.sum(X * coef[tasks], axis=1))
    X, y, tasks, coef = make_multitask_regression(n_tasks=2, n_samples=20000, n_features=3, noise=0.5, random_state=0)
    resid = y - np.sum(X * coef[tasks], axis=1)
    assert resid.std() == pytest.approx(0.5, rel=0.03)
    assert X.std() == pytest.approx(1.0, rel=0.02)


@pytest.mark.parametrize("make", GENERATORS)
def test_shared_design(make):
    X, Y, coef, info = make(
        n_tasks=4,
        n_samples=30,
        n_features=6,
        structure="sparse",
        n_informative=2,
        shared_design=True,
        return_structure=True,
        random_state=0,
    )
    assert X.shape == (30, 6) and Y.shape == (30, 4) and coef.shape == (4, 6)
    assert info["support"].sum() == 2


def test_shared_design_regression_targets():
    X, Y, coef = make_multitask_regression(
        n_tasks=3, n_samples=10, n_features=5, noise=0.0, shared_design=True, random_state=0
    )
    assert np.allclose(Y, X @ coef.T)


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("structure", STRUCTURES)
def test_deterministic_and_seed_dependent(make, structure):
    kw = dict(
        n_tasks=5, n_samples=[4, 5, 6, 7, 8], n_features=6, structure=structure, rank=2, n_informative=3, n_clusters=2
    )
    a = make(random_state=0, **kw)
    b = make(random_state=0, **kw)
    c = make(random_state=1, **kw)
    rs = np.random.RandomState(0)
    d = make(random_state=rs, **kw)
    for u, v, w in zip(a, b, d, strict=False):
        assert np.array_equal(u, v) and np.array_equal(u, w)
    assert not np.array_equal(a[0], c[0])  # X
    assert not np.array_equal(a[3], c[3])  # coef


def test_classification_labels_and_classes_in_every_task():
    X, y, tasks, coef = make_multitask_classification(
        n_tasks=40, n_samples=2, n_features=5, coef_scale=5.0, random_state=0
    )
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    for t in range(40):
        assert set(y[tasks == t]) == {0, 1}
    X, Y, coef = make_multitask_classification(
        n_tasks=30, n_samples=2, n_features=5, coef_scale=5.0, shared_design=True, random_state=0
    )
    for t in range(30):
        assert set(Y[:, t]) == {0, 1}
    # a single sample cannot hold both classes: still works
    X, y, tasks, coef = make_multitask_classification(n_tasks=3, n_samples=1, random_state=0)
    assert y.shape == (3,)


def test_multiclass_every_task_gets_every_class():
    X, y, tasks, coef = make_multitask_classification(
        n_tasks=20, n_samples=3, n_features=4, n_classes=3, coef_scale=4.0, random_state=0
    )
    assert coef.shape == (20, 3, 4)
    for t in range(20):
        assert set(y[tasks == t]) == {0, 1, 2}


def test_classification_follows_the_logistic_model():
    from sklearn.linear_model import LogisticRegression

    X, y, tasks, coef = make_multitask_classification(
        n_tasks=1, n_samples=20000, n_features=3, structure="independent", random_state=0
    )
    clf = LogisticRegression(C=1e6, fit_intercept=True).fit(X, y)
    assert np.allclose(clf.coef_.ravel(), coef[0], atol=0.1)
    assert abs(clf.intercept_[0]) < 0.1


@pytest.mark.parametrize("flip_y, expected", [(0.0, None), (1.0, 0.5)])
def test_flip_y(flip_y, expected):
    X, y, tasks, coef = make_multitask_classification(
        n_tasks=2, n_samples=5000, n_features=5, coef_scale=10.0, flip_y=flip_y, random_state=0
    )
    bayes = (np.sum(X * coef[tasks], axis=1) > 0).astype(int)
    acc = np.mean(bayes == y)
    if expected is None:
        assert acc > 0.95
    else:
        assert acc == pytest.approx(expected, abs=0.03)


# ---------------------------------------------------------------------------
# Generators: argument validation
# ---------------------------------------------------------------------------

BAD_ARGS = [
    (dict(n_tasks=0), "n_tasks"),
    (dict(n_tasks=2.5), "n_tasks"),
    (dict(n_tasks=True), "n_tasks"),
    (dict(n_samples=0), "n_samples"),
    (dict(n_tasks=3, n_samples=[10, 10]), "n_samples"),
    (dict(n_tasks=2, n_samples=[10, 0]), "n_samples"),
    (dict(n_tasks=2, n_samples=[10, 2.5]), "n_samples"),
    (dict(n_tasks=2, n_samples=[10, 10], shared_design=True), "n_samples"),
    (dict(n_features=0), "n_features"),
    (dict(structure="blocks"), "structure"),
    (dict(relatedness=1.5), "relatedness"),
    (dict(relatedness=-0.1), "relatedness"),
    (dict(relatedness=np.nan), "relatedness"),
    (dict(coef_scale=0.0), "coef_scale"),
    (dict(structure="sparse", n_features=4, n_informative=5), "n_informative"),
    (dict(structure="sparse", n_informative=0), "n_informative"),
    (dict(structure="low_rank", n_tasks=3, rank=4), "rank"),
    (dict(structure="low_rank", rank=0), "rank"),
    (dict(structure="clusters", n_tasks=2, n_clusters=3), "n_clusters"),
    (dict(structure="graph", n_tasks=3, graph=np.ones((2, 2))), "graph"),
    (dict(structure="graph", n_tasks=2, graph=[[0, 1], [0, 0]]), "graph"),
    (dict(structure="graph", n_tasks=2, graph=[[0, -1], [-1, 0]]), "graph"),
    (dict(structure="mean", n_tasks=2, graph=[[0, 1], [1, 0]]), "graph"),
]


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("kwargs, name", BAD_ARGS)
def test_bad_arguments(make, kwargs, name):
    with pytest.raises(ValueError, match=name):
        make(random_state=0, **kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(noise=-1.0), "noise"),
        (dict(noise="high"), "noise"),
    ],
)
def test_regression_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_multitask_regression(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_classes=1), "n_classes"),
        (dict(flip_y=1.5), "flip_y"),
    ],
)
def test_classification_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_multitask_classification(**kwargs)


def test_irrelevant_structure_arguments_are_ignored():
    # n_informative > n_features does not matter unless structure="sparse"
    X, y, tasks, coef = make_multitask_regression(
        n_tasks=2, n_features=3, n_informative=10, rank=10, n_clusters=10, random_state=0
    )
    assert coef.shape == (2, 3)


@pytest.mark.parametrize("module", ["_loaders", "_generators"])
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"mtlearn.datasets.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------- rare-positive generator
def test_rare_positive_tasks_rate_groups_and_minimum():
    from mtlearn.datasets import make_rare_positive_tasks

    X, y, tasks, coef, groups = make_rare_positive_tasks(
        n_tasks=6, n_samples=4000, n_features=5, positive_rate=0.05, n_groups=3, relatedness=1.0, random_state=0
    )
    assert X.shape == (24000, 5) and set(np.unique(y)) == {0, 1}
    rates = np.bincount(tasks, weights=y) / np.bincount(tasks)
    np.testing.assert_allclose(rates, 0.05, atol=0.012)  # 4000 Bernoulli draws: sd 0.0035
    np.testing.assert_array_equal(groups, [0, 1, 2, 0, 1, 2])
    np.testing.assert_allclose(coef[0], coef[3])  # relatedness=1: a group shares its weights
    assert not np.allclose(coef[0], coef[1])

    _, y, tasks, *_ = make_rare_positive_tasks(n_samples=(30, 40), positive_rate=0.01, min_positives=3, random_state=1)
    assert np.bincount(tasks, weights=y).min() >= 3
    sizes = np.bincount(tasks)
    assert sizes.min() >= 30 and sizes.max() <= 40


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"positive_rate": 0.7}, "positive_rate"),
        ({"n_groups": 30}, "n_groups"),
        ({"n_samples": (40, 30)}, r"n_samples\[1\]"),
        ({"n_samples": (10, 20, 30)}, "n_samples"),
    ],
)
def test_rare_positive_tasks_rejects_bad_arguments(params, message):
    from mtlearn.datasets import make_rare_positive_tasks

    with pytest.raises(ValueError, match=message):
        make_rare_positive_tasks(**params)


# ---------------------------------------------------------------------------
# Public data sets shipped by PyPI packages: Grunfeld and sentiment in four domains
# ---------------------------------------------------------------------------


def test_grunfeld_shapes_and_firms():
    data = load_grunfeld()
    assert data.data.shape == (220, 2) and data.feature_names == ["value", "capital"]
    firms = np.unique(data.tasks)
    assert len(firms) == 11 and "General Motors" in firms
    for firm in firms:
        rows = np.flatnonzero(data.tasks == firm)
        assert np.array_equal(rows, np.arange(rows[0], rows[0] + 20))  # grouped by firm
        assert np.array_equal(data.year[rows], np.arange(1935, 1955))  # in year order
    assert "public domain" in data.DESCR
    X, y, tasks = load_grunfeld(return_X_y=True)
    assert np.array_equal(X, data.data) and np.array_equal(y, data.target)


@pytest.mark.parametrize(
    "firm, published",
    # Per-firm least squares invest = a + b·value + c·capital over 1935–1954 (Zellner, JASA 1962).
    [("General Electric", (-9.956, 0.02655, 0.1517)), ("Westinghouse", (-0.5094, 0.05289, 0.09241))],
)
def test_grunfeld_reproduces_the_published_per_firm_least_squares(firm, published):
    X, y, tasks = load_grunfeld(return_X_y=True)
    rows = tasks == firm
    design = np.column_stack([np.ones(rows.sum()), X[rows]])
    coef = np.linalg.lstsq(design, y[rows], rcond=None)[0]
    np.testing.assert_allclose(coef, published, rtol=2e-3)


def test_grunfeld_as_frame():
    pd = pytest.importorskip("pandas")
    X, y, tasks = load_grunfeld(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame) and list(X.columns) == ["value", "capital", "firm"]
    assert y.name == "invest" and np.array_equal(X["firm"].to_numpy(), tasks)


def test_sentiment_domains_shapes_targets_and_domains():
    data = load_sentiment_domains()
    counts = {domain: int(np.sum(data.tasks == domain)) for domain in np.unique(data.tasks)}
    # The source's rated snippets per domain, less those rated exactly 0 (neutral).
    assert counts == {
        "editorials": 5190 - 244,
        "movie_reviews": 10605 - 37,
        "product_reviews": 3708 - 98,
        "tweets": 4200 - 4,
    }
    assert data.data.shape == (23320, len(data.feature_names))
    assert np.all(data.rating != 0)
    assert np.array_equal(data.target, (data.rating > 0).astype(int))
    assert set(np.unique(data.data.data)) == {1.0}
    assert "MIT" in data.DESCR
    # The first tweet of the source file and its mean rating over the raters.
    first_tweet = data.text[int(np.flatnonzero(data.tasks == "tweets")[0])]
    assert first_tweet.startswith("Somehow I was blessed with some really amazing friends")
    assert data.rating[np.flatnonzero(data.tasks == "tweets")[0]] == pytest.approx(2.726315789)


def test_sentiment_word_features_are_word_presence():
    data = load_sentiment_domains()
    words = ["love", "bad", "movie"]
    pattern = {word: re.compile(rf"(?<![a-z0-9_]){word}(?![a-z0-9_])") for word in words}
    for word in words:
        column = data.feature_names.index(word)
        present = np.array([bool(pattern[word].search(text.lower())) for text in data.text])
        assert np.array_equal(data.data[:, column].toarray().ravel() == 1, present)


def test_public_data_files_are_small_and_offline(monkeypatch):
    root = resources.files("mtlearn.datasets")
    assert len(root.joinpath("data", "grunfeld.npz").read_bytes()) < 20_000
    assert len(root.joinpath("data", "sentiment_domains.npz").read_bytes()) < 1_100_000

    def no_network(*args, **kwargs):
        raise AssertionError("a loader tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert load_grunfeld().data.shape == (220, 2)
    assert load_sentiment_domains().data.shape[0] == 23320
