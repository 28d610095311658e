r"""Monthly cash flows of keeping a site mining, on the same dated basis as the lease.

Per month :math:`m` with :math:`d_m` days, fleet hashrate :math:`T_m` TH/s at :math:`E_m` J/TH, running share
:math:`a = u\,(1 - c)` (uptime times one minus the curtailed share):

.. math::

    \text{revenue} = \frac{T_m}{1000}\, h_m\, d_m\, a\, (1 - f) \qquad
    \text{power} = \frac{T_m E_m}{10^6}\,\mathrm{PUE} \cdot 1000 \cdot 24 d_m\, a\, p_m \qquad
    \text{opex} = o \cdot \mathrm{MW}_{site}

with :math:`h_m` the projected hashprice (USD/PH/day), :math:`f` the pool fee and :math:`p_m` the power price
(stepping up by its escalator every 12 months). Every ``refresh_every_years`` the fleet is replaced by machines
``refresh_efficiency_gain_frac`` more efficient that fill the same power (so more TH/s), bought at
``refresh_capex_usd_per_th_s``; the old fleet is sold, and the fleet left at the end of the horizon is sold,
at ``salvage_usd_per_th_s``. With ``shut_down_when_unprofitable`` (the default, as operators do) the fleet is
switched off in a month whose revenue would not cover its power bill; opex is paid either way.
"""

from __future__ import annotations

from functools import cached_property
from typing import Sequence

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from ._inputs import InputModel
from ._validate import check_range
from .errors import ErrorKind, HashleaseError
from .fleet import asic_model
from .units import HOURS_PER_DAY, MONTHS_PER_YEAR, TH_PER_PH, W_PER_KW, W_PER_MW
from .vintages import ResaleTier, aged_hashrate_and_efficiency, resale_usd_per_th_s

__all__ = ["FleetLine", "MiningSiteInputs", "mining_cash_flows", "mining_cash_flows_batch", "mining_cash_flows_hourly",
           "mining_schedule", "site_parameters", "mining_lines", "switch_off", "aged_fleet_value_usd"]


class FleetLine(InputModel):
    """Machines of one catalogue model: a number of units, or a hashrate in TH/s."""

    model: str = Field(min_length=1, description="ASIC model name as in the catalogue")
    units: int | None = Field(None, ge=0, le=10_000_000, description="Machines [count]")
    th_s: float | None = Field(None, gt=0, description="Hashrate of these machines [TH/s]")
    age_years: float | None = Field(None, ge=0, le=30, description=(
        "Age of these machines at the start; default the site's fleet_age_years [years]"))

    @model_validator(mode="after")
    def _one(self) -> "FleetLine":
        if (self.units is None) == (self.th_s is None):
            raise HashleaseError("units", self.units, "given, or th_s given (exactly one)", kind=ErrorKind.VALUE)
        asic_model(self.model)  # unknown model names are refused here, with the list
        return self

    @cached_property
    def hashrate_th_s(self) -> float:
        entry = asic_model(self.model)
        return float(self.th_s if self.th_s is not None else self.units * entry.hashrate_th_s)

    @cached_property
    def efficiency_j_per_th(self) -> float:
        return asic_model(self.model).efficiency_j_per_th


