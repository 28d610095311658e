"""One payback rule and one investment-IRR rule for every option and scenario (hand-made cash flows)."""

from __future__ import annotations

import numpy as np
import pytest

from hashlease.models import investment_irr, payback_month


@pytest.mark.parametrize(("flows", "expected"), [
    ([-100, 30, 30, 40, 10], 3.0),        # cumulative -100, -70, -40, 0: paid back in month 3 (>= 0 counts)
    ([50, -20, 5, 0, 0], 0.0),            # never negative: nothing to pay back, month 0
    ([0, 0, 0], 0.0),                     # all zero: never negative
    ([10, -20, 5, 20], 3.0),              # positive, dips to -10, recovers to 15 in month 3
    ([-100, 10, 10, 10, 10], np.nan),     # ends at -60: never paid back
], ids=["recovers", "never-negative", "zero", "dips-then-recovers", "never-recovers"])
def test_payback_rule(flows, expected):
    result = payback_month([flows])
    np.testing.assert_equal(result.month, [expected])
    assert (result.reason[0] is None) == (not np.isnan(expected))


def test_payback_reason_says_why():
    assert "never turns non-negative" in payback_month([[-1.0, 0.5]]).reason[0]


def test_investment_irr_by_hand_and_the_borrowing_case():
    dates = ["2026-01-01", "2027-01-01", "2028-01-01"]  # 365 then 365 days
    # -100 + 60/(1+r) + 60/(1+r)^2 = 0  =>  1 + r = (60 + sqrt(60^2 + 4 x 100 x 60)) / 200 = 1.130662...
    expected = (60 + np.sqrt(60**2 + 4 * 100 * 60)) / 200 - 1
    result = investment_irr([[-100.0, 60.0, 60.0], [100.0, -60.0, -60.0], [100.0, 10.0, 10.0]], dates)
    assert result.rate[0] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(result.rate[1]) and "borrowing rate" in result.reason[1]   # cash first, costs later
    assert np.isnan(result.rate[2]) and result.reason[2].startswith("no IRR")  # no sign change
    assert result.reason[0] is None


def test_investment_irr_finds_the_bad_rows_in_a_large_batch():
    dates = np.arange("2026-01-01", "2026-01-25", dtype="datetime64[D]")[:24]
    flows = np.tile(np.r_[-1000.0, np.full(23, 60.0)], (64, 1))
    flows[[5, 40]] = np.abs(flows[[5, 40]])  # no sign change in two rows
    result = investment_irr(flows, dates)
    assert np.flatnonzero(np.isnan(result.rate)).tolist() == [5, 40]
    assert np.all(np.isfinite(np.delete(result.rate, [5, 40])))
