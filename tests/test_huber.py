"""loss="huber": the written objective, its limit, and robustness to gross outliers."""

import numpy as np
import pytest
from scipy.optimize import minimize

from mtlearn import MultiTaskRegressor, MultiTaskRegressorCV


def _data(rng, n_tasks=4, n=40, p=5, outliers=0.0):
    tasks = np.repeat(np.arange(n_tasks), n)
    W = rng.normal(size=p) + 0.3 * rng.normal(size=(n_tasks, p))
    X = rng.normal(size=(tasks.size, p))
    y = np.einsum("ij,ij->i", X, W[tasks]) + 0.5 * rng.normal(size=tasks.size) + 2.0
    corrupt = rng.random(tasks.size) < outliers
    y = np.where(corrupt, y + rng.choice([-1.0, 1.0], size=tasks.size) * rng.uniform(30, 60, size=tasks.size), y)
    return X, y, tasks, W


def _huber(r, epsilon):
    a = np.abs(r)
    return np.where(a <= epsilon, 0.5 * r * r, epsilon * a - 0.5 * epsilon**2)


def test_huber_fit_minimises_the_written_objective():
    """Σ_t (1/n_t) Σ H_ε(y − x w_t − b_t) + (α/2)‖W‖², minimised by L-BFGS on the same formula."""
    rng = np.random.default_rng(0)
    X, y, tasks, _ = _data(rng, outliers=0.1)
    T, p, alpha, epsilon = 4, 5, 0.05, 1.0
    model = MultiTaskRegressor(
        loss="huber", epsilon=epsilon, penalty="ridge", alpha=alpha, tol=1e-12, max_iter=100_000
    ).fit(X, y, tasks=tasks)

    def objective(theta):
        W, b = theta[: T * p].reshape(T, p), theta[T * p :]
        r = y - np.einsum("ij,ij->i", X, W[tasks]) - b[tasks]
        return np.sum(_huber(r, epsilon) / 40) + 0.5 * alpha * np.sum(W * W)

    reference = minimize(
        objective, np.zeros(T * p + T), method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 100_000}
    )
    assert model.objective_ == pytest.approx(
        objective(np.concatenate([model.coef_.ravel(), model.intercept_])), rel=1e-10
    )
    assert model.objective_ <= reference.fun + 1e-10
    np.testing.assert_allclose(model.coef_, reference.x[: T * p].reshape(T, p), atol=1e-4)


def test_a_threshold_beyond_every_residual_is_the_squared_loss():
    rng = np.random.default_rng(1)
    X, y, tasks, _ = _data(rng)
    huber = MultiTaskRegressor(loss="huber", epsilon=1e6, penalty="l21", alpha=0.05, tol=1e-10, max_iter=100_000).fit(
        X, y, tasks=tasks
    )
    squared = MultiTaskRegressor(penalty="l21", alpha=0.05, tol=1e-10, max_iter=100_000).fit(X, y, tasks=tasks)
    np.testing.assert_allclose(huber.coef_, squared.coef_, atol=1e-7)


@pytest.mark.parametrize("penalty", ["mean", "l21"])
def test_huber_is_robust_to_gross_outliers(penalty):
    """10 % of the targets shifted by 30–60 noise units: the Huber weights stay close, the squared ones do not."""
    errors = {"huber": [], "squared_error": []}
    for seed in range(5):
        rng = np.random.default_rng(seed)
        X, y, tasks, W = _data(rng, outliers=0.1)
        for loss in errors:
            model = MultiTaskRegressor(loss=loss, epsilon=1.0, penalty=penalty, alpha=1e-3).fit(X, y, tasks=tasks)
            errors[loss].append(np.linalg.norm(model.coef_ - W) / np.linalg.norm(W))
    huber, squared = np.median(errors["huber"]), np.median(errors["squared_error"])
    assert huber < 0.25 * squared
    assert huber < 0.3


def test_huber_in_the_cv_estimator_and_refused_by_the_statistics_route():
    rng = np.random.default_rng(2)
    X, y, tasks, _ = _data(rng, outliers=0.1)
    model = MultiTaskRegressorCV(loss="huber", epsilon=1.0, penalty="ridge", alphas=[1.0, 0.1, 0.01], cv=3)
    model.fit(X, y, tasks=tasks)
    assert model.alpha_ in (1.0, 0.1, 0.01) and model.certificate_ <= model.tol
    with pytest.raises(ValueError, match="squared loss"):
        MultiTaskRegressor(loss="huber").partial_fit(X, y, tasks=tasks)
