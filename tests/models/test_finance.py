"""Excel finance functions: Microsoft's documented examples, conventions, properties and bad input.

Sources: shared/domain.md §0 case 10 and §4 (Microsoft's help-page cash flows; the XIRR result 0.373362535
printed on Microsoft's XIRR page; NPV/XNPV/IRR results computed there with the documented formulas); Microsoft's
PMT, PV, FV and MIRR help-page examples (-1,037.03; -1,030.16; -59,777.15; 2,581.40; 12.61%).
"""

import datetime as dt

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hashlease.models import (HashleaseError, from_excel_serial, fv, irr, mirr, npv, pmt, pv, to_excel_serial,
                              xirr, xnpv)

MS_DATES = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
MS_VALUES = [-10_000, 2_750, 4_250, 3_250, 2_750]


@pytest.mark.parametrize(("call", "expected", "tolerance"), [
    (lambda: npv(0.10, [-10_000, 3_000, 4_200, 6_800]), 1_188.44, 0.005),
    (lambda: npv(0.08, [8_000, 9_200, 10_000, 12_000, 14_500]) - 40_000, 1_922.06, 0.005),
    (lambda: npv(0.08, [8_000, 9_200, 10_000, 12_000, 14_500, -9_000]) - 40_000, -3_749.47, 0.005),
    (lambda: xnpv(0.09, MS_VALUES, MS_DATES), 2_086.65, 0.005),
    (lambda: xirr(MS_VALUES, MS_DATES), 0.373362535, 1e-8),  # Excel's documented accuracy 0.000001%
    (lambda: irr([-70_000, 12_000, 15_000, 18_000, 21_000, 26_000]), 0.0866, 5e-5),
    (lambda: irr([-70_000, 12_000, 15_000, 18_000, 21_000]), -0.0212, 5e-5),
    (lambda: irr([-70_000, 12_000, 15_000], -0.10), -0.4435, 5e-5),
    (lambda: pmt(0.08 / 12, 10, 10_000), -1_037.03, 0.005),
    (lambda: pmt(0.08 / 12, 10, 10_000, when="begin"), -1_030.16, 0.005),
    (lambda: pmt(0.06 / 12, 18 * 12, 0, 50_000), -129.08, 0.005),
    (lambda: pv(0.08 / 12, 12 * 20, 500), -59_777.15, 0.005),
    (lambda: fv(0.06 / 12, 10, -200, -500, when="begin"), 2_581.40, 0.005),
    (lambda: fv(0.12 / 12, 12, -1_000), 12_682.50, 0.005),
    (lambda: mirr([-120_000, 39_000, 30_000, 21_000, 37_000, 46_000], 0.10, 0.12), 0.1261, 5e-5),
    (lambda: mirr([-120_000, 39_000, 30_000, 21_000], 0.10, 0.12), -0.0480, 5e-5),
    (lambda: mirr([-120_000, 39_000, 30_000, 21_000, 37_000, 46_000], 0.10, 0.14), 0.1348, 5e-5),
], ids=["NPV-ms-1", "NPV-ms-2", "NPV-ms-2-with-loss", "XNPV-ms", "XIRR-ms", "IRR-ms-5y", "IRR-ms-4y",
        "IRR-ms-2y-guess", "PMT-ms", "PMT-ms-begin", "PMT-ms-savings", "PV-ms", "FV-ms-begin", "FV-ms",
        "MIRR-ms-5y", "MIRR-ms-3y", "MIRR-ms-14pct"])
def test_microsoft_documented_examples(call, expected, tolerance):
    assert call() == pytest.approx(expected, abs=tolerance)


def test_npv_off_by_one_pitfall():
    # domain.md §4: =NPV(r, C0:Cn) with the outlay inside discounts everything once more: 1,922.06 / 1.08
    flows = [-40_000, 8_000, 9_200, 10_000, 12_000, 14_500]
    assert npv(0.08, flows) == pytest.approx(1_922.06 / 1.08, abs=0.01)  # 1,779.69
    assert npv(0.08, flows, first_flow_at_t0=True) == pytest.approx(1_922.06, abs=0.005)


