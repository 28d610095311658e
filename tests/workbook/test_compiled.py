"""The compiled, vectorised workbook engine (``hashlease.workbook.compiled``) equals the reference engine.

For the finance test workbooks (a) debt schedule, (b) lookups, (c) HL_ outputs feeding native formulas
(tests/workbook/finance_workbooks.py) and the stock template, 200 seeded scenarios each (inputs drawn uniformly over
their valid ranges, plus the scenarios that produce Excel errors: a zero divisor, a lookup past its table, an HL_
input out of range) are evaluated in one call of the compiled engine and one by one by the reference engine; every
output must agree to 1e-9 relative (1e-9 absolute near zero) or be the same Excel error.

The reference engine, per scenario:
- the stock template: ``recalculate`` of a copy with the scenario written by ``write_values(...,
  replace_formulas=True)``, about 1.5 s each, 200 scenarios in a process pool of 2 (about 2.5 minutes);
- workbooks (a)-(c): the same engine's model loaded once per process and recalculated with the scenario's input
  cells set (``finance_workbooks.loaded_reference``): reloading the 2,800-formula debt schedule for every scenario
  would take 200 x 7-12 s. ``test_loaded_reference_equals_recalculate`` checks that path against ``recalculate`` of
  a written copy on the base case, every error scenario and 2 random ones.
The ~7,000-formula synthetic workbook (d) takes the reference engine about 50 s per scenario: it is compared with
LibreOffice instead (base case and 2 scenarios), which the oracle test shows equal to the reference engine there.

Outputs the reference engine gets wrong (tests/workbook/test_finance_workbooks_oracle.py, KNOWN_DIFFERENCES:
SUMPRODUCT(--booleans)) are compared with LibreOffice, whose answer is Excel's, not with the reference engine.

What the compiled engine is asked (its interface): ``compile_workbook(path, inputs=[...], outputs=[...])`` with
defined names; ``engine.evaluate({name: float64 array of n})``; ``result.values[name]`` float64 (n,), NaN where the
output is an error (a boolean output is 1.0/0.0); ``result.errors[name]`` object (n,), "" or the Excel error code.
Constructs it cannot vectorise raise ``Fallback`` (a ``HashleaseError``) from ``compile_workbook`` naming the cell
and the function; a cycle raises ``HashleaseError`` naming its cells.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import random
import re
import site
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from hashlease.models import HashleaseError
from hashlease.workbook import contract
from hashlease.workbook.writer import defined_ref, write_values

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parents[1] / "templates" / "hashlease.xlsx"
SCENARIOS = 200
SEED = 20250615
ERROR_CODES = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}


def _module():
    if "finance_workbooks" not in sys.modules:
        spec = importlib.util.spec_from_file_location("finance_workbooks", HERE / "finance_workbooks.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["finance_workbooks"] = module
        spec.loader.exec_module(module)
    return sys.modules["finance_workbooks"]


fw = _module()

#: Outputs the reference engine computes wrongly (see the oracle test): compared with LibreOffice instead.
#: tenor_years_30_360 is YEARFRAC(start, EDATE(start, 120), 0): from the last day of February to the last day of
#: February the reference engine counts (28 - 30)/360 short of 10 years; Excel's US 30/360 sets both days to 30
#: (the basis-0 algorithm Microsoft posted to the OASIS OpenDocument committee, 12 June 2008) and LibreOffice
#: gives 10.
REFERENCE_WRONG = {"debt_schedule": {"quarter_end_sweep_usd", "tenor_years_30_360"}, "lookups": {"legacy_models"}}
#: Scenarios the LibreOffice comparison adds to its drawn ones: a loan starting on the last day of February.
ORACLE_EXTRA = {"debt_schedule": [{"loan_start_date": 47177.0}, {"loan_start_date": 46812.0}]}

#: The stock template's numeric inputs a scenario draws, with their ranges (inside each field's validation).
TEMPLATE_RANGES = {
    "discount_rate_per_year_frac": (0.03, 0.2),
    "market.difficulty": (60e12, 200e12),
    "market.btc_price_usd": (40_000.0, 200_000.0),
    "market.fees_btc_per_block": (0.0, 0.5),
    "market.difficulty_growth_per_month_frac": (-0.01, 0.04),
    "market.btc_price_growth_per_year_frac": (-0.2, 0.5),
    "mining.site_mw": (20.0, 300.0),
    "mining.pue": (1.0, 1.4),
    "mining.uptime_frac": (0.85, 1.0),
    "mining.power_price_usd_per_kwh": (0.02, 0.1),
    "mining.pool_fee_frac": (0.0, 0.04),
    "mining.opex_usd_per_mw_month": (2_000.0, 20_000.0),
    "lease.capex_usd_per_mw": (6e6, 14e6),
    "lease.rent_usd_per_kw_month": (80.0, 200.0),
    "lease.escalator_per_year_frac": (0.0, 0.05),
    "lease.construction_months": (6, 13),  # whole months; with the 10-year term the schedule fits its 134 rows
    "lease.landlord_opex_usd_per_kw_month": (5.0, 20.0),
}
#: Critical IT load drawn as a share of the site's power (the lease must fit the site at its PUE).
CRITICAL_IT_SHARE = (0.2, 0.6)
#: Inputs out of the HL_ functions' ranges: each makes some outputs Excel errors (#NUM!).
TEMPLATE_ERRORS = ({"mining.pue": 0.5}, {"mining.uptime_frac": 1.2}, {"market.difficulty": 0.0})


@pytest.fixture(scope="module")
def compiled():
    """The compiled engine (a plain import: a missing or broken module is an error, never a skip)."""
    from hashlease.workbook import compiled as module
    return module


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    return fw.build_all(tmp_path_factory.mktemp("finance-books"))


@pytest.fixture(scope="module")
def pool():
    """Two worker processes for the reference engine (spawned: the test process has threads)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=site.addsitedir, initargs=(str(HERE),)) as executor:
        yield executor


