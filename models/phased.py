r"""Phased conversion: the site converts hall by hall while the rest keeps mining.

A site's power is split into phases, each with a cut-over month. Until its cut-over a phase mines with its share
of the fleet; from its cut-over it is built (capex drawn on the lease's curve over the lease's construction
months) and then leased (rent from its ready-for-service month, for the lease's term). Power not in any phase
keeps mining throughout. The fleet displaced at a cut-over is either sold at the mining site's resale price
(``displaced_fleet="sell"``: the fleet shrinks with the mined power) or first moved into the mining halls' spare
power (``"redeploy"``: only machines that no longer fit are sold).

Per month :math:`m`, with :math:`W_m` the site MW still mining, :math:`W` the site MW and :math:`F` the fleet's
power at the meter, the running share of the fleet is

.. math:: \phi_m = W_m / W \ (\text{sell}) \qquad \phi_m = \min(1,\ W_m / F) \ (\text{redeploy})

Mining revenue, power, refresh capex and salvage scale with :math:`\phi_m`; site opex with :math:`W_m`; machines
leaving the fleet, :math:`(\phi_{m-1} - \phi_m)^+`, are sold that month. Each phase is a lease of its critical IT
MW with the lease's economics, started at its cut-over. All three options (keep mining, full conversion at month
0, the phased plan) are valued on the same monthly dates, horizon and discount rate (Excel XNPV).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ._inputs import InputModel
from .calendar import month_start_dates
from .comparison import SiteComparisonInputs
from ._validate import check_range
from .errors import ErrorKind, HashleaseError
from .finance import xnpv
from .lease import lease_cash_flows
from .mining_site import mining_cash_flows, mining_cash_flows_hourly
from .power import MonthlyPower
from .projection import project_market
from .returns import investment_irr, payback_month

__all__ = ["ConversionPhase", "PhasedSiteInputs", "PhasedResult", "phased_site", "compare_three_options",
           "breakeven_cutover_shift_months"]


class ConversionPhase(InputModel):
    """One hall: the site MW it takes from mining, the critical IT MW it leases, and its cut-over month."""

    site_mw: float = Field(gt=0, le=10_000, description="Site power this phase takes from mining [MW]")
    critical_it_mw: float = Field(gt=0, le=5_000, description="Critical IT leased in this phase [MW]")
    cutover_month: int = Field(ge=0, le=1_200, description="Month (from the start) mining stops here [months]")


class PhasedSiteInputs(InputModel):
    """A site, its market, its lease economics and its conversion phases.

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> plan = PhasedSiteInputs(site=example_comparison(), phases=[
    ...     {"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 0},
    ...     {"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 12}])
    >>> plan.horizon
    145
    """

    site: SiteComparisonInputs
    phases: tuple[ConversionPhase, ...] = Field(description="Conversion phases; none means the site keeps mining")
    displaced_fleet: Literal["sell", "redeploy"] = Field("redeploy", description="What happens to displaced machines")

    @model_validator(mode="after")
    def _fits(self) -> "PhasedSiteInputs":
        total = sum(p.site_mw for p in self.phases)
        if total > self.site.mining.site_mw * (1 + 1e-9):
            raise HashleaseError("phases", f"{total:g} MW of site power", f"<= the site's {self.site.mining.site_mw:g} MW")
        lease = self.site.lease
        for i, phase in enumerate(self.phases):
            end = phase.cutover_month + lease.construction_months + lease.delay_months + lease.term_months + 1
            if end > 1_200:
                raise HashleaseError(f"phases[{i}].cutover_month", phase.cutover_month,
                                     f"<= {1_200 - (end - phase.cutover_month)} (the phase's lease must end within "
                                     "1,200 months)")
            if phase.critical_it_mw > phase.site_mw:
                raise HashleaseError(f"phases[{i}].critical_it_mw", phase.critical_it_mw,
                                     f"<= the phase's site_mw ({phase.site_mw:g})")
        return self

    @property
    def horizon(self) -> int:
        """Months valued: the longer of the site comparison's horizon and the last phase's lease end + 1."""
        lease = self.site.lease
        ends = [p.cutover_month + lease.construction_months + lease.delay_months + lease.term_months + 1
                for p in self.phases]
        return max([self.site.horizon, *ends])

    def phase_lease(self, phase: ConversionPhase):
        """The lease of one phase: the lease's economics for its MW, its construction starting at cut-over."""
        start = (np.datetime64(self.site.start, "M") + phase.cutover_month).astype("datetime64[D]").item()
        return self.site.lease.replace(critical_it_mw=phase.critical_it_mw, site_mw=phase.site_mw, pue=None,
                                       construction_start=start, phases=(), valuation_date=None)


@dataclass(frozen=True)
class PhasedResult:
    """The phased plan's monthly schedule (dated, units in column names) and its valuation."""

    schedule: pd.DataFrame
    npv_usd: float
    irr_per_year_frac: float | None
    payback_month: int | None


def _dates(inputs: PhasedSiteInputs) -> np.ndarray:
    return month_start_dates(inputs.site.start, inputs.horizon)


def _curve_months(monthly_power: MonthlyPower, dates: np.ndarray) -> MonthlyPower:
    """The curve's monthly totals on the plan's months, refusing a curve that does not cover them all."""
    wanted = dates.astype("datetime64[M]")
    if len(monthly_power.month) == 0:
        raise HashleaseError("monthly_power", "no months", f"a power curve covering {wanted[0]} to {wanted[-1]}", kind=ErrorKind.VALUE)
    index = np.searchsorted(monthly_power.month, wanted)
    found = (index < len(monthly_power.month)) & (monthly_power.month[np.minimum(index, len(monthly_power.month) - 1)]
                                                  == wanted)
    if not found.all():
        missing = wanted[~found]
        raise HashleaseError("monthly_power", f"no hours in {missing[0]} ({missing.size} months missing)",
                             f"a power curve covering every month from {wanted[0]} to {wanted[-1]}", kind=ErrorKind.VALUE)
    chosen = MonthlyPower(*(np.asarray(field)[index] for field in monthly_power))
    month_hours = ((wanted + 1).astype("datetime64[h]") - wanted.astype("datetime64[h]")).astype(float)
    short = np.abs(chosen.hours - month_hours) > 1.0  # one hour of slack for a daylight-saving shift
    if short.any():
        first = int(np.flatnonzero(short)[0])
        raise HashleaseError("monthly_power", f"{chosen.hours[first]:g} h in {wanted[first]}",
                             f"the whole month ({month_hours[first]:g} h): a curve covering every hour of the plan", kind=ErrorKind.VALUE)
    return chosen


def phased_site(inputs: PhasedSiteInputs, *, monthly_power: MonthlyPower | None = None,
                capacity_payment_usd_per_mw_month: float = 0.0) -> PhasedResult:
    """Monthly cash flows of the phased plan for the whole site, by phase, and their NPV, IRR and payback.

    With ``monthly_power`` (the monthly totals of an hourly curve after :func:`curtailment`), the mining halls buy
    power on the curve and curtail: each month mines its hours mined at their mean price and earns the
    demand-response credit on the fleet load curtailed (see :func:`mining_cash_flows_hourly`); the capacity payment
    (USD per MW-month) is earned on the site MW still mining. Uptime and effective power price become schedule
    columns (``mining_uptime_frac``: share of the month the fleet hashes; ``mining_power_price_usd_per_kwh``: the
    price paid for the hours mined).

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> plan = PhasedSiteInputs(site=example_comparison(), phases=[
    ...     {"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 0},
    ...     {"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 12}])
    >>> result = phased_site(plan)
    >>> result.schedule.loc["2026-06-01", ["mining_site_mw", "fleet_running_frac"]].tolist()
    [50.0, 0.5194805194805194]
    """
    site = inputs.site
    horizon = inputs.horizon
    dates = _dates(inputs)
    m = np.arange(horizon)
    market = project_market(site.market, months=horizon)
    if monthly_power is None:
        full = {k: v[0] for k, v in mining_cash_flows(site.mining, market["hashprice_usd_per_ph_day"],
                                                       market["days_in_month"],
                                                       first_calendar_month=site.start.month).items()}
        full["curtailment_credit_usd"] = np.zeros(horizon)
    else:
        full = {k: v[0] for k, v in mining_cash_flows_hourly(site.mining, market["hashprice_usd_per_ph_day"],
                                                              market["days_in_month"],
                                                              _curve_months(monthly_power, dates)).items()}
    capacity_rate = float(check_range("capacity_payment_usd_per_mw_month", capacity_payment_usd_per_mw_month, ge=0))
    site_mw = site.mining.site_mw
    converted = np.zeros(horizon)
    lines = {}
    for i, phase in enumerate(inputs.phases):
        gone = m >= phase.cutover_month
        converted += phase.site_mw * gone
        lines[f"phase{i + 1}_site_mw_mining"] = np.where(gone, 0.0, phase.site_mw)
    mining_mw = site_mw - converted
    if inputs.displaced_fleet == "sell":
        running = mining_mw / site_mw
    else:
        running = np.minimum(1.0, mining_mw / site.mining.fleet_site_mw)
    previous = np.concatenate([[1.0], running[:-1]])
    sold_share = np.maximum(previous - running, 0.0)
    fleet_sale = sold_share * full["fleet_hashrate_th_s"] * full["fleet_resale_usd_per_th_s"]
    revenue = full["mining_revenue_usd"] * running
    power = full["power_cost_usd"] * running
    opex = site.mining.opex_usd_per_mw_month * mining_mw
    refresh = full["refresh_capex_usd"] * running
    salvage = full["salvage_usd"] * running
    credit = full["curtailment_credit_usd"] * running
    capacity = capacity_rate * mining_mw
    mining_net = revenue - power - opex - refresh + salvage + fleet_sale + credit + capacity

    lease_total = {key: np.zeros(horizon) for key in ("noi_usd", "capex_usd", "residual_value_usd",
                                                      "unlevered_cash_flow_usd", "critical_it_mw_online")}
    for i, phase in enumerate(inputs.phases):
        if phase.cutover_month >= horizon:
            continue
        flows = lease_cash_flows([inputs.phase_lease(phase)], horizon - phase.cutover_month)
        for key in lease_total:
            shifted = np.zeros(horizon)
            shifted[phase.cutover_month:] = flows[key][0]
            lease_total[key] += shifted
            if key == "critical_it_mw_online":
                lines[f"phase{i + 1}_critical_it_mw_online"] = shifted
    net = mining_net + lease_total["unlevered_cash_flow_usd"]
    schedule = pd.DataFrame({
        "month_index": m, "mining_site_mw": mining_mw, "fleet_running_frac": running,
        "mining_revenue_usd": revenue, "mining_power_cost_usd": power, "mining_opex_usd": opex,
        "mining_refresh_capex_usd": refresh, "mining_salvage_usd": salvage, "fleet_sale_usd": fleet_sale,
        "curtailment_credit_usd": credit, "capacity_payment_usd": capacity,
        "mining_uptime_frac": full["running_share_frac"], "mining_power_price_usd_per_kwh": full["power_price_usd_per_kwh"],
        "mining_net_cash_flow_usd": mining_net, "critical_it_mw_online": lease_total["critical_it_mw_online"],
        "lease_noi_usd": lease_total["noi_usd"], "lease_capex_usd": lease_total["capex_usd"],
        "lease_residual_value_usd": lease_total["residual_value_usd"],
        "lease_cash_flow_usd": lease_total["unlevered_cash_flow_usd"], **lines,
        "net_cash_flow_usd": net, "cumulative_net_cash_flow_usd": np.cumsum(net),
    }, index=pd.DatetimeIndex(dates, name="date"))
    valuation = np.datetime64(site.valuation_date or site.start, "D")
    npv = float(xnpv(site.discount_rate_per_year_frac, np.concatenate([[0.0], net]),
                     np.concatenate([[valuation], dates])))
    irr = float(investment_irr(net[None, :], dates).rate[0])
    payback = float(payback_month(net).month[0])
    return PhasedResult(schedule, npv, irr if np.isfinite(irr) else None,
                        int(payback) if np.isfinite(payback) else None)


def _full_conversion(inputs: PhasedSiteInputs) -> PhasedSiteInputs:
    total_site = sum(p.site_mw for p in inputs.phases) or inputs.site.mining.site_mw
    total_it = sum(p.critical_it_mw for p in inputs.phases) or inputs.site.lease.critical_it_mw
    return inputs.replace(phases=[ConversionPhase(site_mw=total_site, critical_it_mw=total_it, cutover_month=0)])


def compare_three_options(inputs: PhasedSiteInputs, *, monthly_power: MonthlyPower | None = None,
                          capacity_payment_usd_per_mw_month: float = 0.0) -> pd.DataFrame:
    """NPV, IRR and payback of keep mining, full conversion at month 0, and the phased plan, on one basis.

    ``monthly_power`` and ``capacity_payment_usd_per_mw_month`` apply to every option (see :func:`phased_site`).

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> plan = PhasedSiteInputs(site=example_comparison(), phases=[
    ...     {"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 0},
    ...     {"site_mw": 50, "critical_it_mw": 37.5, "cutover_month": 12}])
    >>> list(compare_three_options(plan).index)
    ['keep_mining', 'full_conversion', 'phased_conversion']
    """
    horizon = max(inputs.horizon, _full_conversion(inputs).horizon)
    site = inputs.site.replace(horizon_months=horizon)
    options = {"keep_mining": inputs.replace(site=site, phases=[]),
               "full_conversion": _full_conversion(inputs).replace(site=site),
               "phased_conversion": inputs.replace(site=site)}
    rows = []
    for name, option in options.items():
        result = phased_site(option, monthly_power=monthly_power,
                             capacity_payment_usd_per_mw_month=capacity_payment_usd_per_mw_month)
        rows.append(dict(option=name, npv_usd=result.npv_usd, irr_per_year_frac=result.irr_per_year_frac,
                         payback_month=result.payback_month))
    return pd.DataFrame(rows).set_index("option")


def breakeven_cutover_shift_months(inputs: PhasedSiteInputs, *, max_shift_months: int = 120) -> float | None:
    """Months by which every cut-over can move later before the phased plan's NPV falls to keep-mining's.

    Shifts of 0, 1, 2, ... months are valued; the first sign change of (phased NPV - mining NPV) is interpolated
    linearly between whole months. Returns None when the sign never changes within ``max_shift_months``.

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> plan = PhasedSiteInputs(site=example_comparison(), phases=[
    ...     {"site_mw": 100, "critical_it_mw": 75, "cutover_month": 0}])
    >>> print(breakeven_cutover_shift_months(plan, max_shift_months=6))  # the lease wins at every delay tried
    None
    """
    gaps = []
    for shift in range(max_shift_months + 1):
        moved = inputs.replace(phases=[p.replace(cutover_month=p.cutover_month + shift) for p in inputs.phases])
        table = compare_three_options(moved)
        gaps.append(table.at["phased_conversion", "npv_usd"] - table.at["keep_mining", "npv_usd"])
        if len(gaps) > 1 and np.sign(gaps[-1]) != np.sign(gaps[-2]):
            a, b = gaps[-2], gaps[-1]
            return float(shift - 1 + a / (a - b))
    return 0.0 if gaps and gaps[0] == 0 else None
