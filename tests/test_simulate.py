"""hashlease simulate: the distributions file, the run with an injected evaluate function whose answer is known in
closed form, the files written, same seed same numbers across chunk sizes and on a real Dask cluster, and the CLI
on the compiled workbook engine.

The analytic model: npv_difference_usd = A x - B y with x ~ Normal(mu, sigma) and y ~ Uniform(low, high)
independent, so its mean is A mu - B (low + high) / 2 and its standard deviation
sqrt(A^2 sigma^2 + B^2 (high - low)^2 / 12) (variance of a sum of independent terms; uniform variance (b - a)^2/12).
"""

from __future__ import annotations

import base64
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashlease import models as m
from hashlease.models import HashleaseError
from hashlease.simulate import (LEASE_VERSUS_MINING_OUTPUT, load_distributions, run_simulation, spec_from_mapping)

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "hashlease.xlsx"
A, B = 12.0, 3.0e6
MU, SIGMA, LOW, HIGH = 100_000.0, 25_000.0, 0.03, 0.07
TRUE_MEAN = A * MU - B * (LOW + HIGH) / 2
TRUE_SD = math.sqrt(A**2 * SIGMA**2 + B**2 * (HIGH - LOW) ** 2 / 12)

SPEC = {"market.btc_price_usd": {"distribution": "normal", "mean": MU, "sd": SIGMA},
        "Inputs!B7": {"distribution": "uniform", "low": LOW, "high": HIGH},
        "lease.delay_months": {"distribution": "discrete", "values": [0, 6], "probabilities": [0.9, 0.1]}}


class Result:
    """What the compiled engine returns: values and Excel error codes per output."""

    def __init__(self, values, errors):
        self.values, self.errors = values, errors


def analytic(inputs):
    """npv_difference_usd = A x - B y; payback is #NUM! where the lease is delayed 6 months."""
    x, y = inputs["market.btc_price_usd"], inputs["Inputs!B7"]
    late = inputs["lease.delay_months"] == 6
    payback = np.where(late, np.nan, 24.0 + 100 * y)
    return Result({"npv_difference_usd": A * x - B * y, "lease_payback_month": payback},
                  {"npv_difference_usd": np.full(x.size, "", dtype=object),
                   "lease_payback_month": np.where(late, "#NUM!", "").astype(object)})


class Engine:
    """Stands in for hashlease.workbook.compiled's engine: outputs and evaluate."""

    outputs = ("lease_payback_month", "npv_difference_usd")

    def evaluate(self, inputs):
        return analytic(inputs)


def test_moments_of_an_analytic_output_match_the_closed_form(tmp_path):
    n = 100_000
    report = run_simulation(analytic, spec_from_mapping(SPEC), n, seed=3, outdir=tmp_path)
    row = report.summary.set_index("output").loc["npv_difference_usd"]
    assert abs(row["mean"] - TRUE_MEAN) <= 5 * TRUE_SD / math.sqrt(n)  # 5 standard errors of a mean
    assert abs(row["standard_deviation"] - TRUE_SD) <= 5 * TRUE_SD * math.sqrt(2 / n)  # ~normal: SE(s) = s/sqrt(2n)
    # P(A x - B y > 0): the output is nearly normal; within 5 standard errors of a proportion plus its skew
    p = row["probability_lease_beats_mining_frac"]
    iterations = pd.read_parquet(tmp_path / "iterations.parquet")
    assert p == (iterations["npv_difference_usd"] > 0).mean()
    payback = report.summary.set_index("output").loc["lease_payback_month"]
    assert payback["errors"] == (iterations["lease.delay_months"] == 6).sum()
    assert abs(payback["errors"] / n - 0.1) <= 5 * math.sqrt(0.09 / n)
    assert math.isnan(payback["probability_lease_beats_mining_frac"])


