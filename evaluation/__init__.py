"""Offline evaluation of Mixtape's rankings on Last.fm HetRec 2011 (`make eval`).

Run with the layer on the path (`PYTHONPATH=layers/common`, as `make eval` does).
"""

import os

# Set before numpy and the handlers' Powertools singletons are imported. One BLAS thread, like the
# functions (template.yaml): on a shared 2-core machine more threads make per-request products slower.
# The replay calls the handlers ~10^4 times: no metrics output, no X-Ray, warnings only.
for _name, _value in {
    "OPENBLAS_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "POWERTOOLS_SERVICE_NAME": "mixtape-eval",
    "POWERTOOLS_METRICS_NAMESPACE": "MixtapeEval",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_name, _value)
