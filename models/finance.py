r"""Excel-exact discounting: NPV, XNPV, IRR, XIRR, MIRR, PMT, PV and FV, vectorised over many series.

Conventions are Excel's, so a figure here and the same formula in a workbook agree:

- ``npv``: the first value is at the end of period 1 (discounted once). Pass
  ``first_flow_at_t0=True`` for the t = 0 convention of numpy-financial; Excel users write
  ``=NPV(r, C1:Cn) + C0`` for the same thing.
- ``xnpv`` / ``xirr``: actual/365 from the *first* date of each series, dates truncated to whole days,
  dates may precede the first one (as Office allows).
- ``irr`` / ``xirr``: solved from ``guess`` (default 0.1) by Newton's method; where Excel would answer
  ``#NUM!`` (no sign change, no convergence) a :class:`HashleaseError` says which series and why.
- ``pmt`` / ``pv`` / ``fv``: Excel's sign convention (money paid out is negative); ``when`` is Excel's
  ``type`` argument ('end' = 0, 'begin' = 1).

Cash flows are the last axis of ``values``: a 1-D series gives a float, a (scenarios x periods) array
gives one result per scenario. Rates broadcast against the leading axes.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ._validate import as_real, check_choice, check_flag, check_range, finite_result, first_bad, result
from .errors import ErrorKind, HashleaseError
from .excel_dates import as_day_numbers
from .units import DAYS_PER_YEAR

__all__ = ["npv", "xnpv", "xnpv_discount_factors", "irr", "xirr", "xirr_each", "mirr", "pmt", "pv", "fv"]

DAYS_PER_YEAR_XNPV = float(DAYS_PER_YEAR)  # Excel's XNPV and XIRR count 365-day years
_NEWTON_ITERATIONS = 100
_TOLERANCE = 1e-12


def _values(values: Any, *, name: str = "values") -> np.ndarray:
    array = as_real(name, values, "finite cash flows")
    if array.ndim == 0:
        raise HashleaseError(name, values, "a series of cash flows (at least one value)", kind=ErrorKind.VALUE)
    if array.shape[-1] == 0:
        raise HashleaseError(name, "[]", "a non-empty series of cash flows", kind=ErrorKind.VALUE)
    return array


def _rate(rate: Any, name: str = "rate") -> np.ndarray:
    return check_range(name, rate, gt=-1)


def _leading(result_array: np.ndarray) -> float | np.ndarray:
    return result(result_array)


def _series_shape(**named: tuple[int, ...]) -> tuple[int, ...]:
    """Broadcast shape of the series axes of every argument, or a HashleaseError naming the shapes."""
    try:
        return np.broadcast_shapes(*named.values())
    except ValueError:
        described = ", ".join(f"{name} {shape}" for name, shape in named.items())
        first = next(iter(named))
        raise HashleaseError(first, described, "one value, or one per series, with series shapes that "
                             "line up", kind=ErrorKind.VALUE) from None


def npv(rate: Any, values: Any, *, first_flow_at_t0: bool = False) -> float | np.ndarray:
    r"""Net present value of periodic cash flows, as Excel's ``NPV``.

    Parameters
    ----------
    rate : array_like
        Discount rate per period, > -1; broadcasts against ``values.shape[:-1]``. [fraction/period]
    values : array_like
        Cash flows, periods along the last axis. [currency]
    first_flow_at_t0 : bool, optional
        False (default, Excel): the first value is at the end of period 1. True: at t = 0, undiscounted.

    Returns
    -------
    float or numpy.ndarray
        [currency]

    Raises
    ------
    HashleaseError
        ``NUM`` if the NPV is beyond the largest number (about 1.8e308), as at a rate near -100% over
        many periods; terms that overflow on their own but cancel are summed in scaled form instead.

    Notes
    -----
    .. math:: \mathrm{NPV} = \sum_{i=1}^{n} \frac{v_i}{(1+r)^i}

    References
    ----------
    .. [1] Microsoft, "NPV function" (values "occur at the end of each period"),
       https://learn.microsoft.com/en-za/office/vba/Language/Reference/user-interface-help/npv-function

    Examples
    --------
    >>> round(npv(0.10, [-10_000, 3_000, 4_200, 6_800]), 2)
    1188.44
    >>> round(npv(0.08, [8_000, 9_200, 10_000, 12_000, 14_500]) - 40_000, 2)
    1922.06
    """
    v = _values(values)
    r = _rate(rate)
    _series_shape(rate=r.shape, values=v.shape[:-1])
    start = 0 if check_flag("first_flow_at_t0", first_flow_at_t0) else 1
    t = np.arange(start, start + v.shape[-1], dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = _stable_sum(np.sum(v * (1.0 + r[..., None]) ** -t, axis=-1), v, -t * np.log1p(r)[..., None])
    return finite_result("npv", out, {"rate": r, "values": _largest(v)})


def _exponents_in_years(values: np.ndarray, dates: Any) -> np.ndarray:
    days = as_day_numbers("dates", dates)
    if days.ndim == 0 or days.shape[-1] != values.shape[-1]:
        # a shape error, but Excel's XNPV and XIRR answer #NUM! when values and dates differ in count: as Excel
        raise HashleaseError("dates", f"{days.shape[-1] if days.ndim else 1} dates",
                             f"one date per cash flow ({values.shape[-1]})", kind=ErrorKind.NUM)
    _series_shape(dates=days.shape[:-1], values=values.shape[:-1])
    return (days - days[..., :1]) / DAYS_PER_YEAR_XNPV


def xnpv(rate: Any, values: Any, dates: Any) -> float | np.ndarray:
    r"""Net present value of dated cash flows, as Excel's ``XNPV``: actual/365 from the first date.

    Parameters
    ----------
    rate : array_like
        Annual discount rate, > -1. [fraction/year]
    values : array_like
        Cash flows, dated along the last axis. [currency]
    dates : array_like
        One date per cash flow: Excel serial numbers (truncated to whole days) or dates; shape (n,) shared by
        every series or the shape of ``values``. The first date of each series is the valuation date.
        Datetimes with a time zone count their wall-clock date (Excel has no time zones).

    Returns
    -------
    float or numpy.ndarray
        Present value at the first date. [currency]

    Raises
    ------
    HashleaseError
        ``NUM`` if the XNPV of a single series is beyond the largest number (about 1.8e308). With many
        series (a 2-D ``values``, as the scenario kernels pass) such a series gives inf or NaN in its place,
        so that one overflowing scenario does not stop the others.

    Notes
    -----
    .. math:: \mathrm{XNPV} = \sum_i \frac{v_i}{(1+r)^{(d_i - d_1)/365}}

    365 days even across leap years: $100 366 days after 1 Jan 2024 at 10% is worth 90.8854, not 90.9091.

    References
    ----------
    .. [1] ECMA-376 Part 4 / OOXML, "XNPV"; Microsoft, "XNPV function".

    Examples
    --------
    >>> dates = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
    >>> round(xnpv(0.09, [-10_000, 2_750, 4_250, 3_250, 2_750], dates), 2)
    2086.65
    """
    v = _values(values)
    r = _rate(rate)
    years = _exponents_in_years(v, dates)
    _series_shape(rate=r.shape, values=v.shape[:-1], dates=years.shape[:-1])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = _stable_sum(np.sum(v * _discount(r, years), axis=-1), v, -years * np.log1p(r)[..., None])
    # one series: a number or an error; many series (the scenario kernels): an overflowing one stays inf
    # or NaN so that its caller can judge it alone
    return finite_result("xnpv", out, {"rate": r, "values": _largest(v)}, scalar_only=True)


def xnpv_discount_factors(rate: Any, dates: Any) -> np.ndarray:
    r"""The factor XNPV applies to each dated flow: :math:`(1 + r)^{-(d_i - d_1)/365}`.

    The one place the discounting of dated flows is written: :func:`xnpv` sums flows times these factors, and
    models that value the same flows many times (break-even solvers) compute the factors once.

    Parameters
    ----------
    rate : array_like
        Annual discount rate, > -1; shape (...,). [fraction/year]
    dates : array_like
        Dates of the flows, the first being the valuation date; shape (flows,) or (..., flows).

    Returns
    -------
    numpy.ndarray
        Discount factors, the broadcast shape of ``rate[..., None]`` and ``dates``. [ratio] A factor beyond the
        largest number (a rate near -100% over decades) is inf, not an error: the scenario kernels that call
        this judge each scenario alone, and :func:`xnpv` refuses a single series whose value overflows.

    Examples
    --------
    >>> xnpv_discount_factors(0.10, ["2024-01-01", "2025-01-01"]).round(6).tolist()  # 366 days
    [1.0, 0.908854]
    """
    days = as_day_numbers("dates", dates)
    if days.ndim == 0:
        raise HashleaseError("dates", dates, "one date per flow (a list, the first being the valuation date)",
                             kind=ErrorKind.VALUE)
    return _discount(_rate(rate), (days - days[..., :1]) / DAYS_PER_YEAR_XNPV)


def _discount(r: np.ndarray, years: np.ndarray) -> np.ndarray:
    return (1.0 + r[..., None]) ** -years


#: Size of a natural log beyond which exp() nears the float range (1e+-260): products are formed in logs there.
_LOG_EXTREME = 600.0


def _largest(v: np.ndarray) -> np.ndarray:
    """The largest cash flow in size of each series, to show in an overflow message."""
    return np.take_along_axis(v, np.abs(v).argmax(axis=-1)[..., None], axis=-1)[..., 0]


def _log_sum(v: np.ndarray, log_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sign and log of the size of sum(v * exp(log_factor)) over the last axis, free of overflow.

    Each term is taken in logs, log|v| + log_factor, and scaled by the largest of its series, so the largest
    term is exactly 1, none exceeds it, and the sum of n terms cannot overflow (or lose its leading terms to
    subnormal numbers); the scale is added back in logs.
    """
    shape = np.broadcast_shapes(v.shape, log_factor.shape)
    v, log_factor = np.broadcast_to(v, shape), np.broadcast_to(log_factor, shape)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_term = np.where(v != 0, np.log(np.abs(v)) + log_factor, -np.inf)
        shift = np.max(log_term, axis=-1, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, 0.0)
        inner = np.sum(np.where(v != 0, np.sign(v) * np.exp(log_term - shift), 0.0), axis=-1)
        return np.sign(inner), shift[..., 0] + np.log(np.abs(inner))


