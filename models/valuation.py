r"""The mine-or-lease decision for a batch of site comparisons, in one vectorised pass.

Every front end values comparisons here: :func:`compare_site` (a batch of one), the break-even functions,
sensitivity grids, tornado bars, the batch command's model engine and the ``HL_`` functions.

For scenarios :math:`s` and months :math:`m` (arrays of shape (scenarios, months)), with :math:`f_{s,m}` the XNPV
discount factor of month :math:`m`'s first day from the valuation date at the scenario's rate:

.. math::

    \mathrm{NPV}^{mine}_s = \sum_m f_{s,m} \left(g(k R_{s,m} - P_{s,m}) + X_{s,m}\right) \qquad
    \mathrm{NPV}^{lease}_s = \sum_m f_{s,m}\, L_{s,m}(\text{rent}_s) + f_{s,0}\, V_s

where :math:`R` is mining revenue at today's BTC price path (:math:`k` = 1 scales the whole path), :math:`P` the
power bill, :math:`g(x) = \max(x, 0)` when the fleet is switched off in months that do not cover their power
(else :math:`g(x) = x`), :math:`X` opex, refresh capex and salvage, :math:`L` the lease's unlevered flows and
:math:`V` the fleet sold at conversion. Both options share the dates, horizon and rate.

Break-evens, solved for every scenario at once:

- **BTC price**: mining's NPV is piecewise linear and non-decreasing in :math:`k`, with a kink where a month's
  revenue covers its power (:math:`k = P/R`). Sorting the kinks gives the NPV at each, and the root is found
  exactly on the segment where the NPV crosses the lease's. The starting hashprice break-even is the same
  factor applied to the first month's hashprice.
- **Rent**: the lease's NPV is piecewise linear and non-decreasing in its year-1 rent (one kink where a negative
  residual is floored at zero), solved by secant steps on the lease kernel, bracketed in the rent's accepted
  range (0, 10,000] USD/kW-month and bisected where the secant does not settle.

Where a figure has no value for a scenario (no IRR, never paid back, no break-even), it is NaN in the arrays
and :attr:`ComparisonValues.problems` holds the :class:`HashleaseError` saying why; where a scenario as a whole
has no finite value, :attr:`ComparisonValues.errors` holds its error. A blank never comes without its reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from .comparison import SiteComparisonInputs
from .errors import ErrorKind, HashleaseError
from .finance import xnpv_discount_factors
from .lease import LeaseBatch, LeaseInputs, lease_lines
from .mining_site import aged_fleet_value_usd, mining_lines, site_parameters, switch_off
from .projection import project_markets
from .calendar import month_start_dates
from .returns import investment_irr, payback_month

__all__ = ["ComparisonFlows", "ComparisonValues", "OUTPUTS", "comparison_flows", "value_comparisons",
           "SiteComparison", "compare_site", "comparison_summary", "comparison_summaries", "breakeven_btc_price_vs_lease", "breakeven_hashprice_vs_lease",
           "breakeven_rent_vs_mining", "hashprice_now", "SOLVE_TOLERANCE", "MAX_RENT_USD_PER_KW_MONTH"]

#: Break-evens equalise the two NPVs to this relative tolerance (of the larger NPV, at least 1 USD).
SOLVE_TOLERANCE = 1e-9
#: Highest year-1 rent searched for the rent break-even: the top of LeaseInputs' accepted range.
MAX_RENT_USD_PER_KW_MONTH = float(next(bound.le for bound in LeaseInputs.model_fields["rent_usd_per_kw_month"].metadata
                                       if getattr(bound, "le", None) is not None))

#: The summary outputs of a comparison, with units; the arrays of :class:`ComparisonValues`.
OUTPUTS = ("hashprice_now_usd_per_ph_day", "mining_npv_usd", "lease_npv_usd", "npv_difference_usd",
           "mining_irr_per_year_frac", "lease_irr_per_year_frac", "mining_payback_month", "lease_payback_month",
           "mining_total_cash_usd", "lease_total_cash_usd", "breakeven_btc_price_usd",
           "breakeven_hashprice_usd_per_ph_day", "breakeven_rent_usd_per_kw_month")


#: The market lines a comparison keeps for each scenario (the rest of the projection is shared or not needed).
_MARKET_LINES = ("hashprice_usd_per_ph_day", "days_in_month", "btc_price_usd")


@dataclass(frozen=True)
class ComparisonFlows:
    """Monthly lines of a batch of comparisons sharing start month and horizon, each (scenarios, months).

    ``revenue_at_one_usd`` and ``power_before_switch_off_usd`` are mining's revenue and power before the
    switch-off rule (the BTC price solver moves the revenue); ``mining_net_usd`` applies it.
    """

    inputs: tuple[SiteComparisonInputs, ...]
    dates: np.ndarray
    discount: np.ndarray
    market: dict[str, np.ndarray]
    mining: dict[str, np.ndarray]
    revenue_at_one_usd: np.ndarray
    power_before_switch_off_usd: np.ndarray
    fixed_mining_usd: np.ndarray
    switch_off: np.ndarray
    lease: dict[str, np.ndarray]
    lease_batch: LeaseBatch
    lease_live: np.ndarray
    fleet_sale_usd: np.ndarray

    @property
    def mining_net_usd(self) -> np.ndarray:
        return self.mining["net_cash_flow_usd"]

    @property
    def lease_net_usd(self) -> np.ndarray:
        return self.lease["net_cash_flow_usd"]


def _unique(objects: Sequence[object]) -> tuple[list[object], np.ndarray]:
    """The distinct objects (by identity: a block no scenario changed is one object) and each one's index."""
    first: dict[int, int] = {}
    distinct: list[object] = []
    index = np.empty(len(objects), dtype=np.int64)
    for i, obj in enumerate(objects):
        j = first.get(id(obj))
        if j is None:
            j = first[id(obj)] = len(distinct)
            distinct.append(obj)
        index[i] = j
    return distinct, index


