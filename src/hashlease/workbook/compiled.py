"""The compiled workbook engine: compile a workbook once, then evaluate every scenario in one vectorised pass.

:func:`compile_workbook` reads the workbook's cells, formulas (shared formulas as openpyxl expands them, legacy
array formulas) and defined names; keeps only the cells the requested outputs depend on; orders them (a cycle is
refused, naming its cells); computes once every cell no scenario input reaches; and turns each remaining formula
into a function of numpy arrays over the scenario axis (:mod:`.vector_functions`). ``HL_`` functions run
through the add-in runtime: on all scenarios at once where their arguments are numbers
(:func:`~hashlease.addin.runtime.invoke`, ranges broadcasting), else once per distinct argument set through the
function's batched kernel (:func:`~hashlease.addin.runtime.invoke_many`).

A formula the engine cannot vectorise (INDIRECT, OFFSET, an unknown function, the intersection operator, a
range where one value is expected) raises :class:`Fallback` naming the cell and the function, so a caller can use
the per-scenario engine (:mod:`hashlease.workbook.engine`) instead: never a wrong number.

Examples
--------
>>> from importlib import resources
>>> template = resources.files("hashlease.templates").joinpath("hashlease.xlsx")
>>> engine = compile_workbook(template, inputs=["market.btc_price_usd"],
...                           outputs=["hashprice_now_usd_per_ph_day"])
>>> result = engine.evaluate({"market.btc_price_usd": [50_000.0, 100_000.0]})
>>> price = result.values["hashprice_now_usd_per_ph_day"]
>>> round(float(price[1] / price[0]), 12)  # hashprice is proportional to the BTC price
2.0
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from hashlease.addin.registry import REGISTRY, by_name
from hashlease.addin.runtime import ExcelError, call_key, date_system as hl_date_system, invoke, invoke_many
from hashlease.models import ErrorKind, HashleaseError

from . import vector_functions as vf
from .formula_ast import FormulaSyntaxError, parse, parse_at, split_sheet
from .safety import check_xlsx
from .vector_values import (BLANK, CODE, ERRORS, NA, VALUE, Grid, Vec, broadcast, constant, error_vec,
                            merge_errors, numbers, value_at)
from .writer import cell_ref, split_cell

__all__ = ["compile_workbook", "recalculate_compiled", "CompiledWorkbook", "Evaluation", "Fallback", "CircularReference",
           "MAX_SCENARIOS_PER_PASS", "declared_outputs"]

#: Scenarios evaluated in one pass (callers chunk larger batches): bounds memory at about 8 bytes x cells x this.
MAX_SCENARIOS_PER_PASS = 100_000
_HL = {fn.name for fn in REGISTRY}
_MAX_ROW, _MAX_COLUMN = 1_048_576, 16_384  # Excel's sheet
_LAZY = {"IF", "IFERROR", "IFNA", "IFS", "CHOOSE"}


class CircularReference(HashleaseError):
    """Formulas that read each other in a cycle: ``cells`` names them in order."""

    def __init__(self, cells: list[str]) -> None:
        super().__init__("workbook", " -> ".join(cells[:12]), "formulas without circular references (the "
                         "compiled engine does not iterate)", kind=ErrorKind.NUM)
        self.cells = cells


class Fallback(HashleaseError):
    """The workbook uses something the compiled engine cannot vectorise: ``cell`` and ``function`` say what."""

    def __init__(self, cell: str, function: str, why: str) -> None:
        super().__init__(f"formula in {cell}", function, "a function or construct the compiled engine "
                         "vectorises (the per-scenario engine computes this workbook instead)", detail=why,
                         kind=ErrorKind.VALUE)
        self.cell = cell
        self.function = function


@dataclass
class Evaluation:
    """Outputs of ``n`` scenarios: ``values[name]`` float (NaN where the cell holds an error or no number),
    ``errors[name]`` the Excel error text per scenario ("" for none), ``texts[name]`` what a text output holds,
    and ``messages[cell][scenario]``: the reason an ``HL_`` function gave for its error in that scenario."""

    n: int
    values: dict[str, np.ndarray]
    errors: dict[str, np.ndarray]
    texts: dict[str, np.ndarray] = field(default_factory=dict)
    messages: dict[str, dict[int, str]] = field(default_factory=dict)

    def reasons(self, i: int) -> list[str]:
        """Why scenario ``i`` has errors: "Sheet!A1: message" for each HL_ cell that gave one."""
        return [f"{cell}: {by_scenario[i]}" for cell, by_scenario in self.messages.items() if i in by_scenario]

    def row(self, i: int) -> dict[str, Any]:
        """Scenario ``i``'s outputs: a number, text, or the error text."""
        out: dict[str, Any] = {}
        for name, values in self.values.items():
            error = self.errors[name][i]
            if error:
                out[name] = error
            elif name in self.texts and self.texts[name][i] is not None:
                out[name] = self.texts[name][i]
            else:
                out[name] = float(values[i])
        return out


Key = tuple[str, int, int]  # (sheet, row, column), 1-based


