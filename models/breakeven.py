r"""Hashcost, mining margin and the breakevens: power price, BTC price, efficiency, cost to mine.

All figures are per unit of *installed* hashrate per day, with three explicit refinements:

- ``uptime_frac`` (0, 1]: share of the day the machines hash. Revenue and power both scale with it;
  costs in ``other_cash_cost_usd_per_ph_day`` (hosting, staff, repairs) do not.
- ``pool_fee_frac`` [0, 1): share of revenue the pool keeps.
- ``pue`` >= 1: facility power over machine power (cooling, transformers); multiplies power cost.

With those, per PH/s installed per day, at hashprice ``h`` (USD/PH/day), efficiency ``E`` (J/TH)
and power price ``p`` (USD/kWh):

.. math::

    \text{revenue} = h\,u\,(1 - f) \qquad
    \text{hashcost} = 24\,E\,p\,\mathrm{PUE}\,u \qquad
    \text{margin} = \text{revenue} - \text{hashcost} - c

One PH/s at E J/TH draws E kW (1 J/TH = 1 W per TH/s), hence 24 E kWh a day. The published
breakevens (Hashrate Index) use u = 1, f = 0, PUE = 1 and c = 0, the defaults here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import check_range, finite_result, first_bad, product_in_logs, result
from .difficulty import DifficultyOne
from .errors import ErrorKind, HashleaseError
from .hashprice import hashprice_btc_per_day, hashprice_usd_per_day
from .units import HASHES_PER_UNIT, HOURS_PER_DAY, hashes_per_unit

__all__ = [
    "hashcost_usd_per_day", "mining_margin_usd_per_ph_day", "breakeven_power_price_usd_per_kwh",
    "breakeven_efficiency_j_per_th", "breakeven_hashprice_usd_per_ph_day", "breakeven_btc_price_usd",
    "cost_to_mine_usd_per_btc",
    "market_breakeven_power_price_usd_per_kwh", "market_breakeven_efficiency_j_per_th",
]

_KW_PER_PH_PER_J_PER_TH = 1.0  # 1 PH/s = 1,000 TH/s; 1 J/TH = 1 W per TH/s -> 1,000 W = 1 kW


def _refinements(uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day):
    return (check_range("uptime_frac", uptime_frac, gt=0, le=1),
            check_range("pool_fee_frac", pool_fee_frac, ge=0, lt=1),
            check_range("pue", pue, ge=1),
            check_range("other_cash_cost_usd_per_ph_day", other_cash_cost_usd_per_ph_day, ge=0))


def hashcost_usd_per_day(efficiency_j_per_th: Any, power_price_usd_per_kwh: Any, *, uptime_frac: Any = 1.0,
                         pue: Any = 1.0, unit: str = "PH") -> float | np.ndarray:
    r"""Power cost of running one ``unit`` of hashrate for a day.

    Parameters
    ----------
    efficiency_j_per_th : array_like
        Machine efficiency at the wall, > 0. [J/TH] (= W per TH/s)
    power_price_usd_per_kwh : array_like
        All-in power price, >= 0. [USD/kWh]
    uptime_frac : array_like, optional
        Share of the day the machines run, in (0, 1]; default 1. [fraction]
    pue : array_like, optional
        Facility power over machine power, >= 1; default 1. [ratio]
    unit : {'TH', 'PH', 'EH'}, optional
        Hashrate unit, default 'PH'. [-]

    Returns
    -------
    float or numpy.ndarray
        [USD/(unit/s)/day]

    Notes
    -----
    .. math:: c_{PH} = 24 \cdot E \cdot p \cdot \mathrm{PUE} \cdot u

    (E in J/TH is kW per PH/s.) A common trap multiplies E by a price in USD/MWh: that gives USD per
    EH/s per day, not per PH/s.

    References
    ----------
    .. [1] Hashrate Index Roundup, 1 Apr 2024 (breakevens as hashprice / (J/TH x 24)),
       https://www.hashrateindex.com/blog/hashrate-index-roundup-april-1-2024/

    Examples
    --------
    >>> hashcost_usd_per_day(17.5, 0.05)  # Antminer S21 at $0.05/kWh
    21.0
    >>> round(hashcost_usd_per_day(17.5, 0.05, unit="TH"), 6)
    0.021
    """
    eff = check_range("efficiency_j_per_th", efficiency_j_per_th, gt=0)
    price = check_range("power_price_usd_per_kwh", power_price_usd_per_kwh, ge=0)
    uptime = check_range("uptime_frac", uptime_frac, gt=0, le=1)
    pue_ = check_range("pue", pue, ge=1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        per_ph = HOURS_PER_DAY * eff * _KW_PER_PH_PER_J_PER_TH * price * pue_ * uptime
        out = per_ph * hashes_per_unit(unit) / HASHES_PER_UNIT["PH"]
    out = product_in_logs(out, [HOURS_PER_DAY, eff, price, pue_, uptime, hashes_per_unit(unit)], [HASHES_PER_UNIT["PH"]])
    return finite_result("hashcost_usd_per_day", out,
                         {"efficiency_j_per_th": eff, "power_price_usd_per_kwh": price, "pue": pue_})


def mining_margin_usd_per_ph_day(hashprice_usd_per_ph_day: Any, efficiency_j_per_th: Any,
                                 power_price_usd_per_kwh: Any, *, uptime_frac: Any = 1.0,
                                 pool_fee_frac: Any = 0.0, pue: Any = 1.0,
                                 other_cash_cost_usd_per_ph_day: Any = 0.0) -> float | np.ndarray:
    r"""Cash margin per PH/s of installed hashrate per day: revenue less power less other cash costs.

    Notes
    -----
    .. math:: m = h\,u\,(1-f) - 24\,E\,p\,\mathrm{PUE}\,u - c

    Examples
    --------
    >>> round(mining_margin_usd_per_ph_day(55.21, 17.5, 0.05), 2)
    34.21
    """
    h = check_range("hashprice_usd_per_ph_day", hashprice_usd_per_ph_day, ge=0)
    uptime, fee, pue_, other = _refinements(uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)
    cost = hashcost_usd_per_day(efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac=uptime, pue=pue_)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = h * uptime * (1.0 - fee) - cost - other
    return finite_result("mining_margin_usd_per_ph_day", out,
                         {"hashprice_usd_per_ph_day": h, "other_cash_cost_usd_per_ph_day": other})


def breakeven_power_price_usd_per_kwh(hashprice_usd_per_ph_day: Any, efficiency_j_per_th: Any, *,
                                      uptime_frac: Any = 1.0, pool_fee_frac: Any = 0.0, pue: Any = 1.0,
                                      other_cash_cost_usd_per_ph_day: Any = 0.0) -> float | np.ndarray:
    r"""Power price at which a machine's cash margin is zero.

    Parameters
    ----------
    hashprice_usd_per_ph_day : array_like
        USD hashprice, >= 0. [USD/PH/day]
    efficiency_j_per_th : array_like
        Efficiency at the wall, > 0. [J/TH]
    uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day : array_like, optional
        Refinements (module docstring); defaults 1, 0, 1, 0. [fraction], [fraction], [ratio], [USD/PH/day]

    Returns
    -------
    float or numpy.ndarray
        Breakeven power price; negative when other cash costs exceed revenue (no power price
        breaks even). [USD/kWh]

    Notes
    -----
    .. math:: p^* = \frac{h\,u\,(1-f) - c}{24\,E\,\mathrm{PUE}\,u}

    With c = 0 the uptime cancels: downtime loses revenue and saves power in equal proportion.

    References
    ----------
    .. [1] Hashrate Index Roundup, 1 Apr 2024: at $54.3/PH/day, S21 $0.13, S19 XP $0.10,
       S19j Pro $0.075 per kWh, https://www.hashrateindex.com/blog/hashrate-index-roundup-april-1-2024/

    Examples
    --------
    >>> round(breakeven_power_price_usd_per_kwh(54.3, 17.5), 4)  # Antminer S21
    0.1293
    """
    h = check_range("hashprice_usd_per_ph_day", hashprice_usd_per_ph_day, ge=0)
    eff = check_range("efficiency_j_per_th", efficiency_j_per_th, gt=0)
    uptime, fee, pue_, other = _refinements(uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = (h * uptime * (1.0 - fee) - other) / (HOURS_PER_DAY * eff * pue_ * uptime)
    return finite_result("breakeven_power_price_usd_per_kwh", out,
                         {"hashprice_usd_per_ph_day": h, "efficiency_j_per_th": eff})


def breakeven_efficiency_j_per_th(hashprice_usd_per_ph_day: Any, power_price_usd_per_kwh: Any, *,
                                  uptime_frac: Any = 1.0, pool_fee_frac: Any = 0.0, pue: Any = 1.0,
                                  other_cash_cost_usd_per_ph_day: Any = 0.0) -> float | np.ndarray:
    r"""Least efficient machine (highest J/TH) whose cash margin is still zero at this power price.

    Parameters
    ----------
    hashprice_usd_per_ph_day : array_like
        USD hashprice, >= 0. [USD/PH/day]
    power_price_usd_per_kwh : array_like
        Power price, > 0. [USD/kWh]
    uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day : array_like, optional
        Refinements (module docstring). [fraction], [fraction], [ratio], [USD/PH/day]

    Returns
    -------
    float or numpy.ndarray
        Breakeven efficiency; machines at or below it break even. Zero or negative when other cash
        costs exceed revenue (no machine breaks even). [J/TH]

    Notes
    -----
    .. math:: E^* = \frac{h\,u\,(1-f) - c}{24\,p\,\mathrm{PUE}\,u}

    Examples
    --------
    >>> round(breakeven_efficiency_j_per_th(54.3, 0.05), 2)
    45.25
    """
    h = check_range("hashprice_usd_per_ph_day", hashprice_usd_per_ph_day, ge=0)
    price = check_range("power_price_usd_per_kwh", power_price_usd_per_kwh, gt=0)
    uptime, fee, pue_, other = _refinements(uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = (h * uptime * (1.0 - fee) - other) / (HOURS_PER_DAY * price * pue_ * uptime)
    return finite_result("breakeven_efficiency_j_per_th", out,
                         {"hashprice_usd_per_ph_day": h, "power_price_usd_per_kwh": price})


def breakeven_hashprice_usd_per_ph_day(efficiency_j_per_th: Any, power_price_usd_per_kwh: Any, *,
                                       uptime_frac: Any = 1.0, pool_fee_frac: Any = 0.0, pue: Any = 1.0,
                                       other_cash_cost_usd_per_ph_day: Any = 0.0) -> float | np.ndarray:
    r"""Hashprice at which a machine's cash margin is zero: below it, switch the machine off.

    Parameters
    ----------
    efficiency_j_per_th : array_like
        Efficiency at the wall, > 0. [J/TH]
    power_price_usd_per_kwh : array_like
        Power price, >= 0. [USD/kWh]
    uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day : array_like, optional
        Refinements (module docstring); defaults 1, 0, 1, 0. [fraction], [fraction], [ratio], [USD/PH/day]

    Returns
    -------
    float or numpy.ndarray
        Breakeven hashprice. [USD/PH/day]

    Notes
    -----
    .. math:: h^* = \frac{24\,E\,p\,\mathrm{PUE}\,u + c}{u\,(1-f)}

    The inverse of :func:`breakeven_power_price_usd_per_kwh` in the hashprice; dividing it by the BTC
    hashprice gives :func:`breakeven_btc_price_usd`.

    Examples
    --------
    >>> round(breakeven_hashprice_usd_per_ph_day(17.5, 0.05), 2)  # 24 x 17.5 x 0.05
    21.0
    >>> round(breakeven_hashprice_usd_per_ph_day(29.5, 0.05, pool_fee_frac=0.02, pue=1.1), 2)
    39.73
    """
    uptime, fee, pue_, other = _refinements(uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)
    cost = hashcost_usd_per_day(efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac=uptime, pue=pue_)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = (cost + other) / (uptime * (1.0 - fee))
    return finite_result("breakeven_hashprice_usd_per_ph_day", out,
                         {"efficiency_j_per_th": efficiency_j_per_th, "power_price_usd_per_kwh": power_price_usd_per_kwh,
                          "other_cash_cost_usd_per_ph_day": other})


def breakeven_btc_price_usd(difficulty: Any, block_height: Any, efficiency_j_per_th: Any,
                            power_price_usd_per_kwh: Any, *, fees_btc_per_block: Any = None,
                            fee_share_frac: Any = None, after_next_halving: bool = False,
                            uptime_frac: Any = 1.0, pool_fee_frac: Any = 0.0, pue: Any = 1.0,
                            other_cash_cost_usd_per_ph_day: Any = 0.0,
                            difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""BTC price at which a machine's cash margin is zero (equal to its cost to mine one BTC).

    Parameters
    ----------
    difficulty : array_like
        Network difficulty, > 0. [unitless]
    block_height : int or array_like of int
        Current block height, >= 0. [blocks]
    efficiency_j_per_th : array_like
        Efficiency at the wall, > 0. [J/TH]
    power_price_usd_per_kwh : array_like
        Power price, >= 0. [USD/kWh]
    fees_btc_per_block, fee_share_frac : array_like, optional
        Fees, exactly one of the two. [BTC/block], [fraction]
    after_next_halving : bool, optional
        Use the next halving's subsidy (same difficulty and fees in BTC). Default False.
    uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day : array_like, optional
        Refinements (module docstring). Power-only with the default c = 0; all-in with c > 0.
    difficulty_one : {'2^32', 'exact'}, optional
        Hashes per unit of difficulty. [-]

    Returns
    -------
    float or numpy.ndarray
        [USD/BTC]

    Raises
    ------
    HashleaseError
        If an input is out of range, or the reward is zero (no subsidy and no fees): nothing is mined,
        so no price breaks even.

    Notes
    -----
    .. math:: P^* = \frac{24\,E\,p\,\mathrm{PUE}\,u + c}{h_{BTC}\,u\,(1-f)}

    with :math:`h_{BTC}` the BTC hashprice per PH/s per day.

    Examples
    --------
    >>> round(breakeven_btc_price_usd(101.65e12, 860_000, 17.5, 0.05, fees_btc_per_block=0.155))
    32352
    """
    uptime, fee, pue_, other = _refinements(uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)
    btc = np.asarray(hashprice_btc_per_day(difficulty, block_height, fees_btc_per_block=fees_btc_per_block,
                                           fee_share_frac=fee_share_frac,
                                           after_next_halving=after_next_halving, unit="PH",
                                           difficulty_one=difficulty_one))
    index = first_bad(btc <= 0)
    if index is not None:
        raise HashleaseError("fees_btc_per_block", 0.0, "> 0 once the subsidy is zero", index=index or None,
                             detail="the block reward is zero, so no BTC price breaks even", kind=ErrorKind.NUM)
    hashprice = breakeven_hashprice_usd_per_ph_day(efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac=uptime,
                                                   pool_fee_frac=fee, pue=pue_, other_cash_cost_usd_per_ph_day=other)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = hashprice / btc
    return finite_result("breakeven_btc_price_usd", out,
                         {"difficulty": difficulty, "efficiency_j_per_th": efficiency_j_per_th,
                          "power_price_usd_per_kwh": power_price_usd_per_kwh})


