"""The classic add-in in the macro-enabled template (templates/hashlease.xlsm), as far as Linux can show it.

*Import Functions* (the xlwings ribbon) reads the workbook's ``xlwings.conf`` sheet for the UDF module, imports it,
and has xlwings' ``import_udfs`` write a VBA module of stubs into the workbook. Here, with stand-ins for pywin32 only
(tests/addin/winstubs.py), xlwings' real ``import_udfs`` runs on a recording workbook named ``hashlease.xlsm``, and
the module it imports is checked against every ``HL_`` call in the template. Adapter contract, not Excel: that
Excel compiles the module, resolves ``XLPy`` through the reference to the xlwings add-in and keeps the module on
saving as .xlsm is for the checklist in docs/addin.md.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formula import Tokenizer
from openpyxl.formula.tokenizer import Token
from openpyxl.worksheet.formula import ArrayFormula

from hashlease.addin.registry import REGISTRY

XLSM = Path(__file__).resolve().parents[2] / "templates" / "hashlease.xlsm"
MODULE = "hashlease.addin._generated.classic"


def _config_sheet(book) -> dict[str, object]:
    """The ``xlwings.conf`` sheet as the xlwings add-in's VBA reads it (addin/Config.bas, GetConfigFromSheet, in
    the installed xlwings): keys from A1 down to the last filled cell before a blank, upper-cased; values beside
    them in column B."""
    ws = book["xlwings.conf"]
    config, row = {}, 1
    while row == 1 or ws.cell(row, 1).value not in (None, ""):
        config[str(ws.cell(row, 1).value).upper()] = ws.cell(row, 2).value
        row += 1
    return config


def _hl_calls(book) -> list[tuple[str, str, int]]:
    """(cell, HL_ function, number of arguments) of every HL_ call in the workbook's formulas, nested ones too."""
    calls = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                text = value.text if isinstance(value, ArrayFormula) else value
                if not (isinstance(text, str) and text.startswith("=")):
                    continue
                stack: list[list] = []  # per open call: [function name, separators seen, anything seen]
                for token in Tokenizer(text).items:
                    if token.type == Token.FUNC and token.subtype == Token.OPEN:
                        if stack:
                            stack[-1][2] = True
                        stack.append([token.value[:-1], 0, False])
                    elif token.type == Token.FUNC and token.subtype == Token.CLOSE:
                        name, separators, seen = stack.pop()
                        if name.upper().startswith("HL_"):  # n separators: n + 1 arguments, empty ones too
                            count = separators + 1 if separators or seen else 0
                            calls.append((f"{ws.title}!{cell.coordinate}", name.upper(), count))
                    elif token.type == Token.SEP and token.subtype == Token.ARG and stack:
                        stack[-1][1] += 1
                    elif stack and token.type != Token.WSPACE:
                        stack[-1][2] = True
    return calls


class _Workbook:
    """Records what xlwings' import_udfs does to the workbook it is given (no Excel)."""

    def __init__(self, name: str):
        self.Name = name
        self.imported: list[str] = []
        self.macro_options: list[str] = []
        book = self

        class _Components:
            def __call__(self, name):
                from pywintypes import com_error
                raise com_error("no such component")

            def Remove(self, component):
                """Nothing to remove: the template holds no VBA."""

            def Import(self, path):
                book.imported.append(Path(path).read_text())

        class _Application:
            Version = "16.0"

            def MacroOptions(self, macro, **kwargs):
                book.macro_options.append(macro)

        self.VBProject = type("VBProject", (), {"VBComponents": _Components()})()
        self.Application = _Application()


@pytest.fixture(scope="module")
def book():
    return openpyxl.load_workbook(XLSM, keep_vba=True)


@pytest.fixture(scope="module")
def imported(classic):
    """The VBA module xlwings' Import Functions writes into hashlease.xlsm, and the recording workbook."""
    from xlwings import udfs

    config = _config_sheet(openpyxl.load_workbook(XLSM, keep_vba=True))
    udfs.udf_modules[MODULE] = {"filename": classic.__file__, "filetime": None, "module": classic}
    workbook = _Workbook(XLSM.name)
    udfs.import_udfs(config["UDF MODULES"], workbook)
    assert len(workbook.imported) == 1
    return workbook.imported[0], workbook


def test_the_config_sheet_names_the_generated_module_as_xlwings_reads_it(book):
    config = _config_sheet(book)
    assert config["UDF MODULES"] == MODULE
    assert book["xlwings.conf"].sheet_state == "hidden"  # the add-in finds it by name (wb.Sheets(...)), hidden or not
    assert importlib.import_module(config["UDF MODULES"]).__name__ == MODULE


def test_the_template_calls_hl_functions_the_counter_sees():
    # the counter itself, on formulas whose argument counts are plain to read
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = '=HL_A(1,HL_B(2,"x,y"),SUM(3,4))+HL_C()'
    ws["A2"] = "=hl_d(B1:C2, ,5)+HL_E(1,)"
    assert sorted(_hl_calls(wb)) == [("Sheet!A1", "HL_A", 3), ("Sheet!A1", "HL_B", 2), ("Sheet!A1", "HL_C", 0),
                                      ("Sheet!A2", "HL_D", 3), ("Sheet!A2", "HL_E", 2)]


def test_every_hl_call_in_the_template_has_a_stub_taking_its_arguments(book, imported):
    vba, _ = imported
    signatures = {name: params for name, params in
                  re.findall(r"^Function (HL_[A-Z0-9_]+)\((.*)\)$", vba, flags=re.MULTILINE)}
    assert set(signatures) == {fn.name for fn in REGISTRY}
    calls = _hl_calls(book)
    assert len(calls) > 70
    for cell, name, count in calls:
        params = [p.strip() for p in signatures[name].split(",") if p.strip()]
        required = [p for p in params if not p.startswith("Optional ")]
        assert len(required) <= count <= len(params), f"{cell}: {name} with {count} arguments; VBA: {params}"


def test_the_stubs_call_the_module_from_this_workbook(imported):
    vba, workbook = imported
    assert vba.startswith('Attribute VB_Name = "xlwings_udfs"')
    # in a workbook (not an add-in) xlwings passes ThisWorkbook; XLPy is the xlwings add-in's: the VBA reference
    assert vba.count(f'XLPy.CallUDF("{MODULE}", ') == 2 * len(REGISTRY)
    assert "ThisWorkbook, Application.Caller" in vba and "ActiveWorkbook" not in vba
    assert max(len(line) for line in vba.splitlines()) <= 1023  # VBA's longest line
    assert sorted(workbook.macro_options) == sorted(f"'{XLSM.name}'!{fn.name}" for fn in REGISTRY)