def _bounds(text: str, max_row: int, max_col: int) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of ``A1``, ``A1:B7``, ``A:A`` or ``1:3`` (whole lines bounded by the sheet)."""
    text = text.replace("$", "").upper()
    first, _, last = text.partition(":")
    last = last or first

    def corner(part: str, is_end: bool) -> tuple[int, int]:
        if part.isdigit():
            return int(part), (max_col if is_end else 1)
        if part.isalpha():
            return (max_row if is_end else 1), split_cell(part + "1")[1]
        return split_cell(part)

    top, left = corner(first, False)
    bottom, right = corner(last, True)
    return min(top, bottom), min(left, right), max(top, bottom), max(left, right)


class _Book:
    """A workbook's cells, formulas, array formulas and defined names, as the compiler reads them."""

    def __init__(self, path: Path) -> None:
        import openpyxl
        from openpyxl.utils.datetime import to_excel
        from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

        book = openpyxl.load_workbook(path, data_only=False)
        self.date_system = 1904 if book.epoch == openpyxl.utils.datetime.MAC_EPOCH else 1900
        self.sheets: dict[str, str] = {}  # upper-case name -> name
        self.cells: dict[Key, Any] = {}
        self.formulas: dict[Key, str] = {}
        self.arrays: dict[Key, tuple[str, tuple[int, int, int, int]]] = {}  # anchor -> (formula, bounds)
        self.array_part: dict[Key, tuple[Key, int, int]] = {}
        self.extent: dict[str, tuple[int, int]] = {}
        for ws in book.worksheets:
            self.sheets[ws.title.upper()] = ws.title
            self.extent[ws.title] = (ws.max_row, ws.max_column)
            for row in ws.iter_rows():
                for c in row:
                    v = c.value
                    if v is None:
                        continue
                    key = (ws.title, c.row, c.column)
                    if isinstance(v, ArrayFormula):
                        bounds = _bounds(v.ref, ws.max_row, ws.max_column)
                        self.arrays[key] = (v.text, bounds)
                        for r in range(bounds[0], bounds[2] + 1):
                            for k in range(bounds[1], bounds[3] + 1):
                                self.array_part[(ws.title, r, k)] = (key, r - bounds[0], k - bounds[1])
                    elif isinstance(v, DataTableFormula):
                        raise Fallback(f"{ws.title}!{c.coordinate}", "TABLE", "what-if data tables are not compiled")
                    elif isinstance(v, str) and c.data_type == "f":
                        self.formulas[key] = v
                    elif isinstance(v, (dt.datetime, dt.date, dt.time)):
                        self.cells[key] = float(to_excel(v, epoch=book.epoch))
                    elif c.data_type == "e":
                        self.cells[key] = str(v) if str(v) in CODE else "#VALUE!"
                    else:
                        self.cells[key] = v
        self.names: dict[str, str] = {}
        for name, d in book.defined_names.items():
            if d.attr_text:
                self.names[name.upper()] = d.attr_text
        self.names_spelled = {name.upper(): name for name in book.defined_names}
        book.close()

    def sheet(self, name: str | None, home: str, where: str) -> str:
        if name is None:
            return home
        found = self.sheets.get(name.upper())
        if found is None:
            raise HashleaseError(where, name, "a sheet of this workbook", kind=ErrorKind.VALUE)
        return found


