"""The ``hashlease`` command. Thin: it parses options, calls the models and prints; no maths here."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from hashlease import __version__
from hashlease import models as m
from hashlease.market import MarketSnapshot, bundled_snapshot, load_snapshot

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Bitcoin-mining and AI/HPC lease economics for finance teams.")


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=180)
    return console


def _fail(exc: Exception) -> typer.Exit:
    _console(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
    return typer.Exit(code=1)


#: Longest name of one file or folder on the file systems we write to. [bytes]
NAME_MAX_BYTES = 255


def _input_file(path: Path, arg: str) -> Path:
    """Refuse an input that is a directory or does not exist, naming the argument (``check_xlsx`` would only
    say "missing")."""
    try:
        if path.is_dir():
            raise m.HashleaseError(arg, str(path), "a file, not a directory", kind=m.ErrorKind.VALUE)
        if not path.is_file():
            raise m.HashleaseError(arg, str(path), "an existing file", detail="no such file",
                                   kind=m.ErrorKind.VALUE)
    except OSError as exc:
        raise m.HashleaseError(arg, str(path), "a readable file path", detail=exc.strerror) from None
    return path


def _output_path(path: Path, arg: str = "--output", *, directory: bool = False) -> Path:
    """Refuse, before any work, an output that cannot be written: a directory where a file is wanted (or the
    reverse), a name longer than the file system allows, a folder that is a file, or one we may not write to."""
    what = "a writable directory path" if directory else "a writable file path"
    try:
        for part in path.parts:
            if len(os.fsencode(part)) > NAME_MAX_BYTES:
                raise m.HashleaseError(arg, str(path), what, detail=f"a name in it is longer than "
                                       f"{NAME_MAX_BYTES} bytes", kind=m.ErrorKind.VALUE)
        if directory and path.exists() and not path.is_dir():
            raise m.HashleaseError(arg, str(path), what, detail="it is a file", kind=m.ErrorKind.VALUE)
        if not directory and path.is_dir():
            raise m.HashleaseError(arg, str(path), "a file path, not a directory", kind=m.ErrorKind.VALUE)
        folder = (path if directory else path.parent).absolute()
        while not folder.exists() and not folder.is_symlink():
            folder = folder.parent
        if not folder.is_dir():
            raise m.HashleaseError(arg, str(path), what, detail=f"{folder} is not a folder", kind=m.ErrorKind.VALUE)
        handle, probe = tempfile.mkstemp(prefix=".hashlease-probe-", dir=folder)  # os.access is True for root
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise m.HashleaseError(arg, str(path), what, detail=exc.strerror or str(exc)) from None
    return path


def _same_format(source: Path, output: Path, arg: str = "--output") -> None:
    """Refuse an output whose extension belies the workbook's format (a macro-enabled workbook written as .xlsx,
    or the reverse): Excel refuses to open such a file."""
    from hashlease.workbook.writer import workbook_extension

    wanted = workbook_extension(source)
    if wanted is not None and output.suffix.lower() != wanted:
        raise m.HashleaseError(arg, str(output), f"a path ending {wanted}, the format of {source.name} (Excel "
                               "refuses a file whose extension does not match its format)", kind=m.ErrorKind.VALUE)


def _scheduler_option(scheduler: str | None) -> None:
    """Refuse ``--scheduler`` without the ``dask`` extra, naming it (not a traceback from the import)."""
    from hashlease.batch import check_scheduler
    from hashlease.entry import DASK_MODULES, missing_modules

    if scheduler is None:
        return
    check_scheduler(scheduler)
    missing = missing_modules(DASK_MODULES)
    if missing:
        raise m.HashleaseError("--scheduler", scheduler, 'given with the dask extra installed: pip install '
                               '"hashlease[dask]"', detail="missing: " + ", ".join(missing), kind=m.ErrorKind.VALUE)


@contextlib.contextmanager
def _writing(path: Path, arg: str = "--output"):
    """Turn a failed write to ``path`` (disk full, permissions changed since the check) into a message."""
    try:
        yield
    except OSError as exc:
        raise m.HashleaseError(arg, str(path), "a writable path", detail=exc.strerror or str(exc)) from None


def _number_option(option: str, value: float, schema: type, field: str) -> float:
    """``value`` of a command-line option, within the bounds the model's field states (its one statement)."""
    from hashlease.models._validate import check_range
    from hashlease.models.assumption_blocks import field_bounds

    bounds = field_bounds(schema, field)
    limits = {}
    if bounds.low is not None:
        limits["ge" if bounds.low_inclusive else "gt"] = bounds.low
    if bounds.high is not None:
        limits["le" if bounds.high_inclusive else "lt"] = bounds.high
    return float(check_range(option, value, **limits))


def _check_recalculation(result, allow_errors: bool, workbook: str) -> None:
    """The engine's one policy for recalculated workbooks (recalc, refresh, demo): unsupported functions and
    circular references are listed by cell on stderr and refused unless ``--allow-errors``."""
    from hashlease.workbook.engine import check_policy

    problems = check_policy(result, allow_errors=True)
    err = _console(stderr=True)
    for line in problems:
        err.print(f"[bold red]error:[/] {escape(line)}", highlight=False)
    try:
        check_policy(result, allow_errors=allow_errors)
    except m.HashleaseError as exc:
        raise m.HashleaseError(f"workbook {workbook}", f"{len(problems)} problem(s) above", exc.accepted + "; "
                               "nothing was written", kind=exc.kind) from None


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                               help="Print the version and exit.")] = False) -> None:
    """Bitcoin-mining and AI/HPC lease economics for finance teams."""


