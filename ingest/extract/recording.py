"""Understanding → events: the ordered, idempotent event list for one processed document."""
from __future__ import annotations

import uuid
from typing import Any, Iterable

from domain import vocabulary as v
from events import NewEvent
from ingest.extract.kinds import KINDS, UNKNOWN
from ingest.extract.model import Field, Understanding
from ingest.reasons import review_reason

# Event ids are derived from (doc_id, step, n): processing the same document twice yields the
# same ids, so the store's idempotency turns a re-run into a no-op instead of duplicates.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://zhili.invalid/ingest/extract")
ACTOR = "zhili-ingest"


def event_id(doc_id: str, step: str, n: int = 0) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{doc_id}/{step}/{n}"))


def needs_review(f: Field, review_bar: float) -> str | None:
    """The reason a field must be looked at by a clerk, or None when it may pass."""
    if f.reason:
        return f.reason
    if f.confidence < review_bar:
        return "low_confidence"
    return None


def to_events(understanding: Understanding, doc_id: str, pages: list, review_bar: float = 0.9) -> list[NewEvent]:
    """PageRead per page, DocumentClassified, one recognised event per record, FieldNeedsReview
    per doubtful field, DocumentProcessed last."""
    out: list[NewEvent] = []

    def emit(type_: str, step: str, n: int, data: dict[str, Any], page: int | None) -> None:
        meta = {"actor": ACTOR, "source": {"doc_id": doc_id, "page": page}}
        out.append(NewEvent(type_, {"doc_id": doc_id, **data}, meta, event_id=event_id(doc_id, step, n)))

    for page in pages:
        lines = [{"text": ln.text, "confidence": round(float(ln.confidence), 4), "box": list(ln.box)} for ln in page.lines]
        emit(v.PAGE_READ, "page", page.number, {
            "page": page.number,
            "engine": page.engine,
            "text": "\n".join(ln.text for ln in page.lines),
            "confidence": _mean(ln.confidence for ln in page.lines),
            "rotation": page.rotation,
            "width": page.width,
            "height": page.height,
            "lines": lines,
        }, page.number)

    emit(v.DOCUMENT_CLASSIFIED, "classified", 0,
         {"kind": understanding.kind, "confidence": round(understanding.confidence, 4)}, _first_page(pages))

    reviews: list[tuple[str, str, Field, str]] = []
    told: dict[int, dict[str, Any]] = {}  # review number -> what a clerk is told beyond the code
    if understanding.kind == UNKNOWN and understanding.failure is None:
        reviews.append(("document", "kind", Field("unknown", understanding.confidence, _first_page(pages), None), "unknown_document_kind"))

    if understanding.failure is not None:
        # A reader raised: what was read stays recorded above, and a clerk reads the
        # document itself; clearing this item (a correction) is the clerk's event.
        r = review_reason("extraction_failed")
        told[len(reviews)] = {"error": understanding.failure.error, "reason_zh": r.zh + r.todo_zh,
                              "reason_en": f"{r.en} {r.todo_en}"}
        reviews.append(("document", "extraction", Field(understanding.kind, 0.0, _first_page(pages), None),
                        "extraction_failed"))

    for n, rec in enumerate(understanding.records):
        page = next((f.page for f in rec.fields.values() if f.page is not None), _first_page(pages))
        kind = KINDS.get(rec.kind)
        if kind is not None:
            emit(kind.event, "record", n, kind.event_data(rec), page)
        for name, f in rec.fields.items():
            reason = needs_review(f, review_bar)
            if reason:
                reviews.append((rec.record, name, f, reason))
        for name, f in rec.extra.get("row_fields", {}).items():
            reason = needs_review(f, review_bar)
            if reason:
                reviews.append((rec.record, name, f, reason))

    for n, (record, name, f, reason) in enumerate(reviews):
        emit(v.FIELD_NEEDS_REVIEW, "review", n, {
            "record": record, "field": name, "value": f.value,
            "confidence": round(float(f.confidence), 4), "page": f.page,
            "box": list(f.box) if f.box else None, "reason": reason, **told.get(n, {}),
        }, f.page)

    emit(v.DOCUMENT_PROCESSED, "processed", 0,
         {"kind": understanding.kind, "pages": len(pages), "needs_review": len(reviews)}, None)
    return out


def _first_page(pages: list) -> int | None:
    return pages[0].number if pages else None


def _mean(values: Iterable[float]) -> float:
    vals = list(values)
    return round(sum(vals) / len(vals), 4) if vals else 0.0
