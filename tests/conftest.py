"""Fixtures shared by the whole suite: the two real event-store backends.

`db_url` runs a test once on SQLite (a file in tmp_path) and once on PostgreSQL (a fresh
schema on the server named by ZHILI_TEST_PG, default the local one). A PostgreSQL that is
down fails the test: `make test` starts it, nothing is skipped.
"""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("ZHILI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'zhili.db'}"


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url):
    from events import open_store

    s = open_store(db_url)
    yield s
    s.engine.dispose()
