"""hashlease batch: scenario files, both engines (equal to each other and to the models), failures alone,
resume and interruption, OUTDIR safety, and a real Dask cluster on 127.0.0.1 (with a worker killed mid-batch)."""

from __future__ import annotations

import json
import re
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hashlease import models as m
from hashlease.batch import (OUTPUTS, Scenario, base_inputs, load_scenarios, model_chunk, run_batch, safe_path,
                             scenario_inputs, workbook_chunk)
from hashlease.cli import app
from hashlease.models import HashleaseError

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"
runner = CliRunner()

SAMPLE = [
    Scenario("base", ()),
    Scenario("bear", (("market.btc_price_usd", 60_000), ("market.difficulty_growth_per_month_frac", 0.03))),
    Scenario("rich_lease", (("lease.rent_usd_per_kw_month", 160), ("lease.escalator_per_year_frac", 0.02))),
    Scenario("dear_power", (("mining.power_price_usd_per_kwh", 0.06), ("discount_rate_per_year_frac", 0.12))),
]


@pytest.fixture(scope="module")
def base():
    return base_inputs(TEMPLATE)


def test_scenario_files(tmp_path):
    long = tmp_path / "long.csv"
    long.write_text("scenario,input,value\nbase,,\nbear,market.btc_price_usd,60000\nbear,lease.capex_curve,s_curve\n")
    wide = tmp_path / "wide.csv"
    wide.write_text("scenario,market.btc_price_usd,lease.delay_months\nbear,60000,\nlate,,6\n")
    mapping = tmp_path / "s.yaml"
    mapping.write_text("bear:\n  market.btc_price_usd: 60000\nlate:\n  lease.delay_months: 6\n")
    listing = tmp_path / "l.yml"
    listing.write_text("- name: bear\n  overrides: {market.btc_price_usd: 60000}\n")
    assert load_scenarios(long) == [Scenario("base", ()), Scenario("bear", (("market.btc_price_usd", 60000),
                                                                            ("lease.capex_curve", "s_curve")))]
    assert load_scenarios(wide) == [Scenario("bear", (("market.btc_price_usd", 60000),)),
                                    Scenario("late", (("lease.delay_months", 6),))]
    assert load_scenarios(mapping)[1] == Scenario("late", (("lease.delay_months", 6),))
    assert load_scenarios(listing) == [Scenario("bear", (("market.btc_price_usd", 60000),))]


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", "x" * 101, "with space", ""],
                         ids=["parent", "slash", "dot", "too-long", "space", "empty"])
def test_names_that_could_escape_outdir_are_refused(tmp_path, name):
    path = tmp_path / "s.csv"
    path.write_text(f"scenario,input,value\n{name},market.btc_price_usd,1\n")
    with pytest.raises(HashleaseError, match="scenario name"):
        load_scenarios(path)
    with pytest.raises(HashleaseError):
        safe_path(tmp_path, "../outside.xlsx")


def test_model_engine_equals_the_models(base):
    rows = model_chunk(base.model_dump_json(), SAMPLE)
    for row, scenario in zip(rows, SAMPLE):
        inputs = scenario_inputs(base, scenario)
        result = m.compare_site(inputs)
        assert row["mining_npv_usd"] == pytest.approx(result.mining_npv_usd, rel=1e-12)
        assert row["lease_npv_usd"] == pytest.approx(result.lease_npv_usd, rel=1e-12)
        assert row["breakeven_btc_price_usd"] == pytest.approx(m.breakeven_btc_price_vs_lease(inputs), rel=1e-9)
        assert row["breakeven_rent_usd_per_kw_month"] == pytest.approx(m.breakeven_rent_vs_mining(inputs), rel=1e-9)
        assert row["lease_irr_per_year_frac"] == pytest.approx(
            result.summary.at["convert_to_lease", "irr_per_year_frac"], rel=1e-12)


def test_both_engines_give_the_same_outputs_on_the_stock_template(base):
    model = model_chunk(base.model_dump_json(), SAMPLE)
    workbook = workbook_chunk(str(TEMPLATE), SAMPLE)
    for a, b in zip(model, workbook):
        for name in OUTPUTS:
            assert a[name] == pytest.approx(b[name], rel=1e-9, abs=1e-9), (a["scenario"], name)


