"""Fleet vintages: month-granular age, compounding wear, resale by efficiency tier and breakevens by vintage.

Expected values are arithmetic shown next to each assertion: catalogue figures (Antminer S21 200 TH/s at 17.5 J/TH,
S19 XP 140 TH/s at 21.5 J/TH, S19j Pro 29.5 J/TH), whole months counted on a calendar, and tier prices looked up
by hand.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashlease.models import (EXAMPLE_RESALE_TIERS, HashleaseError, MiningSiteInputs, ResaleTier, VintageLine,
                              age_years_between, aged_hashrate_and_efficiency, fleet_efficiency_j_per_th,
                              resale_usd_per_th_s, resale_value_usd, vintage_breakevens, vintage_state)


def test_no_degradation_reduces_to_the_static_fleet():
    lines = [VintageLine(model="Antminer S21", units=2_000, purchase_date="2024-01-01"),
             VintageLine(model="Antminer S19 XP", units=1_000, purchase_date="2022-01-01")]
    dates = np.arange("2026-01", "2036-01", dtype="datetime64[M]").astype("datetime64[D]")
    state = vintage_state(lines, dates)
    # constant through the years: 2,000 x 200 and 1,000 x 140 TH/s at 17.5 and 21.5 J/TH
    np.testing.assert_array_equal(state["hashrate_th_s"], [[400_000.0] * len(dates), [140_000.0] * len(dates)])
    blended = (state["hashrate_th_s"] * state["efficiency_j_per_th"]).sum(axis=0) / state["hashrate_th_s"].sum(axis=0)
    np.testing.assert_allclose(blended, fleet_efficiency_j_per_th([200, 140], [17.5, 21.5], [2_000, 1_000]), rtol=1e-14)


def test_degradation_compounds_with_age_in_whole_months():
    line = VintageLine(model="Antminer S19 XP", units=10, purchase_date="2024-01-01",
                       hashrate_degradation_per_year_frac=0.04, efficiency_degradation_per_year_frac=0.02)
    when = np.array(["2026-01-01", "2026-02-15"], dtype="datetime64[D]")  # 24 and 25 whole months in service
    state = vintage_state([line], when)
    np.testing.assert_allclose(state["hashrate_th_s"][0], [10 * 140 * 0.96 ** 2, 10 * 140 * 0.96 ** (25 / 12)],
                               rtol=1e-14)
    np.testing.assert_allclose(state["efficiency_j_per_th"][0], [21.5 * 1.02 ** 2, 21.5 * 1.02 ** (25 / 12)],
                               rtol=1e-14)


@pytest.mark.parametrize(("start", "when", "expected"), [
    ("2024-01-01", "2026-01-01", 2.0),                     # 24 months
    ("2024-01-01", "2024-12-31", 11 / 12),                 # 11 whole months: December not complete
    ("2024-01-15", "2024-03-14", 1 / 12),                  # 15 Feb reached, 15 Mar not yet
    ("2024-01-15", "2024-03-15", 2 / 12),
    ("2024-02-29", "2025-02-28", 11 / 12),                 # day 29 not reached in February 2025
    ("2024-06-01", "2024-05-01", 0.0),                     # before the start: new
], ids=["two-years", "eleven-months", "day-not-reached", "day-reached", "leap-day", "before-start"])
def test_age_is_whole_calendar_months_over_twelve(start, when, expected):
    assert age_years_between(start, when) == pytest.approx(expected, rel=1e-15)


def test_age_broadcasts_and_refuses_non_dates():
    ages = age_years_between(np.array(["2024-01-01", "2025-01-01"], dtype="datetime64[D]")[:, None],
                             np.array(["2025-01-01", "2026-07-01"], dtype="datetime64[D]"))
    np.testing.assert_array_equal(ages, [[1.0, 2.5], [0.0, 1.5]])  # 12, 30; 0, 18 months
    with pytest.raises(HashleaseError, match="when"):
        age_years_between("2024-01-01", "not a date")


@pytest.mark.parametrize(("args", "expected"), [
    ((200.0, 17.5, 2.0, 0.05, 0.03), (200 * 0.95 ** 2, 17.5 * 1.03 ** 2)),
    (([200.0, 140.0], [17.5, 21.5], 0.5, 0.1, 0.0), ([200 * 0.9 ** 0.5, 140 * 0.9 ** 0.5], [17.5, 21.5])),
    ((100.0, 20.0, [[0.0], [1.0]], 0.1, 0.1), ([[100.0], [90.0]], [[20.0], [22.0]])),
], ids=["scalar", "array", "broadcast"])
def test_aged_hashrate_and_efficiency_compound(args, expected):
    th_s, efficiency = aged_hashrate_and_efficiency(*args)
    np.testing.assert_allclose(th_s, expected[0], rtol=1e-14)
    np.testing.assert_allclose(efficiency, expected[1], rtol=1e-14)


@pytest.mark.parametrize(("args", "field"), [
    ((-1.0, 17.5, 1.0, 0.0, 0.0), "hashrate_th_s"),
    ((1.0, 0.0, 1.0, 0.0, 0.0), "efficiency_j_per_th"),
    ((1.0, 17.5, -1.0, 0.0, 0.0), "age_years"),
    ((1.0, 17.5, 1.0, 1.0, 0.0), "hashrate_degradation_per_year_frac"),
    ((1.0, 17.5, 1.0, 0.0, -0.1), "efficiency_degradation_per_year_frac"),
], ids=["hashrate", "efficiency", "age", "hashrate-wear", "efficiency-wear"])
def test_aged_hashrate_and_efficiency_refuse_out_of_range(args, field):
    with pytest.raises(HashleaseError, match=field):
        aged_hashrate_and_efficiency(*args)


# --- resale -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("efficiency", "expected"), [
    (17.5, 28.0),                                 # <= 19: first tier
    ([19.0, 19.01, 25.0, 38.0], [28.0, 20.0, 20.0, 8.0]),  # bounds are inclusive
    ([[38.5], [1e9], [1.1e9]], [[2.0], [2.0], [0.0]]),     # beyond the last bound (1e9 J/TH): zero
], ids=["scalar", "array-bounds-inclusive", "beyond-every-tier"])
def test_resale_price_by_tier(efficiency, expected):
    bounds, prices = [19.0, 25.0, 38.0, 1e9], [28.0, 20.0, 8.0, 2.0]  # EXAMPLE_RESALE_TIERS
    np.testing.assert_array_equal(resale_usd_per_th_s(efficiency, bounds, prices), expected)


def test_resale_price_broadcasts_sites_against_months_with_padded_tiers():
    # site 0: tiers <= 25 at $20, <= 40 at $5; site 1: one tier <= 25 at $15, padded with an unbounded tier at $0;
    # site 2: one salvage price ($3) as one unbounded tier
    bounds = np.array([[25.0, 40.0], [25.0, np.inf], [np.inf, np.inf]])
    prices = np.array([[20.0, 5.0], [15.0, 0.0], [3.0, 0.0]])
    efficiency = np.array([[20.0, 30.0, 45.0]] * 3)       # (sites, months)
    out = resale_usd_per_th_s(efficiency, bounds[:, None, :], prices[:, None, :])
    np.testing.assert_array_equal(out, [[20.0, 5.0, 0.0], [15.0, 0.0, 0.0], [3.0, 3.0, 3.0]])


@pytest.mark.parametrize(("args", "field"), [
    (([0.0], [25.0], [1.0]), "efficiency_j_per_th"),
    (([20.0], [0.0], [1.0]), "tier_bounds_j_per_th"),
    (([20.0], [np.nan], [1.0]), "tier_bounds_j_per_th"),
    (([20.0], [30.0, 25.0], [1.0, 2.0]), "non-decreasing"),
    (([20.0], [25.0], [-1.0]), "tier_prices_usd_per_th_s"),
    (([20.0], [25.0, 30.0], [1.0]), "one price per tier bound"),
], ids=["efficiency", "bound-zero", "bound-nan", "bounds-unsorted", "price-negative", "lengths-differ"])
def test_resale_price_refuses_bad_tiers(args, field):
    with pytest.raises(HashleaseError, match=field):
        resale_usd_per_th_s(*args)


def test_resale_value_beyond_every_tier_is_zero_in_vintages_and_in_the_mining_site():
    tiers = [ResaleTier(max_efficiency_j_per_th=25, usd_per_th_s=20), ResaleTier(max_efficiency_j_per_th=40,
                                                                                 usd_per_th_s=5)]
    # 100 TH/s each: 25 J/TH in the first tier ($20), 25.01 and 40 in the second ($5), 41 beyond both ($0)
    np.testing.assert_array_equal(resale_value_usd([100.0, 100.0, 100.0, 100.0], [25.0, 25.01, 40.0, 41.0], tiers),
                                  [2_000.0, 500.0, 500.0, 0.0])
    # the same machines in a mining site: 1,000 S19j Pro (29.5 J/TH) new are in the $5 tier; aged 2 years at
    # 20 % J/TH a year, 29.5 x 1.2^2 = 42.48 J/TH is beyond every bound
    site = dict(site_mw=10, power_price_usd_per_kwh=0.05, resale_tiers=tiers,
                fleet=[{"model": "Antminer S19j Pro", "units": 1_000}])
    assert MiningSiteInputs(**site).fleet_resale_value_usd == pytest.approx(1_000 * 104 * 5.0, rel=1e-14)
    aged = MiningSiteInputs(**site, fleet_age_years=2.0, efficiency_degradation_per_year_frac=0.2)
    assert aged.fleet_resale_value_usd == 0.0
    line = VintageLine(model="Antminer S19j Pro", units=1_000, purchase_date="2024-01-01",
                       efficiency_degradation_per_year_frac=0.2)
    state = vintage_state([line], np.array(["2026-01-01"], dtype="datetime64[D]"))
    assert state["efficiency_j_per_th"][0, 0] == pytest.approx(29.5 * 1.2 ** 2, rel=1e-14)
    assert resale_value_usd(state["hashrate_th_s"][:, 0], state["efficiency_j_per_th"][:, 0], tiers).tolist() == [0.0]


def test_switch_off_order_and_breakevens_by_vintage():
    tiers = [ResaleTier(max_efficiency_j_per_th=25, usd_per_th_s=20), ResaleTier(max_efficiency_j_per_th=40,
                                                                                 usd_per_th_s=5)]
    lines = [VintageLine(model="Antminer S21", units=10, purchase_date="2024-01-01"),
             VintageLine(model="Antminer S19j Pro", units=10, purchase_date="2021-01-01"),
             VintageLine(model="Antminer S19 XP", units=10, purchase_date="2022-01-15")]
    table = vintage_breakevens(lines, dt.date(2026, 1, 1), power_price_usd_per_kwh=0.05, pue=1.1,
                               pool_fee_frac=0.02, tiers=tiers)
    assert table["model"].tolist() == ["Antminer S19j Pro", "Antminer S19 XP", "Antminer S21"]
    # breakeven hashprice = 24 x J/TH x USD/kWh x PUE / (1 - fee): 24 x 29.5 x 0.05 x 1.1 / 0.98 = 39.7347 USD/PH/day
    assert table["breakeven_hashprice_usd_per_ph_day"].iloc[0] == pytest.approx(24 * 29.5 * 0.05 * 1.1 / 0.98,
                                                                                 rel=1e-14)
    # breakeven power price at 55 USD/PH/day: 1000 x 55 x 0.98 / (24 x 29.5 x 1.1) = 69.21 USD/MWh
    assert table["breakeven_power_price_usd_per_mwh_at_55_usd_per_ph_day"].iloc[0] == pytest.approx(
        1000 * 55 * 0.98 / (24 * 29.5 * 1.1), rel=1e-14)
    # ages in whole months: 60, 47 (15 Jan 2022 to 1 Jan 2026) and 24 months
    assert table["age_years"].tolist() == [5.0, 47 / 12, 2.0]
    # resale: 10 x 104 TH/s at 29.5 J/TH ($5); 10 x 140 at 21.5 ($20); 10 x 200 at 17.5 ($20)
    assert table["resale_value_usd"].tolist() == [1_040 * 5.0, 1_400 * 20.0, 2_000 * 20.0]


def test_example_tiers_are_sorted_and_cover_today_s_fleet():
    bounds = [t.max_efficiency_j_per_th for t in EXAMPLE_RESALE_TIERS]
    assert bounds == sorted(bounds)
    # S19j Pro at 29.5 J/TH: the 25-38 tier at $8
    assert resale_value_usd([1.0], [29.5]).tolist() == [8.0]
