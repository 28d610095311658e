"""Every HL_ function called through its generated wrapper equals the model called directly (scalars and
ranges), and no input, however wrong, escapes as an exception, a traceback text or a silent NaN."""

from __future__ import annotations

import datetime as dt
import importlib
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashlease import models as m
from hashlease.addin.registry import REGISTRY
from hashlease.addin.runtime import MISSING

classic = importlib.import_module("hashlease.addin._generated.classic")

D, P, F, H, E, PP = 108.52e12, 93_450.0, 0.0931, 874_944.0, 17.5, 0.05
REF = dict(uptime_frac=0.95, pool_fee_frac=0.02, pue=1.1, other_cash_cost_usd_per_ph_day=3.0)
R = tuple(REF.values())

# name -> (Excel arguments, the same figure from the model called directly)
SCALAR_CASES = {
    "HL_SUBSIDY": ((H,), lambda: m.block_subsidy_btc(874_944)),
    "HL_NEXT_HALVING_HEIGHT": ((H,), lambda: m.next_halving_height(874_944)),
    "HL_NETWORK_HASHRATE": ((D, "PH"), lambda: m.network_hashrate(D, unit="PH")),
    "HL_HASHPRICE": ((D, P, F, H), lambda: m.hashprice_usd_per_day(D, P, 874_944, fees_btc_per_block=F)),
    "HL_HASHPRICE_BTC": ((D, F, H, "TH"), lambda: m.hashprice_btc_per_day(D, 874_944, fees_btc_per_block=F, unit="TH")),
    "HL_HASHPRICE_POST_HALVING": ((D, P, F, H), lambda: m.hashprice_usd_per_day(
        D, P, 874_944, fees_btc_per_block=F, after_next_halving=True)),
    "HL_HASHCOST": ((E, PP, "EH", 0.9, 1.2), lambda: m.hashcost_usd_per_day(E, PP, unit="EH", uptime_frac=0.9, pue=1.2)),
    "HL_BREAKEVEN_POWER_PRICE": ((55.0, E, *R), lambda: m.breakeven_power_price_usd_per_kwh(55.0, E, **REF)),
    "HL_BREAKEVEN_POWER_PRICE_POST_HALVING": ((D, P, F, H, E, *R), lambda: m.market_breakeven_power_price_usd_per_kwh(
        D, P, 874_944, E, fees_btc_per_block=F, after_next_halving=True, **REF)),
    "HL_BREAKEVEN_BTC_PRICE": ((D, F, H, E, PP, *R), lambda: m.breakeven_btc_price_usd(
        D, 874_944, E, PP, fees_btc_per_block=F, **REF)),
    "HL_BREAKEVEN_BTC_PRICE_POST_HALVING": ((D, F, H, E, PP, *R), lambda: m.breakeven_btc_price_usd(
        D, 874_944, E, PP, fees_btc_per_block=F, after_next_halving=True, **REF)),
    "HL_BREAKEVEN_EFFICIENCY": ((55.0, PP, *R), lambda: m.breakeven_efficiency_j_per_th(55.0, PP, **REF)),
    "HL_BREAKEVEN_EFFICIENCY_POST_HALVING": ((D, P, F, H, PP, *R), lambda: m.market_breakeven_efficiency_j_per_th(
        D, P, 874_944, PP, fees_btc_per_block=F, after_next_halving=True, **REF)),
    "HL_COST_TO_MINE": ((D, F, H, E, PP, *R), lambda: m.cost_to_mine_usd_per_btc(
        D, 874_944, E, PP, fees_btc_per_block=F, **REF)),
    "HL_COST_TO_MINE_POST_HALVING": ((D, F, H, E, PP, *R), lambda: m.cost_to_mine_usd_per_btc(
        D, 874_944, E, PP, fees_btc_per_block=F, after_next_halving=True, **REF)),
    "HL_TH_PER_MW": ((E, 1.25), lambda: m.th_s_per_mw(E, pue=1.25)),
    "HL_MINING_MARGIN_PER_MW_DAY": ((55.0, E, PP, 1.1, 0.97, 0.02, 300.0), lambda: m.mining_economics_per_mw(
        55.0, E, PP, pue=1.1, uptime_frac=0.97, pool_fee_frac=0.02,
        other_cash_cost_usd_per_mw_day=300.0).margin_usd_per_mw_day),
}


@pytest.mark.parametrize("name", SCALAR_CASES, ids=list(SCALAR_CASES))
def test_scalar_call_equals_the_model(name):
    args, direct = SCALAR_CASES[name]
    assert getattr(classic, name)(*args) == direct()


