"""Logger, tracer and metrics shared by every function (service name and namespace from POWERTOOLS_*)."""

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# Read-only routes publish no application metric on most calls; Powertools warns on each such flush.
warnings.filterwarnings("ignore", message="No application metrics to publish")