def _cells(path: Path, names: list[str]) -> list[tuple[str, str]]:
    defined = contract.defined_names(path)
    return [defined_ref(defined[name]) for name in names]


def _scenarios(book) -> tuple[list[dict[str, float]], list[str]]:
    """200 scenarios of a finance workbook: the base case, each error scenario (base values otherwise), the rest
    drawn; and a label for each (for messages)."""
    scenarios = [book.base_scenario()]
    labels = ["base"]
    for overrides, _ in book.error_scenarios:
        scenarios.append({**book.base_scenario(), **overrides})
        labels.append(f"error {overrides}")
    drawn = book.draw(SCENARIOS - len(scenarios), seed=SEED)
    return scenarios + drawn, labels + [f"drawn {i}" for i in range(len(drawn))]


def _mismatch(name: str, label: str, value: float, error: str, expected) -> str | None:
    """Why the compiled value/error differs from the reference value, or None."""
    if isinstance(expected, str) and expected in ERROR_CODES:
        if error == expected and np.isnan(value):
            return None
        return f"{name} [{label}]: compiled {value!r}/{error!r}, reference {expected}"
    if isinstance(expected, str):  # a text (an HL_ table's empty figure, "" for a payback never reached): no number
        if error == "" and np.isnan(value):
            return None
        return f"{name} [{label}]: compiled {value!r}/{error!r}, reference text {expected!r}"
    if isinstance(expected, bool):
        expected = float(expected)
    if not isinstance(expected, (int, float)):
        return f"{name} [{label}]: reference {expected!r} is not a number (the test's output lists are wrong)"
    expected = float(expected)
    if error != "" or not abs(value - expected) <= 1e-9 * max(abs(value), abs(expected)) + 1e-9:
        return f"{name} [{label}]: compiled {value!r}/{error!r}, reference {expected!r}"
    return None