def comparison_flows(inputs: Sequence[SiteComparisonInputs], *, market: dict[str, np.ndarray] | None = None
                     ) -> ComparisonFlows:
    """Monthly mining and lease lines of comparisons that share their start month and horizon.

    Inputs shared by several scenarios (the same market, site or lease) are computed once. ``market`` (the
    arrays :func:`project_market` returns, one row per scenario) replaces the scenarios' own projections: Monte
    Carlo values drawn markets this way.

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> flows = comparison_flows([example_comparison()])
    >>> flows.mining_net_usd.shape, flows.lease_net_usd.shape
    ((1, 133), (1, 133))
    """
    inputs = tuple(inputs)
    first = inputs[0]
    horizon, start = first.horizon, first.start
    if any(x.horizon != horizon or x.start != start for x in inputs):
        raise HashleaseError("inputs", "several start months or horizons", "comparisons sharing both (group "
                             "them first: value_comparisons does)", kind=ErrorKind.VALUE)
    if market is None:
        markets, market_index = _unique([x.market for x in inputs])
        projected = project_markets(markets, months=horizon)
        gather = len(markets) != len(inputs) or np.any(market_index != np.arange(len(inputs)))
        market = {name: value[market_index] if gather and name in _MARKET_LINES else value
                  for name, value in projected.items() if name in _MARKET_LINES or name == "dates"}
    elif market["hashprice_usd_per_ph_day"].shape != (len(inputs), horizon):
        raise HashleaseError("market", f"shape {market['hashprice_usd_per_ph_day'].shape}", f"one row of "
                             f"{horizon} months per scenario ({len(inputs)})", kind=ErrorKind.VALUE)
    dates = market["dates"]
    market = {name: value for name, value in market.items() if name != "dates"}
    sites, site_index = _unique([x.mining for x in inputs])
    params = {name: value[site_index] for name, value in site_parameters(sites).items()}
    lines = mining_lines(params, market["hashprice_usd_per_ph_day"], market["days_in_month"], 1.0,
                         first_calendar_month=start.month)
    revenue, power = switch_off(lines, params["shut_down"])
    fixed = -lines["opex"] - lines["capex"] + lines["salvage"]
    net = revenue - power + fixed
    mining = {"mining_revenue_usd": revenue, "power_cost_usd": power, "opex_usd": np.broadcast_to(
        lines["opex"], revenue.shape), "refresh_capex_usd": lines["capex"], "salvage_usd": lines["salvage"],
        "net_cash_flow_usd": net}

    leases, lease_index = _unique([x.lease for x in inputs])
    distinct = LeaseBatch.of(leases)
    distinct_lines = lease_lines(distinct, dates[None, :], levered=False)
    batch = distinct.take(lease_index)
    live = np.arange(horizon)[None, :] < batch.rows_used[:, None]
    sell = np.array([x.sell_fleet_at_conversion for x in inputs], dtype=float)
    fleet_sale = sell * aged_fleet_value_usd(params, np.zeros((1, 1)))[:, 0]
    lease = {name: np.where(live, distinct_lines[name][lease_index], 0.0)
             for name in ("noi_usd", "capex_usd", "residual_value_usd", "unlevered_cash_flow_usd")}
    lease_net = lease["unlevered_cash_flow_usd"].copy()
    lease_net[:, 0] += fleet_sale
    lease["net_cash_flow_usd"] = lease_net

    rate = np.array([x.discount_rate_per_year_frac for x in inputs])
    if all(x.valuation_date is None for x in inputs):  # one valuation date: one row of dates for every rate
        all_dates = np.concatenate([[np.datetime64(start, "D")], dates])[None, :]
    else:
        valuation = np.array([np.datetime64(x.valuation_date or start, "D") for x in inputs])
        all_dates = np.concatenate([valuation[:, None], np.broadcast_to(dates, (len(inputs), horizon))], axis=1)
    discount = xnpv_discount_factors(rate, all_dates)[:, 1:]
    return ComparisonFlows(inputs, dates, discount, market, mining, lines["revenue"],
                           np.broadcast_to(lines["power"], revenue.shape), fixed, params["shut_down"][:, 0] > 0,
                           lease, batch, live, fleet_sale)


