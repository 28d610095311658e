"""ASIC catalogue, fleet efficiency and per-MW economics.

Sources: shared/domain.md §2.5 (nameplate hashrate, power and J/TH with their URLs; Bitmain tolerances
+-3% hashrate, +-5% efficiency). Per-MW figures are checked against arithmetic by machine count, shown
in each test.
"""

import numpy as np
import pytest

from hashlease.models import (AsicModel, HashleaseError, asic_catalogue, asic_model, breakeven_power_price_usd_per_kwh,
                              fleet_efficiency_j_per_th, mining_economics_per_mw, th_s_per_mw)

# domain.md §2.5: model -> (TH/s, W or None, J/TH)
TABLE_2_5 = {
    "Antminer S19j Pro": (104, 3082, 29.5),
    "Antminer S19 Pro": (110, 3250, 29.5),
    "Antminer S19 XP": (140, 3010, 21.5),
    "Antminer S21": (200, 3500, 17.5),
    "Antminer S21 Hyd.": (335, None, 16.0),
    "Antminer S21 Pro": (234, 3510, 15.0),
    "Antminer S21 XP": (270, 3645, 13.5),
}


def test_catalogue_matches_domain_table_and_cites_sources():
    catalogue = {entry.model: entry for entry in asic_catalogue()}
    assert set(catalogue) == set(TABLE_2_5)
    for name, (th, watts, j_per_th) in TABLE_2_5.items():
        entry = catalogue[name]
        assert (entry.hashrate_th_s, entry.power_w, entry.efficiency_j_per_th) == (th, watts, j_per_th)
        assert entry.source_url.startswith(("http://", "https://"))


def test_catalogue_rows_are_internally_consistent():
    for entry in asic_catalogue():
        if entry.power_w is not None:
            assert entry.power_w / entry.hashrate_th_s == pytest.approx(entry.efficiency_j_per_th, rel=0.05)


def test_inconsistent_row_is_refused():
    with pytest.raises(ValueError, match="disagrees with efficiency_j_per_th"):
        AsicModel(model="X", manufacturer="Y", hashrate_th_s=100, power_w=3000, efficiency_j_per_th=20,
                  source_url="https://example.invalid")


def test_unknown_model():
    with pytest.raises(HashleaseError, match="model must be one of 'Antminer S19j Pro'"):
        asic_model("Antminer S9")


def test_fleet_efficiency_is_hashrate_weighted():
    # one S21 (200 TH/s x 17.5 = 3,500 W) and two S19 Pro-like 100 TH/s at 29.5 (2 x 2,950 W):
    # 9,400 W / 400 TH/s = 23.5 J/TH (a plain average of J/TH would say 23.5 only by accident of weights;
    # with one of each it is (3,500 + 2,950) / 300 = 21.5, not (17.5 + 29.5) / 2 = 23.5)
    assert fleet_efficiency_j_per_th([200, 100], [17.5, 29.5], [1, 2]) == pytest.approx(23.5, rel=1e-15)
    assert fleet_efficiency_j_per_th([200, 100], [17.5, 29.5], [1, 1]) == pytest.approx(21.5, rel=1e-15)
    # many fleets at once: models on the last axis
    fleets = fleet_efficiency_j_per_th([200, 100], [17.5, 29.5], np.array([[1, 2], [1, 1], [0, 5]]))
    np.testing.assert_allclose(fleets, [23.5, 21.5, 29.5], rtol=1e-15)


def test_fleet_needs_machines():
    with pytest.raises(HashleaseError, match=r"units\[1\] must be > 0 in total"):
        fleet_efficiency_j_per_th([200, 100], [17.5, 29.5], np.array([[1, 2], [0, 0]]))
    with pytest.raises(HashleaseError, match="units"):
        fleet_efficiency_j_per_th([200, 100], [17.5, 29.5], [1, -1])


def test_th_per_mw_by_machine_count():
    # 1 MW of site power at PUE 1.25 leaves 800 kW for S21s of 3,500 W: 228.571 machines x 200 TH/s
    machines = 800_000 / 3_500
    assert th_s_per_mw(17.5, pue=1.25) == pytest.approx(machines * 200, rel=1e-14)


