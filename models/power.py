r"""Hourly power prices and curtailment: mine only in the hours that pay, and earn demand-response credits.

With an hourly (or any interval) price curve in USD/MWh, a site stops mining in each hour whose price exceeds
a threshold: the hashprice-implied breakeven (revenue of the hour equals its power cost) or a set cap. Curtailed
hours earn a demand-response credit in USD per MW-hour curtailed; a capacity payment in USD per MW-month is
paid whatever happens. Uptime and the average price of the hours mined are then outputs, not inputs.

The breakeven power price of a fleet at hashprice :math:`h` (USD/PH/day), efficiency :math:`E` (J/TH), PUE and
pool fee :math:`f`, in USD/MWh, is :func:`.breakeven.breakeven_power_price_usd_per_kwh` in USD/MWh:

.. math:: p^* = \frac{1000\,h\,(1-f)}{24\,E\,\mathrm{PUE}}
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._validate import as_datetime64, as_real, check_range, first_bad, result
from .breakeven import breakeven_power_price_usd_per_kwh
from .errors import ErrorKind, HashleaseError
from .units import KW_PER_MW

__all__ = ["HourlyCurve", "read_price_curve", "curtailment", "MonthlyPower", "breakeven_usd_per_mwh"]


#: Largest price magnitude accepted: far beyond any market's offer cap or floor (ERCOT's cap is 5,000 USD/MWh). [USD/MWh]
MAX_ABS_PRICE_USD_PER_MWH = 1e6


class HourlyCurve(NamedTuple):
    """Interval start times (UTC, datetime64[s]) and prices (USD/MWh), strictly increasing and evenly spaced."""

    start: np.ndarray
    price_usd_per_mwh: np.ndarray

    @property
    def hours(self) -> float:
        """Length of one interval. [h]"""
        return float((self.start[1] - self.start[0]) / np.timedelta64(1, "h")) if len(self.start) > 1 else 1.0


def read_price_curve(timestamps: Any, prices_usd_per_mwh: Any) -> HourlyCurve:
    """Validate a price curve: timestamps strictly increasing with one spacing (no gaps, no duplicates), prices
    finite (negative prices happen and are allowed); errors name the row (1 = first data row).

    Timestamps with a time zone or UTC offset (zoned datetimes, ISO 8601 text ending in ``+02:00`` or ``Z``)
    are converted to UTC; naive ones are taken as UTC. Unlike the Excel date paths (:func:`.to_excel_serial`,
    XNPV and XIRR dates), which keep the wall-clock date because Excel has no time zones, a price curve's
    hours are instants: in local time a daylight-saving change would repeat or skip an hour.

    Examples
    --------
    >>> curve = read_price_curve(["2026-01-01T00:00", "2026-01-01T01:00"], [35.0, -5.0])
    >>> curve.hours, curve.price_usd_per_mwh.tolist()
    (1.0, [35.0, -5.0])
    """
    try:
        start = np.asarray(timestamps)
        start = (start if start.dtype.kind in "iufM" else as_datetime64("timestamps", timestamps, aware="utc")
                 ).astype("datetime64[s]")
    except (TypeError, ValueError) as exc:
        raise HashleaseError("timestamps", "unreadable", "ISO 8601 timestamps",
                             detail=exc.detail if isinstance(exc, HashleaseError) else str(exc)) from None
    if start.ndim != 1 or len(start) == 0:
        raise HashleaseError("timestamps", f"{start.size} values", "a non-empty column of timestamps", kind=ErrorKind.VALUE)
    raw = np.asarray(prices_usd_per_mwh)
    if raw.shape != start.shape:
        raise HashleaseError("prices_usd_per_mwh", f"{raw.size} values", f"one per timestamp ({start.size})", kind=ErrorKind.VALUE)
    prices = raw.astype(float) if raw.dtype.kind in "iuf" else None
    if prices is None or not np.isfinite(prices).all():  # find the first bad row, one by one
        for row, value in enumerate(np.asarray(prices_usd_per_mwh, dtype=object).tolist(), start=1):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or \
                    not np.isfinite(float(value)):
                raise HashleaseError(f"prices_usd_per_mwh (row {row})", value, "a finite number (negative is allowed)")
        prices = raw.astype(float)
    too_big = np.abs(prices) > MAX_ABS_PRICE_USD_PER_MWH
    if too_big.any():
        row = int(np.flatnonzero(too_big)[0])
        raise HashleaseError(f"prices_usd_per_mwh (row {row + 1})", float(prices[row]),
                             f"within +/- {MAX_ABS_PRICE_USD_PER_MWH:,.0f} USD/MWh")
    if len(start) > 1:
        steps = np.diff(start).astype(np.int64)
        bad = first_bad(steps <= 0)
        if bad is not None:
            raise HashleaseError(f"timestamps (row {bad[0] + 2})", str(start[bad[0] + 1]),
                                 "later than the row before (no duplicates, in order)")
        bad = first_bad(steps != steps[0])
        if bad is not None:
            raise HashleaseError(f"timestamps (row {bad[0] + 2})", str(start[bad[0] + 1]),
                                 f"{steps[0] // 3600 if steps[0] % 3600 == 0 else steps[0]} "
                                 f"{'h' if steps[0] % 3600 == 0 else 's'} after the row before (no gaps)")
    return HourlyCurve(start, prices)


def breakeven_usd_per_mwh(hashprice_usd_per_ph_day: Any, efficiency_j_per_th: Any, *, pue: Any = 1.0,
                          pool_fee_frac: Any = 0.0) -> float | np.ndarray:
    r"""Power price at which an hour of mining breaks even, in USD/MWh (1,000 x the USD/kWh breakeven).

    Parameters
    ----------
    hashprice_usd_per_ph_day : array_like
        USD hashprice, >= 0. [USD/PH/day]
    efficiency_j_per_th : array_like
        Efficiency at the wall, > 0. [J/TH]
    pue : array_like, optional
        Facility power over machine power, >= 1; default 1. [ratio]
    pool_fee_frac : array_like, optional
        Share of revenue the pool keeps, in [0, 1); default 0. [fraction]

    Returns
    -------
    float or numpy.ndarray
        Curtailment threshold: mine in the hours priced at or below it. [USD/MWh]

    Notes
    -----
    This is :func:`.breakeven.breakeven_power_price_usd_per_kwh` with ``uptime_frac=1`` and no other cash
    costs, times 1,000 kWh per MWh:

    .. math:: p^* = \frac{1000\,h\,(1-f)}{24\,E\,\mathrm{PUE}}

    It has no ``uptime_frac`` or ``other_cash_cost_usd_per_ph_day`` on purpose: it is the *marginal* breakeven of
    one hour, for the mine-or-curtail decision. Hosting, staff and repairs are paid whether the hour is mined or
    not, so they do not move the threshold; and without them uptime cancels (an hour not mined earns nothing and
    costs no power). With other cash costs > 0, :func:`.breakeven.breakeven_power_price_usd_per_kwh` (the all-in
    breakeven of the whole site) is lower than this threshold.

    Examples
    --------
    >>> round(breakeven_usd_per_mwh(54.3, 17.5), 1)  # Antminer S21: 0.1293 USD/kWh (domain notes, 2.5)
    129.3
    """
    per_kwh = breakeven_power_price_usd_per_kwh(hashprice_usd_per_ph_day, efficiency_j_per_th, pue=pue,
                                                pool_fee_frac=pool_fee_frac)
    return result(np.asarray(per_kwh) * KW_PER_MW)


class MonthlyPower(NamedTuple):
    """Per calendar month of the curve: hours, hours mined, uptime, mean price of hours mined, credits."""

    month: np.ndarray  # datetime64[M]
    hours: np.ndarray
    hours_mined: np.ndarray
    uptime_frac: np.ndarray
    mean_price_mined_usd_per_mwh: np.ndarray
    energy_cost_usd_per_mw: np.ndarray
    curtailment_credit_usd_per_mw: np.ndarray


def curtailment(curve: HourlyCurve, threshold_usd_per_mwh: Any, *,
                credit_usd_per_mwh_curtailed: float = 0.0) -> tuple[np.ndarray, MonthlyPower]:
    """Which intervals are mined (price at or below the threshold), and the monthly totals per MW of load.

    Parameters
    ----------
    curve : HourlyCurve
        Prices per interval. [USD/MWh]
    threshold_usd_per_mwh : float or array_like
        Mine while the price is at or below this: one value (a cap, or the breakeven), or one per interval. [USD/MWh]
    credit_usd_per_mwh_curtailed : float, optional
        Demand-response credit per MWh not drawn in a curtailed interval. [USD/MWh]

    Returns
    -------
    mined : numpy.ndarray of bool
        Per interval, whether the site mines.
    MonthlyPower
        Per calendar month, per MW of load: hours, hours mined, uptime, mean price mined, energy cost and credit.

    Examples
    --------
    >>> curve = read_price_curve(np.arange("2026-01-01T00", "2026-01-01T04", dtype="datetime64[h]"), [20, 80, 150, 40])
    >>> mined, month = curtailment(curve, 100.0, credit_usd_per_mwh_curtailed=10.0)
    >>> mined.tolist(), month.uptime_frac.tolist(), month.mean_price_mined_usd_per_mwh.tolist()
    ([True, True, False, True], [0.75], [46.666666666666664])
    >>> month.energy_cost_usd_per_mw.tolist(), month.curtailment_credit_usd_per_mw.tolist()
    ([140.0], [10.0])
    """
    threshold = as_real("threshold_usd_per_mwh", threshold_usd_per_mwh)
    if threshold.ndim and threshold.shape != curve.price_usd_per_mwh.shape:
        raise HashleaseError("threshold_usd_per_mwh", f"{threshold.size} values",
                             f"one value, or one per interval ({curve.price_usd_per_mwh.size})", kind=ErrorKind.VALUE)
    credit = float(check_range("credit_usd_per_mwh_curtailed", credit_usd_per_mwh_curtailed, ge=0))
    mined = curve.price_usd_per_mwh <= threshold
    step = curve.hours
    months = curve.start.astype("datetime64[M]")
    unique, index = np.unique(months, return_inverse=True)
    hours = np.bincount(index, minlength=len(unique)) * step
    hours_mined = np.bincount(index, weights=mined * step, minlength=len(unique))
    cost = np.bincount(index, weights=np.where(mined, curve.price_usd_per_mwh * step, 0.0), minlength=len(unique))
    credits = np.bincount(index, weights=np.where(mined, 0.0, credit * step), minlength=len(unique))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_price = np.where(hours_mined > 0, cost / hours_mined, np.nan)
    return mined, MonthlyPower(unique, hours, hours_mined, hours_mined / hours, mean_price, cost, credits)
