"""Benchmarks: cold start, ingestion throughput and DynamoDB cost, the cost model.

Run from the repository root, e.g. `.venv/bin/python -m bench.cold_start`. The shared layer
(`layers/common`, where Lambda's `/opt/python` would be) is appended to the import path so `mixtape`
imports as in a function; appended, not prepended, so an explicit PYTHONPATH (the cold-start children
point it at the tree under test) still wins. Only `os` and `sys` here: the cold-start child imports
this package before it starts measuring.
"""

import os
import sys

_LAYER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "layers", "common")
if _LAYER not in sys.path:
    sys.path.append(_LAYER)
