"""Market snapshots: the market inputs with their as-of dates and sources (I/O lives here, not in models)."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hashlease.models import HashleaseError

__all__ = ["MarketValue", "MarketSnapshot", "load_snapshot", "bundled_snapshot"]


class MarketValue(BaseModel):
    """One market figure with its unit, the date it describes and where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float = Field(allow_inf_nan=False)
    unit: str
    as_of: dt.date
    source: str = Field(min_length=1)


class MarketSnapshot(BaseModel):
    """The market inputs of the mining models, each with provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    difficulty: MarketValue
    block_height: MarketValue
    fees_btc_per_block: MarketValue
    btc_price_usd: MarketValue
    published_hashprice_usd_per_ph_day: MarketValue | None = None


def load_snapshot(path: str | Path) -> MarketSnapshot:
    """Read and validate a snapshot JSON file; any problem becomes a HashleaseError naming the file."""
    path = Path(path)
    try:
        return MarketSnapshot.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise HashleaseError("snapshot", str(path), "a readable JSON file", detail=exc.strerror) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HashleaseError(f"snapshot {path.name}: {where}", first.get("input"), "valid",
                             detail=first["msg"]) from None


def bundled_snapshot() -> MarketSnapshot:
    """The offline snapshot shipped with the package (used when no source is given)."""
    text = resources.files("hashlease").joinpath("data/market_snapshot.json").read_text("utf-8")
    return MarketSnapshot.model_validate(json.loads(text))
