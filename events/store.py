"""The event store: append with optimistic concurrency, read in global order, erase payloads.

This module is the same for every database: what differs (opening a URL, connection
settings, the write lock, the bulk insert, the driver's errors) is in one module per
backend, events/sqlite.py and events/postgres.py (events/backends.py says what each
provides); the hash chain is events/chain.py, the table and its compiled statements
events/statements.py, the advisory lock ids events/locks.py.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from hashlib import sha256
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, Sequence

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError

from events import backends
from events.backends import (  # noqa: F401  (db_errors, locked_transaction: re-exported)
    append_in,
    db_errors,
    describe_db_error,
    locked_transaction,
)
from events.chain import GENESIS_HASH, chain_hash, hash_header, header_writer  # noqa: F401  (re-exported)
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
from events.schema import CURRENT_VERSION, SchemaTooNew, schema_version as stored_schema_version, upgrade
from events.statements import (
    APPEND_STATE,
    HEAD,
    HEAD_POSITION,
    RANGE,
    READ_COLUMNS,
    DriverStatement,
    events_table,
)

SCHEMA_VERSION = CURRENT_VERSION
ERASED_KEY = "_erased"
# Every erasure is also an event: the positions it erased and why, in a stream of its own.
# The verifier requires one for every erased row, so an erasure marker written behind
# zhili's back (which the chain alone would accept, since it covers digests) is caught.
ERASURES_STREAM = "zhili-erasures"
PAYLOADS_ERASED = "PayloadsErased"

_e = events_table.c


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


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
        self._append_state = DriverStatement(APPEND_STATE, engine.dialect)
        # The backend runs the append's transaction: pipelined on PostgreSQL, BEGIN
        # IMMEDIATE on SQLite; this module builds the rows it inserts.
        self._write = backends.of(engine.dialect.name).appender(engine, self._append_state)

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
        try:
            return self._write(stream_id, lambda state: self._chain_rows(stream_id, events, expected_version, *state))
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
        """The rows (values in INSERT_COLUMNS order) that append `events` to a stream at
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
        with locked_transaction(self.engine) as conn:
            positions = list(conn.execute(sa.select(_e.position).where(*which).order_by(_e.position)).scalars())
            if positions:
                conn.execute(events_table.update().where(*which).values(data=marker, metadata=marker, erased=True))
                record = NewEvent(PAYLOADS_ERASED, {"positions": positions, "reason": reason}, {"erased_at": erased_at})
                append_in(conn, self._append_state, ERASURES_STREAM,
                          lambda state: self._chain_rows(ERASURES_STREAM, [record], None, *state))
            return positions

    # -- reading -----------------------------------------------------------------------
    @_store_errors
    def stream_version(self, stream_id: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(_e.stream_version), 0)).where(_e.stream_id == stream_id)
            ).scalar_one()

    @_store_errors
    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        query = sa.select(*READ_COLUMNS).where(_e.stream_id == stream_id).order_by(_e.stream_version)
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
                sa.select(*READ_COLUMNS)
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
            row = conn.execute(HEAD).first()
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
        return next(self._rows_to_events([tuple(getattr(row, c.name) for c in READ_COLUMNS)]))

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
    batch = DriverStatement(RANGE, engine.dialect)
    last = since
    while True:
        with db_errors("event store: read failed"), engine.connect() as conn:
            head = conn.execute(HEAD_POSITION).scalar_one()
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


def open_store(url: str, clock: Callable[[], datetime] = utc_now, create: bool = True) -> EventStore:
    """Open (and create or upgrade) the store at a SQLAlchemy URL, or raise StoreError.

    Opening takes the write lock once to check the schema version, so a database zhili
    cannot write (read-only file, read-only folder, not a database) fails here, before any
    command has done half its work. `create=False` only checks the version.
    """
    try:
        url_obj = sa.make_url(url)
        backend = backends.of(url_obj.get_backend_name())
        engine = backend.create_engine(url_obj) if backend else sa.create_engine(url_obj)
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as exc:
        raise StoreError(f"bad database URL {url!r}: {describe_db_error(exc)}") from None
    if backend is None:
        engine.dispose()
        raise StoreError(f"unsupported database {engine.dialect.name!r}: {backends.SUPPORTED}")
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
                    found = stored_schema_version(conn)
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
