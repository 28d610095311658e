"""xlwings Lite installs hashlease and computes what the classic add-in computes (issue 14, "Lite that installs").

Lite installs a workbook's ``requirements.txt`` with micropip inside Pyodide. Checked here, without Excel:

1. Real Pyodide (the npm package ``pyodide``, pinned below) under Node.js, with micropip (the version its lock
   file names, from PyPI), installs the built wheel as Lite's ``requirements.txt`` asks (``keep_going=True``):
   nothing is missing, and numpy, pandas and pydantic come from Pyodide's lock file. A wheel whose core names the
   ``dask`` extra instead is reported missing ``psutil`` and ``tornado``, so the check can fail.
2. The ``main.py`` the wheel ships, run through Lite's argument path (``lite_harness.py``) in a fresh venv holding
   the numpy, pandas and pydantic versions of that lock file (CPython wheels from PyPI) and the built wheel without
   its dependencies, gives the classic add-in's results in this venv: numbers to 1e-12 relative, the same texts and
   the same error messages.

Only the package registries are used (npm and PyPI): Pyodide's CDN, which serves its WebAssembly numpy and
pandas, is not reachable in CI, so the Node driver records which lock-file packages micropip asks Pyodide to load
instead of loading them (``pyodide_resolve.mjs``). Downloads are cached under ``build/test-cache/``
(``HASHLEASE_TEST_CACHE`` moves it). Node.js and npm come from ``make test`` (Debian's ``nodejs`` and ``npm``,
installed as root); without them, or when a registry cannot be reached, these tests are SKIPPED and say why.
Every other failure fails.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from hashlease.addin.generate import lite_module
from hashlease.addin.runtime import call_classic

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
#: Pyodide release under test (npm package ``pyodide``); its lock file fixes micropip, numpy, pandas and pydantic.
PYODIDE_VERSION = "0.29.5"
CACHE = Path(os.environ.get("HASHLEASE_TEST_CACHE") or ROOT / "build" / "test-cache")
PYPI = "https://pypi.org/simple/"
#: The Lite requirement micropip resolves from the lock file, never from an index
CORE = ("numpy", "pandas", "pydantic")

sys.path.insert(0, str(HERE))
try:
    from lite_harness import excel_grid, office_js_payload
    from test_fuzz import BASE
    from test_wrappers import LEASE_RANGE
finally:
    sys.path.remove(str(HERE))


# --- what cannot be reached is skipped, saying so; everything else fails ------------------------------------

def _unreachable(url: str) -> str | None:
    """Why ``url`` cannot be fetched, or None when it can."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=20):
            return None
    except urllib.error.HTTPError:  # the server answered
        return None
    except (OSError, ValueError) as exc:
        return str(getattr(exc, "reason", exc))


