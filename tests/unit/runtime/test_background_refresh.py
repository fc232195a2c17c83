"""Refreshes off the request path (mixtape.runtime.background): the catalog and model caches answer from what
is loaded while a probe or a rebuild runs, hand new data to their listeners first, survive failed refreshes,
and make a request wait only for a refresh that has run too long (a frozen, rarely invoked container)."""

import threading
from collections.abc import Callable

import pytest

from mixtape.catalog.cache import CatalogCache
from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingIndex, RecommendSettings
from mixtape.errors import StorageUnavailableError
from mixtape.learning import aligned as aligned_module
from mixtape.learning.aligned import AlignedModel, AlignedModelCache
from mixtape.learning.cache import ModelCache
from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import CatalogRecord
from mixtape.runtime.background import BackgroundRefresh
from mixtape.search import ivf
from mixtape.storage.memory import MemoryModelStore
from tests.unit.learning.test_model import artifact, record

WAIT = 5.0  # seconds: generous bounds on thread hand-offs, never reached when the code is right


class Gate:
    """Blocks a store call until opened; tells when a call is waiting at it."""

    def __init__(self) -> None:
        self.reached, self.opened = threading.Event(), threading.Event()

    def __call__(self) -> None:
        self.reached.set()
        assert self.opened.wait(WAIT)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# --- BackgroundRefresh -------------------------------------------------------------------------------


def test_one_job_at_a_time_and_a_failed_job_does_not_stop_the_next():
    clock, gate, ran = Clock(), Gate(), []
    refresh = BackgroundRefresh("t", join_after_seconds=30, monotonic=clock)

    def first() -> None:
        gate()
        ran.append("first")

    refresh.start(first)
    assert gate.reached.wait(WAIT)
    refresh.start(lambda: ran.append("second"))  # still running: not started, not waited for
    assert refresh.running
    gate.opened.set()
    refresh.wait(WAIT)
    assert ran == ["first"]

    def failing() -> None:
        raise RuntimeError("boom")

    refresh.start(failing)  # logged, not raised
    refresh.wait(WAIT)
    refresh.start(lambda: ran.append("third"))
    refresh.wait(WAIT)
    assert ran == ["first", "third"]


def test_a_job_running_longer_than_the_limit_is_waited_for():
    clock, gate = Clock(), Gate()
    refresh = BackgroundRefresh("t", join_after_seconds=30, monotonic=clock)
    refresh.start(gate)
    assert gate.reached.wait(WAIT)
    clock.now = 30.0
    threading.Timer(0.2, gate.opened.set).start()
    refresh.start(lambda: None)  # returns only once the overdue job is done
    assert not refresh.running


# --- CatalogCache ------------------------------------------------------------------------------------


class Catalog:
    """A catalog reader whose version probe and load can be held at a gate, or fail."""

    def __init__(self) -> None:
        self.version_number = 1
        self.gate: Callable[[], None] | None = None
        self.failing = False

    def version(self) -> int:
        if self.failing:
            raise StorageUnavailableError("DynamoDB is down")
        return self.version_number

    def load_all(self) -> tuple[int, list[CatalogRecord]]:
        if self.gate is not None:
            self.gate()
        return self.version_number, [record(f"r{i}") for i in range(self.version_number)]


def catalog_cache(store: Catalog, clock: Clock) -> CatalogCache:
    settings = RecommendSettings(profiles_table="p", catalog_table="c", catalog_check_seconds=2)
    return CatalogCache(store, settings, lambda: 0, monotonic=clock)


def test_requests_get_the_loaded_index_while_a_new_one_is_built_and_listeners_get_it_first():
    store, clock = Catalog(), Clock()
    cache = catalog_cache(store, clock)
    first = cache.get()  # the first load is the request's own
    seen: list[tuple[int, int]] = []
    cache.on_new_index(lambda index: seen.append((index.version, cache.get().version)))
    store.version_number, store.gate = 2, Gate()
    clock.now = 2.0
    assert cache.get() is first  # the check started, the request did not wait for it
    assert store.gate.reached.wait(WAIT)
    assert cache.get() is first
    store.gate.opened.set()
    cache.wait()
    assert cache.get().version == 2
    assert seen == [(2, 1)]  # the listener had the new index while requests still got the old one


def test_a_failed_check_keeps_the_index_and_the_next_one_tries_again():
    store, clock = Catalog(), Clock()
    cache = catalog_cache(store, clock)
    first = cache.get()
    store.version_number, store.failing = 2, True
    clock.now = 2.0
    assert cache.get() is first
    cache.wait()
    assert cache.get() is first  # the failure is logged, requests are served
    store.failing = False
    clock.now = 4.0
    cache.get()
    cache.wait()
    assert cache.get().version == 2


def test_a_catalog_refresh_running_too_long_is_waited_for():
    store, clock = Catalog(), Clock()
    cache = catalog_cache(store, clock)
    cache.get()
    store.version_number, store.gate = 2, Gate()
    clock.now = 2.0
    cache.get()
    assert store.gate.reached.wait(WAIT)
    clock.now = 2.0 + RecommendSettings(profiles_table="p", catalog_table="c").refresh_join_seconds
    threading.Timer(0.2, store.gate.opened.set).start()
    assert cache.get().version == 2  # this request waited for the overdue refresh


