"""Fuzzing the other files and answers the CLI reads from users: power price curves (`hashlease curtail`), market
snapshots (`--snapshot`, `--source file.json`) and market-data API answers served by a real HTTP server on
127.0.0.1 (`hashlease refresh`). Each gives a result or a HashleaseError / exit 1 with a message; never a traceback,
NaN or inf, text a workbook cannot hold, a hang past the deadline, or a changed input file."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hashlease.cli import app
from hashlease.market import MarketSnapshot, load_snapshot
from hashlease.market_data import FIELDS, MarketCache, Refreshed, refresh
from hashlease.models import HashleaseError

runner = CliRunner()
#: Examples per fuzz test = its CI share x HASHLEASE_FUZZ_EXAMPLES / 100 (``make fuzz`` sets 2000: 20x).
SCALE = float(os.environ.get("HASHLEASE_FUZZ_EXAMPLES", "0") or 0) / 100 or 1.0
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
TODAY = dt.datetime.now(dt.timezone.utc).date()


def fuzz_settings(ci_examples: int) -> settings:
    return settings(max_examples=max(1, int(ci_examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


def assert_clean_exit(result) -> None:
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert "error:" in result.output
    else:
        assert not re.search(r"(?<![A-Za-z])(inf|nan)(?![A-Za-z])", result.stdout), result.stdout


def assert_refreshed(result: Refreshed) -> None:
    assert set(result.values) == set(FIELDS)
    for name, item in result.values.items():
        assert math.isfinite(item.value), (name, item)
        assert not ILLEGAL_XML.search(item.source) and len(item.source) <= 32_767
    for reason in result.stale.values():
        assert not ILLEGAL_XML.search(reason) and len(reason) <= 32_767
    assert not ILLEGAL_XML.search(result.source)


# --- power price curves ------------------------------------------------------------------------------------------

STAMPS = st.one_of(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(lambda d: d.isoformat()),
    st.sampled_from(["2026-01-01T00:00Z", "2026-02-30T00:00", "not a date", "", "2026-01-01T00:00+14:00",
                     "99999-01-01", "2026-W01", "1e308"]),
    st.text(max_size=12))
PRICES = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                   st.sampled_from(["", "1_000", "1e308", "-0", "nan", "30"]), st.text(max_size=8))


@fuzz_settings(80)
@given(regular=st.booleans(), start=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
       step_minutes=st.sampled_from([5, 15, 60, 7 * 60, 24 * 60, 365 * 24 * 60, 1]),
       count=st.integers(0, 80), prices=st.lists(st.floats(-2e6, 2e6), min_size=1, max_size=80),
       rows=st.lists(st.tuples(STAMPS, PRICES), max_size=8), header=st.sampled_from(
           ["timestamp,price_usd_per_mwh", "time,price", "a,b", "x", "timestamp,price_usd_per_mwh,note"]),
       interval=st.sampled_from(["1", "24", "0.25", "7"]),
       threshold=st.sampled_from(["50", "-1e6", "1e6", "0"]), credit=st.sampled_from(["0", "10", "1e6"]))
def test_fuzzed_power_curves(regular, start, step_minutes, count, prices, rows, header, interval, threshold, credit):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "curve.csv"
        if regular:
            step = dt.timedelta(minutes=step_minutes)
            lines = [f"{(start + i * step).isoformat()}Z,{prices[i % len(prices)]!r}" for i in range(count)]
        else:
            lines = [f"{stamp},{price}" for stamp, price in rows]
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8", errors="replace")
        before = path.read_bytes()
        out = Path(tmp) / "monthly.csv"
        result = runner.invoke(app, ["curtail", str(path), "--threshold-usd-per-mwh", threshold, "--credit-usd-per-mwh",
                                     credit, "--interval-hours", interval, "-o", str(out)])
        assert_clean_exit(result)
        assert path.read_bytes() == before
        if result.exit_code == 0:
            import pandas as pd

            table = pd.read_csv(out)
            # summed interval by interval: equal to the hours up to rounding [h]
            assert (table["hours_mined"] <= table["hours"] + 1e-9).all() and (table["hours"] <= 744 + 1e-9).all()
        else:
            assert not out.exists()


# --- market snapshots -------------------------------------------------------------------------------------------

NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**30, 10**30),
                    st.sampled_from([1e14, 880_000, 0.1, 95_000, -5, 0, 1e300, 880_000.5]),
                    st.text(max_size=6), st.none(), st.booleans())
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["api (block x\x01y)", "s" * 40_000, "", "\ud800"]))


def _item(value, source, as_of="2025-01-01", unit="unitless"):
    return {"value": value, "unit": unit, "as_of": as_of, "source": source}


@fuzz_settings(60)
@given(values=st.fixed_dictionaries({name: NUMBERS for name in FIELDS}), sources=st.lists(TEXT, min_size=4, max_size=4),
       as_of=st.sampled_from(["2025-01-01", "2025-13-01", "", "yesterday", str(TODAY)]), extra=st.booleans(),
       raw=st.one_of(st.none(), st.binary(max_size=100)))
def test_fuzzed_snapshots(values, sources, as_of, extra, raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snap.json"
        if raw is not None:
            path.write_bytes(raw)
        else:
            document = {"name": "fuzz", **{name: _item(values[name], source, as_of)
                                           for name, source in zip(FIELDS, sources)}}
            if extra:
                document["published_hashprice_usd_per_ph_day"] = _item(values["difficulty"], sources[0], as_of)
            path.write_text(json.dumps(document), encoding="utf-8", errors="surrogatepass")
        before = path.read_bytes()
        try:
            snapshot = load_snapshot(path)
        except HashleaseError as exc:
            assert str(exc) and not ILLEGAL_XML.search(str(exc))
            snapshot = None
        if snapshot is not None:
            assert isinstance(snapshot, MarketSnapshot)
        try:
            result = refresh(str(path), {}, cache=MarketCache(Path(tmp) / "cache.json"), today=TODAY,
                             max_age_days=None)
        except HashleaseError as exc:
            assert str(exc)
        else:
            assert_refreshed(result)
            assert MarketCache(Path(tmp) / "cache.json").load()  # what was cached can be read back
        assert path.read_bytes() == before


# --- market-data API answers from a real local server ----------------------------------------------------------

class _Answers(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (the standard library's name)
        path = self.path if self.path in self.routes else ("/api/v1/blocks/*" if self.path.startswith(
            "/api/v1/blocks/") else self.path)
        status, body = self.routes.get(path, (404, b""))
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture(scope="module")
def api():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


NOW = int(dt.datetime.now(dt.timezone.utc).timestamp())  # a fresh as-of time for the fuzzed answers
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=10), st.sampled_from([NOW, 109e12, 925_000, "x\x01y", "\u00b9\u00b2\u00b3", 10**400])),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(
        st.sampled_from(["height", "timestamp", "difficulty", "extras", "totalFees", "USD", "time"]), children,
        max_size=4)), max_leaves=10)


def _block(height, difficulty, fees, stamp):
    return {"height": height, "timestamp": stamp, "difficulty": difficulty, "extras": {"totalFees": fees}}


def _encode(value) -> bytes:
    return json.dumps(value).encode("utf-8", errors="surrogatepass")


@fuzz_settings(40)
@given(blocks=st.one_of(JSON_VALUES, st.lists(st.builds(_block, JSON_VALUES, JSON_VALUES, JSON_VALUES, JSON_VALUES),
                                              min_size=1, max_size=3)),
       tip=st.one_of(st.text(max_size=12), st.integers().map(str), st.sampled_from(["925000", "925000.0", "1e999",
                                                                                      "\u00b9\u00b2\u00b3", ""])),
       prices=st.one_of(JSON_VALUES, st.fixed_dictionaries({"time": JSON_VALUES, "USD": JSON_VALUES})),
       statuses=st.lists(st.sampled_from([200, 200, 200, 404, 500]), min_size=3, max_size=3),
       raw=st.one_of(st.none(), st.binary(max_size=50)))
def test_fuzzed_market_answers(api, blocks, tip, prices, statuses, raw):
    _Answers.routes = {
        "/api/v1/blocks": (statuses[0], raw if raw is not None else _encode(blocks)),
        "/api/v1/blocks/*": (statuses[0], _encode(blocks)),
        "/api/blocks/tip/height": (statuses[1], tip.encode("utf-8", errors="surrogatepass")),
        "/api/v1/prices": (statuses[2], _encode(prices)),
    }
    fallback = {name: getattr(load_snapshot_bundled(), name) for name in FIELDS}
    with tempfile.TemporaryDirectory() as tmp:
        cache = MarketCache(Path(tmp) / "cache.json")
        try:
            result = refresh(api, fallback, cache=cache, today=TODAY, max_age_days=None, timeout_s=2, retries=0,
                             deadline_s=10)
        except HashleaseError as exc:
            assert str(exc)
        else:
            assert_refreshed(result)
            cache.load()
            assert cache.refused is None  # what was cached can be read back and written to a workbook


def load_snapshot_bundled():
    from hashlease.market import bundled_snapshot

    return bundled_snapshot()
