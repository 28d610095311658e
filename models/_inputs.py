"""Base class of the models' pydantic input sets."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ._validate import error_from_validation

__all__ = ["InputModel"]


class InputModel(BaseModel):
    """Frozen pydantic model whose constructor raises HashleaseError (field, value, accepted range) on bad input."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise error_from_validation(exc) from None

    def replace(self, **changes: Any) -> "InputModel":
        """A copy with ``changes`` applied and validated again (pydantic's model_copy does not validate)."""
        return type(self)(**{**self.model_dump(), **changes})