class CompiledWorkbook:
    """A workbook compiled for ``inputs`` (defined names or ``Sheet!A1`` cells) and ``outputs``."""

    def __init__(self, book: _Book, inputs: Sequence[str], outputs: Sequence[str], display: str,
                 output_keys: Sequence[Key] = ()) -> None:
        self.display = display
        self.book = book
        self.date_system = book.date_system
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self._ids: dict[Key, int] = {}
        self._keys: list[Key] = []
        self._slots: list[Any] = []
        self._anchors: dict[Key, dict[str, Any]] = {}
        self._source = b""  # the workbook's bytes (set by compile_workbook; how it travels to other processes)
        self._resolved: dict[tuple, tuple] = {}
        self._given: dict[int, Vec] = {}  # input slot -> the scenarios' values, during an evaluation
        self._n = 1
        self._cache: dict = {}
        self._messages: dict[str, dict[int, str]] = {}
        self._input_ids = {name: self._id(self._single_cell(name, "input")) for name in self.inputs}
        by_slot: dict[int, str] = {}
        for name, slot in self._input_ids.items():  # two names of one cell: which value would the cell hold?
            part = book.array_part.get(self._keys[slot])
            if part is not None:  # Excel: "You can't change part of an array"
                top, left, bottom, right = book.arrays[part[0]][1]
                raise HashleaseError("input", name, "a cell outside legacy array formulas (Excel does not let one "
                                     "cell of an array formula be changed)", detail=f"{self._where(self._keys[slot])} "
                                     f"is part of the array formula {{{book.arrays[part[0]][0]}}} in "
                                     f"{part[0][0]}!{cell_ref(top, left)}:{cell_ref(bottom, right)}",
                                     kind=ErrorKind.VALUE)
            if slot in by_slot:
                raise HashleaseError("inputs", f"{by_slot[slot]} and {name}", "inputs naming different cells",
                                     detail=f"both are {self._where(self._keys[slot])}", kind=ErrorKind.VALUE)
            by_slot[slot] = name
            # an input in an empty cell beyond the sheet's used area is inside the ranges that cover it (SUM(A:A),
            # SUM(A1:A100)): the ranges are clipped to the used area, so the area grows to hold it
            sheet, row, column = self._keys[slot]
            max_row, max_col = book.extent[sheet]
            book.extent[sheet] = (max(max_row, row), max(max_col, column))
        self._output_ids = {name: self._id(self._single_cell(name, "output")) for name in self.outputs}
        for key in output_keys:  # cells asked for by position (a whole-workbook recalculation)
            self._output_ids[f"{key[0]}!{cell_ref(key[1], key[2])}"] = self._id(key)
        self._order: list[int] = []
        self._programs: dict[int, Callable[[], None]] = {}
        self._compile()

    def __reduce__(self) -> tuple:
        """Sent to another process (a Dask worker) as the workbook's bytes, inputs and outputs: compiled there."""
        return (_from_bytes, (self._source, self.display, self.inputs, self.outputs))

    # --- references ----------------------------------------------------------------------------------------

    def _single_cell(self, name: str, what: str) -> Key:
        """The cell a defined name or ``Sheet!A1`` refers to (one cell)."""
        text = self.book.names.get(name.upper())
        if text is None and "!" not in name:
            raise HashleaseError(what, name, "a defined name of the workbook or a cell written Sheet!A1",
                                 kind=ErrorKind.VALUE)
        sheet, ref = split_sheet(text if text is not None else name)
        if sheet is None or ref.startswith("="):
            raise HashleaseError(what, name, "a name or cell referring to one cell of a sheet", kind=ErrorKind.VALUE)
        sheet = self.book.sheet(sheet, "", what)
        try:
            top, left, bottom, right = _bounds(ref, *self.book.extent[sheet])
        except (ValueError, KeyError):
            raise HashleaseError(what, name, "a name or cell referring to one cell of a sheet",
                                 kind=ErrorKind.VALUE) from None
        if (top, left) != (bottom, right):
            raise HashleaseError(what, name, "a name or cell of one cell", detail=f"it refers to {sheet}!{ref}",
                                 kind=ErrorKind.VALUE)
        if not (1 <= top <= _MAX_ROW and 1 <= left <= _MAX_COLUMN):
            raise HashleaseError(what, name, f"a cell of the sheet (rows 1 to {_MAX_ROW:,}, columns A to XFD)",
                                 kind=ErrorKind.VALUE)
        return (sheet, top, left)

    def _id(self, key: Key) -> int:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self._slots)
            self._slots.append(None)
            self._keys.append(key)
        return found

    def _where(self, key: Key) -> str:
        return f"{key[0]}!{cell_ref(key[1], key[2])}"

    def _range_keys(self, sheet: str, bounds: tuple[int, int, int, int]) -> tuple[int, int, list[Key]]:
        top, left, bottom, right = bounds
        max_row, max_col = self.book.extent[sheet]
        bottom, right = min(bottom, max(max_row, top)), min(right, max(max_col, left))
        rows, cols = bottom - top + 1, right - left + 1
        if rows * cols > 2_000_000:
            raise HashleaseError("range", f"{sheet}!{cell_ref(top, left)}:{cell_ref(bottom, right)}",
                                 "at most 2,000,000 cells", kind=ErrorKind.NUM)
        return rows, cols, [(sheet, r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)]

    def _resolve(self, node: tuple, sheet: str, where: str) -> tuple:
        """A reference node as ("cell", key) or ("range", rows, cols, keys); a name as what it refers to."""
        key = (node, sheet)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve_uncached(node, sheet, where)
        return found

    def _resolve_uncached(self, node: tuple, sheet: str, where: str) -> tuple:
        if node[0] == "name":
            text = self.book.names.get(node[1].upper())
            if text is None:
                return ("const", error_vec(CODE["#NAME?"], 1))
            if text.startswith("="):
                return ("formula", parse(text))
            target_sheet, ref = split_sheet(text)
            try:
                parsed = parse("=" + text)
            except FormulaSyntaxError:
                raise Fallback(where, node[1], f"the name {node[1]} refers to {text}") from None
            if parsed[0] != "ref":
                return ("formula", parsed)
            node = parsed
        target = self.book.sheet(node[1], sheet, where)
        try:
            bounds = _bounds(node[2], *self.book.extent[target])
        except ValueError:
            raise Fallback(where, node[2], "a reference the engine cannot read") from None
        if bounds[0] == bounds[2] and bounds[1] == bounds[3]:
            return ("cell", (target, bounds[0], bounds[1]))
        return ("range",) + self._range_keys(target, bounds)

    # --- the dependency graph --------------------------------------------------------------------------------

    def _formula_of(self, key: Key) -> tuple | None:
        """The syntax tree computing ``key`` (an array part computes through its anchor)."""
        text = self.book.formulas.get(key)
        if text is None and key in self.book.arrays:
            text = self.book.arrays[key][0]
        if text is None:
            return None
        try:
            return parse_at(text, key[1], key[2])
        except FormulaSyntaxError as exc:
            raise Fallback(self._where(key), text, exc.detail or "a formula the parser cannot read") from None

    def _references(self, node: Any, sheet: str, where: str, out: list[Key]) -> None:
        if not isinstance(node, tuple) or not node:
            return
        kind = node[0]
        if kind in ("ref", "name"):
            resolved = self._resolve(node, sheet, where)
            if resolved[0] == "cell":
                out.append(resolved[1])
            elif resolved[0] == "range":
                out.extend(k for k in resolved[3] if self._exists(k) or k in self._ids)
            elif resolved[0] == "formula":
                self._references(resolved[1], sheet, where, out)
            return
        if kind == "call":
            name = node[1]
            if name in vf.UNSUPPORTED:
                raise Fallback(where, name, vf.UNSUPPORTED[name])
            if name not in vf.FUNCTIONS and name not in _LAZY and name not in _HL:
                raise Fallback(where, name, "a function the compiled engine does not know (an add-in's, or one "
                                            "not yet vectorised)")
            for a in node[2]:
                self._references(a, sheet, where, out)
            return
        if kind == "array":
            for row in node[1]:
                for a in row:
                    self._references(a, sheet, where, out)
            return
        for part in node[1:]:
            self._references(part, sheet, where, out)

    def _exists(self, key: Key) -> bool:
        return key in self.book.cells or key in self.book.formulas or key in self.book.array_part

    def _compile(self) -> None:
        inputs = {self._key_of(i) for i in self._input_ids.values()}
        deps: dict[Key, list[Key]] = {}
        trees: dict[Key, tuple] = {}
        stack = [self._key_of(i) for i in self._output_ids.values()]
        while stack:
            key = stack.pop()
            if key in deps:
                continue
            if key in inputs:  # given a value in a scenario; else its own formula (if it has one) computes it
                tree = self._formula_of(key)
                found: list[Key] = []
                if tree is not None:
                    trees[key] = tree
                    self._references(tree, key[0], self._where(key), found)
                deps[key] = found
                stack.extend(k for k in found if k not in deps)
                continue
            if key in self.book.array_part and self.book.array_part[key][0] != key:
                anchor = self.book.array_part[key][0]
                deps[key] = [anchor]
                stack.append(anchor)
                continue
            tree = self._formula_of(key)
            if tree is None:
                deps[key] = []
                continue
            trees[key] = tree
            found: list[Key] = []
            self._references(tree, key[0], self._where(key), found)
            deps[key] = found
            stack.extend(k for k in found if k not in deps)
        order = _topological(deps, self._where)
        # cells an input reaches vary by scenario; the rest are computed once, now
        varying: set[Key] = set(inputs)
        for key in order:
            if key not in inputs and any(d in varying for d in deps[key]):
                varying.add(key)
        for key in order:
            self._id(key)
        for key in order:
            slot = self._ids[key]
            if key in inputs:
                self._programs[slot] = self._input_program(key, trees.get(key))
                self._order.append(slot)
                continue
            if key in trees:
                program = self._program(key, trees[key])
            elif key in self.book.array_part:
                program = self._array_part_program(key)
            else:
                self._slots[slot] = constant(self.book.cells.get(key))
                continue
            if key in varying:
                self._programs[slot] = program
                self._order.append(slot)
            else:
                with hl_date_system(self.date_system), np.errstate(all="ignore"):
                    vf.DateSystem.system = self.date_system
                    self._n = 1
                    program()
        self._varying = varying
        self._cache = {}

    def _input_program(self, key: Key, tree: tuple | None) -> Callable[[], None]:
        """An input cell: the scenario's value where given, else the cell's own formula or constant."""
        slot = self._ids[key]
        slots, given = self._slots, self._given
        if tree is not None:
            formula = self._program(key, tree)
        else:
            value = constant(self.book.cells.get(key))

            def formula() -> None:
                slots[slot] = value

        def run() -> None:
            if slot in given:
                slots[slot] = given[slot]
            else:
                formula()
        return run

    def _key_of(self, slot: int) -> Key:
        return self._keys[slot]

    # --- programs --------------------------------------------------------------------------------------------

    def _program(self, key: Key, tree: tuple) -> Callable[[], None]:
        where = self._where(key)
        function = self._node(tree, key[0], where)
        slot = self._ids[key]
        slots = self._slots
        if key in self.book.arrays:
            holder = self._anchors.setdefault(key, {})

            def run_anchor() -> None:
                result = function()
                holder["value"] = result  # the whole result, for the other cells of the array's range
                slots[slot] = self._array_cell(result, 0, 0)
            return run_anchor

        def run() -> None:
            result = function()
            if isinstance(result, Grid):
                if result.rows * result.cols != 1:
                    raise Fallback(where, "a range", "a formula whose result is a range (a dynamic array that "
                                                     "spills, or an implicit intersection)")
                result = result.cells[0]
            slots[slot] = Vec(np.zeros(1)) if result.blank else result
        return run

    def _array_cell(self, result: Any, i: int, j: int) -> Vec:
        if isinstance(result, Grid):
            if result.rows == 1 and result.cols == 1:
                cell = result.cells[0]
            else:
                ii = i if result.rows > 1 else 0
                jj = j if result.cols > 1 else 0
                if ii >= result.rows or jj >= result.cols:
                    return error_vec(NA, 1)
                cell = result.at(ii, jj)
        else:
            cell = result
        return Vec(np.zeros(1)) if cell.blank else cell

    def _array_part_program(self, key: Key) -> Callable[[], None]:
        anchor, i, j = self.book.array_part[key]
        slot = self._ids[key]
        slots = self._slots
        holder = self._anchors.setdefault(anchor, {})

        def run() -> None:
            slots[slot] = self._array_cell(holder["value"], i, j)
        return run

    def _node(self, node: tuple, sheet: str, where: str) -> Callable[[], Any]:
        kind = node[0]
        if kind == "num":
            value = Vec(np.array([node[1]]))
            return lambda: value
        if kind == "str":
            value = Vec(np.array([node[1]], dtype=object))
            return lambda: value
        if kind == "bool":
            value = Vec(np.array([node[1]]))
            return lambda: value
        if kind == "err":
            value = error_vec(CODE.get(node[1], VALUE), 1)
            return lambda: value
        if kind == "missing":
            return lambda: vf.MISSING
        if kind in ("ref", "name"):
            return self._reference(node, sheet, where)
        if kind == "neg":
            inner = self._node(node[1], sheet, where)
            return lambda: vf.negate(inner())
        if kind == "pct":
            inner = self._node(node[1], sheet, where)
            return lambda: vf.percent(inner())
        if kind in ("op", "neg") and (node[0] == "neg" or node[1] in "+-*"):
            fast = self._fast(node, sheet, where)
            if fast is not None:
                return fast
        if kind == "op":
            op = node[1]
            left, right = self._node(node[2], sheet, where), self._node(node[3], sheet, where)
            if op in ("+", "-", "*"):
                return _fast_arithmetic(op, left, right)
            if op in ("/", "^"):
                return lambda: vf.arithmetic(op, left(), right())
            if op == "&":
                return lambda: vf.concat(left(), right())
            return lambda: vf.compare(op, left(), right())
        if kind == "array":
            rows = [[self._node(a, sheet, where) for a in row] for row in node[1]]
            height, width = len(rows), len(rows[0])
            return lambda: Grid(height, width, [_scalar_of(f(), where) for row in rows for f in row])
        if kind == "call":
            return self._call(node[1], node[2], sheet, where)
        raise Fallback(where, str(kind), "a construct the compiled engine does not read")

    def _fast(self, node: tuple, sheet: str, where: str) -> Callable[[], Any] | None:
        """A formula part made only of +, -, * and unary minus over numbers and single cells, as one numpy
        expression: run when every cell it reads holds numbers without errors (checked each time), with one
        finiteness check at the end (these operators never turn an overflow back into a finite number);
        otherwise Excel's rules operator by operator. None when the part is not of that kind."""
        slots_read: list[int] = []

        def emit(n: tuple) -> str | None:
            if n[0] == "num":
                return repr(float(n[1]))
            if n[0] == "neg":
                inner = emit(n[1])
                return None if inner is None else f"(-{inner})"
            if n[0] == "op" and n[1] in ("+", "-", "*"):
                a, b = emit(n[2]), emit(n[3])
                return None if a is None or b is None else f"({a} {n[1]} {b})"
            if n[0] in ("ref", "name"):
                resolved = self._resolve(n, sheet, where)
                if resolved[0] != "cell":
                    return None
                key = resolved[1]
                if not self._exists(key) and key not in self._ids:
                    return "0.0"
                slot = self._id(key)
                if slot not in slots_read:
                    slots_read.append(slot)
                return f"v{slots_read.index(slot)}.x"
            return None

        body = emit(node)
        if body is None or not slots_read or len(slots_read) > 200:
            return None
        built: list[Callable[[], Any]] = []

        def general() -> Any:  # compiled on first use: most formulas never need it
            if not built:
                built.append(self._general(node, sheet, where))
            return built[0]()
        return _fast_factory(body, len(slots_read))(self._slots, general, *slots_read)

    def _general(self, node: tuple, sheet: str, where: str) -> Callable[[], Any]:
        """``node`` compiled operator by operator (Excel's rules for text, logicals, errors and blanks)."""
        if node[0] == "neg":
            inner = self._general(node[1], sheet, where) if node[1][0] in ("op", "neg") else \
                self._node(node[1], sheet, where)
            return lambda: vf.negate(inner())
        op = node[1]
        left, right = (self._general(part, sheet, where) if part[0] in ("op", "neg") and (
            part[0] == "neg" or part[1] in "+-*") else self._node(part, sheet, where) for part in node[2:4])
        return lambda: vf.arithmetic(op, left(), right())

    def _reference(self, node: tuple, sheet: str, where: str) -> Callable[[], Any]:
        resolved = self._resolve(node, sheet, where)
        slots = self._slots
        if resolved[0] == "const":
            value = resolved[1]
            return lambda: value
        if resolved[0] == "formula":
            return self._node(resolved[1], sheet, where)
        if resolved[0] == "cell":
            key = resolved[1]
            if not self._exists(key) and key not in self._ids:
                return lambda: BLANK
            slot = self._id(key)
            return lambda: slots[slot]
        rows, cols, keys = resolved[1], resolved[2], resolved[3]
        ids = [self._id(k) if (self._exists(k) or k in self._ids) else -1 for k in keys]
        if all(i >= 0 for i in ids):
            return lambda: Grid(rows, cols, [slots[i] for i in ids])
        return lambda: Grid(rows, cols, [slots[i] if i >= 0 else BLANK for i in ids])

    def _call(self, name: str, args: tuple, sheet: str, where: str) -> Callable[[], Any]:
        parts = [self._node(a, sheet, where) for a in args]
        if name in vf.REFERENCES_AS_RANGES:  # SUM(A1, B1) reads a cell as a range: text and logicals skipped
            for k, a in enumerate(args):
                if a[0] in ("ref", "name") and self._resolve(a, sheet, where)[0] == "cell":
                    parts[k] = (lambda inner: lambda: Grid(1, 1, [inner()]))(parts[k])
        def guard(function: Callable[[], Any]) -> Callable[[], Any]:
            def run() -> Any:
                try:
                    return function()
                except vf.NotScalar as exc:
                    raise Fallback(where, name, f"{exc} is not vectorised") from None
            return run

        if name == "IF":
            return guard(lambda: self._if(parts))
        if name in ("IFERROR", "IFNA"):
            only_na = name == "IFNA"
            return guard(lambda: self._iferror(parts, only_na))
        if name == "IFS":
            return guard(lambda: self._ifs(parts))
        if name == "CHOOSE":
            return guard(lambda: self._choose(parts))
        if name in _HL:
            return lambda: self._hl(name, [p() for p in parts], where)
        function = vf.FUNCTIONS[name]
        return guard(lambda: function([p() for p in parts], self._n))

    # --- lazy functions --------------------------------------------------------------------------------------

    def _condition(self, value: Any) -> tuple[np.ndarray, np.ndarray | None]:
        v = _scalar_of(value, "IF")
        if v.x.dtype == object:
            x, e = numbers(v)
            texts = np.array([isinstance(t, str) for t in v.x])
            if texts.any():
                e = merge_errors(e, np.where(texts, np.int8(VALUE), np.int8(0)).astype(np.int8))
            return broadcast(np.nan_to_num(x) != 0, self._n), None if e is None else broadcast(e, self._n)
        x, e = numbers(v)
        return broadcast(x != 0, self._n), None if e is None else broadcast(e, self._n)

    def _if(self, parts: list[Callable[[], Any]]) -> Any:
        condition, e = self._condition(parts[0]())
        yes = parts[1] if len(parts) > 1 else (lambda: Vec(np.array([True])))
        no = parts[2] if len(parts) > 2 else (lambda: Vec(np.array([False])))
        live = condition if e is None else condition & (e == 0)
        dead = ~condition if e is None else ~condition & (e == 0)
        if not dead.any():
            out = _value(yes())
        elif not live.any():
            out = _value(no())
        else:
            out = _where(condition, _value(yes()), _value(no()), self._n)
        if e is not None:
            out = Vec(out.x, merge_errors(e, out.e if out.e is None else broadcast(out.e, self._n)))
        return out

    def _iferror(self, parts: list[Callable[[], Any]], only_na: bool) -> Any:
        value = parts[0]()
        if isinstance(value, Grid):
            value = _scalar_of(value, "IFERROR")
        value = _value(value)
        if value.e is None:
            return value
        bad = value.e == NA if only_na else value.e != 0
        if not bad.any():
            return value
        alternative = _value(_scalar_of(parts[1](), "IFERROR"))
        return _where(broadcast(bad, self._n), alternative, Vec(value.x, np.where(bad, 0, value.e).astype(np.int8)),
                      self._n)

    def _ifs(self, parts: list[Callable[[], Any]]) -> Any:
        n = self._n
        pending = np.ones(n, dtype=bool)
        out = error_vec(NA, n)
        for k in range(0, len(parts) - 1, 2):
            condition, e = self._condition(parts[k]())
            if e is not None:
                failed = pending & (e != 0)
                if failed.any():
                    out = _where(failed, Vec(np.full(n, np.nan), e), out, n)
                    pending &= ~failed
            take = pending & condition
            if take.any():
                out = _where(take, _value(_scalar_of(parts[k + 1](), "IFS")), out, n)
                pending &= ~take
            if not pending.any():
                break
        return out

    def _choose(self, parts: list[Callable[[], Any]]) -> Any:
        index, e = numbers(_scalar_of(parts[0](), "CHOOSE"))
        index = broadcast(np.trunc(np.nan_to_num(index, nan=0.0)), self._n)
        n = self._n
        bad = (index < 1) | (index > len(parts) - 1)
        out = error_vec(VALUE, n)
        for k in np.unique(index[~bad]).astype(int):
            chosen = parts[k]()
            if isinstance(chosen, Grid) and np.all(index == k):
                return chosen
            out = _where(index == k, _value(_scalar_of(chosen, "CHOOSE")), out, n)
        if e is not None:
            out = Vec(out.x, merge_errors(broadcast(e, n), out.e))
        return out

    # --- HL_ functions ---------------------------------------------------------------------------------------

    def _hl(self, name: str, args: list[Any], where: str) -> Any:
        n = self._n
        widths = [len(a.x) if isinstance(a, Vec) else max([len(c.x) for c in a.cells] + [1]) for a in args]
        errs = [a.e for a in args if isinstance(a, Vec) and a.e is not None]
        if all(w == 1 for w in widths) and not any(len(e) > 1 for e in errs):
            return self._hl_rows(name, args, [0], where, 1)
        fn = by_name(name)
        stackable = fn.returns == "scalar" and len(args) <= len(fn.args) and all(
            isinstance(a, Vec) and (len(a.x) == 1 or (
                a.x.dtype == np.float64 and a.e is None and not a.blank and spec.kind in ("number", "integer")
                and not spec.single and spec.maximum is None and spec.unit != "date-time"))
            for a, spec in zip(args, fn.args))
        if stackable:
            return self._hl_stacked(name, args, where)
        return self._hl_rows(name, args, list(range(n)), where, n)

    def _hl_stacked(self, name: str, args: list[Vec], where: str) -> Vec:
        """A scalar HL_ function on every scenario in one call: varying numbers as a column range."""
        n = self._n
        out = np.full(n, np.nan)
        err = np.zeros(n, dtype=np.int8)
        constants = [value_at(a, 0) if len(a.x) == 1 else None for a in args]

        def run(rows: np.ndarray) -> None:
            raw = [constants[k] if len(a.x) == 1 else [[float(v)] for v in a.x[rows]] for k, a in enumerate(args)]
            try:
                result = invoke(name, *raw)
            except ExcelError as exc:
                if len(rows) == 1:
                    err[rows] = CODE.get(exc.code, VALUE)
                    self._messages.setdefault(where, {})[int(rows[0])] = exc.message
                    return
                half = len(rows) // 2
                run(rows[:half])
                run(rows[half:])
                return
            values = np.asarray(result, dtype=float).reshape(-1)
            out[rows] = values if len(values) == len(rows) else values[0]

        run(np.arange(n))
        return Vec(out, err)

    def _hl_rows(self, name: str, args: list[Any], rows: list[int], where: str, n: int) -> Any:
        """An HL_ function once per distinct argument set among scenarios ``rows`` (its batched kernel)."""
        # each argument for scenario 0, and the cells that differ by scenario (patched row by row)
        plan: list[tuple[Any, list[tuple[int, int, Vec]]]] = []
        for a in args:
            if isinstance(a, Vec):
                moving = len(a.x) > 1 or (a.e is not None and len(a.e) > 1)
                plan.append((value_at(a, 0), [(0, 0, a)] if moving else []))
                continue
            base = tuple(tuple(value_at(a.at(r, c), 0) for c in range(a.cols)) for r in range(a.rows))
            moving_cells = [(k // a.cols, k % a.cols, c) for k, c in enumerate(a.cells)
                            if len(c.x) > 1 or (c.e is not None and len(c.e) > 1)]
            plan.append((base, moving_cells))

        def raw_for(i: int) -> tuple:
            out = []
            for (a, (base, moving)) in zip(args, plan):
                if not moving:
                    out.append(base)
                elif isinstance(a, Vec):
                    out.append(value_at(a, i))
                else:
                    grid = list(base)
                    edited: dict[int, list[Any]] = {}
                    for r, c, cell in moving:
                        row = edited.get(r)
                        if row is None:
                            row = edited[r] = list(base[r])
                        row[c] = value_at(cell, i)
                    for r, row in edited.items():
                        grid[r] = tuple(row)
                    out.append(tuple(grid))
            return tuple(out)

        keys = [raw_for(i) for i in rows]
        unique: dict[Any, int] = {}  # by call_key: a scenario's TRUE and another's 1 are different calls
        distinct: list[tuple] = []
        slot_of = []
        for key in keys:
            k = unique.setdefault(call_key(key), len(unique))
            if k == len(distinct):
                distinct.append(key)
            slot_of.append(k)
        with hl_date_system(self.date_system):
            results = invoke_many(name, distinct, cache=self._cache)
        per = [results[k] for k in slot_of]
        for i, r in zip(rows, per):
            if isinstance(r, ExcelError):
                self._messages.setdefault(where, {})[i] = r.message
        return _assemble(per, n)

    # --- evaluation ------------------------------------------------------------------------------------------

    def evaluate(self, columns: Mapping[str, Any]) -> Evaluation:
        """Every output for the scenarios given by ``columns`` (input name -> one value per scenario).

        Inputs not given keep the workbook's value. Values are numbers (dates as serial numbers of the workbook's
        date system), text, or booleans.
        """
        unknown = [name for name in columns if name not in self._input_ids]
        if unknown:
            raise HashleaseError("input", unknown[0], f"one of the inputs compiled for ({', '.join(self.inputs)})",
                                 kind=ErrorKind.VALUE)
        arrays = {name: _column(name, value) for name, value in columns.items()}
        lengths = {len(a.x) for a in arrays.values()}
        if len(lengths) > 1:
            raise HashleaseError("inputs", ", ".join(f"{k}: {len(v.x)}" for k, v in arrays.items()),
                                 "the same number of values for every input", kind=ErrorKind.VALUE)
        n = lengths.pop() if lengths else 1
        if not 1 <= n <= MAX_SCENARIOS_PER_PASS:
            raise HashleaseError("scenarios", n, f"1 to {MAX_SCENARIOS_PER_PASS:,} per pass (evaluate larger "
                                 "batches in chunks)", kind=ErrorKind.NUM)
        self._n = n
        self._cache = {}
        self._messages = {}
        self._given.clear()
        for name, slot in self._input_ids.items():
            if name in arrays:
                self._given[slot] = arrays[name]
        with hl_date_system(self.date_system), np.errstate(all="ignore"):
            vf.DateSystem.system = self.date_system
            for slot in self._order:
                self._programs[slot]()
        values, errors, texts = {}, {}, {}
        for name, slot in self._output_ids.items():
            v = self._slots[slot]
            if isinstance(v, Grid):
                v = v.cells[0]
            e = np.zeros(n, dtype=np.int8) if v.e is None else broadcast(v.e, n)
            x = broadcast(v.x, n)
            if x.dtype == bool:  # a logical output reads as 1 or 0, as Excel's N() and arithmetic read it
                x = x.astype(float)
            if x.dtype == np.float64:
                number = np.where(e == 0, x, np.nan)
            else:
                # a blank given as a scenario value reads as 0, as =A1 of an empty cell does
                number = np.array([0.0 if t is None else float(t) if isinstance(t, (int, float))
                                   and not isinstance(t, bool) else np.nan for t in x])
                number = np.where(e == 0, number, np.nan)
                texts[name] = np.array([t if isinstance(t, str) else None for t in x], dtype=object)
            values[name] = np.array(number, dtype=float)
            errors[name] = np.array([ERRORS[c] for c in e], dtype=object)
        self._cache = {}
        return Evaluation(n, values, errors, texts, dict(self._messages))


_FLOAT = np.dtype(np.float64)
_UFUNC = {"+": np.add, "-": np.subtract, "*": np.multiply}
_isfinite = np.isfinite
_add_reduce = np.add.reduce


@functools.lru_cache(maxsize=4096)
def _fast_factory(body: str, count: int) -> Callable[..., Callable[[], Any]]:
    """A maker of the fast function for an expression ``body`` over ``count`` cells (v0.x, v1.x, ...): compiled
    once per distinct expression (copied formulas share one), bound to its cells' slots when made."""
    reads = "; ".join(f"v{k} = S[i{k}]" for k in range(count))
    checks = " and ".join(f"v{k}.e is None and v{k}.x.dtype is F" for k in range(count))
    params = ", ".join(f"i{k}" for k in range(count))
    source = (f"def make(S, GENERAL, {params}):\n    def fast():\n        {reads}\n        if {checks}:\n"
              f"            x = {body}\n            if FINITE(SUM(x)):\n                return VEC(x)\n"
              f"        return GENERAL()\n    return fast\n")
    scope = {"F": _FLOAT, "FINITE": np.isfinite, "SUM": np.add.reduce, "VEC": Vec}
    exec(compile(source, "<formula>", "exec"), scope)  # built from a parsed formula's tree only
    return scope["make"]


def _fast_arithmetic(op: str, left: Callable[[], Any], right: Callable[[], Any]) -> Callable[[], Any]:
    """+, - or * of two numbers without errors in one step (the common case); anything else by Excel's rules."""
    ufunc = _UFUNC[op]

    def run() -> Any:
        a, b = left(), right()
        if type(a) is Vec and type(b) is Vec and a.e is None and b.e is None and a.x.dtype is _FLOAT \
                and b.x.dtype is _FLOAT:
            x = ufunc(a.x, b.x)
            if _isfinite(_add_reduce(x)):
                return Vec(x)
        return vf.arithmetic(op, a, b)
    return run


def _column(name: str, value: Any) -> Vec:
    if isinstance(value, (list, tuple)):
        # np.asarray would make [1.0, "n/a"] all text and [True, 0.5] all numbers: each value keeps its kind
        items = list(value)
        if items and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                         for v in items):
            array = np.asarray(items, dtype=float) if all(abs(v) < 1e308 for v in items) else np.asarray(items,
                                                                                                          dtype=object)
        elif items and all(isinstance(v, (bool, np.bool_)) for v in items):
            array = np.asarray(items, dtype=bool)
        else:
            array = np.empty(len(items), dtype=object)
            array[:] = items
    else:
        array = np.asarray(value)
    if array.ndim != 1 or len(array) == 0:
        raise HashleaseError(f"input {name}", f"shape {array.shape}", "one value per scenario (a 1-D sequence)",
                             kind=ErrorKind.VALUE)
    if array.dtype.kind in "iuf":
        x = array.astype(float)
        if not np.isfinite(x).all():
            bad = int(np.flatnonzero(~np.isfinite(x))[0])
            raise HashleaseError(f"input {name} (scenario {bad + 1})", x[bad], "a finite number",
                                 kind=ErrorKind.NUM)
        return Vec(x)
    if array.dtype.kind == "b":
        return Vec(array.astype(bool))
    items = [v.item() if isinstance(v, np.generic) else v for v in array]
    out = []
    for i, item in enumerate(items):
        if isinstance(item, (dt.date, dt.datetime)):
            raise HashleaseError(f"input {name} (scenario {i + 1})", str(item), "a serial number for a date",
                                 kind=ErrorKind.VALUE)
        if isinstance(item, int) and not isinstance(item, bool):
            if abs(item) >= 1e308:
                raise HashleaseError(f"input {name} (scenario {i + 1})", f"{str(item)[:20]}... ({len(str(item))} "
                                     "digits)", "a finite number", kind=ErrorKind.NUM)
            item = float(item)
        if isinstance(item, float) and not math.isfinite(item):
            raise HashleaseError(f"input {name} (scenario {i + 1})", item, "a finite number", kind=ErrorKind.NUM)
        if item is not None and not isinstance(item, (str, bool, float)):
            raise HashleaseError(f"input {name} (scenario {i + 1})", repr(item)[:60], "a number, text, a logical "
                                 "or None (an empty cell)", kind=ErrorKind.VALUE)
        out.append(item)
    return Vec(np.array(out, dtype=object))


