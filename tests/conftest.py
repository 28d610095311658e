import os
import sys

from hypothesis import HealthCheck, settings

# CI runs are deterministic (same examples every run); local runs explore.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# --- LibreOffice Calc as an oracle -------------------------------------------------------------------
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE_HINT = ("LibreOffice Calc is needed for the oracle tests and is installed by `make test` "
                "(Debian package libreoffice-calc-nogui). Run `make test`, or install it: "
                "apt-get install -y --no-install-recommends libreoffice-calc-nogui")


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory):
    """A function that recalculates an .xlsx with headless LibreOffice Calc and returns the output path.

    A missing soffice is a failure, not a skip: CI must never pass without the oracle.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail(SOFFICE_HINT)
    profile = tmp_path_factory.mktemp("lo-profile")

    def recalculate(path: Path) -> Path:
        outdir = path.parent / "recalculated"
        outdir.mkdir(exist_ok=True)
        proc = subprocess.run(
            [soffice, "--headless", "--norestore", "--nologo", f"-env:UserInstallation={profile.as_uri()}",
             "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(path)],
            capture_output=True, text=True, timeout=300)
        out = outdir / path.name
        if proc.returncode != 0 or not out.exists():
            pytest.fail(f"LibreOffice failed to recalculate {path.name}: rc={proc.returncode}\n"
                        f"{proc.stdout}\n{proc.stderr}")
        return out

    return recalculate


# --- The built distributions (the packaging and Pyodide tests share one build) -----------------------------
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class Distributions(NamedTuple):
    wheel: Path
    sdist: Path


@pytest.fixture(scope="session")
def built_distributions(tmp_path_factory) -> Distributions:
    """The sdist and wheel ``python -m build`` makes from the tracked files (a copy: no untracked file leaks in)."""
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    for name in tracked.splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], check=True,
                   capture_output=True, timeout=900)
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, (wheels, sdists)
    return Distributions(wheels[0], sdists[0])
