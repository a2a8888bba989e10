"""Fitting helpers shared by the tests."""

import tracemalloc
import warnings


def fit_checked(model, X, y, **fit_params):
    """Fit with every warning an error, and check the stopping certificate."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, **fit_params)
    assert model.certificate_ <= model.tol
    return model


def traced_peak(call):
    """The peak of the memory Python allocates (``tracemalloc``) while ``call()`` runs, in bytes."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