def _compare(result, outputs: list[str], reference: list[list], labels: list[str]) -> list[str]:
    problems = []
    for j, name in enumerate(outputs):
        values, errors = np.asarray(result.values[name]), np.asarray(result.errors[name], dtype=object)
        assert values.shape == (len(reference),) and errors.shape == (len(reference),), name
        for k, row in enumerate(reference):
            problem = _mismatch(name, labels[k], float(values[k]), str(errors[k]), row[j])
            if problem:
                problems.append(problem)
    return problems


def _arrays(inputs: list[str], scenarios: list[dict[str, float]]) -> dict[str, np.ndarray]:
    return {name: np.array([s[name] for s in scenarios], dtype=np.float64) for name in inputs}


# --- the reference path used below -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["debt_schedule", "lookups", "hl_mining"])
def test_loaded_reference_equals_recalculate(books, pool, name, tmp_path):
    """The reference engine's model loaded once and recalculated per scenario gives what ``recalculate`` of a
    written copy gives (to 1e-12: a value written to the file and read back may differ in its last bit), on the
    base case, every error scenario and two drawn scenarios."""
    book = books[name]
    cells = _cells(book.path, list(book.outputs))
    scenarios, labels = _scenarios(book)
    chosen = scenarios[:1 + len(book.error_scenarios) + 2]
    loaded = [pool.submit(fw.loaded_reference, str(book.path), cells, book.overrides(s)) for s in chosen]
    written = [pool.submit(fw.recalculated, str(book.path), cells, book.overrides(s), str(tmp_path)) for s in chosen]
    for label, a, b in zip(labels, loaded, written):
        for output, x, y in zip(book.outputs, a.result(), b.result()):
            x, y = fw._plain(x), fw._plain(y)
            if isinstance(x, (int, float)) and not isinstance(x, bool) and isinstance(y, (int, float)):
                # a scenario value written to the file and read back can differ in the last bit
                assert x == pytest.approx(y, rel=1e-12, abs=1e-12), (label, output)
            else:
                assert x == y and type(x) is type(y), (label, output)


# --- workbooks (a)-(c) -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["debt_schedule", "lookups", "hl_mining"])
def test_compiled_equals_reference(compiled, books, pool, name):
    book = books[name]
    outputs = [o for o in book.outputs if o not in REFERENCE_WRONG.get(name, set())]
    inputs = [i.name for i in book.inputs]
    scenarios, labels = _scenarios(book)
    assert len(scenarios) == SCENARIOS
    cells = _cells(book.path, outputs)
    futures = [pool.submit(fw.loaded_reference, str(book.path), cells, book.overrides(s)) for s in scenarios]
    engine = compiled.compile_workbook(book.path, inputs=inputs, outputs=outputs)
    result = engine.evaluate(_arrays(inputs, scenarios))
    reference = [f.result() for f in futures]
    # the error scenarios do produce the errors worked out by hand (else they test nothing)
    for k, (_, expected) in enumerate(book.error_scenarios, start=1):
        errors = {o for o, v in zip(outputs, reference[k]) if isinstance(v, str) and v in ERROR_CODES}
        assert errors == set(expected) - REFERENCE_WRONG.get(name, set()), labels[k]
    problems = _compare(result, outputs, reference, labels)
    assert problems == [], f"{len(problems)} differences:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("name", ["debt_schedule", "lookups"])
def test_compiled_gives_excels_answer_where_the_reference_engine_does_not(compiled, books, name, tmp_path,
                                                                          libreoffice):
    """SUMPRODUCT(--booleans) and YEARFRAC's 30/360 between February month ends: the compiled engine answers as
    Excel (LibreOffice, the oracle), not as the reference engine (formulas 1.3.4 leaves --TRUE as TRUE; see the
    oracle test's KNOWN_DIFFERENCES)."""
    book = books[name]
    outputs = sorted(REFERENCE_WRONG[name])
    inputs = [i.name for i in book.inputs]
    scenarios = [book.base_scenario()] + book.draw(2, seed=SEED + 1) + [
        {**book.base_scenario(), **extra} for extra in ORACLE_EXTRA.get(name, [])]
    result = compiled.compile_workbook(book.path, inputs=inputs, outputs=outputs).evaluate(_arrays(inputs, scenarios))
    for k, scenario in enumerate(scenarios):
        path = tmp_path / f"{name}-{k}.xlsx"
        write_values(book.path, path, book.overrides(scenario), replace_formulas=True)
        shown = openpyxl.load_workbook(libreoffice(path), data_only=True)
        for output, (sheet, ref) in zip(outputs, _cells(book.path, outputs)):
            expected = shown[sheet][ref].value
            assert _mismatch(output, f"scenario {k}", float(result.values[output][k]), str(result.errors[output][k]),
                             expected) is None