@pytest.mark.parametrize("name", SCALAR_CASES, ids=list(SCALAR_CASES))
def test_a_column_is_one_call_with_the_models_numbers(name):
    args, _ = SCALAR_CASES[name]
    first = args[0]
    column = ((first,), (first * 1.01 if name not in ("HL_SUBSIDY", "HL_NEXT_HALVING_HEIGHT") else first + 1,),
              (first * 1.02 if name not in ("HL_SUBSIDY", "HL_NEXT_HALVING_HEIGHT") else 1_050_000.0,))
    out = getattr(classic, name)(column, *args[1:])
    assert np.shape(out) == (3, 1)
    singles = [getattr(classic, name)(row[0], *args[1:]) for row in column]
    assert [row[0] for row in out] == singles


def test_ranges_broadcast_like_excel_arrays():
    # a column of difficulties against a row of prices gives the grid
    out = classic.HL_HASHPRICE(((100e12,), (110e12,)), ((60e3, 90e3, 120e3),), F, H)
    expected = m.hashprice_usd_per_day(np.array([[100e12], [110e12]]), np.array([[60e3, 90e3, 120e3]]), 874_944,
                                       fees_btc_per_block=F)
    np.testing.assert_array_equal(out, expected)


def test_halving_date_is_an_excel_date():
    # domain.md §0 case 7: 210,000 x 600 s = 1,458 days 8 h after the halving; as_of_date is a day (time dropped)
    serial = classic.HL_HALVING_DATE(840_000.0, dt.datetime(2024, 4, 20, 0, 9))
    assert str(m.from_excel_serial(serial, unit="s")) == "2028-04-17T08:00:00"
    assert classic.HL_HALVING_DATE(840_000.0, m.to_excel_serial("2024-04-20")) == pytest.approx(
        m.to_excel_serial("2028-04-17T08:00:00"))


LEASE_RANGE = (("critical_it_mw", 100.0), ("pue", 1.3), ("construction_start", 46023.0),
               ("construction_months", 12.0), ("capex_usd_per_mw", 10e6), ("rent_usd_per_kw_month", 130.0),
               ("term_years", 10.0), ("escalator_per_year_frac", 0.03), ("loan_to_cost_frac", 0.6),
               ("interest_rate_per_year_frac", 0.07), (None, None), ("phase:1.critical_it_mw", 40.0),
               ("phase:1.ready_for_service_month", 10.0), ("phase:2.critical_it_mw", 60.0),
               ("phase:2.ready_for_service_month", 12.0))
LEASE_MODEL = m.LeaseInputs(critical_it_mw=100, pue=1.3, construction_start="2026-01-01", construction_months=12,
                            capex_usd_per_mw=10e6, rent_usd_per_kw_month=130, term_years=10,
                            escalator_per_year_frac=0.03, loan_to_cost_frac=0.6, interest_rate_per_year_frac=0.07,
                            phases=[m.Phase(critical_it_mw=40, ready_for_service_month=10),
                                    m.Phase(critical_it_mw=60, ready_for_service_month=12)])


def test_lease_functions_equal_the_model():
    summary = m.lease_summary(LEASE_MODEL)
    assert classic.HL_LEASE_NPV(LEASE_RANGE) == summary.unlevered_npv_usd
    assert classic.HL_LEASE_NPV(LEASE_RANGE, True) == summary.levered_npv_usd
    assert classic.HL_LEASE_IRR(LEASE_RANGE) == summary.unlevered_irr_per_year_frac
    assert classic.HL_LEASE_PAYBACK(LEASE_RANGE) == summary.payback_month
    table = classic.HL_LEASE_SCHEDULE(LEASE_RANGE)
    frame = m.lease_schedule(LEASE_MODEL)
    assert table[0] == ["date", *frame.columns]
    assert len(table) == len(frame) + 1
    assert table[1][0] == m.to_excel_serial("2026-01-01")
    np.testing.assert_array_equal([row[frame.columns.get_loc("noi_usd") + 1] for row in table[1:]], frame["noi_usd"])
    pairs = dict(classic.HL_LEASE_SUMMARY(LEASE_RANGE))
    assert pairs["yield_on_cost_frac"] == summary.yield_on_cost_frac


MARKET_RANGE = (("start", 46023.0), ("months", 133.0), ("difficulty", 108.52e12), ("block_height", 935_000.0),
                ("btc_price_usd", 93_450.0), ("fees_btc_per_block", 0.0931),
                ("difficulty_growth_per_month_frac", 0.02), ("btc_price_growth_per_year_frac", 0.15))
