"""ASIC catalogue, blended fleet efficiency, and mining economics per MW of site power."""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._validate import check_range, finite_result, first_bad, result
from .errors import ErrorKind, HashleaseError
from .units import DAYS_PER_YEAR, HOURS_PER_DAY, KW_PER_MW, TH_PER_PH, W_PER_MW

__all__ = [
    "AsicModel", "asic_catalogue", "asic_model", "fleet_efficiency_j_per_th", "th_s_per_mw",
    "MwEconomics", "mining_economics_per_mw",
]

#: Manufacturers state nameplate efficiency within +-5% (Bitmain); a catalogue row whose power and
#: hashrate disagree with its J/TH by more than this is refused.
EFFICIENCY_TOLERANCE_FRAC = 0.05


class AsicModel(BaseModel):
    """One ASIC model's nameplate figures, each from a cited source.

    Attributes
    ----------
    model : str
        Model name as the manufacturer sells it.
    manufacturer : str
    hashrate_th_s : float
        Nameplate hashrate, > 0. [TH/s]
    power_w : float or None
        Nameplate power at the wall, > 0, when the source publishes it. [W]
    efficiency_j_per_th : float
        Nameplate efficiency, > 0. [J/TH]
    source_url : str
        Where the figures come from.
    note : str
        Caveats (variant, unconfirmed source).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(min_length=1)
    manufacturer: str = Field(min_length=1)
    hashrate_th_s: float = Field(gt=0, allow_inf_nan=False)
    power_w: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    efficiency_j_per_th: float = Field(gt=0, allow_inf_nan=False)
    source_url: str = Field(pattern=r"^https?://")
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> "AsicModel":
        if self.power_w is not None:
            implied = self.power_w / self.hashrate_th_s
            if abs(implied / self.efficiency_j_per_th - 1.0) > EFFICIENCY_TOLERANCE_FRAC:
                raise ValueError(
                    f"power_w / hashrate_th_s = {implied:.2f} J/TH disagrees with efficiency_j_per_th = "
                    f"{self.efficiency_j_per_th} by more than {EFFICIENCY_TOLERANCE_FRAC:.0%}")
        return self

    @property
    def machine_power_w(self) -> float:
        """Power the model draws at nameplate efficiency: hashrate x J/TH. [W]"""
        return self.hashrate_th_s * self.efficiency_j_per_th


def _blank_to_none(row: dict[str, str]) -> dict[str, Any]:
    return {key: (None if value == "" and key == "power_w" else value) for key, value in row.items()}


@functools.cache
def asic_catalogue() -> tuple[AsicModel, ...]:
    """The bundled ASIC catalogue (``models/data/asic_catalogue.csv``), validated, in file order.

    Only models whose figures have a source are listed; see each row's ``source_url`` and ``note``.

    Examples
    --------
    >>> s21 = asic_model("Antminer S21")
    >>> s21.hashrate_th_s, s21.power_w, s21.efficiency_j_per_th
    (200.0, 3500.0, 17.5)
    """
    text = resources.files("hashlease.models").joinpath("data/asic_catalogue.csv").read_text("utf-8")
    return tuple(AsicModel(**_blank_to_none(row)) for row in csv.DictReader(io.StringIO(text)))


@functools.cache
def _by_name() -> dict[str, AsicModel]:
    return {entry.model: entry for entry in asic_catalogue()}


def asic_model(name: str) -> AsicModel:
    """The catalogue entry named ``name`` (exact spelling), or a HashleaseError listing the names.

    Examples
    --------
    >>> asic_model("Antminer S19 XP").efficiency_j_per_th
    21.5
    """
    entry = _by_name().get(name) if isinstance(name, str) else None
    if entry is not None:
        return entry
    raise HashleaseError("model", name, "one of " + ", ".join(repr(m.model) for m in asic_catalogue()),
                         kind=ErrorKind.VALUE)


def fleet_efficiency_j_per_th(hashrate_th_s: Any, efficiency_j_per_th: Any, units: Any = 1, *,
                              axis: int = -1) -> float | np.ndarray:
    r"""Blended efficiency of a fleet: total power over total hashrate.

    Parameters
    ----------
    hashrate_th_s : array_like
        Hashrate of one machine of each model, > 0, models along ``axis``. [TH/s]
    efficiency_j_per_th : array_like
        Efficiency of each model, > 0. [J/TH]
    units : array_like, optional
        Machines of each model, >= 0, not all zero; default 1. [machines]
    axis : int, optional
        Axis along which the models lie; default the last.

    Returns
    -------
    float or numpy.ndarray
        Hashrate-weighted efficiency, the other axes kept. [J/TH]

    Notes
    -----
    .. math:: \bar{E} = \frac{\sum_i n_i H_i E_i}{\sum_i n_i H_i}

    A plain average of J/TH over models is wrong: a 200 TH/s machine counts twice a 100 TH/s one.

    Examples
    --------
    >>> fleet_efficiency_j_per_th([200, 100], [17.5, 29.5], [1, 2])
    23.5
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise HashleaseError("axis", axis, "a whole number (the axis along which the models lie)",
                             kind=ErrorKind.VALUE)
    hashrate = check_range("hashrate_th_s", hashrate_th_s, gt=0)
    eff = check_range("efficiency_j_per_th", efficiency_j_per_th, gt=0)
    count = check_range("units", units, ge=0)
    try:
        hashrate, eff, count = np.broadcast_arrays(hashrate, eff, count)
    except ValueError:
        raise HashleaseError("hashrate_th_s, efficiency_j_per_th, units", f"shapes {hashrate.shape}, {eff.shape}, {count.shape}",
                             "one value per model, or one for all models",
                             kind=ErrorKind.VALUE) from None
    if not -max(hashrate.ndim, 1) <= axis < max(hashrate.ndim, 1):
        raise HashleaseError("axis", axis, f"an axis of the inputs (from {-max(hashrate.ndim, 1)} to "
                             f"{max(hashrate.ndim, 1) - 1})", kind=ErrorKind.VALUE)
    with np.errstate(over="ignore", invalid="ignore"):
        total_th = np.sum(count * hashrate, axis=axis)
    empty = first_bad(np.asarray(total_th) <= 0)
    if empty is not None:
        raise HashleaseError("units", 0, "> 0 in total (a fleet needs at least one machine)",
                             index=empty or None, kind=ErrorKind.NUM)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.sum(count * hashrate * eff, axis=axis) / total_th
        if not np.isfinite(out).all():  # sums beyond the largest number: weights and J/TH scaled to at most 1
            weight = (count / np.max(count, axis=axis, keepdims=True)) * (hashrate / np.max(hashrate, axis=axis,
                                                                                             keepdims=True))
            top = np.max(eff, axis=axis, keepdims=True)
            scaled = np.sum(weight * (eff / top), axis=axis) / np.sum(weight, axis=axis) * np.squeeze(top, axis)
            out = np.where(np.isfinite(out), out, scaled)
    return finite_result("fleet_efficiency_j_per_th", out, {"hashrate_th_s": np.max(hashrate, axis=axis),
                                                            "units": np.max(count, axis=axis)})


