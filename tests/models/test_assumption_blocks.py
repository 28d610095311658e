"""The name | value assumption-block parser shared by the add-in, the template and batch."""

from __future__ import annotations

import datetime as dt

import pytest

from hashlease import models as m
from hashlease.models.assumption_blocks import assumptions_from_rows, block_fields


def test_field_rows_fleet_tiers_and_blanks():
    rows = [("site_mw", 100.0), ("", "ignored: no name"), ("pue", None), ("fleet:Antminer S21", 25_000.0),
            ("fleet_th_s:Antminer S19 XP", 1.5e6), ("resale_tier:19", 28.0), ("resale_tier:25", 20.0)]
    data = block_fields(m.MiningSiteInputs, rows, "mining_assumptions")
    # fleet units as whole numbers; each resale tier's bound read from its row name
    assert data == {"site_mw": 100.0,
                    "fleet": [{"model": "Antminer S21", "units": 25_000}, {"model": "Antminer S19 XP", "th_s": 1.5e6}],
                    "resale_tiers": [{"max_efficiency_j_per_th": 19.0, "usd_per_th_s": 28.0},
                                     {"max_efficiency_j_per_th": 25.0, "usd_per_th_s": 20.0}]}


def test_lease_phases_dates_and_lists():
    rows = [("critical_it_mw", 75), ("construction_start", 46023.0),  # Excel serial 46023 = 2026-01-01
            ("phase:2.critical_it_mw", 25), ("phase:1.critical_it_mw", 50), ("phase:1.ready_for_service_month", 12),
            ("phase:2.ready_for_service_month", 24), ("capex_curve", "0.5; 0.3,0.2")]
    data = block_fields(m.LeaseInputs, rows, "lease_assumptions")
    assert data["construction_start"] == dt.date(2026, 1, 1)
    assert data["phases"] == [{"critical_it_mw": 50, "ready_for_service_month": 12},
                              {"critical_it_mw": 25, "ready_for_service_month": 24}]  # sorted by phase number
    assert data["capex_curve"] == (0.5, 0.3, 0.2)
    assert block_fields(m.LeaseInputs, [("capex_curve", "s_curve")])["capex_curve"] == "s_curve"  # a choice stays


def test_validated_model():
    market = assumptions_from_rows(m.MarketProjection, [
        ("start", dt.datetime(2026, 1, 1)), ("months", 24.0), ("difficulty", 1.0e14), ("block_height", 930_000),
        ("btc_price_usd", 90_000), ("fees_btc_per_block", 0.1)], "market_assumptions")
    assert (market.start, market.months) == (dt.date(2026, 1, 1), 24)


@pytest.mark.parametrize("rows, fragment", [
    ([("site_mw", 1), ("site_mw", 2)], "mining_assumptions row 2 must be a name given once"),
    ([(3.0, 1)], "mining_assumptions row 1 name must be text"),
    ([("resale_tier:low", 5.0)], "mining_assumptions row 1 must be a name like resale_tier:<max J/TH>"),
    ([("phase:one.critical_it_mw", 5.0)], "mining_assumptions row 1 must be a name like phase:<n>"),
    ([("site_mw", 1, "extra")], "mining_assumptions row 1 must be two cells"),
], ids=["twice", "name-not-text", "resale-tier-bound", "phase-number", "three-cells"])
def test_malformed_rows_name_the_block_and_row(rows, fragment):
    with pytest.raises(m.HashleaseError, match="mining_assumptions row") as caught:
        block_fields(m.MiningSiteInputs, rows, "mining_assumptions")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("value", [True, float("inf")], ids=["logical", "infinite"])
def test_bad_dates_and_lists(value):
    with pytest.raises(m.HashleaseError, match="construction_start must be a date"):
        block_fields(m.LeaseInputs, [("construction_start", value)], "lease_assumptions")
    with pytest.raises(m.HashleaseError, match="capex_curve must be numbers separated by commas"):
        block_fields(m.LeaseInputs, [("capex_curve", "0.5,lots")], "lease_assumptions")
