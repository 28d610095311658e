"""hashlease refresh against a real HTTP server on 127.0.0.1 serving responses in mempool.space's shape.

The server answers from a table of routes each test sets: good answers, 500s, slow answers (timeouts), malformed
JSON, wrong types and absurd values. Good values reach the Market sheet; anything else keeps the last good
value, marked STALE in the workbook and reported.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from hashlease.cli import app
from hashlease.market_data import RestSource

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"
runner = CliRunner()
NOW = int(dt.datetime.now(dt.timezone.utc).timestamp())


def _blocks(top: int, count: int, *, difficulty=109.1e12, fees_sats=9_000_000) -> list[dict]:
    """Blocks newest first, as /api/v1/blocks returns them (height, timestamp, difficulty, extras.totalFees)."""
    return [{"id": f"{top - i:064x}", "height": top - i, "timestamp": NOW - 600 * i, "difficulty": difficulty,
             "tx_count": 3000, "extras": {"totalFees": fees_sats + i, "reward": 312_500_000 + fees_sats}}
            for i in range(count)]


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    seen: list = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.seen.append((self.path, self.headers.get("User-Agent")))
        route = self.routes.get(self.path)
        if route is None and self.path.startswith("/api/v1/blocks/"):
            route = self.routes.get("/api/v1/blocks/*")
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        if callable(route):
            route = route(self.path)
        status, body, delay = route
        if status == "drip":  # a server that sends one byte every `delay` seconds, for ever
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                while True:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(delay)
            except (BrokenPipeError, ConnectionResetError):
                return
        if delay:
            time.sleep(delay)
        payload = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up (a timeout test): nothing left to send

    def log_message(self, *args):
        """Keep the test output clean (the standard handler logs every request to stderr)."""


@pytest.fixture()
def server():
    _Handler.routes, _Handler.seen = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _good(routes, top=925_000):
    routes["/api/v1/blocks"] = (200, _blocks(top, 15), 0)
    routes["/api/v1/blocks/*"] = lambda path: (200, _blocks(int(path.rsplit("/", 1)[1]), 15), 0)
    routes["/api/blocks/tip/height"] = (200, str(top), 0)
    routes["/api/v1/prices"] = (200, {"time": NOW - 60, "USD": 91_234, "EUR": 84_000}, 0)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHLEASE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _refresh(url, tmp_path, *extra):
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["refresh", str(TEMPLATE), "-o", str(out), "--source", url, *extra])
    return result, out


def _market(out):
    ws = openpyxl.load_workbook(out, data_only=True)["Market"]
    return {ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 4).value, ws.cell(r, 6).value) for r in range(3, 7)}


def test_good_answers_fill_the_market_sheet_and_recalculate(server, tmp_path):
    url, handler = server
    _good(handler.routes)
    result, out = _refresh(url, tmp_path)
    assert result.exit_code == 0, result.output
    market = _market(out)
    assert market["Difficulty"][0] == 109.1e12 and market["Block height"][0] == 925_000
    assert market["BTC price"][0] == 91_234
    # fees: 144 blocks = 9 pages of 15 (offsets 0..14 each) + 9 blocks (0..8): mean offset (9 x 105 + 36) / 144
    mean_fees_btc = (9_000_000 + (9 * 105 + 36) / 144) / 1e8
    assert market["Fees"][0] == pytest.approx(mean_fees_btc, rel=1e-12)
    assert all(status == "fresh" for _, _, status in market.values())
    assert market["BTC price"][1].date() == dt.datetime.fromtimestamp(NOW - 60, dt.timezone.utc).date()
    hashprice = openpyxl.load_workbook(out, data_only=True)["Mining"]["B3"].value
    assert hashprice == pytest.approx(1e15 * 86_400 / (109.1e12 * 2**32) * (3.125 + mean_fees_btc) * 91_234, rel=1e-12)
    assert all(agent.startswith("hashlease/") for _, agent in handler.seen)
    assert sum(1 for path, _ in handler.seen if path.startswith("/api/v1/blocks")) == 10  # 144 blocks, 15 a page


def test_retries_after_server_errors(server, tmp_path):
    url, handler = server
    _good(handler.routes)
    failures = {"left": 2}

    def flaky(path):
        if failures["left"]:
            failures["left"] -= 1
            return 500, {"error": "busy"}, 0
        return 200, {"time": NOW, "USD": 95_000}, 0

    handler.routes["/api/v1/prices"] = flaky
    source = RestSource(url, backoff_s=0.0)
    raw = source.fetch()
    assert raw["values"]["btc_price_usd"][0] == 95_000 and "btc_price_usd" not in raw["errors"]


@pytest.mark.parametrize(("route", "answer", "field", "reason"), [
    ("/api/v1/prices", (500, "oops", 0), "btc_price_usd", "HTTP 500"),
    ("/api/v1/prices", (200, "{not json", 0), "btc_price_usd", "malformed JSON"),
    ("/api/v1/prices", (200, {"time": NOW, "USD": "ninety thousand"}, 0), "btc_price_usd", "not a number"),
    ("/api/v1/prices", (200, {"time": NOW, "USD": 3}, 0), "btc_price_usd", "implausible"),
    ("/api/v1/prices", (200, {"time": NOW - 30 * 86_400, "USD": 90_000}, 0), "btc_price_usd", "stale: 30 days old"),
    ("/api/blocks/tip/height", (200, "12", 0), "block_height", "implausible"),
    ("/api/blocks/tip/height", (200, "", 3), "block_height", "Timeout"),
    ("/api/v1/blocks", (200, [{"height": 925_000, "timestamp": NOW, "difficulty": "108T", "extras": {}}], 0),
     "difficulty", "not a number"),
], ids=["http-500", "malformed-json", "wrong-type", "absurd-price", "stale-price", "absurd-height", "timeout",
        "wrong-type-difficulty"])
def test_bad_answers_keep_the_last_good_value_marked_stale(server, tmp_path, monkeypatch, route, answer, field,
                                                          reason):
    url, handler = server
    _good(handler.routes)
    first, out = _refresh(url, tmp_path)  # a good run fills the cache
    assert first.exit_code == 0, first.output
    good = _market(out)
    handler.routes[route] = answer
    result, out = _refresh(url, tmp_path, "--timeout-s", "1", "--retries", "1")
    assert result.exit_code == 0, result.output
    assert reason in " ".join(result.stderr.split()) and "STALE" in result.output
    label = {"btc_price_usd": "BTC price", "block_height": "Block height", "difficulty": "Difficulty"}[field]
    value, _, status = _market(out)[label]
    assert value == good[label][0] and status.startswith("STALE: kept the last good value")


def test_without_a_cache_the_workbooks_own_value_is_kept(server, tmp_path):
    url, handler = server
    _good(handler.routes)
    handler.routes["/api/v1/prices"] = (500, "down", 0)
    result, out = _refresh(url, tmp_path, "--max-age-days", "10000")
    assert result.exit_code == 0
    value, when, status = _market(out)["BTC price"]
    assert value == 93_450 and status.startswith("STALE")  # the template's bundled value


def test_file_sources(tmp_path):
    csv_file = tmp_path / "market.csv"
    csv_file.write_text("field,value,unit,as_of,source\n"
                        "difficulty,110000000000000,unitless,2025-01-06,desk\n"
                        "block_height,877000,blocks,2025-01-06,desk\n"
                        "fees_btc_per_block,0.05,BTC/block,2025-01-06,desk\n"
                        "btc_price_usd,99000,USD/BTC,2025-01-06,desk\n")
    result, out = _refresh(str(csv_file), tmp_path)
    assert result.exit_code == 0, result.output
    assert _market(out)["BTC price"][0] == 99_000
    bad = tmp_path / "bad.csv"
    bad.write_text("field,value,unit,as_of,source\nbtc_price_usd,99000,USD/BTC,yesterday,desk\n")
    result, out = _refresh(str(bad), tmp_path)
    assert result.exit_code == 0 and "as_of 'yesterday' is not a date" in " ".join(result.stderr.split())


def test_bundled_is_the_default_and_needs_no_network(tmp_path):
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["refresh", str(TEMPLATE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _market(out)["Difficulty"][0] == 108.52e12


def test_unknown_source_is_refused(tmp_path):
    result, out = _refresh("ftp://example", tmp_path)
    assert result.exit_code == 1 and "--source must be 'bundled', an http(s) URL" in " ".join(result.stderr.split())
    assert not out.exists()


# --- issue 13 --------------------------------------------------------------------------------------------------

def test_a_dripping_server_cannot_outlive_the_refresh_deadline(server, tmp_path):
    """Item 16: one byte every 0.3 s outlived --timeout-s 2 --retries 0 (httpx's timeouts are per read). The
    refresh now ends at its deadline; the subprocess timeout only stops a regression from hanging the suite."""
    import subprocess
    import sys

    url, handler = server
    _good(handler.routes)
    handler.routes["/api/v1/prices"] = ("drip", b"", 0.3)
    out = tmp_path / "out.xlsx"
    env = {**__import__("os").environ, "HASHLEASE_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "hashlease.cli", "refresh", str(TEMPLATE), "-o", str(out),
                           "--source", url, "--timeout-s", "2", "--retries", "0", "--deadline-s", "3"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "deadline of 3 s passed" in " ".join(done.stderr.split())
    assert _market(out)["BTC price"][2].startswith("STALE")


@pytest.mark.parametrize(("tip", "expected"), [("\u00b9\u00b2\u00b3", None), ("\u0669\u0662\u0665\u0660\u0660\u0660", None),
                                                ("925000.0", 925_000), ("925000", 925_000), ("9.25e5", 925_000)],
                         ids=["superscripts", "arabic-indic", "whole-float", "digits", "exponent"])
def test_block_height_only_from_ascii_digits_or_whole_json_numbers(server, tmp_path, tip, expected):
    # item 17: '\u00b9\u00b2\u00b3'.isdigit() is True and int() of it raised ValueError: a traceback
    url, handler = server
    _good(handler.routes)
    handler.routes["/api/blocks/tip/height"] = (200, tip.encode(), 0)
    result, out = _refresh(url, tmp_path)
    assert result.exit_code == 0, result.output
    value, _, status = _market(out)["Block height"]
    if expected is None:
        assert status.startswith("STALE") and "not a number" in status
    else:
        assert value == expected and status == "fresh"


def test_control_characters_from_the_api_never_reach_the_cache_or_the_workbook(server, tmp_path, cache_dir):
    # item 15: a block height of "x\x01y" was put in the difficulty's source, cached, then crashed every write
    url, handler = server
    _good(handler.routes)
    blocks = _blocks(925_000, 15)
    blocks[0]["height"] = "x\x01y"
    handler.routes["/api/v1/blocks"] = (200, blocks, 0)
    handler.routes["/api/blocks/tip/height"] = (200, "x\x01y", 0)
    result, out = _refresh(url, tmp_path)
    assert result.exit_code == 0, result.output
    assert "\x01" not in (cache_dir / "market.json").read_text() and "\\u0001" not in (cache_dir / "market.json").read_text()
    for route in list(handler.routes):
        handler.routes[route] = (500, "down", 0)
    again, out = _refresh(url, tmp_path, "--retries", "0")
    assert again.exit_code == 0, again.output
    assert _market(out)["Difficulty"][0] == 109.1e12  # the cached good value, now safe to write


def test_a_poisoned_cache_on_disk_is_refused_with_a_message_and_ignored(server, tmp_path, cache_dir):
    url, handler = server
    for route in ("/api/v1/blocks", "/api/blocks/tip/height", "/api/v1/prices"):
        handler.routes[route] = (500, "down", 0)
    cache_dir.mkdir(parents=True)
    poisoned = {"difficulty": {"value": 109e12, "unit": "unitless", "as_of": "2026-01-01",
                               "source": "api (block x\x01y)"}}
    (cache_dir / "market.json").write_text(json.dumps(poisoned))
    result, out = _refresh(url, tmp_path, "--retries", "0", "--max-age-days", "100000")
    assert result.exit_code == 0, result.output
    message = " ".join(result.stderr.split())
    assert "market.json refused and ignored" in message and "control characters" in message
    assert _market(out)["Difficulty"][0] == 108.52e12  # the workbook's own value, not the poisoned cache's


def test_source_text_is_capped_at_excel_s_cell_limit(tmp_path):
    # item 15: a 100,000-character source string was written into Market!E3
    csv_file = tmp_path / "market.csv"
    csv_file.write_text("field,value,unit,as_of,source\n"
                        f"difficulty,110000000000000,unitless,{dt.date.today()},{'s' * 100_000}\n")
    result, out = _refresh(str(csv_file), tmp_path)
    assert result.exit_code == 0, result.output
    source = openpyxl.load_workbook(out)["Market"]["E3"].value
    assert len(source) == 32_767
