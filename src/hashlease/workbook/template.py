"""Build the hashlease workbook template from code (``hashlease template -o templates/hashlease.xlsx``).

The template is the stock site of :func:`hashlease.models.example_comparison` laid out for finance staff:
assumptions as named, styled, validated input cells; market data with dates and sources; every figure a
formula (native Excel functions where Excel has them, ``HL_`` functions for the domain maths); legacy array
formulas (sized to their tables) for the tables; charts; and an ``xlwings.conf`` sheet for the classic add-in.
The build is deterministic: the same code and snapshot give the same workbook content.

Two files are built from the same sheets: ``hashlease.xlsx`` and its macro-enabled twin ``hashlease.xlsm`` for
the classic add-in on Windows (*Import Functions* writes a VBA module into the workbook, which Excel keeps only in a
macro-enabled file). The twin holds no VBA: it differs only in its workbook part's content type.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.xml.constants import XLSM, XLTM

from hashlease import __version__
from hashlease import models as m
from hashlease.atomic import atomic_path
from hashlease.market import MarketSnapshot, bundled_snapshot
from hashlease.models.assumption_blocks import Bounds, field_bounds
from hashlease.workbook.contract import (BLOCKS, DEMO_OUTPUTS, DISCOUNT_RATE, OUTPUTS, PHASE_FIELDS, PHASED_OUTPUTS,
                                         STRUCTURED_FIELDS, phase_input)

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = Font(color="1F4E79", bold=True)
HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=14, color="1F4E79")
THIN = Border(bottom=Side(style="thin", color="BFBFBF"))
DATE_FORMAT = "yyyy-mm-dd"
START = dt.date(2026, 1, 1)
FIXED_TIME = dt.datetime(2026, 1, 1)  # package timestamps, so a rebuild is byte-comparable in content
STOCK_SOURCE = "hashlease stock case (replace with your own)"
#: The market inputs every sheet reads (the market block's cells, which refer to the Market sheet by default).
MARKET_INPUTS = "market.difficulty,market.btc_price_usd,market.fees_btc_per_block,market.block_height"
#: Points per line of wrapped text per point of font size: Excel's row for Calibri 11 is 15 points.
LINE_POINTS_PER_FONT_POINT = 15 / 11
#: Characters of prose a line of a column of width w holds, per unit of w, taken low. Excel counts w in widths of
#: the digit 0 of Calibri 11, wider than an average letter; a reader without Calibri substitutes a wider font
#: (LibreOffice on Linux: DejaVu Sans), and bold is wider still. Calibri prose fits about 1.1 a unit.
CHARACTERS_PER_WIDTH_UNIT = 0.85
#: Width of a column the sheet does not size (Excel's default for Calibri 11). [characters]
DEFAULT_COLUMN_WIDTH = 8.43


@dataclass(frozen=True)
class Row:
    """One assumption row: name (a model field, or a formula giving a fleet row), value (a number, text, date,
    formula or blank), unit, meaning and validation. Built from the pydantic field by :func:`field_row`."""

    name: str
    value: Any
    unit: str
    doc: str
    bounds: Bounds = Bounds()
    choices: tuple[str, ...] = ()
    whole: bool = False
    date: bool = False
    source: str = STOCK_SOURCE

    @property
    def is_formula(self) -> bool:
        return isinstance(self.value, str) and self.value.startswith("=")


_UNIT = re.compile(r"\s*\[([^\]]+)\]")
#: Units of fields whose description gives none, by the end of the field name (docs/nomenclature.md).
_SUFFIX_UNITS = (("_per_year_frac", "fraction/year"), ("_per_month_frac", "fraction/month"), ("_frac", "fraction"),
                 ("_usd_per_kwh", "USD/kWh"), ("_years", "years"), ("_months", "months"), ("_month", "months"),
                 ("_usd_per_th_s", "USD per TH/s"), ("_btc_per_block", "BTC/block"), ("_mw", "MW"))


def field_row(schema: type, name: str, value: Any = None, note: str = "", source: str | None = None) -> Row:
    """The Inputs row of ``schema.name``: its unit and meaning from the ``Field`` description, bounds from its
    constraints, choices from its ``Literal`` type; ``value`` is the stock case's (blank: the model's default)."""
    field = schema.model_fields[name]
    description = field.description or name
    units = _UNIT.findall(description)
    doc = _UNIT.sub("", description).strip()
    if note:
        doc = f"{doc} ({note})"
    options = set(typing.get_args(field.annotation)) | {field.annotation}
    choices = tuple(c for o in options if typing.get_origin(o) is typing.Literal for c in typing.get_args(o))
    date = bool(options & {dt.date})
    if bool in options:
        choices = ("TRUE", "FALSE")
    if units:
        unit = units[0]
    elif date:
        unit = "date"
    elif choices:
        unit = "-"
    else:
        unit = next((u for suffix, u in _SUFFIX_UNITS if name.endswith(suffix)), "-")
    if source is None:
        default = field.get_default()
        source = STOCK_SOURCE if value is not None else (
            "blank: not used" if default is None else f"blank: the model's default, {default}")
    return Row(name, value, unit, doc, bounds=field_bounds(schema, name), choices=tuple(sorted(choices)),
               whole=int in options and bool not in options, date=date, source=source)


def block_rows(block: str, stock: dict[str, Any], notes: dict[str, str] | None = None,
               extra: dict[str, list[Row]] | None = None) -> list[Row]:
    """Every single-cell field of the block's pydantic class, in model order, with the stock values (others blank);
    ``extra`` rows (the fleet) stand where their structured field is."""
    schema, _ = BLOCKS[block]
    rows: list[Row] = []
    for name in schema.model_fields:
        if name in STRUCTURED_FIELDS:
            rows += (extra or {}).get(name, [])
        else:
            rows.append(field_row(schema, name, stock.get(name), (notes or {}).get(name, "")))
    return rows


def _market_rows() -> list[Row]:
    stock = {"start": START, "months": 133, "difficulty": "=market_difficulty",
             "block_height": "=market_block_height+ROUND((market.start-market_as_of)*144,0)",
             "btc_price_usd": "=market_btc_price_usd", "fees_btc_per_block": "=market_fees_btc_per_block",
             "difficulty_growth_per_month_frac": 0.02, "btc_price_growth_per_year_frac": 0.15}
    notes = {"start": "the lease's construction start", "difficulty": "Market sheet; every sheet reads this cell",
             "block_height": "the Market sheet's height plus 144 blocks a day since its date",
             "btc_price_usd": "Market sheet; every sheet reads this cell",
             "fees_btc_per_block": "Market sheet; every sheet reads this cell"}
    return block_rows("market", stock, notes)


def _mining_rows() -> list[Row]:
    stock = {"site_mw": 100, "pue": 1.1, "uptime_frac": 0.97, "power_price_usd_per_kwh": 0.04,
             "power_escalator_per_year_frac": 0.0, "pool_fee_frac": 0.02, "opex_usd_per_mw_month": 8_000,
             "refresh_every_years": 4, "refresh_capex_usd_per_th_s": 15, "refresh_efficiency_gain_frac": 0.2,
             "salvage_usd_per_th_s": 3, "fleet_age_years": 0, "hashrate_degradation_per_year_frac": 0,
             "efficiency_degradation_per_year_frac": 0}
    fleet = field_row(m.FleetLine, "units", 25_000, "of the fleet model on the Fleet sheet; a row per model, "
                      "named fleet:<model>")
    fleet = Row('="fleet:"&fleet_model', fleet.value, "machines", fleet.doc, fleet.bounds, whole=True)
    return block_rows("mining", stock, extra={"fleet": [fleet]})


def _lease_rows() -> list[Row]:
    stock = {"critical_it_mw": 75, "site_mw": "=mining.site_mw", "construction_start": START,
             "construction_months": 12, "capex_usd_per_mw": 10_000_000, "capex_curve": "s_curve", "delay_months": 0,
             "rent_usd_per_kw_month": 130, "free_rent_months": 0, "escalator_per_year_frac": 0.03, "term_years": 10,
             "lease_structure": "modified_gross", "landlord_opex_usd_per_kw_month": 10,
             "power_price_usd_per_kwh": "=mining.power_price_usd_per_kwh", "loan_to_cost_frac": 0,
             "interest_rate_per_year_frac": 0.07, "debt_tenor_years": 10,
             "discount_rate_per_year_frac": "=discount_rate_per_year_frac"}
    notes = {"site_mw": "the same site as the mining option", "power_price_usd_per_kwh": "the mining site's",
             "discount_rate_per_year_frac": "the comparison's"}
    return block_rows("lease", stock, notes)


def _heading(ws, row: int, labels: list[str], widths: list[int] | None = None) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row, col, label)
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for col, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _name(wb: Workbook, name: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _input_cell(ws, cell) -> None:
    cell.fill, cell.font = INPUT_FILL, INPUT_FONT


def _number_text(value: float) -> str:
    return f"{value:,g}" if abs(value) < 1e6 else f"{value:,.0f}"


def validation_rule(row: Row, ref: str) -> tuple[str, str] | None:
    """(Excel custom-validation formula, message) enforcing ``row``'s pydantic bounds on cell ``ref`` (relative).

    Excel's "between" is inclusive on both sides, so a range such as (0, 1] is written as a formula instead.
    """
    bounds = row.bounds
    if bounds.low is None and bounds.high is None and not row.whole:
        return None
    tests = [f"ISNUMBER({ref})"]
    if row.whole:
        tests.append(f"{ref}=INT({ref})")
    if bounds.low is not None:
        tests.append(f"{ref}{'>=' if bounds.low_inclusive else '>'}{bounds.low:g}")
    if bounds.high is not None:
        tests.append(f"{ref}{'<=' if bounds.high_inclusive else '<'}{bounds.high:g}")
    kind = "a whole number" if row.whole else "a number"
    if bounds.low is not None and bounds.high is not None:
        interval = (f"{'[' if bounds.low_inclusive else '('}{_number_text(bounds.low)}, "
                    f"{_number_text(bounds.high)}{']' if bounds.high_inclusive else ')'}")
        message = f"{kind} in {interval}"
    elif bounds.low is not None:
        message = f"{kind} {'>=' if bounds.low_inclusive else '>'} {_number_text(bounds.low)}"
    elif bounds.high is not None:
        message = f"{kind} {'<=' if bounds.high_inclusive else '<'} {_number_text(bounds.high)}"
    else:
        message = kind
    unit = f" {row.unit}" if row.unit not in ("-", "") else ""
    return "AND(" + ",".join(tests) + ")", message + unit


def _validation(ws, row: Row, ref: str) -> None:
    if row.date:
        dv = DataValidation(type="date", operator="between", formula1="DATE(2009,1,3)", formula2="DATE(2100,12,31)",
                            allow_blank=row.value is None)
        message = "a date from 2009-01-03 to 2100-12-31"
    elif row.choices:
        dv = DataValidation(type="list", formula1='"' + ",".join(row.choices) + '"', allow_blank=row.value is None)
        message = "one of " + ", ".join(row.choices)
    else:
        rule = validation_rule(row, ref.replace("$", ""))
        if rule is None:
            return
        dv = DataValidation(type="custom", formula1=rule[0], allow_blank=True)
        message = rule[1]
    dv.error, dv.errorTitle, dv.showErrorMessage = f"{row.doc}: {message}."[:225], "hashlease input", True
    dv.prompt, dv.promptTitle, dv.showInputMessage = message[:255], row.doc[:32], True
    ws.add_data_validation(dv)
    dv.add(ref)


def _block(wb: Workbook, ws, first_row: int, title: str, block: str, rows: list[Row]) -> int:
    """Write a name | value block; each single-cell assumption is also the named cell ``<block>.<field>``."""
    ws.cell(first_row, 1, title).font = Font(bold=True, size=12, color="1F4E79")
    _heading(ws, first_row + 1, ["Name", "Value", "Unit", "Meaning", "Source / date"])
    top = first_row + 2
    for i, row in enumerate(rows):
        r = top + i
        ws.cell(r, 1, row.name)
        value = ws.cell(r, 2, row.value)
        if row.date:
            value.number_format = DATE_FORMAT
        if not row.is_formula:
            _input_cell(ws, value)
            _validation(ws, row, f"B{r}")
        ws.cell(r, 3, row.unit)
        ws.cell(r, 4, row.doc)
        ws.cell(r, 5, row.source if not row.is_formula else "formula")
        if not row.name.startswith("="):  # the input name a scenario overrides: market.btc_price_usd, mining.pue...
            _name(wb, f"{block}.{row.name}", f"Inputs!$B${r}")
    _name(wb, BLOCKS[block][1], f"Inputs!$A${top}:$B${top + len(rows) - 1}")
    return top + len(rows) + 1


def _about(wb: Workbook) -> None:
    ws = wb.active
    ws.title = "About"
    ws.column_dimensions["A"].width = 110
    # printed (or exported to PDF) on one page width: the 110-character column is wider than a portrait page, and
    # wider still in a reader that substitutes a wider font for Calibri (column widths count its digit 0)
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1  # the sheet is one page long
    lines = [
        ("hashlease: keep mining, or convert the site to an AI/HPC lease?", TITLE_FONT),
        (f"Template version {__version__}. Built from code by `hashlease template`; recalculate headless with "
         "`hashlease recalc`.", None),
        ("", None),
        ("How to use", Font(bold=True)),
        ("1. Inputs: every assumption, in yellow cells (blank: the model's default). Names in column A are the "
         "model's field names; units are in column C, bounds in each cell's validation. Each block is one named "
         "range passed to the HL_ functions, and each value is the named cell <block>.<field> (market.btc_price_usd, "
         "mining.pue, lease.term_years): the name a scenario overrides.", None),
        ("2. Market: difficulty, block height, fees and BTC price, each with its date and source. Refresh it with "
         "`hashlease refresh` or type newer figures.", None),
        ("3. Fleet, Mining, Halving: what the fleet earns now and after the next halving, and when each machine "
         "stops paying.", None),
        ("4. AI Lease: the monthly lease schedule, its NPV (Excel XNPV) and IRR (Excel XIRR), and every summary "
         "figure.", None),
        ("5. Comparison: both options on the same dates and discount rate, the break-even BTC price and rent, "
         "a sensitivity grid and the monthly cumulative cash; Charts plots them.", None),
        ("6. Scenarios: named overrides of inputs (by the names above, and phase1.site_mw... on Phasing), for "
         "`hashlease batch`. Its outputs are named cells too: mining_npv_usd, lease_npv_usd, npv_difference_usd, "
         "lease_irr_per_year_frac, lease_payback_month, breakeven_btc_price_usd, breakeven_rent_usd_per_kw_month, "
         "hashprice_now_usd_per_ph_day, phased_npv_usd.", None),
        ("", None),
        ("Units and conventions", Font(bold=True)),
        ("Hashprice in USD per PH/s per day; power in USD/kWh; efficiency in J/TH; rent in USD per kW of critical "
         "IT per month; fractions as decimals (0.03 = 3%). Dates are Excel dates. NPVs are Excel XNPV "
         "(actual/365) from the first day of the construction-start month.", None),
        ("Tables are legacy array formulas sized to the stock case; if an input lengthens a table (a longer term), "
         "select the larger range and re-enter the formula with Ctrl+Shift+Enter, with its rows argument.", None),
        ("", None),
        ("Installing the functions", Font(bold=True)),
        ("Windows (classic add-in): use the macro-enabled copy, hashlease.xlsm (`hashlease template --classic`): "
         "Import Functions writes a VBA module that only a macro-enabled workbook keeps. pip install "
         "\"hashlease[excel]\"; xlwings addin install; trust access to the VBA project; in the VBA editor, "
         "Tools > References > xlwings; the xlwings.conf sheet here names the UDF module; click Import Functions "
         "on the xlwings tab; save as .xlsm.", None),
        ("Mac and Excel on the web: the xlwings Lite add-in with hashlease's main.py and requirements.txt. "
         "Details: docs/addin.md.", None),
        ("A classic-add-in error shows as text beginning with the Excel error (#NUM! ..., #VALUE! ...); "
         "ISNUMBER() tells results from errors.", None),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(i, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font


def _market(wb: Workbook, snapshot: MarketSnapshot) -> None:
    ws = wb.create_sheet("Market")
    ws["A1"], ws["A1"].font = f"Market snapshot: {snapshot.name}", TITLE_FONT
    _heading(ws, 2, ["Input", "Value", "Unit", "As of", "Source", "Status"], [22, 22, 12, 12, 100, 40])
    items = [("Difficulty", "market_difficulty", snapshot.difficulty),
             ("Block height", "market_block_height", snapshot.block_height),
             ("Fees", "market_fees_btc_per_block", snapshot.fees_btc_per_block),
             ("BTC price", "market_btc_price_usd", snapshot.btc_price_usd)]
    for i, (label, name, item) in enumerate(items, start=3):
        ws.cell(i, 1, label)
        value = ws.cell(i, 2, item.value if name != "market_block_height" else int(item.value))
        _input_cell(ws, value)
        value.number_format = "#,##0" if name in ("market_difficulty", "market_block_height") else "#,##0.0000"
        ws.cell(i, 3, item.unit)
        ws.cell(i, 4, item.as_of).number_format = DATE_FORMAT
        ws.cell(i, 5, item.source)
        ws.cell(i, 6, "bundled offline snapshot")
        _name(wb, name, f"Market!$B${i}")
        for part, column in (("as_of", "D"), ("source", "E"), ("status", "F")):  # what refresh writes beside it
            _name(wb, f"{name}_{part}", f"Market!${column}${i}")
    ws.cell(7, 1, "Snapshot date")
    ws.cell(7, 2, "=MAX(D3:D6)").number_format = DATE_FORMAT
    ws.cell(7, 5, "The latest as-of date above")
    _name(wb, "market_as_of", "Market!$B$7")
    if snapshot.published_hashprice_usd_per_ph_day:
        item = snapshot.published_hashprice_usd_per_ph_day
        ws.cell(9, 1, "Published hashprice")
        ws.cell(9, 2, item.value)
        ws.cell(9, 3, item.unit)
        ws.cell(9, 4, item.as_of).number_format = DATE_FORMAT
        ws.cell(9, 5, item.source)
        ws.cell(10, 1, "Hashprice from the inputs")
        ws.cell(10, 2, "=HL_HASHPRICE(market_difficulty,market_btc_price_usd,market_fees_btc_per_block,"
                       "market_block_height)")
        ws.cell(10, 3, "USD/PH/day")
        ws.cell(10, 5, "Point estimate; the index averages fees over 144 blocks and the price over exchanges")


def _inputs(wb: Workbook) -> None:
    ws = wb.create_sheet("Inputs", 1)
    for col, width in zip("ABCDE", (34, 18, 16, 58, 40)):
        ws.column_dimensions[col].width = width
    ws["A1"], ws["A1"].font = ("Inputs (yellow cells); names in column A are the models' field names, each value the "
                               "named cell <block>.<field>"), TITLE_FONT
    rate = field_row(m.SiteComparisonInputs, DISCOUNT_RATE, 0.10)
    ws["A2"], ws["B2"] = DISCOUNT_RATE, rate.value
    _input_cell(ws, ws["B2"])
    ws["C2"], ws["D2"] = rate.unit, "Discount rate for both options (Excel XNPV, actual/365)"
    _validation(ws, rate, "B2")
    _name(wb, DISCOUNT_RATE, "Inputs!$B$2")
    row = _block(wb, ws, 4, "Market projection", "market", _market_rows())
    row = _block(wb, ws, row + 1, "Mining site", "mining", _mining_rows())
    row = _block(wb, ws, row + 1, "AI/HPC lease", "lease", _lease_rows())
    ws.cell(row + 1, 1, "fleet_model")
    model = ws.cell(row + 1, 2, "Antminer S21")
    _input_cell(ws, model)
    ws.cell(row + 1, 3, "-")
    ws.cell(row + 1, 4, "Catalogue model of the fleet (Fleet sheet)")
    names = [a.model for a in m.asic_catalogue()]
    dv = DataValidation(type="list", formula1=f"=Fleet!$A$3:$A${2 + len(names)}", allow_blank=False)
    dv.error, dv.showErrorMessage = "Pick a model from the Fleet sheet.", True
    ws.add_data_validation(dv)
    dv.add(f"B{row + 1}")
    _name(wb, "fleet_model", f"Inputs!$B${row + 1}")
    ws.freeze_panes = "A3"


def _fleet(wb: Workbook) -> None:
    ws = wb.create_sheet("Fleet")
    ws["A1"], ws["A1"].font = "ASIC catalogue (nameplate figures, each with its source)", TITLE_FONT
    _heading(ws, 2, ["Model", "Hashrate TH/s", "Power W", "Efficiency J/TH", "TH/s per MW of site power",
                     "Machines per MW of site power", "Source", "Note"], [20, 14, 10, 14, 18, 18, 60, 40])
    for i, asic in enumerate(m.asic_catalogue(), start=3):
        ws.cell(i, 1, asic.model)
        ws.cell(i, 2, asic.hashrate_th_s)
        ws.cell(i, 3, asic.power_w)
        ws.cell(i, 4, asic.efficiency_j_per_th)
        ws.cell(i, 5, f"=HL_TH_PER_MW(D{i},mining.pue)").number_format = "#,##0"
        ws.cell(i, 6, f"=E{i}/B{i}").number_format = "#,##0.0"
        ws.cell(i, 7, asic.source_url)
        ws.cell(i, 8, asic.note)
    last = 2 + len(m.asic_catalogue())
    _name(wb, "fleet_efficiency_j_per_th", "Mining!$B$6")
    return last


def _mining(wb: Workbook, catalogue_last: int) -> None:
    ws = wb.create_sheet("Mining")
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 18
    ws["A1"], ws["A1"].font = "Mining economics of the site at the projection's start", TITLE_FONT
    market = MARKET_INPUTS
    rows = [
        ("Hashprice now", f"=HL_HASHPRICE({market})", "USD/PH/day"),
        ("Hashprice after the next halving", f"=HL_HASHPRICE_POST_HALVING({market})", "USD/PH/day"),
        ("Network hashrate", "=HL_NETWORK_HASHRATE(market.difficulty)", "EH/s"),
        ("Fleet efficiency", f"=INDEX(Fleet!$D$3:$D${catalogue_last},MATCH(fleet_model,Fleet!$A$3:$A$"
                             f"{catalogue_last},0))", "J/TH"),
        ("Hashrate per MW of site power", "=HL_TH_PER_MW(B6,mining.pue)", "TH/s per MW"),
        ("Cash margin per MW-day", "=HL_MINING_MARGIN_PER_MW_DAY(B3,B6,mining.power_price_usd_per_kwh,mining.pue,"
                                   "mining.uptime_frac,mining.pool_fee_frac,mining.opex_usd_per_mw_month*12/365)",
         "USD/MW/day"),
        ("Cash margin per MW-year", "=B8*365", "USD/MW/year"),
        ("Site cash margin per year", "=B9*mining.site_mw", "USD/year"),
        ("Breakeven power price", "=HL_BREAKEVEN_POWER_PRICE(B3,B6,mining.uptime_frac,mining.pool_fee_frac,mining.pue)",
         "USD/kWh"),
    ]
    _heading(ws, 2, ["Figure", "Value", "Unit"])
    for i, (label, formula, unit) in enumerate(rows, start=3):
        ws.cell(i, 1, label)
        ws.cell(i, 2, formula).number_format = "#,##0.00"
        ws.cell(i, 3, unit)
    _name(wb, "hashprice_now_usd_per_ph_day", "Mining!$B$3")  # = the projection's first month (same inputs)
    _name(wb, "hashprice_after_halving_usd_per_ph_day", "Mining!$B$4")
    _name(wb, "site_cash_margin_usd_per_year", "Mining!$B$10")
    ws["A14"], ws["A14"].font = "Monthly hashprice projection (HL_HASHPRICE_PATH of the market assumptions)", \
        Font(bold=True)
    months = 133
    columns = 1 + len(m.hashprice_projection(m.example_comparison().market).columns)
    ref = f"A15:{get_column_letter(columns)}{15 + months}"
    ws["A15"] = ArrayFormula(ref, f"=HL_HASHPRICE_PATH(market_assumptions,{months + 1})")
    for r in range(16, 16 + months):
        ws.cell(r, 1).number_format = DATE_FORMAT


def _halving(wb: Workbook, catalogue_last: int) -> None:
    ws = wb.create_sheet("Halving")
    ws["A1"], ws["A1"].font = "Before and after the next halving (from the projection's start)", TITLE_FONT
    market = MARKET_INPUTS
    facts = [("Next halving height", "=HL_NEXT_HALVING_HEIGHT(market.block_height)", "blocks", "#,##0"),
             ("Estimated date (10-minute blocks)", "=HL_HALVING_DATE(market.block_height,market.start)", "date",
              DATE_FORMAT),
             ("Subsidy now", "=HL_SUBSIDY(market.block_height)", "BTC/block", "0.0000"),
             ("Subsidy after", "=HL_SUBSIDY(B3)", "BTC/block", "0.0000"),
             ("Power price used below", "=mining.power_price_usd_per_kwh", "USD/kWh", "0.0000")]
    for i, (label, formula, unit, fmt) in enumerate(facts, start=3):
        ws.cell(i, 1, label)
        ws.cell(i, 2, formula).number_format = fmt
        ws.cell(i, 3, unit)
    ws.column_dimensions["A"].width = 34
    _heading(ws, 9, ["Model", "Efficiency J/TH", "Hashcost USD/PH/day", "Breakeven power now USD/kWh",
                     "Breakeven power after USD/kWh", "Breakeven BTC now USD/BTC", "Breakeven BTC after USD/BTC",
                     "Cost to mine after (all-in) USD/BTC"], [34, 12, 14, 16, 16, 16, 16, 18])
    fees = "market.difficulty,market.fees_btc_per_block,market.block_height"
    for i in range(len(m.asic_catalogue())):
        r, src = 10 + i, 3 + i
        ws.cell(r, 1, f"=Fleet!A{src}")
        ws.cell(r, 2, f"=Fleet!D{src}")
        ws.cell(r, 3, f"=HL_HASHCOST(B{r},$B$7)")
        ws.cell(r, 4, f"=HL_BREAKEVEN_POWER_PRICE(hashprice_now_usd_per_ph_day,B{r})")
        ws.cell(r, 5, f"=HL_BREAKEVEN_POWER_PRICE_POST_HALVING({market},B{r})")
        ws.cell(r, 6, f"=HL_BREAKEVEN_BTC_PRICE({fees},B{r},$B$7)")
        ws.cell(r, 7, f"=HL_BREAKEVEN_BTC_PRICE_POST_HALVING({fees},B{r},$B$7)")
        ws.cell(r, 8, f"=HL_COST_TO_MINE_POST_HALVING({fees},B{r},$B$7,mining.uptime_frac,mining.pool_fee_frac,"
                      f"mining.pue,mining.opex_usd_per_mw_month*12/365/HL_TH_PER_MW(B{r},mining.pue)*1000)")
        for c, fmt in zip(range(3, 9), ("0.00", "0.0000", "0.0000", "#,##0", "#,##0", "#,##0")):
            ws.cell(r, c).number_format = fmt
    _name(wb, "halving_by_model", f"Halving!$A$9:$H${9 + len(m.asic_catalogue())}")


def _lease(wb: Workbook) -> None:
    ws = wb.create_sheet("AI Lease")
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 18
    ws["A1"], ws["A1"].font = "AI/HPC lease", TITLE_FONT
    schedule = m.lease_schedule(m.example_comparison().lease)
    rows, columns = len(schedule) + 1, len(schedule.columns) + 1
    summary_rows = len(m.LeaseSummary.model_fields)
    top = 3 + summary_rows + 2  # the schedule starts below the summary's array (arrays never overlap)
    date_col = "A"
    column_of = {name: get_column_letter(2 + i) for i, name in enumerate(schedule.columns)}
    unlevered, capex = column_of["unlevered_cash_flow_usd"], column_of["capex_usd"]
    first, last = top + 1, top + rows - 1
    figures = [
        ("NPV, unlevered (HL_LEASE_NPV)", "=HL_LEASE_NPV(lease_assumptions)", "USD", "#,##0"),
        ("NPV, unlevered (Excel XNPV of the schedule below)",
         f"=XNPV(discount_rate_per_year_frac,{unlevered}{first}:{unlevered}{last},{date_col}{first}:{date_col}{last})",
         "USD", "#,##0"),
        ("IRR, unlevered (HL_LEASE_IRR)", "=HL_LEASE_IRR(lease_assumptions)", "fraction/year", "0.00%"),
        ("IRR, unlevered (Excel XIRR of the schedule below)",
         f"=XIRR({unlevered}{first}:{unlevered}{last},{date_col}{first}:{date_col}{last})", "fraction/year", "0.00%"),
        ("Payback from construction start", "=HL_LEASE_PAYBACK(lease_assumptions)", "months", "0"),
        ("NPV, levered (equity)", "=HL_LEASE_NPV(lease_assumptions,TRUE)", "USD", "#,##0"),
        ("Total capex", f"=SUM({capex}{first}:{capex}{last})", "USD", "#,##0"),
    ]
    _heading(ws, 2, ["Figure", "Value", "Unit"])
    for i, (label, formula, unit, fmt) in enumerate(figures, start=3):
        ws.cell(i, 1, label)
        ws.cell(i, 2, formula).number_format = fmt
        ws.cell(i, 3, unit)
    _name(wb, "lease_xnpv_usd", "'AI Lease'!$B$4")
    _name(wb, "lease_xirr_per_year_frac", "'AI Lease'!$B$6")
    ws["E2"], ws["E2"].font = "Summary (HL_LEASE_SUMMARY)", Font(bold=True)
    ws.column_dimensions["E"].width = 36
    ws.column_dimensions["F"].width = 18
    ws["E3"] = ArrayFormula(f"E3:F{2 + summary_rows}", "=HL_LEASE_SUMMARY(lease_assumptions)")
    ws[f"A{top - 1}"], ws[f"A{top - 1}"].font = "Monthly schedule (HL_LEASE_SCHEDULE)", Font(bold=True)
    ws[f"A{top}"] = ArrayFormula(f"A{top}:{get_column_letter(columns)}{top + rows - 1}",
                                 f"=HL_LEASE_SCHEDULE(lease_assumptions,{rows})")
    for r in range(first, last + 1):
        ws.cell(r, 1).number_format = DATE_FORMAT


def _comparison(wb: Workbook) -> tuple[str, str, int]:
    ws = wb.create_sheet("Comparison")
    ws.column_dimensions["A"].width = 30
    ws["A1"], ws["A1"].font = "Keep mining or convert: same site, same dates, same discount rate", TITLE_FONT
    args = "market_assumptions,mining_assumptions,lease_assumptions,discount_rate_per_year_frac"
    ws["A3"] = ArrayFormula("A3:F6", f"=HL_SITE_COMPARE({args})")
    ws["A8"], ws["B8"] = "Break-even BTC price (mining = lease)", f"=HL_BREAKEVEN_BTC_PRICE_VS_LEASE({args})"
    ws["C8"] = "USD/BTC at the start; the whole price path scales with it"
    ws["A9"], ws["B9"] = "Break-even rent (lease = mining)", f"=HL_BREAKEVEN_RENT_VS_MINING({args})"
    ws["C9"] = "USD/kW-month, year 1"
    ws["B8"].number_format, ws["B9"].number_format = "#,##0", "#,##0.00"
    # HL_SITE_COMPARE's table: a header row, then mining, lease and difference; NPV, IRR and payback columns
    for name, cell in (("mining_npv_usd", "B4"), ("lease_npv_usd", "B5"), ("npv_difference_usd", "B6"),
                       ("lease_irr_per_year_frac", "C5"), ("lease_payback_month", "D5"),
                       ("breakeven_btc_price_usd", "B8"), ("breakeven_rent_usd_per_kw_month", "B9")):
        column, row = cell[0], cell[1:]
        _name(wb, name, f"Comparison!${column}${row}")
    ws["A11"], ws["A11"].font = "Sensitivity: lease NPV less mining NPV (USD)", Font(bold=True)
    ws["A12"], ws["B12"] = "Rows: BTC price at the start", "Columns: rent per kW-month"
    prices = [60_000, 80_000, 100_000, 120_000, 140_000]
    rents = [100, 115, 130, 145, 160]
    for i, value in enumerate(prices):
        _input_cell(ws, ws.cell(13, 2 + i, value))
    for i, value in enumerate(rents):
        _input_cell(ws, ws.cell(14, 2 + i, value))
    ws["A13"], ws["A14"] = "BTC prices (USD/BTC)", "Rents (USD/kW-month)"
    ws["A16"] = ArrayFormula("A16:F21", f'=HL_SENSITIVITY(market_assumptions,mining_assumptions,lease_assumptions,'
                                        f'"market.btc_price_usd",B13:F13,"lease.rent_usd_per_kw_month",B14:F14,'
                                        f'discount_rate_per_year_frac)')
    ws["A23"], ws["A23"].font = "Monthly cash of both options (HL_SITE_CASH)", Font(bold=True)
    months = m.example_comparison().horizon
    ws["A24"] = ArrayFormula(f"A24:H{24 + months}", f"=HL_SITE_CASH({args},0,{months + 1})")
    for r in range(25, 25 + months):
        ws.cell(r, 1).number_format = DATE_FORMAT
    return "Comparison", "A24", months


def _phasing(wb: Workbook) -> None:
    ws = wb.create_sheet("Phasing")
    ws.column_dimensions["A"].width = 30
    for col in "BCDEFGHI":
        ws.column_dimensions[col].width = 16
    ws["A1"], ws["A1"].font = "Phased conversion: convert hall by hall while the rest keeps mining", TITLE_FONT
    _heading(ws, 3, ["Site MW (taken from mining)", "Critical IT MW (leased)", "Cut-over month"])
    phases = [(50, 37.5, 0), (50, 37.5, 12)]
    rules = [field_row(m.ConversionPhase, field, 1) for field in PHASE_FIELDS]
    for i, phase in enumerate(phases):
        for j, value in enumerate(phase):
            cell = ws.cell(4 + i, 1 + j, value)
            _input_cell(ws, cell)
            _validation(ws, rules[j], cell.coordinate)
    _name(wb, "conversion_phases", f"Phasing!$A$4:$C${3 + len(phases)}")
    for i in range(len(phases)):  # each phase cell is also an input name: phase1.site_mw, phase2.cutover_month...
        for j, field in enumerate(PHASE_FIELDS):
            _name(wb, phase_input(i + 1, field), f"Phasing!${get_column_letter(1 + j)}${4 + i}")
    ws["E3"], ws["F3"] = "Displaced machines", "redeploy"
    _input_cell(ws, ws["F3"])
    _validation(ws, field_row(m.PhasedSiteInputs, "displaced_fleet", "redeploy"), "F3")
    _name(wb, "displaced_fleet", "Phasing!$F$3")
    args = ("market_assumptions,mining_assumptions,lease_assumptions,conversion_phases,discount_rate_per_year_frac,"
            "displaced_fleet")
    ws["E4"], ws["F4"] = "Phased plan NPV (USD)", f"=HL_PHASED_NPV({args})"
    ws["F4"].number_format = "#,##0"
    _name(wb, "phased_npv_usd", "Phasing!$F$4")
    ws["A8"], ws["A8"].font = "Three options on one basis (HL_PHASED_COMPARE)", Font(bold=True)
    ws["A9"] = ArrayFormula("A9:D12", f"=HL_PHASED_COMPARE({args})")
    plan = m.PhasedSiteInputs(site=m.example_comparison(), phases=[
        dict(site_mw=a, critical_it_mw=b, cutover_month=c) for a, b, c in phases])
    months = plan.horizon
    ws["A14"], ws["A14"].font = "Monthly schedule of the phased plan (HL_PHASED_SCHEDULE)", Font(bold=True)
    ws["A15"] = ArrayFormula(f"A15:I{15 + months}", f"=HL_PHASED_SCHEDULE({args},{months + 1})")
    for r in range(16, 16 + months):
        ws.cell(r, 1).number_format = DATE_FORMAT
    chart = LineChart()
    chart.title, chart.y_axis.title = "MW mined and MW leased over time", "MW"
    for col in (2, 3):  # mining_site_mw (site MW), critical_it_mw_online (IT MW)
        chart.add_data(Reference(ws, min_col=col, min_row=15, max_row=15 + months), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=16, max_row=15 + months))
    chart.width, chart.height = 22, 9
    ws.add_chart(chart, "K3")


def _scenarios(wb: Workbook) -> None:
    ws = wb.create_sheet("Scenarios")
    ws["A1"], ws["A1"].font = "Scenarios: named overrides of inputs (for hashlease batch)", TITLE_FONT
    _heading(ws, 2, ["Scenario", "Input (named cell: market.btc_price_usd...)", "Value", "Note"], [18, 44, 14, 50])
    rows = [("base", "", "", "The inputs as they stand"),
            ("bear", "market.btc_price_usd", 60_000, "BTC falls"),
            ("bear", "market.difficulty_growth_per_month_frac", 0.03, "Hashrate keeps growing fast"),
            ("bull", "market.btc_price_usd", 150_000, "BTC rallies"),
            ("bull", "market.btc_price_growth_per_year_frac", 0.25, ""),
            ("late_build", "lease.delay_months", 9, "Nine months of delay"),
            ("rich_lease", "lease.rent_usd_per_kw_month", 160, "Hyperscaler-grade rent")]
    for i, row in enumerate(rows, start=3):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(i, j, value)
            if j == 3 and value != "":
                _input_cell(ws, cell)


def _charts(wb: Workbook, months_projection: int, cash_months: int) -> None:
    ws = wb.create_sheet("Charts")
    ws["A1"], ws["A1"].font = "Charts", TITLE_FONT
    mining = wb["Mining"]
    columns = list(m.hashprice_projection(m.example_comparison().market).columns)
    hashprice_col = 2 + columns.index("hashprice_usd_per_ph_day")
    chart = LineChart()
    chart.title, chart.y_axis.title, chart.x_axis.title = "Hashprice path (halvings step it down)", "USD/PH/day", "Month"
    chart.add_data(Reference(mining, min_col=hashprice_col, min_row=15, max_row=15 + months_projection),
                   titles_from_data=True)
    chart.set_categories(Reference(mining, min_col=1, min_row=16, max_row=15 + months_projection))
    chart.width, chart.height = 24, 9
    ws.add_chart(chart, "A3")
    comparison = wb["Comparison"]
    cash = LineChart()
    cash.title, cash.y_axis.title = "Cumulative cash: keep mining vs convert to lease", "USD"
    for col in (6, 7):  # cumulative mining, cumulative lease
        cash.add_data(Reference(comparison, min_col=col, min_row=24, max_row=24 + cash_months), titles_from_data=True)
    cash.set_categories(Reference(comparison, min_col=1, min_row=25, max_row=24 + cash_months))
    cash.width, cash.height = 24, 9
    ws.add_chart(cash, "A22")
    bars = BarChart()
    bars.title, bars.y_axis.title = "Lease NPV less mining NPV by BTC price (one bar per rent)", "USD"
    bars.add_data(Reference(comparison, min_col=2, max_col=6, min_row=16, max_row=21), titles_from_data=True)
    bars.set_categories(Reference(comparison, min_col=1, min_row=17, max_row=21))
    bars.width, bars.height = 24, 9
    ws.add_chart(bars, "A41")


def _xlwings_conf(wb: Workbook) -> None:
    ws = wb.create_sheet("xlwings.conf")
    ws["A1"], ws["B1"] = "UDF Modules", "hashlease.addin._generated.classic"
    ws["A2"], ws["B2"] = "Show Console", "False"
    ws.sheet_state = "hidden"


def wrapped_lines(text: str, width: float) -> int:
    """Lines that ``text``, wrapped in a column ``width`` characters wide, takes at most (word wrap, counted with
    :data:`CHARACTERS_PER_WIDTH_UNIT` characters per unit of width; a line break in the text starts a line)."""
    per_line = max(1, int(width * CHARACTERS_PER_WIDTH_UNIT))
    return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True, break_on_hyphens=False)))
               for part in text.split("\n"))


def column_width(ws, column: str) -> float:
    """Width of ``column`` as the sheet sets it, or Excel's default. [characters]"""
    dimension = ws.column_dimensions.get(column)
    return dimension.width if dimension is not None and dimension.customWidth else DEFAULT_COLUMN_WIDTH


