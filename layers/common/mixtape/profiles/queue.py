"""The profile-update queue's batch as Lambda delivers it: profile updates and erasure follow-ups parsed,
applied, and the records SQS must deliver again named (the function reports them as batchItemFailures).

The whole batch's updates are folded together, grouped by listener (mixtape.profiles.batch), so the
events a listener has in several messages cost one commit; that grouping is why the batch is handled as
one and not record by record. A failed record is delivered again whole: the events of it that were
applied are recognised then (mixtape.profiles.apply), so a redelivery never counts one twice.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from mixtape.config import ProfileSettings
from mixtape.errors import StorageUnavailableError
from mixtape.learning.cache import ModelCache
from mixtape.models.events import ErasureFollowUp, ProfileUpdateMessage
from mixtape.profiles.batch import BatchOutcome, process_messages
from mixtape.profiles.erasure import finish_erasure
from mixtape.runtime.observability import logger
from mixtape.storage.ports import CatalogStore, EventStore, ProfileStore

_body = TypeAdapter[ProfileUpdateMessage | ErasureFollowUp](ProfileUpdateMessage | ErasureFollowUp)


@dataclass(frozen=True, slots=True)
class QueueBatchOutcome:
    failed_message_ids: list[str]  # in delivery order: SQS delivers them again, then moves them to the DLQ
    poison: list[str]  # bodies that are neither message: they fail on every delivery
    updates: BatchOutcome = field(default_factory=BatchOutcome)
    follow_ups: int = 0  # erasure follow-ups that ran
    purged: int = 0  # events those follow-ups deleted


def apply_queue_batch(
    records: Sequence[Mapping[str, Any]],
    profiles: ProfileStore,
    events: EventStore,
    catalog: CatalogStore,
    settings: ProfileSettings,
    now_ms: int,
    models: ModelCache | None = None,
) -> QueueBatchOutcome:
    """`records` are the SQS event's `Records` (`messageId`, `body`). A record fails alone when its body is
    not a message, when its listener's update failed, or when its erasure follow-up could not purge; any
    other error fails the whole batch (raised), which is as safe to deliver again."""
    updates: list[tuple[str, ProfileUpdateMessage]] = []
    follow_ups: list[tuple[str, ErasureFollowUp]] = []
    poison: list[str] = []
    for record in records:
        try:
            body = _body.validate_json(record["body"])
        except ValidationError:
            poison.append(record["messageId"])
            continue
        if isinstance(body, ProfileUpdateMessage):
            updates.append((record["messageId"], body))
        else:
            follow_ups.append((record["messageId"], body))
    if poison:
        logger.warning("poison profile-update messages", extra={"message_ids": poison})

    outcome = BatchOutcome()
    if updates:
        model = models.get() if models is not None else None
        outcome = process_messages(updates, profiles, events, catalog, settings, now_ms, model)
    failed = set(poison) | outcome.failed_message_ids
    ran = purged = 0
    for message_id, follow_up in follow_ups:
        try:
            purged += finish_erasure(follow_up, events)
        except StorageUnavailableError:
            failed.add(message_id)
        else:
            ran += 1
    return QueueBatchOutcome(
        failed_message_ids=list(dict.fromkeys(r["messageId"] for r in records if r["messageId"] in failed)),
        poison=poison,
        updates=outcome,
        follow_ups=ran,
        purged=purged,
    )
