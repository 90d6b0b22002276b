"""The one place the relay meets the projections package: apply events, export records.

Kept as a thin seam so the Kafka side follows the projections' API as it evolves; the
Kafka projector and the embedded runner share one implementation behind it.
"""
from __future__ import annotations

from typing import Any

from events import EventStore


def export_certificates(store: EventStore) -> list[dict[str, Any]]:
    import projections

    return list(projections.export_certificates(store))


def export_entities(store: EventStore) -> list[dict[str, Any]]:
    import projections

    return list(projections.export_entities(store))