@app.command()
def demo(
    power_price_usd_per_kwh: Annotated[float, typer.Option(help="Power price for the per-model table [USD/kWh].")] = 0.05,
    pue: Annotated[float, typer.Option(help="Site power over machine power, >= 1 [ratio].")] = 1.0,
    uptime_frac: Annotated[float, typer.Option(help="Share of the day the machines hash, (0, 1] [fraction].")] = 1.0,
    pool_fee_frac: Annotated[float, typer.Option(help="Share of revenue the pool keeps, [0, 1) [fraction].")] = 0.0,
    snapshot: Annotated[Optional[Path], typer.Option(help="Market snapshot JSON; default the bundled offline snapshot. Written into the template's Market sheet too, so one market is shown.")] = None,
    workbook: Annotated[Optional[Path], typer.Option(help="Template to recalculate; default the bundled template.")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the recalculated workbook.")] = Path("out/demo.xlsx"),
    allow_errors: Annotated[bool, typer.Option("--allow-errors", help="Go on even with unsupported functions or circular references in the workbook.")] = False,
) -> None:
    """Recalculate the template headless and print the decision, then the per-ASIC table."""
    from hashlease.workbook.safety import check_xlsx

    try:
        power_price_usd_per_kwh = _number_option("--power-price-usd-per-kwh", power_price_usd_per_kwh,
                                                 m.MiningSiteInputs, "power_price_usd_per_kwh")
        pue = _number_option("--pue", pue, m.MiningSiteInputs, "pue")
        uptime_frac = _number_option("--uptime-frac", uptime_frac, m.MiningSiteInputs, "uptime_frac")
        pool_fee_frac = _number_option("--pool-fee-frac", pool_fee_frac, m.MiningSiteInputs, "pool_fee_frac")
        if workbook is not None:
            _input_file(workbook, "--workbook")
            check_xlsx(workbook)
        _output_path(output)
        _same_format(workbook or _bundled_template(), output)
        snap = load_snapshot(snapshot) if snapshot else bundled_snapshot()
        _print_demo(snap, power_price_usd_per_kwh, pue, uptime_frac, pool_fee_frac)
        _print_workbook_demo(workbook or _bundled_template(), output, snap, allow_errors)
    except m.HashleaseError as exc:
        raise _fail(exc) from None


def _bundled_template() -> Path:
    from importlib import resources

    return Path(str(resources.files("hashlease.templates").joinpath("hashlease.xlsx")))


def _print_workbook_demo(workbook: Path, output: Path, snap: MarketSnapshot, allow_errors: bool = False) -> None:
    from hashlease.market_data import FIELDS, Refreshed
    from hashlease.workbook import contract, market_sheet
    from hashlease.workbook.engine import recalculate
    from hashlease.workbook.writer import write_values

    with tempfile.TemporaryDirectory(prefix="hashlease-demo-") as tmp:
        # one market per run: the snapshot printed above goes into the Market sheet's named cells first
        staged = Path(tmp) / "demo.xlsx"
        market = Refreshed(values={name: getattr(snap, name) for name in FIELDS}, source=snap.name)
        write_values(workbook, staged, market_sheet.cells(workbook, market))
        result = recalculate(staged)
        _check_recalculation(result, allow_errors, workbook.name)
        # every figure by its defined name (hashlease.workbook.contract), never by a cell address
        v = contract.read_outputs(result.values, contract.defined_names(staged),
                                  [*contract.OUTPUTS, *contract.DEMO_OUTPUTS])
        missing = [name for name, value in v.items() if name != "lease_payback_month" and
                   not (isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value))]
        if missing:
            _name_bad_input(staged, workbook.name)
            why = "; ".join(result.messages[:3]) or "error cells in the workbook"
            raise m.HashleaseError(f"workbook {workbook.name}", f"no value for {', '.join(missing)}", "numbers",
                                   detail=why)
        with _writing(output):
            write_values(staged, output, result.values)
    out = _console()
    mining, lease = v["mining_npv_usd"], v["lease_npv_usd"]
    rows = [
        ("Hashprice now / after the next halving",
         f"{v['hashprice_now_usd_per_ph_day']:,.2f} / {v['hashprice_after_halving_usd_per_ph_day']:,.2f} USD/PH/day"),
        ("Site cash margin today", f"{v['site_cash_margin_usd_per_year']:,.0f} USD/year"),
        ("Lease alone: NPV (Excel XNPV) / IRR (XIRR)",
         f"{v['lease_xnpv_usd']:,.0f} USD / {v['lease_xirr_per_year_frac']:.2%}"),
        ("Keep mining: NPV", f"{mining:,.0f} USD"),
        ("Convert to the lease: NPV (fleet sold in month 0)", f"{lease:,.0f} USD"),
        ("Decision at these inputs", "convert to the lease" if lease > mining else "keep mining"),
        ("Break-even BTC price (mining = lease)", f"{v['breakeven_btc_price_usd']:,.0f} USD/BTC"),
        ("Break-even rent (lease = mining)", f"{v['breakeven_rent_usd_per_kw_month']:,.2f} USD/kW-month"),
    ]
    table = Table(title=escape(f"Template {workbook.name} recalculated headless -> {output}"), title_justify="left")
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    for label, value in rows:
        table.add_row(label, value)
    out.print(table)
    problems = len(result.error_cells) + len(result.unsupported) + len(result.circular_cells)
    out.print(f"{sum(len(c) for c in result.values.values()):,} formula cells, {problems} problem(s), "
              f"{sum(result.seconds.values()):.2f} s", highlight=False)