MINING_RANGE = (("site_mw", 100.0), ("pue", 1.1), ("power_price_usd_per_kwh", 0.04), ("uptime_frac", 0.97),
                ("pool_fee_frac", 0.02), ("opex_usd_per_mw_month", 8_000.0), ("fleet:Antminer S21", 25_000.0),
                ("refresh_every_years", 4.0), ("refresh_capex_usd_per_th_s", 15.0),
                ("refresh_efficiency_gain_frac", 0.2), ("salvage_usd_per_th_s", 3.0))
SITE_LEASE_RANGE = (("critical_it_mw", 75.0), ("site_mw", 100.0), ("construction_start", 46023.0),
                    ("construction_months", 12.0), ("capex_usd_per_mw", 10e6), ("rent_usd_per_kw_month", 130.0),
                    ("escalator_per_year_frac", 0.03), ("term_years", 10.0), ("lease_structure", "modified_gross"),
                    ("landlord_opex_usd_per_kw_month", 10.0), ("power_price_usd_per_kwh", 0.04))


def test_comparison_functions_equal_the_model():
    inputs = m.example_comparison()
    table = classic.HL_SITE_COMPARE(MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE)
    summary = m.compare_site(inputs).summary
    assert table[0][:2] == ["option", "npv_usd"]
    assert [row[1] for row in table[1:]] == summary["npv_usd"].tolist()
    assert classic.HL_BREAKEVEN_BTC_PRICE_VS_LEASE(MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE) == \
        m.breakeven_btc_price_vs_lease(inputs)
    assert classic.HL_BREAKEVEN_RENT_VS_MINING(MARKET_RANGE, MINING_RANGE, SITE_LEASE_RANGE, 0.10) == \
        m.breakeven_rent_vs_mining(inputs)
    path = classic.HL_HASHPRICE_PATH(MARKET_RANGE)
    assert path[1][path[0].index("hashprice_usd_per_ph_day")] == \
        m.hashprice_projection(inputs.market)["hashprice_usd_per_ph_day"].iloc[0]


AGED_MINING_RANGE = tuple(r for r in MINING_RANGE if r[0] != "salvage_usd_per_th_s") + (
    ("fleet_age_years", 1.5), ("hashrate_degradation_per_year_frac", 0.04),
    ("efficiency_degradation_per_year_frac", 0.03), ("resale_tier:19", 28.0), ("resale_tier:25", 20.0),
    ("resale_tier:38", 8.0), ("power_price_monthly_profile", "1.1,1.1,1,0.9,0.9,1,1.3,1.3,1,0.9,1,1.1"))
PHASES_RANGE = ((50.0, 37.5, 0.0), (50.0, 37.5, 12.0))


