"""The event store's contract: one abstract suite that every backend inherits (as
eventsourcing's tests/persistence.py). `EventStoreTestCase` holds the tests; a backend's
test module subclasses it, names its database in the `db_url` fixture and adds the tests
that only concern that backend: test_sqlite.py (`TestSQLite`), test_postgres.py
(`TestPostgres`). A new backend is one more such subclass, which must pass all of this.
"""
from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import time
import uuid
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import ConcurrencyError, NewEvent, StoreError, open_store
from events.chain import GENESIS_HASH, chain_hash, hash_header
from events.payload import digest, text_digest
from events.schema import CURRENT_VERSION, MIGRATIONS
from events.store import ERASURES_STREAM, PAYLOADS_ERASED
from events.verify import verify_chain
from tests.events import workers
from tests.events.helpers import assert_one_line_failure, audit, dump_csv, forge, rechain, sql, zhili

mp = multiprocessing.get_context("fork")

TAMPERING = {
    "changed data": (lambda s: sql(s, "UPDATE zhili_events SET data = '{\"n\":99}' WHERE position = 4"), 4, "data was changed"),
    "changed metadata": (lambda s: sql(s, "UPDATE zhili_events SET metadata = '{}' WHERE position = 6"), 6, "metadata"),
    "changed header": (lambda s: sql(s, "UPDATE zhili_events SET type = 'Forged' WHERE position = 7"), 7, "hash does not match"),
    "deleted row": (lambda s: sql(s, "DELETE FROM zhili_events WHERE position = 5"), 5, "deleted"),
    "swapped rows": (lambda s: [sql(s, "UPDATE zhili_events SET position = -1 WHERE position = 3"),
                                sql(s, "UPDATE zhili_events SET position = 3 WHERE position = 6"),
                                sql(s, "UPDATE zhili_events SET position = 6 WHERE position = -1")], 3, "prev_hash"),
    "rehashed row": (lambda s: forge(s, 4, {"n": 99}), 5, "prev_hash"),
    "row moved below the log": (lambda s: sql(s, "UPDATE zhili_events SET position = -3 WHERE position = 8"), -3, "moved"),
    "fake erasure": (lambda s: sql(s, "UPDATE zhili_events SET erased = TRUE, data = '{\"n\":99}' WHERE position = 2"), 2, "erasure marker"),
}


