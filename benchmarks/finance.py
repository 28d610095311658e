"""XNPV, XIRR, NPV and IRR over many monthly series, against pyxirr and numpy-financial in the same run.

hashlease takes the whole (series x months) array in one call; the peers take one series per call, so they
run in a Python loop, as a user of those libraries would write it. Results are checked to agree.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pyxirr
from rich.table import Table

from common import best_time
from hashlease.models import irr, npv, xirr, xnpv


def _series(count: int, months: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = rng.uniform(5e4, 2e5, (count, months))
    values[:, :12] = -rng.uniform(5e5, 1.5e6, (count, 12))  # a build year, then rent
    dates = (np.datetime64("2026-01", "M") + np.arange(months)).astype("datetime64[D]")
    rates = rng.uniform(0.04, 0.15, count)
    return values, dates, rates


def run(count: int = 10_000, months: int = 180, repeat: int = 3, irr_subset: int = 1_000) -> Table:
    rng = np.random.default_rng(180)
    values, dates, rates = _series(count, months, rng)
    date_list = dates.tolist()
    rows = [row for row in values]

    sub = slice(0, irr_subset)
    cases = [
        ("XNPV", "pyxirr.xnpv", count,
         lambda: xnpv(rates, values, dates),
         lambda: np.array([pyxirr.xnpv(r, date_list, row) for r, row in zip(rates, rows)]), 1e-10),
        ("XIRR", "pyxirr.xirr", count,
         lambda: xirr(values, dates),
         lambda: np.array([pyxirr.xirr(date_list, row) for row in rows]), 1e-8),
        ("NPV (t=0)", "numpy_financial.npv", count,
         lambda: npv(rates, values, first_flow_at_t0=True),
         lambda: np.array([npf.npv(r, row) for r, row in zip(rates, rows)]), 1e-10),
        ("IRR", "numpy_financial.irr", irr_subset,
         lambda: irr(values[sub]),
         lambda: np.array([npf.irr(row) for row in rows[sub]]), 1e-9),
        ("IRR", "pyxirr.irr", count,
         lambda: irr(values),
         lambda: np.array([pyxirr.irr(row) for row in rows]), 1e-8),
    ]
    table = Table(title=f"Discounting, {months} monthly flows per series, best of {repeat}")
    for header in ["Function", "Series", "hashlease s", "Peer", "Peer s", "peer / hashlease", "max rel. diff"]:
        table.add_column(header, justify="left" if header in ("Function", "Peer") else "right")
    for name, peer, n, ours, theirs, tolerance in cases:
        t_ours, a = best_time(ours, repeat)
        t_peer, b = best_time(theirs, 1 if n > 2_000 else repeat)
        diff = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))
        if diff > tolerance:
            raise SystemExit(f"{name}: hashlease and {peer} disagree (max rel. diff {diff:.1e})")
        table.add_row(name, f"{n:,}", f"{t_ours:.3f}", peer, f"{t_peer:.3f}", f"{t_peer / t_ours:,.1f}x",
                      f"{diff:.1e}")
    table.caption = ("numpy_financial.irr runs on the first 1,000 series only (it is slow); both sides of a row "
                     "run the same series.")
    return table
