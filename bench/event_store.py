"""Event-store throughput beside the `eventsourcing` library's recorders, and read memory.

    python bench/event_store.py [--events N] [--backends sqlite,postgres] [--pg URL]
    python bench/event_store.py --memory [--memory-events 1000000]

For each backend it runs the same work through zhili's store and through eventsourcing's
ApplicationRecorder (insert_events / select_notifications) in the same run, and prints
events per second with the ratio zhili / eventsourcing (goal: >= 1.0 on every row, and
read-all >= 100k events/s on SQLite). Both sides store the same JSON payloads; reading
means getting every event back with its payload decoded into a dict, in log order.
`--memory` fills a SQLite log with fast batch appends, then reads it all in a fresh
process and reports that process's peak RSS growth (constant memory means a few MB, not
hundreds).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from events import NewEvent, open_store  # noqa: E402

DEFAULT_PG = os.environ.get("ZHILI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def payload(n: int) -> dict:
    """A PageRead-sized event: a document id, a page, a few recognised lines."""
    return {"doc_id": f"{n:064x}", "page": n % 7 + 1, "engine": "tesseract", "confidence": 0.93,
            "lines": [{"text": f"特种作业操作证 第{n}行", "confidence": 0.9, "box": [10, 20 * i, 300, 20 * i + 18]}
                      for i in range(3)]}


METADATA = {"actor": "bench", "correlation_id": "c", "causation_id": "c", "source": {"doc_id": "d", "page": 1}}


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# -- zhili -----------------------------------------------------------------------------------

def zhili_run(url: str, singles: int, batched: int) -> dict[str, float]:
    store = open_store(url)
    t = time.perf_counter()
    for n in range(singles):
        stream = f"single-{n % 50}"
        store.append(stream, [NewEvent("PageRead", payload(n), METADATA)], expected_version=n // 50)
    single_s = time.perf_counter() - t
    t = time.perf_counter()
    for b in range(batched // 100):
        store.append(f"batch-{b}", [NewEvent("PageRead", payload(b * 100 + i), METADATA) for i in range(100)],
                     expected_version=0)
    batch_s = time.perf_counter() - t
    t = time.perf_counter()
    count = sum(1 for _ in store.read_all(batch_size=5000))
    read_s = time.perf_counter() - t
    assert count == singles + batched // 100 * 100, count
    store.engine.dispose()
    return {"single": rate(singles, single_s), "batch": rate(batched // 100 * 100, batch_s), "read": rate(count, read_s)}


# -- eventsourcing ---------------------------------------------------------------------------

def es_run(recorder, singles: int, batched: int) -> dict[str, float]:
    from eventsourcing.persistence import StoredEvent

    def stored(originator, version, n):
        return StoredEvent(originator_id=originator, originator_version=version, topic="PageRead",
                           state=json.dumps(payload(n), ensure_ascii=False).encode())

    originators = [uuid.uuid4() for _ in range(50)]
    t = time.perf_counter()
    for n in range(singles):
        recorder.insert_events([stored(originators[n % 50], n // 50 + 1, n)])
    single_s = time.perf_counter() - t
    t = time.perf_counter()
    for b in range(batched // 100):
        originator = uuid.uuid4()
        recorder.insert_events([stored(originator, i + 1, b * 100 + i) for i in range(100)])
    batch_s = time.perf_counter() - t
    t = time.perf_counter()
    count, start = 0, 1
    while True:
        page = recorder.select_notifications(start, 5000)
        for notification in page:
            json.loads(notification.state)
        count += len(page)
        if len(page) < 5000:
            break
        start = page[-1].id + 1
    read_s = time.perf_counter() - t
    assert count == singles + batched // 100 * 100, count
    return {"single": rate(singles, single_s), "batch": rate(batched // 100 * 100, batch_s), "read": rate(count, read_s)}


def es_sqlite(path: str, singles: int, batched: int) -> dict[str, float]:
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    datastore = SQLiteDatastore(path)
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    try:
        return es_run(recorder, singles, batched)
    finally:
        datastore.close()


def es_postgres(url: str, schema: str, singles: int, batched: int) -> dict[str, float]:
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    u = sa.make_url(url)
    datastore = PostgresDatastore(u.database, u.host or "127.0.0.1", u.port or 5432, u.username or "postgres",
                                  u.password or "", schema=schema)
    recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    try:
        return es_run(recorder, singles, batched)
    finally:
        datastore.close()


# -- runs --------------------------------------------------------------------------------------

class PgSchema:
    """A throwaway schema so the bench never touches real data."""

    def __init__(self, url: str):
        self.url, self.name = url, f"bench_{uuid.uuid4().hex[:10]}"
        self.admin = sa.create_engine(url)

    def __enter__(self):
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {self.name}")
        return self

    @property
    def scoped_url(self) -> str:
        return f"{self.url}?options=-csearch_path%3D{self.name}"

    def __exit__(self, *exc):
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {self.name} CASCADE")
        self.admin.dispose()


def run_backend(backend: str, events: int, pg_url: str) -> dict[str, tuple[float, float]]:
    singles, batched = max(events // 10, 50), max(events, 100)
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            ours = zhili_run(f"sqlite:///{tmp}/zhili.db", singles, batched)
            theirs = es_sqlite(f"{tmp}/es.db", singles, batched)
    else:
        with PgSchema(pg_url) as schema:
            ours = zhili_run(schema.scoped_url, singles, batched)
        with PgSchema(pg_url) as schema:
            theirs = es_postgres(pg_url, schema.name, singles, batched)
    return {k: (ours[k], theirs[k]) for k in ours}


LABELS = {"single": "append, 1 event/transaction", "batch": "append, batches of 100", "read": "read all, decoded"}


def print_table(results: dict[str, dict[str, tuple[float, float]]], events: int) -> None:
    print(f"\nevent store, {events} batched + {max(events // 10, 50)} single events per backend (events/s)")
    print(f"{'backend':<10} {'workload':<30} {'zhili':>10} {'eventsourcing':>14} {'ratio':>7}")
    for backend, rows in results.items():
        for key, (ours, theirs) in rows.items():
            print(f"{backend:<10} {LABELS[key]:<30} {ours:>10,.0f} {theirs:>14,.0f} {ours / theirs:>6.2f}x")


def memory(events: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/zhili.db"
        store = open_store(url)
        t = time.perf_counter()
        for b in range(0, events, 1000):
            store.append(f"m-{b}", [NewEvent("PageRead", payload(b + i), METADATA) for i in range(min(1000, events - b))])
        fill = time.perf_counter() - t
        store.engine.dispose()
        print(f"filled {events:,} events in {fill:.1f} s ({rate(events, fill):,.0f} events/s, batches of 1000)")
        out = subprocess.run([sys.executable, __file__, "--read-child", url], capture_output=True, text=True, check=True)
        print(out.stdout.strip())


def read_child(url: str) -> None:
    store = open_store(url)
    next(store.read_all(batch_size=1), None)  # warm: imports, connection, caches
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    count = sum(1 for _ in store.read_all(batch_size=5000))
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"read {count:,} events in {seconds:.1f} s ({rate(count, seconds):,.0f} events/s); "
          f"peak RSS {base / 1024:.0f} MB before, {peak / 1024:.0f} MB after: growth {(peak - base) / 1024:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000, help="events appended in batches (and a tenth as single appends)")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (a throwaway schema is used)")
    parser.add_argument("--memory", action="store_true", help="measure peak RSS growth while reading a big log")
    parser.add_argument("--memory-events", type=int, default=1_000_000)
    parser.add_argument("--read-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read_child:
        return read_child(args.read_child)
    if args.memory:
        return memory(args.memory_events)
    results = {b: run_backend(b, args.events, args.pg) for b in args.backends.split(",")}
    print_table(results, args.events)


if __name__ == "__main__":
    main()
