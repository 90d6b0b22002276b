"""The log's tables, created and upgraded by zhili itself, one tracked step at a time.

`zhili_schema` holds one row: the version the tables are at. Each migration is frozen SQL
that both SQLite and PostgreSQL accept, and runs in the same transaction as the version
bump, so a crash half-way leaves the old version intact. A database newer than this code
is refused rather than guessed at. Databases made before `zhili_schema` existed (the log
table alone) count as version 1.
"""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

SchemaStep = Callable[[sa.Connection], None]


def _create_log(conn: sa.Connection) -> None:
    # On SQLite `INTEGER PRIMARY KEY` makes position the rowid: reading in log order is a
    # plain table scan and appends maintain one index fewer. PostgreSQL wants BIGINT.
    position_type = "INTEGER" if conn.dialect.name == "sqlite" else "BIGINT"
    conn.exec_driver_sql(
        f"""CREATE TABLE zhili_events (
            position {position_type} NOT NULL PRIMARY KEY,
            event_id VARCHAR(36) NOT NULL UNIQUE,
            stream_id VARCHAR(200) NOT NULL,
            stream_version INTEGER NOT NULL,
            type VARCHAR(100) NOT NULL,
            schema_version INTEGER NOT NULL,
            data TEXT NOT NULL,
            metadata TEXT NOT NULL,
            data_digest VARCHAR(64) NOT NULL,
            metadata_digest VARCHAR(64) NOT NULL,
            recorded_at VARCHAR(32) NOT NULL,
            prev_hash VARCHAR(64) NOT NULL,
            hash VARCHAR(64) NOT NULL,
            CONSTRAINT uq_zhili_events_stream_version UNIQUE (stream_id, stream_version))"""
    )
    conn.exec_driver_sql("CREATE INDEX ix_zhili_events_type_position ON zhili_events (type, position)")
    conn.exec_driver_sql("CREATE INDEX ix_zhili_events_recorded_at ON zhili_events (recorded_at)")


def _add_erased(conn: sa.Connection) -> None:
    # Erasure (PIPL) replaces a row's payload with a marker; the flag tells the verifier to
    # trust the stored digests for that row instead of recomputing them.
    conn.exec_driver_sql("ALTER TABLE zhili_events ADD COLUMN erased BOOLEAN NOT NULL DEFAULT FALSE")


def _drop_recorded_at_index(conn: sa.Connection) -> None:
    # Reads "as of" a time page through the log by position and filter on recorded_at:
    # SQLite never read this index for them, and PostgreSQL, once it has statistics, walks
    # the primary key instead. Every append wrote it: a tenth of the pages of a batch.
    conn.exec_driver_sql("DROP INDEX ix_zhili_events_recorded_at")


# Append only: a released step is never edited, a change is a new step.
MIGRATIONS: tuple[SchemaStep, ...] = (_create_log, _add_erased, _drop_recorded_at_index)
CURRENT_VERSION = len(MIGRATIONS)


class SchemaTooNew(Exception):
    def __init__(self, found: int):
        super().__init__(
            f"database schema version {found} is newer than this zhili understands "
            f"(up to {CURRENT_VERSION}): upgrade zhili before using this database"
        )


def schema_version(conn: sa.Connection) -> int:
    """The version the tables are at: 0 for an empty database."""
    inspector = sa.inspect(conn)
    if inspector.has_table("zhili_schema"):
        return conn.exec_driver_sql("SELECT version FROM zhili_schema").scalar_one()
    return 1 if inspector.has_table("zhili_events") else 0


def upgrade(conn: sa.Connection) -> int:
    """Bring the tables to CURRENT_VERSION inside the caller's (locked) transaction."""
    found = schema_version(conn)
    if found > CURRENT_VERSION:
        raise SchemaTooNew(found)
    if found == CURRENT_VERSION:
        return found
    if not sa.inspect(conn).has_table("zhili_schema"):
        conn.exec_driver_sql("CREATE TABLE zhili_schema (version INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO zhili_schema (version) VALUES (0)")
    for version in range(found + 1, CURRENT_VERSION + 1):
        MIGRATIONS[version - 1](conn)
        conn.exec_driver_sql(f"UPDATE zhili_schema SET version = {version}")
    return CURRENT_VERSION
