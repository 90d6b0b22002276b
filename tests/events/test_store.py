"""The event-store contract, run once on SQLite and once on PostgreSQL (`db_url`)."""
from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import ConcurrencyError, NewEvent, StoreError, open_store
from events.schema import CURRENT_VERSION, MIGRATIONS
from events.store import ERASURES_STREAM, GENESIS_HASH, PAYLOADS_ERASED, chain_hash, digest
from events.verify import verify_chain

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


class StepClock:
    """A clock that moves one minute per call, so recorded_at is predictable."""

    def __init__(self, start=T0):
        self.now = start

    def __call__(self):
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def clocked(db_url):
    s = open_store(db_url, clock=StepClock())
    yield s
    s.engine.dispose()


def test_append_returns_gap_free_positions_and_stream_versions(store):
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


def test_event_round_trips_every_field(store):
    event = NewEvent("CertificateRecognised", {"姓名": "张三", "n": 1.5, "ok": True, "none": None},
                     {"actor": "clerk", "correlation_id": "c1", "causation_id": "x", "source": {"doc_id": "d", "page": 2}},
                     schema_version=3)
    store.append("doc-1", [event], expected_version=0)
    [got] = store.read_stream("doc-1")
    assert (got.event_id, got.type, got.data, got.metadata, got.schema_version) == (
        event.event_id, event.type, event.data, event.metadata, 3)
    assert got.recorded_at.tzinfo is not None and got.recorded_at.utcoffset() == timedelta(0)
    assert got.to_json()["recorded_at"].endswith("+00:00") and "erased" not in got.to_json()


def test_stale_expected_version_raises_and_writes_nothing(store):
    store.append("s", [NewEvent("A", {"n": 1})], expected_version=0)
    head = store.head()
    with pytest.raises(ConcurrencyError):
        store.append("s", [NewEvent("A", {"n": 2}), NewEvent("A", {"n": 3})], expected_version=0)
    with pytest.raises(ConcurrencyError):
        store.append("new", [NewEvent("A", {})], expected_version=1)
    assert store.head() == head
    assert [e.data for e in store.read_all()] == [{"n": 1}]


def test_reappending_stored_events_is_a_no_op_returning_their_positions(store):
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


def test_reappending_one_stored_event_at_any_version_returns_its_position(store):
    # One event goes in by a single INSERT (pipelined on PostgreSQL), not a batch's path:
    # its duplicate id must still be recognised as a retry.
    event = NewEvent("A", {"n": 1})
    assert store.append("s", [event]) == [1]
    store.append("t", [NewEvent("B", {})])
    assert store.append("s", [event]) == [1]
    assert store.append("s", [event], expected_version=1) == [1]
    assert store.head()[0] == 2 and store.stream_version("s") == 1


def test_every_append_hands_its_postgres_connection_back_idle_and_transactional(pg_url):
    from psycopg.pq import TransactionStatus

    store = open_store(pg_url)
    stored = NewEvent("A", {"n": 0})
    store.append("s", [stored], expected_version=0)
    outcomes = [
        lambda: store.append("s", [NewEvent("A", {"n": 1})]),  # one event
        lambda: store.append("s", [NewEvent("A", {"n": n}) for n in range(3)]),  # a batch
        lambda: store.append("s", [NewEvent("A", {})], expected_version=0),  # stale
        lambda: store.append("s", [NewEvent("A", {}), NewEvent("A", {})], expected_version=0),
        lambda: store.append("s", [stored]),  # a retry: the INSERT fails
        lambda: store.append("t", [NewEvent("A", {}), stored]),  # a retry: the COPY fails
        lambda: store.append("s", [NewEvent("A", {"v": float("nan")})]),  # refused under the lock
    ]
    backends = set()
    try:
        for outcome in outcomes:
            try:
                outcome()
            except (StoreError, ValueError):
                pass
            assert store.engine.pool.checkedin() == 1  # so the next connect gets the append's
            with store.engine.connect() as conn:
                driver = conn.connection.driver_connection
                backends.add(driver.info.backend_pid)
                assert driver.info.transaction_status == TransactionStatus.IDLE and not driver.autocommit
                conn.exec_driver_sql("CREATE TABLE probe (n integer)")
                conn.rollback()
                assert not sa.inspect(conn).has_table("probe")
        assert len(backends) == 1, "an append left its connection unusable: it was dropped"
        assert [e.data for e in store.read_stream("s")] == [{"n": 0}, {"n": 1}, {"n": 0}, {"n": 1}, {"n": 2}]
        assert verify_chain(store).ok
    finally:
        store.engine.dispose()


def test_an_append_whose_postgres_connection_died_fails_in_one_line_and_the_next_one_works(pg_url):
    store = open_store(pg_url)
    try:
        store.append("s", [NewEvent("A", {"n": 0})], expected_version=0)
        with store.engine.connect() as conn:
            pid = conn.connection.driver_connection.info.backend_pid
        admin = sa.create_engine(pg_url)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        admin.dispose()
        with pytest.raises(StoreError) as failure:
            store.append("s", [NewEvent("A", {"n": 1})], expected_version=1)
        assert "\n" not in str(failure.value)
        assert store.append("s", [NewEvent("A", {"n": 1})], expected_version=1) == [2]
    finally:
        store.engine.dispose()


