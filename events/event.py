"""What an event is, apart from any database: the event to append, the event read back,
and the store's errors. Light to import: worker processes build events without loading
SQLAlchemy."""
from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


class StoreError(Exception):
    """An expected failure with a one-line reason for the user (bad URL, server down...)."""


class ConcurrencyError(StoreError):
    """The stream moved on since the writer read it: nothing was written."""


# Event ids must be unique, not secret: nothing is guarded by an id being hard to guess
# (they are printed, exported and published), but a repeated one would be taken for a
# retry of the stored event. A generator seeded from os.urandom gives 74 random bits per
# id without a system call per id; a forked child reseeds, or it would repeat its
# parent's ids.
_id_bits = random.Random()
os.register_at_fork(after_in_child=_id_bits.seed)


def new_event_id() -> str:
    """A UUIDv7 (RFC 9562): random, but led by the time in milliseconds, so the unique
    index on event ids grows at its right edge instead of dirtying a random page per
    append (with random v4 ids that index is most of what a batch writes)."""
    millis = time.time_ns() // 1_000_000 & (1 << 48) - 1
    rand = _id_bits.getrandbits(74)
    # 48 bits of time, version 7 and 12 random bits, variant 0b10 and 62 random bits:
    # what str(uuid.UUID(int=...)) prints, without building one.
    return "%08x-%04x-7%03x-%04x-%012x" % (
        millis >> 16, millis & 0xFFFF, rand >> 62, 0x8000 | rand >> 48 & 0x3FFF, rand & (1 << 48) - 1)


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    event_id: str = field(default_factory=new_event_id)
    schema_version: int = 1


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    event_id: str
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime
    prev_hash: str
    hash: str
    erased: bool = False  # data and metadata are an erasure marker, not the original

    def to_json(self) -> dict[str, Any]:
        """The shape `zhili events` prints and Kafka carries (`erased` only when true)."""
        shape = {
            "position": self.position,
            "event_id": self.event_id,
            "stream_id": self.stream_id,
            "stream_version": self.stream_version,
            "type": self.type,
            "schema_version": self.schema_version,
            "data": self.data,
            "metadata": self.metadata,
            "recorded_at": format_instant(self.recorded_at),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
        if self.erased:
            shape["erased"] = True
        return shape


def format_instant(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).isoformat(timespec="microseconds")
