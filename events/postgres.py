"""The PostgreSQL backend (psycopg 3): opening a server, its write lock, its pipelined
append and COPY, and the one place psycopg's errors are translated. (The interface:
events/backends.py.)"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from events.backends import RowsAt, append_locked
from events.locks import AdvisoryLock
from events.statements import COLUMN_LIST, INSERT_COLUMNS

_COPY_SQL = f"COPY zhili_events ({COLUMN_LIST}) FROM STDIN"
_INSERT_SQL = f"INSERT INTO zhili_events ({COLUMN_LIST}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"


def create_engine(url: sa.URL) -> Engine:
    return sa.create_engine(url, connect_args={"connect_timeout": 10})


def _lock_sql(lock: int) -> str:
    # The second key is the schema, so logs in different schemas of one database do not
    # queue behind each other.
    return f"SELECT pg_advisory_xact_lock({int(lock)}, hashtext(current_schema()))"


def begin_locked(conn: sa.Connection, lock: int) -> None:
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
    conn.exec_driver_sql(_lock_sql(lock))


def insert_rows(conn: sa.Connection, rows: list[tuple]) -> None:
    """Write a batch's rows (values in INSERT_COLUMNS order) inside the caller's
    transaction. Driver errors are the caller's to translate.

    A batch goes in by COPY, one stream with no per-row statement (half the time of a
    multi-row INSERT, whose thousands of placeholders the driver parses on every call);
    sqlite3's fastest path is a prepared INSERT per row instead.
    """
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(_COPY_SQL) as copy:
        for row in rows:
            copy.write_row(row)


def appender(engine: Engine, state: Any):
    """Appends pipeline their statements (append_pipelined) on psycopg 3, whose pipeline
    mode that needs; on any other driver they run in a locked_transaction."""
    if engine.dialect.driver == "psycopg":
        return lambda stream_id, rows_at: append_pipelined(engine, state, stream_id, rows_at)
    return lambda stream_id, rows_at: append_locked(engine, state, stream_id, rows_at)


def append_pipelined(engine: Engine, state: Any, stream_id: str, rows_at: RowsAt) -> list[int]:
    """An append: the transaction locked_transaction makes, with the log's lock, in fewer
    round trips (two instead of five for one event). `state` is the append's state query.

    psycopg's pipeline mode sends BEGIN, the lock and the state query at once, then the
    INSERT with COMMIT (a batch goes by COPY, which a pipeline refuses, then COMMIT).
    The lock and the state query stay two statements, run in this order: under READ
    COMMITTED each statement takes its snapshot when it starts, so the state is read
    after the lock is granted, as begin_locked's reasoning requires. One statement doing
    both would take its snapshot before waiting for the lock.
    """
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        try:
            with driver_errors():
                # Left to itself psycopg sends BEGIN alone and waits for it; in autocommit
                # mode BEGIN and COMMIT are statements of ours, queued with the others.
                driver.autocommit = True
                with driver.pipeline():
                    driver.execute("BEGIN", prepare=False)
                    driver.execute(_lock_sql(AdvisoryLock.LOG))
                    found = driver.execute(state.sql, state.args({"stream_id": stream_id}))
                rows = rows_at(found.fetchone())
                if len(rows) == 1:
                    with driver.pipeline():  # a failed INSERT raises here, its COMMIT skipped
                        driver.execute(_INSERT_SQL, rows[0])
                        driver.execute("COMMIT", prepare=False)
                else:
                    insert_rows(conn, rows)
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


@contextmanager
def driver_errors(sql: str | None = None, params: Any = None) -> Iterator[None]:
    """psycopg's errors from statements run on the driver's own connection, raised as
    SQLAlchemy raises them: a duplicate key is an IntegrityError, anything else a
    DBAPIError (the server gone, a statement timeout, a missing table)."""
    try:
        yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(sql, params, exc, psycopg.Error) from None