def test_phased_functions_with_an_aged_fleet_tiers_and_a_profile_equal_the_model():
    site = m.example_comparison()
    mining = site.mining.replace(
        salvage_usd_per_th_s=0.0, fleet_age_years=1.5, hashrate_degradation_per_year_frac=0.04,
        efficiency_degradation_per_year_frac=0.03,
        resale_tiers=[{"max_efficiency_j_per_th": b, "usd_per_th_s": p} for b, p in ((19, 28), (25, 20), (38, 8))],
        power_price_monthly_profile=(1.1, 1.1, 1, 0.9, 0.9, 1, 1.3, 1.3, 1, 0.9, 1, 1.1))
    plan = m.PhasedSiteInputs(site=site.replace(mining=mining, horizon_months=None), phases=[
        {"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 0},
        {"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 12}])
    assert classic.HL_PHASED_NPV(MARKET_RANGE, AGED_MINING_RANGE, SITE_LEASE_RANGE, PHASES_RANGE) == \
        m.phased_site(plan).npv_usd
    table = classic.HL_PHASED_COMPARE(MARKET_RANGE, AGED_MINING_RANGE, SITE_LEASE_RANGE, PHASES_RANGE)
    assert [row[1] for row in table[1:]] == m.compare_three_options(plan)["npv_usd"].tolist()


def test_a_resale_tier_row_needs_a_number_in_its_name():
    text = classic.HL_PHASED_NPV(MARKET_RANGE, MINING_RANGE + (("resale_tier:low", 5.0),), SITE_LEASE_RANGE,
                                 PHASES_RANGE)
    assert text.startswith("#VALUE! mining_assumptions row") and "resale_tier:<max J/TH>" in text


@pytest.mark.parametrize(("call", "text"), [
    (lambda: classic.HL_HASHPRICE(-5.0, P, F, H), "#NUM! difficulty must be > 0, got -5.0"),
    (lambda: classic.HL_HASHPRICE("100T", P, F, H), "#VALUE! difficulty must be a number (unitless), got text '100T'"),
    (lambda: classic.HL_HASHPRICE(None, P, F, H), "#VALUE! difficulty is required"),
    (lambda: classic.HL_HASHPRICE(D, P, F, H, "GH"), "#VALUE! unit must be one of TH, PH, EH, got text 'GH'"),
    # a fraction where a whole number is asked for is a bad number (#NUM!), as check_integer says in the models
    (lambda: classic.HL_HASHPRICE(D, P, F, H + 0.5), "#NUM! block_height must be a whole number"),
    (lambda: classic.HL_HASHPRICE(D, P, "#DIV/0!", H), "#VALUE! the argument fees_btc_per_block holds "
                                                       "the error #DIV/0!"),
    (lambda: classic.HL_HASHPRICE(((D,), (-1.0,)), P, F, H), "#NUM! difficulty (row 2, column 1 of its range) must be > 0"),
    (lambda: classic.HL_LEASE_IRR(LEASE_RANGE + (("term_yrs", 3.0),)), "#VALUE! term_yrs must be a known field"),
    (lambda: classic.HL_LEASE_NPV(((1.0, 2.0, 3.0),)), "#VALUE! lease_assumptions must have two columns"),
    (lambda: classic.HL_LEASE_NPV(LEASE_RANGE[:3]), "#VALUE! construction_months must be given"),
    (lambda: classic.HL_LEASE_NPV(tuple(r if r[0] != "term_years" else ("term_years", 0.0) for r in LEASE_RANGE)),
     "#NUM! term_years must be >= 1, got 0"),
], ids=["out-of-range", "text", "empty", "unknown-unit", "fractional-height", "error-cell", "bad-cell-in-range",
        "unknown-assumption", "three-columns", "missing-assumption", "zero-term"])
def test_failures_are_one_line_beginning_with_the_excel_error(call, text):
    result = call()
    assert isinstance(result, str) and result.startswith(text), result
    assert "\n" not in result and "Traceback" not in result


def _mining(**changes):
    """MINING_RANGE with rows changed (a value of None drops the row), the fleet row renamed by ``fleet``."""
    fleet = changes.pop("fleet", None)
    rows = [(f"fleet:{fleet}" if fleet and name.startswith("fleet:") else name, changes.get(name, value))
            for name, value in MINING_RANGE]
    return tuple((name, value) for name, value in rows if value is not None)


# The Excel error follows the kind the model gave the error where it raised it, not the message's wording
# ("a whole number of months" once read as a type error and showed #VALUE!).
@pytest.mark.parametrize(("mining", "text"), [
    # 0.3 years is 3.6 months: a number of the right type outside the accepted set (whole months)
    (_mining(refresh_every_years=0.3), "#NUM! refresh_every_years must be a whole number of months"),
    # the field is bounded (0, 1]: pydantic's less_than_equal
    (_mining(uptime_frac=1.2), "#NUM! uptime_frac must be <= 1, got 1.2"),
    # text where a number is expected: pydantic's float_parsing
    (_mining(uptime_frac="high"), "#VALUE! uptime_frac must be a number, got 'high'"),
    # a machine not in the catalogue: asic_model refuses it inside the fleet line's validator, kind kept
    (_mining(fleet="Antminer S99"), "#VALUE! fleet[0].model must be one of 'Antminer S19j Pro'"),
    # site_mw has no default: pydantic's missing
    (_mining(site_mw=None), "#VALUE! site_mw must be given (it is required)"),
], ids=["fractional-refresh-years", "uptime-above-one", "text-for-number", "unknown-machine", "missing-assumption"])
def test_assumption_errors_show_the_excel_error_of_their_kind(mining, text):
    result = classic.HL_BREAKEVEN_BTC_PRICE_VS_LEASE(MARKET_RANGE, mining, SITE_LEASE_RANGE)
    assert isinstance(result, str) and result.startswith(text), result


def test_missing_optional_argument_takes_the_models_default():
    assert classic.HL_HASHPRICE(D, P, F, H, MISSING) == classic.HL_HASHPRICE(D, P, F, H)
    assert classic.HL_BREAKEVEN_POWER_PRICE(54.3, 17.5, None, None) == m.breakeven_power_price_usd_per_kwh(54.3, 17.5)


# --- fuzz -----------------------------------------------------------------------------------------------

cells = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15, 10**15), st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e300, -1e300, 5e-324, 0.0, -0.0, MISSING]),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.sampled_from(["TH", "ph", "#N/A", "TRUE", "2026-01-01"]),
)
ranges = st.lists(st.lists(cells, min_size=1, max_size=3), min_size=1, max_size=3)  # ragged on purpose
raw_values = st.one_of(cells, ranges, st.lists(cells, max_size=3).map(tuple))


