"""The one error type the models raise for invalid input."""

from __future__ import annotations

from typing import Any

__all__ = ["HashleaseError"]


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
        ``"one of 'TH', 'PH', 'EH'"``).
    index : tuple of int, optional
        Position of the first offending element when ``arg`` is an array.

    Examples
    --------
    >>> err = HashleaseError("difficulty", -5.0, "> 0")
    >>> str(err)
    'difficulty must be > 0, got -5.0'
    >>> str(HashleaseError("difficulty", float("nan"), "> 0", index=(2,)))
    'difficulty[2] must be > 0, got nan'
    >>> isinstance(err, ValueError), err.arg, err.accepted
    (True, 'difficulty', '> 0')
    """

    def __init__(self, arg: str, value: Any, accepted: str, *, index: tuple[int, ...] | None = None,
                 detail: str | None = None) -> None:
        self.arg = arg
        self.value = value
        self.accepted = accepted
        self.index = index
        self.detail = detail
        where = arg if not index else f"{arg}[{', '.join(str(i) for i in index)}]"
        message = f"{where} must be {accepted}, got {value!r}"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)

    def __reduce__(self):  # keep the fields when pickled across processes (batch workers)
        return (_rebuild, (self.arg, self.value, self.accepted, self.index, self.detail))


def _rebuild(arg, value, accepted, index, detail):
    return HashleaseError(arg, value, accepted, index=index, detail=detail)
