"""Phased conversion and hourly curtailment.

Reductions are exact: one phase cut over at month 0 is the full conversion of the comparison model, no phase is
keep-mining, month by month. Curtailment totals are checked against arithmetic by hand on small curves.
"""

from __future__ import annotations

import numpy as np
import pytest

from hashlease.models import (HashleaseError, PhasedSiteInputs, breakeven_usd_per_mwh, compare_site,
                              compare_three_options, curtailment, example_comparison, phased_site, read_price_curve)
from hashlease.models.phased import breakeven_cutover_shift_months


@pytest.fixture(scope="module")
def site():
    return example_comparison()


def test_one_phase_at_month_zero_is_the_full_conversion_month_by_month(site):
    plan = PhasedSiteInputs(site=site, phases=[{"site_mw": 100, "critical_it_mw": 75, "cutover_month": 0}])
    ours = phased_site(plan).schedule["net_cash_flow_usd"].to_numpy()
    reference = compare_site(site).monthly["lease_net_cash_flow_usd"].to_numpy()
    np.testing.assert_array_equal(ours, reference)
    assert phased_site(plan).npv_usd == compare_site(site).lease_npv_usd


def test_no_phase_is_keep_mining_month_by_month(site):
    plan = PhasedSiteInputs(site=site, phases=[])
    np.testing.assert_array_equal(phased_site(plan).schedule["net_cash_flow_usd"].to_numpy(),
                                  compare_site(site).monthly["mining_net_cash_flow_usd"].to_numpy())


