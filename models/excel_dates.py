"""Excel date serial numbers, in the 1900 and the 1904 date systems.

In the 1900 system serial 1 is 1 Jan 1900 and serial 60 is 29 Feb 1900, a day that never existed: Excel
kept Lotus 1-2-3's leap-year bug, so every serial from 61 (1 Mar 1900) on is one more than the count of
days since 31 Dec 1899. In the 1904 system (older Mac workbooks) serial 0 is 1 Jan 1904. The largest date
either accepts is 31 Dec 9999.
"""

from __future__ import annotations

import datetime as _dt
import numbers
from typing import Any, Literal

import numpy as np

from ._validate import as_datetime64, as_real, check_choice, first_bad
from .errors import ErrorKind, HashleaseError
from .units import SECONDS_PER_DAY

__all__ = ["to_excel_serial", "from_excel_serial", "as_day_numbers", "calendar_date", "MAX_SERIAL"]

DateSystem = Literal[1900, 1904]

_EPOCH = {1900: np.datetime64("1899-12-30", "D"), 1904: np.datetime64("1904-01-01", "D")}
_PHANTOM_SERIAL = 60
_MARCH_1_1900 = np.datetime64("1900-03-01", "D")
#: Largest serial per system: 31 Dec 9999.
MAX_SERIAL = {1900: 2_958_465, 1904: 2_957_003}


def _system(date_system: Any) -> int:
    if isinstance(date_system, bool) or not isinstance(date_system, numbers.Real) or date_system not in (1900, 1904):
        raise HashleaseError("date_system", date_system.tolist() if isinstance(date_system, np.ndarray) else date_system,
                             "one of 1900, 1904", kind=ErrorKind.VALUE)
    return int(date_system)


