"""The lease model for many input sets: vectorised summaries against one-by-one summaries, same run."""

from __future__ import annotations

import time

import numpy as np
from rich.table import Table

from hashlease.models import LeaseInputs, lease_summaries, lease_summary


def _inputs(count: int, rng) -> list[LeaseInputs]:
    out = []
    for i in range(count):
        out.append(LeaseInputs(
            critical_it_mw=float(rng.uniform(20, 300)), pue=float(rng.uniform(1.15, 1.5)),
            construction_start="2026-01-01", construction_months=int(rng.integers(9, 19)),
            capex_usd_per_mw=float(rng.uniform(8e6, 12e6)), delay_months=int(rng.integers(0, 7)),
            rent_usd_per_kw_month=float(rng.uniform(100, 190)), free_rent_months=int(rng.integers(0, 4)),
            escalator_per_year_frac=float(rng.uniform(0, 0.04)), term_years=int(rng.choice([10, 12, 15])),
            lease_structure="modified_gross", landlord_opex_usd_per_kw_month=float(rng.uniform(5, 20)),
            power_price_usd_per_kwh=float(rng.uniform(0.03, 0.07)),
            default_probability_per_year_frac=float(rng.uniform(0, 0.03)), backstop_share_frac=0.5,
            exit_cap_rate_frac=float(rng.uniform(0.06, 0.09)), loan_to_cost_frac=float(rng.uniform(0.5, 0.85)),
            interest_rate_per_year_frac=float(rng.uniform(0.06, 0.09)), debt_tenor_years=10,
            discount_rate_per_year_frac=float(rng.uniform(0.07, 0.12))))
    return out


def run(count: int = 10_000, one_by_one: int = 200) -> Table:
    rng = np.random.default_rng(2026)
    start = time.perf_counter()
    inputs = _inputs(count, rng)
    t_build = time.perf_counter() - start
    start = time.perf_counter()
    batch = lease_summaries(inputs)
    t_batch = time.perf_counter() - start
    start = time.perf_counter()
    singles = [lease_summary(x) for x in inputs[:one_by_one]]
    t_single = time.perf_counter() - start
    diff = max(abs(s.unlevered_npv_usd / batch.at[i, "unlevered_npv_usd"] - 1) for i, s in enumerate(singles))
    if diff > 1e-9:
        raise SystemExit(f"lease: batch and one-by-one summaries disagree ({diff:.1e})")
    months = max(x.commencement_month + x.term_months + 1 for x in inputs)
    table = Table(title=f"Lease model: {count:,} input sets, up to {months} months each")
    for header in ["Step", "Input sets", "Seconds", "Input sets / s"]:
        table.add_column(header, justify="left" if header == "Step" else "right")
    table.add_row("validate inputs (pydantic)", f"{count:,}", f"{t_build:.2f}", f"{count / t_build:,.0f}")
    table.add_row("lease_summaries (vectorised)", f"{count:,}", f"{t_batch:.2f}", f"{count / t_batch:,.0f}")
    table.add_row("lease_summary one by one", f"{one_by_one:,}", f"{t_single:.2f}", f"{one_by_one / t_single:,.0f}")
    table.caption = (f"vectorised / one-by-one throughput: {(count / t_batch) / (one_by_one / t_single):,.1f}x; "
                     f"max rel. NPV diff {diff:.1e}")
    return table
