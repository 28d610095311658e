"""error_from_validation turns pydantic's first error into a HashleaseError whose kind follows pydantic's error
type (never its message), and keeps the kind of a HashleaseError raised inside a validator."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hashlease import models as m
from hashlease.models import ErrorKind, HashleaseError
from hashlease.models._validate import NUM_ERROR_TYPES, error_from_validation, finite_result, kind_of_error_type, result


class Colour(enum.Enum):
    RED = "red"


class Probe(BaseModel):
    """One field per pydantic error type under test; every field valid by default except ``price``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    price: float = Field(gt=0)
    count: int = Field(1, ge=0, lt=10)
    share_frac: float = Field(0.5, le=1)
    step: float = Field(0.5, multiple_of=0.5)
    mode: Literal["a", "b"] = "a"
    colour: Colour = Colour.RED
    flag: bool = False
    day: dt.date = dt.date(2026, 1, 1)
    weights: tuple[float, ...] = Field((1.0,), min_length=1, max_length=3)
    pair: tuple[float, float] = (1.0, 2.0)
    kind_to_raise: str = ""

    @model_validator(mode="after")
    def _raise(self) -> "Probe":
        if self.kind_to_raise:
            raise HashleaseError("pair", self.pair, "a probe", kind=self.kind_to_raise)
        return self


# (pydantic error type, input that causes it, kind): the type is checked too, so each row tests what it names
CASES = [
    ("missing", {}, ErrorKind.VALUE),
    ("float_parsing", {"price": "lots"}, ErrorKind.VALUE),
    ("float_type", {"price": [1.0]}, ErrorKind.VALUE),
    ("int_parsing", {"price": 1, "count": "many"}, ErrorKind.VALUE),
    ("int_type", {"price": 1, "count": [1]}, ErrorKind.VALUE),
    ("literal_error", {"price": 1, "mode": "c"}, ErrorKind.VALUE),
    ("enum", {"price": 1, "colour": "purple"}, ErrorKind.VALUE),
    ("bool_parsing", {"price": 1, "flag": "maybe"}, ErrorKind.VALUE),
    ("date_from_datetime_parsing", {"price": 1, "day": "soon"}, ErrorKind.VALUE),
    ("extra_forbidden", {"price": 1, "term_yrs": 3}, ErrorKind.VALUE),
    ("tuple_type", {"price": 1, "weights": 5}, ErrorKind.VALUE),
    ("too_short", {"price": 1, "weights": ()}, ErrorKind.VALUE),
    ("too_long", {"price": 1, "weights": (1, 2, 3, 4)}, ErrorKind.VALUE),
    ("too_long", {"price": 1, "pair": (1, 2, 3)}, ErrorKind.VALUE),
    ("greater_than", {"price": 0}, ErrorKind.NUM),
    ("greater_than_equal", {"price": 1, "count": -1}, ErrorKind.NUM),
    ("less_than", {"price": 1, "count": 10}, ErrorKind.NUM),
    ("less_than_equal", {"price": 1, "share_frac": 1.2}, ErrorKind.NUM),
    ("finite_number", {"price": float("inf")}, ErrorKind.NUM),
    ("multiple_of", {"price": 1, "step": 0.3}, ErrorKind.NUM),
    ("int_from_float", {"price": 1, "count": 1.5}, ErrorKind.NUM),  # a fraction for a whole number: a bad number
]


@pytest.mark.parametrize(("error_type", "data", "kind"), CASES,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(CASES)])
def test_kind_follows_the_pydantic_error_type(error_type, data, kind):
    with pytest.raises(ValidationError) as raised:
        Probe(**data)
    assert raised.value.errors()[0]["type"] == error_type  # the probe triggers the type the row names
    error = error_from_validation(raised.value)
    assert isinstance(error, HashleaseError) and error.kind is kind and error.arg


