"""Monte Carlo on a workbook: inputs drawn from stated distributions, rank-correlated, through a compiled engine.

``hashlease simulate WORKBOOK DISTRIBUTIONS.yaml -n 10000 --seed S -o OUTDIR`` reads the distributions
(:func:`load_distributions`), draws every iteration's inputs at once (:func:`hashlease.models.draw_inputs`: inverse
CDF of Latin hypercube uniforms, Iman–Conover for rank correlations), evaluates them in chunks, locally or on a
Dask cluster, and writes OUTDIR/iterations.parquet, summary.csv and summary.parquet, histogram_<output>.png per
output, tornado.png and a self-contained report.html (:func:`run_simulation`).

Same seed, same numbers: the draws depend only on the seed, the number of iterations and the distributions file,
never on the chunk size or the cluster (each chunk is evaluated separately and put back in its place).

The distributions file is untrusted input, bounded: YAML of at most :data:`MAX_DISTRIBUTIONS_BYTES` (read by
:func:`hashlease.batch.load_yaml`, which refuses alias bombs), at most :data:`MAX_INPUTS` inputs; an empirical
distribution's CSV must lie in the YAML file's folder (or below it) and hold at most
:data:`MAX_EMPIRICAL_BYTES`. The format is described in ``docs/simulate.md``.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from hashlease import models as m
from hashlease.batch import MAX_YAML_BYTES, check_scheduler, connect, load_yaml
from hashlease.models import ErrorKind, HashleaseError
from hashlease.models._validate import check_integer, check_range
from hashlease.models.distributions import SAMPLING_METHODS, SUMMARY_PERCENTILES

__all__ = ["SimulationSpec", "SimulationReport", "load_distributions", "spec_from_mapping", "run_simulation",
           "evaluate_chunk", "output_unit", "MAX_DISTRIBUTIONS_BYTES", "MAX_EMPIRICAL_BYTES", "MAX_INPUTS",
           "MAX_ITERATIONS", "MAX_CHUNK_SIZE", "DEFAULT_CHUNK_SIZE", "LEASE_VERSUS_MINING_OUTPUT"]

#: Largest distributions file read. [bytes]
MAX_DISTRIBUTIONS_BYTES = MAX_YAML_BYTES
#: Largest CSV file an empirical distribution reads. [bytes]
MAX_EMPIRICAL_BYTES = 64_000_000
#: Most inputs with a distribution.
MAX_INPUTS = 500
#: Most iterations of one simulation.
MAX_ITERATIONS = 10_000_000
#: Iterations per evaluation call, by default, and at most.
DEFAULT_CHUNK_SIZE = 10_000
#: At most what the compiled engine evaluates in one pass (hashlease.workbook.compiled.MAX_SCENARIOS_PER_PASS,
#: which refuses more): a larger chunk failed every iteration with a message not naming --chunk-size.
MAX_CHUNK_SIZE = 100_000
#: The output whose sign says which option wins (lease NPV less mining NPV): the probability the lease beats
#: mining is the share of iterations where it is > 0, and the tornado ranks inputs against it when it is there.
LEASE_VERSUS_MINING_OUTPUT = "npv_difference_usd"
#: Keys of a distributions file that are not inputs.
RESERVED_KEYS = ("correlations", "sampling")

_DEFINED_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]{0,254}$")
_CELL = re.compile(r"^(?:'(?:[^'\[\]*?:/\\]|''){1,31}'|[A-Za-z_][A-Za-z0-9_.]{0,30})!\$?[A-Za-z]{1,3}\$?[0-9]{1,7}$")
_UNIT_SUFFIXES = (("_usd_per_kw_month", "USD/kW-month"), ("_usd_per_ph_day", "USD/PH/day"),
                  ("_usd_per_kwh", "USD/kWh"), ("_usd_per_mwh", "USD/MWh"), ("_usd_per_btc", "USD/BTC"),
                  ("_per_month_frac", "fraction/month"), ("_per_year_frac", "fraction/year"), ("_frac", "fraction"),
                  ("_usd", "USD"), ("_btc", "BTC"), ("_sat", "sat"), ("_months", "months"), ("_month", "months"),
                  ("_days", "days"), ("_j_per_th", "J/TH"), ("_th_s", "TH/s"), ("_mw", "MW"), ("_kw", "kW"))


@dataclass(frozen=True)
class SimulationSpec:
    """What a simulation draws: input name -> distribution (in file order), rank correlations, sampling method.

    ``text`` is the file as given and ``sources`` says where an empirical input's observations came from (both
    for the report).
    """

    distributions: dict[str, Any]
    correlations: tuple[m.RankCorrelation, ...] = ()
    sampling: str = "latin_hypercube"
    text: str = ""
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulationReport:
    """What :func:`run_simulation` wrote: the summary table, the tornado's output and correlations, the files."""

    n: int
    seed: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    summary: Any  # pandas.DataFrame, one row per output
    tornado_output: str
    tornado: dict[str, float]
    files: tuple[Path, ...]


