"""Read and write the Market sheet's values, as-of dates, sources and status, found by their defined names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from hashlease import models as m
from hashlease.market import MarketValue
from hashlease.market_data import FIELDS, UNITS, Refreshed
from hashlease.models import HashleaseError
from hashlease.workbook.writer import defined_ref

NAMES = {name: f"market_{name}" for name in FIELDS}
AS_OF, SOURCE, STATUS = 4, 5, 6  # columns D, E, F beside each value


def locate(path: str | Path) -> dict[str, tuple[str, int, int]]:
    """(sheet, row, column) of each market value, from the workbook's defined names."""
    book = openpyxl.load_workbook(path, read_only=False)
    names = dict(book.defined_names.items())
    out = {}
    for name, defined in NAMES.items():
        if defined not in names:
            raise HashleaseError(f"workbook {Path(path).name}", f"no defined name {defined}",
                                 "a Market sheet with the template's named cells (market_difficulty, ...)")
        sheet, ref = defined_ref(names[defined].attr_text)
        row, column = openpyxl.utils.cell.coordinate_to_tuple(ref)
        out[name] = (sheet, row, column)
    book.close()
    return out


def current(path: str | Path) -> dict[str, MarketValue]:
    """The workbook's own market values (the fallback when a source fails and nothing is cached)."""
    book = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for name, (sheet, row, column) in locate(path).items():
        ws = book[sheet]
        value, when, source = (ws.cell(row, column).value, ws.cell(row, AS_OF).value, ws.cell(row, SOURCE).value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(when, (dt.date, dt.datetime)):
            out[name] = MarketValue(value=float(value), unit=UNITS[name],
                                    as_of=when.date() if isinstance(when, dt.datetime) else when,
                                    source=str(source or "the workbook's previous value"))
    return out


def cells(path: str | Path, refreshed: Refreshed) -> dict[str, dict[str, object]]:
    """{sheet: {ref: value}} writing each value, its as-of date (an Excel serial), source and status."""
    out: dict[str, dict[str, object]] = {}
    for name, (sheet, row, column) in locate(path).items():
        item = refreshed.values[name]
        target = out.setdefault(sheet, {})
        letter = openpyxl.utils.get_column_letter
        target[f"{letter(column)}{row}"] = int(item.value) if name == "block_height" else item.value
        target[f"{letter(AS_OF)}{row}"] = float(m.to_excel_serial(item.as_of))
        target[f"{letter(SOURCE)}{row}"] = item.source
        reason = refreshed.stale.get(name)
        target[f"{letter(STATUS)}{row}"] = f"STALE: kept the last good value ({reason})" if reason else "fresh"
    return out
