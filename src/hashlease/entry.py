"""The ``hashlease`` command's entry point: the command needs the ``headless`` extra, and says so without it.

``pip install hashlease`` is the slim core (the models and the Excel add-in runtime: numpy, pandas, pydantic), which
is what xlwings Lite installs inside Excel. The command line (workbook recalculation, market refresh, batches)
needs the libraries of ``pip install "hashlease[headless]"``; run without them it names the extra to install
instead of failing on an import.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["HEADLESS_MODULES", "DASK_MODULES", "missing_modules", "main"]

#: What the command imports, by module name (the ``headless`` extra installs them).
HEADLESS_MODULES = ("typer", "rich", "openpyxl", "formulas", "lxml", "defusedxml", "httpx", "yaml", "pyarrow",
                    "matplotlib")
#: What running on a Dask cluster (``--scheduler``) imports (the ``dask`` extra installs them).
DASK_MODULES = ("dask", "distributed")


def missing_modules(modules: tuple[str, ...] = HEADLESS_MODULES) -> list[str]:
    """The ``modules`` (by default those of the ``headless`` extra) that are not installed."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a module set to None, or one whose spec cannot be read
            found = False
        if not found:
            missing.append(name)
    return missing


def _core_command(argv: list[str]) -> int | None:
    """Run what needs only the core (``--version``; ``addin lite|classic [--requirements]``, which a Mac user
    with ``pip install hashlease`` runs to get xlwings Lite's files) and return its exit status; None for any
    other command."""
    import argparse

    from hashlease import __version__

    if argv == ["--version"]:
        sys.stdout.write(__version__ + "\n")
        return 0
    if not argv or argv[0] != "addin":
        return None
    from hashlease.addin import BACKENDS, generated_file
    from hashlease.models import HashleaseError

    parser = argparse.ArgumentParser(prog="hashlease addin", description="Print the generated add-in files "
                                     "shipped in this installation (paste them into xlwings Lite's editor).")
    parser.add_argument("backend", metavar="BACKEND", help="one of " + ", ".join(BACKENDS))
    parser.add_argument("--requirements", action="store_true", help="With lite: print requirements.txt.")
    args = parser.parse_args(argv[1:])
    try:
        sys.stdout.write(generated_file(args.backend, args.requirements))
    except HashleaseError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


def main() -> None:
    """Run the command, or say which extra to install when its libraries are missing (exit 1)."""
    missing = missing_modules()
    if missing:
        status = _core_command(sys.argv[1:])
        if status is not None:
            raise SystemExit(status)
        sys.stderr.write("hashlease: the command needs the 'headless' extra (missing: " + ", ".join(missing)
                         + "). Install it with:  pip install \"hashlease[headless]\"\n"
                           "The models and the Excel functions work without it (import hashlease.models); "
                           "'hashlease addin lite|classic' and 'hashlease --version' work too.\n")
        raise SystemExit(1)
    from hashlease.cli import app

    app()
