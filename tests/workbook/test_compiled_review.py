"""Regressions found reviewing the compiled workbook engine (issue 15): each test pins one defect.

Every expected value comes from an independent reference: LibreOffice Calc recalculating the same workbook (the
oracle of tests/workbook/test_compiled.py), Microsoft's documented behaviour, or the per-scenario reference engine
where it agrees with them. Nothing is compared with the compiled engine's own earlier output.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from hashlease.workbook import compiled
from hashlease.workbook.engine import recalculate


def _book(path: Path, sheets: dict[str, dict[str, object]]) -> Path:
    """A workbook with ``sheets`` (name -> {cell: value or formula}), the first sheet first."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, cells in sheets.items():
        ws = wb.create_sheet(name)
        for ref, value in cells.items():
            ws[ref] = value
    wb.save(path)
    return path


def _libreoffice_values(libreoffice, path: Path, sheet: str, refs: list[str]) -> dict[str, object]:
    out = openpyxl.load_workbook(libreoffice(path), data_only=True)
    return {ref: out[sheet][ref].value for ref in refs}


def _compiled_values(path: Path, sheet: str, refs: list[str]) -> dict[str, object]:
    result = compiled.recalculate_compiled(path)
    return {ref: (str(v) if type(v).__name__ == "ExcelErrorValue" else v)
            for ref, v in ((r, result.values[sheet].get(r)) for r in refs)}


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def test_copies_reading_quoted_sheets_named_like_cells_read_their_own_sheet(tmp_path, libreoffice):
    """'Q1'!B2 in B2 and 'Q2'!B3 in B3 were taken for copies of one formula (the sheet name Q1 read as a cell
    reference when matching copies), so B2 read Q2!B2: a wrong number, silently."""
    path = _book(tmp_path / "quarters.xlsx", {
        "S": {"B2": "='Q1'!B2", "B3": "='Q2'!B3", "C2": "='FY2024'!B2", "C3": "='FY2025'!B3"},
        "Q1": {"B2": 102, "B3": 103}, "Q2": {"B2": 202, "B3": 203},
        "FY2024": {"B2": 1002, "B3": 1003}, "FY2025": {"B2": 2002, "B3": 2003}})
    refs = ["B2", "B3", "C2", "C3"]
    expected = _libreoffice_values(libreoffice, path, "S", refs)
    assert expected == {"B2": 102, "B3": 203, "C2": 1002, "C3": 2003}
    assert _compiled_values(path, "S", refs) == expected
    # and through compile_workbook / evaluate, the path batch and simulate take
    engine = compiled.compile_workbook(path, inputs=["Q1!B2"], outputs=["S!B2", "S!B3"])
    result = engine.evaluate({"Q1!B2": [5.0, 6.0]})
    assert list(result.values["S!B2"]) == [5.0, 6.0]
    assert list(result.values["S!B3"]) == [203.0, 203.0]


AGGREGATE_CELLS = {"D1": "n/a", "D2": 5, "D3": 2.5, "D4": "7", "D5": None,
                   "B1": "=SUM(D1,D2)", "B2": "=SUM(D4,D2)", "B3": "=MIN(D1)", "B4": "=MAX(D1,D3)",
                   "B5": "=AVERAGE(D1,D2,D3)", "B6": "=PRODUCT(D1,D2)", "B7": "=COUNT(D4,D2,D1)",
                   "B8": "=NPV(0.1,D1,D2)", "B9": "=COUNT(\"2\",D2)", "B10": "=SUM(\"2\",D2)",
                   "B11": "=AVERAGE(D1)"}


