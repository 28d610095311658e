"""Every HL_ function, fuzzed from a working call: each argument kept, or replaced by what a workbook can hand over
(booleans in ranges, error values, huge and tiny numbers, huge ``rows``, ranges for single cells, blank cells,
dates as serials of either date system), in either date system. The result is a value or one line beginning with
an Excel error code: never a traceback, an unexpected-error text, NaN, inf, or a blank cell without an error.

A few hundred calls in CI; set ``HASHLEASE_FUZZ_EXAMPLES`` (examples per function) for a longer run.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashlease.addin.registry import EXCEL_ROWS, REGISTRY, by_name
from hashlease.addin.runtime import COM_ERRORS, MISSING, call_classic, date_system

sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    from test_wrappers import (LEASE_RANGE, MARKET_RANGE, MINING_RANGE, PHASES_RANGE, SCALAR_CASES,
                               SITE_LEASE_RANGE)
finally:
    sys.path.remove(str(Path(__file__).resolve().parent))

EXAMPLES = int(os.environ.get("HASHLEASE_FUZZ_EXAMPLES", 12))

#: 20 Apr 2024 as a serial: 45402 in the 1900 system, 45402 - 1462 = 43940 in the 1904 system (Microsoft,
#: "Differences between the 1900 and the 1904 date system in Excel": 1,462 days apart).
SERIAL_1900, SERIAL_1904 = 45_402.0, 43_940.0

HOURS = [[SERIAL_1900 + h / 24] for h in range(6)]
PRICES = [[20.0], [150.0], [80.0], [-5.0], [300.0], [40.0]]

#: A call that works, for every function: the fuzz changes some of its arguments.
BASE = {name: args for name, (args, _) in SCALAR_CASES.items()}
BASE.update({
    "HL_HALVING_DATE": (840_000.0, SERIAL_1900, 600.0),
    "HL_HASHPRICE_PATH": (MARKET_RANGE, 0.0),
    "HL_LEASE_SCHEDULE": (LEASE_RANGE, 0.0),
    "HL_LEASE_NPV": (LEASE_RANGE, False),
    "HL_LEASE_IRR": (LEASE_RANGE, False),
    "HL_LEASE_PAYBACK": (LEASE_RANGE,),
    "HL_LEASE_SUMMARY": (LEASE_RANGE,),
    "HL_SITE_COMPARE": (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, 0.1, 0.0),
    "HL_SITE_CASH": (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, 0.1, 0.0, 0.0),
    "HL_SENSITIVITY": (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, "market.btc_price_usd", ((80e3,), (100e3,)),
                       "lease.rent_usd_per_kw_month", ((120.0, 140.0),), 0.1, 0.0),
    "HL_PHASED_NPV": (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, PHASES_RANGE, 0.1, "redeploy"),
    "HL_PHASED_COMPARE": (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, PHASES_RANGE, 0.1, "redeploy"),
    "HL_PHASED_SCHEDULE": (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, PHASES_RANGE, 0.1, "redeploy", 0.0),
    "HL_CURTAILMENT": (HOURS, PRICES, 100.0, 10.0, 0.0),
    "HL_BREAKEVEN_BTC_PRICE_VS_LEASE": (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, 0.1, 0.0),
    "HL_BREAKEVEN_RENT_VS_MINING": (MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, 0.1, 0.0),
})

ERRORS = sorted(set(COM_ERRORS.values())) + list(COM_ERRORS)  # as text (Lite, engine, classic) and as COM codes
HUGE_TINY = [1e300, -1e300, 1e-300, -1e-300, 5e-324, 1.7976931348623157e308, 0.0, -0.0, 1e15, 2.0**53 + 1]
DATES = [SERIAL_1900, SERIAL_1904, 0.0, 1.0, 60.0, 61.0, 2_958_465.0, 2_958_466.0, -1.0,
         dt.datetime(2026, 1, 1), dt.datetime(1900, 1, 1), dt.date(9999, 12, 31)]

cells = st.one_of(
    st.none(), st.just(""), st.just(MISSING), st.booleans(), st.sampled_from(ERRORS), st.sampled_from(HUGE_TINY),
    st.sampled_from(DATES), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6),
    st.sampled_from(["TRUE", "PH", "redeploy", "2026-01-01", "abc", " "]),
)
# ranges: a column, a row or a block, with booleans, errors and blanks among numbers
ranges = st.lists(st.lists(cells, min_size=1, max_size=3), min_size=1, max_size=3).filter(
    lambda rows: len({len(r) for r in rows}) == 1).map(lambda rows: tuple(tuple(r) for r in rows))
huge_rows = st.sampled_from([1e15, float(EXCEL_ROWS + 1), 1e300, -1.0, 0.5, float("inf")])


def _hostile(arg_name):
    values = st.one_of(cells, ranges)
    return st.one_of(values, huge_rows) if arg_name == "rows" else values


def _changed_range(rows):
    """A range (name | value assumptions, phases) with one cell changed, a changed row added, or replaced."""
    rows = [tuple(r) for r in rows]

    def change(index, column, cell):
        out = list(rows)
        out[index] = tuple(cell if j == column % len(out[index]) else c for j, c in enumerate(out[index]))
        return tuple(out)

    def add(index, column, cell):
        return tuple(rows) + (change(index, column, cell)[index],)

    position = (st.integers(0, len(rows) - 1), st.integers(0, 5))
    return st.one_of(st.builds(change, *position, cells), st.builds(add, *position, cells), cells, ranges)


def _calls(fn):
    """The working call with one or two arguments changed, in either date system."""
    base = BASE[fn.name]
    hostile = [_changed_range(value) if arg.kind == "assumptions" or arg.name == "phases" else _hostile(arg.name)
               for arg, value in zip(fn.args, base)]

    def call(positions, data):
        args = list(base)
        for i in positions:
            args[i] = data.draw(hostile[i])
        return tuple(args)

    positions = st.lists(st.integers(0, len(base) - 1), min_size=1, max_size=2, unique=True)
    return st.tuples(st.builds(call, positions, st.data()), st.sampled_from([1900, 1904]))


def acceptable(fn, result) -> bool:
    """A value Excel can show, or one line of text beginning with an Excel error code."""
    if isinstance(result, str):
        return (result.startswith(("#VALUE! ", "#NUM! ")) and "Traceback" not in result and "\n" not in result
                and "unexpected error" not in result)
    if isinstance(result, bool):
        return True
    if isinstance(result, float):
        return math.isfinite(result)
    if not isinstance(result, list) or not result:
        return False
    if fn.returns == "scalar":
        flat = [c for row in result for c in row]
        return all(isinstance(c, float) and math.isfinite(c) for c in flat)
    header, body = result[0], result[1:] if fn.returns == "table" else result
    for row in body:
        if fn.returns == "table" and all(c == "" for c in row):
            continue  # a padding row of a legacy array range (rows)
        for j, cell in enumerate(row):
            if isinstance(cell, float) and not math.isfinite(cell):
                return False
            if cell == "" and fn.returns == "table" and str(header[j]) not in fn.empty_columns:
                return False  # a blank where the model gave a figure
    return True


def _check(fn, args, system):
    with date_system(system):
        result = call_classic(fn.name, *args)
    assert acceptable(fn, result), (args, system, result)


@pytest.mark.parametrize("fn", REGISTRY, ids=[f.name for f in REGISTRY])
def test_every_function_has_a_working_base_call(fn):
    for system in (1900, 1904):
        with date_system(system):
            result = call_classic(fn.name, *BASE[fn.name])
        assert not (isinstance(result, str) and result.startswith("#")), result
        assert acceptable(fn, result)
        if fn.empty_columns:  # the columns declared blank where a figure does not apply are the table's own
            assert set(fn.empty_columns) <= set(map(str, result[0])), fn.empty_columns


@pytest.mark.parametrize("fn", REGISTRY, ids=[f.name for f in REGISTRY])
def test_fuzz_from_a_working_call(fn):
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(_calls(fn))
    def check(call):
        args, system = call
        _check(fn, args, system)

    check()


@pytest.mark.parametrize("fn", [f for f in REGISTRY if any(a.name == "rows" for a in f.args)],
                         ids=lambda f: f.name)
@pytest.mark.parametrize("rows", [1e15, float(EXCEL_ROWS + 1)], ids=["1e15", "one-past-excel"])
def test_rows_beyond_excels_grid_is_num_naming_rows_and_the_limit(fn, rows):
    args = list(BASE[fn.name])
    args[[a.name for a in fn.args].index("rows")] = rows
    result = call_classic(fn.name, *args)
    assert result.startswith("#NUM! rows must be a whole number in [0, 1,048,576]"), result


@pytest.mark.parametrize("name", ["HL_HASHPRICE", "HL_SUBSIDY", "HL_CURTAILMENT"])
def test_a_range_larger_than_excels_grid_is_num(name):
    fn = by_name(name)
    args = list(BASE[name])
    args[0] = np.ones((EXCEL_ROWS + 1, 1))
    result = call_classic(name, *args)
    assert result.startswith(f"#NUM! {fn.args[0].name} must fit Excel's grid (1,048,576 rows x 16,384 columns), "
                             "got 1,048,577 x 1 cells"), result
    args[0] = np.ones((1, 16_385))
    assert call_classic(name, *args).startswith(f"#NUM! {fn.args[0].name} must fit Excel's grid"), result


def test_a_sensitivity_axis_longer_than_excels_grid_is_num():
    args = list(BASE["HL_SENSITIVITY"])
    args[6] = np.full((1, 16_384), 130.0)  # 16,384 values across need 16,385 columns with the label column
    result = call_classic("HL_SENSITIVITY", *args)
    assert result.startswith("#NUM! column_values must have at most 16,383 cells"), result