class MiningSiteInputs(InputModel):
    """A mining site: its power, its fleet, its costs and the fleet's refresh and resale.

    Examples
    --------
    >>> site = MiningSiteInputs(site_mw=100, pue=1.1, power_price_usd_per_kwh=0.04,
    ...                         fleet=[{"model": "Antminer S21", "units": 25_000}])
    >>> site.fleet_hashrate_th_s, site.fleet_efficiency_j_per_th, round(site.fleet_site_mw, 2)
    (5000000.0, 17.5, 96.25)
    """

    site_mw: float = Field(gt=0, le=10_000, description="Power available at the site meter [MW]")
    pue: float = Field(1.05, ge=1, le=3, description="Site power over machine power [ratio]")
    uptime_frac: float = Field(0.97, gt=0, le=1, description="Share of time the fleet hashes [fraction]")
    curtailment_share_frac: float | None = Field(None, ge=0, lt=1, description="Hours curtailed [fraction]")
    curtailment_hours_per_month: float | None = Field(None, ge=0, lt=744, description="Hours curtailed [h/month]")
    power_price_usd_per_kwh: float = Field(ge=0, le=10, description="Power price at the meter [USD/kWh]")
    power_escalator_per_year_frac: float = Field(0.0, gt=-1, le=1, description="Yearly step-up [fraction]")
    fleet: tuple[FleetLine, ...] = Field(min_length=1, description="Machines on site")
    pool_fee_frac: float = Field(0.02, ge=0, lt=1, description="Pool fee [fraction of revenue]")
    opex_usd_per_mw_month: float = Field(0.0, ge=0, le=1e6, description=(
        "Hosting, staff, repairs and other cash opex per MW of site power [USD/MW-month]"))
    refresh_every_years: float | None = Field(None, gt=0, le=50, description="Years between fleet refreshes")
    refresh_capex_usd_per_th_s: float = Field(0.0, ge=0, le=1_000, description="New machines [USD per TH/s]")
    refresh_efficiency_gain_frac: float = Field(0.0, ge=0, lt=1, description="J/TH saved per refresh [fraction]")
    salvage_usd_per_th_s: float = Field(0.0, ge=0, le=1_000, description="Resale of used machines [USD per TH/s]")
    resale_tiers: tuple[ResaleTier, ...] = Field((), max_length=50, description=(
        "Resale price of used machines by efficiency tier, instead of one salvage price; machines less efficient "
        "than the highest tier bound resell at zero"))
    fleet_age_years: float = Field(0.0, ge=0, le=30, description=(
        "Age of the fleet at the start, for lines that do not give their own age_years [years]"))
    hashrate_degradation_per_year_frac: float = Field(0.0, ge=0, lt=1, description=(
        "Hashrate lost per year of age, compounding [fraction/year]"))
    efficiency_degradation_per_year_frac: float = Field(0.0, ge=0, lt=1, description=(
        "J/TH added per year of age, compounding [fraction/year]"))
    power_price_monthly_profile: tuple[float, ...] | None = Field(None, min_length=12, max_length=12, description=(
        "Multipliers of the power price by calendar month, January to December [ratio]"))
    shut_down_when_unprofitable: bool = Field(True, description=(
        "Switch the fleet off in months whose revenue would not cover its power (opex is still paid)"))

    @field_validator("power_price_monthly_profile", mode="before")
    @classmethod
    def _profile_text(cls, value):
        """Twelve multipliers may come as text separated by commas or semicolons (a cell, a scenario file)."""
        if isinstance(value, str):
            parts = [x.strip() for x in value.replace(";", ",").split(",") if x.strip()]
            try:
                return tuple(float(x) for x in parts)
            except ValueError:
                raise HashleaseError("power_price_monthly_profile", value, "twelve numbers separated by commas", kind=ErrorKind.VALUE) \
                    from None
        return value

    @model_validator(mode="after")
    def _fits(self) -> "MiningSiteInputs":
        if self.curtailment_share_frac is not None and self.curtailment_hours_per_month is not None:
            raise HashleaseError("curtailment_hours_per_month", self.curtailment_hours_per_month,
                                 "left out when curtailment_share_frac is given (one or the other)", kind=ErrorKind.VALUE)
        if self.fleet_hashrate_th_s <= 0:
            raise HashleaseError("fleet", "0 TH/s", "at least one machine (units > 0 on some line)")
        if self.refresh_every_years is not None:
            months = MONTHS_PER_YEAR * self.refresh_every_years
            if abs(months - round(months)) > 1e-9:
                raise HashleaseError("refresh_every_years", self.refresh_every_years,
                                     "a whole number of months (12 x years a whole number)")
        if self.resale_tiers and self.salvage_usd_per_th_s:
            raise HashleaseError("salvage_usd_per_th_s", self.salvage_usd_per_th_s,
                                 "0 when resale_tiers are given (one resale price or the other)", kind=ErrorKind.VALUE)
        bounds = [t.max_efficiency_j_per_th for t in self.resale_tiers]
        if len(set(bounds)) != len(bounds):
            raise HashleaseError("resale_tiers", f"bounds {sorted(bounds)}", "distinct max_efficiency_j_per_th", kind=ErrorKind.VALUE)
        for i, factor in enumerate(self.power_price_monthly_profile or ()):
            if not (np.isfinite(factor) and 0 <= factor <= 100):
                raise HashleaseError(f"power_price_monthly_profile[{i}]", factor, "0 to 100 (a multiplier)")
        if self.fleet_site_mw > self.site_mw * (1 + 1e-9):
            raise HashleaseError("fleet", f"{self.fleet_site_mw:,.2f} MW at the meter (x PUE {self.pue:g})",
                                 f"<= site_mw ({self.site_mw:g} MW)", detail="the fleet draws more power than "
                                 "the site has")
        return self

    @cached_property
    def fleet_hashrate_th_s(self) -> float:
        """Total hashrate of the fleet. [TH/s]"""
        return sum(line.hashrate_th_s for line in self.fleet)

    @cached_property
    def fleet_efficiency_j_per_th(self) -> float:
        """Hashrate-weighted efficiency. [J/TH]"""
        return sum(line.hashrate_th_s * line.efficiency_j_per_th for line in self.fleet) / self.fleet_hashrate_th_s

    @cached_property
    def fleet_site_mw(self) -> float:
        """Fleet power at the meter (machine power x PUE). [MW]"""
        return self.fleet_hashrate_th_s * self.fleet_efficiency_j_per_th * self.pue / W_PER_MW

    @cached_property
    def fleet_resale_value_usd(self) -> float:
        """What the fleet would sell for at the start, each line aged by its age, at its tier. [USD]"""
        return float(aged_fleet_value_usd(site_parameters([self]), np.zeros((1, 1)))[0, 0])


