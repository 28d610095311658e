"""Scenario batches: many named input overrides of a template, valued by the models or by the workbook itself.

Three engines:

- ``compiled`` (the default): compiles the workbook once (:mod:`hashlease.workbook.compiled`) and evaluates a chunk
  of scenarios in one vectorised pass, for any workbook whose formulas it vectorises; scenario inputs are any
  defined name or ``Sheet!A1`` cell, outputs any defined name or cell (``outputs``; default the workbook's
  declared outputs). Every batch then recomputes a few scenarios (:data:`REFERENCE_CHECKS`) with the
  per-scenario engine and fails on any difference. A workbook it cannot vectorise runs on the per-scenario
  engine, with a warning naming the cell and function.
- ``model``: reads the template's assumption blocks once, applies each scenario's overrides and values every
  scenario's summary outputs straight from the models, vectorised over the scenarios of a chunk (market
  projection, mining and lease cash flows, XNPV, and the break-evens solved for all scenarios at once).
- ``reference`` (also called ``workbook``): writes each scenario's overrides into a copy of the workbook and
  recalculates it as ``hashlease recalc`` does, one scenario at a time; optionally keeps each workbook.

Chunks run on a local process pool, or on a Dask cluster (``scheduler="tcp://host:port"``). Results are appended
to ``OUTDIR/results.jsonl`` as chunks finish, so an interrupted batch keeps what is done and ``resume`` skips it;
a failing scenario fails alone, with its error. The summary is written as CSV and Parquet.

Scenario files are untrusted input and bounded: at most :data:`MAX_SCENARIO_BYTES` (CSV) or
:data:`MAX_YAML_BYTES` (YAML), :data:`MAX_SCENARIOS` scenarios, CSV fields of at most 131,072 characters, and
YAML whose aliases would expand to at most :data:`MAX_YAML_NODES` nodes (alias bombs are refused before they
are built). Local workers die with the batch, even when it is killed (``SIGKILL``): see :func:`_worker_start`.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from hashlease import models as m
from hashlease.models import HashleaseError
from hashlease.workbook import contract

__all__ = ["Scenario", "OUTPUTS", "load_scenarios", "load_yaml", "base_inputs", "model_chunk", "workbook_chunk",
           "compiled_chunk", "reference_check", "connect", "run_batch", "ENGINES", "REFERENCE_CHECKS", "REFERENCE_TOLERANCE",
           "check_scheduler", "MAX_SCENARIO_BYTES", "MAX_YAML_BYTES", "MAX_SCENARIOS", "MAX_YAML_NODES"]

#: Largest CSV scenario file read (about a million one-override rows). [bytes]
MAX_SCENARIO_BYTES = 64_000_000
#: Largest YAML scenario file read (YAML parses about 100x slower than CSV). [bytes]
MAX_YAML_BYTES = 4_000_000
#: Most scenarios in one file.
MAX_SCENARIOS = 1_000_000
#: Most YAML nodes once every alias is expanded (a scenario has tens of nodes).
MAX_YAML_NODES = 2_000_000
#: Most nesting in a YAML file (scenario values are flat: name -> input -> value).
MAX_YAML_DEPTH = 50
_SCHEDULER = re.compile(r"^tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::([0-9]{1,5}))$")

#: Summary outputs, in order: name (with unit) -> its declaration in the workbook contract (each is a defined
#: name of the template, read by name; see :mod:`hashlease.workbook.contract`).
OUTPUTS = {output.name: output for output in contract.OUTPUTS}
#: With ``phased``: the phased plan's NPV (the Phasing sheet); phases are overridden as "phase<n>.<field>".
PHASED_OUTPUT = {output.name: output for output in contract.PHASED_OUTPUTS}
_PHASE = re.compile(r"^phase([1-9][0-9]*)\.(site_mw|critical_it_mw|cutover_month)$")
#: Input blocks: prefix of the input names ("market.btc_price_usd") -> the named two-column block.
BLOCKS = {block: name for block, (_, name) in contract.BLOCKS.items()}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: Engines a batch runs on ("workbook" is the reference engine's former name).
ENGINES = ("compiled", "reference", "workbook", "model")
#: Scenarios of every compiled batch recomputed by the reference engine, and the difference allowed: relative,
#: with an absolute floor for figures that are zero up to rounding (a loan's last balance, 1e-10 against 1e-8).
REFERENCE_CHECKS = 3
REFERENCE_TOLERANCE = 1e-9
REFERENCE_FLOOR = 1e-6


@dataclass(frozen=True)
class Scenario:
    """A named set of overrides: dotted input name ("market.btc_price_usd") -> value.

    ``error`` is set when the scenario's own lines in the file could not be read (a value that is not a finite
    number or a real date, an input named twice): the scenario fails alone, with that message.
    """

    name: str
    overrides: tuple[tuple[str, Any], ...]
    error: str | None = None


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _value(text: Any, where: str = "") -> Any:
    """A scenario value: numbers (finite only), ISO dates, TRUE/FALSE, or text."""
    import datetime as dt

    if isinstance(text, float) and not math.isfinite(text):
        raise HashleaseError(f"value {where}".strip(), text, "a finite number")
    if not isinstance(text, str):
        return text
    text = text.strip()
    if text == "":
        return None
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise HashleaseError(f"value {where}".strip(), text, "a date YYYY-MM-DD") from None
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        raise HashleaseError(f"value {where}".strip(), text, "a finite number")
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _check_name(name: Any, where: str, seen: dict[str, str] | None = None, *, merge: bool = True) -> str:
    name = str(name).strip() if name is not None else ""
    if not _NAME.match(name) or name in (".", ".."):
        raise HashleaseError(f"scenario name in {where}", name, "letters, digits, '.', '_' or '-' (at most 100, "
                             "not starting with '.'): names become file names inside OUTDIR")
    if seen is not None:
        other = seen.get(name.lower())
        if other is not None and (other != name or not merge):
            raise HashleaseError(f"scenario name in {where}", name, f"a name used once (it repeats {other!r}; "
                                 "names differing only in case would share a file on Windows and macOS)")
        seen[name.lower()] = name
    return name


def connect(scheduler: str, connect_timeout_s: float):
    """A Dask client of the cluster at ``scheduler``; one not reached within ``connect_timeout_s`` is a
    :class:`HashleaseError` naming the address (batch and simulate connect here)."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=f"{connect_timeout_s}s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise HashleaseError("--scheduler", scheduler, "a Dask scheduler reachable within "
                             f"{connect_timeout_s:g} s (--connect-timeout-s), as tcp://host:port",
                             detail=f"{type(exc).__name__}: {str(exc)[:200]}") from None


