"""Issue 13, item 12: Excel has no time zones, so the Excel-date paths take the wall-clock date of a zoned
datetime (or of ISO text with an offset); price curves and block times, whose hours are instants, convert to UTC.

Expected serials: Microsoft's XIRR help gives 1 Jan 2008 = 39448, so 1 Mar 2008 (2008 is a leap year: 31 + 29
days later) is 39508, and 00:01 is 1/1440 of a day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hashlease import models as m

PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
ONE_MINUTE = 1 / 1440


@pytest.mark.parametrize("date", [
    dt.datetime(2008, 3, 1, 0, 1, tzinfo=PLUS_TWO),
    pd.Timestamp("2008-03-01 00:01", tz="Europe/Berlin"),  # +01:00 in March 2008
    "2008-03-01T00:01+02:00",
    "2008-03-01T00:01-05:00",  # the wall clock is the date whatever the sign
    np.array([dt.datetime(2008, 3, 1, 0, 1, tzinfo=PLUS_TWO)], dtype=object),
], ids=["datetime", "pandas-berlin", "text-plus", "text-minus", "object-array"])
def test_a_zoned_time_keeps_its_wall_clock_date(date):
    # before: converted to UTC first, 2008-02-29 22:01 = 39507.917
    assert float(np.asarray(m.to_excel_serial(date)).reshape(-1)[0]) == pytest.approx(39508 + ONE_MINUTE, abs=1e-9)


def test_text_in_utc_with_z_is_its_own_wall_clock():
    assert m.to_excel_serial(["2008-03-01T00:01Z", "2008-03-01"]).tolist() == pytest.approx([39508 + ONE_MINUTE, 39508])


def test_xnpv_counts_wall_clock_days():
    # 1 Jan 2008 03:00 and 1 Jan 2009 01:30 at +02:00 are 366 days apart on the wall clock; in UTC they are
    # 1 Jan 2008 01:00 and 31 Dec 2008 23:30, 365 days apart
    dates = [dt.datetime(2008, 1, 1, 3, 0, tzinfo=PLUS_TWO), dt.datetime(2009, 1, 1, 1, 30, tzinfo=PLUS_TWO)]
    # XNPV at 10%: -100 + 110 / 1.1^(366/365)
    assert m.xnpv(0.10, [-100.0, 110.0], dates) == pytest.approx(-100 + 110 / 1.1 ** (366 / 365), rel=1e-14)


def test_a_price_curve_converts_offsets_to_utc():
    # hours are instants: 00:00 and 01:00 at +02:00 are 22:00 and 23:00 UTC the day before
    curve = m.read_price_curve([dt.datetime(2026, 1, 1, 0, tzinfo=PLUS_TWO), "2026-01-01T01:00+02:00"], [35.0, 36.0])
    assert [str(t) for t in curve.start] == ["2025-12-31T22:00:00", "2025-12-31T23:00:00"]


def test_a_block_time_with_an_offset_is_converted_to_utc():
    # block 840,000 at 02:09 +02:00 is 00:09 UTC; 210,000 blocks of 600 s later is 17 Apr 2028 08:09 UTC
    when = m.estimate_height_time(1_050_000, 840_000, "2024-04-20T02:09:00+02:00")
    assert str(when) == "2028-04-17T08:09:00"
