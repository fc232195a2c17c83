"""JSON's integers as the OpenAPI document states them: `type: integer` holds 5 and 5.0 alike (JSON Schema
counts a number with a zero fraction as an integer), never `true` or "5"."""

from typing import Any

from pydantic import BeforeValidator


def whole_number(value: Any) -> Any:
    """5.0 becomes 5; anything else goes on unchanged to strict validation (which refuses 5.5, "5", true)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Last in an `Annotated[int, Field(strict=True, ge=..., le=...), WHOLE_NUMBER]`: placed before the
# constraints, it would hide them from the JSON Schema (pydantic writes `ge`/`le`, not `minimum`/`maximum`).
WHOLE_NUMBER = BeforeValidator(whole_number)
