"""NPV, XNPV, IRR, XIRR, MIRR and PMT against LibreOffice Calc recalculating the same formulas.

openpyxl writes ~250 generated cash-flow series with native spreadsheet formulas; headless LibreOffice Calc
recalculates them; openpyxl reads the cached values back and they are compared with ours. The series cover
regular and irregular dates, leap years, negative rates, IRRs near zero and several sign changes.

Tolerances (relative to the scale of the flows, since values near zero make a plain relative error
meaningless): NPV, XNPV, MIRR, PMT 1e-9; IRR, XIRR 1e-9 on the rate, max(1, |rate|)-scaled. LibreOffice
writes cached values with 15 significant digits, so 1e-9 leaves a wide margin for the spreadsheet's own
rounding and none for a convention error (a one-period shift moves NPV by several percent).
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from hashlease.models import HashleaseError, irr, mirr, npv, pmt, xirr, xnpv
from hashlease.models.excel_dates import to_excel_serial

RNG_SEED = 20240229


def _series():
    """Groups of series with a common length: name -> (values, dates as serials, rates, guesses)."""
    rng = np.random.default_rng(RNG_SEED)
    groups = {}

    def monthly_dates(count, n, start="2023-01-01", leap=False):
        base = np.datetime64("2024-01-31" if leap else start, "D")
        out = []
        for _ in range(count):
            offset = rng.integers(0, 400)
            months = np.arange(n)
            first = (base + offset).astype("datetime64[M]")
            days = (first + months).astype("datetime64[D]") + rng.integers(0, 28)
            out.append(to_excel_serial(days))
        return np.array(out)

    # 1. investment then inflows (a lease), monthly dates, 24 periods
    n, count = 24, 60
    values = np.concatenate([-rng.uniform(1e5, 1e7, (count, 1)), rng.uniform(1e3, 1e6, (count, n - 1))], axis=1)
    groups["investment-then-inflows"] = (values, monthly_dates(count, n), rng.uniform(0.0, 0.25, count),
                                         np.full(count, 0.1))
    # 2. irregular dates: random gaps of 1..200 days, 12 flows
    n, count = 12, 50
    values = np.concatenate([-rng.uniform(1e4, 1e6, (count, 2)), rng.uniform(1e3, 3e5, (count, n - 2))], axis=1)
    gaps = rng.integers(1, 200, (count, n))
    gaps[:, 0] = 0
    dates = to_excel_serial(np.datetime64("2019-06-15")) + np.cumsum(gaps, axis=1) + rng.integers(0, 2000, (count, 1))
    groups["irregular-dates"] = (values, dates.astype(float), rng.uniform(0.01, 0.3, count), np.full(count, 0.1))
    # 3. across 29 Feb 2024 and 2028: monthly from end-Jan 2024, 60 periods
    n, count = 60, 30
    values = np.concatenate([-rng.uniform(1e6, 5e6, (count, 1)), rng.uniform(2e4, 2e5, (count, n - 1))], axis=1)
    groups["leap-years"] = (values, monthly_dates(count, n, leap=True), rng.uniform(0.02, 0.2, count),
                            np.full(count, 0.1))
    # 4. negative discount rates (and negative IRRs: inflows below the outlay)
    n, count = 10, 30
    values = np.concatenate([-rng.uniform(5e5, 1e6, (count, 1)), rng.uniform(2e4, 9e4, (count, n - 1))], axis=1)
    groups["negative-rates"] = (values, monthly_dates(count, n), -rng.uniform(0.01, 0.5, count),
                                np.full(count, -0.1))
    # 5. IRR near zero: inflows that almost exactly repay the outlay
    n, count = 18, 30
    inflows = rng.uniform(1e4, 1e5, (count, n - 1))
    outlay = inflows.sum(axis=1) * (1.0 + rng.uniform(-1e-4, 1e-4, count))
    values = np.concatenate([-outlay[:, None], inflows], axis=1)
    groups["irr-near-zero"] = (values, monthly_dates(count, n), rng.uniform(-0.02, 0.02, count), np.full(count, 0.0))
    # 6. several sign changes: capex, rent, a mid-life refit, rent, decommissioning
    n, count = 30, 50
    values = rng.uniform(5e4, 2e5, (count, n))
    values[:, :3] = -rng.uniform(5e5, 1e6, (count, 3))
    values[:, 15] = -rng.uniform(2e5, 6e5, count)
    values[:, -1] = -rng.uniform(1e5, 3e5, count)
    groups["multiple-sign-changes"] = (values, monthly_dates(count, n), rng.uniform(0.0, 0.2, count),
                                      np.full(count, 0.1))
    return groups


FORMULAS = ["NPV", "XNPV", "IRR", "XIRR", "MIRR", "PMT"]


@pytest.fixture(scope="module")
def oracle(tmp_path_factory, libreoffice):
    """Write every group to a workbook, recalculate it in LibreOffice, and read back each formula's value."""
    groups = _series()
    path = tmp_path_factory.mktemp("oracle") / "finance_oracle.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    layout = {}
    for name, (values, dates, rates, guesses) in groups.items():
        ws = wb.create_sheet(name[:31])
        count, n = values.shape
        # columns: 1..n values, n+1..2n dates, then rate, guess, then the formulas
        rate_col, guess_col, first_formula = 2 * n + 1, 2 * n + 2, 2 * n + 3
        for i in range(count):
            row = i + 1
            for j in range(n):
                ws.cell(row, 1 + j, float(values[i, j]))
                ws.cell(row, 1 + n + j, float(dates[i, j]))
            ws.cell(row, rate_col, float(rates[i]))
            ws.cell(row, guess_col, float(guesses[i]))
            vals = f"A{row}:{get_column_letter(n)}{row}"
            dts = f"{get_column_letter(n + 1)}{row}:{get_column_letter(2 * n)}{row}"
            rate = f"{get_column_letter(rate_col)}{row}"
            guess = f"{get_column_letter(guess_col)}{row}"
            formulas = {
                "NPV": f"=NPV({rate},{vals})",
                "XNPV": f"=XNPV({rate},{vals},{dts})",
                "IRR": f"=IRR({vals},{guess})",
                "XIRR": f"=XIRR({vals},{dts},{guess})",
                "MIRR": f"=MIRR({vals},{rate},{rate}+0.02)",
                "PMT": f"=PMT({rate}/12,{n},A{row},B{row},{i % 2})",
            }
            for k, key in enumerate(FORMULAS):
                ws.cell(row, first_formula + k, formulas[key])
        layout[name] = (ws.title, first_formula, count)
    wb.save(path)
    cached = openpyxl.load_workbook(libreoffice(path), data_only=True)
    results = {}
    for name, (title, first_formula, count) in layout.items():
        ws = cached[title]
        results[name] = {key: [ws.cell(i + 1, first_formula + k).value for i in range(count)]
                         for k, key in enumerate(FORMULAS)}
    return groups, results