def test_read_all_filters_in_sql_and_batches(clocked):
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


def test_a_read_includes_events_appended_while_it_runs(store):
    store.append("s", [NewEvent("A", {"n": n}) for n in range(3)])
    seen = []
    for event in store.read_all(batch_size=2):
        seen.append(event.data["n"])
        if event.data["n"] < 5:
            store.append("s", [NewEvent("A", {"n": event.data["n"] + 3})])
    assert seen == [0, 1, 2, 3, 4, 5, 6, 7]


def test_reads_come_in_log_order_whatever_order_the_database_returns(store, monkeypatch):
    # An unordered range read comes back in the table's physical order, which an UPDATE
    # (erasure) changes on PostgreSQL; here the database is made to answer backwards.
    from events.store import DriverStatement

    store.append("a", [NewEvent("A", {"n": n}) for n in range(40)])
    fetch_all = DriverStatement.fetch_all
    monkeypatch.setattr(DriverStatement, "fetch_all", lambda self, conn, values: fetch_all(self, conn, values)[::-1])
    assert [e.position for e in store.read_all(batch_size=15)] == list(range(1, 41))
    assert [e.position for e in store.read_all(since=5, until_position=35, batch_size=7)] == list(range(6, 36))


def test_an_unfiltered_read_plans_without_statistics_neither_scan_nor_sort(pg_url, monkeypatch):
    """A PostgreSQL log filled since its last ANALYZE (every new one) has no statistics;
    reading it must not depend on them: every batch comes from the primary key."""
    from events.store import DriverStatement

    store = open_store(pg_url)
    for n in range(6):
        store.append(f"s{n}", [NewEvent("A", {"n": i, "pad": "x" * 300}) for i in range(500)])
    statements = []
    fetch_all = DriverStatement.fetch_all

    def recording(self, conn, values):
        statements.append((self.sql, self.args(values)))
        return fetch_all(self, conn, values)

    monkeypatch.setattr(DriverStatement, "fetch_all", recording)
    try:
        assert [e.position for e in store.read_all(batch_size=1000)] == list(range(1, 3001))
        with store.engine.connect() as conn:
            driver = conn.connection.driver_connection
            for sql, args in statements:
                plan = "\n".join(row[0] for row in driver.execute("EXPLAIN " + sql, args))
                assert "Seq Scan" not in plan and "Sort" not in plan, plan
    finally:
        store.engine.dispose()


def test_upcaster_turns_an_old_event_shape_into_the_new_one_on_read(store):
    # v1 stored one "name" string; v2 splits it into surname and given name.
    store.append("p", [NewEvent("PersonNamed", {"name": "张三丰"}, schema_version=1),
                       NewEvent("PersonNamed", {"surname": "李", "given": "四"}, schema_version=2)])
    store.register_upcaster("PersonNamed", 1, lambda d: {"surname": d["name"][0], "given": d["name"][1:]})
    old, new = store.read_stream("p")
    assert (old.schema_version, old.data) == (2, {"surname": "张", "given": "三丰"})
    assert (new.schema_version, new.data) == (2, {"surname": "李", "given": "四"})
    assert [e.data for e in store.read_all()] == [old.data, new.data]
    assert verify_chain(store).ok  # reading never rewrites what is stored


def test_erasure_replaces_payload_keeps_chain_verifiable(store):
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



def test_schema_is_versioned_and_a_v1_database_is_upgraded(db_url):
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(alphabet=st.characters(blacklist_categories=["Cs"])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
))
def test_any_json_payload_round_trips_and_verifies(store, payload):
    [position] = store.append("h", [NewEvent("H", {"v": payload}, {"actor": "hypothesis"})])
    [event] = store.read_all(since=position - 1)
    assert event.data == {"v": payload}
    assert verify_chain(store).ok


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int


# What the stdlib canonical encoder refuses, payloads refuse too, though orjson (which
# writes most of them) would write NaN as null, a UUID as its string, an enum as its value.
NOT_JSON = [float("nan"), float("inf"), -float("inf"), datetime(2026, 3, 1), date(2026, 3, 1),
            uuid.UUID(int=7), Colour.RED, Point(1), {1, 2}, b"bytes", object()]


@pytest.mark.parametrize("value", NOT_JSON, ids=repr)
def test_a_payload_that_is_not_json_is_refused_like_the_canonical_encoder_does(value):
    from events.store import canonical_json, payload_json

    for payload in ({"v": value}, {"v": [1, {"w": value}]}):
        with pytest.raises((TypeError, ValueError)) as canonical:
            canonical_json(payload)
        with pytest.raises(canonical.type):
            payload_json(payload)


