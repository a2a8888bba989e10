"""Low-rank models as transformers: ``components_``, ``transform``, representation transfer."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import make_pipeline

from mtlearn import MultiTaskClassifier, MultiTaskRegressor


def _subspace_tasks(seed, n_tasks=8, n_per_task=40, n_features=20, rank=2):
    """Tasks whose weights are combinations of ``rank`` shared directions."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(n_features, rank)))[0].T
    W = rng.normal(size=(n_tasks, rank)) @ basis * 2.0

    def draw(w, n):
        X = rng.normal(size=(n, n_features))
        return X, X @ w + rng.normal(scale=0.3, size=n)

    rows = [draw(w, n_per_task) for w in W]
    X = np.vstack([r[0] for r in rows])
    y = np.concatenate([r[1] for r in rows])
    tasks = np.repeat(np.arange(n_tasks), n_per_task)
    return X, y, tasks, basis, rng, draw


def test_components_are_orthonormal_and_span_the_task_weights():
    X, y, tasks, basis, *_ = _subspace_tasks(0)
    model = MultiTaskRegressor(penalty="trace", alpha=0.05, tol=1e-8, max_iter=20_000).fit(X, y, tasks=tasks)
    components = model.components_
    k = model.penalty_info_["rank"]
    assert 1 <= k < X.shape[1]
    assert components.shape == (k, X.shape[1])
    assert_allclose(components @ components.T, np.eye(k), atol=1e-12)
    # Every task's weights lie in the span: projecting them onto it changes nothing.
    assert_allclose(model.coef_ @ components.T @ components, model.coef_, atol=1e-10)
    # The span has exactly the rank of coef_: no direction more.
    assert np.linalg.matrix_rank(np.vstack([model.coef_, components]), tol=1e-8) == k
    assert_allclose(model.transform(X), X @ components.T)
    assert list(model.get_feature_names_out()) == [f"multitaskregressor{i}" for i in range(k)]


def test_transform_drops_the_task_column():
    X, y, tasks, *_ = _subspace_tasks(1)
    by_labels = MultiTaskRegressor(penalty="trace", alpha=0.05).fit(X, y, tasks=tasks)
    with_column = np.column_stack([X, tasks])
    by_column = MultiTaskRegressor(penalty="trace", alpha=0.05, task_column=-1).fit(with_column, y)
    assert_allclose(by_column.transform(with_column), by_labels.transform(X))


def test_only_low_rank_penalties_give_a_transformer():
    X, y, tasks, *_ = _subspace_tasks(2)
    assert not hasattr(MultiTaskRegressor(penalty="mean"), "transform")
    mean = MultiTaskRegressor(penalty="mean").fit(X, y, tasks=tasks)
    assert not hasattr(mean, "transform") and not hasattr(mean, "components_")
    with pytest.raises(AttributeError, match="low-rank penalty"):
        _ = mean.components_
    unfitted = MultiTaskRegressor(penalty="trace")
    assert hasattr(unfitted, "transform")
    with pytest.raises(NotFittedError):
        unfitted.transform(X)


def test_multiclass_components_span_every_class_of_every_task():
    X, y, tasks, *_ = _subspace_tasks(3)
    labels = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    model = MultiTaskClassifier(penalty="trace", alpha=0.01).fit(X, labels, tasks=tasks)
    flat = model.coef_.reshape(-1, X.shape[1])
    assert_allclose(flat @ model.components_.T @ model.components_, flat, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_new_task_is_learnt_from_few_rows_in_the_shared_subspace(seed):
    X, y, tasks, basis, rng, draw = _subspace_tasks(seed)
    # alpha large enough to cut the noise directions: the fit has the rank of the true subspace.
    model = MultiTaskRegressor(penalty="trace", alpha=0.5).fit(X, y, tasks=tasks)
    assert model.penalty_info_["rank"] == basis.shape[0]
    w_new = rng.normal(size=basis.shape[0]) @ basis * 2.0
    X_few, y_few = draw(w_new, 8)
    X_test, y_test = draw(w_new, 500)
    transferred = make_pipeline(FrozenEstimator(model), RidgeCV()).fit(X_few, y_few)
    target_only = RidgeCV().fit(X_few, y_few)
    transferred_error = mean_squared_error(y_test, transferred.predict(X_test))
    target_error = mean_squared_error(y_test, target_only.predict(X_test))
    assert transferred_error < 0.5 * target_error
