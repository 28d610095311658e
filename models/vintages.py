r"""Fleet vintages: machines bought on different dates, wearing with age, resold by efficiency tier.

Each vintage line is a catalogue model, a number of units and a purchase date, with a yearly loss of hashrate and
a yearly rise in J/TH (both compounding with age in years, :math:`a`):

.. math:: H(a) = H_0 (1 - d_H)^{a} \qquad E(a) = E_0 (1 + d_E)^{a}

The resale price of used machines is a price per TH/s that depends on their efficiency tier (a public ASIC price
index groups machines by J/TH; the tiers and prices are inputs). Breakevens by vintage rank which machines to
switch off first as hashprice falls: the one with the highest breakeven hashprice goes first.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ._inputs import InputModel
from ._validate import check_range
from .errors import HashleaseError
from .fleet import asic_model
from .power import breakeven_usd_per_mwh

__all__ = ["VintageLine", "ResaleTier", "EXAMPLE_RESALE_TIERS", "vintage_state", "vintage_breakevens",
           "resale_value_usd"]


class VintageLine(InputModel):
    """Units of one catalogue model bought on one date, and how they wear."""

    model: str = Field(min_length=1, description="ASIC model name as in the catalogue")
    units: int = Field(ge=0, le=10_000_000, description="Machines [count]")
    purchase_date: dt.date = Field(description="When the units went into service")
    hashrate_degradation_per_year_frac: float = Field(0.0, ge=0, lt=1, description="Hashrate lost per year")
    efficiency_degradation_per_year_frac: float = Field(0.0, ge=0, lt=1, description="J/TH added per year")

    @model_validator(mode="after")
    def _known(self) -> "VintageLine":
        asic_model(self.model)
        return self


class ResaleTier(InputModel):
    """Resale price of machines at or below an efficiency (the tiers of an ASIC price index)."""

    max_efficiency_j_per_th: float = Field(gt=0, description="Upper bound of the tier [J/TH]")
    usd_per_th_s: float = Field(ge=0, le=1_000, description="Resale price [USD per TH/s]")


#: Example tiers by efficiency, as an ASIC price index groups them (under 19, 19-25, 25-38, 38+ J/TH). The 19-25
#: J/TH price is the July 2023 figure "$20 per terahash" for machines of 25 J/TH or better (CoinDesk citing
#: Hashrate Index, https://www.coindesk.com/consensus-magazine/2023/07/26/bitcoin-miners-buy-up-rigs-as-prices-near-all-time-lows/);
#: the others are illustrative placeholders to replace with a current index print.
EXAMPLE_RESALE_TIERS = (
    ResaleTier(max_efficiency_j_per_th=19, usd_per_th_s=28),
    ResaleTier(max_efficiency_j_per_th=25, usd_per_th_s=20),
    ResaleTier(max_efficiency_j_per_th=38, usd_per_th_s=8),
    ResaleTier(max_efficiency_j_per_th=1e9, usd_per_th_s=2),
)


def _age_years(line: VintageLine, when: np.ndarray) -> np.ndarray:
    days = (when.astype("datetime64[D]") - np.datetime64(line.purchase_date, "D")).astype(float)
    return np.maximum(days, 0.0) / 365.0


def vintage_state(lines: Sequence[VintageLine], dates: np.ndarray) -> dict[str, np.ndarray]:
    """Hashrate (TH/s) and efficiency (J/TH) of each line on each date, (lines, dates); zero before purchase.

    Examples
    --------
    >>> line = VintageLine(model="Antminer S21", units=100, purchase_date="2025-01-01",
    ...                    hashrate_degradation_per_year_frac=0.05, efficiency_degradation_per_year_frac=0.03)
    >>> state = vintage_state([line], np.array(["2024-12-01", "2025-01-01", "2026-01-01"], dtype="datetime64[D]"))
    >>> state["hashrate_th_s"].round(1).tolist(), state["efficiency_j_per_th"].round(3).tolist()
    ([[0.0, 20000.0, 19000.0]], [[17.5, 17.5, 18.025]])
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    hashrate = np.zeros((len(lines), len(dates)))
    efficiency = np.zeros((len(lines), len(dates)))
    for i, line in enumerate(lines):
        asic = asic_model(line.model)
        age = _age_years(line, dates)
        live = dates >= np.datetime64(line.purchase_date, "D")
        hashrate[i] = np.where(live, line.units * asic.hashrate_th_s * (1 - line.hashrate_degradation_per_year_frac) ** age,
                               0.0)
        efficiency[i] = asic.efficiency_j_per_th * (1 + line.efficiency_degradation_per_year_frac) ** age
    return {"hashrate_th_s": hashrate, "efficiency_j_per_th": efficiency}


