"""The one override point for a function's dependencies.

Each handler module has a cached `dependencies()` that builds its stores and caches from settings. HTTP
routes receive it through Powertools' `Depends(dependencies)`; queue and scheduled paths call `resolve`.
Both honour the resolver's `dependency_overrides`, which tests and tools set with `overridden` (in-memory
stores instead of AWS clients), so nothing swaps module attributes.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver


def resolve[T](app: ApiGatewayResolver, dependency: Callable[[], T]) -> T:
    """`dependency()`, or what an override gives in its place."""
    override = app.dependency_overrides.get(dependency)
    return override() if override is not None else dependency()


@contextmanager
def overridden[T](app: ApiGatewayResolver, dependency: Callable[[], T], value: T) -> Iterator[T]:
    """Within the block, every route and queue path of `app` gets `value` instead of `dependency()`."""
    previous = app.dependency_overrides.get(dependency)
    app.dependency_overrides[dependency] = lambda: value
    try:
        yield value
    finally:
        if previous is None:
            app.dependency_overrides.pop(dependency, None)
        else:
            app.dependency_overrides[dependency] = previous
