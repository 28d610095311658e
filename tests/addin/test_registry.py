"""Registry contract (L1): names, docs, units, argument order, defaults and the error policy."""

from __future__ import annotations

import inspect
import re

import pytest

from hashlease import models as m
from hashlease.addin.registry import REGISTRY, by_name
from hashlease.addin.runtime import ExcelError, _error

A1_LIKE = re.compile(r"^[A-Z]{1,3}[0-9]+$")
R1C1_LIKE = re.compile(r"^R[0-9]*C[0-9]*$")

REQUIRED_FUNCTIONS = {
    "HL_SUBSIDY", "HL_NEXT_HALVING_HEIGHT", "HL_HALVING_DATE", "HL_NETWORK_HASHRATE", "HL_HASHPRICE",
    "HL_HASHPRICE_BTC", "HL_HASHPRICE_POST_HALVING", "HL_HASHCOST", "HL_BREAKEVEN_POWER_PRICE",
    "HL_BREAKEVEN_BTC_PRICE", "HL_BREAKEVEN_EFFICIENCY", "HL_COST_TO_MINE", "HL_TH_PER_MW",
    "HL_MINING_MARGIN_PER_MW_DAY", "HL_HASHPRICE_PATH", "HL_LEASE_SCHEDULE", "HL_LEASE_NPV", "HL_LEASE_IRR",
    "HL_LEASE_PAYBACK", "HL_SITE_COMPARE", "HL_BREAKEVEN_BTC_PRICE_VS_LEASE", "HL_BREAKEVEN_RENT_VS_MINING",
    "HL_BREAKEVEN_POWER_PRICE_POST_HALVING", "HL_BREAKEVEN_BTC_PRICE_POST_HALVING",
    "HL_BREAKEVEN_EFFICIENCY_POST_HALVING", "HL_COST_TO_MINE_POST_HALVING",
}

# The core signatures are API: formulas written today must keep working (issue: the add-in).
FIXED_SIGNATURES = {
    "HL_SUBSIDY": ["block_height"],
    "HL_NETWORK_HASHRATE": ["difficulty", "[unit=EH]"],
    "HL_HASHPRICE": ["difficulty", "btc_price_usd", "fees_btc_per_block", "block_height", "[unit=PH]"],
    "HL_HASHPRICE_BTC": ["difficulty", "fees_btc_per_block", "block_height", "[unit=PH]"],
    "HL_HASHCOST": ["efficiency_j_per_th", "power_price_usd_per_kwh", "[unit=PH]"],
    "HL_BREAKEVEN_POWER_PRICE": ["hashprice_usd_per_ph_day", "efficiency_j_per_th"],
    "HL_BREAKEVEN_BTC_PRICE": ["difficulty", "fees_btc_per_block", "block_height", "efficiency_j_per_th",
                               "power_price_usd_per_kwh"],
}


def _shown(arg) -> str:
    return arg.name if not arg.optional else f"[{arg.name}={arg.default}]"


def test_every_required_function_is_registered_once():
    names = [fn.name for fn in REGISTRY]
    assert len(names) == len(set(names))
    assert REQUIRED_FUNCTIONS <= set(names)


@pytest.mark.parametrize("name,expected", FIXED_SIGNATURES.items(), ids=list(FIXED_SIGNATURES))
def test_core_signatures_are_fixed(name, expected):
    shown = [_shown(a) for a in by_name(name).args]
    assert shown[:len(expected)] == expected
    assert all(a.optional for a in by_name(name).args[len(expected):])  # refinements come after, optional


@pytest.mark.parametrize("fn", REGISTRY, ids=[f.name for f in REGISTRY])
def test_function_contract(fn):
    # Microsoft's rules for names, and never a name Excel would read as a cell reference
    assert re.fullmatch(r"HL_[A-Z][A-Z0-9_]*", fn.name) and len(fn.name) <= 255
    assert not A1_LIKE.match(fn.name) and not R1C1_LIKE.match(fn.name)
    assert 0 < len(fn.description) <= 255 - len(fn.returns_unit) - 3
    assert fn.returns in ("scalar", "table", "pairs") and fn.group and fn.model
    assert {"#NUM!", "#VALUE!"} <= set(fn.error_policy.values())
    seen_optional = False
    for arg in fn.args:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", arg.name), arg.name
        assert arg.doc and arg.unit, arg.name
        assert arg.kind in ("number", "integer", "date", "choice", "flag", "assumptions")
        assert (arg.kind == "choice") == bool(arg.choices)
        assert (arg.kind == "assumptions") == (arg.schema is not None)
        if arg.optional:
            seen_optional = True
        else:
            assert not seen_optional, f"{arg.name}: a required argument after an optional one"
    assert len({a.name for a in fn.args}) == len(fn.args)
    params = inspect.signature(fn.call).parameters.values()
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
    assert len(positional) == len(fn.args) or (varargs and len(positional) <= len(fn.args))


@pytest.mark.parametrize("fn", REGISTRY, ids=[f.name for f in REGISTRY])
def test_defaults_are_the_models_own(fn):
    model = getattr(m, fn.model.split("(")[0])
    if isinstance(model, type):
        return
    params = inspect.signature(model).parameters
    for arg in fn.args:
        if arg.optional and arg.name in params and params[arg.name].default is not inspect.Parameter.empty:
            assert arg.default == params[arg.name].default, (fn.name, arg.name)


@pytest.mark.parametrize(("error", "code"), [
    (m.HashleaseError("difficulty", -5.0, "> 0"), "#NUM!"),  # the default kind is NUM (range checks)
    (m.HashleaseError("values", "no sign change", "at least one positive and one negative cash flow"), "#NUM!"),
    (m.HashleaseError("unit", "GH", "one of 'TH', 'PH', 'EH'", kind=m.ErrorKind.VALUE), "#VALUE!"),
    (m.HashleaseError("term_yrs", 3, "a known field (this one is not)", kind=m.ErrorKind.VALUE), "#VALUE!"),
    (m.HashleaseError("values", "series 1: no rate found", "cash flows whose IRR exists"), "#NUM!"),
    # the code follows the kind, never the wording: a "whole number" range check is a bad number
    (m.HashleaseError("refresh_every_years", 0.3, "a whole number of months"), "#NUM!"),
    (m.HashleaseError("difficulty", "100T", "> 0", kind=m.ErrorKind.VALUE), "#VALUE!"),
    (ZeroDivisionError("bug"), "#VALUE!"),
], ids=["out-of-range", "no-sign-change", "unknown-choice", "unknown-field", "no-solution", "wording-says-type",
        "wording-says-range", "unexpected"])
def test_every_model_error_maps_to_an_excel_error(error, code):
    mapped = _error("HL_TEST", error)
    assert isinstance(mapped, ExcelError) and mapped.code == code
    assert mapped.text.startswith(code + " ") and "\n" not in mapped.text and len(mapped.text) <= 255
