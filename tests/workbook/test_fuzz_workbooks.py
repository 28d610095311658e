"""The template mutated cell by cell still recalculates to a result or a clean refusal.

Random cells (inputs, market data, formulas, labels) become blanks, text, huge numbers, booleans, error values or
formulas referencing themselves (directly or through a range). Whatever happens, ``hashlease recalc`` must exit 0
with a workbook Excel can open (every number finite, every error value one of Excel's) or 1 with a message and no
output, never a traceback or a hang past the deadline, and it never changes its input. A few dozen examples run
in CI; set ``HASHLEASE_FUZZ_EXAMPLES`` for more.
"""

from __future__ import annotations

import hashlib
import math
import os
import signal
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl.worksheet.formula import ArrayFormula
from typer.testing import CliRunner

from hashlease.cli import app
from hashlease.workbook import writer

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"
EXAMPLES = int(os.environ.get("HASHLEASE_FUZZ_EXAMPLES", "20"))
DEADLINE_S = 120  # a hang guard, not a speed assertion: the template recalculates in about 1 s
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
runner = CliRunner()


def _cells() -> list[tuple[str, str]]:
    book = openpyxl.load_workbook(TEMPLATE)
    out = [(ws.title, c.coordinate) for ws in book.worksheets if ws.sheet_state == "visible"
           for row in ws.iter_rows() for c in row if c.value is not None]
    book.close()
    return out


CELLS = _cells()


def _value(kind: str, sheet: str, ref: str, number: float):
    quoted = "'" + sheet.replace("'", "''") + "'"
    return {"blank": None, "text": "lots", "huge": number, "true": True, "false": False, "error": "#N/A",
            "div0": "#DIV/0!", "self": f"={quoted}!{ref}+1", "self-range": f"=SUM({quoted}!A1:Z500)+1",
            "date-text": "2026-13-45"}[kind]


MUTATION = st.tuples(st.sampled_from(CELLS), st.sampled_from(["blank", "text", "huge", "true", "false", "error",
                                                              "div0", "self", "self-range", "date-text"]),
                     st.sampled_from([1e308, -1e308, 1e18, -1e18, 5e-324, 0.0]))


class _Deadline(Exception):
    """A recalculation that ran past its deadline (a hang is a failure, not a wait)."""


def _alarm(signum, frame):
    raise _Deadline()


def _check_output(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for part in writer.sheet_parts(archive).values():
            root = etree.fromstring(archive.read(part))
            for cell in root.iter(f"{MAIN}c"):
                value = cell.findtext(f"{MAIN}v")
                if value is None:
                    continue
                kind = cell.get("t", "n")
                if kind == "e":
                    assert value in ERRORS, (cell.get("r"), value)
                elif kind == "n":
                    assert math.isfinite(float(value)), (cell.get("r"), value)
    openpyxl.load_workbook(path, data_only=True).close()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_template_recalculates_or_fails_cleanly(tmp_path_factory, mutations):
    tmp = tmp_path_factory.mktemp("fuzz")
    book = openpyxl.load_workbook(TEMPLATE)
    for (sheet, ref), kind, number in mutations:
        cell = book[sheet][ref]
        if isinstance(cell.value, ArrayFormula) and kind not in ("self", "self-range"):
            continue  # a cell of an array formula's anchor keeps its range (Excel cannot edit part of an array)
        cell.value = _value(kind, sheet, ref, number)
    source = tmp / "mutated.xlsx"
    book.save(source)
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    out = tmp / "out.xlsx"
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(DEADLINE_S)
    try:
        result = runner.invoke(app, ["recalc", str(source), "-o", str(out), "--allow-errors"])
    except _Deadline:
        pytest.fail(f"recalc did not finish within {DEADLINE_S} s for {mutations}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    assert result.exception is None or isinstance(result.exception, SystemExit), (mutations, result.exception)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 1), (mutations, result.output)
    if result.exit_code == 0:
        _check_output(out)
    else:
        assert not out.exists() and result.stderr.strip(), (mutations, result.output)