def _scalar_of(value: Any, where: str) -> Vec:
    if isinstance(value, Grid):
        if value.rows * value.cols == 1:
            return value.cells[0]
        raise vf.NotScalar(f"a range where {where} takes one value")
    return value


def _value(v: Any) -> Any:
    """A blank read as a value is 0 (IF(A1, B1) with B1 empty gives 0)."""
    if isinstance(v, Vec) and v.blank:
        return Vec(np.zeros(1))
    return v


def _where(mask: np.ndarray, yes: Any, no: Any, n: int) -> Vec:
    yes, no = _scalar_of(yes, "IF"), _scalar_of(no, "IF")
    if yes.x.dtype == no.x.dtype:
        x = np.where(mask, yes.x, no.x)
    else:
        x = np.where(mask, broadcast(yes.x, n).astype(object), broadcast(no.x, n).astype(object))
    e = None
    if yes.e is not None or no.e is not None:
        ey = np.zeros(1, dtype=np.int8) if yes.e is None else yes.e
        en = np.zeros(1, dtype=np.int8) if no.e is None else no.e
        e = np.where(mask, ey, en).astype(np.int8)
    return Vec(x, e)


def _one(value: Any) -> Vec:
    """One HL_ result cell (shared by every scenario) as a Vec."""
    if isinstance(value, ExcelError):
        return error_vec(CODE.get(value.code, VALUE), 1)
    if isinstance(value, float):
        return Vec(np.array([value]))
    if isinstance(value, str) and value in CODE:
        return error_vec(CODE[value], 1)
    if isinstance(value, (bool, np.bool_)):
        return Vec(np.array([bool(value)]))
    return Vec(np.array([value], dtype=object))


