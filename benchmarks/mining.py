"""Mining kernels over 10^6-element arrays versus the same maths in a plain Python loop.

The loop is checked to give the same numbers, so the two sides really compute the same thing.
"""

from __future__ import annotations

import platform

import numpy as np
from rich.table import Table

from common import best_time
from hashlease import models as m

TWO_32 = 2.0**32


def _subsidy_btc(height: int) -> float:
    halvings = height // 210_000
    return (5_000_000_000 >> halvings) / 1e8 if halvings < 64 else 0.0


def loop_hashprice_usd_per_ph_day(difficulty, price, height, fees):
    out = [0.0] * len(difficulty)
    for i in range(len(difficulty)):
        reward = _subsidy_btc(int(height[i])) + fees[i]
        out[i] = 1e15 * 86_400 / (difficulty[i] * TWO_32) * reward * price[i]
    return out


def loop_breakeven_btc_price_usd(difficulty, height, fees, efficiency, power_price):
    out = [0.0] * len(difficulty)
    for i in range(len(difficulty)):
        reward = _subsidy_btc(int(height[i])) + fees[i]
        btc_per_ph_day = 1e15 * 86_400 / (difficulty[i] * TWO_32) * reward
        out[i] = 24.0 * efficiency[i] * power_price[i] / btc_per_ph_day
    return out


def loop_breakeven_power_price(hashprice, efficiency):
    return [hashprice[i] / (24.0 * efficiency[i]) for i in range(len(hashprice))]


def run(n: int = 1_000_000, repeat: int = 3) -> Table:
    rng = np.random.default_rng(20241223)
    difficulty = rng.uniform(50e12, 200e12, n)
    price = rng.uniform(20_000, 200_000, n)
    height = rng.integers(800_000, 1_300_000, n)
    fees = rng.uniform(0.0, 0.5, n)
    efficiency = rng.uniform(12.0, 35.0, n)
    power_price = rng.uniform(0.02, 0.10, n)
    hashprice = rng.uniform(20.0, 120.0, n)
    lists = {name: arr.tolist() for name, arr in dict(difficulty=difficulty, price=price, height=height, fees=fees,
                                                       efficiency=efficiency, power_price=power_price,
                                                       hashprice=hashprice).items()}

    cases = [
        ("hashprice_usd_per_day",
         lambda: m.hashprice_usd_per_day(difficulty, price, height, fees_btc_per_block=fees),
         lambda: loop_hashprice_usd_per_ph_day(lists["difficulty"], lists["price"], lists["height"], lists["fees"])),
        ("breakeven_btc_price_usd",
         lambda: m.breakeven_btc_price_usd(difficulty, height, efficiency, power_price, fees_btc_per_block=fees),
         lambda: loop_breakeven_btc_price_usd(lists["difficulty"], lists["height"], lists["fees"],
                                              lists["efficiency"], lists["power_price"])),
        ("breakeven_power_price_usd_per_kwh",
         lambda: m.breakeven_power_price_usd_per_kwh(hashprice, efficiency),
         lambda: loop_breakeven_power_price(lists["hashprice"], lists["efficiency"])),
    ]

    table = Table(title=f"Mining kernels, n = {n:,} elements, best of {repeat} "
                        f"(Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()})")
    for header in ["Kernel", "numpy (validated) s", "Python loop s", "loop / numpy", "max rel. diff"]:
        table.add_column(header, justify="left" if header == "Kernel" else "right")
    for name, vector, loop in cases:
        t_vec, v = best_time(vector, repeat)
        t_loop, l = best_time(loop, repeat)
        diff = float(np.max(np.abs(np.asarray(l) / v - 1.0)))
        if diff > 1e-12:
            raise SystemExit(f"{name}: the loop and the model disagree (max rel. diff {diff:.2e})")
        table.add_row(name, f"{t_vec:.4f}", f"{t_loop:.4f}", f"{t_loop / t_vec:,.1f}x", f"{diff:.1e}")
    table.caption = "numpy side includes the models' input validation (range and finiteness on every element)."
    return table
