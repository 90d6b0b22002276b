"""Why a record says what it says: the events and source pages behind each field and flag."""
from __future__ import annotations

from datetime import date
from typing import Any

from domain import vocabulary as v
from projections import rules, views

# The certificate fields each flag rests on (conflicting_holder and name_mismatch also
# name the other scans and roster rows they come from).
FLAG_FIELDS = {
    "expired": ("valid_until",),
    "not_yet_valid": ("valid_from",),
    "review_overdue": ("valid_from", "valid_until", "review_due", "reviews"),
    "id_checksum_invalid": ("id_number",),
    "cert_no_mismatch": ("cert_no", "id_number"),
    "unknown_item": ("category", "item"),
    "conflicting_holder": ("name", "id_number"),
    "underage_at_issue": ("id_number", "first_issued"),
    "date_inconsistent": ("first_issued", "valid_from", "valid_until"),
    "other_certificate_kind": (),
    "sex_mismatch": ("sex", "id_number"),
    "out_of_province": ("issuer",),
    "out_of_city": ("issuer",),
    "name_mismatch": ("name", "id_number"),
}


class NotFound(Exception):
    """No certificate or entity has that key."""


def _event(position: int, type_: str, recorded_at: str, **more: Any) -> dict:
    return {"position": position, "type": type_, "recorded_at": recorded_at, **more}


def _recognised(row: dict, kind: str, page: Any = None) -> dict:
    return _event(row["position"], kind, row["recorded_at"], doc_id=row["doc_id"], record=row["record"], page=page)


def _field_sources(facts: views.Facts, row: dict, name: str, fields: dict) -> list[dict]:
    f = fields.get(name) or {}
    out = [_recognised(row, v.CERTIFICATE_RECOGNISED, f.get("page")) | {
        "value": (row["fields"].get(name) or {}).get("value") if isinstance(row["fields"].get(name), dict) else row["fields"].get(name),
        "confidence": (row["fields"].get(name) or {}).get("confidence") if isinstance(row["fields"].get(name), dict) else None,
        "box": f.get("box"),
    }]
    for item in facts.review_items:
        if (item["doc_id"], item["record"], item["field"]) == (row["doc_id"], row["record"], name):
            out.append(_event(item["position"], v.FIELD_NEEDS_REVIEW, item["recorded_at"], doc_id=item["doc_id"],
                              page=item["page"], value=item["value"], confidence=item["confidence"], reason=item["reason"]))
    for c in facts.corrections.get((row["doc_id"], row["record"], name), []):
        out.append(_event(c["position"], v.FIELD_CORRECTED, c["recorded_at"], doc_id=c["doc_id"], by=c["by"],
                          old=c["old"], new=c["new"], reason=c["reason"]))
    return sorted(out, key=lambda e: e["position"])


def _document(facts: views.Facts, doc_id: str) -> dict | None:
    d = facts.documents.get(doc_id)
    if d is None:
        return None
    return _event(d["position"], v.DOCUMENT_RECEIVED, d["recorded_at"], doc_id=doc_id, filename=d["filename"],
                  relative_path=d["relative_path"], county=d["county"])


def _roster(r: dict) -> dict:
    return _event(r["position"], v.ROSTER_RECOGNISED, r["recorded_at"], doc_id=r["doc_id"], row=r["row"],
                  employer=r["employer"], name=r["name"])


