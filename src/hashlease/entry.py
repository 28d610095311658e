"""The ``hashlease`` command's entry point: the command needs the ``headless`` extra, and says so without it.

``pip install hashlease`` is the slim core (the models and the Excel add-in runtime: numpy, pandas, pydantic), which
is what xlwings Lite installs inside Excel. The command line (workbook recalculation, market refresh, batches)
needs the libraries of ``pip install "hashlease[headless]"``; run without them it names the extra to install
instead of failing on an import.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["HEADLESS_MODULES", "missing_modules", "main"]

#: What the command imports, by module name (the ``headless`` extra installs them).
HEADLESS_MODULES = ("typer", "rich", "openpyxl", "formulas", "lxml", "defusedxml", "httpx", "yaml")


def missing_modules() -> list[str]:
    """The modules of the ``headless`` extra that are not installed."""
    missing = []
    for name in HEADLESS_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a module set to None, or one whose spec cannot be read
            found = False
        if not found:
            missing.append(name)
    return missing


def main() -> None:
    """Run the command, or say which extra to install when its libraries are missing (exit 1)."""
    missing = missing_modules()
    if missing:
        sys.stderr.write("hashlease: the command needs the 'headless' extra (missing: " + ", ".join(missing)
                         + "). Install it with:  pip install \"hashlease[headless]\"\n"
                           "The models and the Excel functions work without it (import hashlease.models).\n")
        raise SystemExit(1)
    from hashlease.cli import app

    app()
