"""Difficulty, network hashrate and the retarget rule."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ._validate import as_real, check_choice, check_range, finite_result, product_in_logs, result
from .units import HASHES_PER_UNIT, SECONDS_PER_DAY, hashes_per_unit

__all__ = [
    "TARGET_BLOCK_INTERVAL_S", "RETARGET_INTERVAL_BLOCKS", "TARGET_TIMESPAN_S",
    "HASHES_PER_DIFFICULTY", "hashes_per_difficulty", "expected_blocks_per_day",
    "network_hashrate", "difficulty_from_hashrate", "mean_block_interval_s", "retarget_factor",
    "retarget_difficulty",
]

#: Target seconds between blocks (mainnet ``nPowTargetSpacing``).
TARGET_BLOCK_INTERVAL_S = 600
#: Blocks between difficulty retargets (``nPowTargetTimespan / nPowTargetSpacing``).
RETARGET_INTERVAL_BLOCKS = 2_016
#: Target seconds per retarget period (``nPowTargetTimespan`` = 14 days).
TARGET_TIMESPAN_S = 1_209_600

#: Expected hashes per block at difficulty 1, by convention.
#: ``"2^32"`` is the industry convention (hashprice indices, pool calculators); ``"exact"`` is
#: 2^256 / (0xFFFF * 2^208), the difficulty-1 target 0x00000000FFFF0000..., 0.0015% larger.
HASHES_PER_DIFFICULTY: dict[str, float] = {
    "2^32": float(2**32),
    "exact": 2**48 / 0xFFFF,
}

DifficultyOne = Literal["2^32", "exact"]


def hashes_per_difficulty(difficulty_one: DifficultyOne = "2^32") -> float:
    """Expected hashes to find one block at difficulty 1 under the chosen convention.

    Examples
    --------
    >>> hashes_per_difficulty()
    4294967296.0
    >>> round(hashes_per_difficulty("exact"), 6)
    4295032833.000015
    """
    return HASHES_PER_DIFFICULTY[check_choice("difficulty_one", difficulty_one, HASHES_PER_DIFFICULTY)]


def expected_blocks_per_day(hashrate_h_per_s: Any, difficulty: Any, *,
                            difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""Expected blocks found per day by ``hashrate_h_per_s`` at ``difficulty``.

    Notes
    -----
    .. math:: b = \frac{H \cdot 86\,400}{D \cdot 2^{32}}

    Examples
    --------
    >>> round(expected_blocks_per_day(1e15, 1e14), 9)  # 1 PH/s at difficulty 100 T
    0.000201166
    """
    hashrate = check_range("hashrate_h_per_s", hashrate_h_per_s, ge=0)
    diff = check_range("difficulty", difficulty, gt=0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = hashrate * SECONDS_PER_DAY / (diff * hashes_per_difficulty(difficulty_one))
    out = product_in_logs(out, [hashrate, SECONDS_PER_DAY], [diff, hashes_per_difficulty(difficulty_one)])
    return finite_result("expected_blocks_per_day", out, {"hashrate_h_per_s": hashrate, "difficulty": diff})


def network_hashrate(difficulty: Any, *, unit: str = "EH", mean_block_interval_s: Any = TARGET_BLOCK_INTERVAL_S,
                     difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""Network hashrate implied by ``difficulty``, in ``unit`` (hashes per second / prefix).

    Parameters
    ----------
    difficulty : array_like
        Network difficulty, > 0. [unitless]
    unit : {'H', 'TH', 'PH', 'EH', 'ZH'}, optional
        Unit of the result, default 'EH' (EH/s). [-]
    mean_block_interval_s : array_like, optional
        Mean seconds between blocks, > 0. Default 600 (the target); pass the observed mean to
        estimate from the actual block rate. [s]
    difficulty_one : {'2^32', 'exact'}, optional
        Hashes per unit of difficulty: 2^32 (industry convention, default) or the exact
        difficulty-1 target. [-]

    Returns
    -------
    float or numpy.ndarray
        Network hashrate. [unit/s]

    Notes
    -----
    .. math:: H = \frac{D \cdot 2^{32}}{\bar{\tau}}

    References
    ----------
    .. [1] J. Baczuk, "How Bitcoin network hashrate is estimated",
       https://medium.com/@jordan.baczuk/how-bitcoin-network-hashrate-is-estimated-269766a809f5
    .. [2] Hashrate Index data page, 12 Nov 2024: D = 101.65 T, 7-day hashrate 733.11 EH/s (urlscan capture
       https://staging.urlscan.io/result/6a98d950-1397-4d9c-af4b-0460b7cdeb91/content).

    Examples
    --------
    >>> round(network_hashrate(101.65e12), 2)
    727.64
    """
    diff = check_range("difficulty", difficulty, gt=0)
    interval = check_range("mean_block_interval_s", mean_block_interval_s, gt=0)
    per_unit = hashes_per_unit(unit, choices=tuple(HASHES_PER_UNIT))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = diff * hashes_per_difficulty(difficulty_one) / interval / per_unit
    out = product_in_logs(out, [diff, hashes_per_difficulty(difficulty_one)], [interval, per_unit])
    # the scenario kernels pass arrays and judge an overflowing scenario alone: only one value is refused
    return finite_result("network_hashrate", out, {"difficulty": diff, "mean_block_interval_s": interval},
                         scalar_only=True)


def difficulty_from_hashrate(hashrate: Any, *, unit: str = "EH",
                             mean_block_interval_s: Any = TARGET_BLOCK_INTERVAL_S,
                             difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""Difficulty at which ``hashrate`` (in ``unit``/s) finds blocks every ``mean_block_interval_s``.

    The inverse of :func:`network_hashrate`:

    .. math:: D = \frac{H \cdot \bar{\tau}}{2^{32}}

    Examples
    --------
    >>> round(difficulty_from_hashrate(727.64) / 1e12, 3)  # EH/s -> T
    101.65
    """
    rate = check_range("hashrate", hashrate, gt=0)
    interval = check_range("mean_block_interval_s", mean_block_interval_s, gt=0)
    per_unit = hashes_per_unit(unit, choices=tuple(HASHES_PER_UNIT))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = rate * per_unit * interval / hashes_per_difficulty(difficulty_one)
    out = product_in_logs(out, [rate, per_unit, interval], [hashes_per_difficulty(difficulty_one)])
    # the scenario kernels pass arrays and judge an overflowing scenario alone: only one value is refused
    return finite_result("difficulty_from_hashrate", out, {"hashrate": rate, "mean_block_interval_s": interval},
                         scalar_only=True)


def mean_block_interval_s(difficulty: Any, hashrate: Any, *, unit: str = "EH",
                          difficulty_one: DifficultyOne = "2^32") -> float | np.ndarray:
    r"""Mean seconds between blocks when ``hashrate`` (in ``unit``/s) mines at ``difficulty``.

    The same relation as :func:`network_hashrate`, solved for the interval: under 600 s while the
    hashrate runs ahead of the difficulty (between retargets, as it grows).

    Parameters
    ----------
    difficulty : array_like
        Network difficulty, > 0. [unitless]
    hashrate : array_like
        Network hashrate, > 0. [unit/s]
    unit : {'H', 'TH', 'PH', 'EH', 'ZH'}, optional
        Unit of ``hashrate``, default 'EH' (EH/s). [-]
    difficulty_one : {'2^32', 'exact'}, optional
        Hashes per unit of difficulty. [-]

    Returns
    -------
    float or numpy.ndarray
        Mean block interval. [s]

    Notes
    -----
    .. math:: \bar{\tau} = \frac{D \cdot 2^{32}}{H}

    Examples
    --------
    >>> round(mean_block_interval_s(101.65e12, 727.64), 1)  # the hashrate difficulty implies: 600 s
    600.0
    >>> round(mean_block_interval_s(100e12, 800.0), 1)  # 800 EH/s at 100 T (which implies 715.8 EH/s)
    536.9
    """
    diff = check_range("difficulty", difficulty, gt=0)
    rate = check_range("hashrate", hashrate, gt=0)
    per_unit = hashes_per_unit(unit, choices=tuple(HASHES_PER_UNIT))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = diff * hashes_per_difficulty(difficulty_one) / (rate * per_unit)
    out = product_in_logs(out, [diff, hashes_per_difficulty(difficulty_one)], [rate, per_unit])
    # the scenario kernels pass arrays and judge an overflowing scenario alone: only one value is refused
    return finite_result("mean_block_interval_s", out, {"difficulty": diff, "hashrate": rate}, scalar_only=True)


def retarget_factor(actual_timespan_s: Any) -> float | np.ndarray:
    r"""Factor by which a retarget multiplies difficulty, clamped to [1/4, 4].

    Parameters
    ----------
    actual_timespan_s : array_like
        Seconds between the first and last block of the 2,016-block period (as Bitcoin Core measures
        it: 2,015 intervals). Any finite value; zero or negative spans (possible with miner
        timestamps) clamp to the factor 4. [s]

    Notes
    -----
    .. math:: f = \frac{1\,209\,600}{\min(\max(T, 302\,400),\ 4\,838\,400)}

    References
    ----------
    .. [1] Bitcoin Core, ``CalculateNextWorkRequired`` in ``src/pow.cpp``.

    Examples
    --------
    >>> retarget_factor([1_209_600, 604_800, 100, 10**8]).tolist()
    [1.0, 2.0, 4.0, 0.25]
    """
    span = as_real("actual_timespan_s", actual_timespan_s)
    clamped = np.clip(span, TARGET_TIMESPAN_S / 4, TARGET_TIMESPAN_S * 4)
    return result(TARGET_TIMESPAN_S / clamped)


def retarget_difficulty(difficulty: Any, actual_timespan_s: Any) -> float | np.ndarray:
    r"""Difficulty after a retarget, given the previous period's actual timespan.

    Notes
    -----
    .. math:: D' = \max(1,\ D \cdot f(T))

    Bitcoin Core works on the integer target (``new = old * T / 1,209,600``, in the compact encoding)
    and caps it at the proof-of-work limit (difficulty 1). This float model matches it to about
    1e-7 relative, far below any figure a finance model uses.

    Examples
    --------
    >>> retarget_difficulty(100e12, 1_209_600 * 0.9) / 1e12
    111.11111111111111
    >>> retarget_difficulty(100e12, 1) / 1e12  # clamped: at most x4 per retarget
    400.0
    """
    diff = check_range("difficulty", difficulty, ge=1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.maximum(1.0, diff * retarget_factor(actual_timespan_s))
    return finite_result("retarget_difficulty", out, {"difficulty": diff, "actual_timespan_s": actual_timespan_s})
