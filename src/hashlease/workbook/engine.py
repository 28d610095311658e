"""Recalculate a workbook headless: the ``formulas`` engine with the HL_ functions registered.

Every registry function is registered under its Excel name and the ``_xldudf_`` form add-in functions take in
saved files. Excel's NPV, XNPV, IRR and XIRR are replaced by hashlease's (the engine's own XIRR can report a
false root at -100% and its IRR ignores the guess); they keep Excel's argument rules (empty cells and text inside
ranges are skipped). Unsupported functions, circular references and error cells are reported by sheet and cell.
"""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("TQDM_DISABLE", "1")  # the engine draws progress bars on stderr otherwise

import bisect
import functools
import re
import shutil
import sys
import tempfile
import time
import typing
import zipfile
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
from lxml import etree

from hashlease import models as m
from hashlease.addin.registry import REGISTRY, by_name
from hashlease.addin.runtime import EXCEL_CODE, ExcelError, current_date_system, date_system as hl_date_system, invoke
from hashlease.atomic import removed_on_sigterm
from hashlease.models import ErrorKind, HashleaseError

from .safety import check_xlsx
from .writer import MAIN, ExcelErrorValue, cell_ref, date_system, sheet_parts, split_cell

#: Excel's sheet size; no reference, array range or cell may lie beyond it.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
#: Formula cells per workbook the engine accepts (see docs/workbook.md, "Supported sizes").
MAX_FORMULA_CELLS = 100_000
#: Cells of each sheet's used area (rows x columns from A1 to its last cell), which the reader walks cell by cell.
MAX_SHEET_CELLS = 5_000_000
#: Cells of all legacy array ranges together (each gets a value written).
MAX_ARRAY_CELLS = 1_000_000
#: Cells of one range reference the engine reads into memory (A1:Z5000 is 130,000; a whole column is the most):
#: the engine holds each as a Python object, about 0.7 KB and 15 us a cell.
MAX_RANGE_CELLS = MAX_ROWS
#: Cells of all distinct range references of the workbook together.
MAX_REFERENCED_CELLS = 2 * MAX_ROWS
#: Formula cells from which the engine reports its progress (when asked to).
PROGRESS_FROM_CELLS = 2_000
#: Days from a 1904-system serial to the 1900-system serial of the same day (1 Jan 1904 is 1462 in 1900).
_DAYS_1904 = 1462

_FUNCTION_CALL = re.compile(r"(?<![A-Za-z0-9_.\"])([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_QUOTED_SHEET = re.compile(r"'(?:[^']|'')*'!")
_E_NOTATION = re.compile(r"(?<![A-Za-z0-9_.])([0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE]([0-9]+)\b")


