"""Settings from the environment: each field from the variable of its name, nested fields with `__`."""

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

NESTED_DELIMITER = "__"


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _deep_update(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        old = merged.get(key)
        merged[key] = _deep_update(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return merged


def environment_values(model: type[BaseModel], environ: Mapping[str, str]) -> dict[str, Any]:
    """The values `model`'s fields take from `environ`: each field from the variable of the same name in
    any case (EMBEDDING_DIM=64); a nested model from JSON (EVENT_WEIGHTS='{"like": 4}') and per field
    (EVENT_WEIGHTS__LIKE=4, which wins over the same key in the JSON). Variables of no field are ignored.

    These are pydantic-settings' rules for such fields (`env_nested_delimiter="__"`); pulling that
    package in would add its imports to every cold start for what these lines do.
    """
    env = {key.lower(): value for key, value in environ.items()}
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        nested = _is_model(field.annotation)
        if name in env:
            if not nested:
                values[name] = env[name]
                continue
            try:
                values[name] = json.loads(env[name])
            except ValueError as error:
                raise ValueError(f"{name.upper()} is not valid JSON: {error}") from error
        prefix = name + NESTED_DELIMITER
        parts: dict[str, Any] = {}
        for key, value in env.items():
            if nested and key.startswith(prefix):
                *path, leaf = key.removeprefix(prefix).split(NESTED_DELIMITER)
                target = parts
                for step in path:
                    target = target.setdefault(step, {})
                target[leaf] = value
        if parts and isinstance(values.get(name, {}), dict):
            values[name] = _deep_update(values.get(name, {}), parts)
    return values


def json_text(value: Any) -> Any:
    """A JSON environment variable's text parsed; anything else as it is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as error:
        raise ValueError(f"not valid JSON: {error}") from error
