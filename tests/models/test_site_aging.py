"""The mining site's fleet ages, is refreshed and resold by efficiency tier; its power price can follow the seasons.

Every expected value is the closed-form arithmetic of the model's documented formulas, worked by hand here:
hashrate H0 (1 - dH)^a and efficiency E0 (1 + dE)^a at age a = months / 12, resale at the first tier whose
J/TH bound covers the machines, power cost = MW x hours x USD/kWh x 1,000 x the calendar month's multiplier.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from hashlease.models import (EXAMPLE_RESALE_TIERS, HashleaseError, MiningSiteInputs, PhasedSiteInputs,
                              example_comparison, mining_cash_flows, phased_site)

S21_TH_S, S21_J_PER_TH = 200.0, 17.5   # catalogue entry used throughout (3.5 kW a machine)
BASE = dict(site_mw=10, pue=1.0, uptime_frac=1.0, pool_fee_frac=0.0, power_price_usd_per_kwh=0.05,
            shut_down_when_unprofitable=False, fleet=[{"model": "Antminer S21", "units": 2_000}])


def flows(months=48, **changes):
    site = MiningSiteInputs(**{**BASE, **changes})
    return mining_cash_flows(site, np.full((1, months), 50.0), np.full(months, 30.0), first_calendar_month=1)


def test_no_degradation_and_no_refresh_is_the_static_fleet_whatever_its_age():
    static, aged = flows(), flows(fleet_age_years=4.0)
    for key in static:
        np.testing.assert_array_equal(static[key], aged[key], err_msg=key)
    # the static fleet by hand: 400 PH/s x $50 x 30 days; 7 MW x 720 h x $50/MWh
    assert static["mining_revenue_usd"][0, 5] == 400 * 50.0 * 30
    assert static["power_cost_usd"][0, 5] == pytest.approx(7 * 720 * 50.0, rel=1e-15)


def test_hashrate_and_efficiency_degrade_with_age_from_the_fleet_age():
    lines = flows(fleet_age_years=1.0, hashrate_degradation_per_year_frac=0.05,
                  efficiency_degradation_per_year_frac=0.03)
    age = (np.arange(48) + 12) / 12.0
    np.testing.assert_allclose(lines["fleet_hashrate_th_s"][0], 2_000 * S21_TH_S * 0.95 ** age, rtol=1e-14)
    np.testing.assert_allclose(lines["fleet_efficiency_j_per_th"][0], S21_J_PER_TH * 1.03 ** age, rtol=1e-14)
    # power follows TH/s x J/TH: 7 MW x 0.95^a x 1.03^a
    np.testing.assert_allclose(lines["power_cost_usd"][0], 7 * (0.95 * 1.03) ** age * 720 * 50.0, rtol=1e-13)


def test_refresh_brings_new_machines_and_sells_the_old_at_their_tier():
    lines = flows(refresh_every_years=2, refresh_capex_usd_per_th_s=15.0, efficiency_degradation_per_year_frac=0.1,
                  resale_tiers=EXAMPLE_RESALE_TIERS)
    th = 2_000 * S21_TH_S
    # month 23: age 23/12, 17.5 x 1.1^(23/12) = 21.01 J/TH, in the 19-25 J/TH tier at $20 per TH/s
    assert S21_J_PER_TH * 1.1 ** (23 / 12) == pytest.approx(21.01, abs=0.005)
    assert lines["salvage_usd"][0, 24] == pytest.approx(th * 20.0, rel=1e-14)
    assert lines["refresh_capex_usd"][0, 24] == pytest.approx(th * 15.0, rel=1e-14)
    assert lines["fleet_efficiency_j_per_th"][0, 24] == S21_J_PER_TH       # new machines, age 0
    # the last month sells the fleet in service: age 23/12 again, $20 per TH/s
    assert lines["salvage_usd"][0, -1] == pytest.approx(th * 20.0, rel=1e-14)
    # a young fleet (17.5 x 1.1^(11/12) = 19.09 J/TH) is in the 19-25 tier too; at month 0 it is under 19: $28
    assert lines["fleet_resale_usd_per_th_s"][0, 0] == 28.0
    assert lines["fleet_resale_usd_per_th_s"][0, 11] == 20.0


def test_machines_beyond_every_tier_resell_at_zero():
    tiers = [{"max_efficiency_j_per_th": 18.0, "usd_per_th_s": 10.0}]
    lines = flows(months=12, efficiency_degradation_per_year_frac=0.1, resale_tiers=tiers)
    # 17.5 x 1.1^(m/12) passes 18 J/TH after 0.2957 years: months 0-3 resell at $10, later months at zero
    np.testing.assert_array_equal(lines["fleet_resale_usd_per_th_s"][0], [10.0] * 4 + [0.0] * 8)
    assert lines["salvage_usd"][0, -1] == 0.0


def test_full_conversion_sells_the_aged_fleet_at_its_tier():
    site = example_comparison()
    aged = site.replace(mining=site.mining.replace(salvage_usd_per_th_s=0.0, fleet_age_years=2.0,
                                                   efficiency_degradation_per_year_frac=0.05,
                                                   resale_tiers=EXAMPLE_RESALE_TIERS))
    # 25,000 S21 = 5,000,000 TH/s; 17.5 x 1.05^2 = 19.29 J/TH: the 19-25 tier at $20 per TH/s
    assert aged.mining.fleet_resale_value_usd == pytest.approx(5_000_000 * 20.0, rel=1e-14)
    plan = PhasedSiteInputs(site=aged, phases=[{"site_mw": 100, "critical_it_mw": 75, "cutover_month": 0}])
    assert phased_site(plan).schedule["fleet_sale_usd"].iloc[0] == pytest.approx(5_000_000 * 20.0, rel=1e-14)


def test_monthly_profile_follows_the_calendar_from_the_start_month():
    profile = [1.0 + i / 10 for i in range(12)]  # January 1.0 ... December 2.1
    site = MiningSiteInputs(**BASE, power_price_monthly_profile=profile)
    lines = mining_cash_flows(site, np.full((1, 14), 50.0), np.full(14, 30.0), first_calendar_month=11)
    flat = 7 * 720 * 50.0
    expected = [flat * profile[(10 + m) % 12] for m in range(14)]  # November, December, January, ...
    np.testing.assert_allclose(lines["power_cost_usd"][0], expected, rtol=1e-14)


def test_monthly_profile_and_escalator_compound():
    site = MiningSiteInputs(**BASE, power_escalator_per_year_frac=0.1, power_price_monthly_profile=[2.0] * 12)
    lines = mining_cash_flows(site, np.full((1, 13), 50.0), np.full(13, 30.0), first_calendar_month=1)
    assert lines["power_cost_usd"][0, 12] == pytest.approx(7 * 720 * 50.0 * 2.0 * 1.1, rel=1e-14)


@pytest.mark.parametrize("changes, argument", [
    (dict(salvage_usd_per_th_s=5.0, resale_tiers=EXAMPLE_RESALE_TIERS), "salvage_usd_per_th_s"),
    (dict(resale_tiers=[{"max_efficiency_j_per_th": 20, "usd_per_th_s": 5},
                        {"max_efficiency_j_per_th": 20, "usd_per_th_s": 6}]), "resale_tiers"),
    (dict(power_price_monthly_profile=[1.0] * 11), "power_price_monthly_profile"),
    (dict(power_price_monthly_profile=[1.0] * 11 + [-1.0]), "power_price_monthly_profile[11]"),
    (dict(hashrate_degradation_per_year_frac=1.0), "hashrate_degradation_per_year_frac"),
    (dict(fleet_age_years=-1), "fleet_age_years"),
    (dict(power_price_monthly_profile="1,1,x"), "power_price_monthly_profile"),
])
def test_bad_aging_and_profile_inputs_name_the_argument(changes, argument):
    with pytest.raises((HashleaseError, ValidationError)) as caught:
        MiningSiteInputs(**{**BASE, **changes})
    assert str(caught.value).startswith(argument + " ")


def test_a_profile_needs_the_calendar_month_of_month_zero():
    site = MiningSiteInputs(**BASE, power_price_monthly_profile=[1.0] * 12)
    with pytest.raises(HashleaseError, match="power_price_monthly_profile"):
        mining_cash_flows(site, np.full((1, 3), 50.0), np.full(3, 30.0))


def test_lines_of_different_ages_wear_and_resell_line_by_line():
    # 1,000 S21 bought new (age 0) and 1,000 S21 four years old; J/TH +10 %/year, hashrate -5 %/year
    site = MiningSiteInputs(**{**BASE, "fleet": [{"model": "Antminer S21", "units": 1_000},
                                                 {"model": "Antminer S21", "units": 1_000, "age_years": 4.0}]},
                            hashrate_degradation_per_year_frac=0.05, efficiency_degradation_per_year_frac=0.1,
                            resale_tiers=EXAMPLE_RESALE_TIERS)
    lines = mining_cash_flows(site, np.full((1, 13), 50.0), np.full(13, 30.0), first_calendar_month=1)
    th = 1_000 * S21_TH_S
    young_th, old_th = th * 0.95 ** (np.arange(13) / 12), th * 0.95 ** (4 + np.arange(13) / 12)
    young_e, old_e = S21_J_PER_TH * 1.1 ** (np.arange(13) / 12), S21_J_PER_TH * 1.1 ** (4 + np.arange(13) / 12)
    np.testing.assert_allclose(lines["fleet_hashrate_th_s"][0], young_th + old_th, rtol=1e-14)
    np.testing.assert_allclose(lines["power_cost_usd"][0], (young_th * young_e + old_th * old_e) / 1e6 * 720 * 50.0,
                               rtol=1e-13)
    # at the start: the new line (17.5 J/TH) at $28, the old one (17.5 x 1.1^4 = 25.6 J/TH) in the 25-38 tier at $8
    assert S21_J_PER_TH * 1.1 ** 4 == pytest.approx(25.62, abs=0.005)
    assert site.fleet_resale_value_usd == pytest.approx(th * 0.95 ** 0 * 28 + th * 0.95 ** 4 * 8, rel=1e-14)
    # the last month sells both lines, each at its tier: 19.25 J/TH -> $20, 28.18 J/TH -> $8
    assert lines["salvage_usd"][0, -1] == pytest.approx(young_th[-1] * 20 + old_th[-1] * 8, rel=1e-14)


def test_worn_machines_that_no_longer_fit_the_site_are_switched_off():
    # 2,000 S21 draw exactly 7 MW new; J/TH +10 %/year at constant TH/s raises the draw: a 7 MW site runs 1/1.1^a
    lines = flows(months=25, site_mw=7.0, efficiency_degradation_per_year_frac=0.1)
    age = np.arange(25) / 12
    np.testing.assert_allclose(lines["running_share_frac"][0], 1.0 / 1.1 ** age, rtol=1e-14)
    np.testing.assert_allclose(lines["power_cost_usd"][0], 7 * 720 * 50.0, rtol=1e-13)   # capped at the site's 7 MW


@pytest.mark.parametrize("month", [0, 13, 1.5, True])
def test_the_start_month_is_a_calendar_month(month):
    site = MiningSiteInputs(**BASE, power_price_monthly_profile=[1.0] * 12)
    with pytest.raises(HashleaseError, match="first_calendar_month"):
        mining_cash_flows(site, np.full((1, 3), 50.0), np.full(3, 30.0), first_calendar_month=month)


def test_resale_tier_prices_are_bounded():
    with pytest.raises(HashleaseError, match="usd_per_th_s"):
        MiningSiteInputs(**BASE, resale_tiers=[{"max_efficiency_j_per_th": 20, "usd_per_th_s": 1e308}])
