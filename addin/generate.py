"""Generate the adapters and the function reference from the registry.

``python -m hashlease.addin.generate`` writes

- ``addin/_generated/classic.py``: xlwings classic UDFs for Windows desktop Excel ("Import Functions");
- ``addin/_generated/lite/main.py`` and ``requirements.txt``: the xlwings Lite module (Mac, web, Windows);
- ``docs/functions.md``: the function reference.

Each generated file is a pure function of the registry; a test regenerates them and fails on any difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hashlease import __version__

from .registry import CATEGORY, ERROR_POLICY, EXCEL_COLUMNS, EXCEL_ROWS, REGISTRY, Arg, ExcelFunction

HEADER = '"""{what} (generated from hashlease.addin.registry by hashlease.addin.generate: do not edit)."""\n'
ROOT = Path(__file__).resolve().parent


def _arg_doc(arg: Arg) -> str:
    parts = [arg.doc]
    detail = ", ".join(x for x in (arg.unit if arg.unit not in ("-", "") else "", arg.accepted) if x)
    if arg.choices:
        detail = "one of " + ", ".join(arg.choices)
    if detail:
        parts.append(f"[{detail}]")
    if arg.optional:
        parts.append(f"Optional, default {_excel_literal(arg.default)}.")
    return " ".join(parts)[:255]


def _excel_literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}" if isinstance(value, float) else str(value)


def _py_default(arg: Arg) -> str:
    return "" if not arg.optional else f"={arg.default!r}"


def _signature(fn: ExcelFunction, *, lite: bool) -> str:
    params = []
    for arg in fn.args:
        annotation = ""
        if lite and arg.kind == "choice":
            annotation = ": Literal[" + ", ".join(repr(c) for c in arg.choices) + "]"
        default = "" if not arg.optional else (" = " if annotation else "=") + repr(arg.default)
        params.append(f"{arg.name}{annotation}{default}")
    return ", ".join(params)


def _converter(arg: Arg, *, lite: bool) -> str:
    options = ", ndim=2" if arg.kind in ("number", "integer", "assumptions") else ""
    return options if lite else options + ", err_to_str=True"  # classic: error cells arrive as "#DIV/0!" text


def _description(fn: ExcelFunction) -> str:
    unit = f" [{fn.returns_unit}]" if fn.returns_unit else ""
    return (fn.description + unit)[:255]


def _function_source(fn: ExcelFunction, *, lite: bool) -> str:
    lines = ["@func" if lite else f"@xw.func(category={CATEGORY!r})"]
    decorator = "arg" if lite else "xw.arg"
    for arg in fn.args:
        lines.append(f"@{decorator}({arg.name!r}{_converter(arg, lite=lite)}, doc={_arg_doc(arg)!r})")
    lines.append(f"def {fn.name}({_signature(fn, lite=lite)}):")
    lines.append(f"    {_description(fn)!r}")
    lines.append(f"    return _call({fn.name!r}, {', '.join(a.name for a in fn.args)})")
    return "\n".join(lines) + "\n"


def classic_module() -> str:
    """Source of the classic xlwings UDF module."""
    body = "\n\n".join(_function_source(fn, lite=False) for fn in REGISTRY)
    return (HEADER.format(what="hashlease functions for the classic xlwings add-in (Windows desktop Excel)")
            + "\nimport xlwings as xw\n\nfrom hashlease.addin.runtime import call_classic as _call\n\n\n" + body)


def lite_module() -> str:
    """Source of the xlwings Lite ``main.py``."""
    body = "\n\n".join(_function_source(fn, lite=True) for fn in REGISTRY)
    return (HEADER.format(what="hashlease functions for xlwings Lite (Excel on Mac, the web and Windows)")
            + "\nfrom typing import Literal\n\nfrom xlwings import arg, func\n\n"
            "from hashlease.addin.runtime import call_lite as _call\n\n\n" + body)


def lite_requirements() -> str:
    return f"# xlwings Lite installs these into its Python (Pyodide) when the workbook opens\nhashlease=={__version__}\n"


def _md_default(arg: Arg) -> str:
    return "required" if not arg.optional else _excel_literal(arg.default)


def functions_markdown() -> str:
    """The function reference, grouped as the registry groups the functions."""
    out = ["# HL_ function reference",
           "",
           "Generated from `addin/registry.py` by `python -m hashlease.addin.generate`; a test keeps it in sync.",
           "Every function is the same in the classic add-in (Windows) and in xlwings Lite (Mac, web, Windows).",
           "Numeric arguments take single cells or ranges; ranges of the same size (or single cells) are",
           "evaluated together in one call and the result spills in their shape.",
           "",
           "## Errors",
           "",
           "| Failure | Excel error |",
           "|---|---|"]
    out += [f"| {what} | `{code}` |" for what, code in ERROR_POLICY.items()]
    out += ["",
            "The classic add-in cannot return real error cells: it returns one line of text beginning with the "
            "error code (`#NUM! difficulty must be > 0, got -5.0`); `ISNUMBER()` tells a result from an error. "
            "xlwings Lite returns a real `#VALUE!` error cell whose message (hover the cell) begins with the same "
            "text.", "",
            "Dates are Excel serial numbers in the workbook's date system (see docs/addin.md for 1904 workbooks). "
            f"No argument may hold an error value, no range may be larger than Excel's grid ({EXCEL_ROWS:,} rows x "
            f"{EXCEL_COLUMNS:,} columns), and a table never shows a blank for a figure that is not a finite number: "
            "the call is `#NUM!` instead. Blank cells in a table appear only in the columns listed as blank where a "
            "figure does not apply.", ""]
    groups: dict[str, list[ExcelFunction]] = {}
    for fn in REGISTRY:
        groups.setdefault(fn.group, []).append(fn)
    for group, functions in groups.items():
        out += [f"## {group}", ""]
        for fn in functions:
            signature = ", ".join(a.name if not a.optional else f"[{a.name}]" for a in fn.args)
            out += [f"### `{fn.name}({signature})`", "", _description(fn), ""]
            out += ["| Argument | Meaning | Unit | Default | Accepted |", "|---|---|---|---|---|"]
            for arg in fn.args:
                accepted = ", ".join(arg.choices) if arg.choices else (arg.accepted or arg.kind)
                out.append(f"| `{arg.name}` | {arg.doc} | {arg.unit} | {_md_default(arg)} | {accepted} |")
            shape = {"scalar": "one value per cell (the shape of its range arguments)",
                     "table": "a table with a header row, spilling", "pairs": "name | value rows, spilling"}
            out += ["", f"Returns {shape[fn.returns]}" + (f", in {fn.returns_unit}." if fn.returns_unit else "."),
                    f"Model: `hashlease.models.{fn.model}`."]
            if fn.empty_columns:
                out.append("Blank where a figure does not apply: " + ", ".join(f"`{c}`" for c in fn.empty_columns)
                           + ".")
            if fn.example:
                out.append(f"Example: `{fn.example}`.")
            out.append("")
    return "\n".join(out)


def outputs(root: Path) -> dict[Path, str]:
    """Every generated file's path (under the repository root) and content."""
    return {
        root / "addin" / "_generated" / "classic.py": classic_module(),
        root / "addin" / "_generated" / "lite" / "main.py": lite_module(),
        root / "addin" / "_generated" / "lite" / "requirements.txt": lite_requirements(),
        root / "docs" / "functions.md": functions_markdown(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the HL_ adapters and docs from the registry.")
    parser.add_argument("--root", type=Path, default=ROOT.parent, help="repository root (default: this checkout)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs(args.root).items():
        current = path.read_text("utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, "utf-8")
    for path in stale:
        print(("out of date: " if args.check else "wrote ") + str(path.relative_to(args.root)))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
