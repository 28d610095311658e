"""Serial numbers are read and written in the workbook's date system (issue 13, item 1).

Expected serials are counted with Python's ``datetime`` alone: in the 1904 system a serial is the number of days
since 1 Jan 1904; in the 1900 system, for dates from 1 Mar 1900 on, the number of days since 30 Dec 1899
(Microsoft, "Differences between the 1900 and the 1904 date system in Excel": the two differ by 1,462 days).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from hashlease import models as m
from hashlease.addin.runtime import call_classic, call_lite, current_date_system, date_system, invoke

sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    from test_wrappers import LEASE_RANGE, MARKET_RANGE
finally:
    sys.path.remove(str(Path(__file__).resolve().parent))

DAY = dt.timedelta(days=1)


def serial(when: dt.datetime, system: int) -> float:
    epoch = dt.datetime(1904, 1, 1) if system == 1904 else dt.datetime(1899, 12, 30)
    return (when - epoch) / DAY


def test_the_two_systems_are_1462_days_apart():
    assert serial(dt.datetime(2026, 1, 1), 1900) - serial(dt.datetime(2026, 1, 1), 1904) == 1462
    assert serial(dt.datetime(2008, 1, 1), 1900) == 39_448  # Microsoft's XIRR help


# 840,000 was mined on 20 Apr 2024; 210,000 blocks x 600 s later is 1,458 days 8 hours on: 17 Apr 2028 08:00
MINED, HALVING = dt.datetime(2024, 4, 20), dt.datetime(2028, 4, 17, 8)


@pytest.mark.parametrize("system", [1900, 1904])
def test_a_date_serial_and_a_date_result_use_the_workbooks_system(system):
    expected = pytest.approx(serial(HALVING, system), abs=1e-9)
    assert call_classic("HL_HALVING_DATE", 840_000.0, serial(MINED, system), date_system=system) == expected
    with date_system(system):
        assert call_classic("HL_HALVING_DATE", 840_000.0, serial(MINED, system)) == expected
        # a date cell arrives as a date (classic) whatever the system; the result is still in the workbook's
        assert call_classic("HL_HALVING_DATE", 840_000.0, MINED) == expected
        assert current_date_system() == system
    assert current_date_system() == 1900  # the block ends with its calculation


def _with(rows, name, value):
    return tuple((n, value if n == name else v) for n, v in rows)


def test_dates_in_assumption_ranges_and_in_tables_use_the_workbooks_system():
    start = dt.datetime(2026, 1, 1)
    table_1900 = call_classic("HL_LEASE_SCHEDULE", _with(LEASE_RANGE, "construction_start", serial(start, 1900)))
    table_1904 = call_classic("HL_LEASE_SCHEDULE", _with(LEASE_RANGE, "construction_start", serial(start, 1904)),
                              date_system=1904)
    assert table_1904[0] == table_1900[0] and len(table_1904) == len(table_1900)
    assert table_1904[1][0] == serial(start, 1904)
    for row_1900, row_1904 in zip(table_1900[1:], table_1904[1:]):
        assert row_1904[0] == row_1900[0] - 1462  # the same month, in the other system
        assert row_1904[1:] == row_1900[1:]  # the same figures


def test_the_market_start_and_the_projection_dates_use_the_workbooks_system():
    start = dt.datetime(2026, 1, 1)
    path = call_lite("HL_HASHPRICE_PATH", _with(MARKET_RANGE, "start", serial(start, 1904)), date_system=1904)
    assert path[1][0] == serial(start, 1904)
    assert path[2][0] == serial(dt.datetime(2026, 2, 1), 1904)


def test_curtailment_date_times_use_the_workbooks_system():
    hours = [dt.datetime(2026, 1, 31, 22) + dt.timedelta(hours=h) for h in range(6)]
    prices = [[20.0], [150.0], [80.0], [-5.0], [300.0], [40.0]]
    by_system = {}
    for system in (1900, 1904):
        stamps = [[serial(h, system)] for h in hours]
        by_system[system] = call_classic("HL_CURTAILMENT", stamps, prices, 100.0, 10.0, date_system=system)
    assert [row[0] for row in by_system[1904][1:]] == [serial(dt.datetime(2026, 1, 1), 1904),
                                                        serial(dt.datetime(2026, 2, 1), 1904)]
    assert [row[1:] for row in by_system[1904]] == [row[1:] for row in by_system[1900]]


def test_serial_zero_is_1_jan_1904_only_in_the_1904_system():
    # 0 is a date in the 1904 system (1 Jan 1904) and none in the 1900 system (its first serial is 1)
    assert call_classic("HL_HALVING_DATE", 840_000.0, 0.0, date_system=1904) == pytest.approx(
        serial(dt.datetime(1904, 1, 1) + dt.timedelta(seconds=210_000 * 600), 1904))
    text = call_classic("HL_HALVING_DATE", 840_000.0, 0.0)
    assert text.startswith("#NUM! as_of_date must be a date serial in [1, 2,958,465] (1900 date system), got 0"), text


@pytest.mark.parametrize("system", [1901, 0, True, "1904"])
def test_only_the_two_date_systems_exist(system):
    with pytest.raises(m.HashleaseError, match="date_system must be one of 1900, 1904") as caught:
        with date_system(system):
            raise AssertionError("a date system outside 1900 and 1904 was accepted")
    assert caught.value.kind is m.ErrorKind.VALUE
    with pytest.raises(m.HashleaseError, match="date_system"):
        invoke("HL_SUBSIDY", 1.0, date_system=system)
