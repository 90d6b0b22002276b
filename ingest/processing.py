"""Reading one document: bytes in, the events that record what it says (or why not) out.

Runs inside a worker process (see `ingest.workers`), so everything here is picklable and
touches no database: the parent appends what comes back.
"""
from __future__ import annotations

from dataclasses import dataclass

from domain import vocabulary as v
from events import NewEvent
from ingest.docstore import DocumentStore
from ingest.folder import ROSTERS, SUPPORTED
from ingest.ledger import event_id as ledger_event_id
from ingest.reasons import reason


@dataclass(frozen=True)
class Task:
    """One claimed document to read."""

    doc_id: str
    docs_root: str
    filename: str  # display name: its extension picks the reader
    county: str | None
    county_known: bool
    engine: str = "auto"
    max_pages: int = 200
    review_bar: float = 0.9
    time_limit: float = 600.0


@dataclass(frozen=True)
class Processed:
    events: tuple[NewEvent, ...]
    kind: str
    pages: int
    needs_review: int
    # A reader's exception, masked, for the log (the document went to review instead).
    extraction_failure: str = ""


@dataclass(frozen=True)
class Rejected:
    code: str
    reason_zh: str
    reason_en: str
    detail: str = ""


@dataclass(frozen=True)
class Failed:
    """Reading broke in a way that may not happen next time (a crash, memory, time): retry.

    Never for an exception of extraction: that is the same on every try, so reading the
    pages again would only OCR them again; the document goes to review instead."""

    error: str


def suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def process(task: Task) -> Processed | Rejected | Failed:
    """Read, understand and record one document; expected failures become `Rejected`, an
    exception of extraction a `Processed` with the document in review (`extraction_failed`)."""
    data = DocumentStore(task.docs_root).get(task.doc_id)
    ext = suffix(task.filename)
    if len(data) == 0:
        return _rejected("empty")
    if ext not in SUPPORTED:
        return _rejected("unsupported_type", f"extension {ext or '(none)'}")
    try:
        from ingest import extract
        from ocr.page import UnreadableDocument
    except ImportError as exc:  # a broken installation is worth a retry after a fix
        return Failed(f"cannot import the readers: {exc}")
    try:
        if ext in ROSTERS:
            pages: list = []
            understanding = extract.read_roster(data, task.filename, task.county)
        else:
            import ocr
            from ocr.page import Limits

            limits = Limits(max_pages=task.max_pages, document_timeout_s=task.time_limit)
            pages = ocr.read_document(data, task.filename, task.engine, limits)
            understanding = extract.understand(pages, task.filename, task.county)
    except UnreadableDocument as exc:
        r = reason(exc.code, zh=exc.reason_zh, en=exc.reason_en)
        return Rejected(exc.code, r.zh, r.en, exc.reason_en)
    except extract.RosterUnreadable as exc:
        return _rejected(exc.code, str(exc))
    except MemoryError:
        return Failed("out of memory")
    try:
        events = extract.to_events(understanding, task.doc_id, pages, task.review_bar)
    except MemoryError:
        return Failed("out of memory")
    except Exception as exc:  # a record that cannot become events: keep the pages and the kind
        from ingest.extract.failure import caught

        understanding = extract.Understanding(understanding.kind, understanding.confidence, [],
                                              understanding.failure or caught("to_events", exc))
        events = extract.to_events(understanding, task.doc_id, pages, task.review_bar)
    for page in pages:  # the page images are large and not needed past this point
        page.image = None
    failure = understanding.failure
    told = f"{failure.step}: {failure.traceback}" if failure else ""
    return _with_county_review(task, events, understanding.kind, len(pages), told)


def _rejected(code: str, detail: str = "") -> Rejected:
    r = reason(code, detail)
    return Rejected(code, r.zh, r.en, detail)


def _with_county_review(task: Task, events: list[NewEvent], kind: str, pages: int, failure: str = "") -> Processed:
    """Add the county review for an unknown intake folder, and count it in DocumentProcessed."""
    extra: list[NewEvent] = []
    if not task.county_known:
        extra.append(NewEvent(v.FIELD_NEEDS_REVIEW, {
            "doc_id": task.doc_id, "record": "document", "field": "county", "value": task.county,
            "confidence": 0.0, "page": None, "box": None,
            "reason": "unknown_county" if task.county else "no_county_folder",
        }, {"source": {"doc_id": task.doc_id, "page": None}}, event_id=ledger_event_id(task.doc_id, "review/county")))
    body = [e for e in events if e.type != v.DOCUMENT_PROCESSED]
    reviews = sum(1 for e in body + extra if e.type == v.FIELD_NEEDS_REVIEW)
    done = next((e for e in events if e.type == v.DOCUMENT_PROCESSED), None)
    data = {"doc_id": task.doc_id, "kind": kind, "pages": pages, "needs_review": reviews}
    if done is None:
        done = NewEvent(v.DOCUMENT_PROCESSED, data, {"source": {"doc_id": task.doc_id, "page": None}},
                        event_id=ledger_event_id(task.doc_id, "processed"))
    else:
        done = done.replace(data={**done.data, **data})
    return Processed(tuple(body + extra + [done]), kind, pages, reviews, failure)
