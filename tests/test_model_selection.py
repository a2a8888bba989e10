"""Regularisation paths, alpha_max and the cross-validated estimators."""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, StratifiedKFold

from mtlearn import MultiTaskClassifier, MultiTaskClassifierCV, MultiTaskRegressor, MultiTaskRegressorCV
from mtlearn.datasets import make_multitask_classification, make_multitask_regression
from mtlearn.model_selection import DEFAULT_MIXES, DEFAULT_PENALTIES, PENALTY_MIXES, alpha_max, multitask_path
from mtlearn.penalties import PENALTIES, ClusterPenalty, GraphPenalty, RelationshipPenalty


@pytest.fixture(scope="module")
def data():
    X, y, tasks, _ = make_multitask_regression(n_tasks=4, n_samples=30, n_features=6, random_state=0)
    return X, y, tasks


def test_path_with_warm_starts_matches_independent_fits(data):
    X, y, tasks = data
    penalty = GraphPenalty(adjacency=np.ones((4, 4)), l1=1.0)
    estimator = MultiTaskRegressor(penalty=penalty, tol=1e-10, max_iter=20000)
    alphas, coefs, intercepts = multitask_path(estimator, X, y, tasks=tasks, n_alphas=6, eps=1e-2)
    assert np.all(np.diff(alphas) < 0)
    for alpha, coef, intercept in zip(alphas, coefs, intercepts, strict=False):
        alone = MultiTaskRegressor(penalty=penalty, alpha=alpha, tol=1e-10, max_iter=20000).fit(X, y, tasks=tasks)
        np.testing.assert_allclose(coef, alone.coef_, atol=1e-7)
        np.testing.assert_allclose(intercept, alone.intercept_, atol=1e-7)


@pytest.mark.parametrize(
    "make, units",
    [
        (MultiTaskRegressor, {"normalize_y": True}),
        (MultiTaskRegressor, {"scale_features": True}),
        (MultiTaskClassifier, {"scale_features": True}),
    ],
)
def test_path_keeps_the_models_of_independent_fits_in_the_users_units(data, make, units):
    # Reference: fit() at each alpha from scratch (its coef_ and intercept_ are mapped back to the units of X
    # and y); multitask_path keeps the coefficients of each solve without building the fitted estimator.
    X, y, tasks = data
    X = X * np.array([1.0, 10.0, 0.1, 3.0, 1.0, 30.0])
    target = y > np.median(y) if make is MultiTaskClassifier else 50.0 * y + 3.0
    estimator = make(penalty="l21", tol=1e-10, max_iter=100_000, **units)
    alphas, coefs, intercepts = multitask_path(estimator, X, target, tasks=tasks, n_alphas=5, eps=1e-2)
    for alpha, coef, intercept in zip(alphas, coefs, intercepts, strict=True):
        alone = make(penalty="l21", alpha=alpha, tol=1e-10, max_iter=100_000, **units).fit(X, target, tasks=tasks)
        np.testing.assert_allclose(coef, alone.coef_, atol=1e-6 * np.max(np.abs(alone.coef_)) + 1e-12)
        np.testing.assert_allclose(intercept, alone.intercept_, atol=1e-6 * (1.0 + np.max(np.abs(alone.intercept_))))


def test_path_default_grid_without_dual_norm(data):
    X, y, tasks = data
    alphas, coefs, _ = multitask_path(MultiTaskRegressor(), X, y, tasks=tasks, n_alphas=4, eps=1e-2)
    assert alphas.shape == (4,) and np.all(np.isfinite(alphas))
    assert alphas[-1] == pytest.approx(1e-2 * alphas[0])
    assert coefs.shape == (4, 4, 6)
    with pytest.raises(ValueError, match="no dual_norm"):
        alpha_max(MultiTaskRegressor(), X, y, tasks=tasks)


