"""Storage: the only modules that talk to AWS. Interfaces in `base`, DynamoDB/SQS and in-memory versions."""