# --- the distributions file ------------------------------------------------------------------------------

def output_unit(name: str) -> str:
    """The unit of an input or output named with a unit suffix (``npv_difference_usd`` -> ``USD``), from the
    workbook contract where it declares the name; ``"unit of the cell"`` for a cell reference or another name.

    Examples
    --------
    >>> output_unit("npv_difference_usd"), output_unit("lease.rent_usd_per_kw_month"), output_unit("Inputs!B7")
    ('USD', 'USD/kW-month', 'unit of the cell')
    """
    from hashlease.workbook import contract

    declared = {output.name: output.unit for output in (*contract.OUTPUTS, *contract.PHASED_OUTPUTS,
                                                        *contract.DEMO_OUTPUTS)}
    if name in declared:
        return declared[name]
    if "!" not in name:
        for suffix, unit in _UNIT_SUFFIXES:
            if name.lower().endswith(suffix):
                return unit
    return "unit of the cell"


def _check_input_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not (_DEFINED_NAME.match(name) or _CELL.match(name)):
        raise HashleaseError(f"input name in {where}", name, "a defined name (market.btc_price_usd) or a cell "
                             "(Inputs!B7, 'My sheet'!C3)", kind=ErrorKind.VALUE)
    return name


def _renamed(exc: HashleaseError, prefix: str) -> HashleaseError:
    return HashleaseError(f"{prefix}.{exc.arg}", exc.value, exc.accepted, index=exc.index, detail=exc.detail,
                          kind=exc.kind)


def _read_column(path: Path, column: str, shown: str) -> tuple[float, ...]:
    """The numbers of ``column`` of a CSV file, refusing an empty, missing or non-numeric cell by its line."""
    try:
        size = path.stat().st_size
        if size > MAX_EMPIRICAL_BYTES:
            raise HashleaseError(shown, f"{size:,} bytes", f"a CSV file of at most {MAX_EMPIRICAL_BYTES:,} bytes")
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise HashleaseError(shown, str(path.name), "a readable UTF-8 CSV file",
                             detail=getattr(exc, "strerror", None) or str(exc), kind=ErrorKind.VALUE) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        if column not in header:
            raise HashleaseError(f"column of {shown}", column, "a column of its header: " + ", ".join(
                repr(h) for h in header[:20]) + (", ..." if len(header) > 20 else ""), kind=ErrorKind.VALUE)
        position = header.index(column)
        values = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            cell = row[position].strip() if position < len(row) else ""
            try:
                number = float(cell)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise HashleaseError(f"{shown} line {line}, column {column}", cell, "a finite number (every cell of "
                                     "the column; remove the row to leave it out)", kind=ErrorKind.VALUE)
            values.append(number)
    except csv.Error as exc:
        raise HashleaseError(f"{shown} line {reader.line_num}", "unreadable CSV", "well-formed CSV",
                             detail=str(exc), kind=ErrorKind.VALUE) from None
    if not values:
        raise HashleaseError(shown, f"column {column} with no rows", "at least one observation", kind=ErrorKind.VALUE)
    return tuple(values)


