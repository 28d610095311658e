"""Block subsidy and halving schedule.

Sources: Bitcoin Core ``GetBlockSubsidy`` (src/validation.cpp) and ``subsidy_limit_test``
(2,099,999,997,690,000 sat); shared/domain.md §0 case 1 and case 7; §2.1 halving table.
"""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashlease.models import (HashleaseError, block_subsidy_btc, block_subsidy_sat, blocks_to_next_halving,
                              estimate_height_time, halving_epoch, next_halving_height, next_halving_time,
                              total_supply_sat)

# domain.md §0 case 1: (height, subsidy in sats); outputs are 50 BTC >> (height // 210,000).
CASE_1 = [
    (0, 5_000_000_000),
    (209_999, 5_000_000_000),
    (210_000, 2_500_000_000),
    (420_000, 1_250_000_000),
    (630_000, 625_000_000),
    (839_999, 625_000_000),
    (840_000, 312_500_000),
    (1_049_999, 312_500_000),
    (1_050_000, 156_250_000),
    (6_719_999, 2),
    (6_720_000, 1),
    (6_929_999, 1),
    (6_930_000, 0),
]


@pytest.mark.parametrize(("height", "expected"), CASE_1, ids=[f"domain-case1-h{h}" for h, _ in CASE_1])
def test_subsidy_matches_consensus_rule(height, expected):
    assert block_subsidy_sat(height) == expected
    assert isinstance(block_subsidy_sat(height), int)


def test_subsidy_vectorised_equals_scalar():
    heights = np.array([h for h, _ in CASE_1])
    out = block_subsidy_sat(heights)
    assert out.dtype == np.int64 and out.shape == heights.shape
    assert out.tolist() == [e for _, e in CASE_1]
    grid = block_subsidy_sat(heights.reshape(1, -1) + np.zeros((3, 1), dtype=int))
    assert grid.shape == (3, len(CASE_1))


def test_far_future_heights_pay_nothing():
    # beyond 64 halvings the C++ shift is undefined; Core forces 0
    assert block_subsidy_sat([64 * 210_000, 10**12]).tolist() == [0, 0]


def test_total_supply_is_core_subsidy_limit():
    # Bitcoin Core src/test/validation_tests.cpp subsidy_limit_test: nSum == 2099999997690000
    assert total_supply_sat() == 2_099_999_997_690_000


def test_summing_block_subsidy_over_every_epoch_gives_the_limit():
    epoch_starts = np.arange(0, 34) * 210_000
    assert int(np.sum(block_subsidy_sat(epoch_starts).astype(object) * 210_000)) == 2_099_999_997_690_000


def test_subsidy_in_btc():
    # 5th halving: 1.5625 BTC (domain.md §2.1 table)
    assert block_subsidy_btc(1_050_000) == 1.5625
    assert block_subsidy_btc(840_000) == 3.125


@given(st.integers(0, 7_000_000), st.integers(0, 7_000_000))
def test_subsidy_never_rises_with_height(a, b):
    low, high = sorted((a, b))
    assert block_subsidy_sat(high) <= block_subsidy_sat(low)


@given(st.integers(0, 7_000_000))
def test_next_halving_height_halves_the_subsidy(height):
    nxt = next_halving_height(height)
    assert nxt > height and nxt % 210_000 == 0 and nxt - height <= 210_000
    assert blocks_to_next_halving(height) == nxt - height
    assert block_subsidy_sat(nxt) == block_subsidy_sat(height) // 2
    assert block_subsidy_sat(nxt - 1) == block_subsidy_sat(height)


@pytest.mark.parametrize(("height", "epoch", "nxt"), [
    (0, 0, 210_000), (839_999, 3, 840_000), (840_000, 4, 1_050_000), (1_050_000, 5, 1_260_000)],
    ids=["genesis", "halving-eve-839999", "4th-halving-840000", "5th-halving-1050000"])
