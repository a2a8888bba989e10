"""Fitting helpers shared by the tests."""

import warnings


def fit_checked(model, X, y, **fit_params):
    """Fit with every warning an error, and check the stopping certificate."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, **fit_params)
    assert model.certificate_ <= model.tol
    return model
