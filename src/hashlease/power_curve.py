"""Hourly power price curves from CSV files (untrusted input): timestamps and USD/MWh, checked row by row.

The file has a header row; the timestamp column is named ``timestamp`` (or ``time``, ``datetime``, ``start``)
and the price column ``price_usd_per_mwh`` (or any name containing ``usd_per_mwh``, or ``price``); a file of
exactly two columns is read in that order whatever their names. Timestamps are ISO 8601; those with an offset
are converted to UTC, those without are taken as UTC. Errors name the line of the file (the header is line 1).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from hashlease import models as m

__all__ = ["load_price_curve", "MAX_CURVE_BYTES"]

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


def load_price_curve(path: str | Path) -> m.HourlyCurve:
    """Read and validate a price curve CSV; see the module docstring for the layout.

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
        return m.read_price_curve(values, prices)
    except m.HashleaseError as exc:  # its rows count from the first data row: name the file's line instead
        arg = re.sub(r"\(row (\d+)\)", lambda found: f"({path.name} line {lines[int(found.group(1))]})", exc.arg)
        raise m.HashleaseError(arg, exc.value, exc.accepted, kind=exc.kind) from None
