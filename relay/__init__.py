"""The event log and projections on Kafka: the outbox relay, OCR workers and projectors
that scale out across machines. Optional: the embedded default needs no broker, and
nothing outside this package imports a Kafka client.

- `outbox`: the log onto `<prefix>.events` (and unread documents onto `<prefix>.intake`),
  checkpointed in the database after the broker's acknowledgement;
- `records`: changed certificate and entity records onto the compacted record topics;
- `intake`: the OCR worker loop over `<prefix>.intake`;
- `projector`: projections applied from `<prefix>.events` into a read-model database;
- `broker`, `settings`, `tables`, `errors`: clients, configuration, bookkeeping, failures.
"""
