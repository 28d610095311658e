"""The benchmarks still run (tiny sizes; nothing is timed here: speed is reported by `make bench`)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmarks_run_and_print_their_tables():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke"], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    for title in ("Mining kernels", "Discounting", "Lease model", "Monte Carlo", "HL_HASHPRICE through the add-in",
                  "Recalculating templates/hashlease.xlsx", "Scenario batches", "Hourly curtailment",
                  "Compiled workbook engine"):
        assert title in proc.stdout
