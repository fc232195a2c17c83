"""The one source of "now", so tests can pin time without patching the standard library."""

import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000
