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

import functools
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from hashlease import models as m
from hashlease.addin.registry import REGISTRY
from hashlease.addin.runtime import EXCEL_CODE, ExcelError, invoke
from hashlease.models import HashleaseError

from .safety import check_xlsx
from .writer import ExcelErrorValue, cell_ref, split_cell

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


def _hl(name: str, *args: Any) -> Any:
    try:
        result = invoke(name, *_arguments(args))
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


@_finance
def _xnpv(rate, values, dates):
    return m.xnpv(float(np.ravel(rate)[0]), _flatten(values, skip_text=False), _flatten(dates, skip_text=False))


@_finance
def _irr(values, *guess):
    return m.irr(_flatten(values, skip_text=True), _guess(guess))


@_finance
def _xirr(values, dates, *guess):
    return m.xirr(_flatten(values, skip_text=False), _flatten(dates, skip_text=False), _guess(guess))


@functools.cache
def functions() -> dict[str, Any]:
    """The engine's function table with the HL_ functions and hashlease's discounting registered."""
    import formulas
    from formulas.functions import wrap_ranges_func

    table = formulas.get_functions()
    for fn in REGISTRY:
        call = wrap_ranges_func(functools.partial(_hl, fn.name))
        table[fn.name] = table[f"_XLDUDF_{fn.name}"] = call
    for name, function in (("NPV", _npv), ("XNPV", _xnpv), ("IRR", _irr), ("XIRR", _xirr)):
        table[name] = wrap_ranges_func(function)
    return table


def function_names(formula: str) -> list[str]:
    """Upper-case names of the functions a formula calls (text inside string literals ignored)."""
    plain = _QUOTED_SHEET.sub("S!", _STRING.sub('""', formula))  # 'Sheet1 (2)'!A1 is no function call
    return [n.upper() for n in _FUNCTION_CALL.findall(plain)]


def normalise_formula(formula: str) -> str:
    """Excel saves 1E12 as 1E+12; the engine only reads the latter."""
    return _E_NOTATION.sub(lambda mt: f"{mt.group(1)}E+{mt.group(2)}", formula)


def _sheet_key(key: str) -> tuple[str, str] | None:
    """('SHEET', 'A1' or 'A1:B2') from the engine's "'[book.xlsx]SHEET'!A1" keys."""
    match = re.match(r"^'\[[^\]]*\](.*)'!(\$?[A-Z]+\$?[0-9]+(?::\$?[A-Z]+\$?[0-9]+)?)$", key)
    if not match:
        return None
    return match.group(1).replace("''", "'"), match.group(2).replace("$", "")


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
    """(sheet, range) operands of a formula; defined names resolved; whole rows and columns left out."""
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
        target_sheet, _, ref = text.rpartition("!")
        target_sheet = target_sheet.strip("'").replace("''", "'") or sheet
        ref = ref.replace("$", "").upper()
        if re.fullmatch(r"[A-Z]{1,3}[0-9]+(:[A-Z]{1,3}[0-9]+)?", ref):
            out.append((target_sheet, ref))
    return out


def _cells_of(ref: str) -> list[str]:
    first, _, last = ref.partition(":")
    top, left = split_cell(first)
    bottom, right = split_cell(last or first)
    if (bottom - top + 1) * (right - left + 1) > 100_000:
        return []
    return [cell_ref(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)]


def circular_cells(cells: dict[str, list[tuple[str, str]]], arrays: dict[str, str],
                   names: dict[str, str]) -> list[str]:
    """Formula cells on a cycle of references (Tarjan's strongly connected components)."""
    owner: dict[str, str] = {}
    for anchor, ref in arrays.items():
        sheet = anchor.rpartition("!")[0]
        for cell in _cells_of(ref):
            owner[f"{sheet}!{cell}"] = anchor
    nodes = {f"{sheet}!{ref}" for sheet, refs in cells.items() for ref, _ in refs}
    graph: dict[str, set[str]] = {}
    for sheet, refs in cells.items():
        for ref, text in refs:
            edges = set()
            for target_sheet, target in _references(text, sheet, names):
                for cell in _cells_of(target):
                    key = owner.get(f"{target_sheet}!{cell}", f"{target_sheet}!{cell}")
                    if key in nodes:
                        edges.add(key)
            graph[f"{sheet}!{ref}"] = edges
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[str] = []
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
                if len(component) > 1 or node in graph[node]:
                    found.extend(sorted(component))
    return found


