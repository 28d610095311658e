"""Hashrate units and the time constants every model shares.

The product accepts hashrate units by their exact SI prefix spelling; anything else is refused with
the list of accepted spellings (no alias zoo).
"""

from __future__ import annotations

from ._validate import check_choice

__all__ = ["HASHES_PER_UNIT", "RATE_UNITS", "SECONDS_PER_DAY", "DAYS_PER_YEAR", "HOURS_PER_DAY",
           "MONTHS_PER_YEAR", "DAYS_PER_MEAN_MONTH", "W_PER_KW", "KW_PER_MW", "W_PER_MW", "KW_MONTHS_PER_MW_YEAR",
           "TH_PER_PH", "hashes_per_unit"]

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
MONTHS_PER_YEAR = 12
#: Mean days in a calendar month (Julian year of 365.25 days / 12), for converting day counts to months.
DAYS_PER_MEAN_MONTH = 365.25 / MONTHS_PER_YEAR

#: Power: watts per kilowatt and kilowatts per megawatt (also kWh per MWh: USD/kWh x 1,000 = USD/MWh).
W_PER_KW = 1_000
KW_PER_MW = 1_000
W_PER_MW = W_PER_KW * KW_PER_MW
#: kW-months in one MW-year: a rent in USD per MW-year is 12,000 x the rent in USD per kW-month.
KW_MONTHS_PER_MW_YEAR = KW_PER_MW * MONTHS_PER_YEAR
#: TH/s per PH/s. With 1 J/TH = 1 W per TH/s, a PH/s at E J/TH draws E kW.
TH_PER_PH = HASHES_PER_UNIT["PH"] / HASHES_PER_UNIT["TH"]


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
