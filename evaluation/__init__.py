"""Offline evaluation of Mixtape's rankings on Last.fm HetRec 2011 (`make eval`).

Run with the layer on the path (`PYTHONPATH=layers/common`, as `make eval` does).
"""

import os

# Set before numpy and the handlers' Powertools singletons are imported. One BLAS thread, like the
# functions (template.yaml): on a shared 2-core machine more threads make per-request products slower.
# No X-Ray, warnings only. (Metrics stay on: with POWERTOOLS_METRICS_DISABLED Powertools 3.37 never
# clears its metric set and prints it every 100 values anyway; the replay discards handler stdout.)
for _name, _value in {
    "OPENBLAS_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "POWERTOOLS_SERVICE_NAME": "mixtape-eval",
    "POWERTOOLS_METRICS_NAMESPACE": "MixtapeEval",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_name, _value)
