"""From OCR'd pages to understood documents: classified, with records whose every field
carries a confidence, a page and a box; and from those to events.

    understand(pages, filename, county) -> Understanding
    read_roster(data, filename, county) -> Understanding      (.xlsx / .csv)
    to_events(understanding, doc_id, pages, review_bar=0.9) -> list[NewEvent]

A value that cannot be trusted as read never passes silently: it carries a reason or a
low confidence and becomes a FieldNeedsReview event. A reader that raises does not lose
the document either: `understand` and `read_roster` hand back the classification with the
failure (`Understanding.failure`), and `to_events` sends the document to a clerk with the
reason `extraction_failed`. The kinds and their readers are registered in `kinds`.
"""
from __future__ import annotations

import os

from ingest.extract.classify import classify
from ingest.extract.failure import caught
from ingest.extract.kinds import KINDS, UNKNOWN
from ingest.extract.layout import page_lines
from ingest.extract.model import ExtractionFailure, Field, Record, Understanding
from ingest.extract.recording import to_events
from ingest.extract.roster import RosterUnreadable
from ingest.extract.roster import read_roster as _read_roster

__all__ = ["Field", "Record", "Understanding", "ExtractionFailure", "understand", "read_roster", "to_events",
           "RosterUnreadable"]


def understand(pages: list, filename: str, county: str | None) -> Understanding:
    """Classify the pages and recognise what they carry; a reader's exception becomes
    `failure` (MemoryError is left to the caller: it is the process's, not the reader's)."""
    try:
        lines = [ln for page in pages for ln in page_lines(page)]
        kind, confidence = classify(lines)
    except Exception as exc:
        return Understanding(UNKNOWN, 0.0, [], caught("classify", exc))
    reader = KINDS[kind].read if kind in KINDS else None
    if reader is None:
        return Understanding(UNKNOWN, confidence, [])
    try:
        _inject_fault(filename)
        return Understanding(kind, confidence, _in_original_pixels(reader(pages, county), pages))
    except Exception as exc:
        return Understanding(kind, confidence, [], caught(kind, exc))


def read_roster(data: bytes, filename: str, county: str | None) -> Understanding:
    """A roster spreadsheet; `RosterUnreadable` (a damaged file: the clerk's to fix) is
    raised, any other exception of the reader becomes `failure`."""
    try:
        _inject_fault(filename)
        return _read_roster(data, filename, county)
    except RosterUnreadable:
        raise
    except Exception as exc:
        return Understanding("roster", 0.0, [], caught("roster", exc))


def _inject_fault(filename: str) -> None:
    """Test hook, beside `ingest.workers`' crash/hang/oom faults: `ZHILI_FAULTS=extract:NAME`
    makes the reader of a file whose name contains NAME raise, as a reader's bug would."""
    for fault in filter(None, os.environ.get("ZHILI_FAULTS", "").split(",")):
        kind, _, needle = fault.partition(":")
        if kind == "extract" and needle and needle in filename:
            raise RuntimeError("injected extraction fault")


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
