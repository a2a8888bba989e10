"""The public API: the modules users import from and the names each exports in ``__all__``.

The API reference of the documentation and the docstring tests are generated
from this list: a new name in a module's ``__all__`` needs nothing more, a new
public module one line in :data:`PUBLIC_MODULES`.
"""

from __future__ import annotations

import importlib
import inspect

__all__ = ["PUBLIC_MODULES", "public_names", "public_objects"]

PUBLIC_MODULES = (
    "mtlearn",
    "mtlearn.penalties",
    "mtlearn.model_selection",
    "mtlearn.metrics",
    "mtlearn.transfer",
    "mtlearn.datasets",
    "mtlearn.plotting",
)


def public_names(module_name):
    """The classes and functions a public module exports, in the order of its ``__all__``.

    Parameters
    ----------
    module_name : str
        One of :data:`PUBLIC_MODULES`.

    Returns
    -------
    names : list of str
        The names of ``__all__`` bound to a class or a function (constants
        and ``__version__`` are left out).
    """
    module = importlib.import_module(module_name)
    return [
        name
        for name in module.__all__
        if inspect.isclass(getattr(module, name)) or inspect.isfunction(getattr(module, name))
    ]


def public_objects():
    """Every public class and function once, with the first public path it is exported under.

    Returns
    -------
    objects : list of (str, object)
        ``("mtlearn.MultiTaskRegressor", MultiTaskRegressor)``, ...; a name
        exported by two modules (``mtlearn`` and ``mtlearn.model_selection``)
        appears once.
    """
    seen, objects = set(), []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in public_names(module_name):
            obj = getattr(module, name)
            if id(obj) not in seen:
                seen.add(id(obj))
                objects.append((f"{module_name}.{name}", obj))
    return objects
