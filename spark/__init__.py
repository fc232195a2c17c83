"""The distributed trainer: the learned model trained by Spark from a DynamoDB export of the profiles
table (EMR Serverless deployed, `local[2]` in `make train-spark`), written in the artifact format the
recommend and profile-update functions load. The layer never imports this package."""