def test_epoch_and_next_halving(height, epoch, nxt):
    assert halving_epoch(height) == epoch
    assert next_halving_height(height) == nxt


def test_halving_estimate_domain_case_7():
    # domain.md §0 case 7: 2024-04-20 00:09 UTC + 210,000 x 600 s = 2028-04-17 ~08:09 UTC
    when = next_halving_time(840_000, dt.datetime(2024, 4, 20, 0, 9, tzinfo=dt.timezone.utc))
    assert when == np.datetime64("2028-04-17T08:09:00")


def test_halving_estimate_with_observed_block_interval_and_timezones():
    # 9 min 54 s blocks (Hashrate Index, 23 Dec 2024): 210,000 x 594 s earlier arrival = 210,000 x 6 s sooner
    cet = dt.timezone(dt.timedelta(hours=1))
    ref = dt.datetime(2024, 4, 20, 1, 9, tzinfo=cet)  # the same instant as 00:09 UTC
    when = estimate_height_time(1_050_000, 840_000, ref, mean_block_interval_s=594)
    assert when == np.datetime64("2024-04-20T00:09:00") + np.timedelta64(210_000 * 594, "s")
    many = estimate_height_time([840_000, 945_000, 1_050_000], 840_000, "2024-04-20T00:09")
    assert many.dtype == np.dtype("datetime64[s]") and many.shape == (3,)
    assert many[1] - many[0] == np.timedelta64(105_000 * 600, "s")


@pytest.mark.parametrize("bad", [-1, 1.5, float("nan"), float("inf"), "840000", None, True],
                         ids=["negative", "fraction", "nan", "inf", "text", "none", "bool"])
def test_bad_heights_are_refused(bad):
    with pytest.raises(HashleaseError, match="block_height") as info:
        block_subsidy_sat(bad)
    assert info.value.arg == "block_height"


def test_first_bad_element_is_named():
    with pytest.raises(HashleaseError, match=r"block_height\[2\] must be >= 0, got -5"):
        block_subsidy_sat([1, 2, -5, -6])


def test_bad_reference_time_and_interval():
    with pytest.raises(HashleaseError, match="reference_time"):
        estimate_height_time(1_050_000, 840_000, "not a date")
    with pytest.raises(HashleaseError, match="mean_block_interval_s must be > 0, got 0.0"):
        estimate_height_time(1_050_000, 840_000, "2024-04-20", mean_block_interval_s=0)


# --- cumulative subsidy -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("height", "expected"), [
    (0, 0.0),
    (1.5, 75.0),                                                        # 1.5 blocks x 50 BTC
    (840_000, 210_000 * (50 + 25 + 12.5 + 6.25)),                       # 19,687,500 BTC before the 4th halving
    (900_000.5, 210_000 * (50 + 25 + 12.5 + 6.25) + 60_000.5 * 3.125),
    ([210_000, 420_000], [10_500_000.0, 15_750_000.0]),
], ids=["genesis", "fractional", "fourth-halving", "inside-epoch-4", "array"])
def test_cumulative_subsidy_is_the_sum_by_hand(height, expected):
    from hashlease.models import cumulative_subsidy_btc
    np.testing.assert_allclose(cumulative_subsidy_btc(height), expected, rtol=1e-15)


def test_cumulative_subsidy_reaches_bitcoin_core_s_limit_and_stays():
    from hashlease.models import cumulative_subsidy_btc
    # Bitcoin Core subsidy_limit_test: 2,099,999,997,690,000 sat in all
    for height in (6_930_000, 64 * 210_000, 1e12):
        assert cumulative_subsidy_btc(height) == 2_099_999_997_690_000 / 1e8


def test_cumulative_subsidy_refuses_negative_heights():
    from hashlease.models import cumulative_subsidy_btc
    with pytest.raises(HashleaseError, match=r"block_height\[1\] must be >= 0"):
        cumulative_subsidy_btc([1.0, -1.0])
