"""Monte Carlo of the decision: determinism, chunking, drift, delays and default."""

from __future__ import annotations

import numpy as np
import pytest

from hashlease.models import HashleaseError, MonteCarloSpec, compare_site, monte_carlo, with_input, with_inputs


# --- Monte Carlo -----------------------------------------------------------------------------------------

def test_zero_volatility_equals_the_deterministic_case(base):
    result = monte_carlo(base, MonteCarloSpec(paths=50, seed=3, btc_volatility_per_year_frac=0.0))
    deterministic = compare_site(base)
    np.testing.assert_allclose(result.mining_npv_usd, deterministic.mining_npv_usd, rtol=1e-12)
    np.testing.assert_allclose(result.lease_npv_usd, deterministic.lease_npv_usd, rtol=1e-12)
    assert result.probability_lease_beats_mining == float(deterministic.npv_difference_usd > 0)


def test_same_seed_same_answer_and_chunking_changes_nothing(base):
    spec = dict(paths=3_000, btc_volatility_per_year_frac=0.7, difficulty_growth_low_per_month_frac=0.01,
                difficulty_growth_high_per_month_frac=0.03, lease_delay_months_choices=(0, 3, 9),
                lease_delay_probabilities=(0.5, 0.3, 0.2), tenant_default_probability_per_year_frac=0.03)
    a = monte_carlo(base, MonteCarloSpec(seed=11, **spec))
    b = monte_carlo(base, MonteCarloSpec(seed=11, **spec))
    c = monte_carlo(base, MonteCarloSpec(seed=12, **spec))
    np.testing.assert_array_equal(a.mining_npv_usd, b.mining_npv_usd)
    np.testing.assert_array_equal(a.lease_npv_usd, b.lease_npv_usd)
    assert not np.array_equal(a.mining_npv_usd, c.mining_npv_usd)
    table = a.percentiles()
    assert list(table.index) == ["P5", "P25", "P50", "P75", "P95"]
    assert (np.diff(table.to_numpy(), axis=0) >= 0).all()
    assert 0.0 < a.probability_lease_beats_mining < 1.0


def test_gbm_mean_matches_the_stated_drift(base):
    # E[P_t] = P_0 (1 + g)^t: with 20,000 paths the sample mean of mining revenue's driver is within 2%
    from hashlease.models.monte_carlo import draw_block
    spec = MonteCarloSpec(paths=20_000, seed=5, btc_volatility_per_year_frac=0.5, btc_drift_per_year_frac=0.1)
    price, *_ = draw_block(base, spec, 0, 20_000)
    # 5 years: a lognormal with sd/mean = sqrt(exp(0.5^2 x 5) - 1) = 1.58, so the mean of 20,000 paths has a
    # standard error of 1.1%; four standard errors bound it
    sample = price[:, 60]
    assert abs(sample.mean() - 93_450 * 1.1**5) < 4 * sample.std() / np.sqrt(sample.size)


# --- regressions from review ------------------------------------------------------------------------------

def test_monte_carlo_delay_keeps_the_whole_lease_and_its_residual(base):
    withexit = with_input(base, "lease.exit_cap_rate_frac", 0.08)
    result = monte_carlo(withexit, MonteCarloSpec(paths=3, seed=1, btc_volatility_per_year_frac=0.0,
                                                  lease_delay_months_choices=(6,)))
    delayed = with_input(withexit, "lease.delay_months", 6)
    assert delayed.horizon == withexit.horizon + 6
    np.testing.assert_allclose(result.lease_npv_usd, compare_site(delayed).lease_npv_usd, rtol=1e-12)
    np.testing.assert_allclose(result.mining_npv_usd, compare_site(delayed).mining_npv_usd, rtol=1e-12)


def test_monte_carlo_answer_does_not_depend_on_chunk_size(base):
    spec = dict(paths=2_500, seed=3, difficulty_growth_low_per_month_frac=0.0, difficulty_growth_high_per_month_frac=0.03,
                lease_delay_months_choices=(0, 3), tenant_default_probability_per_year_frac=0.05)
    a = monte_carlo(base, MonteCarloSpec(**spec, chunk_paths=1_000))
    b = monte_carlo(base, MonteCarloSpec(**spec, chunk_paths=3_000))
    np.testing.assert_array_equal(a.mining_npv_usd, b.mining_npv_usd)
    np.testing.assert_array_equal(a.lease_npv_usd, b.lease_npv_usd)


def test_a_zero_default_probability_draws_no_default(base):
    risky = with_input(base, "lease.default_probability_per_year_frac", 0.2)
    result = monte_carlo(risky, MonteCarloSpec(paths=2, seed=0, btc_volatility_per_year_frac=0.0,
                                               tenant_default_probability_per_year_frac=0.0))
    safe = compare_site(with_input(risky, "lease.default_probability_per_year_frac", None))
    np.testing.assert_allclose(result.lease_npv_usd, safe.lease_npv_usd, rtol=1e-12)


def test_long_horizons_are_valued_in_bounded_chunks(base):
    # 1,200 months x 20,000 paths would hold 24 million path-months at once; chunks are kept to 4 million
    # path-months (whole blocks of 1,000 draws), and the answer does not depend on the chunking
    from hashlease.models.monte_carlo import MAX_CHUNK_CELLS

    long = with_inputs(base, [("horizon_months", 1_200)])
    spec = MonteCarloSpec(paths=4_000, seed=3, btc_volatility_per_year_frac=0.5)
    small = monte_carlo(long, spec.replace(chunk_paths=1_000))
    big = monte_carlo(long, spec)  # asks for 20,000 at once: kept to 3,000 (4e6 // 1,200, in blocks)
    np.testing.assert_array_equal(small.mining_npv_usd, big.mining_npv_usd)
    assert MAX_CHUNK_CELLS // 1_200 // 1_000 * 1_000 == 3_000


def test_a_lease_longer_than_a_hundred_years_is_refused(base):
    with pytest.raises(HashleaseError, match="within 1,200 months"):
        with_inputs(base, [("lease.renewal_options", 10), ("lease.renewals_assumed", 10),
                           ("lease.renewal_term_years", 25)])
