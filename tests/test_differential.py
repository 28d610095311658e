"""One decision, one answer: the batch model engine and the models called one comparison at a time agree.

1,000 scenarios are drawn (seeded) across the accepted range of every numeric input a scenario can override,
with values just outside the ranges, extreme magnitudes and the cases that once disagreed (a fleet whose
salvage pays back the lease at once, BTC at 1e308, difficulty 1e-300, a discount rate of -0.9999, long delays,
no rent-free months). For each scenario the batch row (``hashlease.batch.model_chunk``, one vectorised pass over
all of them) must equal ``compare_site`` and the break-even functions called on that scenario alone, to 1e-9
relative, or carry the same error; a blank output always comes with its reason.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashlease import models as m
from hashlease.batch import OUTPUTS, Scenario, model_chunk

BASE = m.example_comparison()
COUNT = 1_000


def _bounds(model: type, name: str) -> tuple[float | None, float | None, bool]:
    """(low, high, integer) of a numeric field from its pydantic metadata."""
    info = model.model_fields[name]
    low = high = None
    for bound in info.metadata:
        low = getattr(bound, "ge", None) if getattr(bound, "ge", None) is not None else (
            getattr(bound, "gt", None) if getattr(bound, "gt", None) is not None else low)
        high = getattr(bound, "le", None) if getattr(bound, "le", None) is not None else (
            getattr(bound, "lt", None) if getattr(bound, "lt", None) is not None else high)
    integer = "int" in str(info.annotation) and "float" not in str(info.annotation)
    return low, high, integer


def _numeric_inputs() -> list[tuple[str, float | None, float | None, bool]]:
    out = []
    for block, model in (("market", m.MarketProjection), ("mining", m.MiningSiteInputs),
                         ("lease", m.LeaseInputs), ("", m.SiteComparisonInputs)):
        for name, info in model.model_fields.items():
            text = str(info.annotation)
            if ("float" in text or "int" in text) and "tuple" not in text and "bool" not in text.replace(
                    "| None", ""):
                low, high, integer = _bounds(model, name)
                out.append((f"{block}.{name}" if block else name, low, high, integer))
    return out


INPUTS = _numeric_inputs()
SPECIAL = [
    (("mining.salvage_usd_per_th_s", 1000),),                     # salvage pays the lease back in month 0
    (("market.btc_price_usd", 1e308),),
    (("market.difficulty", 1e-300),),
    (("discount_rate_per_year_frac", -0.9999),),
    (("lease.free_rent_months", 0), ("lease.delay_months", 120)),
    (("lease.delay_months", 60),),
    (("market.btc_price_usd", 1.0),),                              # mining wins at no price: lease wins
    (("lease.rent_usd_per_kw_month", 10_000),),
    (("lease.rent_usd_per_kw_month", 0.01),),
    (("mining.power_price_usd_per_kwh", 0.0),),
    (("mining.shut_down_when_unprofitable", False), ("mining.power_price_usd_per_kwh", 0.5)),
    (("market.btc_price_growth_per_year_frac", -0.99), ("market.difficulty_growth_per_month_frac", 0.5)),
]


def _draw(rng: np.random.Generator, low: float | None, high: float | None, integer: bool) -> float:
    lo = -1e6 if low is None else low
    hi = 1e15 if high is None else high
    kind = rng.uniform()
    if kind < 0.05:   # just outside the accepted range
        value = (lo - max(1.0, abs(lo)) * 0.5) if rng.uniform() < 0.5 else (hi + max(1.0, abs(hi)) * 0.5)
    elif kind < 0.12:  # on a bound
        value = lo if rng.uniform() < 0.5 else hi
    elif lo > 0 and hi / lo > 1e3:  # wide positive ranges: log-uniform
        value = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    else:
        value = float(rng.uniform(lo, hi))
    return int(round(value)) if integer else value


def _scenarios() -> list[Scenario]:
    rng = np.random.default_rng(20261127)
    out = [Scenario(f"special{i}", overrides) for i, overrides in enumerate(SPECIAL)]
    while len(out) < COUNT:
        picks = rng.choice(len(INPUTS), size=int(rng.integers(1, 5)), replace=False)
        overrides = tuple((INPUTS[i][0], _draw(rng, *INPUTS[i][1:])) for i in picks)
        if rng.uniform() < 0.7:  # most scenarios also move the inputs batches usually move, within range
            overrides += (("market.btc_price_usd", float(rng.uniform(20e3, 250e3))),) if not any(
                p == "market.btc_price_usd" for p, _ in overrides) else ()
        out.append(Scenario(f"s{len(out)}", overrides))
    return out


def _single(scenario: Scenario) -> dict[str, object]:
    """The same outputs, each from the models called on this scenario alone: a value or an error's text."""
    try:
        inputs = m.with_inputs(BASE, scenario.overrides)
    except m.HashleaseError as exc:
        return {"error": str(exc)}
    try:
        result = m.compare_site(inputs)
    except m.HashleaseError as exc:
        return {"error": str(exc)}
    summary = result.summary
    out: dict[str, object] = {
        "hashprice_now_usd_per_ph_day": m.hashprice_now(inputs),
        "mining_npv_usd": result.mining_npv_usd, "lease_npv_usd": result.lease_npv_usd,
        "npv_difference_usd": result.npv_difference_usd,
        "lease_irr_per_year_frac": summary.at["convert_to_lease", "irr_per_year_frac"],
        "lease_payback_month": summary.at["convert_to_lease", "payback_month"],
    }
    out = {k: None if v is None or (isinstance(v, float) and math.isnan(v)) else v for k, v in out.items()}
    for name, solve in (("breakeven_btc_price_usd", m.breakeven_btc_price_vs_lease),
                        ("breakeven_rent_usd_per_kw_month", m.breakeven_rent_vs_mining)):
        try:
            out[name] = solve(inputs)
        except m.HashleaseError as exc:
            out[name] = exc
    return out


