"""What every HL_ wrapper does around its model call: convert Excel's arguments, map errors, shape results.

Both adapters (the classic xlwings add-in and the xlwings Lite module) call :func:`call_classic` or
:func:`call_lite` with the function's Excel name and the raw argument values Excel handed over. Nothing here
computes a figure: it only converts.

Arguments arrive as Excel sends them: numbers (floats), text, booleans, dates (classic: datetimes; Lite:
serial numbers), ``None`` for an empty cell or an omitted optional argument (classic may also pass the COM
"missing" marker), error cells as their text (``"#REF!"``) or COM code, and ranges as 2-D lists or tuples of
tuples.

Serial numbers (date arguments, date-times, dates in assumption ranges, and dates in results) are read and
written in the workbook's date system: 1900 unless the backend says otherwise, per call
(``invoke(..., date_system=1904)``) or for a whole calculation (``with date_system(1904): ...``).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import itertools
import typing
import logging
import math
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel

from hashlease import models as m
from hashlease.models.assumption_blocks import block_fields
from hashlease.models.excel_dates import calendar_date

from .registry import EXCEL_COLUMNS, EXCEL_ROWS, REQUIRED, Arg, ExcelFunction, by_name

__all__ = ["ExcelError", "invoke", "invoke_many", "call_classic", "call_lite", "assumptions_from_range", "MISSING",
           "date_system", "current_date_system", "DATE_SYSTEMS", "call_key"]

log = logging.getLogger("hashlease.addin")

#: The COM "missing argument" marker classic Excel passes for an omitted optional argument.
MISSING = -2147352572
#: COM error codes of error cells (#NULL!, #DIV/0!, #VALUE!, #REF!, #NAME?, #NUM!, #N/A) as classic passes them.
COM_ERRORS = {-2146826288: "#NULL!", -2146826281: "#DIV/0!", -2146826273: "#VALUE!", -2146826265: "#REF!",
              -2146826259: "#NAME?", -2146826252: "#NUM!", -2146826246: "#N/A"}
#: The Excel error each kind of model error shows (the one place this backend decides it).
EXCEL_CODE = {m.ErrorKind.NUM: "#NUM!", m.ErrorKind.VALUE: "#VALUE!"}
MAX_MESSAGE = 255
#: Excel's two date systems: serial 1 is 1 Jan 1900 in the first, serial 0 is 1 Jan 1904 in the second.
DATE_SYSTEMS = (1900, 1904)

_DATE_SYSTEM: contextvars.ContextVar[int] = contextvars.ContextVar("hashlease_date_system", default=1900)


def _checked_system(system: Any) -> int:
    if isinstance(system, bool) or system not in DATE_SYSTEMS:
        raise m.HashleaseError("date_system", system, "one of 1900, 1904", kind=m.ErrorKind.VALUE)
    return int(system)


@contextlib.contextmanager
def date_system(system: int) -> Iterator[int]:
    """Read and write serial numbers in ``system`` (1900 or 1904) for every call made inside the block.

    A backend that knows the workbook's date system (the headless engine reads ``workbookPr/@date1904``) wraps
    its calculation in it; calls outside any block use 1900, Excel's default. Blocks nest; each thread and
    asyncio task has its own setting.

    Examples
    --------
    20 Apr 2024 is serial 45402 in the 1900 system and 43940 in the 1904 system (1,462 days less); the halving
    210,000 blocks of 600 s later is 17 Apr 2028 08:00 in either:

    >>> with date_system(1904):
    ...     invoke("HL_HALVING_DATE", 840_000, 43_940)
    45398.333333333336
    >>> invoke("HL_HALVING_DATE", 840_000, 45_402)
    46860.333333333336
    >>> current_date_system()
    1900
    """
    token = _DATE_SYSTEM.set(_checked_system(system))
    try:
        yield _DATE_SYSTEM.get()
    finally:
        _DATE_SYSTEM.reset(token)


_date_system_block = date_system  # for invoke, whose argument of the same name hides it


def current_date_system() -> int:
    """The date system serial numbers are read and written in now (1900 outside any :func:`date_system` block)."""
    return _DATE_SYSTEM.get()


class ExcelError(Exception):
    """A failure as Excel should show it: an error code and one short line."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = " ".join(str(message).split())
        super().__init__(self.text)

    @property
    def text(self) -> str:
        full = f"{self.code} {self.message}"
        return full if len(full) <= MAX_MESSAGE else full[: MAX_MESSAGE - 1] + "…"


