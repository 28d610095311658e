import os

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
