"""The cyclic garbage collector in a function's process, set the same way by every handler module.

A handler module switches the collector off before its imports (`gc.disable()` as its first statement)
and calls `end_of_init()` as its last: init's heap (modules, classes, clients, the catalog) is frozen into
the permanent generation, which collections never walk again, and the collector comes back on with a
larger first-generation threshold. Request work allocates many short-lived, acyclic objects (validated
events, queue messages) that reference counting frees anyway; at the default threshold of 700 a batch
of 10,000 events runs hundreds of collections over every live object: parse + ingest of 10,000 events
went from 52k to 83k events/s with 50,000 (bench.ingest_bench conditions, side by side in one process).
"""

import gc

GEN0_THRESHOLD = 50_000


def end_of_init() -> None:
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    gc.enable()
