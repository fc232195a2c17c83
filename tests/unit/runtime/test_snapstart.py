"""SnapStart's hooks (mixtape.runtime.snapstart): an environment restored from a snapshot makes its own
AWS clients and draws its own random numbers, instead of sharing those of the snapshot; what the hooks
prepare before the snapshot is shared."""

import random
from collections.abc import Iterator

import numpy as np
import pytest
import snapshot_restore_py

from mixtape.runtime import snapstart
from mixtape.storage import clients


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clients.reset()
    yield
    clients.reset()


def _runtime_restores() -> None:
    """What Lambda's runtime does after a restore: call every hook registered in snapshot_restore_py."""
    for func, args, kwargs in snapshot_restore_py.get_after_restore():
        func(*args, **kwargs)


def _hooks(registry: list[tuple[object, object, object]], hook: object) -> int:
    return [func for func, _, _ in registry].count(hook)


@pytest.mark.usefixtures("aws_env")
def test_after_a_restore_the_next_use_makes_new_clients():
    before = (clients.dynamodb(), clients.sqs(), clients.s3())
    assert clients.dynamodb() is before[0]  # cached while the environment lives
    snapstart.run_after_restore()
    after = (clients.dynamodb(), clients.sqs(), clients.s3())
    assert all(new is not old for new, old in zip(after, before, strict=True))


def test_after_a_restore_the_generators_draw_new_numbers():
    # Two environments restored from one snapshot start from the same generator state: that state is
    # what seeding with a fixed value reproduces here.
    random.seed(1)
    np.random.seed(1)
    shared = (random.random(), np.random.random())
    random.seed(1)
    np.random.seed(1)
    snapstart.run_after_restore()
    assert (random.random(), np.random.random()) != shared


def test_callbacks_run_after_the_reseeding_once_each_in_registration_order(monkeypatch):
    monkeypatch.setattr(snapstart, "_before_snapshot", [])
    monkeypatch.setattr(snapstart, "_after_restore", [])
    ran: list[str] = []

    def first() -> None:
        ran.append(f"first {random.getstate() != seeded}")

    def second() -> None:
        ran.append("second")

    snapstart.after_restore(first)
    snapstart.after_restore(second)
    snapstart.after_restore(first)  # registered once
    random.seed(1)
    seeded = random.getstate()
    snapstart.run_after_restore()
    assert ran == ["first True", "second"]
    snapstart.before_snapshot(second)
    snapstart.run_before_snapshot()
    assert ran == ["first True", "second", "second"]


@pytest.mark.usefixtures("aws_env")
def test_the_hooks_are_registered_with_the_runtime_once():
    assert snapstart.register()
    assert snapstart.register()  # every handler module's end_of_init, or a second import: still once
    assert _hooks(snapshot_restore_py.get_before_snapshot(), snapstart.run_before_snapshot) == 1
    assert _hooks(snapshot_restore_py.get_after_restore(), snapstart.run_after_restore) == 1
    made = clients.dynamodb()
    _runtime_restores()
    assert clients.dynamodb() is not made
