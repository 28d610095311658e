r"""Fleet vintages: machines bought on different dates, wearing with age, resold by efficiency tier.

Each vintage line is a catalogue model, a number of units and a purchase date, with a yearly loss of hashrate and
a yearly rise in J/TH (both compounding with age in years, :math:`a`; :func:`aged_hashrate_and_efficiency`):

.. math:: H(a) = H_0 (1 - d_H)^{a} \qquad E(a) = E_0 (1 + d_E)^{a}

Age is month-granular (:func:`age_years_between`): whole calendar months in service / 12, so a machine ages in
the same steps as the monthly cash flows it earns, by the same amount in every month whatever its length, and a
site given an age in years and a vintage bought that many months ago wear alike.

The resale price of used machines is a price per TH/s that depends on their efficiency tier (a public ASIC price
index groups machines by J/TH; the tiers and prices are inputs): the first tier whose bound covers the machine's
J/TH, and zero beyond every bound (:func:`resale_usd_per_th_s`). Breakevens by vintage rank which machines to
switch off first as hashprice falls: the one with the highest breakeven hashprice goes first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ._inputs import InputModel
from ._validate import as_datetime64, check_range, first_bad, result
from .breakeven import breakeven_hashprice_usd_per_ph_day
from .errors import ErrorKind, HashleaseError
from .fleet import asic_model
from .power import breakeven_usd_per_mwh
from .units import MONTHS_PER_YEAR

__all__ = ["VintageLine", "ResaleTier", "EXAMPLE_RESALE_TIERS", "age_years_between", "aged_hashrate_and_efficiency",
           "resale_usd_per_th_s", "vintage_state", "vintage_breakevens", "resale_value_usd"]


class VintageLine(InputModel):
    """Units of one catalogue model bought on one date, and how they wear."""

    model: str = Field(min_length=1, description="ASIC model name as in the catalogue")
    units: int = Field(ge=0, le=10_000_000, description="Machines [count]")
    purchase_date: dt.date = Field(description="When the units went into service")
    hashrate_degradation_per_year_frac: float = Field(0.0, ge=0, lt=1, description="Hashrate lost per year")
    efficiency_degradation_per_year_frac: float = Field(0.0, ge=0, lt=1, description="J/TH added per year")

    @model_validator(mode="after")
    def _known(self) -> "VintageLine":
        asic_model(self.model)
        return self


class ResaleTier(InputModel):
    """Resale price of machines at or below an efficiency (the tiers of an ASIC price index)."""

    max_efficiency_j_per_th: float = Field(gt=0, description="Upper bound of the tier [J/TH]")
    usd_per_th_s: float = Field(ge=0, le=1_000, description="Resale price [USD per TH/s]")


#: Example tiers by efficiency, as an ASIC price index groups them (under 19, 19-25, 25-38, 38+ J/TH). The 19-25
#: J/TH price is the July 2023 figure "$20 per terahash" for machines of 25 J/TH or better (CoinDesk citing
#: Hashrate Index, https://www.coindesk.com/consensus-magazine/2023/07/26/bitcoin-miners-buy-up-rigs-as-prices-near-all-time-lows/);
#: the others are illustrative placeholders to replace with a current index print.
EXAMPLE_RESALE_TIERS = (
    ResaleTier(max_efficiency_j_per_th=19, usd_per_th_s=28),
    ResaleTier(max_efficiency_j_per_th=25, usd_per_th_s=20),
    ResaleTier(max_efficiency_j_per_th=38, usd_per_th_s=8),
    ResaleTier(max_efficiency_j_per_th=1e9, usd_per_th_s=2),
)


def age_years_between(start: Any, when: Any) -> float | np.ndarray:
    r"""Age in years on ``when`` of machines put in service on ``start``: whole calendar months elapsed / 12.

    Parameters
    ----------
    start : datetime.date, numpy.datetime64, ISO 8601 str or array_like of them
        Date in service (purchase date).
    when : datetime.date, numpy.datetime64, ISO 8601 str or array_like of them
        Date of the valuation; broadcast against ``start``.

    Returns
    -------
    float or numpy.ndarray
        Age, a multiple of 1/12; zero on and before ``start``. [years]

    Notes
    -----
    A month counts once its day-of-month is reached: from 15 Jan, 14 Mar is one month and 15 Mar two.

    .. math:: a = \frac{\max(0,\ 12\,(y_w - y_s) + (m_w - m_s) - [\,d_w < d_s\,])}{12}

    The age is month-granular, like the monthly cash flows it feeds (the mining model ages a fleet by months / 12
    from the start), rather than days / 365: every month adds the same wear, leap years add none, and machines
    bought on the 1st are exactly 1, 2, ... years old on each anniversary's month start.

    Examples
    --------
    >>> age_years_between("2024-01-01", "2026-01-01")
    2.0
    >>> age_years_between("2024-01-15", ["2024-01-01", "2024-03-14", "2024-03-15"]).tolist()
    [0.0, 0.08333333333333333, 0.16666666666666666]
    """
    start_day = as_datetime64("start", start).astype("datetime64[D]")
    when_day = as_datetime64("when", when).astype("datetime64[D]")
    for name, value in (("start", start_day), ("when", when_day)):
        bad = first_bad(np.isnat(value))
        if bad is not None:
            raise HashleaseError(name, "NaT", "a date", index=bad or None)
    start_month, when_month = start_day.astype("datetime64[M]"), when_day.astype("datetime64[M]")
    months = (when_month - start_month).astype(np.int64)
    months = months - ((when_day - when_month) < (start_day - start_month))
    return result(np.maximum(months, 0) / MONTHS_PER_YEAR)


def aged_hashrate_and_efficiency(hashrate_th_s: Any, efficiency_j_per_th: Any, age_years: Any,
                                 hashrate_degradation_per_year_frac: Any, efficiency_degradation_per_year_frac: Any
                                 ) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Hashrate and efficiency of machines ``age_years`` old: yearly wear, compounding.

    Parameters
    ----------
    hashrate_th_s : array_like
        Hashrate when new, >= 0. [TH/s]
    efficiency_j_per_th : array_like
        Efficiency when new, > 0. [J/TH]
    age_years : array_like
        Age, >= 0 (see :func:`age_years_between` for the month-granular rule). [years]
    hashrate_degradation_per_year_frac : array_like
        Hashrate lost per year of age, in [0, 1). [fraction/year]
    efficiency_degradation_per_year_frac : array_like
        J/TH added per year of age, in [0, 1). [fraction/year]

    Returns
    -------
    hashrate_th_s : float or numpy.ndarray
        Aged hashrate, the broadcast shape of all inputs. [TH/s]
    efficiency_j_per_th : float or numpy.ndarray
        Aged efficiency, the same shape. [J/TH]

    Notes
    -----
    .. math:: H(a) = H_0 (1 - d_H)^{a} \qquad E(a) = E_0 (1 + d_E)^{a}

    Ages between whole years compound continuously (:math:`(1 - d_H)^{1/12}` a month).

    Examples
    --------
    >>> th_s, eff = aged_hashrate_and_efficiency(200.0, 17.5, 2.0, 0.05, 0.03)
    >>> round(th_s, 6), round(eff, 6)  # 200 x 0.95^2, 17.5 x 1.03^2
    (180.5, 18.56575)
    """
    th_s = check_range("hashrate_th_s", hashrate_th_s, ge=0)
    eff = check_range("efficiency_j_per_th", efficiency_j_per_th, gt=0)
    age = check_range("age_years", age_years, ge=0)
    dh = check_range("hashrate_degradation_per_year_frac", hashrate_degradation_per_year_frac, ge=0, lt=1)
    de = check_range("efficiency_degradation_per_year_frac", efficiency_degradation_per_year_frac, ge=0, lt=1)
    shape = np.broadcast_shapes(th_s.shape, eff.shape, age.shape, dh.shape, de.shape)
    return (result(np.broadcast_to(th_s * (1.0 - dh) ** age, shape)),
            result(np.broadcast_to(eff * (1.0 + de) ** age, shape)))


