"""Safe persistence: fitted estimators hold only arrays and plain values.

They round-trip through ``skops.io`` trusting nothing but mtlearn's own
classes, and through pickle, with identical predictions.
"""

import pickle

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtlearn import (
    GraphPenalty,
    MeanPenalty,
    MultiTaskClassifier,
    MultiTaskLinearSVC,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    TransferClassifier,
    TransferRegressor,
)
from mtlearn.datasets import make_multitask_classification, make_multitask_regression
from mtlearn.penalties import PENALTIES

sio = pytest.importorskip("skops.io")

PLAIN_SCALARS = (bool, int, float, str, type(None), np.bool_, np.integer, np.floating, np.str_)


def _regression():
    X, y, tasks, _ = make_multitask_regression(n_tasks=3, n_samples=30, n_features=4, random_state=0)
    order = np.random.default_rng(0).permutation(len(y))  # tasks mixed, so plain KFold sees them all
    return X[order], y[order], np.array(["north", "south", "west"])[tasks[order]]


def _classification(n_classes=2):
    X, y, tasks, _ = make_multitask_classification(
        n_tasks=3, n_samples=40, n_features=4, n_classes=n_classes, random_state=0
    )
    return X, y, tasks


def _fitted_models():
    X, y, tasks = _regression()
    Xc, yc, tc = _classification()
    Xm, ym, tm = _classification(n_classes=3)
    Xs, ys, _ = _regression()
    coef_source = np.ones(Xc.shape[1])
    models = {
        "regressor-mean": (MultiTaskRegressor(alpha=0.1).fit(X, y, tasks=tasks), X, tasks),
        "regressor-ridge": (MultiTaskRegressor(penalty="ridge").fit(X, y, tasks=tasks), X, tasks),
        "regressor-penalty-object": (MultiTaskRegressor(penalty=MeanPenalty(mix=0.3)).fit(X, y, tasks=tasks), X, tasks),
        "logistic": (MultiTaskClassifier(alpha=0.1).fit(Xc, yc, tasks=tc), Xc, tc),
        "logistic-3-classes": (MultiTaskClassifier(alpha=0.1).fit(Xm, ym, tasks=tm), Xm, tm),
        "hinge-warm-start": (
            MultiTaskClassifier(loss="hinge", alpha=0.1, warm_start=True).fit(Xc, yc, tasks=tc),
            Xc,
            tc,
        ),
        "linear-svc": (MultiTaskLinearSVC(C=0.5).fit(Xc, yc, tasks=tc), Xc, tc),
        "regressor-cv": (MultiTaskRegressorCV(alphas=4, mixes=[0.0, 0.9], cv=3).fit(X, y, tasks=tasks), X, tasks),
        "transfer": (TransferRegressor(source=Ridge().fit(Xs, ys), alpha="auto").fit(X[:20], y[:20]), X, None),
        "transfer-frozen": (
            TransferRegressor(source=FrozenEstimator(Ridge().fit(Xs, ys))).fit(X[:20], y[:20]),
            X,
            None,
        ),
        "transfer-classifier": (TransferClassifier(source=coef_source).fit(Xc, yc), Xc, None),
    }
    chain = np.eye(3, k=1) + np.eye(3, k=-1)
    for name in sorted(PENALTIES):
        if name not in ("mean", "ridge"):
            penalty = GraphPenalty(adjacency=chain, ridge=0.1) if name == "graph" else name
            model = MultiTaskRegressor(penalty=penalty, alpha=0.05).fit(X, y, tasks=tasks)
            models[f"regressor-{name}"] = (model, X, tasks)
    return models


MODELS = _fitted_models()


def _outputs(model, X, tasks):
    task_args = {} if tasks is None else {"tasks": tasks}
    outputs = [model.predict(X, **task_args)]
    for method in ("decision_function", "predict_proba"):
        if hasattr(model, method):
            outputs.append(getattr(model, method)(X, **task_args))
    return outputs


def _assert_plain(value, where):
    """Fitted state is arrays of numbers/strings and plain Python values only."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            for item in value.ravel():
                assert isinstance(item, PLAIN_SCALARS), f"{where} holds a {type(item).__name__}"
        else:
            assert value.dtype.kind in "biufcU", f"{where} has dtype {value.dtype}"
    elif isinstance(value, (list, tuple)):
        for k, item in enumerate(value):
            _assert_plain(item, f"{where}[{k}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _assert_plain(key, f"{where} key")
            _assert_plain(item, f"{where}[{key!r}]")
    else:
        assert isinstance(value, PLAIN_SCALARS), f"{where} is a {type(value).__name__}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fitted_state_is_plain(name):
    model, _, _ = MODELS[name]
    params = model.get_params(deep=False)
    for attribute, value in vars(model).items():
        if attribute in params:
            continue  # constructor parameters (a penalty object among them) are not fitted state
        _assert_plain(value, f"{name}.{attribute}")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_skops_round_trip_trusts_only_mtlearn(name):
    model, X, tasks = MODELS[name]
    payload = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=payload)
    assert untrusted, "the estimator's own class is reported"
    assert all(type_name.startswith("mtlearn.") for type_name in untrusted), untrusted
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(payload)
    loaded = sio.loads(payload, trusted=untrusted)
    assert type(loaded) is type(model)
    for before, after in zip(_outputs(model, X, tasks), _outputs(loaded, X, tasks), strict=False):
        np.testing.assert_array_equal(before, after)
    for attribute, value in vars(model).items():
        if attribute.endswith("_") and not attribute.startswith("_"):
            _assert_same(getattr(loaded, attribute), value)


def _assert_same(loaded, original):
    if isinstance(original, dict):
        assert loaded.keys() == original.keys()
        for key in original:
            _assert_same(loaded[key], original[key])
    else:
        np.testing.assert_array_equal(loaded, original)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_pickle_round_trip(name):
    model, X, tasks = MODELS[name]
    loaded = pickle.loads(pickle.dumps(model))
    for before, after in zip(_outputs(model, X, tasks), _outputs(loaded, X, tasks), strict=False):
        np.testing.assert_array_equal(before, after)


def test_skops_pipeline_on_a_frame_with_task_column(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y, tasks = _regression()
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).assign(region=tasks)
    from sklearn.compose import ColumnTransformer

    pipeline = make_pipeline(
        ColumnTransformer(
            [("scale", StandardScaler(), [f"x{j}" for j in range(X.shape[1])])],
            remainder="passthrough",
            verbose_feature_names_out=False,
        ).set_output(transform="pandas"),
        MultiTaskRegressor(alpha=0.1, task_column="region"),
    ).fit(frame, y)
    path = tmp_path / "model.skops"
    sio.dump(pipeline, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted and all(type_name.startswith("mtlearn.") for type_name in untrusted), untrusted
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict(frame), pipeline.predict(frame))
    np.testing.assert_array_equal(loaded[-1].feature_names_in_, pipeline[-1].feature_names_in_)


def test_loaded_model_warm_starts_from_its_stored_dual_point():
    """The dual point survives skops: a refit from the loaded solution needs no iteration."""
    model, X, tasks = MODELS["hinge-warm-start"]
    assert model.certificate_ <= model.tol and model.n_iter_ > 0
    payload = sio.dumps(model)
    loaded = sio.loads(payload, trusted=sio.get_untrusted_types(data=payload))
    _, y, _ = _classification()
    refit = loaded.fit(X, y, tasks=tasks)
    assert refit.n_iter_ == 0
    np.testing.assert_allclose(refit.coef_, model.coef_, rtol=1e-12, atol=1e-14)
