"""`zhili verify` and `zhili events` from the outside: tampering done with plain SQL is
caught and named, and bad databases fail with one line, exit 1, and nothing written."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from events import NewEvent, open_store
from events.store import chain_hash, hash_header, text_digest

ZHILI = str(Path(sys.executable).parent / "zhili")


def zhili(db_url, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("ZHILI_DB", "ZHILI_DEBUG")}
    return subprocess.run([ZHILI, "--db", db_url, *args], capture_output=True, text=True, env=env,
                          timeout=60, cwd=tempfile.gettempdir())


@pytest.fixture
def run(capsys):
    """The same command in this process (no interpreter start-up): for the many cases
    whose point is what the command does, not how the process ends."""

    def run(db_url, *args):
        from zhili.cli import main

        try:
            main(["--db", db_url, *args])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


def assert_one_line_failure(result):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


@pytest.fixture
def log(store):
    """Ten events over three streams."""
    for n in range(10):
        store.append(f"doc-{n % 3}", [NewEvent("PageRead", {"n": n, "text": f"第{n}页"}, {"actor": "t"})])
    return store


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


def test_verify_ok_prints_count_and_head(log, db_url):
    result = zhili(db_url, "verify")
    position, hash_ = log.head()
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ok: 10 events, head {position}:{hash_}\n"
    assert zhili(db_url, "verify", "--head").stdout == f"{position}:{hash_}\n"
    assert zhili(db_url, "verify", "--expect", f"4:{log.read_stream('doc-0')[1].hash}").returncode == 0


TAMPERING = {
    "changed data": (lambda s: sql(s, "UPDATE zhili_events SET data = '{\"n\":99}' WHERE position = 4"), 4, "data was changed"),
    "changed metadata": (lambda s: sql(s, "UPDATE zhili_events SET metadata = '{}' WHERE position = 6"), 6, "metadata"),
    "changed header": (lambda s: sql(s, "UPDATE zhili_events SET type = 'Forged' WHERE position = 7"), 7, "hash does not match"),
    "deleted row": (lambda s: sql(s, "DELETE FROM zhili_events WHERE position = 5"), 5, "deleted"),
    "swapped rows": (lambda s: [sql(s, "UPDATE zhili_events SET position = -1 WHERE position = 3"),
                                sql(s, "UPDATE zhili_events SET position = 3 WHERE position = 6"),
                                sql(s, "UPDATE zhili_events SET position = 6 WHERE position = -1")], 3, "prev_hash"),
    "rehashed row": (lambda s: forge(s, 4, {"n": 99}), 5, "prev_hash"),
    "row moved below the log": (lambda s: sql(s, "UPDATE zhili_events SET position = -3 WHERE position = 8"), -3, "moved"),
    "fake erasure": (lambda s: sql(s, "UPDATE zhili_events SET erased = TRUE, data = '{\"n\":99}' WHERE position = 2"), 2, "erasure marker"),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_verify_names_the_first_tampered_position(log, db_url, case, run):
    tamper, bad_position, reason = TAMPERING[case]
    tamper(log)
    result = run(db_url, "verify")
    assert_one_line_failure(result)
    assert f"position {bad_position} is bad" in result.stderr and reason in result.stderr, result.stderr


def test_expect_catches_a_full_rewrite_that_verifies_on_its_own(log, db_url):
    kept = zhili(db_url, "verify", "--head").stdout.strip()
    forge(log, 3, {"n": 99})
    rechain(log, 4)
    assert zhili(db_url, "verify").returncode == 0  # internally consistent again
    result = zhili(db_url, "verify", "--expect", kept)
    assert_one_line_failure(result)
    assert "position 10 is bad" in result.stderr and "rewritten" in result.stderr


def test_expect_catches_a_truncated_log(log, db_url, run):
    kept = run(db_url, "verify", "--head").stdout.strip()
    sql(log, "DELETE FROM zhili_events WHERE position >= 9")
    result = run(db_url, "verify", "--expect", kept)
    assert_one_line_failure(result)
    assert "position 10 is bad" in result.stderr and "gone" in result.stderr


def test_erased_rows_still_verify(log, db_url, run):
    log.erase(stream_id="doc-1", reason="PIPL")
    result = run(db_url, "verify")
    assert result.returncode == 0 and result.stdout.startswith("ok: 11 events"), result.stderr  # and the record


def test_an_erasure_made_behind_zhilis_back_is_caught(log, db_url, run):
    """Rows 2 and 5 (doc-1) get well-formed erasure markers straight in SQL: the chain
    covers digests, not payloads, so only the missing PayloadsErased record gives it away."""
    marker = json.dumps({"_erased": {"reason": "PIPL", "erased_at": "2026-11-30T00:00:00.000000+00:00"}})
    sql(log, f"UPDATE zhili_events SET data = '{marker}', metadata = '{marker}', erased = TRUE"
             " WHERE stream_id = 'doc-1'")
    result = run(db_url, "verify")
    assert_one_line_failure(result)
    assert "position 2 is bad" in result.stderr and "no PayloadsErased event" in result.stderr
    assert "the 1 events before it are intact" in result.stderr


@pytest.mark.parametrize("forged", [[1], {"positions": "5"}, {"reason": "PIPL"}], ids=repr)
def test_an_erasure_record_forged_into_another_shape_records_nothing(log, db_url, run, forged):
    [erased] = log.erase([log.read_stream("doc-1")[0].event_id], reason="PIPL")
    record = log.head()[0]
    forge(log, record, forged)  # and its digest and hash: the chain alone holds
    result = run(db_url, "verify")
    assert_one_line_failure(result)
    assert f"position {erased} is bad" in result.stderr and "no PayloadsErased event" in result.stderr


def test_events_prints_json_lines_in_log_order_with_filters(db_url, run):
    store = open_store(db_url)
    store.append("doc-a", [NewEvent("DocumentReceived", {"doc_id": "a"}), NewEvent("PageRead", {"page": 1})])
    store.append("doc-b", [NewEvent("DocumentReceived", {"doc_id": "b"})])
    store.append("doc-a", [NewEvent("DocumentProcessed", {"doc_id": "a"})])
    store.engine.dispose()

    def lines(*args):
        result = run(db_url, "events", *args)
        assert result.returncode == 0, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines()]

    every = lines()
    assert [e["position"] for e in every] == [1, 2, 3, 4]
    assert set(every[0]) == {"position", "event_id", "stream_id", "stream_version", "type", "schema_version",
                             "data", "metadata", "recorded_at", "prev_hash", "hash"}
    assert [e["position"] for e in lines("--stream", "doc-a")] == [1, 2, 4]
    assert [e["position"] for e in lines("--type", "DocumentReceived")] == [1, 3]
    assert [e["position"] for e in lines("--type", "PageRead", "--type", "DocumentProcessed")] == [2, 4]
    assert [e["position"] for e in lines("--since", "2")] == [3, 4]
    assert lines("--known-at", "2020-01-01") == []
    assert len(lines("--known-at", "2999-12-31")) == 4
    assert lines("--known-at", every[1]["recorded_at"]) == every[:2]  # one batch: one instant
    bad = run(db_url, "events", "--known-at", "yesterday")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


# -- databases zhili cannot use ------------------------------------------------------------

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


def test_bad_url_fails_in_one_line(run):
    for url in ("mysql://x@127.0.0.1/y", "not a url", "postgresql+nosuchdriver://x@127.0.0.1/y"):
        result = run(url, "events")
        assert_one_line_failure(result)

    for url in ("nonsense://", "sqlite:///no/such/folder/z.db"):
        result = zhili(url, "verify")
        assert_one_line_failure(result)
        assert "Traceback" not in result.stderr


def test_unreachable_postgres_fails_in_one_line():
    result = zhili("postgresql+psycopg://nobody@127.0.0.1:1/x", "events")
    assert_one_line_failure(result)
    assert "127.0.0.1" in result.stderr


def test_corrupt_sqlite_file_fails_and_is_left_untouched(tmp_path):
    db = tmp_path / "zhili.db"
    db.write_bytes(os.urandom(64 * 1024))
    before = snapshot(tmp_path)
    for command in ("verify", "events"):
        result = zhili(f"sqlite:///{db}", command)
        assert_one_line_failure(result)
        assert "not a database" in result.stderr
    assert snapshot(tmp_path) == before


def test_read_only_sqlite_file_fails_and_is_left_untouched(tmp_path):
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


def test_read_only_folder_fails_and_creates_nothing(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        result = zhili(f"sqlite:///{folder / 'zhili.db'}", "events")
    assert_one_line_failure(result)
    assert list(folder.iterdir()) == []


def test_newer_schema_fails_in_one_line(db_url, run):
    open_store(db_url).engine.dispose()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE zhili_schema SET version = 7")
    engine.dispose()
    result = run(db_url, "verify")
    assert_one_line_failure(result)
    assert "schema version 7 is newer" in result.stderr


def test_events_stops_quietly_when_the_reader_goes_away(tmp_path):
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
