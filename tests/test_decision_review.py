"""Regressions from a hostile review of the decision kernel: each test reproduced one defect found by a
reviewer who did not write the code (stale derived values after several changes, a rent break-even from a tiny
base rent, the difficulty floor over the compared horizon, one extreme scenario sinking a batch, booleans read as
numbers, inputs named twice, bad tornado steps, blanks without reasons) and passes now that it is fixed.

Each expected value is derived from the documented contract (docstrings of ``with_inputs``, ``value_comparisons``,
``SOLVE_TOLERANCE``, ``ErrorKind``, docs/batch.md, style.md section 5), never from hashlease output pasted in.
The reference for "what the inputs mean" is a full pydantic validation of the final inputs
(``SiteComparisonInputs(**dump)``), which ``with_inputs`` promises to be equivalent to.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashlease import models as m
from hashlease.addin.runtime import call_classic
from hashlease.batch import Scenario, load_scenarios, model_chunk
from hashlease.models import ErrorKind, HashleaseError
from hashlease.models.sensitivity import TornadoStep
from hashlease.models.valuation import SOLVE_TOLERANCE


@pytest.fixture(scope="module")
def base():
    return m.example_comparison()


def _fully_validated(inputs: m.SiteComparisonInputs, block: str, **changes) -> m.SiteComparisonInputs:
    """The same changes validated from scratch (no copies, no caches): what with_inputs must equal."""
    dump = inputs.model_dump()
    dump[block] = {**dump[block], **changes}
    return m.SiteComparisonInputs(**dump)


def _ranges(inputs: m.SiteComparisonInputs):
    """The three assumption blocks as Excel two-column ranges (name | value), as a sheet would hand them over."""
    def rows(model):
        out = []
        for key, value in model.model_dump().items():
            if value is None or (isinstance(value, (list, tuple)) and not value and key != "fleet"):
                continue
            if key == "fleet":
                out += [[f"fleet:{line['model']}", float(line["units"])] for line in value]
                continue
            if isinstance(value, (list, tuple)):
                value = ",".join(str(x) for x in value)
            if isinstance(value, dt.date):
                value = dt.datetime(value.year, value.month, value.day)
            if isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            out.append([key, value])
        return out
    return rows(inputs.market), rows(inputs.mining), rows(inputs.lease)


# --- 1. with_inputs keeps cached derived values across successive assignments -----------------------------

@pytest.mark.parametrize("changes", [
    {"term_years": 12, "construction_months": 18},
    {"delay_months": 2, "critical_it_mw": 62.6},
], ids=["build_length", "critical_it_mw"])
def test_with_inputs_lease_phases_not_stale_after_two_lease_changes(base, changes):
    # Expected: several lease inputs changed together give the lease that full validation gives, whatever order
    # the scenario lists them in (with_inputs docstring: "validated once as a whole").
    # Actual: the first validate_assignment caches phases_resolved in the copy's __dict__ and the following
    # assignments copy that cache forward: with term 12 then build 18, commencement stays at month 12
    # (lease-minus-mining 208.9M instead of 172.7M); with delay 2 then 62.6 MW, the single phase keeps the
    # base's 75 MW (lease NPV ~122M instead of ~5.5M). In a random draw of 400 scenarios of 1-5 inputs, 85
    # diverged from full validation. Cause: models/comparison.py _changed deletes cached keys once, before the
    # loop of validator.validate_assignment calls, and LeaseInputs.phases_resolved is a cached_property that
    # its own model validator fills.
    moved = m.with_inputs(base, [(f"lease.{k}", v) for k, v in changes.items()])
    reference = _fully_validated(base, "lease", **changes)
    assert moved.lease.phases_resolved == reference.lease.phases_resolved
    assert moved.horizon == reference.horizon
    assert m.compare_site(moved).npv_difference_usd == pytest.approx(
        m.compare_site(reference).npv_difference_usd, rel=1e-9)


def test_with_inputs_mining_fleet_totals_not_stale_after_two_mining_changes(base):
    # Expected: a new fleet (20,000 S21 = 4,000,000 TH/s) and a power price changed together are valued with
    # the new fleet, and a PUE that makes the fleet draw more than the site (96.25 MW x 1.3/1.1 = 113.75 MW >
    # 100 MW) is refused as it is when changed alone. Actual: fleet_hashrate_th_s / fleet_site_mw cached by
    # the first assignment's validator survive the second; the 25,000-unit fleet is valued and the over-size
    # fleet passes. Same cause as above (models/comparison.py _changed).
    fleet = [{"model": "Antminer S21", "units": 20_000}]
    moved = m.with_inputs(base, [("mining.power_price_usd_per_kwh", 0.05), ("mining.fleet", fleet)])
    reference = _fully_validated(base, "mining", power_price_usd_per_kwh=0.05, fleet=fleet)
    assert moved.mining.fleet_hashrate_th_s == 20_000 * 200.0  # catalogue: S21 200 TH/s
    assert m.compare_site(moved).mining_npv_usd == pytest.approx(m.compare_site(reference).mining_npv_usd, rel=1e-9)
    with pytest.raises(HashleaseError, match="fleet"):
        m.with_inputs(base, [("mining.power_price_usd_per_kwh", 0.05), ("mining.pue", 1.3)])


def test_with_inputs_top_level_horizon_not_stale(base):
    # Expected: horizon_months=200 set together with the discount rate gives a 200-month comparison.
    # Actual: the first top-level assignment runs _same_site, which reads (and caches) self.horizon = 133 for a
    # path market; the second assignment keeps it, so .horizon is 133 while horizon_months is 200 and every
    # output is valued over 133 months. Same cause (models/comparison.py _changed).
    path = tuple(90_000.0 * 1.01 ** i for i in range(300))
    priced = m.with_inputs(base, [("market.btc_price_path_usd", path), ("market.btc_price_usd", None),
                                  ("market.btc_price_growth_per_year_frac", None)])
    moved = m.with_inputs(priced, [("discount_rate_per_year_frac", 0.09), ("horizon_months", 200)])
    assert moved.horizon_months == 200
    assert moved.horizon == 200
    assert m.comparison_flows([moved]).mining_net_usd.shape == (1, 200)


def test_hl_sensitivity_does_not_depend_on_which_input_is_the_row(base):
    # Expected: HL_SENSITIVITY with power price down the rows and PUE across the columns answers like the
    # transposed call: #NUM! (PUE 1.3 makes the 96.25 MW fleet draw 113.75 MW on a 100 MW site).
    # Actual (with a horizon given, so _same_horizon does not re-validate): numbers for an impossible site on
    # one orientation, #NUM! on the other. Cause: the stale cache in with_inputs (above).
    market, mining, lease = _ranges(base)
    grid = call_classic("HL_SENSITIVITY", market, mining, lease, "mining.power_price_usd_per_kwh", [[0.04, 0.05]],
                        "mining.pue", [[1.1, 1.3]], 0.1, 133)
    transposed = call_classic("HL_SENSITIVITY", market, mining, lease, "mining.pue", [[1.1, 1.3]],
                              "mining.power_price_usd_per_kwh", [[0.04, 0.05]], 0.1, 133)
    assert isinstance(transposed, str) and transposed.startswith("#NUM!")
    assert isinstance(grid, str) and grid.startswith("#NUM!")


# --- 2. break-evens ------------------------------------------------------------------------------------------

def test_breakeven_rent_equalises_npvs_when_base_rent_is_tiny(base):
    # Expected (SOLVE_TOLERANCE docstring): at the solved rent the two NPVs agree to 1e-9 of the larger NPV
    # (~0.04 USD here), and the break-even rent does not depend on the rent it starts from.
    # Actual: from a base rent of 1e-6 USD/kW-month the secant between 1e-6 and 1.01e-6 is cancelled to ~6
    # digits and, with no exit cap, accepted unchecked: the NPV gap at the "break-even" is ~1,570 USD and the
    # rent differs from the one solved from $130 in the 6th digit. Cause: models/valuation.py _breakeven_rent,
    # `rent[inside & linear] = c[...]` without checking g(c).
    tiny = m.with_input(base, "lease.rent_usd_per_kw_month", 1e-6)
    rent = m.breakeven_rent_vs_mining(tiny)
    check = m.compare_site(m.with_input(tiny, "lease.rent_usd_per_kw_month", rent))
    tolerance = SOLVE_TOLERANCE * max(abs(check.mining_npv_usd), abs(check.lease_npv_usd), 1.0)
    assert abs(check.npv_difference_usd) <= 10 * tolerance
    assert rent == pytest.approx(m.breakeven_rent_vs_mining(base), rel=1e-9)


# --- 3. silent absurd numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("changes", [
    [("market.months", 1), ("market.difficulty_growth_per_month_frac", -0.3)],
    [("horizon_months", 1200), ("market.difficulty_growth_per_month_frac", -0.05)],
], ids=["short_market_months", "long_horizon"])
def test_difficulty_floor_enforced_over_the_comparison_horizon(base, changes):
    # Expected: MarketProjection refuses a decline taking difficulty below 1 (its floor) over its months; the
    # comparison projects the market over its own horizon, so the same rule must hold there (#NUM!).
    # Actual: the floor is checked over market.months only; the comparison projects difficulty down to 4e-7
    # (or 2e-13) and reports a mining NPV of 5e27 (or 4e37) USD with no error. Cause: MarketProjection.
    # _alternatives uses self.months; SiteComparisonInputs._same_site does not re-check over self.horizon.
    with pytest.raises(HashleaseError) as info:
        values = m.value_comparisons([m.with_inputs(base, changes)])
        if values.errors[0] is not None:
            raise values.errors[0]
    assert info.value.kind is ErrorKind.NUM


def test_monte_carlo_difficulty_draws_respect_the_difficulty_floor(base):
    # Expected: drawn difficulty growth that takes difficulty below its floor of 1 is refused (as the market's
    # own growth is), not valued. Actual: growth -0.49/month over 133 months (difficulty ~1e-25) gives mining
    # NPV percentiles of +5e44 USD silently. Cause: models/monte_carlo.py MonteCarloSpec/_draws never check it.
    spec = m.MonteCarloSpec(paths=10, seed=1, difficulty_growth_low_per_month_frac=-0.49,
                            difficulty_growth_high_per_month_frac=-0.49)
    with pytest.raises(HashleaseError):
        result = m.monte_carlo(base, spec)
        assert np.all(np.abs(result.mining_npv_usd) < 1e15), "absurd mining NPV"


# --- 4. one bad scenario sinks the batch -------------------------------------------------------------------

def test_one_extreme_scenario_fails_alone_in_value_comparisons_and_model_chunk(base):
    # Expected (value_comparisons / docs/batch.md): a scenario with no finite value carries its error in
    # .errors; the others are valued in the same pass. Actual: difficulty 1e308 overflows at month 30 and
    # hashprice_btc_per_day_from_reward raises "difficulty[1, 30] must be > 0, got inf" (internal array
    # indices) for the whole call; model_chunk raises too, so run_batch re-runs the chunk one scenario at a time
    # (~20x slower: 500 scenarios 0.06 s in one pass, 1.3 s one by one) and the row reads "HashleaseError: ...".
    huge = m.with_input(base, "market.difficulty", 1e308)
    values = m.value_comparisons([base, huge])
    assert values.errors[0] is None and values.errors[1] is not None
    rows = model_chunk(base.model_dump_json(), [Scenario("ok", ()), Scenario("huge", (("market.difficulty", 1e308),))])
    assert rows[0].get("error") is None and rows[1]["error"]


# --- 5. error kinds ----------------------------------------------------------------------------------------

def test_huge_whole_number_is_num_not_value(base):
    # Expected (ErrorKind docs): a number of the right type out of range is NUM / #NUM!, with a readable range.
    # Actual: horizon_months=1e19 gives kind VALUE and the message "horizon_months must be Unable to parse input
    # string as an integer, exceeded maximum size". Cause: models/_validate.py NUM_ERROR_TYPES and
    # _ACCEPTED_BY_TYPE lack pydantic's "int_parsing_size".
    with pytest.raises(HashleaseError) as info:
        m.with_input(base, "horizon_months", 1e19)
    assert info.value.kind is ErrorKind.NUM
    market, mining, lease = _ranges(base)
    assert call_classic("HL_BREAKEVEN_RENT_VS_MINING", market, mining, lease, 0.1, 1e19).startswith("#NUM!")


def test_boolean_is_refused_where_a_number_is_expected(base, tmp_path):
    # Expected (style.md s5, _validate.as_real, runtime._number): TRUE where a number is expected is a wrong
    # type, VALUE / #VALUE!. Actual: pydantic's lax mode takes True as 1: a scenario "market.btc_price_usd,TRUE"
    # (or YAML `yes`, or TRUE in the Market range) values mining at a BTC price of 1 USD, lease.term_years TRUE
    # is a 1-year lease. Cause: InputModel's config (no strict numbers) and batch._value turning TRUE into bool.
    with pytest.raises(HashleaseError) as info:
        m.with_input(base, "market.btc_price_usd", True)
    assert info.value.kind is ErrorKind.VALUE
    market, mining, lease = _ranges(base)
    market = [[k, True if k == "btc_price_usd" else v] for k, v in market]
    assert str(call_classic("HL_BREAKEVEN_RENT_VS_MINING", market, mining, lease, 0.1, None)).startswith("#VALUE!")


# --- 6. scenario files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "scenario,input,value\ns1,market.btc_price_usd,60000\ns1,market.btc_price_usd,120000\n",
    "scenario,market.btc_price_usd,market.btc_price_usd\ns1,60000,120000\n",
], ids=["long", "wide"])
def test_input_named_twice_in_a_scenario_file_is_refused(tmp_path, text):
    # Expected (with_inputs docstring: "An input named twice is refused"): the scenario fails with that
    # reason. Actual: load_scenarios stores overrides in a dict, so the last value silently wins (120,000) and
    # the batch row shows a price the user may not have meant. Cause: src/hashlease/batch.py load_scenarios.
    path = tmp_path / "s.csv"
    path.write_text(text)
    try:
        scenarios = load_scenarios(path)
    except HashleaseError:
        return
    base = m.example_comparison()
    rows = model_chunk(base.model_dump_json(), scenarios)
    assert rows[0].get("error"), f"duplicate input silently resolved: {scenarios[0].overrides}"


def test_non_text_input_name_in_yaml_is_a_hashlease_error(tmp_path):
    # Expected: an input name that is not text (YAML `7: 1`) gives the row a HashleaseError message, as
    # with_inputs does ("input must be a dotted input name"). Actual: scenario_inputs calls _PHASE.match(7) and
    # raises TypeError, which escapes model_chunk (the whole chunk fails; run_batch isolates it and prints
    # "TypeError: expected string or bytes-like object"). Cause: src/hashlease/batch.py scenario_inputs.
    path = tmp_path / "s.yaml"
    path.write_text("s1: {7: 1}\nok: {}\n")
    scenarios = load_scenarios(path)
    rows = model_chunk(m.example_comparison().model_dump_json(), scenarios)
    assert "input" in rows[0]["error"] and "TypeError" not in rows[0]["error"]
    assert rows[1].get("error") is None


# --- 7. tornado --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("steps", [
    [],
    [TornadoStep("lease.exit_cap_rate_frac", 0.1)],  # not set in the example: skipped, leaving no bar
    [TornadoStep("market.nope", 0.1)],
    [TornadoStep("lease.construction_start", 0.1)],
], ids=["no_steps", "all_skipped", "unknown_input", "date_input"])
def test_tornado_bad_steps_raise_hashlease_error(base, steps):
    # Expected (style.md s5: other exceptions are bugs): a HashleaseError naming the step (VALUE).
    # Actual: ValueError "max() arg is an empty sequence" (sensitivity._same_horizon on no variants),
    # AttributeError (getattr on an unknown field) and TypeError (date * float). Cause: models/sensitivity.py
    # tornado does not check its steps.
    with pytest.raises(HashleaseError):
        m.tornado(base, steps)


def test_horizon_as_a_varied_input_is_not_silently_flattened(base):
    # Once, every variant was moved to the longest horizon, so a tornado bar for horizon_months showed a swing of
    # exactly 0 USD and grid rows for 140 and 200 months were identical. Varying the horizon is refused now.
    inputs = m.with_input(base, "horizon_months", 150)
    with pytest.raises(HashleaseError, match="an input other than the horizon") as info:
        m.tornado(inputs, [TornadoStep("horizon_months", 10, relative=False)])
    assert info.value.kind is ErrorKind.VALUE
    with pytest.raises(HashleaseError, match="an input other than the horizon"):
        m.sensitivity_grid(base, ("horizon_months", [140, 200]), ("lease.rent_usd_per_kw_month", [100.0]))


def test_sensitivity_grid_with_no_values_raises_hashlease_error(base):
    # Expected: an empty list of values is refused with a HashleaseError (VALUE) naming the input.
    # Actual: ValueError "max() arg is an empty sequence" from sensitivity._same_horizon. Cause:
    # models/sensitivity.py sensitivity_grid does not check its value lists.
    with pytest.raises(HashleaseError):
        m.sensitivity_grid(base, ("market.btc_price_usd", []), ("lease.rent_usd_per_kw_month", [100.0]))


# --- 8. blanks without reasons -----------------------------------------------------------------------------

def test_compare_site_blanks_carry_their_reason(base):
    # Expected (valuation module: "A blank never comes without its reason"): where compare_site's summary
    # leaves the lease's IRR and payback empty, the result says why (as value_comparisons' problems do).
    # Actual: SiteComparison has only summary and monthly; the None (and HL_SITE_COMPARE's "" cells) come with
    # no reason anywhere. Cause: models/valuation.py compare_site drops values.problems.
    cheap = m.with_input(base, "lease.rent_usd_per_kw_month", 1e-6)
    result = m.compare_site(cheap)
    assert result.summary.at["convert_to_lease", "irr_per_year_frac"] is None  # no IRR at this rent
    assert "notes" in result.summary.columns or hasattr(result, "problems")


def test_outputs_not_computed_are_not_silent_nan(base):
    # Expected (ComparisonValues.value: "raising the scenario's error or the output's problem where it has
    # none"; style.md s5: never signal failure with NaN): asking for an output the pass did not compute raises,
    # or says why. Actual: value_comparisons([x]).value("mining_irr_per_year_frac") (mining_irr=False, the
    # default) and .value("breakeven_btc_price_usd") with breakevens=False return nan, and .reason() is None.
    # Cause: models/valuation.py value_comparisons fills every OUTPUTS array with NaN and records no problem for
    # the outputs it skips.
    values = m.value_comparisons([base])
    assert values.reason("mining_irr_per_year_frac", 0) is not None
    with pytest.raises(HashleaseError):
        values.value("mining_irr_per_year_frac")
    skipped = m.value_comparisons([base], breakevens=False)
    with pytest.raises(HashleaseError):
        skipped.value("breakeven_btc_price_usd")


def test_one_non_finite_value_in_a_scenario_file_fails_only_its_scenario(tmp_path):
    # Expected (docs/batch.md: "error for a scenario that failed (it fails alone; the others run)"): the row
    # "bad" carries the error, "ok" is valued, summary.csv is written. Actual: load_scenarios refuses the whole
    # file ("value on line 3 must be a finite number, got 'nan'"), the command exits 1 and nothing is valued.
    # Cause: src/hashlease/batch.py _value raises at load time instead of recording a per-scenario error.
    from pathlib import Path

    import pandas as pd
    from typer.testing import CliRunner

    from hashlease.cli import app

    template = Path(__file__).resolve().parents[1] / "templates" / "hashlease.xlsx"
    scenarios = tmp_path / "s.csv"
    scenarios.write_text("scenario,input,value\nok,market.btc_price_usd,60000\nbad,market.btc_price_usd,nan\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(template), str(scenarios), "-o", str(out), "--engine", "model",
                                      "--workers", "1"])
    assert (out / "summary.csv").exists(), result.output
    summary = pd.read_csv(out / "summary.csv").set_index("scenario")
    assert pd.notna(summary.at["ok", "mining_npv_usd"]) and isinstance(summary.at["bad", "error"], str)