def wrapped_row_height(ws, row: int) -> float | None:
    """Height that shows every wrapped text of ``row`` in full (the tallest of its cells), or None when no cell of
    the row wraps text. [points]"""
    heights = [wrapped_lines(cell.value, column_width(ws, cell.column_letter))
               * math.ceil((cell.font.sz or 11) * LINE_POINTS_PER_FONT_POINT)
               for cell in ws[row] if cell.alignment.wrap_text and isinstance(cell.value, str)
               and not cell.value.startswith("=")]
    return float(max(heights)) if heights else None


def _fit_wrapped_rows(wb: Workbook) -> None:
    """Give each row with wrapped text the height of its lines: a row without one keeps the default single-line
    height in readers that do not fit rows on opening (LibreOffice), and its lines overlap the next row's."""
    for ws in wb.worksheets:
        for row in range(1, ws.max_row + 1):
            height = wrapped_row_height(ws, row)
            if height is not None:
                ws.row_dimensions[row].height = height


class _MacroEnabledWorkbook(Workbook):
    """A workbook saved as macro-enabled (.xlsm) though it holds no VBA yet.

    openpyxl gives the workbook part the macro-enabled content type only when the workbook carries a VBA project
    read from a file (``vba_archive``); one built from code has none, and a VBA project part cannot be written
    empty. The workbook part's content type is what makes the package an .xlsm.
    """

    @property
    def mime_type(self) -> str:
        return XLTM if self.template else XLSM