def test_single_cell_references_in_aggregates_skip_text_as_ranges_do(tmp_path, libreoffice):
    """=SUM(D1, D2) with D1 holding text was #VALUE! and =SUM(D4, D2) with D4 the text "7" was 12: Excel (its
    SUM, MIN, MAX, AVERAGE, PRODUCT, COUNT and NPV pages: "If an argument is an array or reference, only numbers
    in that array or reference are counted") skips text in a referenced cell, and counts numeric text only when
    typed directly (=COUNT("2", D2) is 2)."""
    path = _book(tmp_path / "aggregates.xlsx", {"S": AGGREGATE_CELLS})
    refs = [f"B{k}" for k in range(1, 12)]
    expected = _libreoffice_values(libreoffice, path, "S", refs)
    # Microsoft's documented answers, which LibreOffice gives
    assert expected["B1"] == 5 and expected["B2"] == 5 and expected["B3"] == 0 and expected["B7"] == 1
    assert expected["B9"] == 2 and expected["B11"] == "#DIV/0!"
    # =SUM("2", D2): Microsoft's SUM page counts numeric text typed as an argument (7); LibreOffice says #VALUE!
    assert expected.pop("B10") == "#VALUE!"
    expected["B10"] = 7
    got = _compiled_values(path, "S", refs)
    assert all(_same(got[r], expected[r]) for r in refs), [(r, got[r], expected[r]) for r in refs
                                                            if not _same(got[r], expected[r])]
    # the reference engine (formulas 1.3.4) agrees on text that is no number; it reads the referenced text "7" as
    # 7 (SUM 12, COUNT 2), where Excel and LibreOffice skip it: a known difference (docs/compiled.md)
    reference = recalculate(path, engine="reference").values["S"]
    assert all(_same(reference[r], got[r]) for r in ["B1", "B3", "B4", "B5"])


def test_single_cell_reference_to_a_logical_is_not_counted_by_sum(tmp_path):
    """=SUM(A1, A2) with A2 TRUE was 6 and =COUNT(A2) 1: a logical in a referenced cell is skipped (Microsoft's
    SUM and COUNT pages); only a logical typed as an argument counts (=SUM(5, TRUE) is 6). LibreOffice has no
    logical cell type (it stores TRUE as 1), so the oracle here is Microsoft's documentation and the reference
    engine, which follows it."""
    path = _book(tmp_path / "logical.xlsx", {"S": {"A1": 5, "A2": True, "B1": "=SUM(A1,A2)", "B2": "=COUNT(A2)",
                                                   "B3": "=SUM(5,TRUE)", "B4": "=AVERAGE(A1,A2)"}})
    got = _compiled_values(path, "S", ["B1", "B2", "B3", "B4"])
    assert got == {"B1": 5.0, "B2": 0.0, "B3": 6.0, "B4": 5.0}
    reference = recalculate(path, engine="reference").values["S"]
    assert [float(reference[r]) for r in ["B1", "B2", "B3", "B4"]] == [5.0, 0.0, 6.0, 5.0]


def test_a_scenario_input_read_by_sum_as_a_reference_skips_text(tmp_path):
    """The same rule when the referenced cell is a scenario input: a text scenario value is skipped by SUM."""
    path = _book(tmp_path / "input.xlsx", {"S": {"A1": 5, "A2": 1, "B1": "=SUM(A1,A2)"}})
    engine = compiled.compile_workbook(path, inputs=["S!A2"], outputs=["S!B1"])
    result = engine.evaluate({"S!A2": np.array([2.0, "n/a", "3"], dtype=object)})
    assert list(result.values["S!B1"]) == [7.0, 5.0, 5.0]
    assert list(result.errors["S!B1"]) == ["", "", ""]


def test_tilde_escapes_wildcards_in_match_and_criteria(tmp_path, libreoffice):
    """MATCH("a~?c", ...) was #N/A and SUMIF(..., "a~?c", ...) 0: "~" makes the next * or ? (or ~) itself
    (Microsoft's MATCH and SUMIF pages: "type a tilde (~) before the character")."""
    path = _book(tmp_path / "tilde.xlsx", {"S": {
        "G1": "abc", "G2": "a?c", "G3": "a*c", "G4": "a~c", "H1": 1, "H2": 10, "H3": 100, "H4": 1000,
        "B1": '=MATCH("a~?c",G1:G4,0)', "B2": '=MATCH("a~*c",G1:G4,0)', "B3": '=SUMIF(G1:G4,"a~?c",H1:H4)',
        "B4": '=COUNTIF(G1:G4,"a~*c")', "B5": '=SUMIF(G1:G4,"a?c",H1:H4)', "B6": '=COUNTIF(G1:G4,"<>a~?c")',
        "B7": '=MATCH("a~~c",G1:G4,0)'}})
    refs = [f"B{k}" for k in range(1, 8)]
    expected = _libreoffice_values(libreoffice, path, "S", refs)
    assert expected["B1"] == 2 and expected["B3"] == 10
    got = _compiled_values(path, "S", refs)
    assert all(_same(got[r], expected[r]) for r in refs), [(r, got[r], expected[r]) for r in refs
                                                            if not _same(got[r], expected[r])]


