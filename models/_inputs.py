"""Base class of the models' pydantic input sets."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from ._validate import error_from_validation
from .errors import ErrorKind, HashleaseError

__all__ = ["InputModel"]


class InputModel(BaseModel):
    """Frozen pydantic model whose constructor raises HashleaseError (field, value, accepted range) on bad input."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _logical_is_not_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """TRUE/FALSE is refused where a number is asked for (pydantic would read it as 1 or 0)."""
        kind = type(value)
        if kind in _PLAIN:  # numbers, text, None, dates: nothing to look at (the common, fast case)
            return value
        items = value if kind in (list, tuple) else (value,)
        if any(isinstance(x, (bool, np.bool_)) for x in items) and not _takes_logical(cls, info.field_name):
            raise HashleaseError(info.field_name, value, "a number (TRUE and FALSE are not numbers here)",
                                 kind=ErrorKind.VALUE)
        return value

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise error_from_validation(exc) from None

    def replace(self, **changes: Any) -> "InputModel":
        """A copy with ``changes`` applied and validated again (pydantic's model_copy does not validate)."""
        return type(self)(**{**self.model_dump(), **changes})


#: Value types that cannot hold a TRUE/FALSE.
_PLAIN = frozenset({int, float, str, type(None)})


@lru_cache(maxsize=None)
def _takes_logical(model: type[BaseModel], field: str) -> bool:
    """Whether ``field`` of ``model`` is a flag (its annotation mentions bool)."""
    return "bool" in str(model.model_fields[field].annotation)
