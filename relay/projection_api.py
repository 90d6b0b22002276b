"""The one place the relay meets the projections package: the export records by key.

Records are computed exactly as `zhili export` computes them (projections brought up to
date by the embedded runner first, flags for today in Asia/Shanghai).
"""
from __future__ import annotations

from typing import Any

from events import EventStore


def export_records(store: EventStore) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(certificate records, entity records) as `zhili export certificates|entities` prints them."""
    from projections import source, views

    with source(store) as src:
        facts = views.load(src.engine)
    day = views.as_of_date(None)
    certificates = views.certificates(facts, day)
    return certificates, views.entities(facts, day, certs=certificates)