def cost_to_mine_usd_per_btc(difficulty: Any, block_height: Any, efficiency_j_per_th: Any,
                             power_price_usd_per_kwh: Any, *, fees_btc_per_block: Any = None,
                             fee_share_frac: Any = None, after_next_halving: bool = False,
                             uptime_frac: Any = 1.0, pool_fee_frac: Any = 0.0, pue: Any = 1.0,
                             other_cash_cost_usd_per_ph_day: Any = 0.0,
                             difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""Cash cost of mining one BTC: power only by default, all-in with other cash costs per PH/day.

    The cost to mine one BTC and the breakeven BTC price are one number seen from two sides; this
    function is :func:`breakeven_btc_price_usd` under the name cost analysts use (CoinShares' "cash
    cost per BTC"). Excludes depreciation and stock-based compensation.

    Notes
    -----
    .. math:: C = \frac{24\,E\,p\,\mathrm{PUE}\,u + c}{h_{BTC}\,u\,(1-f)}
              = \frac{E\,p\,D\,2^{32}}{3.6\times 10^{18}\,R} \quad (u = 1, f = 0, c = 0)

    References
    ----------
    .. [1] CoinShares, "2024 Mining Report", https://coinshares.com/corp/resources/research/2024-mining-report

    Examples
    --------
    >>> round(cost_to_mine_usd_per_btc(108.52e12, 874_944, 17.5, 0.05, fees_btc_per_block=0.0931))
    35203
    >>> round(cost_to_mine_usd_per_btc(108.52e12, 874_944, 17.5, 0.05, fees_btc_per_block=0.0931,
    ...                                other_cash_cost_usd_per_ph_day=10.0))
    51966
    """
    return breakeven_btc_price_usd(difficulty, block_height, efficiency_j_per_th, power_price_usd_per_kwh,
                                   fees_btc_per_block=fees_btc_per_block, fee_share_frac=fee_share_frac,
                                   after_next_halving=after_next_halving, uptime_frac=uptime_frac,
                                   pool_fee_frac=pool_fee_frac, pue=pue,
                                   other_cash_cost_usd_per_ph_day=other_cash_cost_usd_per_ph_day,
                                   difficulty_one=difficulty_one)


def market_breakeven_power_price_usd_per_kwh(difficulty: Any, btc_price_usd: Any, block_height: Any,
                                             efficiency_j_per_th: Any, *, fees_btc_per_block: Any = None,
                                             fee_share_frac: Any = None, after_next_halving: bool = False,
                                             uptime_frac: Any = 1.0, pool_fee_frac: Any = 0.0,
                                             pue: Any = 1.0, other_cash_cost_usd_per_ph_day: Any = 0.0,
                                             difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    """Breakeven power price from market inputs, now or after the next halving.

    :func:`breakeven_power_price_usd_per_kwh` at the hashprice of :func:`hashprice_usd_per_day`.

    Examples
    --------
    >>> round(market_breakeven_power_price_usd_per_kwh(108.52e12, 93_450, 874_944, 17.5,
    ...                                                fees_btc_per_block=0.0931, after_next_halving=True), 4)
    0.0683
    """
    h = hashprice_usd_per_day(difficulty, btc_price_usd, block_height, fees_btc_per_block=fees_btc_per_block,
                              fee_share_frac=fee_share_frac, after_next_halving=after_next_halving,
                              unit="PH", difficulty_one=difficulty_one)
    return breakeven_power_price_usd_per_kwh(h, efficiency_j_per_th, uptime_frac=uptime_frac,
                                             pool_fee_frac=pool_fee_frac, pue=pue,
                                             other_cash_cost_usd_per_ph_day=other_cash_cost_usd_per_ph_day)


def market_breakeven_efficiency_j_per_th(difficulty: Any, btc_price_usd: Any, block_height: Any,
                                         power_price_usd_per_kwh: Any, *, fees_btc_per_block: Any = None,
                                         fee_share_frac: Any = None, after_next_halving: bool = False,
                                         uptime_frac: Any = 1.0, pool_fee_frac: Any = 0.0, pue: Any = 1.0,
                                         other_cash_cost_usd_per_ph_day: Any = 0.0,
                                         difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    """Breakeven efficiency from market inputs, now or after the next halving.

    :func:`breakeven_efficiency_j_per_th` at the hashprice of :func:`hashprice_usd_per_day`.

    Examples
    --------
    >>> round(market_breakeven_efficiency_j_per_th(108.52e12, 93_450, 874_944, 0.05,
    ...                                            fees_btc_per_block=0.0931, after_next_halving=True), 1)
    23.9
    """
    h = hashprice_usd_per_day(difficulty, btc_price_usd, block_height, fees_btc_per_block=fees_btc_per_block,
                              fee_share_frac=fee_share_frac, after_next_halving=after_next_halving,
                              unit="PH", difficulty_one=difficulty_one)
    return breakeven_efficiency_j_per_th(h, power_price_usd_per_kwh, uptime_frac=uptime_frac,
                                         pool_fee_frac=pool_fee_frac, pue=pue,
                                         other_cash_cost_usd_per_ph_day=other_cash_cost_usd_per_ph_day)
