"""The workbook contract: every input and output code reads or writes is a workbook-level defined name.

No code addresses a template cell by its coordinates: the template (:mod:`hashlease.workbook.template`) names each
cell, and batch, ``demo`` and ``refresh`` find it by that name, so a sheet can be rearranged without touching them.

Inputs (what a scenario overrides) are named as the user sees them on the Inputs sheet, ``<block>.<field>``:

- ``market.<field>``: a field of :class:`~hashlease.models.MarketProjection` (``market.btc_price_usd``);
- ``mining.<field>``: a field of :class:`~hashlease.models.MiningSiteInputs` (``mining.pue``);
- ``lease.<field>``: a field of :class:`~hashlease.models.LeaseInputs` (``lease.rent_usd_per_kw_month``);
- ``discount_rate_per_year_frac``: the comparison's discount rate;
- ``phase<n>.site_mw``, ``phase<n>.critical_it_mw``, ``phase<n>.cutover_month``: a row of the Phasing sheet
  (1-based), for ``--phased`` batches.

Fields given by rows of their own (``fleet``, ``resale_tiers``, ``phases``) are not single cells and have no
input name. Outputs are named by the figure and its unit (:data:`OUTPUTS`, :data:`PHASED_OUTPUTS`). The Market
sheet's snapshot cells (``market_difficulty``, ``market_btc_price_usd``...) are what ``refresh`` writes; the
market block's inputs refer to them by default, and every sheet showing the price, difficulty, height or fees
reads the input cell, so one override moves them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from hashlease import models as m
from hashlease.models import HashleaseError
from hashlease.workbook.writer import defined_ref

__all__ = ["Output", "OUTPUTS", "PHASED_OUTPUTS", "DEMO_OUTPUTS", "BLOCKS", "DISCOUNT_RATE", "PHASE_FIELDS",
           "STRUCTURED_FIELDS", "block_inputs", "input_names", "phase_input", "is_input_name", "defined_names", "resolve",
           "input_cell", "output_cell", "read_outputs"]


@dataclass(frozen=True)
class Output:
    """One figure the workbook declares: its defined name (unit last), unit and meaning."""

    name: str
    unit: str
    description: str


#: Summary outputs, in the order batch writes them (each a defined name in the template).
OUTPUTS: tuple[Output, ...] = (
    Output("hashprice_now_usd_per_ph_day", "USD/PH/day", "Hashprice at the projection's start (the Mining sheet)"),
    Output("mining_npv_usd", "USD", "NPV of keeping the site mining (XNPV at the discount rate)"),
    Output("lease_npv_usd", "USD", "NPV of converting the site to the AI/HPC lease, fleet sold in month 0"),
    Output("npv_difference_usd", "USD", "Lease NPV less mining NPV"),
    Output("lease_irr_per_year_frac", "fraction/year", "IRR of converting to the lease (XIRR)"),
    Output("lease_payback_month", "months", "Month the conversion's cumulative cash turns positive"),
    Output("breakeven_btc_price_usd", "USD/BTC", "BTC price at the start at which mining and the lease are worth "
                                                 "the same"),
    Output("breakeven_rent_usd_per_kw_month", "USD/kW-month", "Year-1 rent at which the lease and mining are "
                                                              "worth the same"),
)
#: With ``--phased``: the phased conversion plan's NPV (the Phasing sheet).
PHASED_OUTPUTS: tuple[Output, ...] = (
    Output("phased_npv_usd", "USD", "NPV of the phased conversion plan (HL_PHASED_NPV)"),
)

#: Further figures ``hashlease demo`` prints (besides :data:`OUTPUTS`), each a defined name of the template.
DEMO_OUTPUTS: tuple[Output, ...] = (
    Output("hashprice_after_halving_usd_per_ph_day", "USD/PH/day", "Hashprice after the next halving at the same "
                                                                   "difficulty, price and fees (the Mining sheet)"),
    Output("site_cash_margin_usd_per_year", "USD/year", "The site's mining cash margin per year at today's hashprice"),
    Output("lease_xnpv_usd", "USD", "The lease alone: NPV by Excel's XNPV of its monthly schedule"),
    Output("lease_xirr_per_year_frac", "fraction/year", "The lease alone: IRR by Excel's XIRR of its schedule"),
)

#: Input blocks: prefix of the input names -> (pydantic input class, name of the two-column block).
BLOCKS: dict[str, tuple[type, str]] = {
    "market": (m.MarketProjection, "market_assumptions"),
    "mining": (m.MiningSiteInputs, "mining_assumptions"),
    "lease": (m.LeaseInputs, "lease_assumptions"),
}
DISCOUNT_RATE = "discount_rate_per_year_frac"
#: Columns of the Phasing sheet's phase rows, in order.
PHASE_FIELDS = ("site_mw", "critical_it_mw", "cutover_month")
#: Fields given by rows of their own (fleet:<model>, resale_tier:<J/TH>, phase:<n>.<field>), not one cell.
STRUCTURED_FIELDS = frozenset({"fleet", "resale_tiers", "phases"})
_PHASE = re.compile(r"^phase([1-9][0-9]*)\.(" + "|".join(PHASE_FIELDS) + r")$")


def block_inputs(block: str) -> list[str]:
    """The fields of ``block`` ("market", "mining", "lease") that are one named input cell each, in model order."""
    schema, _ = BLOCKS[block]
    return [name for name in schema.model_fields if name not in STRUCTURED_FIELDS]


def input_names(phases: int = 0) -> list[str]:
    """Every input name a scenario may override (with the first ``phases`` phase rows).

    >>> names = input_names(phases=2)
    >>> names[:2], "market.btc_price_usd" in names, names[-1]
    (['discount_rate_per_year_frac', 'market.start'], True, 'phase2.cutover_month')
    """
    names = [DISCOUNT_RATE]
    for block in BLOCKS:
        names += [f"{block}.{field}" for field in block_inputs(block)]
    names += [phase_input(n, field) for n in range(1, phases + 1) for field in PHASE_FIELDS]
    return names


def phase_input(number: int, field: str) -> str:
    """The input name of a Phasing-sheet cell: ``phase_input(2, "site_mw")`` is ``"phase2.site_mw"``."""
    return f"phase{number}.{field}"


def is_input_name(name: str) -> bool:
    """Whether ``name`` follows the input scheme (a block field, the discount rate or a phase cell)."""
    if name == DISCOUNT_RATE or _PHASE.match(name):
        return True
    block, _, field = name.partition(".")
    return block in BLOCKS and field in block_inputs(block)


def defined_names(path: str | Path) -> dict[str, str]:
    """The workbook's defined names: name -> reference text (``Inputs!$B$7``)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=False)
    try:
        return {name: d.attr_text for name, d in book.defined_names.items() if d.attr_text}
    finally:
        book.close()


