"""The monthly date grid: first day of each month from a start, checked against Python's datetime."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashlease.models import HashleaseError, days_in_months, month_start_dates


def _by_hand(year: int, month: int, n: int) -> list[dt.date]:
    return [dt.date(year + (month - 1 + i) // 12, (month - 1 + i) % 12 + 1, 1) for i in range(n)]


@pytest.mark.parametrize("start", ["2026-01-01", "2026-01-31", dt.date(2026, 1, 15), np.datetime64("2026-01-20"),
                                   dt.datetime(2026, 1, 9, 18, 30)],
                         ids=["iso-first", "iso-last-day", "date", "datetime64", "datetime"])
def test_grid_starts_on_the_first_of_the_start_month(start):
    assert month_start_dates(start, 40).tolist() == _by_hand(2026, 1, 40)


def test_grid_crosses_year_ends_and_has_actual_month_lengths():
    dates = month_start_dates("2023-11-01", 5)
    assert dates.dtype == np.dtype("datetime64[D]")
    assert dates.tolist() == [dt.date(2023, 11, 1), dt.date(2023, 12, 1), dt.date(2024, 1, 1), dt.date(2024, 2, 1),
                              dt.date(2024, 3, 1)]
    # November 30, December 31, January 31, February 29 (2024 is a leap year), March 31
    assert days_in_months("2023-11-01", 5).tolist() == [30.0, 31.0, 31.0, 29.0, 31.0]
    assert days_in_months("2025-02-01", 1).tolist() == [28.0]
    assert month_start_dates("2026-01-01", 0).tolist() == []


@pytest.mark.parametrize(("start", "months", "field"), [
    ("2026-01-01", -1, "months"),
    ("2026-01-01", 2.5, "months"),
    ("2026-01-01", True, "months"),
    ("not a date", 3, "start"),
    (["2026-01-01", "2026-02-01"], 3, "start"),
], ids=["negative", "fraction", "bool", "bad-date", "two-dates"])
def test_bad_grid_arguments(start, months, field):
    with pytest.raises(HashleaseError) as info:
        month_start_dates(start, months)
    assert info.value.arg == field
