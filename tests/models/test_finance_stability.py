"""Excel finance functions over wide ranges: a finite answer that matches a high-precision reference, or a
HashleaseError of kind NUM where the answer is beyond the largest number; never NaN, inf or another exception.

References are computed here, independently of hashlease, with Python's ``decimal`` at 60 significant digits and
an exponent range of +/- 10^6 (no overflow; 60 digits more for a tiny rate, so 1 + r stays exact), from the textbook formulas Microsoft documents for each function:

- PMT: -(fv + pv (1+r)^n) r / ((1 + r w) ((1+r)^n - 1)); -(pv + fv) / n at r = 0
- PV:  -(fv + pmt (1 + r w) ((1+r)^n - 1) / r) / (1+r)^n; -(fv + pmt n) at r = 0
- FV:  -(pv (1+r)^n + pmt (1 + r w) ((1+r)^n - 1) / r); -(pv + pmt n) at r = 0
- NPV: sum of v_i / (1+r)^i, i from 1; XNPV: sum of v_i / (1+r)^((d_i - d_1)/365)
- MIRR: (FV of positives at the reinvest rate / -PV of negatives at the finance rate)^(1/(n-1)) - 1

Float inputs are exact binary fractions, so the reference is the true value to ~1e-55. A float computation is
judged against the size of the terms it adds (``scale``): where terms cancel, no float method keeps more than
1e-16 of ``scale``; the tolerance is 1e-9 of it, plus 1e-250 (a product that small may lose its digits
to underflow, or become 0: an error of no consequence in any currency). A refusal is accepted only where the true value is beyond the
largest float (about 1.797e308) or the terms themselves are (their float sum has no digits left to give).

``HASHLEASE_FUZZ_EXAMPLES`` sets the number of examples per property (default 150).
"""

import decimal
import math
import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashlease.models import HashleaseError, fv, irr, mirr, npv, pmt, pv, xirr, xnpv
from hashlease.models.errors import ErrorKind

LARGEST = 1.7976931348623157e308  # float64's (and Excel's) largest number, numpy.finfo(float).max
EXAMPLES = int(os.environ.get("HASHLEASE_FUZZ_EXAMPLES", 150))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CONTEXT = decimal.Context(prec=60, Emax=10**6, Emin=-10**6)

rates = st.one_of(
    st.floats(min_value=-1.0, max_value=1e3, exclude_min=True, allow_nan=False, allow_subnormal=False),
    st.floats(min_value=-1.0, max_value=-0.9, exclude_min=True, allow_subnormal=False),  # near -100%: (1+r)^-n overflows
    st.floats(min_value=-1e-6, max_value=1e-6, allow_subnormal=False),  # near zero: the annuity's quotient cancels
    st.sampled_from([0.0, 0.5, -0.999999, 1e3, 1e-12]),
)
periods = st.one_of(st.integers(min_value=1, max_value=10_000).map(float),
                    st.floats(min_value=1e-3, max_value=1e4, allow_subnormal=False), st.sampled_from([2_000.0, 10_000.0]))
# subnormal numbers (below 2.2e-308) carry fewer than 53 bits: a result built from one keeps only those digits,
# so they are left out of the draws (a finance model's cash flows are not 1e-320 USD)
amounts = st.one_of(st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_subnormal=False),
                    st.sampled_from([0.0, 1.0, -1.0, 1e300, -1e300]))
whens = st.sampled_from(["end", "begin"])


def D(x: float) -> Decimal:
    return CONTEXT.create_decimal(float(x))


def _context(r: float) -> decimal.Context:
    """60 digits beyond those a tiny rate needs for 1 + r to be exact (r = 1e-187 needs 187 more)."""
    extra = max(0, -D(r).adjusted()) if r else 0
    return decimal.Context(prec=60 + extra, Emax=10**6, Emin=-10**6)


def growth(r: float, n: float) -> Decimal:
    """(1+r)^n with the base exact, to 60 significant digits."""
    context = _context(r)
    return context.power(context.add(Decimal(1), D(r)), D(n))


def annuity(r: float, n: float) -> Decimal:
    """((1+r)^n - 1) / r, n at r = 0; (1+r)^n - 1 keeps 60 digits however small r is."""
    context = _context(r)
    return D(n) if r == 0 else CONTEXT.divide(context.subtract(growth(r, n), Decimal(1)), D(r))