def test_kind_does_not_depend_on_the_message():
    # the same type maps the same way whatever pydantic's message says; unknown types are about the kind of
    # value (value_error, string_type, model_type, ...), so they are VALUE
    assert kind_of_error_type("less_than_equal") is ErrorKind.NUM
    assert kind_of_error_type("value_error") is ErrorKind.VALUE
    assert kind_of_error_type("string_type") is ErrorKind.VALUE
    assert {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number",
            "multiple_of"} <= NUM_ERROR_TYPES


@pytest.mark.parametrize("kind", list(ErrorKind), ids=[k.value for k in ErrorKind])
def test_a_hashlease_error_raised_in_a_validator_keeps_its_kind(kind):
    with pytest.raises(ValidationError) as raised:
        Probe(price=1, kind_to_raise=kind.value)
    error = error_from_validation(raised.value)
    assert (error.arg, error.accepted, error.kind) == ("pair", "a probe", kind)


def test_nested_models_keep_the_kind_of_the_inner_error():
    line = {"model": "Antminer S99", "units": 10}  # asic_model refuses it inside FleetLine's validator: VALUE
    with pytest.raises(HashleaseError, match="model must be one of") as raised:
        m.FleetLine(**line)
    assert raised.value.kind is ErrorKind.VALUE
    with pytest.raises(HashleaseError, match=r"fleet\[0\]\.model must be one of") as nested:
        m.MiningSiteInputs(site_mw=10, power_price_usd_per_kwh=0.05, fleet=[line])
    assert nested.value.kind is ErrorKind.VALUE
    with pytest.raises(HashleaseError, match="uptime_frac must be <= 1") as bounded:  # pydantic's less_than_equal
        m.MiningSiteInputs(site_mw=10, power_price_usd_per_kwh=0.05, uptime_frac=1.2,
                           fleet=[{"model": "Antminer S21", "units": 10}])
    assert bounded.value.kind is ErrorKind.NUM


# --- issue 13, item 27: messages a finance user can act on ---------------------------------------------------

@pytest.mark.parametrize(("field", "value", "message"), [
    ("mining.fleet", 5, "mining.fleet must be a list of values, got 5"),
    ("market.hashrate_path_eh_s", "abc", "market.hashrate_path_eh_s must be a list of values, got 'abc'"),
    ("lease.capex_curve", "bogus", "lease.capex_curve must be one of 'straight_line', 's_curve', 'front_loaded' or "
                                   "'back_loaded', or a list of values, got 'bogus'"),
    ("lease.capex_curve", [1, "x"], "lease.capex_curve[1] must be a number, got 'x'"),
    ("mining.fleet", [5], "mining.fleet[0] must be the named values of a FleetLine (name | value pairs), got 5"),
], ids=["tuple", "path", "literal-or-weights", "weights-item", "fleet-line"])
def test_union_tuple_and_model_errors_read_as_what_is_accepted(base, field, value, message):
    # before: "mining.fleet must be Input should be a valid tuple" and "lease.capex_curve.literal['straight_line',...]"
    with pytest.raises(HashleaseError) as info:
        m.with_input(base, field, value)
    assert str(info.value) == message
    assert info.value.kind is ErrorKind.VALUE


def test_no_pydantic_wording_or_location_tag_reaches_a_message():
    class Curve(BaseModel):
        curve: Literal["a", "b"] | tuple[float, ...] = "a"
        points: list[float] = [1.0]

    for data in ({"curve": "c"}, {"curve": 5}, {"points": "x"}):
        with pytest.raises(ValidationError) as info:
            Curve(**data)
        text = str(error_from_validation(info.value))
        assert "Input should be" not in text and "literal[" not in text and "tuple[" not in text, text


