"""xlwings Lite's side of an ``HL_`` call, for the Lite adapter-contract tests (adapter contracts, not Excel).

In xlwings Lite, ``from xlwings import func, arg`` are the Office.js decorators. :func:`load_lite_module` runs a
generated ``main.py`` with recording decorators in their place; :func:`lite_call` then calls one of its functions
the way Lite does (xlwings' ``custom_functions_call``, read in the xlwings 0.37 source; its Office.js engine needs a
licence key, so it is modelled here, not run): every argument arrives as an Office.js matrix (a 1x1 matrix for a
single cell, JSON ``null`` for an omitted argument or an empty cell, dates as serial numbers); a 1x1 matrix becomes
its value, ``null`` the Python default, anything else is read with the argument's ``ndim`` (empty cells as
``None``); the result is written as a 2-D list, and an ``XlwingsError`` becomes a ``#VALUE!`` cell with its message.

Used by ``test_lite_contract.py`` (in the test venv, with xlwings' real module) and run as a script by
``test_pyodide.py`` in a fresh venv that holds only Pyodide's numpy, pandas and pydantic and the built wheel:
``python lite_harness.py CASES.json RESULTS.json``. So this file imports nothing but the standard library.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import math
import sys
import types
from typing import Any

#: Day 0 of Excel's 1900 date system for serials from 1 Mar 1900 on (Excel counts a phantom 29 Feb 1900).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def recording_decorators() -> tuple[Any, Any, dict[str, dict]]:
    """Stand-ins for xlwings' ``func`` and ``arg`` that record what they are given, and the record.

    ``recorded[function name]`` holds ``func`` (the options given to ``@func``), ``function`` (the function)
    and ``args`` (argument name -> the options given to ``@arg``).
    """
    recorded: dict[str, dict] = {}

    def func(f=None, **options):
        def inner(f):
            recorded.setdefault(f.__name__, {}).update(func=options, function=f)
            return f
        return inner(f) if f is not None else inner

    def arg(name, convert=None, **options):
        def inner(f):
            recorded.setdefault(f.__name__, {}).setdefault("args", {})[name] = options
            return f
        return inner

    return func, arg, recorded


def load_lite_module(source: str, xlwings: types.ModuleType) -> tuple[types.ModuleType, dict[str, dict]]:
    """Execute a generated Lite ``main.py`` with recording decorators set on ``xlwings``; the module and record.

    ``xlwings`` is the module ``main.py``'s ``from xlwings import ...`` finds (xlwings itself, or a stand-in with
    an ``XlwingsError``); its ``func`` and ``arg`` are restored afterwards.
    """
    func, arg, recorded = recording_decorators()
    saved = getattr(xlwings, "func", None), getattr(xlwings, "arg", None)
    xlwings.func, xlwings.arg = func, arg
    try:
        module = types.ModuleType("main")
        exec(compile(source, "main.py", "exec"), module.__dict__)
    finally:
        xlwings.func, xlwings.arg = saved
    return module, recorded


def excel_serial(value: dt.date | dt.datetime) -> float:
    """A date or date-time as the serial number Office.js hands over (1900 date system, from 1 Mar 1900)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value - EXCEL_EPOCH) / dt.timedelta(days=1)


def office_js_payload(value: Any) -> Any:
    """What Office.js hands a custom function for a cell or range given as classic xlwings gets it (COM).

    A single value becomes a 1x1 matrix, a range (tuple or list of rows) a list of rows, a date or date-time its
    serial number; ``None`` (an omitted argument or an empty cell) stays ``None`` (JSON ``null``).
    """
    def cell(c):
        return excel_serial(c) if isinstance(c, (dt.date, dt.datetime)) else c

    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [[cell(c) for c in row] for row in value]
    return [[cell(value)]]


def _to_scalar(value: Any) -> Any:  # xlwings.pro.udfs_officejs.to_scalar
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0][0] if isinstance(value[0], (list, tuple)) and len(value[0]) == 1 else value[0]
    return value