def resale_usd_per_th_s(efficiency_j_per_th: Any, tier_bounds_j_per_th: Any, tier_prices_usd_per_th_s: Any
                        ) -> float | np.ndarray:
    r"""Resale price of used machines by efficiency tier: the first tier whose bound covers their J/TH, else 0.

    Parameters
    ----------
    efficiency_j_per_th : array_like
        Efficiency of the machines, > 0. [J/TH]
    tier_bounds_j_per_th : array_like, shape (..., k)
        Upper bound of each tier (inclusive), > 0 and non-decreasing along the last axis; ``inf`` is an unbounded
        tier (pad sites with fewer tiers with ``inf`` bounds at price 0). [J/TH]
    tier_prices_usd_per_th_s : array_like, shape (..., k)
        Resale price of each tier, >= 0. [USD per TH/s]

    Returns
    -------
    float or numpy.ndarray
        Resale price; 0 for machines less efficient than every bound. Shape: ``efficiency_j_per_th``'s broadcast
        with the leading (...) axes of the tier arrays. [USD per TH/s]

    Raises
    ------
    HashleaseError
        If an input is out of range, the tier arrays differ in length, or bounds decrease.

    Notes
    -----
    The tiers lie along the last axis of the tier arrays; their other axes broadcast against the efficiencies.
    For (sites, months) efficiencies and (sites, k) tiers, pass ``bounds[:, None, :]`` and ``prices[:, None, :]``.

    .. math:: r(E) = \begin{cases} q_i & b_{i-1} < E \le b_i \\ 0 & E > b_k \end{cases}

    Examples
    --------
    >>> resale_usd_per_th_s([17.5, 19.0, 19.1, 50.0], [19.0, 38.0], [28.0, 8.0]).tolist()
    [28.0, 28.0, 8.0, 0.0]
    >>> efficiency = np.array([[20.0, 30.0], [20.0, 30.0]])  # (sites, months)
    >>> bounds, prices = np.array([[25.0, 40.0], [25.0, np.inf]]), np.array([[20.0, 5.0], [15.0, 0.0]])  # (sites, k)
    >>> resale_usd_per_th_s(efficiency, bounds[:, None, :], prices[:, None, :]).tolist()
    [[20.0, 5.0], [15.0, 0.0]]
    """
    eff = check_range("efficiency_j_per_th", efficiency_j_per_th, gt=0)
    try:
        bounds = np.asarray(tier_bounds_j_per_th, dtype=float)
    except (TypeError, ValueError) as exc:
        raise HashleaseError("tier_bounds_j_per_th", tier_bounds_j_per_th, "> 0", detail=str(exc)) from None
    bad = first_bad(~(bounds > 0))  # NaN and <= 0 refused; +inf is an unbounded tier
    if bad is not None:
        raise HashleaseError("tier_bounds_j_per_th", float(bounds[bad] if bad else bounds), "> 0", index=bad or None)
    prices = check_range("tier_prices_usd_per_th_s", tier_prices_usd_per_th_s, ge=0)
    if bounds.ndim == 0 or prices.ndim == 0 or bounds.shape[-1] != prices.shape[-1] or bounds.shape[-1] == 0:
        raise HashleaseError("tier_prices_usd_per_th_s", f"shape {prices.shape}", "one price per tier bound "
                             f"(bounds shape {bounds.shape}), tiers on the last axis", kind=ErrorKind.VALUE)
    bad = first_bad(bounds[..., 1:] < bounds[..., :-1])
    if bad is not None:
        raise HashleaseError("tier_bounds_j_per_th", float(bounds[bad[:-1] + (bad[-1] + 1,)]),
                             "non-decreasing along the last axis (tiers sorted by bound)", index=bad)
    shape = np.broadcast_shapes(eff.shape, bounds.shape[:-1], prices.shape[:-1])
    k = bounds.shape[-1]
    index = np.sum(eff[..., None] > bounds, axis=-1)  # tiers whose bound the machines exceed
    padded = np.concatenate([np.broadcast_to(prices, shape + (k,)), np.zeros(shape + (1,))], axis=-1)
    index = np.broadcast_to(index, shape)[..., None]
    return result(np.take_along_axis(padded, index, axis=-1)[..., 0])


