"""From OCR'd pages to understood documents: classified, with records whose every field
carries a confidence, a page and a box; and from those to events.

    understand(pages, filename, county) -> Understanding
    read_roster(data, filename, county) -> Understanding      (.xlsx / .csv)
    to_events(understanding, doc_id, pages, review_bar=0.9) -> list[NewEvent]

A value that cannot be trusted as read never passes silently: it carries a reason or a
low confidence and becomes a FieldNeedsReview event.
"""
from __future__ import annotations

from ingest.extract.classify import classify
from ingest.extract.layout import page_lines
from ingest.extract.model import Field, Record, Understanding
from ingest.extract.recording import to_events
from ingest.extract.roster import RosterUnreadable, read_roster

__all__ = ["Field", "Record", "Understanding", "understand", "read_roster", "to_events", "RosterUnreadable"]


def understand(pages: list, filename: str, county: str | None) -> Understanding:
    """Classify the pages and recognise what they carry."""
    from ingest.extract.certificate import card_regions, read_certificate
    from ingest.extract.report import read_report

    lines = [ln for page in pages for ln in page_lines(page)]
    kind, confidence = classify(lines)
    if kind == "certificate":
        records = []
        for page in pages:
            on_page = page_lines(page)
            found = getattr(page, "regions", None)  # cards the OCR found by segmentation
            regions = [[ln for ln in on_page if ln.index in set(r)] for r in found] if found else card_regions(on_page)
            for region in regions:
                record = read_certificate(region, f"card{len(records) + 1}")
                # A repeated title word (a printout's header and its data-source line) can
                # split a page; a part that names nobody is not a card.
                if len(regions) == 1 or _names_someone(record):
                    records.append(record)
        return Understanding(kind, confidence, _in_original_pixels(records, pages))
    if kind == "self_check_report":
        return Understanding(kind, confidence, _in_original_pixels([read_report(pages, county)], pages))
    return Understanding("unknown", confidence, [])


def _in_original_pixels(records: list[Record], pages: list) -> list[Record]:
    """Field boxes moved from the page as read (upright, straightened) to the original's
    pixels, where a clerk sees them drawn (issue 12)."""
    from dataclasses import replace

    by_number = {page.number: page for page in pages}
    for record in records:
        for name, f in record.fields.items():
            page = by_number.get(f.page)
            if f.box and page is not None and hasattr(page, "to_original"):
                record.fields[name] = replace(f, box=page.to_original(f.box))
    return records


def _names_someone(record: Record) -> bool:
    return any(record.fields[key].value for key in ("cert_no", "id_number", "name"))