def test_zero_variance_reproduces_the_base_case_exactly(tmp_path):
    base = {"market.btc_price_usd": 93_450.17, "Inputs!B7": 0.0431, "lease.delay_months": 3.0}
    spec = spec_from_mapping({
        "market.btc_price_usd": {"distribution": "normal", "mean": base["market.btc_price_usd"], "sd": 0},
        "Inputs!B7": {"distribution": "pert", "low": 0.0431, "mode": 0.0431, "high": 0.0431},
        "lease.delay_months": {"distribution": "constant", "value": 3},
        "correlations": [{"between": ["market.btc_price_usd", "Inputs!B7"], "rank": 0.4}]})
    expected = analytic({name: np.array([value]) for name, value in base.items()})
    report = run_simulation(Engine(), spec, 5_000, seed=1, outdir=tmp_path, chunk_size=777)
    iterations = pd.read_parquet(tmp_path / "iterations.parquet")
    summary = report.summary.set_index("output")
    for name in Engine.outputs:
        assert (iterations[name] == expected.values[name][0]).all()
        for statistic in ("mean", "p5", "p10", "p50", "p90", "p95"):
            assert summary.loc[name, statistic] == expected.values[name][0]
        assert summary.loc[name, "standard_deviation"] == 0.0


def test_summary_equals_numpy_on_the_written_parquet(tmp_path):
    report = run_simulation(Engine(), spec_from_mapping(SPEC), 20_000, seed=9, outdir=tmp_path, chunk_size=3_000)
    iterations = pd.read_parquet(tmp_path / "iterations.parquet")
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("output")
    assert list(summary.index) == list(Engine.outputs)
    assert summary.equals(pd.read_parquet(tmp_path / "summary.parquet").set_index("output")) or \
        np.allclose(summary.select_dtypes("number"), pd.read_parquet(tmp_path / "summary.parquet").set_index(
            "output").select_dtypes("number"), equal_nan=True, rtol=1e-15)
    for name in Engine.outputs:
        values = iterations[name].to_numpy()
        finite = values[~np.isnan(values)]
        row = summary.loc[name]
        assert row["iterations"] == 20_000 and row["values"] == finite.size
        assert math.isclose(row["mean"], np.mean(finite), rel_tol=1e-12)
        assert math.isclose(row["standard_deviation"], np.std(finite, ddof=1), rel_tol=1e-12)
        for p in (5, 10, 50, 90, 95):
            assert math.isclose(row[f"p{p}"], np.percentile(finite, p), rel_tol=1e-12)
    assert summary.loc[LEASE_VERSUS_MINING_OUTPUT, "unit"] == "USD"
    assert summary.loc["lease_payback_month", "unit"] == "months"
    errors = iterations["lease_payback_month error"]
    assert set(errors) == {"", "#NUM!"} and (errors == "#NUM!").sum() == summary.loc["lease_payback_month", "errors"]
    assert "npv_difference_usd error" not in iterations  # no column for an output without errors
    assert report.tornado_output == "npv_difference_usd"
    assert report.tornado["market.btc_price_usd"] > 0.9 and report.tornado["Inputs!B7"] < 0


def test_every_file_is_written_and_the_report_stands_alone(tmp_path):
    spec = load_distributions(_yaml(tmp_path, SPEC))
    report = run_simulation(Engine(), spec, 2_000, seed=4, outdir=tmp_path / "out", title="Monte Carlo of x.xlsx")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(["iterations.parquet", "summary.csv", "summary.parquet", "histogram_lease_payback_month.png",
                            "histogram_npv_difference_usd.png", "tornado.png", "report.html"])
    assert {p.name for p in report.files} == set(names)
    page = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "2,000 iterations, seed 4" in page and "npv_difference_usd [USD]" in page
    assert "lease_payback_month [months]" in page and "Inputs!B7" in page
    images = page.split("data:image/png;base64,")[1:]
    assert len(images) == 3
    for image in images:
        assert base64.b64decode(image.split("'")[0]).startswith(b"\x89PNG")
    assert "src='http" not in page and "<script" not in page
    metadata = __import__("pyarrow.parquet").parquet.read_schema(tmp_path / "out" / "iterations.parquet").metadata
    assert metadata[b"hashlease.seed"] == b"4" and metadata[b"hashlease.iterations"] == b"2000"