def test_large_workbook_equals_libreoffice(compiled, books, tmp_path, libreoffice):
    """(d) the ~7,000-formula benchmark workbook: compiled = LibreOffice on the base case and 2 drawn scenarios."""
    book = books["large"]
    assert book.formula_count >= 6_500
    inputs, outputs = [i.name for i in book.inputs], list(book.outputs)
    scenarios = [book.base_scenario()] + book.draw(2, seed=SEED)
    result = compiled.compile_workbook(book.path, inputs=inputs, outputs=outputs).evaluate(_arrays(inputs, scenarios))
    reference = []
    for k, scenario in enumerate(scenarios):
        path = tmp_path / f"large-{k}.xlsx"
        write_values(book.path, path, book.overrides(scenario), replace_formulas=True)
        shown = openpyxl.load_workbook(libreoffice(path), data_only=True)
        reference.append([shown[s][r].value for s, r in _cells(book.path, outputs)])
    problems = _compare(result, outputs, reference, ["base", "drawn 0", "drawn 1"])
    assert problems == [], "\n".join(problems[:40])


# --- the stock template ------------------------------------------------------------------------------------------


def _template_scenarios() -> tuple[list[dict[str, float]], list[str]]:
    rng = random.Random(SEED)
    scenarios = []
    for _ in range(SCENARIOS):
        scenario = {}
        for name, (low, high) in TEMPLATE_RANGES.items():
            scenario[name] = float(rng.randint(low, high)) if isinstance(low, int) else rng.uniform(low, high)
        scenario["lease.critical_it_mw"] = scenario["mining.site_mw"] * rng.uniform(*CRITICAL_IT_SHARE)
        scenarios.append(scenario)
    labels = [f"drawn {i}" for i in range(SCENARIOS)]
    for k, overrides in enumerate(TEMPLATE_ERRORS):  # the last scenarios: a drawn one with an input out of range
        scenarios[-1 - k].update(overrides)
        labels[-1 - k] = f"error {overrides}"
    return scenarios, labels


