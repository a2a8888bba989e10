"""Transfer at its defaults: a related source helps, an unrelated one does not hurt, with d > n.

d = 40 features, n = 20 target rows, a source fitted by scikit-learn on 1000 source rows
(wrapped in ``FrozenEstimator``), 10 seeds.  Related: the target's weights are the source's
plus N(0, 0.3²) noise per coefficient; unrelated: independent N(0, 1) weights.  The
baselines are scikit-learn's own target-only models with their defaults: ``RidgeCV()``
(leave-one-out over α ∈ {0.1, 1, 10}) and ``LogisticRegressionCV(scoring="neg_log_loss")``.
"""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, Ridge, RidgeCV
from sklearn.metrics import log_loss, roc_auc_score

from mtlearn import TransferClassifier, TransferRegressor

N_FEATURES, N_TARGET, N_SOURCE, N_TEST = 40, 20, 1000, 5000
SEEDS = range(10)


def _weights(rng, related):
    w_src = rng.normal(size=N_FEATURES)
    w = w_src + 0.3 * rng.normal(size=N_FEATURES) if related else rng.normal(size=N_FEATURES)
    return w_src, w


def _regression_ratio(seed, related):
    """Test MSE of ``TransferRegressor(source)`` over that of ``RidgeCV()`` on the target alone."""
    rng = np.random.default_rng(seed)
    w_src, w = _weights(rng, related)
    X_src = rng.normal(size=(N_SOURCE, N_FEATURES))
    source = FrozenEstimator(Ridge().fit(X_src, X_src @ w_src + rng.normal(size=N_SOURCE)))
    X, X_test = rng.normal(size=(N_TARGET, N_FEATURES)), rng.normal(size=(N_TEST, N_FEATURES))
    y, y_test = X @ w + rng.normal(size=N_TARGET), X_test @ w + rng.normal(size=N_TEST)
    transfer = TransferRegressor(source).fit(X, y)
    target_only = RidgeCV().fit(X, y)
    return np.mean((transfer.predict(X_test) - y_test) ** 2) / np.mean((target_only.predict(X_test) - y_test) ** 2)


def test_regressor_defaults_help_with_a_related_source_and_do_not_hurt_with_an_unrelated_one():
    related = np.array([_regression_ratio(seed, related=True) for seed in SEEDS])
    unrelated = np.array([_regression_ratio(seed, related=False) for seed in SEEDS])
    # Measured: related median 0.14 (worst 0.24); unrelated median 1.00 (the source is switched off
    # on 9 of 10 seeds; the worst seed, 1.47, is the leave-one-out choice of α on a finer grid than
    # RidgeCV's, not the source: target-only TransferRegressor() is 1.37 there).
    assert np.median(related) <= 0.3
    assert np.median(unrelated) <= 1.05


def _classification_scores(seed, related):
    """(AUC, log-loss) on a large test set of ``TransferClassifier(source)`` and of the baseline."""
    rng = np.random.default_rng(seed)
    w_src, w = _weights(rng, related)
    X_src = rng.normal(size=(N_SOURCE, N_FEATURES))
    source = FrozenEstimator(LogisticRegression().fit(X_src, X_src @ w_src + rng.logistic(size=N_SOURCE) > 0))
    X, X_test = rng.normal(size=(N_TARGET, N_FEATURES)), rng.normal(size=(N_TEST, N_FEATURES))
    y, y_test = X @ w + rng.logistic(size=N_TARGET) > 0, X_test @ w + rng.logistic(size=N_TEST) > 0
    scores = []
    for model in (TransferClassifier(source), LogisticRegressionCV(scoring="neg_log_loss")):
        model.fit(X, y)
        scores.append(
            (roc_auc_score(y_test, model.decision_function(X_test)), log_loss(y_test, model.predict_proba(X_test)))
        )
    return np.array(scores)


@pytest.mark.slow
def test_classifier_defaults_help_with_a_related_source_and_do_not_hurt_with_an_unrelated_one():
    related = np.array([_classification_scores(seed, related=True) for seed in SEEDS])
    unrelated = np.array([_classification_scores(seed, related=False) for seed in SEEDS])
    auc_gain = related[:, 0, 0] - related[:, 1, 0]
    # Both statements on the ranking (AUC, what the source's direction carries) and on the
    # probabilities (log-loss, which the intercept and the scale of the weights affect too).
    # Measured: related AUC 0.95 against 0.72 (median gain 0.23), log-loss ratio median 0.45;
    # unrelated median AUC difference 0.000 (worst −0.004), log-loss ratio median 1.00 (worst 1.06).
    assert np.median(auc_gain) >= 0.1
    assert np.median(related[:, 0, 1] / related[:, 1, 1]) <= 0.7
    assert np.median(unrelated[:, 0, 0] - unrelated[:, 1, 0]) >= -0.01
    assert np.median(unrelated[:, 0, 1] / unrelated[:, 1, 1]) <= 1.05