def site_parameters(sites: Sequence[MiningSiteInputs]) -> dict[str, np.ndarray]:
    """The sites' parameters as (sites, 1) columns (fleet lines and tiers (sites, k)), for :func:`mining_lines`.

    Every entry has the sites along its first axis, so ``{k: v[index]}`` gathers sites for many scenarios.
    """
    def column(values):
        return np.array(values, dtype=float)[:, None]

    return {
        "th_s": column([s.fleet_hashrate_th_s for s in sites]),
        "efficiency": column([s.fleet_efficiency_j_per_th for s in sites]),
        "refresh_months": column([round(MONTHS_PER_YEAR * s.refresh_every_years) if s.refresh_every_years else 0 for s in sites]),
        "gain": column([s.refresh_efficiency_gain_frac for s in sites]),
        "uptime": column([s.uptime_frac for s in sites]),
        "curtail_hours": column([np.nan if s.curtailment_hours_per_month is None else s.curtailment_hours_per_month
                                 for s in sites]),
        "curtail_share": column([s.curtailment_share_frac or 0.0 for s in sites]),
        "pool_fee": column([s.pool_fee_frac for s in sites]),
        "power_price": column([s.power_price_usd_per_kwh for s in sites]),
        "escalator": column([s.power_escalator_per_year_frac for s in sites]),
        "pue": column([s.pue for s in sites]),
        "opex": column([s.opex_usd_per_mw_month * s.site_mw for s in sites]),
        "capex_per_th": column([s.refresh_capex_usd_per_th_s for s in sites]),
        "shut_down": column([s.shut_down_when_unprofitable for s in sites]),
        "site_mw": column([s.site_mw for s in sites]),
        **_line_arrays(sites),
        "dh": column([s.hashrate_degradation_per_year_frac for s in sites]),
        "de": column([s.efficiency_degradation_per_year_frac for s in sites]),
        "profile": np.array([s.power_price_monthly_profile or (1.0,) * 12 for s in sites], dtype=float),
        "has_profile": column([s.power_price_monthly_profile is not None for s in sites]),
        **_tier_arrays(sites),
    }


def _line_arrays(sites: Sequence[MiningSiteInputs]) -> dict[str, np.ndarray]:
    """Each fleet line aged to the start, (sites, lines) padded with empty lines, and the site totals.

    With the site's yearly rates, a line of age :math:`a_l` has :math:`H_l (1 - d_H)^{a_l + t}` TH/s and
    :math:`E_l (1 + d_E)^{a_l + t}` J/TH at time :math:`t` years, so the fleet's TH/s and power both scale by
    one factor per year from their aged totals at the start (``th0``, ``efficiency0``).
    """
    count = max(len(s.fleet) for s in sites)
    new_th = np.zeros((len(sites), count))
    new_efficiency = np.ones((len(sites), count))
    age = np.zeros((len(sites), count))
    for i, site in enumerate(sites):
        for j, line in enumerate(site.fleet):
            age[i, j] = site.fleet_age_years if line.age_years is None else line.age_years
            new_th[i, j], new_efficiency[i, j] = line.hashrate_th_s, line.efficiency_j_per_th
    dh = np.array([s.hashrate_degradation_per_year_frac for s in sites])[:, None]
    de = np.array([s.efficiency_degradation_per_year_frac for s in sites])[:, None]
    th, efficiency = aged_hashrate_and_efficiency(new_th, new_efficiency, age, dh, de)
    th0 = th.sum(axis=1, keepdims=True)
    return {"line_th0": th, "line_efficiency0": efficiency, "th0": th0,
            "efficiency0": (th * efficiency).sum(axis=1, keepdims=True) / th0}