def test_round_with_hundreds_of_digits_gives_the_number_not_a_traceback(tmp_path, libreoffice):
    """=ROUND(123.456, 400) raised OverflowError (10.0 ** 400) out of compile_workbook and recalc: Excel and
    LibreOffice give the number itself (no double has a digit there), and ROUND(x, -400) gives 0."""
    path = _book(tmp_path / "round.xlsx", {"S": {
        "B1": "=ROUND(123.456,400)", "B2": "=ROUNDUP(123.456,400)", "B3": "=ROUND(123.456,-400)",
        "B4": "=ROUNDDOWN(-5.5,309)", "B5": "=ROUND(1E+300,-400)"}})
    refs = ["B1", "B2", "B3", "B4", "B5"]
    expected = _libreoffice_values(libreoffice, path, "S", refs)
    assert expected == {"B1": 123.456, "B2": 123.456, "B3": 0, "B4": -5.5, "B5": 0}
    got = _compiled_values(path, "S", refs)
    assert all(_same(got[r], expected[r]) for r in refs), got


def test_compiling_constant_cells_raises_no_numpy_warnings(tmp_path):
    """Cells no input reaches are computed while compiling, outside the evaluation's np.errstate: =1/0, =LN(0),
    =SQRT(-1), =EXP(710) printed RuntimeWarnings (errors under ``-W error``) though each is simply an Excel error."""
    path = _book(tmp_path / "warn.xlsx", {"S": {"B1": "=1/0", "B2": "=LN(0)", "B3": "=SQRT(-1)", "B4": "=EXP(710)",
                                                "B5": "=(-8)^(1/3)", "B6": "=1E+308*10"}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _compiled_values(path, "S", ["B1", "B2", "B3", "B4", "B5", "B6"])
    assert got == {"B1": "#DIV/0!", "B2": "#NUM!", "B3": "#NUM!", "B4": "#NUM!", "B5": "#NUM!", "B6": "#NUM!"}


def test_lookup_index_below_one_is_value_error(tmp_path, libreoffice):
    """VLOOKUP(..., col_index_num 0) and INDEX(range, -1) were #REF!: Microsoft's VLOOKUP page says a column
    index below 1 is #VALUE! (beyond the table #REF!); a negative INDEX row is #VALUE! in Excel and LibreOffice."""
    path = _book(tmp_path / "lookup.xlsx", {"S": {
        "H1": 10, "H2": 20, "I1": 1, "I2": 2, "B1": "=VLOOKUP(20,H1:I2,0,FALSE)", "B2": "=INDEX(H1:H2,-1)",
        "B3": "=HLOOKUP(10,H1:I2,0,FALSE)", "B4": "=VLOOKUP(20,H1:I2,3,FALSE)"}})
    refs = ["B1", "B2", "B3"]
    expected = _libreoffice_values(libreoffice, path, "S", refs)
    assert expected == {"B1": "#VALUE!", "B2": "#VALUE!", "B3": "#VALUE!"}
    got = _compiled_values(path, "S", refs + ["B4"])
    assert {r: got[r] for r in refs} == expected
    assert got["B4"] == "#REF!"  # beyond the table: Microsoft's VLOOKUP page


#: Excel's 1900 date system, from Microsoft's pages: serial 1 is 1 January 1900 (DATE), serial 60 the 29 February
#: 1900 Excel keeps from Lotus 1-2-3 ("Excel incorrectly assumes that the year 1900 is a leap year"), serial 0
#: shown as 0 January 1900 (DAY(0) is 0, MONTH(0) 1, YEAR(0) 1900); DAYS outside the dates is #NUM!.
EXCEL_1900 = {"B1": ("=DATE(1900,1,1)", 1.0), "B2": ("=DATE(1900,2,28)", 59.0), "B3": ("=DATE(1900,2,29)", 60.0),
              "B4": ("=DATE(1900,3,1)", 61.0), "B5": ("=MONTH(DATE(1900,2,28)+1)", 2.0), "B6": ("=DAY(0)", 0.0),
              "B7": ("=MONTH(0)", 1.0), "B8": ("=YEAR(0)", 1900.0), "B9": ("=EOMONTH(0,0)", 31.0),
              "B10": ("=EOMONTH(0,1)", 60.0), "B11": ("=EOMONTH(59,0)", 60.0), "B12": ("=DAYS(0,-1)", "#NUM!"),
              "B13": ("=DATE(1900,3,0)", 60.0), "B14": ("=DAY(DATE(1900,2,29))", 29.0)}


def test_dates_of_january_and_february_1900_follow_excels_calendar(tmp_path):
    """DATE(1900,1,1) was 2 and DATE(1900,2,28) 60 (one day late before March 1900), DAY(0) 31, EOMONTH(0,0) 0,
    EOMONTH(59,0) 59 and DAYS(0,-1) 1. Expected: Microsoft's documented serials (EXCEL_1900), which the reference
    engine also gives; LibreOffice is no oracle here (its calendar has no 29 February 1900)."""
    path = _book(tmp_path / "dates1900.xlsx", {"S": {ref: f for ref, (f, _) in EXCEL_1900.items()}})
    got = _compiled_values(path, "S", list(EXCEL_1900))
    assert got == {ref: value for ref, (_, value) in EXCEL_1900.items()}
    reference = recalculate(path, engine="reference").values["S"]
    assert all(_same(reference[ref], value) or str(reference[ref]) == value for ref, (_, value) in EXCEL_1900.items())


def test_countif_criterion_true_text_matches_the_logical(tmp_path):
    """=COUNTIF(A1:A4, "TRUE") was 0 with A1 holding TRUE: Excel reads the criterion "TRUE" as the logical (as the
    reference engine does); LibreOffice has no logical cells, so Microsoft's COUNTIF rules and the reference
    engine are the oracle."""
    path = _book(tmp_path / "countif.xlsx", {"S": {"A1": True, "A2": "x", "A3": False, "A4": 1, "B1": '=COUNTIF(A1:A4,"TRUE")',
                                                   "B2": '=COUNTIF(A1:A4,"false")', "B3": '=SUMIF(A1:A4,"TRUE",C1:C4)',
                                                   "C1": 10, "C2": 20, "C3": 30, "C4": 40}})
    got = _compiled_values(path, "S", ["B1", "B2", "B3"])
    reference = recalculate(path, engine="reference").values["S"]
    assert got == {"B1": 1.0, "B2": 1.0, "B3": 10.0}
    assert [float(reference[r]) for r in ["B1", "B2", "B3"]] == [1.0, 1.0, 10.0]


# --- scenario inputs --------------------------------------------------------------------------------------


def test_two_inputs_naming_one_cell_are_refused(tmp_path):
    """inputs=["x", "S!A1"] with the name x defined as S!$A$1 compiled, and each scenario silently took the
    second value: the cell cannot hold both. Refused, naming both inputs and the cell."""
    from openpyxl.workbook.defined_name import DefinedName

    path = tmp_path / "twice.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"] = 2, "=A1*10"
    wb.defined_names["x"] = DefinedName("x", attr_text="S!$A$1")
    wb.save(path)
    for inputs in (["x", "S!A1"], ["S!A1", "s!$A$1"]):
        with pytest.raises(compiled.HashleaseError) as caught:
            compiled.compile_workbook(path, inputs=inputs, outputs=["S!B1"])
        assert "S!A1" in str(caught.value) and inputs[0] in str(caught.value) and inputs[1] in str(caught.value)


def test_input_cell_outside_the_sheet_is_refused(tmp_path):
    """"S!A0" (row 0) was accepted as an input cell."""
    path = _book(tmp_path / "a0.xlsx", {"S": {"A1": 1, "B1": "=A1"}})
    with pytest.raises(compiled.HashleaseError, match="S!A0"):
        compiled.compile_workbook(path, inputs=["S!A0"], outputs=["S!B1"])


@pytest.mark.parametrize("bad", [10 ** 400, 1 + 2j, object(), float("nan")])
def test_scenario_values_that_are_no_cell_value_are_refused_naming_the_input(tmp_path, bad):
    """An int of 400 digits raised OverflowError from evaluate; a complex number or any object was taken as text
    (=A1 then NaN without an error); a NaN inside an object column was computed. Each is one message naming the
    input and the scenario."""
    path = _book(tmp_path / "values.xlsx", {"S": {"A1": 1, "B1": "=A1"}})
    engine = compiled.compile_workbook(path, inputs=["S!A1"], outputs=["S!B1"])
    with pytest.raises(compiled.HashleaseError, match=r"input S!A1 \(scenario 2\)"):
        engine.evaluate({"S!A1": np.array(["a", bad], dtype=object)})


def test_an_empty_scenario_value_reads_as_zero_as_an_empty_cell_does(tmp_path):
    """A scenario value None (YAML null: an empty cell) made =A1 NaN with no error and no text: an empty output
    without a reason. Excel (and the reference engine, writing the empty cell) reads an empty cell as 0."""
    path = _book(tmp_path / "blank.xlsx", {"S": {"A1": 1, "B1": "=A1", "B2": "=A1+1", "B3": '=A1&"x"'}})
    engine = compiled.compile_workbook(path, inputs=["S!A1"], outputs=["S!B1", "S!B2", "S!B3"])
    result = engine.evaluate({"S!A1": np.array([None, 4.0], dtype=object)})
    assert result.row(0) == {"S!B1": 0.0, "S!B2": 1.0, "S!B3": "x"}
    staged = _book(tmp_path / "blank_ref.xlsx", {"S": {"A1": None, "B1": "=A1", "B2": "=A1+1", "B3": '=A1&"x"'}})
    reference = recalculate(staged, engine="reference").values["S"]
    assert [float(reference["B1"]), float(reference["B2"]), reference["B3"]] == [0.0, 1.0, "x"]


# --- the batch's reference check --------------------------------------------------------------------------


def _batch_book(tmp_path: Path) -> Path:
    return _book(tmp_path / "check.xlsx", {"S": {"A1": 1.0, "A2": 2.0, "B1": "=SUM(A1:A2)*10"}})


def _scenarios(*values: float):
    from hashlease.batch import Scenario

    return [Scenario(f"s{k}", (("S!A1", v),)) for k, v in enumerate(values)]


def test_reference_check_fails_when_the_compiled_engine_gives_only_errors(tmp_path, monkeypatch):
    """The check recomputed only scenarios with values: a compiled engine wrongly giving an error for every
    output of every scenario was never compared, and the batch passed. A scenario without values is now checked
    too, and the difference stops the batch naming scenario, output and both answers."""
    from hashlease import batch
    from hashlease.workbook import vector_functions as vf
    from hashlease.workbook.vector_values import VALUE, error_vec

    monkeypatch.setattr(batch, "_COMPILED", {})
    monkeypatch.setitem(vf.FUNCTIONS, "SUM", lambda args, n: error_vec(VALUE, n))  # a defect, injected
    with pytest.raises(batch.HashleaseError, match=r"scenario s0, S!B1: compiled None, reference 30\.0"):
        batch.run_batch(_batch_book(tmp_path), _scenarios(1.0, 2.0), tmp_path / "out", outputs=["S!B1"], workers=1)


def test_reference_check_fails_when_the_reference_gives_no_value_where_the_compiled_engine_does(tmp_path,
                                                                                             monkeypatch):
    """The check compared only the output keys the reference row had: a reference row whose every output is an
    error (None, its reasons in "error") beside compiled numbers passed. Every requested output is now compared."""
    from hashlease import batch

    def erring(workbook, scenarios, *args, outputs=None, **kwargs):  # a recalculation whose outputs are errors
        return [{"scenario": s.name, **{name: None for name in outputs}, "error": "no value for S!B1: #VALUE!"}
                for s in scenarios]

    monkeypatch.setattr(batch, "_COMPILED", {})
    monkeypatch.setattr(batch, "workbook_chunk", erring)  # injected
    with pytest.raises(batch.HashleaseError, match=r"compiled 30\.0, reference None"):
        batch.run_batch(_batch_book(tmp_path), _scenarios(1.0, 2.0), tmp_path / "out", outputs=["S!B1"], workers=1)


def test_reference_check_says_what_it_could_not_check_when_the_reference_refuses_the_workbook(tmp_path):
    """A circular reference the outputs do not need: the compiled engine computes the outputs (Excel would too),
    the reference engine refuses the whole workbook. That is no difference, and no check either: the batch
    passes, counts 0 scenarios checked and warns naming the reason."""
    from hashlease import batch

    path = _book(tmp_path / "cycle.xlsx", {"S": {"A1": 2.0, "B1": "=B2+A1", "B2": "=B1*2", "C1": "=A1*3"}})
    warnings_seen: list[str] = []
    report = batch.run_batch(path, _scenarios(5.0, 7.0), tmp_path / "out", outputs=["S!C1"], workers=1,
                             warn=warnings_seen.append)
    assert report["engine"] == "compiled" and report["checked"] == 0 and len(report["unchecked"]) == 2
    assert any("could not recalculate" in w and "circular" in w for w in warnings_seen)
    summary = (tmp_path / "out" / "summary.csv").read_text()
    assert "s0,15.0" in summary and "s1,21.0" in summary


def test_reference_check_passes_and_counts_what_it_checked(tmp_path):
    """Without a defect the same batch passes; the report counts the scenarios the reference engine recomputed
    (here two with values and one the compiled engine refused, which the reference engine refuses too)."""
    from hashlease import batch

    report = batch.run_batch(_batch_book(tmp_path), _scenarios(1.0, 2.0) + [
        batch.Scenario("bad", (("S!A1", "n/a"),))], tmp_path / "out", outputs=["S!B1"], workers=1)
    assert report["engine"] == "compiled" and report["checked"] == 3


def test_a_text_value_in_one_scenario_leaves_the_others_numbers(tmp_path, monkeypatch):
    """Scenario values came to evaluate as a Python list, and np.asarray([1.0, 2.0, "n/a"]) turned every value
    into text: SUM(A1:A2) skipped A1 in every scenario of the batch (20 instead of 30 and 40). Likewise
    [TRUE, 0.5] made TRUE the number 1. The reference engine, one scenario at a time, is the oracle."""
    from hashlease import batch

    monkeypatch.setattr(batch, "_COMPILED", {})
    path = _book(tmp_path / "mixed.xlsx", {"S": {"A1": 1.0, "A2": 2.0, "B1": "=SUM(A1:A2)*10",
                                                 "B2": "=IF(ISLOGICAL(A1),1,0)"}})
    scenarios = [batch.Scenario("s0", (("S!A1", 1.0),)), batch.Scenario("s1", (("S!A1", 2.0),)),
                 batch.Scenario("s2", (("S!A1", "n/a"),)), batch.Scenario("s3", (("S!A1", True),))]
    ours = batch.compiled_chunk(str(path), scenarios, ["S!B1", "S!B2"])
    theirs = batch.workbook_chunk(str(path), scenarios, outputs=["S!B1", "S!B2"])
    assert [(r["S!B1"], r["S!B2"]) for r in theirs] == [(30.0, 0.0), (40.0, 0.0), (20.0, 0.0), (20.0, 1.0)]
    assert [(r["S!B1"], r["S!B2"]) for r in ours] == [(r["S!B1"], r["S!B2"]) for r in theirs]


# --- HL_ functions: assumption ranges converted by their changed fields ------------------------------------

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "hashlease.xlsx"


def test_a_logical_in_an_assumption_range_is_not_the_number_it_equals_in_python(tmp_path):
    """A scenario giving FALSE for lease.delay_months, beside one giving 0, got the 0 scenario's numbers: Python's
    False == 0 (with equal hashes) made the two ranges one cache entry and one distinct HL_ call, where a full
    conversion refuses FALSE ("TRUE and FALSE are not numbers here"). The reference engine, writing FALSE into
    the template's cell, gives the error too."""
    from hashlease.workbook import contract
    from hashlease.workbook.writer import defined_ref, write_values

    engine = compiled.compile_workbook(TEMPLATE, inputs=["lease.delay_months"], outputs=["lease_npv_usd"])
    result = engine.evaluate({"lease.delay_months": [0, False]})
    assert result.errors["lease_npv_usd"][0] == "" and result.errors["lease_npv_usd"][1] == "#VALUE!"
    assert "TRUE and FALSE are not numbers" in " ".join(result.reasons(1))
    sheet, ref = defined_ref(contract.defined_names(TEMPLATE)["lease.delay_months"])
    staged = tmp_path / "false.xlsx"
    write_values(TEMPLATE, staged, {sheet: {ref: False}}, replace_formulas=True)
    reference = recalculate(staged, engine="reference")
    out_sheet, out_ref = defined_ref(contract.defined_names(TEMPLATE)["lease_npv_usd"])
    assert str(reference.values[out_sheet][out_ref]) == "#VALUE!"


def test_invoke_many_converts_a_range_with_a_logical_as_a_full_conversion_does():
    """invoke_many with one range holding 0 and another holding FALSE in the same row: the second answered as
    the first (the changed-fields shortcut saw no change, since False == 0). It must give what invoke (a full
    conversion) gives: the #VALUE! naming the field."""
    from hashlease.addin.runtime import ExcelError, invoke, invoke_many

    base = (("critical_it_mw", 75), ("site_mw", 100), ("construction_start", 46023), ("construction_months", 12),
            ("capex_usd_per_mw", 10_000_000), ("delay_months", 0), ("rent_usd_per_kw_month", 130),
            ("term_years", 10), ("escalator_per_year_frac", 0.03))
    with_false = tuple((k, False if k == "delay_months" else v) for k, v in base)
    with_true = tuple((k, True if k == "term_years" else v) for k, v in base)
    many = invoke_many("HL_LEASE_NPV", [(base, 0.1), (with_false, 0.1), (with_true, 0.1)])
    for raw, got in zip((base, with_false, with_true), many):
        try:
            expected = invoke("HL_LEASE_NPV", raw, 0.1)
        except ExcelError as exc:
            expected = exc
        if isinstance(expected, ExcelError):
            assert isinstance(got, ExcelError) and got.text == expected.text
        else:
            assert got == expected
    assert isinstance(many[1], ExcelError) and "delay_months" in many[1].text
    assert isinstance(many[2], ExcelError) and "term_years" in many[2].text


def test_an_input_in_an_empty_cell_below_the_data_is_inside_the_ranges_covering_it(tmp_path, libreoffice):
    """Ranges are clipped to the sheet's used area, and an input cell beyond it (S!A50 while data ends at row 3)
    was outside SUM(A:A) and SUM(A1:A100): the scenario's value was ignored (6 instead of 106). LibreOffice,
    recalculating the workbook with the value typed into that cell, is the oracle."""
    cells = {"A1": 1, "A2": 2, "A3": 3, "B1": "=SUM(A:A)", "B2": "=SUM(A1:A100)", "B3": "=COUNT(1:1)",
             "B4": "=SUMPRODUCT(A1:A60,A1:A60)"}
    path = _book(tmp_path / "used.xlsx", {"S": cells})
    outputs = ["S!B1", "S!B2", "S!B3", "S!B4"]
    for cell, value in (("A50", 100.0), ("Z1", 7.0)):
        typed = _book(tmp_path / f"typed_{cell}.xlsx", {"S": {**cells, cell: value}})
        expected = _libreoffice_values(libreoffice, typed, "S", ["B1", "B2", "B3", "B4"])
        engine = compiled.compile_workbook(path, inputs=[f"S!{cell}"], outputs=outputs)
        got = engine.evaluate({f"S!{cell}": [value]}).row(0)
        assert [got[o] for o in outputs] == [float(expected[o[2:]]) for o in outputs], cell


def test_an_input_inside_a_legacy_array_formula_is_refused(tmp_path):
    """An input on F2 of the array formula {=A1:A3*10} in F1:F3 made F2 blank whenever a scenario did not give
    it (SUM(F1:F3) 40 instead of 60), and an input on the anchor F1 raised KeyError from evaluate. Excel refuses
    to change part of an array ("You can't change part of an array"): refused, naming the array's range."""
    from openpyxl.worksheet.formula import ArrayFormula

    path = tmp_path / "array.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"] = 1, 2, 3
    ws["F1"] = ArrayFormula("F1:F3", "=A1:A3*10")
    ws["B1"] = "=SUM(F1:F3)"
    wb.save(path)
    for cell in ("S!F1", "S!F2"):
        with pytest.raises(compiled.HashleaseError, match=r"S!F1:F3"):
            compiled.compile_workbook(path, inputs=[cell], outputs=["S!B1"])
    engine = compiled.compile_workbook(path, inputs=["S!A2"], outputs=["S!B1"])  # what feeds the array is fine
    assert list(engine.evaluate({"S!A2": [2.0, 5.0]}).values["S!B1"]) == [60.0, 90.0]
