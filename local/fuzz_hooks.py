"""schemathesis hooks of `make fuzz` (loaded through SCHEMATHESIS_HOOKS): the rules JSON Schema cannot
state, kept true in *positive* cases only, so that "schema-valid" means what the server accepts.

- A `timestamp` is at most 5 minutes ahead of the server's clock (`mixtape.models.events`): the bound moves
  with the clock, so the document states it in words. A generated future timestamp becomes now.
- The `item_id`s of one batch of catalog items are distinct (`mixtape.ingestion.upsert_items`): JSON Schema
  has no uniqueness by key. A repeated id gets a suffix.
- Preferences name no artist or genre both as a seed and muted (`mixtape.models.preferences`): a seed that
  is also muted is dropped from the seeds.
- The `users` of a blend are distinct (`GET /v1/blend`): a comma-separated query string cannot say so. A
  repeated id gets a suffix.

All are rewrites into other valid values; negative cases are left as generated. Generic over the document:
any object's `timestamp`, any `items` array of objects with an `item_id`, whatever the route.
"""

import time
from datetime import UTC, datetime
from typing import Any

import schemathesis
from schemathesis import Case, GenerationMode, HookContext

MAX_ID_LENGTH = 128  # mixtape.models.ids: a suffix of `-dup` and digits keeps the pattern


def _not_in_future(value: Any, now_ms: int) -> Any:
    if isinstance(value, float) and value.is_integer():  # a JSON integer too
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return min(value, now_ms)
    if isinstance(value, str):
        try:
            ms = int(datetime.fromisoformat(value).timestamp() * 1000)
        except ValueError:
            return value
        if ms > now_ms:
            return datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(timespec="milliseconds")
    return value


def _suffixed(value: str, index: int) -> str:
    """A repeated id made distinct, within the id pattern's length."""
    suffix = f"-dup{index}"
    return value[: MAX_ID_LENGTH - len(suffix)] + suffix


def _distinct_item_ids(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    distinct = []
    for index, item in enumerate(items):
        kept = item
        if isinstance(item, dict) and isinstance(item.get("item_id"), str):
            if item["item_id"] in seen:
                kept = {**item, "item_id": _suffixed(item["item_id"], index)}
            seen.add(kept["item_id"])
        distinct.append(kept)
    return distinct


def _distinct_ids(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    distinct = []
    for index, value in enumerate(ids):
        kept = _suffixed(value, index) if value in seen else value
        seen.add(kept)
        distinct.append(kept)
    return distinct


def _seeds_not_muted(preferences: dict[str, Any]) -> dict[str, Any]:
    kept = dict(preferences)
    for kind in ("artists", "genres"):
        seeds, muted = kept.get(f"seed_{kind}"), kept.get(f"muted_{kind}")
        if isinstance(seeds, list) and isinstance(muted, list):
            kept[f"seed_{kind}"] = [seed for seed in seeds if seed not in muted]
    return kept


def _rewrite(value: Any, now_ms: int) -> Any:
    if isinstance(value, list):
        return [_rewrite(entry, now_ms) for entry in value]
    if not isinstance(value, dict):
        return value
    rewritten = {key: _rewrite(entry, now_ms) for key, entry in value.items()}
    if "timestamp" in rewritten:
        rewritten["timestamp"] = _not_in_future(rewritten["timestamp"], now_ms)
    if isinstance(rewritten.get("items"), list):
        rewritten["items"] = _distinct_item_ids(rewritten["items"])
    return _seeds_not_muted(rewritten)


@schemathesis.hook
def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
    if case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE:
        case.body = _rewrite(case.body, int(time.time() * 1000))
        users = (case.query or {}).get("users")
        if isinstance(users, str):
            case.query = {**(case.query or {}), "users": ",".join(_distinct_ids(users.split(",")))}
    return case