def _template_overrides(names: dict[str, str], scenario: dict[str, float]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, value in scenario.items():
        sheet, cell = contract.input_cell(names, name)
        out.setdefault(sheet, {})[cell] = value
    return out


def test_template_compiled_equals_reference(compiled, pool, tmp_path):
    """200 scenarios of the stock template's 8 summary outputs (contract.OUTPUTS)."""
    names = contract.defined_names(TEMPLATE)
    outputs = [o.name for o in contract.OUTPUTS]
    scenarios, labels = _template_scenarios()
    inputs = list(scenarios[0])
    assert set(inputs) <= set(contract.input_names())
    cells = _cells(TEMPLATE, outputs)
    futures = [pool.submit(fw.recalculated, str(TEMPLATE), cells, _template_overrides(names, s), str(tmp_path))
               for s in scenarios]
    engine = compiled.compile_workbook(TEMPLATE, inputs=inputs, outputs=outputs)
    result = engine.evaluate(_arrays(inputs, scenarios))
    reference = [[fw._plain(v) for v in f.result()] for f in futures]
    valued = 0
    for k, label in enumerate(labels):
        if label.startswith("error"):  # an input out of range does make outputs errors
            assert any(isinstance(v, str) and v in ERROR_CODES for v in reference[k]), label
        else:  # a drawn combination may be one the models refuse (both engines must then agree on the error)
            valued += all(isinstance(v, (int, float)) for v in reference[k][:4])
    assert valued >= 0.5 * sum(not label.startswith("error") for label in labels)  # the test compares numbers
    problems = _compare(result, outputs, reference, labels)
    assert problems == [], f"{len(problems)} differences:\n" + "\n".join(problems[:40])


def test_template_compiles_with_every_declared_input(compiled, pool, tmp_path):
    """All of contract.input_names() may be declared as inputs; a scenario giving only some of them leaves the
    others at the workbook's own values."""
    outputs = [o.name for o in contract.OUTPUTS]
    engine = compiled.compile_workbook(TEMPLATE, inputs=contract.input_names(), outputs=outputs)
    result = engine.evaluate({"mining.power_price_usd_per_kwh": np.array([0.03, 0.06])})
    names = contract.defined_names(TEMPLATE)
    cells = _cells(TEMPLATE, outputs)
    reference = [[fw._plain(v) for v in pool.submit(fw.recalculated, str(TEMPLATE), cells, _template_overrides(
        names, {"mining.power_price_usd_per_kwh": price}), str(tmp_path)).result()] for price in (0.03, 0.06)]
    problems = _compare(result, outputs, reference, ["0.03", "0.06"])
    assert problems == [], "\n".join(problems)


def test_template_longer_horizon_works_or_names_the_table(compiled, pool, tmp_path):
    """A lease term past the HL_LEASE_SCHEDULE array (134 rows, AI Lease!A14:AC147): 15 and 20 years instead of 10.
    The compiled engine either agrees with the reference engine (which fills the array range it has) or refuses
    with a HashleaseError naming the table's anchor cell and its function."""
    names = contract.defined_names(TEMPLATE)
    outputs = [o.name for o in contract.OUTPUTS] + ["lease_xnpv_usd", "lease_xirr_per_year_frac"]
    terms = [10.0, 15.0, 20.0]
    try:
        engine = compiled.compile_workbook(TEMPLATE, inputs=["lease.term_years"], outputs=outputs)
        result = engine.evaluate({"lease.term_years": np.array(terms)})
    except HashleaseError as exc:
        message = str(exc)
        assert re.search(r"'?AI Lease'?!\$?A\$?14", message) and "HL_LEASE_SCHEDULE" in message, message
        return
    cells = _cells(TEMPLATE, outputs)
    reference = [[fw._plain(v) for v in pool.submit(fw.recalculated, str(TEMPLATE), cells, _template_overrides(
        names, {"lease.term_years": term}), str(tmp_path)).result()] for term in terms]
    problems = _compare(result, outputs, reference, [f"term {t:g} years" for t in terms])
    assert problems == [], "\n".join(problems)


# --- what cannot be vectorised -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fallbacks(tmp_path_factory):
    return fw.build_fallbacks(tmp_path_factory.mktemp("fallbacks"))


@pytest.mark.parametrize("case", ["indirect", "offset", "unknown"])
def test_fallback_names_cell_and_function(compiled, fallbacks, case):
    """INDIRECT on text built from an input, OFFSET with an input as its height, an unknown add-in function: the
    compiled engine refuses with Fallback naming the cell and the function (batch then falls back to the
    per-scenario engine)."""
    spec = fallbacks[case]
    with pytest.raises(compiled.Fallback) as info:
        compiled.compile_workbook(spec.path, inputs=list(spec.inputs), outputs=list(spec.outputs))
    assert isinstance(info.value, HashleaseError)
    message = str(info.value)
    for cell in spec.cells:
        assert cell in message, message
    assert spec.function in message.upper(), message


def test_cycle_is_refused_naming_its_cells(compiled, fallbacks):
    spec = fallbacks["cycle"]
    with pytest.raises(HashleaseError) as info:
        compiled.compile_workbook(spec.path, inputs=list(spec.inputs), outputs=list(spec.outputs))
    message = str(info.value)
    for cell in spec.cells:  # Model!A1 and Model!B1
        assert cell in message, message
