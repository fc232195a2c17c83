"""Experiment assignments and the recommendation id that carries them.

A recommendation id is `<16 hex>` followed by `~<experiment>:<variant>` per experiment the listener was
in when the list was served, so an event that echoes the id back is attributed to its variants without a
lookup (and without storing the served lists).
"""

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

MAX_EXPERIMENTS = 4
NAME = r"[a-z0-9][a-z0-9_-]{0,31}"
RECOMMENDATION_ID_PATTERN = rf"^[0-9a-f]{{16}}(~{NAME}:{NAME}){{0,{MAX_EXPERIMENTS}}}$"
_ASSIGNMENT = re.compile(rf"~({NAME}):({NAME})")

ExperimentName = Annotated[str, StringConstraints(pattern=rf"^{NAME}$")]
RecommendationId = Annotated[
    str,
    StringConstraints(pattern=RECOMMENDATION_ID_PATTERN, max_length=16 + MAX_EXPERIMENTS * 66),
]


class Assignment(BaseModel):
    """The variant of one experiment a listener is in."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    experiment: ExperimentName
    variant: ExperimentName


def recommendation_id(token: str, assignments: list[Assignment]) -> str:
    """The id of one served list: a random `token` (16 hex digits) and the listener's assignments."""
    return token + "".join(f"~{a.experiment}:{a.variant}" for a in assignments)


def assignments_of(recommendation: str) -> list[tuple[str, str]]:
    """(experiment, variant) pairs a recommendation id carries (validated by `RecommendationId`)."""
    return _ASSIGNMENT.findall(recommendation)


def variant_header(assignments: list[Assignment]) -> str | None:
    """The X-Mixtape-Variant header: `experiment=variant` pairs, comma-separated; None without any."""
    return ",".join(f"{a.experiment}={a.variant}" for a in assignments) or None