def _empirical_from_file(spec: dict[str, Any], name: str, base_dir: Path | None) -> tuple[dict[str, Any], str]:
    file, column = spec.pop("file"), spec.pop("column", None)
    if "observations" in spec:
        raise HashleaseError(f"{name}.file", file, "left out when observations are given", kind=ErrorKind.VALUE)
    if not isinstance(file, str) or not file.strip():
        raise HashleaseError(f"{name}.file", file, "a CSV file name, relative to the distributions file",
                             kind=ErrorKind.VALUE)
    if not isinstance(column, str) or not column.strip():
        raise HashleaseError(f"{name}.column", column, "the name of a column of the CSV file", kind=ErrorKind.VALUE)
    if base_dir is None:
        raise HashleaseError(f"{name}.file", file, "observations given in the file itself (no folder to read "
                             "from)", kind=ErrorKind.VALUE)
    root = base_dir.resolve()
    path = (root / file).resolve()
    if root not in path.parents:
        raise HashleaseError(f"{name}.file", file, "a CSV file in the distributions file's folder or below it",
                             kind=ErrorKind.VALUE)
    if not path.is_file():
        raise HashleaseError(f"{name}.file", file, "an existing CSV file (relative to the distributions file)",
                             kind=ErrorKind.VALUE)
    spec["observations"] = _read_column(path, column.strip(), f"{name}.file {file}")
    return spec, f"{file}, column {column.strip()}"


def spec_from_mapping(data: Any, *, base_dir: str | Path | None = None, text: str = "",
                      where: str = "distributions") -> SimulationSpec:
    """A :class:`SimulationSpec` from a parsed distributions file: {input: {distribution: ..., ...},
    correlations: [{between: [a, b], rank: r}], sampling: latin_hypercube | random}.

    Errors name the input and field (``market.btc_price_usd.sd must be >= 0, got -1.0``).
    """
    if not isinstance(data, Mapping) or not data:
        raise HashleaseError(where, type(data).__name__, "a mapping of input -> distribution (and optionally "
                             "correlations, sampling)", kind=ErrorKind.VALUE)
    distributions: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, raw in data.items():
        if name in RESERVED_KEYS:
            continue
        name = _check_input_name(name, where)
        if not isinstance(raw, Mapping):
            raise HashleaseError(name, raw, "a mapping such as {distribution: normal, mean: 1, sd: 0.1}",
                                 kind=ErrorKind.VALUE)
        spec = dict(raw)
        if spec.get("distribution") == "empirical" and "file" in spec:
            spec, sources[name] = _empirical_from_file(spec, name, Path(base_dir) if base_dir is not None else None)
        try:
            distributions[name] = m.parse_distribution(spec)
        except HashleaseError as exc:
            raise _renamed(exc, name) from None
    if not distributions:
        raise HashleaseError(where, "no inputs", "at least one input with a distribution", kind=ErrorKind.VALUE)
    if len(distributions) > MAX_INPUTS:
        raise HashleaseError(where, f"{len(distributions):,} inputs", f"at most {MAX_INPUTS:,}")
    raw_correlations = data.get("correlations") or []
    if not isinstance(raw_correlations, list):
        raise HashleaseError("correlations", type(raw_correlations).__name__, "a list of {between: [a, b], rank: r}",
                             kind=ErrorKind.VALUE)
    correlations = []
    for number, item in enumerate(raw_correlations):
        if not isinstance(item, Mapping):
            raise HashleaseError(f"correlations[{number}]", item, "a mapping {between: [a, b], rank: r}",
                                 kind=ErrorKind.VALUE)
        try:
            correlations.append(m.RankCorrelation(**dict(item)))
        except HashleaseError as exc:
            raise _renamed(exc, f"correlations[{number}]") from None
    if correlations:
        m.rank_correlation_matrix(list(distributions), correlations)  # refuses unknown names and bad matrices now
    sampling = data.get("sampling", "latin_hypercube")
    if sampling not in SAMPLING_METHODS:
        raise HashleaseError("sampling", sampling, "one of " + ", ".join(SAMPLING_METHODS),
                             kind=ErrorKind.VALUE)
    return SimulationSpec(distributions, tuple(correlations), sampling, text, sources)