def judge(call, reference: Decimal, scale: Decimal) -> None:
    """The call's answer is finite and within 1e-9 of ``scale`` of the reference, or a NUM refusal where allowed."""
    try:
        got = call()
    except HashleaseError as exc:
        assert exc.kind is ErrorKind.NUM, exc
        assert abs(reference) > D(LARGEST) * Decimal("0.999") or scale > D(LARGEST) / 4, \
            f"refused although the answer {reference:.6e} is an ordinary number: {exc}"
        return
    assert isinstance(got, float) and math.isfinite(got), got
    tolerance = Decimal("1e-9") * scale + Decimal("1e-250")  # below 1e-250, products lose digits to underflow
    assert abs(D(got) - reference) <= tolerance, f"got {got!r}, reference {reference:.15e}, scale {scale:.3e}"


@FUZZ
@given(rates, periods, amounts, amounts, whens)
def test_pmt_matches_the_formula_or_refuses_only_beyond_the_largest_number(r, n, p, f, when):
    w = Decimal(1) if when == "begin" else Decimal(0)
    if r == 0:
        reference = -(D(p) + D(f)) / D(n)
        scale = (abs(D(p)) + abs(D(f))) / D(n)
    else:
        g = growth(r, n)
        denominator = (1 + D(r) * w) * annuity(r, n)  # r / ((1+r)^n - 1) = 1 / annuity
        reference = CONTEXT.divide(-(D(f) + D(p) * g), denominator)
        scale = CONTEXT.divide(abs(D(f)) + abs(D(p)) * g, abs(denominator))
    judge(lambda: pmt(r, n, p, f, when=when), reference, scale)


@FUZZ
@given(rates, periods, amounts, amounts, whens)
def test_pv_matches_the_formula_or_refuses_only_beyond_the_largest_number(r, n, payment, f, when):
    w = Decimal(1) if when == "begin" else Decimal(0)
    g = growth(r, n)
    level = D(payment) * (1 + D(r) * w)
    reference = CONTEXT.divide(-(D(f) + level * annuity(r, n)), g)
    scale = CONTEXT.divide(abs(D(f)) + abs(level * annuity(r, n)), g)
    judge(lambda: pv(r, n, payment, f, when=when), reference, scale)


@FUZZ
@given(rates, periods, amounts, amounts, whens)
def test_fv_matches_the_formula_or_refuses_only_beyond_the_largest_number(r, n, payment, p, when):
    w = Decimal(1) if when == "begin" else Decimal(0)
    g = growth(r, n)
    level = D(payment) * (1 + D(r) * w)
    reference = -(D(p) * g + level * annuity(r, n))
    scale = abs(D(p)) * g + abs(level * annuity(r, n))
    judge(lambda: fv(r, n, payment, p, when=when), reference, scale)


flows = st.lists(amounts, min_size=1, max_size=40)


@FUZZ
@given(rates, flows)
def test_npv_matches_the_sum_or_refuses_only_beyond_the_largest_number(r, values):
    terms = [CONTEXT.divide(D(v), growth(r, i)) for i, v in enumerate(values, start=1)]
    judge(lambda: npv(r, values), sum(terms, Decimal(0)), sum((abs(t) for t in terms), Decimal(0)))


@FUZZ
@given(rates, flows.flatmap(lambda v: st.tuples(st.just(v), st.lists(st.integers(0, 40_000), min_size=len(v),
                                                                      max_size=len(v)))))
def test_xnpv_matches_the_sum_or_refuses_only_beyond_the_largest_number(r, values_and_days):
    values, days = values_and_days
    serials = [40_000 + d for d in days]
    years = [Decimal(s - serials[0]) / 365 for s in serials]
    terms = [CONTEXT.divide(D(v), CONTEXT.power(1 + D(r), y)) for v, y in zip(values, years)]
    judge(lambda: xnpv(r, values, serials), sum(terms, Decimal(0)), sum((abs(t) for t in terms), Decimal(0)))