def _read(value: Any, ndim: Any) -> Any:
    """xlwings' reader for the officejs engine: make 2-D, empty cells ("" or null) to None, then ``ndim``."""
    if not isinstance(value, (list, tuple)):
        value = [[value]]
    elif value and not isinstance(value[0], (list, tuple)):
        value = [value]
    rows = [[None if c == "" or c is None else c for c in row] for row in value]
    if ndim == 2:
        return rows
    if len(rows) == 1:
        return rows[0][0] if len(rows[0]) == 1 else rows[0]
    return [row[0] for row in rows] if len(rows[0]) == 1 else rows


def lite_arguments(function: Any, options: dict[str, dict], payload: list[Any]) -> list[Any]:
    """The Python arguments Lite passes ``function`` for an Office.js ``payload`` (one entry per parameter)."""
    parameters = list(inspect.signature(function).parameters.values())
    payload = list(payload) + [None] * (len(parameters) - len(payload))
    values = []
    for parameter, raw in zip(parameters, payload):
        value = _to_scalar(raw)
        if value is None:  # omitted, or a single empty cell: the Python default
            values.append(None if parameter.default is inspect.Parameter.empty else parameter.default)
        else:
            values.append(_read(value, options.get(parameter.name, {}).get("ndim")))
    return values


def excel_grid(value: Any) -> list[list[Any]]:
    """A result as the cells it fills: a 2-D list of floats, text, booleans and "" for an empty cell."""
    if not isinstance(value, (list, tuple)):
        value = [[value]]
    elif value and not isinstance(value[0], (list, tuple)):
        value = [value]

    def cell(c):
        if c is None:
            return ""
        if isinstance(c, (bool, str)):
            return c
        if isinstance(c, (dt.date, dt.datetime)):
            return excel_serial(c)
        number = float(c)  # numpy numbers too
        return "#NUM!" if math.isnan(number) else number  # Lite shows NaN as #NUM!

    return [[cell(c) for c in row] for row in value]


def lite_call(module: types.ModuleType, recorded: dict[str, dict], name: str, payload: list[Any]) -> dict:
    """Call ``name`` as Lite does: ``{"value": cells}``, or ``{"error": message}`` for a ``#VALUE!`` error cell."""
    function = getattr(module, name)
    args = lite_arguments(function, recorded[name].get("args", {}), payload)
    try:
        result = function(*args)
    except Exception as exc:
        if type(exc).__name__ != "XlwingsError":  # anything else is a bug: Lite would show a traceback
            raise
        return {"error": str(exc)}
    return {"value": excel_grid(result)}


def main(argv: list[str]) -> int:
    """Run the cases in ``argv[0]`` through the installed hashlease's Lite ``main.py``; write ``argv[1]``.

    The cases are ``[{"name": "HL_...", "payload": [...]}, ...]``; the results are in the same order, beside the
    versions of numpy, pandas, pydantic and pydantic-core, where hashlease was imported from and the ``main.py``
    text. No xlwings is installed: Lite brings its own, so a stand-in module provides ``XlwingsError``.
    """
    from importlib import metadata, resources

    class XlwingsError(Exception):
        """Lite's error type: its message becomes the #VALUE! cell's text."""

    xlwings = types.ModuleType("xlwings")
    xlwings.XlwingsError = XlwingsError
    sys.modules["xlwings"] = xlwings
    import hashlease

    source = (resources.files("hashlease.addin._generated") / "lite" / "main.py").read_text(encoding="utf-8")
    module, recorded = load_lite_module(source, xlwings)
    with open(argv[0], encoding="utf-8") as file:
        cases = json.load(file)
    report = {
        "versions": {name: metadata.version(name) for name in ("numpy", "pandas", "pydantic", "pydantic-core")},
        "hashlease_file": hashlease.__file__,
        "main_py": source,
        "results": [lite_call(module, recorded, case["name"], case["payload"]) for case in cases],
    }
    with open(argv[1], "w", encoding="utf-8") as file:
        json.dump(report, file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
