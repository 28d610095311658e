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

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ._inputs import InputModel
from ._validate import check_range
from .errors import HashleaseError
from .fleet import asic_model

__all__ = ["FleetLine", "MiningSiteInputs", "mining_cash_flows", "mining_schedule"]


class FleetLine(InputModel):
    """Machines of one catalogue model: a number of units, or a hashrate in TH/s."""

    model: str = Field(min_length=1, description="ASIC model name as in the catalogue")
    units: int | None = Field(None, ge=0, le=10_000_000, description="Machines [count]")
    th_s: float | None = Field(None, gt=0, description="Hashrate of these machines [TH/s]")

    @model_validator(mode="after")
    def _one(self) -> "FleetLine":
        if (self.units is None) == (self.th_s is None):
            raise HashleaseError("units", self.units, "given, or th_s given (exactly one)")
        asic_model(self.model)  # unknown model names are refused here, with the list
        return self

    @property
    def hashrate_th_s(self) -> float:
        entry = asic_model(self.model)
        return float(self.th_s if self.th_s is not None else self.units * entry.hashrate_th_s)

    @property
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
    shut_down_when_unprofitable: bool = Field(True, description=(
        "Switch the fleet off in months whose revenue would not cover its power (opex is still paid)"))

    @model_validator(mode="after")
    def _fits(self) -> "MiningSiteInputs":
        if self.curtailment_share_frac is not None and self.curtailment_hours_per_month is not None:
            raise HashleaseError("curtailment_hours_per_month", self.curtailment_hours_per_month,
                                 "left out when curtailment_share_frac is given (one or the other)")
        if self.fleet_hashrate_th_s <= 0:
            raise HashleaseError("fleet", "0 TH/s", "at least one machine (units > 0 on some line)")
        if self.refresh_every_years is not None:
            months = 12 * self.refresh_every_years
            if abs(months - round(months)) > 1e-9:
                raise HashleaseError("refresh_every_years", self.refresh_every_years,
                                     "a whole number of months (12 x years a whole number)")
        if self.fleet_site_mw > self.site_mw * (1 + 1e-9):
            raise HashleaseError("fleet", f"{self.fleet_site_mw:,.2f} MW at the meter (x PUE {self.pue:g})",
                                 f"<= site_mw ({self.site_mw:g} MW)", detail="the fleet draws more power than "
                                 "the site has")
        return self

    @property
    def fleet_hashrate_th_s(self) -> float:
        """Total hashrate of the fleet. [TH/s]"""
        return sum(line.hashrate_th_s for line in self.fleet)

    @property
    def fleet_efficiency_j_per_th(self) -> float:
        """Hashrate-weighted efficiency. [J/TH]"""
        return sum(line.hashrate_th_s * line.efficiency_j_per_th for line in self.fleet) / self.fleet_hashrate_th_s

    @property
    def fleet_site_mw(self) -> float:
        """Fleet power at the meter (machine power x PUE). [MW]"""
        return self.fleet_hashrate_th_s * self.fleet_efficiency_j_per_th * self.pue / 1e6


def mining_cash_flows(site: MiningSiteInputs, hashprice_usd_per_ph_day: np.ndarray, days_in_month: np.ndarray,
                      *, revenue_scale: np.ndarray | float = 1.0) -> dict[str, np.ndarray]:
    """Monthly mining lines for one site over many hashprice paths, each (paths, months).

    The last month's row carries the sale of the remaining fleet (salvage).

    Examples
    --------
    >>> site = MiningSiteInputs(site_mw=10, pue=1.0, uptime_frac=1.0, pool_fee_frac=0.0, power_price_usd_per_kwh=0.05,
    ...                         fleet=[{"model": "Antminer S21", "units": 2_000}])
    >>> lines = mining_cash_flows(site, [[50.0, 50.0], [20.0, 20.0]], [31, 28])
    >>> lines["mining_revenue_usd"].tolist()  # 400 PH/s x hashprice x days; at $20 the fleet is switched off
    [[620000.0, 560000.0], [0.0, 0.0]]
    """
    h = np.atleast_2d(check_range("hashprice_usd_per_ph_day", hashprice_usd_per_ph_day, ge=0))
    days = np.atleast_2d(check_range("days_in_month", days_in_month, ge=28, le=31))
    scale = check_range("revenue_scale", revenue_scale, ge=0)
    if h.ndim != 2 or days.ndim != 2:
        raise HashleaseError("hashprice_usd_per_ph_day", f"{h.ndim} dimensions", "(paths, months)")
    try:
        paths, months = np.broadcast_shapes(h.shape, days.shape, np.shape(scale) + (1,) * (2 - np.ndim(scale)))
    except ValueError:
        raise HashleaseError("hashprice_usd_per_ph_day", f"shape {h.shape}", f"months matching days_in_month "
                             f"{days.shape}") from None
    revenue_scale = scale
    m = np.arange(months)
    refresh = np.zeros(months, dtype=bool)
    if site.refresh_every_years is not None:
        step = int(round(12 * site.refresh_every_years))
        refresh[step::step] = True
    generation = np.cumsum(refresh)                     # refreshes done by month m (inclusive)
    efficiency = site.fleet_efficiency_j_per_th * (1.0 - site.refresh_efficiency_gain_frac) ** generation
    th_s = site.fleet_hashrate_th_s * site.fleet_efficiency_j_per_th / efficiency  # same power, more TH/s
    hours = 24.0 * days
    if site.curtailment_hours_per_month is not None:
        curtailed = np.minimum(site.curtailment_hours_per_month / hours, 1.0)
    else:
        curtailed = np.full_like(hours, site.curtailment_share_frac or 0.0)
    running = site.uptime_frac * (1.0 - curtailed)
    revenue = th_s / 1000.0 * h * days * running * (1.0 - site.pool_fee_frac) * revenue_scale
    price = site.power_price_usd_per_kwh * (1.0 + site.power_escalator_per_year_frac) ** np.floor(m / 12)
    site_kw = th_s * efficiency / 1e3 * site.pue
    power = site_kw * hours * running * price
    if site.shut_down_when_unprofitable:
        on = revenue >= power
        revenue, power = np.where(on, revenue, 0.0), np.where(on, power, 0.0)
    opex = np.full(months, site.opex_usd_per_mw_month * site.site_mw)
    previous_th = np.concatenate([[th_s[0]], th_s[:-1]])
    capex = np.where(refresh, th_s * site.refresh_capex_usd_per_th_s, 0.0)
    salvage = np.where(refresh, previous_th * site.salvage_usd_per_th_s, 0.0)
    salvage[-1] += th_s[-1] * site.salvage_usd_per_th_s
    shape = (max(paths, 1), months)
    revenue, power = np.broadcast_to(revenue, shape), np.broadcast_to(power, shape)
    net = revenue - power - opex - capex + salvage
    return {"fleet_hashrate_th_s": np.broadcast_to(th_s, shape),
            "fleet_efficiency_j_per_th": np.broadcast_to(efficiency, shape),
            "running_share_frac": np.broadcast_to(running, shape), "mining_revenue_usd": revenue,
            "power_cost_usd": power, "opex_usd": np.broadcast_to(opex, shape),
            "refresh_capex_usd": np.broadcast_to(capex, shape), "salvage_usd": np.broadcast_to(salvage, shape),
            "net_cash_flow_usd": net}


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
    lines = mining_cash_flows(site, market["hashprice_usd_per_ph_day"].to_numpy(), market["days_in_month"].to_numpy())
    return pd.DataFrame({key: value[0] for key, value in lines.items()}, index=market.index)
