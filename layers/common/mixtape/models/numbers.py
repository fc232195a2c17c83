"""JSON's integers as the OpenAPI document states them: `type: integer` holds 5 and 5.0 alike (JSON Schema
counts a number with a zero fraction as an integer), never `true` or "5"."""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field


def whole_number(value: Any) -> Any:
    """5.0 becomes 5; anything else goes on unchanged to strict validation (which refuses 5.5, "5", true)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(whole_number), Field(strict=True)]
