"""The event-store suite on SQLite (a file in tmp_path), and what only SQLite files do:
corrupt, read-only, in a read-only folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from events import NewEvent, open_store
from tests.conftest import sqlite_url
from tests.events.helpers import ZHILI, assert_one_line_failure, read_only, snapshot, zhili
from tests.events.persistence import EventStoreTestCase


class TestSQLite(EventStoreTestCase):
    @pytest.fixture
    def db_url(self, tmp_path):
        return sqlite_url(tmp_path)

    def test_corrupt_sqlite_file_fails_and_is_left_untouched(self, tmp_path):
        db = tmp_path / "zhili.db"
        db.write_bytes(os.urandom(64 * 1024))
        before = snapshot(tmp_path)
        for command in ("verify", "events"):
            result = zhili(f"sqlite:///{db}", command)
            assert_one_line_failure(result)
            assert "not a database" in result.stderr
        assert snapshot(tmp_path) == before

    def test_read_only_sqlite_file_fails_and_is_left_untouched(self, tmp_path):
        db = tmp_path / "zhili.db"
        store = open_store(f"sqlite:///{db}")
        store.append("s", [NewEvent("A", {"n": 1})])
        store.engine.dispose()
        before = db.read_bytes()
        with read_only(db):
            for command in ("verify", "events"):
                result = zhili(f"sqlite:///{db}", command)
                assert_one_line_failure(result)
                assert "readonly" in result.stderr or "unable to open" in result.stderr, result.stderr
        assert db.read_bytes() == before

    def test_read_only_folder_fails_and_creates_nothing(self, tmp_path):
        folder = tmp_path / "locked"
        folder.mkdir()
        with read_only(folder):
            result = zhili(f"sqlite:///{folder / 'zhili.db'}", "events")
        assert_one_line_failure(result)
        assert list(folder.iterdir()) == []

    def test_events_stops_quietly_when_the_reader_goes_away(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'zhili.db'}"
        store = open_store(url)
        for n in range(10):
            store.append(f"s{n}", [NewEvent("A", {"n": i, "pad": "x" * 200}) for i in range(500)])
        store.engine.dispose()
        env = {k: v for k, v in os.environ.items() if k != "ZHILI_DB"}
        child = subprocess.Popen([ZHILI, "--db", url, "events"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert json.loads(child.stdout.readline())["position"] == 1  # like `zhili events | head -1`
        child.stdout.close()
        assert child.wait(60) == 0
        assert child.stderr.read() == b""

    def test_a_sqlite_store_never_loads_the_postgresql_driver(self, db_url):
        # Backend modules load with a database of theirs (events/backends.py): a clerk's
        # SQLite install pays nothing for psycopg, and runs without it.
        code = (f"import sys; from events import NewEvent, open_store; s = open_store({db_url!r});"
                " s.append('s', [NewEvent('A', {})]); list(s.read_all()); s.erase(stream_id='s', reason='r');"
                " print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'events')))")
        loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert "psycopg" not in loaded and "'events.sqlite'" in loaded and "'events.postgres'" not in loaded