@dataclass(frozen=True)
class ComparisonValues:
    """Summary outputs of a batch of comparisons: one array entry per scenario for each name in :data:`OUTPUTS`.

    ``errors[s]`` is the error of a scenario with no finite value at all (its outputs are NaN); ``problems[name]
    [s]`` says why an output is NaN for an otherwise valued scenario: the error of a break-even with no solution,
    or the reason an IRR or payback does not exist (text).
    """

    values: dict[str, np.ndarray]
    errors: list[HashleaseError | None]
    problems: dict[str, list[HashleaseError | str | None]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __len__(self) -> int:
        return len(self.errors)

    def value(self, name: str, scenario: int = 0) -> float:
        """One output of one scenario, raising the scenario's error or the output's problem where it has none."""
        if self.errors[scenario] is not None:
            raise self.errors[scenario]
        problem = self.problems.get(name, [None] * len(self))[scenario]
        if isinstance(problem, HashleaseError):
            raise problem
        if problem is not None:
            raise HashleaseError(name, "none", "a value for these inputs", detail=problem)
        return float(self.values[name][scenario])

    def reason(self, name: str, scenario: int) -> str | None:
        """Why ``name`` has no value for ``scenario`` (None when it has one)."""
        error = self.errors[scenario] or self.problems.get(name, [None] * len(self))[scenario]
        return None if error is None else str(error)


def value_comparisons(inputs: Sequence[SiteComparisonInputs], *, breakevens: bool = True,
                      mining_irr: bool = False) -> ComparisonValues:
    """Value many site comparisons at once: both NPVs, IRRs, paybacks and the break-evens, one vectorised pass.

    Scenarios are grouped by start month and horizon (the arrays of a group share their dates); each group is
    one pass. ``breakevens=False`` skips the solvers; ``mining_irr=True`` also solves mining's IRR (most mining
    streams are not investments, so it is off unless asked for).

    Examples
    --------
    >>> from hashlease.models import example_comparison, with_input
    >>> base = example_comparison()
    >>> batch = value_comparisons([with_input(base, "market.btc_price_usd", p) for p in (60_000, 93_450, 150_000)])
    >>> bool(np.all(np.diff(batch.mining_npv_usd) > 0)), bool(np.ptp(batch.lease_npv_usd) == 0)
    (True, True)
    >>> price = batch.breakeven_btc_price_usd  # the same level whatever the starting price it scales from
    >>> bool(np.allclose(price, price[0], rtol=1e-9))
    True
    """
    inputs = list(inputs)
    if not inputs:
        raise HashleaseError("inputs", "[]", "at least one comparison", kind=ErrorKind.VALUE)
    count = len(inputs)
    values = {name: np.full(count, np.nan) for name in OUTPUTS}
    errors: list[HashleaseError | None] = [None] * count
    problems: dict[str, list[HashleaseError | None]] = {name: [None] * count for name in OUTPUTS}
    groups: dict[tuple, list[int]] = {}
    for i, x in enumerate(inputs):
        groups.setdefault((x.start, x.horizon), []).append(i)
    for members in groups.values():
        _value_rows(inputs, np.array(members), values, errors, problems, breakevens=breakevens,
                    mining_irr=mining_irr)
    for name, asked in (("mining_irr_per_year_frac", mining_irr), ("breakeven_btc_price_usd", breakevens),
                        ("breakeven_hashprice_usd_per_ph_day", breakevens),
                        ("breakeven_rent_usd_per_kw_month", breakevens)):
        if not asked:
            problems[name] = [None if e else f"not computed in this pass ({_ASKED[name]}=False)" for e in errors]
    return ComparisonValues(values, errors, problems)


#: The argument of :func:`value_comparisons` that asks for each optional output.
_ASKED = {"mining_irr_per_year_frac": "mining_irr", "breakeven_btc_price_usd": "breakevens",
          "breakeven_hashprice_usd_per_ph_day": "breakevens", "breakeven_rent_usd_per_kw_month": "breakevens"}


def _value_rows(inputs, rows: np.ndarray, values, errors, problems, **options) -> None:
    """Value ``rows`` of one group in one pass; a scenario whose inputs stop the pass (a value beyond the
    largest float inside the projection) is found by halving the group and fails alone, with its error."""
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # judged below: finite or an error
            flows = comparison_flows([inputs[i] for i in rows])
            _value_group(flows, rows, values, errors, problems, **options)
    except HashleaseError as exc:
        if len(rows) == 1:
            errors[rows[0]] = exc
            return
        half = len(rows) // 2
        _value_rows(inputs, rows[:half], values, errors, problems, **options)
        _value_rows(inputs, rows[half:], values, errors, problems, **options)


def _value_group(flows: ComparisonFlows, rows: np.ndarray, values, errors, problems, *, breakevens: bool,
                 mining_irr: bool) -> None:
    with np.errstate(over="ignore", invalid="ignore"):
        mining_npv = np.sum(flows.discount * flows.mining_net_usd, axis=1)
        lease_npv = np.sum(flows.discount * flows.lease_net_usd, axis=1)
    hashprice = flows.market["hashprice_usd_per_ph_day"][:, 0]
    ok = np.isfinite(mining_npv) & np.isfinite(lease_npv) & np.isfinite(hashprice)
    for i in np.flatnonzero(~ok):
        errors[rows[i]] = _no_finite_value(flows, i, mining_npv[i], lease_npv[i], hashprice[i])
    if not ok.any():
        return
    keep = np.flatnonzero(ok)
    rows = rows[keep]
    flows = _subset(flows, keep)
    mining_npv, lease_npv, hashprice = mining_npv[keep], lease_npv[keep], hashprice[keep]

    def put(name: str, array: np.ndarray, why: Sequence[HashleaseError | str | None] | None = None) -> None:
        values[name][rows] = array
        for i, reason in enumerate(why or ()):
            if reason is not None:
                problems[name][rows[i]] = reason

    put("hashprice_now_usd_per_ph_day", hashprice)
    put("mining_npv_usd", mining_npv)
    put("lease_npv_usd", lease_npv)
    put("npv_difference_usd", lease_npv - mining_npv)
    put("mining_total_cash_usd", flows.mining_net_usd.sum(axis=1))
    put("lease_total_cash_usd", flows.lease_net_usd.sum(axis=1))
    for option, net in (("mining", flows.mining_net_usd), ("lease", flows.lease_net_usd)):
        payback = payback_month(net)
        put(f"{option}_payback_month", payback.month, payback.reason)
        if option == "lease" or mining_irr:
            irr = investment_irr(net, flows.dates)
            put(f"{option}_irr_per_year_frac", irr.rate, irr.reason)
    if breakevens:
        factor, why = _breakeven_price_factor(flows, lease_npv)
        start_price = np.array([x.market.starting_btc_price_usd for x in flows.inputs])
        put("breakeven_btc_price_usd", factor * start_price, why)
        put("breakeven_hashprice_usd_per_ph_day", factor * hashprice, why)
        rent, why = _breakeven_rent(flows, mining_npv, lease_npv)
        put("breakeven_rent_usd_per_kw_month", rent, why)


def _no_finite_value(flows: ComparisonFlows, i: int, mining: float, lease: float, hashprice: float
                     ) -> HashleaseError:
    what = ("the starting hashprice" if not np.isfinite(hashprice) else "mining's NPV" if not np.isfinite(mining)
            else "the lease's NPV")
    return HashleaseError("inputs", f"{what} is not a finite number", "inputs whose cash flows and discounting "
                          "stay within 1.8e308 (check extreme prices, difficulty, rates)")


def _subset(flows: ComparisonFlows, keep: np.ndarray) -> ComparisonFlows:
    if len(keep) == len(flows.inputs):
        return flows
    take = lambda d: {k: v[keep] for k, v in d.items()}  # noqa: E731
    return ComparisonFlows(tuple(flows.inputs[i] for i in keep), flows.dates, flows.discount[keep],
                           take(flows.market), take(flows.mining), flows.revenue_at_one_usd[keep],
                           flows.power_before_switch_off_usd[keep], flows.fixed_mining_usd[keep],
                           flows.switch_off[keep], take(flows.lease), flows.lease_batch.take(keep),
                           flows.lease_live[keep], flows.fleet_sale_usd[keep])


def _tolerance(*npvs: np.ndarray) -> np.ndarray:
    return SOLVE_TOLERANCE * np.maximum.reduce([np.abs(x) for x in npvs] + [np.ones_like(npvs[0])])


def _breakeven_price_factor(flows: ComparisonFlows, target: np.ndarray) -> tuple[np.ndarray, list]:
    """The factor k on the whole BTC price path at which mining's NPV equals ``target``, per scenario."""
    d = flows.discount
    revenue = d * flows.revenue_at_one_usd
    power = d * flows.power_before_switch_off_usd
    base = np.sum(d * flows.fixed_mining_usd, axis=1)
    shut = flows.switch_off[:, None]
    # months of a fleet that is never switched off always count: base - power + k revenue
    slope0 = np.where(shut[:, 0], 0.0, revenue.sum(axis=1))
    base = np.where(shut[:, 0], base, base - power.sum(axis=1))
    # a switched-off fleet mines month m once k R_m >= P_m: a kink of the NPV at k = P_m / R_m
    with np.errstate(divide="ignore", invalid="ignore"):
        kink = np.where(shut & (flows.revenue_at_one_usd > 0),
                        flows.power_before_switch_off_usd / flows.revenue_at_one_usd, np.inf)
    order = np.argsort(kink, axis=1)
    kink = np.take_along_axis(kink, order, axis=1)
    finite = np.isfinite(kink)
    cum_revenue = np.cumsum(np.where(finite, np.take_along_axis(revenue, order, axis=1), 0.0), axis=1)
    cum_power = np.cumsum(np.where(finite, np.take_along_axis(power, order, axis=1), 0.0), axis=1)
    with np.errstate(invalid="ignore"):
        at_kink = np.where(finite, base[:, None] + kink * (slope0[:, None] + cum_revenue) - cum_power, np.inf)
    reached = at_kink >= target[:, None]
    j = np.where(reached.any(axis=1), reached.argmax(axis=1), kink.shape[1])
    rows = np.arange(len(j))
    before = j - 1
    prev_revenue = np.where(before >= 0, cum_revenue[rows, np.maximum(before, 0)], 0.0)
    prev_power = np.where(before >= 0, cum_power[rows, np.maximum(before, 0)], 0.0)
    slope = slope0 + prev_revenue
    tolerance = _tolerance(target)
    at_zero = base  # every kink is at k >= 0, so at k = 0 only the never-switched-off months count
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(slope > 0, (target - base + prev_power) / slope, np.nan)
    factor = np.where(np.abs(at_zero - target) <= tolerance, 0.0, np.maximum(factor, 0.0))
    why: list[HashleaseError | None] = [None] * len(j)
    for i in np.flatnonzero(at_zero - target > tolerance):
        factor[i] = np.nan
        why[i] = HashleaseError("market.btc_price_usd", "no break-even", "a price at which the two NPVs are "
                                "equal", detail="mining is worth more than the lease even at a BTC price of zero "
                                "(the lease is worth less than mining's salvage and shutdown costs), so mining "
                                "wins at any price")
    for i in np.flatnonzero(~np.isfinite(factor) & np.array([w is None for w in why])):
        why[i] = HashleaseError("market.btc_price_usd", "no break-even", "a price at which the two NPVs are "
                                "equal", detail="mining earns nothing at any price, so the gap never closes")
    return factor, why


def _lease_npv_at(flows: ComparisonFlows, rows: np.ndarray, rent: np.ndarray) -> np.ndarray:
    batch = flows.lease_batch.take(rows).with_rent(rent)
    horizon = flows.discount.shape[1]
    lines = lease_lines(batch, flows.dates[None, :], levered=False)
    net = np.where(flows.lease_live[rows], lines["unlevered_cash_flow_usd"], 0.0)
    net[:, 0] += flows.fleet_sale_usd[rows]
    return np.sum(flows.discount[rows] * net, axis=1)


def _breakeven_rent(flows: ComparisonFlows, target: np.ndarray, lease_npv: np.ndarray) -> tuple[np.ndarray, list]:
    """Year-1 rent at which the lease's NPV equals ``target`` (mining's), per scenario; NaN and why where none.

    The lease's NPV is piecewise linear and non-decreasing in rent, so a secant step from the base rent and a
    1% move lands on the root when both lie on the root's linear piece (almost always). Elsewhere the accepted
    range (0, 10,000] is checked for a root, then secant steps continue inside the bracket, bisecting where they
    do not shrink it.
    """
    count = len(target)
    rows = np.arange(count)
    tolerance = _tolerance(target)
    rent = np.full(count, np.nan)
    why: list[HashleaseError | None] = [None] * count
    a = flows.lease_batch.fields["rent_usd_per_kw_month"].copy()
    step = np.maximum(0.01 * a, 1.0)  # at least 1 USD/kW-month: the secant keeps its digits from a tiny rent
    b = np.where(a + step <= MAX_RENT_USD_PER_KW_MONTH, a + step, a - step)
    g_a = lease_npv - target
    g_b = _lease_npv_at(flows, rows, b) - target
    with np.errstate(divide="ignore", invalid="ignore"):
        c = b - g_b * (b - a) / (g_b - g_a)
    inside = np.isfinite(c) & (c > 0) & (c <= MAX_RENT_USD_PER_KW_MONTH)
    # without an exit cap the lease's NPV is linear in rent: the secant root is exact. With one, a residual
    # floored at zero may bend it between the points, so the root is checked
    linear = np.isnan(flows.lease_batch.fields["exit_cap"])
    rent[inside & linear] = c[inside & linear]
    todo = np.flatnonzero(inside & ~linear)
    g_c = _lease_npv_at(flows, todo, c[todo]) - target[todo]
    done = np.abs(g_c) <= tolerance[todo]
    rent[todo[done]] = c[todo[done]]
    rest = np.flatnonzero(~np.isfinite(rent))
    if not rest.size:
        return rent, why
    # the rest: is there a root in (0, top]? then search the bracket
    low, high = np.zeros(rest.size), np.full(rest.size, MAX_RENT_USD_PER_KW_MONTH)
    g_low = _lease_npv_at(flows, rest, low) - target[rest]
    g_high = _lease_npv_at(flows, rest, high) - target[rest]
    active = np.ones(rest.size, dtype=bool)
    for i in np.flatnonzero(g_low > tolerance[rest]):
        active[i] = False
        why[rest[i]] = HashleaseError("lease.rent_usd_per_kw_month", "no break-even", "a rent at which the two "
                                      "NPVs are equal", detail="the lease is worth more than mining even at a rent "
                                      "of zero")
    for i in np.flatnonzero(active & (g_high < -tolerance[rest])):
        active[i] = False
        why[rest[i]] = HashleaseError("lease.rent_usd_per_kw_month", "no break-even", "a rent at which the two "
                                      "NPVs are equal", detail=f"mining is worth more than the lease at every "
                                      f"rent up to {MAX_RENT_USD_PER_KW_MONTH:,.0f} USD/kW-month")
    g_lo, g_hi = g_low.copy(), g_high.copy()
    for iteration in range(200):
        todo = np.flatnonzero(active)
        if not todo.size:
            break
        lo, hi, flo, fhi = low[todo], high[todo], g_lo[todo], g_hi[todo]
        with np.errstate(divide="ignore", invalid="ignore"):
            secant = lo - flo * (hi - lo) / (fhi - flo)
        middle = 0.5 * (lo + hi)
        # regula falsi on odd steps, bisection on even ones: the bracket at least halves every two steps
        trial = np.where((iteration % 2 == 0) & np.isfinite(secant) & (secant > lo) & (secant < hi), secant, middle)
        g_t = _lease_npv_at(flows, rest[todo], trial) - target[rest[todo]]
        settled = (np.abs(g_t) <= tolerance[rest[todo]]) | (hi - lo <= 1e-12 * np.maximum(1.0, trial))
        rent[rest[todo[settled]]] = trial[settled]
        active[todo[settled]] = False
        below = g_t < 0
        low[todo] = np.where(below, trial, lo)
        g_lo[todo] = np.where(below, g_t, flo)
        high[todo] = np.where(below, hi, trial)
        g_hi[todo] = np.where(below, fhi, g_t)
    return rent, why


# --- one comparison ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SiteComparison:
    """Both options valued: a summary (one row per option and their difference), the monthly cash, and why any
    summary figure is empty (``problems``: "option column" -> reason)."""

    summary: pd.DataFrame
    monthly: pd.DataFrame
    problems: dict[str, str] = field(default_factory=dict)

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


def _optional(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def comparison_summary(values: ComparisonValues, scenario: int, dates: np.ndarray, *, records: bool = False
                       ) -> tuple[pd.DataFrame | list[dict], dict[str, str]]:
    """One scenario's summary table from a batch's values, and why any figure of it is empty.

    The table has one row per option (``keep_mining``, ``convert_to_lease``) and their difference
    (``lease_minus_mining``); columns ``npv_usd``, ``irr_per_year_frac``, ``payback_month``, ``payback_date``
    (the first day of the payback month in ``dates``, the scenario's month grid) and ``total_cash_usd``. An IRR
    or payback that does not exist is empty, its reason in the returned dict ("option column" -> reason).
    ``records=True`` gives the rows as dicts (the index column first), without building a DataFrame.

    Raises
    ------
    HashleaseError
        The scenario's own error, where it has no finite value.
    """
    if values.errors[scenario] is not None:
        raise values.errors[scenario]
    v = {name: array[scenario] for name, array in values.values.items()}
    rows = []
    problems = {}
    for option, name in (("keep_mining", "mining"), ("convert_to_lease", "lease")):
        for column in ("irr_per_year_frac", "payback_month"):
            reason = values.reason(f"{name}_{column}", scenario)
            if reason is not None:
                problems[f"{option} {column}"] = reason
        payback = _optional(v[f"{name}_payback_month"])
        rows.append(dict(option=option, npv_usd=float(v[f"{name}_npv_usd"]),
                         irr_per_year_frac=_optional(v[f"{name}_irr_per_year_frac"]),
                         payback_month=None if payback is None else int(payback),
                         payback_date=None if payback is None else dates[int(payback)].item(),
                         total_cash_usd=float(v[f"{name}_total_cash_usd"])))
    rows.append(dict(option="lease_minus_mining", npv_usd=rows[1]["npv_usd"] - rows[0]["npv_usd"],
                     irr_per_year_frac=None, payback_month=None, payback_date=None,
                     total_cash_usd=rows[1]["total_cash_usd"] - rows[0]["total_cash_usd"]))
    return (rows if records else pd.DataFrame(rows).set_index("option")), problems


def comparison_summaries(inputs: Sequence[SiteComparisonInputs], values: ComparisonValues | None = None, *,
                         records: bool = False) -> list[pd.DataFrame | list[dict] | HashleaseError]:
    """Summary tables of many comparisons from one pass (``values``: a pass already made over ``inputs`` with
    ``mining_irr=True``); a scenario with no finite value gives its error in its place. ``records``: each table
    as rows of dicts (see :func:`comparison_summary`).

    Each table is :func:`compare_site`'s ``summary`` for the same inputs.

    Examples
    --------
    >>> from hashlease.models import example_comparison, with_input
    >>> base = example_comparison()
    >>> tables = comparison_summaries([base, with_input(base, "market.btc_price_usd", 150_000)])
    >>> bool(tables[0].equals(compare_site(base).summary))
    True
    """
    inputs = list(inputs)
    if values is None:
        values = value_comparisons(inputs, breakevens=False, mining_irr=True)
    out: list[pd.DataFrame | HashleaseError] = []
    for i, x in enumerate(inputs):
        try:
            out.append(comparison_summary(values, i, month_start_dates(x.start, x.horizon), records=records)[0])
        except HashleaseError as exc:
            out.append(exc)
    return out


def compare_site(inputs: SiteComparisonInputs) -> SiteComparison:
    """Value both options for one site and lay their monthly cash side by side (the batch of one).

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> result = compare_site(example_comparison())
    >>> list(result.summary.index)
    ['keep_mining', 'convert_to_lease', 'lease_minus_mining']
    >>> result.npv_difference_usd > 0
    True
    """
    values = ComparisonValues({name: np.full(1, np.nan) for name in OUTPUTS}, [None],
                              {name: [None] for name in OUTPUTS})
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # judged below: finite or an error
        flows = comparison_flows([inputs])
        _value_group(flows, np.arange(1), values.values, values.errors, values.problems, breakevens=False,
                     mining_irr=True)
    summary, problems = comparison_summary(values, 0, flows.dates)
    mining, lease = flows.mining, flows.lease
    monthly = pd.DataFrame({
        "hashprice_usd_per_ph_day": flows.market["hashprice_usd_per_ph_day"][0],
        "btc_price_usd": flows.market["btc_price_usd"][0],
        "mining_revenue_usd": mining["mining_revenue_usd"][0], "mining_power_cost_usd": mining["power_cost_usd"][0],
        "mining_opex_usd": mining["opex_usd"][0], "mining_capex_usd": mining["refresh_capex_usd"][0],
        "mining_salvage_usd": mining["salvage_usd"][0], "mining_net_cash_flow_usd": mining["net_cash_flow_usd"][0],
        "lease_noi_usd": lease["noi_usd"][0], "lease_capex_usd": lease["capex_usd"][0],
        "lease_residual_value_usd": lease["residual_value_usd"][0], "lease_net_cash_flow_usd": lease["net_cash_flow_usd"][0],
        "cumulative_mining_usd": np.cumsum(mining["net_cash_flow_usd"][0]),
        "cumulative_lease_usd": np.cumsum(lease["net_cash_flow_usd"][0]),
        "cumulative_lease_minus_mining_usd": np.cumsum(lease["net_cash_flow_usd"][0] - mining["net_cash_flow_usd"][0]),
    }, index=pd.DatetimeIndex(flows.dates, name="date"))
    return SiteComparison(summary, monthly, problems)


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
    >>> from hashlease.models import example_comparison, with_input
    >>> inputs = example_comparison()
    >>> price = breakeven_btc_price_vs_lease(inputs)
    >>> result = compare_site(with_input(inputs, "market.btc_price_usd", price))
    >>> abs(result.npv_difference_usd) < 1e-6 * abs(result.lease_npv_usd)
    True
    """
    return value_comparisons([inputs]).value("breakeven_btc_price_usd")


def breakeven_hashprice_vs_lease(inputs: SiteComparisonInputs) -> float:
    """Starting hashprice (the whole hashprice path scaled by one factor) at which the two NPVs are equal.

    Revenue is proportional to hashprice, and hashprice to the BTC price, so this is the BTC price
    break-even's factor applied to the first month's hashprice. [USD/PH/day]

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> inputs = example_comparison()
    >>> ratio = breakeven_hashprice_vs_lease(inputs) / hashprice_now(inputs)
    >>> bool(abs(ratio - breakeven_btc_price_vs_lease(inputs) / 93_450) < 1e-12)
    True
    """
    return value_comparisons([inputs]).value("breakeven_hashprice_usd_per_ph_day")


def hashprice_now(inputs: SiteComparisonInputs) -> float:
    """Hashprice of the first month of the projection. [USD/PH/day]

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> round(hashprice_now(example_comparison()), 2)  # 108.52T difficulty, $93,450, 3.125 + 0.0931 BTC
    55.75
    """
    return value_comparisons([inputs], breakevens=False).value("hashprice_now_usd_per_ph_day")


def breakeven_rent_vs_mining(inputs: SiteComparisonInputs) -> float:
    """Year-1 rent at which the lease's NPV equals mining's. [USD/kW-month]

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> inputs = example_comparison()
    >>> rent = breakeven_rent_vs_mining(inputs)
    >>> 0 < rent < 130  # the example's lease at $130 beats mining, so mining matches it at a lower rent
    True
    """
    return value_comparisons([inputs]).value("breakeven_rent_usd_per_kw_month")
