"""Fuzzing the scenario files `hashlease batch` reads from users (CSV and YAML): every file gives scenarios or a
HashleaseError with a message; never another exception, a NaN or inf, or a changed file. The model engine then
values what was read: every row has finite outputs (an empty one with its note) or an error."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashlease.batch import OUTPUTS, Scenario, base_inputs, load_scenarios, model_chunk
from hashlease.models import HashleaseError

# --- shared by the fuzz tests (the test files cannot import each other) ---
import os  # noqa: E402
import re  # noqa: E402

#: Examples per fuzz test = its CI share x this factor (1 in CI, e.g. 20 for ``make fuzz``).
SCALE = float(os.environ.get("HASHLEASE_FUZZ_EXAMPLES", "0") or 0) / 100 or 1.0
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def fuzz_settings(ci_examples: int) -> settings:
    """Settings for a fuzz test with ``ci_examples`` examples in CI (HASHLEASE_FUZZ_EXAMPLES=N makes it
    ci_examples x N / 100)."""
    return settings(max_examples=max(1, int(ci_examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


def assert_clean_exit(result) -> None:
    """A CliRunner result is a result (exit 0) or a message (exit 1): never a traceback, inf or NaN."""
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert "error:" in result.output
    else:
        assert not re.search(r"(?<![A-Za-z])(inf|nan)(?![A-Za-z])", result.stdout), result.stdout


def assert_finite(value) -> None:
    assert isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value), value


TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "hashlease.xlsx"
INPUTS = ["market.btc_price_usd", "market.difficulty_growth_per_month_frac", "lease.rent_usd_per_kw_month",
          "lease.delay_months", "mining.power_price_usd_per_kwh", "discount_rate_per_year_frac", "lease.capex_curve",
          "phase1.site_mw", "nonsense.input", ""]
NAMES = st.one_of(st.sampled_from(["base", "bear", "BEAR", "../x", ".h", "a b", "x" * 101]),
                  st.text(min_size=0, max_size=12))
VALUES = st.one_of(st.sampled_from(["60000", "1e308", "-1e308", "nan", "inf", "2026-02-30", "2026-01-01", "TRUE",
                                    "s_curve", "", "1_000", "0x10", "  7 ", "1" * 400]),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                   st.text(max_size=20))
CELL = st.one_of(VALUES, st.text(alphabet=st.characters(codec="utf-8"), max_size=10))


@pytest.fixture(scope="module")
def base_json():
    return base_inputs(TEMPLATE).model_dump_json()


def _check(path: Path, base_json: str) -> None:
    before = path.read_bytes()
    try:
        scenarios = load_scenarios(path)
    except HashleaseError as exc:
        assert str(exc)
        scenarios = None
    assert path.read_bytes() == before
    if not scenarios:
        return
    assert all(isinstance(s, Scenario) and s.name for s in scenarios)
    for _, value in (o for s in scenarios for o in s.overrides):
        assert not (isinstance(value, float) and not math.isfinite(value))
    for row in model_chunk(base_json, scenarios[:20]):
        if row.get("error"):
            continue
        for name in OUTPUTS:
            value = row[name]
            assert value is None or math.isfinite(value), (name, value)
            assert value is not None or name in row.get("notes", ""), row


def _csv_text(header, rows) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@fuzz_settings(60)
@given(long=st.booleans(), names=st.lists(NAMES, min_size=0, max_size=6),
       inputs=st.lists(st.sampled_from(INPUTS), min_size=1, max_size=4),
       cells=st.lists(st.lists(CELL, min_size=0, max_size=6), min_size=0, max_size=6),
       raw=st.one_of(st.none(), st.binary(max_size=200)))
def test_fuzzed_csv_scenarios(base_json, long, names, inputs, cells, raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenarios.csv"
        if raw is not None:
            path.write_bytes(b"scenario,input,value\n" + raw)
        elif long:
            rows = [[n, inputs[i % len(inputs)], *(cells[i] if i < len(cells) else [])[:1]]
                    for i, n in enumerate(names)]
            path.write_text(_csv_text(["scenario", "input", "value"], rows), encoding="utf-8")
        else:
            rows = [[n, *(cells[i] if i < len(cells) else [])] for i, n in enumerate(names)]
            path.write_text(_csv_text(["scenario", *inputs], rows), encoding="utf-8")
        _check(path, base_json)


YAML_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), VALUES, st.dates()),
                           lambda children: st.one_of(st.lists(children, max_size=3),
                                                      st.dictionaries(st.text(max_size=5), children, max_size=3)),
                           max_leaves=8)


@fuzz_settings(60)
@given(layout=st.sampled_from(["mapping", "list", "raw", "aliases"]),
       scenarios=st.dictionaries(NAMES, st.dictionaries(st.sampled_from(INPUTS), YAML_VALUES, max_size=4),
                                 max_size=5),
       raw=st.text(max_size=200), depth=st.integers(1, 12), width=st.integers(1, 12))
def test_fuzzed_yaml_scenarios(base_json, layout, scenarios, raw, depth, width):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenarios.yaml"
        if layout == "mapping":
            text = yaml.safe_dump(scenarios, allow_unicode=True)
        elif layout == "list":
            text = yaml.safe_dump([{"name": n, "overrides": o} for n, o in scenarios.items()], allow_unicode=True)
        elif layout == "aliases":  # an alias bomb of `depth` levels of `width` aliases
            lines = ["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
                                          for i in range(1, depth)]
            text = "\n".join(lines) + "\n"
        else:
            text = raw
        path.write_text(text, encoding="utf-8", errors="surrogatepass" if layout == "raw" else "strict") \
            if layout != "raw" else path.write_bytes(text.encode("utf-8", errors="replace"))
        _check(path, base_json)
