r"""Monthly hashprice projection: difficulty, block rate, halvings, fees and BTC price month by month.

The projection runs from the first day of the start month. Each month has

- a difficulty :math:`D_m` and a network hashrate :math:`H_m`, either from a monthly difficulty growth rate
  :math:`g` (then :math:`D_m = D_0 (1+g)^m` and the hashrate leads difficulty by one retarget lag,
  :math:`H_m = D_m 2^{32}/600 \cdot (1+g)^{L}`, :math:`L` = 14 days in months) or from a hashrate path in EH/s
  (then difficulty trails it by the same lag);
- a mean block interval :math:`\tau_m = D_m 2^{32} / H_m` (under 600 s while hashrate grows), hence the
  blocks mined in the month and the height at its start;
- the subsidy averaged over the month's blocks, so a halving inside a month is blended by block count, and
  the halvings (1,050,000, 1,260,000, ...) are dated from this block rate;
- fees (constant or a path in BTC per block, or a share of the reward) and a BTC price (annual growth or a
  path).

Hashprice is the static formula applied month by month,
:math:`h_m = 10^{15} \cdot 86\,400 / (D_m 2^{32}) \cdot (\bar{s}_m + F_m) P_m` USD per PH/s per day.

Each formula comes from its module: the month grid from :mod:`.calendar`, hashrate, difficulty and block interval
from :mod:`.difficulty`, the blended subsidy from :func:`.subsidy.cumulative_subsidy_btc` and hashprice from
:func:`.hashprice.hashprice_btc_per_day_from_reward`.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ._inputs import InputModel
from .calendar import month_start_dates
from .difficulty import TARGET_TIMESPAN_S, difficulty_from_hashrate, mean_block_interval_s, network_hashrate
from .errors import ErrorKind, HashleaseError
from .hashprice import hashprice_btc_per_day_from_reward
from .subsidy import HALVING_INTERVAL_BLOCKS, cumulative_subsidy_btc
from .units import DAYS_PER_MEAN_MONTH, HASHES_PER_UNIT, MONTHS_PER_YEAR, SECONDS_PER_DAY

__all__ = ["MarketProjection", "hashprice_projection", "project_market", "project_markets", "cumulative_subsidy_btc",
           "RETARGET_LAG_MONTHS"]

#: Hashrate leads difficulty by about one retarget period (2,016 blocks ~ 14 days), in months.
RETARGET_LAG_MONTHS = TARGET_TIMESPAN_S / SECONDS_PER_DAY / DAYS_PER_MEAN_MONTH


class MarketProjection(InputModel):
    """Inputs of a monthly hashprice projection. Give at most one of each alternative group.

    Examples
    --------
    >>> p = MarketProjection(start="2025-01-01", months=48, difficulty=108.52e12, block_height=876_000,
    ...                      btc_price_usd=93_450, fees_btc_per_block=0.0931, difficulty_growth_per_month_frac=0.02)
    >>> table = hashprice_projection(p)
    >>> round(float(table["hashprice_usd_per_ph_day"].iloc[0]), 2)
    55.75
    >>> table.attrs["halving_dates"]
    ['2028-04-12']
    """

    start: dt.date = Field(description="First month of the projection (dated on the 1st)")
    months: int = Field(ge=1, le=1_200, description="Months projected [months]")
    difficulty: float = Field(gt=0, description="Difficulty at the start [unitless]")
    block_height: int = Field(ge=0, le=7_000_000, description="Block height at the start [blocks]")
    difficulty_growth_per_month_frac: float | None = Field(None, gt=-0.5, le=0.5, description=(
        "Difficulty growth per month [fraction/month]; default 0 unless a hashrate path is given"))
    hashrate_path_eh_s: tuple[float, ...] | None = Field(None, min_length=1, description=(
        "Network hashrate per month, one value per month [EH/s]"))
    btc_price_usd: float | None = Field(None, gt=0, description=(
        "BTC price at the start [USD/BTC]; give this or btc_price_path_usd"))
    btc_price_growth_per_year_frac: float | None = Field(None, gt=-1, le=10, description=(
        "BTC price growth per year, compounded monthly [fraction/year]; default 0 unless a path is given"))
    btc_price_path_usd: tuple[float, ...] | None = Field(None, min_length=1, description=(
        "BTC price per month, one value per month [USD/BTC]"))
    fees_btc_per_block: float | None = Field(None, ge=0, le=100, description="Constant fees [BTC/block]")
    fees_path_btc_per_block: tuple[float, ...] | None = Field(None, min_length=1, description=(
        "Fees per month [BTC/block]"))
    fee_share_frac: float | None = Field(None, ge=0, lt=1, description="Fees as a share of the reward")

    @model_validator(mode="after")
    def _alternatives(self) -> "MarketProjection":
        if self.difficulty_growth_per_month_frac is not None and self.hashrate_path_eh_s is not None:
            raise HashleaseError("hashrate_path_eh_s", "given", "left out when difficulty_growth_per_month_frac "
                                 "is given (one or the other)", kind=ErrorKind.VALUE)
        if (self.btc_price_usd is None) == (self.btc_price_path_usd is None):
            raise HashleaseError("btc_price_usd", self.btc_price_usd, "given, or btc_price_path_usd given "
                                 "(exactly one: a path starts at its own first price)", kind=ErrorKind.VALUE)
        if self.btc_price_growth_per_year_frac is not None and self.btc_price_path_usd is not None:
            raise HashleaseError("btc_price_path_usd", "given", "left out when btc_price_growth_per_year_frac is "
                                 "given (one or the other)", kind=ErrorKind.VALUE)
        growth = self.difficulty_growth_per_month_frac or 0.0
        if growth < 0 and self.difficulty * (1 + growth) ** self.months < 1:
            raise HashleaseError("difficulty_growth_per_month_frac", growth, "a decline that keeps difficulty "
                                 f">= 1 (its floor) over {self.months} months")
        fees = [n for n in ("fees_btc_per_block", "fees_path_btc_per_block", "fee_share_frac")
                if getattr(self, n) is not None]
        if len(fees) != 1:
            raise HashleaseError("fees_btc_per_block", ", ".join(fees) or "none given",
                                 "exactly one of fees_btc_per_block, fees_path_btc_per_block, fee_share_frac", kind=ErrorKind.VALUE)
        for name, low in (("hashrate_path_eh_s", 0.0), ("btc_price_path_usd", 0.0), ("fees_path_btc_per_block", -1)):
            path = getattr(self, name)
            if path is None:
                continue
            if len(path) < self.months:
                raise HashleaseError(name, f"{len(path)} values", f"one value per month ({self.months})", kind=ErrorKind.VALUE)
            bad = [i for i, x in enumerate(path) if not (x > low and np.isfinite(x)) or (low < 0 and x < 0)]
            if bad:
                raise HashleaseError(f"{name}[{bad[0]}]", path[bad[0]], ">= 0" if low < 0 else "> 0")
        return self


    @property
    def starting_btc_price_usd(self) -> float:
        """BTC price of the first month: ``btc_price_usd`` or the path's first value. [USD/BTC]"""
        return self.btc_price_usd if self.btc_price_usd is not None else self.btc_price_path_usd[0]


