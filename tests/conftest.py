"""Process-wide test environment, set before any test imports `mixtape.runtime.observability`: its Powertools
Metrics singleton reads the namespace once, at import, whichever test layer imports it first."""

import os

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "MixtapeTest")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "mixtape")