def _name_bad_input(staged: Path, shown: str) -> None:
    """Raise the error naming the workbook's first unreadable input (text in a numeric input...), if any."""
    from hashlease.batch import base_inputs

    try:
        base_inputs(staged)
    except m.HashleaseError as exc:
        raise m.HashleaseError(f"workbook {shown}", exc.value, exc.accepted, detail=exc.detail,
                               kind=exc.kind) from None


def _print_demo(snap: MarketSnapshot, power_price: float, pue: float, uptime: float, pool_fee: float) -> None:
    out = _console()
    difficulty = snap.difficulty.value
    height = int(snap.block_height.value)
    fees = snap.fees_btc_per_block.value
    price = snap.btc_price_usd.value
    market = dict(fees_btc_per_block=fees)
    refine = dict(uptime_frac=uptime, pool_fee_frac=pool_fee, pue=pue)

    hp_now = m.hashprice_usd_per_day(difficulty, price, height, **market)
    hp_next = m.hashprice_usd_per_day(difficulty, price, height, **market, after_next_halving=True)
    next_height = m.next_halving_height(height)
    next_time = m.next_halving_time(height, snap.block_height.as_of)

    # every figure is computed before anything is printed, so bad input prints only its message
    catalogue = m.asic_catalogue()
    eff = np.array([a.efficiency_j_per_th for a in catalogue])
    th = np.array([a.hashrate_th_s for a in catalogue])
    hashcost = m.hashcost_usd_per_day(eff, power_price, uptime_frac=uptime, pue=pue)
    margin_now = m.mining_margin_usd_per_ph_day(hp_now, eff, power_price, **refine)
    margin_next = m.mining_margin_usd_per_ph_day(hp_next, eff, power_price, **refine)
    be_power_now = m.breakeven_power_price_usd_per_kwh(hp_now, eff, **refine)
    be_power_next = m.breakeven_power_price_usd_per_kwh(hp_next, eff, **refine)
    be_btc_now = m.breakeven_btc_price_usd(difficulty, height, eff, power_price, **market, **refine)
    be_btc_next = m.breakeven_btc_price_usd(difficulty, height, eff, power_price, **market, **refine,
                                            after_next_halving=True)
    figures = {"hashprice now": hp_now, "hashprice after the halving": hp_next, "hashcost": hashcost,
               "margin now": margin_now, "margin after": margin_next, "breakeven power now": be_power_now,
               "breakeven power after": be_power_next, "breakeven BTC price now": be_btc_now,
               "breakeven BTC price after": be_btc_next}
    for label, figure in figures.items():  # a table never shows inf or a blank: refuse instead
        if not np.isfinite(np.asarray(figure, dtype=float)).all():
            raise m.HashleaseError("demo inputs", f"{label} not finite", "inputs whose figures are finite numbers "
                                   "(lower the power price, or check the snapshot)")

    inputs = Table(title=escape(f"Market snapshot: {snap.name}"), title_justify="left")
    for header in ["Input", "Value", "Unit", "As of", "Source"]:
        inputs.add_column(header, justify="right" if header == "Value" else "left",
                          overflow="fold", ratio=4 if header == "Source" else None)
    rows = [("Difficulty", f"{difficulty:,.0f}", snap.difficulty),
            ("Block height", f"{height:,}", snap.block_height),
            ("Fees", f"{fees:.4f}", snap.fees_btc_per_block),
            ("BTC price", f"{price:,.0f}", snap.btc_price_usd)]
    if snap.published_hashprice_usd_per_ph_day:
        rows.append(("Published hashprice", f"{snap.published_hashprice_usd_per_ph_day.value:,.2f}",
                     snap.published_hashprice_usd_per_ph_day))
    for label, text, item in rows:
        inputs.add_row(label, text, escape(item.unit), str(item.as_of), escape(item.source))
    out.print(inputs, highlight=False)

    lines = [
        f"{'Network hashrate':<26}{m.network_hashrate(difficulty):,.1f} EH/s (difficulty x 2^32 / 600 s)",
        f"{'Subsidy now':<26}{m.block_subsidy_btc(height):g} BTC/block",
        f"{'Next halving':<26}height {next_height:,}, ~{str(next_time)[:10]} (10-minute blocks from the "
        f"snapshot height) -> {m.block_subsidy_btc(next_height):g} BTC/block",
        f"{'Hashprice now':<26}{hp_now:,.2f} USD/PH/day",
        f"{'Hashprice after halving':<26}{hp_next:,.2f} USD/PH/day (same difficulty, price and fees)",
        f"{'Assumptions':<26}power {power_price:g} USD/kWh, PUE {pue:g}, uptime {uptime:.1%}, "
        f"pool fee {pool_fee:.1%}",
    ]
    out.print(Panel("\n".join(lines), title="Now and after the next halving", expand=False), highlight=False)

    table = Table(title=f"Per ASIC model, at {power_price:g} USD/kWh (now | after the next halving)",
                  title_justify="left")
    for header in ["Model", "Hashrate\nTH/s", "Efficiency\nJ/TH", "Hashcost\nUSD/PH/day",
                   "Margin now\nUSD/PH/day", "Margin after\nUSD/PH/day", "Machine margin\nnow USD/day",
                   "Breakeven power\nnow USD/kWh", "Breakeven power\nafter USD/kWh",
                   "Breakeven BTC\nnow USD/BTC", "Breakeven BTC\nafter USD/BTC"]:
        table.add_column(header, justify="left" if header == "Model" else "right")
    for i, asic in enumerate(catalogue):
        table.add_row(asic.model, f"{th[i]:g}", f"{eff[i]:g}", f"{hashcost[i]:.2f}",
                      f"{margin_now[i]:.2f}", f"{margin_next[i]:.2f}", f"{margin_now[i] * th[i] / 1000:.2f}",
                      f"{be_power_now[i]:.4f}", f"{be_power_next[i]:.4f}",
                      f"{be_btc_now[i]:,.0f}", f"{be_btc_next[i]:,.0f}")
    out.print(table)
    out.print("[dim]Catalogue: nameplate figures, each with its source in models/data/asic_catalogue.csv. "
              "Breakevens are cash, power-only unless other costs are given; they exclude depreciation.[/]",
              highlight=False)


