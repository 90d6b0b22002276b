"""The document kinds zhili understands, one module each, and their registration.

A kind declares everything the intake must know about it in one place:

    telltales   words that mark a page as this kind, with weights (`classify`); none for
                a kind that is not read from pages (a roster comes as a spreadsheet)
    read        pages → its records (None when not read from pages)
    event       the event type its records are recorded as (`domain.vocabulary`)
    event_data  one record → that event's data (without doc_id)
    projection  the projection that stores those events (`projections.handlers.HANDLERS`):
                projections do not import ingest, so the handler is registered there by
                event type, and a test checks that the two registrations agree

Adding a kind: one new module here with a `KIND = DocumentKind(...)`, its name in
`REGISTERED` below, and its event type in `domain.vocabulary`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ingest.extract.model import Record

UNKNOWN = "unknown"


@dataclass(frozen=True)
class DocumentKind:
    name: str
    telltales: tuple[tuple[str, float], ...]
    read: Callable[[list, str | None], list[Record]] | None
    event: str
    event_data: Callable[[Record], dict]
    projection: str


def _registered() -> dict[str, DocumentKind]:
    from ingest.extract.kinds import certificate, roster, self_check_report

    REGISTERED = (certificate.KIND, self_check_report.KIND, roster.KIND)  # one line per kind
    return {k.name: k for k in REGISTERED}


KINDS: dict[str, DocumentKind] = _registered()


def kind(name: str) -> DocumentKind | None:
    return KINDS.get(name)