def _assumption_range(schema):
    names = st.sampled_from(list(schema.model_fields) + ["fleet:Antminer S21", "phase:1.critical_it_mw", "nonsense"])
    return st.lists(st.tuples(names, cells), min_size=0, max_size=8)


def _args(fn):
    strategies = [(_assumption_range(a.schema) if a.kind == "assumptions" else raw_values) for a in fn.args]
    return st.integers(0, len(fn.args) + 1).flatmap(
        lambda n: st.tuples(*(strategies + [raw_values])[:n]) if n else st.just(()))


def _acceptable(result) -> bool:
    if isinstance(result, str):
        return (result.startswith(("#VALUE! ", "#NUM! ")) and "Traceback" not in result
                and "unexpected error" not in result and "\n" not in result)
    if isinstance(result, float):
        return math.isfinite(result)
    if isinstance(result, list):
        flat = [c for row in result for c in (row if isinstance(row, list) else [row])]
        return all(isinstance(c, (str, bool)) or (isinstance(c, float) and math.isfinite(c)) for c in flat)
    return isinstance(result, (int, bool))


@pytest.mark.parametrize("fn", REGISTRY, ids=[f.name for f in REGISTRY])
def test_fuzz_never_escapes_never_nan(fn):
    function = getattr(classic, fn.name)

    @settings(max_examples=int(os.environ.get("HASHLEASE_FUZZ_EXAMPLES", 60)), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(_args(fn))
    def check(args):
        # Excel's VBA stub passes every argument, the COM "missing" marker for one left out
        result = function(*args, *(MISSING,) * (len(fn.args) - len(args))) if len(args) <= len(fn.args) else None
        if len(args) > len(fn.args):  # Excel never passes more; the runtime says so if anything does
            from hashlease.addin.runtime import call_classic
            result = call_classic(fn.name, *args)
        assert _acceptable(result), (args, result)

    check()


def _hour_serials(count):
    hours = np.datetime64("2026-01-31T22", "h") + np.arange(count)
    return [[float(x)] for x in m.to_excel_serial(hours.astype("datetime64[s]"))]


def test_curtailment_table_by_hand():
    # 22:00 and 23:00 on 31 January, then 00:00-03:00 on 1 February; $100/MWh cap, $10/MWh credit
    prices = [[20.0], [150.0], [80.0], [-5.0], [300.0], [40.0]]
    table = classic.HL_CURTAILMENT(_hour_serials(6), prices, 100.0, 10.0)
    assert table[0] == ["month", "hours", "hours_mined", "uptime_frac", "mean_price_mined_usd_per_mwh",
                        "energy_cost_usd_per_mw", "curtailment_credit_usd_per_mw"]
    january, february = table[1], table[2]
    assert january[0] == m.to_excel_serial(np.datetime64("2026-01-01"))
    assert january[1:] == [2.0, 1.0, 0.5, 20.0, 20.0, 10.0]
    assert february[1:] == [4.0, 3.0, 0.75, 115.0 / 3, 115.0, 10.0]


@pytest.mark.parametrize(("prices", "stamps", "text"), [
    ([[20.0], ["n/a"], [30.0]], None, "#VALUE! prices_usd_per_mwh"),
    ([[20.0], [25.0], [30.0]], "gap", "#NUM! timestamps (row 3)"),
    ([[20.0], [25.0], [30.0]], "duplicate", "#NUM! timestamps (row 2)"),
])
def test_curtailment_refuses_bad_curves_naming_the_row(prices, stamps, text):
    serials = _hour_serials(4)
    chosen = {None: serials[:3], "gap": serials[:2] + serials[3:], "duplicate": [serials[0], serials[0], serials[1]]}
    result = classic.HL_CURTAILMENT(chosen[stamps], prices, 100.0)
    assert isinstance(result, str) and result.startswith(text), result


def test_curtailment_reads_date_formatted_cells_and_names_bad_serials():
    stamps = [[dt.datetime(2026, 1, 31, 22) + dt.timedelta(hours=i)] for i in range(6)]
    prices = [[20.0], [150.0], [80.0], [-5.0], [300.0], [40.0]]
    assert classic.HL_CURTAILMENT(stamps, prices, 100.0, 10.0) == classic.HL_CURTAILMENT(_hour_serials(6), prices,
                                                                                      100.0, 10.0)
    text = classic.HL_CURTAILMENT([[59.0], [60.0]], [[1.0], [2.0]], 100.0)
    assert text.startswith("#NUM! timestamps (row 2)"), text
