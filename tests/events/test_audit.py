"""The README's auditor script (events/audit.py) agrees with `zhili verify` on a CSV dump
made by each database's own tools, and catches a changed row."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from events import NewEvent
from events.store import chain_hash, hash_header, text_digest
from events.verify import verify_chain

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


def test_auditor_script_agrees_with_verify_and_catches_a_change(store, db_url, tmp_path):
    for n in range(12):
        store.append(f"doc-{n % 4}", [NewEvent("CertificateRecognised", {"name": "张三", "n": n, "note": 'a "quoted", line\nbreak',
                                                                        "ratio": 1e-7, "gone": None},
                                               {"actor": "clerk 李四"})])
    store.erase(stream_id="doc-2", reason="PIPL request")
    dump = tmp_path / "log.csv"
    dump_csv(db_url, dump)
    result = audit(dump)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok: 13 events, head {verify_chain(store).head}"  # 12 and the erasure's record

    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace('"n"":4', '"n"":40')  # row 5 (doc-0's second event)
    assert '"n"":40' in lines[5]
    dump.write_text("".join(lines), encoding="utf-8")
    result = audit(dump)
    assert result.returncode == 1 and "BAD: position 5: data was changed" in result.stderr


def test_auditor_script_catches_an_erasure_no_event_records(store, db_url, tmp_path):
    for n in range(3):
        store.append(f"doc-{n}", [NewEvent("CertificateRecognised", {"name": "张三", "n": n})])
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE zhili_events SET data = '{\"_erased\":{}}', metadata = '{\"_erased\":{}}',"
                             " erased = TRUE WHERE position = 2")
    dump = tmp_path / "log.csv"
    dump_csv(db_url, dump)
    result = audit(dump)
    assert result.returncode == 1 and "BAD: position 2: erased, but no PayloadsErased event" in result.stderr
    assert verify_chain(store).bad_position == 2


@pytest.mark.parametrize("forged", ["[1]", '{"positions":5}', '{"reason":"PIPL"}'])
def test_auditor_script_reads_an_erasure_record_of_another_shape_as_recording_nothing(store, db_url, tmp_path, forged):
    store.append("doc-a", [NewEvent("CertificateRecognised", {"name": "张三"})])
    store.erase(stream_id="doc-a", reason="PIPL")
    dump = tmp_path / "log.csv"
    dump_csv(db_url, dump)
    # The record (row 2) forged into another shape, its digest and hash recomputed to match.
    rows = list(csv.DictReader(open(dump, encoding="utf-8", newline="")))
    rows[1]["data"] = forged
    rows[1]["data_digest"] = text_digest(forged)
    header = {**rows[1], **{k: int(rows[1][k]) for k in ("position", "stream_version", "schema_version")}}
    rows[1]["hash"] = chain_hash(rows[0]["hash"], hash_header(header))
    with open(dump, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = audit(dump)
    assert result.returncode == 1 and "BAD: position 1: erased, but no PayloadsErased event" in result.stderr