def _assemble(results: list[Any], n: int) -> Any:
    """Per-scenario HL_ results (a value, a table, or an ExcelError) as one Vec or Grid over the scenarios."""
    if len(results) == 1:  # one result for every scenario
        only = results[0]
        if isinstance(only, list):
            cols = max(len(row) for row in only)
            return Grid(len(only), cols, [_one(row[j]) if j < len(row) else error_vec(NA, 1)
                                          for row in only for j in range(cols)])
        return _one(only)
    tables = [r for r in results if isinstance(r, list)]
    if not tables:
        return _vec_of([r for r in results])
    rows = max(len(t) for t in tables)
    cols = max(len(t[0]) if t else 0 for t in tables)
    cells = []
    for i in range(rows):
        for j in range(cols):
            column = []
            for r in results:
                if isinstance(r, ExcelError):
                    column.append(r)
                elif isinstance(r, list):
                    column.append(r[i][j] if i < len(r) and j < len(r[i]) else "#N/A")
                else:
                    column.append(r if i == 0 and j == 0 else "#N/A")
            cells.append(_vec_of(column))
    return Grid(rows, cols, cells)


def _vec_of(items: list[Any]) -> Vec:
    codes = np.array([CODE.get(r.code, VALUE) if isinstance(r, ExcelError) else
                      (CODE[r] if isinstance(r, str) and r in CODE else 0) for r in items], dtype=np.int8)
    plain = [None if codes[k] else r for k, r in enumerate(items)]
    if all(isinstance(r, float) or (r is None) for r in plain):
        x = np.array([np.nan if r is None else r for r in plain], dtype=float)
    elif all(isinstance(r, (bool, np.bool_)) or r is None for r in plain):
        x = np.array([bool(r) for r in plain])
    else:
        x = np.array([r.item() if isinstance(r, np.generic) else r for r in plain], dtype=object)
    if len(items) > 1 and len(set(map(repr, items))) == 1:
        x, codes = x[:1], codes[:1]
    return Vec(x, codes)


