"""Docker-free local stack: template.yaml -> moto (DynamoDB + SQS) + HTTP API adapter + SQS pollers.

A development tool only; the service code never imports it.
"""
