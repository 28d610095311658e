"""A copy anyone can open: `hashlease recalc IN -o OUT --values-only` writes every HL_ formula as its value, so
LibreOffice (or Excel without the add-in, or Google Sheets) shows every number and every chart. LibreOffice Calc,
recalculating OUT on open, is the reader checked here."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from typer.testing import CliRunner

from hashlease.cli import app
from hashlease.workbook import contract

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "hashlease.xlsx"
HL = re.compile(r"\bHL_[A-Z_]+\(")


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    work = tmp_path_factory.mktemp("values-only")
    full, frozen = work / "full.xlsx", work / "frozen.xlsx"
    for out, extra in ((full, []), (frozen, ["--values-only"])):
        result = CliRunner().invoke(app, ["recalc", str(TEMPLATE), "-o", str(out), *extra])
        assert result.exit_code == 0, result.output
    return full, frozen


def _formulas(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    out = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                text = value.text if isinstance(value, ArrayFormula) else value
                if isinstance(text, str) and text.startswith("="):
                    out.append(text)
    return out


def test_no_hl_formula_is_left_and_native_formulas_stay(copies):
    full, frozen = copies
    before, after = _formulas(full), _formulas(frozen)
    assert any(HL.search(f) for f in before)
    assert not any(HL.search(f) for f in after)
    assert [f for f in before if not HL.search(f)] == after  # every native formula kept, in order
    with zipfile.ZipFile(frozen) as archive:
        assert "xl/calcChain.xml" not in archive.namelist()
        assert b"calcChain" not in archive.read("[Content_Types].xml")


def test_libreoffice_shows_every_number_and_every_chart(copies, libreoffice):
    full, frozen = copies
    opened = libreoffice(frozen)  # LibreOffice recalculates on open: anything it cannot compute shows here
    book = openpyxl.load_workbook(opened, data_only=True)
    errors = [f"{ws.title}!{cell.coordinate}" for ws in book.worksheets for row in ws.iter_rows() for cell in row
              if cell.value == "#NAME?"]
    assert errors == []
    names = contract.defined_names(TEMPLATE)
    ours = openpyxl.load_workbook(full, data_only=True)
    for name in ("mining_npv_usd", "lease_npv_usd", "breakeven_btc_price_usd", "breakeven_rent_usd_per_kw_month"):
        sheet, ref = contract.output_cell(names, name)
        assert book[sheet][ref].value == pytest.approx(ours[sheet][ref].value, rel=1e-9), name
    # every chart series points at cells holding numbers in what LibreOffice shows
    with zipfile.ZipFile(frozen) as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert charts
    for xml in charts:
        for ref in re.findall(r"<c:val>.*?<c:f>(.*?)</c:f>", xml, flags=re.S):
            sheet, cells = ref.rsplit("!", 1)
            low_col, low_row, high_col, high_row = range_boundaries(cells.replace("$", ""))
            ws = book[sheet.strip("'")]
            values = [ws.cell(r, c).value for r in range(low_row, high_row + 1) for c in range(low_col, high_col + 1)]
            assert values and all(isinstance(v, (int, float)) for v in values), ref
