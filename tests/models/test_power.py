"""Power prices: the hourly breakeven threshold is the breakeven module's power price in USD/MWh.

Expected values are the closed form 1,000 x h x (1 - f) / (24 x E x PUE) computed here, and domain.md §2.5
(S21 at $54.3/PH/day breaks even at $0.1293/kWh).
"""

from __future__ import annotations

import numpy as np
import pytest

from hashlease.models import HashleaseError, breakeven_power_price_usd_per_kwh, breakeven_usd_per_mwh


@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    ((54.3, 17.5), {}, 1000 * 54.3 / (24 * 17.5)),                                  # 129.29 USD/MWh (§2.5)
    ((55.0, 17.5), dict(pue=1.1, pool_fee_frac=0.02), 1000 * 55 * 0.98 / (24 * 17.5 * 1.1)),
    (([40.0, 60.0], [[17.5], [29.5]]), dict(pue=1.05),
     [[1000 * 40 / (24 * 17.5 * 1.05), 1000 * 60 / (24 * 17.5 * 1.05)],
      [1000 * 40 / (24 * 29.5 * 1.05), 1000 * 60 / (24 * 29.5 * 1.05)]]),
], ids=["s21-section-2.5", "pue-and-pool-fee", "broadcast"])
def test_hourly_breakeven_equals_the_breakeven_module_in_usd_per_mwh(args, kwargs, expected):
    ours = breakeven_usd_per_mwh(*args, **kwargs)
    np.testing.assert_allclose(ours, expected, rtol=1e-14)
    np.testing.assert_allclose(breakeven_power_price_usd_per_kwh(*args, **kwargs) * 1000, expected, rtol=1e-14)
    assert breakeven_usd_per_mwh(54.3, 17.5) == pytest.approx(0.1293 * 1000, abs=0.05)  # §2.5, 4 decimals in $/kWh


def test_hourly_breakeven_ignores_costs_paid_whether_or_not_the_hour_is_mined():
    # with no other cash costs, uptime cancels: the all-in breakeven at 90 % uptime is the hourly one
    assert breakeven_power_price_usd_per_kwh(55.0, 17.5, uptime_frac=0.9) * 1000 == pytest.approx(
        breakeven_usd_per_mwh(55.0, 17.5), rel=1e-14)
    # with $5/PH/day of hosting and staff, the site's all-in breakeven is lower than the hourly threshold:
    # (55 - 5) / (24 x 17.5) = 0.11905 USD/kWh against 55 / (24 x 17.5) = 0.13095
    assert breakeven_power_price_usd_per_kwh(55.0, 17.5, other_cash_cost_usd_per_ph_day=5.0) == pytest.approx(
        50 / (24 * 17.5), rel=1e-14)
    assert breakeven_usd_per_mwh(55.0, 17.5) == pytest.approx(1000 * 55 / (24 * 17.5), rel=1e-14)


@pytest.mark.parametrize(("kwargs", "field"), [
    (dict(hashprice_usd_per_ph_day=-1.0, efficiency_j_per_th=17.5), "hashprice_usd_per_ph_day"),
    (dict(hashprice_usd_per_ph_day=55.0, efficiency_j_per_th=0.0), "efficiency_j_per_th"),
    (dict(hashprice_usd_per_ph_day=55.0, efficiency_j_per_th=17.5, pue=0.9), "pue"),
    (dict(hashprice_usd_per_ph_day=55.0, efficiency_j_per_th=17.5, pool_fee_frac=1.0), "pool_fee_frac"),
], ids=["hashprice", "efficiency", "pue", "pool-fee"])
def test_hourly_breakeven_refuses_out_of_range(kwargs, field):
    with pytest.raises(HashleaseError, match=field):
        breakeven_usd_per_mwh(**kwargs)
