"""Issue 13, item 6 (model side): no public function of the hashprice, difficulty, breakeven, fleet, lease-rate,
subsidy or date modules returns NaN or infinity for finite inputs in range. Where the answer is an ordinary
number although a step of the textbook formula overflows, the answer is given (expected values by arithmetic,
shown); where the answer itself is beyond the largest float (about 1.8e308) the call raises a HashleaseError of
kind NUM that names the inputs.

Also item 20c: a market projection whose difficulty leaves the numbers is a NUM error naming the field.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashlease import models as m
from hashlease.models import ErrorKind, HashleaseError

LARGEST = 1.7976931348623157e308


# --- answers that are ordinary numbers although a step overflows -------------------------------------------

@pytest.mark.parametrize(("call", "expected"), [
    # 1e15 H per PH x 86,400 s x R / (D x 2^32) with R = D = 1e308: 1e15 x 86,400 / 2^32 = 2.0116568e10
    (lambda: m.hashprice_btc_per_day_from_reward(1e308, 1e308), 1e15 * 86_400 / 2**32),
    # 1e308 x 2^32 / 600 / 1e18 (EH): 1e290 x 2^32 / 600
    (lambda: m.network_hashrate(1e308), 1e290 * 2**32 / 600),
    # D = H x 1e18 x 600 / 2^32 with H = 1e290 EH/s (1e308 H/s x 600 overflows on the way)
    (lambda: m.difficulty_from_hashrate(1e290), 1e290 * (1e18 * 600 / 2**32)),
    # interval = D x 2^32 / (H x 1e18) with D = 1e308 and H = 1e300 EH/s: 1e-10 x 2^32
    (lambda: m.mean_block_interval_s(1e308, 1e300), 1e-10 * 2**32),
    # blocks a day = H x 86,400 / (D x 2^32) with H = D = 1e308 H/s
    (lambda: m.expected_blocks_per_day(1e308, 1e308), 86_400 / 2**32),
    # the mean of 1e308 J/TH and 1e308 J/TH is 1e308 J/TH
    (lambda: m.fleet_efficiency_j_per_th([1e308, 1e308], [1e308, 1e308]), 1e308),
    # TCV 1e308 over 1e10 MW x 12,000 kW-months per MW-year x 1e10 years: 1e308 / 1.2e24
    (lambda: m.implied_flat_rent_usd_per_kw_month(1e308, 1e10, 1e10), 1e308 / 1.2e24),
    # 1e-300 USD/kW-month stepped up 1000x a year for 200 years: 1e-300 x 1001^199 = 10^(-300 + 199 log10 1001)
    (lambda: m.escalated_rent_usd_per_kw_month(1e-300, 1000.0, 200), 10 ** (-300 + 199 * math.log10(1001))),
], ids=["hashprice-from-reward", "network-hashrate", "difficulty-from-hashrate", "block-interval",
        "blocks-per-day", "fleet-efficiency", "flat-rent", "escalated-rent"])
def test_an_overflowing_step_does_not_hide_an_ordinary_answer(call, expected):
    # products formed in logs where the plain product overflows: relative error ~ |log| x 1e-16 < 1e-12
    assert call() == pytest.approx(expected, rel=1e-12)


# --- answers beyond the largest number: a NUM error naming the inputs --------------------------------------

@pytest.mark.parametrize(("call", "names"), [
    # 24 h x 17.5 kW per PH/s x 1e308 USD/kWh = 4.2e310
    (lambda: m.hashcost_usd_per_day(17.5, 1e308), "efficiency_j_per_th, power_price_usd_per_kwh"),
    (lambda: m.mining_margin_usd_per_ph_day(1e308, 1e308, 1e308), "efficiency_j_per_th, power_price_usd_per_kwh"),
    # 1e308 USD/PH/day over 24 x 1e-308 J/TH
    (lambda: m.breakeven_power_price_usd_per_kwh(1e308, 1e-308), "hashprice_usd_per_ph_day, efficiency_j_per_th"),
    (lambda: m.breakeven_efficiency_j_per_th(1e308, 1e-308), "hashprice_usd_per_ph_day, power_price_usd_per_kwh"),
    (lambda: m.breakeven_hashprice_usd_per_ph_day(1e308, 1e308), "efficiency_j_per_th, power_price_usd_per_kwh"),
    # 1e15 x 86,400 x 3.125 / (1e-300 x 2^32) ~ 6e310 BTC per PH/s per day
    (lambda: m.hashprice_btc_per_day(1e-300, 840_000, fees_btc_per_block=0.0), "difficulty"),
    (lambda: m.hashprice_usd_per_day(1e-290, 1e100, 840_000, fees_btc_per_block=0.0), "difficulty, btc_price_usd"),
    (lambda: m.network_hashrate(1e308, unit="H"), "difficulty, mean_block_interval_s"),  # 7e314 H/s
    (lambda: m.retarget_difficulty(1e308, 1.0), "difficulty"),  # x 4, the clamp
    (lambda: m.th_s_per_mw(1e-308), "efficiency_j_per_th"),  # 1e6 W / 1e-308 W per TH/s
    (lambda: m.mining_economics_per_mw(1e308, 1e-300, 0.05), "hashprice_usd_per_ph_day"),
    (lambda: m.usd_per_kw_month_to_usd_per_mw_year(1e308), "rent_usd_per_kw_month"),  # x 12,000
    (lambda: m.implied_year_one_rent_usd_per_kw_month(1e308, 1e-308, 1, 0.0), "total_contract_value_usd"),
    (lambda: m.escalated_rent_usd_per_kw_month(1e300, 1000.0, 200), "year_one_rent_usd_per_kw_month"),
    (lambda: m.estimate_height_time(1, 0, "2024-01-01", mean_block_interval_s=1e300), "mean_block_interval_s"),
], ids=["hashcost", "margin", "breakeven-power", "breakeven-efficiency", "breakeven-hashprice",
        "hashprice-btc", "hashprice-usd", "network-hashrate-h", "retarget", "th-per-mw", "economics-per-mw",
        "mw-year", "year-one-rent", "escalated-rent", "height-time"])
def test_an_answer_beyond_the_largest_number_is_a_num_error_naming_the_inputs(call, names):
    with pytest.raises(HashleaseError, match=names) as info:
        call()
    assert info.value.kind is ErrorKind.NUM
    assert "Excel answers #NUM!" in str(info.value)


def test_the_issue_s_hashcost_case():
    # hashcost_usd_per_day(17.5, 1e308) returned inf: 24 x 17.5 x 1e308 = 4.2e310 > 1.8e308
    with pytest.raises(HashleaseError, match=r"power_price_usd_per_kwh=1e\+308") as info:
        m.hashcost_usd_per_day(17.5, 1e308)
    assert info.value.kind is ErrorKind.NUM


def test_an_array_names_the_first_element_whose_answer_overflows():
    with pytest.raises(HashleaseError, match=r"at element \[1\]"):
        m.hashcost_usd_per_day(17.5, [0.05, 1e308])


def test_kernel_functions_leave_an_overflowing_array_element_for_the_caller():
    # the projection passes arrays and judges one scenario alone: the array keeps its inf, a single value raises
    out = m.network_hashrate(np.array([1e14, 1e308]), unit="H")
    assert out[0] == pytest.approx(1e14 * 2**32 / 600, rel=1e-15) and math.isinf(out[1])
    with pytest.raises(HashleaseError, match="difficulty"):
        m.network_hashrate(1e308, unit="H")


# --- issue 13, item 20c: the projection --------------------------------------------------------------------

def _projection(**changes):
    inputs = dict(start="2025-01-01", months=48, difficulty=108.52e12, block_height=876_000, btc_price_usd=93_450,
                  fees_btc_per_block=0.0931) | changes
    return m.hashprice_projection(m.MarketProjection(**inputs))


@pytest.mark.parametrize(("changes", "field", "month"), [
    (dict(difficulty=1e308), "difficulty", 0),  # 1e308 x 2^32 / 600 s = 7e314 H/s
    # 1e308 x 1.3^m passes 1.8e308 at m = 3: log(1.8) / log(1.3) = 2.2
    (dict(difficulty=1e308, difficulty_growth_per_month_frac=0.3), "difficulty", 3),
    (dict(difficulty=1.0, hashrate_path_eh_s=(1e300,) * 48), r"hashrate_path_eh_s\[0\]", 0),  # 1e318 H/s
], ids=["difficulty", "difficulty-growth", "hashrate-path"])
def test_a_projection_beyond_the_largest_number_is_a_num_error_naming_the_field(changes, field, month):
    with pytest.raises(HashleaseError, match=rf"^{field} must be .*month {month}: ") as info:
        _projection(**changes)
    assert info.value.kind is ErrorKind.NUM


def test_a_projection_with_a_huge_difficulty_on_a_hashrate_path_is_finite():
    # month 0 keeps the given difficulty (1e308: hashprice ~ 0); the first retarget brings it to the path
    table = _projection(difficulty=1e308, hashrate_path_eh_s=(700.0,) * 48)
    assert np.isfinite(table.to_numpy(dtype=float)).all()
