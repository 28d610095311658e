"""Monthly mining cash flows of a site: by hand, refreshes, switch-off, and the site's refusals.

Expected values are closed forms computed here by hand and domain.md §2.5 (breakeven power prices of named
machines at $54.3/PH/day: S21 $0.1293/kWh, S19 XP $0.1052).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashlease.models import (HashleaseError, MarketProjection, MiningSiteInputs, compare_site,
                              example_comparison, hashprice_projection,
                              mining_schedule)

FLAT = dict(start="2026-01-01", months=36, difficulty=100e12, block_height=1_050_000, btc_price_usd=100_000,
            fees_btc_per_block=0.0)


def _months(start: dt.date, n: int) -> list[dt.date]:
    return [dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1) for i in range(n)]


# --- mining site -----------------------------------------------------------------------------------------

S21_SITE = dict(site_mw=10, pue=1.0, uptime_frac=1.0, pool_fee_frac=0.0, power_price_usd_per_kwh=0.05,
                fleet=[{"model": "Antminer S21", "units": 2_000}], shut_down_when_unprofitable=False)


@pytest.mark.parametrize(("model", "units", "breakeven"), [("Antminer S21", 2_000, 0.1293),
                                                            ("Antminer S19 XP", 2_000, 0.1052)],
                         ids=["domain-2.5-S21", "domain-2.5-S19-XP"])
def test_named_machine_breaks_even_at_its_published_power_price(model, units, breakeven):
    # domain.md §2.5: at $54.3/PH/day the S21 breaks even at $0.1293/kWh, the S19 XP at $0.1052 (4 decimals)
    difficulty = 1e15 * 86_400 * 1.5625 * 100_000 / (54.3 * 2**32)  # the difficulty that gives $54.3/PH/day
    market = hashprice_projection(MarketProjection(**{**FLAT, "difficulty": difficulty, "months": 3}))
    assert market["hashprice_usd_per_ph_day"].iloc[0] == pytest.approx(54.3, rel=1e-12)
    for price, sign in ((breakeven - 5e-5, 1), (breakeven + 5e-5, -1)):
        site = MiningSiteInputs(**{**S21_SITE, "fleet": [{"model": model, "units": units}],
                                   "power_price_usd_per_kwh": price})
        schedule = mining_schedule(site, market)
        margin = schedule["mining_revenue_usd"] - schedule["power_cost_usd"]
        assert (np.sign(margin) == sign).all()


def test_mining_cash_flows_by_hand():
    market = hashprice_projection(MarketProjection(**FLAT))
    site = MiningSiteInputs(**{**S21_SITE, "uptime_frac": 0.95, "pool_fee_frac": 0.02, "pue": 1.1,
                               "curtailment_share_frac": 0.1, "opex_usd_per_mw_month": 5_000})
    january = mining_schedule(site, market).iloc[0]
    # 2,000 S21 = 400,000 TH/s = 400 PH/s; 31 days; running 0.95 x 0.9; 2% pool fee
    h = market["hashprice_usd_per_ph_day"].iloc[0]
    assert january["mining_revenue_usd"] == pytest.approx(400 * h * 31 * 0.95 * 0.9 * 0.98, rel=1e-12)
    # 7 MW of machines x 1.1 PUE x 744 h x 0.855 running x $50/MWh
    assert january["power_cost_usd"] == pytest.approx(7.0 * 1.1 * 744 * 0.855 * 50, rel=1e-12)
    assert january["opex_usd"] == 50_000


def test_refresh_replaces_the_fleet_with_more_hashrate_for_the_same_power():
    market = hashprice_projection(MarketProjection(**FLAT))
    site = MiningSiteInputs(**{**S21_SITE, "refresh_every_years": 1, "refresh_capex_usd_per_th_s": 15,
                               "refresh_efficiency_gain_frac": 0.2, "salvage_usd_per_th_s": 4})
    table = mining_schedule(site, market)
    assert table["fleet_hashrate_th_s"].iloc[11] == 400_000
    assert table["fleet_hashrate_th_s"].iloc[12] == pytest.approx(400_000 / 0.8, rel=1e-14)  # 17.5 -> 14 J/TH
    assert table["refresh_capex_usd"].iloc[12] == pytest.approx(500_000 * 15, rel=1e-14)
    assert table["salvage_usd"].iloc[12] == pytest.approx(400_000 * 4, rel=1e-14)  # the old fleet sold
    assert table["salvage_usd"].iloc[-1] == pytest.approx(400_000 / 0.8**2 * 4, rel=1e-14)  # after 2 refreshes
    np.testing.assert_allclose(table["power_cost_usd"].iloc[[0, 12, 24]] / table.index.days_in_month[[0, 12, 24]],
                               7.0 * 24 * 50, rtol=1e-12)  # same MW drawn through every refresh


def test_unprofitable_months_are_switched_off():
    market = hashprice_projection(MarketProjection(**FLAT))
    on = mining_schedule(MiningSiteInputs(**{**S21_SITE, "power_price_usd_per_kwh": 0.5}), market)
    off = mining_schedule(MiningSiteInputs(**{**S21_SITE, "power_price_usd_per_kwh": 0.5,
                                              "shut_down_when_unprofitable": True}), market)
    assert (on["mining_revenue_usd"] < on["power_cost_usd"]).all()
    assert (off["mining_revenue_usd"] == 0).all() and (off["power_cost_usd"] == 0).all()


def test_level_mining_npv_equals_the_annuity_by_hand():
    # constant hashprice, no halving, no refresh: net = (400 PH x h - 7 MW x 24 h x $50) x days - opex,
    # over the comparison's 37 months (a 2-year lease after 12 months of construction, plus its residual month)
    inputs = example_comparison(market={**FLAT, "months": 37, "block_height": 1_050_000,
                                        "difficulty_growth_per_month_frac": 0.0, "btc_price_growth_per_year_frac": 0.0},
                                mining={**S21_SITE, "opex_usd_per_mw_month": 1_000, "refresh_every_years": None,
                                        "salvage_usd_per_th_s": 0.0},
                                lease={"site_mw": 10, "critical_it_mw": 8, "term_years": 2},
                                discount_rate_per_year_frac=0.09)
    assert inputs.horizon == 37
    h = 1e15 * 86_400 / (100e12 * 2**32) * 1.5625 * 100_000
    months = _months(dt.date(2026, 1, 1), 38)
    flows = [(400 * h - 7.0 * 24 * 50) * (b - a).days - 10_000 for a, b in zip(months, months[1:])]
    by_hand = sum(f / 1.09 ** ((d - dt.date(2026, 1, 1)).days / 365) for f, d in zip(flows, months))
    assert compare_site(inputs).mining_npv_usd == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize(("site", "field"), [
    ({"fleet": [{"model": "Antminer S21", "units": 0}]}, "fleet"),
    ({"refresh_every_years": 0.05}, "refresh_every_years"),
], ids=["no-machines", "refresh-not-whole-months"])
def test_mining_site_refuses(site, field):
    with pytest.raises(HashleaseError) as info:
        MiningSiteInputs(**{**S21_SITE, **site})
    assert info.value.arg == field


def test_mining_cash_flows_refuse_nan_hashprice():
    from hashlease.models import mining_cash_flows
    with pytest.raises(HashleaseError, match=r"hashprice_usd_per_ph_day\[0, 0\] must be >= 0, got nan"):
        mining_cash_flows(MiningSiteInputs(**S21_SITE), [[np.nan, 60.0]], [31, 28])
