"""The event store: append with optimistic concurrency, read in global order, verify the chain."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

GENESIS_HASH = "0" * 64
SCHEMA_VERSION = 1


class StoreError(Exception):
    """An expected failure with a one-line reason for the user (bad URL, server down...)."""


class ConcurrencyError(StoreError):
    """The stream moved on since the writer read it: nothing was written."""


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    schema_version: int = 1


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    event_id: str
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        """The shape `zhili events` prints and Kafka carries."""
        return {
            "position": self.position,
            "event_id": self.event_id,
            "stream_id": self.stream_id,
            "stream_version": self.stream_version,
            "type": self.type,
            "schema_version": self.schema_version,
            "data": self.data,
            "metadata": self.metadata,
            "recorded_at": format_instant(self.recorded_at),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def canonical_json(value: Any) -> str:
    """The one serialisation that hashes are computed over (documented in the README)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def format_instant(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).isoformat(timespec="microseconds")


def chain_hash(prev_hash: str, header: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(header)).encode("utf-8")).hexdigest()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


metadata_obj = sa.MetaData()
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
    sa.UniqueConstraint("stream_id", "stream_version", name="uq_zhili_events_stream_version"),
)
sa.Index("ix_zhili_events_type_position", events_table.c.type, events_table.c.position)
sa.Index("ix_zhili_events_recorded_at", events_table.c.recorded_at)


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventStore:
    """One event log in one database. Thread-safe; share one per process."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now):
        self.engine = engine
        self.clock = clock
        self.upcasters: dict[tuple[str, int], Upcaster] = {}

    # -- writing -----------------------------------------------------------------------
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
        ids = [e.event_id for e in events]
        with self._write_transaction() as conn:
            stored = dict(
                conn.execute(
                    sa.select(events_table.c.event_id, events_table.c.position).where(
                        events_table.c.event_id.in_(ids)
                    )
                ).all()
            )
            if stored:
                if len(stored) != len(ids):
                    raise StoreError(
                        f"batch for {stream_id} partly stored already: event ids must not be reused"
                    )
                return [stored[i] for i in ids]
            version = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(events_table.c.stream_version), 0)).where(
                    events_table.c.stream_id == stream_id
                )
            ).scalar_one()
            if expected_version is not None and version != expected_version:
                raise ConcurrencyError(
                    f"stream {stream_id} is at version {version}, writer expected {expected_version}"
                )
            head = conn.execute(
                sa.select(events_table.c.position, events_table.c.hash)
                .order_by(events_table.c.position.desc())
                .limit(1)
            ).first()
            position, prev = (head[0], head[1]) if head else (0, GENESIS_HASH)
            recorded_at = format_instant(self.clock())
            rows = []
            for event in events:
                position += 1
                version += 1
                row = {
                    "position": position,
                    "event_id": event.event_id,
                    "stream_id": stream_id,
                    "stream_version": version,
                    "type": event.type,
                    "schema_version": event.schema_version,
                    "data": canonical_json(event.data),
                    "metadata": canonical_json(event.metadata),
                    "data_digest": digest(event.data),
                    "metadata_digest": digest(event.metadata),
                    "recorded_at": recorded_at,
                    "prev_hash": prev,
                }
                row["hash"] = prev = chain_hash(row["prev_hash"], hash_header(row))
                rows.append(row)
            conn.execute(events_table.insert(), rows)
            return [r["position"] for r in rows]

    def _write_transaction(self):
        return _WriteTransaction(self.engine)

    # -- reading -----------------------------------------------------------------------
    def stream_version(self, stream_id: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(events_table.c.stream_version), 0)).where(
                    events_table.c.stream_id == stream_id
                )
            ).scalar_one()

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        query = (
            sa.select(events_table)
            .where(events_table.c.stream_id == stream_id)
            .order_by(events_table.c.stream_version)
        )
        with self.engine.connect() as conn:
            return [self._to_event(row) for row in conn.execute(query)]

    def read_all(
        self,
        since: int = 0,
        types: Iterable[str] | None = None,
        as_of: datetime | None = None,
        until_position: int | None = None,
        batch_size: int = 2000,
    ) -> Iterator[RecordedEvent]:
        """Events after position `since`, in global order, fetched in keyset batches."""
        conditions = []
        if types:
            conditions.append(events_table.c.type.in_(list(types)))
        if as_of is not None:
            conditions.append(events_table.c.recorded_at <= format_instant(as_of))
        if until_position is not None:
            conditions.append(events_table.c.position <= until_position)
        last = since
        while True:
            query = (
                sa.select(events_table)
                .where(events_table.c.position > last, *conditions)
                .order_by(events_table.c.position)
                .limit(batch_size)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                yield self._to_event(row)
            if len(rows) < batch_size:
                return
            last = rows[-1].position

    def head(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(events_table.c.position, events_table.c.hash)
                .order_by(events_table.c.position.desc())
                .limit(1)
            ).first()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def _to_event(self, row: Any) -> RecordedEvent:
        data = json.loads(row.data)
        schema_version = row.schema_version
        while (upcast := self.upcasters.get((row.type, schema_version))) is not None:
            data = upcast(data)
            schema_version += 1
        return RecordedEvent(
            position=row.position,
            event_id=row.event_id,
            stream_id=row.stream_id,
            stream_version=row.stream_version,
            type=row.type,
            schema_version=schema_version,
            data=data,
            metadata=json.loads(row.metadata),
            recorded_at=datetime.fromisoformat(row.recorded_at),
            prev_hash=row.prev_hash,
            hash=row.hash,
        )

    def register_upcaster(self, event_type: str, from_version: int, upcast: Upcaster) -> None:
        self.upcasters[(event_type, from_version)] = upcast


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


class _WriteTransaction:
    """A transaction that holds the log's write lock, so positions commit in order.

    SQLite: BEGIN IMMEDIATE takes the database write lock up front. PostgreSQL: a
    transaction-scoped advisory lock, because concurrent transactions could otherwise commit
    out of position order and a reader at position N could later find an event below N.
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    def __enter__(self):
        self.conn = self.engine.connect()
        if self.engine.dialect.name == "sqlite":
            self.conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            self.conn.begin()
            self.conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7468011)")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.conn.commit()
            else:
                self.conn.rollback()
        finally:
            self.conn.close()
        return False


def _sqlite_pragmas(dbapi_connection, _record):
    # The pysqlite driver's own transaction handling would defer BEGIN; we issue BEGIN
    # ourselves so writers can take the lock up front (BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def open_store(url: str, clock: Callable[[], datetime] = utc_now, create: bool = True) -> EventStore:
    """Open (and create or upgrade) the store at a SQLAlchemy URL, or raise StoreError."""
    try:
        engine = sa.create_engine(url, future=True)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StoreError(f"bad database URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        sa_event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name != "postgresql":
        raise StoreError(f"unsupported database {engine.dialect.name!r}: use sqlite:/// or postgresql+psycopg://")
    try:
        if create:
            metadata_obj.create_all(engine)
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if getattr(exc, "orig", None) else str(exc)
        raise StoreError(f"cannot open database {engine.url.render_as_string(hide_password=True)}: {reason}") from None
    return EventStore(engine, clock)