@pytest.mark.parametrize("penalty", ["l21", "lasso", "trace", "graph_l1"])
def test_alpha_max_is_where_the_solution_vanishes(data, penalty):
    X, y, tasks = data
    if penalty == "graph_l1":
        penalty = GraphPenalty(adjacency=np.ones((4, 4)), l1=0.5)
    elif penalty not in PENALTIES:
        pytest.skip(f"penalty {penalty!r} is not registered yet")
    estimator = MultiTaskRegressor(penalty=penalty, tol=1e-10, max_iter=20000)
    top = alpha_max(estimator, X, y, tasks=tasks)
    above = estimator.set_params(alpha=1.01 * top).fit(X, y, tasks=tasks)
    assert np.all(above.coef_ == 0)
    below = estimator.set_params(alpha=0.9 * top).fit(X, y, tasks=tasks)
    assert np.any(below.coef_ != 0)


def test_alpha_max_logistic(data):
    if "l21" not in PENALTIES:
        pytest.skip("penalty 'l21' is not registered yet")
    X, y, tasks = data
    labels = (y > np.median(y)).astype(int)
    estimator = MultiTaskClassifier(penalty="l21", tol=1e-10, max_iter=20000)
    top = alpha_max(estimator, X, labels, tasks=tasks)
    assert np.all(estimator.set_params(alpha=1.01 * top).fit(X, labels, tasks=tasks).coef_ == 0)
    assert np.any(estimator.set_params(alpha=0.9 * top).fit(X, labels, tasks=tasks).coef_ != 0)


def test_cv_matches_grid_search(data):
    X, y, tasks = data
    Xc = np.column_stack([X, tasks])
    alphas = np.geomspace(1.0, 1e-3, 8)
    mixes = [0.2, 0.6, 0.9]
    folds = KFold(4, shuffle=True, random_state=0)
    # normalize_y=False: the default score is then GridSearchCV's, the raw MSE (standardised: see below).
    cv = MultiTaskRegressorCV(
        penalty="mean", alphas=alphas, mixes=mixes, cv=folds, task_column=-1, normalize_y=False
    ).fit(Xc, y)
    search = GridSearchCV(
        MultiTaskRegressor(task_column=-1),
        {"alpha": alphas, "mix": mixes},
        cv=folds,
        scoring="neg_mean_squared_error",
    ).fit(Xc, y)
    assert cv.alpha_ == pytest.approx(search.best_params_["alpha"])
    assert cv.mix_ == pytest.approx(search.best_params_["mix"])
    np.testing.assert_allclose(cv.coef_, search.best_estimator_.coef_, rtol=1e-10)
    np.testing.assert_allclose(cv.predict(Xc), search.predict(Xc), rtol=1e-10)
    # Mean test MSE over the folds, grid (alpha, mix) in GridSearchCV's order.
    mean_mse = cv.mse_path_.mean(axis=-1)  # (n_mixes, n_alphas), alphas decreasing
    expected = -search.cv_results_["mean_test_score"].reshape(len(alphas), len(mixes))
    np.testing.assert_allclose(mean_mse.T, expected, rtol=1e-10)


def test_cv_with_tasks_equals_task_column(data):
    X, y, tasks = data
    folds = KFold(3, shuffle=True, random_state=1)
    by_column = MultiTaskRegressorCV(alphas=5, cv=folds, task_column=0).fit(np.column_stack([tasks, X]), y)
    by_labels = MultiTaskRegressorCV(alphas=5, cv=folds).fit(X, y, tasks=tasks)
    assert by_column.penalty_ == by_labels.penalty_ and by_column.mix_ == by_labels.mix_
    assert by_column.alpha_ == by_labels.alpha_
    np.testing.assert_allclose(by_column.scores_, by_labels.scores_, rtol=1e-12)
    np.testing.assert_allclose(by_column.coef_, by_labels.coef_)
    assert by_labels.scores_.shape == (len(DEFAULT_PENALTIES), len(DEFAULT_MIXES), 5, 3)  # penalty, mix, alpha, fold


