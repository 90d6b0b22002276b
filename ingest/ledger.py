"""A document's life in the event store: claimed once, finished once, whatever crashes.

The first `DocumentReceived` in `doc-<sha256>` claims the document (expected_version=0);
a writer that loses the race reads the stream and learns whether it holds the same drop
(the same file seen twice: resume it) or another copy of the same bytes (a duplicate).
Results go in one append whose event ids derive from the document, so a retried or
redelivered document writes nothing new; the append also checks the stream's version, so
of two processors only the first finishes the document.
"""
from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any, Sequence

from domain import vocabulary as v
from events import ConcurrencyError, NewEvent, StoreError

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://zhili.invalid/ingest")
FINISHED = (v.DOCUMENT_PROCESSED, v.DOCUMENT_REJECTED)


def event_id(doc_id: str, step: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{doc_id}/{step}"))


def actor() -> str:
    return f"zhili-ingest@{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Arrival:
    """What the intake knows of a file it took: its bytes' identity and its place."""

    doc_id: str
    filename: str  # display text
    relative_path: str  # display text
    county: str | None
    county_known: bool
    size: int
    media_type: str
    drop: str  # identifies this very file (path, size, mtime, inode): the same drop seen twice


@dataclass(frozen=True)
class Claim:
    """The result of offering a document to the store.

    state: "new" (we claimed it), "resume" (our drop, claimed before, not finished),
    "finished" (our drop, already finished), "duplicate" (the same bytes from another drop).
    `outcome` is the finishing event's type when the document is finished.
    """

    doc_id: str
    state: str
    outcome: str | None = None
    reason_code: str | None = None
    counties_in_question: tuple[str, ...] = ()  # a duplicate in another county: every county seen


def _meta(doc_id: str, causation: str | None, page: int | None = None) -> dict[str, Any]:
    return {"actor": actor(), "correlation_id": doc_id, "causation_id": causation,
            "source": {"doc_id": doc_id, "page": page}}


def status(events: Sequence) -> tuple[str | None, str | None]:
    """(finishing event type, reason code) of a document's stream, or (None, None)."""
    for e in events:
        if e.type in FINISHED:
            return e.type, e.data.get("reason_code")
    return None, None


def claim(store, arrival: Arrival) -> Claim:
    doc_id = arrival.doc_id
    stream = v.document_stream(doc_id)
    received = NewEvent(v.DOCUMENT_RECEIVED, {
        "doc_id": doc_id, "filename": arrival.filename, "relative_path": arrival.relative_path,
        "county": arrival.county, "county_known": arrival.county_known, "size": arrival.size,
        "media_type": arrival.media_type, "drop": arrival.drop,
    }, _meta(doc_id, None))
    try:
        store.append(stream, [received], expected_version=0)
        return Claim(doc_id, "new")
    except ConcurrencyError:
        pass
    events = store.read_stream(stream)
    outcome, code = status(events)
    if any(e.data.get("drop") == arrival.drop for e in events if e.type in (v.DOCUMENT_RECEIVED, v.DUPLICATE_RECEIVED)):
        return Claim(doc_id, "finished" if outcome else "resume", outcome, code)
    first = next(e for e in events if e.type == v.DOCUMENT_RECEIVED)
    duplicate = NewEvent(v.DUPLICATE_RECEIVED, {
        "doc_id": doc_id, "filename": arrival.filename, "relative_path": arrival.relative_path,
        "county": arrival.county, "county_known": arrival.county_known, "drop": arrival.drop,
    }, _meta(doc_id, first.event_id), event_id=event_id(doc_id, f"duplicate/{arrival.drop}"))
    batch = [duplicate]
    counties = county_conflict(events, arrival)
    if counties:
        batch.append(NewEvent(v.FIELD_NEEDS_REVIEW, {
            "doc_id": doc_id, "record": "document", "field": "county", "value": list(counties),
            "confidence": 0.0, "page": None, "box": None, "reason": "county_conflict",
        }, _meta(doc_id, duplicate.event_id), event_id=event_id(doc_id, f"review/county/{arrival.drop}")))
    store.append(stream, batch)  # idempotent by id: two watchers record it once
    return Claim(doc_id, "duplicate", outcome, code, counties)


def county_conflict(events: Sequence, arrival: Arrival) -> tuple[str, ...]:
    """The counties this document has been dropped in, when `arrival` (a duplicate) adds a
    known county that is neither one seen before nor the one a clerk settled on; else ().

    The same bytes in two counties' folders are one document, and path order must not
    decide whose it is: a clerk does (`FieldNeedsReview` document.county, reason
    `county_conflict`). A county already seen (a re-drop, or one the clerk already chose
    between) asks nothing again."""
    if not arrival.county_known or not arrival.county:
        return ()
    seen: list[str] = []
    settled = None
    for e in events:
        d = e.data
        if e.type in (v.DOCUMENT_RECEIVED, v.DUPLICATE_RECEIVED) and d.get("county_known") and d.get("county"):
            if d["county"] not in seen:
                seen.append(d["county"])
        elif e.type == v.FIELD_CORRECTED and d.get("record") == "document" and d.get("field") == "county":
            settled = d.get("new")
    first = next((e.data for e in events if e.type == v.DOCUMENT_RECEIVED), {})
    if not (first.get("county_known") and first.get("county")):
        return ()  # an unknown first folder already waits for a clerk (`unknown_county`)
    if arrival.county in seen or arrival.county == settled:
        return ()
    return tuple(seen + [arrival.county])


def received_event(store, doc_id: str):
    for e in store.read_stream(v.document_stream(doc_id)):
        if e.type == v.DOCUMENT_RECEIVED:
            return e
    return None


def unfinished(store) -> list[str]:
    """Documents received but neither processed nor rejected, in the order received."""
    pending: dict[str, None] = {}
    for e in store.read_all(types=[v.DOCUMENT_RECEIVED, *FINISHED]):
        doc_id = e.data["doc_id"]
        if e.type == v.DOCUMENT_RECEIVED:
            pending[doc_id] = None
        else:
            pending.pop(doc_id, None)
    return list(pending)


def failures(store, doc_id: str) -> int:
    return sum(1 for e in store.read_stream(v.document_stream(doc_id)) if e.type == v.PROCESSING_FAILED)


def record_failure(store, doc_id: str, error: str) -> int:
    """Append `ProcessingFailed` for the next attempt; return the number of failed attempts."""
    events = store.read_stream(v.document_stream(doc_id))
    attempt = sum(1 for e in events if e.type == v.PROCESSING_FAILED) + 1
    causation = events[0].event_id if events else None
    store.append(v.document_stream(doc_id), [NewEvent(
        v.PROCESSING_FAILED, {"doc_id": doc_id, "attempt": attempt, "error": error[:500]},
        _meta(doc_id, causation), event_id=event_id(doc_id, f"failed/{attempt}"))])
    return attempt


def rejection(doc_id: str, filename: str, code: str, zh: str, en: str, detail: str = "") -> list[NewEvent]:
    return [NewEvent(v.DOCUMENT_REJECTED, {
        "doc_id": doc_id, "filename": filename, "reason_code": code, "reason_zh": zh, "reason_en": en,
        "detail": detail,
    }, _meta(doc_id, None), event_id=event_id(doc_id, "rejected"))]


def record_refusal(store, drop: str, data: dict[str, Any]) -> None:
    """Record a file refused before it became a document. Its id derives from the drop, so
    a rescan that meets the same file again (it stays where it is with --keep) adds nothing."""
    store.append(v.REFUSED_FILES_STREAM, [NewEvent(
        v.FILE_REFUSED, {**data, "drop": drop},
        {"actor": actor(), "correlation_id": drop, "causation_id": None, "source": {"doc_id": None, "page": None}},
        event_id=event_id(drop, "refused"))])


def finish(store, doc_id: str, events: list[NewEvent]) -> tuple[str, str | None]:
    """Append the document's result batch once; return the finishing (type, reason code).

    The batch is appended at the version just read; a concurrent `DuplicateReceived` moves
    the version, so read and try again; a concurrent finisher wins and ours is dropped.
    """
    stream = v.document_stream(doc_id)
    for _ in range(20):
        stored = store.read_stream(stream)
        outcome = status(stored)
        if outcome[0]:
            return outcome
        causation = stored[0].event_id if stored else None
        batch = [e.replace(metadata={**_meta(doc_id, causation), **e.metadata,
                                      "correlation_id": doc_id, "causation_id": causation})
                 for e in events]
        try:
            store.append(stream, batch, expected_version=len(stored))
        except ConcurrencyError:
            continue
        except StoreError:
            # "partly stored": another processor's batch shares some ids. It finished first.
            continue
        return status(batch)
    raise StoreError(f"document {doc_id[:12]} could not be finished: its stream keeps changing")