def check_scheduler(address: str) -> str:
    """Refuse a Dask scheduler address other than ``tcp://host:port`` (port 1 to 65535), naming it.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    match = _SCHEDULER.match(address.strip()) if isinstance(address, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 65_535:
        raise HashleaseError("--scheduler", address, "a Dask scheduler address tcp://host:port (port 1 to 65535), "
                             "such as tcp://10.0.0.5:8786", kind=m.ErrorKind.VALUE)
    return address.strip()


def _yaml_loader(arg: str = "scenarios"):
    """A safe YAML loader that refuses, before building anything, documents nested deeper than
    :data:`MAX_YAML_DEPTH` or whose aliases would expand beyond :data:`MAX_YAML_NODES` nodes (alias bombs)."""
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):
            self.depth += 1
            try:
                if self.depth > MAX_YAML_DEPTH:
                    raise HashleaseError(arg, f"YAML nested deeper than {MAX_YAML_DEPTH} levels",
                                         "a flat file (name -> fields)")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return Loader


def _expanded_nodes(root) -> int:
    """Nodes of a composed YAML document once aliases are expanded (shared nodes counted each time they are
    used), without expanding anything; a recursive alias counts as too many."""
    import yaml

    sizes: dict[int, int] = {}
    pending = [(root, False)]
    active: set[int] = set()
    while pending:
        node, done = pending.pop()
        key = id(node)
        children = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if done:
            active.discard(key)
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), MAX_YAML_NODES + 1)
            continue
        if key in sizes:
            continue
        if key in active:
            return MAX_YAML_NODES + 1  # an alias inside its own anchor
        active.add(key)
        pending.append((node, True))
        pending.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def load_yaml(text: str, name: str, *, arg: str = "scenarios") -> Any:
    """The document of a YAML file's ``text`` (file ``name``), read safely: plain data only (no tags), at most
    :data:`MAX_YAML_DEPTH` levels deep and :data:`MAX_YAML_NODES` nodes once aliases are expanded (alias bombs
    are refused before they are built). Errors are HashleaseErrors naming ``arg``."""
    import yaml

    loader = None
    try:
        loader = _yaml_loader(arg)(text)  # the reader already refuses some characters here
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_nodes(node) > MAX_YAML_NODES:
            raise HashleaseError(arg, f"{name}: YAML aliases expanding to more than {MAX_YAML_NODES:,} "
                                 "nodes", "a file without alias bombs (write the values out)")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise HashleaseError(arg, name, "valid YAML", detail=str(exc).splitlines()[0]) from None
    except RecursionError:
        raise HashleaseError(arg, name, f"YAML nested at most {MAX_YAML_DEPTH} levels") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Scenarios from a CSV (long: scenario,input,value; or wide: scenario,<input>,...) or YAML file.

    YAML is a mapping {scenario: {input: value}} or a list of {name: ..., overrides: {...}}. In the long CSV a
    scenario spans several rows; everywhere else a name appears once. Files are bounded (see the module
    docstring): what is beyond is refused with a message, before it is parsed.
    """
    path = Path(path)
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    limit = MAX_YAML_BYTES if is_yaml else MAX_SCENARIO_BYTES
    try:
        if path.is_dir():
            raise HashleaseError("scenarios", str(path), "a CSV or YAML file, not a directory", kind=m.ErrorKind.VALUE)
        size = path.stat().st_size
        if size > limit:
            raise HashleaseError("scenarios", f"{path.name} of {size:,} bytes", f"<= {limit:,} bytes for a "
                                 f"{'YAML' if is_yaml else 'CSV'} file (split it, or use CSV)")
        text = path.read_text("utf-8-sig")  # Excel writes a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        raise HashleaseError("scenarios", str(path), "a readable UTF-8 CSV or YAML file", detail=str(exc)) from None
    order: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    seen: dict[str, str] = {}

    def put(name: str, key: Any, raw: Any, where: str) -> None:
        """One override of scenario ``name``; what cannot be read fails that scenario alone."""
        scenario = order.setdefault(name, {})
        try:
            if not isinstance(key, str) or not key.strip():
                raise HashleaseError(f"input {where}".strip(), key, "an input name as text, such as "
                                     "market.btc_price_usd", kind=m.ErrorKind.VALUE)
            key = key.strip()
            if key in scenario:
                raise HashleaseError(f"input {where}".strip(), key, "named once per scenario (it is given twice)",
                                     kind=m.ErrorKind.VALUE)
            value = _value(raw, where)
        except HashleaseError as exc:
            failed.setdefault(name, str(exc))
            return
        if value is not None or raw is None:  # an empty cell keeps the template's value; YAML null clears it
            scenario[key] = value

    if is_yaml:
        data = load_yaml(text, path.name)
        if isinstance(data, (dict, list)) and len(data) > MAX_SCENARIOS:
            raise HashleaseError("scenarios", f"{len(data):,} in {path.name}", f"at most {MAX_SCENARIOS:,}")
        if isinstance(data, dict):
            items = list(data.items())
        elif isinstance(data, list):
            items = []
            for number, item in enumerate(data, start=1):
                if not isinstance(item, dict) or "name" not in item:
                    raise HashleaseError(f"scenario {number} in {path.name}", type(item).__name__, "a mapping "
                                         "with a name and overrides")
                items.append((item["name"], item.get("overrides") or {}))
        else:
            raise HashleaseError("scenarios", path.name, "a mapping of scenario -> overrides, or a list")
        for name, overrides in items:
            if not isinstance(overrides, dict):
                raise HashleaseError(f"scenario {str(name)[:100]}", type(overrides).__name__,
                                     "a mapping of input -> value")
            name = _check_name(name, path.name, seen, merge=False)
            order[name] = {}
            for key, value in overrides.items():
                put(name, key, value, f"{name}.{key}")
    elif path.suffix.lower() == ".csv":
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            rows = list(reader)
        except csv.Error as exc:  # a field over 131,072 characters, a NUL byte...
            raise HashleaseError(f"{path.name} line {reader.line_num}", "unreadable CSV", "well-formed CSV with "
                                 f"fields of at most {csv.field_size_limit():,} characters", detail=str(exc)) from None
        if not rows:
            raise HashleaseError("scenarios", path.name, "a header row and at least one scenario")
        header = [h.strip() for h in rows[0]]
        if header[:3] == ["scenario", "input", "value"]:
            for line, row in enumerate(rows[1:], start=2):
                if not any(c.strip() for c in row):
                    continue
                name = _check_name(row[0], f"{path.name} line {line}", seen)
                order.setdefault(name, {})
                if len(row) > 1 and row[1].strip():
                    put(name, row[1], row[2] if len(row) > 2 else "", f"on line {line}")
        elif header and header[0] == "scenario":
            repeated = sorted({h for h in header[1:] if header[1:].count(h) > 1})
            if repeated:
                raise HashleaseError(f"{path.name} header", ", ".join(repeated), "each input in one column only",
                                     kind=m.ErrorKind.VALUE)
            for line, row in enumerate(rows[1:], start=2):
                if not any(c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise HashleaseError(f"{path.name} line {line}", f"{len(row)} fields",
                                         f"{len(header)} fields, one per column of the header (quote values "
                                         "that contain commas)")
                name = _check_name(row[0], f"{path.name} line {line}", seen, merge=False)
                order[name] = {}
                for key, value in zip(header[1:], row[1:]):
                    put(name, key, value, f"on line {line}")
        else:
            raise HashleaseError("scenarios", ",".join(header[:3]), "a header 'scenario,input,value' or "
                                 "'scenario,<input>,...'")
    else:
        raise HashleaseError("scenarios", path.name, "a .csv, .yaml or .yml file")
    if not order:
        raise HashleaseError("scenarios", path.name, "at least one scenario")
    if len(order) > MAX_SCENARIOS:
        raise HashleaseError("scenarios", f"{len(order):,} in {path.name}", f"at most {MAX_SCENARIOS:,}")
    return [Scenario(name, tuple(overrides.items()), failed.get(name)) for name, overrides in order.items()]


def base_inputs(template: str | Path) -> m.SiteComparisonInputs:
    """The comparison the template's assumption blocks describe (after recalculating their formulas)."""
    from hashlease.models.assumption_blocks import assumptions_from_rows
    from hashlease.workbook.engine import recalculate
    from hashlease.workbook.writer import split_cell

    import openpyxl

    result = recalculate(template)
    book = openpyxl.load_workbook(template)
    names = {name: d.attr_text for name, d in book.defined_names.items() if d.attr_text}
    where = f"workbook {Path(template).name}"

    def block(name: str) -> list[list[Any]]:
        if name not in names:
            raise HashleaseError(where, f"no named block {name}", "the template's named assumption blocks "
                                 "(model engine)")
        sheet, ref = contract.resolve(names, name)
        first, last = ref.split(":")
        (top, left), (bottom, right) = split_cell(first), split_cell(last)
        ws = book[sheet]
        rows = []
        for r in range(top, bottom + 1):
            row = []
            for c in range(left, right + 1):
                ref_ = f"{openpyxl.utils.get_column_letter(c)}{r}"
                value = ws[ref_].value
                if isinstance(value, str) and value.startswith("="):
                    value = result.values[sheet].get(ref_)
                row.append(value)
            rows.append(row)
        return rows

    blocks = {}
    for prefix, (schema, name) in contract.BLOCKS.items():
        try:
            blocks[prefix] = assumptions_from_rows(schema, block(name), name)
        except HashleaseError as exc:
            raise HashleaseError(where, "its assumption blocks", "valid", detail=str(exc)) from None
    if contract.DISCOUNT_RATE not in names:
        raise HashleaseError(where, f"no named cell {contract.DISCOUNT_RATE}",
                             "the template's named discount rate (model engine)")
    sheet, ref = contract.resolve(names, contract.DISCOUNT_RATE)
    rate = book[sheet][ref].value
    return m.SiteComparisonInputs(**blocks, discount_rate_per_year_frac=rate)


def scenario_inputs(base: m.SiteComparisonInputs, scenario: Scenario) -> m.SiteComparisonInputs:
    """``base`` with all of the scenario's overrides applied, then validated once (so related inputs, such as a
    start date in two blocks, can move together); only what changed is validated again."""
    if scenario.error:
        raise HashleaseError("scenario", scenario.name, "lines that can be read", detail=scenario.error)
    return m.with_inputs(base, [(path, value) for path, value in scenario.overrides
                                if not (isinstance(path, str) and _PHASE.match(path))])


def base_phases(template: str | Path) -> dict[str, Any]:
    """The template's conversion phases (the named range ``conversion_phases``) and displaced-fleet choice."""
    import openpyxl

    book = openpyxl.load_workbook(template, data_only=True)
    names = {name: d.attr_text for name, d in book.defined_names.items() if d.attr_text}
    for name in ("conversion_phases", "displaced_fleet"):
        if name not in names:
            raise HashleaseError(f"workbook {Path(template).name}", f"no named range {name}",
                                 "the template's Phasing sheet (for --phased)")
    sheet, ref = contract.resolve(names, "conversion_phases")
    rows = [[c.value for c in row] for row in book[sheet][ref]]
    sheet, ref = contract.resolve(names, "displaced_fleet")
    displaced = book[sheet][ref].value
    phases = [dict(zip(contract.PHASE_FIELDS, row)) for row in rows if row[0] is not None]
    return {"phases": phases, "displaced_fleet": displaced}


def _phased_npv(inputs: m.SiteComparisonInputs, phased: dict[str, Any], scenario: Scenario) -> float:
    phases = [dict(p) for p in phased["phases"]]
    for path, value in scenario.overrides:
        match = _PHASE.match(path)
        if match:
            index = int(match.group(1)) - 1
            if index >= len(phases):
                raise HashleaseError("input", path, f"a phase the template has (1 to {len(phases)})")
            phases[index][match.group(2)] = value
    plan = m.PhasedSiteInputs(site=inputs, phases=phases, displaced_fleet=phased["displaced_fleet"])
    return m.phased_site(plan).npv_usd


# --- the model engine -----------------------------------------------------------------------------------

def model_chunk(base_json: str, scenarios: Sequence[Scenario], phased: dict[str, Any] | None = None
                ) -> list[dict[str, Any]]:
    """Summary outputs of ``scenarios`` (one dict each: name, outputs or error), valued in one pass of the models'
    decision kernel (:func:`hashlease.models.value_comparisons`).

    With ``phased`` (from :func:`base_phases`) each scenario also gets the phased plan's NPV. An output a scenario
    has no value for (no break-even, no IRR) is left empty and its reason is given in ``notes``; a scenario with
    no value at all has its reason in ``error``.
    """
    base = m.SiteComparisonInputs.model_validate_json(base_json)
    rows: dict[str, dict[str, Any]] = {}
    valid: list[tuple[Scenario, m.SiteComparisonInputs]] = []
    for scenario in scenarios:
        try:
            valid.append((scenario, scenario_inputs(base, scenario)))
        except HashleaseError as exc:
            rows[scenario.name] = {"scenario": scenario.name, "error": str(exc)}
    if valid:
        values = m.value_comparisons([inputs for _, inputs in valid])
        for i, (scenario, inputs) in enumerate(valid):
            if values.errors[i] is not None:
                rows[scenario.name] = {"scenario": scenario.name, "error": str(values.errors[i])}
                continue
            row: dict[str, Any] = {"scenario": scenario.name}
            reasons = []
            for name in OUTPUTS:
                value = float(values.values[name][i])
                row[name] = value if math.isfinite(value) else None
                if row[name] is None:
                    reasons.append(f"{name}: {values.reason(name, i)}")
            if phased is not None:
                try:
                    row["phased_npv_usd"] = _phased_npv(inputs, phased, scenario)
                except HashleaseError as exc:
                    row = {"scenario": scenario.name, "error": str(exc)}
                    reasons = []
            if reasons:
                row["notes"] = "; ".join(reasons)
            rows[scenario.name] = row
    return [rows[s.name] for s in scenarios]


# --- the workbook engine ---------------------------------------------------------------------------------

def _input_cell(names: dict[str, str], name: str) -> tuple[str, str]:
    """(sheet, cell) of a scenario input: a template input name, any defined name of one cell, or Sheet!A1."""
    if contract.is_input_name(name) or ("!" not in name and name not in names):
        return contract.input_cell(names, name)
    if name in names:
        sheet, ref = contract.resolve(names, name)
    else:
        from hashlease.workbook.formula_ast import split_sheet

        sheet, ref = split_sheet(name)
        ref = ref.replace("$", "")
    if ":" in ref or not sheet:
        raise HashleaseError("input", name, "a name or Sheet!A1 cell of one cell", kind=m.ErrorKind.VALUE)
    return sheet, ref


def _override_cells(template: Path, overrides: Iterable[tuple[str, Any]]) -> dict[str, dict[str, Any]]:
    """{sheet: {cell: value}} of a scenario's overrides, each cell found by the input's defined name."""
    names = contract.defined_names(template)
    out: dict[str, dict[str, Any]] = {}
    for path, value in overrides:
        sheet, ref = _input_cell(names, path)
        out.setdefault(sheet, {})[ref] = value
    return out


def _read_output(values: dict[str, dict[str, Any]], names: dict[str, str], name: str) -> float | None:
    """An output's number from a recalculation (a defined name or Sheet!A1); an error or text is None."""
    if name in names:
        return contract.read_outputs(values, names, [name])[name]
    from hashlease.workbook.formula_ast import split_sheet

    sheet, ref = split_sheet(name)
    value = values.get(sheet or "", {}).get((ref or "").replace("$", "").upper())
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def workbook_chunk(template: str, scenarios: Sequence[Scenario], keep_dir: str | None = None,
                   phased: bool = False, outputs: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Outputs of ``scenarios`` by recalculating the workbook with each scenario's overrides (the reference
    engine). ``outputs``: names or Sheet!A1 cells (default the summary outputs, with ``phased`` the plan's NPV)."""
    from hashlease.workbook.engine import recalculate
    from hashlease.workbook.writer import write_values

    template_path = Path(template)
    names = contract.defined_names(template_path)
    wanted = list(outputs) if outputs else [o.name for o in (*contract.OUTPUTS,
                                                              *(contract.PHASED_OUTPUTS if phased else ()))]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in scenarios:
            try:
                if scenario.error:
                    raise HashleaseError("scenario", scenario.name, "lines that can be read",
                                         detail=scenario.error)
                staged = Path(tmp) / f"{scenario.name}.xlsx"
                write_values(template_path, staged, _override_cells(template_path, scenario.overrides),
                             replace_formulas=True)
                result = recalculate(staged, allow_errors=False)  # a cycle or unknown function fails its row
                row = {"scenario": scenario.name, **{name: _read_output(result.values, names, name)
                                                     for name in wanted}}
                if keep_dir:
                    target = safe_path(Path(keep_dir), f"{scenario.name}.xlsx")
                    write_values(staged, target, result.values)
                required = [n for n in wanted if n in OUTPUTS and n != "lease_payback_month"] if not outputs \
                    else wanted
                missing = [name for name in required if row[name] is None]
                if missing and (not outputs or len(missing) == len(wanted)):
                    why = "; ".join(result.messages[:3]) or "error cells in the workbook"
                    row["error"] = f"no value for {', '.join(missing)}: {why}"
                out.append(row)
            except HashleaseError as exc:
                out.append({"scenario": scenario.name, "error": str(exc)})
    return out


# --- the compiled engine ---------------------------------------------------------------------------------

#: Scenarios evaluated in one vectorised pass (bounds memory; the answer does not depend on it).
COMPILED_PASS = 5_000
_COMPILED: dict[tuple, Any] = {}


def _compiled(workbook: str, inputs: tuple[str, ...], outputs: tuple[str, ...] | None):
    """The workbook compiled for ``inputs`` and ``outputs``, once per process (keyed by the file's state)."""
    from hashlease.workbook.compiled import compile_workbook

    stat = os.stat(workbook)
    key = (os.path.abspath(workbook), stat.st_mtime_ns, stat.st_size, inputs, outputs)
    if key not in _COMPILED:
        if len(_COMPILED) > 8:
            _COMPILED.clear()
        _COMPILED[key] = compile_workbook(workbook, inputs=inputs, outputs=outputs)
    return _COMPILED[key]


def _cell_value(value: Any, date_system: int) -> Any:
    """A scenario value as the compiled engine takes it: a date as its serial in the workbook's date system."""
    import datetime as dt

    if isinstance(value, dt.date):
        return float(m.to_excel_serial(np.datetime64(value, "D"), date_system=date_system))
    return value


def compiled_chunk(workbook: str, scenarios: Sequence[Scenario], outputs: Sequence[str] | None = None
                   ) -> list[dict[str, Any]]:
    """Outputs of ``scenarios`` from the compiled workbook, in vectorised passes.

    Scenarios overriding the same inputs share one compilation (an input not overridden keeps its formula). An
    output that is an error for a scenario is empty, its error in ``notes``; a scenario whose every output is an
    error has the reasons in ``error``.
    """
    rows: dict[str, dict[str, Any]] = {}
    groups: dict[tuple[str, ...], list[Scenario]] = {}
    for scenario in scenarios:
        if scenario.error:
            rows[scenario.name] = {"scenario": scenario.name, "error": f"scenario {scenario.name}: "
                                                                      f"{scenario.error}"}
            continue
        groups.setdefault(tuple(name for name, _ in scenario.overrides), []).append(scenario)
    wanted = tuple(outputs) if outputs else None
    for inputs, members in groups.items():
        try:
            engine = _compiled(workbook, inputs, wanted)
        except HashleaseError as exc:
            for scenario in members:
                rows[scenario.name] = {"scenario": scenario.name, "error": str(exc)}
            continue
        for start in range(0, len(members), COMPILED_PASS):
            part = members[start:start + COMPILED_PASS]
            columns = {name: [_cell_value(dict(s.overrides)[name], engine.date_system) for s in part]
                       for name in inputs}
            try:
                result = engine.evaluate(columns) if inputs else engine.evaluate({})
            except HashleaseError as exc:
                if len(part) == 1:
                    rows[part[0].name] = {"scenario": part[0].name, "error": str(exc)}
                    continue
                for scenario in part:  # a value the engine refuses (a non-number for a number) fails alone
                    rows.update({r["scenario"]: r for r in compiled_chunk(workbook, [scenario], outputs)})
                continue
            for i, scenario in enumerate(part):
                row: dict[str, Any] = {"scenario": scenario.name}
                notes = []
                for name in engine.outputs:
                    value = float(result.values[name][i if result.n > 1 else 0])
                    error = result.errors[name][i if result.n > 1 else 0]
                    row[name] = value if math.isfinite(value) else None
                    if error:
                        notes.append(f"{name}: {error}")
                    elif row[name] is None:  # the cell holds text (an HL_ table's empty figure), not a number
                        shown = result.texts.get(name, [None] * result.n)[i if result.n > 1 else 0]
                        notes.append(f"{name}: no number (the cell shows {shown!r})" if shown else
                                     f"{name}: no number (the cell is empty)")
                if notes:
                    notes.extend(result.reasons(i)[:3])
                if notes and all(row[name] is None for name in engine.outputs):
                    row["error"] = "; ".join(notes)
                elif notes:
                    row["notes"] = "; ".join(notes)
                rows[scenario.name] = row
    return [rows[s.name] for s in scenarios]


def _reference_picks(scenarios: Sequence[Scenario], rows: dict[str, dict[str, Any]]) -> list[Scenario]:
    """The scenarios the reference engine recomputes: first, middle and last with values, and the first the
    compiled engine gave no value at all (it must be one the reference engine gives none either: else a wrong
    error on every scenario would never be checked)."""
    readable = [s for s in scenarios if s.name in rows and not s.error]  # a scenario file's error is no result
    valued = [s for s in readable if not rows[s.name].get("error")]
    picks = sorted({0, len(valued) // 2, len(valued) - 1})[:REFERENCE_CHECKS] if valued else []
    return [valued[i] for i in picks] + [s for s in readable if rows[s.name].get("error")][:1]


def reference_check(workbook: Path, scenarios: Sequence[Scenario], rows: dict[str, dict[str, Any]],
                     outputs: Sequence[str] | None) -> list[str]:
    """Recompute :func:`_reference_picks` (up to :data:`REFERENCE_CHECKS` scenarios with values, and one without)
    with the reference engine; each difference as a line naming scenario, output and both values."""
    return _reference_compare(workbook, scenarios, rows, outputs)[0]


def _reference_compare(workbook: Path, scenarios: Sequence[Scenario], rows: dict[str, dict[str, Any]],
                       outputs: Sequence[str] | None) -> tuple[list[str], int, list[str]]:
    """(differences, scenarios compared, why others could not be): :func:`reference_check` with what it did. A
    scenario the reference engine cannot recalculate at all (it refuses the workbook: a circular reference or a
    function it lacks, where the outputs asked for need neither) is not compared, and says why."""
    chosen = _reference_picks(scenarios, rows)
    if not chosen:
        return [], 0, []
    names = list(outputs or _declared(workbook))
    reference = workbook_chunk(str(workbook), chosen, outputs=names)
    differences: list[str] = []
    unchecked: list[str] = []
    for scenario, ref in zip(chosen, reference):
        ours = rows[scenario.name]
        if ref.get("error") and not any(name in ref for name in names):  # no recalculation: nothing to compare
            unchecked.append(f"scenario {scenario.name}: {ref['error'][:300]}")
            continue
        for name in names:  # every output: a value where the other engine has none is a difference
            mine, theirs = ours.get(name), ref.get(name)
            if mine is None or theirs is None:
                same = mine is None and theirs is None
            else:
                same = abs(mine - theirs) <= REFERENCE_TOLERANCE * abs(theirs) + REFERENCE_FLOOR
            if not same:
                why = "; ".join(f"{engine} error: {row['error'][:200]}" for engine, row in
                                (("compiled", ours), ("reference", ref)) if row.get("error"))
                differences.append(f"scenario {scenario.name}, {name}: compiled {mine!r}, reference {theirs!r}"
                                   + (f" ({why})" if why else ""))
    return differences, len(chosen) - len(unchecked), unchecked


def _declared(workbook: Path) -> list[str]:
    from hashlease.workbook.compiled import declared_outputs

    return declared_outputs(workbook)


def safe_path(root: Path, name: str) -> Path:
    """``root / name``, refusing any name that would leave ``root``."""
    target = (root / name).resolve()
    if root.resolve() not in target.parents:
        raise HashleaseError("scenario name", name, "a name that stays inside OUTDIR")
    return target


# --- running --------------------------------------------------------------------------------------------

def _worker_start(parent_pid: int) -> None:
    """Initializer of each local worker process: die with the batch, even if it is killed with SIGKILL.

    On Linux the kernel sends the worker SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere a
    daemon thread also watches the parent's pid and ends the worker once the parent is gone (a fallback for other
    systems, and for a parent that died before the ``prctl``).
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still ends the worker
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the prctl took effect

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="hashlease-parent-watchdog", daemon=True).start()


def _chunks(items: Sequence[Scenario], size: int) -> list[list[Scenario]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def run_batch(template: Path, scenarios: Sequence[Scenario], outdir: Path, *, engine: str = "compiled",
              scheduler: str | None = None, workers: int | None = None, resume: bool = False,
              keep_workbooks: bool = False, chunk_size: int | None = None, phased: bool = False,
              progress: Callable[[int, int], None] | None = None, connect_timeout_s: float = 10.0,
              outputs: Sequence[str] | None = None, warn: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run ``scenarios`` and write OUTDIR/results.jsonl, summary.csv and summary.parquet; returns a report.

    With ``scheduler`` (``tcp://host:port``, see :func:`check_scheduler`), a cluster not reached within
    ``connect_timeout_s`` is a :class:`HashleaseError` naming the address. ``outputs`` (names or Sheet!A1 cells)
    replace the summary outputs on the compiled and reference engines. A compiled batch whose reference check
    finds a difference raises :class:`HashleaseError` after writing what it computed; ``warn`` is told when a
    workbook falls back to the reference engine.
    """
    if engine not in ENGINES:
        raise HashleaseError("--engine", engine, f"one of {', '.join(ENGINES)}", kind=m.ErrorKind.VALUE)
    if engine == "workbook":
        engine = "reference"
    if outputs and engine == "model":
        unknown = [o for o in outputs if o not in OUTPUTS]
        if unknown:
            raise HashleaseError("--output", unknown[0], "one of the model engine's outputs "
                                 f"({', '.join(OUTPUTS)}); use --engine compiled for any name or cell",
                                 kind=m.ErrorKind.VALUE)
    if engine == "compiled" and phased:
        outputs = list(outputs or [o.name for o in contract.OUTPUTS]) + [o.name for o in contract.PHASED_OUTPUTS]
    fallback = None
    if engine == "compiled":  # compiled here first: a workbook it cannot vectorise runs on the reference engine
        from hashlease.workbook.compiled import Fallback

        keys = next((tuple(n for n, _ in s.overrides) for s in scenarios if not s.error), ())
        try:
            _compiled(str(template), keys, tuple(outputs) if outputs else None)
        except Fallback as exc:
            fallback = str(exc)
            if warn:
                warn(f"{exc} — using the reference engine (one recalculation per scenario)")
            engine = "reference"
    if scheduler:
        scheduler = check_scheduler(scheduler)
    outdir.mkdir(parents=True, exist_ok=True)
    journal = outdir / "results.jsonl"
    done: dict[str, dict[str, Any]] = {}
    if resume and journal.exists():
        for line in journal.read_text("utf-8").splitlines():
            try:
                row = json.loads(line)
                if not row.get("error"):  # failed scenarios are tried again
                    done[row["scenario"]] = row
            except (ValueError, KeyError, TypeError):
                continue  # a line cut by an interruption
        text = journal.read_bytes()
        if text and not text.endswith(b"\n"):
            with journal.open("ab") as fix:
                fix.write(b"\n")  # end the cut line, so the next row starts on its own
    elif journal.exists():
        journal.unlink()
    todo = [s for s in scenarios if s.name not in done]
    keep = str(outdir / "workbooks") if keep_workbooks and engine == "reference" else None
    if keep:
        Path(keep).mkdir(exist_ok=True)
    if engine == "model":
        payload: Any = base_inputs(template).model_dump_json()
        extra: tuple = (base_phases(template),) if phased else ()
        function, size = model_chunk, chunk_size or 500
    elif engine == "compiled":
        payload, function, size = str(template), compiled_chunk, chunk_size or 2_000
        extra = (tuple(outputs) if outputs else None,)
    else:
        payload, function, size = str(template), workbook_chunk, chunk_size or 1
        extra = (keep, phased, tuple(outputs) if outputs else None)
    chunks = _chunks(todo, size)
    completed = len(scenarios) - len(todo)
    interrupted = False
    with journal.open("a", encoding="utf-8") as sink:
        def record(rows: list[dict[str, Any]]) -> None:
            nonlocal completed
            for row in rows:
                sink.write(json.dumps(row) + "\n")
                done[row["scenario"]] = row
            sink.flush()
            completed += len(rows)
            if progress:
                progress(completed, len(scenarios))

        args = lambda c: (payload, c, *extra)  # noqa: E731
        try:
            if scheduler:
                from distributed import as_completed

                with connect(scheduler, connect_timeout_s) as client:
                    futures = [client.submit(function, *args(c), pure=False, retries=2) for c in chunks]
                    by_future = dict(zip(futures, chunks))
                    try:
                        for future in as_completed(futures):
                            record(_result_or_isolate(future.result, function, args, by_future[future]))
                    except KeyboardInterrupt:
                        client.cancel(futures)
                        raise
            elif len(chunks) <= 1 or (workers or os.cpu_count() or 1) == 1:
                for chunk in chunks:
                    record(_result_or_isolate(lambda c=chunk: function(*args(c)), function, args, chunk))
            else:
                with cf.ProcessPoolExecutor(max_workers=workers or os.cpu_count(), initializer=_worker_start,
                                            initargs=(os.getpid(),)) as pool:
                    futures = {pool.submit(function, *args(c)): c for c in chunks}
                    try:
                        for future in cf.as_completed(futures):
                            record(_result_or_isolate(future.result, function, args, futures[future]))
                    except KeyboardInterrupt:
                        for future in futures:
                            future.cancel()
                        pool.shutdown(wait=False, cancel_futures=True)
                        raise
        except KeyboardInterrupt:
            interrupted = True
    rows = [done[s.name] for s in scenarios if s.name in done]
    names = list(outputs) if outputs else (_declared(template) if engine == "compiled" else
                                           [*OUTPUTS, *(PHASED_OUTPUT if phased else {})])
    _write_summary(outdir, rows, names)
    failed = [(r["scenario"], r["error"]) for r in rows if r.get("error")]
    report = {"done": len(rows), "total": len(scenarios), "failed": failed, "interrupted": interrupted,
              "skipped": len(scenarios) - len(todo) if resume else 0, "engine": engine, "fallback": fallback,
              "checked": 0}
    if engine == "compiled" and not interrupted:
        differences, report["checked"], unchecked = _reference_compare(template, scenarios, done, outputs)
        report["unchecked"] = unchecked
        if unchecked and warn:
            warn(f"the reference engine could not recalculate {len(unchecked)} of the scenarios chosen to check the "
                 f"compiled results, which are unchecked there: {unchecked[0]}")
        if differences:
            raise HashleaseError("compiled engine", f"{len(differences)} difference(s) from the reference engine",
                                 "the same outputs as a per-scenario recalculation (this is a bug: please report "
                                 "it with the workbook)", detail="; ".join(differences[:5]), kind=m.ErrorKind.NUM)
    return report


def _result_or_isolate(get: Callable[[], list], function, args, chunk: list[Scenario]) -> list[dict[str, Any]]:
    """A chunk's rows; if the chunk as a whole fails, each scenario alone, so only the bad ones fail."""
    try:
        return get()
    except Exception as exc:  # noqa: BLE001 - one bad scenario must not sink the batch; it is reported per row
        if len(chunk) == 1:
            return [{"scenario": chunk[0].name, "error": f"{type(exc).__name__}: {exc}"}]
        rows = []
        for scenario in chunk:
            try:
                rows.extend(function(*args([scenario])))
            except Exception as single:  # noqa: BLE001
                rows.append({"scenario": scenario.name, "error": f"{type(single).__name__}: {single}"})
        return rows


def _write_summary(outdir: Path, rows: list[dict[str, Any]], outputs: Sequence[str]) -> None:
    import pandas as pd

    from hashlease.atomic import atomic_path

    columns = ["scenario", *outputs, "notes", "error"]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
    for name in outputs:
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    frame["error"] = frame["error"].astype("string")
    frame["notes"] = frame["notes"].astype("string")
    for suffix, write in ((".csv", lambda p: frame.to_csv(p, index=False)),
                          (".parquet", lambda p: frame.to_parquet(p, index=False))):
        with atomic_path(outdir / f"summary{suffix}") as temporary:
            write(temporary)
