"""error_from_validation turns pydantic's first error into a HashleaseError whose kind follows pydantic's error
type (never its message), and keeps the kind of a HashleaseError raised inside a validator."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hashlease import models as m
from hashlease.models import ErrorKind, HashleaseError
from hashlease.models._validate import NUM_ERROR_TYPES, error_from_validation, kind_of_error_type


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