def _numbers(cells):
    return np.array([c if isinstance(c, (int, float)) else np.nan for c in cells], dtype=float)


GROUPS = list(_series())


def test_oracle_covers_at_least_200_series(oracle):
    groups, _ = oracle
    assert sum(v.shape[0] for v, *_ in groups.values()) >= 200


@pytest.mark.parametrize("group", GROUPS)
def test_npv_xnpv_mirr_pmt_match_libreoffice(oracle, group):
    groups, results = oracle
    values, dates, rates, _ = groups[group]
    scale = np.abs(values).sum(axis=1)
    ours = {
        "NPV": npv(rates, values),
        "XNPV": xnpv(rates, values, dates),
        "MIRR": mirr(values, rates, rates + 0.02),
    }
    when = ["end", "begin"]  # the workbook alternates PMT's type 0 and 1 by row
    ours["PMT"] = np.array([pmt(r / 12, values.shape[1], v[0], v[1], when=when[i % 2])
                            for i, (r, v) in enumerate(zip(rates, values))])
    for key in ("NPV", "XNPV", "PMT"):
        lo = _numbers(results[group][key])
        assert np.isfinite(lo).all(), f"LibreOffice gave an error for {key}: {results[group][key]}"
        np.testing.assert_array_less(np.abs(ours[key] - lo), 1e-9 * scale + 1e-300, err_msg=key)
    lo = _numbers(results[group]["MIRR"])
    assert np.isfinite(lo).all()
    np.testing.assert_allclose(ours["MIRR"], lo, rtol=1e-9, atol=1e-12, err_msg="MIRR")


@pytest.mark.parametrize("group", GROUPS)
def test_irr_and_xirr_match_libreoffice(oracle, group):
    groups, results = oracle
    values, dates, _, guesses = groups[group]
    for key, solve in (("IRR", lambda: irr(values, guesses)), ("XIRR", lambda: xirr(values, dates, guesses))):
        lo = _numbers(results[group][key])
        ours = solve()
        both = np.isfinite(lo)
        np.testing.assert_array_less(np.abs(ours[both] - lo[both]), 1e-9 * np.maximum(1.0, np.abs(lo[both])),
                                     err_msg=key)
        # Recorded difference: LibreOffice, like Excel, gives up after a fixed number of Newton steps
        # (Err:523; Excel's #NUM! after 20 tries). Every series here has a root, and we return it: check
        # that it is one, and that giving up stays the exception, not the rule.
        gave_up = np.flatnonzero(~both)
        assert gave_up.size <= 0.1 * len(lo), (key, [results[group][key][i] for i in gave_up])
        if key == "IRR":
            residual = npv(ours[gave_up], values[gave_up], first_flow_at_t0=True)
        else:
            residual = xnpv(ours[gave_up], values[gave_up], dates[gave_up])
        np.testing.assert_array_less(np.abs(residual), 1e-7 * np.abs(values[gave_up]).sum(axis=1) + 1e-300)