def load_distributions(path: str | Path) -> SimulationSpec:
    """Read a distributions file (YAML; see ``docs/simulate.md``), bounded and safe, into a :class:`SimulationSpec`."""
    path = Path(path)
    try:
        if path.is_dir():
            raise HashleaseError("DISTRIBUTIONS", str(path), "a YAML file, not a directory", kind=ErrorKind.VALUE)
        size = path.stat().st_size
        if size > MAX_DISTRIBUTIONS_BYTES:
            raise HashleaseError("DISTRIBUTIONS", f"{path.name} of {size:,} bytes",
                                 f"<= {MAX_DISTRIBUTIONS_BYTES:,} bytes")
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise HashleaseError("DISTRIBUTIONS", str(path), "a readable UTF-8 YAML file",
                             detail=getattr(exc, "strerror", None) or str(exc), kind=ErrorKind.VALUE) from None
    data = load_yaml(text, path.name, arg="DISTRIBUTIONS")
    return spec_from_mapping(data, base_dir=path.parent, text=text, where=path.name)


# --- evaluation ------------------------------------------------------------------------------------------

def evaluate_chunk(evaluate: Callable[[dict[str, np.ndarray]], Any], inputs: dict[str, np.ndarray]
                   ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray | None]]:
    """Evaluate one chunk and return plain arrays: ({output: float64 values}, {output: error codes or None}).

    ``evaluate`` returns an object with ``values`` and ``errors`` mappings (the compiled engine's result), or a
    mapping of output -> values. Run in this process or on a Dask worker.
    """
    result = evaluate(inputs)
    length = len(next(iter(inputs.values())))
    raw_values = getattr(result, "values", None)
    if raw_values is None or not isinstance(raw_values, Mapping):
        raw_values, raw_errors = result, {}
    else:
        raw_errors = getattr(result, "errors", None) or {}
    if not isinstance(raw_values, Mapping) or not raw_values:
        raise HashleaseError("evaluate", type(result).__name__, "a result with values (output -> array)",
                             kind=ErrorKind.VALUE)
    values, errors = {}, {}
    for name, array in raw_values.items():
        array = np.asarray(array, dtype=np.float64).reshape(-1)
        if array.size != length:
            raise HashleaseError(f"evaluate output {name}", f"{array.size} values", f"one per iteration ({length})",
                                 kind=ErrorKind.VALUE)
        codes = raw_errors.get(name) if isinstance(raw_errors, Mapping) else None
        if codes is not None:
            codes = np.asarray(codes, dtype=object).reshape(-1)
            if codes.size != length:
                raise HashleaseError(f"evaluate errors of {name}", f"{codes.size} codes",
                                     f"one per iteration ({length})", kind=ErrorKind.VALUE)
            codes = np.where(codes == None, "", codes)  # noqa: E711 - element-wise
            if not (codes != "").any():
                codes = None
        values[str(name)], errors[str(name)] = array, codes
    return values, errors