# --- arguments ---------------------------------------------------------------------------------------------

def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or (
        isinstance(value, int) and not isinstance(value, bool) and value == MISSING)


def _is_range(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


_ERROR_TEXTS = set(COM_ERRORS.values()) | {"#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BUSY!", "#CONNECT!",
                                            "#BLOCKED!", "#UNKNOWN!", "#PYTHON!", "#EXTERNAL!"}


def _error_code(value: Any) -> str | None:
    """The Excel error a cell holds (classic passes it as text or a COM code, Lite and the engine as text)."""
    if isinstance(value, str) and value.strip().upper() in _ERROR_TEXTS:
        return value.strip().upper()
    if type(value) is int and value in COM_ERRORS:
        return COM_ERRORS[value]
    return None


def _cell_of(name: str, i: int, j: int) -> str:
    """A cell of an argument's range, counted as Excel users count (row 1 is the range's first row)."""
    return f"{name} (row {i + 1}, column {j + 1} of its range)"


def _grid(value: Any, name: str = "the range") -> list[list[Any]]:
    """A range as a list of rows (a 1-D sequence is one row), no larger than Excel's grid."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value] if value and isinstance(
        value[0], (list, tuple)) else [list(value)]
    if len({len(r) for r in rows}) > 1:
        raise ExcelError("#VALUE!", f"{name} must be a rectangular range (every row the same number of cells)")
    if len(rows) > EXCEL_ROWS or len(rows[0]) > EXCEL_COLUMNS:
        raise ExcelError("#NUM!", f"{name} must fit Excel's grid ({EXCEL_ROWS:,} rows x {EXCEL_COLUMNS:,} "
                                  f"columns), got {len(rows):,} x {len(rows[0]):,} cells")
    return rows


def _describe(value: Any) -> str:
    if value is None:
        return "an empty cell"
    if _error_code(value):
        return f"the error {_error_code(value)}"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, (bool, np.bool_)):
        return f"the logical {str(bool(value)).upper()}"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    if _is_range(value):
        return "a range"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):g}"
    return f"a value Excel does not pass ({type(value).__name__})"


def _shown(value: Any) -> str:
    """A model error's value as a cell message shows it: no Python or numpy type names, no whole input sets."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return "an empty cell"
    if value is pd.NaT or (isinstance(value, float) and math.isnan(value)):  # a date or number that is missing
        return "no value (an empty or unreadable date or number)"
    if isinstance(value, (dict, BaseModel)):  # pydantic reports a missing field with the whole input set
        return "no value"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, str)):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(v) for v in value) if value else "none"
    return str(value)


def _holds_error(name: str, value: Any) -> None:
    code = _error_code(value)
    if code:
        raise ExcelError("#VALUE!", f"the argument {name} holds the error {code}")


def _number(arg: Arg, value: Any, where: str) -> float:
    _holds_error(where, value)
    if arg.unit == "date-time" and isinstance(value, dt.date):  # a date-formatted cell arrives as a datetime
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        try:
            return float(m.to_excel_serial(np.datetime64(value, "s"), date_system=current_date_system()))
        except m.HashleaseError as exc:
            raise ExcelError(EXCEL_CODE[exc.kind], f"{where} must be a date-time {exc.accepted}, got "
                                                   f"{_describe(value)}") from None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ExcelError("#VALUE!", f"{where} must be a number ({arg.unit}), got {_describe(value)}")
    try:
        return float(value)
    except OverflowError:  # a whole number too large for a float (Excel never sends one)
        raise ExcelError("#NUM!", f"{where} must be a number Excel can hold, got a {len(str(value))}-digit "
                                  "whole number") from None


