"""Logger, tracer and metrics shared by every function (service name and namespace from POWERTOOLS_*)."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
