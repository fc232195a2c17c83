"""Experiment attribution: applied events that echo a list's `recommendation_id` counted per experiment,
variant and event type. Only events a profile update applied are counted, so a redelivered or re-sent
event (recognised as already applied) never counts twice."""

from collections import Counter
from collections.abc import Iterable

from mixtape.models.event_type import EventType
from mixtape.models.events import StoredEvent
from mixtape.models.experiment import assignments_of

type Attributions = Counter[tuple[str, str, EventType]]


def attributions(applied: Iterable[StoredEvent]) -> Attributions:
    """(experiment, variant, event type) -> applied events, from their recommendation ids."""
    counts: Attributions = Counter()
    for event in applied:
        recommendation = event.context.recommendation_id if event.context is not None else None
        if recommendation is not None:
            for experiment, variant in assignments_of(recommendation):
                counts[experiment, variant, event.type] += 1
    return counts


def metric_name(event_type: EventType) -> str:
    """The EMF metric of one event type: AttributedPlay, AttributedSkip, AttributedPlaylistAdd, ..."""
    return "Attributed" + "".join(part.title() for part in event_type.value.split("_"))
