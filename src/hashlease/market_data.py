"""Market data for the Market sheet: fetched from REST APIs, read from a file, or the bundled snapshot.

Every value is validated (type, plausible range, freshness) before it can reach a workbook. A value that fails,
or that a source does not deliver, is replaced by the last good value (from the local cache, else the workbook's
own) and marked stale with the reason; the command says so. Good values are cached for the next run.

Sources:

- ``rest`` (``--source https://host``): an API in the style of mempool.space's: ``GET /api/blocks/tip/height``
  (text), ``GET /api/v1/blocks[/<height>]`` (the latest blocks, newest first, each with ``height``,
  ``timestamp``, ``difficulty`` and ``extras.totalFees`` in sats) and ``GET /api/v1/prices`` (``{"time": unix,
  "USD": price}``). Requests use httpx with a timeout, a stated user agent and retries with exponential backoff
  on timeouts, connection errors and 5xx answers; one total deadline (``deadline_s``) bounds the whole refresh,
  retries and slow streams included, and each answer is read up to :data:`MAX_RESPONSE_BYTES`.
- a ``.json`` file in the snapshot format, or a ``.csv`` file with columns ``field,value,unit,as_of,source``.
- ``bundled`` (the default): the offline snapshot shipped with the package, so nothing needs a network.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hashlease import __version__
from hashlease.atomic import atomic_path
from hashlease.market import MAX_TEXT_CHARS, MarketSnapshot, MarketValue, bundled_snapshot, clean_text, load_snapshot
from hashlease.models import HashleaseError
from pydantic import ValidationError

__all__ = ["FIELDS", "PLAUSIBLE", "Refreshed", "RestSource", "fetch", "validate", "MarketCache"]

FIELDS = ("difficulty", "block_height", "fees_btc_per_block", "btc_price_usd")
UNITS = {"difficulty": "unitless", "block_height": "blocks", "fees_btc_per_block": "BTC/block",
         "btc_price_usd": "USD/BTC"}
#: Plausible ranges; a value outside is refused as absurd (the 4th halving's difficulty was 86 T; 1e17 is ~1,000x).
PLAUSIBLE = {"difficulty": (1e12, 1e17), "block_height": (840_000, 7_000_000), "fees_btc_per_block": (0.0, 50.0),
             "btc_price_usd": (1_000.0, 10_000_000.0)}
#: Largest answer read from a REST API, and largest CSV source or cache file read. [bytes]
MAX_RESPONSE_BYTES = 5_000_000
#: Longest reason shown in a status cell. [characters]
MAX_REASON_CHARS = 300
_ASCII_DIGITS = re.compile(r"[0-9]{1,20}")
USER_AGENT = f"hashlease/{__version__} (market refresh; +https://example.invalid/hashlease)"


@dataclass
class Refreshed:
    """The values to write, and for each field whether it is fresh or stale (with why)."""

    values: dict[str, MarketValue]
    stale: dict[str, str] = field(default_factory=dict)
    source: str = ""
    warnings: list[str] = field(default_factory=list)


class SourceError(Exception):
    """A source could not deliver (network, HTTP status, malformed body); the reason is the message."""


@dataclass
class RestSource:
    """A mempool.space-style REST API (see the module docstring)."""

    base_url: str
    timeout_s: float = 10.0
    retries: int = 3
    backoff_s: float = 0.5
    fee_window_blocks: int = 144
    sleep: Callable[[float], None] = time.sleep
    #: The whole fetch (every request, retry, backoff and byte) ends within this. [s]
    deadline_s: float = 60.0
    _deadline: float = field(default=math.inf, init=False, repr=False)

    def _remaining(self, path: str) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise SourceError(f"the refresh deadline of {self.deadline_s:g} s passed before {path} answered")
        return left

    def _read(self, client, path: str) -> tuple[int, bytes]:
        """Status and body of one GET, streamed so the deadline and the size limit hold however slow the server."""
        import httpx

        left = self._remaining(path)
        timeout = httpx.Timeout(min(self.timeout_s, left))
        with client.stream("GET", path, timeout=timeout) as response:
            if response.status_code != 200:
                return response.status_code, b""
            body = bytearray()
            for chunk in response.iter_raw():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise SourceError(f"{path} sent more than {MAX_RESPONSE_BYTES:,} bytes")
                self._remaining(path)
            return 200, bytes(body)

    def _get(self, client, path: str) -> bytes:
        import httpx

        last = ""
        for attempt in range(self.retries + 1):
            try:
                status, body = self._read(client, path)
                if status >= 500:
                    last = f"HTTP {status} from {path}"
                elif status != 200:
                    raise SourceError(f"HTTP {status} from {path}")
                else:
                    return body
            except (httpx.TimeoutException, httpx.TransportError, httpx.DecodingError) as exc:
                last = f"{type(exc).__name__} on {path}"
            if attempt < self.retries:
                self.sleep(min(self.backoff_s * 2**attempt, self._remaining(path)))
        raise SourceError(f"{last} after {self.retries + 1} attempts")

    def _json(self, client, path: str) -> Any:
        body = self._get(client, path)
        try:
            return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
        except (ValueError, RecursionError):  # includes bad UTF-8, NaN/Infinity and numbers of 4,300+ digits
            raise SourceError(f"malformed JSON from {path}") from None

    def fetch(self) -> dict[str, Any]:
        """Raw values per field (absent where the API failed), with their as-of times and sources."""
        import httpx

        out: dict[str, Any] = {}
        errors: dict[str, str] = {}
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "identity"}
        self._deadline = time.monotonic() + self.deadline_s
        with httpx.Client(base_url=self.base_url, timeout=self.timeout_s, headers=headers) as client:
            try:
                blocks = self._json(client, "/api/v1/blocks")
                if not isinstance(blocks, list) or not blocks:
                    raise SourceError("/api/v1/blocks did not return a list of blocks")
                collected = list(blocks)
                while len(collected) < self.fee_window_blocks:
                    lowest = collected[-1].get("height") if isinstance(collected[-1], dict) else None
                    if isinstance(lowest, bool) or not isinstance(lowest, int) or not 0 < lowest < 10**9:
                        break
                    page = self._json(client, f"/api/v1/blocks/{lowest - 1}")
                    if not isinstance(page, list) or not page:
                        break
                    collected.extend(page)
                window = collected[: self.fee_window_blocks]
                newest = window[0]
                when = _utc(newest.get("timestamp"))
                height = newest.get("height")
                height = height if isinstance(height, int) and not isinstance(height, bool) else "?"
                out["difficulty"] = (newest.get("difficulty"), when, f"{self.base_url}/api/v1/blocks (block "
                                     f"{height})")
                fees = [b.get("extras", {}).get("totalFees") if isinstance(b, dict) else None for b in window]
                if all(isinstance(f, (int, float)) and not isinstance(f, bool) for f in fees):
                    out["fees_btc_per_block"] = (sum(fees) / len(fees) / 1e8, when,
                                                 f"{self.base_url}/api/v1/blocks: mean of extras.totalFees over the "
                                                 f"last {len(fees)} blocks")
                else:
                    errors["fees_btc_per_block"] = "a block without a numeric extras.totalFees"
            except SourceError as exc:
                errors["difficulty"] = errors["fees_btc_per_block"] = str(exc)
            except (AttributeError, TypeError, OverflowError) as exc:
                errors["difficulty"] = errors["fees_btc_per_block"] = f"unexpected block format ({type(exc).__name__})"
            try:
                tip = _whole_number(self._get(client, "/api/blocks/tip/height"))
                out["block_height"] = (tip, dt.datetime.now(dt.timezone.utc), f"{self.base_url}/api/blocks/tip/height")
            except SourceError as exc:
                errors["block_height"] = str(exc)
            try:
                prices = self._json(client, "/api/v1/prices")
                if not isinstance(prices, dict):
                    raise SourceError("/api/v1/prices did not return an object")
                out["btc_price_usd"] = (prices.get("USD"), _utc(prices.get("time")), f"{self.base_url}/api/v1/prices")
            except SourceError as exc:
                errors["btc_price_usd"] = str(exc)
        return {"values": out, "errors": errors, "source": self.base_url}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _whole_number(body: bytes) -> Any:
    """A block height from a text answer: ASCII digits, or a JSON number that is whole; else the text (refused
    later as not a number)."""
    text = body.decode("utf-8", errors="replace").strip()
    if _ASCII_DIGITS.fullmatch(text):
        return int(text)
    try:
        number = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return clean_text(text, 40)
    if isinstance(number, float) and math.isfinite(number) and number.is_integer():
        return int(number)
    if isinstance(number, int) and not isinstance(number, bool):
        return number
    return clean_text(text, 40)


def _utc(stamp: Any) -> dt.datetime | None:
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and 1_230_000_000 < stamp < 10_000_000_000:
        return dt.datetime.fromtimestamp(stamp, dt.timezone.utc)
    return None


def _from_snapshot(snapshot: MarketSnapshot, source: str) -> dict[str, Any]:
    values = {name: (getattr(snapshot, name).value, getattr(snapshot, name).as_of, getattr(snapshot, name).source)
              for name in FIELDS}
    return {"values": values, "errors": {}, "source": source}


def _from_csv(path: Path) -> dict[str, Any]:
    values, errors = {}, {}
    if path.is_dir():
        raise HashleaseError("--source", str(path), "a CSV file, not a directory")
    try:
        size = path.stat().st_size
        if size > MAX_RESPONSE_BYTES:
            raise HashleaseError("--source", f"{path.name} of {size:,} bytes", f"<= {MAX_RESPONSE_BYTES:,} bytes")
        with path.open(newline="", encoding="utf-8-sig") as handle:  # Excel writes a byte-order mark
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HashleaseError("--source", str(path), "a readable CSV file", detail=clean_text(exc, 200)) from None
    for row in rows:
        name = _text(row.get("field")).strip()
        if name not in FIELDS:
            continue
        try:
            when = dt.date.fromisoformat(_text(row.get("as_of")).strip())
        except ValueError:
            errors[name] = f"as_of {clean_text(_text(row.get('as_of')), 40)!r} is not a date"
            continue
        raw = _text(row.get("value")).strip()
        try:
            number: Any = float(raw.replace("_", "x"))  # float() would read 1_000; a CSV should not
        except ValueError:
            number = clean_text(raw, 40)
        values[name] = (number, when, _text(row.get("source")).strip() or str(path))
    return {"values": values, "errors": errors, "source": str(path)}


def _text(cell: Any) -> str:
    """A CSV cell as text (DictReader gives None for a missing cell and a list for extra ones)."""
    return cell if isinstance(cell, str) else ""


def fetch(source: str | None, **http: Any) -> dict[str, Any]:
    """Raw market values from ``source``: None or 'bundled', a URL, or a .json/.csv file.

    ``http`` (timeout_s, retries, backoff_s, deadline_s) configures a REST source.
    """
    if source in (None, "", "bundled"):
        return _from_snapshot(bundled_snapshot(), "bundled offline snapshot")
    if source.startswith(("http://", "https://")):
        return RestSource(source, **http).fetch()
    path = Path(source)
    if path.suffix.lower() == ".csv":
        return _from_csv(path)
    if path.suffix.lower() == ".json":
        return _from_snapshot(load_snapshot(path), str(path))
    raise HashleaseError("--source", source, "'bundled', an http(s) URL, or a .json or .csv file")


def _as_date(when: Any) -> dt.date | None:
    if isinstance(when, dt.datetime):
        return when.astimezone(dt.timezone.utc).date() if when.tzinfo else when.date()
    if isinstance(when, dt.date):
        return when
    return None


def validate(name: str, value: Any, when: Any, *, today: dt.date, max_age_days: int | None) -> str | None:
    """Why ``value`` may not be used (None if it may): wrong type, implausible, or stale."""
    if value is None:
        return "missing"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"not a number: {clean_text(repr(value), 60)}"
    if value != value or value in (float("inf"), float("-inf")):
        return f"not finite: {value!r}"
    low, high = PLAUSIBLE[name]
    if not low <= value <= high:
        return f"implausible {value:,} (accepted {low:,} to {high:,} {UNITS[name]})"
    if name == "block_height" and not float(value).is_integer():
        return f"not a whole block height: {value!r}"
    date = _as_date(when)
    if date is None:
        return "no as-of time"
    if date > today + dt.timedelta(days=1):
        return f"dated in the future ({date})"
    if max_age_days is not None and (today - date).days > max_age_days:
        return f"stale: {(today - date).days} days old (limit {max_age_days})"
    return None


class MarketCache:
    """The last good value of each field, in a JSON file (``$HASHLEASE_CACHE_DIR`` or ``~/.cache/hashlease``)."""

    def __init__(self, path: Path | None = None) -> None:
        base = Path(os.environ.get("HASHLEASE_CACHE_DIR") or Path.home() / ".cache" / "hashlease")
        self.path = path or base / "market.json"
        #: Why the cache file on disk was refused (None if it was read, or there is none yet).
        self.refused: str | None = None

    def load(self) -> dict[str, MarketValue]:
        """The cached values; a cache file that cannot be trusted (damaged, oversized, text Excel cannot hold,
        a value outside its plausible range) is ignored, with the reason in :attr:`refused`."""
        self.refused = None
        if not self.path.exists():
            return {}
        try:
            if self.path.stat().st_size > MAX_RESPONSE_BYTES:
                raise ValueError(f"larger than {MAX_RESPONSE_BYTES:,} bytes")
            raw = json.loads(self.path.read_text("utf-8"), parse_constant=_no_constant)
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
            out = {}
            for name in FIELDS:
                if name in raw:
                    try:
                        item = MarketValue.model_validate(raw[name])
                    except ValidationError as exc:
                        first = exc.errors()[0]
                        where = ".".join(str(p) for p in (name, *first["loc"]))
                        raise ValueError(f"{where}: {first['msg']}") from None
                    bad = validate(name, item.value, item.as_of, today=dt.date.max - dt.timedelta(days=2),
                                   max_age_days=None)
                    if bad:
                        raise ValueError(f"{name}: {bad}")
                    out[name] = item
            return out
        except (OSError, ValueError, RecursionError) as exc:  # pydantic's ValidationError is a ValueError
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.refused = f"cache {self.path} refused and ignored ({clean_text(first, 200)})"
            return {}

    def save(self, values: dict[str, MarketValue]) -> None:
        current = self.load()
        current.update(values)
        self.refused = None
        with atomic_path(self.path) as temporary:
            temporary.write_text(json.dumps({k: json.loads(v.model_dump_json()) for k, v in current.items()},
                                            indent=1))


def refresh(source: str | None, fallback: dict[str, MarketValue], *, cache: MarketCache, today: dt.date,
            max_age_days: int | None, **http: Any) -> Refreshed:
    """Fetch, validate field by field, fall back to the last good value (cache, then ``fallback``)."""
    raw = fetch(source, **http)
    last_good = {**fallback, **cache.load()}
    result = Refreshed(values={}, source=clean_text(raw["source"], 2_000))
    if cache.refused:
        result.warnings.append(cache.refused)
    good: dict[str, MarketValue] = {}
    for name in FIELDS:
        value, when, where = raw["values"].get(name, (None, None, ""))
        reason = raw["errors"].get(name) or validate(name, value, when, today=today, max_age_days=max_age_days)
        if reason is not None:
            reason = clean_text(reason, MAX_REASON_CHARS)
        if reason is None:
            item = MarketValue(value=float(value), unit=UNITS[name], as_of=_as_date(when),
                               source=clean_text(where, MAX_TEXT_CHARS).strip() or raw["source"])
            result.values[name] = good[name] = item
        elif name in last_good:
            result.values[name] = last_good[name]
            result.stale[name] = reason
        else:
            shown = clean_text(repr(value), 60) if isinstance(value, str) else value
            raise HashleaseError(name, shown, "a valid value from the source, or a last good value to keep",
                                 detail=reason)
    if good:
        cache.save(good)
    return result
