"""The AI/HPC lease model: published deal arithmetic, invariants, debt mechanics, bad input, and the
LibreOffice oracle on the schedule's own XNPV/XIRR.

Sources: shared/domain.md §0 cases 8-9 and §3 (Hut 8 / Fluidstack: $7.0B, 15 years, 3% escalator, 245 MW
-> year-1 $128.02/kW-month, year-15 $193.64, flat $158.73; Core Scientific / CoreWeave: $8.7B, ~500 MW,
12 years -> $120.83; TeraWulf: $3.7B over 10 years x 85% NOI margin = $314.5M ("~$315 million annually"),
capex $8-10M/MW -> yield on cost 15.7%-19.7%; Cipher: $3B / 10 years on 168 MW, NOI margin 80-85%, capex
$9-11M/MW -> 13.0%-16.9%).
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import openpyxl
import pytest

from hashlease.models import (HashleaseError, LeaseInputs, Phase, escalated_rent_usd_per_kw_month,
                              implied_flat_rent_usd_per_kw_month, implied_year_one_rent_usd_per_kw_month,
                              lease_schedule, lease_summaries, lease_summary, usd_per_kw_month_to_usd_per_mw_year)

BASE = dict(critical_it_mw=100.0, pue=1.3, construction_start="2026-01-01", construction_months=12,
            capex_usd_per_mw=10e6, rent_usd_per_kw_month=130.0, term_years=10)


def lease(**override) -> LeaseInputs:
    return LeaseInputs(**{**BASE, **override})


# --- published deal arithmetic ---------------------------------------------------------------------------

def test_hut8_year_one_rent_from_headline():
    # domain.md §0 case 9: annuity factor 18.59891 -> $128.02/kW-month in year 1, $193.64 in year 15
    assert implied_year_one_rent_usd_per_kw_month(7.0e9, 245, 15, 0.03) == pytest.approx(128.02, abs=0.005)
    assert escalated_rent_usd_per_kw_month(128.02, 0.03, 15) == pytest.approx(193.64, abs=0.005)
    assert implied_flat_rent_usd_per_kw_month(7.0e9, 245, 15) == pytest.approx(158.73, abs=0.005)


def test_hut8_lease_reproduces_the_contract_value():
    year_one = 7.0e9 / (245 * 12_000 * 18.59891)  # domain.md's annuity factor, to its 7 digits
    inputs = lease(critical_it_mw=245, pue=330 / 245, term_years=15, escalator_per_year_frac=0.03,
                   rent_usd_per_kw_month=year_one, construction_months=18)
    summary = lease_summary(inputs)
    assert summary.total_contracted_rent_usd == pytest.approx(7.0e9, rel=1e-6)
    assert summary.implied_flat_rent_usd_per_kw_month == pytest.approx(158.73, abs=0.005)
    assert summary.year_one_rent_usd_per_kw_month == pytest.approx(128.02, abs=0.005)
    assert summary.year_one_rent_usd_per_mw_year == pytest.approx(1.5362e6, rel=5e-5)  # domain: $1.5362M/MW-yr
    table = lease_schedule(inputs)
    assert table["rent_usd_per_kw_month"].dropna().iloc[-1] == pytest.approx(193.64, abs=0.005)
    assert table["rent_usd_per_kw_month"].dropna().nunique() == 15  # one step at each anniversary


def test_core_scientific_flat_rate():
    # domain.md §0 case 8: $8.7B / (500 MW x 12 yr) = $1.450M per MW-yr = $120.83/kW-month
    flat = implied_flat_rent_usd_per_kw_month(8.7e9, 500, 12)
    assert flat == pytest.approx(120.83, abs=0.005)
    assert usd_per_kw_month_to_usd_per_mw_year(flat) == pytest.approx(1.450e6, rel=1e-12)
    summary = lease_summary(lease(critical_it_mw=500, term_years=12, rent_usd_per_kw_month=flat))
    assert summary.total_contracted_rent_usd == pytest.approx(8.7e9, rel=1e-12)


def test_terawulf_noi_and_yield_on_cost():
    # domain.md §0 bonus: $3.7B / 10 years = $370M/yr x 85% NOI margin = $314.5M ("~$315 million annually");
    # capex $8-10M/MW on 200 MW -> 15.7%-19.7%
    rent = 3.7e9 / (200 * 12_000 * 10)
    for capex, expected in ((10e6, 0.157), (8e6, 0.197)):
        summary = lease_summary(lease(critical_it_mw=200, term_years=10, rent_usd_per_kw_month=rent,
                                      lease_structure="noi_margin", noi_margin_frac=0.85, capex_usd_per_mw=capex))
        assert summary.yield_on_cost_frac * summary.total_capex_usd == pytest.approx(314.5e6, rel=1e-12)
        assert summary.yield_on_cost_frac == pytest.approx(expected, abs=0.0005)


def test_cipher_yield_on_cost_within_published_range():
    # domain.md §3.6: $3B / 10 yr on 168 MW, NOI margin 80-85%, capex $9-11M/MW -> 13.0%-16.9%
    rent = 3.0e9 / (168 * 12_000 * 10)
    yields = [lease_summary(lease(critical_it_mw=168, term_years=10, rent_usd_per_kw_month=rent, capex_usd_per_mw=c,
                                  lease_structure="noi_margin", noi_margin_frac=margin)).yield_on_cost_frac
              for c in (9e6, 11e6) for margin in (0.80, 0.85)]
    assert min(yields) == pytest.approx(0.130, abs=0.0005)
    assert max(yields) == pytest.approx(0.169, abs=0.0005)


# --- invariants --------------------------------------------------------------------------------------

def _xnpv_by_hand(rate, flows, dates, valuation):
    """XNPV arithmetic in plain Python from calendar dates (actual/365 from the valuation date)."""
    return sum(v / (1 + rate) ** ((d - valuation).days / 365) for v, d in zip(flows, dates))


def test_level_lease_equals_the_annuity_sum():
    # no delay, no escalator, no ramp, no free rent: a level monthly rent R from commencement for 120 months
    inputs = lease(capex_usd_per_mw=1.0, capex_curve="straight_line", discount_rate_per_year_frac=0.09)
    rent = 130.0 * 100 * 1000
    start = dt.date(2027, 1, 1)  # commencement: 12 months after 1 Jan 2026
    months = [dt.date(2027 + (i // 12), 1 + i % 12, 1) for i in range(120)]
    assert months[0] == start
    rent_pv = _xnpv_by_hand(0.09, [rent] * 120, months, dt.date(2026, 1, 1))
    capex_dates = [dt.date(2026, 1 + i, 1) for i in range(12)]
    capex_pv = _xnpv_by_hand(0.09, [100.0 / 12] * 12, capex_dates, dt.date(2026, 1, 1))
    assert lease_summary(inputs).unlevered_npv_usd == pytest.approx(rent_pv - capex_pv, rel=1e-12)
    # at a zero rate the annuity is n x R
    flat = lease_summary(lease(capex_usd_per_mw=1.0, discount_rate_per_year_frac=0.0))
    assert flat.unlevered_npv_usd == pytest.approx(120 * rent - 100.0, rel=1e-12)


@pytest.mark.parametrize("delay", [1, 7, 18])
def test_delay_shifts_every_rent_flow_by_exactly_n_months(delay):
    rich = dict(escalator_per_year_frac=0.03, free_rent_months=2, power_price_usd_per_kwh=0.05,
                phases=(Phase(critical_it_mw=40, ready_for_service_month=9),
                        Phase(critical_it_mw=60, ready_for_service_month=14)))
    on_time = lease_schedule(lease(**rich))
    late = lease_schedule(lease(**rich, delay_months=delay))
    # (power cost is not shifted: it follows the calendar, hours per month and the power price path)
    for column in ("base_rent_usd", "rent_revenue_usd", "noi_usd", "critical_it_mw_online"):
        np.testing.assert_array_equal(late[column].to_numpy()[delay:delay + len(on_time) - 1],
                                      on_time[column].to_numpy()[:-1], err_msg=column)
        assert (late[column].to_numpy()[:delay] == 0).all()
    # capex is committed: it stays on the construction schedule
    np.testing.assert_array_equal(late["capex_usd"].to_numpy()[:12], on_time["capex_usd"].to_numpy()[:12])


def test_npv_falls_as_the_discount_rate_rises():
    rates = np.linspace(-0.05, 0.30, 15)
    npvs = lease_summaries([lease(discount_rate_per_year_frac=r, escalator_per_year_frac=0.02,
                                  exit_cap_rate_frac=0.08) for r in rates])["unlevered_npv_usd"].to_numpy()
    assert (np.diff(npvs) < 0).all()


@pytest.mark.parametrize("credit", [dict(default_probability_per_year_frac=0.25), dict(default_month=5)],
                         ids=["annual-pd-25pct", "default-month-5"])
def test_full_backstop_makes_default_irrelevant(credit):
    structure = dict(lease_structure="modified_gross", landlord_opex_usd_per_kw_month=12.0,
                     power_price_usd_per_kwh=0.06, escalator_per_year_frac=0.03, exit_cap_rate_frac=0.07)
    safe = lease_summary(lease(**structure))
    backed = lease_summary(lease(**structure, **credit, backstop_share_frac=1.0))
    exposed = lease_summary(lease(**structure, **credit, backstop_share_frac=0.0))
    assert backed.unlevered_npv_usd == pytest.approx(safe.unlevered_npv_usd, rel=1e-12)
    assert exposed.unlevered_npv_usd < safe.unlevered_npv_usd


def test_default_month_stops_unbacked_rent():
    table = lease_schedule(lease(default_month=24, backstop_share_frac=0.4))
    in_term = table["lease_month"].notna()
    after = in_term & (table["lease_month"] >= 24)
    np.testing.assert_allclose(table.loc[after, "rent_revenue_usd"], 0.4 * table.loc[after, "base_rent_usd"])
    before = in_term & (table["lease_month"] < 24)
    np.testing.assert_allclose(table.loc[before, "rent_revenue_usd"], table.loc[before, "base_rent_usd"])


def test_free_rent_abates_exactly_the_first_months():
    table = lease_schedule(lease(free_rent_months=4))
    lease_rows = table[table["lease_month"].notna()]
    assert (lease_rows["rent_revenue_usd"].iloc[:4] == 0).all()
    assert (lease_rows["rent_revenue_usd"].iloc[4:] == 130.0 * 100_000).all()


def test_capex_curve_draws_the_total():
    for curve in ("straight_line", "s_curve", "front_loaded", "back_loaded", (0.1, 0.2, 0.3, 0.4)):
        months = 4 if isinstance(curve, tuple) else 12
        table = lease_schedule(lease(capex_curve=curve, construction_months=months))
        assert table["capex_usd"].sum() == pytest.approx(1e9, rel=1e-12)


def test_power_pass_through_nets_to_zero_and_gross_does_not():
    # 100 MW IT x 1.3 PUE x 0.8 load x 744 h (January) x $0.05/kWh = $3,868,800
    passed = lease_schedule(lease(power_price_usd_per_kwh=0.05))
    january = passed.loc["2027-01-01"]
    assert january["power_cost_usd"] == pytest.approx(100_000 * 1.3 * 0.8 * 744 * 0.05, rel=1e-12)
    assert january["power_revenue_usd"] == january["power_cost_usd"]
    gross = lease_schedule(lease(power_price_usd_per_kwh=0.05, power_pass_through=False))
    assert gross.loc["2027-01-01", "noi_usd"] == pytest.approx(130 * 100_000 - 3_868_800, rel=1e-12)


def test_residual_of_a_loss_making_building_is_zero():
    table = lease_schedule(lease(lease_structure="modified_gross", landlord_opex_usd_per_kw_month=200,
                                 exit_cap_rate_frac=0.05))
    assert table["noi_usd"].iloc[-2] < 0 and table["residual_value_usd"].iloc[-1] == 0


def test_default_valuation_date_is_the_first_of_the_start_month():
    assert lease_summary(lease(construction_start="2026-01-31")).unlevered_npv_usd == pytest.approx(
        lease_summary(lease(construction_start="2026-01-01")).unlevered_npv_usd, rel=1e-14)


def test_residual_is_exit_cap_on_last_year_noi():
    table = lease_schedule(lease(exit_cap_rate_frac=0.065, exit_cost_frac=0.02, escalator_per_year_frac=0.03))
    last_year_noi = 12 * 130 * 1.03**9 * 100_000
    assert table["residual_value_usd"].iloc[-1] == pytest.approx(last_year_noi / 0.065 * 0.98, rel=1e-12)
    assert table["residual_value_usd"].iloc[:-1].sum() == 0


# --- debt -----------------------------------------------------------------------------------------------

def test_annuity_debt_service_is_level_and_repays_everything():
    inputs = lease(loan_to_cost_frac=0.8, interest_rate_per_year_frac=0.072, debt_tenor_years=8,
                   debt_upfront_fee_frac=0.015)
    table = lease_schedule(inputs)
    i = 0.072 / 12
    carried = table["debt_balance_usd"].iloc[11]  # the balance carried into commencement (month 12)
    # each draw accrues one month's interest per month it is outstanding, in arrears, capitalised until month 12
    assert carried == pytest.approx(
        sum(d * (1 + i) ** (11 - k) for k, d in enumerate(table["debt_draw_usd"].iloc[:12])), rel=1e-12)
    payment = carried * i / (1 - (1 + i) ** -96)  # level annuity, 96 monthly payments in arrears
    service = table["debt_service_usd"].iloc[12:12 + 96]
    np.testing.assert_allclose(service, payment, rtol=1e-10)
    assert table["debt_balance_usd"].iloc[12 + 95] == pytest.approx(0.0, abs=1e-3)
    assert table["principal_usd"].sum() == pytest.approx(carried, rel=1e-12)
    assert table["debt_fees_usd"].sum() == pytest.approx(0.015 * 0.8 * 1e9, rel=1e-12)
    summary = lease_summary(inputs)
    year_one_service = table["debt_service_usd"].iloc[12:24].sum()
    assert summary.min_dscr == pytest.approx(12 * 130 * 100_000 / year_one_service, rel=1e-12)


@pytest.mark.parametrize("amortisation", ["annuity", "straight_line", "bullet"])
def test_lender_earns_exactly_the_stated_rate(amortisation):
    # the lender's monthly cash (draws out; interest and principal in) has a periodic IRR of rate / 12
    table = lease_schedule(lease(loan_to_cost_frac=0.6, interest_rate_per_year_frac=0.06, debt_tenor_years=5,
                                 amortisation=amortisation, phases=(Phase(critical_it_mw=50, ready_for_service_month=8),
                                                                    Phase(critical_it_mw=50, ready_for_service_month=12))))
    lender = (-table["debt_draw_usd"] + table["interest_paid_usd"] + table["principal_usd"]).to_numpy()
    from hashlease.models import irr
    assert irr(lender) * 12 == pytest.approx(0.06, rel=1e-9)


def test_bullet_debt_repays_at_lease_end_and_dscr_ignores_the_balloon():
    table = lease_schedule(lease(loan_to_cost_frac=0.5, interest_rate_per_year_frac=0.06, debt_tenor_years=20,
                                 amortisation="bullet"))
    assert table["scheduled_principal_usd"].sum() == 0
    assert table["balloon_repayment_usd"].iloc[-1] == pytest.approx(table["debt_balance_usd"].iloc[-2], rel=1e-12)
    assert table["debt_balance_usd"].iloc[-1] == 0


def test_levered_flows_add_up():
    table = lease_schedule(lease(loan_to_cost_frac=0.7, interest_rate_per_year_frac=0.08, amortisation="straight_line",
                                 debt_upfront_fee_frac=0.01, exit_cap_rate_frac=0.07))
    rebuilt = (table["unlevered_cash_flow_usd"] + table["debt_draw_usd"] - table["debt_fees_usd"]
               - table["interest_paid_usd"] - table["principal_usd"])
    np.testing.assert_allclose(table["levered_cash_flow_usd"], rebuilt, rtol=1e-12, atol=1e-6)
    summary = lease_summary(lease(loan_to_cost_frac=0.7, interest_rate_per_year_frac=0.08))
    assert summary.peak_equity_funding_usd < summary.peak_unlevered_funding_usd


def test_batch_equals_one_by_one():
    inputs = [lease(rent_usd_per_kw_month=r, delay_months=d, loan_to_cost_frac=0.6, interest_rate_per_year_frac=0.07,
                    term_years=t, construction_start=s)
              for r, d, t, s in [(110, 0, 10, "2026-01-01"), (150, 5, 15, "2026-07-01"), (95, 12, 12, "2027-03-01")]]
    batch = lease_summaries(inputs)
    for i, one in enumerate(inputs):
        single = lease_summary(one)
        for field in ("unlevered_npv_usd", "levered_npv_usd", "unlevered_irr_per_year_frac", "min_dscr",
                      "implied_flat_rent_usd_per_kw_month"):
            assert batch.at[i, field] == pytest.approx(getattr(single, field), rel=1e-12), field


# --- LibreOffice recalculates the schedule's own NPV and IRR ------------------------------------------

def test_schedule_npv_and_irr_match_libreoffice(tmp_path, libreoffice):
    inputs = lease(escalator_per_year_frac=0.03, free_rent_months=3, exit_cap_rate_frac=0.07,
                   loan_to_cost_frac=0.65, interest_rate_per_year_frac=0.075, delay_months=4,
                   valuation_date="2025-10-15", discount_rate_per_year_frac=0.085,
                   equity_discount_rate_per_year_frac=0.12)
    table = lease_schedule(inputs)
    summary = lease_summary(inputs)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["date", "unlevered_cash_flow_usd", "levered_cash_flow_usd"])
    ws.append([dt.datetime(2025, 10, 15), 0.0, 0.0])  # the valuation date carries no flow
    for date, row in table.iterrows():
        ws.append([date.to_pydatetime(), float(row["unlevered_cash_flow_usd"]), float(row["levered_cash_flow_usd"])])
    last = ws.max_row
    ws["E1"] = f"=XNPV(0.085,B2:B{last},A2:A{last})"
    ws["E2"] = f"=XNPV(0.12,C2:C{last},A2:A{last})"
    ws["E3"] = f"=XIRR(B3:B{last},A3:A{last})"
    ws["E4"] = f"=XIRR(C3:C{last},A3:A{last})"
    path = tmp_path / "lease.xlsx"
    wb.save(path)
    out = openpyxl.load_workbook(libreoffice(path), data_only=True).active
    assert summary.unlevered_npv_usd == pytest.approx(out["E1"].value, rel=1e-9)
    assert summary.levered_npv_usd == pytest.approx(out["E2"].value, rel=1e-9)
    assert summary.unlevered_irr_per_year_frac == pytest.approx(out["E3"].value, rel=1e-9)
    assert summary.levered_irr_per_year_frac == pytest.approx(out["E4"].value, rel=1e-9)


# --- bad input --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("override", "field", "fragment"), [
    (dict(term_years=0), "term_years", ">= 1"),
    (dict(escalator_per_year_frac=-1.0), "escalator_per_year_frac", "> -1"),
    (dict(escalator_per_year_frac=-1.5), "escalator_per_year_frac", "> -1"),
    (dict(phases=({"critical_it_mw": 60, "ready_for_service_month": 6},
                  {"critical_it_mw": 60, "ready_for_service_month": 12})), "phases", "adding up to critical_it_mw"),
    (dict(phases=({"critical_it_mw": 50, "ready_for_service_month": 12},
                  {"critical_it_mw": 50, "ready_for_service_month": 6})), "phases[1].ready_for_service_month",
     "phases in order"),
    (dict(valuation_date="2040-01-01"), "valuation_date", "on or before the lease end"),
    (dict(critical_it_mw=-5), "critical_it_mw", "> 0"),
    (dict(critical_it_mw=float("nan")), "critical_it_mw", "finite"),
    (dict(pue=None), "pue", "given, or site_mw given"),
    (dict(site_mw=50), "site_mw", ">= critical_it_mw"),
    (dict(lease_structure="gross"), "lease_structure", "one of"),
    (dict(lease_structure="noi_margin"), "noi_margin_frac", "given when lease_structure is 'noi_margin'"),
    (dict(default_probability_per_year_frac=0.02, default_month=3), "default_month", "one or the other"),
    (dict(capex_curve=(0.5, 0.6)), "capex_curve", "one weight per construction month"),
    (dict(construction_start="2026-13-01"), "construction_start", "a date"),
    (dict(rent_usd_per_kw_month="cheap"), "rent_usd_per_kw_month", "a number"),
    (dict(term_yrs=10), "term_yrs", "a known field"),
    (dict(renewals_assumed=1), "renewals_assumed", "<= renewal_options"),
    (dict(loan_to_cost_frac=1.0), "loan_to_cost_frac", "< 1"),
    (dict(free_rent_months=120), "free_rent_months", "< the term in months (120)"),
    (dict(term_years=1, phases=({"critical_it_mw": 50, "ready_for_service_month": 6},
                                {"critical_it_mw": 50, "ready_for_service_month": 40})),
     "phases[1].ready_for_service_month", "before the lease ends"),
    (dict(construction_months=36, loan_to_cost_frac=0.5, debt_tenor_years=1,
          phases=({"critical_it_mw": 50, "ready_for_service_month": 6},
                  {"critical_it_mw": 50, "ready_for_service_month": 36})), "debt_tenor_years", "last capex draw"),
], ids=["term-0", "escalator-minus-100pct", "escalator-below-minus-100pct", "ramp-larger-than-it",
        "phases-out-of-order", "valuation-after-end", "negative-mw", "nan-mw", "no-pue-or-site-mw",
        "site-smaller-than-it", "unknown-structure", "missing-noi-margin", "two-credit-models", "bad-curve",
        "bad-date", "text-rent", "unknown-field", "renewals-beyond-options", "ltc-100pct", "free-rent-beyond-term",
        "phase-after-lease-end", "tenor-before-last-draw"])
def test_bad_input_names_the_field(override, field, fragment):
    with pytest.raises(HashleaseError) as info:
        lease(**override)
    assert info.value.arg == field
    assert fragment in str(info.value)


def test_bad_input_message_has_the_value():
    with pytest.raises(HashleaseError, match=r"^escalator_per_year_frac must be > -1, got -1.0$"):
        lease(escalator_per_year_frac=-1.0)


def test_month_calendar_is_actual():
    # row dates are the 1st of each month; hours per month follow the calendar (leap February 2028)
    table = lease_schedule(lease(power_price_usd_per_kwh=1.0, power_pass_through=False, construction_start="2027-01-01"))
    feb = table.loc["2028-02-01", "power_cost_usd"]
    assert feb == pytest.approx(100_000 * 1.3 * 0.8 * 24 * calendar.monthrange(2028, 2)[1], rel=1e-12)