def _scenarios_file(tmp_path: Path, rows: list[tuple[str, str, object]]) -> Path:
    path = tmp_path / "scenarios.csv"
    path.write_text("scenario,input,value\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    return path


def test_a_failing_scenario_fails_alone(tmp_path):
    path = _scenarios_file(tmp_path, [("good", "market.btc_price_usd", 80000), ("zero_term", "lease.term_years", 0),
                                      ("typo", "lease.rent_per_kw", 100), ("good2", "lease.delay_months", 3)])
    for engine in ("model", "workbook"):
        out = tmp_path / engine
        result = runner.invoke(app, ["batch", str(TEMPLATE), str(path), "-o", str(out), "--engine", engine,
                                     "--workers", "1"])
        assert result.exit_code == 0, result.output
        summary = pd.read_parquet(out / "summary.parquet")
        assert list(summary["scenario"]) == ["good", "zero_term", "typo", "good2"]
        errors = dict(zip(summary["scenario"], summary["error"]))
        assert pd.isna(errors["good"]) and pd.isna(errors["good2"])
        assert "term_years must be >= 1" in errors["zero_term"] and "rent_per_kw" in errors["typo"]
        assert summary.loc[summary["scenario"] == "good", "mining_npv_usd"].notna().all()
        stderr = " ".join(result.stderr.split())
        assert "failed: zero_term" in stderr and "failed: typo" in stderr
        assert pd.read_csv(out / "summary.csv").shape == summary.shape


def test_resume_skips_what_is_done_and_interruption_keeps_it(tmp_path, base):
    scenarios = [Scenario(f"s{i}", (("market.btc_price_usd", 50_000 + 1_000 * i),)) for i in range(12)]
    out = tmp_path / "out"
    calls = {"n": 0}

    def interrupt_after_first(done, total):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt

    report = run_batch(TEMPLATE, scenarios, out, engine="model", chunk_size=5, workers=1,
                       progress=interrupt_after_first)
    assert report["interrupted"] and report["done"] == 5
    journal = (out / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["scenario"] for line in journal] == [f"s{i}" for i in range(5)]
    assert len(pd.read_csv(out / "summary.csv")) == 5
    report = run_batch(TEMPLATE, scenarios, out, engine="model", chunk_size=5, workers=1, resume=True)
    assert report["done"] == 12 and report["skipped"] == 5 and not report["interrupted"]
    summary = pd.read_parquet(out / "summary.parquet")
    assert list(summary["scenario"]) == [s.name for s in scenarios]
    fresh = run_batch(TEMPLATE, scenarios, tmp_path / "fresh", engine="model", chunk_size=5, workers=1)
    pd.testing.assert_frame_equal(summary, pd.read_parquet(tmp_path / "fresh" / "summary.parquet"))


def test_process_pool_equals_one_process(tmp_path):
    scenarios = [Scenario(f"p{i}", (("lease.rent_usd_per_kw_month", 100 + 5 * i),)) for i in range(8)]
    one = run_batch(TEMPLATE, scenarios, tmp_path / "one", engine="model", chunk_size=2, workers=1)
    pool = run_batch(TEMPLATE, scenarios, tmp_path / "pool", engine="model", chunk_size=2, workers=2)
    assert one["done"] == pool["done"] == 8
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one" / "summary.parquet"),
                                  pd.read_parquet(tmp_path / "pool" / "summary.parquet"))


# --- a real Dask cluster on 127.0.0.1 ------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def cluster(tmp_path):
    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    logs = tmp_path / "dask-logs"
    logs.mkdir()
    handles = [(logs / name).open("w") for name in ("scheduler.log", "worker0.log", "worker1.log")]
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 stdout=handles[0], stderr=subprocess.STDOUT, env=env, start_new_session=True)
    workers = [subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                                 "--host", "127.0.0.1", "--name", f"w{i}"],
                                stdout=handles[1 + i], stderr=subprocess.STDOUT, env=env,
                                start_new_session=True) for i in range(2)]
    from distributed import Client

    deadline = time.monotonic() + 60
    while True:
        try:
            with Client(address, timeout="5s") as client:
                if len(client.scheduler_info()["workers"]) == 2:
                    break
        except OSError:
            time.sleep(0.5)  # the scheduler is not listening yet
            continue
        if time.monotonic() > deadline:
            raise RuntimeError("the Dask cluster did not start: " + (logs / "scheduler.log").read_text()[-2000:])
        time.sleep(0.5)
    yield address, workers
    for process in [*workers, scheduler]:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in [*workers, scheduler]:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(20)
    for handle in handles:
        handle.close()


