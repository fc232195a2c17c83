"""The one override point for a function's dependencies.

Each handler module has a cached `dependencies()` that builds its stores and caches from settings. HTTP
routes receive it through Powertools' `Depends(dependencies)`; queue and scheduled paths call `resolve`.
Both honour the resolver's `dependency_overrides`, which tests and tools set with `overridden` (in-memory
stores instead of AWS clients), so nothing swaps module attributes. A function without HTTP routes keeps
the same dictionary in a `DependencyOverrides` instead of a resolver.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol


class Overridable(Protocol):
    """An HTTP resolver, or a `DependencyOverrides`."""

    dependency_overrides: dict[Callable[..., Any], Callable[..., Any]]


@dataclass
class DependencyOverrides:
    """A resolver's `dependency_overrides` for a function that has no resolver (scheduled functions)."""

    dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = field(default_factory=dict)


def resolve[T](owner: Overridable, dependency: Callable[[], T]) -> T:
    """`dependency()`, or what an override gives in its place."""
    override = owner.dependency_overrides.get(dependency)
    return override() if override is not None else dependency()


@contextmanager
def overridden[T](owner: Overridable, dependency: Callable[[], T], value: T) -> Iterator[T]:
    """Within the block, every route and queue path of `owner` gets `value` instead of `dependency()`."""
    previous = owner.dependency_overrides.get(dependency)
    owner.dependency_overrides[dependency] = lambda: value
    try:
        yield value
    finally:
        if previous is None:
            owner.dependency_overrides.pop(dependency, None)
        else:
            owner.dependency_overrides[dependency] = previous
