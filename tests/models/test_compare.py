"""Site mining cash flows and the mining-versus-lease comparison (the projection's tests: test_projection.py).

Expected values are closed forms computed here by hand (calendar dates from Python's datetime, arithmetic
shown), the protocol's halving schedule, and domain.md §2.5 (breakeven power prices of named machines at
$54.3/PH/day: S21 $0.1293/kWh, S19 XP $0.1052) and §0 case 7 (10-minute blocks: 210,000 blocks = 1,458.33 days).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hashlease.models import (HashleaseError, MarketProjection, MiningSiteInputs, MonteCarloSpec,
                              breakeven_btc_price_vs_lease, breakeven_hashprice_vs_lease, breakeven_rent_vs_mining,
                              compare_site, example_comparison, hashprice_projection, mining_schedule, monte_carlo,
                              sensitivity_grid, tornado, with_input, with_inputs)

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


# --- comparison and break-evens --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base():
    return example_comparison()


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


def test_sensitivity_grid_and_tornado(base):
    grid = sensitivity_grid(base, ("market.btc_price_usd", [60_000, 90_000, 120_000]),
                            ("lease.rent_usd_per_kw_month", [110, 130, 150]))
    assert grid.shape == (3, 3)
    assert (np.diff(grid.to_numpy(), axis=0) < 0).all()  # dearer BTC: mining gains on the lease
    assert (np.diff(grid.to_numpy(), axis=1) > 0).all()  # richer rent: the lease gains
    assert grid.iloc[1, 1] == pytest.approx(compare_site(with_input(base, "market.btc_price_usd", 90_000))
                                            .npv_difference_usd, rel=1e-12)
    bars = tornado(base)
    assert (np.diff(bars["swing_usd"]) <= 0).all()
    rent_bar = bars.set_index("input").loc["lease.rent_usd_per_kw_month"]
    assert rent_bar["low_value"] == pytest.approx(117) and rent_bar["high_value"] == pytest.approx(143)
    assert rent_bar["npv_difference_high_usd"] > rent_bar["npv_difference_low_usd"]


# --- Monte Carlo -----------------------------------------------------------------------------------------

def test_zero_volatility_equals_the_deterministic_case(base):
    result = monte_carlo(base, MonteCarloSpec(paths=50, seed=3, btc_volatility_per_year_frac=0.0))
    deterministic = compare_site(base)
    np.testing.assert_allclose(result.mining_npv_usd, deterministic.mining_npv_usd, rtol=1e-12)
    np.testing.assert_allclose(result.lease_npv_usd, deterministic.lease_npv_usd, rtol=1e-12)
    assert result.probability_lease_beats_mining == float(deterministic.npv_difference_usd > 0)


def test_same_seed_same_answer_and_chunking_changes_nothing(base):
    spec = dict(paths=3_000, btc_volatility_per_year_frac=0.7, difficulty_growth_low_per_month_frac=0.01,
                difficulty_growth_high_per_month_frac=0.03, lease_delay_months_choices=(0, 3, 9),
                lease_delay_probabilities=(0.5, 0.3, 0.2), tenant_default_probability_per_year_frac=0.03)
    a = monte_carlo(base, MonteCarloSpec(seed=11, **spec))
    b = monte_carlo(base, MonteCarloSpec(seed=11, **spec))
    c = monte_carlo(base, MonteCarloSpec(seed=12, **spec))
    np.testing.assert_array_equal(a.mining_npv_usd, b.mining_npv_usd)
    np.testing.assert_array_equal(a.lease_npv_usd, b.lease_npv_usd)
    assert not np.array_equal(a.mining_npv_usd, c.mining_npv_usd)
    table = a.percentiles()
    assert list(table.index) == ["P5", "P25", "P50", "P75", "P95"]
    assert (np.diff(table.to_numpy(), axis=0) >= 0).all()
    assert 0.0 < a.probability_lease_beats_mining < 1.0


def test_gbm_mean_matches_the_stated_drift(base):
    # E[P_t] = P_0 (1 + g)^t: with 20,000 paths the sample mean of mining revenue's driver is within 2%
    from hashlease.models.monte_carlo import draw_block
    spec = MonteCarloSpec(paths=20_000, seed=5, btc_volatility_per_year_frac=0.5, btc_drift_per_year_frac=0.1)
    price, *_ = draw_block(base, spec, 0, 20_000)
    # 5 years: a lognormal with sd/mean = sqrt(exp(0.5^2 x 5) - 1) = 1.58, so the mean of 20,000 paths has a
    # standard error of 1.1%; four standard errors bound it
    sample = price[:, 60]
    assert abs(sample.mean() - 93_450 * 1.1**5) < 4 * sample.std() / np.sqrt(sample.size)


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


# --- regressions from review ------------------------------------------------------------------------------

def test_monte_carlo_delay_keeps_the_whole_lease_and_its_residual(base):
    withexit = with_input(base, "lease.exit_cap_rate_frac", 0.08)
    result = monte_carlo(withexit, MonteCarloSpec(paths=3, seed=1, btc_volatility_per_year_frac=0.0,
                                                  lease_delay_months_choices=(6,)))
    delayed = with_input(withexit, "lease.delay_months", 6)
    assert delayed.horizon == withexit.horizon + 6
    np.testing.assert_allclose(result.lease_npv_usd, compare_site(delayed).lease_npv_usd, rtol=1e-12)
    np.testing.assert_allclose(result.mining_npv_usd, compare_site(delayed).mining_npv_usd, rtol=1e-12)


def test_monte_carlo_answer_does_not_depend_on_chunk_size(base):
    spec = dict(paths=2_500, seed=3, difficulty_growth_low_per_month_frac=0.0, difficulty_growth_high_per_month_frac=0.03,
                lease_delay_months_choices=(0, 3), tenant_default_probability_per_year_frac=0.05)
    a = monte_carlo(base, MonteCarloSpec(**spec, chunk_paths=1_000))
    b = monte_carlo(base, MonteCarloSpec(**spec, chunk_paths=3_000))
    np.testing.assert_array_equal(a.mining_npv_usd, b.mining_npv_usd)
    np.testing.assert_array_equal(a.lease_npv_usd, b.lease_npv_usd)


def test_a_zero_default_probability_draws_no_default(base):
    risky = with_input(base, "lease.default_probability_per_year_frac", 0.2)
    result = monte_carlo(risky, MonteCarloSpec(paths=2, seed=0, btc_volatility_per_year_frac=0.0,
                                               tenant_default_probability_per_year_frac=0.0))
    safe = compare_site(with_input(risky, "lease.default_probability_per_year_frac", None))
    np.testing.assert_allclose(result.lease_npv_usd, safe.lease_npv_usd, rtol=1e-12)


def test_horizon_before_the_lease_ends_is_refused(base):
    with pytest.raises(HashleaseError, match="horizon_months must be >= 133"):
        with_input(base, "horizon_months", 60)


def test_sensitivities_share_one_horizon(base):
    bars = tornado(base).set_index("input")
    # moving the delay moves the lease only: mining's NPV over the shared horizon is the same in both bars
    low, high = (with_inputs(base, [("lease.delay_months", d), ("horizon_months", base.horizon + 6)]) for d in (0, 6))
    assert compare_site(low).mining_npv_usd == compare_site(high).mining_npv_usd
    assert bars.loc["lease.delay_months", "npv_difference_high_usd"] < bars.loc["lease.delay_months",
                                                                                 "npv_difference_low_usd"]


def test_tornado_clips_steps_to_the_accepted_range(base):
    from hashlease.models import TornadoStep
    bars = tornado(base, [TornadoStep("mining.uptime_frac", 0.05)])
    assert bars.at[0, "high_value"] == 1.0


def test_price_path_breakeven_scales_the_path(base):
    flat = dict(btc_price_usd=None, btc_price_growth_per_year_frac=None, btc_price_path_usd=(93_450.0,) * 133)
    by_path = example_comparison(market=flat)
    by_level = example_comparison(market={"btc_price_growth_per_year_frac": 0.0})
    assert breakeven_btc_price_vs_lease(by_path) == pytest.approx(breakeven_btc_price_vs_lease(by_level), rel=1e-9)


def test_no_price_breaks_even_when_mining_wins_regardless(base):
    with pytest.raises(HashleaseError, match="mining wins at any price"):
        breakeven_btc_price_vs_lease(with_input(base, "lease.rent_usd_per_kw_month", 1.0))


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
