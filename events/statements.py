"""The log's table as SQLAlchemy Core sees it, and the statements the store runs, each
compiled once for a dialect and run on the driver's own cursor."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from events import backends

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
# The columns a reader gets, in the order EventStore._rows_to_events unpacks them.
READ_COLUMNS = (
    _e.position, _e.event_id, _e.stream_id, _e.stream_version, _e.type, _e.schema_version,
    _e.data, _e.metadata, _e.recorded_at, _e.prev_hash, _e.hash, _e.erased,
)
# One round trip for everything an append must know under the lock.
# Constants are written into the SQL, not bound: the statement then has exactly one
# parameter, and nothing can go missing between compiling it and running it.
ZERO = sa.literal_column("0")
APPEND_STATE = sa.select(
    sa.select(sa.func.coalesce(sa.func.max(_e.stream_version), ZERO))
    .where(_e.stream_id == sa.bindparam("stream_id"))
    .scalar_subquery(),
    sa.select(sa.func.coalesce(sa.func.max(_e.position), ZERO)).scalar_subquery(),
    sa.select(_e.hash)
    .where(_e.position == sa.select(sa.func.max(_e.position)).scalar_subquery())
    .scalar_subquery(),
)
HEAD = sa.select(_e.position, _e.hash).order_by(_e.position.desc()).limit(1)
HEAD_POSITION = sa.select(sa.func.coalesce(sa.func.max(_e.position), ZERO))
RANGE = sa.select(*READ_COLUMNS).where(
    _e.position > sa.bindparam("last", type_=sa.BigInteger), _e.position <= sa.bindparam("upto", type_=sa.BigInteger)
)
# What an append writes, in this order (the backends' bulk paths name the columns).
INSERT_COLUMNS = (
    "position", "event_id", "stream_id", "stream_version", "type", "schema_version", "data",
    "metadata", "data_digest", "metadata_digest", "recorded_at", "prev_hash", "hash",
)
COLUMN_LIST = ", ".join(INSERT_COLUMNS)


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
        self.driver_errors = backends.of(dialect.name).driver_errors

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
            with self.driver_errors(self.sql, args):
                cursor.execute(self.sql, args)
                return cursor.fetchall()
        finally:
            cursor.close()