def test_cv_group_folds_and_parallel(data):
    X, y, tasks = data
    groups = np.arange(len(y)) % 3
    with parallel_config(backend="threading"):
        model = MultiTaskRegressorCV(alphas=[1.0, 0.1], cv=GroupKFold(3), n_jobs=2)
        model.fit(X, y, tasks=tasks, groups=groups)
    assert model.scores_.shape == (len(DEFAULT_PENALTIES), len(DEFAULT_MIXES), 2, 3)  # penalty, mix, alpha, fold
    assert model.alpha_ in (1.0, 0.1)
    # Whole tasks held out: their rows are predicted by the shared model.
    held_out = MultiTaskRegressorCV(alphas=[1.0, 0.1], cv=GroupKFold(2), handle_unknown="shared")
    held_out.fit(X, y, tasks=tasks, groups=tasks)
    searched = np.isin(held_out.mixes_, PENALTY_MIXES["relationship"])  # "relationship" has NaN at the others
    assert np.all(np.isfinite(held_out.scores_[:2])) and np.all(np.isfinite(held_out.scores_[2, searched]))


def test_classifier_cv(data):
    X, y, tasks = data
    labels = np.where(y > np.median(y), "high", "low")
    model = MultiTaskClassifierCV(
        penalty="mean",
        mixes=[0.5],
        alphas=[1.0, 0.1, 0.01],
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="roc_auc",
    ).fit(X, labels, tasks=tasks)
    assert model.scores_.shape == (1, 3, 3)
    assert set(model.classes_) == {"high", "low"}
    assert model.predict_proba(X, tasks=tasks).shape == (len(y), 2)
    refit = MultiTaskClassifier(alpha=model.alpha_, mix=model.mix_, scale_features=True).fit(X, labels, tasks=tasks)
    np.testing.assert_allclose(model.coef_, refit.coef_)


def test_mixes_only_for_mean_penalty(data):
    X, y, tasks = data
    with pytest.raises(ValueError, match="mixes applies to penalties that take a mix.*penalty='ridge'"):
        MultiTaskRegressorCV(penalty="ridge", mixes=[0.1, 0.5]).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="alphas"):
        multitask_path(MultiTaskRegressor(), X, y, tasks=tasks, alphas=[1.0, -1.0])


def test_default_folds_keep_every_task_in_every_training_fold():
    # Rows sorted by task: unshuffled KFold would hold whole tasks out; the default must not.
    from mtlearn.model_selection import _folds

    X, y, tasks, _ = make_multitask_regression(n_tasks=6, n_samples=20, n_features=4, random_state=0)
    order = np.argsort(tasks, kind="stable")
    X, y, tasks = X[order], y[order], tasks[order]
    folds = _folds(None, X, y, tasks, None, classifier=False)
    assert len(folds) == 5
    for train, test in folds:
        assert set(tasks[train]) == set(range(6))
        assert set(tasks[test]) == set(range(6))
    model = MultiTaskRegressorCV(alphas=[1.0, 0.1]).fit(X, y, tasks=tasks)
    assert model.alpha_ in (1.0, 0.1)


# Per CV estimator: the plain estimator it refits, noisy data whose best α is inside the grid,
# the grid, and settings (a continuous test score for the classifier, a tight solver tolerance).
WEIGHT_CASES = {
    "regressor": (
        MultiTaskRegressorCV,
        MultiTaskRegressor,
        lambda: make_multitask_regression(n_tasks=3, n_samples=12, n_features=4, noise=2.0, random_state=0)[:3],
        {"penalty": "mean", "alphas": np.geomspace(3.0, 1e-3, 8), "mixes": [0.3, 0.9], "normalize_y": True},
    ),
    "classifier": (
        MultiTaskClassifierCV,
        MultiTaskClassifier,
        lambda: make_multitask_classification(n_tasks=3, n_samples=16, n_features=4, flip_y=0.1, random_state=0)[:3],
        {
            "penalty": "mean",
            "mixes": [0.5],
            "alphas": np.geomspace(1.0, 1e-2, 5),
            "scoring": "neg_log_loss",
            "tol": 1e-8,
            "max_iter": 20000,
            "scale_features": True,  # the classifier CV's default, passed to the plain estimator too
        },
    ),
}


