"""Every Python code block of README.md and docs/ runs as written, alone, in a fresh interpreter.

Each block is a complete program: a reader can copy any one of them.  A block
is skipped only when a module it imports is not installed (the optional
extras: dask, skops, matplotlib, pandas, polars).
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
# ```python fences, and the MyST directives a Sphinx page may use instead.
BLOCK = re.compile(
    r"^```(?:python|\{code-block\} python|\{code-cell\} (?:python|ipython3))[^\n]*\n(.*?)^```", re.S | re.M
)
IMPORTED = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.M)


def _blocks():
    for page in PAGES:
        for number, code in enumerate(BLOCK.findall(page.read_text(encoding="utf-8")), start=1):
            yield pytest.param(code, id=f"{page.relative_to(ROOT)}:{number}")


def test_pages_have_code_blocks():
    """The pattern finds the blocks: a broken pattern would silently test nothing."""
    assert len(list(_blocks())) >= 15


@pytest.mark.slow  # one fresh interpreter per block (about 2 s of imports each)
@pytest.mark.parametrize("code", list(_blocks()))
def test_code_block_runs_on_its_own(code, tmp_path):
    missing = sorted({name for name in IMPORTED.findall(code) if importlib.util.find_spec(name) is None})
    if missing:
        pytest.skip(f"needs {missing}")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env
    )
    assert completed.returncode == 0, completed.stderr
