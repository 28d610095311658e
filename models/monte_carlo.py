r"""Monte Carlo of the mine-or-lease decision: price paths, difficulty growth, lease delay and tenant default.

BTC price follows geometric Brownian motion with monthly steps; difficulty growth, the lease's delay and the month
a tenant defaults are drawn per path. Every path is valued by the same kernel as a single comparison
(:func:`comparison_flows`): mining on each drawn market, the lease once per distinct (delay, default) case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ._inputs import InputModel
from .comparison import SiteComparisonInputs
from .errors import ErrorKind, HashleaseError
from .projection import project_market
from .valuation import comparison_flows, value_comparisons

__all__ = ["MonteCarloSpec", "MonteCarloResult", "monte_carlo", "monte_carlo_inputs", "draw_block", "mining_npvs",
           "DRAW_BLOCK"]


class MonteCarloSpec(InputModel):
    """What the Monte Carlo draws, and how many paths.

    BTC price follows geometric Brownian motion with monthly steps: :math:`P_t = P_0 \\exp((\\ln(1+g) -
    \\sigma^2/2) t + \\sigma W_t)`, so its expected growth is ``btc_drift_per_year_frac`` = g per year (by default
    the market's own growth) and zero volatility gives the deterministic path. Difficulty growth per month is
    drawn uniformly per path; lease delay from stated choices and probabilities; tenant default as a month
    drawn from an annual probability (with the lease's backstop share still paid).
    """

    paths: int = Field(ge=1, le=10_000_000, description="Paths drawn [count]")
    seed: int = Field(ge=0, description="Random seed: the same seed gives the same answer")
    btc_volatility_per_year_frac: float = Field(0.6, ge=0, le=5, description="GBM volatility [fraction/sqrt(year)]")
    btc_drift_per_year_frac: float | None = Field(None, gt=-1, le=10, description=(
        "Expected BTC price growth [fraction/year]; default the market's growth"))
    difficulty_growth_low_per_month_frac: float | None = Field(None, gt=-0.5, le=0.5)
    difficulty_growth_high_per_month_frac: float | None = Field(None, gt=-0.5, le=0.5)
    lease_delay_months_choices: tuple[int, ...] | None = Field(None, min_length=1, description=(
        "Delays drawn [months]; default the lease's own delay on every path"))
    lease_delay_probabilities: tuple[float, ...] | None = Field(None, min_length=1, description=(
        "Probability of each delay choice; default equal"))
    tenant_default_probability_per_year_frac: float | None = Field(None, ge=0, lt=1)
    chunk_paths: int = Field(20_000, ge=1, le=1_000_000, description=(
        "Paths valued at once, rounded to whole blocks of 1,000 (bounds memory; does not change the answer)"))

    @model_validator(mode="after")
    def _consistent(self) -> "MonteCarloSpec":
        low, high = self.difficulty_growth_low_per_month_frac, self.difficulty_growth_high_per_month_frac
        if (low is None) != (high is None):
            raise HashleaseError("difficulty_growth_high_per_month_frac", high, "given together with the low bound", kind=ErrorKind.VALUE)
        if low is not None and high < low:
            raise HashleaseError("difficulty_growth_high_per_month_frac", high, f">= the low bound ({low:g})")
        choices = self.lease_delay_months_choices
        if choices is not None and any(d < 0 or d > 120 for d in choices):
            raise HashleaseError("lease_delay_months_choices", choices, "months in [0, 120]")
        if self.lease_delay_probabilities is not None and choices is None:
            raise HashleaseError("lease_delay_probabilities", self.lease_delay_probabilities,
                                 "left out unless lease_delay_months_choices is given", kind=ErrorKind.VALUE)
        if self.lease_delay_probabilities is not None:
            probs = np.asarray(self.lease_delay_probabilities)
            if len(probs) != len(self.lease_delay_months_choices) or (probs < 0).any() or abs(probs.sum() - 1) > 1e-9:
                raise HashleaseError("lease_delay_probabilities", self.lease_delay_probabilities,
                                     "one probability >= 0 per delay choice, summing to 1")
        return self


@dataclass(frozen=True)
class MonteCarloResult:
    """NPVs of both options on every path, and what a board pack shows of them."""

    mining_npv_usd: np.ndarray
    lease_npv_usd: np.ndarray

    @property
    def probability_lease_beats_mining(self) -> float:
        return float(np.mean(self.lease_npv_usd > self.mining_npv_usd))

    def percentiles(self, levels: Sequence[float] = (5, 25, 50, 75, 95)) -> pd.DataFrame:
        """Percentiles of each option's NPV and of the difference (lease less mining). [USD]"""
        data = {"mining_npv_usd": self.mining_npv_usd, "lease_npv_usd": self.lease_npv_usd,
                "lease_minus_mining_npv_usd": self.lease_npv_usd - self.mining_npv_usd}
        return pd.DataFrame({name: np.percentile(values, levels) for name, values in data.items()},
                            index=pd.Index([f"P{level:g}" for level in levels], name="percentile"))


def _draws(inputs: SiteComparisonInputs, spec: MonteCarloSpec, rng: np.random.Generator, n: int):
    months = inputs.horizon
    market = inputs.market
    growth = np.log1p(spec.btc_drift_per_year_frac if spec.btc_drift_per_year_frac is not None
                      else (market.btc_price_growth_per_year_frac or 0.0))
    sigma = spec.btc_volatility_per_year_frac
    dt_years = 1.0 / 12.0
    shocks = rng.standard_normal((n, months - 1)) * np.sqrt(dt_years)
    w = np.concatenate([np.zeros((n, 1)), np.cumsum(shocks, axis=1)], axis=1)
    t = np.arange(months) * dt_years
    if market.btc_price_path_usd is not None:
        base = np.asarray(market.btc_price_path_usd[:months])[None, :] * np.exp(-0.5 * sigma**2 * t)
    else:
        base = market.btc_price_usd * np.exp((growth - 0.5 * sigma**2) * t)[None, :]
    price = base * np.exp(sigma * w)
    if spec.difficulty_growth_low_per_month_frac is not None:
        difficulty_growth = rng.uniform(spec.difficulty_growth_low_per_month_frac,
                                        spec.difficulty_growth_high_per_month_frac, n)
    else:
        difficulty_growth = None
    if spec.lease_delay_months_choices is not None:
        delay = rng.choice(np.asarray(spec.lease_delay_months_choices), size=n, p=spec.lease_delay_probabilities)
    else:
        delay = np.full(n, inputs.lease.delay_months)
    term = inputs.lease.term_months
    if spec.tenant_default_probability_per_year_frac is not None:
        monthly = 1.0 - (1.0 - spec.tenant_default_probability_per_year_frac) ** (1.0 / 12.0)
        uniform = 1.0 - rng.uniform(size=n)  # in (0, 1]: its log is finite
        if monthly > 0:  # the first month of default, geometric with this monthly hazard
            default = np.floor(np.log(uniform) / np.log1p(-monthly))
            default = np.where(default < term, default, -1).astype(int)
        else:
            default = np.full(n, -1)
    else:
        default = np.full(n, -2)  # -2: the lease's own credit assumptions apply
    return price, difficulty_growth, delay, default


def _lease_npvs_by_case(inputs: SiteComparisonInputs, delay: np.ndarray, default: np.ndarray) -> np.ndarray:
    cases, index = np.unique(np.stack([delay, default], axis=1), axis=0, return_inverse=True)
    leases = [inputs.lease.replace(delay_months=int(d)) if k == -2 else
              inputs.lease.replace(delay_months=int(d), default_month=None if k < 0 else int(k),
                                   default_probability_per_year_frac=None) for d, k in cases]
    variants = [inputs.replace(lease=lease) for lease in leases]
    values = np.concatenate([value_comparisons(variants[i:i + 2_000], breakevens=False).lease_npv_usd
                             for i in range(0, len(variants), 2_000)])
    return values[index.reshape(-1)]


def monte_carlo(inputs: SiteComparisonInputs, spec: MonteCarloSpec) -> MonteCarloResult:
    """Draw ``spec.paths`` futures and value both options on each, in chunks of ``spec.chunk_paths``.

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> spec = MonteCarloSpec(paths=2_000, seed=7, btc_volatility_per_year_frac=0.6,
    ...                       lease_delay_months_choices=(0, 6), tenant_default_probability_per_year_frac=0.02)
    >>> a, b = monte_carlo(example_comparison(), spec), monte_carlo(example_comparison(), spec)
    >>> a.probability_lease_beats_mining == b.probability_lease_beats_mining  # same seed, same answer
    True
    """
    inputs = monte_carlo_inputs(inputs, spec)
    low = spec.difficulty_growth_low_per_month_frac
    if low is not None and low < 0 and inputs.market.difficulty * (1.0 + low) ** inputs.horizon < 1.0:
        raise HashleaseError("difficulty_growth_low_per_month_frac", low, "a decline that keeps difficulty >= 1 (its "
                             f"floor) over the {inputs.horizon} months of every path")
    # paths valued at once: as asked, but never more than MAX_CHUNK_CELLS path-months (memory stays bounded on long
    # horizons); whole blocks of draws, so the chunking changes memory, never the answer
    paths = min(spec.chunk_paths, max(1, MAX_CHUNK_CELLS // inputs.horizon))
    chunk = max(DRAW_BLOCK, paths // DRAW_BLOCK * DRAW_BLOCK)
    mining, lease = [], []
    for start in range(0, spec.paths, chunk):
        price, growth, delay, default = draw_block(inputs, spec, start, min(chunk, spec.paths - start))
        mining.append(mining_npvs(inputs, price, growth))
        lease.append(_lease_npvs_by_case(inputs, delay, default))
    return MonteCarloResult(np.concatenate(mining), np.concatenate(lease))


def mining_npvs(inputs: SiteComparisonInputs, btc_price_usd: np.ndarray,
                difficulty_growth_per_month_frac: np.ndarray | None) -> np.ndarray:
    """Mining's NPV on each drawn path: BTC price paths (paths, months) and difficulty growth (paths,). [USD]"""
    market = project_market(inputs.market, months=inputs.horizon, btc_price_usd=btc_price_usd,
                            difficulty_growth_per_month_frac=difficulty_growth_per_month_frac)
    flows = comparison_flows([inputs] * len(btc_price_usd), market=market)
    return np.sum(flows.discount * flows.mining_net_usd, axis=1)


def monte_carlo_inputs(inputs: SiteComparisonInputs, spec: MonteCarloSpec) -> SiteComparisonInputs:
    """The comparison over the life of the longest delay drawn, so every path values the whole lease."""
    if spec.lease_delay_months_choices is not None:
        extra = max(spec.lease_delay_months_choices) - inputs.lease.delay_months
        if extra > 0:
            return inputs.replace(horizon_months=inputs.horizon + extra)
    return inputs


def draw_block(inputs: SiteComparisonInputs, spec: MonteCarloSpec, start: int, n: int):
    """Draws for paths [start, start + n), ``start`` a multiple of the block: each block has its own stream,
    so the draws of a path do not depend on how the paths are chunked."""
    parts = [_draws(inputs, spec, np.random.default_rng([spec.seed, b // DRAW_BLOCK]),
                    min(DRAW_BLOCK, start + n - b)) for b in range(start, start + n, DRAW_BLOCK)]
    return tuple(np.concatenate(x) if x[0] is not None else None for x in zip(*parts))


#: Paths drawn from one random stream; chunks are whole blocks, so chunk_paths changes memory, not answers.
DRAW_BLOCK = 1_000
#: Most path-months valued at once (about 40 arrays of this many floats are alive in a chunk: ~1.3 GB).
MAX_CHUNK_CELLS = 4_000_000
