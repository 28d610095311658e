"""Hashcost, margins and breakevens.

Sources: shared/domain.md §0 case 6 (Hashrate Index Roundup 1 Apr 2024: breakevens at $54.3/PH/day),
§2.5 (breakeven $/kWh by model at $54.3 and $55.97/PH/day, computed as hashprice / (J/TH x 24)),
§0 bonus (S21 at $0.05/kWh at the 12 Nov 2024 snapshot: $21.00/PH/day, $32,352/BTC) and §1.4 (the units
trap: E x USD/MWh x 24 is USD per EH/s per day).
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hashlease.models import (HashleaseError, breakeven_btc_price_usd, breakeven_efficiency_j_per_th,
                              breakeven_power_price_usd_per_kwh, cost_to_mine_usd_per_btc,
                              hashcost_usd_per_day, hashprice_usd_per_day,
                              market_breakeven_efficiency_j_per_th, market_breakeven_power_price_usd_per_kwh,
                              mining_margin_usd_per_ph_day)

# domain.md §2.5: model, J/TH, breakeven USD/kWh at $54.3/PH/day, at $55.97/PH/day (4 decimals)
TABLE_2_5 = [
    ("Antminer S19j Pro", 29.5, 0.0767, 0.0791),
    ("Antminer S19 Pro", 29.5, 0.0767, 0.0791),
    ("Antminer S19 XP", 21.5, 0.1052, 0.1085),
    ("Antminer S21", 17.5, 0.1293, 0.1333),
    ("Antminer S21 Hyd.", 16.0, 0.1414, 0.1458),
    ("Antminer S21 Pro", 15.0, 0.1508, 0.1555),
    ("Antminer S21 XP", 13.5, 0.1676, 0.1727),
]


@pytest.mark.parametrize(("model", "j_per_th", "at_54_3", "at_55_97"), TABLE_2_5,
                         ids=[f"domain-2.5-{row[0].replace(' ', '-')}" for row in TABLE_2_5])
def test_breakeven_power_price_table_2_5(model, j_per_th, at_54_3, at_55_97):
    assert breakeven_power_price_usd_per_kwh(54.3, j_per_th) == pytest.approx(at_54_3, abs=5e-5)
    assert breakeven_power_price_usd_per_kwh(55.97, j_per_th) == pytest.approx(at_55_97, abs=5e-5)


# domain.md §0 case 6: Hashrate Index's published breakevens, printed to the cent (and, judging by
# S19 XP: computed 0.1052, printed 0.10, truncated rather than rounded) -> within one cent.
PUBLISHED_CASE_6 = [("Antminer S21", 17.5, 0.13), ("Antminer S19 XP", 21.5, 0.10),
                    ("Antminer S19j Pro", 29.5, 0.075)]


@pytest.mark.parametrize(("model", "j_per_th", "published"), PUBLISHED_CASE_6,
                         ids=[f"case6-HRI-2024-04-01-{row[0].replace(' ', '-')}" for row in PUBLISHED_CASE_6])
def test_breakeven_power_price_published_case_6(model, j_per_th, published):
    assert breakeven_power_price_usd_per_kwh(54.3, j_per_th) == pytest.approx(published, abs=0.01)


def test_hashcost_and_breakeven_btc_price_bonus_case():
    # domain.md §0 bonus: S21 at $0.05/kWh: 17.5 x 24 x 0.05 = $21.00/PH/day; / 0.00064911 BTC/PH/day
    # (12 Nov 2024: D = 101.65 T, R = 3.28 BTC -> fees 0.155 BTC at the 3.125 BTC subsidy) = $32,352/BTC
    assert hashcost_usd_per_day(17.5, 0.05) == pytest.approx(21.00, abs=1e-12)
    value = breakeven_btc_price_usd(101.65e12, 860_000, 17.5, 0.05, fees_btc_per_block=0.155)
    assert value == pytest.approx(32_352, abs=0.5)
    assert cost_to_mine_usd_per_btc(101.65e12, 860_000, 17.5, 0.05, fees_btc_per_block=0.155) == value


def test_units_trap_usd_per_mwh():
    # domain.md §1.4: E x (USD/MWh) x 24 is USD per EH/s per day
    e, p_mwh = 21.5, 45.0
    assert hashcost_usd_per_day(e, p_mwh / 1000, unit="EH") == pytest.approx(e * p_mwh * 24, rel=1e-14)
    assert hashcost_usd_per_day(e, p_mwh / 1000, unit="TH") == pytest.approx(e * p_mwh * 24 / 1e6, rel=1e-14)


def test_cost_to_mine_closed_form():
    # domain.md §1.4: cost per BTC = E x p x D x 2^32 / (3.6e18 x R)
    e, p, d, r = 21.5, 0.06, 108.52e12, 3.125 + 0.0931
    expected = e * p * d * 2**32 / (3.6e18 * r)
    assert cost_to_mine_usd_per_btc(d, 874_944, e, p, fees_btc_per_block=0.0931) == pytest.approx(
        expected, rel=1e-13)


def test_refinements_move_breakevens_the_right_way():
    base = breakeven_power_price_usd_per_kwh(55.0, 17.5)
    assert breakeven_power_price_usd_per_kwh(55.0, 17.5, pool_fee_frac=0.02) == pytest.approx(base * 0.98)
    assert breakeven_power_price_usd_per_kwh(55.0, 17.5, pue=1.1) == pytest.approx(base / 1.1)
    # without other costs, uptime cancels: downtime loses revenue and saves power alike
    assert breakeven_power_price_usd_per_kwh(55.0, 17.5, uptime_frac=0.9) == pytest.approx(base, rel=1e-15)
    # with fixed other costs, lower uptime lowers the breakeven
    assert (breakeven_power_price_usd_per_kwh(55.0, 17.5, uptime_frac=0.9, other_cash_cost_usd_per_ph_day=5)
            < breakeven_power_price_usd_per_kwh(55.0, 17.5, other_cash_cost_usd_per_ph_day=5))


hashprices = st.floats(1.0, 1000.0)
efficiencies = st.floats(5.0, 120.0)
power_prices = st.floats(0.001, 0.5)
uptimes = st.floats(0.05, 1.0)
pool_fees = st.floats(0.0, 0.1)
pues = st.floats(1.0, 2.0)
others = st.floats(0.0, 50.0)


@given(hashprices, efficiencies, uptimes, pool_fees, pues, others)
def test_margin_is_zero_at_breakeven_power_price(h, e, u, f, pue, c):
    refine = dict(uptime_frac=u, pool_fee_frac=f, pue=pue, other_cash_cost_usd_per_ph_day=c)
    p = breakeven_power_price_usd_per_kwh(h, e, **refine)
    assume(p >= 0)
    # at the breakeven, hashcost + other costs equal net revenue
    assert hashcost_usd_per_day(e, p, uptime_frac=u, pue=pue) + c == pytest.approx(h * u * (1 - f), rel=1e-9)
    assert mining_margin_usd_per_ph_day(h, e, p, **refine) == pytest.approx(0.0, abs=1e-9 * h)


@given(hashprices, power_prices, uptimes, pool_fees, pues, others)
def test_margin_is_zero_at_breakeven_efficiency(h, p, u, f, pue, c):
    refine = dict(uptime_frac=u, pool_fee_frac=f, pue=pue, other_cash_cost_usd_per_ph_day=c)
    e = breakeven_efficiency_j_per_th(h, p, **refine)
    assume(e > 0)
    assert mining_margin_usd_per_ph_day(h, e, p, **refine) == pytest.approx(0.0, abs=1e-9 * h)


@given(st.floats(1e12, 1e15), st.integers(0, 6_929_999), st.floats(0.0, 2.0), efficiencies, power_prices,
       uptimes, pool_fees, pues, others)
def test_margin_is_zero_at_breakeven_btc_price(d, height, fees, e, p, u, f, pue, c):
    refine = dict(uptime_frac=u, pool_fee_frac=f, pue=pue, other_cash_cost_usd_per_ph_day=c)
    assume(height < 6_930_000 or fees > 0)
    price = breakeven_btc_price_usd(d, height, e, p, fees_btc_per_block=fees, **refine)
    h = hashprice_usd_per_day(d, price, height, fees_btc_per_block=fees)
    assert mining_margin_usd_per_ph_day(h, e, p, **refine) == pytest.approx(0.0, abs=1e-9 * (h + c))


def test_after_halving_variants():
    market = dict(fees_btc_per_block=0.0931)
    h_next = hashprice_usd_per_day(108.52e12, 93_450, 874_944, **market, after_next_halving=True)
    assert market_breakeven_power_price_usd_per_kwh(108.52e12, 93_450, 874_944, 17.5, **market,
                                                    after_next_halving=True) == pytest.approx(
        h_next / (17.5 * 24), rel=1e-14)
    assert market_breakeven_efficiency_j_per_th(108.52e12, 93_450, 874_944, 0.05, **market,
                                                after_next_halving=True) == pytest.approx(
        h_next / (0.05 * 24), rel=1e-14)
    now = breakeven_btc_price_usd(108.52e12, 874_944, 17.5, 0.05, fees_btc_per_block=0.0)
    after = breakeven_btc_price_usd(108.52e12, 874_944, 17.5, 0.05, fees_btc_per_block=0.0,
                                    after_next_halving=True)
    assert after == pytest.approx(2 * now, rel=1e-14)  # half the coins for the same power bill


def test_vectorised_equals_scalar():
    eff = np.array([29.5, 21.5, 17.5, 13.5])
    prices = np.array([[0.03], [0.05], [0.08]])
    grid = breakeven_btc_price_usd(108.52e12, 874_944, eff, prices, fees_btc_per_block=0.0931)
    assert grid.shape == (3, 4)
    for i, p in enumerate(prices[:, 0]):
        for j, e in enumerate(eff):
            assert grid[i, j] == breakeven_btc_price_usd(108.52e12, 874_944, e, p, fees_btc_per_block=0.0931)


@pytest.mark.parametrize(("call", "arg", "accepted"), [
    (lambda: hashcost_usd_per_day(0, 0.05), "efficiency_j_per_th", "> 0"),
    (lambda: hashcost_usd_per_day(-17.5, 0.05), "efficiency_j_per_th", "> 0"),
    (lambda: hashcost_usd_per_day(17.5, -0.01), "power_price_usd_per_kwh", ">= 0"),
    (lambda: hashcost_usd_per_day(17.5, 0.05, uptime_frac=0), "uptime_frac", "in (0, 1]"),
    (lambda: hashcost_usd_per_day(17.5, 0.05, uptime_frac=1.01), "uptime_frac", "in (0, 1]"),
    (lambda: hashcost_usd_per_day(17.5, 0.05, pue=0.9), "pue", ">= 1"),
    (lambda: hashcost_usd_per_day(17.5, 0.05, unit="kW"), "unit", "one of 'TH', 'PH', 'EH'"),
    (lambda: breakeven_power_price_usd_per_kwh(55, 17.5, pool_fee_frac=1.0), "pool_fee_frac", "in [0, 1)"),
    (lambda: breakeven_power_price_usd_per_kwh(-1, 17.5), "hashprice_usd_per_ph_day", ">= 0"),
    (lambda: breakeven_power_price_usd_per_kwh(55, float("nan")), "efficiency_j_per_th", "> 0"),
    (lambda: breakeven_efficiency_j_per_th(55, 0), "power_price_usd_per_kwh", "> 0"),
    (lambda: breakeven_power_price_usd_per_kwh(55, 17.5, other_cash_cost_usd_per_ph_day=-1),
     "other_cash_cost_usd_per_ph_day", ">= 0"),
    (lambda: breakeven_btc_price_usd(1e14, 7_000_000, 17.5, 0.05, fees_btc_per_block=0.0),
     "fees_btc_per_block", "> 0 once the subsidy is zero"),
], ids=["zero-efficiency", "negative-efficiency", "negative-power-price", "zero-uptime", "uptime-above-1",
        "pue-below-1", "unknown-unit", "pool-fee-1", "negative-hashprice", "nan-efficiency",
        "zero-power-price-for-efficiency", "negative-other-costs", "no-reward"])
def test_bad_input(call, arg, accepted):
    with pytest.raises(HashleaseError) as info:
        call()
    assert info.value.arg == arg and info.value.accepted == accepted


def test_array_error_reports_first_bad_index():
    with pytest.raises(HashleaseError, match=r"efficiency_j_per_th\[1, 0\] must be > 0, got -1.0"):
        hashcost_usd_per_day(np.array([[17.5, 21.5], [-1.0, -2.0]]), 0.05)


# --- breakeven hashprice ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    ((17.5, 0.05), {}, 24 * 17.5 * 0.05),                                          # §0 bonus: $21.00/PH/day
    ((29.5, 0.05), dict(pue=1.1, pool_fee_frac=0.02), 24 * 29.5 * 0.05 * 1.1 / 0.98),
    ((17.5, 0.05), dict(uptime_frac=0.9, other_cash_cost_usd_per_ph_day=3.0),
     (24 * 17.5 * 0.05 * 0.9 + 3.0) / 0.9),                                       # fixed costs over fewer hours
    (([17.5, 21.5], [[0.04], [0.06]]), {}, [[24 * 17.5 * 0.04, 24 * 21.5 * 0.04],
                                             [24 * 17.5 * 0.06, 24 * 21.5 * 0.06]]),
], ids=["s21-section-0-bonus", "pue-and-pool-fee", "uptime-and-other-costs", "broadcast"])
def test_breakeven_hashprice_by_hand(args, kwargs, expected):
    from hashlease.models import breakeven_hashprice_usd_per_ph_day
    np.testing.assert_allclose(breakeven_hashprice_usd_per_ph_day(*args, **kwargs), expected, rtol=1e-14)


def test_breakeven_hashprice_inverts_the_breakeven_power_price():
    from hashlease.models import breakeven_hashprice_usd_per_ph_day
    # at its breakeven hashprice, a machine's breakeven power price is the power price it started from
    kwargs = dict(uptime_frac=0.95, pool_fee_frac=0.02, pue=1.1, other_cash_cost_usd_per_ph_day=4.0)
    h = breakeven_hashprice_usd_per_ph_day(21.5, 0.045, **kwargs)
    assert breakeven_power_price_usd_per_kwh(h, 21.5, **kwargs) == pytest.approx(0.045, rel=1e-13)