def _run(command: list[str], what: str, registry: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a download; skip if ``registry`` cannot be reached, fail with the output if it failed otherwise."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        reason = _unreachable(registry)
        if reason is not None:
            pytest.skip(f"{what}: the registry {registry} cannot be reached ({reason})")
        pytest.fail(f"{what} failed (rc={done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _require_registry(url: str, what: str) -> None:
    reason = _unreachable(url)
    if reason is not None:
        pytest.skip(f"{what} needs {url}, which cannot be reached ({reason})")


# --- Pyodide from npm, micropip from PyPI ------------------------------------------------------------------

@pytest.fixture(scope="module")
def npm() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are not installed, so real Pyodide cannot run: `make test` installs Debian's "
                    "nodejs and npm as root (apt-get install -y nodejs npm)")
    return npm


@pytest.fixture(scope="module")
def pyodide(npm) -> Path:
    """The npm package ``pyodide`` at PYODIDE_VERSION (runtime, standard library, lock file), cached."""
    home = CACHE / f"pyodide-{PYODIDE_VERSION}"
    package = home / "node_modules" / "pyodide"
    if not (package / "pyodide-lock.json").is_file():
        registry = subprocess.run([npm, "config", "get", "registry"], capture_output=True, text=True).stdout.strip()
        partial = home.with_name(home.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        _run([npm, "install", "--prefix", str(partial), "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
              "--ignore-scripts", f"pyodide@{PYODIDE_VERSION}"], f"npm install pyodide@{PYODIDE_VERSION}",
             registry or "https://registry.npmjs.org/", timeout=900)
        shutil.rmtree(home, ignore_errors=True)
        partial.rename(home)
    manifest = json.loads((package / "package.json").read_text())
    assert manifest["version"] == PYODIDE_VERSION
    needed = int(re.search(r"\d+", manifest["engines"]["node"]).group())
    node_version = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(re.search(r"\d+", node_version).group()) < needed:
        pytest.skip(f"Node.js {node_version} is older than Pyodide {PYODIDE_VERSION} needs "
                    f"({manifest['engines']['node']})")
    return package


@pytest.fixture(scope="module")
def lock(pyodide) -> dict:
    """``pyodide-lock.json``: each package Pyodide provides, with its version and dependencies."""
    return json.loads((pyodide / "pyodide-lock.json").read_text())


@pytest.fixture(scope="module")
def micropip_wheel(lock) -> Path:
    """micropip's wheel from PyPI, at the version Pyodide's lock file names (cached)."""
    version = lock["packages"]["micropip"]["version"]
    python = ".".join(lock["info"]["python"].split(".")[:2])  # micropip needs Pyodide's Python, not ours
    folder = CACHE / "micropip"
    wheels = sorted(folder.glob(f"micropip-{version}-*.whl"))
    if not wheels:
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
              "--python-version", python, "--dest", str(folder), f"micropip=={version}"],
             f"pip download micropip=={version}", PYPI, timeout=600)
        wheels = sorted(folder.glob(f"micropip-{version}-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _resolve(pyodide: Path, micropip_wheel: Path, wheel: Path, requirements: list[str]) -> dict:
    """micropip.install(requirements, keep_going=True) in Pyodide under Node (``pyodide_resolve.mjs``)."""
    done = subprocess.run(["node", str(HERE / "pyodide_resolve.mjs"), str(pyodide), str(micropip_wheel), str(wheel),
                           *requirements], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"Pyodide under Node failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _lite_requirements(wheel: Path) -> list[str]:
    """The wheel's shipped Lite ``requirements.txt``, its own pinned line pointing at the wheel (as docs/addin.md
    says to do until the wheel is on PyPI)."""
    text = zipfile.ZipFile(wheel).read("hashlease/addin/_generated/lite/requirements.txt").decode()
    version = wheel.name.split("-")[1]
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert f"hashlease=={version}" in lines, lines
    return [f"emfs:/wheels/{wheel.name}" if line == f"hashlease=={version}" else line for line in lines]


def _missing_names(report: dict) -> set[str]:
    return {re.match(r"[A-Za-z0-9._-]+", requirement).group().lower() for requirement in report["missing"]}


def test_micropip_in_pyodide_installs_the_built_wheel_with_nothing_missing(pyodide, lock, micropip_wheel,
                                                                           built_distributions):
    wheel = built_distributions.wheel
    report = _resolve(pyodide, micropip_wheel, wheel, _lite_requirements(wheel))
    assert report["missing"] == [] and report["error"] is None, report
    assert report["micropip"] == lock["packages"]["micropip"]["version"]
    assert report["installed"]["hashlease"] == f"emfs:/wheels/{wheel.name}"
    # the core comes from Pyodide's own builds (its lock file), not from an index
    assert set(CORE) <= set(report["requested"]) <= set(lock["packages"]), report["requested"]


def _wheel_requiring(wheel: Path, requirements: list[str], folder: Path) -> Path:
    """A copy of ``wheel`` whose metadata also requires ``requirements`` (RECORD updated to match)."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        record = next(n for n in names if n.endswith(".dist-info/RECORD"))
        head, blank, body = source.read(metadata).decode().partition("\n\n")
        text = (head + "".join(f"\nRequires-Dist: {r}" for r in requirements) + blank + body).encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(text).digest()).rstrip(b"=").decode()
        rows = [f"{metadata},sha256={digest},{len(text)}" if row.startswith(metadata + ",") else row
                for row in source.read(record).decode().splitlines()]
        for name in names:
            data = text if name == metadata else ("\n".join(rows) + "\n").encode() if name == record \
                else source.read(name)
            target.writestr(source.getinfo(name), data)
    return copy


def test_micropip_in_pyodide_reports_what_the_dask_extra_would_lack_as_a_core_dependency(
        pyodide, micropip_wheel, built_distributions, tmp_path):
    # the dask extra (dask[distributed]) made a core dependency, as it was before issue 14
    _require_registry(PYPI, "Resolving dask[distributed] in Pyodide")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    bad = _wheel_requiring(built_distributions.wheel, extras["dask"], tmp_path)
    report = _resolve(pyodide, micropip_wheel, bad, _lite_requirements(bad))
    assert {"psutil", "tornado"} <= _missing_names(report), report  # C extensions: no pure Python wheel
    assert "hashlease" not in report["installed"], report["installed"]


# --- main.py on CPython with Pyodide's numpy, pandas and pydantic -------------------------------------------

def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # the lock file writes both pydantic-core and pydantic_core


def _closure(lock: dict, roots: tuple[str, ...]) -> dict[str, str]:
    """name -> version of ``roots`` and everything they depend on in the lock file."""
    packages = {_canonical(name): package for name, package in lock["packages"].items()}
    versions, todo = {}, [_canonical(root) for root in roots]
    while todo:
        name = todo.pop()
        if name not in versions:
            versions[name] = packages[name]["version"]
            todo += [_canonical(n) for n in packages[name]["depends"]]
    return versions


@pytest.fixture(scope="module")
def pyodide_python(lock, built_distributions, tmp_path_factory) -> Path:
    """A fresh venv with the lock file's numpy, pandas and pydantic (and their dependencies at the lock file's
    versions, where it has them) from PyPI, and the built wheel installed without its dependencies."""
    core = _closure(lock, CORE)
    pins = sorted(f"{name}=={core[name]}" for name in CORE)
    constraints = "".join(f"{name}=={package['version']}\n" for name, package in sorted(lock["packages"].items())
                          if package.get("package_type") == "package")
    python = f"{sys.version_info.major}{sys.version_info.minor}"
    wheels = CACHE / f"cp{python}-{sysconfig.get_platform()}-pyodide-{PYODIDE_VERSION}"
    stamp = wheels / "downloaded.txt"  # written once the download is complete
    wheels.mkdir(parents=True, exist_ok=True)
    (wheels / "constraints.txt").write_text(constraints)
    if not stamp.is_file() or stamp.read_text() != "\n".join(pins):
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--dest", str(wheels),
              "-c", str(wheels / "constraints.txt"), *pins], f"pip download {' '.join(pins)}", PYPI, timeout=900)
        stamp.write_text("\n".join(pins))
    venv = tmp_path_factory.mktemp("pyodide-versions") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    for args in (["install", "--quiet", "--no-compile", "--no-index", "--find-links", str(wheels), "-c",
                  str(wheels / "constraints.txt"), *pins],
                 ["install", "--quiet", "--no-compile", "--no-index", "--no-deps", str(built_distributions.wheel)],
                 ["check"]):
        done = subprocess.run(pip + args, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"pip {args[0]}: {done.stdout}\n{done.stderr}"
    return venv / "bin" / "python"


#: 20 Apr 2024 (block 840,000, the fourth halving) and 1 Jan 2026: Lite hands dates over as their serials.
HALVING_DAY, START = dt.datetime(2024, 4, 20), dt.datetime(2026, 1, 1)
D, P, F, H = 108.52e12, 93_450.0, 0.0931, 874_944.0


def _with(rows, name, value):
    return tuple((key, value if key == name else cell) for key, cell in rows)


#: Arguments as classic xlwings (COM) hands them over: a number, text, None for an empty cell or omitted
#: argument, a tuple of rows for a range, a datetime for a date cell. Lite gets the same cells as Office.js sends
#: them (lite_harness.office_js_payload): 1x1 matrices, null, lists of rows, serial numbers for dates.
CASES = {f"{name}-working-call": (name, args) for name, args in BASE.items()}  # every HL_ function once
CASES.update({
    # ranges: a column against a row broadcasts to a block; a block; a range in an assumption block's place
    "HL_HASHPRICE-column-by-row": ("HL_HASHPRICE", (((1.0e14,), (1.1e14,), (1.2e14,)), ((60_000.0, 90_000.0),),
                                                    F, H)),
    "HL_SUBSIDY-block": ("HL_SUBSIDY", (((0.0, 210_000.0), (840_000.0, 6_930_000.0)),)),
    "HL_NETWORK_HASHRATE-row": ("HL_NETWORK_HASHRATE", (((1e14, 1.1e14, 1.2e14),), "TH")),
    # optional arguments: omitted (the default), a unit in lower case, only some given
    "HL_HASHPRICE-unit-omitted": ("HL_HASHPRICE", (D, P, F, H, None)),
    "HL_HASHPRICE-unit-lower-case": ("HL_HASHPRICE", (D, P, F, H, "eh")),
    "HL_BREAKEVEN_POWER_PRICE-some-optional": ("HL_BREAKEVEN_POWER_PRICE", (55.0, 17.5, None, 0.02)),
    # dates: a date cell (classic: a datetime; Lite: its serial), ISO text, dates in an assumption block
    "HL_HALVING_DATE-date-cell": ("HL_HALVING_DATE", (840_000.0, HALVING_DAY)),
    "HL_HALVING_DATE-iso-text": ("HL_HALVING_DATE", (840_000.0, "2024-04-20", 590.0)),
    "HL_LEASE_NPV-date-cell-in-block": ("HL_LEASE_NPV", (_with(LEASE_RANGE, "construction_start", START), True)),
    "HL_LEASE_SCHEDULE-iso-text-in-block-padded": ("HL_LEASE_SCHEDULE",
                                                   (_with(LEASE_RANGE, "construction_start", "2026-01-01"), 200.0)),
    "HL_CURTAILMENT-date-time-cells": ("HL_CURTAILMENT", (tuple((START + dt.timedelta(hours=h),) for h in range(6)),
                                                          ((20.0,), (150.0,), (80.0,), (-5.0,), (300.0,), (40.0,)),
                                                          100.0, 10.0)),
    # errors: the same code and message on both paths
    "HL_HASHPRICE-negative-difficulty": ("HL_HASHPRICE", (-5.0, P, F, H)),
    "HL_HASHPRICE-text-difficulty": ("HL_HASHPRICE", ("abc", P, F, H)),
    "HL_HASHPRICE-unknown-unit": ("HL_HASHPRICE", (D, P, F, H, "GH")),
    "HL_HASHPRICE-ranges-not-lined-up": ("HL_HASHPRICE", (((1e14,), (2e14,)), ((1.0,), (2.0,), (3.0,)), F, H)),
    "HL_SUBSIDY-empty-required": ("HL_SUBSIDY", (None,)),
    "HL_SUBSIDY-empty-cell-in-range": ("HL_SUBSIDY", (((840_000.0,), (None,)),)),
    "HL_SUBSIDY-negative-in-range": ("HL_SUBSIDY", (((840_000.0,), (-1.0,)),)),
    "HL_LEASE_SCHEDULE-range-for-rows": ("HL_LEASE_SCHEDULE", (LEASE_RANGE, ((1.0,), (2.0,)))),
    "HL_LEASE_NPV-unknown-name": ("HL_LEASE_NPV", (LEASE_RANGE + (("no_such_input", 1.0),),)),
    "HL_LEASE_NPV-bad-date": ("HL_LEASE_NPV", (_with(LEASE_RANGE, "construction_start", "2026-13-01"),)),
})


@pytest.fixture(scope="module")
def lite_results(pyodide_python, tmp_path_factory) -> dict:
    """Every case run through the wheel's Lite main.py by the fresh venv, outside the source tree."""
    folder = tmp_path_factory.mktemp("lite-run")
    (folder / "cases.json").write_text(json.dumps(
        [{"name": name, "payload": [office_js_payload(a) for a in args]} for name, args in CASES.values()]))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    done = subprocess.run([str(pyodide_python), "-I", str(HERE / "lite_harness.py"), "cases.json", "results.json"],
                          capture_output=True, text=True, cwd=folder, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-5000:]
    report = json.loads((folder / "results.json").read_text())
    report["results"] = dict(zip(CASES, report["results"]))
    return report


def test_the_lite_venv_holds_pyodide_s_versions_and_the_wheel_s_main_py(lite_results, lock, pyodide_python):
    expected = {name: lock["packages"][name]["version"] for name in (*CORE, "pydantic-core")}
    assert lite_results["versions"] == expected
    assert Path(lite_results["hashlease_file"]).is_relative_to(pyodide_python.parents[1])
    assert lite_results["main_py"] == lite_module()  # the wheel ships the main.py generated from this registry


@pytest.mark.parametrize("case", CASES)
def test_lite_main_py_with_pyodide_s_versions_equals_the_classic_add_in(lite_results, case):
    name, args = CASES[case]
    lite, classic = lite_results["results"][case], call_classic(name, *args)
    if isinstance(classic, str) and classic.startswith("#"):  # classic: the error as text; Lite: an error cell
        assert "error" in lite, f"classic: {classic!r}, Lite: {lite}"
        assert lite["error"].split()[0] == classic.split()[0]
        assert lite["error"] == classic
        return
    assert "value" in lite, f"classic: {classic!r}, Lite: {lite}"
    expected, got = excel_grid(classic), lite["value"]
    assert [len(row) for row in got] == [len(row) for row in expected]
    for i, (row_got, row_expected) in enumerate(zip(got, expected)):
        for j, (a, b) in enumerate(zip(row_got, row_expected)):
            if isinstance(b, float) and isinstance(a, float):
                assert math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0), (i, j, a, b)
            else:
                assert a == b, (i, j, a, b)
