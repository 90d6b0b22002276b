"""The event-store suite on PostgreSQL (a fresh schema per test), and what only a server
does: pooled connections, connections that die, a planner without statistics."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from events import NewEvent, StoreError, open_store
from events.verify import verify_chain
from tests.events.helpers import assert_one_line_failure, zhili
from tests.events.persistence import EventStoreTestCase


class TestPostgres(EventStoreTestCase):
    @pytest.fixture
    def db_url(self, pg_url):
        return pg_url

    def test_every_append_hands_its_postgres_connection_back_idle_and_transactional(self, pg_url):
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

    def test_an_append_whose_postgres_connection_died_fails_in_one_line_and_the_next_one_works(self, pg_url):
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

    def test_an_unfiltered_read_plans_without_statistics_neither_scan_nor_sort(self, pg_url, monkeypatch):
        """A PostgreSQL log filled since its last ANALYZE (every new one) has no statistics;
        reading it must not depend on them: every batch comes from the primary key."""
        from events.statements import DriverStatement

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

    def test_unreachable_postgres_fails_in_one_line(self):
        result = zhili("postgresql+psycopg://nobody@127.0.0.1:1/x", "events")
        assert_one_line_failure(result)
        assert "127.0.0.1" in result.stderr
