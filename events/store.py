"""The event store: append with optimistic concurrency, read in global order, erase payloads."""
from __future__ import annotations

import functools
import json
from contextlib import contextmanager
from datetime import datetime, timezone
from hashlib import sha256
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, Sequence

import orjson
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from events.event import (  # noqa: F401  (re-exported: the store's own names)
    ConcurrencyError,
    NewEvent,
    RecordedEvent,
    StoreError,
    format_instant,
    new_event_id,
)
from events.payload import (  # noqa: F401  (re-exported)
    canonical_json,
    digest,
    load_json,
    payload_json,
    text_digest,
)
from events.schema import CURRENT_VERSION, SchemaTooNew, schema_version, upgrade

GENESIS_HASH = "0" * 64
SCHEMA_VERSION = CURRENT_VERSION
ERASED_KEY = "_erased"
# Every erasure is also an event: the positions it erased and why, in a stream of its own.
# The verifier requires one for every erased row, so an erasure marker written behind
# zhili's back (which the chain alone would accept, since it covers digests) is caught.
ERASURES_STREAM = "zhili-erasures"
PAYLOADS_ERASED = "PayloadsErased"


def chain_hash(prev_hash: str, header: dict[str, Any]) -> str:
    return sha256((prev_hash + canonical_json(header)).encode("utf-8")).hexdigest()


_json_string = json.encoder.encode_basestring  # the very function canonical_json uses for str


def header_writer(stream_id: str, recorded_at: str) -> Callable[[int, str, int, str, int, str, str], str]:
    """For a batch's events (one stream, one instant): a function of an event's other
    header fields giving canonical_json(hash_header(row)), spelled out with the keys in
    sorted order. The append path builds a header per event without a dict and a sort,
    and escapes what the batch shares once; digests are sha256 hex, which JSON writes as
    it is. A test holds the result equal to canonical_json's."""
    stream_json, recorded_json = _json_string(stream_id), _json_string(recorded_at)

    def header(position: int, event_id: str, stream_version: int, type: str, schema_version: int,
               data_digest: str, metadata_digest: str) -> str:
        if schema_version.__class__ is not int:  # e.g. a bool, which JSON spells differently
            return canonical_json({
                "position": position, "event_id": event_id, "stream_id": stream_id, "stream_version": stream_version,
                "type": type, "schema_version": schema_version, "data_digest": data_digest,
                "metadata_digest": metadata_digest, "recorded_at": recorded_at,
            })
        return (
            f'{{"data_digest":"{data_digest}","event_id":{_json_string(event_id)},'
            f'"metadata_digest":"{metadata_digest}","position":{position},"recorded_at":{recorded_json},'
            f'"schema_version":{schema_version},"stream_id":{stream_json},"stream_version":{stream_version},'
            f'"type":{_json_string(type)}}}'
        )

    return header


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


