"""hashlease.addin: the HL_ Excel function registry and its xlwings adapters (see issue: the add-in)."""

from __future__ import annotations

__all__ = ["BACKENDS", "generated_file"]

#: The add-in backends whose generated files ship in the package.
BACKENDS = ("lite", "classic")


def generated_file(backend: str, requirements: bool = False) -> str:
    """Text of a generated add-in file shipped in this installation: the xlwings Lite ``main.py`` (or, with
    ``requirements``, its ``requirements.txt``) for ``"lite"``, the classic module for ``"classic"``.

    Needs only the core (no extra): ``hashlease addin lite`` prints it where only ``pip install hashlease`` is
    installed, as on a Mac that runs xlwings Lite.
    """
    from importlib import resources

    from hashlease.models import ErrorKind, HashleaseError

    if backend not in BACKENDS:
        raise HashleaseError("BACKEND", backend, "one of " + ", ".join(BACKENDS), kind=ErrorKind.VALUE)
    if requirements and backend != "lite":
        raise HashleaseError("--requirements", True, "given with lite only", kind=ErrorKind.VALUE)
    generated = resources.files("hashlease.addin._generated")
    part = (generated / "lite" / ("requirements.txt" if requirements else "main.py")) if backend == "lite" \
        else generated / "classic.py"
    return part.read_text(encoding="utf-8")
