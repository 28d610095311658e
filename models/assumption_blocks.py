"""Name | value assumption blocks: rows of a two-column range parsed into the models' pydantic inputs.

One parser shared by the Excel add-in (``HL_`` functions taking ``market_assumptions`` and the like), the
workbook template (whose input rows these are) and the batch engines. Pure: rows in, a validated input set out;
no Excel, no files. A malformed row raises :class:`~hashlease.models.HashleaseError` naming the block and the
row (1-based, as the user counts rows in the range); the add-in turns that into ``#VALUE!``.

Row names are the model's field names, plus:

- ``fleet:<model>`` (machines) or ``fleet_th_s:<model>`` (TH/s) for the lines of a mining fleet;
- ``resale_tier:<max J/TH>`` with the resale price in USD per TH/s;
- ``phase:<n>.<field>`` for the phases of a lease (``phase:1.critical_it_mw``).

A blank name or a blank value skips the row (a blank value leaves the model's default). Dates may be date
cells, ISO text or Excel serial numbers; a tuple field (weights, a price path) is text with numbers separated
by commas or semicolons, unless the text names one of the field's choices (a capex curve).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
import typing
from typing import Any, Sequence

import annotated_types
from pydantic import BaseModel

from .errors import HashleaseError
from .excel_dates import calendar_date, from_excel_serial

__all__ = ["ROW_PREFIXES", "Bounds", "field_bounds", "block_fields", "assumptions_from_rows"]

#: Prefixes of the rows that are not plain field names.
ROW_PREFIXES = ("fleet:", "fleet_th_s:", "resale_tier:", "phase:")


@dataclass(frozen=True)
class Bounds:
    """The numeric range a pydantic field accepts (``None``: unbounded on that side)."""

    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True

    @property
    def accepted(self) -> str:
        """The range in the notation of :class:`HashleaseError` messages: ``"(0, 1]"``, ``"> 0"``, ``">= 1"``."""
        if self.low is None and self.high is None:
            return "any number"
        if self.high is None:
            return f"{'>=' if self.low_inclusive else '>'} {self.low:g}"
        if self.low is None:
            return f"{'<=' if self.high_inclusive else '<'} {self.high:g}"
        return f"{'[' if self.low_inclusive else '('}{self.low:g}, {self.high:g}{']' if self.high_inclusive else ')'}"


def field_bounds(schema: type[BaseModel], name: str) -> Bounds:
    """The bounds pydantic enforces on ``schema.name`` (its ``Gt``/``Ge``/``Lt``/``Le`` constraints).

    The one place a bound is stated is the model's ``Field``; the workbook template's validation and the add-in's
    argument help read it here.

    Examples
    --------
    >>> from hashlease.models import MiningSiteInputs
    >>> field_bounds(MiningSiteInputs, "uptime_frac")
    Bounds(low=0, low_inclusive=False, high=1, high_inclusive=True)
    >>> field_bounds(MiningSiteInputs, "pool_fee_frac").accepted
    '[0, 1)'
    """
    bounds = Bounds()
    for item in schema.model_fields[name].metadata:
        if isinstance(item, annotated_types.Gt):
            bounds = replace(bounds, low=item.gt, low_inclusive=False)
        elif isinstance(item, annotated_types.Ge):
            bounds = replace(bounds, low=item.ge, low_inclusive=True)
        elif isinstance(item, annotated_types.Lt):
            bounds = replace(bounds, high=item.lt, high_inclusive=False)
        elif isinstance(item, annotated_types.Le):
            bounds = replace(bounds, high=item.le, high_inclusive=True)
    return bounds


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _field_kind(schema: type[BaseModel], name: str) -> str:
    annotation = schema.model_fields[name].annotation
    options = set(typing.get_args(annotation)) | {annotation}
    if dt.date in options:
        return "date"
    if any(typing.get_origin(o) is tuple for o in options):
        return "tuple"
    return "value"


def _is_choice(schema: type[BaseModel], name: str, text: str) -> bool:
    """Whether ``text`` is one of the named choices a field also accepts (a capex curve's name)."""
    for option in typing.get_args(schema.model_fields[name].annotation):
        if typing.get_origin(option) is typing.Literal and text in typing.get_args(option):
            return True
    return False


def _date(name: str, value: Any) -> dt.date:
    day = calendar_date(value)
    if day is not None:
        return day
    if isinstance(value, str):
        raise HashleaseError(name, value, "a date (a date cell, YYYY-MM-DD or an Excel serial)")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise HashleaseError(name, value, "a date (a date cell, YYYY-MM-DD or an Excel serial)")
    return from_excel_serial(float(value)).item()


def block_fields(schema: type[BaseModel], rows: Sequence[Sequence[Any]], block: str = "assumptions"
                 ) -> dict[str, Any]:
    """The keyword arguments of ``schema`` that the name | value ``rows`` give (not yet validated by ``schema``).

    Parameters
    ----------
    schema : type of pydantic model
        ``MarketProjection``, ``MiningSiteInputs``, ``LeaseInputs`` (or any input set).
    rows : sequence of (name, value) rows
        The block's cells, top to bottom; every row has two cells.
    block : str
        The block's name, used in messages (``"mining_assumptions"``).

    Raises
    ------
    HashleaseError
        A row that is not two cells, a name that is not text or is given twice, a malformed ``resale_tier:`` or
        ``phase:`` name, an unreadable date or list; the message names ``block`` and the row.

    Examples
    --------
    >>> from hashlease.models import MiningSiteInputs
    >>> rows = [("site_mw", 100), ("pue", None), ("fleet:Antminer S21", 25_000.0), ("resale_tier:25", 20)]
    >>> block_fields(MiningSiteInputs, rows, "mining_assumptions")
    {'site_mw': 100, 'fleet': [{'model': 'Antminer S21', 'units': 25000}], 'resale_tiers': [{'max_efficiency_j_per_th': 25.0, 'usd_per_th_s': 20}]}
    >>> block_fields(MiningSiteInputs, [("site_mw", 1), ("site_mw", 2)], "mining_assumptions")
    Traceback (most recent call last):
    ...
    hashlease.models.errors.HashleaseError: mining_assumptions row 2 must be a name given once, got 'site_mw'
    """
    data: dict[str, Any] = {}
    fleet: list[dict[str, Any]] = []
    tiers: list[dict[str, Any]] = []
    phases: dict[int, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=1):
        where = f"{block} row {number}"
        if len(row) != 2:
            raise HashleaseError(where, f"{len(row)} cells", "two cells (name | value)")
        name, cell = row
        if _blank(name):
            continue
        if not isinstance(name, str):
            raise HashleaseError(f"{where} name", name, "text (a field name)")
        key = name.strip()
        if key.startswith(("fleet:", "fleet_th_s:")):
            kind, _, model = key.partition(":")
            fleet.append({"model": model.strip(), "units" if kind == "fleet" else "th_s":
                          int(cell) if kind == "fleet" and isinstance(cell, float) and cell.is_integer() else cell})
            continue
        if key.startswith("resale_tier:"):
            try:
                bound = float(key[len("resale_tier:"):].strip())
            except ValueError:
                raise HashleaseError(where, key, "a name like resale_tier:<max J/TH>, e.g. resale_tier:25") from None
            tiers.append({"max_efficiency_j_per_th": bound, "usd_per_th_s": cell})
            continue
        if key.startswith("phase:"):
            head, _, field = key[len("phase:"):].partition(".")
            try:
                phases.setdefault(int(head), {})[field] = cell
            except ValueError:
                raise HashleaseError(where, key, "a name like phase:<n>.critical_it_mw") from None
            continue
        if key in data:
            raise HashleaseError(where, key, "a name given once")
        if _blank(cell):
            continue  # an empty value leaves the model's default
        if key in schema.model_fields:
            kind = _field_kind(schema, key)
            if kind == "date" and not isinstance(cell, str):
                cell = _date(key, cell)
            elif kind == "tuple" and isinstance(cell, str) and not _is_choice(schema, key, cell):
                try:
                    cell = tuple(float(x) for x in cell.replace(";", ",").split(",") if x.strip())
                except ValueError:
                    raise HashleaseError(key, cell, "numbers separated by commas") from None
            elif isinstance(cell, float) and cell.is_integer() and schema.model_fields[key].annotation in (
                    int, int | None):
                cell = int(cell)
        data[key] = cell
    if fleet:
        data["fleet"] = fleet
    if tiers:
        data["resale_tiers"] = tiers
    if phases:
        data["phases"] = [phases[k] for k in sorted(phases)]
    return data


def assumptions_from_rows(schema: type[BaseModel], rows: Sequence[Sequence[Any]], block: str = "assumptions"
                          ) -> BaseModel:
    """``schema`` validated from the name | value ``rows`` (see :func:`block_fields`).

    Examples
    --------
    >>> from hashlease.models import MarketProjection
    >>> market = assumptions_from_rows(MarketProjection, [("start", "2026-01-01"), ("months", 12.0),
    ...     ("difficulty", 1.0e14), ("block_height", 930_000), ("btc_price_usd", 90_000),
    ...     ("fees_btc_per_block", 0.1)], "market_assumptions")
    >>> market.months, market.start
    (12, datetime.date(2026, 1, 1))
    """
    return schema(**block_fields(schema, rows, block))
