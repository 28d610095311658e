"""Hashprice: expected mining revenue per unit of hashrate per day, in BTC, USD and sats.

The reward per block is the subsidy at the block height plus fees. Fees come in one of two forms,
named differently so a formula can never confuse them: ``fees_btc_per_block`` (an average in BTC,
as the weekly Hashrate Index roundups quote it) or ``fee_share_frac`` (fees as a fraction of the
total reward, so that reward = subsidy / (1 - share)).

Every function takes ``after_next_halving=True`` to price the same market after the next halving:
the next epoch's subsidy, with the same difficulty, BTC price and fees in BTC per block (a fee share
is converted to BTC at the current subsidy first, because the fee market does not halve).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import check_flag, check_range, finite_result, product_in_logs, require_one_of, result
from .difficulty import DifficultyOne, hashes_per_difficulty
from .subsidy import SATS_PER_BTC, block_subsidy_sat, next_halving_height
from .units import SECONDS_PER_DAY, hashes_per_unit

__all__ = [
    "reward_btc_per_block", "hashprice_btc_per_day_from_reward", "hashprice_btc_per_day",
    "hashprice_usd_per_day", "hashprice_sat_per_th_day", "post_halving_hashprice_usd_per_day",
]


def reward_btc_per_block(block_height: Any, *, fees_btc_per_block: Any = None, fee_share_frac: Any = None,
                         after_next_halving: bool = False) -> float | np.ndarray:
    r"""Average BTC paid to the miner of a block: subsidy plus fees.

    Parameters
    ----------
    block_height : int or array_like of int
        Current block height, >= 0. [blocks]
    fees_btc_per_block : array_like, optional
        Average fees per block, >= 0. Give this or ``fee_share_frac``. [BTC/block]
    fee_share_frac : array_like, optional
        Fees as a fraction of the total reward, in [0, 1). [fraction]
    after_next_halving : bool, optional
        Use the next halving's subsidy with the same fees in BTC per block. Default False.

    Returns
    -------
    float or numpy.ndarray
        Reward per block. [BTC/block]

    Notes
    -----
    .. math:: R = s(h) + F \qquad \text{or} \qquad R = \frac{s(h)}{1 - \phi}

    References
    ----------
    .. [1] Hashrate Index Roundup, 24 Jul 2021: fees 1.26% of the reward, subsidy 6.25 BTC,
       https://blog.hashrateindex.com/-hashrate-index-roundup-72421/

    Examples
    --------
    >>> round(reward_btc_per_block(690_000, fee_share_frac=0.0126), 5)
    6.32975
    >>> reward_btc_per_block(874_944, fees_btc_per_block=0.0931)
    3.2181
    >>> reward_btc_per_block(874_944, fees_btc_per_block=0.0931, after_next_halving=True)
    1.6556
    """
    which = require_one_of(fees_btc_per_block=fees_btc_per_block, fee_share_frac=fee_share_frac)
    subsidy_btc = np.asarray(block_subsidy_sat(block_height)) / SATS_PER_BTC
    if which == "fees_btc_per_block":
        fees = check_range("fees_btc_per_block", fees_btc_per_block, ge=0)
    else:
        share = check_range("fee_share_frac", fee_share_frac, ge=0, lt=1)
        fees = subsidy_btc * share / (1.0 - share)
    if check_flag("after_next_halving", after_next_halving):
        subsidy_btc = np.asarray(block_subsidy_sat(next_halving_height(block_height))) / SATS_PER_BTC
    return result(subsidy_btc + fees)


def hashprice_btc_per_day_from_reward(difficulty: Any, reward_btc_per_block: Any, *, unit: str = "PH",
                                      difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""Expected BTC earned per ``unit`` of hashrate per day for a given reward per block.

    Parameters
    ----------
    difficulty : array_like
        Network difficulty, > 0. [unitless]
    reward_btc_per_block : array_like
        Subsidy plus fees, >= 0. [BTC/block]
    unit : {'TH', 'PH', 'EH'}, optional
        Hashrate unit of the result, default 'PH'. [-]
    difficulty_one : {'2^32', 'exact'}, optional
        Hashes per unit of difficulty; see :func:`hashes_per_difficulty`. [-]

    Returns
    -------
    float or numpy.ndarray
        BTC hashprice. [BTC/(unit/s)/day]

    Notes
    -----
    .. math:: h_{BTC} = \frac{u \cdot 86\,400}{D \cdot 2^{32}} R

    with ``u`` the hashes per second in one ``unit`` (1e15 for PH/s).

    References
    ----------
    .. [1] Luxor, "Hashprice", https://docs.luxor.tech/hashrateindex/hashprice
    .. [2] Bitcoin Wiki, "Difficulty", https://en.bitcoin.it/wiki/Difficulty

    Examples
    --------
    >>> round(hashprice_btc_per_day_from_reward(101.65e12, 3.28), 8)  # Hashrate Index, 12 Nov 2024
    0.00064911
    """
    diff = check_range("difficulty", difficulty, gt=0)
    reward = check_range("reward_btc_per_block", reward_btc_per_block, ge=0)
    per_unit = hashes_per_unit(unit)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = per_unit * SECONDS_PER_DAY * reward / (diff * hashes_per_difficulty(difficulty_one))
    out = product_in_logs(out, [per_unit, SECONDS_PER_DAY, reward], [diff, hashes_per_difficulty(difficulty_one)])
    # the projection passes arrays and judges an overflowing scenario alone: only one value is refused
    return finite_result("hashprice_btc_per_day_from_reward", out,
                         {"difficulty": diff, "reward_btc_per_block": reward}, scalar_only=True)


