"""Hashprice in BTC, USD and sats per unit of hashrate per day.

Each expected value comes from shared/domain.md §0 (cases 2-5), which quotes the Hashrate Index
publication and the same formula's arithmetic done independently. Tolerances follow the source:
published figures are rounded (case 2: $0.315 to 3 decimals) or use Luxor's 144-block fee SMA and an
exchange-average price (cases 4-5: within 2%).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashlease.models import (HashleaseError, hashprice_btc_per_day, hashprice_btc_per_day_from_reward,
                              hashprice_sat_per_th_day, hashprice_usd_per_day,
                              post_halving_hashprice_usd_per_day, reward_btc_per_block)

# Any height of the 6.25 BTC epoch [630,000, 840,000) and of the 3.125 BTC epoch [840,000, 1,050,000).
EPOCH_6_25 = 690_000
EPOCH_3_125 = 860_000

CASES = [
    # id, difficulty, btc price, fees kwargs, height, unit, computed (domain.md, rounded to its last digit
    # shown), published, published rel tol
    ("case2-HRI-roundup-2021-07-24", 13.67e12, 33_806, {"fee_share_frac": 0.0126}, EPOCH_6_25, "TH",
     0.31490, 0.315, 0.002),
    ("case3-HRI-roundup-2021-08-07", 14.5e12, 43_629, {"fee_share_frac": 0.0134}, EPOCH_6_25, "TH",
     0.38344, 0.3835, 0.002),
    # case 4 gives R = 3.28 BTC per block: fees = 3.28 - 3.125 = 0.155 BTC
    ("case4-HRI-data-2024-11-12", 101.65e12, 87_235, {"fees_btc_per_block": 0.155}, EPOCH_3_125, "PH",
     56.63, 55.97, 0.02),
    ("case5-HRI-roundup-2024-12-23", 108.52e12, 93_450, {"fees_btc_per_block": 0.0931}, EPOCH_3_125, "PH",
     55.75, 55.21, 0.02),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_published_hashprice(case):
    _, difficulty, price, fees, height, unit, computed, published, tolerance = case
    value = hashprice_usd_per_day(difficulty, price, height, unit=unit, **fees)
    # domain.md's arithmetic is rounded: 5 decimals per TH (cases 2-3), 2 decimals per PH (cases 4-5)
    half_last_digit = 5e-6 if unit == "TH" else 5e-3
    assert value == pytest.approx(computed, abs=half_last_digit)
    assert value == pytest.approx(published, rel=tolerance)


def test_case2_reward_from_fee_share():
    # domain.md case 2: R = 6.25 / (1 - 0.0126) = 6.32975
    assert reward_btc_per_block(EPOCH_6_25, fee_share_frac=0.0126) == pytest.approx(6.32975, abs=5e-6)
    # case 3: R = 6.25 / (1 - 0.0134) = 6.33489
    assert reward_btc_per_block(EPOCH_6_25, fee_share_frac=0.0134) == pytest.approx(6.33489, abs=5e-6)


def test_case4_btc_and_sats_hashprice():
    # domain.md case 4: 0.00064911 BTC/PH/day = 64.91 sats/TH/day
    btc = hashprice_btc_per_day(101.65e12, EPOCH_3_125, fees_btc_per_block=0.155)
    assert btc == pytest.approx(0.00064911, abs=5e-9)
    assert hashprice_sat_per_th_day(101.65e12, EPOCH_3_125, fees_btc_per_block=0.155) == pytest.approx(
        64.91, abs=0.005)
    assert hashprice_btc_per_day_from_reward(101.65e12, 3.28) == pytest.approx(btc, rel=1e-15)


def test_illustrative_example_elektronics():
    # domain.md §1.2: D = 1e14, P = $100,000, R = 3.125 -> computed $62.86/PH/day
    assert hashprice_usd_per_day(1e14, 100_000, EPOCH_3_125, fees_btc_per_block=0.0) == pytest.approx(
        62.86, abs=0.005)


def test_units_scale_by_1000():
    th = hashprice_usd_per_day(108.52e12, 93_450, EPOCH_3_125, fees_btc_per_block=0.0931, unit="TH")
    ph = hashprice_usd_per_day(108.52e12, 93_450, EPOCH_3_125, fees_btc_per_block=0.0931, unit="PH")
    eh = hashprice_usd_per_day(108.52e12, 93_450, EPOCH_3_125, fees_btc_per_block=0.0931, unit="EH")
    assert ph == pytest.approx(1e3 * th, rel=1e-15) and eh == pytest.approx(1e6 * th, rel=1e-15)


def test_after_next_halving_halves_subsidy_and_keeps_fees():
    # subsidy 3.125 -> 1.5625 BTC at 1,050,000 (domain.md §2.1); fees stay 0.0931 BTC/block
    assert reward_btc_per_block(874_944, fees_btc_per_block=0.0931, after_next_halving=True) == pytest.approx(
        1.5625 + 0.0931, rel=1e-15)
    # with no fees the whole hashprice halves (HRI 1 Apr 2024: $108.6 -> "$54.3 if the halving happened today")
    now = hashprice_usd_per_day(86.39e12, 64_049, 839_000, fees_btc_per_block=0.0)
    after = hashprice_usd_per_day(86.39e12, 64_049, 839_000, fees_btc_per_block=0.0, after_next_halving=True)
    assert after == pytest.approx(now / 2, rel=1e-15)
    # a fee share is turned into BTC at today's subsidy, then kept: 2.42% of rewards (HRI 23 Dec 2024)
    fees = 3.125 * 0.0242 / (1 - 0.0242)
    assert reward_btc_per_block(874_944, fee_share_frac=0.0242, after_next_halving=True) == pytest.approx(
        1.5625 + fees, rel=1e-14)


def test_post_halving_overrides():
    base = dict(fees_btc_per_block=0.0931)
    same = post_halving_hashprice_usd_per_day(108.52e12, 93_450, 874_944, **base)
    assert same == pytest.approx(
        hashprice_usd_per_day(108.52e12, 93_450, 874_944, **base, after_next_halving=True), rel=1e-15)
    doubled_price = post_halving_hashprice_usd_per_day(108.52e12, 93_450, 874_944, **base,
                                                       post_halving_btc_price_usd=2 * 93_450)
    assert doubled_price == pytest.approx(2 * same, rel=1e-14)
    harder = post_halving_hashprice_usd_per_day(108.52e12, 93_450, 874_944, **base,
                                                post_halving_difficulty=2 * 108.52e12)
    assert harder == pytest.approx(same / 2, rel=1e-14)
    no_fees = post_halving_hashprice_usd_per_day(108.52e12, 93_450, 874_944, **base,
                                                 post_halving_fees_btc_per_block=0.0)
    assert no_fees == pytest.approx(same * 1.5625 / (1.5625 + 0.0931), rel=1e-14)


prices = st.floats(1.0, 1e7)
difficulties = st.floats(1e6, 1e16)
fees = st.floats(0.0, 10.0)
heights = st.integers(0, 6_929_999)


@given(difficulties, prices, fees, heights, st.floats(0.01, 100.0))
def test_linear_in_price(difficulty, price, fee, height, k):
    base = hashprice_usd_per_day(difficulty, price, height, fees_btc_per_block=fee)
    assert hashprice_usd_per_day(difficulty, k * price, height, fees_btc_per_block=fee) == pytest.approx(
        k * base, rel=1e-12)


@given(difficulties, prices, fees, heights, st.floats(0.01, 100.0))
def test_inverse_in_difficulty(difficulty, price, fee, height, k):
    base = hashprice_usd_per_day(difficulty, price, height, fees_btc_per_block=fee)
    assert hashprice_usd_per_day(k * difficulty, price, height, fees_btc_per_block=fee) == pytest.approx(
        base / k, rel=1e-12)


@given(st.lists(st.tuples(difficulties, prices, fees, heights), min_size=1, max_size=20))
def test_vectorised_equals_elementwise(rows):
    d, p, f, h = (np.array(col) for col in zip(*rows))
    vector = hashprice_usd_per_day(d, p, h, fees_btc_per_block=f)
    scalar = [hashprice_usd_per_day(*row[:2], row[3], fees_btc_per_block=row[2]) for row in rows]
    assert isinstance(scalar[0], float)
    np.testing.assert_array_equal(vector, scalar)


def test_broadcast_shape():
    out = hashprice_usd_per_day(np.array([[100e12], [110e12]]), np.array([60e3, 90e3, 120e3]), 874_944,
                                fees_btc_per_block=0.1)
    assert out.shape == (2, 3)


@pytest.mark.parametrize(("kwargs", "arg"), [
    (dict(difficulty=0), "difficulty"),
    (dict(difficulty=-5.0), "difficulty"),
    (dict(difficulty=float("nan")), "difficulty"),
    (dict(btc_price_usd=0), "btc_price_usd"),
    (dict(btc_price_usd=float("inf")), "btc_price_usd"),
    (dict(block_height=-1), "block_height"),
    (dict(fees_btc_per_block=-0.1), "fees_btc_per_block"),
    (dict(fees_btc_per_block=None, fee_share_frac=1.0), "fee_share_frac"),
    (dict(fees_btc_per_block=None, fee_share_frac=-0.01), "fee_share_frac"),
    (dict(fees_btc_per_block=None), "fees_btc_per_block or fee_share_frac"),
    (dict(fee_share_frac=0.02), "fees_btc_per_block or fee_share_frac"),
    (dict(unit="ph"), "unit"),
    (dict(unit="MH"), "unit"),
    (dict(difficulty="100T"), "difficulty"),
], ids=["zero-difficulty", "negative-difficulty", "nan-difficulty", "zero-price", "inf-price",
        "negative-height", "negative-fees", "fee-share-1", "fee-share-negative", "no-fees", "both-fees",
        "lowercase-unit", "unknown-unit", "text-difficulty"])
def test_bad_input(kwargs, arg):
    call = dict(difficulty=108.52e12, btc_price_usd=93_450, block_height=874_944, fees_btc_per_block=0.0931)
    call.update(kwargs)
    if call["fees_btc_per_block"] is None:
        del call["fees_btc_per_block"]
    with pytest.raises(HashleaseError) as info:
        hashprice_usd_per_day(**call)
    assert info.value.arg == arg


def test_error_message_names_value_and_range():
    with pytest.raises(HashleaseError, match=r"^difficulty must be > 0, got -5.0$"):
        hashprice_usd_per_day(-5.0, 93_450, 874_944, fees_btc_per_block=0.1)
    with pytest.raises(HashleaseError, match=r"^fee_share_frac\[1\] must be in \[0, 1\), got 1.5$"):
        reward_btc_per_block(874_944, fee_share_frac=[0.1, 1.5, 2.0])
    with pytest.raises(HashleaseError, match=r"unit must be one of 'TH', 'PH', 'EH', got 'GH'"):
        hashprice_btc_per_day(1e14, 874_944, fees_btc_per_block=0.1, unit="GH")
