r"""Around a base case: an output over a grid of two inputs, and a tornado of key inputs ranked by swing.

Every variant is a comparison with inputs changed by dotted path (:func:`with_inputs`), and all variants of a grid
or a tornado are valued in one pass of :func:`value_comparisons`, over one horizon (the longest any of them needs),
so a longer delay does not also lengthen the mining option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .comparison import SiteComparisonInputs, input_value, with_input, with_inputs
from .errors import ErrorKind, HashleaseError
from .valuation import value_comparisons

__all__ = ["sensitivity_grid", "tornado", "TornadoStep", "DEFAULT_TORNADO"]


def _same_horizon(variants: list[SiteComparisonInputs], paths: Sequence[str]) -> list[SiteComparisonInputs]:
    """The variants over one horizon (the longest any of them needs), so mining is valued alike in all.

    The horizon itself cannot be one of the inputs varied: every variant would be moved to the longest.
    """
    if "horizon_months" in paths:
        raise HashleaseError("input", "horizon_months", "an input other than the horizon: every variant of a grid or "
                             "tornado is valued over one horizon (compare horizons with separate comparisons)",
                             kind=ErrorKind.VALUE)
    if not variants:
        raise HashleaseError("input", "no variants", "at least one value to try", kind=ErrorKind.VALUE)
    horizon = max(v.horizon for v in variants)
    return [v if v.horizon == horizon and v.horizon_months else with_input(v, "horizon_months", horizon)
            for v in variants]


def sensitivity_grid(inputs: SiteComparisonInputs, row: tuple[str, Sequence[float]],
                     column: tuple[str, Sequence[float]], *, output: str = "npv_difference_usd") -> pd.DataFrame:
    """An output (default lease NPV less mining NPV) over a grid of two inputs.

    Parameters
    ----------
    row, column : (dotted path, values)
        The two inputs and their values, e.g. ``("market.btc_price_usd", [60e3, 90e3, 120e3])``.
    output : {'npv_difference_usd', 'mining_npv_usd', 'lease_npv_usd'}

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> grid = sensitivity_grid(example_comparison(), ("market.btc_price_usd", [60e3, 120e3]),
    ...                         ("lease.rent_usd_per_kw_month", [110, 150]))
    >>> grid.shape, bool(grid.iloc[0, 1] > grid.iloc[1, 0])  # cheap BTC, rich rent: lease wins by most
    ((2, 2), True)
    """
    if output not in ("npv_difference_usd", "mining_npv_usd", "lease_npv_usd"):
        raise HashleaseError("output", output, "one of 'npv_difference_usd', 'mining_npv_usd', 'lease_npv_usd'", kind=ErrorKind.VALUE)
    (row_path, row_values), (col_path, col_values) = row, column
    for name, path, values in (("row", row_path, row_values), ("column", col_path, col_values)):
        if len(values) == 0:
            raise HashleaseError(name, f"{path}: no values", "at least one value", kind=ErrorKind.VALUE)
    if row_path == col_path:
        raise HashleaseError("column", col_path, f"an input other than the row's ({row_path}): one input cannot "
                             "take two values in one cell of the grid", kind=ErrorKind.VALUE)
    variants = _same_horizon([with_inputs(inputs, [(row_path, a), (col_path, b)])
                              for a in row_values for b in col_values], (row_path, col_path))
    table = _values(variants, output).reshape(len(row_values), len(col_values))
    return pd.DataFrame(table, index=pd.Index(row_values, name=row_path), columns=pd.Index(col_values, name=col_path))


def _values(variants: list[SiteComparisonInputs], output: str) -> np.ndarray:
    """``output`` of every variant, valued in one pass; the first variant's error if any has no value."""
    batch = value_comparisons(variants, breakevens=False)
    return np.array([batch.value(output, i) for i in range(len(variants))])


@dataclass(frozen=True)
class TornadoStep:
    """One tornado bar: an input and its step, relative (x (1 +/- step)) or absolute (+/- step)."""

    path: str
    step: float
    relative: bool = True


