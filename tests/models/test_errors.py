"""HashleaseError carries its kind (a bad number, or a value of the wrong kind), kept through pickling, and no
backend decides an Excel error from a message's wording."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from hashlease import models as m
from hashlease.models import ErrorKind, HashleaseError

ROOT = Path(__file__).resolve().parents[2]


def test_kind_is_a_small_str_enum_exported_from_models():
    # the two kinds and their spelling are the contract the Excel backends map from
    assert [(kind.name, kind.value) for kind in ErrorKind] == [("NUM", "num"), ("VALUE", "value")]
    assert ErrorKind.VALUE == "value" and "ErrorKind" in m.__all__


def test_kind_defaults_to_num_and_is_keyword_only():
    assert HashleaseError("difficulty", -5.0, "> 0").kind is ErrorKind.NUM  # a range check, the common case
    assert HashleaseError("unit", "GH", "one of 'TH'", kind="value").kind is ErrorKind.VALUE  # text accepted
    with pytest.raises(TypeError):
        HashleaseError("unit", "GH", "one of 'TH'", None, None, ErrorKind.VALUE)
    with pytest.raises(ValueError, match="'values'"):  # a misspelled kind fails at the raise site
        HashleaseError("unit", "GH", "one of 'TH'", kind="values")


def test_the_message_does_not_change_with_the_kind():
    num = HashleaseError("x", 1, "> 2", index=(0, 1), detail="why")
    value = HashleaseError("x", 1, "> 2", index=(0, 1), detail="why", kind=ErrorKind.VALUE)
    assert str(num) == str(value) == "x[0, 1] must be > 2, got 1 (why)"


@pytest.mark.parametrize("kind", list(ErrorKind), ids=[k.value for k in ErrorKind])
def test_pickling_keeps_every_field_and_the_kind(kind):
    # batch workers send errors between processes by pickle
    error = HashleaseError("capex_curve", [0.5, 0.6], "weights >= 0 summing to 1", index=(1,), detail="d", kind=kind)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is HashleaseError and str(copy) == str(error)
    assert (copy.arg, copy.value, copy.accepted, copy.index, copy.detail, copy.kind) == \
        ("capex_curve", [0.5, 0.6], "weights >= 0 summing to 1", (1,), "d", kind)


@pytest.mark.parametrize(("call", "kind"), [
    (lambda: m.hashprice_usd_per_day(-5.0, 93_450, 874_944, fees_btc_per_block=0.1), ErrorKind.NUM),  # <= 0
    (lambda: m.hashprice_usd_per_day(np.nan, 93_450, 874_944, fees_btc_per_block=0.1), ErrorKind.NUM),  # NaN
    (lambda: m.hashprice_usd_per_day(np.inf, 93_450, 874_944, fees_btc_per_block=0.1), ErrorKind.NUM),  # infinite
    (lambda: m.hashprice_usd_per_day("100T", 93_450, 874_944, fees_btc_per_block=0.1), ErrorKind.VALUE),  # text
    (lambda: m.hashprice_usd_per_day(None, 93_450, 874_944, fees_btc_per_block=0.1), ErrorKind.VALUE),  # missing
    (lambda: m.hashprice_usd_per_day([1e14, "x"], 93_450, 874_944, fees_btc_per_block=0.1), ErrorKind.VALUE),
    (lambda: m.hashprice_usd_per_day([[1e14], [1e14, 2e14]], 93_450, 874_944, fees_btc_per_block=0.1),
     ErrorKind.VALUE),  # ragged: no shape at all
    (lambda: m.hashprice_usd_per_day(1e14, 93_450, 874_944), ErrorKind.VALUE),  # neither fee alternative given
    (lambda: m.block_subsidy_sat(874_944.5), ErrorKind.NUM),  # a fraction where a whole number is asked for
    (lambda: m.block_subsidy_sat(-1), ErrorKind.NUM),  # below 0
    (lambda: m.block_subsidy_sat(True), ErrorKind.VALUE),  # a logical is no block height
    (lambda: m.network_hashrate(1e14, unit="GH"), ErrorKind.VALUE),  # not one of TH, PH, EH
    (lambda: m.asic_model("Antminer S99"), ErrorKind.VALUE),  # not in the catalogue
    (lambda: m.to_excel_serial("2008-01-01", date_system=1901), ErrorKind.VALUE),  # not one of 1900, 1904
    (lambda: m.to_excel_serial("not a date"), ErrorKind.VALUE),  # text that is no timestamp
    (lambda: m.from_excel_serial(60), ErrorKind.NUM),  # Excel's phantom 29 Feb 1900
    (lambda: m.irr([100, 200]), ErrorKind.NUM),  # no sign change: no solution
    (lambda: m.npv(0.1, []), ErrorKind.VALUE),  # no cash flows at all
    (lambda: m.npv(0.1, 5.0), ErrorKind.VALUE),  # one number, not a series
    (lambda: m.npv([0.1, 0.2, 0.3], [[1, 2], [3, 4]]), ErrorKind.VALUE),  # 3 rates for 2 series
    (lambda: m.xnpv(0.1, [1, 2], ["2025-01-01"]), ErrorKind.NUM),  # count mismatch: Excel's XNPV says #NUM!
    (lambda: m.fleet_efficiency_j_per_th([200, 100], [17.5, 29.5], [0, 0]), ErrorKind.NUM),  # no machine at all
], ids=["below-range", "nan", "inf", "text", "none", "text-in-list", "ragged", "neither-alternative",
        "fractional-height", "negative-height", "bool-height", "unknown-unit", "unknown-machine", "unknown-date-system",
        "unreadable-date", "phantom-serial", "no-sign-change", "empty-series", "scalar-series", "series-shapes",
        "xnpv-count", "empty-fleet"])
def test_each_raise_site_sets_its_kind(call, kind):
    with pytest.raises(HashleaseError) as raised:
        call()
    assert raised.value.kind is kind, str(raised.value)


def test_no_backend_decides_from_the_wording():
    # the Excel code comes from exc.kind in one mapping per backend; a test of the accepted-range text (or a
    # list of wordings) anywhere in the package would bring back the bug where "a whole number of months" read
    # as a type error
    decides = re.compile(r"\.accepted\s*(\.startswith|\.endswith|==|!=|\[)|\bin\s+\w+\.accepted\b|_WORDINGS"
                         r"|str\(exc\)\s*\.startswith")
    sources = [*ROOT.glob("models/*.py"), *ROOT.glob("addin/*.py"), *ROOT.glob("src/hashlease/**/*.py")]
    assert len(sources) > 20 and ROOT / "addin" / "runtime.py" in sources
    offenders = [f"{path.relative_to(ROOT)}:{number}" for path in sources
                 for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1) if decides.search(line)]
    assert offenders == []
    runtime = (ROOT / "addin" / "runtime.py").read_text("utf-8")
    engine = (ROOT / "src" / "hashlease" / "workbook" / "engine.py").read_text("utf-8")
    assert "EXCEL_CODE[exc.kind]" in runtime and "EXCEL_CODE[exc.kind]" in engine
