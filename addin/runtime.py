"""What every HL_ wrapper does around its model call: convert Excel's arguments, map errors, shape results.

Both adapters (the classic xlwings add-in and the xlwings Lite module) call :func:`call_classic` or
:func:`call_lite` with the function's Excel name and the raw argument values Excel handed over. Nothing here
computes a figure: it only converts.

Arguments arrive as Excel sends them: numbers (floats), text, booleans, dates (classic: datetimes; Lite:
serial numbers), ``None`` for an empty cell or an omitted optional argument (classic may also pass the COM
"missing" marker), and ranges as 2-D lists or tuples of tuples.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from hashlease import models as m
from hashlease.models.assumption_blocks import block_fields

from .registry import REQUIRED, Arg, ExcelFunction, by_name

__all__ = ["ExcelError", "invoke", "call_classic", "call_lite", "assumptions_from_range", "MISSING", "DATE_SYSTEM"]

log = logging.getLogger("hashlease.addin")

#: The COM "missing argument" marker classic Excel passes for an omitted optional argument.
MISSING = -2147352572
#: COM error codes of error cells (#NULL!, #DIV/0!, #VALUE!, #REF!, #NAME?, #NUM!, #N/A) as classic passes them.
COM_ERRORS = {-2146826288: "#NULL!", -2146826281: "#DIV/0!", -2146826273: "#VALUE!", -2146826265: "#REF!",
              -2146826259: "#NAME?", -2146826252: "#NUM!", -2146826246: "#N/A"}
#: The Excel error each kind of model error shows (the one place this backend decides it).
EXCEL_CODE = {m.ErrorKind.NUM: "#NUM!", m.ErrorKind.VALUE: "#VALUE!"}
MAX_MESSAGE = 255
#: Date system (1900 or 1904) of the workbook being calculated, for the date serials HL_ functions return; the
#: headless engine sets it per workbook (Excel add-ins leave the default).
DATE_SYSTEM: contextvars.ContextVar[int] = contextvars.ContextVar("hashlease_date_system", default=1900)


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


def _grid(value: Any) -> list[list[Any]]:
    """A range as a list of rows (a 1-D sequence is one row)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value] if value and isinstance(
        value[0], (list, tuple)) else [list(value)]
    if len({len(r) for r in rows}) > 1:
        raise ExcelError("#VALUE!", "ranges must be rectangular")
    return rows


_ERROR_TEXTS = set(COM_ERRORS.values()) | {"#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BUSY!"}


def _describe(value: Any) -> str:
    if value is None:
        return "an empty cell"
    if isinstance(value, str) and value.strip() in _ERROR_TEXTS:
        return f"the error {value.strip()}"
    if isinstance(value, int) and not isinstance(value, bool) and value in COM_ERRORS:
        return f"the error {COM_ERRORS[value]}"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, bool):
        return f"the logical {str(value).upper()}"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    return repr(value)


def _number(arg: Arg, value: Any, where: str) -> float:
    if arg.unit == "date-time" and isinstance(value, dt.date):  # a date-formatted cell arrives as a datetime
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return float(m.to_excel_serial(np.datetime64(value, "s")))
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or (
            isinstance(value, int) and value in COM_ERRORS):
        raise ExcelError("#VALUE!", f"{where} must be a number ({arg.unit}), got {_describe(value)}")
    return float(value)


def _numbers(arg: Arg, value: Any) -> float | np.ndarray:
    if not _is_range(value):
        return _number(arg, value, arg.name)
    rows = _grid(value)
    if len(rows) == 1 and len(rows[0]) == 1:  # a single cell, as a range
        return _number(arg, rows[0][0], arg.name)
    kinds = set(map(type, itertools.chain.from_iterable(rows)))
    if kinds <= {float, int} and not (int in kinds and any(
            c in COM_ERRORS for c in itertools.chain.from_iterable(rows) if type(c) is int)):
        return np.array(rows, dtype=float)  # every cell a number: one conversion for the whole range
    out = np.empty((len(rows), len(rows[0])))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            out[i, j] = _number(arg, cell, f"{arg.name}[{i + 1},{j + 1}]")
    return out