metadata_obj = sa.MetaData()
# The layout events/schema.py creates and upgrades; this object only builds queries.
events_table = sa.Table(
    "zhili_events",
    metadata_obj,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("stream_id", sa.String(200), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("data_digest", sa.String(64), nullable=False),
    sa.Column("metadata_digest", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("erased", sa.Boolean(create_constraint=False), nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("stream_id", "stream_version", name="uq_zhili_events_stream_version"),
)
sa.Index("ix_zhili_events_type_position", events_table.c.type, events_table.c.position)

_e = events_table.c
# The columns a reader gets, in the order _rows_to_events unpacks them.
_READ_COLUMNS = (
    _e.position, _e.event_id, _e.stream_id, _e.stream_version, _e.type, _e.schema_version,
    _e.data, _e.metadata, _e.recorded_at, _e.prev_hash, _e.hash, _e.erased,
)
# One round trip for everything an append must know under the lock.
# Constants are written into the SQL, not bound: the statement then has exactly one
# parameter, and nothing can go missing between compiling it and running it.
_ZERO = sa.literal_column("0")
_APPEND_STATE = sa.select(
    sa.select(sa.func.coalesce(sa.func.max(_e.stream_version), _ZERO))
    .where(_e.stream_id == sa.bindparam("stream_id"))
    .scalar_subquery(),
    sa.select(sa.func.coalesce(sa.func.max(_e.position), _ZERO)).scalar_subquery(),
    sa.select(_e.hash)
    .where(_e.position == sa.select(sa.func.max(_e.position)).scalar_subquery())
    .scalar_subquery(),
)
_HEAD = sa.select(_e.position, _e.hash).order_by(_e.position.desc()).limit(1)
_INSERT_COLUMNS = (
    "position", "event_id", "stream_id", "stream_version", "type", "schema_version", "data",
    "metadata", "data_digest", "metadata_digest", "recorded_at", "prev_hash", "hash",
)
_COLUMN_LIST = ", ".join(_INSERT_COLUMNS)
_COPY_SQL = f"COPY zhili_events ({_COLUMN_LIST}) FROM STDIN"


_INSERT_SQL = f"INSERT INTO zhili_events ({_COLUMN_LIST}) VALUES ({', '.join(['?'] * len(_INSERT_COLUMNS))})"
_INSERT_SQL_PG = _INSERT_SQL.replace("?", "%s")


def _insert_rows(conn: sa.Connection, rows: list[tuple]) -> None:
    """Write a batch's rows (values in _INSERT_COLUMNS order) inside the caller's
    transaction, by each driver's bulk path. Driver errors are the caller's to translate.

    The one place the backends differ: a batch on PostgreSQL goes in by COPY, one stream
    with no per-row statement (half the time of a multi-row INSERT, whose thousands of
    placeholders the driver parses on every call); sqlite3 runs a prepared INSERT per row
    in-process, which is already its fastest path.
    """
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(_COPY_SQL) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        driver.executemany(_INSERT_SQL, rows)


@contextmanager
def _driver_errors(dialect: sa.Dialect) -> Iterator[None]:
    """Errors of statements run on the driver's own connection, raised as SQLAlchemy
    raises them: a duplicate key is an IntegrityError, anything else a DBAPIError."""
    try:
        yield
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error) from None


class DriverStatement:
    """A Core statement compiled once for a dialect, run below SQLAlchemy's result layer.

    The hot paths (the append's state query, every read batch) spend more in SQLAlchemy's
    per-call cache lookup and per-row Row objects than in the database. This keeps the one
    Core query for both backends; only the parameter shape follows the driver
    (positional for sqlite3, named for psycopg).
    """

    def __init__(self, statement: sa.Executable, dialect: sa.Dialect):
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = str(compiled)
        self.order = compiled.positiontup if compiled.positional else None
        self.literals = {k: v for k, v in compiled.params.items() if v is not None}  # e.g. LIMIT 1

    def args(self, values: dict[str, Any]) -> Any:
        if self.literals:
            values = {**self.literals, **values}
        return tuple(values[name] for name in self.order) if self.order is not None else values

    def run(self, conn: sa.Connection, values: dict[str, Any]) -> sa.CursorResult:
        return conn.exec_driver_sql(self.sql, self.args(values))

    def fetch_all(self, conn: sa.Connection, values: dict[str, Any]) -> list[tuple]:
        """Plain tuples from the driver's cursor: only for columns that need no type
        conversion (text, integers, and booleans the caller passes through bool())."""
        args = self.args(values)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, args)
            return cursor.fetchall()
        except conn.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(self.sql, args, exc, conn.dialect.loaded_dbapi.Error) from None
        finally:
            cursor.close()


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _store_errors(method):
    """A driver failure inside a store method (server gone, database locked past the busy
    timeout, disk full) reaches callers as a one-line StoreError, not a driver exception."""

    @functools.wraps(method)
    def translated(*args, **kwargs):
        with db_errors(f"event store: {method.__name__} failed"):
            return method(*args, **kwargs)

    return translated


class EventStore:
    """One event log in one database. Thread-safe; share one per process."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now):
        self.engine = engine
        self.clock = clock
        self.upcasters: dict[tuple[str, int], Upcaster] = {}
        self._append_state = DriverStatement(_APPEND_STATE, engine.dialect)
        self._pipelined = engine.dialect.driver == "psycopg"

    # -- writing -----------------------------------------------------------------------
    @_store_errors
    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | None = None,
    ) -> list[int]:
        """Append a batch atomically; return the global positions.

        `expected_version` is the stream's version the writer saw (0: the stream must be
        new; None: any). Re-appending a batch whose event ids are stored returns the stored
        positions and writes nothing.
        """
        if not events:
            return []
        if stream_id == ERASURES_STREAM:
            raise StoreError(f"{ERASURES_STREAM} is written by erase() alone")
        write = self._write_pipelined if self._pipelined else self._write_locked
        try:
            return write(stream_id, lambda state: self._chain_rows(stream_id, events, expected_version, *state))
        except (ConcurrencyError, IntegrityError) as failure:
            # A retry of a batch that did commit finds its own events, not a rival. Checking
            # ids only on this rare path saves a query on every append: the unique event_id
            # index is the idempotency check.
            with self.engine.connect() as conn:
                stored = _stored_positions(conn, stream_id, [e.event_id for e in events])
            if stored is not None:
                return stored
            if isinstance(failure, ConcurrencyError):
                raise
            raise StoreError(f"append to {stream_id} violated a constraint of the log") from None

    def _chain_rows(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | None,
        version: int,
        position: int,
        prev: str | None,
    ) -> list[tuple]:
        """The rows (values in _INSERT_COLUMNS order) that append `events` to a stream at
        `version` in a log whose head is (`position`, `prev`): read under the write lock."""
        if expected_version is not None and version != expected_version:
            raise ConcurrencyError(f"stream {stream_id} is at version {version}, writer expected {expected_version}")
        prev = prev or GENESIS_HASH
        recorded_at = format_instant(self.clock())
        header_of = header_writer(stream_id, recorded_at)
        rows = []
        for event in events:
            position += 1
            version += 1
            event_id, type_, schema_version = event.event_id, event.type, event.schema_version
            data_digest, metadata_digest = event.data_digest, event.metadata_digest
            header = header_of(position, event_id, version, type_, schema_version, data_digest, metadata_digest)
            hash_ = sha256((prev + header).encode("utf-8")).hexdigest()
            rows.append((position, event_id, stream_id, version, type_, schema_version, event.data_json,
                         event.metadata_json, data_digest, metadata_digest, recorded_at, prev, hash_))
            prev = hash_
        return rows

    def _write_locked(self, stream_id: str, rows_at: Callable[[Sequence[Any]], list[tuple]]) -> list[int]:
        """An append in a locked_transaction (SQLite)."""
        with locked_transaction(self.engine) as conn:
            return self._append_in(conn, stream_id, rows_at)

    def _append_in(self, conn: sa.Connection, stream_id: str, rows_at: Callable[[Sequence[Any]], list[tuple]]) -> list[int]:
        """An append inside the caller's locked transaction. Its statements run on the
        driver's cursor: SQLAlchemy's cost per statement is a good part of a small append's."""
        with _driver_errors(conn.dialect):
            cursor = conn.connection.driver_connection.cursor()
            cursor.execute(self._append_state.sql, self._append_state.args({"stream_id": stream_id}))
            rows = rows_at(cursor.fetchone())
            _insert_rows(conn, rows)
        return [row[0] for row in rows]

    def _write_pipelined(self, stream_id: str, rows_at: Callable[[Sequence[Any]], list[tuple]]) -> list[int]:
        """An append on PostgreSQL: the transaction locked_transaction makes, with the
        log's lock, in fewer round trips (two instead of five for one event).

        psycopg's pipeline mode sends BEGIN, the lock and the state query at once, then the
        INSERT with COMMIT (a batch goes by COPY, which a pipeline refuses, then COMMIT).
        The lock and the state query stay two statements, run in this order: under READ
        COMMITTED each statement takes its snapshot when it starts, so the state is read
        after the lock is granted, as locked_transaction's reasoning requires. One
        statement doing both would take its snapshot before waiting for the lock.
        """
        from psycopg.pq import TransactionStatus

        with self.engine.connect() as conn:
            driver = conn.connection.driver_connection
            try:
                with _driver_errors(conn.dialect):
                    # Left to itself psycopg sends BEGIN alone and waits for it; in autocommit
                    # mode BEGIN and COMMIT are statements of ours, queued with the others.
                    driver.autocommit = True
                    with driver.pipeline():
                        driver.execute("BEGIN", prepare=False)
                        driver.execute(_lock_sql(LOG_LOCK))
                        state = driver.execute(self._append_state.sql, self._append_state.args({"stream_id": stream_id}))
                    rows = rows_at(state.fetchone())
                    if len(rows) == 1:
                        with driver.pipeline():  # a failed INSERT raises here, its COMMIT skipped
                            driver.execute(_INSERT_SQL_PG, rows[0])
                            driver.execute("COMMIT", prepare=False)
                    else:
                        _insert_rows(conn, rows)
                        driver.execute("COMMIT", prepare=False)
            finally:
                # Back to the pool as it was lent: idle, and not in autocommit mode, which
                # every other user of the connection relies on. One that cannot be is dropped.
                try:
                    if driver.info.transaction_status != TransactionStatus.IDLE:
                        driver.rollback()
                    driver.autocommit = False
                except Exception:  # a broken connection, or one psycopg will not reset
                    conn.invalidate()
        return [row[0] for row in rows]

    @_store_errors
    def erase(self, event_ids: Iterable[str] = (), *, stream_id: str | None = None, reason: str) -> list[int]:
        """Replace the data and metadata of events with an erasure marker (PIPL deletion).

        The digests stay, so the hash chain still verifies; the row is flagged `erased` so
        the verifier trusts its digests. In the same transaction a PayloadsErased event
        (positions and reason, no personal data) is appended to ERASURES_STREAM, which
        cannot itself be erased. Returns the positions erased now.
        """
        if not reason.strip():
            raise StoreError("erasure needs a reason")
        if stream_id == ERASURES_STREAM:
            raise StoreError("the record of erasures cannot be erased")
        ids = list(event_ids)
        if not ids and stream_id is None:
            return []
        erased_at = format_instant(self.clock())
        marker = canonical_json({ERASED_KEY: {"reason": reason, "erased_at": erased_at}})
        which = [_e.erased == sa.false(), _e.stream_id != ERASURES_STREAM]
        if ids:
            which.append(_e.event_id.in_(ids))
        if stream_id is not None:
            which.append(_e.stream_id == stream_id)
        with self._write_transaction() as conn:
            positions = list(conn.execute(sa.select(_e.position).where(*which).order_by(_e.position)).scalars())
            if positions:
                conn.execute(events_table.update().where(*which).values(data=marker, metadata=marker, erased=True))
                record = NewEvent(PAYLOADS_ERASED, {"positions": positions, "reason": reason}, {"erased_at": erased_at})
                self._append_in(conn, ERASURES_STREAM, lambda state: self._chain_rows(ERASURES_STREAM, [record], None, *state))
            return positions

    def _write_transaction(self):
        return locked_transaction(self.engine)

    # -- reading -----------------------------------------------------------------------
    @_store_errors
    def stream_version(self, stream_id: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(_e.stream_version), 0)).where(_e.stream_id == stream_id)
            ).scalar_one()

    @_store_errors
    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        query = sa.select(*_READ_COLUMNS).where(_e.stream_id == stream_id).order_by(_e.stream_version)
        with self.engine.connect() as conn:
            return list(self._rows_to_events(DriverStatement(query, conn.dialect).fetch_all(conn, {})))

    def read_all(
        self,
        since: int = 0,
        types: Iterable[str] | None = None,
        as_of: datetime | None = None,
        until_position: int | None = None,
        batch_size: int = 2000,
        stream_id: str | None = None,
    ) -> Iterator[RecordedEvent]:
        """Events after position `since`, in global order, fetched in batches.

        Memory stays constant however long the log: one batch is held at a time, and each
        batch is its own short read, so a slow consumer never pins a database snapshot.
        """
        conditions = []
        if types:
            conditions.append(_e.type.in_(list(types)))
        if as_of is not None:
            # Fixed-width UTC strings: text order is time order.
            conditions.append(_e.recorded_at <= format_instant(as_of))
        if stream_id is not None:
            conditions.append(_e.stream_id == stream_id)
        if conditions:
            if until_position is not None:
                conditions.append(_e.position <= until_position)
            query = (
                sa.select(*_READ_COLUMNS)
                .where(_e.position > sa.bindparam("last", 0, type_=sa.BigInteger), *conditions)
                .order_by(_e.position)
                .limit(batch_size)
            )
            batches = fetch_batches(self.engine, query, since, batch_size)
        else:
            batches = fetch_ranges(self.engine, since, until_position, batch_size)
        # chain() hands each event straight from the converting generator to the caller.
        return chain.from_iterable(map(self._rows_to_events, batches))

    @_store_errors
    def head(self) -> tuple[int, str]:
        """(position, hash) of the newest event; (0, GENESIS_HASH) for an empty log."""
        with self.engine.connect() as conn:
            row = conn.execute(_HEAD).first()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def _rows_to_events(self, rows: Iterable[Sequence[Any]]) -> Iterator[RecordedEvent]:
        # The hot loop of every replay: no per-row lookups that can be hoisted, and one
        # datetime parse per batch of events that were appended together.
        loads, fast_loads, fast_error = load_json, orjson.loads, orjson.JSONDecodeError
        parse_instant = datetime.fromisoformat
        upcasters = self.upcasters
        new, set_dict = object.__new__, object.__setattr__
        last_text, last_instant = None, None
        for (position, event_id, stream_id, stream_version, type_, schema_version,
             data, metadata, recorded_at, prev_hash, hash_, erased) in rows:
            if recorded_at != last_text:
                last_text, last_instant = recorded_at, parse_instant(recorded_at)
            try:
                data, metadata = fast_loads(data), fast_loads(metadata)
            except fast_error:
                data, metadata = loads(data), loads(metadata)
            if upcasters and not erased:
                while (upcast := upcasters.get((type_, schema_version))) is not None:
                    data = upcast(data)
                    schema_version += 1
            # The same object RecordedEvent(...) builds, at a third of the cost: a frozen
            # dataclass's __init__ pays one object.__setattr__ per field.
            event = new(RecordedEvent)
            set_dict(event, "__dict__", {
                "position": position, "event_id": event_id, "stream_id": stream_id,
                "stream_version": stream_version, "type": type_, "schema_version": schema_version,
                "data": data, "metadata": metadata, "recorded_at": last_instant,
                "prev_hash": prev_hash, "hash": hash_, "erased": bool(erased),
            })
            yield event

    def _to_event(self, row: Any) -> RecordedEvent:
        return next(self._rows_to_events([tuple(getattr(row, c.name) for c in _READ_COLUMNS)]))

    def register_upcaster(self, event_type: str, from_version: int, upcast: Upcaster) -> None:
        """Turn stored events of `event_type` at `from_version` into the next version on read.

        Stored rows never change (the chain covers them); upcasters chain v1→v2→v3.
        """
        self.upcasters[(event_type, from_version)] = upcast


