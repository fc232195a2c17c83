"""The in-process stand-in keeps DynamoDB's contract that a conditional write is checked and applied
atomically: the clients the tests use take `tests.integration.atomic_dynamodb`'s lock per request.
Without it (a client made without the hooks) moto lets two writers pass the same version check and
increments are lost."""

import sys
from collections.abc import Iterator

import pytest

from mixtape.storage import clients
from tests.integration.conftest import Aws
from tests.races import race_increments

WRITERS, INCREMENTS = 6, 50


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond, so a check and its write are often interleaved with another's."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.parametrize("which", ["test client", "layer client"])
def test_optimistic_increments_from_racing_threads_are_never_lost(
    aws: Aws, frequent_thread_switches: None, which: str
):
    client = aws.dynamodb if which == "test client" else clients.dynamodb()
    key = {"user_id": {"S": "counter"}}
    race = race_increments(client, aws.table("ProfilesTable"), key, WRITERS, INCREMENTS)
    assert race.errors == []
    assert race.final == WRITERS * INCREMENTS
    assert race.conflicts  # the writers did race: the check turned some of them back
