"""Workbooks written the way finance teams write models, for the differential tests of the workbook engines.

Each builder writes one deterministic .xlsx with openpyxl (same arguments, same formulas and constants) and returns a
:class:`FinanceBook` describing it: its scenario inputs (defined names, with the range a scenario draws from), its
outputs (defined names of summary figures) and the cells LibreOffice Calc cannot evaluate.

- :func:`build_debt_schedule`: a 120-month debt schedule (opening = previous closing, interest = balance x rate / 12,
  PMT payment, DSCR covenant, cash sweep with MIN/MAX, balloon) dated with EDATE/EOMONTH, and a summary with SUM,
  SUMPRODUCT, COUNTIF, NPV, XNPV, IRR, XIRR, the ROUND family and YEAR/MONTH/DAY/DAYS/YEARFRAC.
- :func:`build_lookups`: a fleet table looked up with INDEX/MATCH (exact and approximate), VLOOKUP/HLOOKUP (both),
  XLOOKUP, CHOOSE, SUMIF(S)/COUNTIF(S)/AVERAGE/MIN/MAX/COUNT, AND/OR/NOT, IFS, ISERROR, ``&`` and comparisons.
- :func:`build_hl_mining`: HL_HASHPRICE, HL_BREAKEVEN_POWER_PRICE and HL_TH_PER_MW from input cells feeding 60 months
  of native revenue and cost lines and an NPV.
- :func:`build_large`: a synthetic native workbook (``rows`` months x ``cols`` columns + a summary; about 7,000
  formulas by default) of running balances and cross-column dependencies, for the benchmark.
- One workbook per case the compiled engine cannot vectorise (:data:`FALLBACKS`): INDIRECT on input-driven text,
  OFFSET with an input-driven height, an unknown add-in function, and a cycle.

LibreOffice 7.4 (the version on the test machines, ``soffice --version``) has no XLOOKUP (added in 24.8): the XLOOKUP
cells, and cells depending on them, are listed in ``FinanceBook.reference_only`` and compared with the reference
engine only. The ``HL_`` workbook is likewise reference-only as a whole (LibreOffice does not know the add-in).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

DATE_FORMAT = "yyyy-mm-dd"
#: Excel serial of 1 Jan 2025 and 31 Dec 2030 (1900 date system): the range start dates are drawn from.
SERIAL_2025_01_01 = 45658
SERIAL_2030_12_31 = 47848


@dataclass(frozen=True)
class Input:
    """One scenario input: a defined name for one cell, its base value and the range scenarios draw from."""

    name: str
    sheet: str
    cell: str
    base: float
    low: float
    high: float
    integer: bool = False


@dataclass(frozen=True)
class FinanceBook:
    """A written test workbook: where it is, what a scenario changes and what it reports."""

    name: str
    path: Path
    inputs: tuple[Input, ...]
    #: Defined names of the summary figures (each one cell holding a number in the base case).
    outputs: tuple[str, ...]
    #: Scenarios (input name -> value) at which some outputs are Excel errors, with the outputs expected to be errors.
    error_scenarios: tuple[tuple[dict[str, float], frozenset[str]], ...] = ()
    #: "Sheet!A1" cells LibreOffice cannot evaluate (XLOOKUP, HL_ functions) and every cell depending on them.
    reference_only: frozenset[str] = frozenset()
    #: Whether LibreOffice can recalculate the workbook at all (False for the HL_ workbook).
    native: bool = True
    formula_count: int = 0
    notes: dict[str, str] = field(default_factory=dict)

    def input(self, name: str) -> Input:
        return next(i for i in self.inputs if i.name == name)

    def base_scenario(self) -> dict[str, float]:
        return {i.name: i.base for i in self.inputs}

    def overrides(self, scenario: dict[str, float]) -> dict[str, dict[str, Any]]:
        """{sheet: {cell: value}} for ``writer.write_values(..., replace_formulas=True)``."""
        out: dict[str, dict[str, Any]] = {}
        for name, value in scenario.items():
            spec = self.input(name)
            out.setdefault(spec.sheet, {})[spec.cell] = value
        return out

    def draw(self, count: int, seed: int) -> list[dict[str, float]]:
        """``count`` scenarios with every input drawn uniformly over its range (whole numbers where it is one)."""
        rng = random.Random(seed)
        scenarios = []
        for _ in range(count):
            scenario = {}
            for spec in self.inputs:
                if spec.integer:
                    scenario[spec.name] = float(rng.randint(int(spec.low), int(spec.high)))
                else:
                    scenario[spec.name] = rng.uniform(spec.low, spec.high)
            scenarios.append(scenario)
        return scenarios


def _name(book: openpyxl.Workbook, name: str, sheet: str, cell: str) -> None:
    column = "".join(ch for ch in cell if ch.isalpha())
    row = "".join(ch for ch in cell if ch.isdigit())
    quoted = f"'{sheet}'" if " " in sheet else sheet
    book.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!${column}${row}")


def _inputs_sheet(book: openpyxl.Workbook, inputs: list[Input], *, dates: frozenset[str] = frozenset()) -> None:
    ws = book.active
    ws.title = "Inputs"
    ws["A1"], ws["B1"] = "Input", "Value"
    for spec in inputs:
        row = int(spec.cell[1:])
        ws[f"A{row}"] = spec.name
        ws[spec.cell] = spec.base
        if spec.name in dates:
            ws[spec.cell].number_format = DATE_FORMAT
        _name(book, spec.name, "Inputs", spec.cell)


def _count_formulas(path: Path) -> int:
    book = openpyxl.load_workbook(path)
    count = sum(1 for ws in book.worksheets for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("="))
    book.close()
    return count


def _save(book: openpyxl.Workbook, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# --- (a) debt schedule --------------------------------------------------------------------------------------------

DEBT_MONTHS = 120
DEBT_FIRST = 6  # row of month 1; row 5 is month 0 (the equity investment)


def build_debt_schedule(path: Path) -> FinanceBook:
    """A 120-month senior loan with a DSCR covenant, a cash sweep and a balloon, and the equity's returns.

    Columns of the Debt sheet (row 5 is month 0, rows 6-125 months 1-120):
    A month, B payment date (EDATE of the start), C month end (EOMONTH), D year, E opening balance (the previous
    closing), F interest (balance x rate / 12), G CFADS (EBITDA grown monthly), H scheduled payment (-PMT over the
    amortisation, capped by what is owed), I scheduled principal, J DSCR (IFERROR: "" when nothing is due),
    K covenant test (text), L excess cash (MAX), M cash sweep (IF/AND/MIN, only when the covenant holds),
    N closing balance, O balloon at maturity, P debt service, Q equity flow (with the exit value at maturity),
    R days in the period (DAYS), S year fraction (YEARFRAC actual/actual), T interest actual/365, U cumulative
    interest (running), V quarter-end flag (MOD of MONTH), W day of the payment date (DAY).
    """
    inputs = [
        Input("loan_start_date", "Inputs", "B2", 46022, SERIAL_2025_01_01, SERIAL_2030_12_31, integer=True),  # 31 Dec 2025
        Input("loan_amount_usd", "Inputs", "B3", 50e6, 5e6, 150e6),
        Input("rate_per_year_frac", "Inputs", "B4", 0.08, 0.01, 0.18),
        Input("amortisation_months", "Inputs", "B5", 180, 60, 300, integer=True),
        Input("ebitda_usd_per_month", "Inputs", "B6", 1.2e6, 0.4e6, 3e6),
        Input("ebitda_growth_per_year_frac", "Inputs", "B7", 0.03, -0.1, 0.15),
        Input("min_dscr_ratio", "Inputs", "B8", 1.25, 1.0, 2.0),
        Input("cash_sweep_frac", "Inputs", "B9", 0.5, 0.0, 1.0),
        Input("equity_usd", "Inputs", "B10", 20e6, 5e6, 60e6),
        Input("discount_rate_per_year_frac", "Inputs", "B11", 0.12, 0.02, 0.3),
        Input("exit_multiple_ratio", "Inputs", "B12", 6.0, 3.0, 10.0),
    ]
    book = openpyxl.Workbook()
    _inputs_sheet(book, inputs, dates=frozenset({"loan_start_date"}))
    ws = book["Inputs"]
    ws["A14"], ws["B14"] = "loan_term_months", DEBT_MONTHS
    _name(book, "loan_term_months", "Inputs", "B14")

    debt = book.create_sheet("Debt")
    headers = ["month", "payment_date", "month_end", "year", "opening_usd", "interest_usd", "cfads_usd",
               "scheduled_payment_usd", "scheduled_principal_usd", "dscr_ratio", "covenant", "excess_cash_usd",
               "sweep_usd", "closing_usd", "balloon_usd", "debt_service_usd", "equity_flow_usd", "days",
               "year_frac", "interest_act365_usd", "cumulative_interest_usd", "quarter_end", "payment_day"]
    for j, text in enumerate(headers, start=1):
        debt.cell(4, j, text)
    debt["A5"] = 0
    debt["B5"] = "=loan_start_date"
    debt["C5"] = "=EOMONTH(B5,0)"
    debt["N5"] = "=loan_amount_usd"
    debt["Q5"] = "=-equity_usd"
    debt["U5"] = 0
    last = DEBT_FIRST + DEBT_MONTHS - 1
    for r in range(DEBT_FIRST, last + 1):
        p = r - 1
        cells = {
            "A": f"=A{p}+1",
            "B": f"=EDATE(loan_start_date,A{r})",
            "C": f"=EOMONTH(loan_start_date,A{r})",
            "D": f"=YEAR(C{r})",
            "E": f"=N{p}",
            "F": f"=E{r}*rate_per_year_frac/12",
            "G": f"=ebitda_usd_per_month*(1+ebitda_growth_per_year_frac)^((A{r}-1)/12)",
            "H": f"=IF(E{r}<=0,0,MIN(-PMT(rate_per_year_frac/12,amortisation_months,loan_amount_usd),E{r}+F{r}))",
            "I": f"=H{r}-F{r}",
            "J": f'=IFERROR(G{r}/H{r},"")',
            "K": f'=IF(J{r}="","n/a",IF(J{r}>=min_dscr_ratio,"OK","BREACH"))',
            "L": f"=MAX(0,G{r}-H{r})",
            "M": f'=IF(AND(K{r}="OK",A{r}<loan_term_months),MIN(L{r}*cash_sweep_frac,E{r}-I{r}),0)',
            "N": f"=IF(A{r}=loan_term_months,0,E{r}-I{r}-M{r})",
            "O": f"=IF(A{r}=loan_term_months,E{r}-I{r}-M{r},0)",
            "P": f"=H{r}+M{r}+O{r}",
            "Q": f"=G{r}-P{r}+IF(A{r}=loan_term_months,exit_multiple_ratio*G{r}*12,0)",
            "R": f"=_xlfn.DAYS(B{r},B{p})",
            "S": f"=YEARFRAC(B{p},B{r},1)",
            "T": f"=E{r}*rate_per_year_frac*R{r}/365",
            "U": f"=U{p}+F{r}",
            "V": f"=MOD(MONTH(C{r}),3)=0",
            "W": f"=DAY(B{r})",
        }
        for column, formula in cells.items():
            debt[f"{column}{r}"] = formula
        for column in "BC":
            debt[f"{column}{r}"].number_format = DATE_FORMAT

    rng = f"{DEBT_FIRST}:{last}"
    a, b = rng.split(":")
    col = lambda c: f"Debt!{c}{a}:{c}{b}"  # noqa: E731
    s = book.create_sheet("Summary")
    summary = [
        ("total_interest_usd", f"=SUM({col('F')})"),
        ("total_debt_service_usd", f"=SUM({col('P')})"),
        ("min_dscr_ratio_seen", f"=MIN({col('J')})"),
        ("breach_months", f'=COUNTIF({col("K")},"BREACH")'),
        ("average_life_years", f"=SUMPRODUCT({col('I')}+{col('M')}+{col('O')},{col('A')})/loan_amount_usd/12"),
        ("equity_npv_usd", f"=NPV(discount_rate_per_year_frac/12,Debt!Q{a}:Q{b})+Debt!Q5"),
        ("equity_xnpv_usd", f"=XNPV(discount_rate_per_year_frac,Debt!Q5:Q{b},Debt!B5:B{b})"),
        ("equity_irr_per_month_frac", f"=IRR(Debt!Q5:Q{b},0.01)"),  # monthly flows: a monthly guess
        ("equity_irr_per_year_frac", "=(1+B9)^12-1"),
        ("equity_xirr_per_year_frac", f"=XIRR(Debt!Q5:Q{b},Debt!B5:B{b})"),
        ("total_interest_rounded_usd", "=ROUND(B2,-3)"),
        ("average_life_up_years", "=ROUNDUP(B6,2)"),
        ("average_life_down_years", "=ROUNDDOWN(B6,1)"),
        ("maturity_year", f"=YEAR(Debt!B{b})"),
        ("maturity_month", f"=MONTH(Debt!B{b})"),
        ("maturity_day", f"=DAY(Debt!B{b})"),
        ("tenor_days", f"=_xlfn.DAYS(Debt!B{b},loan_start_date)"),
        ("tenor_years_30_360", f"=YEARFRAC(loan_start_date,Debt!B{b})"),
        ("tenor_years_actual", f"=YEARFRAC(loan_start_date,Debt!B{b},1)"),
        ("tenor_years_act365", f"=YEARFRAC(loan_start_date,Debt!B{b},3)"),
        ("repaid_in_month", f'=IFERROR(MATCH(0,Debt!N{a}:N{b},0),"not before maturity")'),
        ("covenant_status", '=IF(B5>0,"BREACH in "&B5&" months","OK")'),
        ("interest_act365_vs_30_360_usd", f"=SUM(Debt!T{a}:T{b})-B2"),
        ("quarter_end_sweep_usd", f"=SUMPRODUCT(--Debt!V{a}:V{b},Debt!M{a}:M{b})"),
        ("balloon_usd", f"=MAX(Debt!O{a}:O{b})"),
        ("peak_interest_usd", f"=ROUND(MAX(Debt!F{a}:F{b}),2)"),
        ("first_payment_day", f"=Debt!W{a}"),
        ("equity_multiple_ratio", f"=SUMIF(Debt!Q{a}:Q{b},\">0\")/-Debt!Q5"),
    ]
    s["A1"], s["B1"] = "Figure", "Value"
    for i, (label, formula) in enumerate(summary, start=2):
        s[f"A{i}"] = label
        s[f"B{i}"] = formula
        _name(book, label, "Summary", f"B{i}")
    path = _save(book, path)
    outputs = ("total_interest_usd", "total_debt_service_usd", "min_dscr_ratio_seen", "breach_months",
               "average_life_years", "equity_npv_usd", "equity_xnpv_usd", "equity_irr_per_month_frac",
               "equity_irr_per_year_frac", "equity_xirr_per_year_frac", "total_interest_rounded_usd",
               "average_life_up_years", "average_life_down_years", "maturity_year", "maturity_month", "maturity_day",
               "tenor_days", "tenor_years_30_360", "tenor_years_actual", "tenor_years_act365",
               "interest_act365_vs_30_360_usd", "quarter_end_sweep_usd", "balloon_usd", "peak_interest_usd",
               "first_payment_day", "equity_multiple_ratio")
    errors = (
        # a zero loan: PMT is 0, so every DSCR is G/0 -> "" (IFERROR), MIN of no numbers is 0, and the average life
        # divides by the zero loan: #DIV/0!
        ({"loan_amount_usd": 0.0}, frozenset({"average_life_years", "average_life_up_years",
                                               "average_life_down_years"})),
        # zero equity: the equity multiple divides by zero
        # zero equity: the equity multiple divides by zero, and flows that never turn negative have no IRR (#NUM!)
        ({"equity_usd": 0.0}, frozenset({"equity_multiple_ratio", "equity_irr_per_month_frac",
                                         "equity_irr_per_year_frac", "equity_xirr_per_year_frac"})),
    )
    return FinanceBook("debt_schedule", path, tuple(inputs), outputs, errors, formula_count=_count_formulas(path))


# --- (b) lookups --------------------------------------------------------------------------------------------------

FLEET = [  # model, vendor, hashrate TH/s, efficiency J/TH, price USD/TH, release year, units owned
    ("Antminer S19", "Bitmain", 95, 34.5, 4.0, 2020, 1200),
    ("Antminer S19j Pro", "Bitmain", 104, 29.5, 5.5, 2021, 2400),
    ("Whatsminer M30S++", "MicroBT", 112, 31.0, 5.0, 2020, 800),
    ("Antminer S19 XP", "Bitmain", 141, 21.5, 9.0, 2022, 3000),
    ("Whatsminer M50S", "MicroBT", 126, 26.0, 8.0, 2022, 1500),
    ("Avalon A1466", "Canaan", 150, 21.5, 10.0, 2023, 600),
    ("Antminer S21", "Bitmain", 200, 17.5, 14.0, 2023, 5000),
    ("Whatsminer M60S", "MicroBT", 186, 18.5, 13.0, 2023, 2000),
    ("Antminer S21 Pro", "Bitmain", 234, 15.0, 18.0, 2024, 2500),
    ("Antminer S21 XP", "Bitmain", 270, 13.5, 22.0, 2024, 1000),
]
FLEET_FIRST = 3
TARIFFS = [  # from USD/kWh, tier, demand charge USD/kW-month (sorted ascending, for approximate lookups)
    (0.0, "industrial-low", 2.0), (0.03, "industrial", 4.0), (0.05, "commercial", 6.5),
    (0.08, "peak", 9.0), (0.11, "critical", 12.0),
]
SUBSIDY_BY_YEAR = [(2024, 3.125), (2025, 3.125), (2026, 3.125), (2027, 3.125), (2028, 1.5625), (2029, 1.5625),
                   (2030, 1.5625)]


def build_lookups(path: Path) -> FinanceBook:
    """A fleet table and tariff/subsidy tables, looked up every way finance models look things up."""
    inputs = [
        Input("fleet_model_id", "Inputs", "B2", 7, 1, len(FLEET), integer=True),
        Input("site_power_mw", "Inputs", "B3", 100.0, 10.0, 300.0),
        Input("power_price_usd_per_kwh", "Inputs", "B4", 0.045, 0.01, 0.14),
        Input("hashprice_usd_per_ph_day", "Inputs", "B5", 50.0, 20.0, 90.0),
        Input("target_efficiency_j_per_th", "Inputs", "B6", 20.0, 13.5, 35.0),
        Input("uptime_frac", "Inputs", "B7", 0.97, 0.8, 1.0),
        Input("price_case", "Inputs", "B8", 2, 1, 3, integer=True),
        Input("max_price_usd_per_th", "Inputs", "B9", 12.0, 3.0, 25.0),
        Input("plan_year", "Inputs", "B10", 2026, 2024, 2030, integer=True),
        Input("release_year_from", "Inputs", "B11", 2022, 2020, 2024, integer=True),
    ]
    book = openpyxl.Workbook()
    _inputs_sheet(book, inputs)

    fleet = book.create_sheet("Fleet")
    headers = ["model", "vendor", "hashrate_th_s", "efficiency_j_per_th", "price_usd_per_th", "release_year",
               "units", "power_kw_per_unit", "revenue_usd_per_unit_day", "power_cost_usd_per_unit_day",
               "margin_usd_per_unit_day", "profitable", "label", "recent_or_efficient", "legacy", "cost_usd_per_unit"]
    for j, text in enumerate(headers, start=1):
        fleet.cell(2, j, text)
    last = FLEET_FIRST + len(FLEET) - 1
    for i, row in enumerate(FLEET):
        r = FLEET_FIRST + i
        for j, value in enumerate(row, start=1):
            fleet.cell(r, j, value)
        fleet[f"H{r}"] = f"=C{r}*D{r}/1000"
        fleet[f"I{r}"] = f"=C{r}/1000*hashprice_usd_per_ph_day*uptime_frac"
        fleet[f"J{r}"] = f"=H{r}*24*power_price_usd_per_kwh*uptime_frac"
        fleet[f"K{r}"] = f"=I{r}-J{r}"
        fleet[f"L{r}"] = f'=IF(AND(K{r}>0,D{r}<=target_efficiency_j_per_th),"yes","no")'
        fleet[f"M{r}"] = f'=A{r}&" ("&B{r}&", "&F{r}&")"'
        fleet[f"N{r}"] = f"=OR(F{r}>=release_year_from,D{r}<20)"
        fleet[f"O{r}"] = f"=NOT(N{r})"
        fleet[f"P{r}"] = f"=C{r}*E{r}"
    rows = lambda c: f"Fleet!${c}${FLEET_FIRST}:${c}${last}"  # noqa: E731

    tables = book.create_sheet("Tables")
    tables["A1"] = "Efficiency tiers (ascending J/TH), for approximate MATCH"
    by_efficiency = sorted(FLEET, key=lambda f: (f[3], f[0]))
    for i, row in enumerate(by_efficiency):
        tables[f"A{3 + i}"] = row[3]
        tables[f"B{3 + i}"] = row[0]
    eff_last = 3 + len(FLEET) - 1
    tables["D1"] = "Tariffs (from USD/kWh, ascending)"
    for i, (start, tier, demand) in enumerate(TARIFFS):
        tables[f"D{3 + i}"], tables[f"E{3 + i}"], tables[f"F{3 + i}"] = start, tier, demand
    tariff_last = 3 + len(TARIFFS) - 1
    tables["H1"] = "Subsidy by year (horizontal)"
    tables["H2"] = "year"
    tables["H3"] = "subsidy_btc"
    tables["H4"] = "price_low_usd"
    tables["H5"] = "price_high_usd"
    for j, (year, subsidy) in enumerate(SUBSIDY_BY_YEAR):
        c = get_column_letter(9 + j)
        tables[f"{c}2"], tables[f"{c}3"] = year, subsidy
        tables[f"{c}4"], tables[f"{c}5"] = 60_000 + 5_000 * j, 120_000 + 15_000 * j
    hl_last = get_column_letter(9 + len(SUBSIDY_BY_YEAR) - 1)
    hl_table = f"Tables!$I$2:${hl_last}$5"

    s = book.create_sheet("Summary")
    summary = [
        # 2 exact INDEX/MATCH by position and by name
        ("model_name", f"=INDEX({rows('A')},fleet_model_id)"),
        ("model_efficiency_j_per_th", f"=INDEX({rows('D')},MATCH(B2,{rows('A')},0))"),
        # 4 VLOOKUP exact on text
        ("model_hashrate_th_s", f"=VLOOKUP(B2,Fleet!$A${FLEET_FIRST}:$P${last},3,FALSE)"),
        # 5 XLOOKUP exact on text (LibreOffice 7.4: none)
        ("model_price_usd_per_th", f'=_xlfn.XLOOKUP(B2,{rows("A")},{rows("E")},"not found")'),
        # 6 approximate MATCH: the least efficient model meeting the target (largest J/TH <= target)
        ("target_model", f"=INDEX(Tables!$B$3:$B${eff_last},MATCH(target_efficiency_j_per_th,"
                         f"Tables!$A$3:$A${eff_last},1))"),
        # 7 approximate VLOOKUP: the tariff tier and its demand charge
        ("tariff_tier", f"=VLOOKUP(power_price_usd_per_kwh,Tables!$D$3:$F${tariff_last},2,TRUE)"),
        ("demand_charge_usd_per_kw_month", f"=VLOOKUP(power_price_usd_per_kwh,Tables!$D$3:$F${tariff_last},3)"),
        # 9 HLOOKUP exact and approximate
        ("subsidy_btc", f"=HLOOKUP(plan_year,{hl_table},2,FALSE)"),
        ("price_low_usd", f"=HLOOKUP(plan_year+0.5,{hl_table},3,TRUE)"),
        # 11 CHOOSE of the price case
        ("btc_price_usd", f"=CHOOSE(price_case,B10,(B10+HLOOKUP(plan_year,{hl_table},4,FALSE))/2,"
                          f"HLOOKUP(plan_year,{hl_table},4,FALSE))"),
        # 12 site figures from the looked-up model
        ("site_units", "=ROUNDDOWN(site_power_mw*1000/(B4*B3/1000),0)"),
        ("site_hashrate_ph_s", "=B12*B4/1000"),
        ("site_revenue_usd_per_day", "=B13*hashprice_usd_per_ph_day*uptime_frac"),
        ("site_power_cost_usd_per_day", "=site_power_mw*1000*24*power_price_usd_per_kwh*uptime_frac"
                                        "+site_power_mw*1000*B8*12/365"),
        ("site_margin_usd_per_day", "=B14-B15"),
        # 17 SUMIF/SUMIFS/COUNTIF/COUNTIFS over the fleet
        ("bitmain_units", f'=SUMIF({rows("B")},"Bitmain",{rows("G")})'),
        ("efficient_bitmain_units", f'=SUMIFS({rows("G")},{rows("B")},"Bitmain",{rows("D")},'
                                    f'"<="&target_efficiency_j_per_th)'),
        ("profitable_models", f'=COUNTIF({rows("L")},"yes")'),
        ("recent_affordable_models", f'=COUNTIFS({rows("F")},">="&release_year_from,{rows("E")},'
                                     f'"<="&max_price_usd_per_th)'),
        ("average_efficiency_j_per_th", f"=AVERAGE({rows('D')})"),
        ("best_efficiency_j_per_th", f"=MIN({rows('D')})"),
        ("best_margin_usd_per_unit_day", f"=MAX({rows('K')})"),
        ("fleet_models", f"=COUNT({rows('C')})"),
        ("legacy_models", f"=SUMPRODUCT(--{rows('O')})"),
        # 26 IFS, ISERROR, comparisons, & joins
        ("power_band", '=_xlfn.IFS(power_price_usd_per_kwh<0.04,"cheap",power_price_usd_per_kwh<0.08,"mid",'
                       'TRUE,"expensive")'),
        ("target_is_listed", f"=NOT(ISERROR(MATCH(target_efficiency_j_per_th,{rows('D')},0)))"),
        ("margin_positive", "=B16>0"),
        ("headline", '=B2&": "&TEXT(B13,"0.0")&" PH/s, "&B26&" power ("&B7&")"'),
        ("fleet_value_usd", f"=SUMPRODUCT({rows('G')},{rows('P')})"),
        ("affordable_value_usd", f'=SUMPRODUCT(({rows("E")}<=max_price_usd_per_th)*{rows("G")},{rows("P")})'),
        # 32 XLOOKUP next smaller (LibreOffice 7.4: none)
        ("xlookup_target_model", f'=_xlfn.XLOOKUP(target_efficiency_j_per_th,Tables!$A$3:$A${eff_last},'
                                 f'Tables!$B$3:$B${eff_last},"none",-1)'),
        ("margin_per_mw_usd_per_day", "=IFERROR(B16/site_power_mw,0)"),
        ("revenue_at_case_price_usd_per_day", "=B14*B11/B10"),
    ]
    s["A1"], s["B1"] = "Figure", "Value"
    for i, (label, formula) in enumerate(summary, start=2):
        s[f"A{i}"] = label
        s[f"B{i}"] = formula
        _name(book, label, "Summary", f"B{i}")
    path = _save(book, path)
    outputs = ("model_efficiency_j_per_th", "model_hashrate_th_s", "model_price_usd_per_th",
               "demand_charge_usd_per_kw_month", "subsidy_btc", "price_low_usd", "btc_price_usd", "site_units",
               "site_hashrate_ph_s", "site_revenue_usd_per_day", "site_power_cost_usd_per_day",
               "site_margin_usd_per_day", "bitmain_units", "efficient_bitmain_units", "profitable_models",
               "recent_affordable_models", "average_efficiency_j_per_th", "best_efficiency_j_per_th",
               "best_margin_usd_per_unit_day", "fleet_models", "legacy_models", "fleet_value_usd",
               "affordable_value_usd", "margin_per_mw_usd_per_day", "revenue_at_case_price_usd_per_day",
               "target_is_listed", "margin_positive")
    errors = (
        # a model number past the table: INDEX answers #REF!, and every figure of the model after it
        ({"fleet_model_id": float(len(FLEET) + 1)},
         frozenset({"model_efficiency_j_per_th", "model_hashrate_th_s", "model_price_usd_per_th", "site_units",
                    "site_hashrate_ph_s", "site_revenue_usd_per_day", "site_margin_usd_per_day",
                    "revenue_at_case_price_usd_per_day", "margin_positive"})),
        # a zero site: no power, units 0, margin/MW is 0/0 -> IFERROR 0; nothing else is an error
        ({"site_power_mw": 0.0}, frozenset()),
        # a year before the subsidy table: exact HLOOKUP #N/A, approximate HLOOKUP #N/A (nothing <= 2023.5)
        ({"plan_year": 2023.0}, frozenset({"subsidy_btc", "price_low_usd", "btc_price_usd",
                                           "revenue_at_case_price_usd_per_day"})),
    )
    reference_only = frozenset({"Summary!B5", "Summary!B32"})  # XLOOKUP: LibreOffice 7.4 answers #NAME?
    return FinanceBook("lookups", path, tuple(inputs), outputs, errors, reference_only,
                       formula_count=_count_formulas(path),
                       notes={"xlookup": "LibreOffice 7.4 has no XLOOKUP (24.8 added it): Summary!B5 and B32 are "
                                         "compared with the reference engine only"})


# --- (c) HL_ outputs feeding native formulas ----------------------------------------------------------------------

HL_MONTHS = 60
HL_FIRST = 4


def build_hl_mining(path: Path) -> FinanceBook:
    """Hashprice, break-even power price and TH/s per MW from ``HL_`` functions, then 60 months of native lines.

    Monthly sheet (rows 4-63): A month, B date (EOMONTH), C days in month (DAY of the month end), D difficulty
    (grown monthly), E BTC price (grown yearly), F hashprice (today's HL_HASHPRICE scaled by price / difficulty),
    G running (IF the month's margin at full power is positive), H revenue, I power cost, J opex, K cash margin,
    L cumulative cash (running).
    """
    inputs = [
        Input("difficulty", "Inputs", "B2", 108.52e12, 60e12, 200e12),
        Input("btc_price_usd", "Inputs", "B3", 93_450.0, 30_000.0, 200_000.0),
        Input("fees_btc_per_block", "Inputs", "B4", 0.0931, 0.0, 0.5),
        Input("block_height", "Inputs", "B5", 874_944, 840_000, 1_049_999, integer=True),
        Input("efficiency_j_per_th", "Inputs", "B6", 17.5, 12.0, 35.0),
        Input("power_price_usd_per_kwh", "Inputs", "B7", 0.045, 0.02, 0.12),
        Input("pue", "Inputs", "B8", 1.08, 1.0, 1.4),
        Input("uptime_frac", "Inputs", "B9", 0.97, 0.8, 1.0),
        Input("pool_fee_frac", "Inputs", "B10", 0.02, 0.0, 0.04),
        Input("site_mw", "Inputs", "B11", 100.0, 5.0, 300.0),
        Input("difficulty_growth_per_month_frac", "Inputs", "B12", 0.02, -0.02, 0.05),
        Input("btc_price_growth_per_year_frac", "Inputs", "B13", 0.15, -0.3, 0.6),
        Input("opex_usd_per_mw_month", "Inputs", "B14", 8_000.0, 2_000.0, 20_000.0),
        Input("discount_rate_per_year_frac", "Inputs", "B15", 0.12, 0.03, 0.3),
        Input("start_date", "Inputs", "B16", 46022, SERIAL_2025_01_01, SERIAL_2030_12_31, integer=True),
    ]
    book = openpyxl.Workbook()
    _inputs_sheet(book, inputs, dates=frozenset({"start_date"}))

    unit = book.create_sheet("Unit")
    unit_rows = [
        ("hashprice_usd_per_ph_day", "=HL_HASHPRICE(difficulty,btc_price_usd,fees_btc_per_block,block_height)"),
        ("breakeven_power_price_usd_per_kwh", "=HL_BREAKEVEN_POWER_PRICE(B2,efficiency_j_per_th,uptime_frac,"
                                               "pool_fee_frac,pue)"),
        ("th_s_per_mw", "=HL_TH_PER_MW(efficiency_j_per_th,pue)"),
        ("site_ph_s", "=B4*site_mw/1000"),
        ("power_headroom_usd_per_kwh", "=B3-power_price_usd_per_kwh"),
        ("economic", '=IF(B6>0,"mine","curtail")'),
    ]
    unit["A1"], unit["B1"] = "Figure", "Value"
    for i, (label, formula) in enumerate(unit_rows, start=2):
        unit[f"A{i}"], unit[f"B{i}"] = label, formula
        _name(book, label, "Unit", f"B{i}")

    month = book.create_sheet("Monthly")
    headers = ["month", "month_end", "days", "difficulty", "btc_price_usd", "hashprice_usd_per_ph_day", "running",
               "revenue_usd", "power_cost_usd", "opex_usd", "cash_margin_usd", "cumulative_cash_usd"]
    for j, text in enumerate(headers, start=1):
        month.cell(3, j, text)
    month["L3"] = 0
    last = HL_FIRST + HL_MONTHS - 1
    for r in range(HL_FIRST, last + 1):
        p = r - 1
        cells = {
            "A": f"={r - HL_FIRST + 1}" if r == HL_FIRST else f"=A{p}+1",
            "B": f"=EOMONTH(start_date,A{r}-1)",
            "C": f"=DAY(B{r})",
            "D": f"=difficulty*(1+difficulty_growth_per_month_frac)^A{r}",
            "E": f"=btc_price_usd*(1+btc_price_growth_per_year_frac)^(A{r}/12)",
            "F": f"=hashprice_usd_per_ph_day*(E{r}/btc_price_usd)/(D{r}/difficulty)",
            "G": f"=IF(F{r}*(1-pool_fee_frac)>efficiency_j_per_th*pue*24*power_price_usd_per_kwh,1,0)",
            "H": f"=site_ph_s*F{r}*(1-pool_fee_frac)*uptime_frac*C{r}*G{r}",
            "I": f"=site_mw*1000*24*C{r}*power_price_usd_per_kwh*uptime_frac*G{r}",
            "J": f"=site_mw*opex_usd_per_mw_month",
            "K": f"=H{r}-I{r}-J{r}",
            "L": f"=IF(A{r}=1,0,L{p})+K{r}",
        }
        for column, formula in cells.items():
            month[f"{column}{r}"] = formula
        month[f"B{r}"].number_format = DATE_FORMAT
    s = book.create_sheet("Summary")
    summary = [
        ("revenue_usd", f"=SUM(Monthly!H{HL_FIRST}:H{last})"),
        ("power_cost_usd", f"=SUM(Monthly!I{HL_FIRST}:I{last})"),
        ("cash_margin_usd", f"=SUM(Monthly!K{HL_FIRST}:K{last})"),
        ("npv_usd", f"=NPV(discount_rate_per_year_frac/12,Monthly!K{HL_FIRST}:K{last})"),
        ("xnpv_usd", f"=XNPV(discount_rate_per_year_frac,Monthly!K{HL_FIRST}:K{last},Monthly!B{HL_FIRST}:B{last})"),
        ("months_running", f"=SUM(Monthly!G{HL_FIRST}:G{last})"),
        ("first_loss_month", f'=IFERROR(MATCH(0,Monthly!G{HL_FIRST}:G{last},0),"none")'),
        ("margin_per_ph_usd", "=IFERROR(B4/site_ph_s,0)"),
        ("hashprice_year5_usd_per_ph_day", f"=ROUND(Monthly!F{last},4)"),
        ("unit_margin_usd_per_ph_day", "=hashprice_usd_per_ph_day*(1-pool_fee_frac)-efficiency_j_per_th*pue*24*"
                                       "power_price_usd_per_kwh"),
    ]
    s["A1"], s["B1"] = "Figure", "Value"
    for i, (label, formula) in enumerate(summary, start=2):
        s[f"A{i}"], s[f"B{i}"] = label, formula
        _name(book, label, "Summary", f"B{i}")
    path = _save(book, path)
    outputs = ("hashprice_usd_per_ph_day", "breakeven_power_price_usd_per_kwh", "th_s_per_mw", "site_ph_s",
               "power_headroom_usd_per_kwh", "revenue_usd", "power_cost_usd", "cash_margin_usd", "npv_usd",
               "xnpv_usd", "months_running", "margin_per_ph_usd", "hashprice_year5_usd_per_ph_day",
               "unit_margin_usd_per_ph_day")
    hashprice_dependents = frozenset({"hashprice_usd_per_ph_day", "breakeven_power_price_usd_per_kwh",
                                      "power_headroom_usd_per_kwh", "revenue_usd", "power_cost_usd",
                                      "cash_margin_usd", "npv_usd", "xnpv_usd", "months_running",
                                      "hashprice_year5_usd_per_ph_day",
                                      "unit_margin_usd_per_ph_day"})
    # the power cost and months running do not use the TH/s (the running test compares per-PH figures), and the
    # margin per PH/s is IFERROR(..., 0)
    fed_by_efficiency = frozenset({"breakeven_power_price_usd_per_kwh", "th_s_per_mw", "site_ph_s",
                                   "power_headroom_usd_per_kwh", "revenue_usd", "cash_margin_usd", "npv_usd",
                                   "xnpv_usd"})
    errors = (
        # zero difficulty: HL_HASHPRICE answers #NUM! (difficulty must be > 0) and everything fed by it
        ({"difficulty": 0.0}, hashprice_dependents),
        # a negative price: #NUM! (btc_price_usd must be >= 0)
        ({"btc_price_usd": -1.0}, hashprice_dependents),
        # zero efficiency: HL_TH_PER_MW and HL_BREAKEVEN_POWER_PRICE answer #NUM! (efficiency must be > 0)
        ({"efficiency_j_per_th": 0.0}, fed_by_efficiency),
        # a PUE below 1: #NUM! from HL_TH_PER_MW and HL_BREAKEVEN_POWER_PRICE
        ({"pue": 0.5}, fed_by_efficiency),
    )
    return FinanceBook("hl_mining", path, tuple(inputs), outputs, errors, native=False,
                       formula_count=_count_formulas(path))


# --- (d) synthetic large native workbook --------------------------------------------------------------------------


def build_large(path: Path, rows: int = 120, cols: int = 57) -> FinanceBook:
    """``rows`` monthly rows x ``cols`` formula columns + a summary row of SUMs and a few NPVs (120 x 57 + 63 =
    6,903 formulas by default). Column 1 is the month, 2 the date (EDATE), 3 a growing base line; each further
    column k follows one of five patterns by k mod 5: a running balance (previous row + two columns to the left),
    an IF on a threshold input, a MAX/MIN floor, a running MIN, a ROUND blend. Every value stays bounded (no
    pattern compounds across columns)."""
    if rows < 2 or cols < 4:
        raise ValueError("rows >= 2 and cols >= 4")
    inputs = [
        Input("start_date", "Inputs", "B2", 46022, SERIAL_2025_01_01, SERIAL_2030_12_31, integer=True),
        Input("base_usd", "Inputs", "B3", 1_000_000.0, 100_000.0, 5_000_000.0),
        Input("growth_per_year_frac", "Inputs", "B4", 0.05, -0.1, 0.2),
        Input("rate_per_year_frac", "Inputs", "B5", 0.08, 0.0, 0.2),
        Input("threshold_usd", "Inputs", "B6", 500_000.0, 0.0, 2_000_000.0),
        Input("share_frac", "Inputs", "B7", 0.3, 0.0, 1.0),
        Input("discount_rate_per_year_frac", "Inputs", "B8", 0.1, 0.01, 0.3),
    ]
    book = openpyxl.Workbook()
    _inputs_sheet(book, inputs, dates=frozenset({"start_date"}))
    ws = book.create_sheet("Model")
    first = 3
    last = first + rows - 1
    for k in range(1, cols + 1):
        ws.cell(2, k, f"c{k}")
    for r in range(first, last + 1):
        p = r - 1
        top = r == first
        L = get_column_letter  # noqa: N806
        ws[f"A{r}"] = "=1" if top else f"=A{p}+1"
        ws[f"B{r}"] = f"=EDATE(start_date,A{r}-1)"
        ws[f"B{r}"].number_format = DATE_FORMAT
        ws[f"C{r}"] = f"=base_usd*(1+growth_per_year_frac)^((A{r}-1)/12)"
        for k in range(4, cols + 1):
            c, c1, c2, c3 = L(k), L(k - 1), L(k - 2), L(max(k - 3, 3))
            pattern = k % 5
            if pattern == 0:
                formula = (f"={c1}{r}*rate_per_year_frac/12" if top else
                           f"={c}{p}*(1-share_frac/12)+{c1}{r}*rate_per_year_frac/12")  # running balance
            elif pattern == 1:
                formula = f"=IF({c1}{r}>threshold_usd,{c1}{r}*share_frac,{c2}{r}-{c1}{r}*0.5)"
            elif pattern == 2:
                formula = f"=MAX(0,{c1}{r})*0.5+MIN(0,{c2}{r})*0.25+$C{r}*0.1"
            elif pattern == 3:
                formula = (f"=MIN({c1}{r},{c3}{r})" if top else
                           f"=MIN({c1}{r},{c3}{r},{c}{p}*1.01+1000)")  # running MIN with a slack
            else:
                formula = f"=ROUND({c1}{r}*0.5+{c2}{r}*0.3+$C{r}*0.2,2)"
            ws[f"{c}{r}"] = formula
    total = last + 2
    ws[f"A{total}"] = "total"
    for k in range(3, cols + 1):
        c = get_column_letter(k)
        ws[f"{c}{total}"] = f"=SUM({c}{first}:{c}{last})"
    npv_row = total + 1
    ws[f"A{npv_row}"] = "npv"
    names = []
    for k in (3, cols // 2, cols):
        c = get_column_letter(k)
        ws[f"{c}{npv_row}"] = f"=NPV(discount_rate_per_year_frac/12,{c}{first}:{c}{last})"
        names.append((f"npv_c{k}_usd", f"{c}{npv_row}"))
    ws[f"B{npv_row}"] = f"=SUM(C{total}:{get_column_letter(cols)}{total})"
    names.append(("grand_total_usd", f"B{npv_row}"))
    ws[f"B{npv_row + 1}"] = f"=XNPV(discount_rate_per_year_frac,C{first}:C{last},B{first}:B{last})"
    names.append(("xnpv_c3_usd", f"B{npv_row + 1}"))
    ws[f"B{npv_row + 2}"] = f"=SUMPRODUCT(C{first}:C{last},{get_column_letter(cols)}{first}:{get_column_letter(cols)}{last})"
    names.append(("sumproduct_usd2", f"B{npv_row + 2}"))
    for k in range(3, cols + 1, 9):
        names.append((f"total_c{k}_usd", f"{get_column_letter(k)}{total}"))
    for name, cell in names:
        _name(book, name, "Model", cell)
    path = _save(book, path)
    return FinanceBook("large", path, tuple(inputs), tuple(n for n, _ in names), formula_count=_count_formulas(path))


# --- fallback cases -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FallbackCase:
    """A workbook the compiled engine cannot vectorise: the cell and function (or cycle cells) it must name."""

    name: str
    path: Path
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    cells: tuple[str, ...]  # "Sheet!A1" the refusal must name
    function: str | None  # the function it must name (None for a cycle)


def _small(path: Path, cells: dict[str, Any], names: dict[str, str]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Model"
    data = book.create_sheet("Data")
    for i in range(1, 11):
        data[f"A{i}"] = f"row{i}"
        data[f"B{i}"] = i * 10.0
    for ref, value in cells.items():
        ws[ref] = value
    for name, ref in names.items():
        _name(book, name, "Model", ref)
    return _save(book, path)


def build_fallbacks(directory: Path) -> dict[str, FallbackCase]:
    """One workbook per construct the compiled engine must refuse (or fall back on), by case name."""
    directory = Path(directory)
    cases = {}
    path = _small(directory / "fallback_indirect.xlsx",
                  {"A1": "row", "B1": 3, "C1": '=INDIRECT("Data!B"&B1)', "D1": "=C1*2"},
                  {"row_number": "B1", "looked_up_usd": "D1"})
    cases["indirect"] = FallbackCase("indirect", path, ("row_number",), ("looked_up_usd",), ("Model!C1",), "INDIRECT")
    path = _small(directory / "fallback_offset.xlsx",
                  {"A1": "months", "B1": 4, "C1": "=SUM(OFFSET(Data!B1,0,0,B1,1))", "D1": "=C1/B1"},
                  {"horizon_months": "B1", "average_usd": "D1"})
    cases["offset"] = FallbackCase("offset", path, ("horizon_months",), ("average_usd",), ("Model!C1",), "OFFSET")
    path = _small(directory / "fallback_unknown.xlsx",
                  {"A1": 5.0, "B1": "=FOO.BAR(A1)", "C1": "=B1+1"},
                  {"input_value": "A1", "result_value": "C1"})
    cases["unknown"] = FallbackCase("unknown", path, ("input_value",), ("result_value",), ("Model!B1",), "FOO.BAR")
    path = _small(directory / "fallback_cycle.xlsx",
                  {"C1": 2.0, "A1": "=B1+1", "B1": "=A1", "D1": "=A1*C1"},
                  {"input_value": "C1", "result_value": "D1"})
    cases["cycle"] = FallbackCase("cycle", path, ("input_value",), ("result_value",), ("Model!A1", "Model!B1"), None)
    return cases


def build_all(directory: Path) -> dict[str, FinanceBook]:
    """The four finance workbooks (a)-(d) written into ``directory``, by name."""
    directory = Path(directory)
    books = [build_debt_schedule(directory / "debt_schedule.xlsx"), build_lookups(directory / "lookups.xlsx"),
             build_hl_mining(directory / "hl_mining.xlsx"), build_large(directory / "large.xlsx")]
    return {b.name: b for b in books}


def serial(value: Any) -> Any:
    """A date read back by openpyxl (LibreOffice's output of a date-formatted cell) as its 1900-system serial."""
    if isinstance(value, dt.datetime):
        from hashlease import models as m
        return float(m.to_excel_serial(value))
    return value


# --- the reference engine, one scenario at a time -----------------------------------------------------------------

_MODELS: dict[str, Any] = {}


def _plain(value: Any) -> Any:
    """A cell value of the ``formulas`` engine as the reference engine reports it (see engine._store)."""
    import math

    import numpy as np
    import schedula as sh
    from formulas.tokens.operand import XlError

    if isinstance(value, np.ndarray):
        value = np.ravel(value)[0]
    if isinstance(value, np.generic):
        value = value.item()
    if value is sh.EMPTY or value is sh.NONE:
        return None
    if isinstance(value, (XlError, str)):  # an error code, or text (ExcelErrorValue from recalculate: plain str)
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "#NUM!"
    return value


def loaded_reference(path: str | Path, cells: list[tuple[str, str]],
                     overrides: dict[str, dict[str, Any]]) -> list[Any]:
    """``cells`` of one scenario from the reference engine's model, loaded once per process and recalculated with
    the scenario's input cells set (the ``formulas`` engine with hashlease's functions registered, as
    :func:`hashlease.workbook.engine.recalculate` uses it, without reloading the file for every scenario).
    The tests check this path against ``recalculate`` of a ``write_values`` copy on several scenarios."""
    import formulas

    from hashlease.workbook.engine import functions

    functions()  # registers the HL_ functions and hashlease's NPV/XNPV/IRR/XIRR in the engine's table
    path = str(path)
    model = _MODELS.get(path)
    if model is None:
        model = _MODELS[path] = formulas.ExcelModel().loads(path).finish()
    book = Path(path).name

    def key(sheet: str, cell: str) -> str:
        return f"'[{book}]{sheet.upper()}'!{cell}"

    inputs = {key(sheet, cell): value for sheet, values in overrides.items() for cell, value in values.items()}
    solution = model.calculate(inputs=inputs, outputs=[key(s, c) for s, c in cells])
    return [_plain(solution[key(s, c)].value) for s, c in cells]


def recalculated(path: str | Path, cells: list[tuple[str, str]], overrides: dict[str, dict[str, Any]],
                 scratch: str | Path) -> list[Any]:
    """``cells`` of one scenario by :func:`hashlease.workbook.engine.recalculate` of a copy of the workbook with the
    scenario written by ``writer.write_values(..., replace_formulas=True)``."""
    import tempfile

    from hashlease.workbook.engine import recalculate
    from hashlease.workbook.writer import write_values

    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        copy = Path(tmp) / Path(path).name
        write_values(path, copy, overrides, replace_formulas=True)
        result = recalculate(copy)
    return [result.values.get(sheet, {}).get(cell) for sheet, cell in cells]