def fetch_batches(engine: Engine, query: sa.Select, since: int, batch_size: int) -> Iterator[list[tuple]]:
    """Keyset pagination over `query` (position-ordered, `position > :last`, LIMIT
    batch_size, position first): one short read per batch, constant memory."""
    statement = DriverStatement(query, engine.dialect)
    last = since
    while True:
        with db_errors("event store: read failed"), engine.connect() as conn:
            rows = statement.fetch_all(conn, {"last": last})
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


_HEAD_POSITION = sa.select(sa.func.coalesce(sa.func.max(_e.position), _ZERO))
_RANGE = sa.select(*_READ_COLUMNS).where(
    _e.position > sa.bindparam("last", type_=sa.BigInteger), _e.position <= sa.bindparam("upto", type_=sa.BigInteger)
)


def fetch_ranges(engine: Engine, since: int, until: int | None, batch_size: int) -> Iterator[list[tuple]]:
    """The whole log after `since` (up to `until`), in batches of consecutive positions,
    in position order; each batch its own short read, as in fetch_batches.

    Positions are gap-free, so up to the head the batch after `last` is exactly
    `last < position <= last + batch_size`: a range, which any planner reads from the
    primary key. The keyset query is at the mercy of statistics instead: PostgreSQL, on a
    log filled since its last ANALYZE, answered `position > last ORDER BY position LIMIT
    n` with a scan and a sort of the whole table, for every batch. The range has no ORDER
    BY (that would bring the sort back): its rows, which mostly come in order anyway, are
    sorted here. Once at the head, the head is read again, for events appended meanwhile.
    """
    batch = DriverStatement(_RANGE, engine.dialect)
    last = since
    while True:
        with db_errors("event store: read failed"), engine.connect() as conn:
            head = conn.execute(_HEAD_POSITION).scalar_one()
        end = head if until is None else min(head, until)
        if last >= end:
            return
        while last < end:
            upto = min(last + batch_size, end)
            with db_errors("event store: read failed"), engine.connect() as conn:
                rows = batch.fetch_all(conn, {"last": last, "upto": upto})
            rows.sort()
            if rows:
                yield rows
            last = upto


