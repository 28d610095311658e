"""The macro-enabled template (templates/hashlease.xlsm) for the classic add-in on Windows.

*Import Functions* writes the ``HL_`` functions into the workbook as a VBA module, and Excel keeps a VBA module only
in a macro-enabled workbook: saved as .xlsx the functions are gone and every ``HL_`` cell shows ``#NAME?``. What
makes an Office Open XML package (ECMA-376 Part 2) macro-enabled is its workbook part's content type,
``application/vnd.ms-excel.sheet.macroEnabled.main+xml`` (the type Excel writes for an .xlsm, openpyxl's ``XLSM``),
and Excel refuses a file whose extension disagrees with it. The twin holds no VBA project yet: Excel adds one when
a module is imported. Checked here on Linux: the package's parts and content types, openpyxl and LibreOffice
reading it. Not checked: Excel opening it (docs/addin.md lists what only Excel shows).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula
from typer.testing import CliRunner

from hashlease.cli import app

ROOT = Path(__file__).resolve().parents[2]
XLSX, XLSM = ROOT / "templates" / "hashlease.xlsx", ROOT / "templates" / "hashlease.xlsm"
MACRO_ENABLED = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def _content_types(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(extension defaults, part overrides) of the package's [Content_Types].xml."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("[Content_Types].xml"))
    defaults = {d.get("Extension").lower(): d.get("ContentType") for d in root.iter(f"{CT}Default")}
    overrides = {o.get("PartName"): o.get("ContentType") for o in root.iter(f"{CT}Override")}
    return defaults, overrides


def _workbook_part(path: Path) -> str:
    """The part the package's root relationship names as the office document (the workbook)."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as archive:
        rels = ET.fromstring(archive.read("_rels/.rels"))
    (target,) = [r.get("Target") for r in rels.iter(f"{RELS}Relationship") if r.get("Type") == OFFICE_DOCUMENT]
    return "/" + target.lstrip("/")


@pytest.mark.parametrize(("path", "content_type"), [(XLSM, MACRO_ENABLED), (XLSX, PLAIN)], ids=["xlsm", "xlsx"])
def test_the_workbook_part_has_the_content_type_of_its_extension(path, content_type):
    defaults, overrides = _content_types(path)
    assert overrides[_workbook_part(path)] == content_type


@pytest.mark.parametrize("path", [XLSM, XLSX], ids=["xlsm", "xlsx"])
def test_every_part_has_a_content_type_and_every_override_a_part(path):
    # the package is whole: OPC gives each part a type by override or by its extension's default
    defaults, overrides = _content_types(path)
    with zipfile.ZipFile(path) as archive:
        parts = {"/" + n for n in archive.namelist() if not n.endswith("/") and n != "[Content_Types].xml"}
    untyped = [p for p in parts if p not in overrides and PurePosixPath(p).name.rpartition(".")[2].lower()
               not in defaults]
    assert untyped == []
    assert set(overrides) <= parts


def test_the_twin_holds_no_vba_and_points_at_none():
    # no VBA project part, no relationship to one and no type for one: Import Functions adds the project in Excel
    with zipfile.ZipFile(XLSM) as archive:
        names = archive.namelist()
        rels = [archive.read(n).decode() for n in names if n.endswith(".rels")]
        types = archive.read("[Content_Types].xml").decode()
    assert not [n for n in names if "vba" in n.lower() or n.endswith(".bin")]
    assert not any("vbaProject" in r for r in rels)
    assert "vbaProject" not in types


def _formulas(book) -> dict[str, str]:
    out = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                text = value.text if isinstance(value, ArrayFormula) else value
                if isinstance(text, str) and text.startswith("="):
                    out[f"{ws.title}!{cell.coordinate}"] = text
    return out


def test_openpyxl_keeping_vba_reads_the_same_names_and_formulas_as_the_xlsx():
    xlsm = openpyxl.load_workbook(XLSM, keep_vba=True)
    xlsx = openpyxl.load_workbook(XLSX)
    assert xlsm.sheetnames == xlsx.sheetnames
    assert dict(xlsm.defined_names.items()).keys() == dict(xlsx.defined_names.items()).keys()
    assert {n: d.attr_text for n, d in xlsm.defined_names.items()} == \
        {n: d.attr_text for n, d in xlsx.defined_names.items()}
    formulas = _formulas(xlsm)
    assert formulas == _formulas(xlsx)
    assert sum(bool(re.search(r"\bHL_[A-Z_]+\(", f)) for f in formulas.values()) > 70  # the cells Import Functions serves


def test_libreoffice_opens_the_xlsm_and_reads_its_sheets_names_and_formulas(soffice_convert, tmp_path):
    copy = tmp_path / "hashlease.xlsm"
    copy.write_bytes(XLSM.read_bytes())
    converted = soffice_convert(copy, "xlsx:Calc MS Excel 2007 XML")
    book = openpyxl.load_workbook(converted)
    original = openpyxl.load_workbook(XLSM, keep_vba=True)
    assert book.sheetnames == original.sheetnames
    assert {n for n, _ in book.defined_names.items()} >= {n for n, _ in original.defined_names.items()}
    # LibreOffice writes formulas in its own spelling (an array formula in each of its cells, a function it does
    # not know in lower case, hl_hashprice: Excel reads names without regard to case), so compare which HL_
    # functions each sheet calls
    def calls(book) -> set[tuple[str, str]]:
        return {(cell.split("!")[0], name.upper()) for cell, formula in _formulas(book).items()
                for name in re.findall(r"\b(HL_[A-Z0-9_]+)\(", formula, flags=re.IGNORECASE)}

    assert calls(book) == calls(original) and len(calls(original)) > 30


def test_the_command_writes_the_twin_and_refuses_a_mismatched_extension(tmp_path):
    runner = CliRunner()
    out = tmp_path / "mine.xlsm"
    result = runner.invoke(app, ["template", "--classic", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _content_types(out)[1][_workbook_part(out)] == MACRO_ENABLED
    for args in (["template", "--classic", "-o", str(tmp_path / "a.xlsx")], ["template", "-o", str(tmp_path / "b.xlsm")]):
        refused = runner.invoke(app, args)
        assert refused.exit_code == 1 and "--output must be a path ending .xlsm with --classic" in refused.output
        assert not list(tmp_path.glob("[ab].*"))
