"""The auditor's check: recompute the hash chain in log order and name the first bad row.

Reads the raw rows in keyset batches (constant memory for any length of log) and checks,
for every position from 1 on: the position follows the one before (a gap is a deleted
row), prev_hash is the previous row's hash (an inserted, removed or reordered row), the
payload matches its digest (changed data), and the hash matches the header. An erased row
(PIPL) carries a marker instead of its payload; its stored digests are trusted, since the
chain still covers them, and a later PayloadsErased event must record its erasure.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from events.store import (
    ERASED_KEY,
    ERASURES_STREAM,
    GENESIS_HASH,
    PAYLOADS_ERASED,
    EventStore,
    chain_hash,
    db_errors,
    events_table,
    fetch_batches,
    hash_header,
    text_digest,
)

_e = events_table.c
_CHAIN_COLUMNS = (
    _e.position, _e.event_id, _e.stream_id, _e.stream_version, _e.type, _e.schema_version,
    _e.data, _e.metadata, _e.data_digest, _e.metadata_digest, _e.recorded_at, _e.prev_hash,
    _e.hash, _e.erased,
)
_CHAIN_NAMES = tuple(c.name for c in _CHAIN_COLUMNS)
_BEFORE_ANY_POSITION = -(2**62)  # so rows moved to zero or below are seen, not skipped


@dataclass(frozen=True)
class ChainReport:
    """What a verification found: the good prefix, and the first bad position if any."""

    count: int  # events checked and found good
    head_position: int  # last good position (the log's head when ok)
    head_hash: str
    bad_position: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.bad_position is None

    @property
    def head(self) -> str:
        """POSITION:HASH, the form an auditor writes down and passes to --expect."""
        return f"{self.head_position}:{self.head_hash}"


def parse_head(text: str) -> tuple[int, str]:
    """POSITION:HASH as printed by `zhili verify --head`; ValueError otherwise."""
    position, sep, hash_ = text.strip().partition(":")
    if not sep or not position.isdigit() or len(hash_) != 64 or any(c not in "0123456789abcdef" for c in hash_):
        raise ValueError(f"expected POSITION:HASH (a number, a colon, 64 hex digits), got {text!r}")
    return int(position), hash_


def verify_chain(store: EventStore, expect: tuple[int, str] | None = None, batch_size: int = 5000) -> ChainReport:
    """Recompute the whole chain; with `expect=(position, hash)` also require that the row
    at that position still has that hash, i.e. the history up to it was not rewritten."""
    if expect is not None and expect[0] == 0 and expect[1] != GENESIS_HASH:
        return ChainReport(0, 0, GENESIS_HASH, 0, f"position 0 is always {GENESIS_HASH}, not {expect[1]}")
    query = (
        sa.select(*_CHAIN_COLUMNS)
        .where(_e.position > sa.bindparam("last", 0, type_=sa.BigInteger))
        .order_by(_e.position)
        .limit(batch_size)
    )
    count, prev_position, prev_hash = 0, 0, GENESIS_HASH
    # Erased rows not (yet) recorded by a PayloadsErased event, with the hash before each.
    unrecorded: dict[int, str] = {}
    with db_errors("cannot read the event log"):
        for rows in fetch_batches(store.engine, query, _BEFORE_ANY_POSITION, batch_size):
            for values in rows:
                row = dict(zip(_CHAIN_NAMES, values))
                problem = _check_row(row, prev_position + 1, prev_hash)
                if problem is None and expect is not None and row["position"] == expect[0] and row["hash"] != expect[1]:
                    problem = f"hash is {row['hash']}, expected {expect[1]}: the history up to here was rewritten"
                if problem is not None:
                    bad = min(row["position"], prev_position + 1)
                    return ChainReport(count, prev_position, prev_hash, bad, problem)
                if row["erased"]:
                    unrecorded[row["position"]] = prev_hash
                elif row["stream_id"] == ERASURES_STREAM and row["type"] == PAYLOADS_ERASED:
                    for position in _erased_positions(row["data"]):
                        unrecorded.pop(position, None)
                count, prev_position, prev_hash = count + 1, row["position"], row["hash"]
    if unrecorded:
        bad = min(unrecorded)
        return ChainReport(bad - 1, bad - 1, unrecorded[bad], bad,
                           "erased, but no PayloadsErased event records it (the erasure was not made by zhili)")
    if expect is not None and expect[0] > prev_position:
        return ChainReport(
            count, prev_position, prev_hash, expect[0],
            f"position {expect[0]} is gone: the log ends at {prev_position}",
        )
    return ChainReport(count, prev_position, prev_hash)


def _check_row(row: dict[str, Any], expected_position: int, prev_hash: str) -> str | None:
    position = row["position"]
    if position != expected_position:
        if position > expected_position:
            return f"missing: the next stored position is {position} (a row was deleted or moved)"
        return f"unexpected position {position} (a row was moved)"
    if row["prev_hash"] != prev_hash:
        return "prev_hash does not match the previous row's hash (a row was removed, inserted, reordered or rewritten)"
    if row["erased"]:
        if not (_is_marker(row["data"]) and _is_marker(row["metadata"])):
            return "marked erased but its payload is not an erasure marker"
    else:
        if text_digest(row["data"]) != row["data_digest"]:
            return "data does not match its digest (the data was changed)"
        if text_digest(row["metadata"]) != row["metadata_digest"]:
            return "metadata does not match its digest (the metadata was changed)"
    if chain_hash(prev_hash, hash_header(row)) != row["hash"]:
        return "hash does not match the event's header (a field was changed)"
    return None


def _erased_positions(text: str) -> list:
    """The positions a PayloadsErased event records; none if its data is not of that shape
    (only erase() writes to the stream, but a database is not a promise)."""
    try:
        positions = json.loads(text).get("positions")
    except (ValueError, AttributeError):
        return []
    return positions if isinstance(positions, list) else []


def _is_marker(text: str) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and list(value) == [ERASED_KEY]
