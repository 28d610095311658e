"""hashlease.models: pure, vectorised Bitcoin-mining and lease economics (no Excel, no I/O).

Every function takes plain numbers or numpy arrays (broadcast together) and returns a float for
scalar input or an array of the broadcast shape; units are in the names. Invalid input raises
:class:`HashleaseError`, a ``ValueError`` naming the argument, the value and the accepted range, with its
:class:`ErrorKind` (a bad number, or a value of the wrong kind).
"""

from .breakeven import (breakeven_btc_price_usd, breakeven_efficiency_j_per_th, breakeven_hashprice_usd_per_ph_day,
                        breakeven_power_price_usd_per_kwh, cost_to_mine_usd_per_btc, hashcost_usd_per_day,
                        market_breakeven_efficiency_j_per_th, market_breakeven_power_price_usd_per_kwh,
                        mining_margin_usd_per_ph_day)
from .calendar import days_in_months, month_start_dates
from .difficulty import (RETARGET_INTERVAL_BLOCKS, TARGET_BLOCK_INTERVAL_S, TARGET_TIMESPAN_S,
                         difficulty_from_hashrate, expected_blocks_per_day, hashes_per_difficulty,
                         mean_block_interval_s, network_hashrate, retarget_difficulty, retarget_factor)
from .comparison import SiteComparisonInputs, example_comparison, with_fields, with_input, with_inputs
from .errors import ErrorKind, HashleaseError
from .excel_dates import calendar_date, from_excel_serial, to_excel_serial
from .finance import fv, irr, mirr, npv, pmt, pv, xirr, xnpv
from .fleet import (AsicModel, MwEconomics, asic_catalogue, asic_model, fleet_efficiency_j_per_th,
                    mining_economics_per_mw, th_s_per_mw)
from .lease import (LeaseInputs, LeaseSummary, Phase, capex_weights, lease_cash_flows, lease_schedule, lease_summaries, lease_summary_list,
                    lease_summary)
from .lease_rates import (escalated_rent_usd_per_kw_month, implied_flat_rent_usd_per_kw_month,
                          implied_year_one_rent_usd_per_kw_month, usd_per_kw_month_to_usd_per_mw_year,
                          usd_per_mw_year_to_usd_per_kw_month)
from .mining_site import (FleetLine, MiningSiteInputs, mining_cash_flows, mining_cash_flows_batch, mining_cash_flows_hourly,
                          mining_schedule)
from .phased import (ConversionPhase, PhasedResult, PhasedSiteInputs, breakeven_cutover_shift_months,
                     compare_three_options, phased_site)
from .power import HourlyCurve, MonthlyPower, breakeven_usd_per_mwh, curtailment, read_price_curve
from .vintages import (EXAMPLE_RESALE_TIERS, ResaleTier, VintageLine, age_years_between, aged_hashrate_and_efficiency,
                       resale_usd_per_th_s, resale_value_usd, vintage_breakevens, vintage_state)
from .projection import MarketProjection, hashprice_projection, project_market
from .returns import InvestmentIrr, Payback, investment_irr, payback_month
from .valuation import (ComparisonValues, SiteComparison, breakeven_btc_price_vs_lease, breakeven_hashprice_vs_lease,
                        breakeven_rent_vs_mining, compare_site, comparison_flows, comparison_summaries, hashprice_now,
                        value_comparisons)
from .sensitivity import DEFAULT_TORNADO, TornadoStep, sensitivity_grid, tornado
from .monte_carlo import MonteCarloResult, MonteCarloSpec, monte_carlo
from .hashprice import (hashprice_btc_per_day, hashprice_btc_per_day_from_reward, hashprice_sat_per_th_day,
                        hashprice_usd_per_day, post_halving_hashprice_usd_per_day, reward_btc_per_block)
from .subsidy import (HALVING_INTERVAL_BLOCKS, SATS_PER_BTC, block_subsidy_btc, block_subsidy_sat,
                      blocks_to_next_halving, cumulative_subsidy_btc, estimate_height_time, halving_epoch,
                      next_halving_height, next_halving_time, total_supply_sat)

__all__ = [name for name in dir() if not name.startswith("_") and name not in {
    "breakeven", "calendar", "difficulty", "errors", "excel_dates", "finance", "fleet", "hashprice", "lease",
    "lease_rates", "subsidy", "units", "mining_site", "projection", "comparison", "power", "phased", "vintages",
    "returns", "valuation", "sensitivity", "monte_carlo"}]
from .distributions import (DISTRIBUTION_KINDS, Constant, Discrete, Empirical, Lognormal, Normal, Pert,
                            RankCorrelation, Triangular, Uniform, average_ranks, check_rank_correlation_matrix,
                            draw_inputs, iman_conover, normal_quantile, parse_distribution, rank_correlation,
                            rank_correlation_matrix, summary_statistics, uniforms)
__all__ += ["DISTRIBUTION_KINDS", "Constant", "Discrete", "Empirical", "Lognormal", "Normal", "Pert", "RankCorrelation",
            "Triangular", "Uniform", "average_ranks", "check_rank_correlation_matrix", "draw_inputs", "iman_conover",
            "normal_quantile", "parse_distribution", "rank_correlation", "rank_correlation_matrix",
            "summary_statistics", "uniforms"]
