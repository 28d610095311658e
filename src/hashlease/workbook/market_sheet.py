"""Read and write the Market sheet's values, as-of dates, sources and status, found by their defined names
(``market_difficulty``, ``market_difficulty_as_of``, ``market_difficulty_source``, ``market_difficulty_status``...)."""

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
#: What the Market sheet shows beside each value, each a defined name ``market_<field>_<part>``.
PARTS = ("as_of", "source", "status")
_BESIDE = {"as_of": 4, "source": 5, "status": 6}  # workbooks built before these were named: columns D, E, F


def locate(path: str | Path) -> dict[str, dict[str, tuple[str, int, int]]]:
    """(sheet, row, column) of each market value and of its as-of date, source and status, by defined name."""
    book = openpyxl.load_workbook(path, read_only=False)
    names = {name: d.attr_text for name, d in book.defined_names.items() if d.attr_text}
    book.close()
    out: dict[str, dict[str, tuple[str, int, int]]] = {}
    for name, defined in NAMES.items():
        if defined not in names:
            raise HashleaseError(f"workbook {Path(path).name}", f"no defined name {defined}",
                                 "a Market sheet with the template's named cells (market_difficulty, ...)")
        sheet, ref = defined_ref(names[defined])
        row, column = openpyxl.utils.cell.coordinate_to_tuple(ref)
        out[name] = {"value": (sheet, row, column)}
        for part in PARTS:
            if f"{defined}_{part}" in names:
                part_sheet, part_ref = defined_ref(names[f"{defined}_{part}"])
                out[name][part] = (part_sheet, *openpyxl.utils.cell.coordinate_to_tuple(part_ref))
            else:
                out[name][part] = (sheet, row, _BESIDE[part])
    return out


def current(path: str | Path) -> dict[str, MarketValue]:
    """The workbook's own market values (the fallback when a source fails and nothing is cached)."""
    book = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for name, where in locate(path).items():
        value, when, source = (book[sheet].cell(row, column).value
                               for sheet, row, column in (where["value"], where["as_of"], where["source"]))
        if isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(when, (dt.date, dt.datetime)):
            out[name] = MarketValue(value=float(value), unit=UNITS[name],
                                    as_of=when.date() if isinstance(when, dt.datetime) else when,
                                    source=str(source or "the workbook's previous value"))
    return out


def cells(path: str | Path, refreshed: Refreshed) -> dict[str, dict[str, object]]:
    """{sheet: {ref: value}} writing each value, its as-of date (an Excel serial in the workbook's own date system,
    1900 or 1904), source and status."""
    from .writer import date_system

    system = date_system(path)
    out: dict[str, dict[str, object]] = {}
    letter = openpyxl.utils.get_column_letter
    for name, where in locate(path).items():
        item = refreshed.values[name]
        reason = refreshed.stale.get(name)
        written = {"value": int(item.value) if name == "block_height" else item.value,
                   "as_of": float(m.to_excel_serial(item.as_of, date_system=system)), "source": item.source,
                   "status": f"STALE: kept the last good value ({reason})" if reason else "fresh"}
        for part, value in written.items():
            sheet, row, column = where[part]
            out.setdefault(sheet, {})[f"{letter(column)}{row}"] = value
    return out