def test_xnpv_counts_365_days_even_in_leap_years():
    # domain.md §4: $100 366 days after 1 Jan 2024 at 10%: 100 / 1.1^(366/365) = 90.8854
    assert xnpv(0.10, [0, 100], ["2024-01-01", "2025-01-01"]) == pytest.approx(90.8854, abs=5e-5)


def test_xnpv_truncates_serials_and_accepts_dates():
    serials = to_excel_serial(MS_DATES)
    assert xnpv(0.09, MS_VALUES, serials + 0.9) == xnpv(0.09, MS_VALUES, serials)
    as_dates = [dt.date.fromisoformat(d) for d in MS_DATES]
    assert xnpv(0.09, MS_VALUES, as_dates) == pytest.approx(xnpv(0.09, MS_VALUES, serials), rel=1e-15)


def test_xnpv_dates_before_the_first_are_allowed_as_office_does():
    # MS-OI29500: Office allows dates preceding the start date; they compound forward
    assert xnpv(0.10, [100, 100], ["2025-01-01", "2024-01-01"]) == pytest.approx(100 + 100 * 1.1 ** (366 / 365))


def test_vectorised_over_scenarios():
    rng = np.random.default_rng(1)
    values = np.concatenate([-rng.uniform(100, 200, (50, 1)), rng.uniform(10, 60, (50, 11))], axis=1)
    rates = rng.uniform(0.01, 0.2, 50)
    dates = to_excel_serial(np.arange("2025-01", "2026-01", dtype="datetime64[M]").astype("datetime64[D]"))
    for fn, args in ((npv, (rates, values)), (xnpv, (rates, values, dates))):
        batch = fn(*args)
        assert batch.shape == (50,)
        singles = [fn(*(a[i] if np.ndim(a) and len(a) == 50 else a for a in args)) for i in range(50)]
        np.testing.assert_allclose(batch, singles, rtol=1e-14)
    batch = xirr(values, np.broadcast_to(dates, values.shape))
    np.testing.assert_allclose(batch, [xirr(values[i], dates) for i in range(50)], rtol=1e-12)
    np.testing.assert_allclose(irr(values), [irr(values[i]) for i in range(50)], rtol=1e-12)


flows = st.lists(st.floats(1.0, 1e6), min_size=2, max_size=40)


@given(st.floats(1.0, 1e7), flows)
def test_npv_is_zero_at_the_irr(outlay, inflows):
    values = [-outlay, *inflows]
    rate = irr(values)
    assert npv(rate, values, first_flow_at_t0=True) == pytest.approx(0.0, abs=1e-7 * sum(map(abs, values)))


@given(st.floats(1.0, 1e7), flows, st.floats(-0.5, 1.0), st.floats(0.001, 0.5))
def test_npv_falls_as_the_rate_rises(outlay, inflows, rate, step):
    values = [-outlay, *inflows]
    # an outlay at t = 0 then inflows: every inflow loses value as the rate rises
    assert npv(rate + step, values, first_flow_at_t0=True) < npv(rate, values, first_flow_at_t0=True)
    dates = np.datetime64("2025-01-01") + np.cumsum([0] + [30] * len(inflows))
    assert xnpv(rate + step, values, dates) < xnpv(rate, values, dates)


@given(st.floats(-0.05, 0.3), st.integers(1, 480), st.floats(1.0, 1e8))
def test_pmt_pays_off_the_loan(rate, nper, principal):
    payment = pmt(rate, nper, principal)
    # the discounted payments repay the principal: the PV of the payment stream is the loan
    assert pv(rate, nper, payment) == pytest.approx(principal, rel=1e-9)
    # FV subtracts two numbers of size principal x (1+r)^n: its float error scales with them
    assert fv(rate, nper, payment, principal) == pytest.approx(0.0, abs=1e-9 * principal * (1 + abs(rate)) ** nper)