def _stored_positions(conn: sa.Connection, stream_id: str, ids: list[str]) -> list[int] | None:
    """Positions of a batch already stored, None if none of it is; a partial match is misuse."""
    stored = dict(conn.execute(sa.select(_e.event_id, _e.position).where(_e.event_id.in_(ids))).all())
    if not stored:
        return None
    if len(stored) != len(set(ids)):
        raise StoreError(f"batch for {stream_id} partly stored already: event ids must not be reused")
    return [stored[i] for i in ids]


def hash_header(row: dict[str, Any]) -> dict[str, Any]:
    """The fields the chain covers: payload digests, not payloads, so data can be erased."""
    return {
        "position": row["position"],
        "event_id": row["event_id"],
        "stream_id": row["stream_id"],
        "stream_version": row["stream_version"],
        "type": row["type"],
        "schema_version": row["schema_version"],
        "data_digest": row["data_digest"],
        "metadata_digest": row["metadata_digest"],
        "recorded_at": row["recorded_at"],
    }


LOG_LOCK = 7468011  # the log's write lock; other writers (projections) take keys of their own


def _lock_sql(lock_key: int) -> str:
    # The second key is the schema, so logs in different schemas of one database do not
    # queue behind each other.
    return f"SELECT pg_advisory_xact_lock({int(lock_key)}, hashtext(current_schema()))"


