"""Hourly power price curves from CSV files (untrusted input): timestamps and USD/MWh, checked row by row.

The file has a header row; the timestamp column is named ``timestamp`` (or ``time``, ``datetime``, ``start``)
and the price column ``price_usd_per_mwh`` (or any name containing ``usd_per_mwh``, or ``price``); a file of
exactly two columns is read in that order whatever their names. Timestamps are ISO 8601; those with an offset
are converted to UTC, those without are taken as UTC. Errors name the line of the file (the header is line 1).

The spacing must divide a day (5 minutes, 15 minutes, an hour, a day...), so no month holds more hours than it
has, and be at most ``interval_hours`` (default 1 h): a curve whose rows are a day apart is read only when the
caller says it is that coarse, never taken for an hourly one.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from hashlease import models as m
from hashlease.models.power import MAX_ABS_PRICE_USD_PER_MWH

__all__ = ["load_price_curve", "check_monthly_hours", "MAX_CURVE_BYTES", "MAX_PRICE_USD_PER_MWH"]

#: Largest price (in absolute value), threshold or credit accepted: the curve model's own bound. [USD/MWh]
MAX_PRICE_USD_PER_MWH = MAX_ABS_PRICE_USD_PER_MWH
_SECONDS_PER_DAY = 86_400

#: Largest curve file read: 20 years of 5-minute prices fit well within it. [bytes]
MAX_CURVE_BYTES = 200_000_000
_TIME_NAMES = ("timestamp", "time", "datetime", "start")


def _column(header: list[str], path: Path) -> tuple[int, int]:
    names = [h.strip().lower() for h in header]
    time = next((i for i, n in enumerate(names) if n in _TIME_NAMES), None)
    price = next((i for i, n in enumerate(names) if "usd_per_mwh" in n), None)
    if price is None:
        price = next((i for i, n in enumerate(names) if "price" in n), None)
    if (time is None or price is None) and len(names) == 2:
        return 0, 1
    if time is None or price is None:
        raise m.HashleaseError(f"{path.name} header", ",".join(header),
                               "a timestamp column and a price_usd_per_mwh column (or exactly two columns)")
    return time, price


def load_price_curve(path: str | Path, *, interval_hours: float = 1.0) -> m.HourlyCurve:
    """Read and validate a price curve CSV; see the module docstring for the layout.

    ``interval_hours`` is the longest spacing accepted between rows, in (0, 24] [h].

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "curve.csv"
    >>> _ = path.write_text("timestamp,price_usd_per_mwh\\n2026-01-01T00:00Z,35\\n2026-01-01T01:00Z,-4.5\\n")
    >>> curve = load_price_curve(path)
    >>> curve.hours, curve.price_usd_per_mwh.tolist()
    (1.0, [35.0, -4.5])
    """
    path = Path(path)
    if not 0 < interval_hours <= 24:
        raise m.HashleaseError("interval_hours", interval_hours, "in (0, 24]")
    if path.is_dir():
        raise m.HashleaseError("curve", str(path), "a CSV file, not a directory", kind=m.ErrorKind.VALUE)
    if not path.is_file():
        raise m.HashleaseError("curve", str(path), "an existing CSV file")
    size = path.stat().st_size
    if size > MAX_CURVE_BYTES:
        raise m.HashleaseError("curve", f"{size:,} bytes", f"<= {MAX_CURVE_BYTES:,} bytes")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise m.HashleaseError("curve", path.name, "a UTF-8 text file", detail=str(exc)) from None
    reader = csv.reader(io.StringIO(text))
    rows, lines = [], []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):  # blank lines (a trailing newline, CRLF) are skipped
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise m.HashleaseError(f"{path.name} line {reader.line_num}", "unreadable CSV", "well-formed CSV",
                               detail=str(exc)) from None
    if len(rows) < 2:
        raise m.HashleaseError("curve", f"{path.name} with {max(len(rows) - 1, 0)} data rows",
                               "a header row and at least one price")
    time, price = _column(rows[0], path)
    stamps_text, prices = [], np.empty(len(rows) - 1)
    for k, (line, row) in enumerate(zip(lines[1:], rows[1:])):
        if len(row) <= max(time, price):
            raise m.HashleaseError(f"{path.name} line {line}", ",".join(row), f"{len(rows[0])} columns like the header")
        stamps_text.append(row[time].strip())
        try:
            prices[k] = float(row[price].replace("_", "x"))  # float() would read 1_000; a CSV should not
        except ValueError:
            raise m.HashleaseError(f"{path.name} line {line} price", row[price], "a number in USD/MWh (negative "
                                   "is allowed)") from None
        if not np.isfinite(prices[k]):
            raise m.HashleaseError(f"{path.name} line {line} price", row[price], "a finite number in USD/MWh")
    stamps = pd.to_datetime(pd.Series(stamps_text), utc=True, format="ISO8601", errors="coerce")
    if stamps.isna().any():
        bad = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise m.HashleaseError(f"{path.name} line {lines[bad + 1]} timestamp", stamps_text[bad],
                               "an ISO 8601 date-time")
    values = stamps.dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    try:
        curve = m.read_price_curve(values, prices)
    except m.HashleaseError as exc:  # its rows count from the first data row: name the file's line instead
        arg = re.sub(r"\(row (\d+)\)", lambda found: f"({path.name} line {lines[int(found.group(1))]})", exc.arg)
        raise m.HashleaseError(arg, exc.value, exc.accepted, kind=exc.kind) from None
    if len(values) > 1:
        step_s = int((values[1] - values[0]).astype(np.int64))
        if step_s > interval_hours * 3600:
            raise m.HashleaseError(f"{path.name} spacing", f"{step_s / 3600:g} h",
                                   f"at most {interval_hours:g} h (for a coarser curve say so with "
                                   "--interval-hours, up to 24)")
        if _SECONDS_PER_DAY % step_s:
            raise m.HashleaseError(f"{path.name} spacing", f"{step_s:,} s", "a spacing that divides a day "
                                   "(5 min, 15 min, 1 h, 24 h...), so every month holds whole intervals")
    return curve


def check_monthly_hours(month: m.MonthlyPower) -> None:
    """Refuse monthly totals with more hours in a month than the calendar month has (a guard: a curve whose
    spacing divides a day never does).

    Examples
    --------
    >>> import numpy as np
    >>> curve = m.read_price_curve(np.arange("2026-02-01", "2026-03-01", dtype="datetime64[D]"), np.ones(28))
    >>> check_monthly_hours(m.curtailment(curve, 10.0)[1])  # 28 days of 24 h: 672 h, February's hours
    """
    months = np.asarray(month.month).astype("datetime64[M]")
    calendar_hours = ((months + 1).astype("datetime64[h]") - months.astype("datetime64[h]")).astype(float)
    over = np.flatnonzero(np.asarray(month.hours, dtype=float) > calendar_hours + 1e-9)
    if over.size:
        first = int(over[0])
        raise m.HashleaseError(f"curve month {months[first]}", f"{float(month.hours[first]):,.0f} h",
                               f"at most the {calendar_hours[first]:,.0f} h the month has")
