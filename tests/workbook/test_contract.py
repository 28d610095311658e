"""The workbook contract: every input a scenario overrides and every output code reads is a defined name of the
template, code reads them by name (never by a cell address), the names are the ones the user sees, the input rows
carry the pydantic bounds, and overriding the BTC price moves every sheet that shows it."""

from __future__ import annotations

import ast
import datetime as dt
import re
import zipfile
from pathlib import Path

import annotated_types
import openpyxl
import openpyxl.worksheet.cell_range
import pytest

from hashlease import models as m
from hashlease.batch import Scenario, _override_cells, base_inputs, scenario_inputs, workbook_chunk
from hashlease.models import HashleaseError
from hashlease.workbook import contract
from hashlease.workbook.writer import defined_ref

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"
ALL_OUTPUTS = [*contract.OUTPUTS, *contract.PHASED_OUTPUTS, *contract.DEMO_OUTPUTS]


@pytest.fixture(scope="module")
def book():
    return openpyxl.load_workbook(TEMPLATE)


@pytest.fixture(scope="module")
def names(book):
    return {name: d.attr_text for name, d in book.defined_names.items()}


def _cell(book, names, name):
    sheet, ref = defined_ref(names[name])
    assert ":" not in ref, f"{name} names a range, not one cell"
    return book[sheet][ref]


# --- names exist ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("output", ALL_OUTPUTS, ids=[o.name for o in ALL_OUTPUTS])
def test_every_declared_output_is_a_named_formula_cell(book, names, output):
    assert output.name in names
    cell = _cell(book, names, output.name)
    in_array = any(cell.coordinate in openpyxl.worksheet.cell_range.CellRange(ref)
                   for ref in cell.parent.array_formulae.values())  # a cell of a table (HL_SITE_COMPARE)
    assert in_array or (isinstance(cell.value, str) and cell.value.startswith("=")), f"{output.name} is no formula"
    assert output.unit and output.description


def test_outputs_carry_their_unit_in_the_name():
    suffixes = {"USD": "_usd", "USD/PH/day": "_usd_per_ph_day", "fraction/year": "_per_year_frac",
                "months": "_month", "USD/BTC": "_usd", "USD/kW-month": "_usd_per_kw_month", "USD/year": "_usd_per_year"}
    for output in ALL_OUTPUTS:
        assert output.name.endswith(suffixes[output.unit]), output.name


def test_every_overridable_input_is_a_named_cell_showing_its_name(book, names):
    sheet, ref = defined_ref(names["conversion_phases"])
    phases = len(book[sheet][ref])
    assert phases == 2  # the stock plan: two halls
    for name in contract.input_names(phases=phases):
        assert name in names, f"the template does not define {name}"
        cell = _cell(book, names, name)
        if name == "discount_rate_per_year_frac" or "." in name and not name.startswith("phase"):
            # the user reads the name in column A beside the value: the field, in the block that the prefix names
            assert cell.parent.title == "Inputs"
            assert cell.parent.cell(cell.row, 1).value == (name.partition(".")[2] or name), name
        else:
            assert cell.parent.title == "Phasing"


def test_input_names_are_the_model_fields():
    expected = ["discount_rate_per_year_frac"]
    for prefix, schema in (("market", m.MarketProjection), ("mining", m.MiningSiteInputs), ("lease", m.LeaseInputs)):
        # every field that is one cell; fleet, resale tiers and lease phases are rows of their own
        expected += [f"{prefix}.{f}" for f in schema.model_fields if f not in ("fleet", "resale_tiers", "phases")]
    assert contract.input_names() == expected
    assert contract.input_names(phases=1)[-3:] == ["phase1.site_mw", "phase1.critical_it_mw", "phase1.cutover_month"]


def test_the_scenarios_sheet_uses_input_names(book):
    used = [row[1].value for row in book["Scenarios"].iter_rows(min_row=3) if row[1].value]
    assert used and all(contract.is_input_name(name) for name in used), used


# --- the name scheme: one for the workbook, the model engine and the workbook engine ---------------------------

def test_every_workbook_input_name_is_accepted_by_the_model_engine():
    base = base_inputs(TEMPLATE)
    data = base.model_dump()
    overrides = []
    for name in contract.input_names():
        block, _, field = name.partition(".")
        overrides.append((name, data[block][field] if field else data[block]))  # the same value: no change
    assert scenario_inputs(base, Scenario("same", tuple(overrides))) == base


