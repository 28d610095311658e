"""The mine-or-lease decision kernel: both options on one basis, the break-evens, and refusals by field.

Expected values are closed forms computed here by hand or the defining property of each figure (a break-even
equalises the two NPVs); batch-versus-single agreement over 1,000 drawn scenarios is in tests/test_differential.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashlease.models import (HashleaseError, MiningSiteInputs, MonteCarloSpec, breakeven_btc_price_vs_lease,
                              breakeven_hashprice_vs_lease,
                              breakeven_rent_vs_mining, compare_site,
                              example_comparison, with_input)

S21_SITE = dict(site_mw=10, pue=1.0, uptime_frac=1.0, pool_fee_frac=0.0, power_price_usd_per_kwh=0.05,
                fleet=[{"model": "Antminer S21", "units": 2_000}], shut_down_when_unprofitable=False)


# --- comparison and break-evens --------------------------------------------------------------------------


def test_comparison_lines_up_both_options(base):
    result = compare_site(base)
    assert len(result.monthly) == base.horizon
    assert result.summary.at["lease_minus_mining", "npv_usd"] == pytest.approx(
        result.lease_npv_usd - result.mining_npv_usd, rel=1e-14)
    np.testing.assert_allclose(result.monthly["cumulative_lease_minus_mining_usd"],
                               result.monthly["cumulative_lease_usd"] - result.monthly["cumulative_mining_usd"])
    # an existing fleet's cash comes in first: its "IRR" would be a borrowing rate and is not reported
    assert pd.isna(result.summary.at["keep_mining", "irr_per_year_frac"])
    assert result.summary.at["convert_to_lease", "irr_per_year_frac"] > 0


def _npv_gap(inputs):
    result = compare_site(inputs)
    return abs(result.npv_difference_usd) / abs(result.lease_npv_usd)


def test_breakeven_btc_price_equalises_npvs(base):
    price = breakeven_btc_price_vs_lease(base)
    assert _npv_gap(with_input(base, "market.btc_price_usd", price)) < 1e-6


def test_breakeven_hashprice_is_the_same_scaling(base):
    price = breakeven_btc_price_vs_lease(base)
    hashprice = breakeven_hashprice_vs_lease(base)
    first = compare_site(base).monthly["hashprice_usd_per_ph_day"].iloc[0]
    assert hashprice / first == pytest.approx(price / base.market.btc_price_usd, rel=1e-12)


def test_breakeven_rent_equalises_npvs(base):
    rent = breakeven_rent_vs_mining(base)
    assert _npv_gap(with_input(base, "lease.rent_usd_per_kw_month", rent)) < 1e-6


def test_breakevens_move_the_right_way(base):
    price = breakeven_btc_price_vs_lease(base)
    rent = breakeven_rent_vs_mining(base)
    richer_lease = with_input(base, "lease.rent_usd_per_kw_month", 150)
    assert breakeven_btc_price_vs_lease(richer_lease) > price  # mining must earn more to keep up
    dearer_power = with_input(base, "mining.power_price_usd_per_kwh", 0.06)
    assert breakeven_btc_price_vs_lease(dearer_power) > price
    assert breakeven_rent_vs_mining(dearer_power) < rent  # mining is worth less, so a lower rent matches it
    assert breakeven_rent_vs_mining(with_input(base, "market.btc_price_usd", 120_000)) > rent


# --- bad input -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("build", "field", "fragment"), [
    (lambda: MonteCarloSpec(paths=10, seed=1, btc_volatility_per_year_frac=-0.1), "btc_volatility_per_year_frac",
     ">= 0"),
    (lambda: MiningSiteInputs(**{**S21_SITE, "site_mw": 5}), "fleet", "<= site_mw (5 MW)"),
    (lambda: MiningSiteInputs(**{**S21_SITE, "refresh_every_years": 0}), "refresh_every_years", "> 0"),
    (lambda: example_comparison(horizon_months=6), "horizon_months", ">= lease.construction_months (12)"),
    (lambda: example_comparison(market={"start": "2026-03-01"}), "market.start", "lease.construction_start"),
    (lambda: MiningSiteInputs(**{**S21_SITE, "fleet": [{"model": "Antminer S9", "units": 10}]}), "fleet[0].model",
     "one of 'Antminer S19j Pro'"),
    (lambda: MiningSiteInputs(**{**S21_SITE, "fleet": [{"model": "Antminer S21"}]}), "fleet[0].units", "exactly one"),
    (lambda: MonteCarloSpec(paths=10, seed=1, lease_delay_months_choices=(0, 6), lease_delay_probabilities=(1.0,)),
     "lease_delay_probabilities", "one probability >= 0 per delay choice"),
    (lambda: with_input(example_comparison(), "lease.rent", 100), "input", "a field of lease"),
], ids=["negative-volatility", "fleet-over-site-power", "refresh-period-0", "horizon-shorter-than-construction",
        "market-start-elsewhere", "unknown-asic", "fleet-line-empty",
        "delay-probabilities", "unknown-path"])
def test_bad_input_names_the_field(build, field, fragment):
    with pytest.raises(HashleaseError) as info:
        build()
    assert info.value.arg == field
    assert fragment in str(info.value)


def test_horizon_before_the_lease_ends_is_refused(base):
    with pytest.raises(HashleaseError, match="horizon_months must be >= 133"):
        with_input(base, "horizon_months", 60)


def test_price_path_breakeven_scales_the_path(base):
    flat = dict(btc_price_usd=None, btc_price_growth_per_year_frac=None, btc_price_path_usd=(93_450.0,) * 133)
    by_path = example_comparison(market=flat)
    by_level = example_comparison(market={"btc_price_growth_per_year_frac": 0.0})
    assert breakeven_btc_price_vs_lease(by_path) == pytest.approx(breakeven_btc_price_vs_lease(by_level), rel=1e-9)


def test_no_price_breaks_even_when_mining_wins_regardless(base):
    with pytest.raises(HashleaseError, match="mining wins at any price"):
        breakeven_btc_price_vs_lease(with_input(base, "lease.rent_usd_per_kw_month", 1.0))