@app.command()
def template(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Where to write the template workbook; default templates/hashlease.xlsx, or templates/hashlease.xlsm with --classic.")] = None,
    snapshot: Annotated[Optional[Path], typer.Option(help="Market snapshot JSON for the Market sheet; default the bundled one.")] = None,
    classic: Annotated[bool, typer.Option("--classic", help="The macro-enabled .xlsm for the classic add-in on Windows, which keeps the functions Import Functions adds.")] = False,
) -> None:
    """Build the workbook template from code."""
    from hashlease.atomic import atomic_path
    from hashlease.workbook.template import build_template

    output = output or Path("templates/hashlease.xlsm" if classic else "templates/hashlease.xlsx")
    try:
        wanted = ".xlsm" if classic else ".xlsx"
        if output.suffix.lower() != wanted:  # Excel refuses a file whose extension belies its type
            raise m.HashleaseError("--output", str(output), "a path ending .xlsm with --classic, .xlsx without it",
                                   kind=m.ErrorKind.VALUE)
        _output_path(output)
        snap = load_snapshot(snapshot) if snapshot else None
        with _writing(output), atomic_path(output) as temporary:  # atomic_path gives the umask's mode
            build_template(temporary, snap, macro_enabled=classic)
    except m.HashleaseError as exc:
        raise _fail(exc) from None
    _console().print(escape(f"wrote {output}"), highlight=False)