def recalculate(path: str | Path) -> Recalculation:
    """Recalculate every formula of the workbook at ``path`` (read only; nothing is written)."""
    import formulas
    from formulas.errors import FormulaError
    from formulas.tokens.operand import XlError

    path = Path(path)
    check_xlsx(path)
    # the engine keys cells by file name and cannot parse names with brackets: work on a copy with a plain name
    with tempfile.TemporaryDirectory(prefix="hashlease-recalc-") as tmp:
        copy = Path(tmp) / "workbook.xlsx"
        shutil.copyfile(path, copy)
        try:
            return _recalculate(copy, path.name)
        except HashleaseError:
            raise
        except Exception as exc:  # a part the readers cannot make sense of: say which file, not a traceback
            raise HashleaseError(f"workbook {path.name}", type(exc).__name__, "a workbook the reader can load",
                                 detail=str(exc)[:300]) from None


def _recalculate(path: Path, display_name: str) -> Recalculation:
    import formulas
    from formulas.errors import FormulaError
    from formulas.tokens.operand import XlError

    timings: dict[str, float] = {}
    start = time.perf_counter()
    arrays, cells, defined = _formula_cells(path)
    cycle = circular_cells(cells, arrays, defined)
    timings["check and scan"] = time.perf_counter() - start
    table = functions()
    known = set(table) | {"IF", "IFERROR", "AND", "OR", "NOT", "CHOOSE", "INDEX"}
    unsupported = [(f"{sheet}!{ref}", name) for sheet, refs in cells.items() for ref, text in refs
                   for name in function_names(text) if name not in known]
    start = time.perf_counter()
    messages: list[str] = []
    _Messages.current = messages  # the engine evaluates constant formulas while loading
    try:
        model = formulas.ExcelModel().loads(str(path)).finish(circular=True)
    except FormulaError as exc:
        _Messages.current = None
        expression = exc.args[1] if len(exc.args) > 1 else str(exc)
        where = [f"{s}!{r}" for s, refs in cells.items() for r, t in refs if t == expression]
        raise HashleaseError(f"formula in {where[0] if where else display_name}", expression,
                             "a formula the engine can read") from None
    timings["load"] = time.perf_counter() - start
    start = time.perf_counter()
    try:
        solution = model.calculate()
    finally:
        _Messages.current = None
    timings["calculate"] = time.perf_counter() - start

    names = {sheet.upper(): sheet for sheet in cells}
    wanted = {(sheet, ref) for sheet, refs in cells.items() for ref, _ in refs}
    values: dict[str, dict[str, Any]] = {sheet: {} for sheet in cells}
    result = Recalculation(values=values, unsupported=unsupported, messages=messages, seconds=timings,
                           circular_cells=list(cycle))
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
                    _store(result, sheet, cell_ref(top + i, left + j), value, XlError)
        elif (sheet, ref) in wanted:
            _store(result, sheet, ref, grid[0, 0], XlError)
    computed = sum(len(v) for v in values.values())
    if wanted and computed == 0:
        raise HashleaseError(f"workbook {display_name}", f"{len(wanted)} formula cells, none computed",
                             "a workbook whose formulas the engine can map back to cells")
    return result


def _store(result: Recalculation, sheet: str, ref: str, value: Any, error_type: type) -> None:
    import schedula as sh

    if value is sh.EMPTY:
        value = None
    elif isinstance(value, error_type):
        text = str(value)
        value = ExcelErrorValue(text if text != "#CIRC!" else "#VALUE!")
        if text == "#CIRC!":
            if f"{sheet}!{ref}" not in result.circular_cells:
                result.circular_cells.append(f"{sheet}!{ref}")
        else:
            result.error_cells.append((f"{sheet}!{ref}", text))
    elif isinstance(value, np.generic):
        value = value.item()
    result.values[sheet][ref] = value