@pytest.mark.parametrize("kind", list(WEIGHT_CASES))
def test_cv_weight_two_equals_duplicated_rows(kind):
    """Weight 2 on some rows gives the same test scores, α and model as duplicating those rows.

    The test scores do not use ``sample_weight`` (it is documented as used in
    the fits only), so a weighted row held out for testing would count once
    where its two copies count twice.  The folds therefore hold out the same
    unit-weight rows in both fits and keep the weighted rows, and their
    duplicates, in the training part of every fold.
    """
    cv_class, plain_class, make_data, params = WEIGHT_CASES[kind]
    X, y, tasks = make_data()
    n = len(y)
    heavy = np.arange(0, n, 4)  # rows of every task
    weight = np.where(np.isin(np.arange(n), heavy), 2.0, 1.0)
    light = np.setdiff1d(np.arange(n), heavy)
    tests = [light[k::3] for k in range(3)]
    folds = [(np.setdiff1d(np.arange(n), test), test) for test in tests]
    copies = np.arange(n, n + len(heavy))  # where the duplicated rows go in the duplicated data
    duplicated_folds = [(np.concatenate([train, copies]), test) for train, test in folds]

    weighted = cv_class(cv=folds, **params).fit(X, y, tasks=tasks, sample_weight=weight)
    duplicated = cv_class(cv=duplicated_folds, **params).fit(
        np.vstack([X, X[heavy]]), np.concatenate([y, y[heavy]]), tasks=np.concatenate([tasks, tasks[heavy]])
    )
    np.testing.assert_allclose(weighted.scores_, duplicated.scores_, rtol=1e-10)
    assert weighted.alpha_ == duplicated.alpha_
    assert 0 < list(weighted.alphas_).index(weighted.alpha_) < len(weighted.alphas_) - 1  # not a grid end
    np.testing.assert_allclose(weighted.coef_, duplicated.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weighted.intercept_, duplicated.intercept_, rtol=1e-10, atol=1e-12)

    # The weights matter: without them the test scores are others.
    unweighted = cv_class(cv=folds, **params).fit(X, y, tasks=tasks)
    assert np.max(np.abs(unweighted.scores_ - weighted.scores_)) > 1e-3

    # The refit is the plain estimator at the chosen (α, mix) with the same weights.
    plain_params = {name: value for name, value in params.items() if name in plain_class().get_params()}
    plain = plain_class(alpha=weighted.alpha_, mix=weighted.mix_, **plain_params)
    plain.fit(X, y, tasks=tasks, sample_weight=weight)
    np.testing.assert_allclose(weighted.coef_, plain.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weighted.intercept_, plain.intercept_, rtol=1e-10, atol=1e-12)


# The squared loss with "mean" or "ridge": every fold's (mix, α) grid is solved exactly from one
# set of per-task spectra of the fold's training rows (no fit per grid point).
def _weighted_tasks(n_tasks, n_samples, n_features, seed):
    X, y, tasks, _ = make_multitask_regression(
        n_tasks=n_tasks, n_samples=n_samples, n_features=n_features, noise=1.0, random_state=seed
    )
    weight = np.random.default_rng(seed).uniform(0.5, 2.0, len(y))
    return np.column_stack([X, tasks]), y, weight


