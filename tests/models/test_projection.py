"""Monthly hashprice projection: difficulty, block rate, halvings, fees and BTC price month by month.

Expected values are closed forms computed here by hand (calendar dates from Python's datetime, arithmetic
shown), the protocol's halving schedule and domain.md §0 case 7 (10-minute blocks: 210,000 blocks = 1,458.33 days).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashlease.models import (HashleaseError, MarketProjection, hashprice_btc_per_day_from_reward,
                              hashprice_projection, project_market)

FLAT = dict(start="2026-01-01", months=36, difficulty=100e12, block_height=1_050_000, btc_price_usd=100_000,
            fees_btc_per_block=0.0)


def _months(start: dt.date, n: int) -> list[dt.date]:
    return [dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1) for i in range(n)]


def test_flat_market_hashprice_is_the_static_formula():
    table = hashprice_projection(MarketProjection(**FLAT))
    # 1e15 x 86,400 / (1e14 x 2^32) x 1.5625 BTC x $100,000 = $31.43/PH/day in every month
    expected = 1e15 * 86_400 / (100e12 * 2**32) * 1.5625 * 100_000
    np.testing.assert_allclose(table["hashprice_usd_per_ph_day"], expected, rtol=1e-14)
    np.testing.assert_allclose(table["block_interval_s"], 600.0, rtol=1e-14)
    # blocks per month at 600 s: days x 144
    days = [(b - a).days for a, b in zip(_months(dt.date(2026, 1, 1), 37), _months(dt.date(2026, 1, 1), 37)[1:])]
    np.testing.assert_allclose(table["blocks_in_month"], np.array(days) * 144, rtol=1e-14)

def test_halving_month_halves_the_subsidy_and_nothing_else():
    # start 115,000 blocks before the 5th halving at 600 s blocks: 115,000 x 600 s = 798.6 days after 1 Jan 2026
    market = MarketProjection(**{**FLAT, "block_height": 935_000, "fees_btc_per_block": 0.05, "months": 36})
    table = hashprice_projection(market)
    halving = dt.datetime(2026, 1, 1) + dt.timedelta(seconds=115_000 * 600)
    assert table.attrs["halving_dates"] == [halving.date().isoformat()]  # 2028-03-09
    month = table.index.get_loc(f"{halving.year}-{halving.month:02d}-01")
    before, inside, after = table.iloc[month - 1], table.iloc[month], table.iloc[month + 1]
    assert before["subsidy_btc_per_block"] == 3.125 and after["subsidy_btc_per_block"] == 1.5625
    # the halving month blends by blocks: blocks before the halving at 3.125, the rest at 1.5625
    blocks_before = (halving - dt.datetime(halving.year, halving.month, 1)).total_seconds() / 600
    assert inside["subsidy_btc_per_block"] == pytest.approx(
        (blocks_before * 3.125 + (inside["blocks_in_month"] - blocks_before) * 1.5625) / inside["blocks_in_month"],
        rel=1e-12)
    for column in ("fees_btc_per_block", "difficulty", "btc_price_usd", "block_interval_s"):
        assert before[column] == after[column]
    # hashprice falls exactly by the subsidy's half: (1.5625 + 0.05) / (3.125 + 0.05)
    assert after["hashprice_usd_per_ph_day"] / before["hashprice_usd_per_ph_day"] == pytest.approx(
        1.6125 / 3.175, rel=1e-14)

def test_ten_minute_blocks_date_a_halving_1458_days_later():
    # domain.md §0 case 7: 210,000 blocks x 600 s = 1,458.33 days
    table = hashprice_projection(MarketProjection(**{**FLAT, "block_height": 840_000, "months": 60,
                                                     "start": "2024-05-01"}))
    expected = dt.datetime(2024, 5, 1) + dt.timedelta(days=1_458 + 1 / 3)
    assert table.attrs["halving_dates"] == [expected.date().isoformat()]

def test_growing_difficulty_shortens_blocks_and_dates_halvings_earlier():
    slow = hashprice_projection(MarketProjection(**{**FLAT, "block_height": 935_000, "months": 40}))
    fast = hashprice_projection(MarketProjection(**{**FLAT, "block_height": 935_000, "months": 40,
                                                    "difficulty_growth_per_month_frac": 0.02}))
    # hashrate leads difficulty by one retarget lag of 14 days: 600 / 1.02^(14 / 30.4375) s
    assert fast["block_interval_s"].iloc[0] == pytest.approx(600 / 1.02 ** (14 / 30.4375), rel=1e-12)
    assert fast.attrs["halving_dates"][0] < slow.attrs["halving_dates"][0]
    assert fast["difficulty"].iloc[12] == pytest.approx(100e12 * 1.02**12, rel=1e-12)

def test_price_growth_path_and_fee_share():
    grown = hashprice_projection(MarketProjection(**{**FLAT, "btc_price_growth_per_year_frac": 0.5}))
    assert grown["btc_price_usd"].iloc[12] == pytest.approx(150_000, rel=1e-12)  # a year at +50%
    path = tuple(float(x) for x in np.linspace(80_000, 120_000, 36))
    by_path = hashprice_projection(MarketProjection(**{**FLAT, "btc_price_usd": None, "btc_price_path_usd": path}))
    np.testing.assert_allclose(by_path["btc_price_usd"], path)
    share = hashprice_projection(MarketProjection(**{**FLAT, "fees_btc_per_block": None, "fee_share_frac": 0.2}))
    np.testing.assert_allclose(share["reward_btc_per_block"], 1.5625 / 0.8, rtol=1e-14)

def test_hashrate_path_sets_the_network_hashrate():
    path = tuple(float(x) for x in 800 * 1.01 ** np.arange(36))
    table = hashprice_projection(MarketProjection(**{**FLAT, "hashrate_path_eh_s": path}))
    np.testing.assert_allclose(table["network_hashrate_eh_s"], path, rtol=1e-14)
    assert table["difficulty"].iloc[0] == 100e12

def test_hashrate_path_inconsistent_with_difficulty_retargets_within_a_month():
    table = hashprice_projection(MarketProjection(**{**FLAT, "months": 3, "hashrate_path_eh_s": (1000.0,) * 3}))
    assert table["block_interval_s"].iloc[0] < 600  # today's difficulty is behind the path...
    np.testing.assert_allclose(table["block_interval_s"].iloc[1:], 600.0, rtol=1e-12)  # ...until it retargets
    one = hashprice_projection(MarketProjection(**{**FLAT, "months": 1, "hashrate_path_eh_s": (700.0,)}))
    assert len(one) == 1

def test_projection_longer_than_a_path_is_refused():
    market = MarketProjection(**{**FLAT, "months": 12, "btc_price_usd": None, "btc_price_path_usd": (1e5,) * 12})
    with pytest.raises(HashleaseError, match=r"btc_price_path_usd must be one value per month \(24\)"):
        project_market(market, months=24)


@pytest.mark.parametrize(("build", "field", "fragment"), [
    (lambda: MarketProjection(**{**FLAT, "fees_btc_per_block": None}), "fees_btc_per_block", "exactly one of"),
    (lambda: MarketProjection(**{**FLAT, "btc_price_usd": None, "btc_price_path_usd": (1.0, 2.0)}),
     "btc_price_path_usd", "one value per month (36)"),
    (lambda: MarketProjection(**{**FLAT, "btc_price_path_usd": (1.0,) * 36}), "btc_price_usd", "exactly one"),
    (lambda: MarketProjection(**{**FLAT, "months": 1200, "difficulty_growth_per_month_frac": -0.49}),
     "difficulty_growth_per_month_frac", "keeps difficulty >= 1"),
    (lambda: MarketProjection(**{**FLAT, "difficulty": 0}), "difficulty", "> 0"),
], ids=["no-fees", "short-price-path", "price-and-path", "difficulty-to-zero", "zero-difficulty"])
def test_bad_input_names_the_field(build, field, fragment):
    with pytest.raises(HashleaseError) as info:
        build()
    assert info.value.arg == field
    assert fragment in str(info.value)


# --- one formula: the projection computes through the hashprice, subsidy and calendar modules -------------

def test_projection_hashprice_is_the_static_formula_of_each_month():
    # a growing, fee-paying market across the 2028 halving: month by month, hashprice must be
    # 1e15 x 86,400 / (D x 2^32) x (subsidy + fees) x P, with D, subsidy, fees and P the month's own inputs
    market = MarketProjection(**{**FLAT, "block_height": 1_020_000, "fees_btc_per_block": 0.07,
                                 "difficulty_growth_per_month_frac": 0.015, "btc_price_growth_per_year_frac": 0.2})
    table = hashprice_projection(market)
    difficulty = 100e12 * 1.015 ** np.arange(36)
    np.testing.assert_allclose(table["difficulty"], difficulty, rtol=1e-14)
    reward = table["subsidy_btc_per_block"].to_numpy() + 0.07
    btc = 1e15 * 86_400 / (difficulty * 2.0**32) * reward
    np.testing.assert_allclose(table["hashprice_btc_per_ph_day"], btc, rtol=1e-14)
    np.testing.assert_allclose(table["hashprice_usd_per_ph_day"], btc * 100_000 * 1.2 ** (np.arange(36) / 12),
                               rtol=1e-14)
    # and the hashprice module gives the same figure for the same difficulty and reward
    np.testing.assert_allclose(hashprice_btc_per_day_from_reward(difficulty, reward), btc, rtol=1e-14)


def test_projection_subsidy_blends_the_halving_month_by_hand():
    # 1,049,000: 1,000 blocks before the 2028 halving. At 600 s, January 2026 has 31 x 144 = 4,464 blocks:
    # 1,000 at 3.125 BTC and 3,464 at 1.5625 BTC
    table = hashprice_projection(MarketProjection(**{**FLAT, "block_height": 1_049_000, "months": 2}))
    assert table["subsidy_btc_per_block"].iloc[0] == pytest.approx((1_000 * 3.125 + 3_464 * 1.5625) / 4_464,
                                                                   rel=1e-14)
    assert table["subsidy_btc_per_block"].iloc[1] == 1.5625


def test_projection_months_are_calendar_months():
    table = hashprice_projection(MarketProjection(**{**FLAT, "start": "2027-11-20", "months": 5}))
    expected = _months(dt.date(2027, 11, 1), 6)
    assert [d.date() for d in table.index] == expected[:-1]
    # 30, 31, 31, 29 (2028 is a leap year) and 31 days
    assert table["days_in_month"].tolist() == [(b - a).days for a, b in zip(expected, expected[1:])]


def test_cumulative_subsidy_is_still_importable_from_the_projection():
    from hashlease.models import projection, subsidy
    assert projection.cumulative_subsidy_btc is subsidy.cumulative_subsidy_btc
    assert "cumulative_subsidy_btc" in projection.__all__


def test_many_markets_in_one_pass_equal_each_alone():
    from hashlease.models import project_market
    from hashlease.models.projection import project_markets

    base = dict(start="2026-01-01", months=24, difficulty=100e12, block_height=1_040_000)
    markets = [
        MarketProjection(**base, btc_price_usd=90_000, fees_btc_per_block=0.05, difficulty_growth_per_month_frac=0.02),
        MarketProjection(**base, btc_price_path_usd=tuple(80_000 + 1_000 * i for i in range(24)), fee_share_frac=0.1),
        MarketProjection(**base, btc_price_usd=120_000, btc_price_growth_per_year_frac=0.3,
                         hashrate_path_eh_s=tuple(750 + 10 * i for i in range(24)),
                         fees_path_btc_per_block=tuple(0.02 * (i % 3) for i in range(24))),
    ]
    together = project_markets(markets, months=24)
    for i, market in enumerate(markets):
        alone = project_market(market, months=24)
        for name, value in alone.items():
            if name != "dates":
                np.testing.assert_allclose(together[name][i], value[0], rtol=1e-13, err_msg=name)