def test_dask_cluster_equals_local_even_when_a_worker_dies(tmp_path, cluster):
    address, workers = cluster
    scenarios = [Scenario(f"d{i}", (("market.btc_price_usd", 60_000 + 5_000 * i),)) for i in range(6)]
    local = run_batch(TEMPLATE, scenarios, tmp_path / "local", engine="workbook", workers=1)
    killed = {"done": False}

    def kill_one_worker(done, total):
        if not killed["done"]:
            killed["done"] = True
            os.killpg(workers[0].pid, signal.SIGKILL)  # mid-batch: its tasks are rescheduled on the other

    remote = run_batch(TEMPLATE, scenarios, tmp_path / "remote", engine="workbook", scheduler=address,
                       progress=kill_one_worker)
    assert killed["done"] and remote["done"] == local["done"] == 6 and not remote["failed"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "local" / "summary.parquet"),
                                  pd.read_parquet(tmp_path / "remote" / "summary.parquet"))
    model = run_batch(TEMPLATE, scenarios, tmp_path / "model", engine="model", scheduler=address, chunk_size=2)
    assert model["done"] == 6
    a = pd.read_parquet(tmp_path / "model" / "summary.parquet")
    b = pd.read_parquet(tmp_path / "local" / "summary.parquet")
    for name in OUTPUTS:
        pd.testing.assert_series_equal(a[name], b[name], rtol=1e-9, check_names=False)
    # the compiled engine on the cluster: each worker compiles the workbook once, chunks of 2 scenarios
    compiled = run_batch(TEMPLATE, scenarios, tmp_path / "compiled", engine="compiled", scheduler=address,
                         chunk_size=2)
    assert compiled["done"] == 6 and compiled["engine"] == "compiled" and compiled["checked"] >= 3
    c = pd.read_parquet(tmp_path / "compiled" / "summary.parquet")
    for name in OUTPUTS:
        pd.testing.assert_series_equal(c[name], b[name], rtol=1e-9, check_names=False)


