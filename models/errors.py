"""The one error type the models raise for invalid input, and the kind of each error."""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["ErrorKind", "HashleaseError"]


class ErrorKind(enum.StrEnum):
    """What is wrong with an input: a bad number, or a value of the wrong kind.

    Set where the error is raised, never guessed from its message. Each Excel backend maps it to one
    error code in one place: ``NUM`` to ``#NUM!``, ``VALUE`` to ``#VALUE!``.

    Attributes
    ----------
    NUM : str
        ``"num"``: a number of the right type that is not acceptable: out of range, NaN or infinite, a
        fraction where a whole number is asked for, or inputs for which no solution exists (an IRR without
        a sign change).
    VALUE : str
        ``"value"``: not the right sort of value at all: text where a number is expected, a missing
        (required) value, a choice that is not one of the accepted ones, an unknown field, or a series of
        the wrong length or shape.

    Examples
    --------
    >>> ErrorKind.NUM == "num", ErrorKind("value") is ErrorKind.VALUE
    (True, True)
    """

    NUM = "num"
    VALUE = "value"


class HashleaseError(ValueError):
    """Invalid input to a hashlease model, naming the argument, the value and the accepted range.

    Parameters
    ----------
    arg : str
        Name of the offending argument, as the caller spelled it (``"difficulty"``).
    value : Any
        The offending value (for arrays: the first offending element).
    accepted : str
        The accepted range or set, in the notation of the docs (``"> 0"``, ``"(0, 1]"``,
        ``"one of 'TH', 'PH', 'EH'"``). Wording for people only: no code decides anything from it.
    index : tuple of int, optional
        Position of the first offending element when ``arg`` is an array.
    detail : str, optional
        A further explanation, appended to the message in parentheses.
    kind : ErrorKind or {"num", "value"}, optional
        What is wrong (see :class:`ErrorKind`), which decides the Excel error shown. Default ``NUM``: a
        range check, the common case. Raise sites for a wrong type, a missing value, an unknown choice or a
        wrong shape pass ``kind=ErrorKind.VALUE``.

    Attributes
    ----------
    kind : ErrorKind
        The error's kind; kept when the error is pickled (batch workers send errors between processes).

    Examples
    --------
    >>> err = HashleaseError("difficulty", -5.0, "> 0")
    >>> str(err)
    'difficulty must be > 0, got -5.0'
    >>> str(HashleaseError("difficulty", float("nan"), "> 0", index=(2,)))
    'difficulty[2] must be > 0, got nan'
    >>> isinstance(err, ValueError), err.arg, err.accepted, err.kind
    (True, 'difficulty', '> 0', <ErrorKind.NUM: 'num'>)
    >>> HashleaseError("unit", "GH", "one of 'TH', 'PH', 'EH'", kind=ErrorKind.VALUE).kind
    <ErrorKind.VALUE: 'value'>

    The kind survives a round trip through pickle:

    >>> import pickle
    >>> pickle.loads(pickle.dumps(HashleaseError("unit", "GH", "one of 'TH'", kind="value"))).kind
    <ErrorKind.VALUE: 'value'>
    """

    def __init__(self, arg: str, value: Any, accepted: str, *, index: tuple[int, ...] | None = None,
                 detail: str | None = None, kind: ErrorKind | str = ErrorKind.NUM) -> None:
        self.arg = arg
        self.value = value
        self.accepted = accepted
        self.index = index
        self.detail = detail
        self.kind = ErrorKind(kind)  # refuses a misspelled kind at the raise site
        where = arg if not index else f"{arg}[{', '.join(str(i) for i in index)}]"
        message = f"{where} must be {accepted}, got {value!r}"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)

    def __reduce__(self):  # keep the fields when pickled across processes (batch workers)
        return (_rebuild, (self.arg, self.value, self.accepted, self.index, self.detail, self.kind.value))


def _rebuild(arg, value, accepted, index, detail, kind=ErrorKind.NUM.value):
    return HashleaseError(arg, value, accepted, index=index, detail=detail, kind=kind)