@FUZZ
@given(st.lists(amounts, min_size=2, max_size=40), rates, rates)
def test_mirr_matches_the_formula_or_refuses_where_excel_does(values, finance_rate, reinvest_rate):
    n = len(values)
    positive = sum((D(v) * growth(reinvest_rate, n - 1 - t) for t, v in enumerate(values) if v > 0), Decimal(0))
    negative = sum((CONTEXT.divide(D(v), growth(finance_rate, t)) for t, v in enumerate(values) if v < 0),
                   Decimal(0))
    if positive == 0 or negative == 0:  # no sign change: Excel's #DIV/0!
        with pytest.raises(HashleaseError, match="#DIV/0!") as info:
            mirr(values, finance_rate, reinvest_rate)
        assert info.value.kind is ErrorKind.NUM
        return
    log_ratio = CONTEXT.ln(CONTEXT.divide(positive, -negative)) / (n - 1)
    reference = CONTEXT.exp(log_ratio) - 1
    judge(lambda: mirr(values, finance_rate, reinvest_rate), reference, 1 + abs(reference))


def assert_root(terms: list[Decimal], times: list, rate: float) -> None:
    """The NPV (sum of ``terms``) at ``rate`` is zero within what a float rate can hold.

    The solver stops within 1e-12 of max(1, |rate|); a rate near -100% holds 1 + r to few digits, so the NPV
    may differ from zero by the slope times that step: |dNPV/dr| = |sum(t v (1+r)^-(t+1))|.
    """
    scale = sum((abs(t) for t in terms), Decimal(0))
    slope = abs(sum((D(float(t)) * term for t, term in zip(times, terms)), Decimal(0))) / (1 + D(rate))
    step = Decimal("1e-11") * max(Decimal(1), abs(D(rate)))
    assert abs(sum(terms, Decimal(0))) <= Decimal("1e-7") * scale + slope * step


@FUZZ
@given(st.lists(st.floats(min_value=-1e12, max_value=1e12, allow_subnormal=False), min_size=2, max_size=30),
       st.floats(min_value=-0.99, max_value=10, allow_subnormal=False))
def test_irr_is_a_root_or_a_num_error(values, guess):
    # property: at the rate returned the NPV (t = 0 convention) is zero to the float precision of its terms
    try:
        rate = irr(values, guess)
    except HashleaseError as exc:
        assert exc.kind is ErrorKind.NUM
        return
    assert math.isfinite(rate) and rate > -1
    terms = [CONTEXT.divide(D(v), growth(rate, t)) for t, v in enumerate(values)]
    assert_root(terms, list(range(len(values))), rate)


@FUZZ
@given(st.lists(st.tuples(st.floats(min_value=-1e12, max_value=1e12, allow_subnormal=False), st.integers(0, 20_000)), min_size=2,
                max_size=30))
def test_xirr_is_a_root_or_a_num_error(flows_and_days):
    # property: at the rate returned the XNPV is zero to the float precision of its terms (actual/365)
    values = [v for v, _ in flows_and_days]
    serials = [40_000 + d for _, d in flows_and_days]
    try:
        rate = xirr(values, serials)
    except HashleaseError as exc:
        assert exc.kind is ErrorKind.NUM
        return
    assert math.isfinite(rate) and rate > -1
    years = [Decimal(s - serials[0]) / 365 for s in serials]
    terms = [CONTEXT.divide(D(v), CONTEXT.power(1 + D(rate), y)) for v, y in zip(values, years)]
    assert_root(terms, years, rate)


# --- the cases of issue 13, item 6: each had NaN or inf ---------------------------------------------------

def test_pmt_over_2000_periods_at_50_percent_is_minus_500_as_in_excel():
    # (1+r)^n = 1.5^2000 ~ 10^352 overflows; the payment tends to -pv r = -1000 x 0.5 (the interest alone)
    assert pmt(0.5, 2000, 1000) == pytest.approx(-500.0, rel=1e-12)


def test_pv_over_2000_periods_at_50_percent_is_200_as_in_excel():
    # a perpetuity of 100 a period at 50%: 100 / 0.5 = 200 (the remaining 1.5^-2000 is below 1e-352)
    assert pv(0.5, 2000, -100) == pytest.approx(200.0, rel=1e-12)


