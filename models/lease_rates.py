r"""Headline lease arithmetic: the flat and year-1 rents implied by a total contract value.

Announcements of AI/HPC hosting deals give a total contract value (TCV), the critical IT MW and a term.
These functions turn that into the rates an analyst compares: USD per kW-month of critical IT and USD per
MW-year. One MW-year is 1,000 kW for 12 months, so USD/MW-year = 12,000 x USD/kW-month.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import check_range, finite_result, product_in_logs, result
from .units import KW_MONTHS_PER_MW_YEAR

__all__ = ["usd_per_kw_month_to_usd_per_mw_year", "usd_per_mw_year_to_usd_per_kw_month",
           "implied_flat_rent_usd_per_kw_month", "implied_year_one_rent_usd_per_kw_month",
           "escalated_rent_usd_per_kw_month"]



def usd_per_kw_month_to_usd_per_mw_year(rent_usd_per_kw_month: Any) -> float | np.ndarray:
    """USD per MW-year of a rent in USD per kW-month (x 12,000).

    Examples
    --------
    >>> usd_per_kw_month_to_usd_per_mw_year(120.83)
    1449960.0
    """
    rent = as_rate(rent_usd_per_kw_month)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = rent * KW_MONTHS_PER_MW_YEAR
    return finite_result("usd_per_kw_month_to_usd_per_mw_year", out, {"rent_usd_per_kw_month": rent})


def usd_per_mw_year_to_usd_per_kw_month(rent_usd_per_mw_year: Any) -> float | np.ndarray:
    """USD per kW-month of a rent in USD per MW-year (/ 12,000).

    Examples
    --------
    >>> round(usd_per_mw_year_to_usd_per_kw_month(1.45e6), 2)
    120.83
    """
    return result(check_range("rent_usd_per_mw_year", rent_usd_per_mw_year, ge=0) / KW_MONTHS_PER_MW_YEAR)


def as_rate(rent_usd_per_kw_month: Any) -> np.ndarray:
    return check_range("rent_usd_per_kw_month", rent_usd_per_kw_month, ge=0)


def implied_flat_rent_usd_per_kw_month(total_contract_value_usd: Any, critical_it_mw: Any,
                                       term_years: Any) -> float | np.ndarray:
    r"""Average rent implied by a headline contract value, spread flat over the term.

    Parameters
    ----------
    total_contract_value_usd : array_like
        Headline contract value, >= 0. [USD]
    critical_it_mw : array_like
        Critical IT load leased, > 0. [MW]
    term_years : array_like
        Lease term, > 0. [years]

    Returns
    -------
    float or numpy.ndarray
        [USD/kW-month]

    Notes
    -----
    .. math:: \bar{r} = \frac{\mathrm{TCV}}{1000\,\mathrm{MW} \times 12\,T}

    It overstates year-1 rent when the contract escalates (see
    :func:`implied_year_one_rent_usd_per_kw_month`).

    References
    ----------
    .. [1] Core Scientific, 8-K exhibit of 22 Oct 2024: ~500 MW, 12-year terms, ~$8.7B,
       https://www.sec.gov/Archives/edgar/data/1839341/000162828024043341/corescientifichpcoption3re.htm

    Examples
    --------
    >>> round(implied_flat_rent_usd_per_kw_month(8.7e9, 500, 12), 2)  # Core Scientific / CoreWeave
    120.83
    """
    tcv = check_range("total_contract_value_usd", total_contract_value_usd, ge=0)
    mw = check_range("critical_it_mw", critical_it_mw, gt=0)
    years = check_range("term_years", term_years, gt=0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = tcv / (mw * KW_MONTHS_PER_MW_YEAR * years)
    out = product_in_logs(out, [tcv], [mw, KW_MONTHS_PER_MW_YEAR, years])
    return finite_result("implied_flat_rent_usd_per_kw_month", out,
                         {"total_contract_value_usd": tcv, "critical_it_mw": mw, "term_years": years})


def implied_year_one_rent_usd_per_kw_month(total_contract_value_usd: Any, critical_it_mw: Any, term_years: Any,
                                           escalator_per_year_frac: Any) -> float | np.ndarray:
    r"""Year-1 rent implied by a headline contract value with an annual escalator.

    The rent steps up by the escalator at each lease anniversary, so the contract value is year-1 rent times
    the sum of the escalation factors over the whole years of the term.

    Parameters
    ----------
    total_contract_value_usd : array_like
        Headline contract value, >= 0. [USD]
    critical_it_mw : array_like
        Critical IT load leased from day 1, > 0. [MW]
    term_years : array_like of int
        Whole lease years, >= 1. [years]
    escalator_per_year_frac : array_like
        Annual step-up, > -1 (0.03 for 3%). [fraction/year]

    Returns
    -------
    float or numpy.ndarray
        [USD/kW-month]

    Notes
    -----
    .. math:: r_1 = \frac{\mathrm{TCV}}{12\,000\,\mathrm{MW} \sum_{t=0}^{T-1} (1+g)^t}

    References
    ----------
    .. [1] Hut 8, River Bend lease: $7.0B over 15 years "inclusive of a 3.0% annual base rent escalator",
       245 MW of IT, https://6ix.com/company/hut-8-corp-common-stock/news/hut-8-signs-15-year-245-mw-ai-data-center-lease-river-bend-campus-total-contract

    Examples
    --------
    >>> round(implied_year_one_rent_usd_per_kw_month(7.0e9, 245, 15, 0.03), 2)  # Hut 8 / Fluidstack
    128.02
    """
    tcv = check_range("total_contract_value_usd", total_contract_value_usd, ge=0)
    mw = check_range("critical_it_mw", critical_it_mw, gt=0)
    years = check_range("term_years", term_years, ge=1)
    growth = check_range("escalator_per_year_frac", escalator_per_year_frac, gt=-1)
    whole = np.floor(years)
    # sum of (1+g)^t for t = 0..T-1, exact at g = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        factor = np.where(growth == 0, whole, np.expm1(whole * np.log1p(growth)) / growth)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = tcv / (mw * KW_MONTHS_PER_MW_YEAR * factor)
    out = product_in_logs(out, [tcv], [mw, KW_MONTHS_PER_MW_YEAR, factor])
    return finite_result("implied_year_one_rent_usd_per_kw_month", out,
                         {"total_contract_value_usd": tcv, "critical_it_mw": mw, "term_years": years,
                          "escalator_per_year_frac": growth})


def escalated_rent_usd_per_kw_month(year_one_rent_usd_per_kw_month: Any, escalator_per_year_frac: Any,
                                    lease_year: Any) -> float | np.ndarray:
    """Rent in force in ``lease_year`` (1 for the first year) after annual step-ups.

    Examples
    --------
    >>> round(escalated_rent_usd_per_kw_month(128.02, 0.03, 15), 2)  # Hut 8, year 15
    193.64
    """
    rent = as_rate(year_one_rent_usd_per_kw_month)
    growth = check_range("escalator_per_year_frac", escalator_per_year_frac, gt=-1)
    year = check_range("lease_year", lease_year, ge=1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = rent * (1.0 + growth) ** (np.floor(year) - 1.0)
        # (1 + g)^(year - 1) alone beyond the largest number while the rent is small: in logs
        out = np.where(np.isfinite(out), out, np.where(rent == 0, 0.0, np.exp(np.log(rent) + (np.floor(year) - 1.0)
                                                                              * np.log1p(growth))))
    return finite_result("escalated_rent_usd_per_kw_month", out, {"year_one_rent_usd_per_kw_month": rent,
                                                                  "escalator_per_year_frac": growth,
                                                                  "lease_year": year})
