"""The event log: an append-only, hash-chained history that every other package trusts.

Events are the only way state changes in zhili. This package stores them (SQLite or
PostgreSQL through SQLAlchemy), guarantees a gap-free global order that readers can trust,
makes retries idempotent, rejects stale writers, and lets an auditor prove that nothing was
altered (`verify_chain`; `audit.py` does the same from a CSV dump with Python alone). It
knows nothing of certificates, OCR or Kafka.
"""
from events.event import ConcurrencyError, NewEvent, RecordedEvent, StoreError

__all__ = [
    "ChainReport", "ConcurrencyError", "EventStore", "NewEvent", "RecordedEvent", "StoreError",
    "locked_transaction", "open_store", "verify_chain",
]
_IN_STORE = ("EventStore", "locked_transaction", "open_store")
_IN_VERIFY = ("ChainReport", "verify_chain")


def __getattr__(name):
    # The database side (SQLAlchemy) is imported when first used, not with the package:
    # a reader process that only builds events never needs it.
    if name in _IN_STORE:
        from events import store

        return getattr(store, name)
    if name in _IN_VERIFY:
        from events import verify

        return getattr(verify, name)
    raise AttributeError(name)
