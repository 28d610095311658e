"""hashlease batch on the compiled engine: any workbook, inputs and outputs by name or Sheet!A1, the reference
check, and the fallback to the reference engine (with a warning naming the cell and function)."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.defined_name import DefinedName
from typer.testing import CliRunner

from hashlease.batch import Scenario, run_batch, workbook_chunk
from hashlease.cli import app
from hashlease.models import HashleaseError

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"
sys.path.insert(0, str(ROOT / "tests" / "workbook"))
import finance_workbooks as fw  # noqa: E402

runner = CliRunner()


def _loan(path: Path) -> Path:
    """A small edited model: a loan balance over 24 months, its interest total, by name and by cell."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Loan model"
    ws["A1"], ws["B1"] = "rate_per_year_frac", 0.08
    ws["A2"], ws["B2"] = "principal_usd", 1_000_000.0
    ws["A3"], ws["B3"] = "payment_usd", "=PMT(B1/12,24,-B2)"
    ws["D1"] = "=B2"
    for r in range(2, 26):
        ws[f"D{r}"] = f"=D{r - 1}*(1+$B$1/12)-$B$3"
        ws[f"E{r}"] = f"=D{r - 1}*$B$1/12"
    ws["G1"] = "=SUM(E2:E25)"
    ws["G2"] = '=IF(G1>100000,"dear","fine")'
    book.defined_names["rate_per_year_frac"] = DefinedName("rate_per_year_frac", attr_text="'Loan model'!$B$1")
    book.defined_names["interest_usd"] = DefinedName("interest_usd", attr_text="'Loan model'!$G$1")
    book.save(path)
    return path


def test_an_edited_workbook_by_name_and_cell_equals_the_reference_engine(tmp_path):
    workbook = _loan(tmp_path / "loan.xlsx")
    scenarios = [Scenario("low", (("rate_per_year_frac", 0.04), ("'Loan model'!B2", 500_000.0))),
                 Scenario("high", (("rate_per_year_frac", 0.12), ("'Loan model'!B2", 2_000_000.0))),
                 Scenario("zero", (("rate_per_year_frac", 0.0), ("'Loan model'!B2", 1.0)))]
    outputs = ["interest_usd", "'Loan model'!D25", "'Loan model'!B3"]
    report = run_batch(workbook, scenarios, tmp_path / "out", outputs=outputs, workers=1)
    assert report["engine"] == "compiled" and report["checked"] == 3 and not report["failed"]
    table = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("scenario")
    assert list(table.columns[:3]) == outputs
    reference = {row["scenario"]: row for row in workbook_chunk(str(workbook), scenarios, outputs=outputs)}
    for name in ("low", "high"):
        for output in outputs:
            # the loan's last balance is ~0: the two engines' rounding differs by far less than a millionth
            assert table.at[name, output] == pytest.approx(reference[name][output], rel=1e-9, abs=1e-6)
    # PMT at a zero rate is the straight-line payment (Microsoft: PMT = -(pv + fv) / nper when rate = 0)
    assert table.at["zero", "'Loan model'!B3"] == pytest.approx(1 / 24, rel=1e-12)


def test_the_cli_takes_output_names_and_an_outdir(tmp_path):
    workbook = _loan(tmp_path / "loan.xlsx")
    scenarios = tmp_path / "s.csv"
    scenarios.write_text("scenario,rate_per_year_frac\na,0.05\nb,0.07\n")
    result = runner.invoke(app, ["batch", str(workbook), str(scenarios), "-o", str(tmp_path / "out"),
                                 "--output", "interest_usd", "--output", "'Loan model'!G2"])
    assert result.exit_code == 0, result.output
    assert "compiled engine; 2 checked against the reference engine" in " ".join(result.stdout.split())
    table = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert table["interest_usd"].notna().all()
    # a text output has no number: empty, never a silent zero
    assert table["'Loan model'!G2"].isna().all()


def test_a_difference_from_the_reference_engine_stops_the_batch(tmp_path):
    """The check compares what the compiled engine wrote with a per-scenario recalculation: a wrong number in
    the results (here written by hand into the compiled rows) is an error naming scenario and output."""
    from hashlease.batch import reference_check

    workbook = _loan(tmp_path / "loan.xlsx")
    scenarios = [Scenario("a", (("rate_per_year_frac", 0.05),))]
    right = workbook_chunk(str(workbook), scenarios, outputs=["interest_usd"])[0]
    assert reference_check(workbook, scenarios, {"a": right}, ["interest_usd"]) == []
    wrong = dict(right, interest_usd=right["interest_usd"] * (1 + 1e-6))
    differences = reference_check(workbook, scenarios, {"a": wrong}, ["interest_usd"])
    assert len(differences) == 1 and "scenario a, interest_usd" in differences[0]


@pytest.mark.parametrize("case", ["indirect", "offset", "unknown"])
def test_a_workbook_the_engine_cannot_vectorise_falls_back_with_a_warning(tmp_path, case):
    fallback = fw.build_fallbacks(tmp_path)[case]
    warnings: list[str] = []
    scenarios = [Scenario("s1", ((fallback.inputs[0], 2),))]
    report = run_batch(fallback.path, scenarios, tmp_path / "out", outputs=list(fallback.outputs), workers=1,
                       warn=warnings.append)
    assert report["engine"] == "reference" and report["fallback"]
    assert len(warnings) == 1 and fallback.cells[0] in warnings[0] and fallback.function in warnings[0].upper()
    table = pd.read_csv(tmp_path / "out" / "summary.csv")
    reference = workbook_chunk(str(fallback.path), scenarios, outputs=list(fallback.outputs))[0]
    if reference.get("error"):  # the reference engine does not compute it either: the row says why, no number
        assert pd.isna(table.at[0, fallback.outputs[0]]) and fallback.function in table.at[0, "error"].upper()
    else:
        assert table.at[0, fallback.outputs[0]] == pytest.approx(reference[fallback.outputs[0]], rel=1e-12)


def test_model_engine_refuses_outputs_it_does_not_compute(tmp_path):
    with pytest.raises(HashleaseError, match="--output"):
        run_batch(TEMPLATE, [Scenario("a", ())], tmp_path / "out", engine="model", outputs=["Mining!B7"])
