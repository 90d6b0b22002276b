"""Exactly-once across SIGKILL, replay's swap, as-of builds, and determinism on a long history."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

import projections
from events import open_store
from projections import views
from projections.export import to_json
from tests.projections import history as h

DAY = date(2024, 7, 1)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from events import open_store
    import projections
    from projections import handlers
    mode = sys.argv[2]
    store = open_store(sys.argv[1])
    if mode == "inside":
        # Die after the documents rows of the second batch are written, before its commit.
        original = handlers.HANDLERS["documents"]
        calls = []
        def dying(conn, tables, events):
            original[1](conn, tables, events)
            calls.append(1)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        handlers.HANDLERS["documents"] = (original[0], dying)
        projections.engine.HANDLERS["documents"] = handlers.HANDLERS["documents"]
        projections.catch_up(store, batch_size=1500)
    else:
        batches = []
        def progress(position):
            batches.append(position)
            if len(batches) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        events = store.read_all(types=projections.engine.handled_types(projections.PROJECTIONS))
        projections.apply(store.engine, events, batch_size=1500, progress=progress)
""")


def _fill(store, n_events: int, seed: int = 3) -> int:
    count = 0
    for stream, events in h.generate(n_events, seed=seed):
        store.append(stream, events)
        count += len(events)
    return count


def _exports(engine) -> dict[str, str]:
    facts = views.load(engine)
    certs = views.certificates(facts, DAY)
    return {
        "certificates": to_json(certs),
        "entities": to_json(views.entities(facts, DAY, detail=True, certs=certs)),
        "review": to_json(views.review_queue(facts)),
        "summary": to_json(views.summary(facts, DAY)),
        "documents": to_json(sorted(([d["doc_id"], d["duplicates"], d["state"], d["kind"]] for d in facts.documents.values()))),
    }


@pytest.mark.parametrize("mode", ["between", "inside"])
def test_sigkill_then_catch_up_applies_every_event_exactly_once(db_url, tmp_path, mode):
    store = open_store(db_url)
    _fill(store, 6000)
    script = tmp_path / "killer.py"
    script.write_text(KILLER.format(root=ROOT))
    done = subprocess.run([sys.executable, str(script), db_url, mode], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    marks = projections.checkpoints(store.engine)
    head = store.head()[0]
    assert 0 < marks["documents"] < head  # it died part-way
    projections.catch_up(store)
    incremental = _exports(store.engine)
    with projections.as_of_engine(store, datetime.now(timezone.utc) + timedelta(days=1)) as (fresh, _):
        assert _exports(fresh) == incremental
    # Duplicate counters would show a batch applied twice; nothing missing either.
    duplicates = sum(1 for _, events in h.generate(6000, seed=3) for e in events if e.type == "DuplicateReceived")
    assert sum(row[1] for row in json.loads(incremental["documents"])) == duplicates
    store.engine.dispose()


def test_replay_swaps_at_the_end_and_readers_keep_old_tables(store):
    for i in range(30):
        h.add_certificate_document(store, f"old{i}", cert_no="T" + h.person_id(i + 1), id_number=h.person_id(i + 1))
    projections.catch_up(store)
    for i in range(30, 40):  # recorded but not yet applied to the live tables
        h.add_certificate_document(store, f"new{i}", cert_no="T" + h.person_id(i + 1), id_number=h.person_id(i + 1))
    seen = []

    def reader(_position):
        seen.append(len(views.certificates(views.load(store.engine), DAY)))

    projections.replay(store, progress=reader, batch_size=20)
    assert len(seen) > 2 and set(seen) == {30}
    assert len(views.certificates(views.load(store.engine), DAY)) == 40
    with store.engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert not [n for n in names if n.endswith("__new")]
    projections.replay(store, only="certificates")  # a second generation swaps in too
    assert len(views.certificates(views.load(store.engine), DAY)) == 40
    assert projections.checkpoints(store.engine)["certificates"] == store.head()[0] - 1  # last CertificateRecognised


def test_replay_only_unknown_name_is_an_error(store):
    with pytest.raises(projections.ProjectionError):
        projections.replay(store, only="nonsense")


def test_as_of_replay_gives_the_past_and_leaves_live_tables_untouched(db_url):
    now = [datetime(2024, 6, 1, 2, 0, tzinfo=timezone.utc)]
    store = open_store(db_url, clock=lambda: now[0])
    first = h.add_certificate_document(store, "june")
    now[0] = datetime(2024, 8, 1, 2, 0, tzinfo=timezone.utc)
    h.add(store, first, h.corrected(first, "name", "张三", "张叁"))
    h.add_certificate_document(store, "august", cert_no="T" + h.person_id(7), id_number=h.person_id(7))
    projections.catch_up(store)
    before = _exports(store.engine)
    marks = projections.checkpoints(store.engine)
    with projections.source(store, datetime(2024, 7, 1, tzinfo=timezone.utc)) as src:
        assert src.engine is not store.engine
        past = views.certificates(views.load(src.engine), DAY)
    assert [c["name"] for c in past] == ["张三"]
    assert _exports(store.engine) == before and projections.checkpoints(store.engine) == marks
    assert sorted(c["name"] for c in views.certificates(views.load(store.engine), DAY)) == ["张三", "张叁"]
    assert projections.replay(store, known_at=datetime(2024, 7, 1, tzinfo=timezone.utc)) == 3
    assert projections.checkpoints(store.engine) == marks
    store.engine.dispose()


def test_full_replay_is_byte_identical_to_incremental(db_url):
    store = open_store(db_url)
    appended = 0
    for i, (stream, events) in enumerate(h.generate(10_500, seed=11)):
        store.append(stream, events)
        appended += len(events)
        if i % 97 == 0:
            projections.catch_up(store, batch_size=333)  # many small, uneven batches
    projections.catch_up(store, batch_size=333)
    assert appended >= 10_000
    incremental = _exports(store.engine)
    projections.replay(store)
    assert _exports(store.engine) == incremental
    assert json.loads(incremental["certificates"]) and json.loads(incremental["review"])
    store.engine.dispose()


def test_apply_from_another_source_with_its_own_checkpoint(store):
    h.add_certificate_document(store, "k1")
    events = list(store.read_all())
    assert projections.apply(store.engine, events, checkpoint_key="kafka:zhili.events:0") == len(events)
    assert projections.apply(store.engine, events, checkpoint_key="kafka:zhili.events:0") == 0  # redelivery
    marks = projections.checkpoints(store.engine)
    assert marks["certificates@kafka:zhili.events:0"] == events[-1].position
    assert len(views.certificates(views.load(store.engine), DAY)) == 1


def test_follow_applies_events_recorded_while_following(store):
    h.add_certificate_document(store, "f1")
    rounds = []

    def stop():
        rounds.append(1)
        if len(rounds) == 1:  # a clerk drops another card while the follower runs
            h.add_certificate_document(store, "f2", cert_no="T" + h.person_id(9), id_number=h.person_id(9))
        return len(rounds) == 2

    assert projections.follow(store, stop=stop, interval=0.01) == 6
    assert len(views.certificates(views.load(store.engine), DAY)) == 2
