"""Reusable id types with a strict pattern and length: they end up in DynamoDB keys and URLs."""

from typing import Annotated

from pydantic import Field, StringConstraints

# Letters, digits and `_ . : -`, starting with a letter or digit, 1..128 characters: no `/`, `%`, spaces,
# control characters or `#` (reserved for Mixtape's own bookkeeping keys).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"

_Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=128)]

UserId = Annotated[_Id, Field(description="Listener id", examples=["u-alice"])]
ItemId = Annotated[_Id, Field(description="Catalog item (track) id", examples=["trk-0001"])]
ArtistId = Annotated[_Id, Field(description="Artist id", examples=["art-01"])]
EventId = Annotated[
    _Id, Field(description="Client-supplied idempotency key of an event", examples=["evt-alice-0001"])
]

# A character that is not Unicode White_Space (what `strip_whitespace` strips): a text stripped of its
# surrounding whitespace is not empty exactly when it holds one (the schema's way to say `min_length=1`
# after stripping).
NOT_BLANK = r"[^\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