def test_the_tornado_uses_the_first_output_without_npv_difference(tmp_path):
    def only_payback(inputs):
        return {"lease_payback_month": 24.0 + 100 * inputs["Inputs!B7"]}

    report = run_simulation(only_payback, spec_from_mapping(SPEC), 1_000, seed=2, outdir=tmp_path)
    assert report.tornado_output == "lease_payback_month"
    assert report.tornado["Inputs!B7"] == 1.0  # a monotone function of one input: rank correlation exactly 1
    assert "not among the outputs: the first output is used" in (tmp_path / "report.html").read_text("utf-8")


def test_same_seed_same_numbers_whatever_the_chunk_size(tmp_path):
    spec = spec_from_mapping({**SPEC, "correlations": [{"between": ["market.btc_price_usd", "Inputs!B7"],
                                                       "rank": -0.5}]})
    frames = []
    for size in (1, 333, 10_000):
        run_simulation(Engine(), spec, 2_500, seed=77, outdir=tmp_path / str(size), chunk_size=size)
        frames.append(pd.read_parquet(tmp_path / str(size) / "iterations.parquet"))
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], frame)
    run_simulation(Engine(), spec, 2_500, seed=78, outdir=tmp_path / "other")
    assert not frames[0]["market.btc_price_usd"].equals(pd.read_parquet(tmp_path / "other" / "iterations.parquet")
                                                         ["market.btc_price_usd"])


# --- the distributions file ------------------------------------------------------------------------------

def _yaml(folder: Path, data, name="distributions.yaml") -> Path:
    import yaml

    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data)
    return path


def test_a_file_with_every_distribution_and_an_empirical_column(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "prices.csv").write_text("date,price_usd_per_kwh\n2024-01-01,0.041\n2024-02-01,0.038\n\n"
                                                  "2024-03-01,0.052\n")
    path = _yaml(tmp_path, """
market.btc_price_usd: {distribution: lognormal, mean: 100000, sd: 30000}
market.difficulty_growth_per_month_frac: {distribution: normal, mean: 0.02, sd: 0.01, low: 0, high: 0.06}
lease.rent_usd_per_kw_month: {distribution: triangular, low: 110, mode: 130, high: 150}
lease.capex_usd_per_mw: {distribution: pert, low: 9.0e+6, mode: 10.0e+6, high: 13.0e+6, lambda: 4}
lease.delay_months: {distribution: discrete, values: [0, 3, 6], probabilities: [0.5, 0.3, 0.2]}
mining.power_price_usd_per_kwh: {distribution: empirical, file: data/prices.csv, column: price_usd_per_kwh}
"'Inputs sheet'!B7": {distribution: uniform, low: 0.08, high: 0.1}
Inputs!C9: {distribution: constant, value: 1}
correlations:
  - {between: [market.btc_price_usd, market.difficulty_growth_per_month_frac], rank: 0.6}
sampling: random
""")
    spec = load_distributions(path)
    assert list(spec.distributions)[-2:] == ["'Inputs sheet'!B7", "Inputs!C9"]
    assert spec.distributions["mining.power_price_usd_per_kwh"].observations == (0.041, 0.038, 0.052)
    assert spec.sources["mining.power_price_usd_per_kwh"] == "data/prices.csv, column price_usd_per_kwh"
    assert spec.sampling == "random" and spec.correlations[0].rank == 0.6
    assert isinstance(spec.distributions["lease.capex_usd_per_mw"], m.Pert)


