"""Fixtures for the add-in contract tests (adapter contracts, not Excel: see docs/addin.md)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CLASSIC = "hashlease.addin._generated.classic"


@pytest.fixture(scope="session")
def winstubs():
    sys.path.insert(0, str(HERE))
    try:
        import winstubs as stubs
    finally:
        sys.path.remove(str(HERE))
    stubs.install()
    return stubs


@pytest.fixture(scope="session")
def lite_harness():
    """``lite_harness.py``: xlwings Lite's side of a call (recording decorators, Office.js arguments)."""
    sys.path.insert(0, str(HERE))
    try:
        import lite_harness as harness
    finally:
        sys.path.remove(str(HERE))
    return harness


@pytest.fixture(scope="session")
def classic(winstubs):
    """The generated classic module, decorated by xlwings' real classic decorators (they record __xlfunc__)."""
    import xlwings

    saved = xlwings.func, xlwings.arg, xlwings.ret, xlwings.script
    winstubs.use_classic_decorators()
    try:
        module = importlib.reload(importlib.import_module(CLASSIC))
    finally:
        xlwings.func, xlwings.arg, xlwings.ret, xlwings.script = saved
    return module
