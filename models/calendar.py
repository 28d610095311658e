"""The monthly date grid every monthly model shares: the first day of each month from a start month.

Monthly models (projection, mining, lease, comparison, phased conversion, batch) date month ``m`` on the first
day of the ``m``-th calendar month after the start month, whatever the start's day of the month, and give each
month its actual number of days (28 to 31).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ._validate import as_datetime64
from .errors import HashleaseError

__all__ = ["month_start_dates", "days_in_months"]

#: Most months a grid may hold: 1,000 years, far beyond any model's horizon.
MAX_MONTHS = 12_000


def _months(months: Any) -> int:
    if isinstance(months, (bool, np.bool_)) or not isinstance(months, (int, np.integer)) \
            or not 0 <= months <= MAX_MONTHS:
        raise HashleaseError("months", months, f"a whole number in [0, {MAX_MONTHS:,}]")
    return int(months)


def month_start_dates(start: dt.date | np.datetime64 | str, months: int) -> np.ndarray:
    r"""First day of each of ``months`` calendar months, from the month of ``start``.

    Parameters
    ----------
    start : datetime.date, numpy.datetime64 or ISO 8601 str
        Any day of the first month; the grid starts on the 1st of that month.
    months : int
        Number of months, in [0, 12,000]. [months]

    Returns
    -------
    numpy.ndarray of datetime64[D]
        Shape (months,): the 1st of the start month, of the next month, and so on.

    Raises
    ------
    HashleaseError
        If ``start`` is not a date or ``months`` is not a whole number in range.

    Notes
    -----
    .. math:: d_m = \text{first day of }(\text{month}(s) + m), \qquad m = 0, \dots, M - 1

    Ask for ``months + 1`` dates to get each month's end (the next month's start), as
    :func:`days_in_months` does.

    Examples
    --------
    >>> month_start_dates("2024-01-15", 3).tolist()
    [datetime.date(2024, 1, 1), datetime.date(2024, 2, 1), datetime.date(2024, 3, 1)]
    >>> month_start_dates("2025-12-01", 2).astype(str).tolist()
    ['2025-12-01', '2026-01-01']
    """
    first = as_datetime64("start", start)
    if first.ndim != 0 or np.isnat(first):
        raise HashleaseError("start", start, "one date")
    first = first.astype("datetime64[M]")
    return (first + np.arange(_months(months))).astype("datetime64[D]")


def days_in_months(start: dt.date | np.datetime64 | str, months: int) -> np.ndarray:
    """Days in each of ``months`` calendar months from the month of ``start`` (28 to 31).

    Parameters
    ----------
    start : datetime.date, numpy.datetime64 or ISO 8601 str
        Any day of the first month.
    months : int
        Number of months, in [0, 12,000]. [months]

    Returns
    -------
    numpy.ndarray of float
        Shape (months,): days from each month's first day to the next month's. [days]

    Examples
    --------
    >>> days_in_months("2024-01-01", 3).tolist()  # 2024 is a leap year
    [31.0, 29.0, 31.0]
    """
    dates = month_start_dates(start, _months(months) + 1)
    return np.diff(dates).astype(float)
