"""Scenario batches of the template's summary outputs: the model engine on 10,000 scenarios, the workbook engine
on a sample (locally and on a Dask cluster started on 127.0.0.1), and LibreOffice recalculating the template's
native twin once per scenario on a sample, all in one run, as scenarios per second and ratios."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from rich.table import Table

from hashlease.batch import Scenario, base_inputs, model_chunk, run_batch

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"


def scenarios_for_benchmark(count: int) -> list[Scenario]:
    rng = np.random.default_rng(8)
    return [Scenario(f"s{i}", (("market.btc_price_usd", float(rng.uniform(50e3, 150e3))),
                               ("market.difficulty_growth_per_month_frac", float(rng.uniform(0.0, 0.03))),
                               ("mining.power_price_usd_per_kwh", float(rng.uniform(0.03, 0.07))),
                               ("lease.rent_usd_per_kw_month", float(rng.uniform(100, 180)))))
            for i in range(count)]


def _cluster(work: Path):
    dask = str(Path(sys.executable).parent / "dask")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    log = (work / "dask.log").open("w")
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)]
    processes += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True) for _ in range(2)]
    from distributed import Client

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with Client(address, timeout="5s") as client:
                if len(client.scheduler_info()["workers"]) == 2:
                    return address, processes, log
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("Dask cluster did not start")


def run(count: int = 10_000, sample: int = 8, cluster: bool = True) -> Table:
    work = Path(tempfile.mkdtemp(prefix="hashlease-batch-bench-"))
    rows = []
    try:
        scenarios = scenarios_for_benchmark(count)
        base = base_inputs(TEMPLATE).model_dump_json()
        start = time.perf_counter()
        run_batch(TEMPLATE, scenarios, work / "pool", engine="model", workers=2)
        rows.append(("model engine, local pool (2 processes, incl. start-up)", count, time.perf_counter() - start, None))
        start = time.perf_counter()
        for i in range(0, count, 500):
            model_chunk(base, scenarios[i:i + 500])
        t_model = time.perf_counter() - start
        tracemalloc.start()  # a separate pass: tracing slows the code it watches
        for i in range(0, min(count, 2_000), 500):
            model_chunk(base, scenarios[i:i + 500])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(("model engine, one process (chunks of 500)", count, t_model, peak))
        start = time.perf_counter()
        run_batch(TEMPLATE, scenarios[:sample], work / "wb", engine="workbook", workers=1)
        rows.append(("workbook engine, one process", sample, time.perf_counter() - start, None))
        if cluster:
            address, processes, log = _cluster(work)
            try:
                start = time.perf_counter()
                run_batch(TEMPLATE, scenarios[:sample], work / "dask", engine="workbook", scheduler=address)
                rows.append(("workbook engine, Dask 127.0.0.1 (2 workers)", sample, time.perf_counter() - start, None))
                start = time.perf_counter()
                run_batch(TEMPLATE, scenarios, work / "daskmodel", engine="model", scheduler=address)
                rows.append(("model engine, Dask 127.0.0.1 (2 workers)", count, time.perf_counter() - start, None))
            finally:
                for process in processes:
                    os.killpg(process.pid, signal.SIGTERM)
                for process in processes:
                    process.wait(30)
                log.close()
        soffice = shutil.which("soffice")
        if soffice:
            sys.path.insert(0, str(Path(__file__).parent))
            from recalc import native_twin
            from hashlease.workbook.engine import recalculate
            from hashlease.workbook.writer import write_values

            out = work / "out.xlsx"
            write_values(TEMPLATE, out, recalculate(TEMPLATE).values)
            twin = work / "twin.xlsx"
            native_twin(out, twin)
            n = max(2, sample // 2)
            start = time.perf_counter()
            for i in range(n):
                subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={(work / f'p{i}').as_uri()}",
                                "--convert-to", "xlsx", "--outdir", str(work / "lo"), str(twin)],
                               capture_output=True, check=True, timeout=300)
            rows.append(("LibreOffice headless, native twin per scenario", n, time.perf_counter() - start, None))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    model_rate = rows[0][1] / rows[0][2]
    table = Table(title=f"Scenario batches of the template's 8 summary outputs ({count:,} scenarios)")
    for header in ["Engine", "Scenarios", "Seconds", "Scenarios / s", "Pooled model engine is", "Peak memory MB"]:
        table.add_column(header, justify="left" if header == "Engine" else "right")
    for label, n, seconds, peak in rows:
        rate = n / seconds
        table.add_row(label, f"{n:,}", f"{seconds:.2f}", f"{rate:,.1f}",
                      "" if rows[0][0] == label else f"{model_rate / rate:,.1f}x faster",
                      f"{peak / 2**20:,.0f}" if peak else "")
    table.caption = "Target for the model engine: at least 1,000 scenarios per second on 2 cores."
    return table
