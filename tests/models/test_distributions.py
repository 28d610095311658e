"""Input distributions and Iman–Conover against independent references.

References: scipy.stats (quantiles and moments of each distribution, Spearman's rho); Malcolm et al. (1959) for the
PERT mean (low + 4 mode + high) / 6; Johnson, Kotz & Balakrishnan (1994) eq. 14.8 for the lognormal's moments;
Iman & Conover (1982) for rank-correlation induction. Sampling tolerances are stated as a number of standard
errors (5: a false failure about once in 1.7 million checks), the standard error from the reference distribution.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st

from hashlease import models as m
from hashlease.models import HashleaseError

N = 200_000
SE = 5  # standard errors allowed for a sampled statistic


# --- quantiles against scipy -----------------------------------------------------------------------------

U = np.concatenate([np.linspace(1e-12, 1e-6, 1001), np.linspace(1e-6, 1 - 1e-6, 20001),
                    np.linspace(1 - 1e-6, 1 - 1e-12, 1001)])

QUANTILES = [
    ("normal", m.Normal(mean=100, sd=15), st.norm(100, 15), 1e-12),
    ("normal truncated both", m.Normal(mean=0.04, sd=0.01, low=0.03, high=0.06),
     st.truncnorm(-1, 2, loc=0.04, scale=0.01), 1e-12),
    ("normal truncated far upper tail", m.Normal(mean=0, sd=1, low=6, high=9), st.truncnorm(6, 9), 1e-9),
    ("normal truncated below only", m.Normal(mean=5, sd=2, low=4), st.truncnorm(-0.5, np.inf, loc=5, scale=2), 1e-12),
    ("lognormal", m.Lognormal(mean=100_000, sd=30_000),
     st.lognorm(math.sqrt(math.log(1.09)), scale=100_000 / math.sqrt(1.09)), 1e-12),
    ("uniform", m.Uniform(low=0.03, high=0.05), st.uniform(0.03, 0.02), 1e-15),
    ("triangular", m.Triangular(low=1, mode=2, high=5), st.triang(0.25, loc=1, scale=4), 1e-12),
    ("triangular mode at low", m.Triangular(low=0, mode=0, high=3), st.triang(0.0, loc=0, scale=3), 1e-12),
    ("pert classic", m.Pert(low=0, mode=1, high=5), st.beta(1.8, 4.2, loc=0, scale=5), 1e-10),
    ("pert lambda 10", m.Pert(low=2, mode=3, high=10, shape=10),  # alpha 1 + 10 x 1/8, beta 1 + 10 x 7/8
     st.beta(2.25, 9.75, loc=2, scale=8), 1e-10),
    ("pert mode at high", m.Pert(low=0, mode=1, high=1), st.beta(5, 1), 1e-10),
    ("pert peaked", m.Pert(low=0, mode=0.999, high=1, shape=1000), st.beta(1000, 2), 1e-10),
    ("pert flat", m.Pert(low=0, mode=0.3, high=1, shape=0.1), st.beta(1.03, 1.07), 1e-10),
]


@pytest.mark.parametrize("distribution, reference, tolerance", [q[1:] for q in QUANTILES],
                         ids=[q[0] for q in QUANTILES])
def test_quantile_equals_scipy(distribution, reference, tolerance):
    expected = reference.ppf(U)
    scale = max(reference.ppf(0.99) - reference.ppf(0.01), abs(reference.median()), 1)
    # plus the quantile's own conditioning: u is known to half an ulp, and x moves by dx/du = 1/f(x) per unit of u
    conditioning = 2 * np.spacing(U) / reference.pdf(expected)
    assert (np.abs(distribution.quantile(U) - expected) <= tolerance * scale + conditioning).all()


def test_normal_quantile_equals_scipy_to_rounding():
    p = np.concatenate([np.logspace(-300, -1, 2000), np.linspace(0.1, 0.9, 2001), 1 - np.logspace(-16, -1, 2000)])
    assert np.allclose(m.normal_quantile(p), st.norm.ppf(p), rtol=1e-14, atol=1e-14)


def test_discrete_and_empirical_quantiles_are_the_step_functions():
    u = np.linspace(0.001, 0.999, 999)
    d = m.Discrete(values=[6, 0, 3], probabilities=[0.2, 0.5, 0.3])
    reference = st.rv_discrete(values=([0, 3, 6], [0.5, 0.3, 0.2]))
    assert (d.quantile(u) == reference.ppf(u)).all()
    observations = np.array([5.0, 1.0, 4.0, 4.0, 2.0])
    # inverse empirical CDF: the ceil(m u)-th smallest (numpy's "inverted_cdf" percentile, Hyndman & Fan type 1)
    expected = np.percentile(observations, u * 100, method="inverted_cdf")
    assert (m.Empirical(observations=observations.tolist()).quantile(u) == expected).all()


# --- sampled moments against the distributions' own ----------------------------------------------------------

MOMENTS = [
    ("normal", m.Normal(mean=100, sd=15), st.norm(100, 15)),
    ("normal truncated", m.Normal(mean=0.04, sd=0.01, low=0.03, high=0.06), st.truncnorm(-1, 2, loc=0.04, scale=0.01)),
    ("lognormal", m.Lognormal(mean=100_000, sd=30_000),
     st.lognorm(math.sqrt(math.log(1.09)), scale=100_000 / math.sqrt(1.09))),
    ("uniform", m.Uniform(low=-1, high=3), st.uniform(-1, 4)),
    ("triangular", m.Triangular(low=1, mode=2, high=5), st.triang(0.25, loc=1, scale=4)),
    ("pert", m.Pert(low=0, mode=1, high=5), st.beta(1.8, 4.2, loc=0, scale=5)),
]


@pytest.mark.parametrize("method", ["random", "latin_hypercube"])
@pytest.mark.parametrize("distribution, reference", [q[1:] for q in MOMENTS], ids=[q[0] for q in MOMENTS])
def test_sample_moments_and_quantiles_within_sampling_error(distribution, reference, method):
    x = m.draw_inputs({"x": distribution}, N, seed=11, method=method)["x"]
    mean, sd = reference.mean(), reference.std()
    assert abs(x.mean() - mean) <= SE * sd / math.sqrt(N)
    # SE of the sample variance: sqrt((mu4 - sigma^4) / N)
    kurtosis = reference.stats(moments="k") + 3.0
    assert abs(x.var(ddof=1) - sd**2) <= SE * sd**2 * math.sqrt((kurtosis - 1) / N)
    for q in (0.05, 0.5, 0.95):
        # SE of a sample quantile: sqrt(q (1 - q) / N) / f(x_q)
        xq = reference.ppf(q)
        assert abs(np.quantile(x, q) - xq) <= SE * math.sqrt(q * (1 - q) / N) / reference.pdf(xq)


def test_lognormal_conversion_keeps_the_stated_mean_and_sd():
    d = m.Lognormal(mean=100_000, sd=30_000)
    # Johnson, Kotz & Balakrishnan eq. 14.8: E = exp(mu + sigma^2 / 2), Var = (exp(sigma^2) - 1) exp(2 mu + sigma^2)
    assert math.isclose(math.exp(d.mu + d.sigma**2 / 2), 100_000, rel_tol=1e-14)
    assert math.isclose(math.sqrt(math.expm1(d.sigma**2) * math.exp(2 * d.mu + d.sigma**2)), 30_000, rel_tol=1e-12)


@pytest.mark.parametrize("low, mode, high", [(0, 1, 5), (10, 10, 20), (-3, 4, 4), (0.02, 0.035, 0.07)],
                         ids=["skewed", "mode at low", "mode at high", "rates"])
def test_pert_mean_is_malcolm_s_formula(low, mode, high):
    d = m.Pert(low=low, mode=mode, high=high)
    expected = (low + 4 * mode + high) / 6  # Malcolm et al. (1959)
    assert math.isclose(d.mean_value, expected, rel_tol=1e-14)
    x = m.draw_inputs({"x": d}, N, seed=2)["x"]
    assert abs(x.mean() - expected) <= SE * st.beta(d.alpha, d.beta, loc=low, scale=high - low).std() / math.sqrt(N)


def test_discrete_frequencies_within_a_chi_square_bound():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    x = m.draw_inputs({"x": m.Discrete(values=[0, 3, 6, 12], probabilities=p.tolist())}, N, seed=4,
                      method="random")["x"]
    observed = np.array([(x == v).sum() for v in (0, 3, 6, 12)])
    assert observed.sum() == N
    chi2 = ((observed - N * p) ** 2 / (N * p)).sum()
    assert chi2 < st.chi2(df=3).ppf(1 - 1e-6)


def test_latin_hypercube_puts_one_draw_in_each_stratum():
    u = m.uniforms(10_000, seed=9, key="x")
    assert (np.sort(np.floor(u * 10_000).astype(int)) == np.arange(10_000)).all()
    assert ((u > 0) & (u < 1)).all()


def test_zero_variance_distributions_give_their_value_exactly():
    draws = m.draw_inputs({"a": m.Normal(mean=0.1, sd=0), "b": m.Lognormal(mean=0.3, sd=0),
                           "c": m.Uniform(low=7.7, high=7.7), "d": m.Triangular(low=2.2, mode=2.2, high=2.2),
                           "e": m.Pert(low=1.1, mode=1.1, high=1.1), "f": m.Constant(value=93_450.5),
                           "g": m.Discrete(values=[4.4], probabilities=[1]), "h": m.Empirical(observations=[0.7])},
                          1000, seed=1, correlations=[{"between": ["a", "b"], "rank": 0.5}])
    expected = {"a": 0.1, "b": 0.3, "c": 7.7, "d": 2.2, "e": 1.1, "f": 93_450.5, "g": 4.4, "h": 0.7}
    for name, value in expected.items():
        assert (draws[name] == value).all(), name


# --- Iman–Conover ----------------------------------------------------------------------------------------

TARGET = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]])


def _three_inputs():
    return {"btc": m.Lognormal(mean=100_000, sd=40_000), "power": m.Triangular(low=0.03, mode=0.04, high=0.07),
            "delay": m.Pert(low=0, mode=3, high=12)}


def _pairs(matrix):
    names = ["btc", "power", "delay"]
    return [{"between": [names[i], names[j]], "rank": matrix[i, j]} for i in range(3) for j in range(i + 1, 3)]


def test_iman_conover_achieves_the_target_rank_correlations():
    distributions = _three_inputs()
    draws = m.draw_inputs(distributions, N, seed=21, correlations=_pairs(TARGET))
    x = np.column_stack(list(draws.values()))
    achieved = st.spearmanr(x).statistic
    # Spearman's rho of n pairs has standard error at most 1 / sqrt(n - 1) (its variance under independence)
    assert np.max(np.abs(achieved - TARGET)) <= SE / math.sqrt(N - 1)


def test_iman_conover_keeps_every_marginal():
    distributions = {**_three_inputs(), "tenant": m.Discrete(values=[0, 1], probabilities=[0.9, 0.1])}
    free = m.draw_inputs(distributions, 50_000, seed=5)
    tied = m.draw_inputs(distributions, 50_000, seed=5, correlations=[*_pairs(TARGET), {"between": ["btc", "tenant"],
                                                                                         "rank": -0.2}])
    for name in distributions:
        assert (np.sort(free[name]) == np.sort(tied[name])).all()


def test_iman_conover_matches_scipy_spearman_on_a_plain_matrix():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.uniform(size=N), rng.exponential(size=N), rng.normal(size=N)])
    y = m.iman_conover(x, TARGET, seed=3)
    assert np.max(np.abs(st.spearmanr(y).statistic - TARGET)) <= SE / math.sqrt(N - 1)
    assert (np.sort(y, axis=0) == np.sort(x, axis=0)).all()


def test_rank_correlation_equals_scipy_with_ties():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 20, 5000).astype(float)
    y = x + rng.integers(0, 10, 5000)
    assert math.isclose(m.rank_correlation(x, y), st.spearmanr(x, y).statistic, rel_tol=1e-12)
    assert np.allclose(m.average_ranks(x), st.rankdata(x), rtol=0, atol=0)
    columns = np.column_stack([x, -x, y])
    expected = [st.spearmanr(columns[:, j], y).statistic for j in range(3)]
    assert np.allclose(m.rank_correlation(columns, y), expected, rtol=1e-12)
    assert math.isnan(m.rank_correlation(np.ones(10), np.arange(10.0)))


@pytest.mark.parametrize("matrix, message", [
    ([[1, 0.5], [0.4, 1]], r"rank correlation a ~ b must be equal to b ~ a"),
    ([[1, 1.2], [1.2, 1]], r"rank correlation a ~ b must be in \[-1, 1\], got 1.2"),
    ([[0.9, 0.2], [0.2, 1]], r"rank correlation of a with itself must be 1, got 0.9"),
    ([[1, 1.0], [1.0, 1]], r"rank correlation a ~ b must be in \(-1.000, 1.000\) .*positive definite\), got 1.0"),
    ([[1, 0.9, 0.8], [0.9, 1, -0.5], [0.8, -0.5, 1]], r"rank correlation a ~ b must be in \(-0.920, 0.120\)"),
], ids=["asymmetric", "above one", "diagonal", "perfect", "not positive definite"])
def test_bad_matrices_are_refused_naming_the_pair(matrix, message):
    names = ["a", "b", "c"][:len(matrix)]
    with pytest.raises(HashleaseError, match=message):
        m.check_rank_correlation_matrix(matrix, names)


def test_not_positive_definite_pairs_from_a_file_are_named():
    # btc ~ delay given btc ~ power 0.9 and power ~ delay -0.2: 0.9 x (-0.2) +- sqrt(0.19 x 0.96) = (-0.607, 0.247)
    with pytest.raises(HashleaseError, match=r"rank correlation btc ~ delay must be in \(-0.607, 0.247\)"):
        m.draw_inputs(_three_inputs(), 100, seed=1, correlations=[
            {"between": ["btc", "power"], "rank": 0.9}, {"between": ["btc", "delay"], "rank": 0.9},
            {"between": ["power", "delay"], "rank": -0.2}])
    with pytest.raises(HashleaseError, match=r"correlations\[0\].between must be an input"):
        m.draw_inputs(_three_inputs(), 100, seed=1, correlations=[{"between": ["btc", "hashprice"], "rank": 0.5}])
    with pytest.raises(HashleaseError, match=r"correlations\[0\].rank must be"):
        m.draw_inputs(_three_inputs(), 100, seed=1, correlations=[{"between": ["btc", "power"], "rank": 1.5}])


# --- determinism ---------------------------------------------------------------------------------------------

def test_same_seed_same_numbers_and_each_input_its_own_stream():
    distributions = _three_inputs()
    one = m.draw_inputs(distributions, 20_000, seed=8, correlations=_pairs(TARGET))
    two = m.draw_inputs(distributions, 20_000, seed=8, correlations=_pairs(TARGET))
    other = m.draw_inputs(distributions, 20_000, seed=9, correlations=_pairs(TARGET))
    for name in distributions:
        assert (one[name] == two[name]).all()
        assert not (one[name] == other[name]).all()
    alone = m.draw_inputs({"btc": distributions["btc"]}, 20_000, seed=8)
    together = m.draw_inputs(distributions, 20_000, seed=8)
    assert (alone["btc"] == together["btc"]).all()  # another input does not shift this one's draws


@pytest.mark.parametrize("spec, message", [
    ({"distribution": "normal", "mean": 1, "sd": -1}, r"sd must be >= 0"),
    ({"distribution": "normal", "mean": 1, "sd": 1, "low": 2, "high": 1}, r"high must be > low"),
    ({"distribution": "lognormal", "mean": -1, "sd": 1}, r"mean must be > 0"),
    ({"distribution": "uniform", "low": 2, "high": 1}, r"high must be >= low"),
    ({"distribution": "triangular", "low": 0, "mode": 5, "high": 1}, r"mode must be in \[low, high\]"),
    ({"distribution": "pert", "low": 0, "mode": 1, "high": 2, "lambda": 0}, r"lambda must be > 0"),
    ({"distribution": "discrete", "values": [1, 2], "probabilities": [0.5, 0.6]}, r"probabilities must be .*sum"),
    ({"distribution": "discrete", "values": [1, 2], "probabilities": [1.5, -0.5]}, r"probabilities\[1\] must be >= 0"),
    ({"distribution": "weibull", "k": 1}, r"distribution must be one of normal"),
    ({"distribution": "normal", "mean": 1, "sdev": 1}, r"sdev"),
], ids=["negative sd", "truncation order", "lognormal mean", "uniform order", "mode outside", "pert shape",
        "probabilities sum", "negative probability", "unknown", "unknown field"])
def test_bad_distributions_are_named(spec, message):
    with pytest.raises(HashleaseError, match=message):
        m.parse_distribution(spec)


def test_pert_accepts_lambda_or_shape():
    assert m.parse_distribution({"distribution": "pert", "low": 0, "mode": 1, "high": 2, "lambda": 6}).shape == 6
    assert m.Pert(low=0, mode=1, high=2, shape=6) == m.Pert(low=0, mode=1, high=2, **{"lambda": 6})
