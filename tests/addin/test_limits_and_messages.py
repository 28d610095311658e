"""Issue 13, add-in part: non-finite table figures (item 6), sizes bounded by Excel's grid (item 13) and cell
messages a finance user can act on (item 27)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sys
from pathlib import Path

import pytest

from hashlease.addin import runtime
from hashlease.addin.registry import by_name
from hashlease.addin.runtime import call_classic

sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    from test_wrappers import LEASE_RANGE, MARKET_RANGE, MINING_RANGE, PHASES_RANGE, SITE_LEASE_RANGE
finally:
    sys.path.remove(str(Path(__file__).resolve().parent))

INTERNAL = ("Error", "NaT", "nan", "ambiguous", "np.", "numpy", "datetime.", "literal[", "{", "Traceback", "None")


def _with(rows, name, value):
    return tuple((n, value if n == name else v) for n, v in rows)


def _readable(text):
    assert isinstance(text, str) and "\n" not in text, text
    assert not any(word in text.split(" ", 1)[1] for word in INTERNAL), text


# --- item 6: a table never turns inf or NaN into a blank ------------------------------------------------------

def test_a_path_with_a_vanishing_difficulty_is_num_not_blank_cells():
    # difficulty 1e-300: hashprice = reward x price x 86,400 x 1e15 / (1e-300 x 2^32) overflows a double
    text = call_classic("HL_HASHPRICE_PATH", _with(MARKET_RANGE, "difficulty", 1e-300))
    assert text.startswith("#NUM! HL_HASHPRICE_PATH has no finite result for these inputs: "), text
    assert "hashprice" in text and "row 2" in text
    _readable(text)


def test_figures_that_do_not_apply_stay_blank_and_only_in_their_columns():
    # construction (12 months) comes before the lease: no lease month, lease year or rent yet (declared columns)
    table = call_classic("HL_LEASE_SCHEDULE", LEASE_RANGE)
    header, first = table[0], table[1]
    blank = {header[j] for j, cell in enumerate(first) if cell == ""}
    assert blank == {"lease_month", "lease_year", "rent_usd_per_kw_month"}
    assert blank <= set(by_name("HL_LEASE_SCHEDULE").empty_columns)


# --- item 13: sizes bounded by Excel's grid ---------------------------------------------------------------------

@pytest.mark.parametrize(("name", "args"), [
    ("HL_LEASE_SCHEDULE", (LEASE_RANGE,)),
    ("HL_HASHPRICE_PATH", (MARKET_RANGE,)),
    ("HL_SITE_CASH", (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, 0.1, 0.0)),
    ("HL_PHASED_SCHEDULE", (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, PHASES_RANGE, 0.1, "redeploy")),
    ("HL_CURTAILMENT", ([[46_023.0], [46_023.0 + 1 / 24]], [[20.0], [30.0]], 100.0, 0.0)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_rows_of_1e15_is_refused_before_any_padding(name, args):
    # before: the table was padded towards 1e15 rows until the kernel killed the process
    text = call_classic(name, *args, 1e15)
    assert text == "#NUM! rows must be a whole number in [0, 1,048,576] (Excel's rows), got 1e+15", text


def test_rows_within_the_grid_still_pads():
    table = call_classic("HL_CURTAILMENT", [[46_023.0], [46_023.0 + 1 / 24]], [[20.0], [30.0]], 100.0, 0.0, 5.0)
    assert len(table) == 5 and table[2:] == [[""] * 7] * 3


# --- item 27: messages name the argument or cell, the value and what is accepted ---------------------------------

@pytest.mark.parametrize(("name", "args", "text"), [
    ("HL_LEASE_SCHEDULE", (LEASE_RANGE, ((1.0,), (2.0,))), "#VALUE! rows must be a single cell (rows), got a range "
                                                           "of 2 x 1 cells"),
    ("HL_LEASE_NPV", (LEASE_RANGE, ((True, False),)), "#VALUE! levered must be a single cell, got a range of 1 x 2 "
                                                      "cells"),
    ("HL_SITE_COMPARE", (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, ((0.1,), (0.2,))),
     "#VALUE! discount_rate_per_year_frac must be a single cell"),
    ("HL_SITE_CASH", (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, 0.1, ((12.0, 24.0),)),
     "#VALUE! horizon_months must be a single cell"),
    ("HL_HASHPRICE", (1e14, 9e4, 0.1, 874_944.0, (("PH", "EH"),)), "#VALUE! unit must be a single cell"),
], ids=["rows", "levered", "discount", "horizon", "unit"])
def test_a_range_for_a_single_cell_argument_says_so(name, args, text):
    result = call_classic(name, *args)
    assert result.startswith(text), result
    _readable(result)


@pytest.mark.parametrize(("name", "args", "text"), [
    # a deleted sheet leaves #REF! in both columns of an assumption row: the error, not "a name given twice"
    ("HL_LEASE_NPV", (LEASE_RANGE + (("#REF!", "#REF!"), ("#REF!", 5.0)),),
     "#VALUE! the argument lease_assumptions holds the error #REF! (row 16, its name)"),
    ("HL_LEASE_NPV", (_with(LEASE_RANGE, "pue", "#N/A"),),
     "#VALUE! the argument lease_assumptions holds the error #N/A (row 2, its value)"),
    ("HL_LEASE_NPV", (_with(LEASE_RANGE, "pue", -2146826265),),  # classic's COM code of #REF!
     "#VALUE! the argument lease_assumptions holds the error #REF! (row 2, its value)"),
    ("HL_LEASE_NPV", ("#REF!",), "#VALUE! the argument lease_assumptions holds the error #REF!"),
    ("HL_HASHPRICE", (1e14, 9e4, 0.1, 874_944.0, "#N/A"), "#VALUE! the argument unit holds the error #N/A"),
    ("HL_HALVING_DATE", (840_000.0, "#REF!"), "#VALUE! the argument as_of_date holds the error #REF!"),
    ("HL_LEASE_NPV", (LEASE_RANGE, "#NAME?"), "#VALUE! the argument levered holds the error #NAME?"),
    ("HL_HASHPRICE", (((1e14,), ("#N/A",)), 9e4, 0.1, 874_944.0),
     "#VALUE! the argument difficulty (row 2, column 1 of its range) holds the error #N/A"),
    ("HL_PHASED_NPV", (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, ((50.0, "#REF!", 0.0),)),
     "#VALUE! the argument phases (row 1, column 2 of its range) holds the error #REF!"),
], ids=["deleted-sheet-in-names", "na-value", "com-ref-value", "whole-argument", "choice", "date", "flag",
        "number-range", "phases"])
def test_an_error_value_in_an_argument_is_named_as_such(name, args, text):
    result = call_classic(name, *args)
    assert result.startswith(text), result
    assert "twice" not in result and "given once" not in result
    _readable(result)


def test_a_model_error_shows_values_as_a_user_typed_them():
    # a phase of 0 MW: the value reached pydantic as numpy's float64 and was shown as "np.float64(0.0)"
    text = call_classic("HL_PHASED_NPV", MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, ((0.0, 37.5, 0.0),
                                                                                       (50.0, 37.5, 12.0)))
    assert text.startswith("#NUM! ") and "site_mw must be > 0, got 0.0" in text, text
    _readable(text)
    # a missing assumption was shown with the whole input set ("got {'critical_it_mw': ...}")
    text = call_classic("HL_LEASE_NPV", tuple(r for r in LEASE_RANGE if r[0] != "capex_usd_per_mw"))
    assert text.startswith("#VALUE! capex_usd_per_mw must be given"), text
    _readable(text)


@pytest.mark.parametrize("value", [float("nan"), None, {"site_mw": 1.0}, (1.0, 2.0)], ids=["nan", "none", "dict", "tuple"])
def test_model_error_values_never_show_python_names(monkeypatch, value):
    import pandas as pd

    from hashlease import models as m

    for missing in (value, pd.NaT):
        def failing(block_height, missing=missing):
            raise m.HashleaseError("construction_start", missing, "a date", kind=m.ErrorKind.VALUE)

        real = by_name("HL_SUBSIDY")
        monkeypatch.setattr(runtime, "by_name", lambda name, f=failing: dataclasses.replace(real, call=f))
        text = call_classic("HL_SUBSIDY", 1.0)
        assert text.startswith("#VALUE! construction_start must be a date, got "), text
        _readable(text)


def test_a_non_text_assumption_name_names_its_row():
    text = call_classic("HL_LEASE_NPV", LEASE_RANGE + ((dt.datetime(2026, 1, 1), 5.0),))
    assert text == ("#VALUE! lease_assumptions row 16 must have an assumption name (text) in its first column, got "
                    "the date 2026-01-01T00:00:00"), text


def test_a_bug_says_so_without_python_names_and_is_logged(monkeypatch, caplog):
    def broken(block_height):
        return [][int(block_height)]  # an IndexError, as a bug would raise

    real = by_name("HL_SUBSIDY")
    monkeypatch.setattr(runtime, "by_name", lambda name: dataclasses.replace(real, call=broken))
    with caplog.at_level(logging.ERROR, logger="hashlease.addin"):
        text = call_classic("HL_SUBSIDY", 1.0)
    assert text.startswith("#VALUE! unexpected error in HL_SUBSIDY: hashlease could not compute it"), text
    assert "IndexError" not in text and "list index" not in text
    assert "IndexError" in caplog.text  # the traceback goes to the log
