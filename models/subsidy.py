"""Block subsidy and the halving schedule, exactly as Bitcoin's consensus rule computes them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import as_datetime64, check_integer, check_range, first_bad, result
from .errors import ErrorKind, HashleaseError

__all__ = [
    "SATS_PER_BTC", "HALVING_INTERVAL_BLOCKS", "INITIAL_SUBSIDY_SAT", "LAST_SUBSIDY_HEIGHT",
    "block_subsidy_sat", "block_subsidy_btc", "halving_epoch", "next_halving_height",
    "blocks_to_next_halving", "total_supply_sat", "cumulative_subsidy_btc", "estimate_height_time",
    "next_halving_time",
]

#: Satoshis in one bitcoin (``COIN`` in Bitcoin Core's ``amount.h``).
SATS_PER_BTC = 100_000_000
#: Blocks between halvings (mainnet ``nSubsidyHalvingInterval``).
HALVING_INTERVAL_BLOCKS = 210_000
#: Subsidy of the genesis epoch: 50 BTC.
INITIAL_SUBSIDY_SAT = 50 * SATS_PER_BTC
#: First height whose subsidy is zero: epoch 33, where 50 BTC >> 33 rounds down to 0 sat.
LAST_SUBSIDY_HEIGHT = 33 * HALVING_INTERVAL_BLOCKS


def _out(array: np.ndarray):
    return int(array) if array.ndim == 0 else array


def block_subsidy_sat(block_height: Any) -> int | np.ndarray:
    r"""Block subsidy at ``block_height``, in whole satoshis, as Bitcoin Core computes it.

    Parameters
    ----------
    block_height : int or array_like of int
        Block height, >= 0. Whole-valued floats are accepted (Excel passes doubles). [blocks]

    Returns
    -------
    int or numpy.ndarray of int64
        Subsidy paid to the miner of that block, excluding fees. [sat]

    Raises
    ------
    HashleaseError
        If a height is negative, fractional or not a number.

    Notes
    -----
    The consensus rule halves by an integer right shift, so the subsidy reaches zero at epoch 33
    (height 6,930,000), and the sum over all epochs is 2,099,999,997,690,000 sat, not 21 million BTC:

    .. math:: s(h) = \lfloor 5\,000\,000\,000 / 2^{\lfloor h / 210\,000 \rfloor} \rfloor \quad (0 \text{ once the shift reaches } 64)

    References
    ----------
    .. [1] Bitcoin Core, ``GetBlockSubsidy`` in ``src/validation.cpp``; ``nSubsidyHalvingInterval = 210000``
       in ``src/kernel/chainparams.cpp``.

    Examples
    --------
    >>> block_subsidy_sat(840_000)
    312500000
    >>> block_subsidy_sat([0, 209_999, 210_000, 6_929_999, 6_930_000]).tolist()
    [5000000000, 5000000000, 2500000000, 1, 0]
    """
    height = check_integer("block_height", block_height, ge=0)
    return _out(_SUBSIDY_BY_EPOCH_SAT[_epoch_capped(height)])


#: Subsidy of each epoch, 50 BTC >> epoch, computed with Python's integer shift; epoch 64 and later pay 0
#: (Core forces 0 where the C++ shift would be undefined).
_SUBSIDY_BY_EPOCH_SAT = np.array([INITIAL_SUBSIDY_SAT >> epoch for epoch in range(64)] + [0], dtype=np.int64)


def _epoch_capped(height: np.ndarray) -> np.ndarray:
    """height // 210,000, capped at 64. Heights are capped first, so the float division is exact."""
    capped = np.minimum(height, 64 * HALVING_INTERVAL_BLOCKS)
    return (capped / HALVING_INTERVAL_BLOCKS).astype(np.int64)


def block_subsidy_btc(block_height: Any) -> float | np.ndarray:
    """Block subsidy at ``block_height`` in BTC (the integer satoshi subsidy / 1e8).

    Examples
    --------
    >>> block_subsidy_btc(1_050_000)
    1.5625
    """
    sats = np.asarray(block_subsidy_sat(block_height))
    out = sats / SATS_PER_BTC
    return float(out) if out.ndim == 0 else out


