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


def test_the_built_wheel_installs_alone_and_runs(built_distributions, tmp_path):
    """Build the sdist and wheel from the tracked files, check them as an index would (twine), install the wheel
    into a fresh venv with no source tree on the path, and run `hashlease demo` and one HL_ call from it."""
    wheels, sdists = [built_distributions.wheel], [built_distributions.sdist]
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, wheels + sdists)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    import zipfile

    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for part in ("hashlease/templates/hashlease.xlsx", "hashlease/models/data/asic_catalogue.csv",
                 "hashlease/data/market_snapshot.json", "hashlease/addin/_generated/classic.py",
                 "hashlease/addin/_generated/lite/main.py", "hashlease/addin/_generated/lite/requirements.txt"):
        assert part in names, part
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"),
                    f"{wheels[0]}[headless]"], check=True, capture_output=True, timeout=1800)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    demo = subprocess.run([str(venv / "bin" / "hashlease"), "demo", "-o", str(elsewhere / "demo.xlsx")],
                          capture_output=True, text=True, cwd=elsewhere, timeout=600)
    assert demo.returncode == 0, demo.stderr
    assert "Decision at these inputs" in demo.stdout and (elsewhere / "demo.xlsx").stat().st_size > 0
    call = subprocess.run([str(python), "-c", "import hashlease, sys\n"
                           "assert 'site-packages' in hashlease.__file__, hashlease.__file__\n"
                           "from hashlease.addin.runtime import call_classic\n"
                           "print(call_classic('HL_SUBSIDY', 1050000))"], capture_output=True, text=True,
                          cwd=elsewhere, timeout=300)
    assert call.returncode == 0, call.stderr
    assert float(call.stdout) == 1.5625  # the 5th halving's subsidy, 50 / 2^5 BTC