def test_the_workbook_engine_writes_the_named_cell(book, names):
    cells = _override_cells(TEMPLATE, [("market.btc_price_usd", 1.0), ("phase2.cutover_month", 24),
                                       ("discount_rate_per_year_frac", 0.2)])
    inputs = book["Inputs"]
    (ref,) = cells["Inputs"].keys() - {"B2"}
    row = int(ref[1:])
    assert inputs.cell(row, 1).value == "btc_price_usd"
    # the market block is the first block below the discount rate: its title sits above the header row
    titles = [inputs.cell(r, 1).value for r in range(1, row)]
    assert [t for t in titles if t in ("Market projection", "Mining site", "AI/HPC lease")][-1] == "Market projection"
    assert cells["Phasing"] == {"C5": 24}  # second phase row (the first is row 4), cut-over column


@pytest.mark.parametrize("name, fragment", [
    ("projection_btc_price_usd", "an input name"),       # the old workbook-only name
    ("market.no_such_field", "an input name"),
    ("mining.fleet", "an input name"),                   # structured: fleet:<model> rows, not one cell
    ("phase9.site_mw", "an input the workbook names"),   # a phase the template does not have
], ids=["old-name", "unknown-field", "structured", "missing-phase"])
def test_names_outside_the_scheme_are_refused(name, fragment):
    with pytest.raises(HashleaseError, match=re.escape(fragment)) as caught:
        _override_cells(TEMPLATE, [(name, 1.0)])
    assert name in str(caught.value)


def test_any_defined_name_of_one_cell_is_a_scenario_input():
    """Issue 15: a scenario may set any defined name or Sheet!A1 cell (an edited workbook's own inputs); the
    Market sheet's snapshot cell is then the cell refresh writes, which the market block's formula reads."""
    names = contract.defined_names(TEMPLATE)
    sheet, ref = contract.resolve(names, "market_btc_price_usd")
    assert _override_cells(TEMPLATE, [("market_btc_price_usd", 1.0)]) == {sheet: {ref: 1.0}}
    assert _override_cells(TEMPLATE, [("Mining!$B$7", 2.0)]) == {"Mining": {"B7": 2.0}}
    with pytest.raises(HashleaseError, match="one cell"):
        _override_cells(TEMPLATE, [("market_assumptions", 1.0)])


# --- code reads by name ----------------------------------------------------------------------------------------

#: A sheet name has at most 31 characters (33 quoted): longer text before "!" is a sentence, not a reference.
CELL = re.compile(r"^(?:[^!]{1,33}!)?\$?[A-Z]{1,3}\$?[0-9]{1,7}(?::\$?[A-Z]{1,3}\$?[0-9]{1,7})?$")
NOT_CELLS = {"ISO8601",  # pandas' date format name, which looks like a cell of column ISO
             "P5", "P10", "P50", "P90", "P95",  # percentiles in simulate's summary columns
             "LOG10"}  # Excel's function name


def _cell_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant in ``source`` that is a cell address (docstrings left out)."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and CELL.match(node.value.strip()) and node.value.strip() not in NOT_CELLS]


def test_no_cell_addresses_in_code_that_reads_or_writes_the_template():
    # the template builder is where the layout is defined; everything else finds cells by name
    found = []
    for path in sorted((ROOT / "src" / "hashlease").rglob("*.py")):
        if path.name == "template.py":
            continue
        literals = _cell_literals(path.read_text("utf-8"))
        found += [f"{path.relative_to(ROOT)}:{line}: {text!r}" for line, text in literals]
    assert not found, "cell addresses in code (use a defined name):\n" + "\n".join(found)


def test_the_check_would_catch_an_address():
    old = 'OUTPUTS = {"mining_npv_usd": ("Comparison", "B4")}\nv = result["Mining"]["M16"]\nr = "Phasing!$F$4"\n'
    assert sorted(text for _, text in _cell_literals(old)) == ["B4", "M16", "Phasing!$F$4"]
    assert _cell_literals('"""Reads A1."""\nname = "mining_npv_usd"\n') == []


def test_read_outputs_follows_the_names():
    values = {"S": {"C9": 5.0, "D2": "#NUM!"}}
    names = {"mining_npv_usd": "S!$C$9", "lease_npv_usd": "'S'!$D$2"}
    assert contract.read_outputs(values, names, ["mining_npv_usd", "lease_npv_usd"]) == {
        "mining_npv_usd": 5.0, "lease_npv_usd": None}
    with pytest.raises(HashleaseError, match="npv_difference_usd"):
        contract.read_outputs(values, names, ["npv_difference_usd"])


