"""Docstrings: numpydoc validation of the public API, and its Examples run as doctests.

The public classes and functions are those of :data:`mtlearn._api.PUBLIC_MODULES`
(each module's ``__all__``); for an estimator (a public class with ``fit``) its
public methods defined in mtlearn are checked too.  Enforced numpydoc checks
(:data:`ENFORCED`):

- GL08: the object has a docstring;
- SS01: it starts with a one-line summary;
- PR01: every parameter is documented;
- PR02: no parameter is documented that the signature does not have;
- PR03: the parameters are documented in the order of the signature;
- RT01: a function or method that returns a value has a Returns section;
- EX01 (estimators only): the class docstring has an Examples section.

Not enforced: the style checks (summary punctuation and length, SS02–SS06;
description capitals and full stops, PR08–PR09, RT02–RT05), See Also (SA01),
the extended summary (ES01), and the solver protocol of the penalty objects
(``value``, ``prox``, ``dual_norm``...), which the solvers call and the
penalties module documents as a protocol.
"""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import mtlearn
from mtlearn._api import public_objects

numpydoc_validate = pytest.importorskip("numpydoc.validate")

ENFORCED = {"GL08", "SS01", "PR01", "PR02", "PR03", "RT01"}
ESTIMATOR_ENFORCED = ENFORCED | {"EX01"}


def _is_estimator(obj):
    return inspect.isclass(obj) and callable(getattr(obj, "fit", None))


def _methods(path, cls):
    """Public methods an mtlearn class of ``cls``'s MRO defines (scikit-learn's own are its business)."""
    names = {name for klass in cls.__mro__ if klass.__module__.startswith("mtlearn") for name in vars(klass)}
    # getattr on the class: a method behind ``available_if`` (predict_proba) is then a plain function.
    return [
        f"{path}.{name}"
        for name in sorted(names)
        if not name.startswith("_") and inspect.isfunction(getattr(cls, name, None))
    ]


def _documented():
    items = []
    for path, obj in public_objects():
        items.append((path, ESTIMATOR_ENFORCED if _is_estimator(obj) else ENFORCED))
        if _is_estimator(obj):
            items.extend((method, ENFORCED) for method in _methods(path, obj))
    return items


DOCUMENTED = _documented()


def test_the_public_api_is_walked():
    paths = {path for path, _ in DOCUMENTED}
    assert {"mtlearn.MultiTaskRegressor", "mtlearn.MultiTaskClassifier.fit", "mtlearn.datasets.load_school"} <= paths
    assert "mtlearn.TransferClassifier.predict_proba" in paths
    assert len(paths) == len(DOCUMENTED)


@pytest.mark.parametrize("path, checks", DOCUMENTED, ids=[path for path, _ in DOCUMENTED])
def test_numpydoc_validation(path, checks):
    errors = [(code, message) for code, message in numpydoc_validate.validate(path)["errors"] if code in checks]
    assert not errors, "\n".join(f"{path}: {code} {message}" for code, message in errors)


def _modules():
    """Every module of the package (the examples in the docstrings of private modules run too)."""
    names = ["mtlearn"]
    for info in pkgutil.walk_packages(mtlearn.__path__, prefix="mtlearn."):
        names.append(info.name)
    return names


@pytest.mark.parametrize("module_name", _modules())
def test_docstring_examples_run(module_name):
    if module_name == "mtlearn.plotting":
        pytest.importorskip("matplotlib").use("Agg")
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module_name):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples of {module_name} failed"


def test_every_public_estimator_has_examples_that_run():
    """The Examples sections of the estimators are doctests: each has at least one example."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    for path, obj in public_objects():
        if _is_estimator(obj):
            (test,) = [t for t in finder.find(obj, path, module=False) if t.name == path]
            assert test.examples, path
