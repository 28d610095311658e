"""Fixtures for the workbook tests: LibreOffice converting a workbook to another format (a PDF, or an .xlsx from
the macro-enabled template), beside the session's `libreoffice` recalculation fixture (tests/conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE_HINT = ("LibreOffice Calc is needed for the workbook rendering tests and is installed by `make test` "
                "(Debian package libreoffice-calc-nogui). Run `make test`, or install it: "
                "apt-get install -y --no-install-recommends libreoffice-calc-nogui")


@pytest.fixture(scope="session")
def soffice_convert(tmp_path_factory):
    """A function converting ``path`` with headless LibreOffice: ``convert(path, "pdf:calc_pdf_Export:{...}")``
    returns the written file (``path``'s name with the target's extension) in a fresh folder.

    A missing soffice, a non-zero exit or no output file is a failure, not a skip.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail(SOFFICE_HINT)
    profile = tmp_path_factory.mktemp("lo-convert-profile")

    def convert(path: Path, target: str) -> Path:
        outdir = tmp_path_factory.mktemp("converted")
        proc = subprocess.run(
            [soffice, "--headless", "--norestore", "--nologo", f"-env:UserInstallation={profile.as_uri()}",
             "--convert-to", target, "--outdir", str(outdir), str(path)],
            capture_output=True, text=True, timeout=300)
        out = outdir / f"{path.stem}.{target.split(':', 1)[0]}"
        if proc.returncode != 0 or not out.exists() or "Error" in proc.stderr:
            pytest.fail(f"LibreOffice failed to convert {path.name} to {target}: rc={proc.returncode}\n"
                        f"{proc.stdout}\n{proc.stderr}")
        return out

    return convert
