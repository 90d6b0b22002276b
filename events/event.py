"""What an event is, apart from any database: the event to append, the event read back,
and the store's errors. Light to import: worker processes build events without loading
SQLAlchemy."""
from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from events.payload import load_json, payload_writer


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
    # 48 bits of time, version 7 and 12 random bits, variant 0b10 and 62 random bits:
    # what str(uuid.UUID(int=...)) prints, without building one.
    rand = _random_bits(74)
    h = ((_now_ns() // 1_000_000 & _MILLIS) << 80 | rand >> 62 << 64 | rand & _LOW_62 | _VERSION_AND_VARIANT).to_bytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_random_bits, _now_ns = _id_bits.getrandbits, time.time_ns
_MILLIS, _LOW_62, _VERSION_AND_VARIANT = (1 << 48) - 1, (1 << 62) - 1, 0x7 << 76 | 0b10 << 62


_write_data, _write_metadata = payload_writer(), payload_writer()
_set = object.__setattr__


class NewEvent:
    """An event to append, serialised when it is made.

    Its data and metadata become stored JSON and digests here, once. The event is then a
    snapshot: changing the dicts afterwards changes nothing, so a retry appends exactly
    what the first try did. A payload that is not JSON fails where it was built, not in a
    later append. And an append holds the write lock only to chain and insert rows.
    `data` and `metadata` read the snapshot back (a new dict each time).
    """

    __slots__ = ("type", "event_id", "schema_version", "data_json", "data_digest", "metadata_json", "metadata_digest")

    def __init__(self, type: str, data: dict[str, Any], metadata: dict[str, Any] | None = None,
                 event_id: str | None = None, schema_version: int = 1):
        data_json, data_digest = _write_data(data)
        metadata_json, metadata_digest = _write_metadata({} if metadata is None else metadata)
        _set(self, "type", type)
        _set(self, "event_id", new_event_id() if event_id is None else event_id)
        _set(self, "schema_version", schema_version)
        _set(self, "data_json", data_json)
        _set(self, "data_digest", data_digest)
        _set(self, "metadata_json", metadata_json)
        _set(self, "metadata_digest", metadata_digest)

    @property
    def data(self) -> dict[str, Any]:
        return load_json(self.data_json)

    @property
    def metadata(self) -> dict[str, Any]:
        return load_json(self.metadata_json)

    def replace(self, *, data: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None) -> "NewEvent":
        """The same event (type, id, schema version) with new data or metadata."""
        return NewEvent(self.type, self.data if data is None else data,
                        self.metadata if metadata is None else metadata, self.event_id, self.schema_version)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"NewEvent is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"NewEvent is immutable: cannot delete {name}")

    def __getstate__(self) -> tuple:  # pickled by value for worker processes
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self.__slots__, state):
            _set(self, name, value)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not NewEvent:
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash(self.__getstate__())

    def __repr__(self) -> str:
        return f"NewEvent(type={self.type!r}, event_id={self.event_id!r}, data={self.data_json})"


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
