"""A clerk's correction as an event: resolve the document and field, read the current value.

Projections only build the `FieldCorrected` event; the caller appends it to the document's
stream (`domain.vocabulary.document_stream`) and catches up.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from domain import fields as field_rules
from domain import vocabulary as v
from events import NewEvent
from projections import views
from projections.engine import ProjectionError

# Every kind of record a correction can name, and the fields it always offers (a field
# under review is offered too, whatever its name).
DOCUMENT_RECORD = "document"  # the intake folder's county, the document kind
ROSTER_RECORD = "roster"  # employer, county, and rows.N.name / id_number / cert_no / job
ROSTER_ROW_FIELDS = ("name", "id_number", "cert_no", "job")


class BadCorrection(ProjectionError):
    """A field the document does not have, or a value the field cannot take: a usage
    error (`param` names the argument) listing what would be accepted."""

    def __init__(self, message: str, param: str = "VALUE"):
        super().__init__(message)
        self.param = param


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
    """record -> current (corrected) fields, for every record of the document a clerk can correct."""
    out: dict[str, dict[str, dict]] = {}
    doc = facts.documents.get(doc_id) or {}
    out[DOCUMENT_RECORD] = views.corrected_fields(facts, doc_id, DOCUMENT_RECORD, {
        "county": {"value": doc.get("county"), "page": None, "box": None}})
    for row in facts.cert_rows + facts.reports:
        if row["doc_id"] == doc_id:
            out[row["record"]] = views.corrected_fields(facts, doc_id, row["record"], row["fields"])
    rows = [r for r in facts.roster_rows if r["doc_id"] == doc_id]
    if rows:
        fields = {name: {"value": rows[0].get("source_" + name, rows[0][name]), "page": None, "box": None}
                  for name in ("employer", "county")}
        for r in rows:
            for name in ROSTER_ROW_FIELDS:
                fields[f"rows.{r['row']}.{name}"] = {"value": r.get("source_" + name, r[name]), "page": None, "box": None}
        out[ROSTER_RECORD] = views.corrected_fields(facts, doc_id, ROSTER_RECORD, fields)
    for item in facts.review_items:
        if item["doc_id"] == doc_id:
            fields = out.setdefault(item["record"], {})
            fields.setdefault(item["field"], {"value": item["value"], "page": item["page"], "box": item["box"]})
    return out


def parse_value(field: str, text, force: bool = False):
    """The checked value (see `domain.fields.parse_value`), a BadCorrection otherwise."""
    try:
        return field_rules.parse_value(field, text, force=force)
    except field_rules.FieldProblem as exc:
        raise BadCorrection(str(exc), exc.param) from None


def _field_names(records: dict[str, dict]) -> list[str]:
    """The names a clerk can give for this document: a field's bare name, `record.field`
    where several records have it, roster rows as rows.N.FIELD."""
    holders: dict[str, list[str]] = {}
    for record, fields in records.items():
        for name in fields:
            name = "rows.N." + name.rsplit(".", 1)[-1] if name.startswith("rows.") else name
            holders.setdefault(name, []).append(record)
    names = set(holders)
    for name, having in holders.items():
        if len([r for r in having if r != DOCUMENT_RECORD]) > 1:
            names.discard(name)
            names.update(f"{r}.{name}" for r in having)
    return sorted(names)


def build_correction(facts: views.Facts, doc_prefix: str, field: str, value, by: str, reason: str | None,
                     force: bool = False) -> Correction:
    """The FieldCorrected event for `field` (`name`, `card2.name`, `姓名`, `rows.3.id_number`)
    of a document, its value checked for the field (`domain.fields`). The same for the CLI
    and the HTTP API: a BadCorrection is the caller's usage error."""
    doc_id = resolve_document(facts, doc_prefix)
    records = _records(facts, doc_id)
    field = field_rules.field_name(field)
    prefix, _, rest = field.partition(".")
    every = _field_names(records)
    if rest and prefix in records:  # card2.name
        record, name = prefix, rest
        if name not in records[record]:
            raise BadCorrection(field_rules.unknown_field(field, every, f"document {doc_id[:12]}").args[0], "FIELD")
    else:  # name, or problems.2 (a field whose own name has a dot)
        name = field
        having = sorted(r for r, fields in records.items() if name in fields)
        if len(having) > 1 and DOCUMENT_RECORD in having:  # a bare `county` means the record's own
            having.remove(DOCUMENT_RECORD)
        if not having:
            raise BadCorrection(field_rules.unknown_field(field, every, f"document {doc_id[:12]}").args[0], "FIELD")
        if len(having) > 1:
            raise ProjectionError(f"field {field!r} is in several records ({', '.join(having)}): write e.g. {having[0]}.{field}")
        record = having[0]
    current = records[record][name]
    new = parse_value(name, value, force=force)
    data = {"doc_id": doc_id, "record": record, "field": name, "old": current.get("value"), "new": new,
            "by": by, "reason": reason}
    metadata = {"actor": by, "correlation_id": str(uuid.uuid4()), "causation_id": None,
                "source": {"doc_id": doc_id, "page": current.get("page")}}
    return Correction(v.document_stream(doc_id), NewEvent(v.FIELD_CORRECTED, data, metadata), doc_id, record, name,
                      current.get("value"), new)
