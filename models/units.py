"""Hashrate units and the time constants every model shares.

The product accepts hashrate units by their exact SI prefix spelling; anything else is refused with
the list of accepted spellings (no alias zoo).
"""

from __future__ import annotations

from ._validate import check_choice

__all__ = ["HASHES_PER_UNIT", "RATE_UNITS", "SECONDS_PER_DAY", "DAYS_PER_YEAR", "HOURS_PER_DAY",
           "hashes_per_unit"]

#: Hashes per second in one unit of hashrate (SI prefixes).
HASHES_PER_UNIT: dict[str, float] = {
    "H": 1.0,
    "TH": 1e12,
    "PH": 1e15,
    "EH": 1e18,
    "ZH": 1e21,
}

#: Units accepted where a per-hashrate figure (hashprice, hashcost) is asked for.
RATE_UNITS = ("TH", "PH", "EH")

SECONDS_PER_DAY = 86_400
HOURS_PER_DAY = 24
#: Days in the "per year" figures (per MW-year): a 365-day year, as XNPV counts them.
DAYS_PER_YEAR = 365


def hashes_per_unit(unit: str, *, name: str = "unit", choices: tuple[str, ...] = RATE_UNITS) -> float:
    """Hashes per second in one ``unit`` ('TH', 'PH', 'EH', ...), refusing any other spelling.

    Examples
    --------
    >>> hashes_per_unit("PH")
    1000000000000000.0
    >>> hashes_per_unit("ph")
    Traceback (most recent call last):
    ...
    hashlease.models.errors.HashleaseError: unit must be one of 'TH', 'PH', 'EH', got 'ph'
    """
    return HASHES_PER_UNIT[check_choice(name, unit, choices)]
