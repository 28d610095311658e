"""The untrusted-input check refuses what it documents: any DOCTYPE, and a package missing a sheet it lists."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from hashlease.cli import app
from hashlease.models import HashleaseError
from hashlease.workbook.safety import check_xlsx

runner = CliRunner()


def _workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "S"
    book.active["A1"] = 1
    book.active["A2"] = "=A1*2"
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


def _rewrite(path: Path, target: Path, *, drop: str | None = None, prefix: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            if info.filename == drop:
                continue
            data = src.read(info)
            if prefix and info.filename in prefix:
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = b'<?xml version="1.0" encoding="UTF-8"?>' + prefix[info.filename] + body
            out.writestr(info, data)
    return target


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE r SYSTEM "http://example.invalid/evil.dtd">',  # external DTD: once accepted
    b"<!DOCTYPE worksheet>",  # a bare DOCTYPE: DTDs are refused, whatever they hold
], ids=["external-dtd", "bare-doctype"])
def test_any_doctype_is_refused(tmp_path, doctype):
    path = _rewrite(_workbook(tmp_path), tmp_path / "dtd.xlsx", prefix={"xl/worksheets/sheet1.xml": doctype})
    with pytest.raises(HashleaseError, match="part xl/worksheets/sheet1.xml.*without a DOCTYPE"):
        check_xlsx(path)


def test_a_missing_sheet_part_is_refused_naming_it(tmp_path):
    # once the check passed and recalc wrote an output for a workbook whose only sheet was missing
    path = _rewrite(_workbook(tmp_path), tmp_path / "nosheet.xlsx", drop="xl/worksheets/sheet1.xml")
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["recalc", str(path), "-o", str(out)])
    assert result.exit_code == 1, result.output
    message = " ".join(result.stderr.split())
    assert "part xl/worksheets/sheet1.xml of sheet 'S' missing" in message and "nosheet.xlsx" in message
    assert not out.exists()
