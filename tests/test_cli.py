"""The hashlease command: demo output, and bad input as a message (exit 1), never a traceback."""

import json
import os

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


# --- issue 13 ------------------------------------------------------------------------------------------------
from pathlib import Path  # noqa: E402

import openpyxl  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "hashlease.xlsx"


def test_demo_uses_the_given_snapshot_in_the_workbook_too(tmp_path):
    # item 10: the panel showed the snapshot's hashprice, the decision table the bundled market's.
    # domain.md §1.2: D = 1e14, P = $100,000, R = 3.125, no fees -> $62.86/PH/day; after the halving half: $31.43
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(_snapshot()))
    out = tmp_path / "demo.xlsx"
    result = runner.invoke(app, ["demo", "--snapshot", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if "Hashprice now / after the next halving" in x)
    assert "62.86 / 31.43 USD/PH/day" in line
    from hashlease.workbook import contract

    names = contract.defined_names(out)
    sheet, ref = contract.resolve(names, "market_btc_price_usd")
    assert openpyxl.load_workbook(out)[sheet][ref.replace("$", "")].value == 100_000


def _edited(tmp_path, name, value, file="edited.xlsx"):
    from hashlease.workbook import contract

    names = contract.defined_names(TEMPLATE)
    sheet, ref = contract.input_cell(names, name) if "." in name else contract.resolve(names, name)
    book = openpyxl.load_workbook(TEMPLATE)
    book[sheet][ref.replace("$", "")] = value
    path = tmp_path / file
    book.save(path)
    return path


def test_demo_with_text_in_a_numeric_input_names_the_input(tmp_path):
    # item 20: "Unknown format code 'f'" traceback
    path = _edited(tmp_path, "mining.power_price_usd_per_kwh", "cheap")
    result = runner.invoke(app, ["demo", "--workbook", str(path), "-o", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    message = " ".join(result.stderr.split())
    assert "workbook edited.xlsx" in message and "power_price_usd_per_kwh must be a number, got 'cheap'" in message


def test_eval_of_an_unknown_function_is_a_message():
    # item 20: DispatcherError traceback
    result = runner.invoke(app, ["eval", "=FOOBAR(1)"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unknown function FOOBAR" in " ".join(result.stderr.split())


def test_demo_and_refresh_refuse_cycles_unless_allowed(tmp_path):
    # item 25: demo and refresh wrote workbooks with circular references without a word
    from hashlease.workbook import contract

    book = openpyxl.load_workbook(TEMPLATE)
    book.create_sheet("Loop")["A1"], book["Loop"]["A2"] = "=A2+1", "=A1+1"
    cyclic = tmp_path / "cyclic.xlsx"
    book.save(cyclic)
    assert contract.defined_names(cyclic)
    for command in (["demo", "--workbook", str(cyclic), "-o", str(tmp_path / "d.xlsx")],
                    ["refresh", str(cyclic), "-o", str(tmp_path / "r.xlsx"), "--cache", str(tmp_path / "c.json")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1, result.output
        message = " ".join(result.stderr.split())
        assert "circular reference through Loop!A1" in message and "--allow-errors" in message
        assert not (tmp_path / "d.xlsx").exists() and not (tmp_path / "r.xlsx").exists()
    allowed = runner.invoke(app, ["refresh", str(cyclic), "-o", str(tmp_path / "r.xlsx"), "--allow-errors",
                                  "--cache", str(tmp_path / "c.json")])
    assert allowed.exit_code == 0 and (tmp_path / "r.xlsx").exists()


def _unwritable(tmp_path, kind):
    existing = tmp_path / "in.xlsx"
    existing.write_bytes(TEMPLATE.read_bytes())
    return {"inside-a-file": existing / "out.xlsx", "proc": Path("/proc/out.xlsx"),
            "long-name": tmp_path / ("x" * 300 + ".xlsx"), "directory": tmp_path}[kind]


@pytest.mark.parametrize("kind", ["inside-a-file", "proc", "long-name", "directory"])
@pytest.mark.parametrize("command", ["recalc", "template", "demo", "refresh", "curtail"])
def test_an_unwritable_output_is_a_message_for_every_command(tmp_path, command, kind):
    # item 14: tracebacks from recalc, template, demo and refresh (curtail already answered)
    out = _unwritable(tmp_path, kind)
    before = TEMPLATE.read_bytes()
    curve = tmp_path / "curve.csv"
    curve.write_text("timestamp,price_usd_per_mwh\n2026-01-01T00:00Z,30\n2026-01-01T01:00Z,40\n")
    args = {"recalc": ["recalc", str(tmp_path / "in.xlsx"), "-o", str(out)],
            "template": ["template", "-o", str(out)],
            "demo": ["demo", "-o", str(out)],
            "refresh": ["refresh", str(tmp_path / "in.xlsx"), "-o", str(out), "--cache", str(tmp_path / "c.json")],
            "curtail": ["curtail", str(curve), "--threshold-usd-per-mwh", "35", "-o", str(out)]}[command]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "--output must be a" in " ".join(result.stderr.split()) and "Traceback" not in result.output
    assert (tmp_path / "in.xlsx").read_bytes() == before


def test_a_directory_as_input_is_not_called_missing(tmp_path):
    for args in (["recalc", str(tmp_path), "-o", str(tmp_path / "o.xlsx")],
                 ["refresh", str(tmp_path), "-o", str(tmp_path / "o.xlsx")],
                 ["batch", str(tmp_path), str(tmp_path), "-o", str(tmp_path / "out")],
                 ["demo", "--workbook", str(tmp_path), "-o", str(tmp_path / "o.xlsx")],
                 ["demo", "--snapshot", str(tmp_path), "-o", str(tmp_path / "o.xlsx")]):
        result = runner.invoke(app, args)
        message = " ".join(result.stderr.split())
        assert result.exit_code == 1 and "not a directory" in message and "missing" not in message, (args, message)


def test_in_place_on_a_symlink_updates_the_file_it_points_to(tmp_path):
    real = tmp_path / "real.xlsx"
    real.write_bytes(TEMPLATE.read_bytes())
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    before = real.read_bytes()
    result = runner.invoke(app, ["recalc", str(link), "--in-place"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real and real.read_bytes() != before


def test_template_writes_with_the_umask_s_mode_and_refuses_a_negative_difficulty(tmp_path):
    previous = os.umask(0o022)
    try:
        result = runner.invoke(app, ["template", "-o", str(tmp_path / "t.xlsx")])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.xlsx").stat().st_mode & 0o777 == 0o644  # 0o666 & ~0o022; mkstemp alone gives 0o600
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(_snapshot(difficulty={"value": -5, "unit": "-", "as_of": "2025-01-01",
                                                     "source": "x"})))
    refused = runner.invoke(app, ["template", "-o", str(tmp_path / "u.xlsx"), "--snapshot", str(snap)])
    assert refused.exit_code == 1 and not (tmp_path / "u.xlsx").exists()
    assert "difficulty must be in (0, 1e+20], got -5.0" in " ".join(refused.stderr.split())


def test_addin_prints_the_generated_files_shipped_with_the_package():
    from importlib import resources

    from typer.testing import CliRunner

    from hashlease.cli import app

    generated = resources.files("hashlease.addin._generated")
    lite = CliRunner().invoke(app, ["addin", "lite"])
    assert lite.exit_code == 0 and lite.output == (generated / "lite" / "main.py").read_text(encoding="utf-8")
    requirements = CliRunner().invoke(app, ["addin", "lite", "--requirements"])
    lines = [x for x in requirements.output.splitlines() if x and not x.startswith("#")]
    from hashlease import __version__

    assert lines == [f"hashlease=={__version__}"]  # the slim core, pinned; nothing Pyodide provides is pinned
    bad = CliRunner().invoke(app, ["addin", "excel"])
    assert bad.exit_code == 1 and "one of lite, classic" in bad.output and "Traceback" not in bad.output