def _topological(deps: dict[Key, list[Key]], where: Callable[[Key], str]) -> list[Key]:
    """Cells ordered so each comes after what it reads; a cycle is a HashleaseError naming its cells."""
    order: list[Key] = []
    state: dict[Key, int] = {}
    for root in deps:
        if root in state:
            continue
        stack: list[tuple[Key, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            key, i = stack[-1]
            children = deps.get(key, ())
            if i < len(children):
                stack[-1] = (key, i + 1)
                child = children[i]
                mark = state.get(child)
                if mark == 1:
                    path = [k for k, _ in stack]
                    cycle = path[path.index(child):] + [child]
                    raise CircularReference([where(k) for k in cycle])
                if mark is None:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[key] = 2
                order.append(key)
                stack.pop()
    return order


def declared_outputs(path: str | Path) -> list[str]:
    """The workbook's declared outputs: the template's summary outputs (:data:`contract.OUTPUTS`) it defines, in
    order (empty for a workbook that defines none: its outputs are then asked for by name or cell)."""
    from . import contract

    names = contract.defined_names(path)
    return [o.name for o in contract.OUTPUTS if o.name in names]


def _from_bytes(source: bytes, display: str, inputs: Sequence[str], outputs: Sequence[str]) -> CompiledWorkbook:
    """A workbook compiled from its bytes (how a compiled workbook travels between processes)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="hashlease-compiled-") as tmp:
        path = Path(tmp) / "workbook.xlsx"
        path.write_bytes(source)
        engine = compile_workbook(path, inputs=inputs, outputs=outputs)
    engine.display = display
    return engine


def recalculate_compiled(path: str | Path) -> Any:
    """Every formula cell of the workbook at ``path`` computed once by the compiled engine, as the per-scenario
    engine's :class:`~hashlease.workbook.engine.Recalculation` (values by sheet and cell, error cells, the reasons
    HL_ functions gave).

    Raises
    ------
    Fallback
        The workbook uses something the compiled engine does not vectorise, or has a circular reference: the
        per-scenario engine recalculates it instead (:func:`hashlease.workbook.engine.recalculate` does).
    """
    from .engine import Recalculation, check_sizes
    from .writer import ExcelErrorValue

    path = Path(path)
    check_xlsx(path)
    start = time.perf_counter()
    check_sizes(path, path.name)
    book = _Book(path)
    keys = list(book.formulas) + [k for k in book.array_part]
    try:
        engine = CompiledWorkbook(book, [], [], path.name, output_keys=keys)
    except CircularReference as exc:  # the per-scenario engine reports a cycle's cells in its result
        raise Fallback(exc.cells[0], "a circular reference", "cells on a cycle: " + str(exc.value)) from None
    values: dict[str, dict[str, Any]] = {title: {} for title in book.sheets.values()}
    result = Recalculation(values=values, seconds={"compiled": 0.0})
    for key in keys:
        v = engine._slots[engine._ids[key]]
        code = 0 if v.e is None else int(v.e[0])
        ref = cell_ref(key[1], key[2])
        if code:
            values[key[0]][ref] = ExcelErrorValue(ERRORS[code])
            result.error_cells.append((f"{key[0]}!{ref}", ERRORS[code]))
            continue
        item = None if v.blank else v.x[0]
        if isinstance(item, np.generic):
            item = item.item()
        if isinstance(item, float) and not np.isfinite(item):
            values[key[0]][ref] = ExcelErrorValue("#NUM!")
            result.error_cells.append((f"{key[0]}!{ref}", "#NUM!"))
            continue
        values[key[0]][ref] = item
    result.messages = [f"{cell}: {text}" for cell, by in engine._messages.items() for text in list(by.values())[:1]]
    result.seconds["compiled"] = time.perf_counter() - start
    return result


def compile_workbook(path: str | Path, *, inputs: Sequence[str] = (), outputs: Sequence[str] | None = None,
                     progress: Callable[[str], None] | None = None) -> CompiledWorkbook:
    """Compile the workbook at ``path`` for scenario ``inputs`` and ``outputs`` (defined names or ``Sheet!A1``).

    ``outputs`` defaults to the workbook's declared outputs (the template's summary outputs it defines).

    Raises
    ------
    Fallback
        A formula the outputs depend on uses something not vectorised (the cell and function are named).
    HashleaseError
        A file that is not a workbook, an unknown input or output, an input or output of more than one cell,
        or a circular reference (its cells named).
    """
    from .engine import check_sizes

    path = Path(path)
    check_xlsx(path)
    start = time.perf_counter()
    check_sizes(path, path.name)
    book = _Book(path)
    if outputs is None:
        outputs = declared_outputs(path)
        if not outputs:
            raise HashleaseError("outputs", "none given", "--output NAME_OR_CELL (this workbook declares none)",
                                 kind=ErrorKind.VALUE)
    if len(set(inputs)) != len(list(inputs)):
        raise HashleaseError("inputs", ", ".join(inputs), "each input once", kind=ErrorKind.VALUE)
    engine = CompiledWorkbook(book, list(inputs), list(outputs), path.name)
    engine._source = path.read_bytes()
    if progress is not None:
        progress(f"{path.name}: compiled {len(engine._order):,} varying cells in {time.perf_counter() - start:.2f} s")
    return engine
