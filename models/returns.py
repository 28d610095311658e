r"""Payback and return on investment of monthly cash flows: one rule each, for every option and every scenario.

Both take a batch of cash-flow rows (scenarios x months) and answer per row, with the reason where there is no
answer, so a table can show a blank *and* say why:

- **Payback month**: the first month whose cumulative cash is >= 0 after having been negative; month 0 when
  the cumulative cash is never negative (nothing to pay back); none when it never recovers within the rows.
- **Investment IRR**: Excel's XIRR of the flows, reported only where it is the return of an investment, i.e.
  where the XNPV falls as the rate rises through the root (money goes in before it comes back). A stream that
  brings cash first and costs cash later (keeping an existing fleet running, then selling it) has a root that
  is a *borrowing* rate; showing it as a return would mislead, so none is reported, with that reason.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .finance import xirr_each, xnpv

__all__ = ["Payback", "payback_month", "InvestmentIrr", "investment_irr"]

#: Why a row has no payback month.
NEVER_PAID_BACK = "cumulative cash never turns non-negative again within the horizon"
#: Why a row has no investment IRR although XIRR has a root.
NOT_AN_INVESTMENT = ("the flows bring cash in before they cost it, so the rate that zeroes their XNPV is a "
                     "borrowing rate, not a return")


class Payback(NamedTuple):
    """Payback per row: the month (float, NaN where none) and the reason where there is none."""

    month: np.ndarray
    reason: list[str | None]


def payback_month(cash_flows: Any) -> Payback:
    r"""Month (from the first row, 0-based) at which cumulative cash is paid back, per row.

    Parameters
    ----------
    cash_flows : array_like
        Monthly cash flows, shape (months,) or (rows, months). [USD]

    Returns
    -------
    Payback
        ``month`` has one entry per row: the first month :math:`m` with :math:`\sum_{i \le m} c_i \ge 0`
        after a month with a negative cumulative sum; 0 if the cumulative sum is never negative; NaN (with
        ``reason``) if it never recovers.

    Examples
    --------
    >>> payback_month([[-100, 30, 30, 40, 10], [50, -20, 5, 0, 0], [-100, 10, 10, 10, 10]]).month.tolist()
    [3.0, 0.0, nan]
    """
    flows = np.atleast_2d(np.asarray(cash_flows, dtype=float))
    cumulative = np.cumsum(flows, axis=-1)
    was_negative = np.minimum.accumulate(cumulative, axis=-1) < 0
    recovered = (cumulative >= 0) & was_negative
    never_negative = ~was_negative[..., -1]
    month = np.where(never_negative, 0.0, np.where(recovered.any(axis=-1), recovered.argmax(axis=-1), np.nan))
    return Payback(month, [None if np.isfinite(x) else NEVER_PAID_BACK for x in month])


class InvestmentIrr(NamedTuple):
    """Investment IRR per row (NaN where none) and the reason where there is none."""

    rate: np.ndarray
    reason: list[str | None]


def investment_irr(cash_flows: Any, dates: Any) -> InvestmentIrr:
    """XIRR of each row where the row is an investment (its XNPV falls through the root); the reason elsewhere.

    Parameters
    ----------
    cash_flows : array_like
        Dated cash flows, shape (rows, flows). [USD]
    dates : array_like
        One date per flow, shape (flows,) shared by every row, or (rows, flows).

    Returns
    -------
    InvestmentIrr
        ``rate`` per row [fraction/year], NaN where XIRR has no root (the reason is its error message) or the
        root is a borrowing rate.

    Examples
    --------
    >>> dates = ["2026-01-01", "2027-01-01", "2028-01-01"]
    >>> result = investment_irr([[-100.0, 60.0, 60.0], [100.0, -60.0, -60.0]], dates)
    >>> round(float(result.rate[0]), 6), float(result.rate[1]), result.reason[1][:20]
    (0.130662, nan, 'the flows bring cash')
    """
    flows = np.atleast_2d(np.asarray(cash_flows, dtype=float))
    dates = np.asarray(dates)
    rows = flows.shape[0]
    rate = np.full(rows, np.nan)
    reason: list[str | None] = [None] * rows
    found, errors = xirr_each(flows, dates)
    for i, error in enumerate(errors):
        if error is None:
            rate[i] = found[i]
        else:
            reason[i] = f"no IRR: {error}"
    ok = np.flatnonzero(np.isfinite(rate))
    if ok.size:
        row_dates = dates if dates.ndim == 1 else dates[ok]
        step = 1e-6 * np.maximum(1.0, np.abs(rate[ok]))
        with np.errstate(over="ignore", invalid="ignore"):
            falling = np.atleast_1d(xnpv(rate[ok] + step, flows[ok], row_dates)
                                    < xnpv(rate[ok] - step, flows[ok], row_dates))
        for i in ok[~falling]:
            rate[i] = np.nan
            reason[i] = NOT_AN_INVESTMENT
    return InvestmentIrr(rate, reason)