def aged_fleet_value_usd(p: dict[str, np.ndarray], years: np.ndarray) -> np.ndarray:
    """Resale value of the fleet in service at the start, ``years`` later (1, months), line by line. [USD]

    ``p`` is :func:`site_parameters`; the result is (sites, months).
    """
    value = 0.0
    for j in range(p["line_th0"].shape[1]):
        th, efficiency = aged_hashrate_and_efficiency(p["line_th0"][:, j:j + 1], p["line_efficiency0"][:, j:j + 1],
                                                      years, p["dh"], p["de"])
        value = value + th * _resale_price(p, efficiency)
    return value


def _tier_arrays(sites: Sequence[MiningSiteInputs]) -> dict[str, np.ndarray]:
    """Resale tiers as (sites, k) bounds and prices; one salvage price is one unbounded tier.

    Sites with fewer tiers are padded with unbounded tiers at zero (machines beyond every bound resell at zero).
    """
    k = max(max(len(s.resale_tiers) for s in sites), 1)
    bounds = np.full((len(sites), k), np.inf)
    prices = np.zeros((len(sites), k))
    for i, site in enumerate(sites):
        tiers = sorted(site.resale_tiers, key=lambda t: t.max_efficiency_j_per_th)
        if tiers:
            bounds[i, :len(tiers)] = [t.max_efficiency_j_per_th for t in tiers]
            prices[i, :len(tiers)] = [t.usd_per_th_s for t in tiers]
        else:
            prices[i, 0] = site.salvage_usd_per_th_s
    return {"tier_bounds": bounds, "tier_prices": prices}


def _resale_price(p: dict[str, np.ndarray], efficiency: np.ndarray) -> np.ndarray:
    """Resale USD per TH/s of machines at ``efficiency`` (sites or 1, months), by the sites' tiers."""
    return resale_usd_per_th_s(efficiency, p["tier_bounds"][:, None, :], p["tier_prices"][:, None, :])