@pytest.fixture(scope="module")
def batch_rows() -> tuple[list[Scenario], list[dict]]:
    scenarios = _scenarios()
    return scenarios, model_chunk(BASE.model_dump_json(), scenarios)


def test_the_draws_cover_every_numeric_input_and_both_outcomes(batch_rows):
    scenarios, rows = batch_rows
    named = {path for s in scenarios for path, _ in s.overrides}
    assert {path for path, *_ in INPUTS} <= named
    failed = sum(bool(r.get("error")) for r in rows)
    assert 100 < failed < COUNT - 300  # plenty of valued scenarios and plenty of refused ones


@pytest.mark.parametrize("part", range(10))
def test_batch_equals_the_models_one_scenario_at_a_time(batch_rows, part):
    scenarios, rows = batch_rows
    for scenario, row in list(zip(scenarios, rows))[part::10]:
        single = _single(scenario)
        if "error" in single:
            assert row.get("error") == single["error"], scenario
            assert all(row.get(name) is None for name in OUTPUTS), scenario
            continue
        assert not row.get("error"), (scenario, row)
        for name in OUTPUTS:
            expected, got = single[name], row[name]
            if isinstance(expected, m.HashleaseError) or expected is None:
                assert got is None, (scenario, name, got)
                reason = row.get("notes") or ""
                assert f"{name}: " in reason, (scenario, name, reason)   # a blank never comes without why
                if isinstance(expected, m.HashleaseError):
                    assert str(expected) in reason, (scenario, name, reason)
            else:
                assert got is not None and math.isfinite(got), (scenario, name, row)
                assert got == pytest.approx(float(expected), rel=1e-9, abs=1e-6), (scenario, name)


def test_the_salvage_case_pays_back_at_once_in_both(batch_rows):
    # a fleet sold for 1,000 USD per TH/s at conversion: month 0's cash is positive and stays so
    scenarios, rows = batch_rows
    row = rows[0]
    assert scenarios[0].name == "special0" and row["lease_payback_month"] == 0.0
    inputs = m.with_inputs(BASE, scenarios[0].overrides)
    assert m.compare_site(inputs).summary.at["convert_to_lease", "payback_month"] == 0


@pytest.mark.parametrize("index", [1, 2])
def test_extreme_inputs_are_errors_not_blanks(batch_rows, index):
    scenarios, rows = batch_rows
    row = rows[index]
    assert row.get("error"), (scenarios[index], row)
    with pytest.raises(m.HashleaseError, match=row["error"][:20].replace("(", r"\(").replace(")", r"\)")):
        m.compare_site(m.with_inputs(BASE, scenarios[index].overrides))


# --- the workbook engine on a sample --------------------------------------------------------------------

def test_the_workbook_engine_agrees_on_a_sample():
    """30 drawn scenarios of the stock template through both engines: the workbook engine writes each scenario's
    values into the named input cells and recalculates every formula; the model engine calls the kernel."""
    from pathlib import Path

    from hashlease.batch import base_inputs, workbook_chunk
    from hashlease.workbook import contract

    template = Path(__file__).resolve().parents[1] / "templates" / "hashlease.xlsx"
    named = set(contract.input_names())
    inputs = [spec for spec in INPUTS if spec[0] in named and spec[0] != "horizon_months"]
    rng = np.random.default_rng(7)
    scenarios = [Scenario("salvage", (("mining.salvage_usd_per_th_s", 1000),)),
                 Scenario("cheap-btc", (("market.btc_price_usd", 1.0),))]
    while len(scenarios) < 30:
        picks = rng.choice(len(inputs), size=int(rng.integers(1, 4)), replace=False)
        scenarios.append(Scenario(f"w{len(scenarios)}", tuple((inputs[i][0], _draw(rng, *inputs[i][1:]))
                                                              for i in picks)))
    model = model_chunk(base_inputs(template).model_dump_json(), scenarios)
    workbook = workbook_chunk(str(template), scenarios)
    valued = 0
    for scenario, a, b in zip(scenarios, model, workbook):
        if a.get("error"):
            assert b.get("error"), (scenario, a, b)  # refused by both
            continue
        for name in OUTPUTS:
            if a[name] is None:  # blank in the model engine, with its note: blank in the workbook too
                assert b[name] is None and f"{name}: " in a["notes"], (scenario, name, b[name])
            elif b[name] is None:  # a figure the workbook could not show (a table it cannot grow): said why
                assert b.get("error"), (scenario, name, b)
            else:
                assert b[name] == pytest.approx(a[name], rel=1e-9, abs=1e-6), (scenario, name)
                valued += 1
    assert valued >= 100  # most of 30 x 8 figures are compared