def _rename_target(source: Path, target: Path, name: str, new_ref: str) -> None:
    """Copy ``source`` with the defined name ``name`` pointing at ``new_ref`` (only xl/workbook.xml changes)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text, count = re.subn(rf'(<definedName name="{re.escape(name)}"[^>]*>)[^<]*(<)',
                                      rf"\g<1>{new_ref}\g<2>", data.decode("utf-8"))
                assert count == 1
                data = text.encode("utf-8")
            zout.writestr(item, data)


def test_batch_reads_outputs_and_writes_inputs_by_name(tmp_path):
    # point mining_npv_usd at the lease NPV's cell: a reader that used the cell address would not notice
    moved = tmp_path / "moved.xlsx"
    _rename_target(TEMPLATE, moved, "mining_npv_usd", "Comparison!$B$5")
    (row,) = workbook_chunk(str(moved), [Scenario("base", ())])
    assert row["mining_npv_usd"] == row["lease_npv_usd"]


# --- the input rows are the pydantic fields --------------------------------------------------------------------

def _expected_rule(schema, field, ref):
    """Excel validation formula for the field's bounds, built from its annotated_types constraints."""
    info = schema.model_fields[field]
    whole = info.annotation in (int, int | None)
    tests = [f"ISNUMBER({ref})"] + ([f"{ref}=INT({ref})"] if whole else [])
    low = [(">=", c.ge) if isinstance(c, annotated_types.Ge) else (">", c.gt) for c in info.metadata
           if isinstance(c, (annotated_types.Ge, annotated_types.Gt))]
    high = [("<=", c.le) if isinstance(c, annotated_types.Le) else ("<", c.lt) for c in info.metadata
            if isinstance(c, (annotated_types.Le, annotated_types.Lt))]
    if not low and not high:
        return None
    tests += [f"{ref}{op}{value:g}" for op, value in low + high]
    return "AND(" + ",".join(tests) + ")"


def _validations(ws):
    return {str(rng): dv for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges}


@pytest.mark.parametrize("prefix, schema", [("market", m.MarketProjection), ("mining", m.MiningSiteInputs),
                                            ("lease", m.LeaseInputs)], ids=["market", "mining", "lease"])
def test_input_rows_carry_the_pydantic_bounds_units_and_descriptions(book, names, prefix, schema):
    validations = _validations(book["Inputs"])
    for field in contract.block_inputs(prefix):
        cell = _cell(book, names, f"{prefix}.{field}")
        info = schema.model_fields[field]
        unit, meaning = cell.offset(0, 1).value, cell.offset(0, 2).value
        bracket = re.search(r"\[([^\]]+)\]", info.description or "")
        if bracket:
            assert unit == bracket.group(1), field
        assert meaning.startswith(re.sub(r"\s*\[[^\]]+\]", "", info.description).strip()), field
        if isinstance(cell.value, str) and cell.value.startswith("="):
            continue  # a formula (the Market sheet, the mining site), not an input cell
        expected = _expected_rule(schema, field, cell.coordinate)
        if expected is not None:
            assert validations[cell.coordinate].type == "custom", field
            assert validations[cell.coordinate].formula1 == expected, field


@pytest.mark.parametrize("name, formula, prompt", [
    # written out from the models' Field declarations: uptime in (0, 1], months whole in [1, 1200], pool fee [0, 1)
    ("mining.uptime_frac", "AND(ISNUMBER({c}),{c}>0,{c}<=1)", "a number in (0, 1] fraction"),
    ("market.months", "AND(ISNUMBER({c}),{c}=INT({c}),{c}>=1,{c}<=1200)", "a whole number in [1, 1,200] months"),
    ("mining.pool_fee_frac", "AND(ISNUMBER({c}),{c}>=0,{c}<1)", "a number in [0, 1) fraction of revenue"),
    ("lease.exit_cap_rate_frac", "AND(ISNUMBER({c}),{c}>0,{c}<=1)", "a number in (0, 1] fraction"),
    ("discount_rate_per_year_frac", "AND(ISNUMBER({c}),{c}>-1,{c}<=1)", "a number in (-1, 1] fraction/year"),
    ("phase1.critical_it_mw", "AND(ISNUMBER({c}),{c}>0,{c}<=5000)", "a number in (0, 5,000] MW"),
], ids=["open-low", "whole", "open-high", "blank-allowed", "discount-rate", "phase"])
def test_known_bounds(book, names, name, formula, prompt):
    cell = _cell(book, names, name)
    dv = _validations(cell.parent)[cell.coordinate]
    assert dv.formula1 == formula.format(c=cell.coordinate)
    assert dv.prompt == prompt


