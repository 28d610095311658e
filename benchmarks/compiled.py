"""The compiled workbook engine against the per-scenario reference engine and LibreOffice, in the same run.

- The stock template's 8 summary outputs over many scenarios (12 inputs drawn): the compiled engine end to end
  (compile, then vectorised passes of 5,000) against the reference engine (write the scenario, recalculate the
  workbook) and LibreOffice recalculating the template's native twin, per scenario.
- The synthetic ~7,000-formula native workbook (tests/workbook/finance_workbooks.build_large): scenarios per
  second on one process, against the reference engine with its model loaded once.
- ``hashlease simulate`` of the template: iterations end to end (a subprocess: imports, compile, draws, passes,
  Parquet, pictures), with its peak memory.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from rich.table import Table

from hashlease.batch import Scenario, workbook_chunk
from hashlease.workbook import contract
from hashlease.workbook.compiled import compile_workbook

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"
sys.path.insert(0, str(ROOT / "tests" / "workbook"))

#: Inputs the template scenarios draw, with their ranges (inside each field's accepted range).
RANGES = {
    "discount_rate_per_year_frac": (0.03, 0.2),
    "market.difficulty": (60e12, 200e12),
    "market.btc_price_usd": (40_000.0, 200_000.0),
    "market.fees_btc_per_block": (0.0, 0.5),
    "market.difficulty_growth_per_month_frac": (-0.01, 0.04),
    "market.btc_price_growth_per_year_frac": (-0.2, 0.5),
    "mining.power_price_usd_per_kwh": (0.02, 0.09),
    "mining.uptime_frac": (0.85, 1.0),
    "lease.rent_usd_per_kw_month": (80.0, 200.0),
    "lease.capex_usd_per_mw": (7e6, 13e6),
    "lease.escalator_per_year_frac": (0.0, 0.05),
    "lease.exit_cap_rate_frac": (0.05, 0.1),
}
PASS = 5_000


def _draw(count: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(low, high, count) for name, (low, high) in RANGES.items()}


def template(count: int, sample: int, work: Path, table: Table) -> None:
    from recalc import libreoffice_seconds, native_twin

    columns = _draw(count, seed=1)
    start = time.perf_counter()
    engine = compile_workbook(TEMPLATE, inputs=list(RANGES))
    compiled_at = time.perf_counter()
    errors = 0
    for first in range(0, count, PASS):
        part = {name: values[first:first + PASS] for name, values in columns.items()}
        result = engine.evaluate(part)
        errors += sum(int((result.errors[name] != "").sum()) for name in engine.outputs)
    compiled = time.perf_counter() - start
    compile_seconds = compiled_at - start
    rate = count / compiled
    scenarios = [Scenario(f"s{i}", tuple((name, float(values[i])) for name, values in columns.items()))
                 for i in range(sample)]
    start = time.perf_counter()
    workbook_chunk(str(TEMPLATE), scenarios)
    reference = (time.perf_counter() - start) / sample
    out = work / "template.xlsx"
    from hashlease.workbook.engine import recalculate
    from hashlease.workbook.writer import write_values

    write_values(TEMPLATE, out, recalculate(TEMPLATE, engine="auto").values)
    native_twin(out, work / "twin.xlsx")
    libre = libreoffice_seconds(work / "twin.xlsx", work, repeat=2)
    table.add_row(f"template, {len(engine.outputs)} outputs, {count:,} scenarios ({len(RANGES)} inputs drawn)",
                  f"{rate:,.0f}/s", f"end to end: compile {compile_seconds:.2f} s, then passes of {PASS:,}; "
                  f"{errors:,} error cells (drawn combinations the models refuse)")
    table.add_row("  reference engine, one recalculation per scenario", f"{1 / reference:,.2f}/s",
                  f"compiled is {rate * reference:,.0f}x faster ({sample} scenarios)")
    if libre is not None:
        table.add_row("  LibreOffice, native twin, cold start per scenario", f"{1 / libre:,.2f}/s",
                      f"compiled is {rate * libre:,.0f}x faster")


def large(count: int, work: Path, table: Table, reference_samples: int = 2) -> None:
    import finance_workbooks as fw

    book = fw.build_large(work / "large.xlsx")
    inputs = [i.name for i in book.inputs]
    drawn = book.draw(count, seed=2)
    columns = {name: np.array([s[name] for s in drawn]) for name in inputs}
    start = time.perf_counter()
    engine = compile_workbook(book.path, inputs=inputs, outputs=list(book.outputs))
    compiled_at = time.perf_counter()
    for first in range(0, count, PASS):
        engine.evaluate({name: values[first:first + PASS] for name, values in columns.items()})
    done = time.perf_counter()
    rate = count / (done - compiled_at)
    table.add_row(f"synthetic native workbook, {book.formula_count:,} formulas, {count:,} scenarios",
                  f"{rate:,.0f}/s", f"evaluation in passes of {PASS:,}; compile {compiled_at - start:.2f} s once")
    if reference_samples:
        names = contract.defined_names(book.path)
        cells = [contract.resolve(names, output) for output in book.outputs]
        fw.loaded_reference(str(book.path), cells, book.overrides(drawn[0]))  # load once (not timed)
        start = time.perf_counter()
        for scenario in drawn[1:1 + reference_samples]:
            fw.loaded_reference(str(book.path), cells, book.overrides(scenario))
        reference = (time.perf_counter() - start) / reference_samples
        table.add_row("  reference engine, model loaded once, per scenario", f"{1 / reference:,.2f}/s",
                      f"compiled is {rate * reference:,.0f}x faster")


def simulate(iterations: int, work: Path, table: Table) -> None:
    spec = {
        "market.btc_price_usd": {"distribution": "lognormal", "mean": 93_450, "sd": 30_000},
        "lease.rent_usd_per_kw_month": {"distribution": "pert", "low": 100, "mode": 130, "high": 160},
        "mining.power_price_usd_per_kwh": {"distribution": "triangular", "low": 0.03, "mode": 0.045, "high": 0.07},
        "market.difficulty_growth_per_month_frac": {"distribution": "normal", "mean": 0.015, "sd": 0.01,
                                                    "low": -0.05, "high": 0.1},
        "correlations": [{"between": ["market.btc_price_usd", "market.difficulty_growth_per_month_frac"],
                          "rank": 0.5}],
    }
    path = work / "dist.yaml"
    path.write_text(yaml.safe_dump(spec))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hashlease.cli", "simulate", str(TEMPLATE), str(path), "-n",
                    str(iterations), "--seed", "1", "-o", str(work / "sim")], check=True, capture_output=True)
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    table.add_row(f"hashlease simulate, template, {iterations:,} iterations (whole command)", f"{seconds:.1f} s",
                  f"{iterations / seconds:,.0f} iterations/s; peak memory {peak:,.0f} MB (largest child process)")


def run(count: int = 10_000, sample: int = 4, large_count: int = 20_000, iterations: int = 10_000,
        reference_samples: int = 2) -> Table:
    table = Table(title="Compiled workbook engine (one process) against the reference engine and LibreOffice")
    for header in ["Case", "Rate", "Note"]:
        table.add_column(header, justify="right" if header == "Rate" else "left")
    work = Path(tempfile.mkdtemp(prefix="hashlease-bench-"))
    try:
        template(count, sample, work, table)
        large(large_count, work, table, reference_samples)
        simulate(iterations, work, table)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return table