def halving_epoch(block_height: Any) -> int | np.ndarray:
    """Number of halvings that have taken effect at ``block_height`` (0 for the genesis epoch).

    Examples
    --------
    >>> halving_epoch(839_999), halving_epoch(840_000)
    (3, 4)
    """
    height = check_integer("block_height", block_height, ge=0)
    return _out(height // HALVING_INTERVAL_BLOCKS)


def next_halving_height(block_height: Any) -> int | np.ndarray:
    """First height after ``block_height`` at which the subsidy halves.

    At a halving height itself (840,000) the new subsidy already applies, so the next one is 210,000
    blocks later.

    Examples
    --------
    >>> next_halving_height(874_944)
    1050000
    >>> next_halving_height([839_999, 840_000]).tolist()
    [840000, 1050000]
    """
    height = check_integer("block_height", block_height, ge=0)
    return _out((height // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS)


def blocks_to_next_halving(block_height: Any) -> int | np.ndarray:
    """Blocks from ``block_height`` to the next halving height.

    Examples
    --------
    >>> blocks_to_next_halving(840_000)
    210000
    """
    height = check_integer("block_height", block_height, ge=0)
    return _out((height // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS - height)


def total_supply_sat() -> int:
    """Sum of every block subsidy over all epochs, in satoshis (exact integer arithmetic).

    Examples
    --------
    >>> total_supply_sat()
    2099999997690000
    """
    return int(_SUBSIDY_BEFORE_EPOCH_SAT[-1])  # the subsidy table, summed over all 64 epochs in int64


#: Subsidy of all blocks before each epoch's first block (epochs 0 to 64), exact integers. [sat]
_SUBSIDY_BEFORE_EPOCH_SAT = np.concatenate([[0], np.cumsum(_SUBSIDY_BY_EPOCH_SAT * HALVING_INTERVAL_BLOCKS)])


def cumulative_subsidy_btc(block_height: Any) -> float | np.ndarray:
    r"""Total subsidy of the blocks below ``block_height``, for real-valued heights (linear within an epoch).

    Parameters
    ----------
    block_height : array_like
        Height, >= 0; fractional heights (a month's expected blocks) are allowed. [blocks]

    Returns
    -------
    float or numpy.ndarray
        Subsidy of blocks 0 to ``block_height`` (exclusive), interpolated linearly inside the block at a
        fractional height. [BTC]

    Notes
    -----
    With :math:`e = \min(\lfloor h / 210\,000 \rfloor, 64)` and :math:`s_k` the subsidy of epoch :math:`k`
    (:func:`block_subsidy_sat`):

    .. math:: S(h) = \sum_{k < e} 210\,000\, s_k + (h - 210\,000\, e)\, s_e

    The subsidy averaged over the blocks of an interval, halvings included, is
    :math:`(S(h_1) - S(h_0)) / (h_1 - h_0)`. Past epoch 64 nothing is added;
    :math:`S(\infty)` is :func:`total_supply_sat` in BTC.

    Examples
    --------
    >>> float(cumulative_subsidy_btc(1_050_000) - cumulative_subsidy_btc(840_000))  # the 3.125 BTC epoch
    656250.0
    >>> cumulative_subsidy_btc(210_000.5)  # 210,000 x 50 BTC, then half a block at 25 BTC
    10500012.5
    """
    height = np.minimum(check_range("block_height", block_height, ge=0), 64 * HALVING_INTERVAL_BLOCKS)
    epoch = np.floor(height / HALVING_INTERVAL_BLOCKS).astype(np.int64)
    before_btc = _SUBSIDY_BEFORE_EPOCH_SAT[epoch] / SATS_PER_BTC
    per_block_btc = _SUBSIDY_BY_EPOCH_SAT[epoch] / SATS_PER_BTC
    return result(before_btc + (height - epoch * HALVING_INTERVAL_BLOCKS) * per_block_btc)


def estimate_height_time(block_height: Any, reference_height: Any, reference_time: Any, *,
                         mean_block_interval_s: Any = 600.0) -> np.datetime64 | np.ndarray:
    r"""Estimated UTC time at which ``block_height`` is mined, from a known height and time.

    Parameters
    ----------
    block_height : int or array_like of int
        Height to date, >= 0. [blocks]
    reference_height : int or array_like of int
        A height whose time is known, >= 0. [blocks]
    reference_time : datetime, numpy.datetime64 or ISO 8601 str
        UTC time of ``reference_height``: naive values are taken as UTC; values with a time zone or offset
        are converted to UTC (a block time is an instant, unlike the wall-clock dates of Excel's date paths).
    mean_block_interval_s : float or array_like, optional
        Mean seconds between blocks, > 0. Default 600, the protocol's target; pass the observed mean
        (for example from the difficulty path's implied block rate) for a better estimate. [s]

    Returns
    -------
    numpy.datetime64 or numpy.ndarray of datetime64[s]
        Estimated UTC time, to the second.

    Raises
    ------
    HashleaseError
        ``NUM`` if the estimate falls outside the years 1 to 9999 (a height or interval far too large).

    Notes
    -----
    .. math:: t(h) = t_{ref} + (h - h_{ref})\,\bar{\tau}

    Heights before the reference are dated backwards with the same interval.

    References
    ----------
    .. [1] Block 840,000 (the fourth halving) was mined on 20 Apr 2024 at 00:09 UTC, Forbes India,
       https://www.forbesindia.com/article/cryptocurrency/bitcoins-fourth-halving-completed-coinciding-with-a-surge-in-transaction-fees/92685/1

    Examples
    --------
    >>> str(estimate_height_time(1_050_000, 840_000, "2024-04-20T00:09:00"))
    '2028-04-17T08:09:00'
    """
    height = check_integer("block_height", block_height, ge=0)
    ref_height = check_integer("reference_height", reference_height, ge=0)
    ref_time = as_datetime64("reference_time", reference_time, aware="utc").astype("datetime64[s]")
    interval = check_range("mean_block_interval_s", mean_block_interval_s, gt=0)
    with np.errstate(over="ignore", invalid="ignore"):
        offset_s = np.rint((height - ref_height) * interval)
    # the estimate must be a date (years 1 to 9999, as Python's datetime and Excel's 31 Dec 9999 bound it)
    seconds_from_start = (ref_time - _FIRST_TIME).astype(np.int64) + offset_s
    bad = first_bad(~((seconds_from_start >= 0) & (seconds_from_start <= _LAST_SECOND)))
    if bad is not None:
        def at(x):
            x = np.broadcast_to(x, seconds_from_start.shape)
            return x[bad] if bad else x[()]
        raise HashleaseError("block_height, mean_block_interval_s",
                             f"block_height={at(height)}, reference_height={at(ref_height)}, "
                             f"mean_block_interval_s={at(interval):g}",
                             "values whose estimated time falls in the years 1 to 9999",
                             detail="the estimate is not a date; Excel answers #NUM!", kind=ErrorKind.NUM)
    out = ref_time + offset_s.astype(np.int64).astype("timedelta64[s]")
    return out[()] if out.ndim == 0 else out


_FIRST_TIME = np.datetime64("0001-01-01T00:00:00", "s")
_LAST_SECOND = int((np.datetime64("9999-12-31T23:59:59", "s") - _FIRST_TIME).astype(np.int64))


def next_halving_time(block_height: Any, reference_time: Any, *,
                      mean_block_interval_s: Any = 600.0) -> np.datetime64 | np.ndarray:
    """Estimated UTC time of the next halving after ``block_height``, mined at ``reference_time``.

    Examples
    --------
    >>> str(next_halving_time(840_000, "2024-04-20T00:09:00"))
    '2028-04-17T08:09:00'
    """
    return estimate_height_time(next_halving_height(block_height), block_height, reference_time,
                                mean_block_interval_s=mean_block_interval_s)
