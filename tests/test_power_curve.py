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
    (["--threshold-usd-per-mwh", "100", "--credit-usd-per-mwh", "-1"],
     "--credit-usd-per-mwh must be in [0, 1,000,000], got -1.0"),
    # issue 13 item 6: a credit of 1e308 printed "credits inf"
    (["--threshold-usd-per-mwh", "100", "--credit-usd-per-mwh", "1e308"],
     "--credit-usd-per-mwh must be in [0, 1,000,000], got 1e+308"),
    (["--hashprice-usd-per-ph-day", "1e300", "--efficiency-j-per-th", "17.5"], "--hashprice-usd-per-ph-day"),
    # item 27: --pue and --pool-fee-frac only set the break-even; with a cap they were silently ignored
    (["--threshold-usd-per-mwh", "100", "--pue", "1.3"], "--pue must be left out with --threshold-usd-per-mwh"),
    (["--threshold-usd-per-mwh", "100", "--pool-fee-frac", "0.02"], "--pool-fee-frac must be left out"),
    (["--hashprice-usd-per-ph-day", "50", "--efficiency-j-per-th", "17.5", "--pue", "9"],
     "--pue must be in [1, 3], got 9.0"),
    (["--threshold-usd-per-mwh", "100", "--interval-hours", "0"], "--interval-hours must be in (0, 24], got 0.0"),
], ids=["none", "both", "no-efficiency", "efficiency-with-cap", "negative-credit", "credit-1e308",
        "hashprice-1e300", "pue-with-cap", "fee-with-cap", "pue-out-of-range", "interval-zero"])
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


def test_pue_is_used_for_the_break_even(tmp_path):
    # S21 at 17.5 J/TH and 54.3 USD/PH/day: 1000 x 54.3 / (24 x 17.5) = 129.29 USD/MWh; at PUE 1.25, / 1.25 = 103.43
    path = str(_hourly(tmp_path))
    plain = runner.invoke(app, ["curtail", path, "--hashprice-usd-per-ph-day", "54.3", "--efficiency-j-per-th", "17.5"])
    site = runner.invoke(app, ["curtail", path, "--hashprice-usd-per-ph-day", "54.3", "--efficiency-j-per-th", "17.5",
                               "--pue", "1.25"])
    assert plain.exit_code == 0 and site.exit_code == 0, site.output
    assert "at 129.29 USD/MWh" in " ".join(plain.stdout.split())
    assert "at 103.43 USD/MWh" in " ".join(site.stdout.split())


def _yearly(tmp_path):
    return _curve(tmp_path, ["2025-01-01T00:00Z,30\n", "2026-01-01T00:00Z,40\n"], name="yearly.csv")


def test_rows_a_year_apart_are_refused_not_read_as_8760_hour_months(tmp_path):
    # issue 13 item 9: one row per year made a month of 8,760 hours at 100% uptime
    result = runner.invoke(app, ["curtail", str(_yearly(tmp_path)), "--threshold-usd-per-mwh", "50"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    message = " ".join(result.stderr.split())
    assert "yearly.csv spacing must be at most 1 h" in message and "--interval-hours" in message
    coarse = runner.invoke(app, ["curtail", str(_yearly(tmp_path)), "--threshold-usd-per-mwh", "50",
                                 "--interval-hours", "24"])
    assert coarse.exit_code == 1 and "at most 24 h" in " ".join(coarse.stderr.split())


def test_a_daily_curve_needs_its_interval_and_then_fills_months_exactly(tmp_path):
    # 59 days from 1 Jan: January 31 x 24 = 744 h, February 28 x 24 = 672 h, never more than the month has
    days = np.datetime64("2026-01-01", "D") + np.arange(59)
    path = _curve(tmp_path, [f"{d}T00:00Z,{30 + i % 5}\n" for i, d in enumerate(days)], name="daily.csv")
    refused = runner.invoke(app, ["curtail", str(path), "--threshold-usd-per-mwh", "50"])
    assert refused.exit_code == 1 and "--interval-hours" in refused.stderr
    out = tmp_path / "monthly.csv"
    result = runner.invoke(app, ["curtail", str(path), "--threshold-usd-per-mwh", "50", "--interval-hours", "24",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [float(r["hours"]) for r in csv.DictReader(out.read_text().splitlines())] == [744.0, 672.0]


def test_a_spacing_that_does_not_divide_a_day_is_refused(tmp_path):
    # 7-hour rows: 107 rows in 31 days is 749 h, more than January's 744
    hours = np.datetime64("2026-01-01T00", "h") + 7 * np.arange(120)
    path = _curve(tmp_path, [f"{h}:00Z,30\n" for h in hours], name="seven.csv")
    with pytest.raises(HashleaseError, match="divides a day"):
        load_price_curve(path, interval_hours=8)


def test_months_with_more_hours_than_the_calendar_are_refused():
    from hashlease.models import MonthlyPower
    from hashlease.power_curve import check_monthly_hours

    month = MonthlyPower(np.array(["2026-02"], dtype="datetime64[M]"), np.array([700.0]), np.array([700.0]),
                         np.array([1.0]), np.array([1.0]), np.array([1.0]), np.array([0.0]))
    with pytest.raises(HashleaseError, match="at most the 672 h the month has"):  # 28 x 24
        check_monthly_hours(month)


def test_a_directory_as_curve_is_named_as_such(tmp_path):
    result = runner.invoke(app, ["curtail", str(tmp_path), "--threshold-usd-per-mwh", "50"])
    assert result.exit_code == 1 and "not a directory" in result.stderr and "Traceback" not in result.output
