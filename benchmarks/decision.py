"""The mine-or-lease decision kernel: a batch of scenarios in one pass against the same decision one at a time.

- Model engine (``hashlease batch --engine model``'s chunk function) on 10,000 scenarios that move the BTC
  price, difficulty growth, power price and rent, in one process, against the same outputs computed one
  scenario at a time (``compare_site`` and the two break-even functions, as every front end did before the
  kernel), measured on a sample in the same run; and against the figure the model engine had before the kernel
  (recorded on this machine, see ``BEFORE``).
- ``HL_SENSITIVITY``'s 5 x 5 grid through the add-in runtime against 25 separate comparisons.
"""

from __future__ import annotations

import time

import numpy as np
from rich.table import Table

from batch import scenarios_for_benchmark
from common import best_time
from hashlease import models as m
from hashlease.addin.runtime import invoke
from hashlease.batch import model_chunk

#: Model engine before the one-kernel change (commit e850533, ``_group_values``), measured on this 2-core
#: machine on 2026-11-27 with this benchmark's 10,000 scenarios in chunks of 500, one process.
BEFORE_SCENARIOS_PER_S = 1_686


def _rows(block) -> list[list[object]]:
    """An assumption block as the name | value rows an Excel range holds."""
    rows = []
    for name, value in block.model_dump().items():
        if name == "fleet":
            rows += [[f"fleet:{line['model']}", line["units"]] for line in value]
        elif value is not None and value != () and not isinstance(value, (list, tuple)):
            rows.append([name, value.isoformat() if hasattr(value, "isoformat") else value])
    return rows


def _or_nan(solve, inputs) -> float:
    try:
        return solve(inputs)
    except m.HashleaseError:  # no break-even: the batch leaves it blank (with its reason)
        return float("nan")


def run(count: int = 10_000, sample: int = 200, repeat: int = 3) -> Table:
    base = m.example_comparison()
    scenarios = scenarios_for_benchmark(count)
    payload = base.model_dump_json()

    def engine():
        return [row for i in range(0, count, 1_000) for row in model_chunk(payload, scenarios[i:i + 1_000])]

    t_engine, rows = best_time(engine, repeat)
    start = time.perf_counter()
    singles = []
    for scenario in scenarios[:sample]:
        inputs = m.with_inputs(base, scenario.overrides)
        result = m.compare_site(inputs)
        singles.append((result.mining_npv_usd, *(_or_nan(solve, inputs) for solve in (
            m.breakeven_btc_price_vs_lease, m.breakeven_rent_vs_mining))))
    t_single = time.perf_counter() - start
    got = np.array([[np.nan if r.get(k) is None else r[k] for k in ("mining_npv_usd", "breakeven_btc_price_usd",
                                                                     "breakeven_rent_usd_per_kw_month")]
                    for r in rows[:sample]], dtype=float)
    if not np.allclose(got, np.array(singles), rtol=1e-9, equal_nan=True):
        raise SystemExit("decision: the batch and the one-at-a-time figures disagree")

    values = [60e3, 80e3, 100e3, 120e3, 140e3]
    rents = [[100.0, 115.0, 130.0, 145.0, 160.0]]
    blocks = [_rows(base.market), _rows(base.mining), _rows(base.lease)]
    grid_args = (*blocks, "market.btc_price_usd", [[v] for v in values], "lease.rent_usd_per_kw_month", rents,
                 base.discount_rate_per_year_frac, None)
    t_grid, grid = best_time(lambda: invoke("HL_SENSITIVITY", *grid_args), repeat)

    def separately():
        return [m.compare_site(m.with_inputs(base, [("market.btc_price_usd", p), ("lease.rent_usd_per_kw_month", r)]))
                .npv_difference_usd for p in values for r in rents[0]]

    t_separate, separate = best_time(separately, repeat)
    if not np.allclose(np.array(grid)[1:, 1:].astype(float).ravel(), separate, rtol=1e-9):
        raise SystemExit("decision: HL_SENSITIVITY and the separate comparisons disagree")

    rate, single_rate = count / t_engine, sample / t_single
    table = Table(title=f"The decision kernel: {count:,} scenarios in one process, and a 5 x 5 sensitivity grid")
    for header in ["Measure", "Scenarios", "Seconds", "Scenarios / s", "Ratio"]:
        table.add_column(header, justify="left" if header == "Measure" else "right")
    table.add_row("model engine, one process (chunks of 1,000)", f"{count:,}", f"{t_engine:.2f}", f"{rate:,.0f}",
                  f"{rate / single_rate:,.0f}x one at a time; {rate / BEFORE_SCENARIOS_PER_S:.1f}x before")
    table.add_row("one at a time (compare_site + 2 break-evens)", f"{sample:,}", f"{t_single:.2f}",
                  f"{single_rate:,.0f}", "1.0x")
    table.add_row("model engine before the kernel (recorded)", f"{count:,}", "", f"{BEFORE_SCENARIOS_PER_S:,}",
                  "commit e850533, this machine")
    table.add_row("HL_SENSITIVITY 5 x 5, one call", "25", f"{t_grid:.3f}", f"{25 / t_grid:,.0f}",
                  f"{t_separate / t_grid:.1f}x the separate comparisons")
    table.add_row("25 separate compare_site calls", "25", f"{t_separate:.3f}", f"{25 / t_separate:,.0f}", "1.0x")
    table.caption = "Targets: >= 10,000 scenarios/s on one process; HL_SENSITIVITY >= 10x the separate comparisons."
    return table