def explain_certificate(facts: views.Facts, cf: views.CertFacts, day: date) -> dict:
    record = views.certificate_record(cf, day)
    row = cf.record
    fields = {}
    for name in views.CERT_EXPORT_FIELDS:
        fields[name] = {"value": record[name], "events": _field_sources(facts, row, name, cf.fields)}
    fields["county"] = {"value": record["county"], "events": [e for e in [_document(facts, row["doc_id"])] if e] + [
        _event(c["position"], v.FIELD_CORRECTED, c["recorded_at"], doc_id=c["doc_id"], by=c["by"], old=c["old"],
               new=c["new"], reason=c["reason"])
        for c in facts.corrections.get((row["doc_id"], views.DOCUMENT_RECORD, "county"), [])]}
    employer_rows = [r for r in cf.roster_rows if r["employer"] == record["employer"]]
    fields["employer"] = {"value": record["employer"], "events": [_roster(r) for r in employer_rows]}
    flags = {}
    for flag in record["flags"]:
        events = [e for name in FLAG_FIELDS.get(flag, ()) for e in fields[name]["events"]]
        if flag == "other_certificate_kind":
            events.append(_recognised(row, v.CERTIFICATE_RECOGNISED) | {"certificate_kind": row["certificate_kind"]})
        if flag == "conflicting_holder":
            for other, other_fields in views.conflicting_scans(cf):
                events.append(_recognised(other, v.CERTIFICATE_RECOGNISED) | {
                    "name": (other_fields.get("name") or {}).get("value"),
                    "id_number": (other_fields.get("id_number") or {}).get("value")})
        if flag == "name_mismatch":
            events.extend(_roster(r) for r in views.mismatched_roster_rows(cf))
        unique = {e["position"]: e for e in events}
        flags[flag] = {"fields": list(FLAG_FIELDS.get(flag, ())), "events": [unique[p] for p in sorted(unique)]}
    scans = [{"doc_id": r["doc_id"], "record": r["record"], "position": r["position"], "recorded_at": r["recorded_at"],
              "document": _document(facts, r["doc_id"])} for r, _ in cf.scans]
    return {"kind": "certificate", "key": cf.key, "as_of": day.isoformat(), "record": record, "fields": fields,
            "flags": flags, "status": {"value": record["status"], "pending_review": [
                _event(i["position"], v.FIELD_NEEDS_REVIEW, i["recorded_at"], doc_id=i["doc_id"], record=i["record"],
                       field=i["field"], reason=i["reason"]) for i in cf.needs_review]}, "scans": scans}


def explain_entity(facts: views.Facts, e: views.EntityFacts, day: date) -> dict:
    certs = views.certificates(facts, day)
    record = views.entity_record(e, views.certificates_by_holder(certs), day, detail=True,
                                 docs_in_review=facts.documents_in_review())
    reports = []
    for row, fields in e.reports:
        reports.append(_recognised(row, v.SELF_CHECK_REPORT_RECOGNISED) | {
            "document": _document(facts, row["doc_id"]),
            "corrections": [_event(c["position"], v.FIELD_CORRECTED, c["recorded_at"], field=c["field"], by=c["by"],
                                   old=c["old"], new=c["new"], reason=c["reason"])
                            for name in sorted(fields) for c in facts.corrections.get((row["doc_id"], row["record"], name), [])]})
    rosters = sorted({(r["doc_id"], r["position"], r["recorded_at"]) for r in e.roster_rows}, key=lambda t: t[1])
    return {"kind": "entity", "key": e.entity_id, "as_of": day.isoformat(), "record": record,
            "self_check_reports": reports,
            "rosters": [_event(p, v.ROSTER_RECOGNISED, at, doc_id=d, document=_document(facts, d)) for d, p, at in rosters],
            "status": {"value": record["status"], "rule": "self_check_missing > needs_review > unsigned > open_problems > ok",
                       "from": reports[-1] if reports else None}}


def explain(facts: views.Facts, key: str, day: date) -> dict:
    """The provenance of certificate `key` (as printed or normalised) or entity `key`."""
    wanted = rules.normalise_cert_no(key) if key else None
    for cf in views.certificate_facts(facts):
        if cf.key == wanted or cf.key == key:
            return explain_certificate(facts, cf, day)
    entities = views.entity_facts(facts)
    if key in entities:
        return explain_entity(facts, entities[key], day)
    raise NotFound(f"no certificate or entity {key!r}")
