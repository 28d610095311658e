"""Input checks shared by every model function.

Each check converts its input to a numpy array, raises :class:`HashleaseError` naming the argument,
the first offending element and the accepted range, and returns the array for the computation. Each raise
sets the error's kind: a number that is not acceptable (out of range, NaN, infinite, a fraction where a
whole number is asked for) is ``ErrorKind.NUM``; something that is not a number at all, not one of the
choices, or missing is ``ErrorKind.VALUE``.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import re
from typing import Any, Iterable

import numpy as np

from .errors import ErrorKind, HashleaseError

__all__ = ["as_real", "check_range", "check_integer", "check_choice", "result", "finite_result", "product_in_logs",
           "check_flag", "require_one_of",
           "first_bad", "as_datetime64", "error_from_validation", "kind_of_error_type", "NUM_ERROR_TYPES"]


def first_bad(mask: np.ndarray) -> tuple[int, ...] | None:
    """Index of the first True element of ``mask`` (``()`` for a 0-d True), or None if none is."""
    mask = np.asarray(mask)
    if not mask.any():
        return None
    if mask.ndim == 0:
        return ()
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _scalar(value: np.ndarray, index: tuple[int, ...]) -> Any:
    item = value[index] if index else value
    return item.item() if isinstance(item, np.generic) or getattr(item, "ndim", None) == 0 else item


def as_real(name: str, value: Any, accepted: str = "a finite real number") -> np.ndarray:
    """Return ``value`` as a float64 array, refusing non-numbers, booleans, NaN and infinities.

    ``accepted`` is the range reported when the value is refused (the caller's bounds, if any).
    Something that is not a number (text, None, a boolean, a ragged sequence) is ``ErrorKind.VALUE``;
    NaN and infinities are numbers that no bound accepts, so they are ``ErrorKind.NUM``, as Excel answers
    #NUM! for a result or input that is not a finite number.

    Examples
    --------
    >>> try:
    ...     as_real("difficulty", "100T")
    ... except HashleaseError as exc:
    ...     print(exc.kind, "|", exc)
    value | difficulty must be a finite real number, got '100T'
    >>> try:
    ...     as_real("difficulty", [1.0, float("nan")])
    ... except HashleaseError as exc:
    ...     print(exc.kind, "|", exc)
    num | difficulty[1] must be a finite real number, got nan
    """
    if isinstance(value, (str, bytes)) or value is None or isinstance(value, (bool, np.bool_)):
        raise HashleaseError(name, value, accepted, kind=ErrorKind.VALUE)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged sequences
        raise HashleaseError(name, value, accepted, detail=str(exc), kind=ErrorKind.VALUE) from None
    if array.dtype == bool or array.dtype.kind not in "iuf":
        if array.dtype.kind == "O":
            flat = array.reshape(-1)
            for i, item in enumerate(flat):
                if not isinstance(item, numbers.Real) or isinstance(item, bool):
                    idx = np.unravel_index(i, array.shape) if array.ndim else ()
                    raise HashleaseError(name, item, accepted, index=tuple(int(j) for j in idx) or None,
                                         kind=ErrorKind.VALUE)
            array = array.astype(float)
        else:
            raise HashleaseError(name, value if array.ndim == 0 else array.dtype.name, accepted,
                                 kind=ErrorKind.VALUE)
    array = array.astype(np.float64, copy=False)
    bad = first_bad(~np.isfinite(array))
    if bad is not None:
        raise HashleaseError(name, _scalar(array, bad), accepted, index=bad or None, kind=ErrorKind.NUM)
    return array


def check_range(name: str, value: Any, *, gt: float | None = None, ge: float | None = None,
                lt: float | None = None, le: float | None = None) -> np.ndarray:
    """Return ``value`` as a finite float array within the stated bounds, or raise.

    Examples
    --------
    >>> check_range("uptime_frac", 0.95, gt=0, le=1)
    array(0.95)
    >>> check_range("uptime_frac", [0.9, 1.2], gt=0, le=1)
    Traceback (most recent call last):
    ...
    hashlease.models.errors.HashleaseError: uptime_frac[1] must be in (0, 1], got 1.2
    """
    accepted = _describe(gt, ge, lt, le)
    array = as_real(name, value, accepted) if not _is_float_array(value) else value
    ok = np.isfinite(array)
    if gt is not None:
        ok &= array > gt
    if ge is not None:
        ok &= array >= ge
    if lt is not None:
        ok &= array < lt
    if le is not None:
        ok &= array <= le
    if not ok.all():
        index = first_bad(~ok)
        raise HashleaseError(name, _scalar(array, index), accepted, index=index or None, kind=ErrorKind.NUM)
    return array


def _is_float_array(value: Any) -> bool:
    return type(value) is np.ndarray and value.dtype == np.float64


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 10_000 else f"{x:g}"


def _describe(gt, ge, lt, le) -> str:
    low = (gt, "(") if gt is not None else (ge, "[") if ge is not None else None
    high = (lt, ")") if lt is not None else (le, "]") if le is not None else None
    if low and high:
        return f"in {low[1]}{_fmt(low[0])}, {_fmt(high[0])}{high[1]}"
    if low:
        return f"{'>' if low[1] == '(' else '>='} {_fmt(low[0])}"
    if high:
        return f"{'<' if high[1] == ')' else '<='} {_fmt(high[0])}"
    return "a finite real number"


def check_integer(name: str, value: Any, *, ge: int = 0) -> np.ndarray:
    """Return ``value`` as an int64 array of whole numbers ``>= ge``, or raise.

    Whole-valued floats (Excel passes every number as a double) are accepted; fractions are not. A
    fraction, a number beyond 2**62 or one below ``ge`` is a bad number (``ErrorKind.NUM``); a boolean or
    text is not a number (``ErrorKind.VALUE``).
    """
    if isinstance(value, (bool, np.bool_)):
        raise HashleaseError(name, value, f"a whole number >= {ge:,}", kind=ErrorKind.VALUE)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged sequences
        raise HashleaseError(name, value, f"a whole number >= {ge:,}", detail=str(exc), kind=ErrorKind.VALUE) from None
    if array.dtype.kind in "iu":
        ints = array.astype(np.int64)
    else:
        real = as_real(name, value, f"a whole number >= {ge:,}")
        bad = first_bad(real != np.floor(real))
        if bad is not None:
            raise HashleaseError(name, _scalar(real, bad), f"a whole number >= {ge:,}", index=bad or None,
                                 kind=ErrorKind.NUM)
        bad = first_bad(np.abs(real) > 2.0**62)
        if bad is not None:
            raise HashleaseError(name, _scalar(real, bad), f"a whole number >= {ge:,} and < 2**62", index=bad or None,
                                 kind=ErrorKind.NUM)
        ints = real.astype(np.int64)
    bad = first_bad(ints < ge)
    if bad is not None:
        raise HashleaseError(name, _scalar(ints, bad), f">= {ge:,}", index=bad or None, kind=ErrorKind.NUM)
    return ints


def check_flag(name: str, value: Any) -> bool:
    """Return ``value`` as a bool if it is one True or False, else raise (``ErrorKind.VALUE``).

    An option such as ``after_next_halving`` applies to the whole call: an array of flags (a range where
    one TRUE/FALSE is expected) is refused with a message, not numpy's "truth value ... is ambiguous".

    Examples
    --------
    >>> check_flag("after_next_halving", np.True_)
    True
    >>> try:
    ...     check_flag("after_next_halving", [True, False])
    ... except HashleaseError as exc:
    ...     print(exc)
    after_next_halving must be one TRUE or FALSE (for the whole call), got [True, False]
    >>> try:
    ...     check_flag("after_next_halving", np.array([True, False]))
    ... except HashleaseError as exc:
    ...     print(exc)
    after_next_halving must be one TRUE or FALSE (for the whole call), got [True, False]
    """
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray) and value.shape == ()
                                                  and value.dtype == bool):
        return bool(value)
    raise HashleaseError(name, _shown(value), "one TRUE or FALSE (for the whole call)", kind=ErrorKind.VALUE)


def _shown(value: Any) -> Any:
    """A value as the message shows it: arrays as lists, not numpy's repr."""
    return value.tolist() if isinstance(value, np.ndarray) else value


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (exact spelling), else raise (``ErrorKind.VALUE``)."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise HashleaseError(name, _shown(value), "one of " + ", ".join(repr(c) for c in choices), kind=ErrorKind.VALUE)
    return value


def require_one_of(**named: Any) -> str:
    """Check that exactly one of the keyword arguments is not ``None`` and return its name.

    Neither or both given is a missing or a superfluous value (``ErrorKind.VALUE``).
    """
    given = [key for key, val in named.items() if val is not None]
    if len(given) != 1:
        names = " or ".join(named)
        raise HashleaseError(names, ", ".join(given) or "neither",
                             "exactly one of them given", detail="they are alternatives", kind=ErrorKind.VALUE)
    return given[0]


def result(array: np.ndarray) -> float | np.ndarray:
    """Return a Python float for a 0-d array and the array itself otherwise."""
    array = np.asarray(array)
    return float(array) if array.ndim == 0 else array


#: Excel's (and float64's) largest number, about 1.8e308.
LARGEST_NUMBER = float(np.finfo(np.float64).max)


def finite_result(function: str, array: Any, inputs: dict[str, Any], *, scalar_only: bool = False) -> float | np.ndarray:
    """Return :func:`result` of ``array`` if every element is a finite number, else raise (``ErrorKind.NUM``).

    For the public functions whose inputs are finite and in range but whose answer is beyond the largest
    number (about 1.8e308) or undefined: the error names every input in ``inputs`` and shows their values
    at the first such element, as Excel answers #NUM! there. :func:`result` itself never raises: the
    decision kernel computes per-scenario arrays that may overflow and judges each scenario alone.

    Parameters
    ----------
    function : str
        What is computed, for the message (``"fv"``, ``"hashcost_usd_per_day"``).
    array : array_like
        The computed result.
    inputs : dict
        The inputs the result depends on, by argument name (arrays broadcast against the result).
    scalar_only : bool, optional
        Check only a 0-d result (one value), leaving arrays unchecked: for functions the scenario kernels
        call with arrays, where one overflowing scenario must not stop the others.

    Examples
    --------
    >>> finite_result("hashcost_usd_per_day", np.float64(21.0), {"efficiency_j_per_th": 17.5})
    21.0
    >>> try:
    ...     finite_result("hashcost_usd_per_day", np.array([21.0, np.inf]),
    ...                   {"efficiency_j_per_th": 17.5, "power_price_usd_per_kwh": [0.05, 1e308]})
    ... except HashleaseError as exc:
    ...     print(exc.kind, "|", exc)
    num | efficiency_j_per_th, power_price_usd_per_kwh must be values for which hashcost_usd_per_day is a \
finite number (at most about 1.8e308 in size), got 'efficiency_j_per_th=17.5, power_price_usd_per_kwh=1e+308' \
(at element [1]: the result is too large; Excel answers #NUM!)
    """
    array = np.asarray(array, dtype=float)
    if scalar_only and array.ndim:
        return array
    bad = first_bad(~np.isfinite(array))
    if bad is None:
        return result(array)
    shown = []
    for name, value in inputs.items():
        value = np.asarray(value)
        try:
            item = np.broadcast_to(value, array.shape)[bad] if bad else value.reshape(-1)[0]
        except ValueError:
            item = value.reshape(-1)[0] if value.size else value
        shown.append(f"{name}={_number(item.item() if isinstance(item, np.generic) else item)}")
    where = f"at element [{', '.join(str(i) for i in bad)}]: " if bad else ""
    why = "undefined" if np.isnan(array[bad] if bad else array) else "too large"
    raise HashleaseError(", ".join(inputs), ", ".join(shown),
                         f"values for which {function} is a finite number (at most about 1.8e308 in size)",
                         detail=f"{where}the result is {why}; Excel answers #NUM!", kind=ErrorKind.NUM)


def product_in_logs(direct: Any, numerators: Iterable[Any], denominators: Iterable[Any] = ()) -> np.ndarray:
    """``direct`` where it is a finite number; elsewhere the same product of non-negative factors, in logs.

    A product such as ``D * 2**32 / interval / 1e18`` overflows in its first step, or gives NaN as
    inf / inf, although the result is an ordinary number. Where ``direct`` is not finite it is recomputed as
    ``exp(sum(log numerators) - sum(log denominators))`` (relative error about 1e-13); elsewhere it is
    kept as computed, so ordinary results do not change by a bit.

    Examples
    --------
    >>> f"{float(product_in_logs(np.float64(np.inf), [1e308, 1e10], [1e20])):.12g}"  # 1e308 x 1e10 / 1e20
    '1e+298'
    """
    direct = np.asarray(direct, dtype=float)
    if np.isfinite(direct).all():
        return direct
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_size = sum((np.log(np.asarray(x, dtype=float)) for x in numerators), np.float64(0.0))
        log_size = log_size - sum((np.log(np.asarray(x, dtype=float)) for x in denominators), np.float64(0.0))
        return np.where(np.isfinite(direct), direct, np.exp(log_size))


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


_ACCEPTED_BY_TYPE = {
    "greater_than": lambda ctx: f"> {_number(ctx['gt'])}",
    "greater_than_equal": lambda ctx: f">= {_number(ctx['ge'])}",
    "less_than": lambda ctx: f"< {_number(ctx['lt'])}",
    "less_than_equal": lambda ctx: f"<= {_number(ctx['le'])}",
    "literal_error": lambda ctx: f"one of {ctx['expected']}",
    "missing": lambda ctx: "given (it is required)",
    "extra_forbidden": lambda ctx: "a known field (this one is not)",
    "int_parsing": lambda ctx: "a whole number",
    "int_from_float": lambda ctx: "a whole number",
    "int_parsing_size": lambda ctx: "a whole number of a usable size (at most 2**63 - 1)",
    "int_type": lambda ctx: "a whole number",
    "float_parsing": lambda ctx: "a number",
    "float_type": lambda ctx: "a number",
    "finite_number": lambda ctx: "a finite number",
    "bool_parsing": lambda ctx: "true or false",
    "bool_type": lambda ctx: "true or false",
    "date_parsing": lambda ctx: "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": lambda ctx: "a date (YYYY-MM-DD)",
    "date_type": lambda ctx: "a date (YYYY-MM-DD)",
    "too_short": lambda ctx: f"a list of at least {ctx.get('min_length')} item(s)",
    "too_long": lambda ctx: f"a list of at most {ctx.get('max_length')} item(s)",
    "tuple_type": lambda ctx: "a list of values",
    "list_type": lambda ctx: "a list of values",
    "iterable_type": lambda ctx: "a list of values",
    "dict_type": lambda ctx: "named values (name | value pairs)",
    "model_type": lambda ctx: f"the named values of a {ctx.get('class_name', 'block')} (name | value pairs)",
    "model_attributes_type": lambda ctx: "named values (name | value pairs)",
    "string_type": lambda ctx: "text",
    "datetime_parsing": lambda ctx: "a date and time (YYYY-MM-DDTHH:MM)",
    "datetime_type": lambda ctx: "a date and time (YYYY-MM-DDTHH:MM)",
    "date_from_datetime_inexact": lambda ctx: "a date without a time of day (YYYY-MM-DD)",
    "multiple_of": lambda ctx: f"a multiple of {_number(ctx.get('multiple_of'))}",
    "enum": lambda ctx: f"one of {ctx.get('expected')}",
    "none_required": lambda ctx: "empty",
}

#: Parts of a pydantic error location that name a member of a union or a validator, not a field:
#: ``literal['a','b']``, ``tuple[float, ...]``, ``function-after[...]``, ``float``, ``none``.
_UNION_MEMBER = re.compile(r"[\[\-]|^(float|int|str|bool|none|bytes|date|datetime|decimal|list|tuple|dict|union|"
                           r"is-instance|lax-or-strict|json-or-python|constrained-\w+)$")


def _field_location(loc: tuple) -> str:
    """A pydantic error location as the user's field name: ``fleet[0].units``, union members left out."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]" if parts else f"[{part}]"]
        elif not _UNION_MEMBER.search(str(part)):
            parts.append(str(part))
    return ".".join(parts)


def _accepted(error: dict) -> str:
    """What a pydantic error says is accepted, in the docs' words; pydantic's own message as a last resort."""
    describe = _ACCEPTED_BY_TYPE.get(error["type"])
    if describe:
        return describe(error.get("ctx") or {})
    message = str(error.get("msg", ""))
    for prefix in ("Input should be ", "Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


#: pydantic error types for a number that breaks a field's numeric constraint: a bad number (#NUM!). Every
#: other type says the input is missing, of the wrong type, unparseable text, not one of the choices, an
#: unknown field or of the wrong length (#VALUE!). ``int_from_float`` (a fraction for a whole number) is a bad
#: number, as in :func:`check_integer`.
NUM_ERROR_TYPES = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of",
                             "finite_number", "int_from_float", "int_parsing_size", "date_past", "date_future", "datetime_past",
                             "datetime_future"})


def kind_of_error_type(error_type: str) -> ErrorKind:
    """The kind of a pydantic error, decided by its ``type`` (never by its message).

    Examples
    --------
    >>> kind_of_error_type("less_than_equal"), kind_of_error_type("missing"), kind_of_error_type("float_parsing")
    (<ErrorKind.NUM: 'num'>, <ErrorKind.VALUE: 'value'>, <ErrorKind.VALUE: 'value'>)
    """
    return ErrorKind.NUM if error_type in NUM_ERROR_TYPES else ErrorKind.VALUE


def error_from_validation(exc: Any) -> HashleaseError:
    """The first error of a pydantic ``ValidationError`` as a HashleaseError naming field, value and range.

    A HashleaseError raised inside a model validator keeps its value, range and kind (renamed from the outer
    model when nested); any other error's kind follows its pydantic type (:func:`kind_of_error_type`).
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    ctx = first.get("ctx") or {}
    location = _field_location(first["loc"])
    inner = ctx.get("error")
    if isinstance(inner, HashleaseError):  # raised by a nested model: name it from the outer model
        if not location:
            return inner
        name = location
        if location.split(".")[-1] != inner.arg:  # raised by a field's own validator: already named
            name = f"{name}.{inner.arg}"
        return HashleaseError(name, inner.value, inner.accepted, index=inner.index, detail=inner.detail,
                              kind=inner.kind)
    deeper = [e for e in errors[1:] if location and _field_location(e["loc"]).startswith((location + "[", location + "."))]
    if deeper:  # a union whose container member took the input (a list of weights): its item is the error
        first, location = deeper[0], _field_location(deeper[0]["loc"])
    field = location or exc.title
    # a union (a choice or a list of weights) fails once per member at the same field: say what each accepts
    accepted: list[str] = []
    for error in errors:
        if _field_location(error["loc"]) == location and error["type"] != "none_required":
            text = _accepted(error)
            if text not in accepted:
                accepted.append(text)
    return HashleaseError(field, first.get("input"), ", or ".join(accepted) or _accepted(first),
                          kind=kind_of_error_type(first["type"]))


TIMESTAMP = "a date or timestamp (date, datetime, numpy.datetime64 or ISO 8601 text)"


def _has_offset(text: np.ndarray) -> np.ndarray:
    """Whether ISO 8601 texts end in a UTC offset ('Z', '+02:00', '-0500'): after the date, no '-' is a sign."""
    text = np.char.strip(text.astype(str))
    return (np.char.find(text, "+") >= 0) | (np.char.find(text, "Z") >= 0) | (np.char.rfind(text, "-") > 9)


def as_datetime64(name: str, value: Any, *, aware: str = "wall_clock") -> np.ndarray:
    """Dates and timestamps as a datetime64 array; naive ones (and text without an offset) as given.

    Time-zone-aware values (a ``datetime`` with ``tzinfo``, a zoned ``pandas.Timestamp``, ISO 8601 text
    with an offset such as ``+02:00`` or ``Z``) are read as ``aware`` says:

    - ``"wall_clock"`` (default): the offset is dropped and the local date and time kept, as Excel, which
      has no time zones, shows them: 1 Mar 2008 00:01 at +02:00 is 1 Mar 2008, not 29 Feb (UTC).
    - ``"utc"``: converted to UTC, for instants that must be unique (hourly price curves, block times).

    Examples
    --------
    >>> import datetime as dt
    >>> local = dt.datetime(2008, 3, 1, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    >>> str(as_datetime64("date", local)), str(as_datetime64("date", local, aware="utc"))
    ('2008-03-01T00:01:00.000000', '2008-02-29T22:01:00.000000')
    >>> str(as_datetime64("date", "2008-03-01T00:01+02:00"))
    '2008-03-01T00:01:00.000000'
    """
    if aware not in ("wall_clock", "utc"):
        raise ValueError(f"aware must be 'wall_clock' or 'utc', got {aware!r}")  # a programming error
    out = _datetime64(name, value, aware)
    bad = first_bad(np.isnat(out))
    if bad is not None:  # numpy reads "NaT" (and pandas' missing dates) as a date that is not one
        raise HashleaseError(name, "an empty date (NaT)", "a date", index=bad or None, kind=ErrorKind.VALUE)
    return out


def _datetime64(name: str, value: Any, aware: str) -> np.ndarray:
    try:
        if isinstance(value, _dt.datetime):
            if value.tzinfo is not None:
                if aware == "utc":
                    value = value.astimezone(_dt.timezone.utc)
                value = value.replace(tzinfo=None)
            return np.asarray(np.datetime64(value, "us"))
        if isinstance(value, _dt.date):
            return np.asarray(np.datetime64(value, "D"))
        array = np.asarray(value)
        if array.dtype.kind == "M":
            return array
        if array.dtype.kind in "US":
            if array.size and _has_offset(array).any():  # numpy would convert to UTC, with a warning
                parsed = [_dt.datetime.fromisoformat(str(x).strip().replace("Z", "+00:00")) for x in array.reshape(-1)]
                return np.asarray([_datetime64(name, x, aware)[()] for x in parsed]).reshape(array.shape)
            return array.astype("datetime64[us]")
        if array.dtype.kind == "O" and array.ndim and array.size:  # a 0-d object (None, a dict) is no date
            return np.asarray([_datetime64(name, x, aware)[()] for x in array.reshape(-1)]).reshape(array.shape)
    except (TypeError, ValueError) as exc:
        raise HashleaseError(name, value, TIMESTAMP, detail=str(exc), kind=ErrorKind.VALUE) from None
    raise HashleaseError(name, value, TIMESTAMP, kind=ErrorKind.VALUE)
