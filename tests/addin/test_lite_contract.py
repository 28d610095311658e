"""xlwings Lite adapter contract (L3): the generated main.py declares what we intend, with recording fakes.

In xlwings Lite, ``from xlwings import func, arg`` are the Office.js decorators; here they are replaced by
recorders (xlwings' Office.js engine is licensed separately and not used), then the generated module is
executed. These are adapter-contract tests, not Excel: docs/addin.md lists what only Excel can confirm.
"""

from __future__ import annotations

import typing

import pytest
import xlwings

from hashlease import models as m
from hashlease.addin.generate import _arg_doc, _description, lite_module, lite_requirements
from hashlease.addin.registry import REGISTRY
from hashlease.addin.runtime import call_classic


@pytest.fixture(scope="module")
def lite(lite_harness):
    return lite_harness.load_lite_module(lite_module(), xlwings)


@pytest.mark.parametrize("fn", REGISTRY, ids=[f.name for f in REGISTRY])
def test_declarations(lite, fn):
    module, recorded = lite
    entry = recorded[fn.name]
    function = entry["function"]
    assert function.__name__ == fn.name and function.__doc__ == _description(fn)
    assert list(entry["args"]) == [a.name for a in reversed(fn.args)] or set(entry["args"]) == {a.name for a in fn.args}
    hints = typing.get_type_hints(function)
    signature = function.__code__.co_varnames[:function.__code__.co_argcount]
    assert list(signature) == [a.name for a in fn.args]
    defaults = dict(zip(signature[len(signature) - len(function.__defaults__ or ()):], function.__defaults__ or ()))
    for arg in fn.args:
        options = entry["args"][arg.name]
        assert options["doc"] == _arg_doc(arg)
        assert options.get("ndim") == (2 if arg.kind in ("number", "integer", "assumptions") else None)
        if arg.kind == "choice":  # a dropdown in Excel's formula bar
            assert typing.get_args(hints[arg.name]) == arg.choices
        if arg.optional:
            assert defaults[arg.name] == arg.default
        else:
            assert arg.name not in defaults


def test_same_numbers_as_the_classic_add_in(lite):
    module, _ = lite
    args = (108.52e12, 93_450.0, 0.0931, 874_944.0)
    assert module.HL_HASHPRICE(*args) == call_classic("HL_HASHPRICE", *args) == \
        m.hashprice_usd_per_day(108.52e12, 93_450, 874_944, fees_btc_per_block=0.0931)
    # Lite passes an Excel date as its serial number
    assert module.HL_HALVING_DATE(840_000.0, 45_402.0) == call_classic("HL_HALVING_DATE", 840_000.0, 45_402.0)


@pytest.mark.parametrize(("args", "start"), [
    ((-5.0, 93_450.0, 0.0931, 874_944.0), "#NUM! difficulty must be > 0, got -5.0"),
    (("abc", 93_450.0, 0.0931, 874_944.0), "#VALUE! difficulty must be a number"),
], ids=["num", "value"])
def test_errors_are_error_cells_with_a_message(lite, args, start):
    module, _ = lite
    with pytest.raises(xlwings.XlwingsError) as info:
        module.HL_HASHPRICE(*args)
    assert str(info.value).startswith(start)


def test_requirements_pin_this_version():
    from hashlease import __version__
    assert f"hashlease=={__version__}" in lite_requirements().splitlines()
