"""The slim core: `pip install hashlease` needs only numpy, pandas and pydantic (what xlwings Lite installs inside
Excel); the extras bring the rest, named for what users do, and the command names the extra it lacks."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: Libraries of the extras; none of them may be imported by the models or the add-in runtime.
EXTRA_MODULES = ("typer", "rich", "openpyxl", "formulas", "lxml", "defusedxml", "httpx", "yaml", "xlwings", "dask",
                 "distributed")


def test_the_core_needs_only_numpy_pandas_and_pydantic():
    names = sorted(spec.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
                   for spec in PYPROJECT["project"]["dependencies"])
    assert names == ["numpy", "pandas", "pydantic"]


def test_the_extras_are_named_for_what_users_do():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"excel", "headless", "dask", "all"} <= set(extras)
    assert any(spec.startswith("xlwings") for spec in extras["excel"])
    assert any(spec.startswith("typer") for spec in extras["headless"])
    assert extras["all"] == ["hashlease[excel,headless,dask]"]


def test_the_models_and_the_add_in_runtime_import_no_extra():
    code = ("import sys, hashlease.models, hashlease.addin.runtime\n"
            f"print([m for m in {EXTRA_MODULES!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_command_without_its_extra_names_the_extra():
    # typer made unimportable, as in an environment with the core only
    code = "import sys; sys.modules['typer'] = None\nfrom hashlease.entry import main\nmain()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1
    assert 'pip install "hashlease[headless]"' in out.stderr and "missing: typer" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_command_is_the_entry_point():
    assert PYPROJECT["project"]["scripts"]["hashlease"] == "hashlease.entry:main"
    out = subprocess.run([str(Path(sys.executable).parent / "hashlease"), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "recalc" in out.stdout
