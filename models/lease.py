r"""AI/HPC colocation lease at a converted mining site: a dated monthly schedule and its valuation.

One model, three entry points:

- :class:`LeaseInputs`: every assumption, validated (field names carry units; a bad value raises
  :class:`HashleaseError` naming the field, the value and the accepted range).
- :func:`lease_schedule`: the monthly schedule as a pandas DataFrame, one dated row per month from the
  first of the construction-start month to the lease end, columns named with their units.
- :func:`lease_summary` (one lease) and :func:`lease_summaries` (many at once, vectorised): NPV (XNPV from
  the valuation date), IRR (XIRR), payback, yield on cost, peak funding, minimum DSCR and implied rents.

Timing conventions (stated, because they move NPV):

- Month ``m`` is dated on the first day of the m-th month after construction start; every flow of that month
  (rent in advance, capex draws, debt service) is dated there. Discounting is Excel's XNPV/XIRR: actual/365
  from the valuation date.
- The lease commences when the first phase is ready for service (its month plus ``delay_months``); the term
  runs ``term_years`` (plus any renewals assumed exercised) from commencement. Rent steps up by
  ``escalator_per_year_frac`` at each anniversary of commencement.
- A delay shifts every phase's ready-for-service month, and so every rent, power, opex and debt-service
  flow, by the same number of months; capex is drawn on its original construction schedule (it is committed).
- The residual value (exit cap rate on the NOI of the last 12 lease months, less exit costs, floored at zero)
  is realised on the month after the lease ends, with the repayment of any debt still outstanding.
- Project debt is drawn pro rata with capex (loan-to-cost); interest accrues monthly in arrears at the
  nominal annual rate / 12, as lenders quote it (so the lender's periodic yield is exactly the stated rate),
  is capitalised until commencement and paid from then on with principal over the tenor (annuity, straight
  line or bullet).
- Tenant credit is either an annual default probability (expected-value: rent is weighted by the
  probability the tenant has not defaulted, power by the same) or a default month (deterministic); a backstop
  share of rent keeps being paid after default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._inputs import InputModel
from .errors import ErrorKind, HashleaseError
from .finance import xirr, xnpv
from .calendar import month_start_dates
from .returns import payback_month
from .units import HOURS_PER_DAY, KW_MONTHS_PER_MW_YEAR, KW_PER_MW, MONTHS_PER_YEAR

__all__ = ["Phase", "LeaseInputs", "LeaseSummary", "LeaseBatch", "lease_lines", "lease_schedule", "lease_summary", "lease_summaries", "lease_summary_list",
           "capex_weights", "lease_cash_flows"]

CapexCurve = Literal["straight_line", "s_curve", "front_loaded", "back_loaded"]

_CURVES = {
    "straight_line": lambda x: x,
    "s_curve": lambda x: 3 * x**2 - 2 * x**3,
    "front_loaded": lambda x: 1 - (1 - x) ** 2,
    "back_loaded": lambda x: x**2,
}


@lru_cache(maxsize=512)
def _named_curve(curve: str, construction_months: int) -> np.ndarray:
    x = np.arange(construction_months + 1) / construction_months
    return np.diff(_CURVES[curve](x))


def capex_weights(curve: CapexCurve | Sequence[float], construction_months: int) -> np.ndarray:
    """Share of total capex drawn in each construction month (sums to 1).

    Named curves are differences of a cumulative spend curve F over months m/M: straight line F(x) = x;
    S-curve F(x) = 3x^2 - 2x^3 (slow start and finish); front-loaded 1 - (1 - x)^2; back-loaded x^2. A list of
    weights, one per construction month, is used as given.

    Examples
    --------
    >>> capex_weights("straight_line", 4).tolist()
    [0.25, 0.25, 0.25, 0.25]
    >>> capex_weights("s_curve", 4).round(4).tolist()
    [0.1562, 0.3438, 0.3438, 0.1562]
    """
    if isinstance(curve, str):
        return _named_curve(curve, construction_months).copy()
    return np.asarray(curve, dtype=float)


class Phase(InputModel):
    """One hall or block of the ramp: critical IT MW ready for service in a month after construction start."""

    critical_it_mw: float = Field(gt=0, le=5_000, description="Critical IT load of the phase [MW]")
    ready_for_service_month: int = Field(ge=1, le=240, description="Months after construction start, before "
                                                                   "any delay [months]")


class LeaseInputs(InputModel):
    """Every assumption of one AI/HPC colocation lease. Field names carry units; fractions are 0.03 for 3%.

    Examples
    --------
    >>> inputs = LeaseInputs(critical_it_mw=100, pue=1.3, construction_start="2026-01-01",
    ...                      construction_months=12, capex_usd_per_mw=10e6, rent_usd_per_kw_month=130,
    ...                      term_years=15, escalator_per_year_frac=0.03)
    >>> inputs.site_mw_resolved
    130.0
    >>> LeaseInputs(**{**inputs.model_dump(), "term_years": 0})
    Traceback (most recent call last):
    ...
    hashlease.models.errors.HashleaseError: term_years must be >= 1, got 0
    """

    # site
    critical_it_mw: float = Field(gt=0, le=5_000, description="Critical IT load leased [MW]")
    pue: float | None = Field(None, ge=1, le=3, description="Site power over critical IT power [ratio]")
    site_mw: float | None = Field(None, gt=0, le=15_000, description="Site (utility) power; or give pue [MW]")
    # construction
    construction_start: dt.date = Field(description="First month of construction (flows dated on the 1st)")
    construction_months: int = Field(ge=1, le=120, description="Months over which capex is drawn [months]")
    capex_usd_per_mw: float = Field(gt=0, le=100e6, description="Conversion capex per MW of critical IT [USD/MW]")
    capex_curve: CapexCurve | tuple[float, ...] = Field("s_curve", description="Spend curve or monthly weights")
    delay_months: int = Field(0, ge=0, le=120, description="Delay to every ready-for-service date [months]")
    phases: tuple[Phase, ...] = Field((), description="Ramp; default one phase ready at construction end")
    # rent
    rent_usd_per_kw_month: float = Field(gt=0, le=10_000, description="Year-1 rent on critical IT [USD/kW-month]")
    free_rent_months: int = Field(0, ge=0, le=120, description="Rent-free months from commencement [months]")
    escalator_per_year_frac: float = Field(0.0, gt=-1, le=1, description="Step-up at each anniversary [fraction]")
    term_years: int = Field(ge=1, le=50, description="Initial term from commencement [years]")
    renewal_options: int = Field(0, ge=0, le=10, description="Renewal options held by the tenant [count]")
    renewal_term_years: int = Field(5, ge=1, le=25, description="Length of each renewal [years]")
    renewals_assumed: int = Field(0, ge=0, le=10, description="Renewals assumed exercised [count]")
    # structure and costs
    lease_structure: Literal["triple_net", "modified_gross", "noi_margin"] = Field(
        "triple_net", description="Who bears operating costs")
    landlord_opex_usd_per_kw_month: float = Field(0.0, ge=0, le=1_000, description=(
        "Landlord's unrecovered opex (modified gross; non-recoverable under triple net) [USD/kW-month]"))
    opex_escalator_per_year_frac: float = Field(0.0, gt=-1, le=1, description="Opex step-up per year [fraction]")
    noi_margin_frac: float | None = Field(None, gt=0, le=1, description="NOI over rent (noi_margin structure)")
    power_pass_through: bool = Field(True, description="Tenant reimburses the site's power cost")
    power_price_usd_per_kwh: float = Field(0.0, ge=0, le=10, description="Site power price [USD/kWh]")
    power_escalator_per_year_frac: float = Field(0.0, gt=-1, le=1, description="Power price step-up [fraction]")
    it_load_factor_frac: float = Field(0.8, gt=0, le=1, description="Average IT draw over critical IT [fraction]")
    # tenant credit
    default_probability_per_year_frac: float | None = Field(None, ge=0, lt=1, description=(
        "Annual probability of tenant default (expected-value) [fraction/year]"))
    default_month: int | None = Field(None, ge=0, le=1_200, description=(
        "Lease month (0 = commencement) from which the tenant pays nothing [months]"))
    backstop_share_frac: float = Field(0.0, ge=0, le=1, description="Share of rent a guarantor keeps paying")
    # residual
    exit_cap_rate_frac: float | None = Field(None, gt=0, le=1, description="Exit cap rate on last-year NOI")
    exit_cost_frac: float = Field(0.0, ge=0, lt=1, description="Selling costs as a share of the residual")
    # debt
    loan_to_cost_frac: float = Field(0.0, ge=0, lt=1, description="Debt drawn per USD of capex [fraction]")
    interest_rate_per_year_frac: float = Field(0.0, ge=0, le=1, description="Nominal annual rate, monthly")
    debt_tenor_years: int = Field(10, ge=1, le=50, description="Amortisation period from commencement [years]")
    amortisation: Literal["annuity", "straight_line", "bullet"] = Field("annuity", description="Repayment profile")
    debt_upfront_fee_frac: float = Field(0.0, ge=0, lt=0.2, description="Fees on the commitment, paid at close")
    # valuation
    valuation_date: dt.date | None = Field(None, description=(
        "Date NPVs are taken at; default the first day of the construction-start month"))
    discount_rate_per_year_frac: float = Field(0.08, gt=-1, le=1, description="Unlevered discount rate [fraction]")
    equity_discount_rate_per_year_frac: float | None = Field(None, gt=-1, le=1, description=(
        "Discount rate for levered flows; default the unlevered rate [fraction]"))

    @model_validator(mode="after")
    def _consistent(self) -> "LeaseInputs":
        if self.pue is None and self.site_mw is None:
            raise HashleaseError("pue", None, "given, or site_mw given (one sizes the other)", kind=ErrorKind.VALUE)
        if self.site_mw is not None:
            implied = self.site_mw / self.critical_it_mw
            if implied < 1:
                raise HashleaseError("site_mw", self.site_mw, f">= critical_it_mw ({self.critical_it_mw:g})")
            if self.pue is not None and abs(implied / self.pue - 1) > 1e-6:
                raise HashleaseError("site_mw", self.site_mw, f"critical_it_mw x pue = "
                                     f"{self.critical_it_mw * self.pue:g} when both are given")
        total = sum(p.critical_it_mw for p in self.phases)
        if self.phases and abs(total / self.critical_it_mw - 1) > 1e-9:
            raise HashleaseError("phases", f"{total:g} MW in total", f"adding up to critical_it_mw = "
                                 f"{self.critical_it_mw:g} MW")
        for i in range(1, len(self.phases)):
            before = self.phases[i - 1].ready_for_service_month
            if self.phases[i].ready_for_service_month < before:
                raise HashleaseError(f"phases[{i}].ready_for_service_month", self.phases[i].ready_for_service_month,
                                     f">= phases[{i - 1}].ready_for_service_month ({before}): phases in order")
        if not isinstance(self.capex_curve, str):
            weights = np.asarray(self.capex_curve)
            if len(weights) != self.construction_months:
                raise HashleaseError("capex_curve", f"{len(weights)} weights",
                                     f"one weight per construction month ({self.construction_months})", kind=ErrorKind.VALUE)
            if (weights < 0).any() or abs(weights.sum() - 1) > 1e-9:
                raise HashleaseError("capex_curve", list(self.capex_curve), "weights >= 0 summing to 1")
        if self.lease_structure == "noi_margin" and self.noi_margin_frac is None:
            raise HashleaseError("noi_margin_frac", None, "given when lease_structure is 'noi_margin'", kind=ErrorKind.VALUE)
        if self.lease_structure != "noi_margin" and self.noi_margin_frac is not None:
            raise HashleaseError("noi_margin_frac", self.noi_margin_frac,
                                 "left out unless lease_structure is 'noi_margin'", kind=ErrorKind.VALUE)
        if self.default_probability_per_year_frac is not None and self.default_month is not None:
            raise HashleaseError("default_month", self.default_month,
                                 "left out when default_probability_per_year_frac is given (one or the other)", kind=ErrorKind.VALUE)
        if self.renewals_assumed > self.renewal_options:
            raise HashleaseError("renewals_assumed", self.renewals_assumed,
                                 f"<= renewal_options ({self.renewal_options})")
        if self.free_rent_months >= self.term_months:
            raise HashleaseError("free_rent_months", self.free_rent_months,
                                 f"< the term in months ({self.term_months})")
        end = self.commencement_month + self.term_months
        for i, phase in enumerate(self.phases_resolved):
            if phase.ready_for_service_month + self.delay_months >= end:
                raise HashleaseError(f"phases[{i}].ready_for_service_month", phase.ready_for_service_month,
                                     f"before the lease ends (month {end - self.delay_months} less any delay)")
        if self.loan_to_cost_frac > 0 and self.commencement_month + 12 * self.debt_tenor_years <= \
                self.construction_months - 1:
            raise HashleaseError("debt_tenor_years", self.debt_tenor_years, "long enough to reach the last capex "
                                 f"draw (month {self.construction_months - 1}) from commencement (month "
                                 f"{self.commencement_month})")
        if self.valuation_date is not None and self.valuation_date > self.lease_end_date:
            raise HashleaseError("valuation_date", str(self.valuation_date),
                                 f"on or before the lease end ({self.lease_end_date})")
        return self

    # derived quantities, each stated once
    @property
    def site_mw_resolved(self) -> float:
        """Site power: ``site_mw`` if given, else critical IT x PUE. [MW]"""
        return self.site_mw if self.site_mw is not None else self.critical_it_mw * self.pue

    @property
    def pue_resolved(self) -> float:
        """Site power over critical IT power. [ratio]"""
        return self.site_mw_resolved / self.critical_it_mw

    @cached_property
    def phases_resolved(self) -> tuple[Phase, ...]:
        """The ramp: the phases given, or all MW ready at the end of construction."""
        # both values were validated as this lease's fields, within Phase's bounds: no second validation
        return self.phases or (Phase.model_construct(critical_it_mw=self.critical_it_mw,
                                                     ready_for_service_month=self.construction_months),)

    @property
    def commencement_month(self) -> int:
        """Month (from construction start) the first phase is ready for service, delay included."""
        return self.phases_resolved[0].ready_for_service_month + self.delay_months

    @property
    def term_months(self) -> int:
        """Initial term plus renewals assumed exercised. [months]"""
        return 12 * (self.term_years + self.renewals_assumed * self.renewal_term_years)

    @property
    def start_month(self) -> np.datetime64:
        return np.datetime64(self.construction_start, "M")

    @property
    def lease_end_date(self) -> dt.date:
        """First day after the lease (the month the residual is realised)."""
        return (self.start_month + self.commencement_month + self.term_months).astype("datetime64[D]").item()


# ------------------------------------------------------------------------------------------------------
# The kernel: many leases at once, months along the last axis.
# ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeaseBatch:
    """LeaseInputs stacked into arrays for the vectorised kernel: scalars of shape (S,), phases (S, P).

    Build it once from validated inputs with :meth:`of`; :meth:`take` gathers rows (one lease valued for many
    scenarios) and :meth:`with_rent` moves every lease's year-1 rent (the rent break-even), without building
    new input objects.
    """

    fields: dict[str, np.ndarray]
    phase_mw: np.ndarray
    phase_month: np.ndarray
    capex_weights: np.ndarray  # (S, Cmax)
    horizon_months: int

    @classmethod
    def of(cls, inputs: Sequence[LeaseInputs]) -> "LeaseBatch":
        names = ["critical_it_mw", "construction_months", "capex_usd_per_mw", "delay_months",
                 "rent_usd_per_kw_month", "free_rent_months", "escalator_per_year_frac", "landlord_opex_usd_per_kw_month",
                 "opex_escalator_per_year_frac", "power_price_usd_per_kwh", "power_escalator_per_year_frac",
                 "it_load_factor_frac", "backstop_share_frac", "exit_cost_frac", "loan_to_cost_frac",
                 "interest_rate_per_year_frac", "debt_tenor_years", "debt_upfront_fee_frac",
                 "discount_rate_per_year_frac"]
        fields = {name: np.array([getattr(x, name) for x in inputs], dtype=float) for name in names}
        fields["pue"] = np.array([x.pue_resolved for x in inputs])
        fields["term_months"] = np.array([x.term_months for x in inputs], dtype=float)
        fields["commencement_month"] = np.array([x.commencement_month for x in inputs], dtype=float)
        fields["noi_margin_frac"] = np.array([x.noi_margin_frac if x.lease_structure == "noi_margin" else np.nan
                                              for x in inputs])
        fields["opex_applies"] = np.array([x.lease_structure != "noi_margin" for x in inputs], dtype=float)
        fields["pass_through"] = np.array([x.power_pass_through for x in inputs], dtype=float)
        fields["default_pd"] = np.array([x.default_probability_per_year_frac or 0.0 for x in inputs])
        fields["default_month"] = np.array([np.inf if x.default_month is None else x.default_month
                                            for x in inputs])
        fields["exit_cap"] = np.array([x.exit_cap_rate_frac or np.nan for x in inputs])
        fields["equity_rate"] = np.array([x.equity_discount_rate_per_year_frac
                                          if x.equity_discount_rate_per_year_frac is not None
                                          else x.discount_rate_per_year_frac for x in inputs])
        fields["amortisation"] = np.array([("annuity", "straight_line", "bullet").index(x.amortisation)
                                           for x in inputs])
        count = max(len(x.phases_resolved) for x in inputs)
        phase_mw = np.zeros((len(inputs), count))
        phase_month = np.zeros((len(inputs), count))
        for i, x in enumerate(inputs):
            for j, p in enumerate(x.phases_resolved):
                phase_mw[i, j], phase_month[i, j] = p.critical_it_mw, p.ready_for_service_month
        months = max(x.construction_months for x in inputs)
        weights = np.zeros((len(inputs), months))
        curves: dict[tuple, list[int]] = {}
        for i, x in enumerate(inputs):
            curves.setdefault((x.capex_curve, x.construction_months), []).append(i)
        for (curve, length), rows in curves.items():
            weights[rows, :length] = capex_weights(curve, length)
        return cls(fields, phase_mw, phase_month, weights, _horizon(fields, months))

    @property
    def rows_used(self) -> np.ndarray:
        """Months each lease runs, from construction start to the month after it ends (residual). [months]"""
        return (self.fields["commencement_month"] + self.fields["term_months"] + 1).astype(int)

    def take(self, index: np.ndarray) -> "LeaseBatch":
        """The leases at ``index`` (repeats allowed), as a batch."""
        fields = {name: value[index] for name, value in self.fields.items()}
        return LeaseBatch(fields, self.phase_mw[index], self.phase_month[index], self.capex_weights[index],
                          _horizon(fields, self.capex_weights.shape[1]))

    def with_rent(self, rent_usd_per_kw_month: np.ndarray) -> "LeaseBatch":
        """The same leases at other year-1 rents, one per lease. [USD/kW-month]"""
        fields = dict(self.fields)
        fields["rent_usd_per_kw_month"] = np.broadcast_to(np.asarray(rent_usd_per_kw_month, dtype=float),
                                                          fields["rent_usd_per_kw_month"].shape)
        return LeaseBatch(fields, self.phase_mw, self.phase_month, self.capex_weights, self.horizon_months)


def _horizon(fields: dict[str, np.ndarray], construction_months: int) -> int:
    ends = fields["commencement_month"] + fields["term_months"] + 1
    return max(int(ends.max()) if ends.size else 0, construction_months)


def _month_dates(inputs: Sequence[LeaseInputs], horizon: int) -> np.ndarray:
    """Month-start dates of each lease from its construction start, (leases, horizon)."""
    grids = {start: month_start_dates(start, horizon) for start in {x.construction_start for x in inputs}}
    return np.stack([grids[x.construction_start] for x in inputs])


def lease_lines(batch: LeaseBatch, dates: np.ndarray, *, levered: bool = True) -> dict[str, np.ndarray]:
    """Monthly lines of every lease in the batch, each (S, M), on month-start ``dates`` (S or 1, M).

    With ``levered=False`` the debt lines and levered flows are left out (the unlevered lines do not depend on
    them), which is what the mine-or-lease comparison values.
    """
    f = batch.fields
    col = {name: value[:, None] for name, value in f.items()}
    S, M = batch.fields["critical_it_mw"].shape[0], dates.shape[-1]
    m = np.arange(M)[None, :].astype(float)
    k = m - col["commencement_month"]                      # lease month, < 0 before commencement
    lease_end = col["commencement_month"] + col["term_months"]
    in_term = (k >= 0) & (m < lease_end)
    lease_year = np.where(k >= 0, np.floor(np.maximum(k, 0) / 12), np.nan)
    year_index = np.nan_to_num(lease_year)

    online_mw = np.zeros((S, M))
    for j in range(batch.phase_mw.shape[1]):
        ready = batch.phase_month[:, j:j + 1] + col["delay_months"]
        online_mw += batch.phase_mw[:, j:j + 1] * (m >= ready)
    online_mw *= in_term
    online_kw = online_mw * KW_PER_MW

    rent_rate = col["rent_usd_per_kw_month"] * (1.0 + col["escalator_per_year_frac"]) ** year_index
    base_rent = online_kw * rent_rate
    free_rent = np.where(k < col["free_rent_months"], -base_rent, 0.0)
    contracted = base_rent + free_rent
    survival = np.where(k >= 0, (1.0 - col["default_pd"]) ** (np.maximum(k, 0) / 12.0), 1.0)
    survival = survival * np.where(k >= col["default_month"], 0.0, 1.0)
    paid_share = col["backstop_share_frac"] + (1.0 - col["backstop_share_frac"]) * survival
    credit_loss = contracted * (paid_share - 1.0) + 0.0  # + 0.0: no negative zeros in the table
    rent_revenue = contracted + credit_loss

    next_month = (dates.astype("datetime64[M]") + 1).astype("datetime64[D]")
    hours = (next_month - dates).astype(float) * HOURS_PER_DAY
    power_price = col["power_price_usd_per_kwh"] * (1.0 + col["power_escalator_per_year_frac"]) ** np.floor(m / 12)
    energy_kwh = online_kw * col["pue"] * col["it_load_factor_frac"] * hours * survival
    power_cost = energy_kwh * power_price
    power_revenue = power_cost * col["pass_through"]

    opex_rate = col["landlord_opex_usd_per_kw_month"] * (1.0 + col["opex_escalator_per_year_frac"]) ** year_index
    opex = np.where(col["opex_applies"] > 0, online_kw * opex_rate,
                    np.nan_to_num((1.0 - col["noi_margin_frac"]) * rent_revenue))
    noi = rent_revenue + power_revenue - power_cost - opex

    total_capex = col["capex_usd_per_mw"] * col["critical_it_mw"]
    capex = np.zeros((S, M))
    width = batch.capex_weights.shape[1]
    capex[:, :width] = total_capex * batch.capex_weights

    # residual: exit cap on the last 12 lease months' NOI, realised the month after the lease ends
    last_year = (m >= lease_end - 12) & (m < lease_end)
    final_noi = np.sum(noi * last_year, axis=1, keepdims=True)
    # a building whose NOI is negative is not sold for a negative price: its residual is floored at zero
    exit_value = np.maximum(np.nan_to_num(final_noi / col["exit_cap"]), 0.0) * (1.0 - col["exit_cost_frac"])
    at_end = m == lease_end
    residual = exit_value * at_end
    unlevered = noi - capex + residual
    if not levered:
        return {"critical_it_mw_online": online_mw, "rent_revenue_usd": rent_revenue, "noi_usd": noi,
                "capex_usd": capex, "residual_value_usd": residual, "unlevered_cash_flow_usd": unlevered}

    debt = _debt(col, capex, noi, m, k, lease_end)
    levered = unlevered + debt["debt_draw_usd"] - debt["debt_fees_usd"] - debt["interest_paid_usd"] \
        - debt["principal_usd"]

    return {
        "critical_it_mw_online": online_mw, "lease_month": np.where(in_term, k, np.nan),
        "lease_year": np.where(in_term, lease_year + 1, np.nan),
        "rent_usd_per_kw_month": np.where(in_term, rent_rate, np.nan),
        "base_rent_usd": base_rent, "free_rent_usd": free_rent, "credit_loss_usd": credit_loss,
        "rent_revenue_usd": rent_revenue, "power_revenue_usd": power_revenue, "power_cost_usd": power_cost,
        "landlord_opex_usd": opex, "noi_usd": noi, "capex_usd": capex, "residual_value_usd": residual,
        "unlevered_cash_flow_usd": unlevered, **debt, "levered_cash_flow_usd": levered,
        "cumulative_unlevered_usd": np.cumsum(unlevered, axis=1),
        "cumulative_levered_usd": np.cumsum(levered, axis=1),
        "_in_term": in_term, "_lease_end": lease_end,
    }


def _debt(col, capex, noi, m, k, lease_end) -> dict[str, np.ndarray]:
    """Project debt month by month, in arrears at the stated rate.

    The balance carried into month m accrues one month's interest (rate / 12), due on month m's date:
    capitalised before commencement, paid in cash from commencement. Repayment starts at commencement:
    ``remaining`` = payments left including this one (annuity: the level payment on the carried balance;
    straight line: balance / remaining; bullet: all at the last). This month's draw is added after the
    payment. Whatever is left at the lease end (the residual month) is repaid there as a balloon.
    """
    S, M = capex.shape
    i = col["interest_rate_per_year_frac"][:, 0] / 12.0
    tenor = 12.0 * col["debt_tenor_years"][:, 0]
    commencement = col["commencement_month"][:, 0]
    end = lease_end[:, 0]
    kind = col["amortisation"][:, 0]
    draws = col["loan_to_cost_frac"] * capex
    commitment = col["loan_to_cost_frac"][:, 0] * capex.sum(axis=1)
    fees = np.zeros((S, M))
    fees[:, 0] = col["debt_upfront_fee_frac"][:, 0] * commitment
    interest_paid = np.zeros((S, M))
    interest_capitalised = np.zeros((S, M))
    scheduled = np.zeros((S, M))
    balloon = np.zeros((S, M))
    balance_end = np.zeros((S, M))
    balance = np.zeros(S)
    for month in range(M):
        interest = balance * i
        building = month < commencement
        remaining = commencement + tenor - month
        repaying = ~building & (remaining >= 1) & (month <= end)
        with np.errstate(divide="ignore", invalid="ignore"):
            annuity_payment = np.where(i > 0, balance * i / -np.expm1(-remaining * np.log1p(i)), balance / remaining)
            principal = np.select([kind == 0, kind == 1], [annuity_payment - interest, balance / remaining],
                                  np.where(remaining <= 1, balance, 0.0))
        principal = np.where(repaying, np.clip(principal, 0.0, balance), 0.0)
        interest_capitalised[:, month] = np.where(building, interest, 0.0)
        interest_paid[:, month] = np.where(building, 0.0, interest)
        scheduled[:, month] = principal
        balance = np.where(building, balance + interest, balance - principal) + draws[:, month]
        last = month >= end
        balloon[:, month] = np.where(last, balance, 0.0)
        balance = np.where(last, 0.0, balance)
        balance_end[:, month] = balance
    return {"debt_draw_usd": draws, "debt_fees_usd": fees, "interest_paid_usd": interest_paid,
            "interest_capitalised_usd": interest_capitalised, "principal_usd": scheduled + balloon,
            "scheduled_principal_usd": scheduled, "balloon_repayment_usd": balloon,
            "debt_balance_usd": balance_end, "debt_service_usd": interest_paid + scheduled}


# ------------------------------------------------------------------------------------------------------
# Public entry points
# ------------------------------------------------------------------------------------------------------

SCHEDULE_COLUMNS = [
    "critical_it_mw_online", "lease_month", "lease_year", "rent_usd_per_kw_month", "base_rent_usd",
    "free_rent_usd", "credit_loss_usd", "rent_revenue_usd", "power_revenue_usd", "power_cost_usd",
    "landlord_opex_usd", "noi_usd", "capex_usd", "residual_value_usd", "unlevered_cash_flow_usd",
    "debt_draw_usd", "debt_fees_usd", "interest_capitalised_usd", "interest_paid_usd", "scheduled_principal_usd",
    "balloon_repayment_usd", "principal_usd", "debt_service_usd", "debt_balance_usd", "levered_cash_flow_usd",
    "cumulative_unlevered_usd", "cumulative_levered_usd",
]


def lease_cash_flows(inputs: Sequence[LeaseInputs], months: int) -> dict[str, np.ndarray]:
    """Monthly lines of many leases over the first ``months`` months from construction start, (leases, months).

    Months past a lease's end hold zeros; a lease longer than ``months`` is cut there (its later flows,
    residual included, fall outside). The leases must share the construction-start month.

    Examples
    --------
    >>> base = dict(critical_it_mw=10, pue=1.3, construction_start="2026-01-01", construction_months=6,
    ...             capex_usd_per_mw=10e6, rent_usd_per_kw_month=130, term_years=10)
    >>> lines = lease_cash_flows([LeaseInputs(**base), LeaseInputs(**base, delay_months=3)], 24)
    >>> lines["rent_revenue_usd"].shape, float(lines["rent_revenue_usd"][1, 8]), float(lines["rent_revenue_usd"][1, 9])
    ((2, 24), 0.0, 1300000.0)
    """
    inputs = list(inputs)
    starts = {x.start_month for x in inputs}
    if len(starts) != 1:
        raise HashleaseError("construction_start", sorted(str(x) for x in starts), "one month for every lease")
    batch = LeaseBatch.of(inputs)
    horizon = max(batch.horizon_months, months)
    lines = lease_lines(batch, _month_dates(inputs, horizon))
    rows = np.array([_rows(x) for x in inputs])[:, None]
    live = np.arange(months)[None, :] < rows
    return {name: np.where(live, lines[name][:, :months], 0.0) for name in SCHEDULE_COLUMNS
            if not name.startswith("cumulative")}


def _rows(inputs: LeaseInputs) -> int:
    return inputs.commencement_month + inputs.term_months + 1


def lease_schedule(inputs: LeaseInputs) -> pd.DataFrame:
    """The lease's monthly schedule: one row per month, dated on the 1st, columns named with units.

    Rows run from the construction-start month to the month after the lease ends (the residual and any
    outstanding debt are settled there). Flows are in USD per month; cash out is negative.

    Examples
    --------
    >>> inputs = LeaseInputs(critical_it_mw=10, pue=1.3, construction_start="2026-01-01", construction_months=6,
    ...                      capex_usd_per_mw=10e6, rent_usd_per_kw_month=130, term_years=10)
    >>> table = lease_schedule(inputs)
    >>> str(table.index[0].date()), str(table.index[-1].date()), len(table)
    ('2026-01-01', '2036-07-01', 127)
    >>> round(table["capex_usd"].sum()), round(table.loc["2026-07-01", "rent_revenue_usd"])
    (100000000, 1300000)
    """
    batch = LeaseBatch.of([inputs])
    dates = _month_dates([inputs], batch.horizon_months)
    lines = lease_lines(batch, dates)
    rows = _rows(inputs)
    frame = pd.DataFrame({name: lines[name][0, :rows] for name in SCHEDULE_COLUMNS},
                         index=pd.DatetimeIndex(dates[0, :rows], name="date"))
    frame.insert(0, "month_index", np.arange(rows))
    return frame


class LeaseSummary(BaseModel):
    """Valuation of one lease. Money in USD; rates as fractions per year; months from construction start."""

    model_config = ConfigDict(frozen=True)

    valuation_date: dt.date
    unlevered_npv_usd: float
    levered_npv_usd: float
    unlevered_irr_per_year_frac: float | None
    levered_irr_per_year_frac: float | None
    payback_month: int | None
    payback_date: dt.date | None
    yield_on_cost_frac: float
    total_capex_usd: float
    peak_unlevered_funding_usd: float
    peak_equity_funding_usd: float
    min_dscr: float | None
    total_contracted_rent_usd: float
    implied_flat_rent_usd_per_kw_month: float
    implied_flat_rent_usd_per_mw_year: float
    year_one_rent_usd_per_kw_month: float
    year_one_rent_usd_per_mw_year: float
    notes: tuple[str, ...] = ()


SUMMARY_COLUMNS = list(LeaseSummary.model_fields)


def lease_summary(inputs: LeaseInputs) -> LeaseSummary:
    """Valuation of one lease: NPV, IRR, payback, yield on cost, peak funding, DSCR and implied rents.

    Examples
    --------
    >>> inputs = LeaseInputs(critical_it_mw=245, pue=1.35, construction_start="2026-01-01",
    ...                      construction_months=18, capex_usd_per_mw=10e6, rent_usd_per_kw_month=128.02,
    ...                      escalator_per_year_frac=0.03, term_years=15)
    >>> s = lease_summary(inputs)
    >>> round(s.total_contracted_rent_usd / 1e9, 3), round(s.implied_flat_rent_usd_per_kw_month, 2)
    (7.0, 158.74)
    >>> round(s.year_one_rent_usd_per_kw_month, 2), round(s.unlevered_irr_per_year_frac, 4)
    (128.02, 0.1497)
    """
    return lease_summary_list([inputs])[0]


def lease_summary_list(inputs: Sequence[LeaseInputs]) -> list[LeaseSummary]:
    """:func:`lease_summary` of many leases from one vectorised pass (:func:`lease_summaries`), in order.

    Examples
    --------
    >>> base = dict(critical_it_mw=100, pue=1.3, construction_start="2026-01-01", construction_months=12,
    ...             capex_usd_per_mw=10e6, rent_usd_per_kw_month=130, term_years=15)
    >>> leases = [LeaseInputs(**base, delay_months=d) for d in (0, 6)]
    >>> lease_summary_list(leases)[1] == lease_summary(leases[1])
    True
    """
    return [LeaseSummary(**{key: None if isinstance(value, float) and np.isnan(value) else value
                            for key, value in row.items()})
            for row in lease_summaries(inputs).to_dict("records")]


def lease_summaries(inputs: Sequence[LeaseInputs]) -> pd.DataFrame:
    """Valuations of many leases at once (one vectorised pass), one row per input set.

    Columns are the fields of :class:`LeaseSummary`. An IRR that does not exist (no sign change, no root) is
    left empty and the reason is given in ``notes``.

    Examples
    --------
    >>> base = dict(critical_it_mw=100, pue=1.3, construction_start="2026-01-01", construction_months=12,
    ...             capex_usd_per_mw=10e6, rent_usd_per_kw_month=130, term_years=15)
    >>> table = lease_summaries([LeaseInputs(**base, delay_months=d) for d in (0, 6, 12)])
    >>> (table["unlevered_npv_usd"].diff().dropna() < 0).all()  # every month of delay costs value
    np.True_
    """
    inputs = list(inputs)
    if not inputs:
        raise HashleaseError("inputs", "[]", "at least one LeaseInputs", kind=ErrorKind.VALUE)
    for i, item in enumerate(inputs):
        if not isinstance(item, LeaseInputs):
            raise HashleaseError(f"inputs[{i}]", type(item).__name__, "a LeaseInputs", kind=ErrorKind.VALUE)
    batch = LeaseBatch.of(inputs)
    dates = _month_dates(inputs, batch.horizon_months)
    lines = lease_lines(batch, dates)
    S, M = dates.shape
    f = batch.fields
    rows = np.array([_rows(x) for x in inputs])
    live = np.arange(M)[None, :] < rows[:, None]
    valuation = np.array([np.datetime64(x.valuation_date, "D") if x.valuation_date else
                          x.start_month.astype("datetime64[D]") for x in inputs])
    all_dates = np.concatenate([valuation[:, None], dates], axis=1)
    notes: list[list[str]] = [[] for _ in range(S)]

    def pv(flows: np.ndarray, rate: np.ndarray) -> np.ndarray:
        padded = np.concatenate([np.zeros((S, 1)), np.where(live, flows, 0.0)], axis=1)
        return xnpv(rate, padded, all_dates)

    def rate_of_return(flows: np.ndarray, label: str) -> list[float | None]:
        # one vectorised XIRR over every lease (months past a lease's end hold zero flows, which change
        # nothing); if any lease has no IRR, solve them one by one to say which and why
        padded = np.where(live, flows, 0.0)
        try:
            return [float(x) for x in np.atleast_1d(xirr(padded, dates))]
        except HashleaseError:
            pass
        out: list[float | None] = []
        for s in range(S):
            try:
                out.append(float(xirr(flows[s, :rows[s]], dates[s, :rows[s]])))
            except HashleaseError as exc:
                out.append(None)
                notes[s].append(f"{label} IRR: {exc}")
        return out

    unlevered = lines["unlevered_cash_flow_usd"]
    levered = lines["levered_cash_flow_usd"]
    cumulative = np.where(live, lines["cumulative_unlevered_usd"], np.nan)
    payback = payback_month(np.where(live, unlevered, 0.0))

    total_capex = f["capex_usd_per_mw"] * f["critical_it_mw"]
    # stabilised year: 12 months from the later of the last phase ready and the end of free rent
    last_ready = batch.phase_month.max(axis=1) + f["delay_months"]
    stabilised_start = np.maximum(last_ready, f["commencement_month"] + f["free_rent_months"])
    m = np.arange(M)[None, :]
    window = (m >= stabilised_start[:, None]) & (m < stabilised_start[:, None] + 12) & lines["_in_term"]
    stabilised_noi = np.sum(lines["noi_usd"] * window, axis=1)

    in_term = lines["_in_term"]
    contracted = lines["base_rent_usd"] + lines["free_rent_usd"]
    total_rent = np.sum(contracted * in_term, axis=1)
    kw = f["critical_it_mw"] * KW_PER_MW
    flat = total_rent / (kw * f["term_months"])
    first_year = in_term & (lines["lease_year"] == 1)
    year_one = np.sum(contracted * first_year, axis=1) / (kw * 12.0)

    # minimum DSCR over lease years: NOI / scheduled debt service, summed by lease year (balloons excluded)
    years = np.where(in_term, np.nan_to_num(lines["lease_year"]), 0).astype(np.int64)
    width = int(years.max()) + 1
    keys = (np.arange(S)[:, None] * width + years).ravel()

    def by_year(x: np.ndarray) -> np.ndarray:
        sums = np.bincount(keys, weights=np.where(in_term, x, 0.0).ravel(), minlength=S * width)
        return sums.reshape(S, width)[:, 1:]

    service, noi_by_year = by_year(lines["debt_service_usd"]), by_year(lines["noi_usd"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(service > 0, noi_by_year / service, np.inf)
    lowest = ratios.min(axis=1)
    dscr = [float(x) if np.isfinite(x) else None for x in lowest]

    frame = pd.DataFrame({
        "valuation_date": [v.item() for v in valuation],
        "unlevered_npv_usd": pv(unlevered, f["discount_rate_per_year_frac"]),
        "levered_npv_usd": pv(levered, f["equity_rate"]),
        "unlevered_irr_per_year_frac": rate_of_return(unlevered, "unlevered"),
        "levered_irr_per_year_frac": rate_of_return(levered, "levered"),
        "payback_month": [int(p) if np.isfinite(p) else None for p in payback.month],
        "payback_date": [dates[s, int(p)].item() if np.isfinite(p) else None for s, p in enumerate(payback.month)],
        "yield_on_cost_frac": stabilised_noi / total_capex,
        "total_capex_usd": total_capex,
        "peak_unlevered_funding_usd": np.maximum(0.0, -np.nanmin(cumulative, axis=1)),
        "peak_equity_funding_usd": np.maximum(0.0, -np.min(np.where(live, lines["cumulative_levered_usd"], 0.0),
                                                            axis=1)),
        "min_dscr": dscr,
        "total_contracted_rent_usd": total_rent,
        "implied_flat_rent_usd_per_kw_month": flat,
        "implied_flat_rent_usd_per_mw_year": flat * KW_MONTHS_PER_MW_YEAR,
        "year_one_rent_usd_per_kw_month": year_one,
        "year_one_rent_usd_per_mw_year": year_one * KW_MONTHS_PER_MW_YEAR,
    })
    for s, why in enumerate(payback.reason):
        if why:
            notes[s].append(f"payback: {why}")
    frame["notes"] = [tuple(n) for n in notes]
    return frame