def build_template(path: str | Path, snapshot: MarketSnapshot | None = None, *, macro_enabled: bool = False) -> Path:
    """Write the template workbook to ``path`` (atomically) and return the path.

    ``macro_enabled`` writes the macro-enabled twin (for a path ending .xlsm: Excel refuses a file whose extension
    does not match its content type): the same sheets, names and formulas, with no VBA until *Import Functions*.
    """
    snapshot = snapshot or bundled_snapshot()
    wb = _MacroEnabledWorkbook() if macro_enabled else Workbook()
    _about(wb)
    _market(wb, snapshot)
    _inputs(wb)
    last = _fleet(wb)
    _mining(wb, last)
    _halving(wb, last)
    _lease(wb)
    _, _, cash_months = _comparison(wb)
    _phasing(wb)
    _scenarios(wb)
    _charts(wb, 133, cash_months)
    _xlwings_conf(wb)
    _fit_wrapped_rows(wb)
    missing = [o.name for o in (*OUTPUTS, *PHASED_OUTPUTS, *DEMO_OUTPUTS) if o.name not in wb.defined_names]
    if missing:  # the contract (hashlease.workbook.contract) declares these; batch and demo read them by name
        raise RuntimeError(f"template does not name the declared outputs {missing}")
    wb.properties.creator = "hashlease"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:  # a kill (SIGTERM) during the save leaves no partial file behind
        wb.save(temporary)
    return path
