"""A clerk's correction as an event: resolve the document and field, read the current value.

Projections only build the `FieldCorrected` event; the caller appends it to the document's
stream (`domain.vocabulary.document_stream`) and catches up.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from domain import vocabulary as v
from events import NewEvent
from projections import views
from projections.engine import ProjectionError

BOOLEAN_FIELDS = {"signed", "sealed"}
TRUE_WORDS = {"true", "yes", "1", "是", "有", "y"}
FALSE_WORDS = {"false", "no", "0", "否", "无", "n"}


@dataclass(frozen=True)
class Correction:
    stream_id: str
    event: NewEvent
    doc_id: str
    record: str
    field: str
    old: Any
    new: Any


def resolve_document(facts: views.Facts, prefix: str) -> str:
    matches = [d for d in facts.documents if d.startswith(prefix.lower())] if prefix else []
    if not matches:
        raise ProjectionError(f"no document {prefix!r}")
    if len(matches) > 1:
        raise ProjectionError(f"document prefix {prefix!r} is ambiguous ({len(matches)} documents): give more characters")
    return matches[0]


def _records(facts: views.Facts, doc_id: str) -> dict[str, dict[str, dict]]:
    """record -> current (corrected) fields, for every recognised record of the document."""
    out: dict[str, dict[str, dict]] = {}
    for row in facts.cert_rows + facts.reports:
        if row["doc_id"] == doc_id:
            out[row["record"]] = views.corrected_fields(facts, doc_id, row["record"], row["fields"])
    for item in facts.review_items:
        if item["doc_id"] == doc_id:
            fields = out.setdefault(item["record"], {})
            fields.setdefault(item["field"], {"value": item["value"], "page": item["page"], "box": item["box"]})
    return out


def parse_value(field: str, text: str) -> Any:
    if text.strip() == "":
        return None
    if field.startswith("problems."):
        # A problem row: JSON with the keys to change, e.g. {"rectified": true}.
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ProjectionError(f'{field} takes a JSON object, e.g. \'{{"rectified": true}}\'')
        return value
    if field in BOOLEAN_FIELDS:
        word = text.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ProjectionError(f"{field} takes true or false, not {text!r}")
    if field == "reviews":
        return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    if field in ("cert_no", "id_number"):
        return text.strip().upper()
    return text.strip()


def build_correction(facts: views.Facts, doc_prefix: str, field: str, value: str, by: str, reason: str | None) -> Correction:
    """The FieldCorrected event for `field` (`name` or `card2.name`) of a document."""
    doc_id = resolve_document(facts, doc_prefix)
    records = _records(facts, doc_id)
    prefix, _, rest = field.partition(".")
    if rest and prefix in records:  # card2.name
        record, name = prefix, rest
        if name not in records[record]:
            raise ProjectionError(f"document {doc_id[:12]} has no field {field!r}")
    else:  # name, or problems.2 (a field whose own name has a dot)
        name = field
        having = sorted(r for r, fields in records.items() if name in fields)
        if not having:
            raise ProjectionError(f"document {doc_id[:12]} has no field {field!r}")
        if len(having) > 1:
            raise ProjectionError(f"field {field!r} is in several records ({', '.join(having)}): write e.g. {having[0]}.{field}")
        record = having[0]
    current = records[record][name]
    new = parse_value(name, value)
    data = {"doc_id": doc_id, "record": record, "field": name, "old": current.get("value"), "new": new,
            "by": by, "reason": reason}
    metadata = {"actor": by, "correlation_id": str(uuid.uuid4()), "causation_id": None,
                "source": {"doc_id": doc_id, "page": current.get("page")}}
    return Correction(v.document_stream(doc_id), NewEvent(v.FIELD_CORRECTED, data, metadata), doc_id, record, name,
                      current.get("value"), new)
