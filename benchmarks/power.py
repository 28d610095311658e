"""A 20-year hourly power curve (175,200 hours) with curtailment at the hashprice-implied breakeven for one site,
vectorised against the same computation hour by hour in a Python loop, in the same run."""

from __future__ import annotations

import time

import numpy as np
from rich.table import Table

from common import best_time
from hashlease import models as m


def _inputs():
    hours = np.arange("2026-01-01T00", "2046-01-01T00", dtype="datetime64[h]")
    rng = np.random.default_rng(20)
    daily = 15 * np.sin(2 * np.pi * (np.arange(len(hours)) % 24) / 24)
    prices = 45 + daily + rng.gamma(2.0, 12.0, len(hours)) - 10
    market = m.MarketProjection(start="2026-01-01", months=240, difficulty=108.52e12, block_height=930_000,
                                btc_price_usd=93_450, fees_btc_per_block=0.0931, difficulty_growth_per_month_frac=0.01,
                                btc_price_growth_per_year_frac=0.1)
    hashprice = m.project_market(market)["hashprice_usd_per_ph_day"][0]
    return hours, prices, hashprice


def vectorised(hours, prices, hashprice):
    curve = m.read_price_curve(hours, prices)
    month = (hours.astype("datetime64[M]") - hours[0].astype("datetime64[M]")).astype(int)
    threshold = m.breakeven_usd_per_mwh(hashprice, 17.5, pue=1.1, pool_fee_frac=0.02)[month]
    return m.curtailment(curve, threshold, credit_usd_per_mwh_curtailed=20.0)[1]


def loop(hours, prices, hashprice):
    start = hours[0].astype("datetime64[M]")
    months = {}
    for stamp, price in zip(hours.tolist(), prices.tolist()):
        key = (stamp.year - 2026) * 12 + stamp.month - 1
        threshold = 1000.0 * hashprice[key] * (1 - 0.02) / (24.0 * 17.5 * 1.1)
        total = months.setdefault(key, [0.0, 0.0, 0.0, 0.0])
        total[0] += 1.0
        if price <= threshold:
            total[1] += 1.0
            total[2] += price
        else:
            total[3] += 20.0
    return months


def run(repeat: int = 3) -> Table:
    hours, prices, hashprice = _inputs()
    t_vec, monthly = best_time(lambda: vectorised(hours, prices, hashprice), repeat)
    t_loop, looped = best_time(lambda: loop(hours, prices, hashprice), 1)
    ref = np.array([looped[k] for k in sorted(looped)])
    diff = max(np.max(np.abs(monthly.hours_mined - ref[:, 1])), np.max(np.abs(monthly.energy_cost_usd_per_mw - ref[:, 2]) /
                                                                        np.maximum(ref[:, 2], 1)))
    if diff > 1e-9:
        raise SystemExit(f"power: vectorised and loop disagree ({diff:.1e})")
    table = Table(title=f"Hourly curtailment, {len(hours):,} hours (20 years), one site")
    for header in ["Method", "Seconds", "Hours / s", "Ratio"]:
        table.add_column(header, justify="left" if header == "Method" else "right")
    table.add_row("vectorised (read, threshold, curtail, monthly totals)", f"{t_vec:.4f}", f"{len(hours) / t_vec:,.0f}",
                  f"{t_loop / t_vec:,.1f}x faster")
    table.add_row("per-hour Python loop", f"{t_loop:.4f}", f"{len(hours) / t_loop:,.0f}", "")
    table.caption = f"mean uptime {monthly.uptime_frac.mean():.1%}; loop = vectorised to {diff:.0e}"
    return table