def test_displaced_fleet_is_redeployed_into_spare_power_or_sold(site):
    # 25,000 S21 at 3.5 kW x PUE 1.1 draw 96.25 MW of the 100 MW site; converting 50 MW leaves 50 MW mining
    phases = [{"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 6}]
    redeploy = phased_site(PhasedSiteInputs(site=site, phases=phases)).schedule
    sell = phased_site(PhasedSiteInputs(site=site, phases=phases, displaced_fleet="sell")).schedule
    assert redeploy["fleet_running_frac"].iloc[6] == pytest.approx(50 / 96.25, rel=1e-14)
    assert sell["fleet_running_frac"].iloc[6] == 0.5
    th_s = 25_000 * 200
    assert redeploy["fleet_sale_usd"].iloc[6] == pytest.approx((1 - 50 / 96.25) * th_s * 3, rel=1e-12)
    assert sell["fleet_sale_usd"].iloc[6] == pytest.approx(0.5 * th_s * 3, rel=1e-12)
    assert (redeploy["fleet_sale_usd"].drop(redeploy.index[[6, -1]]) == 0).all()
    # the mining halls keep paying opex per MW mined
    assert redeploy["mining_opex_usd"].iloc[6] == 8_000 * 50 and redeploy["mining_opex_usd"].iloc[5] == 8_000 * 100


def test_phase_leases_start_at_their_cutover(site):
    plan = PhasedSiteInputs(site=site, phases=[{"site_mw": 40, "critical_it_mw": 30, "cutover_month": 0},
                                               {"site_mw": 60, "critical_it_mw": 45, "cutover_month": 18}])
    table = phased_site(plan).schedule
    # each phase is ready 12 construction months after its cut-over
    assert table["phase1_critical_it_mw_online"].iloc[11] == 0 and table["phase1_critical_it_mw_online"].iloc[12] == 30
    assert table["phase2_critical_it_mw_online"].iloc[29] == 0 and table["phase2_critical_it_mw_online"].iloc[30] == 45
    assert table["critical_it_mw_online"].iloc[30] == 75
    options = compare_three_options(plan)
    assert list(options.index) == ["keep_mining", "full_conversion", "phased_conversion"]


@pytest.mark.parametrize(("phases", "field", "fragment"), [
    ([{"site_mw": 80, "critical_it_mw": 60, "cutover_month": 0}, {"site_mw": 30, "critical_it_mw": 20,
                                                                   "cutover_month": 6}], "phases", "<= the site's 100 MW"),
    ([{"site_mw": 50, "critical_it_mw": 40, "cutover_month": -1}], "phases[0].cutover_month", ">= 0"),
    ([{"site_mw": 50, "critical_it_mw": 60, "cutover_month": 0}], "phases[0].critical_it_mw", "<= the phase's site_mw"),
], ids=["phases-exceed-site", "cutover-before-start", "it-above-site-power"])
def test_bad_phases(site, phases, field, fragment):
    with pytest.raises(HashleaseError) as info:
        PhasedSiteInputs(site=site, phases=phases)
    assert info.value.arg == field and fragment in str(info.value)


def test_flat_price_below_breakeven_changes_nothing():
    hours = np.arange("2026-01-01T00", "2026-03-01T00", dtype="datetime64[h]")
    curve = read_price_curve(hours, np.full(len(hours), 40.0))
    threshold = breakeven_usd_per_mwh(55.0, 17.5, pue=1.1)  # 1000 x 55 / (24 x 17.5 x 1.1) = 119.05 USD/MWh
    mined, months = curtailment(curve, threshold, credit_usd_per_mwh_curtailed=25.0)
    assert mined.all()
    np.testing.assert_array_equal(months.uptime_frac, [1.0, 1.0])
    np.testing.assert_array_equal(months.hours, [744.0, 672.0])
    np.testing.assert_array_equal(months.curtailment_credit_usd_per_mw, [0.0, 0.0])
    np.testing.assert_allclose(months.energy_cost_usd_per_mw, [744 * 40.0, 672 * 40.0])


def test_curtailed_hours_are_exactly_those_above_the_threshold_and_credits_sum():
    rng = np.random.default_rng(9)
    hours = np.arange("2026-01-01T00", "2026-02-01T00", dtype="datetime64[h]")
    prices = rng.normal(60, 60, len(hours))  # negative prices included: they happen
    curve = read_price_curve(hours, prices)
    mined, months = curtailment(curve, 100.0, credit_usd_per_mwh_curtailed=12.5)
    np.testing.assert_array_equal(mined, prices <= 100.0)
    above = int((prices > 100.0).sum())
    assert months.hours_mined[0] == len(hours) - above
    assert months.curtailment_credit_usd_per_mw[0] == pytest.approx(12.5 * above, rel=1e-12)
    assert months.energy_cost_usd_per_mw[0] == pytest.approx(prices[prices <= 100.0].sum(), rel=1e-12)
    assert months.mean_price_mined_usd_per_mwh[0] == pytest.approx(prices[prices <= 100.0].mean(), rel=1e-12)


@pytest.mark.parametrize(("timestamps", "prices", "field", "fragment"), [
    (["2026-01-01T00", "2026-01-01T01", "2026-01-01T03"], [1, 2, 3], "timestamps (row 3)", "no gaps"),
    (["2026-01-01T00", "2026-01-01T01", "2026-01-01T01"], [1, 2, 3], "timestamps (row 3)", "no duplicates"),
    (["2026-01-01T00", "2026-01-01T01"], [1, "n/a"], "prices_usd_per_mwh (row 2)", "a finite number"),
    (["2026-01-01T00", "2026-01-01T01"], [1, float("nan")], "prices_usd_per_mwh (row 2)", "a finite number"),
], ids=["gap", "duplicate", "text-price", "nan-price"])
def test_bad_curves_name_the_row(timestamps, prices, field, fragment):
    with pytest.raises(HashleaseError) as info:
        read_price_curve(timestamps, prices)
    assert info.value.arg == field and fragment in str(info.value)


# --- mining on an hourly curve ---------------------------------------------------------------------------

def _site(**override):
    from hashlease.models import MiningSiteInputs
    return MiningSiteInputs(**{**dict(site_mw=10, pue=1.1, uptime_frac=0.97, pool_fee_frac=0.02,
                                      power_price_usd_per_kwh=0.04, fleet=[{"model": "Antminer S21", "units": 2_000}],
                                      shut_down_when_unprofitable=False), **override})


def test_flat_curve_below_breakeven_equals_the_flat_price_site():
    from hashlease.models import mining_cash_flows, mining_cash_flows_hourly
    hours = np.arange("2026-01-01T00", "2026-04-01T00", dtype="datetime64[h]")
    curve = read_price_curve(hours, np.full(len(hours), 40.0))
    _, months = curtailment(curve, breakeven_usd_per_mwh(55.0, 17.5, pue=1.1, pool_fee_frac=0.02))
    hashprice, days = np.array([[55.0, 54.0, 53.0]]), np.array([31, 28, 31])
    hourly = mining_cash_flows_hourly(_site(), hashprice, days, months)
    flat = mining_cash_flows(_site(), hashprice, days)
    np.testing.assert_allclose(hourly["net_cash_flow_usd"], flat["net_cash_flow_usd"], rtol=1e-14)
    np.testing.assert_allclose(hourly["uptime_frac"], 0.97, rtol=1e-15)


def test_revenue_uses_only_the_hours_mined_and_credits_add_up():
    from hashlease.models import mining_cash_flows_hourly
    hours = np.arange("2026-01-01T00", "2026-02-01T00", dtype="datetime64[h]")
    prices = np.where(np.arange(len(hours)) % 24 < 6, 250.0, 35.0)  # 6 expensive hours a day
    _, months = curtailment(read_price_curve(hours, prices), 100.0, credit_usd_per_mwh_curtailed=40.0)
    lines = mining_cash_flows_hourly(_site(uptime_frac=1.0, pool_fee_frac=0.0), [[55.0]], [31], months,
                                     capacity_payment_usd_per_mw_month=1_000.0)
    # 400 PH/s x $55 x 31 days x 18/24 of the hours; 7.7 MW of load x 558 h x $35; credit 7.7 MW x 186 h x $40
    assert lines["mining_revenue_usd"][0, 0] == pytest.approx(400 * 55 * 31 * 0.75, rel=1e-12)
    assert lines["power_cost_usd"][0, 0] == pytest.approx(7.7 * 1000 * 558 * 0.035, rel=1e-12)
    assert lines["curtailment_credit_usd"][0, 0] == pytest.approx(7.7 * 186 * 40, rel=1e-12)
    assert lines["capacity_payment_usd"][0, 0] == 10_000.0
    assert lines["effective_power_price_usd_per_kwh"][0, 0] == pytest.approx(0.035, rel=1e-15)


def test_breakeven_cutover_is_where_phased_minus_mining_changes_sign(site):
    # strong mining now that fades (BTC -30 % a year, 3 c/kWh): converting at once loses to mining, later wins
    rich = site.replace(market=site.market.replace(btc_price_usd=250_000, btc_price_growth_per_year_frac=-0.3),
                        mining=site.mining.replace(power_price_usd_per_kwh=0.03))
    plan = PhasedSiteInputs(site=rich, phases=[{"site_mw": 100, "critical_it_mw": 75, "cutover_month": 0}])
    shift = breakeven_cutover_shift_months(plan, max_shift_months=60)
    assert shift is not None
    below, above = int(np.floor(shift)), int(np.floor(shift)) + 1

    def gap(months):
        moved = plan.replace(phases=[plan.phases[0].replace(cutover_month=months)])
        table = compare_three_options(moved)
        return table.at["phased_conversion", "npv_usd"] - table.at["keep_mining", "npv_usd"]

    a, b = gap(below), gap(above)
    assert a < 0 < b
    assert shift == pytest.approx(below + a / (a - b), rel=1e-12)
    assert all(gap(k) < 0 for k in range(below))


def _hourly_plan_curve(site, months, expensive_hours_per_day=0):
    hours = np.arange(np.datetime64(site.start, "M").astype("datetime64[h]"),
                      (np.datetime64(site.start, "M") + months).astype("datetime64[h]"))
    prices = np.where(np.arange(len(hours)) % 24 < expensive_hours_per_day, 900.0, 40.0)
    return read_price_curve(hours, prices)


def test_phased_plan_on_a_flat_curve_equals_the_flat_price(site):
    plan = PhasedSiteInputs(site=site.replace(mining=site.mining.replace(power_price_usd_per_kwh=0.04, uptime_frac=1.0)),
                            phases=[{"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 6}])
    _, monthly = curtailment(_hourly_plan_curve(plan.site, plan.horizon), 500.0, credit_usd_per_mwh_curtailed=30.0)
    flat = phased_site(plan).schedule
    curve = phased_site(plan, monthly_power=monthly).schedule
    np.testing.assert_allclose(curve["net_cash_flow_usd"], flat["net_cash_flow_usd"], rtol=1e-12, atol=1e-6)
    assert (curve["curtailment_credit_usd"] == 0).all()


def test_phased_plan_curtails_credits_and_earns_capacity_on_mining_mw(site):
    mining = site.mining.replace(power_price_usd_per_kwh=0.04, uptime_frac=1.0)
    plan = PhasedSiteInputs(site=site.replace(mining=mining),
                            phases=[{"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 6}])
    # four hours a day at $900/MWh, above any S21 break-even: curtailed, credited $30 per MWh not drawn
    _, monthly = curtailment(_hourly_plan_curve(plan.site, plan.horizon, 4), 500.0, credit_usd_per_mwh_curtailed=30.0)
    schedule = phased_site(plan, monthly_power=monthly, capacity_payment_usd_per_mw_month=1_000.0).schedule
    load_mw = mining.fleet_site_mw                                   # 96.25 MW at the meter
    january, july = schedule.iloc[0], schedule.iloc[6]
    assert january["mining_uptime_frac"] == pytest.approx(20 / 24, rel=1e-14)
    assert january["mining_power_price_usd_per_kwh"] == pytest.approx(0.04, rel=1e-14)
    assert january["curtailment_credit_usd"] == pytest.approx(load_mw * 4 * 31 * 30.0, rel=1e-12)
    assert january["capacity_payment_usd"] == 100 * 1_000.0
    running = 50 / load_mw                                            # redeployed into the 50 MW left
    assert july["curtailment_credit_usd"] == pytest.approx(load_mw * running * 4 * 31 * 30.0, rel=1e-12)
    assert july["capacity_payment_usd"] == 50 * 1_000.0


def test_phased_plan_refuses_a_curve_that_misses_months(site):
    plan = PhasedSiteInputs(site=site, phases=[{"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 6}])
    _, monthly = curtailment(_hourly_plan_curve(plan.site, 12), 500.0)
    with pytest.raises(HashleaseError, match="monthly_power.*months missing"):
        phased_site(plan, monthly_power=monthly)


def test_phased_plan_refuses_a_curve_that_covers_part_of_a_month(site):
    plan = PhasedSiteInputs(site=site, phases=[{"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 6}])
    hours = np.arange(np.datetime64(site.start, "h") + 3, (np.datetime64(site.start, "M") + plan.horizon)
                      .astype("datetime64[h]"))
    _, monthly = curtailment(read_price_curve(hours, np.full(len(hours), 40.0)), 500.0)
    with pytest.raises(HashleaseError, match="741 h in 2026-01"):
        phased_site(plan, monthly_power=monthly)