@contextmanager
def locked_transaction(engine: Engine, lock_key: int = LOG_LOCK) -> Iterator[sa.Connection]:
    """A transaction that holds a write lock from its first statement to COMMIT.

    The log takes `LOG_LOCK`, so positions commit in order (appends on PostgreSQL take it
    in a pipelined transaction of their own, EventStore._write_pipelined); a projection
    takes its own key, so applying events never blocks appends.
    """
    conn = engine.connect()
    try:
        if engine.dialect.name == "sqlite":
            # SQLite has one writer at a time anyway; IMMEDIATE takes that lock at BEGIN
            # rather than at the first write, so two appenders never both read the head
            # and then fail to upgrade (which would be SQLITE_BUSY, not a wait).
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.begin()
            # Why a lock, on a database with MVCC: positions are handed out in this
            # transaction, but transactions become visible in commit order, not in
            # position order. Without serialising, writer A could take position 7,
            # writer B position 8, B commit first, and a reader polling "after 6" would
            # see 8, move its cursor to 8, and never see 7 when A commits. A sequence
            # has the same flaw. Holding a transaction-scoped advisory lock from the
            # read of the head until COMMIT makes commit order equal position order;
            # PostgreSQL releases it only after the commit is visible, and by itself
            # when the session dies, so a killed writer never wedges the log.
            # https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
            # https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
            conn.exec_driver_sql(_lock_sql(lock_key))
    except BaseException:
        conn.close()
        raise
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