def mining_lines(p: dict[str, np.ndarray], h: np.ndarray, days: np.ndarray, scale, *,
                 first_calendar_month: int | None = None) -> dict[str, np.ndarray]:
    """Monthly lines before switch-off, for :func:`site_parameters` ``p``, hashprice ``h`` and ``days`` (rows, months).

    ``first_calendar_month`` (1-12) is the calendar month of month 0, needed by monthly power price profiles.
    Revenue is proportional to ``scale`` (and to ``h``); power, opex, capex and salvage do not depend on either.
    """
    months = np.broadcast_shapes(h.shape, days.shape)[-1]
    m = np.arange(months)[None, :]
    step = p["refresh_months"]
    refresh = (step > 0) & (m >= step) & (np.mod(m, np.where(step > 0, step, 1)) == 0)
    generation = np.cumsum(refresh, axis=1)             # refreshes done by month m (inclusive)
    new_efficiency = p["efficiency"] * (1.0 - p["gain"]) ** generation
    new_th_s = p["th_s"] * p["efficiency"] / new_efficiency  # the same power, more TH/s
    # years since the last refresh, or since the start for the first fleet (aged to the start, line by line)
    first = generation == 0
    age_years = np.where(first, m, m - generation * step) / MONTHS_PER_YEAR
    th_s, efficiency = aged_hashrate_and_efficiency(np.where(first, p["th0"], new_th_s),
                                                    np.where(first, p["efficiency0"], new_efficiency), age_years,
                                                    p["dh"], p["de"])
    hours = HOURS_PER_DAY * days
    curtailed = np.where(np.isnan(p["curtail_hours"]), p["curtail_share"],
                         np.minimum(np.nan_to_num(p["curtail_hours"]) / hours, 1.0))
    # machines that no longer fit the site's power (wear can raise the draw) are switched off
    load_mw = th_s * efficiency / W_PER_MW * p["pue"]
    fits = np.minimum(1.0, p["site_mw"] / load_mw)
    running = p["uptime"] * (1.0 - curtailed) * fits
    revenue = th_s / TH_PER_PH * h * days * running * (1.0 - p["pool_fee"]) * scale
    price = p["power_price"] * (1.0 + p["escalator"]) ** np.floor(m / MONTHS_PER_YEAR)
    if first_calendar_month is not None and (isinstance(first_calendar_month, bool) or not isinstance(
            first_calendar_month, (int, np.integer)) or not 1 <= first_calendar_month <= 12):
        raise HashleaseError("first_calendar_month", first_calendar_month, "a whole number 1 to 12 (January to "
                             "December)")
    if p["has_profile"].any():
        if first_calendar_month is None:
            raise HashleaseError("power_price_monthly_profile", "given", "with the projection's start month (the "
                                 "calendar month of month 0)", kind=ErrorKind.VALUE)
        price = price * p["profile"][:, (first_calendar_month - 1 + m[0]) % 12]
    power = th_s * efficiency / W_PER_KW * p["pue"] * hours * running * price
    # resale of the machines in service: the first fleet line by line (each at its own tier), later ones as one
    value = np.where(first, aged_fleet_value_usd(p, m / MONTHS_PER_YEAR) if first.any() else 0.0,
                     th_s * _resale_price(p, efficiency))
    resale = value / th_s                                # USD per TH/s, blended over lines
    previous_value = np.concatenate([value[:, :1], value[:, :-1]], axis=1)
    capex = np.where(refresh, new_th_s * p["capex_per_th"], 0.0)
    salvage = np.where(refresh, previous_value, 0.0)
    salvage[:, -1] += value[:, -1]
    opex = np.broadcast_to(p["opex"], th_s.shape)
    return {"th_s": th_s, "efficiency": efficiency, "running": running, "revenue": revenue, "power": power,
            "opex": opex, "capex": capex, "salvage": salvage, "resale": resale, "price": price}


def _checked(hashprice_usd_per_ph_day, days_in_month, revenue_scale):
    h = np.atleast_2d(check_range("hashprice_usd_per_ph_day", hashprice_usd_per_ph_day, ge=0))
    days = np.atleast_2d(check_range("days_in_month", days_in_month, ge=28, le=31))
    scale = check_range("revenue_scale", revenue_scale, ge=0)
    if h.ndim != 2 or days.ndim != 2:
        raise HashleaseError("hashprice_usd_per_ph_day", f"{h.ndim} dimensions", "(paths, months)", kind=ErrorKind.VALUE)
    try:
        shape = np.broadcast_shapes(h.shape, days.shape, np.shape(scale) + (1,) * (2 - np.ndim(scale)))
    except ValueError:
        raise HashleaseError("hashprice_usd_per_ph_day", f"shape {h.shape}", f"months matching days_in_month "
                             f"{days.shape}", kind=ErrorKind.VALUE) from None
    return h, days, scale, shape


