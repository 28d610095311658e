"""The one list of HL_ Excel functions. Every adapter, the docs and the contract tests are derived from it.

Each :class:`ExcelFunction` names the Excel function, the model callable it runs, a description (the Function
Wizard tooltip, at most 255 characters), and each argument's name, unit, kind, default and accepted values.
``call`` only maps Excel's positional arguments onto the model's keyword arguments: no maths lives here.

Argument kinds:

- ``number``: a number or a range of numbers; ranges broadcast together and the result has their shape
  (a whole column is one vectorised call).
- ``integer``: as ``number``, whole numbers (block heights, months).
- ``date``: an Excel date (a date cell, or a serial number in the workbook's date system: 1900 unless the
  backend says 1904, see :func:`hashlease.addin.runtime.date_system`).
- ``choice``: one of ``choices`` (matched without regard to case, as Excel matches names).
- ``flag``: TRUE or FALSE.
- ``assumptions``: a two-column range of named assumptions (name | value), validated by the model's pydantic
  input class, so a template's Inputs block is one argument.

Return shapes: ``scalar`` (or the broadcast shape of array arguments), ``table`` (a header row, then rows,
spilling), ``pairs`` (two columns: name | value).

Sizes a user controls through an argument are bounded by Excel's grid (:data:`EXCEL_ROWS` rows,
:data:`EXCEL_COLUMNS` columns): ``maximum`` bounds a number (``rows``), ``max_cells`` the cells of a range whose
values become rows or columns of the result, and ``single`` marks number arguments that take one cell only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from pydantic import BaseModel

from hashlease import models as m
from hashlease.models.assumption_blocks import field_bounds

__all__ = ["Arg", "ExcelFunction", "REGISTRY", "by_name", "CATEGORY", "REQUIRED", "ERROR_POLICY", "EXCEL_ROWS",
           "EXCEL_COLUMNS"]

CATEGORY = "hashlease"
REQUIRED: Any = object()  # sentinel: the argument has no default
#: Rows and columns of an Excel worksheet (Excel specifications and limits): no result or range is larger.
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384

#: How failures reach Excel, for every function. Classic add-in: a text beginning with the error code;
#: xlwings Lite: a #VALUE! error cell whose message begins with the same text.
ERROR_POLICY = {
    "invalid number (out of range, not finite, no solution)": "#NUM!",
    "wrong type (text for a number, empty required cell, unknown choice or assumption name)": "#VALUE!",
    "array arguments whose shapes do not broadcast": "#VALUE!",
    "an argument holding an error value (#REF!, #N/A, ...)": "#VALUE!",
    "a size larger than Excel's grid (rows, a range's cells)": "#NUM!",
    "unexpected error (a bug: logged with its traceback)": "#VALUE!",
}

Kind = Literal["number", "integer", "date", "choice", "flag", "assumptions"]


@dataclass(frozen=True)
class Arg:
    """One argument of an Excel function."""

    name: str
    doc: str
    unit: str
    kind: Kind = "number"
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()
    accepted: str = ""
    schema: type | None = None  # the pydantic input class an "assumptions" range is validated by
    single: bool = False  # a number argument that takes one cell, not a range
    maximum: float | None = None  # the largest number accepted (a size bounded by Excel's grid)
    max_cells: int | None = None  # the most cells a range may have (its values become result rows or columns)

    @property
    def optional(self) -> bool:
        return self.default is not REQUIRED


@dataclass(frozen=True)
class ExcelFunction:
    """One HL_ function: Excel name, model callable, description, arguments, return shape and unit."""

    name: str
    call: Callable[..., Any]
    description: str
    args: tuple[Arg, ...]
    returns: Literal["scalar", "table", "pairs"] = "scalar"
    returns_unit: str = ""
    model: str = ""
    group: str = ""
    error_policy: dict[str, str] = field(default_factory=lambda: dict(ERROR_POLICY))
    example: str = ""
    empty_columns: tuple[str, ...] = ()  # table columns the model leaves empty where a figure does not apply
    #: Optional batched kernel: (list of converted argument lists, a cache shared by one calculation) -> one
    #: result (or the exception it raises) per call, equal to ``call`` on each. Used by
    #: :func:`hashlease.addin.runtime.invoke_many`; it maps arguments onto the models' batched functions only.
    batch: Callable[[list[list[Any]], dict], list[Any]] | None = None


# --- shared argument definitions (one place for each wording) ------------------------------------------

DIFFICULTY = Arg("difficulty", "Network difficulty, e.g. 108.52E12", "unitless", accepted="> 0")
BTC_PRICE = Arg("btc_price_usd", "Bitcoin price", "USD/BTC", accepted="> 0")
FEES = Arg("fees_btc_per_block", "Average transaction fees per block", "BTC/block", accepted=">= 0")
HEIGHT = Arg("block_height", "Current block height", "blocks", kind="integer", accepted="whole number >= 0")
UNIT = Arg("unit", "Hashrate unit of the result: TH, PH or EH", "-", kind="choice", default="PH",
           choices=("TH", "PH", "EH"))
EFFICIENCY = Arg("efficiency_j_per_th", "Machine efficiency at the wall", "J/TH", accepted="> 0")
POWER_PRICE = Arg("power_price_usd_per_kwh", "All-in power price", "USD/kWh", accepted=">= 0")
HASHPRICE = Arg("hashprice_usd_per_ph_day", "USD hashprice", "USD/PH/day", accepted=">= 0")
UPTIME = Arg("uptime_frac", "Share of the day the machines hash (0.97 for 97%)", "fraction", default=1.0,
             accepted="(0, 1]")
POOL_FEE = Arg("pool_fee_frac", "Share of revenue the pool keeps (0.02 for 2%)", "fraction", default=0.0,
               accepted="[0, 1)")
PUE = Arg("pue", "Facility power over machine power", "ratio", default=1.0, accepted=">= 1")
OTHER_COST = Arg("other_cash_cost_usd_per_ph_day", "Other cash costs per PH/s installed", "USD/PH/day",
                 default=0.0, accepted=">= 0")
REFINE = (UPTIME, POOL_FEE, PUE, OTHER_COST)
LEASE = Arg("lease_assumptions", "Two-column range: lease assumption name | value (see LeaseInputs)", "-",
            kind="assumptions", schema=m.LeaseInputs)
MARKET = Arg("market_assumptions", "Two-column range: market projection name | value (see MarketProjection)",
             "-", kind="assumptions", schema=m.MarketProjection)
MINING = Arg("mining_assumptions", "Two-column range: mining site name | value; fleet rows as "
             "'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s", "-", kind="assumptions", schema=m.MiningSiteInputs)
LEVERED = Arg("levered", "TRUE for the levered (equity) figure, FALSE for unlevered", "-", kind="flag",
              default=False)
# bounds of assumptions the models validate with pydantic are read from the Field, never restated here
DISCOUNT = Arg("discount_rate_per_year_frac", "Discount rate for both options", "fraction/year", default=0.10,
               single=True,
               accepted=field_bounds(m.SiteComparisonInputs, "discount_rate_per_year_frac").accepted)
HORIZON = Arg("horizon_months", "Months compared; 0 for the lease's full length", "months", kind="integer",
              default=0, single=True, accepted="0, or a whole number in "
              + field_bounds(m.SiteComparisonInputs, "horizon_months").accepted)


def _refine(uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day):
    return dict(uptime_frac=uptime_frac, pool_fee_frac=pool_fee_frac, pue=pue,
                other_cash_cost_usd_per_ph_day=other_cash_cost_usd_per_ph_day)


def _comparison(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac,
                horizon_months):
    return m.SiteComparisonInputs(market=market_assumptions, mining=mining_assumptions, lease=lease_assumptions,
                                  discount_rate_per_year_frac=discount_rate_per_year_frac,
                                  horizon_months=horizon_months or None)


def _comparisons(calls: list[list[Any]], cache: dict) -> list[tuple[Any, Any, int] | Exception]:
    """(the batch's inputs, its :class:`~hashlease.models.ComparisonValues`, the call's index in it) for each call
    of a comparison function: the distinct comparisons not yet valued in this calculation are valued in one pass
    (with both break-evens and mining's IRR), shared by every comparison function through ``cache``."""
    keys = [("comparison",) + tuple(id(v) if isinstance(v, BaseModel) else v for v in values[:5]) for values in calls]
    new: dict[tuple, Any] = {}
    for key, values in zip(keys, calls):
        if key not in cache and key not in new:
            try:
                new[key] = _comparison(*values[:5])
            except Exception as exc:
                cache[key] = exc
    if new:
        inputs = list(new.values())
        batch = {"inputs": inputs, "values": m.value_comparisons(inputs, mining_irr=True)}
        for i, key in enumerate(new):
            cache[key] = (batch, i)
    return [cache[key] for key in keys]


def _comparison_batch(read: Callable[[dict, int], Any]) -> Callable[[list[list[Any]], dict], list[Any]]:
    def batch(calls: list[list[Any]], cache: dict) -> list[Any]:
        out = []
        for entry in _comparisons(calls, cache):
            if isinstance(entry, Exception):
                out.append(entry)
                continue
            try:
                out.append(read(*entry))
            except Exception as exc:
                out.append(exc)
        return out
    return batch


def _summary_of(batch: dict, i: int) -> Any:
    if "summaries" not in batch:
        batch["summaries"] = m.comparison_summaries(batch["inputs"], batch["values"], records=True)
    return batch["summaries"][i]


def _lease_batch(read: Callable[..., Any]) -> Callable[[list[list[Any]], dict], list[Any]]:
    """A lease function's batched kernel: every distinct lease of the calculation valued in one pass."""
    def batch(calls: list[list[Any]], cache: dict) -> list[Any]:
        new = {}
        for values in calls:
            key = ("lease", id(values[0]))
            if key not in cache:
                new[key] = values[0]
        if new:
            for key, summary in zip(new, m.lease_summary_list(list(new.values()))):
                cache[key] = summary
        out = []
        for values in calls:
            try:
                out.append(read(cache[("lease", id(values[0]))], *values[1:]))
            except Exception as exc:
                out.append(exc)
        return out
    return batch


SENSITIVITY_INPUTS = (
    "market.btc_price_usd", "market.btc_price_growth_per_year_frac", "market.difficulty_growth_per_month_frac",
    "market.fees_btc_per_block", "mining.power_price_usd_per_kwh", "mining.pue", "mining.uptime_frac",
    "mining.opex_usd_per_mw_month", "lease.rent_usd_per_kw_month", "lease.capex_usd_per_mw",
    "lease.escalator_per_year_frac", "lease.delay_months", "lease.term_years", "lease.exit_cap_rate_frac",
    "discount_rate_per_year_frac",
)


def _sensitivity(market_assumptions, mining_assumptions, lease_assumptions, row_input, row_values, column_input,
                 column_values, discount_rate_per_year_frac, horizon_months):
    import numpy as np

    inputs = _comparison(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac,
                         horizon_months)
    rows = [float(x) for x in np.ravel(row_values)]
    columns = [float(x) for x in np.ravel(column_values)]
    grid = m.sensitivity_grid(inputs, (row_input, rows), (column_input, columns))
    grid.index.name = f"{row_input} \\ {column_input}"
    grid.columns = [float(c) for c in grid.columns]
    return grid


def _site_cash(*inputs):
    monthly = m.compare_site(_comparison(*inputs)).monthly
    return monthly[["btc_price_usd", "hashprice_usd_per_ph_day", "mining_net_cash_flow_usd", "lease_net_cash_flow_usd",
                    "cumulative_mining_usd", "cumulative_lease_usd", "cumulative_lease_minus_mining_usd"]]


PHASES = Arg("phases", "Range of phases, one row each: site MW | critical IT MW | cut-over month (no header)", "MW, MW, "
             "months", accepted="3 columns: " + ", ".join(
                 field_bounds(m.ConversionPhase, f).accepted for f in ("site_mw", "critical_it_mw", "cutover_month")))
DISPLACED = Arg("displaced_fleet", "What happens to machines displaced at a cut-over: redeploy (into spare power, "
                "then sell) or sell", "-", kind="choice", default="redeploy", choices=("redeploy", "sell"))


def _phased(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac,
            displaced_fleet):
    import numpy as np

    grid = np.atleast_2d(np.asarray(phases, dtype=float))
    if grid.shape[1] != 3:
        raise m.HashleaseError("phases", f"{grid.shape[1]} columns", "3 columns: site MW, critical IT MW, cut-over month",
                               kind=m.ErrorKind.VALUE)
    rows = [dict(site_mw=float(a), critical_it_mw=float(b), cutover_month=int(c) if float(c).is_integer() else float(c))
            for a, b, c in grid if not (a == 0 and b == 0 and c == 0)]
    site = _comparison(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, 0)
    return m.PhasedSiteInputs(site=site, phases=rows, displaced_fleet=displaced_fleet)


def _curtailment(timestamps, prices_usd_per_mwh, threshold_usd_per_mwh, credit_usd_per_mwh_curtailed):
    import numpy as np
    import pandas as pd

    stamps = np.ravel(timestamps)  # date-times: the runtime reads serials in the workbook's date system
    curve = m.read_price_curve(stamps, np.ravel(prices_usd_per_mwh))
    threshold = np.ravel(threshold_usd_per_mwh)
    _, monthly = m.curtailment(curve, threshold[0] if threshold.size == 1 else threshold,
                               credit_usd_per_mwh_curtailed=credit_usd_per_mwh_curtailed)
    frame = pd.DataFrame({name: getattr(monthly, name) for name in monthly._fields if name != "month"},
                         index=pd.DatetimeIndex(monthly.month.astype("datetime64[D]"), name="month"))
    return frame


def _phased_schedule(*args):
    table = m.phased_site(_phased(*args[:6])).schedule
    columns = ["mining_site_mw", "critical_it_mw_online", "fleet_running_frac", "mining_net_cash_flow_usd",
               "fleet_sale_usd", "lease_cash_flow_usd", "net_cash_flow_usd", "cumulative_net_cash_flow_usd"]
    return table[columns]


ROWS = Arg("rows", "Rows of the array range this formula fills (a legacy array formula); the table is padded "
           "with blanks to it. 0 for exactly the table", "rows", kind="integer", default=0, single=True,
           maximum=EXCEL_ROWS, accepted=f"whole number in [0, {EXCEL_ROWS:,}] (Excel's rows)")


REGISTRY: tuple[ExcelFunction, ...] = (
    # --- protocol ---------------------------------------------------------------------------------------
    ExcelFunction("HL_SUBSIDY", lambda block_height: m.block_subsidy_btc(block_height),
                  "Block subsidy at a block height, in BTC, as Bitcoin's consensus rule computes it.",
                  (HEIGHT,), returns_unit="BTC", model="block_subsidy_btc", group="Protocol",
                  example="=HL_SUBSIDY(1050000) -> 1.5625"),
    ExcelFunction("HL_NEXT_HALVING_HEIGHT", lambda block_height: m.next_halving_height(block_height),
                  "First block height after this one at which the subsidy halves.",
                  (HEIGHT,), returns_unit="blocks", model="next_halving_height", group="Protocol",
                  example="=HL_NEXT_HALVING_HEIGHT(874944) -> 1050000"),
    ExcelFunction("HL_HALVING_DATE",
                  lambda block_height, as_of_date, mean_block_interval_s:
                  m.next_halving_time(block_height, as_of_date, mean_block_interval_s=mean_block_interval_s),
                  "Estimated date of the next halving, from a block height mined on a date and a mean block "
                  "interval (600 s unless given). Returns an Excel date.",
                  (HEIGHT, Arg("as_of_date", "Date the block height was mined", "date", kind="date"),
                   Arg("mean_block_interval_s", "Mean seconds between blocks", "s", default=600.0, accepted="> 0")),
                  returns_unit="date", model="next_halving_time", group="Protocol",
                  example="=HL_HALVING_DATE(840000, DATE(2024,4,20)) -> 17 Apr 2028"),
    ExcelFunction("HL_NETWORK_HASHRATE",
                  lambda difficulty, unit: m.network_hashrate(difficulty, unit=unit),
                  "Network hashrate implied by a difficulty (difficulty x 2^32 / 600 s), in the unit asked.",
                  (DIFFICULTY, Arg("unit", "Unit of the result: H, TH, PH, EH or ZH (per second)", "-",
                                   kind="choice", default="EH", choices=("H", "TH", "PH", "EH", "ZH"))),
                  returns_unit="unit/s", model="network_hashrate", group="Protocol",
                  example="=HL_NETWORK_HASHRATE(101.65E12) -> 727.64"),
    # --- hashprice --------------------------------------------------------------------------------------
    ExcelFunction("HL_HASHPRICE",
                  lambda difficulty, btc_price_usd, fees_btc_per_block, block_height, unit:
                  m.hashprice_usd_per_day(difficulty, btc_price_usd, block_height,
                                          fees_btc_per_block=fees_btc_per_block, unit=unit),
                  "USD hashprice: expected USD earned per unit of hashrate per day at this difficulty, BTC "
                  "price, fees and block height.",
                  (DIFFICULTY, BTC_PRICE, FEES, HEIGHT, UNIT), returns_unit="USD/unit/day",
                  model="hashprice_usd_per_day", group="Hashprice",
                  example="=HL_HASHPRICE(108.52E12, 93450, 0.0931, 874944) -> 55.75"),
    ExcelFunction("HL_HASHPRICE_BTC",
                  lambda difficulty, fees_btc_per_block, block_height, unit:
                  m.hashprice_btc_per_day(difficulty, block_height, fees_btc_per_block=fees_btc_per_block,
                                          unit=unit),
                  "BTC hashprice: expected BTC earned per unit of hashrate per day.",
                  (DIFFICULTY, FEES, HEIGHT, UNIT), returns_unit="BTC/unit/day", model="hashprice_btc_per_day",
                  group="Hashprice", example="=HL_HASHPRICE_BTC(101.65E12, 0.155, 860000) -> 0.00064911"),
    ExcelFunction("HL_HASHPRICE_POST_HALVING",
                  lambda difficulty, btc_price_usd, fees_btc_per_block, block_height, unit:
                  m.hashprice_usd_per_day(difficulty, btc_price_usd, block_height,
                                          fees_btc_per_block=fees_btc_per_block, unit=unit, after_next_halving=True),
                  "USD hashprice after the next halving: next epoch's subsidy, same difficulty, price and fees.",
                  (DIFFICULTY, BTC_PRICE, FEES, HEIGHT, UNIT), returns_unit="USD/unit/day",
                  model="hashprice_usd_per_day(after_next_halving=True)", group="Hashprice",
                  example="=HL_HASHPRICE_POST_HALVING(108.52E12, 93450, 0.0931, 874944) -> 28.68"),
    # --- costs and breakevens ---------------------------------------------------------------------------
    ExcelFunction("HL_HASHCOST",
                  lambda efficiency_j_per_th, power_price_usd_per_kwh, unit, uptime_frac, pue:
                  m.hashcost_usd_per_day(efficiency_j_per_th, power_price_usd_per_kwh, unit=unit,
                                         uptime_frac=uptime_frac, pue=pue),
                  "Power cost of one unit of hashrate for a day: J/TH x 24 h x USD/kWh x PUE x uptime.",
                  (EFFICIENCY, POWER_PRICE, UNIT, UPTIME, PUE), returns_unit="USD/unit/day",
                  model="hashcost_usd_per_day", group="Costs and breakevens",
                  example="=HL_HASHCOST(17.5, 0.05) -> 21.00"),
    ExcelFunction("HL_BREAKEVEN_POWER_PRICE",
                  lambda hashprice_usd_per_ph_day, efficiency_j_per_th, *refine:
                  m.breakeven_power_price_usd_per_kwh(hashprice_usd_per_ph_day, efficiency_j_per_th, **_refine(*refine)),
                  "Power price at which a machine's cash margin is zero, at a given hashprice.",
                  (HASHPRICE, EFFICIENCY, *REFINE), returns_unit="USD/kWh",
                  model="breakeven_power_price_usd_per_kwh", group="Costs and breakevens",
                  example="=HL_BREAKEVEN_POWER_PRICE(54.3, 17.5) -> 0.1293"),
    ExcelFunction("HL_BREAKEVEN_POWER_PRICE_POST_HALVING",
                  lambda difficulty, btc_price_usd, fees_btc_per_block, block_height, efficiency_j_per_th, *refine:
                  m.market_breakeven_power_price_usd_per_kwh(
                      difficulty, btc_price_usd, block_height, efficiency_j_per_th,
                      fees_btc_per_block=fees_btc_per_block, after_next_halving=True, **_refine(*refine)),
                  "Breakeven power price after the next halving, from today's difficulty, price and fees.",
                  (DIFFICULTY, BTC_PRICE, FEES, HEIGHT, EFFICIENCY, *REFINE), returns_unit="USD/kWh",
                  model="market_breakeven_power_price_usd_per_kwh(after_next_halving=True)",
                  group="Costs and breakevens"),
    ExcelFunction("HL_BREAKEVEN_BTC_PRICE",
                  lambda difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh,
                  *refine: m.breakeven_btc_price_usd(difficulty, block_height, efficiency_j_per_th,
                                                     power_price_usd_per_kwh, fees_btc_per_block=fees_btc_per_block,
                                                     **_refine(*refine)),
                  "BTC price at which a machine's cash margin is zero (its cost to mine one BTC).",
                  (DIFFICULTY, FEES, HEIGHT, EFFICIENCY, POWER_PRICE, *REFINE), returns_unit="USD/BTC",
                  model="breakeven_btc_price_usd", group="Costs and breakevens",
                  example="=HL_BREAKEVEN_BTC_PRICE(101.65E12, 0.155, 860000, 17.5, 0.05) -> 32352"),
    ExcelFunction("HL_BREAKEVEN_BTC_PRICE_POST_HALVING",
                  lambda difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh,
                  *refine: m.breakeven_btc_price_usd(difficulty, block_height, efficiency_j_per_th,
                                                     power_price_usd_per_kwh, fees_btc_per_block=fees_btc_per_block,
                                                     after_next_halving=True, **_refine(*refine)),
                  "Breakeven BTC price after the next halving (same difficulty and fees).",
                  (DIFFICULTY, FEES, HEIGHT, EFFICIENCY, POWER_PRICE, *REFINE), returns_unit="USD/BTC",
                  model="breakeven_btc_price_usd(after_next_halving=True)", group="Costs and breakevens"),
    ExcelFunction("HL_BREAKEVEN_EFFICIENCY",
                  lambda hashprice_usd_per_ph_day, power_price_usd_per_kwh, *refine:
                  m.breakeven_efficiency_j_per_th(hashprice_usd_per_ph_day, power_price_usd_per_kwh, **_refine(*refine)),
                  "Least efficient machine (highest J/TH) that still breaks even at this hashprice and power price.",
                  (HASHPRICE, Arg("power_price_usd_per_kwh", "All-in power price", "USD/kWh", accepted="> 0"),
                   *REFINE), returns_unit="J/TH", model="breakeven_efficiency_j_per_th",
                  group="Costs and breakevens", example="=HL_BREAKEVEN_EFFICIENCY(54.3, 0.05) -> 45.25"),
    ExcelFunction("HL_BREAKEVEN_EFFICIENCY_POST_HALVING",
                  lambda difficulty, btc_price_usd, fees_btc_per_block, block_height, power_price_usd_per_kwh, *refine:
                  m.market_breakeven_efficiency_j_per_th(
                      difficulty, btc_price_usd, block_height, power_price_usd_per_kwh,
                      fees_btc_per_block=fees_btc_per_block, after_next_halving=True, **_refine(*refine)),
                  "Breakeven efficiency after the next halving, from today's difficulty, price and fees.",
                  (DIFFICULTY, BTC_PRICE, FEES, HEIGHT,
                   Arg("power_price_usd_per_kwh", "All-in power price", "USD/kWh", accepted="> 0"), *REFINE),
                  returns_unit="J/TH", model="market_breakeven_efficiency_j_per_th(after_next_halving=True)",
                  group="Costs and breakevens"),
    ExcelFunction("HL_COST_TO_MINE",
                  lambda difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh,
                  *refine: m.cost_to_mine_usd_per_btc(difficulty, block_height, efficiency_j_per_th,
                                                      power_price_usd_per_kwh, fees_btc_per_block=fees_btc_per_block,
                                                      **_refine(*refine)),
                  "Cash cost of mining one BTC: power only, or all-in with other cash costs per PH/day.",
                  (DIFFICULTY, FEES, HEIGHT, EFFICIENCY, POWER_PRICE, *REFINE), returns_unit="USD/BTC",
                  model="cost_to_mine_usd_per_btc", group="Costs and breakevens"),
    ExcelFunction("HL_COST_TO_MINE_POST_HALVING",
                  lambda difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh,
                  *refine: m.cost_to_mine_usd_per_btc(difficulty, block_height, efficiency_j_per_th,
                                                      power_price_usd_per_kwh, fees_btc_per_block=fees_btc_per_block,
                                                      after_next_halving=True, **_refine(*refine)),
                  "Cash cost of mining one BTC after the next halving (same difficulty and fees).",
                  (DIFFICULTY, FEES, HEIGHT, EFFICIENCY, POWER_PRICE, *REFINE), returns_unit="USD/BTC",
                  model="cost_to_mine_usd_per_btc(after_next_halving=True)", group="Costs and breakevens"),
    # --- fleet and per MW -------------------------------------------------------------------------------
    ExcelFunction("HL_TH_PER_MW", lambda efficiency_j_per_th, pue: m.th_s_per_mw(efficiency_j_per_th, pue=pue),
                  "Hashrate one MW of site power carries after facility overhead: 1,000,000 / (J/TH x PUE).",
                  (EFFICIENCY, PUE), returns_unit="TH/s per MW", model="th_s_per_mw", group="Fleet and per MW",
                  example="=HL_TH_PER_MW(17.5, 1.25) -> 45714.29"),
    ExcelFunction("HL_MINING_MARGIN_PER_MW_DAY",
                  lambda hashprice_usd_per_ph_day, efficiency_j_per_th, power_price_usd_per_kwh, pue, uptime_frac,
                  pool_fee_frac, other_cash_cost_usd_per_mw_day: m.mining_economics_per_mw(
                      hashprice_usd_per_ph_day, efficiency_j_per_th, power_price_usd_per_kwh, pue=pue,
                      uptime_frac=uptime_frac, pool_fee_frac=pool_fee_frac,
                      other_cash_cost_usd_per_mw_day=other_cash_cost_usd_per_mw_day).margin_usd_per_mw_day,
                  "Cash margin of one MW of site power filled with miners: revenue less power less other costs.",
                  (HASHPRICE, EFFICIENCY, POWER_PRICE, PUE, UPTIME, POOL_FEE,
                   Arg("other_cash_cost_usd_per_mw_day", "Other cash opex per MW of site power", "USD/MW/day",
                       default=0.0, accepted=">= 0")),
                  returns_unit="USD/MW/day", model="mining_economics_per_mw", group="Fleet and per MW"),
    # --- projections -----------------------------------------------------------------------------------
    ExcelFunction("HL_HASHPRICE_PATH", lambda market_assumptions, rows: m.hashprice_projection(market_assumptions),
                  "Monthly hashprice projection (difficulty, block rate, halvings, fees, BTC price) as a dated "
                  "table that spills.", (MARKET, ROWS), returns="table", model="hashprice_projection",
                  group="Projections"),
    # --- lease --------------------------------------------------------------------------------------------
    ExcelFunction("HL_LEASE_SCHEDULE", lambda lease_assumptions, rows: m.lease_schedule(lease_assumptions),
                  "Monthly schedule of an AI/HPC lease (rent, NOI, capex, debt, cash flows) as a dated table "
                  "that spills.", (LEASE, ROWS), returns="table", model="lease_schedule", group="Lease",
                  empty_columns=("lease_month", "lease_year", "rent_usd_per_kw_month")),
    ExcelFunction("HL_LEASE_NPV",
                  lambda lease_assumptions, levered: _lease_npv(m.lease_summary(lease_assumptions), levered),
                  "NPV of the lease (Excel XNPV from the valuation date), unlevered or levered.",
                  (LEASE, LEVERED), returns_unit="USD", model="lease_summary", group="Lease",
                  batch=_lease_batch(lambda summary, levered: _lease_npv(summary, levered))),
    ExcelFunction("HL_LEASE_IRR",
                  lambda lease_assumptions, levered: _lease_irr(m.lease_summary(lease_assumptions), levered),
                  "IRR of the lease (Excel XIRR of its monthly flows), unlevered or levered.",
                  (LEASE, LEVERED), returns_unit="fraction/year", model="lease_summary", group="Lease",
                  batch=_lease_batch(lambda summary, levered: _lease_irr(summary, levered))),
    ExcelFunction("HL_LEASE_PAYBACK",
                  lambda lease_assumptions: _required_value(m.lease_summary(lease_assumptions), "payback_month"),
                  "Months from construction start until cumulative unlevered cash turns non-negative.",
                  (LEASE,), returns_unit="months", model="lease_summary", group="Lease",
                  batch=_lease_batch(lambda summary: _required_value(summary, "payback_month"))),
    ExcelFunction("HL_LEASE_SUMMARY", lambda lease_assumptions: m.lease_summary(lease_assumptions),
                  "Every summary figure of the lease (NPV, IRR, payback, yield on cost, DSCR, implied rents) as "
                  "name | value pairs.", (LEASE,), returns="pairs", model="lease_summary", group="Lease",
                  batch=_lease_batch(lambda summary: summary)),
    # --- comparison ------------------------------------------------------------------------------------
    ExcelFunction("HL_SITE_COMPARE",
                  lambda *inputs: m.compare_site(_comparison(*inputs)).summary,
                  "Keep mining or convert to the lease: NPV, IRR, payback and total cash of both options and "
                  "their difference, as a table that spills.",
                  (MARKET, MINING, LEASE, DISCOUNT, HORIZON), returns="table", model="compare_site",
                  group="Mine or lease", empty_columns=("irr_per_year_frac", "payback_month", "payback_date"),
                  batch=_comparison_batch(_summary_of)),
    ExcelFunction("HL_SITE_CASH", lambda *inputs: _site_cash(*inputs[:5]),
                  "Monthly cash of both options (BTC price, hashprice, net cash and cumulative cash of mining and "
                  "of the lease, and the difference) as a dated table that spills.",
                  (MARKET, MINING, LEASE, DISCOUNT, HORIZON, ROWS), returns="table", model="compare_site",
                  group="Mine or lease"),
    ExcelFunction("HL_SENSITIVITY", _sensitivity,
                  "Lease NPV less mining NPV over a grid of two inputs (row input x column input), as a table "
                  "with the row values down the left and the column values across the top.",
                  (MARKET, MINING, LEASE,
                   Arg("row_input", "Input varied down the rows (its input name, as the workbook names the cell)", "-",
                       kind="choice",
                       choices=SENSITIVITY_INPUTS),
                   Arg("row_values", "Values of the row input", "input's unit", max_cells=EXCEL_ROWS - 1,
                       accepted=f"within its range; at most {EXCEL_ROWS - 1:,} values"),
                   Arg("column_input", "Input varied across the columns (its input name, as the workbook names the cell)",
                       "-", kind="choice",
                       choices=SENSITIVITY_INPUTS),
                   Arg("column_values", "Values of the column input", "input's unit", max_cells=EXCEL_COLUMNS - 1,
                       accepted=f"within its range; at most {EXCEL_COLUMNS - 1:,} values"),
                   DISCOUNT, HORIZON), returns="table", returns_unit="USD", model="sensitivity_grid",
                  group="Mine or lease"),
    ExcelFunction("HL_PHASED_NPV", lambda *args: m.phased_site(_phased(*args)).npv_usd,
                  "NPV of converting the site phase by phase while the rest keeps mining (Excel XNPV from the "
                  "start).", (MARKET, MINING, LEASE, PHASES, DISCOUNT, DISPLACED), returns_unit="USD",
                  model="phased_site", group="Phased conversion"),
    ExcelFunction("HL_PHASED_COMPARE", lambda *args: m.compare_three_options(_phased(*args)),
                  "Keep mining, full conversion at month 0 and the phased plan on one basis: NPV, IRR and payback, "
                  "as a table that spills.", (MARKET, MINING, LEASE, PHASES, DISCOUNT, DISPLACED), returns="table",
                  model="compare_three_options", group="Phased conversion",
                  empty_columns=("irr_per_year_frac", "payback_month")),
    ExcelFunction("HL_PHASED_SCHEDULE", lambda *args: _phased_schedule(*args[:6]),
                  "Monthly schedule of the phased plan (MW mined and leased, fleet share, mining, fleet sales, lease "
                  "and net cash) as a dated table that spills.", (MARKET, MINING, LEASE, PHASES, DISCOUNT, DISPLACED,
                                                                  ROWS),
                  returns="table", model="phased_site", group="Phased conversion"),
    ExcelFunction("HL_CURTAILMENT", lambda *args: _curtailment(*args[:4]),
                  "Mine an hourly power price curve only while the price is at or below a threshold (a cap, or "
                  "the break-even): per month, hours, hours mined, uptime, mean price mined, energy cost and "
                  "demand-response credit per MW of load, as a dated table that spills.",
                  (Arg("timestamps", "Start of each interval (Excel date-times, one spacing, no gaps or "
                       "duplicates)", "date-time", accepted="a column of increasing date-times"),
                   Arg("prices_usd_per_mwh", "Power price of each interval (negative prices allowed)", "USD/MWh",
                       accepted="finite numbers, one per timestamp"),
                   Arg("threshold_usd_per_mwh", "Mine while the price is at or below this: one value, or one per "
                       "interval", "USD/MWh", accepted="finite"),
                   Arg("credit_usd_per_mwh_curtailed", "Demand-response credit per MWh not drawn", "USD/MWh",
                       default=0.0, single=True, accepted=">= 0"), ROWS),
                  returns="table", model="curtailment", group="Phased conversion",
                  empty_columns=("mean_price_mined_usd_per_mwh",)),
    ExcelFunction("HL_BREAKEVEN_BTC_PRICE_VS_LEASE",
                  lambda *inputs: m.breakeven_btc_price_vs_lease(_comparison(*inputs)),
                  "Starting BTC price (whole price path scaled) at which mining's NPV equals the lease's.",
                  (MARKET, MINING, LEASE, DISCOUNT, HORIZON), returns_unit="USD/BTC",
                  model="breakeven_btc_price_vs_lease", group="Mine or lease",
                  batch=_comparison_batch(lambda batch, i: batch["values"].value("breakeven_btc_price_usd", i))),
    ExcelFunction("HL_BREAKEVEN_RENT_VS_MINING",
                  lambda *inputs: m.breakeven_rent_vs_mining(_comparison(*inputs)),
                  "Year-1 rent per kW-month at which the lease's NPV equals mining's.",
                  (MARKET, MINING, LEASE, DISCOUNT, HORIZON), returns_unit="USD/kW-month",
                  model="breakeven_rent_vs_mining", group="Mine or lease",
                  batch=_comparison_batch(lambda batch, i: batch["values"].value("breakeven_rent_usd_per_kw_month",
                                                                                 i))),
)


def _lease_npv(summary: Any, levered: bool) -> float:
    return getattr(summary, "levered_npv_usd" if levered else "unlevered_npv_usd")


def _lease_irr(summary: Any, levered: bool) -> float:
    return _required_value(summary, "levered_irr_per_year_frac" if levered else "unlevered_irr_per_year_frac")


def _required_value(summary: Any, field_name: str) -> Any:
    value = getattr(summary, field_name)
    if value is None:
        notes = "; ".join(summary.notes) or f"{field_name} does not exist for these flows"
        raise m.HashleaseError(field_name, "none", "a value that exists", detail=notes, kind=m.ErrorKind.NUM)
    return value


_BY_NAME = {f.name: f for f in REGISTRY}


def by_name(name: str) -> ExcelFunction:
    """The registered function called ``name`` (exact Excel name)."""
    return _BY_NAME[name]
