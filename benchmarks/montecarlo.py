"""Monte Carlo of the site comparison: vectorised paths against the same computation path by path.

Both sides use the same draws (GBM BTC price, difficulty growth, lease delay, tenant default). The
vectorised side values paths in chunks; the loop values one path at a time with the same kernels, as a
per-path simulation would. Peak memory is what tracemalloc sees numpy allocate during the run.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
from rich.table import Table

from hashlease.models import MonteCarloSpec, example_comparison, monte_carlo, value_comparisons
from hashlease.models.monte_carlo import draw_block, mining_npvs, monte_carlo_inputs


def _spec(paths: int) -> MonteCarloSpec:
    return MonteCarloSpec(paths=paths, seed=2026, btc_volatility_per_year_frac=0.6,
                          difficulty_growth_low_per_month_frac=0.005, difficulty_growth_high_per_month_frac=0.03,
                          lease_delay_months_choices=(0, 3, 6, 9), tenant_default_probability_per_year_frac=0.02)


def _loop(inputs, spec: MonteCarloSpec, paths: int):
    inputs = monte_carlo_inputs(inputs, spec)
    price, growth, delay, default = draw_block(inputs, spec, 0, paths)
    mining, lease = np.empty(paths), np.empty(paths)
    for i in range(paths):
        mining[i] = mining_npvs(inputs, price[i:i + 1], None if growth is None else growth[i:i + 1])[0]
        variant = inputs.lease.replace(delay_months=int(delay[i]),
                                       default_month=None if default[i] < 0 else int(default[i]),
                                       default_probability_per_year_frac=None)
        lease[i] = value_comparisons([inputs.replace(lease=variant)], breakevens=False).lease_npv_usd[0]
    return mining, lease


def run(paths: int = 100_000, months: int = 120, loop_paths: int = 500) -> Table:
    # a 9-year lease after 11 months of construction: the comparison runs 11 + 108 + 1 = 120 months
    inputs = example_comparison(lease={"construction_months": months - 109, "term_years": 9})
    assert inputs.horizon == months
    spec = _spec(paths)
    tracemalloc.start()
    start = time.perf_counter()
    result = monte_carlo(inputs, spec)
    t_vector = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    small = monte_carlo(inputs, _spec(loop_paths).replace(chunk_paths=loop_paths))
    start = time.perf_counter()
    mining, lease = _loop(inputs, _spec(loop_paths), loop_paths)
    t_loop = time.perf_counter() - start
    diff = max(np.max(np.abs(mining / small.mining_npv_usd - 1)), np.max(np.abs(lease / small.lease_npv_usd - 1)))
    if diff > 1e-9:
        raise SystemExit(f"Monte Carlo: loop and vectorised disagree ({diff:.1e})")
    horizon = monte_carlo_inputs(inputs, spec).horizon
    table = Table(title=f"Monte Carlo, mining vs lease, {horizon} months per path ({months} + the longest delay drawn)")
    for header in ["Method", "Paths", "Seconds", "Paths / s", "Peak memory MB"]:
        table.add_column(header, justify="left" if header == "Method" else "right")
    table.add_row("vectorised (chunks of 20,000)", f"{paths:,}", f"{t_vector:.2f}", f"{paths / t_vector:,.0f}",
                  f"{peak / 2**20:,.0f}")
    table.add_row("per-path Python loop", f"{loop_paths:,}", f"{t_loop:.2f}", f"{loop_paths / t_loop:,.0f}", "")
    table.caption = (f"vectorised / loop throughput: {(paths / t_vector) / (loop_paths / t_loop):,.0f}x; "
                     f"P(lease beats mining) = {result.probability_lease_beats_mining:.3f}; "
                     f"loop = vectorised to {diff:.0e}")
    return table