@pytest.mark.parametrize(("call", "name"), [
    (lambda: m.hashprice_usd_per_day(1e14, 1e5, 800_000, fees_btc_per_block=0.1,
                                     after_next_halving=np.array([True, False])), "after_next_halving"),
    (lambda: m.npv(0.1, [1.0, 2.0], first_flow_at_t0=np.array([True, False])), "first_flow_at_t0"),
    (lambda: m.to_excel_serial("2008-01-01", date_system=np.array([1900, 1904])), "date_system"),
    (lambda: m.from_excel_serial(1, date_system=np.array([1900, 1904])), "date_system"),
], ids=["after-next-halving", "first-flow-at-t0", "to-serial-system", "from-serial-system"])
def test_a_range_where_one_value_is_expected_is_a_value_error_not_numpys(call, name):
    # before: ValueError "The truth value of an array with more than one element is ambiguous"
    with pytest.raises(HashleaseError, match=rf"^{name} must be one") as info:
        call()
    assert info.value.kind is ErrorKind.VALUE
    assert "array(" not in str(info.value) and "ambiguous" not in str(info.value)


@pytest.mark.parametrize("call", [
    lambda: m.to_excel_serial("NaT"),
    lambda: m.xnpv(0.1, [1.0, -2.0], ["NaT", "2020-01-01"]),  # before: 1.0, a silent wrong number
    lambda: m.estimate_height_time(1, 0, "NaT"),
], ids=["serial", "xnpv", "height-time"])
def test_an_empty_date_is_a_value_error_saying_so(call):
    with pytest.raises(HashleaseError, match=r"must be a date, got 'an empty date \(NaT\)'") as info:
        call()
    assert info.value.kind is ErrorKind.VALUE


def test_fleet_axis_and_shapes_are_hashlease_errors():
    with pytest.raises(HashleaseError, match="axis"):
        m.fleet_efficiency_j_per_th([200.0, 100.0], [17.5, 29.5], axis=1.5)
    with pytest.raises(HashleaseError, match="axis"):
        m.fleet_efficiency_j_per_th([200.0, 100.0], [17.5, 29.5], axis=3)
    with pytest.raises(HashleaseError, match="one value per model"):
        m.fleet_efficiency_j_per_th([200.0, 100.0], [17.5, 29.5, 30.0])


# --- finite_result: the opt-in check of a public function's result -------------------------------------------

def test_finite_result_passes_numbers_and_names_every_input_of_an_overflow():
    assert finite_result("f", np.float64(2.0), {"x": 1.0}) == 2.0
    with pytest.raises(HashleaseError) as info:
        finite_result("f", np.array([1.0, np.nan]), {"x": [1.0, 2.0], "y": 3.0})
    assert str(info.value) == ("x, y must be values for which f is a finite number (at most about 1.8e308 in size), "
                               "got 'x=2, y=3' (at element [1]: the result is undefined; Excel answers #NUM!)")
    assert info.value.kind is ErrorKind.NUM


def test_finite_result_can_leave_arrays_to_the_kernel():
    out = finite_result("f", np.array([1.0, np.inf]), {"x": 1.0}, scalar_only=True)
    assert np.isinf(out[1])
    with pytest.raises(HashleaseError):
        finite_result("f", np.float64(np.inf), {"x": 1.0}, scalar_only=True)


def test_result_itself_never_raises():
    # the decision kernel judges overflowing scenarios itself (models/valuation.py)
    assert np.isinf(result(np.array([np.inf]))[0])


@pytest.mark.parametrize("call", [
    lambda: m.block_subsidy_sat([[1.0, 2.0], [3.0]]),  # ragged: numpy's "inhomogeneous shape" before
    lambda: m.to_excel_serial(None),  # endless recursion before
    lambda: m.xnpv(0.1, [-1.0, 2.0], [None, "2020-01-01"]),
    lambda: m.xirr([-1.0, 2.0], [[40_000.0, 40_001.0], [1.0]]),
    lambda: m.finance.xnpv_discount_factors(0.1, dt.date(2020, 1, 1)),  # IndexError before
], ids=["ragged-height", "none-date", "none-in-dates", "ragged-dates", "one-date"])
def test_odd_input_is_a_hashlease_error_not_a_traceback(call):
    with pytest.raises(HashleaseError) as info:
        call()
    assert info.value.kind is ErrorKind.VALUE