def test_per_mw_economics_by_machine_count():
    # 1 MW, PUE 1, S21s: 285.714 machines x 200 TH/s = 57.143 PH/s; at $55.21/PH/day revenue
    # = 57.143 x 55.21 = $3,154.86/day; power 1 MW x 24 h x $50/MWh = $1,200/day
    ph = 1_000_000 / 3_500 * 200 / 1000
    e = mining_economics_per_mw(55.21, 17.5, 0.05)
    assert e.revenue_usd_per_mw_day == pytest.approx(ph * 55.21, rel=1e-14)
    assert e.power_cost_usd_per_mw_day == pytest.approx(1_200.0, rel=1e-14)
    assert e.margin_usd_per_mw_day == pytest.approx(ph * 55.21 - 1_200.0, rel=1e-14)
    assert e.margin_usd_per_mw_year == pytest.approx(365 * (ph * 55.21 - 1_200.0), rel=1e-14)


def test_per_mw_refinements():
    # 95% uptime, 2% pool fee, PUE 1.2, $300/MW-day other opex, $0.04/kWh, S19 XP (21.5 J/TH), $45/PH/day
    ph = 1_000_000 / 1.2 / 21.5 / 1000
    e = mining_economics_per_mw(45.0, 21.5, 0.04, pue=1.2, uptime_frac=0.95, pool_fee_frac=0.02,
                                other_cash_cost_usd_per_mw_day=300)
    assert e.revenue_usd_per_mw_day == pytest.approx(ph * 45.0 * 0.95 * 0.98, rel=1e-14)
    assert e.power_cost_usd_per_mw_day == pytest.approx(24 * 1000 * 0.04 * 0.95, rel=1e-14)
    assert e.other_cash_cost_usd_per_mw_day == 300
    assert e.margin_usd_per_mw_day == pytest.approx(
        e.revenue_usd_per_mw_day - e.power_cost_usd_per_mw_day - 300, rel=1e-14)


def test_per_mw_margin_is_zero_at_breakeven_power_price():
    p = breakeven_power_price_usd_per_kwh(55.21, 17.5, pue=1.15, pool_fee_frac=0.015)
    e = mining_economics_per_mw(55.21, 17.5, p, pue=1.15, pool_fee_frac=0.015, uptime_frac=0.9)
    assert e.margin_usd_per_mw_day == pytest.approx(0.0, abs=1e-9)


def test_per_mw_broadcasts():
    e = mining_economics_per_mw(np.array([40.0, 55.0, 70.0]), np.array([[17.5], [29.5]]), 0.05)
    assert all(np.shape(field) == (2, 3) for field in e)


@pytest.mark.parametrize(("kwargs", "arg"), [
    (dict(hashprice_usd_per_ph_day=-1), "hashprice_usd_per_ph_day"),
    (dict(efficiency_j_per_th=0), "efficiency_j_per_th"),
    (dict(power_price_usd_per_kwh=float("inf")), "power_price_usd_per_kwh"),
    (dict(pue=0.99), "pue"),
    (dict(uptime_frac=0.0), "uptime_frac"),
    (dict(pool_fee_frac=1.0), "pool_fee_frac"),
    (dict(other_cash_cost_usd_per_mw_day=-5), "other_cash_cost_usd_per_mw_day"),
], ids=["negative-hashprice", "zero-efficiency", "inf-power-price", "pue-below-1", "zero-uptime",
        "pool-fee-1", "negative-opex"])
def test_per_mw_bad_input(kwargs, arg):
    call = dict(hashprice_usd_per_ph_day=55.0, efficiency_j_per_th=17.5, power_price_usd_per_kwh=0.05)
    call.update(kwargs)
    with pytest.raises(HashleaseError) as info:
        mining_economics_per_mw(**call)
    assert info.value.arg == arg


def test_single_fleet_needs_machines():
    with pytest.raises(HashleaseError, match=r"^units must be > 0 in total"):
        fleet_efficiency_j_per_th([200, 100], [17.5, 29.5], [0, 0])