def test_fv_beyond_the_largest_number_is_a_num_error_naming_rate_and_nper():
    # 1 a period for 2000 periods at 50%: (1.5^2000 - 1) / 0.5 ~ 10^352, beyond 1.8e308
    with pytest.raises(HashleaseError, match=r"rate, nper.*fv is a finite number") as info:
        fv(0.5, 2000, -1)
    assert info.value.kind is ErrorKind.NUM


def test_fv_of_an_interest_only_loan_is_finite_although_the_growth_overflows():
    # pv 100 at 50% paying 50 a period: the balance never changes, so fv = -100 (Excel's sign: owed)
    assert fv(0.5, 2000, -50, 100) == pytest.approx(-100.0, rel=1e-12)


def test_mirr_over_2001_flows_at_50_percent_is_computed_in_logs():
    # -1 then 2000 x 1: positives compound to sum(1.5^k, k < 2000) = 2 (1.5^2000 - 1); MIRR = (that)^(1/2000) - 1
    # = 1.5 x 2^(1/2000) - 1 to 1e-350 = 0.500519950...
    expected = 1.5 * 2 ** (1 / 2000) - 1
    assert mirr([-1.0] + [1.0] * 2000, 0.5, 0.5) == pytest.approx(expected, rel=1e-12)


def test_npv_at_minus_99_9999_percent_over_300_periods_is_a_num_error():
    # 1 / (1e-6)^300 = 1e1800
    with pytest.raises(HashleaseError, match="npv is a finite number") as info:
        npv(-0.999999, [1.0] * 300)
    assert info.value.kind is ErrorKind.NUM


def test_npv_whose_discount_factor_overflows_is_finite_where_the_term_is():
    # at -50% the factor of period 1100 is 2^1100 (beyond 2^1024, the float limit), but 2^-200 there is worth
    # 2^900 ~ 8.5e270 (scaled in logs: relative error ~ 1100 ln 2 x 1e-16 < 1e-13)
    assert npv(-0.5, [0.0] * 1099 + [2.0**-200]) == pytest.approx(2.0**900, rel=1e-12)


def test_xnpv_of_one_series_that_overflows_is_a_num_error():
    # 1 / (1e-6)^(3650/365 x 31) : 1 at day 0 and 1 at day 113,150 (310 years) at -99.9999% = 1e1860
    with pytest.raises(HashleaseError, match="xnpv") as info:
        xnpv(-0.999999, [1.0, 1.0], [40_000, 40_000 + 113_150])
    assert info.value.kind is ErrorKind.NUM


# --- issue 13, item 7: XIRR with every date equal ----------------------------------------------------------

@pytest.mark.parametrize("values", [[-100.0, 100.0], [-100.0, 60.0], [-100.0, 100.0, 0.0]],
                         ids=["cancel", "no-cancel", "zero-flow-elsewhere"])
def test_xirr_with_every_flow_on_one_date_is_a_num_error(values):
    # on one date the XNPV is the flows' sum at every rate: no rate (or every rate) is the answer; Excel: #NUM!
    dates = ["2024-01-01"] * 2 + (["2025-01-01"] if len(values) == 3 else [])
    with pytest.raises(HashleaseError, match="one date") as info:
        xirr(values, dates)
    assert info.value.kind is ErrorKind.NUM


def test_xirr_refuses_only_the_series_on_one_date():
    with pytest.raises(HashleaseError, match=r"dates\[1\]"):
        xirr([[-100.0, 110.0], [-100.0, 100.0]], [["2024-01-01", "2025-01-01"], ["2024-01-01", "2024-01-01"]])


def test_mirr_without_a_positive_flow_names_excels_div0():
    with pytest.raises(HashleaseError, match=r"Excel answers #DIV/0!"):
        mirr([-1.0, -2.0], 0.1, 0.1)


def test_xirr_without_a_root_is_a_num_error_even_near_minus_100_percent():
    # found by the property above: valued at the first date (day 340), 1 + 10,000,346 x (1+r)^(340/365) is
    # positive at every rate > -100% (it tends to 1 there), so there is no IRR; it used to return a rate near
    # -100% where the NPV, 1.00003, looked small beside the undiscounted flows (1e7)
    with pytest.raises(HashleaseError, match="no rate") as info:
        xirr([1.0, 10_000_347.0, -1.0], [40_340, 40_000, 40_000])
    assert info.value.kind is ErrorKind.NUM
