"""Headless recalculation of the template against LibreOffice Calc recalculating its native-formula twin.

hashlease's side is the whole `hashlease recalc` path: checks, load (parse and compile), calculation with the
HL_ functions, and writing formulas plus values. LibreOffice recalculates the same workbook with every HL_ cell
frozen to its value (it cannot call our functions), from a cold start of soffice each time, as a server would
run it. Also: where hashlease's time goes, and `hashlease eval` latency.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula
from rich.table import Table

from hashlease.workbook.engine import function_names, recalculate
from hashlease.workbook.writer import write_values

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"


def native_twin(out: Path, twin: Path) -> None:
    values = openpyxl.load_workbook(out, data_only=True)
    book = openpyxl.load_workbook(out)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                text = value.text if isinstance(value, ArrayFormula) else value
                if isinstance(text, str) and text.startswith("=") and any(
                        n.startswith("HL_") for n in function_names(text)):
                    cells = ws[value.ref] if isinstance(value, ArrayFormula) else ((cell,),)
                    for r in cells:
                        for c in r:
                            c.value = values[ws.title][c.coordinate].value
    book.save(twin)


def libreoffice_seconds(path: Path, work: Path, repeat: int) -> float | None:
    """Best wall time of LibreOffice headless converting (recalculating) ``path``, from a cold start each time
    (a fresh profile), as a server would run it; None where soffice is not installed."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    times = []
    for i in range(repeat):
        profile = work / f"profile{i}"
        start = time.perf_counter()
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                        "--convert-to", "xlsx", "--outdir", str(work / "lo"), str(path)],
                       capture_output=True, check=True, timeout=300)
        times.append(time.perf_counter() - start)
    return min(times)


def _timed_recalc(engine: str, out: Path, repeat: int) -> tuple[float, dict[str, float]]:
    """Best time of recalculating the template with ``engine`` and writing it, and that run's stages."""
    best, stages = float("inf"), {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = recalculate(TEMPLATE, engine=engine)
        written = time.perf_counter()
        write_values(TEMPLATE, out, result.values)
        done = time.perf_counter()
        if done - start < best:
            best = done - start
            label = "compiled" if engine == "auto" else engine
            stages = {f"{label} {k}": v for k, v in dict(result.seconds, write=done - written).items()}
    return best, stages


def run(repeat: int = 3) -> Table:
    work = Path(tempfile.mkdtemp(prefix="hashlease-bench-"))
    try:
        out = work / "out.xlsx"
        reference, stages = _timed_recalc("reference", out, repeat)
        best, compiled_stages = _timed_recalc("auto", out, repeat)
        stages.update(compiled_stages)
        cells = sum(len(v) for v in recalculate(TEMPLATE, engine="auto").values.values())
        twin = work / "twin.xlsx"
        native_twin(out, twin)
        libre = libreoffice_seconds(twin, work, repeat)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import formulas"], check=True)
        import_formulas = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        python_start = time.perf_counter() - start
        eval_times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "hashlease.cli", "eval",
                            "=HL_HASHPRICE(108.52E12, 93450, 0.0931, 874944)"], capture_output=True, check=True)
            eval_times.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = Table(title=f"Recalculating templates/hashlease.xlsx ({cells:,} formula cells), best of {repeat}")
    for header in ["Step", "Seconds", "Note"]:
        table.add_column(header, justify="right" if header == "Seconds" else "left")
    for stage, seconds in stages.items():
        table.add_row(f"  hashlease: {stage}", f"{seconds:.3f}", "")
    table.add_row("hashlease recalc (compiled engine), load -> recalc -> save", f"{best:.3f}",
                  f"in process (after imports); {reference / best:.1f}x the reference engine")
    table.add_row("hashlease recalc --engine reference", f"{reference:.3f}", "in process (after imports)")
    if libre is not None:
        table.add_row("LibreOffice headless, native twin", f"{libre:.3f}",
                      f"soffice cold start each time; hashlease is {libre / best:.1f}x faster "
                      f"(reference engine {libre / reference:.1f}x)")
    table.add_row("python start / import formulas", f"{python_start:.3f} / {import_formulas:.3f}", "subprocesses")
    table.add_row("hashlease eval (whole command)", f"{min(eval_times):.3f}", "subprocess: start, imports, one formula")
    return table


