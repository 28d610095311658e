"""Classic add-in adapter contract (L2): xlwings' own classic machinery on our generated module.

With stand-ins for the Windows-only modules (tests/addin/winstubs.py), the real ``xlwings.udfs`` decorators
build each function's ``__xlfunc__``, the real ``generate_vba_wrapper`` writes the VBA that "Import Functions"
puts in the workbook (compared with a golden file), the real ``import_udfs`` sets the Function Wizard texts,
and the real COM entry point ``XLPython.CallUDF`` converts COM-shaped arguments. These are adapter-contract
tests: they do not show what Excel itself displays (docs/addin.md lists what only Excel can confirm).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest

from hashlease import models as m
from hashlease.addin.generate import _arg_doc, _description
from hashlease.addin.registry import CATEGORY, REGISTRY
from hashlease.addin.runtime import MISSING

MODULE = "hashlease.addin._generated.classic"
GOLDEN = Path(__file__).resolve().parents[1] / "regression" / "classic_udfs.bas"


@pytest.mark.parametrize("fn", REGISTRY, ids=[f.name for f in REGISTRY])
def test_xlfunc_metadata(classic, fn):
    info = getattr(classic, fn.name).__xlfunc__
    assert info["name"] == fn.name and info["category"] == CATEGORY
    assert info["ret"]["doc"] == _description(fn)
    assert [a["name"] for a in info["args"]] == [a.name for a in fn.args]
    for recorded, arg in zip(info["args"], fn.args):
        assert recorded["doc"] == _arg_doc(arg) and len(recorded["doc"]) <= 255
        assert recorded.get("optional", "required") == (arg.default if arg.optional else "required")
        assert recorded["options"].get("err_to_str") is True
        assert recorded["options"].get("ndim") == (2 if arg.kind in ("number", "integer", "assumptions") else None)
    assert not info["volatile"] and info["call_in_wizard"] and info["async_mode"] is None


class _Workbook:
    """Records what xlwings' import_udfs does to a workbook (no Excel)."""

    def __init__(self, name: str):
        self.Name = name
        self.imported: list[str] = []
        self.macro_options: list[tuple[tuple, dict]] = []
        book = self

        class _Components:
            def __call__(self, name):
                from pywintypes import com_error
                raise com_error("no such component")

            def Remove(self, component):
                """Nothing to remove in a new workbook."""

            def Import(self, path):
                book.imported.append(Path(path).read_text())

        class _Application:
            Version = "16.0"

            def MacroOptions(self, *args, **kwargs):
                book.macro_options.append((args, kwargs))

        self.VBProject = type("VBProject", (), {"VBComponents": _Components()})()
        self.Application = _Application()


def test_vba_wrapper_matches_the_golden_file(classic):
    from xlwings import udfs

    buffer = io.StringIO()
    udfs.generate_vba_wrapper(MODULE, classic, buffer, _Workbook("hashlease.xlam"))
    vba = buffer.getvalue()
    if os.environ.get("HASHLEASE_UPDATE_GOLDEN"):
        GOLDEN.write_text(vba)
    assert vba == GOLDEN.read_text(), "regenerate with HASHLEASE_UPDATE_GOLDEN=1 and review the diff"
    for fn in REGISTRY:
        optional = [a.name for a in fn.args if a.optional]
        signature = ", ".join(a.name if not a.optional else f"Optional {a.name}" for a in fn.args)
        assert f"Function {fn.name}({signature})" in vba
        assert f'XLPy.CallUDF("{MODULE}", "{fn.name}"' in vba
        assert all(f"Optional {name}" in vba for name in optional)
    assert "ActiveWorkbook" in vba and "Application.Volatile" not in vba


def test_import_functions_sets_the_function_wizard_texts(classic):
    from xlwings import udfs

    udfs.udf_modules.pop(MODULE, None)
    book = _Workbook("hashlease.xlam")
    udfs.import_udfs(MODULE, book)
    assert len(book.imported) == 1 and 'Attribute VB_Name = "xlwings_udfs"' in book.imported[0]
    options = {args[0]: kwargs for args, kwargs in book.macro_options}
    for fn in REGISTRY:
        recorded = options[f"'hashlease.xlam'!{fn.name}"]
        assert recorded["Category"] == CATEGORY
        assert recorded["Description"] == _description(fn)
        assert recorded["ArgumentDescriptions"] == [_arg_doc(a) for a in fn.args]


@pytest.fixture(scope="module")
def com(classic):
    from xlwings import udfs
    from xlwings.com_server import XLPython

    udfs.udf_modules[MODULE] = {"filename": classic.__file__, "filetime": None, "module": classic}
    server = XLPython()
    return lambda name, *args: server.CallUDF(MODULE, name, args)


def test_com_shaped_calls_give_the_models_numbers(com):
    # floats as COM sends them, the "missing" marker for an omitted optional argument
    assert com("HL_HASHPRICE", 108.52e12, 93_450.0, 0.0931, 874_944.0, MISSING) == \
        m.hashprice_usd_per_day(108.52e12, 93_450, 874_944, fees_btc_per_block=0.0931)
    # a range arrives as a tuple of row tuples; a column spills as a column (CallUDF unwraps a single row)
    column = com("HL_BREAKEVEN_POWER_PRICE", 54.3, ((17.5,), (21.5,), (29.5,)), MISSING, MISSING, MISSING, MISSING)
    assert column == [[m.breakeven_power_price_usd_per_kwh(54.3, e)] for e in (17.5, 21.5, 29.5)]
    row = com("HL_BREAKEVEN_POWER_PRICE", 54.3, ((17.5, 21.5),), MISSING, MISSING, MISSING, MISSING)
    assert row == [m.breakeven_power_price_usd_per_kwh(54.3, e) for e in (17.5, 21.5)]
    # a date cell arrives as a (time-zone aware) datetime
    when = com("HL_HALVING_DATE", 840_000.0, dt.datetime(2024, 4, 20, tzinfo=dt.timezone.utc), MISSING)
    assert when == pytest.approx(m.to_excel_serial("2028-04-17T08:00:00"))


@pytest.mark.parametrize(("args", "text"), [
    ((-5.0, 93_450.0, 0.0931, 874_944.0, MISSING), "#NUM! difficulty must be > 0, got -5.0"),
    ((-2146826281, 93_450.0, 0.0931, 874_944.0, MISSING), "#VALUE! the argument difficulty holds the "
                                                          "error #DIV/0!"),
    ((None, 93_450.0, 0.0931, 874_944.0, MISSING), "#VALUE! difficulty is required"),
    ((108.52e12, "abc", 0.0931, 874_944.0, MISSING), "#VALUE! btc_price_usd must be a number (USD/BTC), got text"),
    ((108.52e12, 93_450.0, 0.0931, 874_944.0, "GH"), "#VALUE! unit must be one of TH, PH, EH"),
    ((((1e14,), (2e14,)), ((1.0,), (2.0,), (3.0,)), 0.0931, 874_944.0, MISSING), "#VALUE! HL_HASHPRICE: ranges of "
                                                                                  "2x1 and 3x1 cells do not line up"),
], ids=["out-of-range", "error-cell", "empty-cell", "text", "unknown-unit", "mismatched-ranges"])
def test_com_shaped_failures_are_error_text(com, args, text):
    result = com("HL_HASHPRICE", *args)
    assert isinstance(result, str) and result.startswith(text), result