@pytest.mark.parametrize("text, message", [
    ("x.a: {distribution: gamma, shape: 2}", r"x\.a\.distribution must be one of normal, lognormal"),
    ("x.a: {distribution: normal, mean: 1, sd: -2}", r"x\.a\.sd must be >= 0, got -2"),
    ("x.a: {distribution: normal, mean: 1}", r"x\.a\.sd"),
    ("x.a: {distribution: discrete, values: [1, 2], probabilities: [0.5, 0.4]}", r"x\.a\.probabilities must be"),
    ("x.a: {distribution: empirical, file: p.csv, column: nope}", r"column of x\.a\.file p\.csv must be a column of its "
                                                                   r"header: 'price'"),
    ("x.a: {distribution: empirical, file: bad.csv, column: price}", r"x\.a\.file bad\.csv line 3, column price must "
                                                                      r"be a finite number.*got 'n/a'"),
    ("x.a: {distribution: empirical, file: ../outside.csv, column: price}", r"x\.a\.file must be a CSV file in the "
                                                                             r"distributions file's folder"),
    ("x.a: {distribution: empirical, file: missing.csv, column: price}", r"x\.a\.file must be an existing CSV"),
    ("x.a: {distribution: normal, mean: 1, sd: 1}\ncorrelations: [{between: [x.a, x.b], rank: 0.5}]",
     r"correlations\[0\]\.between must be an input with a distribution.*got 'x\.b'"),
    ("x.a: {distribution: normal, mean: 1, sd: 1}\nx.b: {distribution: normal, mean: 1, sd: 1}\n"
     "correlations: [{between: [x.a, x.b], rank: 1.5}]", r"correlations\[0\]\.rank must be <= 1, got 1.5"),
    ("a: {distribution: normal, mean: 1, sd: 1}\nb: {distribution: normal, mean: 1, sd: 1}\n"
     "c: {distribution: normal, mean: 1, sd: 1}\ncorrelations: [{between: [a, b], rank: 0.9}, "
     "{between: [a, c], rank: 0.9}, {between: [b, c], rank: -0.9}]",
     r"rank correlation b ~ c must be in \(0.620, 1.000\)"),  # 0.9 x 0.9 +- sqrt(0.19 x 0.19)
    ("x.a: {distribution: normal, mean: 1, sd: 1}\nsampling: sobol", r"sampling must be one of latin_hypercube"),
    ("'bad name!': {distribution: normal, mean: 1, sd: 1}", r"input name in distributions.yaml must be a defined"),
    ("x.a: 5", r"x\.a must be a mapping"),
    ("- 1\n- 2", r"distributions.yaml must be a mapping of input"),
    ("x.a: {distribution: normal, mean: 1, sd: 1", r"DISTRIBUTIONS must be valid YAML"),
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
     "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]", r"DISTRIBUTIONS must be a file without alias bombs"),
], ids=["unknown distribution", "negative sd", "missing sd", "probabilities", "missing column", "non-numeric cell",
        "outside the folder", "missing file", "unknown input in a pair", "rank above one", "not positive definite",
        "unknown sampling", "bad input name", "not a mapping", "a list", "broken YAML", "alias bomb"])
def test_bad_files_are_clear_messages(tmp_path, text, message):
    (tmp_path / "p.csv").write_text("price\n1\n2\n")
    (tmp_path / "bad.csv").write_text("price\n1\nn/a\n3\n")
    (tmp_path.parent / "outside.csv").write_text("price\n1\n")
    with pytest.raises(HashleaseError, match=message):
        load_distributions(_yaml(tmp_path, text))


def test_evaluate_must_answer_every_iteration(tmp_path):
    with pytest.raises(HashleaseError, match=r"evaluate output npv_difference_usd must be one per iteration"):
        run_simulation(lambda inputs: {"npv_difference_usd": np.zeros(3)}, spec_from_mapping(SPEC), 10, seed=1,
                       outdir=tmp_path)
    with pytest.raises(HashleaseError, match=r"n must be <= 10,000,000"):
        run_simulation(analytic, spec_from_mapping(SPEC), 10_000_001, seed=1, outdir=tmp_path)
    with pytest.raises(HashleaseError, match=r"seed must be >= 0"):
        run_simulation(analytic, spec_from_mapping(SPEC), 10, seed=-1, outdir=tmp_path)


def test_the_draws_handed_to_an_engine_are_read_only(tmp_path):
    def vandal(inputs):
        inputs["Inputs!B7"][:] = 0
        return {"npv_difference_usd": inputs["Inputs!B7"]}

    with pytest.raises(ValueError, match="read-only"):
        run_simulation(vandal, spec_from_mapping(SPEC), 10, seed=1, outdir=tmp_path)


# --- a real Dask cluster on 127.0.0.1 (the batch tests' fixture) -----------------------------------------

def _batch_tests():
    loaded = sys.modules.get("hashlease_tests_batch_for_simulate")
    if loaded is None:
        spec = importlib.util.spec_from_file_location("hashlease_tests_batch_for_simulate",
                                                      Path(__file__).with_name("test_batch.py"))
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = loaded
        spec.loader.exec_module(loaded)
    return loaded


