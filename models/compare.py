r"""Keep mining or convert to an AI/HPC lease: both options for one site, same dates, same discount rate.

Both options start on the first day of the lease's construction-start month (the market projection must
start that month) and run for the same horizon (default: to the month after the lease ends). Each option's
monthly net cash flow is discounted with Excel's XNPV at the comparison's discount rate from the valuation
date; IRRs are XIRRs of the same flows. The lease option is unlevered (its debt is a financing choice, shown
in the lease's own summary) and, when ``sell_fleet_at_conversion`` is set, sells the fleet in month 0 at the
mining site's salvage price.

The questions a board asks are answered by solving, to 1e-6 relative, for the input at which the two NPVs
are equal: the BTC price (a level scaling the whole price path), the starting hashprice (the whole hashprice
path scaled alike; the same factor, in USD/PH/day) and the rent per kW-month. Around the base case:
:func:`sensitivity_grid` (two inputs over ranges), :func:`tornado` (each key input +/- a stated step, ranked
by swing) and :func:`monte_carlo` (GBM price paths, drawn difficulty growth, lease delay and tenant default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ._inputs import InputModel
from .errors import HashleaseError
from .finance import xirr, xnpv
from .lease import LeaseInputs, lease_cash_flows
from .mining_site import MiningSiteInputs, mining_cash_flows
from .projection import MarketProjection, project_market

__all__ = ["SiteComparisonInputs", "SiteComparison", "compare_site", "breakeven_btc_price_vs_lease",
           "breakeven_hashprice_vs_lease", "breakeven_rent_vs_mining", "sensitivity_grid", "tornado",
           "TornadoStep", "DEFAULT_TORNADO", "MonteCarloSpec", "MonteCarloResult", "monte_carlo"]

SOLVE_TOLERANCE = 1e-9  # relative; the promise is 1e-6


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
    horizon_months: int | None = Field(None, ge=1, le=1_200, description="Months compared; default to the "
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
        for name in ("hashrate_path_eh_s", "btc_price_path_usd", "fees_path_btc_per_block"):
            path = getattr(self.market, name)
            if path is not None and len(path) < self.horizon:
                raise HashleaseError(f"market.{name}", f"{len(path)} values", f"one per month of the horizon "
                                     f"({self.horizon})")
        return self

    @property
    def horizon(self) -> int:
        """Months compared. [months]"""
        return self.horizon_months or self.lease.commencement_month + self.lease.term_months + 1

    @property
    def start(self) -> dt.date:
        return np.datetime64(self.lease.construction_start, "M").astype("datetime64[D]").item()


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
        if key in ("market", "mining", "lease"):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return SiteComparisonInputs(**base)


def _dates(inputs: SiteComparisonInputs) -> np.ndarray:
    return (np.datetime64(inputs.start, "M") + np.arange(inputs.horizon)).astype("datetime64[D]")


def _npv(inputs: SiteComparisonInputs, flows: np.ndarray, dates: np.ndarray) -> np.ndarray:
    valuation = np.datetime64(inputs.valuation_date or inputs.start, "D")
    padded = np.concatenate([np.zeros(flows.shape[:-1] + (1,)), flows], axis=-1)
    return np.asarray(xnpv(inputs.discount_rate_per_year_frac, padded, np.concatenate([[valuation], dates])))


def _market(inputs: SiteComparisonInputs, **kwargs) -> dict[str, np.ndarray]:
    return project_market(inputs.market, months=inputs.horizon, **kwargs)


def _mining_flows(inputs: SiteComparisonInputs, market: dict[str, np.ndarray], revenue_scale=1.0) -> dict:
    return mining_cash_flows(inputs.mining, market["hashprice_usd_per_ph_day"], market["days_in_month"],
                             revenue_scale=revenue_scale, first_calendar_month=inputs.start.month)


def _fleet_sale(inputs: SiteComparisonInputs) -> float:
    return inputs.mining.fleet_resale_value_usd if inputs.sell_fleet_at_conversion else 0.0


def _lease_flows(inputs: SiteComparisonInputs, leases: Sequence[LeaseInputs]) -> np.ndarray:
    flows = lease_cash_flows(leases, inputs.horizon)["unlevered_cash_flow_usd"].copy()
    flows[:, 0] += _fleet_sale(inputs)
    return flows


@dataclass(frozen=True)
class SiteComparison:
    """Both options valued: a summary (one row per option and their difference) and the monthly cash."""

    summary: pd.DataFrame
    monthly: pd.DataFrame

    @property
    def mining_npv_usd(self) -> float:
        return float(self.summary.at["keep_mining", "npv_usd"])

    @property
    def lease_npv_usd(self) -> float:
        return float(self.summary.at["convert_to_lease", "npv_usd"])

    @property
    def npv_difference_usd(self) -> float:
        """Lease NPV less mining NPV: positive means converting is worth more. [USD]"""
        return self.lease_npv_usd - self.mining_npv_usd


def _irr_or_none(flows: np.ndarray, dates: np.ndarray) -> float | None:
    """XIRR where it is a return on an investment; None where no rate exists or the flows borrow.

    A rate is a return when the XNPV falls as the rate rises through it (money goes in before it comes
    back). Keeping an existing fleet running brings cash in first and may cost cash later; the rate that
    zeroes such a stream is a borrowing rate, and reporting it as a return would mislead.
    """
    try:
        rate = float(xirr(flows, dates))
    except HashleaseError:
        return None
    step = 1e-6 * max(1.0, abs(rate))
    falling = float(xnpv(rate + step, flows, dates)) < float(xnpv(rate - step, flows, dates))
    return rate if falling else None


def _payback(cumulative: np.ndarray) -> int | None:
    was_negative = np.minimum.accumulate(cumulative) < 0
    hits = np.flatnonzero((cumulative >= 0) & was_negative)
    if hits.size:
        return int(hits[0])
    return 0 if cumulative.min() >= 0 else None


def compare_site(inputs: SiteComparisonInputs) -> SiteComparison:
    """Value both options for one site and lay their monthly cash side by side.

    Examples
    --------
    >>> result = compare_site(example_comparison())
    >>> list(result.summary.index)
    ['keep_mining', 'convert_to_lease', 'lease_minus_mining']
    >>> result.npv_difference_usd > 0
    True
    """
    dates = _dates(inputs)
    market = _market(inputs)
    mining = {k: v[0] for k, v in _mining_flows(inputs, market).items()}
    lease = lease_cash_flows([inputs.lease], inputs.horizon)
    lease = {k: v[0] for k, v in lease.items()}
    mining_net = mining["net_cash_flow_usd"]
    lease_net = lease["unlevered_cash_flow_usd"].copy()
    lease_net[0] += _fleet_sale(inputs)
    npvs = _npv(inputs, np.stack([mining_net, lease_net]), dates)
    rows = []
    for name, flows, npv_value in (("keep_mining", mining_net, npvs[0]), ("convert_to_lease", lease_net, npvs[1])):
        cumulative = np.cumsum(flows)
        payback = _payback(cumulative)
        rows.append(dict(option=name, npv_usd=float(npv_value), irr_per_year_frac=_irr_or_none(flows, dates),
                         payback_month=payback, payback_date=None if payback is None else dates[payback].item(),
                         total_cash_usd=float(cumulative[-1])))
    rows.append(dict(option="lease_minus_mining", npv_usd=rows[1]["npv_usd"] - rows[0]["npv_usd"],
                     irr_per_year_frac=None, payback_month=None, payback_date=None,
                     total_cash_usd=rows[1]["total_cash_usd"] - rows[0]["total_cash_usd"]))
    summary = pd.DataFrame(rows).set_index("option")
    monthly = pd.DataFrame({
        "hashprice_usd_per_ph_day": market["hashprice_usd_per_ph_day"][0],
        "btc_price_usd": market["btc_price_usd"][0],
        "mining_revenue_usd": mining["mining_revenue_usd"], "mining_power_cost_usd": mining["power_cost_usd"],
        "mining_opex_usd": mining["opex_usd"], "mining_capex_usd": mining["refresh_capex_usd"],
        "mining_salvage_usd": mining["salvage_usd"], "mining_net_cash_flow_usd": mining_net,
        "lease_noi_usd": lease["noi_usd"], "lease_capex_usd": lease["capex_usd"],
        "lease_residual_value_usd": lease["residual_value_usd"], "lease_net_cash_flow_usd": lease_net,
        "cumulative_mining_usd": np.cumsum(mining_net), "cumulative_lease_usd": np.cumsum(lease_net),
        "cumulative_lease_minus_mining_usd": np.cumsum(lease_net - mining_net),
    }, index=pd.DatetimeIndex(dates, name="date"))
    return SiteComparison(summary, monthly)


def _lease_npv(inputs: SiteComparisonInputs, leases: Sequence[LeaseInputs]) -> np.ndarray:
    return _npv(inputs, _lease_flows(inputs, leases), _dates(inputs))


def _mining_npv(inputs: SiteComparisonInputs, revenue_scale: np.ndarray) -> np.ndarray:
    scale = np.asarray(revenue_scale, dtype=float).reshape(-1, 1)
    flows = _mining_flows(inputs, _market(inputs), revenue_scale=scale)["net_cash_flow_usd"]
    return _npv(inputs, np.broadcast_to(flows, (scale.shape[0], inputs.horizon)), _dates(inputs))


def _solve_increasing(f: Callable[[float], float], x0: float, scale: float, name: str, *, low: float = 0.0,
                      none_below: str) -> float:
    """Root of a non-decreasing f on [low, inf): bracket by doubling from x0, then Illinois regula falsi.

    Converges in one or two steps when f is affine (rent) and robustly when it is convex (mining with
    shutdowns, flat at low prices). ``none_below`` explains the case f(low) > 0 (no root).
    """
    f_low = f(low)
    if f_low > SOLVE_TOLERANCE * scale:
        raise HashleaseError(name, "no break-even", "an input at which the two NPVs can be equal",
                             detail=none_below)
    a, fa = low, f_low
    b = max(x0, low + 1e-9)
    fb = f(b)
    for _ in range(200):
        if fb >= 0:
            break
        a, fa, b = b, fb, b * 2.0
        fb = f(b)
    else:
        raise HashleaseError(name, "no break-even", "an input at which the two NPVs can be equal",
                             detail="the gap does not close however large the input")
    side = 0
    for _ in range(200):
        c = b - fb * (b - a) / (fb - fa) if fb != fa else 0.5 * (a + b)
        fc = f(c)
        if abs(fc) <= SOLVE_TOLERANCE * scale or abs(b - a) <= 1e-15 * max(1.0, abs(c)):
            return c
        if fc < 0:
            a, fa = c, fc
            if side == -1:
                fb *= 0.5
            side = -1
        else:
            b, fb = c, fc
            if side == 1:
                fa *= 0.5
            side = 1
    return c


def breakeven_btc_price_vs_lease(inputs: SiteComparisonInputs) -> float:
    """Starting BTC price (the whole price path scaled by one factor) at which mining's NPV equals the lease's.

    Returns
    -------
    float
        [USD/BTC] Above it, keep mining; below it, convert.

    Raises
    ------
    HashleaseError
        When mining is worth more than the lease even at a BTC price of zero (mining wins at any price).

    Examples
    --------
    >>> inputs = example_comparison()
    >>> price = breakeven_btc_price_vs_lease(inputs)
    >>> scaled = inputs.replace(market={**inputs.market.model_dump(), "btc_price_usd": price})
    >>> result = compare_site(scaled)
    >>> abs(result.npv_difference_usd) < 1e-6 * abs(result.lease_npv_usd)
    True
    """
    target = float(_lease_npv(inputs, [inputs.lease])[0])
    scale = max(abs(target), 1.0)
    factor = _solve_increasing(lambda k: float(_mining_npv(inputs, [k])[0]) - target, 1.0, scale,
                               "market.btc_price_usd", none_below="mining is worth more than the lease even at a "
                               "BTC price of zero (the lease is worth less than mining's salvage and shutdown "
                               "costs), so mining wins at any price")
    return factor * inputs.market.starting_btc_price_usd


def breakeven_hashprice_vs_lease(inputs: SiteComparisonInputs) -> float:
    """Starting hashprice (the whole hashprice path scaled by one factor) at which the two NPVs are equal.

    Revenue is proportional to hashprice, and hashprice to the BTC price, so this is the BTC price
    break-even's factor applied to the first month's hashprice. [USD/PH/day]

    Examples
    --------
    >>> inputs = example_comparison()
    >>> start = float(hashprice_now(inputs))
    >>> breakeven_hashprice_vs_lease(inputs) / start == breakeven_btc_price_vs_lease(inputs) / 93_450
    True
    """
    return breakeven_btc_price_vs_lease(inputs) / inputs.market.starting_btc_price_usd * float(hashprice_now(inputs))


def hashprice_now(inputs: SiteComparisonInputs) -> float:
    """Hashprice of the first month of the projection. [USD/PH/day]"""
    return float(_market(inputs)["hashprice_usd_per_ph_day"][0, 0])


def breakeven_rent_vs_mining(inputs: SiteComparisonInputs) -> float:
    """Year-1 rent at which the lease's NPV equals mining's. [USD/kW-month]

    Examples
    --------
    >>> inputs = example_comparison()
    >>> rent = breakeven_rent_vs_mining(inputs)
    >>> 0 < rent < 130  # the example's lease at $130 beats mining, so mining matches it at a lower rent
    True
    """
    target = float(_mining_npv(inputs, [1.0])[0])
    scale = max(abs(target), 1.0)

    def gap(rent: float) -> float:
        lease = inputs.lease.replace(rent_usd_per_kw_month=max(rent, 1e-9))
        return float(_lease_npv(inputs, [lease])[0]) - target

    return _solve_increasing(gap, inputs.lease.rent_usd_per_kw_month, scale, "lease.rent_usd_per_kw_month",
                             none_below="the lease is worth more than mining even at a rent of zero")


# --- sensitivities -------------------------------------------------------------------------------------

def with_input(inputs: SiteComparisonInputs, path: str, value: Any) -> SiteComparisonInputs:
    """A copy with one input changed, by dotted path ("market.btc_price_usd", "discount_rate_per_year_frac").

    Examples
    --------
    >>> with_input(example_comparison(), "lease.rent_usd_per_kw_month", 150).lease.rent_usd_per_kw_month
    150.0
    """
    head, _, rest = path.partition(".")
    if head not in SiteComparisonInputs.model_fields:
        raise HashleaseError("path", path, "a field of SiteComparisonInputs, dotted: " + ", ".join(
            f"'{name}'" for name in SiteComparisonInputs.model_fields))
    if not rest:
        return inputs.replace(**{head: value})
    part = getattr(inputs, head)
    if rest not in type(part).model_fields:
        raise HashleaseError("path", path, f"a field of {head}: " + ", ".join(type(part).model_fields))
    return inputs.replace(**{head: part.replace(**{rest: value})})


def _same_horizon(variants: list[SiteComparisonInputs]) -> list[SiteComparisonInputs]:
    """The variants over one horizon (the longest any of them needs), so mining is valued alike in all."""
    horizon = max(v.horizon for v in variants)
    return [v if v.horizon == horizon and v.horizon_months else v.replace(horizon_months=horizon)
            for v in variants]


def sensitivity_grid(inputs: SiteComparisonInputs, row: tuple[str, Sequence[float]],
                     column: tuple[str, Sequence[float]], *, output: str = "npv_difference_usd") -> pd.DataFrame:
    """An output (default lease NPV less mining NPV) over a grid of two inputs.

    Parameters
    ----------
    row, column : (dotted path, values)
        The two inputs and their values, e.g. ``("market.btc_price_usd", [60e3, 90e3, 120e3])``.
    output : {'npv_difference_usd', 'mining_npv_usd', 'lease_npv_usd'}

    Examples
    --------
    >>> grid = sensitivity_grid(example_comparison(), ("market.btc_price_usd", [60e3, 120e3]),
    ...                         ("lease.rent_usd_per_kw_month", [110, 150]))
    >>> grid.shape, bool(grid.iloc[0, 1] > grid.iloc[1, 0])  # cheap BTC, rich rent: lease wins by most
    ((2, 2), True)
    """
    if output not in ("npv_difference_usd", "mining_npv_usd", "lease_npv_usd"):
        raise HashleaseError("output", output, "one of 'npv_difference_usd', 'mining_npv_usd', 'lease_npv_usd'")
    (row_path, row_values), (col_path, col_values) = row, column
    variants = _same_horizon([with_input(with_input(inputs, row_path, a), col_path, b)
                              for a in row_values for b in col_values])
    table = np.array([getattr(compare_site(v), output) for v in variants]).reshape(len(row_values), len(col_values))
    return pd.DataFrame(table, index=pd.Index(row_values, name=row_path), columns=pd.Index(col_values, name=col_path))


@dataclass(frozen=True)
class TornadoStep:
    """One tornado bar: an input and its step, relative (x (1 +/- step)) or absolute (+/- step)."""

    path: str
    step: float
    relative: bool = True


DEFAULT_TORNADO = (
    TornadoStep("market.btc_price_usd", 0.20),
    TornadoStep("market.difficulty_growth_per_month_frac", 0.01, relative=False),
    TornadoStep("market.btc_price_growth_per_year_frac", 0.10, relative=False),
    TornadoStep("mining.power_price_usd_per_kwh", 0.20),
    TornadoStep("lease.rent_usd_per_kw_month", 0.10),
    TornadoStep("lease.capex_usd_per_mw", 0.20),
    TornadoStep("lease.escalator_per_year_frac", 0.01, relative=False),
    TornadoStep("lease.delay_months", 6, relative=False),
    TornadoStep("discount_rate_per_year_frac", 0.02, relative=False),
)


def tornado(inputs: SiteComparisonInputs, steps: Sequence[TornadoStep] = DEFAULT_TORNADO) -> pd.DataFrame:
    """Lease-minus-mining NPV with each input moved down and up by its step, ranked by swing.

    Inputs not set in ``inputs`` (None) are skipped. A step that would leave an input's accepted range is
    clipped to that range (a delay cannot go below 0, an uptime above 1). All bars share one horizon, the
    longest any of them needs, so a longer delay does not also lengthen the mining option.

    Examples
    --------
    >>> bars = tornado(example_comparison())
    >>> list(bars.columns)
    ['input', 'low_value', 'high_value', 'npv_difference_low_usd', 'npv_difference_high_usd', 'swing_usd']
    >>> bool((bars["swing_usd"].diff().dropna() <= 0).all())  # largest swing first
    True
    """
    bars = []
    for step in steps:
        head, _, rest = step.path.partition(".")
        base = getattr(getattr(inputs, head), rest) if rest else getattr(inputs, head)
        if base is None:
            continue
        low, high = ((base * (1 - step.step), base * (1 + step.step)) if step.relative
                     else (base - step.step, base + step.step))
        low, high = _clip(inputs, step.path, low), _clip(inputs, step.path, high)
        if isinstance(base, int) and not isinstance(base, bool):
            low, high = int(round(low)), int(round(high))
        bars.append((step.path, low, high))
    variants = _same_horizon([with_input(inputs, path, value) for path, low, high in bars for value in (low, high)])
    gaps = [compare_site(v).npv_difference_usd for v in variants]
    rows = [dict(input=path, low_value=low, high_value=high, npv_difference_low_usd=gaps[2 * i],
                 npv_difference_high_usd=gaps[2 * i + 1], swing_usd=abs(gaps[2 * i + 1] - gaps[2 * i]))
            for i, (path, low, high) in enumerate(bars)]
    return pd.DataFrame(rows).sort_values("swing_usd", ascending=False, ignore_index=True)


def _clip(inputs: SiteComparisonInputs, path: str, value: float) -> float:
    """``value`` moved inside the accepted range of the field at ``path`` (open bounds by a hair)."""
    head, _, rest = path.partition(".")
    model = type(getattr(inputs, head)) if rest else SiteComparisonInputs
    info = model.model_fields[rest or head]
    for bound in info.metadata:
        for attr, inside in (("ge", lambda b: max(value, b)), ("le", lambda b: min(value, b)),
                             ("gt", lambda b: max(value, b + 1e-9 * max(1.0, abs(b)))),
                             ("lt", lambda b: min(value, b - 1e-9 * max(1.0, abs(b))))):
            if getattr(bound, attr, None) is not None:
                value = inside(getattr(bound, attr))
    return value


# --- Monte Carlo ---------------------------------------------------------------------------------------

class MonteCarloSpec(InputModel):
    """What the Monte Carlo draws, and how many paths.

    BTC price follows geometric Brownian motion with monthly steps: :math:`P_t = P_0 \\exp((\\ln(1+g) -
    \\sigma^2/2) t + \\sigma W_t)`, so its expected growth is ``btc_drift_per_year_frac`` = g per year (by default
    the market's own growth) and zero volatility gives the deterministic path. Difficulty growth per month is
    drawn uniformly per path; lease delay from stated choices and probabilities; tenant default as a month
    drawn from an annual probability (with the lease's backstop share still paid).
    """

    paths: int = Field(ge=1, le=10_000_000, description="Paths drawn [count]")
    seed: int = Field(ge=0, description="Random seed: the same seed gives the same answer")
    btc_volatility_per_year_frac: float = Field(0.6, ge=0, le=5, description="GBM volatility [fraction/sqrt(year)]")
    btc_drift_per_year_frac: float | None = Field(None, gt=-1, le=10, description=(
        "Expected BTC price growth [fraction/year]; default the market's growth"))
    difficulty_growth_low_per_month_frac: float | None = Field(None, gt=-0.5, le=0.5)
    difficulty_growth_high_per_month_frac: float | None = Field(None, gt=-0.5, le=0.5)
    lease_delay_months_choices: tuple[int, ...] | None = Field(None, min_length=1, description=(
        "Delays drawn [months]; default the lease's own delay on every path"))
    lease_delay_probabilities: tuple[float, ...] | None = Field(None, min_length=1, description=(
        "Probability of each delay choice; default equal"))
    tenant_default_probability_per_year_frac: float | None = Field(None, ge=0, lt=1)
    chunk_paths: int = Field(20_000, ge=1, le=1_000_000, description=(
        "Paths valued at once, rounded to whole blocks of 1,000 (bounds memory; does not change the answer)"))

    @model_validator(mode="after")
    def _consistent(self) -> "MonteCarloSpec":
        low, high = self.difficulty_growth_low_per_month_frac, self.difficulty_growth_high_per_month_frac
        if (low is None) != (high is None):
            raise HashleaseError("difficulty_growth_high_per_month_frac", high, "given together with the low bound")
        if low is not None and high < low:
            raise HashleaseError("difficulty_growth_high_per_month_frac", high, f">= the low bound ({low:g})")
        choices = self.lease_delay_months_choices
        if choices is not None and any(d < 0 or d > 120 for d in choices):
            raise HashleaseError("lease_delay_months_choices", choices, "months in [0, 120]")
        if self.lease_delay_probabilities is not None and choices is None:
            raise HashleaseError("lease_delay_probabilities", self.lease_delay_probabilities,
                                 "left out unless lease_delay_months_choices is given")
        if self.lease_delay_probabilities is not None:
            probs = np.asarray(self.lease_delay_probabilities)
            if len(probs) != len(self.lease_delay_months_choices) or (probs < 0).any() or abs(probs.sum() - 1) > 1e-9:
                raise HashleaseError("lease_delay_probabilities", self.lease_delay_probabilities,
                                     "one probability >= 0 per delay choice, summing to 1")
        return self


@dataclass(frozen=True)
class MonteCarloResult:
    """NPVs of both options on every path, and what a board pack shows of them."""

    mining_npv_usd: np.ndarray
    lease_npv_usd: np.ndarray

    @property
    def probability_lease_beats_mining(self) -> float:
        return float(np.mean(self.lease_npv_usd > self.mining_npv_usd))

    def percentiles(self, levels: Sequence[float] = (5, 25, 50, 75, 95)) -> pd.DataFrame:
        """Percentiles of each option's NPV and of the difference (lease less mining). [USD]"""
        data = {"mining_npv_usd": self.mining_npv_usd, "lease_npv_usd": self.lease_npv_usd,
                "lease_minus_mining_npv_usd": self.lease_npv_usd - self.mining_npv_usd}
        return pd.DataFrame({name: np.percentile(values, levels) for name, values in data.items()},
                            index=pd.Index([f"P{level:g}" for level in levels], name="percentile"))


def _draws(inputs: SiteComparisonInputs, spec: MonteCarloSpec, rng: np.random.Generator, n: int):
    months = inputs.horizon
    market = inputs.market
    growth = np.log1p(spec.btc_drift_per_year_frac if spec.btc_drift_per_year_frac is not None
                      else (market.btc_price_growth_per_year_frac or 0.0))
    sigma = spec.btc_volatility_per_year_frac
    dt_years = 1.0 / 12.0
    shocks = rng.standard_normal((n, months - 1)) * np.sqrt(dt_years)
    w = np.concatenate([np.zeros((n, 1)), np.cumsum(shocks, axis=1)], axis=1)
    t = np.arange(months) * dt_years
    if market.btc_price_path_usd is not None:
        base = np.asarray(market.btc_price_path_usd[:months])[None, :] * np.exp(-0.5 * sigma**2 * t)
    else:
        base = market.btc_price_usd * np.exp((growth - 0.5 * sigma**2) * t)[None, :]
    price = base * np.exp(sigma * w)
    if spec.difficulty_growth_low_per_month_frac is not None:
        difficulty_growth = rng.uniform(spec.difficulty_growth_low_per_month_frac,
                                        spec.difficulty_growth_high_per_month_frac, n)
    else:
        difficulty_growth = None
    if spec.lease_delay_months_choices is not None:
        delay = rng.choice(np.asarray(spec.lease_delay_months_choices), size=n, p=spec.lease_delay_probabilities)
    else:
        delay = np.full(n, inputs.lease.delay_months)
    term = inputs.lease.term_months
    if spec.tenant_default_probability_per_year_frac is not None:
        monthly = 1.0 - (1.0 - spec.tenant_default_probability_per_year_frac) ** (1.0 / 12.0)
        uniform = 1.0 - rng.uniform(size=n)  # in (0, 1]: its log is finite
        if monthly > 0:  # the first month of default, geometric with this monthly hazard
            default = np.floor(np.log(uniform) / np.log1p(-monthly))
            default = np.where(default < term, default, -1).astype(int)
        else:
            default = np.full(n, -1)
    else:
        default = np.full(n, -2)  # -2: the lease's own credit assumptions apply
    return price, difficulty_growth, delay, default


def _lease_npvs_by_case(inputs: SiteComparisonInputs, delay: np.ndarray, default: np.ndarray) -> np.ndarray:
    cases, index = np.unique(np.stack([delay, default], axis=1), axis=0, return_inverse=True)
    leases = [inputs.lease.replace(delay_months=int(d)) if k == -2 else
              inputs.lease.replace(delay_months=int(d), default_month=None if k < 0 else int(k),
                                   default_probability_per_year_frac=None) for d, k in cases]
    values = np.concatenate([_lease_npv(inputs, leases[i:i + 2_000]) for i in range(0, len(leases), 2_000)])
    return values[index.reshape(-1)]


def monte_carlo(inputs: SiteComparisonInputs, spec: MonteCarloSpec) -> MonteCarloResult:
    """Draw ``spec.paths`` futures and value both options on each, in chunks of ``spec.chunk_paths``.

    Examples
    --------
    >>> spec = MonteCarloSpec(paths=2_000, seed=7, btc_volatility_per_year_frac=0.6,
    ...                       lease_delay_months_choices=(0, 6), tenant_default_probability_per_year_frac=0.02)
    >>> a, b = monte_carlo(example_comparison(), spec), monte_carlo(example_comparison(), spec)
    >>> a.probability_lease_beats_mining == b.probability_lease_beats_mining  # same seed, same answer
    True
    """
    inputs = _monte_carlo_inputs(inputs, spec)
    dates = _dates(inputs)
    chunk = max(_DRAW_BLOCK, spec.chunk_paths // _DRAW_BLOCK * _DRAW_BLOCK)
    mining, lease = [], []
    for start in range(0, spec.paths, chunk):
        price, growth, delay, default = _block_draws(inputs, spec, start, min(chunk, spec.paths - start))
        market = _market(inputs, btc_price_usd=price, difficulty_growth_per_month_frac=growth)
        flows = _mining_flows(inputs, market)["net_cash_flow_usd"]
        mining.append(_npv(inputs, flows, dates))
        lease.append(_lease_npvs_by_case(inputs, delay, default))
    return MonteCarloResult(np.concatenate(mining), np.concatenate(lease))


def _monte_carlo_inputs(inputs: SiteComparisonInputs, spec: MonteCarloSpec) -> SiteComparisonInputs:
    """The comparison over the life of the longest delay drawn, so every path values the whole lease."""
    if spec.lease_delay_months_choices is not None:
        extra = max(spec.lease_delay_months_choices) - inputs.lease.delay_months
        if extra > 0:
            return inputs.replace(horizon_months=inputs.horizon + extra)
    return inputs


def _block_draws(inputs: SiteComparisonInputs, spec: MonteCarloSpec, start: int, n: int):
    """Draws for paths [start, start + n), ``start`` a multiple of the block: each block has its own stream,
    so the draws of a path do not depend on how the paths are chunked."""
    parts = [_draws(inputs, spec, np.random.default_rng([spec.seed, b // _DRAW_BLOCK]),
                    min(_DRAW_BLOCK, start + n - b)) for b in range(start, start + n, _DRAW_BLOCK)]
    return tuple(np.concatenate(x) if x[0] is not None else None for x in zip(*parts))


#: Paths drawn from one random stream; chunks are whole blocks, so chunk_paths changes memory, not answers.
_DRAW_BLOCK = 1_000
