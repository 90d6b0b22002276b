"""The event log and projections on Kafka: the outbox relay, OCR workers and projectors
that scale out across machines. Optional: the embedded default needs no broker.
"""