cluster = _batch_tests().cluster  # the same fixture: a scheduler and two workers started with `dask`


def test_dask_cluster_gives_the_local_numbers(tmp_path, cluster):
    import cloudpickle

    address, _ = cluster
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    try:
        spec = spec_from_mapping({**SPEC, "correlations": [{"between": ["market.btc_price_usd", "Inputs!B7"],
                                                           "rank": 0.3}]})
        run_simulation(Engine(), spec, 5_000, seed=12, outdir=tmp_path / "local", chunk_size=5_000)
        seen = []
        run_simulation(Engine(), spec, 5_000, seed=12, outdir=tmp_path / "remote", chunk_size=400, scheduler=address,
                       progress=lambda done, total: seen.append(done))
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert seen[-1] == 5_000 and len(seen) == 13
    for name in ("iterations.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "local" / name),
                                      pd.read_parquet(tmp_path / "remote" / name))


def test_a_bad_scheduler_is_named(tmp_path):
    with pytest.raises(HashleaseError, match=r"--scheduler must be a Dask scheduler address"):
        run_simulation(Engine(), spec_from_mapping(SPEC), 10, seed=1, outdir=tmp_path, scheduler="inproc://x")


# --- the command, on the compiled workbook engine --------------------------------------------------------

def test_the_command_on_the_template(tmp_path):
    from typer.testing import CliRunner

    from hashlease.batch import OUTPUTS, Scenario, base_inputs, model_chunk
    from hashlease.cli import app

    runner = CliRunner()
    base = base_inputs(TEMPLATE)
    price = base.market.btc_price_usd
    # zero variance: every iteration is the template's base case, valued independently by the model engine
    still = _yaml(tmp_path, {"market.btc_price_usd": {"distribution": "constant", "value": price}}, "still.yaml")
    result = runner.invoke(app, ["simulate", str(TEMPLATE), str(still), "-n", "50", "--seed", "1", "-o",
                                 str(tmp_path / "still")])
    assert result.exit_code == 0, result.output
    expected = model_chunk(base.model_dump_json(), [Scenario("base", ())])[0]
    iterations = pd.read_parquet(tmp_path / "still" / "iterations.parquet")
    for name in OUTPUTS:
        if expected.get(name) is not None and name in iterations:
            assert np.allclose(iterations[name], expected[name], rtol=1e-9), name
    # a drawn BTC price, correlated with the rent; the NPV difference falls as BTC rises (mining gains)
    drawn = _yaml(tmp_path, {"market.btc_price_usd": {"distribution": "lognormal", "mean": price, "sd": 0.3 * price},
                             "lease.rent_usd_per_kw_month": {"distribution": "triangular", "low": 110, "mode": 130,
                                                             "high": 150},
                             "correlations": [{"between": ["market.btc_price_usd", "lease.rent_usd_per_kw_month"],
                                               "rank": 0.3}]}, "drawn.yaml")
    result = runner.invoke(app, ["simulate", str(TEMPLATE), str(drawn), "-n", "500", "--seed", "7", "-o",
                                 str(tmp_path / "drawn"), "--chunk-size", "128", "--output", "npv_difference_usd",
                                 "--output", "mining_npv_usd"])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "drawn" / "summary.csv").set_index("output")
    assert list(summary.index) == ["npv_difference_usd", "mining_npv_usd"]
    assert 0 <= summary.loc["npv_difference_usd", "probability_lease_beats_mining_frac"] <= 1
    assert (tmp_path / "drawn" / "report.html").exists() and (tmp_path / "drawn" / "tornado.png").exists()
    # a bad file is a message and exit 1, no traceback
    bad = _yaml(tmp_path, {"market.btc_price_usd": {"distribution": "normal", "mean": price, "sd": -1}}, "bad.yaml")
    result = runner.invoke(app, ["simulate", str(TEMPLATE), str(bad), "--seed", "1", "-o", str(tmp_path / "bad")])
    assert result.exit_code == 1 and "market.btc_price_usd.sd must be >= 0" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