def hashprice_btc_per_day(difficulty: Any, block_height: Any, *, fees_btc_per_block: Any = None,
                          fee_share_frac: Any = None, after_next_halving: bool = False, unit: str = "PH",
                          difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""BTC hashprice at a block height: expected BTC per ``unit`` of hashrate per day.

    Parameters
    ----------
    difficulty : array_like
        Network difficulty, > 0. [unitless]
    block_height : int or array_like of int
        Current block height, >= 0; sets the subsidy. [blocks]
    fees_btc_per_block, fee_share_frac : array_like, optional
        Fees, exactly one of the two; see :func:`reward_btc_per_block`. [BTC/block], [fraction]
    after_next_halving : bool, optional
        Price the next halving's subsidy at the same difficulty and fees. Default False.
    unit : {'TH', 'PH', 'EH'}, optional
        Hashrate unit of the result, default 'PH'. [-]
    difficulty_one : {'2^32', 'exact'}, optional
        Hashes per unit of difficulty. [-]

    Returns
    -------
    float or numpy.ndarray
        [BTC/(unit/s)/day]

    Notes
    -----
    .. math:: h_{BTC} = \frac{u \cdot 86\,400}{D \cdot 2^{32}} \left(s(h) + F\right)

    Examples
    --------
    >>> round(hashprice_btc_per_day(108.52e12, 874_944, fees_btc_per_block=0.0931), 8)
    0.00059655
    """
    reward = reward_btc_per_block(block_height, fees_btc_per_block=fees_btc_per_block,
                                  fee_share_frac=fee_share_frac, after_next_halving=after_next_halving)
    return finite_result("hashprice_btc_per_day",
                         hashprice_btc_per_day_from_reward(difficulty, reward, unit=unit, difficulty_one=difficulty_one),
                         {"difficulty": difficulty, "reward_btc_per_block": reward})


def hashprice_usd_per_day(difficulty: Any, btc_price_usd: Any, block_height: Any, *,
                          fees_btc_per_block: Any = None, fee_share_frac: Any = None,
                          after_next_halving: bool = False, unit: str = "PH",
                          difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""USD hashprice: expected USD earned per ``unit`` of hashrate per day.

    Parameters
    ----------
    difficulty : array_like
        Network difficulty, > 0. [unitless]
    btc_price_usd : array_like
        Bitcoin price, > 0. [USD/BTC]
    block_height : int or array_like of int
        Current block height, >= 0; sets the subsidy. [blocks]
    fees_btc_per_block, fee_share_frac : array_like, optional
        Fees, exactly one of the two; see :func:`reward_btc_per_block`. [BTC/block], [fraction]
    after_next_halving : bool, optional
        Price the next halving's subsidy at the same difficulty, price and fees. Default False.
    unit : {'TH', 'PH', 'EH'}, optional
        Hashrate unit of the result, default 'PH'. [-]
    difficulty_one : {'2^32', 'exact'}, optional
        Hashes per unit of difficulty. [-]

    Returns
    -------
    float or numpy.ndarray
        [USD/(unit/s)/day]

    Notes
    -----
    .. math:: h_{USD} = \frac{u \cdot 86\,400}{D \cdot 2^{32}} \left(s(h) + F\right) P

    References
    ----------
    .. [1] Hashrate Index Roundup, 23 Dec 2024: D = 108.52 T, fees 0.0931 BTC/block, BTC ~$93,450,
       hashprice $55.21/PH/day, https://hashrateindex.com/blog/hashrate-index-roundup-december-23-2024

    Examples
    --------
    >>> round(hashprice_usd_per_day(108.52e12, 93_450, 874_944, fees_btc_per_block=0.0931), 2)
    55.75
    >>> round(hashprice_usd_per_day(108.52e12, 93_450, 874_944, fees_btc_per_block=0.0931,
    ...                             after_next_halving=True), 2)
    28.68
    """
    price = check_range("btc_price_usd", btc_price_usd, gt=0)
    btc = hashprice_btc_per_day(difficulty, block_height, fees_btc_per_block=fees_btc_per_block,
                                fee_share_frac=fee_share_frac, after_next_halving=after_next_halving,
                                unit=unit, difficulty_one=difficulty_one)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.asarray(btc) * price
    return finite_result("hashprice_usd_per_day", out, {"difficulty": difficulty, "btc_price_usd": price})


def hashprice_sat_per_th_day(difficulty: Any, block_height: Any, *, fees_btc_per_block: Any = None,
                             fee_share_frac: Any = None, after_next_halving: bool = False,
                             difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    """BTC hashprice in satoshis per TH/s per day, the unit of the Hashrate Index sats chart.

    Examples
    --------
    >>> round(hashprice_sat_per_th_day(101.65e12, 860_000, fees_btc_per_block=0.155), 2)
    64.91
    """
    btc = hashprice_btc_per_day(difficulty, block_height, fees_btc_per_block=fees_btc_per_block,
                                fee_share_frac=fee_share_frac, after_next_halving=after_next_halving,
                                unit="TH", difficulty_one=difficulty_one)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.asarray(btc) * SATS_PER_BTC
    return finite_result("hashprice_sat_per_th_day", out, {"difficulty": difficulty})


def post_halving_hashprice_usd_per_day(difficulty: Any, btc_price_usd: Any, block_height: Any, *,
                                       fees_btc_per_block: Any = None, fee_share_frac: Any = None,
                                       post_halving_difficulty: Any = None,
                                       post_halving_btc_price_usd: Any = None,
                                       post_halving_fees_btc_per_block: Any = None, unit: str = "PH",
                                       difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    """USD hashprice after the next halving: same difficulty, price and fees unless given.

    Parameters
    ----------
    difficulty, btc_price_usd, block_height, fees_btc_per_block, fee_share_frac
        Today's market, as for :func:`hashprice_usd_per_day`.
    post_halving_difficulty : array_like, optional
        Difficulty after the halving, > 0; default today's. [unitless]
    post_halving_btc_price_usd : array_like, optional
        BTC price after the halving, > 0; default today's. [USD/BTC]
    post_halving_fees_btc_per_block : array_like, optional
        Fees after the halving, >= 0; default today's fees in BTC per block. [BTC/block]

    Returns
    -------
    float or numpy.ndarray
        [USD/(unit/s)/day]

    References
    ----------
    .. [1] Hashrate Index Roundup, 1 Apr 2024: $108.6/PH/day, "$54.3 if the halving happened today",
       https://www.hashrateindex.com/blog/hashrate-index-roundup-april-1-2024/

    Examples
    --------
    >>> round(post_halving_hashprice_usd_per_day(108.52e12, 93_450, 874_944, fees_btc_per_block=0.0931,
    ...                                          post_halving_btc_price_usd=150_000), 2)
    46.04
    """
    if post_halving_fees_btc_per_block is None:
        reward = reward_btc_per_block(block_height, fees_btc_per_block=fees_btc_per_block,
                                      fee_share_frac=fee_share_frac, after_next_halving=True)
    else:
        require_one_of(fees_btc_per_block=fees_btc_per_block, fee_share_frac=fee_share_frac)
        reward = reward_btc_per_block(block_height, fees_btc_per_block=post_halving_fees_btc_per_block,
                                      after_next_halving=True)
    diff = difficulty if post_halving_difficulty is None else post_halving_difficulty
    price = btc_price_usd if post_halving_btc_price_usd is None else post_halving_btc_price_usd
    check_range("difficulty", difficulty, gt=0)
    check_range("btc_price_usd", btc_price_usd, gt=0)
    price = check_range("post_halving_btc_price_usd" if post_halving_btc_price_usd is not None
                        else "btc_price_usd", price, gt=0)
    btc = hashprice_btc_per_day_from_reward(
        check_range("post_halving_difficulty" if post_halving_difficulty is not None else "difficulty",
                    diff, gt=0),
        reward, unit=unit, difficulty_one=difficulty_one)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.asarray(btc) * price
    return finite_result("post_halving_hashprice_usd_per_day", out, {"difficulty": diff, "btc_price_usd": price})