def vintage_state(lines: Sequence[VintageLine], dates: np.ndarray) -> dict[str, np.ndarray]:
    """Hashrate (TH/s) and efficiency (J/TH) of each line on each date, (lines, dates); zero before purchase.

    Examples
    --------
    >>> line = VintageLine(model="Antminer S21", units=100, purchase_date="2025-01-01",
    ...                    hashrate_degradation_per_year_frac=0.05, efficiency_degradation_per_year_frac=0.03)
    >>> state = vintage_state([line], np.array(["2024-12-01", "2025-01-01", "2026-01-01"], dtype="datetime64[D]"))
    >>> state["hashrate_th_s"].round(1).tolist(), state["efficiency_j_per_th"].round(3).tolist()
    ([[0.0, 20000.0, 19000.0]], [[17.5, 17.5, 18.025]])
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    hashrate = np.zeros((len(lines), len(dates)))
    efficiency = np.zeros((len(lines), len(dates)))
    for i, line in enumerate(lines):
        asic = asic_model(line.model)
        age = age_years_between(line.purchase_date, dates)
        live = dates >= np.datetime64(line.purchase_date, "D")
        th_s, efficiency[i] = aged_hashrate_and_efficiency(
            line.units * asic.hashrate_th_s, asic.efficiency_j_per_th, age,
            line.hashrate_degradation_per_year_frac, line.efficiency_degradation_per_year_frac)
        hashrate[i] = np.where(live, th_s, 0.0)
    return {"hashrate_th_s": hashrate, "efficiency_j_per_th": efficiency}


def resale_value_usd(hashrate_th_s: np.ndarray, efficiency_j_per_th: np.ndarray,
                     tiers: Sequence[ResaleTier] = EXAMPLE_RESALE_TIERS) -> np.ndarray:
    """Resale value of machines: TH/s times the price of the lowest tier whose bound covers their J/TH.

    Machines less efficient than the highest tier bound resell at zero (:func:`resale_usd_per_th_s`, the rule
    the mining model uses).

    Examples
    --------
    >>> resale_value_usd(np.array([1000.0, 1000.0]), np.array([17.5, 29.5])).tolist()
    [28000.0, 8000.0]
    >>> tiers = [ResaleTier(max_efficiency_j_per_th=25, usd_per_th_s=20)]
    >>> resale_value_usd(np.array([1000.0, 1000.0]), np.array([25.0, 25.5]), tiers).tolist()
    [20000.0, 0.0]
    """
    if not tiers:
        raise HashleaseError("tiers", "none", "at least one resale tier")
    ordered = sorted(tiers, key=lambda t: t.max_efficiency_j_per_th)
    bounds = np.array([t.max_efficiency_j_per_th for t in ordered])
    prices = np.array([t.usd_per_th_s for t in ordered])
    th_s = check_range("hashrate_th_s", hashrate_th_s, ge=0)
    return th_s * np.asarray(resale_usd_per_th_s(efficiency_j_per_th, bounds, prices))


def vintage_breakevens(lines: Sequence[VintageLine], as_of: dt.date, *, power_price_usd_per_kwh: float,
                       pue: float = 1.0, pool_fee_frac: float = 0.0,
                       tiers: Sequence[ResaleTier] = EXAMPLE_RESALE_TIERS) -> pd.DataFrame:
    """Per vintage on ``as_of``: hashrate, J/TH, breakeven power price, breakeven hashprice and resale value,
    ranked by breakeven hashprice (the first row is the first to switch off as hashprice falls).

    Examples
    --------
    >>> lines = [VintageLine(model="Antminer S19j Pro", units=1000, purchase_date="2021-06-01",
    ...                      efficiency_degradation_per_year_frac=0.02),
    ...          VintageLine(model="Antminer S21", units=1000, purchase_date="2024-06-01")]
    >>> table = vintage_breakevens(lines, dt.date(2026, 1, 1), power_price_usd_per_kwh=0.05)
    >>> table["model"].tolist()
    ['Antminer S19j Pro', 'Antminer S21']
    """
    price = float(check_range("power_price_usd_per_kwh", power_price_usd_per_kwh, ge=0))
    check_range("pue", pue, ge=1)
    check_range("pool_fee_frac", pool_fee_frac, ge=0, lt=1)
    lines = [line for line in lines if line.purchase_date <= as_of]  # not yet bought: nothing to switch off
    if not lines:
        raise HashleaseError("lines", "none in service", f"at least one vintage bought by {as_of}")
    state = vintage_state(lines, np.array([as_of], dtype="datetime64[D]"))
    eff = state["efficiency_j_per_th"][:, 0]
    th_s = state["hashrate_th_s"][:, 0]
    breakeven_hashprice = breakeven_hashprice_usd_per_ph_day(eff, price, pue=pue, pool_fee_frac=pool_fee_frac)
    table = pd.DataFrame({
        "model": [line.model for line in lines], "purchase_date": [line.purchase_date for line in lines],
        "age_years": age_years_between(np.array([line.purchase_date for line in lines], dtype="datetime64[D]"),
                                       np.datetime64(as_of, "D")),
        "hashrate_th_s": th_s, "efficiency_j_per_th": eff,
        "breakeven_hashprice_usd_per_ph_day": breakeven_hashprice,
        "breakeven_power_price_usd_per_mwh_at_55_usd_per_ph_day": breakeven_usd_per_mwh(55.0, eff, pue=pue,
                                                                                         pool_fee_frac=pool_fee_frac),
        "resale_value_usd": resale_value_usd(th_s, eff, tiers),
    })
    return table.sort_values("breakeven_hashprice_usd_per_ph_day", ascending=False, ignore_index=True)
