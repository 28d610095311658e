"""Market snapshots: the market inputs with their as-of dates and sources (I/O lives here, not in models)."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import unicodedata

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hashlease.models import HashleaseError

__all__ = ["MarketValue", "MarketSnapshot", "load_snapshot", "bundled_snapshot", "check_snapshot", "clean_text",
           "MAX_TEXT_CHARS", "MAX_SNAPSHOT_BYTES", "SNAPSHOT_BOUNDS"]

#: Longest text a cell holds in Excel; longer source text is cut to it (files) or refused (snapshots). [characters]
MAX_TEXT_CHARS = 32_767
#: Largest snapshot file read. [bytes]
MAX_SNAPSHOT_BYTES = 1_000_000
#: Accepted range of each snapshot value (the models' own lower bounds; upper bounds far beyond any market, so
#: every figure computed from them stays finite): field -> (low, low inclusive, high).
SNAPSHOT_BOUNDS = {"difficulty": (0.0, False, 1e20), "block_height": (0.0, True, 7_000_000.0),
                   "fees_btc_per_block": (0.0, True, 50.0), "btc_price_usd": (0.0, False, 1e9),
                   "published_hashprice_usd_per_ph_day": (0.0, True, 1e9)}


def _unsafe(char: str) -> bool:
    """Characters XML (so an .xlsx) cannot hold or a terminal would act on: controls, lone surrogates, U+FFFE/F."""
    return unicodedata.category(char) in ("Cc", "Cs") or char in ("\ufffe", "\uffff")


def clean_text(text: object, limit: int = MAX_TEXT_CHARS) -> str:
    r"""``text`` with control characters (tabs and line breaks become spaces) and XML-illegal characters removed,
    cut to ``limit`` characters (an ellipsis marks the cut).

    Examples
    --------
    >>> clean_text("block\x01 880000\n(api)")
    'block 880000 (api)'
    >>> len(clean_text("x" * 100_000))
    32767
    """
    text = str(text)
    if any(_unsafe(c) for c in text):
        text = "".join(" " if c in "\t\r\n" else c for c in text if c in "\t\r\n" or not _unsafe(c))
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _check_text(value: str) -> str:
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"text of at most {MAX_TEXT_CHARS:,} characters (Excel's cell limit), got {len(value):,}")
    if any(_unsafe(c) for c in value):
        raise ValueError("text without control characters")
    return value


class MarketValue(BaseModel):
    """One market figure with its unit, the date it describes and where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float = Field(allow_inf_nan=False)
    unit: str
    as_of: dt.date
    source: str = Field(min_length=1)

    _text = field_validator("unit", "source")(_check_text)


class MarketSnapshot(BaseModel):
    """The market inputs of the mining models, each with provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    difficulty: MarketValue
    block_height: MarketValue
    fees_btc_per_block: MarketValue
    btc_price_usd: MarketValue
    published_hashprice_usd_per_ph_day: MarketValue | None = None

    _text = field_validator("name")(_check_text)


def check_snapshot(snapshot: MarketSnapshot, where: str = "snapshot") -> MarketSnapshot:
    """Refuse a snapshot whose values are outside :data:`SNAPSHOT_BOUNDS` (a negative difficulty, a fractional
    block height...), naming the field; returns it unchanged."""
    for name, (low, inclusive, high) in SNAPSHOT_BOUNDS.items():
        item = getattr(snapshot, name)
        if item is None:
            continue
        value = item.value
        if not ((value >= low if inclusive else value > low) and value <= high):
            accepted = f"{'>=' if inclusive else '>'} {low:g}" if high is None else \
                f"in {'[' if inclusive else '('}{low:g}, {high:g}]"
            raise HashleaseError(f"{where}: {name}", value, accepted)
        if name == "block_height" and not float(value).is_integer():
            raise HashleaseError(f"{where}: {name}", value, "a whole number of blocks")
    return snapshot


def load_snapshot(path: str | Path) -> MarketSnapshot:
    """Read and validate a snapshot JSON file; any problem becomes a HashleaseError naming the file."""
    path = Path(path)
    try:
        if path.is_dir():
            raise HashleaseError("snapshot", str(path), "a JSON file, not a directory")
        size = path.stat().st_size
        if size > MAX_SNAPSHOT_BYTES:
            raise HashleaseError("snapshot", f"{path.name} of {size:,} bytes", f"<= {MAX_SNAPSHOT_BYTES:,} bytes")
        snapshot = MarketSnapshot.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise HashleaseError("snapshot", str(path), "a readable JSON file", detail=exc.strerror) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        shown = first.get("input")
        if isinstance(shown, str):
            shown = clean_text(shown, 80)
        elif not isinstance(shown, (int, float, type(None))):
            shown = type(shown).__name__
        raise HashleaseError(f"snapshot {path.name}: {where}", shown, "valid", detail=first["msg"]) from None
    return check_snapshot(snapshot, f"snapshot {path.name}")


def bundled_snapshot() -> MarketSnapshot:
    """The offline snapshot shipped with the package (used when no source is given)."""
    text = resources.files("hashlease").joinpath("data/market_snapshot.json").read_text("utf-8")
    return MarketSnapshot.model_validate(json.loads(text))
