"""Excel's operators and worksheet functions over a scenario axis (numpy), for the compiled engine.

Each function takes its arguments already evaluated (:class:`~.vector_values.Vec` or
:class:`~.vector_values.Grid`) and the number of scenarios ``n``, and returns a Vec (or a Grid). Excel's rules
are kept per scenario: errors pass on from the leftmost argument; a division by zero is #DIV/0!; a result that is
not a finite number is #NUM!; ranges in SUM, COUNT, AVERAGE, MIN and MAX skip text, logicals and blanks, typed
arguments count them. The finance functions (NPV, XNPV, IRR, XIRR, PMT, PV, FV) are hashlease's own
(:mod:`hashlease.models.finance`), called on all scenarios at once; a scenario the model refuses gets its error
alone. Lazy functions (IF, IFS, IFERROR, IFNA, CHOOSE) are in :mod:`hashlease.workbook.compiled`.

Sources: Microsoft's function reference (support.microsoft.com, "Excel functions (alphabetical)") for each
function's rules, cited by name below.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable

import numpy as np

from hashlease import models as m

from .vector_values import (BLANK, CODE, DIV0, ERRORS, NA, NUM, REF, VALUE, Grid, Vec, broadcast, error_vec,
                            excel_text, merge_errors, numbers, stack_values)

__all__ = ["arithmetic", "compare", "concat", "negate", "percent", "FUNCTIONS", "UNSUPPORTED", "DateSystem",
           "MISSING", "NotScalar", "error_text", "error_code"]

Arg = Vec | Grid


class DateSystem:
    """Serial numbers of the workbook's date system (1900, with Excel's 29 Feb 1900, or 1904)."""

    system = 1900


def _finish(x: np.ndarray, e: np.ndarray | None, *, code: int = NUM) -> Vec:
    """A numeric result: NaN or infinity becomes ``code`` (#NUM!) where no earlier error stands."""
    if np.isfinite(np.add.reduce(x)):  # one pass, no temporary array: the common case
        return Vec(x, e)
    bad = ~np.isfinite(x)
    if bad.any():
        new = np.where(bad, np.int8(code), np.int8(0)).astype(np.int8)
        e = merge_errors(e, new)
    return Vec(x, e)


def _scalar(a: Arg, what: str = "argument") -> Vec:
    if isinstance(a, Grid):
        if a.rows * a.cols == 1:
            return a.cells[0]
        raise NotScalar(what)
    return a


class NotScalar(Exception):
    """A range where one value is expected (the compiler reports it as a fallback)."""


def _elementwise(function: Callable[..., Vec], *args: Arg) -> Arg:
    """Apply a scalar operation cell by cell when an argument is a range (array arithmetic)."""
    grids = [a for a in args if isinstance(a, Grid) and a.rows * a.cols != 1]
    if not grids:
        return function(*[_scalar(a) for a in args])
    rows = max(g.rows for g in grids)
    cols = max(g.cols for g in grids)

    def pick(a: Arg, i: int, j: int) -> Vec:
        if not isinstance(a, Grid) or a.rows * a.cols == 1:
            return _scalar(a)
        ii = i if a.rows > 1 else 0
        jj = j if a.cols > 1 else 0
        if ii >= a.rows or jj >= a.cols:
            return error_vec(NA, 1)
        return a.at(ii, jj)

    return Grid(rows, cols, [function(*[pick(a, i, j) for a in args]) for i in range(rows) for j in range(cols)])


# --- operators ---------------------------------------------------------------------------------------------

def _divide(x: np.ndarray, y: np.ndarray, e: np.ndarray | None) -> Vec:
    out = x / y
    if not y.all():
        e = merge_errors(e, np.where(y == 0, np.int8(DIV0), np.int8(0)).astype(np.int8))
    return _finish(out, e)


def _power_of(x: np.ndarray, y: np.ndarray, e: np.ndarray | None) -> Vec:
    # ^: 0 to a negative power is #DIV/0!, 0^0 is #NUM!, a negative base to a fractional power #NUM! (NaN)
    out = np.power(x, y)
    if not x.all():
        zero = x == 0
        e = merge_errors(e, np.where(zero & (y < 0), np.int8(DIV0), np.where(zero & (y == 0), np.int8(NUM),
                                                                                np.int8(0))).astype(np.int8))
    return _finish(out, e)


_ARITH = {"+": lambda x, y, e: _finish(x + y, e), "-": lambda x, y, e: _finish(x - y, e),
          "*": lambda x, y, e: _finish(x * y, e), "/": _divide, "^": _power_of}


def _arith(op: str, a: Vec, b: Vec) -> Vec:
    x = a.x if a.x.dtype == np.float64 else numbers(a)[0]
    y = b.x if b.x.dtype == np.float64 else numbers(b)[0]
    ea = a.e if a.x.dtype == np.float64 else numbers(a)[1]
    eb = b.e if b.x.dtype == np.float64 else numbers(b)[1]
    return _ARITH[op](x, y, ea if eb is None else (eb if ea is None else merge_errors(ea, eb)))


def arithmetic(op: str, a: Arg, b: Arg) -> Arg:
    if type(a) is Vec and type(b) is Vec:
        return _arith(op, a, b)
    return _elementwise(lambda p, q: _arith(op, p, q), a, b)


def negate(a: Arg) -> Arg:
    def one(v: Vec) -> Vec:
        x, e = numbers(v)
        return Vec(-x, e)
    return _elementwise(one, a)


def percent(a: Arg) -> Arg:
    def one(v: Vec) -> Vec:
        x, e = numbers(v)
        return Vec(x / 100.0, e)
    return _elementwise(one, a)


def _kind_rank(item: Any) -> int:
    """Excel orders numbers < text < logicals when comparing values of different kinds."""
    if isinstance(item, (bool, np.bool_)):
        return 2
    if isinstance(item, str):
        return 1
    return 0


def _compare_items(op: str, p: Any, q: Any) -> bool:
    if p is None:
        p = "" if isinstance(q, str) else (False if isinstance(q, (bool, np.bool_)) else 0.0)
    if q is None:
        q = "" if isinstance(p, str) else (False if isinstance(p, (bool, np.bool_)) else 0.0)
    rp, rq = _kind_rank(p), _kind_rank(q)
    if rp != rq:
        p, q = rp, rq
    elif rp == 1:
        p, q = p.lower(), q.lower()
    elif rp == 0:
        p, q = float(p), float(q)
    return {"=": p == q, "<>": p != q, "<": p < q, ">": p > q, "<=": p <= q, ">=": p >= q}[op]


def _cmp(op: str, a: Vec, b: Vec) -> Vec:
    e = merge_errors(a.e, b.e)
    numeric = a.x.dtype == np.float64 and b.x.dtype == np.float64
    if numeric or (a.x.dtype == bool and b.x.dtype == bool):
        x, y = a.x, b.x
        out = {"=": np.equal, "<>": np.not_equal, "<": np.less, ">": np.greater, "<=": np.less_equal,
               ">=": np.greater_equal}[op](x, y)
        return Vec(out, e)
    n = max(len(a.x), len(b.x))
    xa, xb = broadcast(a.x, n), broadcast(b.x, n)
    pa = [None] * n if a.blank else [v.item() if isinstance(v, np.generic) else v for v in xa]
    pb = [None] * n if b.blank else [v.item() if isinstance(v, np.generic) else v for v in xb]
    return Vec(np.array([_compare_items(op, p, q) for p, q in zip(pa, pb)], dtype=bool), e)


def compare(op: str, a: Arg, b: Arg) -> Arg:
    return _elementwise(lambda p, q: _cmp(op, p, q), a, b)


def _texts(v: Vec, n: int) -> np.ndarray:
    if v.blank:
        return np.full(n, "", dtype=object)
    return np.array([excel_text(item.item() if isinstance(item, np.generic) else item) for item in
                     broadcast(v.x, n)], dtype=object)


def concat(a: Arg, b: Arg) -> Arg:
    def one(p: Vec, q: Vec) -> Vec:
        n = max(len(p.x), len(q.x))
        return Vec(_texts(p, n) + _texts(q, n), merge_errors(p.e, q.e))
    return _elementwise(one, a, b)


# --- collecting arguments ----------------------------------------------------------------------------------

def _collect(args: list[Arg], n: int, *, logical_direct: bool = True) -> tuple[np.ndarray, np.ndarray,
                                                                              np.ndarray | None]:
    """(values (k, n), counted (k, n), first error (n,)) of aggregate arguments, as SUM reads them: numbers in
    ranges; numbers, logicals and numeric text typed directly (other text there is #VALUE!)."""
    rows: list[np.ndarray] = []
    counted: list[np.ndarray] = []
    errors: list[np.ndarray | None] = []
    for a in args:
        if isinstance(a, Grid):
            for c in a.cells:
                errors.append(c.e)
                if c.blank:
                    continue
                if c.x.dtype == np.float64:
                    rows.append(broadcast(c.x, n))
                    counted.append(np.ones(n, dtype=bool))
                elif c.x.dtype == object:
                    x = broadcast(c.x, n)
                    mask = np.array([isinstance(v, (int, float)) and not isinstance(v, bool) for v in x])
                    rows.append(np.array([float(v) if ok else 0.0 for v, ok in zip(x, mask)]))
                    counted.append(mask)
        else:
            if a.blank:
                rows.append(np.zeros(n))
                counted.append(np.ones(n, dtype=bool))
                continue
            x, e = numbers(a)
            errors.append(e)
            rows.append(broadcast(np.where(np.isnan(x), 0.0, x) if e is not None else x, n))
            counted.append(np.ones(n, dtype=bool))
    err = merge_errors(*[None if e is None else broadcast(e, n) for e in errors])
    if not rows:
        return np.zeros((0, n)), np.zeros((0, n), dtype=bool), err
    return np.vstack(rows), np.vstack(counted), err


def _numeric_cells(args: list[Arg]) -> tuple[list[np.ndarray], list[np.ndarray | None], bool]:
    """(number arrays, their errors, whether every argument was plain numbers) for SUM-like folds; (.., False)
    when a cell needs the general rules of :func:`_collect` (text, logicals, typed text)."""
    arrays: list[np.ndarray] = []
    errors: list[np.ndarray | None] = []
    for a in args:
        cells = a.cells if type(a) is Grid else (a,)
        for c in cells:
            if c.blank:
                continue
            if c.x.dtype != np.float64:
                return arrays, errors, False
            arrays.append(c.x)
            if c.e is not None:
                errors.append(c.e)
    return arrays, errors, True


def _sum(args: list[Arg], n: int) -> Vec:
    arrays, errors, plain = _numeric_cells(args)
    if plain:
        total = np.zeros(1)
        for x in arrays:
            total = total + x
        e = merge_errors(*errors) if errors else None
        if e is not None:  # a cell's error passes on; its NaN must not hide another scenario's sum
            total = np.zeros(1)
            for x in arrays:
                total = total + np.where(np.isnan(x), 0.0, x)
        return _finish(total, e)
    x, mask, e = _collect(args, n)
    return _finish(np.where(mask, x, 0.0).sum(axis=0), e)


def _count(args: list[Arg], n: int) -> Vec:
    total = np.zeros(n)
    for a in args:
        cells = a.cells if isinstance(a, Grid) else [a]
        for c in cells:
            if c.blank:
                continue
            ok = np.ones(n, dtype=bool) if c.e is None else broadcast(c.e, n) == 0
            if c.x.dtype == np.float64:
                total += ok
            elif c.x.dtype == bool:
                total += ok if not isinstance(a, Grid) else 0
            elif isinstance(a, Grid):
                kinds = np.array([isinstance(v, (int, float)) and not isinstance(v, bool) for v in broadcast(c.x, n)])
                total += ok & kinds
            else:  # typed directly: numeric text counts (=COUNT("2") is 1), other text does not
                _, bad = numbers(c)
                total += ok & (True if bad is None else broadcast(bad, n) == 0)
    return Vec(total)


def _counta(args: list[Arg], n: int) -> Vec:
    total = np.zeros(n)
    for a in args:
        for c in (a.cells if isinstance(a, Grid) else [a]):
            if not c.blank:
                total += 1
    return Vec(total)


def _average(args: list[Arg], n: int) -> Vec:
    x, mask, e = _collect(args, n)
    count = mask.sum(axis=0)
    with np.errstate(all="ignore"):
        out = np.where(mask, x, 0.0).sum(axis=0) / count
    e = merge_errors(e, np.where(count == 0, np.int8(DIV0), np.int8(0)).astype(np.int8))
    return _finish(out, e)


def _extreme(function: Callable) -> Callable[[list[Arg], int], Vec]:
    fold = np.minimum if function is np.min else np.maximum

    def run(args: list[Arg], n: int) -> Vec:
        arrays, errors, plain = _numeric_cells(args)
        if plain and not errors:
            if not arrays:
                return Vec(np.zeros(1))
            out = arrays[0]
            for x in arrays[1:]:
                out = fold(out, x)
            return Vec(out)
        x, mask, e = _collect(args, n)
        if x.shape[0] == 0:
            return Vec(np.zeros(n), e)
        fill = np.inf if function is np.min else -np.inf
        out = function(np.where(mask, x, fill), axis=0)
        return Vec(np.where(mask.any(axis=0), out, 0.0), e)
    return run


def _product(args: list[Arg], n: int) -> Vec:
    x, mask, e = _collect(args, n)
    with np.errstate(all="ignore"):
        return _finish(np.where(mask, x, 1.0).prod(axis=0), e)


def _grid_numbers(g: Arg, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(cells, n) numbers of a range for SUMPRODUCT: anything not a number counts as 0."""
    cells = g.cells if isinstance(g, Grid) else [g]
    x, e = stack_values(cells, n)
    if x.dtype == object:
        x = np.array([[v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0 for v in row]
                      for row in x], dtype=float).reshape(len(cells), n)
    elif x.dtype == bool:
        x = np.zeros(x.shape)
    return x, (None if e is None else e)


def _sumproduct(args: list[Arg], n: int) -> Vec:
    shapes = {(a.rows, a.cols) if isinstance(a, Grid) else (1, 1) for a in args}
    if len(shapes) > 1:
        return error_vec(VALUE, n)
    total = None
    errors = []
    for a in args:
        x, e = _grid_numbers(a, n)
        total = x if total is None else total * x
        if e is not None:
            errors.append(_first_code(e))
    with np.errstate(all="ignore"):
        return _finish(total.sum(axis=0), merge_errors(*errors))


def _first_code(e: np.ndarray) -> np.ndarray:
    """The first error down the cells of each scenario ((cells, n) -> (n,))."""
    has = e != 0
    first = np.argmax(has, axis=0)
    return np.where(has.any(axis=0), e[first, np.arange(e.shape[1])], 0).astype(np.int8)


# --- criteria (SUMIF, COUNTIF, ...) -------------------------------------------------------------------------

@functools.lru_cache(maxsize=1024)
def _wildcard(text: str) -> re.Pattern:
    """Excel's wildcard text as a regular expression: * any run, ? one character, ~*, ~? and ~~ the character
    itself (Microsoft, "Using wildcard characters in searches"; MATCH and COUNTIF pages), without regard to case."""
    out, k = [], 0
    while k < len(text):
        ch = text[k]
        if ch == "~" and k + 1 < len(text) and text[k + 1] in "*?~":
            out.append(re.escape(text[k + 1]))
            k += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        k += 1
    return re.compile("^" + "".join(out) + "$", re.I | re.S)


_CRITERION = re.compile(r"^(<=|>=|<>|<|>|=)?(.*)$", re.S)


def _criterion_mask(cells: list[Vec], criterion: Any, n: int, rows: np.ndarray) -> np.ndarray:
    """Cells matching one criterion (a number, or text like ">5", "<>x", "ab*") for scenarios ``rows``."""
    op, operand = "=", criterion
    if isinstance(criterion, str):
        found = _CRITERION.match(criterion)
        op = found.group(1) or "="
        text = found.group(2)
        try:
            operand = float(text)
        except ValueError:
            # "TRUE" and "FALSE" are the logicals, as Excel reads a criterion (=COUNTIF(A1:A9, "TRUE"))
            operand = {"TRUE": True, "FALSE": False}.get(text.upper(), text)
    elif isinstance(criterion, bool):
        operand = criterion
    elif criterion is None:
        operand = 0.0
    pattern = None
    if isinstance(operand, str) and op in ("=", "<>") and any(ch in operand for ch in "*?~"):
        pattern = _wildcard(operand)
    out = np.zeros((len(cells), len(rows)), dtype=bool)
    for k, c in enumerate(cells):
        values = [None] * len(rows) if c.blank else [broadcast(c.x, n)[r] for r in rows]
        errs = None if c.e is None else broadcast(c.e, n)[rows]
        for j, v in enumerate(values):
            if errs is not None and errs[j]:
                continue
            if isinstance(v, np.generic):
                v = v.item()
            if pattern is not None:
                hit = isinstance(v, str) and bool(pattern.match(v))
                out[k, j] = hit if op == "=" else not hit
            elif isinstance(operand, str):
                if operand == "" and op == "=":
                    out[k, j] = v is None or v == ""
                elif operand == "" and op == "<>":
                    out[k, j] = not (v is None or v == "")
                elif isinstance(v, str):
                    out[k, j] = _compare_items(op, v, operand)
                else:
                    out[k, j] = op == "<>"
            elif isinstance(operand, bool):
                out[k, j] = isinstance(v, bool) and _compare_items(op, v, operand)
            else:
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[k, j] = _compare_items(op, float(v), operand)
                else:
                    out[k, j] = op == "<>"
    return out


def _criteria(range_: Arg, criterion: Arg, n: int) -> np.ndarray:
    """(cells, n) mask of ``range_`` matching ``criterion`` in each scenario (criteria grouped by value)."""
    cells = range_.cells if isinstance(range_, Grid) else [range_]
    crit = _scalar(criterion)
    values = broadcast(crit.x, n)
    out = np.zeros((len(cells), n), dtype=bool)
    groups: dict[Any, list[int]] = {}
    for i in range(n):
        item = None if crit.blank else values[i]
        if isinstance(item, np.generic):
            item = item.item()
        groups.setdefault((type(item).__name__, item), []).append(i)
    for (_, item), rows in groups.items():
        idx = np.array(rows)
        out[:, idx] = _criterion_mask(cells, item, n, idx)
    return out


def _sumif(args: list[Arg], n: int) -> Vec:
    range_, criterion = args[0], args[1]
    target = args[2] if len(args) > 2 else range_
    mask = _criteria(range_, criterion, n)
    x, e = _grid_numbers(target, n)
    if x.shape[0] != mask.shape[0]:
        return error_vec(VALUE, n)
    with np.errstate(all="ignore"):
        return _finish(np.where(mask, x, 0.0).sum(axis=0), None if e is None else _first_code(np.where(mask, e, 0)))


def _sumifs(args: list[Arg], n: int) -> Vec:
    target = args[0]
    x, e = _grid_numbers(target, n)
    mask = np.ones(x.shape, dtype=bool)
    for k in range(1, len(args) - 1, 2):
        part = _criteria(args[k], args[k + 1], n)
        if part.shape != mask.shape:
            return error_vec(VALUE, n)
        mask &= part
    with np.errstate(all="ignore"):
        return _finish(np.where(mask, x, 0.0).sum(axis=0), None if e is None else _first_code(np.where(mask, e, 0)))


def _countif(args: list[Arg], n: int) -> Vec:
    return Vec(_criteria(args[0], args[1], n).sum(axis=0).astype(float))


def _countifs(args: list[Arg], n: int) -> Vec:
    mask = None
    for k in range(0, len(args) - 1, 2):
        part = _criteria(args[k], args[k + 1], n)
        if mask is not None and part.shape != mask.shape:
            return error_vec(VALUE, n)
        mask = part if mask is None else mask & part
    return Vec(mask.sum(axis=0).astype(float))


def _averageif(args: list[Arg], n: int) -> Vec:
    range_, criterion = args[0], args[1]
    target = args[2] if len(args) > 2 else range_
    mask = _criteria(range_, criterion, n)
    x, _ = _grid_numbers(target, n)
    cells = target.cells if isinstance(target, Grid) else [target]
    numeric = np.array([[c.x.dtype == np.float64 and not c.blank] * n for c in cells]).reshape(len(cells), n)
    mask &= numeric
    count = mask.sum(axis=0)
    with np.errstate(all="ignore"):
        out = np.where(mask, x, 0.0).sum(axis=0) / count
    return _finish(out, np.where(count == 0, np.int8(DIV0), np.int8(0)).astype(np.int8), code=DIV0)


# --- maths -------------------------------------------------------------------------------------------------

def _unary(function: Callable[[np.ndarray], np.ndarray], domain: Callable[[np.ndarray], np.ndarray] | None = None
           ) -> Callable[[list[Arg], int], Arg]:
    def run(args: list[Arg], n: int) -> Arg:
        def one(v: Vec) -> Vec:
            x, e = numbers(v)
            out = function(x)
            if domain is not None:
                bad = ~domain(x)
                if bad.any():
                    e = merge_errors(e, np.where(bad, np.int8(NUM), np.int8(0)).astype(np.int8))
            return _finish(np.asarray(out, dtype=float), e)
        return _elementwise(one, args[0])
    return run


#: Relative nudge so that a decimal like 2.675, stored just below itself, rounds as Excel rounds it (Excel rounds
#: the 15-significant-digit decimal it shows, not the binary float): two units in the last place.
_NUDGE = 4.5e-16
#: Decimal places ROUND takes as they are: a double has no digit beyond 10^308 or below 10^-308 that rounding
#: more places could change (Excel gives the number itself, or 0).
_MAX_PLACES = 308.0


def _rounder(mode: str) -> Callable[[list[Arg], int], Arg]:
    def run(args: list[Arg], n: int) -> Arg:
        digits = args[1] if len(args) > 1 else Vec(np.zeros(1))

        def one(v: Vec, d: Vec) -> Vec:
            x, e1 = numbers(v)
            places, e2 = numbers(d)
            # beyond 308 places either way a double is unchanged (or rounds to 0): 10**400 would overflow
            places = np.clip(places, -_MAX_PLACES, _MAX_PLACES)
            if len(places) == 1:
                scale = 10.0 ** float(np.trunc(places[0])) if np.isfinite(places[0]) else np.nan
            else:
                scale = np.power(10.0, np.trunc(places))
            y = np.abs(x)
            y *= scale * (1.0 + _NUDGE) if mode != "up" else scale * (1.0 - _NUDGE)
            if mode == "round":
                y += 0.5
                np.floor(y, out=y)
            elif mode == "up":
                np.ceil(y, out=y)
            else:
                np.floor(y, out=y)
            y /= scale
            out = np.copysign(y, x, out=y)
            return _finish(out if np.isfinite(np.add.reduce(out)) else np.where(np.isfinite(out), out, x),
                           merge_errors(e1, e2))
        if type(args[0]) is Vec and type(digits) is Vec:
            return one(args[0], digits)
        return _elementwise(one, args[0], digits)
    return run


def _mod(args: list[Arg], n: int) -> Arg:
    def one(a: Vec, b: Vec) -> Vec:
        x, e1 = numbers(a)
        y, e2 = numbers(b)
        e = merge_errors(e1, e2)
        with np.errstate(all="ignore"):
            out = x - y * np.floor(x / y)
        zero = y == 0
        if np.any(zero):
            e = merge_errors(e, np.where(zero, np.int8(DIV0), np.int8(0)).astype(np.int8))
        return _finish(out, e)
    return _elementwise(one, args[0], args[1])


def _power(args: list[Arg], n: int) -> Arg:
    return arithmetic("^", args[0], args[1])


# --- logic and information ---------------------------------------------------------------------------------

def _logicals(args: list[Arg], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(values (k, n) as bool, counted (k, n), errors) of AND/OR arguments: text in ranges is skipped."""
    values, counted, errors = [], [], []
    for a in args:
        for c in (a.cells if isinstance(a, Grid) else [a]):
            errors.append(None if c.e is None else broadcast(c.e, n))
            if c.blank:
                continue
            x = broadcast(c.x, n)
            if x.dtype == object:
                mask = np.array([not isinstance(v, str) for v in x])
                if not isinstance(a, Grid) and not mask.all():
                    errors.append(np.where(mask, np.int8(0), np.int8(VALUE)).astype(np.int8))
                values.append(np.array([bool(v) if not isinstance(v, str) else False for v in x]))
                counted.append(mask)
            else:
                values.append(x.astype(bool))
                counted.append(np.ones(n, dtype=bool))
    e = merge_errors(*errors)
    if not values:
        return np.zeros((0, n), dtype=bool), np.zeros((0, n), dtype=bool), e
    return np.vstack(values), np.vstack(counted), e


def _and(args: list[Arg], n: int) -> Vec:
    x, mask, e = _logicals(args, n)
    none = ~mask.any(axis=0)
    return Vec(np.where(mask, x, True).all(axis=0), merge_errors(e, np.where(none, np.int8(VALUE), np.int8(0))
                                                                  .astype(np.int8)))


def _or(args: list[Arg], n: int) -> Vec:
    x, mask, e = _logicals(args, n)
    none = ~mask.any(axis=0)
    return Vec(np.where(mask, x, False).any(axis=0), merge_errors(e, np.where(none, np.int8(VALUE), np.int8(0))
                                                                   .astype(np.int8)))


def _xor(args: list[Arg], n: int) -> Vec:
    x, mask, e = _logicals(args, n)
    return Vec(np.where(mask, x, False).sum(axis=0) % 2 == 1, e)


def _not(args: list[Arg], n: int) -> Arg:
    def one(v: Vec) -> Vec:
        x, e = numbers(v)
        return Vec(x == 0, e)
    return _elementwise(one, args[0])


def _is(test: Callable[[Vec, int], np.ndarray]) -> Callable[[list[Arg], int], Arg]:
    def run(args: list[Arg], n: int) -> Arg:
        return _elementwise(lambda v: Vec(test(v, n)), args[0])
    return run


def _errors_of(v: Vec, n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int8) if v.e is None else broadcast(v.e, n)


def _kind_test(kind: str) -> Callable[[Vec, int], np.ndarray]:
    def test(v: Vec, n: int) -> np.ndarray:
        ok = _errors_of(v, n) == 0
        if v.blank:
            return np.full(n, kind == "blank") & ok
        x = broadcast(v.x, n)
        if kind == "blank":
            return np.zeros(n, dtype=bool)
        if x.dtype == np.float64:
            return np.full(n, kind == "number") & ok
        if x.dtype == bool:
            return np.full(n, kind == "logical") & ok
        want = {"number": lambda t: isinstance(t, (int, float)) and not isinstance(t, bool),
                "text": lambda t: isinstance(t, str), "logical": lambda t: isinstance(t, bool)}[kind]
        return np.array([want(t) for t in x]) & ok
    return test


# --- lookups -----------------------------------------------------------------------------------------------

def _match_positions(needle: Vec, cells: list[Vec], n: int, mode: int) -> tuple[np.ndarray, np.ndarray]:
    """(0-based position, found) of ``needle`` in ``cells`` for each scenario. ``mode`` 0 exact (text without
    regard to case, * and ? wildcards), 1 largest value <= needle (ascending data), -1 smallest >= (descending)."""
    x, _ = stack_values(cells, n)
    k = len(cells)
    pos = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=bool)
    probe = broadcast(needle.x, n)
    if x.dtype == np.float64 and probe.dtype == np.float64:
        if mode == 0:
            hits = x == probe[None, :]
            found = hits.any(axis=0)
            pos = np.argmax(hits, axis=0)
        elif mode == 1:
            hits = x <= probe[None, :]
            # Excel's binary search on sorted data: the last position whose value is <= the needle
            found = hits.any(axis=0)
            pos = k - 1 - np.argmax(hits[::-1], axis=0)
            # on sorted data the run of hits is a prefix: the last hit of the prefix
            prefix = np.cumprod(hits, axis=0).sum(axis=0)
            pos = np.where(prefix > 0, prefix - 1, pos)
            found = prefix > 0
        else:
            hits = x >= probe[None, :]
            prefix = np.cumprod(hits, axis=0).sum(axis=0)
            pos = prefix - 1
            found = prefix > 0
        return pos, found
    for i in range(n):
        item = None if needle.blank else probe[i]
        if isinstance(item, np.generic):
            item = item.item()
        column = [c if not isinstance(c, np.generic) else c.item() for c in (x[:, i] if x.ndim == 2 else [])]
        best = -1
        for j, value in enumerate(column):
            if mode == 0:
                if isinstance(item, str) and isinstance(value, str) and any(ch in item for ch in "*?~"):
                    hit = _wildcard(item).match(value) is not None
                elif _kind_rank(item) != _kind_rank(value) or value is None:
                    hit = False
                else:
                    hit = _compare_items("=", value, item)
                if hit:
                    best = j
                    break
            elif value is not None and _kind_rank(value) == _kind_rank(item):
                if (mode == 1 and _compare_items("<=", value, item)) or (mode == -1 and _compare_items(
                        ">=", value, item)):
                    best = j
                else:
                    break
        pos[i], found[i] = max(best, 0), best >= 0
    return pos, found


def _gather(cells: list[Vec], index: np.ndarray, n: int) -> Vec:
    """Scenario i's value of cell ``index[i]`` (for INDEX, VLOOKUP, XLOOKUP)."""
    if len(cells) == 1:
        return cells[0]
    if np.all(index == index[0]):
        return cells[int(index[0])]
    x, e = stack_values(cells, n)
    cols = np.arange(n)
    out = x[index, cols]
    blank = np.array([cells[int(k)].blank for k in index])
    if blank.any():
        out = out.astype(object) if out.dtype != object else out
        out[blank] = 0.0  # a blank looked up reads as 0, as in Excel
        if out.dtype == object and all(isinstance(v, float) for v in out):
            out = out.astype(float)
    return Vec(out, None if e is None else e[index, cols])


def _int_arg(v: Arg, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    x, e = numbers(_scalar(v))
    return np.trunc(broadcast(x, n)), (None if e is None else broadcast(e, n))


def _index(args: list[Arg], n: int) -> Arg:
    grid = args[0]
    if not isinstance(grid, Grid):
        grid = Grid(1, 1, [grid])
    row, e1 = _int_arg(args[1], n) if len(args) > 1 and not _is_missing(args[1]) else (np.zeros(n), None)
    col, e2 = _int_arg(args[2], n) if len(args) > 2 and not _is_missing(args[2]) else (np.zeros(n), None)
    if len(args) <= 2 and grid.rows == 1:  # INDEX(one row, k): k counts columns
        row, col = np.ones(n), row
    if grid.cols == 1 and (len(args) <= 2 or _is_missing(args[2])):
        col = np.ones(n)
    if np.any(row == 0) or np.any(col == 0):
        if np.all(row == row[0]) and np.all(col == col[0]):
            r0, c0 = int(row[0]), int(col[0])
            if r0 == 0 and c0 > 0:
                return Grid(grid.rows, 1, [grid.at(i, c0 - 1) for i in range(grid.rows)])
            if c0 == 0 and r0 > 0:
                return Grid(1, grid.cols, [grid.at(r0 - 1, j) for j in range(grid.cols)])
            return grid
        raise NotScalar("INDEX with a row or column of 0 that differs between scenarios")
    bad = (row < 1) | (row > grid.rows) | (col < 1) | (col > grid.cols)
    r = np.clip(row, 1, grid.rows).astype(int) - 1
    c = np.clip(col, 1, grid.cols).astype(int) - 1
    out = _gather(grid.cells, r * grid.cols + c, n)
    negative = (row < 0) | (col < 0)  # INDEX with a negative row or column is #VALUE!, beyond the range #REF!
    e = merge_errors(e1, e2, np.where(negative, np.int8(VALUE), np.where(bad, np.int8(REF), np.int8(0)))
                     .astype(np.int8), out.e)
    return Vec(out.x, e, out.blank and e is None)


def _is_missing(a: Arg) -> bool:
    return isinstance(a, Vec) and a is MISSING


MISSING = Vec(np.zeros(1), None, blank=True)


def _match(args: list[Arg], n: int) -> Vec:
    needle = _scalar(args[0])
    cells = args[1].cells if isinstance(args[1], Grid) else [args[1]]
    if isinstance(args[1], Grid) and args[1].rows > 1 and args[1].cols > 1:
        return error_vec(NA, n)
    mode_arg = args[2] if len(args) > 2 and not _is_missing(args[2]) else Vec(np.ones(1))
    modes, e2 = numbers(_scalar(mode_arg))
    out = np.full(n, np.nan)
    err = np.zeros(n, dtype=np.int8)
    modes = broadcast(np.sign(modes), n)
    for mode in np.unique(modes):
        rows = np.flatnonzero(modes == mode)
        pos, found = _match_positions(needle, cells, n, int(mode))
        out[rows] = pos[rows] + 1
        err[rows] = np.where(found[rows], 0, NA)
    return Vec(out, merge_errors(needle.e if needle.e is None else broadcast(needle.e, n), e2, err))


def _lookup(vertical: bool) -> Callable[[list[Arg], int], Vec]:
    def run(args: list[Arg], n: int) -> Vec:
        needle, table = _scalar(args[0]), args[1]
        if not isinstance(table, Grid):
            table = Grid(1, 1, [table])
        index, e1 = _int_arg(args[2], n)
        approx = True
        if len(args) > 3 and not _is_missing(args[3]):
            flag, _ = numbers(_scalar(args[3]))
            if np.any(flag != flag[0]):
                raise NotScalar("VLOOKUP's range_lookup differing between scenarios")
            approx = bool(flag[0])
        keys = [table.at(i, 0) for i in range(table.rows)] if vertical else [table.at(0, j) for j in range(table.cols)]
        pos, found = _match_positions(needle, keys, n, 1 if approx else 0)
        width = table.cols if vertical else table.rows
        bad = (index < 1) | (index > width)
        too_small = index < 1  # Microsoft's VLOOKUP page: below 1 is #VALUE!, beyond the table #REF!
        k = np.clip(index, 1, width).astype(int) - 1
        flat = pos * table.cols + k if vertical else k * table.cols + pos
        out = _gather(table.cells, flat, n)
        e = merge_errors(None if needle.e is None else broadcast(needle.e, n), e1,
                         np.where(too_small, np.int8(VALUE), np.where(bad, np.int8(REF), np.int8(0))).astype(np.int8),
                         np.where(found, np.int8(0), np.int8(NA)).astype(np.int8), out.e)
        return Vec(out.x, e)
    return run


def _xlookup(args: list[Arg], n: int) -> Arg:
    needle, lookup, result = _scalar(args[0]), args[1], args[2]
    cells = lookup.cells if isinstance(lookup, Grid) else [lookup]
    targets = result.cells if isinstance(result, Grid) else [result]
    if len(cells) != len(targets):
        return error_vec(VALUE, n)
    mode = 0
    if len(args) > 4 and not _is_missing(args[4]):
        mode = int(numbers(_scalar(args[4]))[0][0])
    search = 1
    if len(args) > 5 and not _is_missing(args[5]):
        search = int(numbers(_scalar(args[5]))[0][0])
    if mode not in (0, -1, 1) or search not in (1, -1):
        raise NotScalar(f"XLOOKUP with match_mode {mode} or search_mode {search}")
    order = list(range(len(cells)))
    if search == -1:
        order = order[::-1]
    ordered = [cells[k] for k in order]
    if mode == 0:
        pos, found = _match_positions(needle, ordered, n, 0)
    else:
        pos, found = _nearest(needle, ordered, n, mode)
    index = np.array(order)[pos]
    out = _gather(targets, index, n)
    if needle.e is not None:  # an error looked up is the answer, whatever if_not_found says
        found = found | (broadcast(needle.e, n) != 0)
        out = Vec(out.x, merge_errors(broadcast(needle.e, n), out.e if out.e is None else broadcast(out.e, n)))
    missing = ~found
    if missing.any():
        if len(args) > 3 and not _is_missing(args[3]):
            alt = _scalar(args[3])
            x = np.where(missing, broadcast(alt.x, n), broadcast(out.x, n)) if alt.x.dtype == out.x.dtype \
                else np.where(missing, broadcast(alt.x, n).astype(object), broadcast(out.x, n).astype(object))
            e = merge_errors(np.where(missing, _errors_of(alt, n), _errors_of(out, n)).astype(np.int8))
            return Vec(x, e)
        return Vec(out.x, merge_errors(np.where(missing, np.int8(NA), _errors_of(out, n)).astype(np.int8)))
    return out


def _nearest(needle: Vec, cells: list[Vec], n: int, mode: int) -> tuple[np.ndarray, np.ndarray]:
    """XLOOKUP's exact-or-next-smaller (-1) or exact-or-next-larger (1) on unsorted numbers."""
    x, _ = stack_values(cells, n)
    probe = broadcast(needle.x, n)
    if x.dtype != np.float64 or probe.dtype != np.float64:
        raise NotScalar("XLOOKUP's approximate match on text")
    exact = x == probe[None, :]
    if mode == -1:
        candidates = np.where(x <= probe[None, :], x, -np.inf)
        best = np.argmax(candidates, axis=0)
        ok = np.isfinite(candidates.max(axis=0))
    else:
        candidates = np.where(x >= probe[None, :], x, np.inf)
        best = np.argmin(candidates, axis=0)
        ok = np.isfinite(candidates.min(axis=0))
    first_exact = np.argmax(exact, axis=0)
    pos = np.where(exact.any(axis=0), first_exact, best)
    return pos, ok | exact.any(axis=0)


# --- dates -------------------------------------------------------------------------------------------------

_EPOCH_1900 = np.datetime64("1899-12-30", "D")
_EPOCH_1904 = np.datetime64("1904-01-01", "D")


def _to_days(serial: np.ndarray) -> np.ndarray:
    """Serials (whole days) as datetime64[D] in the workbook's date system (1900: serials below 61 are a day
    later than the real calendar, Excel keeping Lotus's 29 Feb 1900)."""
    whole = np.floor(serial).astype(np.int64)
    if DateSystem.system == 1904:
        return _EPOCH_1904 + whole
    return _EPOCH_1900 + np.where(whole < 61, whole + 1, whole)


def _from_days(days: np.ndarray) -> np.ndarray:
    if DateSystem.system == 1904:
        return (days - _EPOCH_1904).astype(np.int64).astype(float)
    serial = (days - _EPOCH_1900).astype(np.int64)
    return np.where(serial < 61, serial - 1, serial).astype(float)


def _date_bounds(serial: np.ndarray) -> np.ndarray:
    """Serials Excel shows as dates: 0 (1900) or 0 (1904) to 31 Dec 9999."""
    top = 2958465.0 if DateSystem.system == 1900 else 2957003.0
    return (serial >= 0) & (serial <= top)


def _date_args(args: list[Arg], n: int, count: int) -> tuple[list[np.ndarray], np.ndarray | None]:
    values, errors = [], []
    for a in args[:count]:
        x, e = numbers(_scalar(a))
        values.append(broadcast(x, n))
        errors.append(None if e is None else broadcast(e, n))
    return values, merge_errors(*errors)


def _parts(serial: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    days = _to_days(serial)
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(int) + 1970
    month = months.astype(int) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(int) + 1
    if DateSystem.system == 1900:  # serial 60 is Excel's 29 Feb 1900, serial 0 its 0 January 1900
        leap = np.floor(serial) == 60
        year, month, day = np.where(leap, 1900, year), np.where(leap, 2, month), np.where(leap, 29, day)
        zero = np.floor(serial) == 0
        year, month, day = np.where(zero, 1900, year), np.where(zero, 1, month), np.where(zero, 0, day)
    return year, month, day


def _with_date_check(serial: np.ndarray, out: np.ndarray, e: np.ndarray | None) -> Vec:
    bad = ~_date_bounds(serial)
    return _finish(np.where(bad, np.nan, out), merge_errors(e, np.where(bad, np.int8(NUM), np.int8(0)).astype(np.int8)))


def _date(args: list[Arg], n: int) -> Vec:
    (y, mo, d), e = _date_args(args, n, 3)
    y, mo, d = np.trunc(y), np.trunc(mo), np.trunc(d)
    y = np.where(y < 1900, y + 1900, y)  # DATE: a year 0-1899 is added to 1900
    bad = (y < 1900) | (y > 9999) | ~np.isfinite(mo) | ~np.isfinite(d)
    months = ((np.where(bad, 2000, y) - 1970) * 12 + np.where(bad, 1, mo) - 1).astype(np.int64)
    # the serial of the month's first day, then whole days on: in the 1900 system February 1900 has Excel's 29
    # days, so DATE(1900,2,29) and DATE(1900,3,0) are serial 60 and DATE(1900,1,1) is 1
    first = _from_days(months.astype("datetime64[M]").astype("datetime64[D]"))
    serial = first + (np.where(bad, 1, d) - 1)
    serial = np.where(bad, np.nan, serial)
    return _with_date_check(np.where(bad, -1.0, serial), serial, e)


def _edate(end_of_month: bool) -> Callable[[list[Arg], int], Vec]:
    def run(args: list[Arg], n: int) -> Vec:
        (start, months), e = _date_args(args, n, 2)
        ok = _date_bounds(start)
        s = np.where(ok, start, 1000.0)
        shift = np.trunc(np.where(np.isfinite(months), months, 0)).astype(np.int64)
        year, month, day = _parts(s)
        base = ((year - 1970) * 12 + month - 1).astype(np.int64) + shift
        first = base.astype("datetime64[M]").astype("datetime64[D]")
        nxt = (base + 1).astype("datetime64[M]").astype("datetime64[D]")
        length = (nxt - first).astype(np.int64)
        days = nxt - 1 if end_of_month else first + np.minimum(day, length) - 1
        serial = _from_days(days)
        if DateSystem.system == 1900:  # February 1900 ends on Excel's 29 February 1900, serial 60
            february_1900 = base == (1900 - 1970) * 12 + 1
            serial = np.where(february_1900 & (end_of_month | (day >= 29)), 60.0, serial)
        bad = ~ok | ~np.isfinite(months)
        return _with_date_check(np.where(bad, -1.0, serial), np.where(bad, np.nan, serial), e)
    return run


def _date_part(which: int) -> Callable[[list[Arg], int], Vec]:
    def run(args: list[Arg], n: int) -> Vec:
        (serial,), e = _date_args(args, n, 1)
        ok = _date_bounds(serial)
        parts = _parts(np.where(ok, serial, 1000.0))
        return _with_date_check(np.where(ok, serial, -1.0), parts[which].astype(float), e)
    return run


def _days(args: list[Arg], n: int) -> Vec:
    (end, start), e = _date_args(args, n, 2)
    bad = ~(_date_bounds(end) & _date_bounds(start))  # Microsoft's DAYS page: outside the dates is #NUM!
    return _finish(np.where(bad, np.nan, np.floor(end) - np.floor(start)),
                   merge_errors(e, np.where(bad, np.int8(NUM), np.int8(0)).astype(np.int8)))


def _yearfrac(args: list[Arg], n: int) -> Vec:
    (start, end), e = _date_args(args, n, 2)
    basis = np.zeros(n)
    if len(args) > 2 and not _is_missing(args[2]):
        b, e3 = numbers(_scalar(args[2]))
        basis = broadcast(np.trunc(b), n)
        e = merge_errors(e, None if e3 is None else broadcast(e3, n))
    s, t = np.minimum(start, end), np.maximum(start, end)
    ok = _date_bounds(s) & _date_bounds(t) & np.isin(basis, (0, 1, 2, 3, 4))
    s, t = np.where(ok, np.floor(s), 1000.0), np.where(ok, np.floor(t), 1000.0)
    y1, m1, d1 = _parts(s)
    y2, m2, d2 = _parts(t)
    out = np.full(n, np.nan)
    days = t - s
    out = np.where(basis == 2, days / 360.0, out)
    out = np.where(basis == 3, days / 365.0, out)
    # basis 0, US (NASD) 30/360: Excel's rules for month ends (Microsoft, "YEARFRAC function")
    last_feb1 = (m1 == 2) & (d1 == _month_length(y1, m1))
    last_feb2 = (m2 == 2) & (d2 == _month_length(y2, m2))
    a1 = np.where(last_feb1 & last_feb2, 30, d1)  # both the last day of February
    a1 = np.where(last_feb1, 30, a1)
    a1 = np.where(a1 == 31, 30, a1)
    a2 = np.where(last_feb1 & last_feb2, 30, d2)
    a2 = np.where((a2 == 31) & (a1 >= 30), 30, a2)
    us = ((y2 - y1) * 360 + (m2 - m1) * 30 + (a2 - a1)) / 360.0
    out = np.where(basis == 0, us, out)
    e1, e2 = np.minimum(d1, 30), np.minimum(d2, 30)
    euro = ((y2 - y1) * 360 + (m2 - m1) * 30 + (e2 - e1)) / 360.0
    out = np.where(basis == 4, euro, out)
    if np.any(basis == 1):
        for i in np.flatnonzero(basis == 1):
            out[i] = _actual_actual(int(y1[i]), int(m1[i]), int(d1[i]), int(y2[i]), int(m2[i]), int(d2[i]),
                                    float(days[i]))
    bad = ~ok
    return _finish(np.where(bad, np.nan, out), merge_errors(e, np.where(bad, np.int8(NUM), np.int8(0)).astype(np.int8)))


def _month_length(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    base = ((year - 1970) * 12 + month - 1).astype(np.int64)
    return ((base + 1).astype("datetime64[M]").astype("datetime64[D]")
            - base.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _actual_actual(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int, days: float) -> float:
    """YEARFRAC basis 1 as Excel computes it: within about one year, the year length is 366 if a 29 February lies
    in the period (or the single year is a leap year), else 365; over longer periods, the average year length of
    the calendar years spanned."""
    if y1 == y2 or (y2 == y1 + 1 and (m1 > m2 or (m1 == m2 and d1 >= d2))):
        if y1 == y2:
            length = 366.0 if _is_leap(y1) else 365.0
        else:
            feb29 = (_is_leap(y1) and (m1 < 3)) or (_is_leap(y2) and (m2 > 2 or (m2 == 2 and d2 == 29)))
            length = 366.0 if feb29 else 365.0
        return days / length
    years = range(y1, y2 + 1)
    total = sum(366 if _is_leap(y) else 365 for y in years)
    return days / (total / len(years))


# --- finance: hashlease's own functions, every scenario in one call ------------------------------------------

def _per_scenario(function: Callable[..., Any], arrays: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``function`` on all scenarios at once; where the model refuses the batch, scenario by scenario (each
    keeps its own error)."""
    out = np.full(n, np.nan)
    err = np.zeros(n, dtype=np.int8)

    def run(rows: np.ndarray) -> None:
        try:
            with np.errstate(all="ignore"):
                value = np.asarray(function(*[a[rows] for a in arrays]), dtype=float)
            out[rows] = np.broadcast_to(value, rows.shape)
        except m.HashleaseError as exc:
            if len(rows) == 1:
                err[rows] = NUM if exc.kind == m.ErrorKind.NUM else VALUE
                return
            half = len(rows) // 2
            run(rows[:half])
            run(rows[half:])

    run(np.arange(n))
    return out, err


def _flows(a: Arg, n: int, *, strict: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(n, k) numbers of a range of cash flows (or dates). ``strict`` (XNPV, XIRR): a blank, text or logical cell
    is #VALUE! (Excel pairs values and dates cell by cell); else such cells are skipped (NPV, IRR)."""
    cells = a.cells if isinstance(a, Grid) else [a]
    keep = []
    errors = []
    bad = np.zeros(n, dtype=bool)
    for c in cells:
        errors.append(None if c.e is None else broadcast(c.e, n))
        if c.blank or c.x.dtype != np.float64:
            if strict:
                bad |= True
            continue
        keep.append(c)
    x = np.vstack([broadcast(c.x, n) for c in keep]).T if keep else np.zeros((n, 0))
    e = merge_errors(*errors, np.where(bad, np.int8(VALUE), np.int8(0)).astype(np.int8) if bad.any() else None)
    return x, e


def _npv(args: list[Arg], n: int) -> Vec:
    rate, e1 = numbers(_scalar(args[0]))
    parts, errors = [], [None if e1 is None else broadcast(e1, n)]
    for a in args[1:]:
        x, e = _flows(a, n, strict=False) if isinstance(a, Grid) else (broadcast(numbers(a)[0], n)[:, None],
                                                                      numbers(a)[1])
        parts.append(x)
        errors.append(None if e is None else broadcast(e, n))
    flows = np.hstack(parts)
    out, err = _per_scenario(lambda r, v: m.npv(r, v), [broadcast(rate, n), flows], n)
    return _finish(out, merge_errors(*errors, err))


def _xnpv(args: list[Arg], n: int) -> Vec:
    rate, e1 = numbers(_scalar(args[0]))
    values, e2 = _flows(args[1], n, strict=True)
    dates, e3 = _flows(args[2], n, strict=True)
    if values.shape != dates.shape:
        return error_vec(NUM, n)
    days = np.floor(dates) + (_EPOCH_1904 - _EPOCH_1900).astype(int) * (DateSystem.system == 1904)
    out, err = _per_scenario(lambda r, v, d: m.xnpv(r, v, d), [broadcast(rate, n), values, days], n)
    return _finish(out, merge_errors(None if e1 is None else broadcast(e1, n), e2, e3, err))


def _guess(args: list[Arg], at: int, n: int) -> np.ndarray:
    if len(args) > at and not _is_missing(args[at]) and not _scalar(args[at]).blank:
        return broadcast(numbers(_scalar(args[at]))[0], n)
    return np.full(n, 0.1)


def _irr(args: list[Arg], n: int) -> Vec:
    values, e = _flows(args[0], n, strict=False)
    out, err = _per_scenario(lambda v, g: m.irr(v, g), [values, _guess(args, 1, n)], n)
    return _finish(out, merge_errors(e, err))


def _xirr(args: list[Arg], n: int) -> Vec:
    values, e1 = _flows(args[0], n, strict=True)
    dates, e2 = _flows(args[1], n, strict=True)
    if values.shape != dates.shape:
        return error_vec(NUM, n)
    days = np.floor(dates) + (_EPOCH_1904 - _EPOCH_1900).astype(int) * (DateSystem.system == 1904)
    out, err = _per_scenario(lambda v, d, g: m.xirr(v, d, g), [values, days, _guess(args, 2, n)], n)
    return _finish(out, merge_errors(e1, e2, err))


def _tvm(function: Callable[..., Any], required: int) -> Callable[[list[Arg], int], Vec]:
    def run(args: list[Arg], n: int) -> Vec:
        values, errors = [], []
        for k in range(5):
            if k < len(args) and not _is_missing(args[k]):
                x, e = numbers(_scalar(args[k]))
                values.append(broadcast(x, n))
                errors.append(None if e is None else broadcast(e, n))
            else:
                values.append(np.zeros(n))
        if len(args) < required:
            return error_vec(VALUE, n)
        when = values.pop()

        def call(rate, nper, a, b, w):
            begin = w != 0
            if np.all(begin) or not np.any(begin):
                return function(rate, nper, a, b, when="begin" if np.all(begin) and len(w) else "end")
            raise m.HashleaseError("type", "mixed", "one timing for every scenario")

        out, err = _per_scenario(call, [*values, when], n)
        return _finish(out, merge_errors(*errors, err))
    return run


# --- the table ---------------------------------------------------------------------------------------------

FUNCTIONS: dict[str, Callable[[list[Arg], int], Arg]] = {
    "SUM": _sum, "COUNT": _count, "COUNTA": _counta, "AVERAGE": _average, "MIN": _extreme(np.min),
    "MAX": _extreme(np.max), "PRODUCT": _product, "SUMPRODUCT": _sumproduct, "SUMIF": _sumif, "SUMIFS": _sumifs,
    "COUNTIF": _countif, "COUNTIFS": _countifs, "AVERAGEIF": _averageif,
    "ROUND": _rounder("round"), "ROUNDUP": _rounder("up"), "ROUNDDOWN": _rounder("down"),
    "INT": _unary(np.floor), "TRUNC": _rounder("down"), "ABS": _unary(np.abs), "SIGN": _unary(np.sign),
    "SQRT": _unary(np.sqrt, lambda x: x >= 0), "EXP": _unary(np.exp), "LN": _unary(np.log, lambda x: x > 0),
    "LOG10": _unary(np.log10, lambda x: x > 0), "MOD": _mod, "POWER": _power,
    "AND": _and, "OR": _or, "XOR": _xor, "NOT": _not,
    "ISNUMBER": _is(_kind_test("number")), "ISTEXT": _is(_kind_test("text")),
    "ISLOGICAL": _is(_kind_test("logical")), "ISBLANK": _is(_kind_test("blank")),
    "ISERROR": _is(lambda v, n: _errors_of(v, n) != 0), "ISNA": _is(lambda v, n: _errors_of(v, n) == NA),
    "ISERR": _is(lambda v, n: (_errors_of(v, n) != 0) & (_errors_of(v, n) != NA)),
    "INDEX": _index, "MATCH": _match, "VLOOKUP": _lookup(True), "HLOOKUP": _lookup(False), "XLOOKUP": _xlookup,
    "DATE": _date, "EDATE": _edate(False), "EOMONTH": _edate(True), "YEAR": _date_part(0), "MONTH": _date_part(1),
    "DAY": _date_part(2), "DAYS": _days, "YEARFRAC": _yearfrac,
    "NPV": _npv, "XNPV": _xnpv, "IRR": _irr, "XIRR": _xirr,
    "PMT": _tvm(lambda r, n_, pv, fv, when: m.pmt(r, n_, pv, fv, when=when), 3),
    "PV": _tvm(lambda r, n_, pmt, fv, when: m.pv(r, n_, pmt, fv, when=when), 3),
    "FV": _tvm(lambda r, n_, pmt, pv, when: m.fv(r, n_, pmt, pv, when=when), 3),
    "TRUE": lambda args, n: Vec(np.array([True])), "FALSE": lambda args, n: Vec(np.array([False])),
    "NA": lambda args, n: error_vec(NA, 1),
    "CONCATENATE": lambda args, n: _concat_all(args), "CONCAT": lambda args, n: _concat_all(args),
}

#: Functions whose result depends on more than their arguments' values: a workbook varying them falls back.
#: Functions that read a single-cell reference as a range (Microsoft's SUM, COUNT, AVERAGE, MIN, MAX, PRODUCT,
#: NPV, AND, OR and XOR pages: "If an argument is an array or reference, only numbers [logical values] in that
#: array or reference are counted"): =SUM(A1, B1) with B1 holding text or TRUE is A1.
REFERENCES_AS_RANGES = frozenset({"SUM", "COUNT", "AVERAGE", "MIN", "MAX", "PRODUCT", "NPV", "AND", "OR", "XOR"})

UNSUPPORTED = {"INDIRECT": "its reference is text computed at run time",
               "OFFSET": "its reference moves with its arguments",
               "TODAY": "it changes with the day it is calculated", "NOW": "it changes with the time",
               "RAND": "it draws a new number at every calculation",
               "RANDBETWEEN": "it draws a new number at every calculation"}


def _concat_all(args: list[Arg]) -> Arg:
    out: Arg = Vec(np.array([""], dtype=object))
    for a in args:
        for c in (a.cells if isinstance(a, Grid) else [a]):
            out = concat(out, c)
    return out


def error_text(code: int) -> str:
    return ERRORS[code]


def error_code(text: str) -> int:
    return CODE[text]

