"""Which module serves a database, what the store asks of it, and what they share.

A backend module (`events/sqlite.py`, `events/postgres.py`) provides:

- `create_engine(url)`: the SQLAlchemy engine for a URL, with the connection settings
  the store relies on;
- `begin_locked(conn, lock)`: begin a transaction that holds the write lock `lock` (an
  `AdvisoryLock`) from its first statement to COMMIT;
- `insert_rows(conn, rows)`: write a batch's rows by the driver's bulk path;
- `appender(engine, state)`: the function that runs a whole append (`append_locked`
  below unless the backend has a faster transaction);
- `driver_errors(sql, params)`: the one place the driver's own errors, from statements
  run on its cursor, become SQLAlchemy's (a duplicate key an IntegrityError, anything
  else a DBAPIError), which `db_errors` turns into one line for the user.

Backend modules are imported when a database of theirs is opened: a SQLite user never
loads psycopg.
"""
from __future__ import annotations

import functools
import importlib
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Callable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from events.event import StoreError
from events.locks import AdvisoryLock

# SQLAlchemy's dialect name -> the module in events/ that serves it.
_MODULES = {"sqlite": "events.sqlite", "postgresql": "events.postgres"}
SUPPORTED = "use sqlite:///PATH or postgresql+psycopg://..."

RowsAt = Callable[[Sequence[Any]], list[tuple]]  # the append's state -> the rows to insert


@functools.cache  # one dict lookup on every append
def of(dialect_name: str) -> ModuleType | None:
    """The backend module for a dialect, None for a database zhili does not support."""
    module = _MODULES.get(dialect_name)
    return importlib.import_module(module) if module is not None else None


@contextmanager
def locked_transaction(engine: Engine, lock: int = AdvisoryLock.LOG) -> Iterator[sa.Connection]:
    """A transaction that holds a write lock from its first statement to COMMIT.

    The log takes `AdvisoryLock.LOG`, so positions commit in order (appends on
    PostgreSQL take it in a pipelined transaction of their own, events/postgres.py's
    append_pipelined); a projection takes its own key, so applying events never blocks
    appends.
    """
    conn = engine.connect()
    try:
        of(engine.dialect.name).begin_locked(conn, lock)
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


def append_in(conn: sa.Connection, state: Any, stream_id: str, rows_at: RowsAt) -> list[int]:
    """An append inside the caller's locked transaction; `state` is the append's state
    query (a DriverStatement). Its statements run on the driver's cursor: SQLAlchemy's
    cost per statement is a good part of a small append's."""
    backend = of(conn.dialect.name)
    with backend.driver_errors():
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(state.sql, state.args({"stream_id": stream_id}))
        rows = rows_at(cursor.fetchone())
        backend.insert_rows(conn, rows)
    return [row[0] for row in rows]


def append_locked(engine: Engine, state: Any, stream_id: str, rows_at: RowsAt) -> list[int]:
    """An append in a locked_transaction (SQLite)."""
    with locked_transaction(engine) as conn:
        return append_in(conn, state, stream_id, rows_at)


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