def _numbers(arg: Arg, value: Any) -> float | np.ndarray:
    if not _is_range(value):
        return _number(arg, value, arg.name)
    rows = _grid(value, arg.name)
    if len(rows) == 1 and len(rows[0]) == 1:  # a single cell, as a range
        return _number(arg, rows[0][0], arg.name)
    if arg.single:
        raise ExcelError("#VALUE!", f"{arg.name} must be a single cell ({arg.unit}), got a range of {len(rows):,} x "
                                    f"{len(rows[0]):,} cells")
    if arg.max_cells is not None and len(rows) * len(rows[0]) > arg.max_cells:
        raise ExcelError("#NUM!", f"{arg.name} must have at most {arg.max_cells:,} cells (Excel's grid holds no "
                                  f"larger result), got {len(rows) * len(rows[0]):,}")
    kinds = set(map(type, itertools.chain.from_iterable(rows)))
    if kinds <= {float, int} and not (int in kinds and any(
            c in COM_ERRORS for c in itertools.chain.from_iterable(rows) if type(c) is int)):
        try:
            return np.array(rows, dtype=float)  # every cell a number: one conversion for the whole range
        except OverflowError:
            pass  # a whole number too large for a float: the cell loop names it
    out = np.empty((len(rows), len(rows[0])))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            out[i, j] = _number(arg, cell, _cell_of(arg.name, i, j))
    return out


def _date_times(arg: Arg, serial: float | np.ndarray) -> np.datetime64 | np.ndarray:
    """Date-time serials (in the workbook's date system) as datetime64 to the second."""
    try:
        return m.from_excel_serial(serial, date_system=current_date_system(), unit="s")
    except m.HashleaseError as exc:
        where = arg.name
        if exc.index:
            i, j = exc.index if len(exc.index) == 2 else (exc.index[0], 0)
            where = f"{arg.name} (row {i + 1})" if np.shape(serial)[1] == 1 else _cell_of(arg.name, i, j)
        raise ExcelError(EXCEL_CODE[exc.kind], f"{where} must be a date-time serial {exc.accepted} "
                                               f"({current_date_system()} date system), got {exc.value}") from None


def _date(arg: Arg, value: Any) -> dt.date:
    day = calendar_date(value)
    if day is not None:
        return day
    if isinstance(value, str):
        raise ExcelError("#VALUE!", f"{arg.name} must be a date (a date cell, YYYY-MM-DD or a serial number), "
                                    f"got {_describe(value)}")
    number = _number(arg, value, arg.name)
    try:
        return m.from_excel_serial(number, date_system=current_date_system()).item()
    except m.HashleaseError as exc:
        raise ExcelError(EXCEL_CODE[exc.kind], f"{arg.name} must be a date serial {exc.accepted} "
                                               f"({current_date_system()} date system), got {number:g}") from None


def _choice(arg: Arg, value: Any) -> str:
    if isinstance(value, str):
        for choice in arg.choices:
            if value.strip().upper() == choice.upper():
                return choice
    raise ExcelError("#VALUE!", f"{arg.name} must be one of {', '.join(arg.choices)}, got {_describe(value)}")