def _stable_sum(direct: np.ndarray, v: np.ndarray, log_factor: np.ndarray) -> np.ndarray:
    """``direct`` (sum of v * exp(log_factor)) where finite; elsewhere the same sum in scaled form.

    The direct sum overflows to inf or NaN when a factor or a term does even though the sum is finite
    (flows discounted at a rate near -100%, or two huge terms that cancel). Where it is not finite the sum
    is recomputed from :func:`_log_sum`; it is then inf only if the true sum is beyond the largest number.
    """
    direct = np.asarray(direct, dtype=float)
    # factors beyond 1e+-260 lose digits to subnormal numbers (or overflow) before the sum is formed
    extreme = np.any((v != 0) & (np.abs(log_factor) > _LOG_EXTREME), axis=-1)
    redo = ~np.isfinite(direct) | extreme
    if not redo.any():
        return direct
    sign, log_size = _log_sum(v, log_factor)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = sign * np.exp(log_size)
    return np.where(redo, scaled, direct)


def _no_sign_change(function: str, bad: tuple, excel_error: str = "#NUM!") -> HashleaseError:
    return HashleaseError("values", "no sign change" if not bad else f"series {bad} has no sign change",
                          "at least one positive and one negative cash flow", index=bad or None,
                          detail=f"{function} has no solution, Excel answers {excel_error}", kind=ErrorKind.NUM)


