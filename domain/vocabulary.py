"""The event vocabulary: every event type zhili records, and the shape of its data.

Ingest writes these events; projections read them. Both import the names from here so a
typo cannot split the two. Every event about a document lives in the stream
``doc-<sha256>`` (see `document_stream`); its metadata carries
``{"actor": ..., "correlation_id": ..., "causation_id": ..., "source": {"doc_id": ..., "page": ...}}``.

A *field* (in recognised records, review and correction events) is a dict
``{"value": ..., "confidence": 0..1, "page": int|None, "box": [x0, y0, x1, y1]|None}``.
Dates are ``YYYY-MM-DD`` strings, missing values ``None``.

DocumentReceived   {doc_id, filename, relative_path, county, county_known: bool, size,
                    media_type}
                    The first one for a hash claims the document (append with
                    expected_version=0).
DuplicateReceived  {doc_id, filename, relative_path, county, county_known: bool, drop}
                   The same bytes dropped again (not read again). When its known county is
                   one the document was not dropped in before (nor a clerk's correction),
                   the same append adds a FieldNeedsReview on record "document", field
                   "county", reason "county_conflict", value the list of counties seen.
DocumentRejected   {doc_id, filename, reason_code, reason_zh, reason_en}
ProcessingFailed   {doc_id, attempt, error}                 (retried, then rejected)
PageRead           {doc_id, page, engine ("text_layer"|"tesseract"|"rapidocr"),
                    text, confidence, rotation, width, height,
                    lines: [{text, confidence, box}]}
DocumentClassified {doc_id, kind: one of DOCUMENT_KINDS, confidence}
CertificateRecognised
                   {doc_id, record: "card1", certificate_kind: one of CERTIFICATE_KINDS,
                    fields: {cert_no, name, sex, id_number, category, item, first_issued,
                             valid_from, valid_until, review_due, reviews (value: list of
                             dates), issuer: field}}
SelfCheckReportRecognised
                   {doc_id, record: "report",
                    fields: {unit_name, unit_kind ("training_institution"|"exam_site"|
                             "enterprise"), county, report_date, signed (bool),
                             sealed (bool), credit_code: field},
                    problems: [{seq, description, measure, deadline, owner,
                                rectified (bool), confidence, page}]}
RosterRecognised   {doc_id, record: "roster", employer, county,
                    rows: [{row, name, id_number, cert_no, job}]}
FieldNeedsReview   {doc_id, record, field, value, confidence, page, box, reason}
                   A reader that raised: record "document", field "extraction", value the
                   kind, reason "extraction_failed", plus {error (the exception type and
                   where), reason_zh, reason_en} for the clerk; a FieldCorrected of that
                   field clears it.
FieldCorrected     {doc_id, record, field, old, new, by, reason}
DocumentProcessed  {doc_id, kind, pages, needs_review: int}   (the document is finished)
FileRefused        {filename, relative_path, county, drop, reason_code, reason_zh,
                    reason_en, detail}
                   A file whose bytes could not even be taken (a link out of the intake
                   folder, unreadable, too large, not a regular file): no document, so it
                   lives in the stream ``intake-refused``, one event per drop.
"""
from __future__ import annotations

DOCUMENT_RECEIVED = "DocumentReceived"
DUPLICATE_RECEIVED = "DuplicateReceived"
DOCUMENT_REJECTED = "DocumentRejected"
PROCESSING_FAILED = "ProcessingFailed"
PAGE_READ = "PageRead"
DOCUMENT_CLASSIFIED = "DocumentClassified"
CERTIFICATE_RECOGNISED = "CertificateRecognised"
SELF_CHECK_REPORT_RECOGNISED = "SelfCheckReportRecognised"
ROSTER_RECOGNISED = "RosterRecognised"
FIELD_NEEDS_REVIEW = "FieldNeedsReview"
FIELD_CORRECTED = "FieldCorrected"
DOCUMENT_PROCESSED = "DocumentProcessed"
FILE_REFUSED = "FileRefused"
REFUSED_FILES_STREAM = "intake-refused"

# Each kind but "unknown" is registered with its telltales, reader and event in
# `ingest.extract.kinds` (domain imports nothing of ours; a test keeps the two in step).
DOCUMENT_KINDS = ("certificate", "self_check_report", "roster", "unknown")
CERTIFICATE_KINDS = ("special_operation", "construction", "special_equipment")
CERTIFICATE_FIELDS = (
    "cert_no", "name", "sex", "id_number", "category", "item", "first_issued",
    "valid_from", "valid_until", "review_due", "reviews", "issuer",
)
REPORT_FIELDS = ("unit_name", "unit_kind", "county", "report_date", "signed", "sealed", "credit_code")
ENTITY_KINDS = ("training_institution", "exam_site", "enterprise")


def document_stream(doc_id: str) -> str:
    return f"doc-{doc_id}"
