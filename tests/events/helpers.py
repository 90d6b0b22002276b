"""What the event-store tests share: a stepping clock, running `zhili`, forging rows with
plain SQL as an attacker would, dumping a log with each database's own tools."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import sqlalchemy as sa

from events.chain import chain_hash, hash_header
from events.payload import text_digest

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


class StepClock:
    """A clock that moves one minute per call, so recorded_at is predictable."""

    def __init__(self, start=T0):
        self.now = start

    def __call__(self):
        self.now += timedelta(minutes=1)
        return self.now


ZHILI = str(Path(sys.executable).parent / "zhili")


def zhili(db_url, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("ZHILI_DB", "ZHILI_DEBUG")}
    return subprocess.run([ZHILI, "--db", db_url, *args], capture_output=True, text=True, env=env,
                          timeout=60, cwd=tempfile.gettempdir())


def assert_one_line_failure(result):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


def sql(store, statement):
    with store.engine.begin() as conn:
        conn.exec_driver_sql(statement)


def forge(store, position, new_data):
    """What a careful forger does: change the data, its digest and the row's hash."""
    with store.engine.begin() as conn:
        row = dict(conn.execute(sa.text("SELECT * FROM zhili_events WHERE position = :p"), {"p": position}).mappings().one())
        row["data"] = json.dumps(new_data)
        row["data_digest"] = text_digest(row["data"])
        row["hash"] = chain_hash(row["prev_hash"], hash_header(row))
        conn.execute(sa.text("UPDATE zhili_events SET data = :data, data_digest = :data_digest, hash = :hash"
                             " WHERE position = :position"), row)
    return row["hash"]


def rechain(store, start):
    """The forger goes all the way: recompute every later prev_hash and hash."""
    with store.engine.begin() as conn:
        prev = conn.execute(sa.text("SELECT hash FROM zhili_events WHERE position = :p"), {"p": start - 1}).scalar_one()
        rows = conn.execute(sa.text("SELECT * FROM zhili_events WHERE position >= :p ORDER BY position"), {"p": start}).mappings().all()
        for row in map(dict, rows):
            row["prev_hash"] = prev
            row["hash"] = prev = chain_hash(prev, hash_header(row))
            conn.execute(sa.text("UPDATE zhili_events SET prev_hash = :prev_hash, hash = :hash WHERE position = :position"), row)


@contextmanager
def read_only(path: Path):
    """Make `path` unwritable even for root (who ignores permission bits): the immutable
    attribute when root, plain permissions otherwise."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


def snapshot(folder: Path):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


AUDIT = Path(__file__).resolve().parents[2] / "events" / "audit.py"


DUMP_SQL = "SELECT * FROM zhili_events ORDER BY position"


def dump_csv(db_url: str, path: Path) -> None:
    url = sa.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        with open(path, "w") as out:
            subprocess.run(["sqlite3", "-header", "-csv", url.database, DUMP_SQL], stdout=out, check=True)
    else:
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as conn, conn.cursor() as cur, open(path, "wb") as out:
            with cur.copy(f"COPY ({DUMP_SQL}) TO STDOUT WITH CSV HEADER") as copy:
                for chunk in copy:
                    out.write(chunk)


def audit(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(AUDIT), str(path)], capture_output=True, text=True, timeout=60)