def _check_sign_change(v: np.ndarray, function: str, excel_error: str = "#NUM!") -> None:
    has_pos = np.any(v > 0, axis=-1)
    has_neg = np.any(v < 0, axis=-1)
    bad = first_bad(~(has_pos & has_neg))
    if bad is not None:
        raise _no_sign_change(function, bad, excel_error)


def _npv_and_slope(rate: np.ndarray, v: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    log_base = np.log1p(rate)[..., None]
    discounted = v * np.exp(-t * log_base)
    return discounted.sum(axis=-1), (-t * discounted).sum(axis=-1) / (1.0 + rate)


def _check_two_dates(v: np.ndarray, years: np.ndarray, function: str) -> None:
    """Refuse series whose non-zero flows all fall on one date: their XNPV does not depend on the rate.

    It is then the flows' sum discounted from one date: zero at every rate if they cancel, at none
    otherwise. Either way there is no rate to report (Excel answers #NUM!).
    """
    live = v != 0
    latest = np.max(np.where(live, years, -np.inf), axis=-1)
    earliest = np.min(np.where(live, years, np.inf), axis=-1)
    bad = first_bad(latest == earliest)
    if bad is not None:
        raise _one_date(function, bad)


def _one_date(function: str, bad: tuple) -> HashleaseError:
    where = f"series {bad}: " if bad else ""
    return HashleaseError("dates", f"{where}every non-zero cash flow on one date",
                          "at least two different dates among the non-zero cash flows", index=bad or None,
                          detail=f"on one date the NPV does not depend on the rate: {function} has no "
                                 "solution (or every rate is one), Excel answers #NUM!", kind=ErrorKind.NUM)


def _no_rate(function: str, index: tuple, guess: float) -> HashleaseError:
    return HashleaseError("values", "no rate found" if not index else f"series {index}: no rate found",
                          f"cash flows whose {function} exists", index=index or None,
                          detail=f"{function} did not converge from guess {guess:g} and no rate in "
                                 "(-100%, 1,000,000%) sets the NPV to zero; Excel answers #NUM!",
                          kind=ErrorKind.NUM)


#: Rates scanned for a sign change when Newton's method does not converge from the guess: dense near
#: zero, out to -99.9999% and +1,000,000% a period.
_GRID = np.unique(np.concatenate([-1.0 + np.geomspace(1e-6, 1.0, 120)[:-1], -np.geomspace(1e-6, 0.5, 80),
                                  [0.0], np.geomspace(1e-6, 1e4, 200)]))


def _solve_rate(v: np.ndarray, t: np.ndarray, guess: np.ndarray, function: str, *, missing_ok: bool = False
                ) -> np.ndarray:
    """Root of sum(v (1+r)^-t) = 0 per series: Newton from the guess, then a bracketed search.

    Newton's method (Excel's approach) runs on every series at once. Series where it does not converge
    (it can run away from the root when early outlays dominate at high rates) are scanned on a grid of
    rates for the sign change nearest the guess, which is then bisected, all series at once.
    """
    t = np.broadcast_to(t, v.shape)
    shape = v.shape[:-1]
    v2, t2 = v.reshape(-1, v.shape[-1]), t.reshape(-1, v.shape[-1])
    g = np.broadcast_to(guess, shape).reshape(-1).astype(float)
    rate = g.copy()
    active = np.arange(len(rate))
    scale = np.abs(v2).sum(axis=-1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(_NEWTON_ITERATIONS):
            if active.size == 0:
                break
            f, df = _npv_and_slope(rate[active], v2[active], t2[active])
            new = rate[active] - f / df
            new = np.where(new <= -1.0, (rate[active] - 1.0) / 2.0, new)  # stay above -100%
            finite = np.isfinite(new)
            converged = finite & (np.abs(new - rate[active]) <= _TOLERANCE * np.maximum(1.0, np.abs(new)))
            rate[active] = np.where(finite, new, np.nan)
            active = active[finite & ~converged]
        f_final, _ = _npv_and_slope(rate, v2, t2)
        # judged against the discounted terms at the rate found: near -100% the flows dated before the first
        # fade away, and an NPV that is only small beside the undiscounted flows is no root
        term_scale = np.sum(np.abs(v2) * np.exp(-t2 * np.log1p(rate)[:, None]), axis=-1)
        good = np.isfinite(rate) & (np.abs(f_final) <= 1e-7 * np.minimum(scale, term_scale))
        good[active] = False
        bad = np.flatnonzero(~good)
        if bad.size:
            rate[bad] = _bracketed_roots(v2[bad], t2[bad], g[bad], function, bad, shape, missing_ok=missing_ok)
    return rate.reshape(shape)


def _bracketed_roots(v: np.ndarray, t: np.ndarray, guess: np.ndarray, function: str, rows: np.ndarray,
                     shape: tuple, *, missing_ok: bool = False) -> np.ndarray:
    """For each series, the sign change on the rate grid nearest its guess, bisected to 1e-15 (``missing_ok``:
    NaN for a series without one, instead of raising)."""
    log_grid = np.log1p(_GRID)
    with np.errstate(over="ignore", invalid="ignore"):
        if (t == t[:1]).all():  # one time axis for every series (IRR, or XIRR on shared dates): a product
            values = v @ np.exp(-t[0][:, None] * log_grid[None, :])
        else:
            values = np.empty((len(v), len(_GRID)))
            for start in range(0, len(v), 256):  # chunks keep the (series x grid x flows) work small
                chunk = slice(start, start + 256)
                values[chunk] = np.einsum("kn,kgn->kg", v[chunk],
                                          np.exp(-t[chunk, None, :] * log_grid[None, :, None]))
    values[~np.isfinite(values)] = np.nan
    change = np.sign(values[:, :-1]) * np.sign(values[:, 1:]) <= 0  # NaN compares False
    distance = np.where(change, np.abs(_GRID[None, :-1] - guess[:, None]), np.inf)
    nearest = distance.argmin(axis=1)
    missing = ~np.isfinite(distance[np.arange(len(v)), nearest])
    if missing.any() and not missing_ok:
        first = int(np.flatnonzero(missing)[0])
        index = tuple(int(i) for i in np.unravel_index(rows[first], shape)) if shape else ()
        raise _no_rate(function, index, guess[first])
    low, high = _GRID[nearest].copy(), _GRID[nearest + 1].copy()
    f_low = values[np.arange(len(v)), nearest]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(100):
            mid = 0.5 * (low + high)
            f_mid = np.sum(v * np.exp(-t * np.log1p(mid)[:, None]), axis=-1)
            same = np.sign(f_mid) == np.sign(f_low)
            low, f_low = np.where(same, mid, low), np.where(same, f_mid, f_low)
            high = np.where(same, high, mid)
            if np.all((high - low <= 1e-15 * np.maximum(1.0, np.abs(mid))) | missing):
                break
    return np.where(missing, np.nan, 0.5 * (low + high))


def irr(values: Any, guess: Any = 0.1) -> float | np.ndarray:
    r"""Internal rate of return of periodic cash flows, as Excel's ``IRR`` (first value at t = 0).

    Parameters
    ----------
    values : array_like
        Cash flows, periods along the last axis; at least one positive and one negative. [currency]
    guess : array_like, optional
        Starting rate, > -1; default 0.1 as in Excel. With several sign changes there can be several
        rates; the one found is the one Newton's method reaches from the guess. [fraction/period]

    Returns
    -------
    float or numpy.ndarray
        Rate per period at which the NPV (t = 0 convention) is zero. [fraction/period]

    Raises
    ------
    HashleaseError
        If a series has no sign change, or no rate sets its NPV to zero (Excel: ``#NUM!``).

    Notes
    -----
    .. math:: \sum_{i=0}^{n-1} \frac{v_i}{(1+\mathrm{IRR})^i} = 0

    Excel's IRR is "accurate within 0.00001 percent" after at most 20 iterations; this solves to 1e-12 and
    falls back to a bracketed search where Newton's method fails, so it also answers where Excel would
    give up after 20 tries.

    Examples
    --------
    >>> round(irr([-70_000, 12_000, 15_000, 18_000, 21_000, 26_000]), 4)
    0.0866
    >>> round(irr([-70_000, 12_000, 15_000, 18_000, 21_000]), 4)
    -0.0212
    >>> round(irr([-70_000, 12_000, 15_000], -0.10), 4)
    -0.4435
    """
    v = _values(values)
    _check_sign_change(v, "IRR")
    g = _rate(guess, "guess")
    shape = _series_shape(values=v.shape[:-1], guess=g.shape)
    v = np.broadcast_to(v, shape + v.shape[-1:])
    t = np.arange(v.shape[-1], dtype=float)
    return _leading(_solve_rate(v, t, np.broadcast_to(g, shape), "IRR"))


def xirr(values: Any, dates: Any, guess: Any = 0.1) -> float | np.ndarray:
    r"""Internal rate of return of dated cash flows, as Excel's ``XIRR`` (actual/365 from the first date).

    Parameters
    ----------
    values : array_like
        Cash flows, dated along the last axis; at least one positive and one negative. [currency]
    dates : array_like
        One date per cash flow (Excel serials truncated to days, or dates; a datetime with a time zone counts
        its wall-clock date); shape (n,) or that of values.
    guess : array_like, optional
        Starting rate, > -1; default 0.1. [fraction/year]

    Returns
    -------
    float or numpy.ndarray
        Annual rate at which the XNPV is zero. [fraction/year]

    Raises
    ------
    HashleaseError
        If a series has no sign change, its non-zero flows all fall on one date (the XNPV is then the same
        at every rate), or no rate sets its XNPV to zero (Excel: ``#NUM!``).

    References
    ----------
    .. [1] Microsoft, "XIRR function": the example below returns 0.373362535,
       https://support.microsoft.com/zh-cn/excel/functions/xirr-function (Excel stops within its
       documented 0.000001%; the exact root is 0.3733625335).

    Examples
    --------
    >>> dates = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
    >>> round(xirr([-10_000, 2_750, 4_250, 3_250, 2_750], dates), 8)
    0.37336253
    """
    v = _values(values)
    years = _exponents_in_years(v, dates)
    _check_sign_change(v, "XIRR")
    g = _rate(guess, "guess")
    shape = _series_shape(values=v.shape[:-1], dates=years.shape[:-1], guess=g.shape)
    v = np.broadcast_to(v, shape + v.shape[-1:])
    years = np.broadcast_to(years, shape + years.shape[-1:])
    _check_two_dates(v, years, "XIRR")
    return _leading(_solve_rate(v, years, np.broadcast_to(g, shape), "XIRR"))


def xirr_each(values: Any, dates: Any, guess: float = 0.1) -> tuple[np.ndarray, list[HashleaseError | None]]:
    """:func:`xirr` of each row of ``values`` (rows, flows) in one pass: the rate, or NaN and the error
    :func:`xirr` gives that row alone (no sign change, every flow on one date, no rate found).

    Examples
    --------
    >>> dates = ["2026-01-01", "2027-01-01", "2028-01-01"]
    >>> rate, errors = xirr_each([[-100.0, 60.0, 60.0], [100.0, 60.0, 60.0]], dates)
    >>> round(float(rate[0]), 6), bool(np.isnan(rate[1])), errors[1].value
    (0.130662, True, 'no sign change')
    """
    v = np.atleast_2d(_values(values))
    years = np.broadcast_to(_exponents_in_years(v, dates), v.shape)
    rows = v.shape[0]
    rate = np.full(rows, np.nan)
    errors: list[HashleaseError | None] = [None] * rows
    both = np.any(v > 0, axis=-1) & np.any(v < 0, axis=-1)
    live = v != 0
    one_date = np.max(np.where(live, years, -np.inf), axis=-1) == np.min(np.where(live, years, np.inf), axis=-1)
    for i in np.flatnonzero(~both):
        errors[i] = _no_sign_change("XIRR", ())
    for i in np.flatnonzero(both & one_date):
        errors[i] = _one_date("XIRR", ())
    solve = np.flatnonzero(both & ~one_date)
    if solve.size:
        g = np.full(solve.size, float(guess))
        rate[solve] = _solve_rate(v[solve], years[solve], g, "XIRR", missing_ok=True)
        for i in solve[~np.isfinite(rate[solve])]:
            errors[i] = _no_rate("XIRR", (), float(guess))
    return rate, errors


def mirr(values: Any, finance_rate: Any, reinvest_rate: Any) -> float | np.ndarray:
    r"""Modified internal rate of return, as Excel's ``MIRR``.

    Parameters
    ----------
    values : array_like
        Periodic cash flows (first at t = 0), at least one positive and one negative. [currency]
    finance_rate : array_like
        Rate paid on the money invested (negative flows), > -1. [fraction/period]
    reinvest_rate : array_like
        Rate earned on reinvested positive flows, > -1. [fraction/period]

    Returns
    -------
    float or numpy.ndarray
        [fraction/period]

    Raises
    ------
    HashleaseError
        If a series has no positive or no negative value (Excel: ``#DIV/0!``).

    Notes
    -----
    The sums are taken in logs, so MIRR over thousands of periods, whose compounded positives exceed the
    largest number, is still found (2,001 flows at 50%: about 0.5).

    With :math:`n` values, positives :math:`P` and negatives :math:`N`:

    .. math:: \mathrm{MIRR} = \left(\frac{-\mathrm{NPV}(r_r, P)\,(1+r_r)^n}{\mathrm{NPV}(r_f, N)\,(1+r_f)}\right)^{1/(n-1)} - 1

    Examples
    --------
    >>> round(mirr([-120_000, 39_000, 30_000, 21_000, 37_000, 46_000], 0.10, 0.12), 6)  # Microsoft's example
    0.126094
    """
    v = _values(values)
    _check_sign_change(v, "MIRR", "#DIV/0!")
    fr = _rate(finance_rate, "finance_rate")
    rr = _rate(reinvest_rate, "reinvest_rate")
    _series_shape(values=v.shape[:-1], finance_rate=fr.shape, reinvest_rate=rr.shape)
    n = v.shape[-1]
    t = np.arange(n, dtype=float)
    # in logs: over many periods the compounded positives exceed the largest number while MIRR is finite
    _, log_future_positive = _log_sum(np.where(v > 0, v, 0.0), (n - 1 - t) * np.log1p(rr)[..., None])
    _, log_present_negative = _log_sum(np.where(v < 0, -v, 0.0), -t * np.log1p(fr)[..., None])
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.expm1((log_future_positive - log_present_negative) / (n - 1))
    return finite_result("mirr", out, {"finance_rate": fr, "reinvest_rate": rr})


def _when(when: str) -> float:
    return 1.0 if check_choice("when", when, ("end", "begin")) == "begin" else 0.0


def pmt(rate: Any, nper: Any, pv: Any, fv: Any = 0.0, *, when: Literal["end", "begin"] = "end") -> float | np.ndarray:
    r"""Level payment per period that pays off ``pv`` to ``fv``, as Excel's ``PMT``.

    Parameters
    ----------
    rate : array_like
        Interest rate per period, > -1 (a monthly loan at 6% a year: 0.06 / 12). [fraction/period]
    nper : array_like
        Number of periods, > 0. [periods]
    pv : array_like
        Present value (a loan received: positive). [currency]
    fv : array_like, optional
        Value left after the last payment; default 0. [currency]
    when : {'end', 'begin'}, optional
        Payments at the end (Excel type 0, default) or beginning (type 1) of each period.

    Returns
    -------
    float or numpy.ndarray
        Payment per period, negative for money paid out. [currency/period]

    Raises
    ------
    HashleaseError
        ``NUM`` if the payment is beyond the largest number (about 1.8e308).

    Notes
    -----
    .. math:: \mathrm{PMT} = -\frac{r\,(fv + pv\,(1+r)^n)}{(1 + r\,w)\,((1+r)^n - 1)}, \qquad
              -\frac{pv + fv}{n} \text{ at } r = 0

    Where :math:`(1+r)^n` exceeds the largest number, numerator and denominator are divided by it:
    :math:`-r\,(fv\,(1+r)^{-n} + pv) / ((1 + r\,w)(1 - (1+r)^{-n}))`, so ``pmt(0.5, 2000, 1000)`` is -500,
    as in Excel.

    Examples
    --------
    >>> round(pmt(0.08 / 12, 10, 10_000), 2)  # Microsoft's PMT example
    -1037.03
    >>> round(pmt(0.08 / 12, 10, 10_000, when="begin"), 2)
    -1030.16
    """
    r, n, p, f = _tvm_args(rate, nper, pv, fv)
    w = _when(when)
    g = _Growth(r, n)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = -(f + g.times_growth(p)) / ((1.0 + r * w) * g.annuity)
        # (1+r)^n near or beyond the largest number: numerator and denominator divided by it
        inverse = lambda: -(_times_exp(f, -g.log_growth) + p) / ((1.0 + r * w) * g.discounted_annuity)  # noqa: E731
        out = g.where_finite(g.where_large(out, inverse), inverse)
    return finite_result("pmt", out, {"rate": r, "nper": n, "pv": p, "fv": f})


def pv(rate: Any, nper: Any, pmt: Any, fv: Any = 0.0, *, when: Literal["end", "begin"] = "end") -> float | np.ndarray:
    r"""Present value of a level payment stream, as Excel's ``PV``.

    Notes
    -----
    .. math:: \mathrm{PV} = -\frac{fv + pmt\,(1 + r\,w)\,((1+r)^n - 1)/r}{(1+r)^n}, \qquad
              -(fv + pmt\,n) \text{ at } r = 0

    Where :math:`(1+r)^n` exceeds the largest number the quotient is divided through by it
    (``pv(0.5, 2000, -100)`` is 200, as in Excel); where it is below the smallest (a rate near -100%), the
    annuity's perpetuity :math:`pmt(1+rw)/r` is kept apart from the part that grows.

    Raises
    ------
    HashleaseError
        ``NUM`` if the present value is beyond the largest number (about 1.8e308).

    Examples
    --------
    >>> round(pv(0.08 / 12, 12 * 20, 500), 2)  # Microsoft's PV example: an annuity of $500 a month
    -59777.15
    """
    r, n, p, f = _tvm_args(rate, nper, pmt, fv, names=("rate", "nper", "pmt", "fv"))
    w = _when(when)
    g = _Growth(r, n)
    with np.errstate(over="ignore", invalid="ignore"):
        level = p * (1.0 + r * w)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = -(f + level * g.annuity) / g.growth
        # (1+r)^n near or below the smallest number (a rate near -100%): fv and the perpetuity apart, only fv's
        # part grows, in logs
        tiny = g.log_growth < -_LOG_EXTREME
        if tiny.any():
            out = np.where(tiny, -(_times_exp(f - level / np.where(tiny, r, 1.0), -g.log_growth)
                                   + level / np.where(tiny, r, 1.0)), out)
        # (1+r)^n near or beyond the largest number: divided through by it
        inverse = lambda: -(_times_exp(f, -g.log_growth) + level * g.discounted_annuity)  # noqa: E731
        out = g.where_finite(g.where_large(out, inverse), inverse)
    return finite_result("pv", out, {"rate": r, "nper": n, "pmt": p, "fv": f})


def fv(rate: Any, nper: Any, pmt: Any, pv: Any = 0.0, *, when: Literal["end", "begin"] = "end") -> float | np.ndarray:
    r"""Future value of a present value and a level payment stream, as Excel's ``FV``.

    Notes
    -----
    .. math:: \mathrm{FV} = -\left(pv\,(1+r)^n + pmt\,(1 + r\,w)\,\frac{(1+r)^n - 1}{r}\right), \qquad
              -(pv + pmt\,n) \text{ at } r = 0

    Raises
    ------
    HashleaseError
        ``NUM`` if the future value is beyond the largest number (about 1.8e308): ``fv(0.5, 2000, -1)``
        (Excel: ``#NUM!``). Where :math:`(1+r)^n` alone overflows but ``pv`` and the perpetuity
        :math:`pmt(1+rw)/r` cancel (an interest-only loan) the finite answer is returned.

    Examples
    --------
    >>> round(fv(0.06 / 12, 10, -200, -500, when="begin"), 2)  # Microsoft's FV example
    2581.4
    """
    r, n, p, f = _tvm_args(rate, nper, pmt, pv, names=("rate", "nper", "pmt", "pv"))
    w = _when(when)
    g = _Growth(r, n)
    with np.errstate(over="ignore", invalid="ignore"):
        level = p * (1.0 + r * w)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = -(g.times_growth(f) + level * g.annuity)
        # (1+r)^n beyond the largest number: finite only if pv and the perpetuity cancel, as in an
        # interest-only loan (pmt = -pv r)
        out = g.where_large(out, lambda: -(_times_exp(f + level / r, g.log_growth) - level / r))
        out = g.where_finite(out, lambda: -(_times_exp(f + level / r, g.log_growth) - level / r))
    return finite_result("fv", out, {"rate": r, "nper": n, "pmt": p, "pv": f})


class _Growth:
    """(1+r)^n, its inverse, and the annuity factors ((1+r)^n - 1) / r and (1 - (1+r)^-n) / r, from logs.

    Each is n at r = 0; near zero they are taken from their series n + n(n-1)r/2 and n - n(n+1)r/2, free
    of the cancellation (and of the subnormal-number rounding) of the quotients. ``growth`` and
    ``annuity`` overflow where n log(1+r) > 709.78, ``inverse_growth`` and ``discounted_annuity`` where
    it is below -709.78; the TVM functions use the form that is finite.
    """

    def __init__(self, r: np.ndarray, n: np.ndarray) -> None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.log_growth = n * np.log1p(r)
            # the series' next term is (n-1)(n-2) r^2/6 of n: below 2e-13 once |r| max(n, 1) < 1e-6 (nper < 1 too)
            small = np.abs(r) * np.maximum(n, 1.0) < 1e-6
            safe_r = np.where(small, 1.0, r)
            self.growth = np.exp(self.log_growth)
            self.inverse_growth = np.exp(-self.log_growth)
            self.annuity = np.where(small, n + n * (n - 1.0) * r / 2.0, np.expm1(self.log_growth) / safe_r)
            self.discounted_annuity = np.where(small, n - n * (n + 1.0) * r / 2.0,
                                               -np.expm1(-self.log_growth) / safe_r)

    def times_growth(self, x: np.ndarray) -> np.ndarray:
        """x (1+r)^n; in logs where (1+r)^n is near the float range, so a tiny factor keeps its digits."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = x * self.growth
            extreme = np.abs(self.log_growth) > _LOG_EXTREME
            return np.where(extreme, _times_exp(x, self.log_growth), out) if extreme.any() else out

    def where_large(self, out: np.ndarray, other) -> np.ndarray:
        """``out``, but ``other()`` where (1+r)^n is near or beyond the largest number (computed only if needed)."""
        large = self.log_growth > _LOG_EXTREME
        return np.where(large, other(), out) if large.any() else np.asarray(out, dtype=float)

    @staticmethod
    def where_finite(out: np.ndarray, other) -> np.ndarray:
        """``out`` where finite, elsewhere ``other()`` (computed only if needed)."""
        out = np.asarray(out, dtype=float)
        if np.isfinite(out).all():
            return out
        return np.where(np.isfinite(out), out, other())


def _times_exp(x: np.ndarray, log_factor: np.ndarray) -> np.ndarray:
    """x * exp(log_factor) without overflowing in the factor when x is small (0 when x is 0)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.where(x == 0, 0.0, np.sign(x) * np.exp(np.log(np.abs(x)) + log_factor))


def _tvm_args(rate, nper, a, b, names=("rate", "nper", "pv", "fv")):
    r = _rate(rate, names[0])
    n = check_range(names[1], nper, gt=0)
    x = as_real(names[2], a)
    y = as_real(names[3], b)
    _series_shape(**{names[0]: r.shape, names[1]: n.shape, names[2]: x.shape, names[3]: y.shape})
    return np.broadcast_arrays(r, n, x, y)
