"""The registry of document kinds agrees with the vocabulary and with the projections that
store each kind's events (projections do not import ingest, so they register by event)."""
from __future__ import annotations

from domain import vocabulary as v
from ingest.extract.classify import TELLTALES
from ingest.extract.kinds import KINDS, UNKNOWN
from projections.handlers import HANDLERS


def test_every_registered_kind_is_in_the_vocabulary_and_stored_by_its_projection():
    assert set(KINDS) | {UNKNOWN} == set(v.DOCUMENT_KINDS)
    for name, kind in KINDS.items():
        assert kind.name == name
        events, _ = HANDLERS[kind.projection]
        assert kind.event in events, (name, kind.projection)


def test_classification_reads_the_telltales_each_kind_declares():
    assert TELLTALES == {"certificate": KINDS["certificate"].telltales,
                         "self_check_report": KINDS["self_check_report"].telltales}
    assert KINDS["roster"].read is None  # a spreadsheet: read from bytes, never classified from pages
