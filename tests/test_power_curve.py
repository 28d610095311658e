"""Hourly price curves from CSV (untrusted files) and the ``hashlease curtail`` command.

Expected totals are worked by hand from the few prices written here.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

from hashlease.cli import app
from hashlease.models import HashleaseError
from hashlease.power_curve import load_price_curve

runner = CliRunner()
HEADER = "timestamp,price_usd_per_mwh\n"
# 31 Jan 20:00-23:00 then 1 Feb 00:00-03:00 (UTC)
PRICES = [20, 150, 80, -5, 300, 40, 99, 101]


def _curve(tmp_path, rows, name="curve.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(header + "".join(rows), encoding=encoding)
    return path


def _hourly(tmp_path, prices=PRICES, **kwargs):
    hours = np.datetime64("2026-01-31T20", "h") + np.arange(len(prices))
    return _curve(tmp_path, [f"{h}:00Z,{p}\n" for h, p in zip(hours, prices)], **kwargs)


def test_reads_iso_timestamps_with_offsets_as_utc_and_negative_prices(tmp_path):
    path = _curve(tmp_path, ["2026-01-01T01:00+01:00,35\n", "2026-01-01T01:00Z,-4.5\n"], header="time,price\n")
    curve = load_price_curve(path)
    assert curve.start.tolist()[0].isoformat() == "2026-01-01T00:00:00"
    assert curve.price_usd_per_mwh.tolist() == [35.0, -4.5]


def test_a_byte_order_mark_and_extra_columns_are_fine(tmp_path):
    path = _curve(tmp_path, ["node-1,2026-01-01T00:00,35,x\n", "node-1,2026-01-01T01:00,36,y\n"],
                  header="node,timestamp,lmp_usd_per_mwh,note\n", encoding="utf-8-sig")
    assert load_price_curve(path).price_usd_per_mwh.tolist() == [35.0, 36.0]


@pytest.mark.parametrize("rows, message", [
    (["2026-01-01T00:00,1\n", "2026-01-01T01:00,abc\n"], "curve.csv line 3 price must be a number"),
    (["2026-01-01T00:00,1\n", "2026-01-01T01:00,nan\n"], "curve.csv line 3 price must be a finite number"),
    (["2026-01-01T00:00,1\n", "yesterday,2\n"], "curve.csv line 3 timestamp must be an ISO 8601 date-time"),
    (["2026-01-01T00:00,1\n", "2026-01-01T01:00,2\n", "2026-01-01T03:00,2\n"], "timestamps (curve.csv line 4)"),
    (["2026-01-01T00:00,1\n", "2026-01-01T00:00,2\n"], "timestamps (curve.csv line 3)"),
    (["2026-01-01T00:00\n"], "curve.csv line 2 must be 2 columns"),
    ([], "a header row and at least one price"),
])
def test_bad_curves_name_the_line(tmp_path, rows, message):
    with pytest.raises(HashleaseError) as caught:
        load_price_curve(_curve(tmp_path, rows))
    assert message in str(caught.value)


def test_a_header_without_the_columns_is_refused(tmp_path):
    path = _curve(tmp_path, ["a,b,c\n"], header="x,y,z\n")
    with pytest.raises(HashleaseError, match="curve.csv header"):
        load_price_curve(path)


def test_curtail_command_prints_and_writes_the_monthly_totals(tmp_path):
    out = tmp_path / "monthly.csv"
    result = runner.invoke(app, ["curtail", str(_hourly(tmp_path)), "--threshold-usd-per-mwh", "100",
                                 "--credit-usd-per-mwh", "10", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    # January: 20, 150, 80, -5 -> 3 mined, mean 95 / 3, one hour credited; February: 300, 40, 99, 101 -> 2 mined
    assert [r["month"] for r in rows] == ["2026-01", "2026-02"]
    assert float(rows[0]["hours_mined"]) == 3 and float(rows[0]["energy_cost_usd_per_mw"]) == 95
    assert float(rows[1]["mean_price_mined_usd_per_mwh"]) == 69.5
    assert float(rows[1]["curtailment_credit_usd_per_mw"]) == 20
    assert "uptime 62.5% of 8 h" in result.output


def test_curtail_at_the_breakeven_of_a_hashprice(tmp_path):
    # $50/PH/day at 17.5 J/TH: 50 / (24 h x 0.0175 MW per PH/s) = 119.05 USD/MWh; only 150 and 300 are above it
    out = tmp_path / "monthly.csv"
    result = runner.invoke(app, ["curtail", str(_hourly(tmp_path)), "--hashprice-usd-per-ph-day", "50",
                                 "--efficiency-j-per-th", "17.5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "119.05 USD/MWh" in result.output
    assert [float(r["hours_mined"]) for r in csv.DictReader(out.read_text().splitlines())] == [3.0, 3.0]


@pytest.mark.parametrize("extra, message", [
    ([], "--threshold-usd-per-mwh must be given"),
    (["--threshold-usd-per-mwh", "1", "--hashprice-usd-per-ph-day", "50"], "one or the other"),
    (["--hashprice-usd-per-ph-day", "50"], "--efficiency-j-per-th"),
    (["--threshold-usd-per-mwh", "100", "--efficiency-j-per-th", "17.5"], "--efficiency-j-per-th must be left out"),
    (["--threshold-usd-per-mwh", "100", "--credit-usd-per-mwh", "-1"], "credit_usd_per_mwh_curtailed"),
])
def test_curtail_refuses_bad_options_without_a_traceback(tmp_path, extra, message):
    result = runner.invoke(app, ["curtail", str(_hourly(tmp_path)), *extra])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_a_failed_curtail_leaves_no_output_file(tmp_path):
    out = tmp_path / "monthly.csv"
    path = _curve(tmp_path, ["2026-01-01T00:00,1\n", "2026-01-01T01:00,abc\n"])
    result = runner.invoke(app, ["curtail", str(path), "--threshold-usd-per-mwh", "100", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists() and list(tmp_path.iterdir()) == [path]


def test_blank_lines_are_skipped_and_quoted_newlines_keep_the_file_line(tmp_path):
    path = _curve(tmp_path, ["2026-01-01T00:00,1\r\n", "\r\n", "2026-01-01T01:00,2\r\n", "\r\n"])
    assert load_price_curve(path).price_usd_per_mwh.tolist() == [1.0, 2.0]
    path = _curve(tmp_path, ['2026-01-01T00:00,1,"a\nb"\n', "2026-01-01T01:00,x,c\n"],
                  header="timestamp,price_usd_per_mwh,note\n")
    with pytest.raises(HashleaseError, match="curve.csv line 4 price"):
        load_price_curve(path)


@pytest.mark.parametrize("rows, message", [
    (["2026-01-01T00:00," + "9" * 200_000 + "\n"], "well-formed CSV"),
    (["2026-01-01T00:00,1e308\n"], "within +/- 1,000,000 USD/MWh"),
    (["2026-01-01T00:00,1_000\n"], "line 2 price must be a number"),
])
def test_oversized_fields_and_prices_are_messages(tmp_path, rows, message):
    with pytest.raises(HashleaseError, match=message.replace("+", r"\+")):
        load_price_curve(_curve(tmp_path, rows))


def test_curtail_output_keeps_the_mode_of_the_file_it_replaces_and_bad_paths_are_messages(tmp_path):
    out = tmp_path / "monthly.csv"
    out.write_text("old\n")
    out.chmod(0o640)
    result = runner.invoke(app, ["curtail", str(_hourly(tmp_path)), "--threshold-usd-per-mwh", "100", "-o", str(out)])
    assert result.exit_code == 0 and (out.stat().st_mode & 0o777) == 0o640 and out.read_text() != "old\n"
    result = runner.invoke(app, ["curtail", str(_hourly(tmp_path)), "--threshold-usd-per-mwh", "100",
                                 "-o", str(out / "inside.csv")])
    assert result.exit_code == 1 and "--output" in result.output and "Traceback" not in result.output