def test_excel_date_serials():
    # Microsoft: 1 Jan 2008 is serial 39448 (1900 system); 1904 system is 1,462 days less
    assert to_excel_serial("2008-01-01") == 39_448
    assert to_excel_serial("2008-01-01", date_system=1904) == 39_448 - 1_462
    # the phantom 29 Feb 1900: 28 Feb is 59, 1 Mar is 61, and 60 is refused
    assert to_excel_serial(["1900-02-28", "1900-03-01"]).tolist() == [59, 61]
    with pytest.raises(HashleaseError, match="not 60"):
        from_excel_serial(60)
    assert str(from_excel_serial(1)) == "1900-01-01"
    assert str(from_excel_serial(0, date_system=1904)) == "1904-01-01"
    assert str(from_excel_serial(2_958_465)) == "9999-12-31"
    days = np.arange("1900-01-01", "2101-01-01", dtype="datetime64[D]")
    # numpy knows 1900 is not a leap year, so the range has no 29 Feb 1900 to skip
    for system in (1900, 1904):
        keep = days >= np.datetime64("1904-01-01") if system == 1904 else slice(None)
        back = from_excel_serial(to_excel_serial(days[keep], date_system=system), date_system=system)
        assert (back == days[keep]).all()


@pytest.mark.parametrize(("call", "arg", "fragment"), [
    (lambda: npv(0.1, []), "values", "non-empty"),
    (lambda: npv(-1.0, [1, 2]), "rate", "> -1"),
    (lambda: npv(0.1, [1, float("nan")]), "values", "finite"),
    (lambda: xnpv(0.1, [1, 2], ["2025-01-01"]), "dates", "one date per cash flow"),
    (lambda: irr([100, 200, 300]), "values", "at least one positive and one negative"),
    (lambda: irr(np.array([[-100, 200], [100, 200]])), "values", "at least one positive and one negative"),
    (lambda: xirr([-100, -200], ["2025-01-01", "2026-01-01"]), "values", "at least one positive"),
    (lambda: irr([-100, 50], guess=-2), "guess", "> -1"),
    (lambda: mirr([100, 200], 0.1, 0.1), "values", "at least one positive"),
    (lambda: pmt(0.1, 0, 100), "nper", "> 0"),
    (lambda: pmt(0.1, 10, 100, when="start"), "when", "one of 'end', 'begin'"),
    (lambda: from_excel_serial(-1), "serial", "in [1,"),
    (lambda: to_excel_serial("1899-12-31"), "dates", "from 1900-01-01"),
    (lambda: to_excel_serial("2025-01-01", date_system=2000), "date_system", "one of 1900, 1904"),
], ids=["empty", "rate-minus-100pct", "nan-flow", "dates-count", "irr-no-sign-change", "irr-row-1-no-sign-change",
        "xirr-no-sign-change", "bad-guess", "mirr-no-sign-change", "nper-0", "bad-when", "serial-negative",
        "date-before-1900", "bad-date-system"])
def test_bad_input(call, arg, fragment):
    with pytest.raises(HashleaseError, match=None) as info:
        call()
    assert info.value.arg == arg and fragment in str(info.value)


def test_no_sign_change_says_which_series_and_why():
    with pytest.raises(HashleaseError, match=r"values\[1\].*at least one positive and one negative.*#NUM!"):
        irr(np.array([[-100.0, 150.0], [100.0, 200.0]]))


@pytest.mark.parametrize("call", [
    lambda v, d: npv([0.1, 0.2, 0.3], [v, v]),
    lambda v, d: xnpv([0.1, 0.2, 0.3], [v, v], d),
    lambda v, d: irr([v, v], guess=[0.1, 0.2, 0.3]),
    lambda v, d: pv([0.01, 0.02], [10, 20, 30], 100),
], ids=["npv", "xnpv", "irr-guess", "pv"])
def test_series_shapes_that_do_not_line_up_are_refused(call):
    with pytest.raises(HashleaseError, match="one per series"):
        call([-100, 10, 120], ["2025-01-01", "2025-06-01", "2026-01-01"])


def test_dates_per_series_broadcast_against_one_series_alike_in_xnpv_and_xirr():
    v, d = [-100, 10, 120], ["2025-01-01", "2025-06-01", "2026-01-01"]
    assert xnpv(0.1, v, [d, d]).shape == (2,) and xirr(v, [d, d]).shape == (2,)
