"""Import listening history into a running Mixtape through its public API (`make run` first).

python -m local.lastfm_import lastfm [--data DIR] [--base-url http://127.0.0.1:3000] [--limit-users N]
                                     [--concurrency 4] [--aws-port 5000]

Items go through `PUT /v1/items` and plays through `POST /v1/events`, the same paths clients use, with
the generated client (clients/python), so the import exercises validation, deduplication and profile
updates exactly as production traffic would. Re-running is safe: item upserts are idempotent and event
ids are deterministic, so the server counts every event of a second run as a duplicate. With
`--aws-port` (the local stack's moto, as `make import-lastfm` passes it) it then waits until the
profile-update queue has drained, so when it says every profile is applied, `make train` learns from the
whole history.

Modules: `plan` (what to send), `send` (retries and tallies), `wait` (until every profile is applied),
`cli` (the command line).
"""