def th_s_per_mw(efficiency_j_per_th: Any, *, pue: Any = 1.0) -> float | np.ndarray:
    r"""Hashrate one MW of site power carries, after facility overhead.

    Parameters
    ----------
    efficiency_j_per_th : array_like
        Fleet efficiency at the machine, > 0. [J/TH]
    pue : array_like, optional
        Site power over machine power, >= 1; default 1. [ratio]

    Returns
    -------
    float or numpy.ndarray
        [TH/s per MW of site power]

    Notes
    -----
    .. math:: H_{MW} = \frac{10^6}{E \cdot \mathrm{PUE}}

    Examples
    --------
    >>> round(th_s_per_mw(17.5, pue=1.25), 2)  # 1 MW site, S21s, 25% overhead
    45714.29
    """
    eff = check_range("efficiency_j_per_th", efficiency_j_per_th, gt=0)
    pue_ = check_range("pue", pue, ge=1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = W_PER_MW / (eff * pue_)
    return finite_result("th_s_per_mw", out, {"efficiency_j_per_th": eff, "pue": pue_})


class MwEconomics(NamedTuple):
    """Mining economics per MW of site power; every field an array of the broadcast shape.

    Per MW-day fields are USD per MW of site power per day; per MW-year fields are 365 times those.
    """

    revenue_usd_per_mw_day: float | np.ndarray
    power_cost_usd_per_mw_day: float | np.ndarray
    other_cash_cost_usd_per_mw_day: float | np.ndarray
    margin_usd_per_mw_day: float | np.ndarray
    revenue_usd_per_mw_year: float | np.ndarray
    power_cost_usd_per_mw_year: float | np.ndarray
    other_cash_cost_usd_per_mw_year: float | np.ndarray
    margin_usd_per_mw_year: float | np.ndarray


def mining_economics_per_mw(hashprice_usd_per_ph_day: Any, efficiency_j_per_th: Any,
                            power_price_usd_per_kwh: Any, *, pue: Any = 1.0, uptime_frac: Any = 1.0,
                            pool_fee_frac: Any = 0.0, other_cash_cost_usd_per_mw_day: Any = 0.0) -> MwEconomics:
    r"""Revenue, power cost and cash margin of one MW of site power filled with miners.

    Parameters
    ----------
    hashprice_usd_per_ph_day : array_like
        USD hashprice, >= 0. [USD/PH/day]
    efficiency_j_per_th : array_like
        Fleet efficiency, > 0. [J/TH]
    power_price_usd_per_kwh : array_like
        Power price at the site meter, >= 0. [USD/kWh]
    pue : array_like, optional
        Site power over machine power, >= 1; default 1. [ratio]
    uptime_frac : array_like, optional
        Share of the day the site mines (and draws power), in (0, 1]; default 1. [fraction]
    pool_fee_frac : array_like, optional
        Share of revenue the pool keeps, in [0, 1); default 0. [fraction]
    other_cash_cost_usd_per_mw_day : array_like, optional
        Staff, repairs, hosting and other cash opex, >= 0, paid whatever the uptime. [USD/MW/day]

    Returns
    -------
    MwEconomics
        Per MW-day and per MW-year (365 days) revenue, power cost, other cash cost and margin.

    Notes
    -----
    One MW of site power carries :math:`10^6/(E\,\mathrm{PUE})` TH/s:

    .. math::

        \text{revenue} = \frac{1000\,h\,u\,(1-f)}{E\,\mathrm{PUE}} \qquad
        \text{power} = 24\,000\,p\,u \qquad
        \text{margin} = \text{revenue} - \text{power} - c

    Examples
    --------
    >>> e = mining_economics_per_mw(55.21, 17.5, 0.05, pue=1.1)
    >>> round(e.revenue_usd_per_mw_day, 2), e.power_cost_usd_per_mw_day, round(e.margin_usd_per_mw_year)
    (2868.05, 1200.0, 608839)
    """
    h = check_range("hashprice_usd_per_ph_day", hashprice_usd_per_ph_day, ge=0)
    price = check_range("power_price_usd_per_kwh", power_price_usd_per_kwh, ge=0)
    uptime = check_range("uptime_frac", uptime_frac, gt=0, le=1)
    fee = check_range("pool_fee_frac", pool_fee_frac, ge=0, lt=1)
    other = check_range("other_cash_cost_usd_per_mw_day", other_cash_cost_usd_per_mw_day, ge=0)
    ph_per_mw = np.asarray(th_s_per_mw(efficiency_j_per_th, pue=pue)) / TH_PER_PH
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        revenue = ph_per_mw * h * uptime * (1.0 - fee)
        power = KW_PER_MW * HOURS_PER_DAY * price * uptime
        revenue, power, other = np.broadcast_arrays(revenue, power, other)
        margin = revenue - power - other
        days = (revenue, power, other, margin)
        years = tuple(x * DAYS_PER_YEAR for x in days)
    inputs = {"hashprice_usd_per_ph_day": h, "efficiency_j_per_th": efficiency_j_per_th,
              "power_price_usd_per_kwh": price, "other_cash_cost_usd_per_mw_day": other}
    return MwEconomics(*(finite_result("mining_economics_per_mw", x, inputs) for x in days + years))