EXACT_CASES = {
    # (data, CV parameters): task labels as the last column of X, sample weights used in the fits.
    "mean, weighted": (
        lambda: _weighted_tasks(4, 30, 6, 0),
        {"penalty": "mean", "mixes": [0.0, 0.5, 0.999], "scoring": "neg_mean_squared_error"},
    ),
    "mean, fewer rows than features, r2": (
        lambda: _weighted_tasks(5, 9, 12, 1),
        {"penalty": "mean", "mixes": [0.2, 0.9], "scoring": "r2"},
    ),
    "ridge": (lambda: _weighted_tasks(3, 25, 5, 2), {"penalty": "ridge", "scoring": None}),
}


@pytest.fixture
def count_fits(monkeypatch):
    calls = []
    fit = MultiTaskRegressor.fit

    def counted(self, *args, **kwargs):
        calls.append(type(self))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(MultiTaskRegressor, "fit", counted)
    return calls


@pytest.mark.parametrize("case", list(EXACT_CASES))
def test_exact_fold_scores_equal_the_scores_of_fitted_models(case, count_fits):
    from sklearn.metrics import check_scoring

    make_data, params = EXACT_CASES[case]
    Xc, y, weight = make_data()
    alphas = np.geomspace(10.0, 1e-3, 6)
    folds = list(KFold(3, shuffle=True, random_state=0).split(Xc))
    cv = MultiTaskRegressorCV(alphas=alphas, cv=folds, task_column=-1, **params).fit(Xc, y, sample_weight=weight)
    assert count_fits == [MultiTaskRegressor]  # the refit only: the folds were solved from their spectra
    mixes = params.get("mixes", [0.5])
    scores = cv.scores_ if "mixes" in params else cv.scores_[None]
    scorer = None if params["scoring"] is None else check_scoring(MultiTaskRegressor(), params["scoring"])
    expected = np.empty((len(mixes), len(alphas), len(folds)))
    for k, (train, test) in enumerate(folds):
        for i, mix in enumerate(mixes):
            for j, alpha in enumerate(alphas):
                model = MultiTaskRegressor(
                    penalty=params["penalty"], alpha=alpha, mix=mix, task_column=-1, normalize_y=True
                )
                model.fit(Xc[train], y[train], sample_weight=weight[train])
                if scorer is None:  # the default: standardised by each task's weighted training spread
                    tasks = Xc[:, -1]
                    scale = _weighted_task_std(y[train], tasks[train], weight[train], tasks[test])
                    expected[i, j, k] = -np.mean(((y[test] - model.predict(Xc[test])) / scale) ** 2)
                else:
                    expected[i, j, k] = scorer(model, Xc[test], y[test])
    np.testing.assert_allclose(scores, expected, rtol=1e-8)


def _weighted_task_std(y_train, tasks_train, weight_train, tasks_test):
    """Each test row's task's weighted standard deviation of the training targets, by a loop over the tasks."""
    scale = np.empty(len(tasks_test))
    for task in np.unique(tasks_test):
        rows = tasks_train == task
        mean = np.sum(weight_train[rows] * y_train[rows]) / np.sum(weight_train[rows])
        variance = np.sum(weight_train[rows] * (y_train[rows] - mean) ** 2) / np.sum(weight_train[rows])
        scale[tasks_test == task] = np.sqrt(variance)
    return scale


def test_exact_fold_scores_on_a_shared_design(count_fits):
    X, y, _ = make_multitask_regression(n_tasks=3, n_samples=40, n_features=5, random_state=3)[:3]
    Y = np.column_stack([y, 0.5 * y + X[:, 0], X @ np.arange(5.0)])  # three targets on the same rows
    alphas, mixes = [1.0, 0.1, 0.01], [0.0, 0.7]
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    cv = MultiTaskRegressorCV(penalty="mean", alphas=alphas, mixes=mixes, cv=folds).fit(X, Y)
    assert count_fits == [MultiTaskRegressor]
    for k, (train, test) in enumerate(folds):
        for i, mix in enumerate(mixes):
            for j, alpha in enumerate(alphas):
                model = MultiTaskRegressor(alpha=alpha, mix=mix, normalize_y=True).fit(X[train], Y[train])
                # The default score: each column's error over its standard deviation on the training rows.
                mse = np.mean(((model.predict(X[test]) - Y[test]) / Y[train].std(axis=0)) ** 2)
                np.testing.assert_allclose(cv.mse_path_[i, j, k], mse, rtol=1e-8)