# --- ModelCache and AlignedModelCache ----------------------------------------------------------------


class SlowModels(MemoryModelStore):
    gate: Gate | None = None

    def load(self, version: str) -> ModelArtifact:
        if self.gate is not None:
            self.gate()
        return super().load(version)


def test_a_new_model_loads_in_the_background_and_reaches_listeners_first():
    store, clock = SlowModels(), Clock()
    store.publish(artifact("v1"))
    cache = ModelCache(store, check_seconds=5, monotonic=clock)
    assert cache.get().version == "v1"  # type: ignore[union-attr]  # nothing loaded yet: inline
    seen: list[tuple[str, str]] = []
    cache.on_new_model(lambda model: seen.append((model.version, cache.get().version)))  # type: ignore[union-attr]
    store.publish(artifact("v2"))
    store.gate = Gate()
    clock.now = 5.0
    assert cache.get().version == "v1"  # type: ignore[union-attr]
    assert store.gate.reached.wait(WAIT)
    store.gate.opened.set()
    cache.wait()
    assert cache.get().version == "v2"  # type: ignore[union-attr]
    assert seen == [("v2", "v1")]


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    original = AlignedModel.build.__func__  # type: ignore[attr-defined]

    def counted(cls: type[AlignedModel], model: ModelArtifact, index: CatalogIndex) -> AlignedModel:
        built.append(f"{model.version}@{index.version}")
        aligned: AlignedModel = original(cls, model, index)
        return aligned

    monkeypatch.setattr(aligned_module.AlignedModel, "build", classmethod(counted))
    return built


def test_prepared_pairs_are_not_rebuilt_by_requests(monkeypatch):
    built = _count_builds(monkeypatch)
    store = MemoryModelStore()
    store.publish(artifact("v1"))
    models = ModelCache(store, check_seconds=60)
    cache = AlignedModelCache(models)
    old = CatalogIndex.build(1, [record("r0"), record("j1")], 4, 0, 1.0)
    new = CatalogIndex.build(2, [record("r0"), record("j2")], 4, 0, 1.0)
    first = cache.get(old)
    cache.prepare(index=new)  # the catalog refresh's listener, before requests see `new`
    assert built == ["v1@1", "v1@2"]
    assert cache.get(old) is first  # requests still on the previous index: kept, not rebuilt
    swapped = cache.get(new)  # the catalog cache published `new`
    assert built == ["v1@1", "v1@2"]
    assert cache.loaded is swapped
    assert cache.get(old) is not first  # once requests moved on, the previous pair was let go
    assert built[-1] == "v1@1"


def test_a_new_model_is_prepared_on_the_index_of_the_latest_request(monkeypatch):
    built = _count_builds(monkeypatch)
    store = MemoryModelStore()
    store.publish(artifact("v1"))
    cache = AlignedModelCache(ModelCache(store, check_seconds=60))
    cache.get(CatalogIndex.build(1, [record("r0")], 4, 0, 1.0))
    latest = CatalogIndex.build(2, [record("r0"), record("j1")], 4, 0, 1.0)
    cache.get(latest)
    cache.prepare(model=artifact("v2"))  # the model refresh's listener
    assert built == ["v1@1", "v1@2", "v2@2"]
    cache.prepare()  # nothing new: nothing built
    assert built == ["v1@1", "v1@2", "v2@2"]


def test_prepare_builds_the_ivf_index_it_is_told_to_warm(monkeypatch):
    made: list[int] = []
    original = ivf.IvfIndex

    def counted(*args: object, **kwargs: object) -> object:
        made.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(aligned_module, "IvfIndex", counted)
    store = MemoryModelStore()
    store.publish(artifact("v1"))
    config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=2, n_probe=1)
    cache = AlignedModelCache(ModelCache(store, check_seconds=60), warm=config)
    index = CatalogIndex.build(1, [record(i) for i in ("r0", "r1", "r2", "j1", "j2")], 4, 0, 1.0)
    cache.get(CatalogIndex.build(0, [record("r0")], 4, 0, 1.0))
    cache.prepare(index=index)
    assert made == [1]
    aligned = cache.get(index)
    assert aligned is not None
    assert aligned.ivf(config) is not None
    assert made == [1]  # the request found it built


def test_a_failing_listener_does_not_mark_the_model_unreadable():
    store, clock = MemoryModelStore(), Clock()
    store.publish(artifact("v1"))
    cache = ModelCache(store, check_seconds=5, monotonic=clock)
    cache.get()
    failing = [True]

    def prepare(model: ModelArtifact) -> None:
        if failing[0]:
            raise ValueError("could not align")

    cache.on_new_model(prepare)
    store.publish(artifact("v2"))
    clock.now = 5.0
    cache.get()
    cache.wait()
    assert cache.get().version == "v1"  # type: ignore[union-attr]  # not published without its listener
    failing[0] = False
    clock.now = 10.0
    cache.get()
    cache.wait()
    assert cache.get().version == "v2"  # type: ignore[union-attr]  # retried: v2 was never unreadable
