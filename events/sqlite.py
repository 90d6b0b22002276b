"""The SQLite backend: opening a file, its pragmas, its write lock, its bulk insert, and
the one place sqlite3's errors are translated. (The interface: events/backends.py.)"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from events.backends import append_locked
from events.statements import COLUMN_LIST, INSERT_COLUMNS

_INSERT_SQL = f"INSERT INTO zhili_events ({COLUMN_LIST}) VALUES ({', '.join(['?'] * len(INSERT_COLUMNS))})"


def create_engine(url: sa.URL) -> Engine:
    engine = sa.create_engine(url)
    sa_event.listen(engine, "connect", _pragmas)
    return engine


def _pragmas(dbapi_connection, _record):
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


def begin_locked(conn: sa.Connection, lock: int) -> None:
    # SQLite has one writer at a time anyway (so `lock` names no key of its own);
    # IMMEDIATE takes that lock at BEGIN rather than at the first write, so two appenders
    # never both read the head and then fail to upgrade (which would be SQLITE_BUSY, not
    # a wait).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def insert_rows(conn: sa.Connection, rows: list[tuple]) -> None:
    """Write a batch's rows (values in INSERT_COLUMNS order) inside the caller's
    transaction. sqlite3 runs a prepared INSERT per row in-process, which is already its
    fastest path (PostgreSQL's is COPY). Driver errors are the caller's to translate."""
    conn.connection.driver_connection.executemany(_INSERT_SQL, rows)


def appender(engine: Engine, state: Any):
    """Appends run in a locked_transaction: BEGIN IMMEDIATE, the state query, the INSERTs."""
    return lambda stream_id, rows_at: append_locked(engine, state, stream_id, rows_at)


@contextmanager
def driver_errors(sql: str | None = None, params: Any = None) -> Iterator[None]:
    """sqlite3's errors from statements run on the driver's own connection, raised as
    SQLAlchemy raises them: a duplicate key is an IntegrityError, anything else a
    DBAPIError (a locked database past the busy timeout, a full disk, a missing table)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, params, exc, sqlite3.Error) from None