def resale_value_usd(hashrate_th_s: np.ndarray, efficiency_j_per_th: np.ndarray,
                     tiers: Sequence[ResaleTier] = EXAMPLE_RESALE_TIERS) -> np.ndarray:
    """Resale value of machines: TH/s times the price of the lowest tier whose bound covers their J/TH.

    Examples
    --------
    >>> resale_value_usd(np.array([1000.0, 1000.0]), np.array([17.5, 29.5])).tolist()
    [28000.0, 8000.0]
    """
    if not tiers:
        raise HashleaseError("tiers", "none", "at least one resale tier")
    ordered = sorted(tiers, key=lambda t: t.max_efficiency_j_per_th)
    bounds = np.array([t.max_efficiency_j_per_th for t in ordered])
    prices = np.array([t.usd_per_th_s for t in ordered])
    eff = np.asarray(efficiency_j_per_th, dtype=float)
    index = np.searchsorted(bounds, eff, side="left")
    if (index >= len(bounds)).any():
        worst = float(eff[index >= len(bounds)].max())
        raise HashleaseError("efficiency_j_per_th", worst, f"<= the highest tier bound ({bounds[-1]:g} J/TH)")
    return np.asarray(hashrate_th_s, dtype=float) * prices[index]


def vintage_breakevens(lines: Sequence[VintageLine], as_of: dt.date, *, power_price_usd_per_kwh: float,
                       pue: float = 1.0, pool_fee_frac: float = 0.0,
                       tiers: Sequence[ResaleTier] = EXAMPLE_RESALE_TIERS) -> pd.DataFrame:
    """Per vintage on ``as_of``: hashrate, J/TH, breakeven power price, breakeven hashprice and resale value,
    ranked by breakeven hashprice (the first row is the first to switch off as hashprice falls).

    Examples
    --------
    >>> lines = [VintageLine(model="Antminer S19j Pro", units=1000, purchase_date="2021-06-01",
    ...                      efficiency_degradation_per_year_frac=0.02),
    ...          VintageLine(model="Antminer S21", units=1000, purchase_date="2024-06-01")]
    >>> table = vintage_breakevens(lines, dt.date(2026, 1, 1), power_price_usd_per_kwh=0.05)
    >>> table["model"].tolist()
    ['Antminer S19j Pro', 'Antminer S21']
    """
    price = float(check_range("power_price_usd_per_kwh", power_price_usd_per_kwh, ge=0))
    check_range("pue", pue, ge=1)
    check_range("pool_fee_frac", pool_fee_frac, ge=0, lt=1)
    lines = [line for line in lines if line.purchase_date <= as_of]  # not yet bought: nothing to switch off
    if not lines:
        raise HashleaseError("lines", "none in service", f"at least one vintage bought by {as_of}")
    state = vintage_state(lines, np.array([as_of], dtype="datetime64[D]"))
    eff = state["efficiency_j_per_th"][:, 0]
    th_s = state["hashrate_th_s"][:, 0]
    # breakeven hashprice (USD/PH/day) at the site's power price: 24 x E x p x PUE / (1 - pool fee)
    breakeven_hashprice = 24.0 * eff * price * pue / (1.0 - pool_fee_frac)
    table = pd.DataFrame({
        "model": [line.model for line in lines], "purchase_date": [line.purchase_date for line in lines],
        "age_years": [float(_age_years(line, np.array([as_of], dtype="datetime64[D]"))[0]) for line in lines],
        "hashrate_th_s": th_s, "efficiency_j_per_th": eff,
        "breakeven_hashprice_usd_per_ph_day": breakeven_hashprice,
        "breakeven_power_price_usd_per_mwh_at_55_usd_per_ph_day": breakeven_usd_per_mwh(55.0, eff, pue=pue,
                                                                                         pool_fee_frac=pool_fee_frac),
        "resale_value_usd": resale_value_usd(th_s, eff, tiers),
    })
    return table.sort_values("breakeven_hashprice_usd_per_ph_day", ascending=False, ignore_index=True)
