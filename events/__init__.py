"""The event log: an append-only, hash-chained history that every other package trusts.

Events are the only way state changes in zhili. This package stores them (SQLite or
PostgreSQL through SQLAlchemy), guarantees a gap-free global order that readers can trust,
makes retries idempotent, rejects stale writers, and lets an auditor prove that nothing was
altered (`verify_chain`; `audit.py` does the same from a CSV dump with Python alone). It
knows nothing of certificates, OCR or Kafka.
"""
from events.store import (
    ConcurrencyError,
    EventStore,
    NewEvent,
    RecordedEvent,
    StoreError,
    locked_transaction,
    open_store,
)
from events.verify import ChainReport, verify_chain

__all__ = [
    "ChainReport", "ConcurrencyError", "EventStore", "NewEvent", "RecordedEvent", "StoreError",
    "locked_transaction", "open_store", "verify_chain",
]