def test_phased_plan_in_both_engines(tmp_path):
    path = _scenarios_file(tmp_path, [("base", "", ""), ("late_second_hall", "phase2.cutover_month", 24),
                                      ("cheap_btc", "market.btc_price_usd", 60000), ("no_phase9", "phase9.site_mw", 1)])
    outs = {}
    for engine in ("model", "workbook"):
        out = tmp_path / engine
        result = runner.invoke(app, ["batch", str(TEMPLATE), str(path), "-o", str(out), "--engine", engine,
                                     "--workers", "1", "--phased"])
        assert result.exit_code == 0, result.output
        outs[engine] = pd.read_parquet(out / "summary.parquet").set_index("scenario")
    model, workbook = outs["model"], outs["workbook"]
    for name in ("base", "late_second_hall", "cheap_btc"):
        assert model.at[name, "phased_npv_usd"] == pytest.approx(workbook.at[name, "phased_npv_usd"], rel=1e-9)
    assert model.at["late_second_hall", "phased_npv_usd"] != model.at["base", "phased_npv_usd"]
    assert "phase9.site_mw" in model.at["no_phase9", "error"] and "phase9.site_mw" in workbook.at["no_phase9", "error"]
    base_plan = m.PhasedSiteInputs(site=base_inputs(TEMPLATE), phases=[
        dict(site_mw=50, critical_it_mw=37.5, cutover_month=0), dict(site_mw=50, critical_it_mw=37.5, cutover_month=12)])
    assert model.at["base", "phased_npv_usd"] == pytest.approx(m.phased_site(base_plan).npv_usd, rel=1e-12)


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("wide.csv", "scenario,market.btc_price_usd,mining.power_price_usd_per_kwh\nbase,100,000,0.05\n", "3 fields"),
    ("dup.csv", "scenario,market.btc_price_usd\nbase,1\nbase,2\n", "a name used once"),
    ("case.csv", "scenario,input,value\nBase,market.btc_price_usd,1\nbase,market.btc_price_usd,2\n",
     "differing only in case"),
    ("list.yaml", "- base\n", "a mapping with a name"),
], ids=["wide-row-length", "wide-duplicate", "case-duplicate", "yaml-item"])
def test_scenario_files_that_would_mislead_are_refused(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(HashleaseError, match=re.escape(fragment)):
        load_scenarios(path)


@pytest.mark.parametrize(("content", "fragment"), [
    ("scenario,input,value\nhuge,market.btc_price_usd,1e400\nok,market.btc_price_usd,9e4\n", "a finite number"),
    ("scenario,input,value\nhuge,market.btc_price_usd,nan\nok,market.btc_price_usd,9e4\n", "a finite number"),
    ("scenario,input,value\nhuge,market.start,2026-02-30\nok,market.btc_price_usd,9e4\n", "a date YYYY-MM-DD"),
    ("scenario,input,value\nhuge,market.btc_price_usd,1\nhuge,market.btc_price_usd,2\nok,market.btc_price_usd,9e4\n",
     "named once per scenario"),
], ids=["infinite", "nan", "impossible-date", "named-twice"])
def test_a_value_that_cannot_be_read_fails_its_scenario_alone(tmp_path, content, fragment):
    path = tmp_path / "s.csv"
    path.write_text(content)
    bad, ok = load_scenarios(path)
    assert fragment in bad.error and ok.error is None and ok.overrides == (("market.btc_price_usd", 90_000.0),)
    rows = model_chunk(m.example_comparison().model_dump_json(), [bad, ok])
    assert fragment in rows[0]["error"] and rows[1].get("error") is None and rows[1]["mining_npv_usd"] is not None


def test_an_empty_value_keeps_the_template_s_value_in_both_layouts(tmp_path):
    long = tmp_path / "long.csv"
    long.write_text("scenario,input,value\ns1,market.difficulty_growth_per_month_frac,\n")
    wide = tmp_path / "wide.csv"
    wide.write_text("scenario,market.difficulty_growth_per_month_frac\ns1,\n")
    assert load_scenarios(long)[0].overrides == () == load_scenarios(wide)[0].overrides


def test_excel_csv_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffscenario,input,value\nbear,market.btc_price_usd,60000\n".encode())
    assert load_scenarios(path) == [Scenario("bear", (("market.btc_price_usd", 60000),))]


def test_related_inputs_move_together_and_extreme_rents_keep_their_outputs(base):
    moved = Scenario("later", (("market.start", "2026-07-01"), ("lease.construction_start", "2026-07-01")))
    path_rows = model_chunk(base.model_dump_json(), [Scenario(moved.name, tuple(
        (k, __import__("datetime").date.fromisoformat(v)) for k, v in moved.overrides)),
                                                     Scenario("rich", (("lease.rent_usd_per_kw_month", 6000),))])
    assert "error" not in path_rows[0] and path_rows[0]["lease_npv_usd"] is not None
    assert "error" not in path_rows[1] and path_rows[1]["lease_npv_usd"] > 0


def test_model_engine_ages_the_fleet_like_the_models(base):
    aged = [Scenario("aged", (("mining.fleet_age_years", 2.0), ("mining.hashrate_degradation_per_year_frac", 0.05),
                              ("mining.efficiency_degradation_per_year_frac", 0.04))),
            Scenario("aged_seasonal", (("mining.fleet_age_years", 1.0),
                                       ("mining.power_price_monthly_profile", "1.2,1.2,1,1,0.8,0.8,1.3,1.3,1,1,1,1.2")))]
    rows = model_chunk(base.model_dump_json(), aged)
    for row, scenario in zip(rows, aged):
        result = m.compare_site(scenario_inputs(base, scenario))
        assert row["mining_npv_usd"] == pytest.approx(result.mining_npv_usd, rel=1e-12)
        assert row["lease_npv_usd"] == pytest.approx(result.lease_npv_usd, rel=1e-12)
    plain = m.compare_site(scenario_inputs(base, Scenario("base", ()))).mining_npv_usd
    assert rows[0]["mining_npv_usd"] < plain   # a worn fleet earns less


# --- issue 13: untrusted scenario files, scheduler addresses, workers that outlive a killed batch -------------

def test_workers_die_with_a_batch_killed_by_sigkill(tmp_path):
    """kill -9 of `hashlease batch` left its pool workers running (157 MB each, a minute later): each worker now
    asks the kernel for SIGKILL when its parent dies, and watches the parent's pid."""
    import psutil

    scenarios = tmp_path / "many.csv"
    scenarios.write_text("scenario,market.btc_price_usd\n" + "".join(f"s{i},{60_000 + 1_000 * i}\n" for i in range(12)))
    batch = subprocess.Popen([sys.executable, "-m", "hashlease.cli", "batch", str(TEMPLATE), str(scenarios),
                              "-o", str(tmp_path / "out"), "--engine", "workbook", "--workers", "2",
                              "--chunk-size", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(batch.pid)
    deadline = time.monotonic() + 120  # a bound so a broken test cannot hang, not a speed requirement
    workers: list = []
    while len(workers) < 2 and time.monotonic() < deadline and batch.poll() is None:
        workers = parent.children(recursive=True)
        time.sleep(0.1)
    assert len(workers) >= 2, "the batch never started its workers"
    batch.send_signal(signal.SIGKILL)
    batch.wait()

    def alive(process) -> bool:
        try:
            return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + 30
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [w.pid for w in workers if alive(w)]
    for pid in survivors:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"workers {survivors} outlived the killed batch"


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "garbage", "inproc://x", "tls://127.0.0.1:8786",
                                     "tcp://127.0.0.1:99999", "tcp://host"],
                         ids=["nothing-listening", "garbage", "inproc", "tls", "port-too-big", "no-port"])
def test_a_bad_scheduler_is_a_message_naming_it(tmp_path, address):
    scenarios = tmp_path / "s.csv"
    scenarios.write_text("scenario,input,value\nbase,,\n")
    result = runner.invoke(app, ["batch", str(TEMPLATE), str(scenarios), "-o", str(tmp_path / "out"),
                                 "--scheduler", address, "--connect-timeout-s", "1"])
    assert result.exit_code == 1, result.output
    message = " ".join(result.stderr.split())
    assert f"--scheduler must be a Dask scheduler" in message and repr(address) in message
    assert "tcp://host:port" in message and "Traceback" not in result.output


def _refused(path, fragment):
    result = runner.invoke(app, ["batch", str(TEMPLATE), str(path), "-o", str(path.parent / "out")])
    assert result.exit_code == 1, result.output
    assert fragment in " ".join(result.stderr.split()) and "Traceback" not in result.output
    return result


def test_a_csv_field_over_the_csv_limit_is_a_message(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("scenario,input,value\nbase,lease.capex_curve," + "x" * 140_000 + "\n")
    _refused(path, "big.csv line 2 must be well-formed CSV with fields of at most 131,072 characters")


def test_a_yaml_alias_bomb_is_refused_before_it_is_built(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\n")  # under 1 KB; 10^9 nodes once expanded
    assert path.stat().st_size < 1_000
    _refused(path, "YAML aliases expanding to more than 2,000,000 nodes")


def test_yaml_anchors_within_the_limits_still_work(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("base: &base {market.btc_price_usd: 60000}\nlate: {<<: *base, lease.delay_months: 6}\n")
    assert load_scenarios(path)[1] == Scenario("late", (("market.btc_price_usd", 60000), ("lease.delay_months", 6)))


@pytest.mark.parametrize("text, fragment", [
    ("a: &a [*a]\n", "YAML aliases expanding"),
    ("[" * 5_000 + "]" * 5_000 + "\n", "YAML nested deeper than 50 levels"),
], ids=["recursive-alias", "deep-nesting"])
def test_recursive_and_deep_yaml_is_refused(tmp_path, text, fragment):
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    with pytest.raises(HashleaseError, match=fragment):
        load_scenarios(path)


def test_scenario_files_beyond_the_stated_sizes_are_refused(tmp_path, monkeypatch):
    import hashlease.batch as batch_module

    path = tmp_path / "s.csv"
    path.write_text("scenario,input,value\n" + "".join(f"s{i},,\n" for i in range(5)))
    monkeypatch.setattr(batch_module, "MAX_SCENARIOS", 4)
    with pytest.raises(HashleaseError, match="scenarios must be at most 4, got '5 in s.csv'"):
        load_scenarios(path)
    monkeypatch.setattr(batch_module, "MAX_SCENARIO_BYTES", 10)
    with pytest.raises(HashleaseError, match="<= 10 bytes for a CSV file"):
        load_scenarios(path)


@pytest.mark.parametrize("target", ["file-as-folder", "proc", "long-name", "directory"])
def test_unwritable_outdir_is_a_message(tmp_path, target):
    scenarios = tmp_path / "s.csv"
    scenarios.write_text("scenario,input,value\nbase,,\n")
    out = {"file-as-folder": scenarios / "out", "proc": Path("/proc/out"), "long-name": tmp_path / ("x" * 300),
           "directory": scenarios}[target]
    result = runner.invoke(app, ["batch", str(TEMPLATE), str(scenarios), "-o", str(out)])
    assert result.exit_code == 1 and "--outdir must be a writable directory path" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output and scenarios.read_text() == "scenario,input,value\nbase,,\n"