@dataclass
class Recalculation:
    """What a recalculation found: every formula cell's value, and what to tell the user."""

    values: dict[str, dict[str, Any]]
    error_cells: list[tuple[str, str]] = field(default_factory=list)
    circular_cells: list[str] = field(default_factory=list)
    unsupported: list[tuple[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


class _Messages:
    """Messages of failing HL_ calls during one calculation (the engine only passes error codes on)."""

    current: list[str] | None = None


@contextlib.contextmanager
def collecting_messages() -> Iterator[list[str]]:
    """Collect the messages of the HL_ calls that fail while the block runs (the engine keeps only their codes)."""
    messages: list[str] = []
    previous, _Messages.current = _Messages.current, messages
    try:
        yield messages
    finally:
        _Messages.current = previous


def _plain(value: Any) -> Any:
    import schedula as sh
    from formulas.tokens.operand import XlError

    if value is sh.EMPTY:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _arguments(args: tuple) -> list[Any]:
    out = []
    for arg in args:
        if isinstance(arg, np.ndarray):
            grid = [[_plain(v) for v in row] for row in np.atleast_2d(arg)]
            out.append(grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else grid)
        else:
            out.append(_plain(arg))
    return out


def _error(code: str):
    from formulas.functions import Error
    return Error.errors[code]


def _date_fields(schema) -> frozenset[str]:
    def is_date(annotation) -> bool:
        return annotation in (dt.date, dt.datetime) or any(is_date(a) for a in typing.get_args(annotation))
    return frozenset(n for n, f in schema.model_fields.items() if is_date(f.annotation))


def _check_rows(name: str, args: list[Any]) -> None:
    fn = by_name(name)
    if fn.returns != "table":
        return
    for arg, value in zip(fn.args, args):
        if arg.name == "rows" and isinstance(value, (int, float)) and not isinstance(value, bool) and (
                value > MAX_ROWS):
            raise ExcelError("#NUM!", f"rows must be at most {MAX_ROWS:,} (Excel's rows per sheet), got {value:,}")


def _hl(name: str, *args: Any) -> Any:
    try:
        arguments = _arguments(args)
        _check_rows(name, arguments)
        result = invoke(name, *arguments)
    except ExcelError as err:
        if _Messages.current is not None:
            _Messages.current.append(f"{name}: {err.text}")
        return _error(err.code)
    if isinstance(result, list):
        return np.array(result, dtype=object)
    return result


def _flatten(values: Any, *, skip_text: bool) -> np.ndarray:
    """Numbers of Excel value arguments; empty cells (and text inside ranges) skipped, errors passed on."""
    import schedula as sh
    from formulas.tokens.operand import XlError

    flat = []
    for item in np.ravel(np.asarray(values, dtype=object)):
        if isinstance(item, XlError):
            raise _Propagate(item)
        if item is sh.EMPTY or (skip_text and isinstance(item, (str, bool))):
            continue
        flat.append(float(item))
    return np.array(flat)


class _Propagate(Exception):
    def __init__(self, error):
        self.error = error


def _finance(function):
    @functools.wraps(function)
    def wrapper(*args):
        try:
            with np.errstate(all="ignore"):
                value = float(function(*args))
            return value if np.isfinite(value) else _error("#NUM!")
        except _Propagate as signal:
            return signal.error
        except HashleaseError as exc:
            if _Messages.current is not None:
                _Messages.current.append(f"{function.__name__.upper()}: {exc}")
            return _error(EXCEL_CODE[exc.kind])
        except (TypeError, ValueError):
            return _error("#VALUE!")
    return wrapper


def _guess(rest: tuple) -> float:
    import schedula as sh

    if not rest or rest[0] is sh.EMPTY or rest[0] is sh.NONE:
        return 0.1
    return float(np.ravel(rest[0])[0])


@_finance
def _npv(rate, *values):
    flows = np.concatenate([_flatten(v, skip_text=isinstance(v, np.ndarray)) for v in values])
    return m.npv(float(np.ravel(rate)[0]), flows)


class _Sheets:
    """Sheet names as the workbook spells them (the engine upper-cases them), for messages."""

    names: dict[str, str] = {}


def _where(ranges: Any, index: int) -> str:
    """Sheet!A1 of the ``index``-th cell (row by row) of a range argument, or its position in an array."""
    bounds = getattr(ranges, "ranges", None)
    if not bounds:
        return f"item {index + 1} of its array"
    first = bounds[0]
    width = first["n2"] - first["n1"] + 1
    sheet = _Sheets.names.get(str(first.get("sheet", "")).upper(), first.get("sheet", ""))
    return f"{sheet}!{cell_ref(int(first['r1']) + index // width, first['n1'] + index % width)}"


def _paired(function: str, values: Any, dates: Any) -> tuple[np.ndarray, np.ndarray]:
    """Cash flows and dates of XNPV/XIRR, paired cell by cell as Excel pairs them.

    An empty cell, text or a logical in either range is an error naming the cell (#VALUE!), never skipped:
    skipping shifts every later value onto another value's date. Error cells pass their error on.
    """
    import schedula as sh
    from formulas.tokens.operand import XlError

    grids = []
    for what, argument in (("values", values), ("dates", dates)):
        grid = np.ravel(np.asarray(getattr(argument, "value", argument), dtype=object))
        numbers = []
        for i, item in enumerate(grid):
            if isinstance(item, XlError):
                raise _Propagate(item)
            if item is sh.EMPTY or isinstance(item, (str, bool)) or item is None:
                shown = "empty" if item is sh.EMPTY or item is None else f"{item!r}, not a number"
                raise HashleaseError(f"{function} {what} cell {_where(argument, i)}", shown,
                                     "a number in every cell of the range (an empty cell would pair the other "
                                     "range's cells with the wrong dates)", kind=ErrorKind.VALUE)
            numbers.append(float(item))
        grids.append(np.array(numbers))
    return grids[0], grids[1]


@_finance
def _xnpv(rate, values, dates):
    flows, days = _paired("XNPV", values, dates)
    return m.xnpv(float(np.ravel(getattr(rate, "value", rate))[0]), flows, days)


@_finance
def _irr(values, *guess):
    return m.irr(_flatten(values, skip_text=True), _guess(guess))


@_finance
def _xirr(values, dates, *guess):
    flows, days = _paired("XIRR", values, dates)
    return m.xirr(flows, days, _guess(tuple(getattr(g, "value", g) for g in guess)))


@functools.cache
def functions() -> dict[str, Any]:
    """The engine's function table with the HL_ functions and hashlease's discounting registered."""
    import formulas
    from formulas.functions import wrap_ranges_func

    table = formulas.get_functions()
    for fn in REGISTRY:
        call = wrap_ranges_func(functools.partial(_hl, fn.name))
        table[fn.name] = table[f"_XLDUDF_{fn.name}"] = call
    for name, function in (("NPV", _npv), ("IRR", _irr)):
        table[name] = wrap_ranges_func(function)
    for name, function in (("XNPV", _xnpv), ("XIRR", _xirr)):
        table[name] = function  # the ranges themselves, so that a message can name the empty cell
    for name, (dates, returns_date) in _NATIVE_DATES.items():
        if name in table:
            table[name] = _date_system_aware(table[name], dates, returns_date)
    return table


#: Excel's date functions: positions of their date arguments (serials), and whether they return a date. The
#: engine computes in the 1900 system; in a 1904 workbook dates go in shifted by 1462 days and come out shifted back.
_NATIVE_DATES = {
    "DATE": ((), True), "DATEVALUE": ((), True), "TODAY": ((), True), "NOW": ((), True),
    "YEAR": ((0,), False), "MONTH": ((0,), False), "DAY": ((0,), False), "WEEKDAY": ((0,), False),
    "WEEKNUM": ((0,), False), "ISOWEEKNUM": ((0,), False), "EDATE": ((0,), True), "EOMONTH": ((0,), True),
    "DAYS": ((0, 1), False), "DAYS360": ((0, 1), False), "YEARFRAC": ((0, 1), False), "DATEDIF": ((0, 1), False),
    "NETWORKDAYS": ((0, 1, 2), False), "NETWORKDAYS.INTL": ((0, 1, 3), False),
    "WORKDAY": ((0, 2), True), "WORKDAY.INTL": ((0, 3), True),
}


def _shift_serials(value: Any, days: int, *, empty_is_zero: bool) -> Any:
    import schedula as sh

    def one(item):
        if item is sh.EMPTY:
            return days if empty_is_zero else item  # an empty date cell is serial 0
        if isinstance(item, (int, float, np.integer, np.floating)) and not isinstance(item, (bool, np.bool_)):
            return item + days
        return item

    single_cell = hasattr(value, "value") and np.size(value.value) == 1
    value = getattr(value, "value", value)
    if single_cell:  # a one-cell reference as the number it holds (as the engine's own functions take it)
        return one(np.ravel(value)[0])
    if isinstance(value, np.ndarray):
        out = value.copy()
        flat = out.reshape(-1)
        for i, item in enumerate(value.reshape(-1)):
            flat[i] = one(item)
        return out
    return one(value)


def _date_system_aware(function, dates: tuple[int, ...], returns_date: bool):
    @functools.wraps(function)
    def wrapper(*args):
        if current_date_system() != 1904:
            return function(*args)
        args = tuple(_shift_serials(a, _DAYS_1904, empty_is_zero=i == dates[0] if dates else False)
                     if i in dates else a for i, a in enumerate(args))
        result = function(*args)
        return _shift_serials(result, -_DAYS_1904, empty_is_zero=False) if returns_date else result
    return wrapper


def function_names(formula: str) -> list[str]:
    """Upper-case names of the functions a formula calls (text inside string literals ignored)."""
    plain = _QUOTED_SHEET.sub("S!", _STRING.sub('""', formula))  # 'Sheet1 (2)'!A1 is no function call
    return [n.upper() for n in _FUNCTION_CALL.findall(plain)]


def normalise_formula(formula: str) -> str:
    """Excel saves 1E12 as 1E+12; the engine only reads the latter. Only number operands are rewritten: text in
    string literals ("2E3", "1E5 units") and names are left as they are."""
    from openpyxl.formula import Tokenizer

    if not formula.startswith("="):
        return formula
    try:
        tokens = Tokenizer(formula).items
    except Exception:  # the engine reports formulas it cannot read
        return formula
    out = []
    for token in tokens:
        text = token.value
        if token.type == "OPERAND" and token.subtype == "NUMBER":
            text = _E_NOTATION.sub(lambda mt: f"{mt.group(1)}E+{mt.group(2)}", text)
        elif token.type == "OPERAND" and token.subtype == "RANGE" and _E_NOTATION.fullmatch(text):
            text = _E_NOTATION.sub(lambda mt: f"{mt.group(1)}E+{mt.group(2)}", text)  # 1E12 read as a name
        out.append(text)
    return "=" + "".join(out)


def _sheet_key(key: str) -> tuple[str, str] | None:
    """('SHEET', 'A1' or 'A1:B2') from the engine's "'[book.xlsx]SHEET'!A1" keys."""
    match = re.match(r"^'\[[^\]]*\](.*)'!(\$?[A-Z]+\$?[0-9]+(?::\$?[A-Z]+\$?[0-9]+)?)$", key)
    if not match:
        return None
    return match.group(1).replace("''", "'"), match.group(2).replace("$", "")


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of A1, A1:B2, whole columns A:C or whole rows 1:3; None for anything else."""
    ref = ref.replace("$", "").upper()
    match = re.fullmatch(r"([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?", ref)
    if match:
        top, left = split_cell(match.group(1) + match.group(2))
        bottom, right = split_cell((match.group(3) or match.group(1)) + (match.group(4) or match.group(2)))
        return min(top, bottom), min(left, right), max(top, bottom), max(left, right)
    match = re.fullmatch(r"([A-Z]{1,3}):([A-Z]{1,3})", ref)
    if match:
        left, right = split_cell(match.group(1) + "1")[1], split_cell(match.group(2) + "1")[1]
        return 1, min(left, right), MAX_ROWS, max(left, right)
    match = re.fullmatch(r"([0-9]+):([0-9]+)", ref)
    if match:
        top, bottom = int(match.group(1)), int(match.group(2))
        return min(top, bottom), 1, max(top, bottom), MAX_COLUMNS
    return None


def _size(bounds: tuple[int, int, int, int]) -> int:
    top, left, bottom, right = bounds
    return (bottom - top + 1) * (right - left + 1)


def _outside(bounds: tuple[int, int, int, int]) -> bool:
    top, left, bottom, right = bounds
    return top < 1 or left < 1 or bottom > MAX_ROWS or right > MAX_COLUMNS


def _too_big(what: str, value: str, limit: str) -> HashleaseError:
    return HashleaseError(what, value, limit, kind=ErrorKind.NUM)


def check_sizes(path: Path, display_name: str) -> int:
    """Refuse a workbook beyond the sizes the engine handles, before any reader walks it; return its formula count.

    One streaming pass over each worksheet part: every cell inside Excel's 1,048,576 rows x 16,384 columns, each
    sheet's used area at most :data:`MAX_SHEET_CELLS` cells (the reader visits every cell of it), at most
    :data:`MAX_FORMULA_CELLS` formula cells, legacy array ranges inside the sheet and together at most
    :data:`MAX_ARRAY_CELLS` cells. Each refusal names the cell and the limit.
    """
    formulas = 0
    array_cells = 0
    cell_tag, formula_tag, row_tag = f"{{{MAIN}}}c", f"{{{MAIN}}}f", f"{{{MAIN}}}row"
    with zipfile.ZipFile(path) as archive:
        for sheet, part in sheet_parts(archive).items():
            if part not in archive.namelist():
                continue  # not a worksheet the reader loads (the safety check refuses missing sheet parts)
            last_row = last_column = 0
            row_number = column = 0
            with archive.open(part) as stream:
                for _, element in etree.iterparse(stream, events=("end",), tag=(cell_tag, row_tag),
                                                  resolve_entities=False, no_network=True, huge_tree=False):
                    if element.tag == row_tag:
                        element.clear()
                        continue
                    ref = element.get("r")
                    parent = element.getparent()
                    if parent is not None and parent.get("r", "").isdigit():
                        if int(parent.get("r")) != row_number:
                            row_number, column = int(parent.get("r")), 0
                    if ref:
                        try:
                            row_number, column = split_cell(ref)
                        except ValueError:
                            raise HashleaseError(f"cell {ref!r} on sheet {sheet}", ref, "an A1 reference") from None
                    else:
                        column += 1
                        ref = cell_ref(row_number, column)
                    where = f"{sheet}!{ref}"
                    if row_number > MAX_ROWS or column > MAX_COLUMNS:
                        raise _too_big(f"cell {where}", ref, f"inside Excel's {MAX_ROWS:,} rows x {MAX_COLUMNS:,} "
                                       "columns")
                    last_row, last_column = max(last_row, row_number), max(last_column, column)
                    formula = element.find(formula_tag)
                    if formula is not None:
                        formulas += 1
                        if formulas > MAX_FORMULA_CELLS:
                            raise _too_big(f"workbook {display_name}", f"more than {MAX_FORMULA_CELLS:,} formula "
                                           f"cells (reached at {where})", f"at most {MAX_FORMULA_CELLS:,} formula "
                                           "cells (see 'Supported sizes' in docs/workbook.md)")
                        if formula.get("t") == "array" and formula.get("ref"):
                            bounds = _bounds(formula.get("ref"))
                            if bounds is None or _outside(bounds):
                                raise _too_big(f"array range of {where}", formula.get("ref"),
                                               f"inside Excel's {MAX_ROWS:,} rows x {MAX_COLUMNS:,} columns")
                            array_cells += _size(bounds)
                            if array_cells > MAX_ARRAY_CELLS:
                                raise _too_big(f"array range of {where}", f"{formula.get('ref')} "
                                               f"({_size(bounds):,} cells)", f"array ranges of at most "
                                               f"{MAX_ARRAY_CELLS:,} cells in all")
                            last_row, last_column = max(last_row, bounds[2]), max(last_column, bounds[3])
                    element.clear()
            if last_row * last_column > MAX_SHEET_CELLS:
                raise _too_big(f"sheet {sheet}", f"a used area of {last_row:,} rows x {last_column:,} columns",
                               f"at most {MAX_SHEET_CELLS:,} cells from A1 to the last cell (delete the stray "
                               "cells beyond the data, or split the sheet)")
    return formulas


def _formula_cells(path: Path) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]], dict[str, str]]:
    """Array-formula ranges {sheet!anchor: ref}, each sheet's formula cells {sheet: [(ref, formula)]} and the
    defined names {NAME: reference}."""
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    book = openpyxl.load_workbook(path, data_only=False)
    formulas: dict[str, list[tuple[str, str]]] = {}
    arrays: dict[str, str] = {}
    for sheet in book.worksheets:
        cells = formulas.setdefault(sheet.title, [])
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    cells.append((cell.coordinate, value.text))
                    arrays[f"{sheet.title}!{cell.coordinate}"] = value.ref
                elif isinstance(value, str) and value.startswith("="):
                    cells.append((cell.coordinate, value))
    names = {name.upper(): d.attr_text for name, d in book.defined_names.items() if d.attr_text}
    book.close()
    return arrays, formulas, names


def _references(formula: str, sheet: str, names: dict[str, str]) -> list[tuple[str, str]]:
    """(sheet, range) operands of a formula: cells, ranges, whole columns and rows; defined names resolved."""
    from openpyxl.formula import Tokenizer

    out = []
    try:
        tokens = Tokenizer(formula).items
    except Exception:  # the engine reports formulas it cannot read
        return out
    for token in tokens:
        if token.type != "OPERAND" or token.subtype != "RANGE":
            continue
        text = names.get(token.value.upper(), token.value)
        text = text.removeprefix("=")
        target_sheet, _, ref = text.rpartition("!")
        target_sheet = target_sheet.strip("'").replace("''", "'") or sheet
        ref = ref.replace("$", "").upper()
        if _bounds(ref) is not None:
            out.append((target_sheet, ref))
    return out


def check_references(cells: dict[str, list[tuple[str, str]]], names: dict[str, str]) -> None:
    """Refuse a reference beyond Excel's sheet, to more than :data:`MAX_RANGE_CELLS` cells, or distinct ranges of
    more than :data:`MAX_REFERENCED_CELLS` cells in all (the engine reads every cell of a range into memory),
    naming the formula's cell."""
    seen: set[tuple[str, str]] = set()
    total = 0
    for sheet, refs in cells.items():
        for ref, text in refs:
            for target_sheet, target in _references(text, sheet, names):
                bounds = _bounds(target)
                if _outside(bounds):
                    raise _too_big(f"reference in {sheet}!{ref}", target, f"inside Excel's {MAX_ROWS:,} rows x "
                                   f"{MAX_COLUMNS:,} columns")
                if _size(bounds) > MAX_RANGE_CELLS:
                    raise _too_big(f"reference in {sheet}!{ref}", f"{target} ({_size(bounds):,} cells)",
                                   f"a range of at most {MAX_RANGE_CELLS:,} cells")
                if (target_sheet.upper(), target) not in seen:
                    seen.add((target_sheet.upper(), target))
                    total += _size(bounds)
                    if total > MAX_REFERENCED_CELLS:
                        raise _too_big(f"reference in {sheet}!{ref}", f"{target}, bringing the ranges read to "
                                       f"{total:,} cells", f"ranges of at most {MAX_REFERENCED_CELLS:,} cells "
                                       "in all")
                if _outside(bounds):
                    raise _too_big(f"reference in {sheet}!{ref}", target, f"inside Excel's {MAX_ROWS:,} rows x "
                                   f"{MAX_COLUMNS:,} columns")
                if _size(bounds) > MAX_RANGE_CELLS:
                    raise _too_big(f"reference in {sheet}!{ref}", f"{target} ({_size(bounds):,} cells)",
                                   f"a range of at most {MAX_RANGE_CELLS:,} cells")


class _CellIndex:
    """Formula cells of one sheet by column, rows sorted: the formula cells inside a range by bisection, without
    expanding the range into its cells. Legacy array ranges are kept as rectangles owned by their anchor."""

    def __init__(self) -> None:
        self.columns: dict[int, tuple[list[int], list[str]]] = {}
        self.arrays: list[tuple[tuple[int, int, int, int], str]] = []
        self.sorted_columns: list[int] = []

    def add(self, row: int, column: int, node: str) -> None:
        rows, nodes = self.columns.setdefault(column, ([], []))
        rows.append(row)
        nodes.append(node)

    def freeze(self) -> None:
        for column, (rows, nodes) in self.columns.items():
            order = sorted(range(len(rows)), key=rows.__getitem__)
            self.columns[column] = ([rows[i] for i in order], [nodes[i] for i in order])
        self.sorted_columns = sorted(self.columns)

    def inside(self, bounds: tuple[int, int, int, int]) -> Iterator[str]:
        top, left, bottom, right = bounds
        first = bisect.bisect_left(self.sorted_columns, left)
        last = bisect.bisect_right(self.sorted_columns, right)
        for column in self.sorted_columns[first:last]:
            rows, nodes = self.columns[column]
            yield from nodes[bisect.bisect_left(rows, top):bisect.bisect_right(rows, bottom)]
        for (a_top, a_left, a_bottom, a_right), anchor in self.arrays:
            if a_top <= bottom and top <= a_bottom and a_left <= right and left <= a_right:
                yield anchor


def circular_cells(cells: dict[str, list[tuple[str, str]]], arrays: dict[str, str],
                   names: dict[str, str]) -> list[str]:
    """Formula cells on a cycle of references (Tarjan's strongly connected components).

    A range reference is one node, with an edge to each formula cell inside it (found by interval checks on a
    per-sheet index), so ``SUM(A1:Z5000)`` in H1 is a cycle without expanding 130,000 cells; a cell inside a
    legacy array range stands for the range's anchor.
    """
    index: dict[str, _CellIndex] = {}
    for sheet, refs in cells.items():
        sheet_index = index.setdefault(sheet.upper(), _CellIndex())
        for ref, _ in refs:
            anchor = f"{sheet}!{ref}"
            if anchor in arrays:
                bounds = _bounds(arrays[anchor])
                if bounds is not None:
                    sheet_index.arrays.append((bounds, anchor))
                    continue
            row, column = split_cell(ref)
            sheet_index.add(row, column, anchor)
    for sheet_index in index.values():
        sheet_index.freeze()
    graph: dict[Any, list[Any]] = {}
    for sheet, refs in cells.items():
        for ref, text in refs:
            edges = []
            for target_sheet, target in _references(text, sheet, names):
                sheet_index = index.get(target_sheet.upper())
                if sheet_index is None:
                    continue
                bounds = _bounds(target)
                if bounds[0] == bounds[2] and bounds[1] == bounds[3]:
                    edges.extend(sheet_index.inside(bounds))
                    continue
                node = ("range", target_sheet.upper(), bounds)
                if node not in graph:
                    graph[node] = list(dict.fromkeys(sheet_index.inside(bounds)))
                edges.append(node)
            graph[f"{sheet}!{ref}"] = list(dict.fromkeys(edges))
    return [node for node in _cyclic(graph) if isinstance(node, str)]


def _cyclic(graph: dict[Any, list[Any]]) -> list[Any]:
    """Nodes of strongly connected components with a cycle (iterative Tarjan)."""
    index: dict[Any, int] = {}
    low: dict[Any, int] = {}
    stack: list[Any] = []
    on_stack: set[Any] = set()
    found: list[Any] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    found.extend(sorted(component, key=str))
    return found


def check_policy(result: "Recalculation", *, allow_errors: bool = False) -> list[str]:
    """The one rule for every command that recalculates (recalc, refresh, demo, batch's workbook engine).

    Returns the problems, one line each: unsupported functions and circular references by sheet and cell.
    Unless ``allow_errors``, any problem raises :class:`HashleaseError` listing them (kind VALUE), so nothing is
    written from a workbook whose figures the engine could not compute. Error cells (an HL_ input out of range)
    are not problems here: they are the workbook's answer, reported with their messages.
    """
    problems = [f"unsupported function {name} in {where}" for where, name in result.unsupported]
    problems += [f"circular reference through {where}" for where in result.circular_cells]
    if problems and not allow_errors:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20:,} more" if len(problems) > 20 else "")
        raise HashleaseError("workbook", shown, "formulas without circular references or unsupported functions "
                             "(pass --allow-errors to write it anyway, those cells as errors)",
                             kind=ErrorKind.VALUE)
    return problems


def stderr_progress(message: str) -> None:
    """Progress of a large recalculation, one line on stderr (what the CLI passes as ``progress``)."""
    print(f"hashlease: {message}", file=sys.stderr, flush=True)


def recalculate(path: str | Path, *, allow_errors: bool = True,
                progress: Callable[[str], None] | None = None, engine: str = "reference") -> Recalculation:
    """Recalculate every formula of the workbook at ``path`` (read only; nothing is written).

    ``engine``: ``"reference"`` (the ``formulas`` library with the HL_ functions, cell by cell) or ``"auto"``: the
    compiled engine (:func:`hashlease.workbook.compiled.recalculate_compiled`), or the reference engine where the
    compiled one falls back (a function it does not vectorise, a circular reference); ``result.seconds`` says
    which ran (``compiled`` or the reference engine's stages).

    With ``allow_errors=False`` a workbook with circular references or unsupported functions raises
    :class:`HashleaseError` listing the cells (:func:`check_policy`, the one rule every command that recalculates
    applies); the default returns them in the result for the caller to report.

    ``progress``, if given, is called with one line per stage for workbooks of at least
    :data:`PROGRESS_FROM_CELLS` formula cells (``stderr_progress`` prints them on stderr). Dates are read and
    written in the workbook's own date system (``date1904``). A SIGTERM removes the temporary copy before the
    process dies of it.
    """
    path = Path(path)
    check_xlsx(path)
    if engine not in ("reference", "auto"):
        raise HashleaseError("engine", engine, "one of reference, auto", kind=ErrorKind.VALUE)
    if engine == "auto":
        from .compiled import Fallback, recalculate_compiled

        try:
            return recalculate_compiled(path)
        except Fallback as exc:
            if progress is not None:
                progress(f"{path.name}: {exc}; recalculating with the reference engine")
    # the engine keys cells by file name and cannot parse names with brackets: work on a copy with a plain name
    with tempfile.TemporaryDirectory(prefix="hashlease-recalc-") as tmp, removed_on_sigterm(tmp):
        copy = Path(tmp) / "workbook.xlsx"
        shutil.copyfile(path, copy)
        system = date_system(copy)
        try:
            with hl_date_system(system):  # HL_ arguments and results as serials of the workbook's system
                result = _recalculate(copy, path.name, progress, allow_errors)
            check_policy(result, allow_errors=allow_errors)
            return result
        except HashleaseError:
            raise
        except RecursionError:
            raise HashleaseError(f"workbook {path.name}", "a chain of formulas too deep for the engine",
                                 "chains of at most a few thousand formulas each depending on the previous one",
                                 kind=ErrorKind.NUM) from None
        except MemoryError:
            raise HashleaseError(f"workbook {path.name}", "too large for this machine's memory",
                                 "a smaller workbook (see 'Supported sizes' in docs/workbook.md)",
                                 kind=ErrorKind.NUM) from None
        except Exception as exc:  # a part the readers cannot make sense of: say which file, not a traceback
            raise HashleaseError(f"workbook {path.name}", type(exc).__name__, "a workbook the reader can load",
                                 detail=str(exc)[:300]) from None


def _recalculate(path: Path, display_name: str, progress: Callable[[str], None] | None = None,
                 allow_errors: bool = True) -> Recalculation:
    import formulas
    from formulas.errors import FormulaError
    from formulas.tokens.operand import XlError

    timings: dict[str, float] = {}
    start = time.perf_counter()
    count = check_sizes(path, display_name)
    say = progress if progress is not None and count >= PROGRESS_FROM_CELLS else (lambda message: None)
    say(f"{display_name}: {count:,} formula cells; scanning references")
    arrays, cells, defined = _formula_cells(path)
    check_references(cells, defined)
    cycle = circular_cells(cells, arrays, defined)
    timings["check and scan"] = time.perf_counter() - start
    table = functions()
    known = set(table) | {"IF", "IFERROR", "AND", "OR", "NOT", "CHOOSE", "INDEX"}
    unsupported = [(f"{sheet}!{ref}", name) for sheet, refs in cells.items() for ref, text in refs
                   for name in function_names(text) if name not in known]
    if not allow_errors:  # refused before the (long) load: the policy needs only the scan
        check_policy(Recalculation(values={}, unsupported=unsupported, circular_cells=list(cycle)))
    _Sheets.names = {sheet.upper(): sheet for sheet in cells}
    start = time.perf_counter()
    say(f"{display_name}: parsing and compiling {count:,} formulas ({timings['check and scan']:.1f} s so far)")
    messages: list[str] = []
    _Messages.current = messages  # the engine evaluates constant formulas while loading
    try:
        # the engine's own cycle solver is quadratic in the formula count: used only when there is a cycle
        model = formulas.ExcelModel().loads(str(path)).finish(circular=bool(cycle))
    except FormulaError as exc:
        _Messages.current = None
        expression = exc.args[1] if len(exc.args) > 1 else str(exc)
        where = [f"{s}!{r}" for s, refs in cells.items() for r, t in refs if t == expression]
        raise HashleaseError(f"formula in {where[0] if where else display_name}", expression,
                             "a formula the engine can read") from None
    timings["load"] = time.perf_counter() - start
    say(f"{display_name}: calculating ({timings['load']:.1f} s to load)")
    start = time.perf_counter()
    try:
        solution = model.calculate()
    finally:
        _Messages.current = None
    timings["calculate"] = time.perf_counter() - start
    say(f"{display_name}: calculated in {timings['calculate']:.1f} s")

    names = {sheet.upper(): sheet for sheet in cells}
    wanted = {(sheet, ref) for sheet, refs in cells.items() for ref, _ in refs}
    values: dict[str, dict[str, Any]] = {sheet: {} for sheet in cells}
    result = Recalculation(values=values, unsupported=unsupported, messages=messages, seconds=timings,
                           circular_cells=list(cycle))
    circular = set(cycle)
    for key, ranges in solution.items():
        parsed = _sheet_key(str(key))
        if parsed is None or not hasattr(ranges, "value"):
            continue
        sheet = names.get(parsed[0].upper())
        if sheet is None:
            continue
        ref = parsed[1]
        grid = np.atleast_2d(ranges.value)
        if ":" in ref:
            anchor = f"{sheet}!{ref.split(':')[0]}"
            if arrays.get(anchor) != ref:
                continue
            top, left = split_cell(ref.split(":")[0])
            for i, row in enumerate(grid):
                for j, value in enumerate(row):
                    _store(result, sheet, cell_ref(top + i, left + j), value, XlError, circular)
        elif (sheet, ref) in wanted:
            _store(result, sheet, ref, grid[0, 0], XlError, circular)
    for sheet, ref in wanted:  # a cell on a cycle the engine left without a value: Excel shows 0, we an error
        if f"{sheet}!{ref}" in circular and ref not in values[sheet]:
            values[sheet][ref] = ExcelErrorValue("#VALUE!")
    computed = sum(len(v) for v in values.values())
    if wanted and computed == 0:
        raise HashleaseError(f"workbook {display_name}", f"{len(wanted)} formula cells, none computed",
                             "a workbook whose formulas the engine can map back to cells")
    return result


def _store(result: Recalculation, sheet: str, ref: str, value: Any, error_type: type, circular: set[str]) -> None:
    import schedula as sh

    if isinstance(value, np.generic):
        value = value.item()
    if value is sh.EMPTY or value is sh.NONE:
        value = None
    elif isinstance(value, error_type):
        text = str(value)
        if text == "#CIRC!":
            value = ExcelErrorValue("#VALUE!")
            if f"{sheet}!{ref}" not in circular:
                circular.add(f"{sheet}!{ref}")
                result.circular_cells.append(f"{sheet}!{ref}")
        else:
            value = ExcelErrorValue(text if text in _ERROR_CODES else "#VALUE!")
            result.error_cells.append((f"{sheet}!{ref}", str(value)))
    elif isinstance(value, float) and not np.isfinite(value):  # never NaN or infinity in a cell
        value = ExcelErrorValue("#NUM!")
        result.error_cells.append((f"{sheet}!{ref}", "#NUM!"))
    elif not isinstance(value, (str, bool, int, float)) and value is not None:
        value = ExcelErrorValue("#VALUE!")  # anything else the engine hands back is no cell value
        result.error_cells.append((f"{sheet}!{ref}", "#VALUE!"))
    result.values[sheet][ref] = value


_ERROR_CODES = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