def _flag(arg: Arg, value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    raise ExcelError("#VALUE!", f"{arg.name} must be TRUE or FALSE, got {_describe(value)}")


def _is_date_field(schema: type[BaseModel], name: str) -> bool:
    annotation = schema.model_fields[name].annotation
    return annotation is dt.date or dt.date in typing.get_args(annotation)


def assumptions_from_range(schema: type[BaseModel], value: Any, arg_name: str = "assumptions") -> BaseModel:
    """Validate a two-column name | value range into ``schema`` (blank rows skipped).

    The rows are parsed by :func:`hashlease.models.assumption_blocks.block_fields` (field names, ``fleet:<model>``,
    ``resale_tier:<max J/TH>`` and ``phase:<n>.<field>`` rows); here the range is only converted: the COM
    "missing" marker becomes a blank, a cell holding an error value (a deleted sheet's ``#REF!``) is a ``#VALUE!``
    naming the argument, its row and the error, and a serial number in a date field is read in the workbook's
    date system (:func:`date_system`).
    """
    if not _is_range(value):
        if _error_code(value):
            _holds_error(arg_name, value)
        raise ExcelError("#VALUE!", f"{arg_name} must be a two-column range of name | value, got {_describe(value)}")
    rows = _grid(value, arg_name)
    if len(rows[0]) != 2:
        raise ExcelError("#VALUE!", f"{arg_name} must have two columns (name | value), got {len(rows[0])}")
    cells = []
    for number, row in enumerate(rows, start=1):
        for side, cell in zip(("name", "value"), row):
            code = _error_code(cell)
            if code:
                raise ExcelError("#VALUE!", f"the argument {arg_name} holds the error {code} (row {number}, its "
                                            f"{side}); fix or delete the cell it refers to")
        name, cell = (None if _is_blank(c) else c for c in row)
        if name is not None and not isinstance(name, str):
            raise ExcelError("#VALUE!", f"{arg_name} row {number} must have an assumption name (text) in its first "
                                        f"column, got {_describe(name)}")
        if isinstance(name, str) and name.strip() in schema.model_fields and _is_date_field(schema, name.strip()) \
                and isinstance(cell, (int, float)) and not isinstance(cell, bool):
            try:
                cell = m.from_excel_serial(float(cell), date_system=current_date_system()).item()
            except m.HashleaseError as exc:
                raise ExcelError(EXCEL_CODE[exc.kind], f"{arg_name} row {number} ({name.strip()}) must be a date: "
                                 f"a date cell, YYYY-MM-DD or a serial number {exc.accepted} "
                                 f"({current_date_system()} date system), got {float(cell):g}") from None
        cells.append([name, cell])
    try:
        data = block_fields(schema, cells, arg_name)
    except m.HashleaseError as exc:
        raise ExcelError("#VALUE!", str(exc)) from None
    return schema(**data)


def _single_cell(arg: Arg, value: Any) -> Any:
    if _is_range(value):
        rows = _grid(value, arg.name)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise ExcelError("#VALUE!", f"{arg.name} must be a single cell, got a range of {len(rows):,} x "
                                        f"{len(rows[0]):,} cells")
        value = rows[0][0]
    _holds_error(arg.name, value)
    return value


def _convert(arg: Arg, value: Any) -> Any:
    if _is_blank(value) or (_is_range(value) and _first_blank(value) and _all_blank(value)):
        if arg.optional:
            return arg.default
        raise ExcelError("#VALUE!", f"{arg.name} is required ({arg.doc}; {arg.unit}), got an empty cell")
    if arg.kind in ("number", "integer"):
        number = _numbers(arg, value)
        if arg.kind == "integer" and not isinstance(number, np.ndarray) and not float(number).is_integer():
            raise ExcelError("#NUM!", f"{arg.name} must be a whole number ({arg.unit}), got {number:g}")
        if arg.maximum is not None and not np.all((0 <= number) & (number <= arg.maximum)):
            raise ExcelError("#NUM!", f"{arg.name} must be a {arg.accepted}, got {np.max(number):g}")
        return _date_times(arg, number) if arg.unit == "date-time" else number
    if arg.kind == "assumptions":
        return assumptions_from_range(arg.schema, value, arg.name)
    value = _single_cell(arg, value)
    if arg.kind == "date":
        return _date(arg, value)
    if arg.kind == "choice":
        return _choice(arg, value)
    return _flag(arg, value)


def _first_blank(value: Any) -> bool:
    first = value[0] if len(value) else None
    first = first[0] if isinstance(first, (list, tuple)) and len(first) else first
    return _is_blank(first)


def _all_blank(value: Any) -> bool:
    try:
        return all(_is_blank(c) for row in _grid(value) for c in row)
    except ExcelError:
        return False


# --- results -----------------------------------------------------------------------------------------------

def _serials(fn: ExcelFunction, dates: Any) -> float | np.ndarray:
    """Dates as serial numbers in the workbook's date system; a date Excel cannot show is #NUM!."""
    try:
        return m.to_excel_serial(dates, date_system=current_date_system())
    except m.HashleaseError as exc:
        raise ExcelError("#NUM!", f"{fn.name} gives a date Excel cannot show for these inputs ({exc.value}; Excel "
                                  f"shows dates {exc.accepted} in the {current_date_system()} date system)") from None


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell(fn: ExcelFunction, value: Any, column: str, row: int | None) -> Any:
    """One table cell: dates as serials, tuples as text, an empty figure of an ``empty_columns`` column blank.

    A figure that is not a finite number anywhere else (an overflow, a division by zero) is the function's #NUM!:
    Excel would show it as a blank (classic) or a bare error, and a blank reads as zero in a model.
    """
    if value is None:  # the model says this figure does not exist (a payback never reached)
        return ""
    if isinstance(value, (tuple, list)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return value
    if _missing(value) or (isinstance(value, (int, float, np.integer, np.floating)) and not math.isfinite(value)):
        if _missing(value) and column in fn.empty_columns:
            return ""
        where = f"{column} in row {row} of its table" if row is not None else column
        what = "infinite" if not _missing(value) else "not a number"
        raise ExcelError("#NUM!", f"{fn.name} has no finite result for these inputs: {where} is {what} (an input "
                                  "is too large or too small for the model)")
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        return float(_serials(fn, np.datetime64(pd.Timestamp(value).to_datetime64(), "s")))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return str(value)


def _finite(value: float, fn: ExcelFunction) -> float:
    if not math.isfinite(value):
        raise ExcelError("#NUM!", f"{fn.name} has no finite result for these inputs (an input is too large or too "
                                  "small for the model)")
    return value


def _fits(fn: ExcelFunction, table: list[list[Any]]) -> list[list[Any]]:
    if len(table) > EXCEL_ROWS or len(table[0]) > EXCEL_COLUMNS:
        raise ExcelError("#NUM!", f"{fn.name} gives a table of {len(table):,} x {len(table[0]):,} cells, larger "
                                  f"than Excel's grid ({EXCEL_ROWS:,} x {EXCEL_COLUMNS:,})")
    return table


def _to_excel(fn: ExcelFunction, result: Any) -> Any:
    if fn.returns == "pairs":
        return [[name, _cell(fn, getattr(result, name), name, None)] for name in type(result).model_fields]
    if fn.returns == "table":
        if isinstance(result, list):  # records from a batched kernel: the first key is the index column
            header = list(result[0])
            rows: Any = [list(record.values()) for record in result]
        else:
            frame = result.reset_index()
            header, rows = list(frame.columns), frame.itertuples(index=False)
            if len(frame) + 1 > EXCEL_ROWS or len(frame.columns) > EXCEL_COLUMNS:
                _fits(fn, [[None] * len(frame.columns)] * (len(frame) + 1))
        columns = [str(c) if not isinstance(c, (int, float)) or isinstance(c, bool) else float(c) for c in header]
        return [header] + [[_cell(fn, v, str(c), i) for v, c in zip(row, columns)]
                           for i, row in enumerate(rows, start=2)]
    if fn.returns_unit == "date":
        stamps = np.asarray(result).astype("datetime64[s]")
        if np.isnat(stamps).any():
            raise ExcelError("#NUM!", f"{fn.name} has no date for these inputs (an input is too large or too small)")
        serial = _serials(fn, stamps)
        return serial if np.ndim(serial) == 0 else np.atleast_2d(serial).tolist()
    array = np.asarray(result, dtype=float)
    if array.ndim == 0:
        return _finite(float(array), fn)
    if not np.isfinite(array).all():
        raise ExcelError("#NUM!", f"{fn.name} has no finite result for some of these inputs (an input is too large "
                                  "or too small for the model)")
    return _fits(fn, np.atleast_2d(array).tolist())


def _pad(table: list[list[Any]], rows: int) -> list[list[Any]]:
    """A table padded with blank rows to fill a legacy array range of ``rows`` rows (at most Excel's rows)."""
    if rows < len(table):
        raise ExcelError("#VALUE!", f"rows must be at least the table's {len(table)} rows (header included), "
                                    f"got {rows}")
    return table + [[""] * len(table[0]) for _ in range(rows - len(table))]


# --- the call ----------------------------------------------------------------------------------------------

def _error(fn_name: str, exc: BaseException) -> ExcelError:
    if isinstance(exc, ExcelError):
        return exc
    if isinstance(exc, m.HashleaseError):  # the message is rebuilt from the error's fields, for a cell
        where = exc.arg
        if exc.index is not None and len(exc.index) == 2:  # a cell of a range: say it as Excel users count
            where = _cell_of(exc.arg, *exc.index)
        elif exc.index:
            where = f"{exc.arg} (item {exc.index[0] + 1})"
        message = f"{where} must be {exc.accepted}, got {_shown(exc.value)}"
        return ExcelError(EXCEL_CODE[exc.kind], f"{message} ({exc.detail})" if exc.detail else message)
    log.exception("unexpected error in %s", fn_name)
    return ExcelError("#VALUE!", f"unexpected error in {fn_name}: hashlease could not compute it from these inputs "
                                 "(a bug; its details are in the hashlease log, please report it)")


def _prepare(fn: ExcelFunction, raw: tuple, cache: dict | None = None) -> list[Any]:
    """The model's arguments from Excel's raw ones (``cache``: assumption ranges already converted)."""
    if len(raw) > len(fn.args):
        raise ExcelError("#VALUE!", f"{fn.name} takes at most {len(fn.args)} arguments, got {len(raw)}")
    raw = raw + (None,) * (len(fn.args) - len(raw))
    values = []
    for arg, value in zip(fn.args, raw):
        if cache is not None and arg.kind == "assumptions" and isinstance(value, tuple):
            key = ("assumptions", arg.schema, current_date_system(), call_key(value))
            if key not in cache:
                try:
                    cache[key] = _assumptions_cached(arg, value, cache)
                except Exception as exc:  # the same range fails the same way for every function reading it
                    cache[key] = exc
            converted = cache[key]
            if isinstance(converted, Exception):
                raise converted
            values.append(converted)
        else:
            values.append(_convert(arg, value))
    arrays = [v.shape for v in values if isinstance(v, np.ndarray)]
    if arrays:
        try:
            np.broadcast_shapes(*arrays)
        except ValueError:
            shapes = " and ".join(f"{a[0]}x{a[1]}" for a in arrays)
            raise ExcelError("#VALUE!", f"{fn.name}: ranges of {shapes} cells do not line up (use ranges "
                                        "of the same size, or single cells)") from None
    return values


def call_key(raw: Any) -> Any:
    """Raw Excel arguments (values, tuples of rows) as a dictionary key that tells logicals from numbers: in
    Python TRUE == 1 and hash(TRUE) == hash(1), but Excel's TRUE is no number (a model refuses it where it wants
    one), so calls differing only there must not share a result.

    >>> call_key((("pue", True),)) == call_key((("pue", 1),))
    False
    """
    return repr(raw)  # repr writes TRUE as True and 1 as 1 or 1.0: one pass in C, however large the range


def _assumptions_cached(arg: Arg, value: tuple, cache: dict) -> BaseModel:
    """An assumption range as its model, built from the first range of the same shape converted in this
    calculation when only values of plain fields differ (each changed field validated against its bounds, then
    the set's cross-field rules: :func:`hashlease.models.with_fields`); else converted whole."""
    base_key = ("assumptions-base", arg.schema, arg.name, current_date_system(), len(value))
    base = cache.get(base_key)
    if base is not None:
        base_rows, base_model = base
        changed = [(old, new) for old, new in zip(base_rows, value)
                   if old != new or any(type(a) is not type(b) for a, b in zip(old, new))]  # TRUE is not 1
        if all(_plain_change(arg.schema, old, new) for old, new in changed):
            try:
                rows = [list(new) for _, new in changed]
                data = block_fields(arg.schema, rows, arg.name)
            except m.HashleaseError:
                data = None
            if data is not None and len(data) == len(changed):
                return m.with_fields(base_model, data)
    model = _convert(arg, value)
    if base is None:
        cache[base_key] = (value, model)
    return model


def _plain_change(schema: type[BaseModel], old: tuple, new: tuple) -> bool:
    """Whether a row changed only its value, of a field given by one cell (no blank, error or date serial)."""
    if len(old) != 2 or len(new) != 2 or old[0] != new[0] or not isinstance(new[0], str):
        return False
    name, cell = new[0].strip(), new[1]
    return (name in schema.model_fields and name not in _STRUCTURED and not _is_blank(cell)
            and _error_code(cell) is None and not _is_date_field(schema, name)
            and isinstance(cell, (int, float, str)))


#: Fields an assumption range gives by rows of their own (fleet:<model>, resale_tier:<J/TH>, phase:<n>.<field>).
_STRUCTURED = frozenset({"fleet", "resale_tiers", "phases"})


def _finish(fn: ExcelFunction, values: list[Any], result: Any) -> Any:
    """The model's result as Excel shows it (padded to a legacy array's ``rows``)."""
    with np.errstate(all="ignore"):
        excel = _to_excel(fn, result)
    rows = dict(zip((a.name for a in fn.args), values)).get("rows") if fn.returns == "table" else None
    return _pad(excel, int(rows)) if rows is not None and rows > 0 else excel


def invoke(name: str, *raw: Any, date_system: int | None = None) -> Any:
    """Run the registered function ``name`` on raw Excel arguments; raise :class:`ExcelError` on failure.

    ``date_system`` (1900 or 1904) is the workbook's date system for this call's serial numbers; ``None`` keeps
    the one in force (:func:`date_system` block, else 1900).
    """
    if date_system is not None:
        with _date_system_block(date_system):
            return invoke(name, *raw)
    fn = by_name(name)
    try:
        values = _prepare(fn, raw)
        with np.errstate(all="ignore"):  # overflow and the like are judged on the result (finite or #NUM!)
            result = fn.call(*values)
        return _finish(fn, values, result)
    except Exception as exc:  # every failure becomes one Excel error, never a traceback in a cell
        raise _error(name, exc) from None


def invoke_many(name: str, calls: Sequence[tuple], *, cache: dict | None = None) -> list[Any]:
    """Run ``name`` once per tuple of raw arguments in ``calls``: each result, or the :class:`ExcelError` it gives.

    Equal to ``[invoke(name, *raw) for raw in calls]`` (errors returned, not raised), but a function with a
    batched kernel (:attr:`ExcelFunction.batch`) computes all its calls in one model pass, and assumption ranges
    given as tuples of row tuples are converted once per distinct range through ``cache`` (a dict the caller
    keeps for one calculation, shared by every function of that calculation).
    """
    fn = by_name(name)
    cache = {} if cache is None else cache
    prepared: list[Any] = []
    for raw in calls:
        try:
            prepared.append(_prepare(fn, tuple(raw), cache))
        except Exception as exc:
            prepared.append(_error(name, exc))
    todo = [i for i, p in enumerate(prepared) if not isinstance(p, ExcelError)]
    results: list[Any] = list(prepared)
    with np.errstate(all="ignore"):
        if fn.batch is not None and todo:
            try:
                computed = fn.batch([prepared[i] for i in todo], cache)
            except Exception as exc:  # the kernel itself failed: every call alone says why
                log.debug("batched %s failed (%s); calling one at a time", name, exc)
                computed = None
        else:
            computed = None
        for k, i in enumerate(todo):
            try:
                result = computed[k] if computed is not None else fn.call(*prepared[i])
                if isinstance(result, BaseException):
                    raise result
                results[i] = _finish(fn, prepared[i], result)
            except Exception as exc:
                results[i] = _error(name, exc)
    return results


def call_classic(name: str, *raw: Any, date_system: int | None = None) -> Any:
    """Classic add-in: the result, or one line of text beginning with the Excel error it stands for."""
    try:
        return invoke(name, *raw, date_system=date_system)
    except ExcelError as err:
        return err.text


def call_lite(name: str, *raw: Any, date_system: int | None = None) -> Any:
    """xlwings Lite: the result, or a #VALUE! error cell whose message begins with the error it stands for."""
    try:
        return invoke(name, *raw, date_system=date_system)
    except ExcelError as err:
        import xlwings as xw  # in Lite, XlwingsError becomes an error cell with this message

        raise xw.XlwingsError(err.text) from None