@app.command()
def recalc(
    workbook: Annotated[Path, typer.Argument(help="Workbook to recalculate (.xlsx); it is only read.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Where to write the recalculated workbook.")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Overwrite WORKBOOK itself (atomically).")] = False,
    allow_errors: Annotated[bool, typer.Option("--allow-errors", help="Write OUT even with unsupported functions or circular references (their cells get errors).")] = False,
    values_only: Annotated[bool, typer.Option("--values-only", help="Replace every HL_ formula by its value (native formulas stay), for readers without the add-in: LibreOffice, Excel without hashlease, Google Sheets.")] = False,
    engine: Annotated[str, typer.Option(help="auto (the compiled engine; the reference engine where it cannot vectorise a formula) or reference (cell by cell).")] = "auto",
) -> None:
    """Recalculate every formula headless, with the HL_ functions, and write formulas plus cached values."""
    from hashlease.workbook.engine import recalculate
    from hashlease.workbook.safety import check_xlsx
    from hashlease.workbook.writer import write_values

    err = _console(stderr=True)
    try:
        if output is None and not in_place:
            raise m.HashleaseError("--output", None, "a path for the recalculated workbook (or --in-place)")
        if output is not None and in_place:
            raise m.HashleaseError("--output", str(output), "left out with --in-place (one target)")
        if values_only and in_place:  # the copy would replace the only workbook that still has the HL_ formulas
            raise m.HashleaseError("--in-place", True, "left out with --values-only, which writes a copy without "
                                   "the HL_ formulas (give -o OUT)", kind=m.ErrorKind.VALUE)
        _input_file(workbook, "WORKBOOK")
        # --in-place on a symlink updates the file it points to, and keeps the link
        target = workbook.resolve() if in_place else output
        if not in_place and target.resolve() == workbook.resolve():
            raise m.HashleaseError("--output", str(output), "a different file from WORKBOOK (or --in-place)")
        _output_path(target, "WORKBOOK" if in_place else "--output")
        check_xlsx(workbook)
        _same_format(workbook, target)
        from hashlease.workbook.engine import stderr_progress

        if engine not in ("auto", "reference"):
            raise m.HashleaseError("--engine", engine, "one of auto, reference")
        result = recalculate(workbook, progress=stderr_progress, engine=engine)  # stage lines on stderr
        _check_recalculation(result, allow_errors, workbook.name)
        with _writing(target, "WORKBOOK" if in_place else "--output"):
            write_values(workbook, target, result.values, values_only=values_only)
    except m.HashleaseError as exc:
        raise _fail(exc) from None
    cells = sum(len(v) for v in result.values.values())
    groups: dict[tuple[str, str], list[str]] = {}
    for where, code in result.error_cells:
        sheet, _, ref = where.rpartition("!")
        groups.setdefault((sheet, code), []).append(ref)
    for (sheet, code), refs in groups.items():
        shown = ", ".join(refs[:4]) + (f" and {len(refs) - 4:,} more" if len(refs) > 4 else "")
        err.print(f"[yellow]error values:[/] {len(refs):,} cell(s) on {escape(sheet)} show {code}: {escape(shown)}",
                  highlight=False)
    for message in result.messages:
        err.print(f"[yellow]  {escape(message)}[/]", highlight=False)
    _console().print(escape(f"recalculated {cells:,} formula cells of {workbook.name} in "
                            f"{sum(result.seconds.values()):.2f} s -> {target}"), highlight=False)


@app.command()
def refresh(
    workbook: Annotated[Path, typer.Argument(help="Workbook whose Market sheet to refresh (.xlsx); it is only read.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the refreshed, recalculated workbook.")],
    source: Annotated[str, typer.Option(help="'bundled' (offline snapshot), an http(s) URL of a mempool.space-style API, or a .json/.csv file.")] = "bundled",
    max_age_days: Annotated[Optional[int], typer.Option(help="Refuse values older than this many days (default: 2 for a URL, no limit otherwise).")] = None,
    cache: Annotated[Optional[Path], typer.Option(help="Cache of last good values (default $HASHLEASE_CACHE_DIR/market.json or ~/.cache/hashlease).")] = None,
    timeout_s: Annotated[float, typer.Option(help="Timeout of each HTTP request [s].")] = 10.0,
    retries: Annotated[int, typer.Option(help="Retries after a timeout, connection error or 5xx, with exponential backoff.")] = 3,
    deadline_s: Annotated[float, typer.Option(help="Total time for fetching from a URL, retries and slow answers included; what is not in by then keeps its last good value [s].")] = 60.0,
    allow_errors: Annotated[bool, typer.Option("--allow-errors", help="Write OUT even with unsupported functions or circular references.")] = False,
) -> None:
    """Fill the Market sheet from a source, validated; keep and flag the last good value of anything bad; recalc."""
    import datetime as dt

    from hashlease.market_data import MarketCache
    from hashlease.market_data import refresh as fetch_market
    from hashlease.workbook import market_sheet
    from hashlease.workbook.engine import recalculate
    from hashlease.workbook.safety import check_xlsx
    from hashlease.workbook.writer import write_values
    from pydantic import ValidationError

    err = _console(stderr=True)
    try:
        from hashlease.models._validate import check_range

        _input_file(workbook, "WORKBOOK")
        if output.resolve() == workbook.resolve():
            raise m.HashleaseError("--output", str(output), "a different file from WORKBOOK")
        check_range("--timeout-s", timeout_s, gt=0, le=3600)
        check_range("--deadline-s", deadline_s, gt=0, le=86_400)
        if not 0 <= retries <= 20:
            raise m.HashleaseError("--retries", retries, "in [0, 20]")
        if max_age_days is not None and max_age_days < 0:
            raise m.HashleaseError("--max-age-days", max_age_days, ">= 0")
        _output_path(output)
        check_xlsx(workbook)
        _same_format(workbook, output)
        limit = max_age_days if max_age_days is not None else (2 if source.startswith("http") else None)
        try:
            own = market_sheet.current(workbook)
        except ValidationError as exc:
            raise m.HashleaseError(f"workbook {workbook.name}", "its Market sheet", "values, dates and sources a "
                                   "cell can hold", detail=str(exc.errors()[0]["msg"])) from None
        result = fetch_market(source, own, cache=MarketCache(cache),
                              today=dt.datetime.now(dt.timezone.utc).date(), max_age_days=limit,
                              timeout_s=timeout_s, retries=retries, deadline_s=deadline_s)
        with tempfile.TemporaryDirectory() as tmp:
            staged = Path(tmp) / "refreshed.xlsx"
            write_values(workbook, staged, market_sheet.cells(workbook, result))
            recalculated = recalculate(staged)
            _check_recalculation(recalculated, allow_errors, workbook.name)
            with _writing(output):
                write_values(staged, output, recalculated.values)
    except m.HashleaseError as exc:
        raise _fail(exc) from None
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    table = Table(title=escape(f"Market data from {result.source} -> {output}"), title_justify="left")
    for header in ["Field", "Value", "As of", "Status", "Source"]:
        table.add_column(header, overflow="fold")
    for name, item in result.values.items():
        status = f"[bold red]STALE[/] {escape(result.stale[name])}" if name in result.stale else "fresh"
        table.add_row(name, f"{item.value:,.6g}", str(item.as_of), status, escape(item.source))
    _console().print(table)
    for name, reason in result.stale.items():
        err.print(f"[yellow]warning:[/] {name}: {escape(reason)}; kept the last good value, marked STALE in the "
                  "workbook", highlight=False)


@app.command()
def batch(
    workbook: Annotated[Path, typer.Argument(help="Template workbook (.xlsx); it is only read.")],
    scenarios: Annotated[Path, typer.Argument(help="Scenarios: CSV (scenario,input,value or scenario,<input>,...) or YAML.")],
    output: Annotated[Path, typer.Option("-o", "--outdir", help="Directory for results.jsonl, summary.csv, summary.parquet (and workbooks/).")],
    engine: Annotated[str, typer.Option(help="compiled (the workbook compiled once, all scenarios vectorised), reference (recalculate each; also 'workbook'), model (the stock template's models), or auto (compiled; reference with --workbooks).")] = "auto",
    outputs: Annotated[Optional[list[str]], typer.Option("--output", help="An output to report: a defined name or Sheet!A1 cell (repeatable; default the workbook's declared outputs).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="Run on an existing Dask cluster: tcp://host:port, e.g. tcp://10.0.0.5:8786.")] = None,
    connect_timeout_s: Annotated[float, typer.Option(help="Give up connecting to --scheduler after this long [s].")] = 10.0,
    workers: Annotated[Optional[int], typer.Option(help="Local worker processes (default: one per core).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip scenarios already in OUTDIR/results.jsonl.")] = False,
    workbooks: Annotated[bool, typer.Option("--workbooks", help="Also write each scenario's recalculated workbook (workbook engine).")] = False,
    chunk_size: Annotated[Optional[int], typer.Option(help="Scenarios per task (default 500 for the model engine, 1 for the workbook engine).")] = None,
    phased: Annotated[bool, typer.Option("--phased", help="Also value the template's phased conversion plan (phased_npv_usd); override phases as phase<n>.<field>.")] = False,
) -> None:
    """Run many scenarios of a template and write a summary table (CSV and Parquet)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from hashlease.batch import load_scenarios, run_batch
    from hashlease.models._validate import check_range
    from hashlease.workbook.safety import check_xlsx

    err = _console(stderr=True)
    try:
        if scheduler is not None:
            _scheduler_option(scheduler)
            check_range("--connect-timeout-s", connect_timeout_s, gt=0, le=600)
        _input_file(workbook, "WORKBOOK")
        _input_file(scenarios, "SCENARIOS")
        _output_path(output, "--outdir", directory=True)
        if engine not in ("auto", "compiled", "reference", "model", "workbook"):
            raise m.HashleaseError("--engine", engine, "one of auto, compiled, reference, model, workbook")
        if workers is not None and workers < 1:
            raise m.HashleaseError("--workers", workers, ">= 1")
        if chunk_size is not None and chunk_size < 1:
            raise m.HashleaseError("--chunk-size", chunk_size, ">= 1")
        check_xlsx(workbook)
        items = load_scenarios(scenarios)
        chosen = engine
        if engine == "auto":
            chosen = "reference" if workbooks else "compiled"
        progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=err, transient=False)
        with progress:
            task = progress.add_task(f"{chosen} engine", total=len(items), rate="")
            started = __import__("time").perf_counter()

            def advance(done: int, total: int) -> None:
                elapsed = max(__import__("time").perf_counter() - started, 1e-9)
                progress.update(task, completed=done, rate=f"{done / elapsed:,.0f} scenarios/s")

            with _writing(output):
                report = run_batch(workbook, items, output, engine=chosen, scheduler=scheduler, workers=workers,
                                   resume=resume, keep_workbooks=workbooks, chunk_size=chunk_size, phased=phased,
                                   progress=advance, connect_timeout_s=connect_timeout_s, outputs=outputs or None,
                                   warn=lambda text: err.print(f"[bold yellow]warning:[/] {escape(text)}",
                                                               highlight=False))
    except m.HashleaseError as exc:
        raise _fail(exc) from None
    for name, error in report["failed"]:
        err.print(f"[bold red]failed:[/] {escape(name)}: {escape(error)}", highlight=False)
    checked = f"; {report['checked']} checked against the reference engine" if report.get("checked") else ""
    _console().print(f"{report['done']:,} of {report['total']:,} scenarios in {escape(str(output))} "
                     f"({len(report['failed'])} failed{', ' + str(report['skipped']) + ' resumed' if report['skipped'] else ''}"
                     f"; {report.get('engine', chosen)} engine{checked})",
                     highlight=False)
    if report["interrupted"]:
        err.print("[bold yellow]interrupted:[/] kept what was done; run again with --resume to finish", highlight=False)
        raise typer.Exit(code=130)


@app.command()
def curtail(
    curve: Annotated[Path, typer.Argument(help="CSV of timestamp, price_usd_per_mwh (one spacing, no gaps; hourly or finer unless --interval-hours).")],
    threshold_usd_per_mwh: Annotated[Optional[float], typer.Option(help="Mine while the price is at or below this cap [USD/MWh].")] = None,
    hashprice_usd_per_ph_day: Annotated[Optional[float], typer.Option(help="Or: curtail above the break-even at this hashprice [USD/PH/day]...")] = None,
    efficiency_j_per_th: Annotated[Optional[float], typer.Option(help="...for machines of this efficiency [J/TH].")] = None,
    pue: Annotated[Optional[float], typer.Option(help="Site power over machine power, for the break-even (default 1) [ratio].")] = None,
    pool_fee_frac: Annotated[Optional[float], typer.Option(help="Pool fee, for the break-even (default 0) [fraction].")] = None,
    credit_usd_per_mwh: Annotated[float, typer.Option(help="Demand-response credit per MWh curtailed [USD/MWh].")] = 0.0,
    interval_hours: Annotated[float, typer.Option(help="Longest spacing accepted between rows, (0, 24] dividing a day; raise it for a coarser (e.g. daily) curve [h].")] = 1.0,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Also write the monthly table to this CSV.")] = None,
) -> None:
    """Curtail an hourly power price curve: per month, hours mined, uptime, mean price mined, energy cost and credits
    per MW of load."""
    import pandas as pd

    from hashlease.models._validate import check_range
    from hashlease.power_curve import MAX_PRICE_USD_PER_MWH, check_monthly_hours, load_price_curve

    try:
        credit = float(check_range("--credit-usd-per-mwh", credit_usd_per_mwh, ge=0, le=MAX_PRICE_USD_PER_MWH))
        interval = float(check_range("--interval-hours", interval_hours, gt=0, le=24))
        if (threshold_usd_per_mwh is None) == (hashprice_usd_per_ph_day is None):
            raise m.HashleaseError("--threshold-usd-per-mwh", threshold_usd_per_mwh,
                                   "given, or --hashprice-usd-per-ph-day with --efficiency-j-per-th (one or the other)")
        if hashprice_usd_per_ph_day is None:
            for option, value in (("--efficiency-j-per-th", efficiency_j_per_th), ("--pue", pue),
                                  ("--pool-fee-frac", pool_fee_frac)):
                if value is not None:  # used only for the break-even: never silently ignored
                    raise m.HashleaseError(option, value, "left out with --threshold-usd-per-mwh (it sets the "
                                           "break-even with --hashprice-usd-per-ph-day)", kind=m.ErrorKind.VALUE)
        if hashprice_usd_per_ph_day is not None:
            if efficiency_j_per_th is None:
                raise m.HashleaseError("--efficiency-j-per-th", None, "given with --hashprice-usd-per-ph-day")
            hashprice = float(check_range("--hashprice-usd-per-ph-day", hashprice_usd_per_ph_day, ge=0, le=1e6))
            efficiency = float(check_range("--efficiency-j-per-th", efficiency_j_per_th, ge=1, le=1e4))
            pue_ = _number_option("--pue", 1.0 if pue is None else pue, m.MiningSiteInputs, "pue")
            fee = _number_option("--pool-fee-frac", 0.0 if pool_fee_frac is None else pool_fee_frac,
                                 m.MiningSiteInputs, "pool_fee_frac")
            threshold = float(m.breakeven_usd_per_mwh(hashprice, efficiency, pue=pue_, pool_fee_frac=fee))
            if not abs(threshold) <= MAX_PRICE_USD_PER_MWH:
                raise m.HashleaseError("--hashprice-usd-per-ph-day", hashprice, "a hashprice whose break-even is "
                                       f"within {MAX_PRICE_USD_PER_MWH:,.0f} USD/MWh at this efficiency")
        else:
            threshold = float(check_range("--threshold-usd-per-mwh", threshold_usd_per_mwh,
                                          ge=-MAX_PRICE_USD_PER_MWH, le=MAX_PRICE_USD_PER_MWH))
        if output is not None:
            _output_path(output)
        prices = load_price_curve(_input_file(curve, "CURVE"), interval_hours=interval)
        _, month = m.curtailment(prices, threshold, credit_usd_per_mwh_curtailed=credit)
        check_monthly_hours(month)
        table = pd.DataFrame({name: getattr(month, name) for name in month._fields if name != "month"},
                             index=pd.Index(month.month.astype(str), name="month"))
        numbers = table.drop(columns="mean_price_mined_usd_per_mwh").to_numpy(dtype=float)
        if not np.isfinite(numbers).all():  # bounded inputs keep every figure finite; never print inf
            raise m.HashleaseError("curtail inputs", "a figure that is not finite", "inputs within their ranges")
        if output is not None:
            _write_csv_atomically(table, output)
    except m.HashleaseError as exc:
        raise _fail(exc) from None
    out = _console()
    view = Table(title=f"Curtailment of {escape(curve.name)} at {threshold:,.2f} USD/MWh (per MW of load)")
    for name in ("month", "hours", "hours mined", "uptime", "mean price mined USD/MWh", "energy cost USD/MW",
                 "credit USD/MW"):
        view.add_column(name, justify="right")
    for label, row in table.iterrows():
        view.add_row(label, f"{row.hours:,.0f}", f"{row.hours_mined:,.0f}", f"{row.uptime_frac:.1%}",
                     "-" if np.isnan(row.mean_price_mined_usd_per_mwh) else f"{row.mean_price_mined_usd_per_mwh:,.2f}",
                     f"{row.energy_cost_usd_per_mw:,.0f}", f"{row.curtailment_credit_usd_per_mw:,.0f}")
    out.print(view)
    hours, mined = table["hours"].sum(), table["hours_mined"].sum()
    mean = table["energy_cost_usd_per_mw"].sum() / mined if mined else float("nan")
    out.print(f"uptime {mined / hours:.1%} of {hours:,.0f} h; mean price mined "
              f"{'-' if not mined else f'{mean:,.2f}'} USD/MWh; credits {table['curtailment_credit_usd_per_mw'].sum():,.0f} "
              "USD per MW", highlight=False)


def _write_csv_atomically(table, output: Path) -> None:
    from hashlease.atomic import atomic_path

    _output_path(output)
    with _writing(output), atomic_path(output) as temporary:
        table.to_csv(temporary)


@app.command(name="addin")
def addin(
    backend: Annotated[str, typer.Argument(help="lite: the xlwings Lite files (Mac, Excel on the web); classic: the module xlwings imports on Windows.")],
    requirements: Annotated[bool, typer.Option("--requirements", help="With lite: print requirements.txt instead of main.py.")] = False,
) -> None:
    """Print the generated add-in files shipped in this installation (paste them into xlwings Lite's editor)."""
    from hashlease.addin import generated_file

    try:
        text = generated_file(backend, requirements)
    except m.HashleaseError as exc:
        raise _fail(exc) from None
    typer.echo(text, nl=False)


@app.command(name="eval")
def evaluate(formula: Annotated[str, typer.Argument(help='A formula, e.g. "=HL_HASHPRICE(108.52E12, 93450, 0.0931, 874944)".')]) -> None:
    """Evaluate one formula (Excel functions and HL_ functions, literals and arrays) and print its value."""
    import csv
    import sys

    import formulas
    from formulas.errors import FormulaError
    from formulas.tokens.operand import XlError
    from schedula.utils.exc import DispatcherError

    from hashlease.workbook.engine import collecting_messages, function_names, functions, normalise_formula

    table = functions()
    text = formula if formula.startswith("=") else "=" + formula
    unknown = [name for name in function_names(text) if name.upper() not in table]
    if unknown:
        raise _fail(m.HashleaseError("formula", formula, "a formula using only known functions (Excel's and the "
                                     "HL_ functions)", detail=f"unknown function {unknown[0]}",
                                     kind=m.ErrorKind.VALUE))
    with collecting_messages() as messages:
        try:
            compiled = formulas.Parser().ast(normalise_formula(text))[1].compile()
            if list(compiled.inputs):
                raise _fail(m.HashleaseError("formula", formula, "a formula without cell references (eval has no "
                                             "workbook; use literals such as {1;2})"))
            with np.errstate(all="ignore"):
                value = compiled()
        except FormulaError:
            raise _fail(m.HashleaseError("formula", formula, "a formula Excel would accept")) from None
        except DispatcherError as exc:  # the engine wraps what a function raised (a function it lacks, ...)
            cause = exc.__cause__ or exc.__context__
            raise _fail(m.HashleaseError("formula", formula, "a formula the engine can evaluate",
                                         detail=type(cause or exc).__name__)) from None
    value = getattr(value, "value", value)
    grid = np.atleast_2d(np.asarray(value, dtype=object))
    errors = [str(v) for v in grid.ravel() if isinstance(v, XlError)]
    if grid.size == 1 and errors:
        detail = "; ".join(messages) or errors[0]
        _console(stderr=True).print(f"[bold red]{errors[0]}[/] {escape(detail)}", highlight=False)
        raise typer.Exit(code=1)
    numbers = [v for v in grid.ravel() if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
    if any(not np.isfinite(float(v)) for v in numbers):
        _console(stderr=True).print("[bold red]#NUM![/] the result is not a finite number", highlight=False)
        raise typer.Exit(code=1)
    if grid.size == 1:
        item = grid[0, 0]
        typer.echo(repr(float(item)) if isinstance(item, (int, float, np.number)) and not isinstance(item, bool)
                   else str(item))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    for row in grid:
        writer.writerow([repr(float(v)) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else
                         str(v) for v in row])


@app.command()
def simulate(
    workbook: Annotated[Path, typer.Argument(help="Workbook (.xlsx) whose inputs are drawn; it is only read.")],
    distributions: Annotated[Path, typer.Argument(help="DISTRIBUTIONS.yaml: input (defined name or Sheet!A1) -> distribution, correlations (docs/simulate.md).")],
    outdir: Annotated[Path, typer.Option("--outdir", "-o", help="Directory for iterations.parquet, summary.csv/.parquet, histogram_<output>.png, tornado.png, report.html.")],
    seed: Annotated[int, typer.Option(help="Random seed, >= 0: the same seed gives the same numbers, whatever the chunk size or cluster.")],
    iterations: Annotated[int, typer.Option("--iterations", "-n", help="Iterations drawn, 1 to 10,000,000 [count].")] = 10_000,
    outputs: Annotated[Optional[list[str]], typer.Option("--output", help="An output: defined name or Sheet!A1 (repeat for several; default: the workbook's declared outputs).")] = None,
    chunk_size: Annotated[int, typer.Option(help="Iterations per evaluation, 1 to 100,000 [count].")] = 10_000,
    scheduler: Annotated[Optional[str], typer.Option(help="Evaluate on an existing Dask cluster: tcp://host:port, e.g. tcp://10.0.0.5:8786.")] = None,
    connect_timeout_s: Annotated[float, typer.Option(help="Give up connecting to --scheduler after this long [s].")] = 10.0,
) -> None:
    """Monte Carlo of a workbook: draw its inputs from stated distributions (rank-correlated), evaluate every
    iteration with the compiled engine, and write the iterations, a summary per output, pictures and a report."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from hashlease.models._validate import check_range
    from hashlease.simulate import MAX_CHUNK_SIZE, MAX_ITERATIONS, load_distributions, run_simulation
    from hashlease.workbook.safety import check_xlsx

    err = _console(stderr=True)
    try:
        if scheduler is not None:
            _scheduler_option(scheduler)
            check_range("--connect-timeout-s", connect_timeout_s, gt=0, le=600)
        check_range("--iterations", iterations, ge=1, le=MAX_ITERATIONS)
        check_range("--chunk-size", chunk_size, ge=1, le=MAX_CHUNK_SIZE)
        check_range("--seed", seed, ge=0, le=2**63 - 1)
        _input_file(workbook, "WORKBOOK")
        _input_file(distributions, "DISTRIBUTIONS")
        _output_path(outdir, "--outdir", directory=True)
        check_xlsx(workbook)
        spec = load_distributions(distributions)
        from hashlease.workbook.compiled import compile_workbook

        engine = compile_workbook(workbook, inputs=list(spec.distributions), outputs=list(outputs) if outputs else None)
        progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=err, transient=False)
        with progress:
            task = progress.add_task("simulate", total=iterations, rate="")
            started = __import__("time").perf_counter()

            def advance(done: int, total: int) -> None:
                elapsed = max(__import__("time").perf_counter() - started, 1e-9)
                progress.update(task, completed=done, rate=f"{done / elapsed:,.0f} iterations/s")

            with _writing(outdir, "--outdir"):
                report = run_simulation(engine, spec, iterations, seed, outdir, chunk_size=chunk_size,
                                        scheduler=scheduler, progress=advance, connect_timeout_s=connect_timeout_s,
                                        title=f"Monte Carlo of {workbook.name}")
    except m.HashleaseError as exc:
        raise _fail(exc) from None
    table = Table(title=f"{report.n:,} iterations, seed {report.seed}", title_justify="left")
    for column in ("output", "errors", "mean", "standard deviation", "P5", "P50", "P95", "P(lease beats mining)"):
        table.add_column(column, justify="left" if column == "output" else "right")
    for row in report.summary.to_dict("records"):
        beats = row["probability_lease_beats_mining_frac"]
        table.add_row(escape(f"{row['output']} [{row['unit']}]"), f"{row['errors']:,}",
                      *(f"{row[key]:,.6g}" for key in ("mean", "standard_deviation", "p5", "p50", "p95")),
                      "" if beats != beats else f"{beats:.3f}")
    _console().print(table)
    _console().print(f"written to {escape(str(outdir))} (report.html, iterations.parquet, summary.csv); tornado "
                     f"against {escape(report.tornado_output)}", highlight=False)


if __name__ == "__main__":  # pragma: no cover
    app()