def _date(arg: Arg, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ExcelError("#VALUE!", f"{arg.name} must be a date, got {_describe(value)}") from None
    number = _number(arg, value, arg.name)
    return m.from_excel_serial(number).item()


def _choice(arg: Arg, value: Any) -> str:
    if isinstance(value, str):
        for choice in arg.choices:
            if value.strip().upper() == choice.upper():
                return choice
    raise ExcelError("#VALUE!", f"{arg.name} must be one of {', '.join(arg.choices)}, got {_describe(value)}")


def _flag(arg: Arg, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    raise ExcelError("#VALUE!", f"{arg.name} must be TRUE or FALSE, got {_describe(value)}")


def assumptions_from_range(schema: type[BaseModel], value: Any, arg_name: str = "assumptions") -> BaseModel:
    """Validate a two-column name | value range into ``schema`` (blank rows skipped).

    The rows are parsed by :func:`hashlease.models.assumption_blocks.block_fields` (field names, ``fleet:<model>``,
    ``resale_tier:<max J/TH>`` and ``phase:<n>.<field>`` rows); here the range is only converted: the COM
    "missing" marker and error cells become blanks and error text, and a malformed row becomes ``#VALUE!``.
    """
    if not _is_range(value):
        raise ExcelError("#VALUE!", f"{arg_name} must be a two-column range of name | value, got {_describe(value)}")
    rows = _grid(value)
    if len(rows[0]) != 2:
        raise ExcelError("#VALUE!", f"{arg_name} must have two columns (name | value), got {len(rows[0])}")
    cells = [[None if _is_blank(c) else COM_ERRORS.get(c, c) if type(c) is int else c for c in row] for row in rows]
    try:
        data = block_fields(schema, cells, arg_name)
    except m.HashleaseError as exc:
        raise ExcelError("#VALUE!", str(exc)) from None
    return schema(**data)


def _convert(arg: Arg, value: Any) -> Any:
    if _is_blank(value) or (_is_range(value) and _first_blank(value) and _all_blank(value)):
        if arg.optional:
            return arg.default
        raise ExcelError("#VALUE!", f"{arg.name} is required ({arg.doc}; {arg.unit}), got an empty cell")
    if arg.kind in ("number", "integer"):
        number = _numbers(arg, value)
        if arg.kind == "integer" and not isinstance(number, np.ndarray) and not float(number).is_integer():
            raise ExcelError("#NUM!", f"{arg.name} must be a whole number ({arg.unit}), got {number!r}")
        return number
    if _is_range(value) and arg.kind != "assumptions":
        rows = _grid(value)
        if len(rows) == 1 and len(rows[0]) == 1:
            value = rows[0][0]
        else:
            raise ExcelError("#VALUE!", f"{arg.name} must be a single cell")
    if arg.kind == "date":
        return _date(arg, value)
    if arg.kind == "choice":
        return _choice(arg, value)
    if arg.kind == "flag":
        return _flag(arg, value)
    return assumptions_from_range(arg.schema, value, arg.name)


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

def _cell(value: Any) -> Any:
    """One table cell: dates as Excel serials, missing values as blanks, tuples as text."""
    if value is None:
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        return float(m.to_excel_serial(np.datetime64(pd.Timestamp(value).to_datetime64(), "s"),
                                    date_system=DATE_SYSTEM.get()))
    if isinstance(value, (tuple, list)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else ""
    return str(value)


def _finite(value: float, fn: ExcelFunction) -> float:
    if not math.isfinite(value):
        raise ExcelError("#NUM!", f"{fn.name} has no finite result for these inputs")
    return value


def _to_excel(fn: ExcelFunction, result: Any) -> Any:
    if fn.returns == "pairs":
        return [[name, _cell(getattr(result, name))] for name in type(result).model_fields]
    if fn.returns == "table":
        frame = result.reset_index()
        return [list(frame.columns)] + [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    if fn.returns_unit == "date":
        serial = m.to_excel_serial(np.asarray(result).astype("datetime64[s]"), date_system=DATE_SYSTEM.get())
        return serial if np.ndim(serial) == 0 else np.asarray(serial).tolist()
    array = np.asarray(result, dtype=float)
    if array.ndim == 0:
        return _finite(float(array), fn)
    if not np.isfinite(array).all():
        raise ExcelError("#NUM!", f"{fn.name} has no finite result for some of these inputs")
    return np.atleast_2d(array).tolist()


def _pad(table: list[list[Any]], rows: int) -> list[list[Any]]:
    """A table padded with blank rows to fill a legacy array range of ``rows`` rows."""
    if rows < 0:
        raise ExcelError("#VALUE!", f"rows must be >= 0, got {rows}")
    if rows < len(table):
        raise ExcelError("#VALUE!", f"rows must be at least the table's {len(table)} rows (header included), "
                                    f"got {rows}")
    return table + [[""] * len(table[0]) for _ in range(rows - len(table))]


# --- the call ----------------------------------------------------------------------------------------------

def _error(fn_name: str, exc: BaseException) -> ExcelError:
    if isinstance(exc, ExcelError):
        return exc
    if isinstance(exc, m.HashleaseError):
        code = EXCEL_CODE[exc.kind]
        message = str(exc)
        if exc.index is not None and len(exc.index) == 2:  # a cell of a range: say it as Excel users count
            row, column = exc.index
            message = f"{exc.arg} (row {row + 1}, column {column + 1} of its range) must be {exc.accepted}, " \
                      f"got {exc.value!r}"
        return ExcelError(code, message)
    log.exception("unexpected error in %s", fn_name)
    return ExcelError("#VALUE!", f"unexpected error in {fn_name} ({type(exc).__name__}: {exc}); "
                                 "details are in the hashlease log")


def invoke(name: str, *raw: Any) -> Any:
    """Run the registered function ``name`` on raw Excel arguments; raise :class:`ExcelError` on failure."""
    fn = by_name(name)
    try:
        if len(raw) > len(fn.args):
            raise ExcelError("#VALUE!", f"{name} takes at most {len(fn.args)} arguments, got {len(raw)}")
        raw = raw + (None,) * (len(fn.args) - len(raw))
        values = [_convert(arg, value) for arg, value in zip(fn.args, raw)]
        arrays = [v.shape for v in values if isinstance(v, np.ndarray)]
        if arrays:
            try:
                np.broadcast_shapes(*arrays)
            except ValueError:
                shapes = " and ".join(f"{a[0]}x{a[1]}" for a in arrays)
                raise ExcelError("#VALUE!", f"{name}: ranges of {shapes} cells do not line up (use ranges "
                                            "of the same size, or single cells)") from None
        with np.errstate(all="ignore"):  # overflow and the like are judged on the result (finite or #NUM!)
            excel = _to_excel(fn, fn.call(*values))
        rows = dict(zip((a.name for a in fn.args), values)).get("rows") if fn.returns == "table" else None
        return _pad(excel, int(rows)) if rows else excel
    except Exception as exc:  # every failure becomes one Excel error, never a traceback in a cell
        raise _error(name, exc) from None


def call_classic(name: str, *raw: Any) -> Any:
    """Classic add-in: the result, or one line of text beginning with the Excel error it stands for."""
    try:
        return invoke(name, *raw)
    except ExcelError as err:
        return err.text


def call_lite(name: str, *raw: Any) -> Any:
    """xlwings Lite: the result, or a #VALUE! error cell whose message begins with the error it stands for."""
    try:
        return invoke(name, *raw)
    except ExcelError as err:
        import xlwings as xw  # in Lite, XlwingsError becomes an error cell with this message

        raise xw.XlwingsError(err.text) from None
