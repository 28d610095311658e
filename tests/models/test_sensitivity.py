"""Sensitivity grids and tornado bars around the base case."""

from __future__ import annotations

import numpy as np
import pytest

from hashlease.models import (HashleaseError, compare_site, sensitivity_grid, tornado, with_input, with_inputs)


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


def test_the_same_input_on_both_axes_is_refused(base):
    with pytest.raises(HashleaseError, match="column must be an input other than the row's"):
        sensitivity_grid(base, ("market.btc_price_usd", [60e3, 120e3]), ("market.btc_price_usd", [70e3, 80e3]))


def test_the_grid_is_the_comparison_of_each_cell(base):
    grid = sensitivity_grid(base, ("market.btc_price_usd", [60e3, 120e3]), ("lease.rent_usd_per_kw_month", [110, 150]))
    cell = compare_site(with_inputs(base, [("market.btc_price_usd", 120e3), ("lease.rent_usd_per_kw_month", 110)]))
    assert grid.iloc[1, 0] == pytest.approx(cell.npv_difference_usd, rel=1e-12)