# --- supported sizes ------------------------------------------------------------------------------------------

def sized_workbook(path: Path, rows: int, kind: str) -> Path:
    """``formulas``: rows of a constant and a formula reading it (=A1*2+1); ``constants``: rows x 3 constants and
    one SUM over them all (the case of a pasted data table)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "S"
    for r in range(1, rows + 1):
        if kind == "formulas":
            ws.cell(r, 1, r)
            ws.cell(r, 2, f"=A{r}*2+1")
        else:
            for c in range(1, 4):
                ws.cell(r, c, r * c)
    if kind == "constants":
        ws.cell(1, 5, f"=SUM(A1:C{rows})")
    book.save(path)
    return path


def _recalc_seconds(path: Path, out: Path, python_path: str | None = None, timeout_s: float = 900) -> float | None:
    """Wall time of the whole `recalculate` + `write_values` in a fresh interpreter (None past ``timeout_s``)."""
    import os

    env = dict(os.environ, **({"PYTHONPATH": python_path} if python_path else {}))
    script = ("import sys, time; from hashlease.workbook.engine import recalculate; "
              "from hashlease.workbook.writer import write_values; t = time.perf_counter(); "
              "r = recalculate(sys.argv[1]); write_values(sys.argv[1], sys.argv[2], r.values); "
              "print(time.perf_counter() - t)")
    try:
        done = subprocess.run([sys.executable, "-c", script, str(path), str(out)], capture_output=True, text=True,
                              check=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout.strip().splitlines()[-1])


def sizes(cases=(("formulas", 10_000), ("formulas", 50_000), ("formulas", 100_000), ("constants", 40_000)),
          old_source: str | None = None, timeout_s: float = 900) -> Table:
    """Recalculation time by size, against LibreOffice on the same file (and the old engine at ``old_source``,
    a checkout's ``src`` folder, when given)."""
    work = Path(tempfile.mkdtemp(prefix="hashlease-sizes-"))
    soffice = shutil.which("soffice")
    table = Table(title="Recalculation by size (seconds, whole run after imports; LibreOffice cold start)")
    for header in ["Workbook", "hashlease", "old engine", "LibreOffice", "hashlease / LibreOffice"]:
        table.add_column(header, justify="left" if header == "Workbook" else "right")
    try:
        for kind, rows in cases:
            path = sized_workbook(work / f"{kind}{rows}.xlsx", rows, kind)
            ours = _recalc_seconds(path, work / "out.xlsx", timeout_s=timeout_s)
            old = _recalc_seconds(path, work / "old.xlsx", old_source, timeout_s) if old_source else None
            theirs = None
            if soffice:
                start = time.perf_counter()
                subprocess.run([soffice, "--headless", "--norestore",
                                f"-env:UserInstallation={(work / 'profile').as_uri()}", "--convert-to", "xlsx",
                                "--outdir", str(work / "lo"), str(path)], capture_output=True, check=True,
                               timeout=timeout_s)
                theirs = time.perf_counter() - start
            label = f"{rows:,} formulas" if kind == "formulas" else f"{rows:,} x 3 constants, one SUM"
            show = (lambda s: "—" if s is None else f"{s:.1f}")
            table.add_row(label, show(ours), "not run" if not old_source else (
                          f"> {timeout_s:.0f}" if old is None else f"{old:.1f}"), show(theirs),
                          f"{ours / theirs:.1f}x" if ours and theirs else "—")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return table


if __name__ == "__main__":
    import argparse

    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", action="store_true", help="time workbooks by size instead of the template")
    parser.add_argument("--old-source", help="a checkout's src folder: time its engine too (PYTHONPATH)")
    args = parser.parse_args()
    Console().print(sizes(old_source=args.old_source) if args.sizes else run())
