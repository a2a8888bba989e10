"""One intercept shared by the tasks (``intercept_sharing="shared"``): fits, paths, certificates, the CV grid.

References, all independent of mtlearn's solvers:

- the pooled end (``penalty="mean"``, ``mix=1``, shared intercept) is one
  scikit-learn ``Ridge`` / ``LogisticRegression`` on all the rows;
- a mean-regularised model with a shared intercept is one single-task model
  with one intercept on the augmented rows of :mod:`tests._augmented`;
- the other penalties and the hinge loss against cvxpy (Clarabel) on the
  objective written out here, with one scalar intercept b:

      F(W, b) = Σ_t (1/n_t) Σ_{i in t} ℓ(y_i, x_iᵀ w_t + b) + α Ω(W).
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier

from mtlearn import (
    GraphPenalty,
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from mtlearn._base import FittedPath
from tests._augmented import augment, make_tasks, per_task_mean_weights, task_weights_from_augmented

TIGHT = {"tol": 1e-10, "max_iter": 100_000}


def _pooled_weights(tasks):
    """Task weights ρ_t = n_t / mean n_t: each row then weighs 1/mean n_t, as in one fit of all the rows."""
    counts = np.bincount(tasks)
    return counts / counts.mean()


@pytest.mark.parametrize("normalize_y", [False, True])
def test_pooled_end_of_the_regressor_is_ridge_on_all_rows(normalize_y):
    X, y, tasks = make_tasks(0)
    y = y + 5.0 * tasks  # task offsets a per-task intercept would absorb
    alpha, N = 0.03, len(y)
    model = MultiTaskRegressor(
        penalty="mean",
        mix=1.0,
        alpha=alpha,
        intercept_sharing="shared",
        task_weights=_pooled_weights(tasks),
        normalize_y=normalize_y,
        **TIGHT,
    ).fit(X, y, tasks=tasks)
    # Σ_i (1/n̄) ½ r_i² + α (T/2) ‖w‖²  =  (1/(2 n̄)) [Σ r² + α T n̄ ‖w‖²]:  Ridge with alpha = α N.
    reference = Ridge(alpha=alpha * N).fit(X, y)
    np.testing.assert_allclose(model.coef_, np.tile(reference.coef_, (3, 1)), atol=1e-10)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-10)
    np.testing.assert_allclose(model.predict(X, tasks=tasks), reference.predict(X), atol=1e-9)
    assert model.certificate_ <= 1e-10


def test_pooled_end_of_the_classifier_is_logistic_regression_on_all_rows():
    X, y, tasks = make_tasks(1, classification=True)
    alpha, N = 0.02, len(y)
    model = MultiTaskClassifier(
        penalty="mean", mix=1.0, alpha=alpha, intercept_sharing="shared", task_weights=_pooled_weights(tasks), **TIGHT
    ).fit(X, y, tasks=tasks)
    reference = LogisticRegression(C=1.0 / (alpha * N), tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(model.coef_, np.tile(reference.coef_, (3, 1)), atol=1e-7)
    np.testing.assert_allclose(model.intercept_, reference.intercept_[0], atol=1e-7)


def test_multiclass_shared_intercepts_are_one_vs_rest_logistic_regression():
    X, y, tasks = make_tasks(2)
    labels = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    alpha, N = 0.02, len(y)
    model = MultiTaskClassifier(
        penalty="mean", mix=1.0, alpha=alpha, intercept_sharing="shared", task_weights=_pooled_weights(tasks), **TIGHT
    ).fit(X, labels, tasks=tasks)
    reference = OneVsRestClassifier(LogisticRegression(C=1.0 / (alpha * N), tol=1e-12, max_iter=10_000))
    reference.fit(X, labels)
    for k, binary in enumerate(reference.estimators_):
        np.testing.assert_allclose(model.coef_[:, k], np.tile(binary.coef_[0], (3, 1)), atol=1e-7)
        np.testing.assert_allclose(model.intercept_[:, k], binary.intercept_[0], atol=1e-7)


@pytest.mark.parametrize("mix", [0.0, 0.4, 0.9])
@pytest.mark.parametrize("n_features", [4, 40])  # the second: fewer rows per task than features (dual form)
def test_mean_regularised_fit_and_path_with_a_shared_intercept_match_ridge_on_augmented_rows(mix, n_features):
    X, y, tasks = make_tasks(3, n_per_task=(12, 20, 9), n_features=n_features)
    y = y + 3.0 * tasks
    estimator = MultiTaskRegressor(penalty="mean", mix=mix, intercept_sharing="shared", **TIGHT)
    path = FittedPath(estimator, X, y, tasks)
    Z = augment(X, tasks, 3, mix)
    for alpha in (1.0, 0.1, 0.01):
        reference = Ridge(alpha=alpha).fit(Z, y, sample_weight=per_task_mean_weights(tasks, 3))
        expected = task_weights_from_augmented(reference.coef_, 3, n_features, mix)
        for model in (estimator.set_params(alpha=alpha).fit(X, y, tasks=tasks), path.fitted(alpha=alpha)):
            np.testing.assert_allclose(model.coef_, expected, atol=1e-8)
            np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-8)
            assert model.certificate_ <= 1e-9


def test_logistic_mean_regularised_shared_intercept_matches_logistic_regression_on_augmented_rows():
    X, y, tasks = make_tasks(4, classification=True)
    alpha, mix = 0.05, 0.7
    model = MultiTaskClassifier(penalty="mean", mix=mix, alpha=alpha, intercept_sharing="shared", **TIGHT)
    model.fit(X, y, tasks=tasks)
    Z = augment(X, tasks, 3, mix)
    # Σ s_i ℓ_i + (α/2)‖u‖² with s_i = 1/n_t: LogisticRegression's C = 1/α.
    reference = LogisticRegression(C=1.0 / alpha, tol=1e-12, max_iter=10_000)
    reference.fit(Z, y, sample_weight=per_task_mean_weights(tasks, 3))
    np.testing.assert_allclose(model.coef_, task_weights_from_augmented(reference.coef_, 3, 4, mix), atol=1e-6)
    np.testing.assert_allclose(model.intercept_, reference.intercept_[0], atol=1e-6)


cp = pytest.importorskip("cvxpy")


def _conic_optimum(X, y, tasks, loss, alpha, term, average=True):
    """F* with one intercept b for every task, by Clarabel."""
    T, p = tasks.max() + 1, X.shape[1]
    W, b = cp.Variable((T, p)), cp.Variable()
    data = 0
    for t in range(T):
        rows = tasks == t
        f = X[rows] @ W[t] + b
        weight = 1.0 / rows.sum() if average else 1.0
        if loss == "squared_error":
            data = data + weight * cp.sum_squares(f - y[rows]) / 2
        elif loss == "logistic":
            data = data + weight * cp.sum(cp.logistic(-cp.multiply(y[rows], f)))
        else:
            data = data + weight * cp.sum(cp.pos(1 - cp.multiply(y[rows], f)))
    problem = cp.Problem(cp.Minimize(data + alpha * term(W)))
    problem.solve(solver=cp.CLARABEL)
    assert problem.status == "optimal", problem.status
    return problem.value


def _objective(X, y, tasks, loss, alpha, model, average=True):
    from mtlearn.penalties import make_penalty

    f = np.einsum("ij,ij->i", X, model.coef_[tasks]) + model.intercept_[tasks]
    if loss == "squared_error":
        pointwise = 0.5 * (y - f) ** 2
    elif loss == "logistic":
        pointwise = np.logaddexp(0.0, -y * f)
    else:
        pointwise = np.maximum(0.0, 1.0 - y * f)
    weight = 1.0 / np.bincount(tasks)[tasks] if average else 1.0
    return float(np.sum(weight * pointwise)) + alpha * make_penalty(model.penalty, mix=model.mix).value(model.coef_)


def _zero_objective(y, tasks, loss):
    """F₀ with one intercept: the best constant of all the rows weighted by 1/n_t (closed form)."""
    weight = 1.0 / np.bincount(tasks)[tasks]
    if loss == "squared_error":
        centre = np.dot(weight, y) / weight.sum()
        return float(np.sum(weight * 0.5 * (y - centre) ** 2))
    positive = np.dot(weight, y > 0) / weight.sum()
    b = np.log(positive / (1 - positive))
    return float(np.sum(weight * np.logaddexp(0.0, -y * b)))


A = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
CONIC_CASES = {
    "l21": ("l21", lambda W: cp.sum(cp.norm(W, 2, axis=0))),
    "lasso": ("lasso", lambda W: cp.sum(cp.abs(W))),
    "trace": ("trace", lambda W: cp.normNuc(W)),
    "graph-ridge": (
        GraphPenalty(adjacency=A, ridge=0.5),
        lambda W: 0.5 * (cp.sum_squares(W[0] - W[1]) + 2 * cp.sum_squares(W[1] - W[2])) + 0.25 * cp.sum_squares(W),
    ),
}


@pytest.mark.parametrize("loss", ["squared_error", "logistic"])
@pytest.mark.parametrize("name", list(CONIC_CASES))
def test_shared_intercept_fit_is_certified_against_a_conic_solver(loss, name):
    X, y, tasks = make_tasks(5, classification=loss == "logistic")
    y = y + (2.0 * tasks if loss == "squared_error" else 0.0)
    penalty, term = CONIC_CASES[name]
    alpha, tol = 0.05, 1e-5
    estimator = MultiTaskRegressor if loss == "squared_error" else MultiTaskClassifier
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = estimator(penalty=penalty, alpha=alpha, intercept_sharing="shared", tol=tol, max_iter=20_000)
        model.fit(X, y, tasks=tasks)
    assert np.ptp(model.intercept_) == 0.0
    value = _objective(X, y, tasks, loss, alpha, model)
    assert value == pytest.approx(model.objective_, rel=1e-9)
    optimum = _conic_optimum(X, y, tasks, loss, alpha, term)
    F0 = _zero_objective(y, tasks, loss)
    slack = 1e-6 * F0
    assert (value - optimum) / F0 <= model.certificate_ + slack / F0
    assert value - optimum <= tol * F0 + slack


def test_linear_svc_with_a_shared_intercept_is_certified_against_a_conic_solver():
    X, y, tasks = make_tasks(6, classification=True)
    C, mix = 0.5, 0.6
    model = MultiTaskLinearSVC(C=C, mix=mix, intercept_sharing="shared", tol=1e-6, max_iter=100_000)
    model.fit(X, y, tasks=tasks)
    T = 3

    def mean_term(W):
        mean = cp.sum(W, axis=0) / T
        deviations = W - cp.reshape(mean, (1, W.shape[1]), order="C")
        return 0.5 * (cp.sum_squares(deviations) / (1 - mix) + T * cp.sum_squares(mean))

    optimum = _conic_optimum(X, y, tasks, "hinge", 1.0 / C, mean_term, average=False)
    value = _objective(X, y, tasks, "hinge", 1.0 / C, model, average=False)
    assert np.ptp(model.intercept_) == 0.0
    assert value == pytest.approx(model.objective_, rel=1e-9)
    # F₀: at W = 0 the hinge of all the rows is piecewise linear in b with its kinks at b = ±1.
    F0 = min(np.sum(np.maximum(0.0, 1.0 - y * b)) for b in (-1.0, 1.0))
    slack = 1e-6 * F0
    assert (value - optimum) / F0 <= model.certificate_ + slack / F0
    assert value - optimum <= 1e-6 * F0 + slack


def test_unseen_tasks_get_the_shared_intercept():
    X, y, tasks = make_tasks(7)
    model = MultiTaskRegressor(penalty="mean", mix=1.0, alpha=0.1, intercept_sharing="shared", handle_unknown="shared")
    model.fit(X, y, tasks=tasks)
    np.testing.assert_allclose(model.predict(X[:5], tasks=[99] * 5), model.predict(X[:5], tasks=[0] * 5))


def test_per_task_target_scaling_is_pooled_with_a_shared_intercept():
    X, y, tasks = make_tasks(8)
    y = y * np.array([1.0, 10.0, 100.0])[tasks]
    model = MultiTaskRegressor(alpha=0.1, intercept_sharing="shared", normalize_y=True).fit(X, y, tasks=tasks)
    weight = 1.0 / np.bincount(tasks)[tasks]
    mean = np.dot(weight, y) / weight.sum()
    np.testing.assert_allclose(model.target_mean_, mean)
    np.testing.assert_allclose(model.target_scale_, np.sqrt(np.dot(weight, (y - mean) ** 2) / weight.sum()))


def test_refusals_name_the_parameter():
    X, y, tasks = make_tasks(9)
    with pytest.raises(ValueError, match="intercept_sharing"):
        MultiTaskRegressor(intercept_sharing="pooled").fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="intercept_sharing='shared'"):
        MultiTaskRegressor(intercept_sharing="shared").partial_fit(X, y, tasks=tasks)
    with pytest.raises(ValueError, match="shared intercept"):
        MultiTaskRegressor(penalty=GraphPenalty(adjacency=A), intercept_sharing="shared").fit(X, y, tasks=tasks)


@pytest.mark.filterwarnings("ignore::mtlearn.model_selection.GridEdgeWarning")
def test_cv_grid_shares_the_intercept_at_its_pooled_end_only():
    X, y, tasks = make_tasks(10)
    y = y + 4.0 * tasks
    weights = _pooled_weights(tasks)
    alphas = [0.3, 0.03]
    pooled = MultiTaskRegressorCV(penalty="mean", mixes=[1.0], alphas=alphas, cv=3, task_weights=weights)
    pooled.fit(X, y, tasks=tasks)
    assert pooled.intercept_sharing_ == "shared"
    reference = Ridge(alpha=pooled.alpha_ * len(y)).fit(X, y)
    np.testing.assert_allclose(pooled.predict(X, tasks=tasks), reference.predict(X), atol=1e-8)
    inner = MultiTaskRegressorCV(penalty="mean", mixes=[0.0, 0.5], alphas=alphas, cv=3).fit(X, y, tasks=tasks)
    assert inner.intercept_sharing_ == "per_task"
    assert np.ptp(inner.intercept_) > 1.0
    kept = MultiTaskRegressorCV(penalty="mean", mixes=[1.0], alphas=alphas, cv=3, intercept_sharing="per_task")
    assert kept.fit(X, y, tasks=tasks).intercept_sharing_ == "per_task"
    assert np.ptp(kept.intercept_) > 1.0


@pytest.mark.filterwarnings("ignore::mtlearn.model_selection.GridEdgeWarning")
def test_cv_pooled_point_scores_are_those_of_the_pooled_baseline():
    X, y, tasks = make_tasks(11, classification=True)
    folds = [(np.flatnonzero(np.arange(len(y)) % 3 != k), np.flatnonzero(np.arange(len(y)) % 3 == k)) for k in range(3)]
    weights = _pooled_weights(tasks)
    alphas = np.array([0.1, 0.01])
    model = MultiTaskClassifierCV(
        penalty=["mean", "l21"],
        mixes=[0.5, 1.0],
        alphas=alphas,
        cv=folds,
        task_weights=weights,
        tol=1e-10,
        scale_features=False,  # the reference fits the features as given
    )
    model.fit(X, y, tasks=tasks)
    for j, alpha in enumerate(model.alphas_[0]):
        for k, (train, test) in enumerate(folds):
            # Entry weights ρ_t / n_t on the fold's rows, and α (T/2) ‖w‖² at mix = 1: C = 1/(α T).
            counts = np.bincount(tasks[train], minlength=3)
            sample_weight = (weights / counts)[tasks[train]]
            reference = LogisticRegression(C=1.0 / (alpha * 3), tol=1e-12, max_iter=10_000)
            reference.fit(X[train], y[train], sample_weight=sample_weight)
            probability = np.clip(reference.predict_proba(X[test])[:, 1], 1e-15, 1 - 1e-15)
            positive = y[test] > 0
            expected = np.mean(np.where(positive, np.log(probability), np.log1p(-probability)))
            assert model.scores_[0, 1, j, k] == pytest.approx(expected, abs=1e-4)


@pytest.mark.filterwarnings("ignore::mtlearn.model_selection.GridEdgeWarning")
def test_classifier_cv_grid_shares_the_intercept_from_mix_0_9_on():
    """The classifier's "auto": one intercept at mix ≥ 0.9 of "mean" (scores of LogisticRegression), per task below.

    With one intercept, a mean-regularised fit is scikit-learn's
    ``LogisticRegression(C=1/α)`` on the augmented rows of
    :mod:`tests._augmented` with sample weights 1/n_t; at mix = 0.5 the fold
    scores are those of per-task intercepts, which that reference does not give.
    """
    X, y, tasks = make_tasks(12, classification=True)
    folds = [(np.flatnonzero(np.arange(len(y)) % 3 != k), np.flatnonzero(np.arange(len(y)) % 3 == k)) for k in range(3)]
    mixes, alphas = [0.5, 0.9, 0.99], np.array([0.1, 0.01])
    common = {"penalty": "mean", "alphas": alphas, "cv": folds, "scale_features": False, **TIGHT}
    model = MultiTaskClassifierCV(mixes=mixes, **common).fit(X, y, tasks=tasks)
    for i, mix in enumerate(mixes):
        for j, alpha in enumerate(alphas):
            for k, (train, test) in enumerate(folds):
                reference = LogisticRegression(C=1.0 / alpha, tol=1e-12, max_iter=10_000)
                reference.fit(
                    augment(X[train], tasks[train], 3, mix),
                    y[train],
                    sample_weight=per_task_mean_weights(tasks[train], 3),
                )
                probability = reference.predict_proba(augment(X[test], tasks[test], 3, mix))[:, 1]
                shared = np.mean(np.where(y[test] > 0, np.log(probability), np.log1p(-probability)))
                per_task = MultiTaskClassifier(penalty="mean", mix=mix, alpha=alpha, **TIGHT)
                per_task.fit(X[train], y[train], tasks=tasks[train])
                probability = per_task.predict_proba(X[test], tasks=tasks[test])[:, 1]
                own = np.mean(np.where(y[test] > 0, np.log(probability), np.log1p(-probability)))
                assert abs(shared - own) > 1e-3  # the two sharings are told apart on these data
                expected = shared if mix >= 0.9 else own
                assert model.scores_[i, j, k] == pytest.approx(expected, abs=1e-6)
    for mix, sharing in [(0.5, "per_task"), (0.9, "shared")]:
        chosen = MultiTaskClassifierCV(mixes=[mix], **common).fit(X, y, tasks=tasks)
        assert chosen.intercept_sharing_ == sharing
        assert (np.ptp(chosen.intercept_) == 0.0) == (sharing == "shared")
    # The regressor and the hinge losses keep per-task intercepts below mix = 1.
    regressor = MultiTaskRegressorCV(penalty="mean", mixes=[0.9], alphas=alphas, cv=folds)
    assert regressor.fit(X, y, tasks=tasks).intercept_sharing_ == "per_task"
    hinge = MultiTaskClassifierCV(loss="hinge", mixes=[0.9], **common).fit(X, y, tasks=tasks)
    assert hinge.intercept_sharing_ == "per_task"
    assert np.ptp(hinge.intercept_) > 0.0
