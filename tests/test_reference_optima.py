"""The sparse and spectral penalties reproduce the known optima of ``reference_small.mat``.

The optima (MALSAR, confirmed by an independent solver) are listed in
``shared/datasets/README.md``.  MALSAR's least-squares rows sum the squared
errors, which is mtlearn's per-task mean with task weights ρ_t = n_t; the
logistic rows average each task's loss (ρ_t = 1) with free intercepts.  The
objective is recomputed here with plain NumPy from ``coef_`` and ``intercept_``.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.io import loadmat

from mtlearn import L21Penalty, MultiTaskClassifier, MultiTaskRegressor

# A copy of shared/datasets/reference_small.mat (the optima are listed in shared/datasets/README.md).
DATA = Path(__file__).resolve().parent / "data" / "reference_small.mat"
TOL = 1e-10


@pytest.fixture(scope="module")
def reference():
    mat = loadmat(DATA, mat_dtype=True)
    n_tasks = mat["X"].shape[1]
    X = [mat["X"][0, t] for t in range(n_tasks)]
    y = [mat["Y"][0, t].ravel() for t in range(n_tasks)]
    ybin = [mat["Ybin"][0, t].ravel() for t in range(n_tasks)]
    tasks = np.concatenate([np.full(len(yt), t) for t, yt in enumerate(y)])
    return X, y, ybin, tasks


# Penalties of the MALSAR table, on W of shape (n_tasks, n_features) (MALSAR's Wᵀ).
def l21_norm(W):
    return np.sum(np.linalg.norm(W, axis=0))


def trace_norm(W):
    return np.sum(np.linalg.svd(W, compute_uv=False))


def l1_norm(W):
    return np.sum(np.abs(W))


def squared_sum_objective(X, y, W, omega):
    return sum(0.5 * np.sum((Xt @ wt - yt) ** 2) for Xt, yt, wt in zip(X, y, W, strict=False)) + omega(W)


def logistic_mean_objective(X, y, W, b, omega):
    return sum(
        np.mean(np.logaddexp(0.0, -yt * (Xt @ wt + bt))) for Xt, yt, wt, bt in zip(X, y, W, b, strict=False)
    ) + omega(W)


def fit_without_warning(model, X, y, tasks):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, tasks=tasks)
    assert model.certificate_ <= model.tol
    return model


SQUARED_ROWS = [
    pytest.param("l21", 5.0, lambda W: 5 * l21_norm(W), 102.5997683, id="l21"),
    pytest.param(
        L21Penalty(l2_reg=0.2), 5.0, lambda W: 5 * l21_norm(W) + 0.5 * np.sum(W * W), 120.9345512, id="l21+ridge"
    ),
    pytest.param("trace", 5.0, lambda W: 5 * trace_norm(W), 66.589103, id="trace"),
    pytest.param("lasso", 5.0, lambda W: 5 * l1_norm(W), 183.3920183, id="lasso"),
]


@pytest.mark.parametrize("penalty, alpha, omega, optimum", SQUARED_ROWS)
def test_least_squares_optima(reference, penalty, alpha, omega, optimum):
    X, y, _, tasks = reference
    model = MultiTaskRegressor(
        penalty=penalty,
        alpha=alpha,
        task_weights=np.array([len(yt) for yt in y], dtype=float),
        fit_intercept=False,
        tol=TOL,
        max_iter=100_000,
    )
    fit_without_warning(model, np.vstack(X), np.concatenate(y), tasks)
    assert np.all(model.intercept_ == 0)
    objective = squared_sum_objective(X, y, model.coef_, omega)
    assert objective == pytest.approx(optimum, rel=1e-6)


LOGISTIC_ROWS = [
    pytest.param("l21", lambda W: 0.05 * l21_norm(W), 1.622572124, id="l21"),
    pytest.param("trace", lambda W: 0.05 * trace_norm(W), 1.151600113, id="trace"),
    pytest.param("lasso", lambda W: 0.05 * l1_norm(W), 2.225858298, id="lasso"),
]


@pytest.mark.parametrize("penalty, omega, optimum", LOGISTIC_ROWS)
def test_logistic_optima(reference, penalty, omega, optimum):
    X, _, ybin, tasks = reference
    model = MultiTaskClassifier(penalty=penalty, alpha=0.05, tol=TOL, max_iter=100_000)
    fit_without_warning(model, np.vstack(X), np.concatenate(ybin), tasks)
    assert list(model.classes_) == [-1.0, 1.0]
    objective = logistic_mean_objective(X, ybin, model.coef_, model.intercept_, omega)
    assert objective == pytest.approx(optimum, rel=1e-6)
