"""What extraction hands back: fields with confidence and provenance, records, the document."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Field:
    """One recognised value, how sure we are of it, and where on which page it was read."""
    value: Any
    confidence: float
    page: int | None = None
    box: Box | None = None
    reason: str | None = None  # why the value cannot be trusted as read (→ review), if any

    def to_event(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(float(self.confidence), 4),
            "page": self.page,
            "box": list(self.box) if self.box else None,
        }


MISSING = Field(None, 0.0, None, None, "not_found")


@dataclass
class Record:
    """One thing recognised in a document: a certificate card, a report, a roster."""
    kind: str    # "certificate" | "self_check_report" | "roster"
    record: str  # "card1", "card2", "report", "roster"
    fields: dict[str, Field]
    extra: dict = field(default_factory=dict)  # certificate_kind, problems, roster rows...


@dataclass
class Understanding:
    """A whole document: what kind it is, how sure we are, and what was recognised in it."""
    kind: str  # one of domain.vocabulary.DOCUMENT_KINDS
    confidence: float
    records: list[Record] = field(default_factory=list)
    # Set when a reader raised: the pages and the classification are still recorded and a
    # clerk reads the document instead (review reason `extraction_failed`); never a retry.
    failure: "ExtractionFailure | None" = None


@dataclass(frozen=True)
class ExtractionFailure:
    """A reader's exception, told safely: where it was raised, and a traceback for the log
    whose message has personal data masked (exception messages can quote what was read)."""
    step: str       # "classify" | the document kind whose reader raised | "to_events"
    error: str      # exception type and the place it was raised: "TypeError at certificate.py:157"
    traceback: str  # for the log, masked