DEFAULT_TORNADO = (
    TornadoStep("market.btc_price_usd", 0.20),
    TornadoStep("market.difficulty_growth_per_month_frac", 0.01, relative=False),
    TornadoStep("market.btc_price_growth_per_year_frac", 0.10, relative=False),
    TornadoStep("mining.power_price_usd_per_kwh", 0.20),
    TornadoStep("lease.rent_usd_per_kw_month", 0.10),
    TornadoStep("lease.capex_usd_per_mw", 0.20),
    TornadoStep("lease.escalator_per_year_frac", 0.01, relative=False),
    TornadoStep("lease.delay_months", 6, relative=False),
    TornadoStep("discount_rate_per_year_frac", 0.02, relative=False),
)


def tornado(inputs: SiteComparisonInputs, steps: Sequence[TornadoStep] = DEFAULT_TORNADO) -> pd.DataFrame:
    """Lease-minus-mining NPV with each input moved down and up by its step, ranked by swing.

    Inputs not set in ``inputs`` (None) are skipped. A step that would leave an input's accepted range is
    kept to that range (a delay cannot go below 0, an uptime above 1), and the bar's ``note`` says so. All bars share one horizon, the
    longest any of them needs, so a longer delay does not also lengthen the mining option.

    Examples
    --------
    >>> from hashlease.models import example_comparison
    >>> bars = tornado(example_comparison())
    >>> list(bars.columns)
    ['input', 'low_value', 'high_value', 'npv_difference_low_usd', 'npv_difference_high_usd', 'swing_usd', 'note']
    >>> bool((bars["swing_usd"].diff().dropna() <= 0).all())  # largest swing first
    True
    """
    if not steps:
        raise HashleaseError("steps", "none", "at least one TornadoStep", kind=ErrorKind.VALUE)
    bars = []
    for step in steps:
        base = input_value(inputs, step.path)
        if base is None:
            continue
        if isinstance(base, bool) or not isinstance(base, (int, float)):
            raise HashleaseError("steps", step.path, "a numeric input to move up and down", kind=ErrorKind.VALUE)
        wanted = ((base * (1 - step.step), base * (1 + step.step)) if step.relative
                  else (base - step.step, base + step.step))
        low, high = _clip(inputs, step.path, wanted[0]), _clip(inputs, step.path, wanted[1])
        if isinstance(base, int):
            low, high = int(round(low)), int(round(high))
        clipped = [side for side, got, want in (("low", low, wanted[0]), ("high", high, wanted[1]))
                   if abs(got - want) > 1e-12 * max(1.0, abs(want))]
        note = "; ".join(f"{side} step kept to the accepted range ({want:g} asked, {got:g} used)"
                         for side, got, want in (("low", low, wanted[0]), ("high", high, wanted[1]))
                         if side in clipped)
        bars.append((step.path, low, high, note))
    if not bars:
        raise HashleaseError("steps", ", ".join(s.path for s in steps), "at least one input that is set in the "
                             "comparison (inputs left empty have no value to move)", kind=ErrorKind.VALUE)
    variants = _same_horizon([with_input(inputs, path, value) for path, low, high, _ in bars
                              for value in (low, high)], [path for path, *_ in bars])
    gaps = _values(variants, "npv_difference_usd")
    rows = [dict(input=path, low_value=low, high_value=high, npv_difference_low_usd=gaps[2 * i],
                 npv_difference_high_usd=gaps[2 * i + 1], swing_usd=abs(gaps[2 * i + 1] - gaps[2 * i]), note=note)
            for i, (path, low, high, note) in enumerate(bars)]
    return pd.DataFrame(rows).sort_values("swing_usd", ascending=False, ignore_index=True)


def _clip(inputs: SiteComparisonInputs, path: str, value: float) -> float:
    """``value`` moved inside the accepted range of the field at ``path`` (open bounds by a hair)."""
    head, _, rest = path.partition(".")
    model = type(getattr(inputs, head)) if rest else SiteComparisonInputs
    info = model.model_fields[rest or head]
    for bound in info.metadata:
        for attr, inside in (("ge", lambda b: max(value, b)), ("le", lambda b: min(value, b)),
                             ("gt", lambda b: max(value, b + 1e-9 * max(1.0, abs(b)))),
                             ("lt", lambda b: min(value, b - 1e-9 * max(1.0, abs(b))))):
            if getattr(bound, attr, None) is not None:
                value = inside(getattr(bound, attr))
    return value