class EventStoreTestCase:
    """Every test here runs on every backend (the name keeps pytest from collecting the
    abstract class itself). Fixtures: `db_url` (the subclass's), and from conftest.py
    `store`, `clocked`, `log` and `run`, all on that database."""

    @pytest.fixture
    def db_url(self):
        raise NotImplementedError("a backend's subclass names its database")

    # -- appending ----------------------------------------------------------------------------

    def test_append_returns_gap_free_positions_and_stream_versions(self, store):
        assert store.append("a", [NewEvent("A", {"n": 1}), NewEvent("A", {"n": 2})], expected_version=0) == [1, 2]
        assert store.append("b", [NewEvent("B", {"n": 3})], expected_version=0) == [3]
        assert store.append("a", [NewEvent("A", {"n": 4})], expected_version=2) == [4]
        assert store.append("a", [NewEvent("A", {"n": 5})]) == [5]  # None: any version
        assert [(e.stream_id, e.stream_version) for e in store.read_all()] == [
            ("a", 1), ("a", 2), ("b", 1), ("a", 3), ("a", 4)]
        assert store.stream_version("a") == 4 and store.stream_version("nope") == 0
        events = store.read_all()
        prev = GENESIS_HASH
        for event in events:
            assert event.prev_hash == prev
            prev = event.hash
        assert store.head() == (5, prev)

    def test_event_round_trips_every_field(self, store):
        event = NewEvent("CertificateRecognised", {"姓名": "张三", "n": 1.5, "ok": True, "none": None},
                         {"actor": "clerk", "correlation_id": "c1", "causation_id": "x", "source": {"doc_id": "d", "page": 2}},
                         schema_version=3)
        store.append("doc-1", [event], expected_version=0)
        [got] = store.read_stream("doc-1")
        assert (got.event_id, got.type, got.data, got.metadata, got.schema_version) == (
            event.event_id, event.type, event.data, event.metadata, 3)
        assert got.recorded_at.tzinfo is not None and got.recorded_at.utcoffset() == timedelta(0)
        assert got.to_json()["recorded_at"].endswith("+00:00") and "erased" not in got.to_json()

    def test_stale_expected_version_raises_and_writes_nothing(self, store):
        store.append("s", [NewEvent("A", {"n": 1})], expected_version=0)
        head = store.head()
        with pytest.raises(ConcurrencyError):
            store.append("s", [NewEvent("A", {"n": 2}), NewEvent("A", {"n": 3})], expected_version=0)
        with pytest.raises(ConcurrencyError):
            store.append("new", [NewEvent("A", {})], expected_version=1)
        assert store.head() == head
        assert [e.data for e in store.read_all()] == [{"n": 1}]

    def test_reappending_stored_events_is_a_no_op_returning_their_positions(self, store):
        batch = [NewEvent("A", {"n": 1}), NewEvent("A", {"n": 2})]
        first = store.append("s", batch, expected_version=0)
        store.append("other", [NewEvent("B", {})], expected_version=0)
        # A retry after a lost reply: the stream has moved on by this very batch.
        assert store.append("s", batch, expected_version=0) == first
        assert store.append("s", batch) == first
        assert store.head()[0] == 3 and store.stream_version("s") == 2
        with pytest.raises(StoreError, match="partly stored"):
            store.append("s", [batch[0], NewEvent("A", {"n": 3})], expected_version=2)
        assert store.head()[0] == 3

    def test_reappending_one_stored_event_at_any_version_returns_its_position(self, store):
        # One event goes in by a single INSERT (pipelined on PostgreSQL), not a batch's path:
        # its duplicate id must still be recognised as a retry.
        event = NewEvent("A", {"n": 1})
        assert store.append("s", [event]) == [1]
        store.append("t", [NewEvent("B", {})])
        assert store.append("s", [event]) == [1]
        assert store.append("s", [event], expected_version=1) == [1]
        assert store.head()[0] == 2 and store.stream_version("s") == 1

    def test_a_payload_or_metadata_that_is_not_json_fails_where_the_event_is_made(self, store):
        for make in (lambda: NewEvent("A", {"v": float("nan")}), lambda: NewEvent("A", {}, {"at": uuid.UUID(int=7)})):
            with pytest.raises((TypeError, ValueError)):
                store.append("s", [NewEvent("A", {"n": 1}), make()])
        assert store.head() == (0, GENESIS_HASH)

    def test_an_event_is_a_snapshot_of_its_payloads(self, store):
        data, metadata = {"n": 1, "lines": ["a"]}, {"actor": "clerk"}
        event = NewEvent("A", data, metadata)
        data["n"], metadata["actor"] = 2, "someone else"
        data["lines"].append("b")
        assert event.data == {"n": 1, "lines": ["a"]} and event.metadata == {"actor": "clerk"}
        store.append("s", [event])
        [stored] = store.read_all()
        assert (stored.data, stored.metadata) == ({"n": 1, "lines": ["a"]}, {"actor": "clerk"})
        with pytest.raises(AttributeError):
            event.type = "B"

    def test_payloads_orjson_cannot_write_are_stored_by_the_stdlib_and_verify(self, store):
        # Beyond 64 bits, null, keys that are not strings (the stdlib writes them as strings),
        # tuples, and a float whose text differs between the two encoders ("1e-07" vs "1e-7").
        data = {"big": 2**70, "neg": -2**64, "u64": 2**64 - 1, "none": None, "keys": {1: "a"}, "pair": (1, 2), "small": 1e-7}
        store.append("s", [NewEvent("A", data, {"n": 2**65}), NewEvent("A", {"small": 1e-7}, {})])
        first, second = store.read_all()
        assert first.data == {**data, "keys": {"1": "a"}, "pair": [1, 2]} and first.metadata == {"n": 2**65}
        assert second.data == {"small": 1e-7}
        assert verify_chain(store).ok

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(payload=st.recursive(
        st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(alphabet=st.characters(blacklist_categories=["Cs"])),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=8,
    ))
    def test_any_json_payload_round_trips_and_verifies(self, store, payload):
        [position] = store.append("h", [NewEvent("H", {"v": payload}, {"actor": "hypothesis"})])
        [event] = store.read_all(since=position - 1)
        assert event.data == {"v": payload}
        assert verify_chain(store).ok

    # -- reading ------------------------------------------------------------------------------

    def test_read_all_filters_in_sql_and_batches(self, clocked):
        for n in range(25):
            clocked.append(f"s{n % 3}", [NewEvent("Even" if n % 2 == 0 else "Odd", {"n": n})])
        every = list(clocked.read_all())
        assert [e.position for e in every] == list(range(1, 26))
        assert [e.data["n"] for e in clocked.read_all(batch_size=4)] == list(range(25))
        assert [e.data["n"] for e in clocked.read_all(since=20, batch_size=2)] == [20, 21, 22, 23, 24]
        assert [e.data["n"] for e in clocked.read_all(types=["Odd"], batch_size=3)] == list(range(1, 25, 2))
        assert [e.data["n"] for e in clocked.read_all(stream_id="s1", batch_size=2)] == list(range(1, 25, 3))
        assert [e.data["n"] for e in clocked.read_all(until_position=3)] == [0, 1, 2]
        cut = every[9].recorded_at
        assert [e.data["n"] for e in clocked.read_all(as_of=cut)] == list(range(10))
        # An instant in another offset means the same moment.
        assert len(list(clocked.read_all(as_of=cut.astimezone(timezone(timedelta(hours=8)))))) == 10
        assert [e.data["n"] for e in clocked.read_stream("s2")] == list(range(2, 25, 3))

    def test_a_read_includes_events_appended_while_it_runs(self, store):
        store.append("s", [NewEvent("A", {"n": n}) for n in range(3)])
        seen = []
        for event in store.read_all(batch_size=2):
            seen.append(event.data["n"])
            if event.data["n"] < 5:
                store.append("s", [NewEvent("A", {"n": event.data["n"] + 3})])
        assert seen == [0, 1, 2, 3, 4, 5, 6, 7]

    def test_reads_come_in_log_order_whatever_order_the_database_returns(self, store, monkeypatch):
        # An unordered range read comes back in the table's physical order, which an UPDATE
        # (erasure) changes on PostgreSQL; here the database is made to answer backwards.
        from events.statements import DriverStatement

        store.append("a", [NewEvent("A", {"n": n}) for n in range(40)])
        fetch_all = DriverStatement.fetch_all
        monkeypatch.setattr(DriverStatement, "fetch_all", lambda self, conn, values: fetch_all(self, conn, values)[::-1])
        assert [e.position for e in store.read_all(batch_size=15)] == list(range(1, 41))
        assert [e.position for e in store.read_all(since=5, until_position=35, batch_size=7)] == list(range(6, 36))

    def test_upcaster_turns_an_old_event_shape_into_the_new_one_on_read(self, store):
        # v1 stored one "name" string; v2 splits it into surname and given name.
        store.append("p", [NewEvent("PersonNamed", {"name": "张三丰"}, schema_version=1),
                           NewEvent("PersonNamed", {"surname": "李", "given": "四"}, schema_version=2)])
        store.register_upcaster("PersonNamed", 1, lambda d: {"surname": d["name"][0], "given": d["name"][1:]})
        old, new = store.read_stream("p")
        assert (old.schema_version, old.data) == (2, {"surname": "张", "given": "三丰"})
        assert (new.schema_version, new.data) == (2, {"surname": "李", "given": "四"})
        assert [e.data for e in store.read_all()] == [old.data, new.data]
        assert verify_chain(store).ok  # reading never rewrites what is stored

    # -- erasing ------------------------------------------------------------------------------

    def test_erasure_replaces_payload_keeps_chain_verifiable(self, store):
        store.append("doc-a", [NewEvent("CertificateRecognised", {"id_number": "370902199001010011"}, {"actor": "ocr"})])
        store.append("doc-b", [NewEvent("CertificateRecognised", {"id_number": "370902199001010022"})])
        target = store.read_stream("doc-b")[0]
        head = store.head()
        assert store.erase(stream_id="doc-a", reason="PIPL request 2026-17") == [1]
        assert store.erase([target.event_id], reason="PIPL request 2026-18") == [2]
        assert store.erase([target.event_id], reason="again") == []  # already erased
        erased = store.read_stream("doc-a") + store.read_stream("doc-b")
        assert all(e.erased for e in erased)
        assert erased[0].data["_erased"]["reason"] == "PIPL request 2026-17"
        assert "370902" not in str([e.to_json() for e in store.read_all()])
        assert erased[1].to_json()["erased"] is True
        # Each erasure is recorded by an event after it, without the data it erased.
        records = store.read_stream(ERASURES_STREAM)
        assert [(e.type, e.data) for e in records] == [
            (PAYLOADS_ERASED, {"positions": [1], "reason": "PIPL request 2026-17"}),
            (PAYLOADS_ERASED, {"positions": [2], "reason": "PIPL request 2026-18"})]
        assert [e.position for e in records] == [3, 4] and not any(e.erased for e in records)
        report = verify_chain(store, expect=head)  # the history up to the old head was not rewritten
        assert report.ok and report.head == "{}:{}".format(*store.head())
        with pytest.raises(StoreError):
            store.erase(stream_id="doc-a", reason=" ")
        with pytest.raises(StoreError, match="cannot be erased"):
            store.erase(stream_id=ERASURES_STREAM, reason="PIPL")
        assert store.erase([records[0].event_id], reason="PIPL") == []  # nor any event of it
        with pytest.raises(StoreError, match="written by erase"):
            store.append(ERASURES_STREAM, [NewEvent(PAYLOADS_ERASED, {"positions": [1, 2]})])

    # -- the schema and failures --------------------------------------------------------------

    def test_schema_is_versioned_and_a_v1_database_is_upgraded(self, db_url):
        engine = sa.create_engine(db_url)
        with engine.begin() as conn:
            MIGRATIONS[0](conn)  # a log made by the first release: no zhili_schema, no erased
            header = {"position": 1, "event_id": "e1", "stream_id": "s", "stream_version": 1, "type": "A",
                      "schema_version": 1, "data_digest": digest({"n": 1}), "metadata_digest": digest({}),
                      "recorded_at": "2026-03-01T00:00:00.000000+00:00"}
            conn.execute(sa.text(
                "INSERT INTO zhili_events (position, event_id, stream_id, stream_version, type, schema_version, data,"
                " metadata, data_digest, metadata_digest, recorded_at, prev_hash, hash) VALUES (1, 'e1', 's', 1, 'A', 1,"
                " :data, '{}', :dd, :md, :at, :prev, :hash)"),
                {"data": '{"n":1}', "dd": header["data_digest"], "md": header["metadata_digest"],
                 "at": header["recorded_at"], "prev": GENESIS_HASH, "hash": chain_hash(GENESIS_HASH, header)})
        store = open_store(db_url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version FROM zhili_schema").scalar_one() == CURRENT_VERSION == 3
            indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("zhili_events")}
            assert "ix_zhili_events_type_position" in indexes and "ix_zhili_events_recorded_at" not in indexes
        assert [e.data for e in store.read_all()] == [{"n": 1}] and verify_chain(store).ok
        assert store.append("s", [NewEvent("A", {"n": 2})], expected_version=1) == [2]
        store.engine.dispose()
        open_store(db_url).engine.dispose()  # opening an up-to-date store changes nothing
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE zhili_schema SET version = 99")
        with pytest.raises(StoreError, match="schema version 99 is newer"):
            open_store(db_url)
        engine.dispose()

    def test_database_failure_while_open_is_a_one_line_store_error(self, store, db_url):
        store.append("s", [NewEvent("A", {})])
        engine = sa.create_engine(db_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE zhili_events")
        engine.dispose()
        for attempt in (lambda: store.append("s", [NewEvent("A", {})]), store.head, lambda: list(store.read_all())):
            with pytest.raises(StoreError) as failure:
                attempt()
            assert "\n" not in str(failure.value) and "zhili_events" in str(failure.value)

    def test_newer_schema_fails_in_one_line(self, db_url, run):
        open_store(db_url).engine.dispose()
        engine = sa.create_engine(db_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE zhili_schema SET version = 7")
        engine.dispose()
        result = run(db_url, "verify")
        assert_one_line_failure(result)
        assert "schema version 7 is newer" in result.stderr

    # -- many processes on one log ------------------------------------------------------------

    def test_two_writers_same_expected_version_exactly_one_wins_every_round(self, store, db_url):
        rounds = 30
        barrier, results = mp.Barrier(2), mp.Queue()
        procs = [mp.Process(target=workers.contend, args=(db_url, "race", rounds, barrier, results, name)) for name in "ab"]
        for p in procs:
            p.start()
        outcomes = [results.get(timeout=60) for _ in range(2 * rounds)]
        for p in procs:
            p.join(30)
            assert p.exitcode == 0
        for round_ in range(rounds):
            this_round = sorted(outcome for r, _, outcome in outcomes if r == round_)
            assert this_round == ["lost", "won"], f"round {round_}: {this_round}"
        stream = store.read_stream("race")
        assert [e.stream_version for e in stream] == list(range(1, rounds + 1))
        assert [e.data["round"] for e in stream] == list(range(rounds))

    def test_concurrent_writers_leave_no_gap_a_polling_reader_could_skip(self, store, db_url):
        writers, batches, batch_size = 4, 40, 3
        total = writers * batches * batch_size
        # Writers pause a millisecond between batches, so the reader keeps catching up with a
        # log they are still writing; unpaced, they could finish inside one read_all, which
        # follows the head as it moves.
        procs = [mp.Process(target=workers.write_stream, args=(db_url, f"w{n}", batches, batch_size, 0.001))
                 for n in range(writers)]
        for p in procs:
            p.start()
        seen, last, caught_up_mid_write, deadline = [], 0, 0, time.monotonic() + 90
        while len(seen) < total and time.monotonic() < deadline:
            for event in store.read_all(since=last, batch_size=7):
                # Had a later position become visible before an earlier one, the reader would
                # have moved past the earlier one here and never see it.
                assert event.position == last + 1, f"saw {event.position} right after {last}"
                last = event.position
                seen.append(event)
            caught_up_mid_write += 0 < len(seen) < total
        for p in procs:
            p.join(30)
            assert p.exitcode == 0
        assert [e.position for e in seen] == list(range(1, total + 1))
        assert caught_up_mid_write > writers, "the reader never overlapped the writers"
        for n in range(writers):
            assert [e.stream_version for e in store.read_stream(f"w{n}")] == list(range(1, batches * batch_size + 1))
        assert verify_chain(store).ok

    def test_batch_killed_inside_its_transaction_writes_nothing(self, store, db_url):
        store.append("before", [NewEvent("A", {"n": n}) for n in range(3)], expected_version=0)
        head_before = store.head()
        inside = mp.Event()
        child = mp.Process(target=workers.append_and_hang, args=(db_url, "big", 2000, inside))
        child.start()
        assert inside.wait(60), "the child never wrote its batch"
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
        assert child.exitcode == -signal.SIGKILL

        reopened = open_store(db_url)
        try:
            assert reopened.head() == head_before
            assert reopened.read_stream("big") == []
            assert reopened.stream_version("big") == 0
            # The dead writer's lock is gone and its rows never existed: the log goes on.
            assert reopened.append("big", [NewEvent("Big", {"i": 0})], expected_version=0) == [head_before[0] + 1]
            assert verify_chain(reopened).ok
        finally:
            reopened.engine.dispose()

    # -- `zhili verify` and `zhili events` ----------------------------------------------------

    def test_verify_ok_prints_count_and_head(self, log, db_url):
        result = zhili(db_url, "verify")
        position, hash_ = log.head()
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"ok: 10 events, head {position}:{hash_}\n"
        assert zhili(db_url, "verify", "--head").stdout == f"{position}:{hash_}\n"
        assert zhili(db_url, "verify", "--expect", f"4:{log.read_stream('doc-0')[1].hash}").returncode == 0

    @pytest.mark.parametrize("case", sorted(TAMPERING))
    def test_verify_names_the_first_tampered_position(self, log, db_url, case, run):
        tamper, bad_position, reason = TAMPERING[case]
        tamper(log)
        result = run(db_url, "verify")
        assert_one_line_failure(result)
        assert f"position {bad_position} is bad" in result.stderr and reason in result.stderr, result.stderr

    def test_expect_catches_a_full_rewrite_that_verifies_on_its_own(self, log, db_url):
        kept = zhili(db_url, "verify", "--head").stdout.strip()
        forge(log, 3, {"n": 99})
        rechain(log, 4)
        assert zhili(db_url, "verify").returncode == 0  # internally consistent again
        result = zhili(db_url, "verify", "--expect", kept)
        assert_one_line_failure(result)
        assert "position 10 is bad" in result.stderr and "rewritten" in result.stderr

    def test_expect_catches_a_truncated_log(self, log, db_url, run):
        kept = run(db_url, "verify", "--head").stdout.strip()
        sql(log, "DELETE FROM zhili_events WHERE position >= 9")
        result = run(db_url, "verify", "--expect", kept)
        assert_one_line_failure(result)
        assert "position 10 is bad" in result.stderr and "gone" in result.stderr

    def test_erased_rows_still_verify(self, log, db_url, run):
        log.erase(stream_id="doc-1", reason="PIPL")
        result = run(db_url, "verify")
        assert result.returncode == 0 and result.stdout.startswith("ok: 11 events"), result.stderr  # and the record

    def test_an_erasure_made_behind_zhilis_back_is_caught(self, log, db_url, run):
        """Rows 2 and 5 (doc-1) get well-formed erasure markers straight in SQL: the chain
        covers digests, not payloads, so only the missing PayloadsErased record gives it away."""
        marker = json.dumps({"_erased": {"reason": "PIPL", "erased_at": "2026-11-30T00:00:00.000000+00:00"}})
        sql(log, f"UPDATE zhili_events SET data = '{marker}', metadata = '{marker}', erased = TRUE"
                 " WHERE stream_id = 'doc-1'")
        result = run(db_url, "verify")
        assert_one_line_failure(result)
        assert "position 2 is bad" in result.stderr and "no PayloadsErased event" in result.stderr
        assert "the 1 events before it are intact" in result.stderr

    @pytest.mark.parametrize("forged", [[1], {"positions": "5"}, {"reason": "PIPL"}], ids=repr)
    def test_an_erasure_record_forged_into_another_shape_records_nothing(self, log, db_url, run, forged):
        [erased] = log.erase([log.read_stream("doc-1")[0].event_id], reason="PIPL")
        record = log.head()[0]
        forge(log, record, forged)  # and its digest and hash: the chain alone holds
        result = run(db_url, "verify")
        assert_one_line_failure(result)
        assert f"position {erased} is bad" in result.stderr and "no PayloadsErased event" in result.stderr

    def test_events_prints_json_lines_in_log_order_with_filters(self, db_url, run):
        store = open_store(db_url)
        store.append("doc-a", [NewEvent("DocumentReceived", {"doc_id": "a"}), NewEvent("PageRead", {"page": 1})])
        store.append("doc-b", [NewEvent("DocumentReceived", {"doc_id": "b"})])
        store.append("doc-a", [NewEvent("DocumentProcessed", {"doc_id": "a"})])
        store.engine.dispose()

        def lines(*args):
            result = run(db_url, "events", *args)
            assert result.returncode == 0, result.stderr
            return [json.loads(line) for line in result.stdout.splitlines()]

        every = lines()
        assert [e["position"] for e in every] == [1, 2, 3, 4]
        assert set(every[0]) == {"position", "event_id", "stream_id", "stream_version", "type", "schema_version",
                                 "data", "metadata", "recorded_at", "prev_hash", "hash"}
        assert [e["position"] for e in lines("--stream", "doc-a")] == [1, 2, 4]
        assert [e["position"] for e in lines("--type", "DocumentReceived")] == [1, 3]
        assert [e["position"] for e in lines("--type", "PageRead", "--type", "DocumentProcessed")] == [2, 4]
        assert [e["position"] for e in lines("--since", "2")] == [3, 4]
        assert lines("--known-at", "2020-01-01") == []
        assert len(lines("--known-at", "2999-12-31")) == 4
        assert lines("--known-at", every[1]["recorded_at"]) == every[:2]  # one batch: one instant
        bad = run(db_url, "events", "--known-at", "yesterday")
        assert bad.returncode == 2 and "Traceback" not in bad.stderr

    # -- the auditor's script (events/audit.py) on a dump made by the database's own tools ----

    def test_auditor_script_agrees_with_verify_and_catches_a_change(self, store, db_url, tmp_path):
        for n in range(12):
            store.append(f"doc-{n % 4}", [NewEvent("CertificateRecognised", {"name": "张三", "n": n, "note": 'a "quoted", line\nbreak',
                                                                            "ratio": 1e-7, "gone": None},
                                                   {"actor": "clerk 李四"})])
        store.erase(stream_id="doc-2", reason="PIPL request")
        dump = tmp_path / "log.csv"
        dump_csv(db_url, dump)
        result = audit(dump)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"ok: 13 events, head {verify_chain(store).head}"  # 12 and the erasure's record

        lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[5] = lines[5].replace('"n"":4', '"n"":40')  # row 5 (doc-0's second event)
        assert '"n"":40' in lines[5]
        dump.write_text("".join(lines), encoding="utf-8")
        result = audit(dump)
        assert result.returncode == 1 and "BAD: position 5: data was changed" in result.stderr

    def test_auditor_script_catches_an_erasure_no_event_records(self, store, db_url, tmp_path):
        for n in range(3):
            store.append(f"doc-{n}", [NewEvent("CertificateRecognised", {"name": "张三", "n": n})])
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE zhili_events SET data = '{\"_erased\":{}}', metadata = '{\"_erased\":{}}',"
                                 " erased = TRUE WHERE position = 2")
        dump = tmp_path / "log.csv"
        dump_csv(db_url, dump)
        result = audit(dump)
        assert result.returncode == 1 and "BAD: position 2: erased, but no PayloadsErased event" in result.stderr
        assert verify_chain(store).bad_position == 2

    @pytest.mark.parametrize("forged", ["[1]", '{"positions":5}', '{"reason":"PIPL"}'])
    def test_auditor_script_reads_an_erasure_record_of_another_shape_as_recording_nothing(self, store, db_url, tmp_path, forged):
        store.append("doc-a", [NewEvent("CertificateRecognised", {"name": "张三"})])
        store.erase(stream_id="doc-a", reason="PIPL")
        dump = tmp_path / "log.csv"
        dump_csv(db_url, dump)
        # The record (row 2) forged into another shape, its digest and hash recomputed to match.
        rows = list(csv.DictReader(open(dump, encoding="utf-8", newline="")))
        rows[1]["data"] = forged
        rows[1]["data_digest"] = text_digest(forged)
        header = {**rows[1], **{k: int(rows[1][k]) for k in ("position", "stream_version", "schema_version")}}
        rows[1]["hash"] = chain_hash(rows[0]["hash"], hash_header(header))
        with open(dump, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        result = audit(dump)
        assert result.returncode == 1 and "BAD: position 1: erased, but no PayloadsErased event" in result.stderr