def test_a_payload_or_metadata_that_is_not_json_fails_where_the_event_is_made(store):
    for make in (lambda: NewEvent("A", {"v": float("nan")}), lambda: NewEvent("A", {}, {"at": uuid.UUID(int=7)})):
        with pytest.raises((TypeError, ValueError)):
            store.append("s", [NewEvent("A", {"n": 1}), make()])
    assert store.head() == (0, GENESIS_HASH)


def test_an_event_is_a_snapshot_of_its_payloads(store):
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


def test_equal_metadata_written_differently_is_stored_as_given():
    # Events made in a row share their metadata's serialisation when it is the same JSON;
    # 1, 1.0 and True are equal in Python but are not the same JSON.
    events = [NewEvent("A", {}, {"n": n}) for n in (1, 1.0, True, 1, float("1"))]
    assert [e.metadata_json for e in events] == ['{"n":1}', '{"n":1.0}', '{"n":true}', '{"n":1}', '{"n":1.0}']
    assert [type(e.metadata["n"]) for e in events] == [int, float, bool, int, float]


def test_a_new_event_survives_pickling_for_worker_processes():
    import pickle

    event = NewEvent("A", {"text": "泰山区", "n": 2**70}, {"actor": "reader"}, event_id="e-1", schema_version=2)
    copy = pickle.loads(pickle.dumps(event))
    assert copy == event and copy.data == {"text": "泰山区", "n": 2**70} and copy.schema_version == 2
    assert event.replace(data={"n": 3}) == NewEvent("A", {"n": 3}, {"actor": "reader"}, event_id="e-1", schema_version=2)


def test_payloads_orjson_cannot_write_are_stored_by_the_stdlib_and_verify(store):
    # Beyond 64 bits, null, keys that are not strings (the stdlib writes them as strings),
    # tuples, and a float whose text differs between the two encoders ("1e-07" vs "1e-7").
    data = {"big": 2**70, "neg": -2**64, "u64": 2**64 - 1, "none": None, "keys": {1: "a"}, "pair": (1, 2), "small": 1e-7}
    store.append("s", [NewEvent("A", data, {"n": 2**65}), NewEvent("A", {"small": 1e-7}, {})])
    first, second = store.read_all()
    assert first.data == {**data, "keys": {"1": "a"}, "pair": [1, 2]} and first.metadata == {"n": 2**65}
    assert second.data == {"small": 1e-7}
    assert verify_chain(store).ok


def test_database_failure_while_open_is_a_one_line_store_error(store, db_url):
    store.append("s", [NewEvent("A", {})])
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE zhili_events")
    engine.dispose()
    for attempt in (lambda: store.append("s", [NewEvent("A", {})]), store.head, lambda: list(store.read_all())):
        with pytest.raises(StoreError) as failure:
            attempt()
        assert "\n" not in str(failure.value) and "zhili_events" in str(failure.value)


HEX_DIGEST = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@settings(max_examples=200, deadline=None)
@given(stream_id=st.text(max_size=30), type_=st.text(max_size=20), event_id=st.text(max_size=40),
       recorded_at=st.text(max_size=40), digests=st.tuples(HEX_DIGEST, HEX_DIGEST),
       numbers=st.tuples(st.integers(0, 2**62), st.integers(0, 2**31), st.integers(-5, 2**31) | st.booleans()))
def test_the_fast_header_is_exactly_the_canonical_one(stream_id, type_, event_id, recorded_at, digests, numbers):
    from events.store import canonical_json, hash_header, header_writer

    position, stream_version, schema_version = numbers
    data_digest, metadata_digest = digests
    row = {"position": position, "event_id": event_id, "stream_id": stream_id, "stream_version": stream_version,
           "type": type_, "schema_version": schema_version, "data_digest": data_digest,
           "metadata_digest": metadata_digest, "recorded_at": recorded_at}
    header = header_writer(stream_id, recorded_at)
    assert header(position, event_id, stream_version, type_, schema_version, data_digest, metadata_digest) == (
        canonical_json(hash_header(row)))


def test_default_event_ids_are_time_ordered_uuid7():
    import uuid

    from events.store import new_event_id

    ids = [new_event_id() for _ in range(50)]
    assert all(uuid.UUID(i).version == 7 and str(uuid.UUID(i)) == i for i in ids)
    assert len(set(ids)) == 50
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)  # the millisecond prefix never goes back


def test_a_forked_process_does_not_repeat_its_parents_event_ids():
    import multiprocessing

    from events.store import new_event_id

    new_event_id()
    mp = multiprocessing.get_context("fork")
    child_ids = mp.Queue()
    child = mp.Process(target=lambda: child_ids.put([new_event_id() for _ in range(20)]))
    child.start()
    theirs = child_ids.get(timeout=30)
    child.join(30)
    ours = [new_event_id() for _ in range(20)]
    # Past the millisecond and the version digit, an id is all random bits.
    assert not {i[15:] for i in ours} & {i[15:] for i in theirs}