def _path(p: MarketProjection, name: str, months: int) -> np.ndarray:
    values = getattr(p, name)
    if len(values) < months:
        raise HashleaseError(name, f"{len(values)} values", f"one value per month ({months})", kind=ErrorKind.VALUE)
    return np.asarray(values[:months], dtype=float)[None, :]


def project_market(p: MarketProjection, *, months: int | None = None, btc_price_usd: np.ndarray | None = None,
                   difficulty_growth_per_month_frac: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The projection's monthly arrays, shape (paths, months), for many paths at once.

    ``btc_price_usd`` (paths, months) replaces the price path and ``difficulty_growth_per_month_frac``
    (paths,) the growth rate, for Monte Carlo; otherwise there is one path from ``p``.

    Examples
    --------
    >>> p = MarketProjection(start="2026-01-01", months=12, difficulty=100e12, block_height=1_050_000,
    ...                      btc_price_usd=100_000, fees_btc_per_block=0.0)
    >>> project_market(p, btc_price_usd=[[50_000.0] * 12, [100_000.0] * 12])["hashprice_usd_per_ph_day"].shape
    (2, 12)
    """
    n = months or p.months
    paths = 1
    if btc_price_usd is not None:
        btc_price_usd = np.asarray(btc_price_usd, dtype=float)
        if btc_price_usd.ndim != 2 or btc_price_usd.shape[1] != n:
            raise HashleaseError("btc_price_usd", f"shape {btc_price_usd.shape}", f"(paths, {n}) price paths", kind=ErrorKind.VALUE)
        paths = btc_price_usd.shape[0]
    if difficulty_growth_per_month_frac is not None:
        difficulty_growth_per_month_frac = np.asarray(difficulty_growth_per_month_frac, dtype=float).reshape(-1)
        paths = max(paths, difficulty_growth_per_month_frac.size)
    columns = _columns([p], n)
    columns = {name: np.broadcast_to(value, (paths,) + value.shape[1:]) for name, value in columns.items()}
    if difficulty_growth_per_month_frac is not None:
        columns["growth"] = np.broadcast_to(difficulty_growth_per_month_frac[:, None], (paths, 1))
        columns["hashrate_path"] = np.full((paths, 1), np.nan)
    if btc_price_usd is not None:
        columns["price_path"] = btc_price_usd
    return _project(columns, p.start, n)


def project_markets(markets: Sequence[MarketProjection], *, months: int) -> dict[str, np.ndarray]:
    """The projections of many markets starting in the same month, one row each, in one vectorised pass.

    Row ``i`` equals ``project_market(markets[i], months=months)``; the markets may mix the alternatives
    (growth or hashrate path, price level or path, fee modes).

    Examples
    --------
    >>> base = dict(start="2026-01-01", months=12, difficulty=100e12, block_height=1_050_000, fees_btc_per_block=0.0)
    >>> rows = project_markets([MarketProjection(**base, btc_price_usd=p) for p in (50_000, 100_000)], months=12)
    >>> [round(float(x), 2) for x in rows["hashprice_usd_per_ph_day"][:, 0]]
    [15.72, 31.43]
    """
    markets = list(markets)
    starts = {np.datetime64(x.start, "M") for x in markets}
    if len(starts) != 1:
        raise HashleaseError("markets", f"{len(starts)} start months", "markets starting in the same month", kind=ErrorKind.VALUE)
    return _project(_columns(markets, months), markets[0].start, months)


def _stack(markets: Sequence[MarketProjection], name: str, months: int) -> np.ndarray:
    """A path field as (markets, months); NaN rows where a market has no such path."""
    out = np.full((len(markets), months), np.nan)
    for i, x in enumerate(markets):
        values = getattr(x, name)
        if values is not None:
            if len(values) < months:
                raise HashleaseError(name, f"{len(values)} values", f"one value per month ({months})", kind=ErrorKind.VALUE)
            out[i] = values[:months]
    return out


def _columns(markets: Sequence[MarketProjection], months: int) -> dict[str, np.ndarray]:
    """The markets' inputs as (markets, 1) columns, paths as (markets, months) (NaN where not given)."""
    def column(values) -> np.ndarray:
        return np.array(values, dtype=float)[:, None]

    return {
        "difficulty": column([x.difficulty for x in markets]),
        "block_height": column([x.block_height for x in markets]),
        "growth": column([x.difficulty_growth_per_month_frac or 0.0 for x in markets]),
        "hashrate_path": (_stack(markets, "hashrate_path_eh_s", months)
                          if any(x.hashrate_path_eh_s is not None for x in markets) else np.full((len(markets), 1), np.nan)),
        "price": column([np.nan if x.btc_price_usd is None else x.btc_price_usd for x in markets]),
        "price_growth": column([x.btc_price_growth_per_year_frac or 0.0 for x in markets]),
        "price_path": (_stack(markets, "btc_price_path_usd", months)
                       if any(x.btc_price_path_usd is not None for x in markets) else np.full((len(markets), 1), np.nan)),
        "fees": column([np.nan if x.fees_btc_per_block is None else x.fees_btc_per_block for x in markets]),
        "fees_path": (_stack(markets, "fees_path_btc_per_block", months)
                      if any(x.fees_path_btc_per_block is not None for x in markets) else np.full((len(markets), 1), np.nan)),
        "fee_share": column([np.nan if x.fee_share_frac is None else x.fee_share_frac for x in markets]),
    }


def _project(c: dict[str, np.ndarray], start: dt.date, n: int) -> dict[str, np.ndarray]:
    """The monthly projection of columns ``c`` (rows of markets or paths), every row from ``start``."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # overflow is refused by _check_finite
        return _project_rows(c, start, n)


def _project_rows(c: dict[str, np.ndarray], start: dt.date, n: int) -> dict[str, np.ndarray]:
    rows = c["difficulty"].shape[0]
    dates = month_start_dates(start, n + 1)
    seconds = ((dates[1:] - dates[:-1]).astype(float) * SECONDS_PER_DAY)[None, :]
    m = np.arange(n, dtype=float)[None, :]
    growth = c["growth"]
    difficulty = c["difficulty"] * (1.0 + growth) ** m
    _check_finite(c, np.zeros(rows, dtype=bool), "network hashrate or difficulty", difficulty)
    hashrate = network_hashrate(difficulty, unit="H") * (1.0 + growth) ** RETARGET_LAG_MONTHS
    on_path = ~np.isnan(c["hashrate_path"][:, 0])
    if on_path.any():
        path_eh_s = c["hashrate_path"][on_path]
        path = path_eh_s * HASHES_PER_UNIT["EH"]
        if n > 1:
            ratio = np.concatenate([path[:, 1:2] / path[:, :1], path[:, 1:] / path[:, :-1]], axis=1)
        else:
            ratio = np.ones_like(path)
        # difficulty trails the path by one retarget lag; month 0 keeps today's difficulty, and the first
        # retarget (within two weeks) brings it to the path
        trailing = difficulty_from_hashrate(path_eh_s, unit="EH") * ratio ** -RETARGET_LAG_MONTHS
        trailing[:, 0] = c["difficulty"][on_path, 0]
        difficulty, hashrate = np.array(np.broadcast_to(difficulty, (rows, n))), np.array(
            np.broadcast_to(hashrate, (rows, n)))
        difficulty[on_path], hashrate[on_path] = trailing, path
    _check_finite(c, on_path, "network hashrate or difficulty", difficulty, hashrate)
    interval = mean_block_interval_s(difficulty, hashrate, unit="H")
    blocks = seconds / interval
    height = c["block_height"] + np.concatenate([np.zeros((blocks.shape[0], 1)), np.cumsum(blocks, axis=1)[:, :-1]],
                                                axis=1)
    _check_finite(c, on_path, "number of blocks", height + blocks)
    subsidy = (cumulative_subsidy_btc(height + blocks) - cumulative_subsidy_btc(height)) / blocks
    level = c["price"] * (1.0 + c["price_growth"]) ** (m / MONTHS_PER_YEAR)
    price = np.where(np.isnan(c["price_path"]), level, c["price_path"]) if not np.isnan(c["price_path"]).all() \
        else level
    fixed_fees = np.where(np.isnan(c["fees_path"]), c["fees"], c["fees_path"])
    share = c["fee_share"]
    fees = np.where(np.isnan(share), fixed_fees, subsidy * np.nan_to_num(share) / (1.0 - np.nan_to_num(share)))
    shape = (rows, n)
    reward = subsidy + fees
    btc_per_ph_day = np.asarray(hashprice_btc_per_day_from_reward(difficulty, reward, unit="PH"))
    out = {
        "days_in_month": seconds / SECONDS_PER_DAY,
        "difficulty": difficulty, "network_hashrate_eh_s": hashrate / HASHES_PER_UNIT["EH"], "block_interval_s": interval,
        "blocks_in_month": blocks, "block_height_start": height, "subsidy_btc_per_block": subsidy,
        "fees_btc_per_block": fees, "reward_btc_per_block": reward, "btc_price_usd": price,
        "hashprice_btc_per_ph_day": btc_per_ph_day, "hashprice_usd_per_ph_day": btc_per_ph_day * price,
    }
    return {key: np.broadcast_to(value, shape) for key, value in out.items()} | {"dates": dates[:-1]}


def _check_finite(c: dict[str, np.ndarray], on_path: np.ndarray, what: str, *arrays: np.ndarray) -> None:
    """Refuse a projection whose difficulty, hashrate or block count leaves the numbers (beyond about 1.8e308).

    The error names the input that leads there (``difficulty``, or ``hashrate_path_eh_s`` for a row on a
    hashrate path), its value and the month, never the internal arrays.
    """
    ok = np.ones(np.broadcast_shapes(*(a.shape for a in arrays)), dtype=bool)
    for array in arrays:
        ok &= np.isfinite(array)
    if ok.all():
        return
    row, month = (int(i) for i in np.argwhere(~ok)[0])
    path = bool(on_path[row]) if on_path.shape[0] > row else False
    name = "hashrate_path_eh_s" if path and what != "number of blocks" else "difficulty"
    value = float(c["hashrate_path"][row, month] if name == "hashrate_path_eh_s" else c["difficulty"][row, 0])
    rows = f"projection row {row}, " if ok.shape[0] > 1 else ""
    raise HashleaseError(name, value, "a value whose projected network hashrate, difficulty and block count stay "
                         "finite numbers (at most about 1.8e308)",
                         index=(month,) if name == "hashrate_path_eh_s" else None,
                         detail=f"{rows}month {month}: the {what} implied is beyond the largest number; "
                                "Excel answers #NUM!", kind=ErrorKind.NUM)


def halving_dates(p: MarketProjection) -> list[str]:
    """Estimated dates of the halvings inside the projection, from its monthly block rate."""
    arrays = project_market(p)
    height, blocks, interval = (arrays[k][0] for k in ("block_height_start", "blocks_in_month", "block_interval_s"))
    out = []
    first = (np.floor(height[0] / HALVING_INTERVAL_BLOCKS) + 1) * HALVING_INTERVAL_BLOCKS
    for target in np.arange(first, height[-1] + blocks[-1] + 1, HALVING_INTERVAL_BLOCKS):
        month = int(np.searchsorted(height + blocks, target, side="right"))
        if month >= len(height):
            break
        seconds = (target - height[month]) * interval[month]
        when = arrays["dates"][month].astype("datetime64[s]") + np.timedelta64(int(round(seconds)), "s")
        out.append(str(when.astype("datetime64[D]")))
    return out


def hashprice_projection(p: MarketProjection) -> pd.DataFrame:
    """The projection as a dated monthly DataFrame, columns named with units.

    ``attrs["halving_dates"]`` lists the estimated dates of the halvings inside the projection.

    Examples
    --------
    >>> table = hashprice_projection(MarketProjection(start="2026-01-01", months=3, difficulty=100e12,
    ...                              block_height=1_050_000, btc_price_usd=100_000, fees_btc_per_block=0.0))
    >>> [round(float(x), 2) for x in table["hashprice_usd_per_ph_day"]]
    [31.43, 31.43, 31.43]
    """
    arrays = project_market(p)
    frame = pd.DataFrame({key: value[0] for key, value in arrays.items() if key != "dates"},
                         index=pd.DatetimeIndex(arrays["dates"], name="date"))
    frame.attrs["halving_dates"] = halving_dates(p)
    return frame