def calendar_date(value: Any) -> _dt.date | None:
    """The calendar date of a date cell (a date or datetime) or of ISO text ``YYYY-MM-DD``; None for anything
    else (a number is a serial, read in its workbook's date system by the caller; other text is not a date).

    Examples
    --------
    >>> calendar_date(_dt.datetime(2026, 1, 1, 18, 30)), calendar_date(" 2026-02-01 "), calendar_date(46023.0)
    (datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), None)
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def to_excel_serial(dates: Any, *, date_system: DateSystem = 1900) -> float | np.ndarray:
    """Excel serial number of each date (with the time of day as a fraction).

    Parameters
    ----------
    dates : date, datetime, numpy.datetime64, ISO 8601 str, or array_like of them
        Dates from 1 Jan 1900 (1900 system) or 1 Jan 1904 (1904 system) to 31 Dec 9999. Excel has no time
        zones: a datetime with a time zone or text with an offset keeps its wall-clock date and time (the
        offset is dropped, not converted to UTC), so 1 Mar 2008 00:01 at +02:00 is serial 39508.0007.
    date_system : {1900, 1904}, optional
        Excel's date system; default 1900 (Windows and current Mac Excel).

    Returns
    -------
    float or numpy.ndarray
        Serial numbers. [days]

    References
    ----------
    .. [1] Microsoft, "Excel incorrectly assumes that the year 1900 is a leap year",
       https://learn.microsoft.com/en-us/office/troubleshoot/excel/wrongly-assumes-1900-is-leap-year
    .. [2] Microsoft, XIRR help: "1 January 2008 is serial number 39448",
       https://support.microsoft.com/zh-cn/excel/functions/xirr-function

    Examples
    --------
    >>> to_excel_serial("2008-01-01")
    39448.0
    >>> to_excel_serial(["1900-01-01", "1900-02-28", "1900-03-01"]).tolist()
    [1.0, 59.0, 61.0]
    >>> to_excel_serial("2008-01-01", date_system=1904)
    37986.0
    >>> round(to_excel_serial("2008-03-01T00:01+02:00"), 4)  # the wall-clock date, not 29 Feb in UTC
    39508.0007
    """
    system = _system(date_system)
    stamps = as_datetime64("dates", dates).astype("datetime64[us]")
    days = stamps.astype("datetime64[D]")
    fraction = (stamps - days.astype("datetime64[us]")).astype(np.int64) / (SECONDS_PER_DAY * 1e6)
    serial = (days - _EPOCH[system]).astype(np.int64).astype(float)
    if system == 1900:
        serial = np.where(days < _MARCH_1_1900, serial - 1, serial)
    serial = serial + fraction
    low = 1.0 if system == 1900 else 0.0
    bad = first_bad((serial < low) | (serial >= MAX_SERIAL[system] + 1))
    if bad is not None:
        value = stamps[bad] if bad else stamps
        raise HashleaseError("dates", str(value), f"from {'1900-01-01' if system == 1900 else '1904-01-01'} "
                             "to 9999-12-31", index=bad or None, kind=ErrorKind.NUM)
    return float(serial) if serial.ndim == 0 else serial


def from_excel_serial(serial: Any, *, date_system: DateSystem = 1900,
                      unit: Literal["D", "s"] = "D") -> np.datetime64 | np.ndarray:
    """Date of each Excel serial number.

    Parameters
    ----------
    serial : array_like
        Serial numbers: 1 to 2,958,465 in the 1900 system (not 60, Excel's phantom 29 Feb 1900), 0 to
        2,957,003 in the 1904 system. [days]
    date_system : {1900, 1904}, optional
        Excel's date system; default 1900.
    unit : {'D', 's'}, optional
        'D' (default) returns dates, dropping any time of day as XNPV and XIRR do; 's' keeps the time to
        the second.

    Returns
    -------
    numpy.datetime64 or numpy.ndarray of datetime64

    Raises
    ------
    HashleaseError
        For serial 60 in the 1900 system (no such day) or a serial outside the system's range.

    Examples
    --------
    >>> str(from_excel_serial(39448))
    '2008-01-01'
    >>> [str(d) for d in from_excel_serial([59, 61])]
    ['1900-02-28', '1900-03-01']
    >>> str(from_excel_serial(39448.75, unit="s"))
    '2008-01-01T18:00:00'
    """
    system = _system(date_system)
    check_choice("unit", unit, ("D", "s"))
    value = as_real("serial", serial, f"in [{0 if system == 1904 else 1}, {MAX_SERIAL[system]:,}]")
    low = 1 if system == 1900 else 0
    bad = first_bad((value < low) | (value >= MAX_SERIAL[system] + 1))
    if bad is not None:
        raise HashleaseError("serial", float(value[bad] if bad else value),
                             f"in [{low}, {MAX_SERIAL[system]:,}]", index=bad or None, kind=ErrorKind.NUM)
    whole = np.floor(value)
    if system == 1900:
        bad = first_bad(whole == _PHANTOM_SERIAL)
        if bad is not None:
            raise HashleaseError("serial", float(value[bad] if bad else value),
                                 "not 60 (Excel's 29 Feb 1900 never existed)", index=bad or None,
                                 kind=ErrorKind.NUM)
        whole = np.where(whole < _PHANTOM_SERIAL, whole + 1, whole)
    days = _EPOCH[system] + whole.astype(np.int64).astype("timedelta64[D]")
    if unit == "D":
        out = days
    else:
        seconds = np.rint((value - np.floor(value)) * SECONDS_PER_DAY).astype(np.int64)
        out = days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    return out[()] if out.ndim == 0 else out


def as_day_numbers(name: str, dates: Any) -> np.ndarray:
    """Whole day numbers for date differences: Excel serials truncated to integers, or datetimes' days.

    Numbers are taken as Excel serials (either system: only differences matter) and truncated, as XNPV
    and XIRR truncate them; dates and datetimes count whole calendar days, on the wall clock: a datetime
    with a time zone (or text with an offset) keeps its local date, as Excel has no time zones.

    Examples
    --------
    >>> as_day_numbers("dates", ["2008-02-29T23:00", "2008-03-01T00:01+02:00"]).tolist()  # days since 1970
    [13938.0, 13939.0]
    """
    try:
        array = np.asarray(dates) if not isinstance(dates, (_dt.date, str)) else None
    except (TypeError, ValueError) as exc:  # ragged sequences
        raise HashleaseError(name, dates, "Excel date serials or dates, one per cash flow", detail=str(exc),
                             kind=ErrorKind.VALUE) from None
    if array is not None and array.dtype.kind in "iuf" and array.dtype != bool:
        serial = as_real(name, array, "Excel date serials or dates")
        return np.floor(serial)
    stamps = as_datetime64(name, dates)
    return stamps.astype("datetime64[D]").astype(np.int64).astype(float)
