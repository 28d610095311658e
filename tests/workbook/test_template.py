"""The committed template is what the code builds, and it is the workbook finance staff expect."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from hashlease.workbook.template import build_template

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "templates" / "hashlease.xlsx"
SHEETS = ["About", "Inputs", "Market", "Fleet", "Mining", "Halving", "AI Lease", "Comparison", "Phasing", "Scenarios",
          "Charts", "xlwings.conf"]


def _content(path: Path) -> dict:
    book = openpyxl.load_workbook(path)
    content = {"sheets": [(ws.title, ws.sheet_state) for ws in book.worksheets],
               "names": sorted((n, d.attr_text) for n, d in book.defined_names.items())}
    for ws in book.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                text = getattr(value, "text", value)
                ref = getattr(value, "ref", None)
                cells[cell.coordinate] = (str(text), ref, cell.number_format, cell.fill.fgColor.rgb)
        content[ws.title] = cells
        content[ws.title + ":validation"] = sorted(
            (dv.type, dv.operator, dv.formula1, dv.formula2, str(dv.sqref)) for dv in ws.data_validations.dataValidation)
        content[ws.title + ":charts"] = [(type(c).__name__, [s.val.numRef.f for s in c.series]) for c in ws._charts]
    return content


def test_committed_template_is_what_the_code_builds(tmp_path):
    rebuilt = build_template(tmp_path / "rebuilt.xlsx")
    assert _content(rebuilt) == _content(COMMITTED), "run: hashlease template -o templates/hashlease.xlsx"


@pytest.fixture(scope="module")
def book():
    return openpyxl.load_workbook(COMMITTED)


def test_sheets_and_config(book):
    assert [ws.title for ws in book.worksheets] == SHEETS
    conf = book["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "hashlease.addin._generated.classic")


def test_inputs_are_named_styled_validated_and_carry_units(book):
    names = dict(book.defined_names.items())
    for block in ("market_assumptions", "mining_assumptions", "lease_assumptions"):
        assert block in names
    inputs = book["Inputs"]
    validated = {str(c) for dv in inputs.data_validations.dataValidation for c in dv.sqref.ranges}
    for row in inputs.iter_rows(min_row=6):
        name, value, unit = row[0].value, row[1], row[2].value
        if name in (None, "Name") or (isinstance(value.value, str) and value.value.startswith("=")):
            continue
        if value.value is None and name != "exit_cap_rate_frac":
            continue
        assert unit, f"{name} has no unit"
        assert value.fill.fgColor.rgb.endswith("FFF2CC"), f"{name} is not styled as an input"
        assert value.coordinate in validated, f"{name} has no data validation"


def test_formulas_are_readable_and_use_native_functions_where_excel_has_them(book):
    lease = book["AI Lease"]
    assert lease["B4"].value.startswith("=XNPV(discount_rate_per_year_frac,")
    assert lease["B6"].value.startswith("=XIRR(")
    # the market block's input cells (which refer to the Market sheet), so a scenario's override moves this too
    assert book["Mining"]["B3"].value == ("=HL_HASHPRICE(market.difficulty,market.btc_price_usd,"
                                         "market.fees_btc_per_block,market.block_height)")
    charts = book["Charts"]._charts
    assert len(charts) == 3


def test_market_values_carry_dates_and_sources(book):
    market = book["Market"]
    for row in range(3, 7):
        assert market.cell(row, 4).value is not None and "http" in market.cell(row, 5).value