class _Collected:
    """Every output's values, and its error codes as small integers (0: no error) with their texts."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.values: dict[str, np.ndarray] = {}
        self.codes: dict[str, np.ndarray] = {}
        self.texts: dict[str, list[str]] = {}

    def add(self, start: int, stop: int, values: dict[str, np.ndarray], errors: dict[str, np.ndarray | None]) -> None:
        for name, array in values.items():
            if name not in self.values:
                self.values[name] = np.full(self.n, np.nan)
            self.values[name][start:stop] = array
            chunk = errors.get(name)
            if chunk is None:
                continue
            codes = self.codes.setdefault(name, np.zeros(self.n, dtype=np.int32))
            texts = self.texts.setdefault(name, [""])
            for text in sorted({str(t) for t in chunk if t != ""}):
                if text not in texts:
                    texts.append(text)
                codes[start:stop][chunk == text] = texts.index(text)


def _run_local(evaluate, chunks, inputs_of, collected: _Collected, progress) -> None:
    done = 0
    for start, stop in chunks:
        collected.add(start, stop, *evaluate_chunk(evaluate, inputs_of(start, stop)))
        done += stop - start
        if progress:
            progress(done, collected.n)


def _run_on_dask(evaluate, chunks, inputs_of, collected: _Collected, progress, scheduler: str,
                 connect_timeout_s: float) -> None:
    from distributed import as_completed

    with connect(scheduler, connect_timeout_s) as client:
        remote = client.scatter(evaluate, broadcast=True, hash=False)
        window = max(4, 2 * len(client.scheduler_info().get("workers", {})))
        pending = list(chunks)
        where = {}
        running = as_completed()
        done = 0

        def submit() -> None:
            start, stop = pending.pop(0)
            future = client.submit(evaluate_chunk, remote, inputs_of(start, stop), pure=False, retries=2)
            where[future] = (start, stop)
            running.add(future)

        try:
            for _ in range(min(window, len(pending))):
                submit()
            for future in running:
                start, stop = where.pop(future)
                collected.add(start, stop, *future.result())
                done += stop - start
                if progress:
                    progress(done, collected.n)
                if pending:
                    submit()
        except KeyboardInterrupt:
            client.cancel(list(where))
            raise


def _evaluator(engine_or_evaluate: Any) -> tuple[Callable, tuple[str, ...] | None]:
    evaluate = getattr(engine_or_evaluate, "evaluate", None)
    if callable(evaluate):
        outputs = getattr(engine_or_evaluate, "outputs", None)
        return evaluate, tuple(outputs) if outputs else None
    if callable(engine_or_evaluate):
        return engine_or_evaluate, None
    raise HashleaseError("engine", type(engine_or_evaluate).__name__, "a compiled workbook engine (with "
                         "evaluate) or an evaluate function", kind=ErrorKind.VALUE)


# --- the simulation --------------------------------------------------------------------------------------

def run_simulation(engine_or_evaluate: Any, spec: SimulationSpec, n: int, seed: int, outdir: str | Path, *,
                   chunk_size: int = DEFAULT_CHUNK_SIZE, scheduler: str | None = None,
                   progress: Callable[[int, int], None] | None = None, connect_timeout_s: float = 10.0,
                   title: str = "hashlease simulation") -> SimulationReport:
    """Draw ``n`` iterations of ``spec``'s inputs from ``seed``, evaluate them in chunks, write OUTDIR's files.

    Parameters
    ----------
    engine_or_evaluate
        The compiled workbook engine (``engine.evaluate(inputs)``, ``engine.outputs``) or an ``evaluate`` function
        taking {input: array} and returning an object with ``values`` and ``errors`` ({output: array}), or a
        mapping {output: array}. On Dask it is sent to the workers once, so it must pickle.
    spec : SimulationSpec
        From :func:`load_distributions` or :func:`spec_from_mapping`.
    n : int
        Iterations, in [1, 10,000,000] (and at most 200,000,000 / inputs). [count]
    seed : int
        Seed, >= 0: the same seed, ``n`` and spec give the same numbers, whatever ``chunk_size`` or ``scheduler``.
    outdir : path
        Folder for iterations.parquet, summary.csv, summary.parquet, histogram_<output>.png, tornado.png and
        report.html (each written atomically).
    chunk_size : int
        Iterations per evaluate call, in [1, 100,000]. [count]
    scheduler : str, optional
        ``tcp://host:port`` of a Dask scheduler: chunks are evaluated on its workers.
    progress : callable, optional
        Called with (iterations done, n) after each chunk.
    connect_timeout_s : float
        Give up connecting to ``scheduler`` after this long. [s]
    title : str
        Heading of the report (the workbook's name).

    Returns
    -------
    SimulationReport
    """
    n = int(check_integer("n", n, ge=1))
    if n > MAX_ITERATIONS:
        raise HashleaseError("n", n, f"<= {MAX_ITERATIONS:,}")
    seed = int(check_integer("seed", seed, ge=0))
    chunk_size = int(check_integer("chunk_size", chunk_size, ge=1))
    if chunk_size > MAX_CHUNK_SIZE:
        raise HashleaseError("chunk_size", chunk_size, f"<= {MAX_CHUNK_SIZE:,}")
    if scheduler:
        scheduler = check_scheduler(scheduler)
        check_range("connect_timeout_s", connect_timeout_s, gt=0, le=600)
    evaluate, declared = _evaluator(engine_or_evaluate)
    outdir = Path(outdir)
    draws = m.draw_inputs(spec.distributions, n, seed, correlations=spec.correlations, method=spec.sampling)
    inputs = tuple(draws)

    def inputs_of(start: int, stop: int) -> dict[str, np.ndarray]:
        chunk = {}
        for name in inputs:
            view = draws[name][start:stop]
            view.flags.writeable = False  # an engine must not change the draws
            chunk[name] = view
        return chunk

    chunks = [(start, min(start + chunk_size, n)) for start in range(0, n, chunk_size)]
    collected = _Collected(n)
    if scheduler:
        _run_on_dask(evaluate, chunks, inputs_of, collected, progress, scheduler, connect_timeout_s)
    else:
        _run_local(evaluate, chunks, inputs_of, collected, progress)
    outputs = declared if declared else tuple(collected.values)
    missing = [name for name in outputs if name not in collected.values]
    if missing:
        raise HashleaseError("evaluate", ", ".join(missing), "a value for every declared output", kind=ErrorKind.VALUE)
    outdir.mkdir(parents=True, exist_ok=True)
    return _write_outputs(outdir, spec, n, seed, draws, outputs, collected, title)


def _error_texts(collected: _Collected, name: str) -> np.ndarray | None:
    if name not in collected.codes:
        return None
    return np.asarray(collected.texts[name], dtype=object)[collected.codes[name]]


def _summary(outputs: Sequence[str], n: int, collected: _Collected):
    import pandas as pd

    rows = []
    for name in outputs:
        values = collected.values[name]
        stats = m.summary_statistics(values)
        errors = int((collected.codes[name] != 0).sum()) if name in collected.codes else 0
        beats = math.nan
        if name == LEASE_VERSUS_MINING_OUTPUT and stats["count"]:
            finite = values[~np.isnan(values)]
            beats = float((finite > 0).mean())
        rows.append({"output": name, "unit": output_unit(name), "iterations": n, "errors": errors,
                     "values": stats["count"], "mean": stats["mean"],
                     "standard_deviation": stats["standard_deviation"],
                     **{f"p{p}": stats[f"p{p}"] for p in SUMMARY_PERCENTILES},
                     "probability_lease_beats_mining_frac": beats})
    return pd.DataFrame(rows)


def _safe_file_part(name: str, used: set[str]) -> str:
    part = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:100] or "output"
    candidate, number = part, 2
    while candidate.lower() in used:
        candidate, number = f"{part}_{number}", number + 1
    used.add(candidate.lower())
    return candidate


def _png(figure) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def _histogram_png(name: str, values: np.ndarray, stats: dict[str, float]) -> bytes:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.6))
    finite = values[~np.isnan(values)]
    unit = output_unit(name)
    if finite.size:
        bins = int(min(100, max(10, math.sqrt(finite.size))))
        axes.hist(finite, bins=bins, color="#4C78A8", edgecolor="white", linewidth=0.3)
        for label, value, style in (("P5", stats["p5"], ":"), ("P50", stats["p50"], "-"), ("P95", stats["p95"], ":"),
                                    ("mean", stats["mean"], "--")):
            axes.axvline(value, color="#E45756" if label == "mean" else "#333333", linestyle=style, linewidth=1,
                         label=f"{label} {value:,.4g}")
        axes.legend(fontsize=8, frameon=False)
    else:
        axes.text(0.5, 0.5, "no numeric values (every iteration is an error)", ha="center", va="center",
                  transform=axes.transAxes)
    axes.set_xlabel(f"{name} [{unit}]")
    axes.set_ylabel("iterations [count]")
    axes.set_title(f"{name}: {finite.size:,} iterations with a value", fontsize=10)
    if finite.size and np.ptp(finite) > 0:
        axes.ticklabel_format(axis="x", style="plain", useOffset=False)
    return _png(figure)


def _tornado_png(target: str, correlations: dict[str, float]) -> bytes:
    import matplotlib.pyplot as plt

    shown = sorted(((name, rho) for name, rho in correlations.items() if not math.isnan(rho)),
                   key=lambda item: abs(item[1]))[-30:]
    figure, axes = plt.subplots(figsize=(7, 0.9 + 0.32 * max(len(shown), 1)))
    if shown:
        names, rhos = zip(*shown)
        axes.barh(range(len(shown)), rhos, color=["#4C78A8" if r >= 0 else "#E45756" for r in rhos])
        axes.set_yticks(range(len(shown)), names, fontsize=8)
        axes.set_xlim(-1, 1)
        axes.axvline(0, color="#333333", linewidth=0.8)
    else:
        axes.text(0.5, 0.5, "no input varies", ha="center", va="center", transform=axes.transAxes)
        axes.set_yticks([])
    axes.set_xlabel(f"Spearman rank correlation with {target} [-1 to 1]")
    axes.set_title(f"What drives {target}", fontsize=10)
    return _png(figure)


def _write_bytes(path: Path, data: bytes) -> None:
    from hashlease.atomic import atomic_path

    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def _write_outputs(outdir: Path, spec: SimulationSpec, n: int, seed: int, draws: dict[str, np.ndarray],
                   outputs: Sequence[str], collected: _Collected, title: str) -> SimulationReport:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hashlease.atomic import atomic_path

    files: list[Path] = []
    # iterations.parquet: every input and output of every iteration, error codes beside an output that has any
    columns: dict[str, Any] = {"iteration": pa.array(np.arange(1, n + 1, dtype=np.int64))}
    for name, values in draws.items():
        columns[name] = pa.array(values)
    for name in outputs:
        column = name if name not in columns else f"{name} (output)"
        columns[column] = pa.array(collected.values[name])
        texts = _error_texts(collected, name)
        if texts is not None:
            columns[f"{column} error"] = pa.array(texts.tolist(), type=pa.string())
    metadata = {"hashlease.seed": str(seed), "hashlease.iterations": str(n), "hashlease.sampling": spec.sampling,
                "hashlease.distributions": spec.text}
    table = pa.table(columns).replace_schema_metadata(metadata)
    target = outdir / "iterations.parquet"
    with atomic_path(target) as temporary:
        pq.write_table(table, temporary, row_group_size=1_000_000)
    files.append(target)
    del table, columns
    # summary
    summary = _summary(outputs, n, collected)
    for suffix in (".csv", ".parquet"):
        target = outdir / f"summary{suffix}"
        with atomic_path(target) as temporary:
            summary.to_csv(temporary, index=False) if suffix == ".csv" else summary.to_parquet(temporary, index=False)
        files.append(target)
    # pictures
    tornado_output = LEASE_VERSUS_MINING_OUTPUT if LEASE_VERSUS_MINING_OUTPUT in outputs else outputs[0]
    matrix = np.column_stack([draws[name] for name in draws])
    rhos = m.rank_correlation(matrix, collected.values[tornado_output])
    del matrix
    tornado = {name: float(rho) for name, rho in zip(draws, rhos)}
    pictures: dict[str, tuple[str, bytes]] = {}
    used: set[str] = set()
    for row, name in zip(summary.to_dict("records"), outputs):
        stats = {key: row[key] for key in ("mean", "p5", "p50", "p95")}
        file = f"histogram_{_safe_file_part(name, used)}.png"
        pictures[name] = (file, _histogram_png(name, collected.values[name], stats))
    pictures["\0tornado"] = ("tornado.png", _tornado_png(tornado_output, tornado))
    for file, data in pictures.values():
        _write_bytes(outdir / file, data)
        files.append(outdir / file)
    target = outdir / "report.html"
    _write_bytes(target, _report_html(title, spec, n, seed, outputs, summary, tornado_output, tornado,
                                      pictures).encode("utf-8"))
    files.append(target)
    return SimulationReport(n, seed, tuple(draws), tuple(outputs), summary, tornado_output, tornado, tuple(files))


# --- the report ------------------------------------------------------------------------------------------

_STATISTICS = (("iterations", "Iterations [count]"), ("errors", "Errors [count]"), ("values", "With a value [count]"),
               ("mean", "Mean"), ("standard_deviation", "Standard deviation"), ("p5", "P5"), ("p10", "P10"),
               ("p50", "P50 (median)"), ("p90", "P90"), ("p95", "P95"),
               ("probability_lease_beats_mining_frac", "Probability the lease beats mining [fraction]"))

_STYLE = """body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222;
max-width:1100px}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;
font-size:13px}td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3;text-align:left}
pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:12px}img{max-width:100%}h2{margin-top:1.6em}
.note{color:#555;font-size:13px}"""


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    value = float(value)
    return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.6g}"