def switch_off(lines: dict[str, np.ndarray], shut_down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Revenue and power after the switch-off rule: where ``shut_down``, months whose revenue would not cover
    their power bill mine nothing and pay no power (opex is still paid). [USD]"""
    on = (lines["revenue"] >= lines["power"]) | (shut_down == 0)
    return np.where(on, lines["revenue"], 0.0), np.where(on, lines["power"], 0.0)


def _result(lines, revenue, power, shape) -> dict[str, np.ndarray]:
    net = revenue - power - lines["opex"] - lines["capex"] + lines["salvage"]
    return {"fleet_hashrate_th_s": np.broadcast_to(lines["th_s"], shape),
            "fleet_efficiency_j_per_th": np.broadcast_to(lines["efficiency"], shape),
            "running_share_frac": np.broadcast_to(lines["running"], shape),
            "mining_revenue_usd": np.broadcast_to(revenue, shape), "power_cost_usd": np.broadcast_to(power, shape),
            "opex_usd": np.broadcast_to(lines["opex"], shape), "refresh_capex_usd": np.broadcast_to(lines["capex"], shape),
            "salvage_usd": np.broadcast_to(lines["salvage"], shape),
            "fleet_resale_usd_per_th_s": np.broadcast_to(lines["resale"], shape),
            "power_price_usd_per_kwh": np.broadcast_to(lines["price"], shape),
            "net_cash_flow_usd": np.broadcast_to(net, shape)}


def mining_cash_flows(site: MiningSiteInputs, hashprice_usd_per_ph_day: np.ndarray, days_in_month: np.ndarray,
                      *, revenue_scale: np.ndarray | float = 1.0,
                      first_calendar_month: int | None = None) -> dict[str, np.ndarray]:
    """Monthly mining lines for one site over many hashprice paths, each (paths, months).

    The last month's row carries the sale of the remaining fleet (salvage). Machines age from
    each line's ``age_years`` (or ``site.fleet_age_years``; new again at each refresh): hashrate :math:`H_0 (1 - d_H)^a`, efficiency
    :math:`E_0 (1 + d_E)^a` at age :math:`a` years; used machines resell at their tier's price for their J/TH at
    sale. ``first_calendar_month`` (1-12, the calendar month of month 0) is required with a monthly power price
    profile.

    Examples
    --------
    >>> site = MiningSiteInputs(site_mw=10, pue=1.0, uptime_frac=1.0, pool_fee_frac=0.0, power_price_usd_per_kwh=0.05,
    ...                         fleet=[{"model": "Antminer S21", "units": 2_000}])
    >>> lines = mining_cash_flows(site, [[50.0, 50.0], [20.0, 20.0]], [31, 28])
    >>> lines["mining_revenue_usd"].tolist()  # 400 PH/s x hashprice x days; at $20 the fleet is switched off
    [[620000.0, 560000.0], [0.0, 0.0]]
    """
    h, days, scale, shape = _checked(hashprice_usd_per_ph_day, days_in_month, revenue_scale)
    params = site_parameters([site])
    lines = mining_lines(params, h, days, scale, first_calendar_month=first_calendar_month)
    revenue, power = switch_off(lines, params["shut_down"])
    return _result(lines, revenue, power, (max(shape[0], 1), shape[1]))


def mining_cash_flows_batch(sites: Sequence[MiningSiteInputs], hashprice_usd_per_ph_day: np.ndarray,
                            days_in_month: np.ndarray, *, first_calendar_month: int | None = None
                            ) -> dict[str, np.ndarray]:
    """Monthly mining lines of many sites at once, one hashprice path per site, each (sites, months).

    Examples
    --------
    >>> base = dict(site_mw=10, pue=1.0, uptime_frac=1.0, pool_fee_frac=0.0, fleet=[{"model": "Antminer S21",
    ...             "units": 2_000}])
    >>> sites = [MiningSiteInputs(**base, power_price_usd_per_kwh=p) for p in (0.05, 0.20)]
    >>> mining_cash_flows_batch(sites, [[50.0, 50.0]], [31, 28])["power_cost_usd"].tolist()  # 7 MW x 24 h x days
    [[260400.0, 235200.0], [0.0, 0.0]]
    """
    h, days, _, shape = _checked(hashprice_usd_per_ph_day, days_in_month, 1.0)
    if shape[0] not in (1, len(sites)):
        raise HashleaseError("hashprice_usd_per_ph_day", f"{shape[0]} paths", f"one path, or one per site "
                             f"({len(sites)})", kind=ErrorKind.VALUE)
    params = site_parameters(sites)
    lines = mining_lines(params, h, days, 1.0, first_calendar_month=first_calendar_month)
    revenue, power = switch_off(lines, params["shut_down"])
    return _result(lines, revenue, power, (len(sites), shape[1]))


def mining_cash_flows_hourly(site: MiningSiteInputs, hashprice_usd_per_ph_day: np.ndarray, days_in_month: np.ndarray,
                             monthly_power: "MonthlyPower", *, capacity_payment_usd_per_mw_month: float = 0.0,
                             ) -> dict[str, np.ndarray]:
    """Monthly mining lines when the site buys power on an hourly curve and curtails (see :mod:`.power`).

    ``monthly_power`` (from :func:`curtailment`, one entry per month of the projection) replaces the site's
    flat power price and curtailment: each month mines only its hours mined, pays their mean price, and earns the
    demand-response credit per MW of fleet load curtailed; a capacity payment per MW of site power is added every
    month. Uptime and the effective power price are outputs.

    Examples
    --------
    >>> from hashlease.models import curtailment, read_price_curve
    >>> hours = np.arange("2026-01-01T00", "2026-02-01T00", dtype="datetime64[h]")
    >>> curve = read_price_curve(hours, np.where(np.arange(len(hours)) % 24 < 4, 300.0, 40.0))
    >>> _, month = curtailment(curve, 100.0, credit_usd_per_mwh_curtailed=50.0)
    >>> site = MiningSiteInputs(site_mw=10, pue=1.0, uptime_frac=1.0, pool_fee_frac=0.0, power_price_usd_per_kwh=0,
    ...                         fleet=[{"model": "Antminer S21", "units": 2_000}])
    >>> lines = mining_cash_flows_hourly(site, [[55.0]], [31], month)
    >>> round(float(lines["uptime_frac"][0, 0]), 4), float(lines["effective_power_price_usd_per_kwh"][0, 0])
    (0.8333, 0.04)
    """
    from .power import MonthlyPower  # noqa: F401  (the type, for readers)

    h, days, _, shape = _checked(hashprice_usd_per_ph_day, days_in_month, 1.0)
    months = shape[1]
    if len(monthly_power.hours) != months:
        raise HashleaseError("monthly_power", f"{len(monthly_power.hours)} months", f"one per month ({months})", kind=ErrorKind.VALUE)
    params = dict(site_parameters([site]))
    curve_share = (monthly_power.hours_mined / monthly_power.hours)[None, :]
    params["curtail_share"] = 1.0 - curve_share
    params["curtail_hours"] = np.full((1, 1), np.nan)
    mean_price = np.nan_to_num(monthly_power.mean_price_mined_usd_per_mwh) / 1000.0
    params["power_price"] = mean_price[None, :]
    params["escalator"] = np.zeros((1, 1))
    params["has_profile"] = np.zeros((1, 1))           # the curve's prices replace any monthly profile
    lines = mining_lines(params, h, days, 1.0)
    revenue, power = switch_off(lines, params["shut_down"])
    out = _result(lines, revenue, power, (max(shape[0], 1), months))
    load_mw = lines["th_s"] * lines["efficiency"] / 1e6 * params["pue"]
    credit = load_mw * monthly_power.curtailment_credit_usd_per_mw[None, :] * params["uptime"]
    capacity = np.full((1, months), capacity_payment_usd_per_mw_month * site.site_mw)
    out["curtailment_credit_usd"] = np.broadcast_to(credit, out["net_cash_flow_usd"].shape)
    out["capacity_payment_usd"] = np.broadcast_to(capacity, out["net_cash_flow_usd"].shape)
    out["net_cash_flow_usd"] = out["net_cash_flow_usd"] + credit + capacity
    out["uptime_frac"] = np.broadcast_to(params["uptime"] * curve_share, out["net_cash_flow_usd"].shape)
    out["effective_power_price_usd_per_kwh"] = np.broadcast_to(mean_price[None, :], out["net_cash_flow_usd"].shape)
    return out


def mining_schedule(site: MiningSiteInputs, market: pd.DataFrame) -> pd.DataFrame:
    """Monthly mining schedule on the dates of a :func:`hashprice_projection` table, columns with units.

    Examples
    --------
    >>> from hashlease.models import MarketProjection, hashprice_projection
    >>> market = hashprice_projection(MarketProjection(start="2025-01-01", months=12, difficulty=108.52e12,
    ...     block_height=876_000, btc_price_usd=93_450, fees_btc_per_block=0.0931))
    >>> site = MiningSiteInputs(site_mw=100, pue=1.1, power_price_usd_per_kwh=0.04, uptime_frac=1.0,
    ...                         pool_fee_frac=0.0, fleet=[{"model": "Antminer S21", "units": 25_000}])
    >>> january = mining_schedule(site, market).iloc[0]
    >>> round(float(january["mining_revenue_usd"])), round(float(january["power_cost_usd"]))
    (8640814, 2864400)
    """
    lines = mining_cash_flows(site, market["hashprice_usd_per_ph_day"].to_numpy(), market["days_in_month"].to_numpy(),
                              first_calendar_month=int(pd.Timestamp(market.index[0]).month))
    return pd.DataFrame({key: value[0] for key, value in lines.items()}, index=market.index)
