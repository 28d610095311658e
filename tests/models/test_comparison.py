"""Inputs changed by name: only what changed is validated, related inputs move together, errors keep their kind."""

from __future__ import annotations

import pytest

from hashlease.models import ErrorKind, HashleaseError, example_comparison, with_input, with_inputs



def test_unchanged_blocks_are_the_same_objects(base):
    moved = with_inputs(base, [("lease.rent_usd_per_kw_month", 150)])
    assert moved.market is base.market and moved.mining is base.mining
    assert moved.lease.rent_usd_per_kw_month == 150 and base.lease.rent_usd_per_kw_month == 130


def test_related_inputs_move_together(base):
    # the market must start in the lease's construction month: moving one alone is refused, both together not
    with pytest.raises(HashleaseError, match="market.start"):
        with_input(base, "lease.construction_start", "2026-03-01")
    moved = with_inputs(base, [("lease.construction_start", "2026-03-01"), ("market.start", "2026-03-01")])
    assert str(moved.start) == "2026-03-01"


def test_derived_values_follow_the_change(base):
    _ = base.lease.commencement_month  # computed (and cached) on the base: 12 months of construction
    moved = with_input(base, "lease.construction_months", 18)
    assert moved.lease.commencement_month == 18 and base.lease.commencement_month == 12
    assert moved.horizon == 18 + 120 + 1


@pytest.mark.parametrize(("changes", "arg", "kind"), [
    ([("lease.term_years", 0)], "lease.term_years", ErrorKind.NUM),
    ([("mining.uptime_frac", 1.2)], "mining.uptime_frac", ErrorKind.NUM),
    ([("lease.rent_usd_per_kw_month", "high")], "lease.rent_usd_per_kw_month", ErrorKind.VALUE),
    ([("lease.rent", 1)], "input", ErrorKind.VALUE),
    ([("nothing", 1)], "input", ErrorKind.VALUE),
    ([("lease.rent_usd_per_kw_month", 1), ("lease.rent_usd_per_kw_month", 2)], "input", ErrorKind.VALUE),
    ([("discount_rate_per_year_frac", -1)], "discount_rate_per_year_frac", ErrorKind.NUM),
], ids=["term-0", "uptime-above-1", "text-rent", "unknown-field", "unknown-block", "named-twice", "rate--1"])
def test_errors_name_the_input_and_carry_their_kind(base, changes, arg, kind):
    with pytest.raises(HashleaseError) as info:
        with_inputs(base, changes)
    assert info.value.arg == arg and info.value.kind == kind


def test_derived_values_follow_several_changes_to_one_block(base):
    # the cross-field rules run after each change and read derived values (the lease's commencement): what
    # they computed on the half-changed lease must not survive into the final one
    moved = with_inputs(base, [("lease.debt_tenor_years", 13), ("lease.construction_months", 68)])
    assert moved.lease.commencement_month == 68 and moved.horizon == 68 + 120 + 1