def test_exact_path_models_are_those_of_a_fit(data):
    from mtlearn._base import FittedPath

    X, y, tasks = data
    weight = np.linspace(0.5, 2.0, len(y))
    base = MultiTaskRegressor(task_weights=[1.0, 2.0, 0.5, 1.0], handle_unknown="shared")
    path = FittedPath(base, X, y, tasks, weight)
    for mix, alpha in [(0.0, 1.0), (0.5, 0.1), (0.95, 0.01)]:
        model = path.fitted(mix=mix, alpha=alpha, certify=False)
        fitted = MultiTaskRegressor(**{**base.get_params(), "alpha": alpha, "mix": mix})
        fitted.fit(X, y, tasks=tasks, sample_weight=weight)
        assert model.get_params() == fitted.get_params()
        for name, value in vars(fitted).items():
            if name in ("certificate_", "objective_"):  # the fold models are scored, not certified
                continue
            assert name in vars(model), name
            if isinstance(value, (np.ndarray, float)):
                np.testing.assert_allclose(getattr(model, name), value, rtol=1e-10, atol=1e-14, err_msg=name)
            elif not name.startswith("_") or name == "_shared_design":
                assert getattr(model, name) == value, name
        new_tasks = np.where(tasks == 0, 9, tasks)  # task 9 unseen: the shared model
        np.testing.assert_allclose(model.predict(X, tasks=new_tasks), fitted.predict(X, tasks=new_tasks), rtol=1e-10)


def test_solver_is_exact_only_for_the_exact_fits(data):
    from mtlearn.solvers import choose_method
    from mtlearn.solvers._solve import ExactSpectral, HingeDual, ProximalGradient, ProximalNewton

    X, y, tasks = data
    labels = (y > np.median(y)).astype(int)
    for estimator, target, method in [
        (MultiTaskRegressor(penalty="mean"), y, ExactSpectral),
        (MultiTaskRegressor(penalty="ridge"), y, ExactSpectral),
        (MultiTaskRegressor(penalty=GraphPenalty(adjacency=np.ones((4, 4)))), y, ProximalGradient),
        (MultiTaskClassifier(penalty="mean"), labels, ProximalNewton),
        (MultiTaskClassifier(loss="hinge", penalty="mean"), labels, HingeDual),
        (MultiTaskRegressor(penalty="l21"), y, ProximalGradient),
    ]:
        problems = estimator._training_problems(X, target, tasks, None)[2]
        assert all(choose_method(problem) is method for problem in problems)


@pytest.mark.parametrize(
    ("penalty", "penalty_grid"),
    [("dirty", {"l1_ratio": [0.2, 0.3, 0.45]}), (ClusterPenalty(), {"n_clusters": [1, 2, 3]})],
)
def test_cv_over_the_penalty_parameters_is_grid_search(data, penalty, penalty_grid):
    """penalty_grid searches the penalty's own parameter with α: the choice and scores of GridSearchCV."""
    X, y, tasks = data
    Xc = np.column_stack([X, tasks])
    alphas = [0.3, 0.05, 0.01]
    folds = KFold(3, shuffle=True, random_state=0)
    tight = dict(tol=1e-10, max_iter=100_000, normalize_y=False)  # the default score is then GridSearchCV's
    cv = MultiTaskRegressorCV(
        penalty=penalty, penalty_grid=penalty_grid, alphas=alphas, cv=folds, task_column=-1, **tight
    ).fit(Xc, y)
    base = MultiTaskRegressor(penalty=penalty, task_column=-1, **tight)
    grid = {"alpha": alphas, **{f"penalty__{name}": values for name, values in penalty_grid.items()}}
    if isinstance(penalty, str):
        base.set_params(penalty=PENALTIES[penalty](0.5))
    search = GridSearchCV(base, grid, cv=folds, scoring="neg_mean_squared_error").fit(Xc, y)
    assert cv.alpha_ == pytest.approx(search.best_params_["alpha"])
    (name,) = penalty_grid
    assert cv.penalty_.get_params()[name] == search.best_params_[f"penalty__{name}"]
    # Mean test MSE: cv (candidate, alpha) against GridSearchCV's (alpha, candidate) order.
    values = penalty_grid[name]
    expected = -search.cv_results_["mean_test_score"].reshape(len(alphas), len(values))
    np.testing.assert_allclose(cv.mse_path_.mean(axis=-1), expected.T, rtol=1e-7)
    np.testing.assert_allclose(cv.coef_, search.best_estimator_.coef_, rtol=1e-6, atol=1e-8)