def test_a_bound_changed_in_the_model_changes_the_template(monkeypatch):
    from hashlease.workbook import template

    field = m.MiningSiteInputs.model_fields["pue"]
    monkeypatch.setattr(field, "metadata", [annotated_types.Ge(1), annotated_types.Le(2.5)])
    row = template.field_row(m.MiningSiteInputs, "pue", 1.1)
    assert template.validation_rule(row, "B9") == ("AND(ISNUMBER(B9),B9>=1,B9<=2.5)", "a number in [1, 2.5] ratio")


# --- one BTC price: overriding it moves every sheet that shows it ----------------------------------------------

def test_a_btc_price_override_moves_mining_and_halving(tmp_path):
    keep = tmp_path / "kept"
    keep.mkdir()
    price = 60_000.0
    rows = workbook_chunk(str(TEMPLATE), [Scenario("base", ()), Scenario("cheap", (("market.btc_price_usd", price),))],
                          keep_dir=str(keep))
    assert not any(r.get("error") for r in rows), rows
    snapshot = openpyxl.load_workbook(TEMPLATE)["Market"]
    names = contract.defined_names(TEMPLATE)
    difficulty = _cell(openpyxl.load_workbook(TEMPLATE), names, "market_difficulty").value
    fees = _cell(openpyxl.load_workbook(TEMPLATE), names, "market_fees_btc_per_block").value
    as_of = max(snapshot.cell(r, 4).value for r in range(3, 7)).date()
    # the projection starts on 2026-01-01: the snapshot's height plus 144 blocks a day since its date
    height = int(_cell(openpyxl.load_workbook(TEMPLATE), names, "market_block_height").value) + round(
        (dt.date(2026, 1, 1) - as_of).days * 144)
    now = m.hashprice_usd_per_day(difficulty, price, height, fees_btc_per_block=fees)
    after = m.hashprice_usd_per_day(difficulty, price, height, fees_btc_per_block=fees, after_next_halving=True)
    # the same figure by hand: subsidy 3.125 BTC until height 1,050,000; 86,400 s x 1e15 H/s / (D x 2^32) blocks
    assert now == pytest.approx((3.125 + fees) * price * 86_400e15 / (difficulty * 2**32), rel=1e-12)

    cheap, base = (openpyxl.load_workbook(keep / f"{n}.xlsx", data_only=True) for n in ("cheap", "base"))
    assert rows[1]["hashprice_now_usd_per_ph_day"] == pytest.approx(now, rel=1e-12)
    assert _cell(cheap, names, "hashprice_now_usd_per_ph_day").value == pytest.approx(now, rel=1e-12)
    assert _cell(cheap, names, "hashprice_after_halving_usd_per_ph_day").value == pytest.approx(after, rel=1e-12)
    assert _cell(base, names, "hashprice_now_usd_per_ph_day").value != pytest.approx(now, rel=1e-3)

    sheet, ref = defined_ref(names["halving_by_model"])
    table = [[c.value for c in row] for row in cheap[sheet][ref]]
    header, models = table[0], table[1:]
    assert header[3:5] == ["Breakeven power now USD/kWh", "Breakeven power after USD/kWh"]
    for model, efficiency, _, power_now, power_after, *_ in models:
        assert power_now == pytest.approx(m.breakeven_power_price_usd_per_kwh(now, efficiency), rel=1e-12), model
        assert power_after == pytest.approx(m.breakeven_power_price_usd_per_kwh(after, efficiency), rel=1e-12), model
    base_table = [[c.value for c in row] for row in base[sheet][ref]]
    assert all(a[3] != pytest.approx(b[3], rel=1e-3) for a, b in zip(models, base_table[1:]))


def test_contract_examples():
    import doctest

    failures, _ = doctest.testmod(contract, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0


def test_the_about_sheet_lists_the_declared_outputs(book):
    text = " ".join(str(c.value) for c in book["About"]["A"] if c.value)
    assert all(o.name in text for o in (*contract.OUTPUTS, *contract.PHASED_OUTPUTS))


def test_refresh_writes_the_market_cells_by_name(tmp_path):
    from hashlease.market_data import Refreshed
    from hashlease.workbook import market_sheet

    moved = tmp_path / "moved.xlsx"
    _rename_target(TEMPLATE, moved, "market_btc_price_usd_status", "Market!$H$20")
    values = market_sheet.current(TEMPLATE)
    assert set(values) == {"difficulty", "block_height", "fees_btc_per_block", "btc_price_usd"}
    cells = market_sheet.cells(moved, Refreshed(values=values, stale={"btc_price_usd": "no answer"}))
    assert cells["Market"]["H20"].startswith("STALE") and "no answer" in cells["Market"]["H20"]
    names = contract.defined_names(TEMPLATE)
    _, price_ref = defined_ref(names["market_btc_price_usd"])
    assert cells["Market"][price_ref] == values["btc_price_usd"].value
