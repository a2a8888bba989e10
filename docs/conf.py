"""Sphinx configuration of the mtlearn documentation (``python -m sphinx -W -b html docs docs/_build/html``)."""

import os
import sys
from pathlib import Path

import mtlearn
from mtlearn._api import PUBLIC_MODULES, public_objects

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))  # gallery_argv, named in sphinx_gallery_conf

project = "mtlearn"
author = "The mtlearn developers"
copyright = "2026, the mtlearn developers"
release = mtlearn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb", "auto_examples/*.py"]
templates_path = ["_templates"]

# The user guide is Markdown (MyST): $…$ maths and ```{directive} blocks; links between pages resolve.
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# API reference: one page per public class and function, from the numpydoc docstrings.
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc Parameters sections give the types
autodoc_default_options = {"member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False

intersphinx_mapping = {}  # no network in CI: references to NumPy or scikit-learn stay plain text

html_theme = "pydata_sphinx_theme"
html_title = f"mtlearn {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = []

# The examples run with --quick, so that the gallery builds in about half a minute.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",
    # Starts a Dask cluster of worker processes: documented in the "Large data" guide, run by the tests.
    "ignore_pattern": r"large_data\.py$",
    "reset_argv": "gallery_argv.quick",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
}
os.environ.setdefault("MPLBACKEND", "Agg")


def _api_page():
    """reST of the API reference: each public module's classes and functions, generated from ``__all__``."""
    by_module = {name: [] for name in PUBLIC_MODULES}
    for path, _ in public_objects():
        module, name = path.rsplit(".", 1)
        by_module[module].append(name)
    lines = [
        ".. This page is written by docs/conf.py from mtlearn._api; do not edit.",
        "",
        "API reference",
        "=" * 13,
        "",
    ]
    for module, names in by_module.items():
        if not names:
            continue
        lines += [
            f"``{module}``",
            "-" * (len(module) + 4),
            "",
            f".. automodule:: {module}",
            "   :no-members:",
            "",
            f".. currentmodule:: {module}",
            "",
            ".. autosummary::",
            "   :toctree: generated/",
            "   :nosignatures:",
            "",
        ]
        lines += [f"   {name}" for name in names] + [""]
    return "\n".join(lines)


def _skip_members_from_elsewhere(app, what, name, obj, skip, options):
    """Document the members mtlearn defines; scikit-learn documents its own (get_params, set_*_request...)."""
    if what == "class" and not (getattr(obj, "__module__", None) or "").startswith("mtlearn"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_members_from_elsewhere)


def _write_if_changed(path, text):
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


_write_if_changed(DOCS / "api.rst", _api_page())
