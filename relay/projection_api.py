"""The one place the relay meets the projections package: the export records by key.

Records are computed exactly as `zhili export` computes them (projections brought up to
date by the embedded runner first, flags for today in Asia/Shanghai); the public ones as
`zhili export --public` masks them.
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


def public_and_full_records(store: EventStore) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """(certificates, entities, masked certificates, masked entities) from one snapshot."""
    from projections import public, source, views

    with source(store) as src:
        facts = views.load(src.engine)
    day = views.as_of_date(None)
    certificates = views.certificates(facts, day)
    entities = views.entities(facts, day, certs=certificates)
    who = public.known(facts)
    return certificates, entities, public.records(certificates, facts, who), public.records(entities, facts, who)
