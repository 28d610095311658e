"""HL_ wrapper overhead, and a 100,000-cell column computed as one array call versus one call per cell.

The wrapper side is the generated classic function called as xlwings' COM server would call it (arguments
already converted to Python values); Excel's own COM marshalling is not part of it.
"""

from __future__ import annotations

import time

import numpy as np
from rich.table import Table

from common import best_time
from hashlease import models as m
from hashlease.addin._generated import classic

ARGS = (108.52e12, 93_450.0, 0.0931, 874_944.0)


def run(cells: int = 100_000, calls: int = 20_000, repeat: int = 3) -> Table:
    def bare():
        for _ in range(calls):
            m.hashprice_usd_per_day(108.52e12, 93_450.0, 874_944, fees_btc_per_block=0.0931)

    def wrapped():
        for _ in range(calls):
            classic.HL_HASHPRICE(*ARGS)

    t_bare, _ = best_time(bare, repeat)
    t_wrapped, _ = best_time(wrapped, repeat)
    rng = np.random.default_rng(6)
    column = tuple((float(x),) for x in rng.uniform(50e12, 200e12, cells))
    t_array, array_result = best_time(lambda: classic.HL_HASHPRICE(column, *ARGS[1:]), repeat)
    start = time.perf_counter()
    singles = [classic.HL_HASHPRICE(row[0], *ARGS[1:]) for row in column]
    t_cells = time.perf_counter() - start
    if [row[0] for row in array_result] != singles:
        raise SystemExit("add-in: the array call and the per-cell calls disagree")
    table = Table(title="HL_HASHPRICE through the add-in wrapper")
    for header in ["Measure", "Calls or cells", "Seconds", "Per call or cell (us)", "Ratio"]:
        table.add_column(header, justify="left" if header == "Measure" else "right")
    table.add_row("bare model call", f"{calls:,}", f"{t_bare:.3f}", f"{t_bare / calls * 1e6:.1f}", "1.0x")
    table.add_row("through the wrapper", f"{calls:,}", f"{t_wrapped:.3f}", f"{t_wrapped / calls * 1e6:.1f}",
                  f"{t_wrapped / t_bare:.2f}x the bare call")
    table.add_row("column as one array call", f"{cells:,}", f"{t_array:.3f}", f"{t_array / cells * 1e6:.2f}", "")
    table.add_row("column as one call per cell", f"{cells:,}", f"{t_cells:.3f}", f"{t_cells / cells * 1e6:.1f}",
                  f"{t_cells / t_array:,.0f}x the array call")
    return table
