r"""One site, two options: the inputs of the mine-or-lease comparison, and inputs changed by name.

Both options start on the first day of the lease's construction-start month (the market projection must start
that month) and run for the same horizon (default: to the month after the lease ends, when its residual is
realised). Inputs are named by dotted path, as scenario files and the workbook name them:
``market.btc_price_usd``, ``mining.power_price_usd_per_kwh``, ``lease.rent_usd_per_kw_month``,
``discount_rate_per_year_frac``.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property, lru_cache
from typing import Any, Iterable

import numpy as np
from pydantic import Field, ValidationError, model_validator

from ._inputs import InputModel
from ._validate import error_from_validation
from .errors import ErrorKind, HashleaseError
from .lease import LeaseInputs
from .mining_site import MiningSiteInputs
from .projection import MarketProjection

__all__ = ["SiteComparisonInputs", "example_comparison", "input_value", "with_input", "with_inputs", "with_fields",
           "BLOCKS"]

#: Longest comparison: 100 years of months, the bound of ``horizon_months`` and of a market projection.
MAX_HORIZON_MONTHS = 1_200

#: The blocks of a comparison that hold inputs of their own, by the name used in dotted paths.
BLOCKS = ("market", "mining", "lease")


class SiteComparisonInputs(InputModel):
    """One site, two options: the market, the mining site, the lease, and how to value them.

    Examples
    --------
    >>> inputs = example_comparison()
    >>> inputs.horizon, str(inputs.start)
    (133, '2026-01-01')
    """

    market: MarketProjection
    mining: MiningSiteInputs
    lease: LeaseInputs
    horizon_months: int | None = Field(None, ge=1, le=MAX_HORIZON_MONTHS, description="Months compared; default to the "
                                                                          "month after the lease ends")
    discount_rate_per_year_frac: float = Field(0.10, gt=-1, le=1, description="Rate for both options")
    valuation_date: dt.date | None = Field(None, description="Date both NPVs are taken at; default the start")
    sell_fleet_at_conversion: bool = Field(True, description="Lease option sells the fleet in month 0")

    @model_validator(mode="after")
    def _same_site(self) -> "SiteComparisonInputs":
        if np.datetime64(self.market.start, "M") != self.lease.start_month:
            raise HashleaseError("market.start", str(self.market.start), f"in the month of lease.construction_start "
                                 f"({self.lease.construction_start})")
        if self.horizon_months is not None and self.horizon_months < self.lease.construction_months:
            raise HashleaseError("horizon_months", self.horizon_months, f">= lease.construction_months "
                                 f"({self.lease.construction_months}): the horizon must cover construction")
        lease_end = self.lease.commencement_month + self.lease.term_months + 1
        if self.horizon_months is not None and self.horizon_months < lease_end:
            raise HashleaseError("horizon_months", self.horizon_months, f">= {lease_end}, the month after the "
                                 "lease ends (its residual and any debt are settled there): both options are "
                                 "valued over the same whole life")
        if self.horizon_months is None and self.horizon > MAX_HORIZON_MONTHS:
            raise HashleaseError("lease.renewals_assumed", self.lease.renewals_assumed, f"renewals that keep the "
                                 f"lease within {MAX_HORIZON_MONTHS:,} months from construction start (it runs "
                                 f"{self.horizon:,}): the comparison projects the market over the whole life")
        growth = self.market.difficulty_growth_per_month_frac or 0.0
        if growth < 0 and self.market.difficulty * (1.0 + growth) ** self.horizon < 1.0:
            raise HashleaseError("market.difficulty_growth_per_month_frac", growth, "a decline that keeps difficulty "
                                 f">= 1 (its floor) over the {self.horizon} months compared")
        for name in ("hashrate_path_eh_s", "btc_price_path_usd", "fees_path_btc_per_block"):
            path = getattr(self.market, name)
            if path is not None and len(path) < self.horizon:
                raise HashleaseError(f"market.{name}", f"{len(path)} values", f"one per month of the horizon "
                                     f"({self.horizon})", kind=ErrorKind.VALUE)
        return self

    @cached_property
    def horizon(self) -> int:
        """Months compared. [months]"""
        return self.horizon_months or self.lease.commencement_month + self.lease.term_months + 1

    @cached_property
    def start(self) -> dt.date:
        """First day of the first month compared (the lease's construction-start month)."""
        return self.lease.start_month.astype("datetime64[D]").item()


def example_comparison(**overrides: Any) -> SiteComparisonInputs:
    """A worked example: a 100 MW site of S21s at $0.04/kWh against a 75 MW critical IT lease at $130.

    Keyword arguments override the example's blocks (``market=``, ``mining=``, ``lease=`` merge into them).

    Examples
    --------
    >>> example_comparison(lease={"rent_usd_per_kw_month": 150}).lease.rent_usd_per_kw_month
    150.0
    """
    base = dict(
        market=dict(start="2026-01-01", months=133, difficulty=108.52e12, block_height=935_000,
                    btc_price_usd=93_450, fees_btc_per_block=0.0931, difficulty_growth_per_month_frac=0.02,
                    btc_price_growth_per_year_frac=0.15),
        mining=dict(site_mw=100, pue=1.1, power_price_usd_per_kwh=0.04, uptime_frac=0.97, pool_fee_frac=0.02,
                    opex_usd_per_mw_month=8_000, fleet=[{"model": "Antminer S21", "units": 25_000}],
                    refresh_every_years=4, refresh_capex_usd_per_th_s=15, refresh_efficiency_gain_frac=0.2,
                    salvage_usd_per_th_s=3),
        lease=dict(critical_it_mw=75, site_mw=100, construction_start="2026-01-01", construction_months=12,
                   capex_usd_per_mw=10e6, rent_usd_per_kw_month=130, escalator_per_year_frac=0.03, term_years=10,
                   lease_structure="modified_gross", landlord_opex_usd_per_kw_month=10,
                   power_price_usd_per_kwh=0.04),
        discount_rate_per_year_frac=0.10)
    for key, value in overrides.items():
        if key in BLOCKS:
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return SiteComparisonInputs(**base)


@lru_cache(maxsize=4096)
def _split(path: str) -> tuple[str, str]:
    """(block, field) of a dotted input name, or ("", field) for a comparison-level input; refused if unknown."""
    head, _, rest = path.partition(".")
    fields = SiteComparisonInputs.model_fields
    if not rest and head in fields and head not in BLOCKS:
        return "", head
    if rest and head in BLOCKS:
        model = fields[head].annotation
        if rest in model.model_fields:
            return head, rest
        raise HashleaseError("input", path, f"a field of {head}: " + ", ".join(model.model_fields), kind=ErrorKind.VALUE)
    top = [name for name in fields if name not in BLOCKS]
    raise HashleaseError("input", path, "a dotted input: market.<field>, mining.<field>, lease.<field>, or one of "
                         + ", ".join(top), kind=ErrorKind.VALUE)


def input_value(inputs: SiteComparisonInputs, path: str) -> Any:
    """The value of one input, by dotted path; an unknown path is refused with the accepted names.

    Examples
    --------
    >>> input_value(example_comparison(), "lease.rent_usd_per_kw_month")
    130.0
    """
    if not isinstance(path, str):
        raise HashleaseError("input", path, "a dotted input name such as 'market.btc_price_usd'",
                             kind=ErrorKind.VALUE)
    block, field = _split(path)
    return getattr(getattr(inputs, block) if block else inputs, field)


def with_input(inputs: SiteComparisonInputs, path: str, value: Any) -> SiteComparisonInputs:
    """A copy with one input changed, by dotted path ("market.btc_price_usd", "discount_rate_per_year_frac").

    Examples
    --------
    >>> with_input(example_comparison(), "lease.rent_usd_per_kw_month", 150).lease.rent_usd_per_kw_month
    150.0
    """
    return with_inputs(inputs, [(path, value)])


def with_inputs(inputs: SiteComparisonInputs, changes: Iterable[tuple[str, Any]]) -> SiteComparisonInputs:
    """A copy with several inputs changed by dotted path, validated once as a whole.

    Only what changed is validated: each changed field against its own bounds, then the cross-field rules of
    each block it touched and of the comparison. Related inputs may move together (a start date in two blocks):
    the rules are judged on the final inputs, never on a half-changed state. An input named twice is refused.

    Examples
    --------
    >>> base = example_comparison()
    >>> moved = with_inputs(base, [("market.btc_price_usd", 120_000), ("lease.rent_usd_per_kw_month", 150)])
    >>> moved.market.btc_price_usd, moved.lease.rent_usd_per_kw_month, moved.mining is base.mining
    (120000.0, 150.0, True)
    >>> with_inputs(base, [("lease.term_years", 0)])
    Traceback (most recent call last):
    ...
    hashlease.models.errors.HashleaseError: lease.term_years must be >= 1, got 0
    """
    by_block: dict[str, dict[str, Any]] = {}
    for path, value in changes:
        if not isinstance(path, str):
            raise HashleaseError("input", path, "a dotted input name such as 'market.btc_price_usd'", kind=ErrorKind.VALUE)
        block, field = _split(path)
        target = by_block.setdefault(block, {})
        if field in target:
            raise HashleaseError("input", path, "named once per scenario", kind=ErrorKind.VALUE)
        target[field] = value
    if not by_block:
        return inputs
    blocks = {}
    for block, fields in by_block.items():
        if block:
            try:
                blocks[block] = _changed(getattr(inputs, block), fields)
            except HashleaseError as exc:
                raise _within(exc, block) from None
    return _changed(inputs, {**blocks, **by_block.get("", {})})


@lru_cache(maxsize=None)
def _annotations(model_type: type[InputModel]) -> dict[str, Any]:
    return {name: info.annotation for name, info in model_type.model_fields.items()}


def _changed(model: InputModel, changes: dict[str, Any]) -> InputModel:
    """``model`` with ``changes``: each validated on assignment (field rules, then the model's cross-field rules);
    where a cross-field rule fails on a half-changed state, the final state is validated whole and decides.

    Values that are already validated input blocks (a ``market``, ``mining`` or ``lease``) are put in place
    first without validating them again; the cross-field rules then run once, on the last assignment.
    """
    model_type = type(model)
    validator = model_type.__pydantic_validator__
    annotations = _annotations(model_type)
    blocks = {k: v for k, v in changes.items() if isinstance(v, InputModel) and type(v) is annotations.get(k)}
    fields = {k: v for k, v in changes.items() if k not in blocks}
    copy = model.model_copy(update=blocks)
    if not fields:  # re-run the cross-field rules on the final state
        last = next(reversed(blocks))
        fields = {last: blocks[last]}
    try:
        for name, value in fields.items():
            # derived values cached (cached_property) on the original, or by a cross-field rule on a
            # half-changed copy, belong to that state alone
            for key in copy.__dict__.keys() - annotations.keys():
                del copy.__dict__[key]
            validator.validate_assignment(copy, name, value)
        return copy
    except (ValidationError, HashleaseError) as exc:
        if len(changes) == 1:
            raise (error_from_validation(exc) if isinstance(exc, ValidationError) else exc) from None
    return type(model)(**{**model.model_dump(exclude=set(changes)), **changes})


def with_fields(model: InputModel, changes: dict[str, Any]) -> InputModel:
    """A copy of one input set (``MarketProjection``, ``LeaseInputs``, ...) with ``changes`` by field name, each
    validated against its own bounds, then the set's cross-field rules on the final state (as constructing it
    anew would judge it, at a fraction of the cost).

    Examples
    --------
    >>> lease = example_comparison().lease
    >>> with_fields(lease, {"rent_usd_per_kw_month": 150}).rent_usd_per_kw_month
    150.0
    >>> with_fields(lease, {"term_years": 0})
    Traceback (most recent call last):
    ...
    hashlease.models.errors.HashleaseError: term_years must be >= 1, got 0
    """
    if not changes:
        return model
    return _changed(model, dict(changes))


def _within(exc: HashleaseError, block: str) -> HashleaseError:
    """The error of a block's field named by its dotted path (``lease.term_years``)."""
    return HashleaseError(f"{block}.{exc.arg}", exc.value, exc.accepted, index=exc.index, detail=exc.detail,
                          kind=exc.kind)
