"""The end of a function's init, the same for every handler module (its last statement).

`end_of_init()`:
- freezes init's heap (modules, classes, functions, the handler's routes) into the permanent generation
  (`gc.freeze()`): collections never walk those objects again;
- raises the first-generation threshold: request work allocates many short-lived, acyclic objects
  (validated events, queue messages, DynamoDB items) that reference counting frees anyway, and at the
  default threshold a large batch runs many collections over every live object. The collector stays on:
  cycles are still collected;
- registers the SnapStart after-restore hooks (`mixtape.runtime.snapstart`) with Lambda's runtime, so
  that they run in every environment restored from this one's snapshot.
"""

import gc

from mixtape.runtime import snapstart

GEN0_THRESHOLD = 50_000


def end_of_init() -> None:
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    snapstart.register()