def test_penalty_grid_names_only_the_penalty_parameters(data):
    X, y, tasks = data
    with pytest.raises(ValueError, match=r"penalty_grid names \['l2'\].*DirtyPenalty.*\['l1_ratio'\]"):
        MultiTaskRegressorCV(penalty="dirty", penalty_grid={"l2": [1.0]}, alphas=3).fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="n_clusters"):
        MultiTaskRegressorCV(penalty="cluster", penalty_grid={"n_clusters": [0]}, alphas=3).fit(X, y, tasks=tasks)


@pytest.mark.parametrize("estimator", [MultiTaskRegressorCV, MultiTaskClassifierCV])
def test_cv_refit_with_another_penalty_drops_the_task_covariance(data, estimator):
    """The relationship penalty's fitted attributes are those of the refit; a refit with another penalty has none."""
    X, y, tasks = data
    regression = estimator is MultiTaskRegressorCV
    target = y if regression else (y > np.median(y)).astype(int)
    # coef_ in the units the penalty saw (the covariance is of the scaled weights otherwise)
    units = {"normalize_y": False} if regression else {"scale_features": False}
    model = estimator(penalty="relationship", mixes=[0.5], alphas=[0.1], cv=3, **units).fit(X, target, tasks=tasks)
    expected = RelationshipPenalty(mix=0.5).fitted_attributes(model.coef_)
    np.testing.assert_allclose(model.task_covariance_, expected["task_covariance_"], atol=1e-12)
    np.testing.assert_allclose(model.task_similarity_, expected["task_similarity_"], atol=1e-12)
    model.set_params(penalty="ridge", mixes=None).fit(X, target, tasks=tasks)
    assert not hasattr(model, "task_covariance_") and not hasattr(model, "task_similarity_")


def _by_label_problem():
    """Three tasks by label whose targets differ in scale, and three fixed (train, test) folds."""
    X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_samples=24, n_features=4, noise=0.5, random_state=4)
    y = y * np.array([1.0, 10.0, 0.1])[tasks] + 5.0 * tasks
    rows = np.arange(len(y))
    return X, y, tasks, [(rows[rows % 3 != k], rows[rows % 3 == k]) for k in range(3)]


