"""Cell values over a scenario axis: what the compiled engine computes with.

A :class:`Vec` is one cell's value in every scenario: ``x``, an array of shape (n,) where n is the number of
scenarios, or (1,) for a value every scenario shares (numpy broadcasting does the rest), and ``e``, the Excel
error of each scenario (``None`` when no scenario has one; else int8 codes, 0 for none, indexes of
:data:`ERRORS`). ``x`` is float64 for numbers, bool for logicals and object for text or a mix. A blank cell is
:data:`BLANK` (0 in arithmetic, "" in text, skipped by SUM and COUNT over ranges).

A :class:`Grid` is a range: rows x columns of :class:`Vec`.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

__all__ = ["ERRORS", "CODE", "Vec", "Grid", "BLANK", "constant", "error_vec", "numbers", "merge_errors",
           "excel_text", "value_at", "stack_values", "broadcast"]

#: Excel's error values; a Vec's error array holds their indexes (0: no error).
ERRORS = ("", "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
CODE = {text: i for i, text in enumerate(ERRORS) if text}
NULL, DIV0, VALUE, REF, NAME, NUM, NA = range(1, 8)


class Vec:
    """One cell's value in every scenario (see the module's docstring)."""

    __slots__ = ("x", "e", "blank")

    def __init__(self, x: np.ndarray, e: np.ndarray | None = None, blank: bool = False) -> None:
        self.x = x
        self.e = None if e is None or not e.any() else e
        self.blank = blank

    @property
    def n(self) -> int:
        return max(len(self.x), 1 if self.e is None else len(self.e))

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Vec({self.x!r}, e={self.e!r}{', blank' if self.blank else ''})"


class Grid:
    """A range: ``cells`` row by row, ``rows`` x ``cols``."""

    __slots__ = ("rows", "cols", "cells")

    def __init__(self, rows: int, cols: int, cells: list[Vec]) -> None:
        self.rows, self.cols, self.cells = rows, cols, cells

    def at(self, i: int, j: int) -> Vec:
        return self.cells[i * self.cols + j]

    def line(self) -> list[Vec]:
        """The cells of a one-row or one-column range (a lookup vector)."""
        return self.cells


BLANK = Vec(np.zeros(1), None, blank=True)


def constant(value: Any) -> Vec:
    """A value every scenario shares: a number, logical, text, blank (None) or an error text ("#N/A")."""
    if value is None:
        return BLANK
    if isinstance(value, bool):
        return Vec(np.array([value]))
    if isinstance(value, (int, float)):
        return Vec(np.array([float(value)]))
    if isinstance(value, str) and value in CODE:
        return error_vec(CODE[value], 1)
    return Vec(np.array([str(value)], dtype=object))


def error_vec(code: int, n: int) -> Vec:
    return Vec(np.full(n, np.nan), np.full(n, code, dtype=np.int8))


def merge_errors(*errors: np.ndarray | None) -> np.ndarray | None:
    """The first error of each scenario, in argument order (Excel passes on the leftmost)."""
    out = None
    for e in errors:
        if e is None:
            continue
        out = e if out is None else np.where(out != 0, out, e)
    return out


def _to_number(item: Any) -> tuple[float, int]:
    if item is None:
        return 0.0, 0
    if isinstance(item, (bool, np.bool_)):
        return float(item), 0
    if isinstance(item, (int, float, np.integer, np.floating)):
        return float(item), 0
    text = str(item).strip()
    try:
        return float(text), 0
    except ValueError:
        return math.nan, VALUE


def numbers(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """The value as numbers, as Excel's arithmetic reads it: logicals are 1/0, numeric text its number, other
    text #VALUE!; and the errors so far."""
    x = v.x
    if x.dtype == np.float64:
        return x, v.e
    if x.dtype == bool:
        return x.astype(float), v.e
    pairs = [_to_number(item) for item in x]
    out = np.array([p[0] for p in pairs], dtype=float)
    codes = np.array([p[1] for p in pairs], dtype=np.int8)
    return out, merge_errors(v.e, codes if codes.any() else None)


def excel_text(item: Any) -> str:
    """A value as Excel's ``&`` writes it: whole numbers without a decimal point, 15 significant digits."""
    if item is None:
        return ""
    if isinstance(item, (bool, np.bool_)):
        return "TRUE" if item else "FALSE"
    if isinstance(item, (float, np.floating, int, np.integer)):
        value = float(item)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.15g}"
        if "e" in text:
            mantissa, _, exponent = text.partition("e")
            text = f"{mantissa}E{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent)):02d}"
        return text
    return str(item)


def value_at(v: Vec, i: int) -> Any:
    """Scenario ``i``'s value as a plain Python value (an error as its text, a blank as None)."""
    if v.e is not None:
        code = v.e[i if len(v.e) > 1 else 0]
        if code:
            return ERRORS[code]
    if v.blank:
        return None
    item = v.x[i if len(v.x) > 1 else 0]
    if isinstance(item, np.generic):
        item = item.item()
    return item


def broadcast(x: np.ndarray, n: int) -> np.ndarray:
    return x if len(x) == n else np.broadcast_to(x, (n,))


def stack_values(cells: Iterable[Vec], n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(cells, n) values of several cells (float when every cell holds numbers, else object) and their errors."""
    cells = list(cells)
    if all(c.x.dtype == np.float64 and not c.blank for c in cells):
        x = np.empty((len(cells), n))
        for k, c in enumerate(cells):
            x[k] = c.x
    else:
        x = np.empty((len(cells), n), dtype=object)
        for k, c in enumerate(cells):
            x[k] = None if c.blank else broadcast(c.x, n)
    e = None
    if any(c.e is not None for c in cells):
        e = np.zeros((len(cells), n), dtype=np.int8)
        for k, c in enumerate(cells):
            if c.e is not None:
                e[k] = c.e
    return x, e