def resolve(names: Mapping[str, str], name: str, what: str = "a name the workbook defines") -> tuple[str, str]:
    """(sheet, A1 reference without $) of the defined name ``name``; a workbook without it is an error."""
    if name not in names:
        raise HashleaseError("defined name", name, what)
    return defined_ref(names[name])


def input_cell(names: Mapping[str, str], name: str) -> tuple[str, str]:
    """(sheet, cell) a scenario's input ``name`` writes, found by the workbook's defined name ``name``.

    Raises
    ------
    HashleaseError
        ``name`` is not an input name (a typo, the Market sheet's ``market_btc_price_usd``), or the workbook does
        not define it (an older template; a phase the Phasing sheet does not have).
    """
    if not is_input_name(name):
        raise HashleaseError("input", name, "an input name: market.<field>, mining.<field>, lease.<field>, "
                             "discount_rate_per_year_frac or phase<n>.<site_mw|critical_it_mw|cutover_month> "
                             "(the names on the Inputs and Phasing sheets)")
    if name not in names:
        raise HashleaseError("input", name, "an input the workbook names (this workbook has no cell named so)")
    sheet, ref = defined_ref(names[name])
    if ":" in ref:
        raise HashleaseError("input", name, "a name of one cell", detail=f"it refers to {names[name]}")
    return sheet, ref


def output_cell(names: Mapping[str, str], name: str) -> tuple[str, str]:
    """(sheet, cell) of the declared output ``name``."""
    return resolve(names, name, "an output the workbook declares (rebuild it with `hashlease template`)")


def read_outputs(values: Mapping[str, Mapping[str, Any]], names: Mapping[str, str],
                 outputs: Iterable[Output | str] = OUTPUTS) -> dict[str, float | None]:
    """Each output's number from recalculated ``values`` ({sheet: {cell: value}}); an error cell is ``None``."""
    out: dict[str, float | None] = {}
    for output in outputs:
        name = output.name if isinstance(output, Output) else output
        sheet, ref = output_cell(names, name)
        value = values.get(sheet, {}).get(ref)
        out[name] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return out
