"""Network hashrate <-> difficulty and the retarget rule.

Sources: shared/domain.md §0 case 4 (Hashrate Index 12 Nov 2024: D = 101.65 T, published 7-day hashrate
733.11 EH/s; implied D x 2^32 / 600 = 727.64 EH/s), §1.3 (difficulty-1 target constant), §2.2 (retarget:
2,016 blocks, factor clamped to [1/4, 4]).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashlease.models import (HashleaseError, difficulty_from_hashrate, expected_blocks_per_day,
                              hashes_per_difficulty, network_hashrate, retarget_difficulty, retarget_factor)

finite_difficulty = st.floats(1.0, 1e16)


def test_hashrate_index_12_nov_2024_implied_hashrate():
    # domain.md §0 case 4: computed 727.64 EH/s (2^32 convention)
    assert network_hashrate(101.65e12) == pytest.approx(727.64, abs=0.005)
    # published 7-day average 733.11 EH/s: the 7-day block rate differs from 600 s; within 1%
    assert network_hashrate(101.65e12) == pytest.approx(733.11, rel=0.01)


def test_units_and_exact_difficulty_one():
    eh = network_hashrate(101.65e12)
    assert network_hashrate(101.65e12, unit="PH") == pytest.approx(eh * 1e3, rel=1e-15)
    assert network_hashrate(101.65e12, unit="H") == pytest.approx(101.65e12 * 2**32 / 600, rel=1e-15)
    # domain.md §1.3: 2^256 / (0xFFFF x 2^208) = 4,295,032,833.000015 = 2^32 x 1.0000153
    assert hashes_per_difficulty("exact") == pytest.approx(4_295_032_833.000015, rel=1e-15)
    ratio = network_hashrate(101.65e12, difficulty_one="exact") / eh
    assert ratio == pytest.approx(1.0000153, rel=1e-7)


def test_observed_block_interval():
    # blocks every 9 min 54 s (594 s) imply 600/594 more hashrate than the 600 s convention
    assert network_hashrate(108.52e12, mean_block_interval_s=594) == pytest.approx(
        network_hashrate(108.52e12) * 600 / 594, rel=1e-14)


@given(finite_difficulty)
def test_hashrate_difficulty_roundtrip(difficulty):
    for unit in ("TH", "PH", "EH"):
        back = difficulty_from_hashrate(network_hashrate(difficulty, unit=unit), unit=unit)
        assert back == pytest.approx(difficulty, rel=1e-12)


def test_expected_blocks_per_day_is_network_share():
    # the whole network finds 144 blocks a day at the 600 s target
    diff = 108.52e12
    assert expected_blocks_per_day(network_hashrate(diff, unit="H"), diff) == pytest.approx(144.0, rel=1e-14)


@pytest.mark.parametrize(("span_s", "factor"), [
    (1_209_600, 1.0),          # on target: two weeks
    (604_800, 2.0),            # one week: twice as hard
    (2_419_200, 0.5),          # four weeks: half
    (302_400, 4.0),            # the clamp's edge: 3.5 days
    (1, 4.0),                  # clamped at x4
    (-50_000, 4.0),            # negative spans (miner timestamps) clamp too
    (4_838_400, 0.25),         # the clamp's edge: 8 weeks
    (10**9, 0.25),             # clamped at /4
], ids=["on-target", "one-week", "four-weeks", "edge-x4", "clamp-x4", "negative-span", "edge-quarter",
        "clamp-quarter"])
def test_retarget_clamp(span_s, factor):
    assert retarget_factor(span_s) == factor
    assert retarget_difficulty(100e12, span_s) == pytest.approx(100e12 * factor, rel=1e-15)


def test_retarget_floor_at_difficulty_one():
    assert retarget_difficulty(1.0, 10**9) == 1.0  # powLimit: difficulty never below 1


@given(finite_difficulty, st.floats(-1e9, 1e10))
def test_retarget_factor_within_quarter_and_four(difficulty, span):
    new = retarget_difficulty(difficulty, span)
    assert max(1.0, difficulty / 4) * (1 - 1e-15) <= new <= difficulty * 4 * (1 + 1e-15)


def test_vectorised_equals_scalar():
    diffs = np.array([[50e12, 100e12], [150e12, 200e12]])
    out = network_hashrate(diffs)
    assert out.shape == (2, 2)
    assert [network_hashrate(d) for d in diffs.ravel()] == out.ravel().tolist()


@pytest.mark.parametrize(("call", "arg"), [
    (lambda: network_hashrate(0), "difficulty"),
    (lambda: network_hashrate(-5), "difficulty"),
    (lambda: network_hashrate(float("nan")), "difficulty"),
    (lambda: network_hashrate(float("inf")), "difficulty"),
    (lambda: network_hashrate(1e14, unit="eh"), "unit"),
    (lambda: network_hashrate(1e14, unit="GH"), "unit"),
    (lambda: network_hashrate(1e14, difficulty_one="2**32"), "difficulty_one"),
    (lambda: difficulty_from_hashrate(-1), "hashrate"),
    (lambda: retarget_factor(float("nan")), "actual_timespan_s"),
    (lambda: retarget_difficulty(0.5, 1_209_600), "difficulty"),
], ids=["zero", "negative", "nan", "inf", "lowercase-unit", "unknown-unit", "bad-convention",
        "negative-hashrate", "nan-span", "difficulty-below-1"])
def test_bad_input_names_the_argument(call, arg):
    with pytest.raises(HashleaseError) as info:
        call()
    assert info.value.arg == arg
    assert arg in str(info.value)


@pytest.mark.parametrize(("difficulty", "hashrate", "kwargs", "expected"), [
    (100e12, 800.0, {}, 100e12 * 2**32 / 800e18),                         # EH/s ahead of difficulty: 536.87 s
    (100e12, 100e12 * 2**32 / 600, dict(unit="H"), 600.0),
    ([100e12, 200e12], 800.0, {}, [100e12 * 2**32 / 800e18, 200e12 * 2**32 / 800e18]),
], ids=["eh-s", "hashes", "array"])
def test_mean_block_interval_by_hand(difficulty, hashrate, kwargs, expected):
    from hashlease.models import mean_block_interval_s
    np.testing.assert_allclose(mean_block_interval_s(difficulty, hashrate, **kwargs), expected, rtol=1e-14)


def test_mean_block_interval_refuses_zero_hashrate():
    from hashlease.models import mean_block_interval_s
    with pytest.raises(HashleaseError, match="hashrate must be > 0"):
        mean_block_interval_s(100e12, 0.0)