def _parameters(distribution: Any, source: str | None) -> str:
    fields = distribution.model_dump(exclude={"distribution"})
    if "observations" in fields:
        observations = fields.pop("observations")
        fields = {"observations": f"{len(observations):,}" + (f" from {source}" if source else "")}
    return ", ".join(f"{key} {value if isinstance(value, str) else _number(value) if not isinstance(value, (list, tuple)) else list(value)}"
                     for key, value in fields.items() if value is not None)


def _report_html(title: str, spec: SimulationSpec, n: int, seed: int, outputs: Sequence[str], summary,
                 tornado_output: str, tornado: dict[str, float], pictures: dict[str, tuple[str, bytes]]) -> str:
    e = html.escape
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
             f"<style>{_STYLE}</style></head><body>", f"<h1>{e(title)}</h1>",
             f"<p>{n:,} iterations, seed {seed}, {e(spec.sampling.replace('_', ' '))} sampling"
             f"{', Iman–Conover rank correlation' if spec.correlations else ''}. The same seed, iterations and "
             "distributions give the same numbers, whatever the chunk size or cluster.</p>"]
    # summary: one column per output, its unit in the header
    records = {row["output"]: row for row in summary.to_dict("records")}
    parts.append("<h2>Summary</h2><table><tr><th>Statistic</th>" + "".join(
        f"<th>{e(name)} [{e(output_unit(name))}]</th>" for name in outputs) + "</tr>")
    for key, label in _STATISTICS:
        if key == "probability_lease_beats_mining_frac" and LEASE_VERSUS_MINING_OUTPUT not in outputs:
            continue
        parts.append(f"<tr><th>{e(label)}</th>" + "".join(
            f"<td class='n'>{_number(records[name][key])}</td>" for name in outputs) + "</tr>")
    parts.append("</table><p class='note'>Statistics over the iterations with a value (errors left out); standard "
                 "deviation with an n - 1 denominator; percentiles by linear interpolation (Excel's PERCENTILE.INC). "
                 f"The lease beats mining where {e(LEASE_VERSUS_MINING_OUTPUT)} &gt; 0.</p>")
    for name in outputs:
        file, data = pictures[name]
        parts.append(f"<h2>{e(name)} [{e(output_unit(name))}]</h2><img alt='{e(file)}' "
                     f"src='data:image/png;base64,{base64.b64encode(data).decode('ascii')}'>")
    file, data = pictures["\0tornado"]
    reason = "" if tornado_output == LEASE_VERSUS_MINING_OUTPUT else \
        f" ({e(LEASE_VERSUS_MINING_OUTPUT)} is not among the outputs: the first output is used)"
    parts.append(f"<h2>Tornado: rank correlation with {e(tornado_output)}</h2><p class='note'>Each input's Spearman "
                 f"rank correlation with {e(tornado_output)}{reason}, over the iterations where it has a value.</p>"
                 f"<img alt='tornado.png' src='data:image/png;base64,{base64.b64encode(data).decode('ascii')}'>")
    parts.append("<table><tr><th>Input</th><th>Rank correlation [-1 to 1]</th></tr>" + "".join(
        f"<tr><td>{e(name)}</td><td class='n'>{'constant' if math.isnan(rho) else f'{rho:+.4f}'}</td></tr>"
        for name, rho in sorted(tornado.items(), key=lambda item: -abs(item[1]) if not math.isnan(item[1]) else 1))
        + "</table>")
    parts.append("<h2>Inputs</h2><table><tr><th>Input [unit]</th><th>Distribution</th><th>Parameters "
                 "(in the input's unit)</th></tr>")
    for name, distribution in spec.distributions.items():
        parts.append(f"<tr><td>{e(name)} [{e(output_unit(name))}]</td><td>{e(distribution.distribution)}</td>"
                     f"<td>{e(_parameters(distribution, spec.sources.get(name)))}</td></tr>")
    parts.append("</table>")
    if spec.correlations:
        parts.append("<table><tr><th>Between</th><th>Target rank correlation [-1 to 1]</th></tr>" + "".join(
            f"<tr><td>{e(c.between[0])} ~ {e(c.between[1])}</td><td class='n'>{c.rank:+.4f}</td></tr>"
            for c in spec.correlations) + "</table>")
    if spec.text:
        parts.append(f"<h2>Distributions file</h2><pre>{e(spec.text)}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