def test_default_regressor_score_is_the_standardised_test_error():
    """scores_: −mean over the test rows of ((y − ŷ) / σ_t)², σ_t the std of task t's training targets."""
    X, y, tasks, folds = _by_label_problem()
    alphas, mixes = [1.0, 0.1, 0.01], [0.0, 0.5, 0.99]
    cv = MultiTaskRegressorCV(penalty="mean", alphas=alphas, mixes=mixes, cv=folds).fit(X, y, tasks=tasks)
    expected = np.empty((len(mixes), len(alphas), len(folds)))
    for k, (train, test) in enumerate(folds):
        scale = np.array([np.std(y[train][tasks[train] == t]) for t in range(3)])[tasks[test]]
        for i, mix in enumerate(mixes):
            for j, alpha in enumerate(alphas):
                model = MultiTaskRegressor(penalty="mean", alpha=alpha, mix=mix, normalize_y=True)
                model.fit(X[train], y[train], tasks=tasks[train])
                expected[i, j, k] = -np.mean(((y[test] - model.predict(X[test], tasks=tasks[test])) / scale) ** 2)
    np.testing.assert_allclose(cv.scores_, expected, rtol=1e-8)
    np.testing.assert_allclose(cv.mse_path_, -expected, rtol=1e-8)
    # normalize_y=False keeps the raw mean squared error.
    raw = MultiTaskRegressorCV(penalty="mean", alphas=alphas, mixes=[0.5], cv=folds, normalize_y=False)
    raw.fit(X, y, tasks=tasks)
    for k, (train, test) in enumerate(folds):
        model = MultiTaskRegressor(penalty="mean", alpha=alphas[1], mix=0.5).fit(X[train], y[train], tasks=tasks[train])
        mse = np.mean((y[test] - model.predict(X[test], tasks=tasks[test])) ** 2)
        np.testing.assert_allclose(raw.mse_path_[0, 1, k], mse, rtol=1e-8)


def test_default_regressor_choice_does_not_depend_on_a_task_unit():
    """One task's targets in units 1000 times smaller: the same (penalty, mix, α) and fits in its units."""
    X, y, tasks, folds = _by_label_problem()
    alphas = np.geomspace(1.0, 1e-3, 6)
    in_milli = np.where(tasks == 0, 1000.0 * y, y)
    cv = MultiTaskRegressorCV(alphas=alphas, cv=folds, tol=1e-10, max_iter=20_000)
    given = clone(cv).fit(X, y, tasks=tasks)
    scaled = clone(cv).fit(X, in_milli, tasks=tasks)
    assert (scaled.penalty_, scaled.mix_, scaled.alpha_) == (given.penalty_, given.mix_, given.alpha_)
    # Every score but those of the pooled end, whose one intercept for all the tasks standardises
    # the targets by one pooled scale (a change of unit of one task changes that fit).
    unit_free = np.ones(given.scores_.shape[:2], dtype=bool)
    unit_free[DEFAULT_PENALTIES.index("mean"), list(DEFAULT_MIXES).index(1.0)] = False
    np.testing.assert_allclose(scaled.scores_[unit_free], given.scores_[unit_free], rtol=1e-6)
    units = np.where(tasks == 0, 1000.0, 1.0)
    np.testing.assert_allclose(scaled.predict(X, tasks=tasks), units * given.predict(X, tasks=tasks), rtol=1e-6)


def test_standardised_score_of_a_task_without_training_rows():
    """A test task the fold did not train on: its errors divided by the pooled (mean_t σ_t²)^½."""
    X, y, tasks, _ = _by_label_problem()
    rows = np.arange(len(y))
    folds = [(rows[tasks != 2], rows[tasks != 0]), (rows[tasks != 0], rows[tasks != 1])]
    cv = MultiTaskRegressorCV(penalty="mean", alphas=[0.1], mixes=[0.5], cv=folds, handle_unknown="shared")
    cv.fit(X, y, tasks=tasks)
    for k, (train, test) in enumerate(folds):
        model = MultiTaskRegressor(penalty="mean", alpha=0.1, mix=0.5, normalize_y=True, handle_unknown="shared")
        model.fit(X[train], y[train], tasks=tasks[train])
        trained = np.unique(tasks[train])
        spread = {t: np.std(y[train][tasks[train] == t]) for t in trained}
        pooled = np.sqrt(np.mean([spread[t] ** 2 for t in trained]))
        scale = np.array([spread.get(t, pooled) for t in tasks[test]])
        mse = np.mean(((y[test] - model.predict(X[test], tasks=tasks[test])) / scale) ** 2)
        np.testing.assert_allclose(cv.mse_path_[0, 0, k], mse, rtol=1e-8)
