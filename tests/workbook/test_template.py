"""The committed templates (hashlease.xlsx and its macro-enabled twin hashlease.xlsm) are what the code builds, and
they are the workbook finance staff expect."""

from __future__ import annotations

from pathlib import Path

import math
import textwrap

import openpyxl
import pytest

from hashlease.workbook.template import build_template

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "templates" / "hashlease.xlsx"
CLASSIC = ROOT / "templates" / "hashlease.xlsm"
SHEETS = ["About", "Inputs", "Market", "Fleet", "Mining", "Halving", "AI Lease", "Comparison", "Phasing", "Scenarios",
          "Charts", "xlwings.conf"]


def _content(path: Path) -> dict:
    book = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
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
        content[ws.title + ":heights"] = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
        content[ws.title + ":page"] = (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight,
                                       ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    return content


@pytest.mark.parametrize(("committed", "command"), [
    (COMMITTED, "hashlease template -o templates/hashlease.xlsx"),
    (CLASSIC, "hashlease template --classic -o templates/hashlease.xlsm"),
], ids=["xlsx", "xlsm"])
def test_committed_template_is_what_the_code_builds(tmp_path, committed, command):
    rebuilt = build_template(tmp_path / committed.name, macro_enabled=committed.suffix == ".xlsm")
    assert _content(rebuilt) == _content(committed), f"run: {command}"


def test_the_macro_enabled_twin_has_the_same_sheets_names_and_formulas():
    assert _content(CLASSIC) == _content(COMMITTED)


def _lines_at_most(text: str, width: float) -> int:
    """Lines of ``text`` word-wrapped at 0.85 characters per unit of column width, an under-estimate of what a
    line holds: Excel counts width in digits 0 of Calibri 11, wider than an average letter (about 1.1 letters of
    prose a unit), and LibreOffice without Calibri sets DejaVu Sans, wider still."""
    per_line = int(width * 0.85)
    return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True))) for part in text.split("\n"))


@pytest.mark.parametrize("sheet", ["About", "Inputs", "Market", "Fleet", "Halving", "Scenarios", "Phasing"])
def test_rows_with_wrapped_text_are_tall_enough_for_their_lines(book, sheet):
    # Excel's row for Calibri 11 is 15 points a line (20 for the 14-point title: 14 x 15/11, rounded up)
    ws = book[sheet]
    wrapped = 0
    for row in ws.iter_rows():
        for cell in row:
            if not (cell.alignment.wrap_text and isinstance(cell.value, str)) or cell.value.startswith("="):
                continue
            dimension = ws.column_dimensions.get(cell.column_letter)
            width = dimension.width if dimension is not None and dimension.width else 8.43
            needed = _lines_at_most(cell.value, width) * math.ceil((cell.font.sz or 11) * 15 / 11)
            height = ws.row_dimensions[cell.row].height
            assert height is not None and height >= needed, \
                f"{sheet}!{cell.coordinate}: {height} points for {needed} ({cell.value[:40]!r}...)"
            wrapped += 1
    assert wrapped  # every listed sheet has wrapped text (its About lines or its table headings)


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


def test_array_formulas_never_overlap():
    """Excel refuses a cell inside two array formulas; the compiled and reference engines would disagree on it."""
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    book = openpyxl.load_workbook(COMMITTED)
    for ws in book.worksheets:
        owner: dict[tuple[int, int], str] = {}
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula):
                    first, _, last = cell.value.ref.partition(":")
                    top, left = openpyxl.utils.cell.coordinate_to_tuple(first)
                    bottom, right = openpyxl.utils.cell.coordinate_to_tuple(last or first)
                    for r in range(top, bottom + 1):
                        for c in range(left, right + 1):
                            assert (r, c) not in owner, f"{ws.title}: {cell.value.ref} overlaps {owner[(r, c)]}"
                            owner[(r, c)] = cell.value.ref
