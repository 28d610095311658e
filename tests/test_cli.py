"""The hashlease command: demo output, and bad input as a message (exit 1), never a traceback."""

import json

import pytest
from typer.testing import CliRunner

from hashlease.cli import app
from hashlease.models import asic_catalogue

runner = CliRunner()


def test_demo_prints_every_model_and_the_snapshot_hashprice(tmp_path):
    result = runner.invoke(app, ["demo", "-o", str(tmp_path / "demo.xlsx")])
    assert result.exit_code == 0, result.output
    for entry in asic_catalogue():
        assert entry.model in result.stdout
    # domain.md §0 case 5: D = 108.52 T, R = 3.2181, P = $93,450 -> $55.75/PH/day
    assert "55.75 USD/PH/day" in result.stdout
    # after the halving: 1e15 x 86,400 / (108.52e12 x 2^32) x (1.5625 + 0.0931) x 93,450 = 28.68
    assert "28.68 USD/PH/day" in result.stdout
    # provenance of every input is printed
    assert "hashrateindex.com/blog/hashrate-index-roundup-december-23-2024" in result.stdout
    assert "1,050,000" in result.stdout
    assert (tmp_path / "demo.xlsx").exists() and "Decision at these inputs" in result.stdout


def test_demo_power_price_changes_breakeven_btc_price(tmp_path):
    # S21 power-only breakeven BTC price at $0.05/kWh: 17.5 x 24 x 0.05 / BTC hashprice, with BTC hashprice
    # 1e15 x 86,400 / (108.52e12 x 2^32) x 3.2181 = 0.000596546 BTC/PH/day -> $35,203
    out = ["-o", str(tmp_path / "demo.xlsx")]
    result = runner.invoke(app, ["demo", "--power-price-usd-per-kwh", "0.05", *out])
    assert "35,203" in result.stdout
    doubled = runner.invoke(app, ["demo", "--power-price-usd-per-kwh", "0.10", *out])
    assert "70,405" in doubled.stdout


@pytest.mark.parametrize(("args", "message"), [
    # the bounds are the models' own (MiningSiteInputs' Field), named by the option
    (["--pue", "0.5"], "--pue must be in [1, 3], got 0.5"),
    (["--uptime-frac", "1.5"], "--uptime-frac must be in (0, 1], got 1.5"),
    (["--pool-fee-frac", "1"], "--pool-fee-frac must be in [0, 1), got 1.0"),
    (["--power-price-usd-per-kwh", "-0.01"], "--power-price-usd-per-kwh must be in [0, 10], got -0.01"),
    # issue 13 item 6: 1e300 USD/kWh printed a table of inf and exited 0
    (["--power-price-usd-per-kwh", "1e300"], "--power-price-usd-per-kwh must be in [0, 10], got 1e+300"),
    (["--pue", "inf"], "--pue must be in [1, 3], got inf"),
], ids=["pue", "uptime", "pool-fee", "power-price", "power-price-1e300", "pue-inf"])
def test_demo_bad_option_is_a_message(args, message, tmp_path):
    result = runner.invoke(app, ["demo", *args, "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def _snapshot(**override):
    base = {"name": "test", **{key: {"value": value, "unit": unit, "as_of": "2025-01-01", "source": "test"}
                               for key, value, unit in [("difficulty", 100e12, "unitless"),
                                                         ("block_height", 880_000, "blocks"),
                                                         ("fees_btc_per_block", 0.0, "BTC/block"),
                                                         ("btc_price_usd", 100_000, "USD/BTC")]}}
    base.update(override)
    return base


def test_demo_reads_a_snapshot_file(tmp_path):
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(_snapshot()))
    result = runner.invoke(app, ["demo", "--snapshot", str(path), "-o", str(tmp_path / "demo.xlsx")])
    assert result.exit_code == 0, result.output
    # domain.md §1.2 illustrative example: D = 1e14, P = $100,000, R = 3.125 -> $62.86/PH/day
    assert "62.86 USD/PH/day" in result.stdout


@pytest.mark.parametrize(("content", "message"), [
    (None, "a readable JSON file"),
    ("{not json", "snapshot snap.json"),
    (json.dumps(_snapshot(difficulty={"value": "high", "unit": "-", "as_of": "2025-01-01", "source": "x"})),
     "difficulty.value"),
    (json.dumps({k: v for k, v in _snapshot().items() if k != "btc_price_usd"}), "btc_price_usd"),
    (json.dumps(_snapshot(difficulty={"value": -1, "unit": "-", "as_of": "2025-01-01", "source": "x"})),
     "snapshot snap.json: difficulty must be in (0, 1e+20], got -1.0"),
], ids=["missing-file", "malformed-json", "wrong-type", "missing-field", "absurd-value"])
def test_demo_bad_snapshot_is_a_message(tmp_path, content, message):
    path = tmp_path / "snap.json"
    if content is not None:
        path.write_text(content)
    result = runner.invoke(app, ["demo", "--snapshot", str(path), "-o", str(tmp_path / "demo.xlsx")])
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip()


def _moved_name(source, target, name, new_ref):
    """Copy ``source`` with the defined name ``name`` pointing at ``new_ref`` (only xl/workbook.xml changes)."""
    import re
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data, count = re.subn(rf'(<definedName name="{name}"[^>]*>)[^<]*(<)'.encode(),
                                      rb"\g<1>" + new_ref.encode() + rb"\g<2>", data)
                assert count == 1
            zout.writestr(item, data)


def test_demo_reads_the_workbook_by_defined_name(tmp_path):
    from pathlib import Path

    template = Path(__file__).resolve().parents[1] / "templates" / "hashlease.xlsx"
    moved = tmp_path / "moved.xlsx"
    # the break-even BTC price's name now points at the break-even rent's cell: the demo must follow the name
    _moved_name(template, moved, "breakeven_btc_price_usd", "Comparison!$B$9")
    stock = runner.invoke(app, ["demo", "--workbook", str(template), "-o", str(tmp_path / "a.xlsx")])
    result = runner.invoke(app, ["demo", "--workbook", str(moved), "-o", str(tmp_path / "b.xlsx")])
    assert stock.exit_code == 0 and result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if "Break-even BTC price (mining = lease)" in x)
    rent = next(x for x in stock.stdout.splitlines() if "Break-even rent (lease = mining)" in x)
    import re

    figure = float(re.search(r"([0-9,.]+) USD/kW-month", rent).group(1).replace(",", ""))
    assert f"{figure:,.0f} USD/BTC" in line  # the rent's figure (122.06), rounded as prices are, on the BTC line


def test_demo_without_a_declared_name_is_a_message(tmp_path):
    from pathlib import Path

    template = Path(__file__).resolve().parents[1] / "templates" / "hashlease.xlsx"
    moved = tmp_path / "old.xlsx"
    _moved_name(template, moved, "lease_npv_usd", "Comparison!$Z$99")  # an empty cell: no value
    result = runner.invoke(app, ["demo", "--workbook", str(moved), "-o", str(tmp_path / "b.xlsx")])
    assert result.exit_code == 1 and "lease_npv_usd" in result.stderr and "Traceback" not in result.output