def _sqlite_pragmas(dbapi_connection, _record):
    # The pysqlite driver's own transaction handling would defer BEGIN; we issue BEGIN
    # ourselves so writers can take the lock up front (BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed append
        # survives the process being killed (the WAL is in the OS cache) and the file is
        # never corrupted, but the last commits may be lost if the machine loses power.
        # That is the promise zhili makes (documented in the README), and it makes a
        # single-event append about an fsync cheaper. https://www.sqlite.org/wal.html#performance_considerations
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def describe_db_error(exc: BaseException) -> str:
    """One line for a database failure: the driver's own first line, not SQLAlchemy's essay."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


@contextmanager
def db_errors(what: str) -> Iterator[None]:
    """Turn a driver failure (server gone, file unreadable) into a one-line StoreError."""
    try:
        yield
    except DBAPIError as exc:
        raise StoreError(f"{what}: {describe_db_error(exc)}") from None


def open_store(url: str, clock: Callable[[], datetime] = utc_now, create: bool = True) -> EventStore:
    """Open (and create or upgrade) the store at a SQLAlchemy URL, or raise StoreError.

    Opening takes the write lock once to check the schema version, so a database zhili
    cannot write (read-only file, read-only folder, not a database) fails here, before any
    command has done half its work. `create=False` only checks the version.
    """
    try:
        url_obj = sa.make_url(url)
        connect_args = {"connect_timeout": 10} if url_obj.get_backend_name() == "postgresql" else {}
        engine = sa.create_engine(url_obj, connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as exc:
        raise StoreError(f"bad database URL {url!r}: {describe_db_error(exc)}") from None
    if engine.dialect.name == "sqlite":
        sa_event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name != "postgresql":
        engine.dispose()
        raise StoreError(f"unsupported database {engine.dialect.name!r}: use sqlite:///PATH or postgresql+psycopg://...")
    where = engine.url.render_as_string(hide_password=True)
    try:
        with db_errors(f"cannot open database {where}"):
            if create:
                with locked_transaction(engine) as conn:
                    upgrade(conn)
                    # A write that changes no row: fails on a database this process may
                    # only read (SQLite takes BEGIN IMMEDIATE even on a read-only file).
                    conn.exec_driver_sql("UPDATE zhili_schema SET version = version WHERE 1 = 0")
            else:
                with engine.connect() as conn:
                    found = schema_version(conn)
                if found != CURRENT_VERSION:
                    if found > CURRENT_VERSION:
                        raise SchemaTooNew(found)
                    raise StoreError(f"database {where} is at schema version {found}, zhili needs {CURRENT_VERSION}")
    except SchemaTooNew as exc:
        engine.dispose()
        raise StoreError(f"{where}: {exc}") from None
    except BaseException:
        engine.dispose()
        raise
    return EventStore(engine, clock)
