"""花名册: a spreadsheet (.xlsx / .csv), read by `ingest.extract.roster.read_roster` from its
bytes, not from pages; so no telltales and no page reader."""
from __future__ import annotations

from domain import vocabulary as v
from ingest.extract.kinds import DocumentKind
from ingest.extract.model import Record


def event_data(rec: Record) -> dict:
    return {
        "record": rec.record,
        "employer": rec.fields["employer"].value if "employer" in rec.fields else None,
        "county": rec.fields["county"].value if "county" in rec.fields else None,
        "rows": rec.extra.get("rows", []),
    }


KIND = DocumentKind(
    name="roster",
    telltales=(),
    read=None,
    event=v.ROSTER_RECOGNISED,
    event_data=event_data,
    projection="entities",
)
