"""Event-store throughput beside the `eventsourcing` library's recorders, and read memory.

    python bench/event_store.py [--events N] [--backends sqlite,postgres] [--pg URL]
    python bench/event_store.py --memory [--memory-events 1000000]

For each backend it runs the same work through zhili's store and through eventsourcing's
ApplicationRecorder (insert_events / select_notifications) in the same run, and prints
events per second with the ratio zhili / eventsourcing (goal: >= 1.0 on every row, and
read-all >= 100k events/s on SQLite). Both sides store the same event: its stream,
version and type, its payload, its metadata (actor, correlation, source) and the time it
was recorded. zhili has a column for each; eventsourcing keeps all but stream, version and
type in its state blob, as its mapper does with a domain event's attributes (its events
always carry a timestamp). Reading means getting every event back with its payload
decoded into a dict, in log order.
`--memory` fills a SQLite log with fast batch appends, then reads it all in a fresh
process and reports that process's peak RSS growth (constant memory means a few MB, not
hundreds).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
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


# -- the two sides: the same three workloads ---------------------------------------------------

class Zhili:
    name = "zhili"

    def __init__(self, url: str):
        self.store = open_store(url)

    def singles(self, numbers: range) -> None:
        for n in numbers:
            self.store.append(f"single-{n % 50}", [NewEvent("PageRead", payload(n), METADATA)], expected_version=n // 50)

    def batches(self, numbers: range) -> None:
        for b in numbers:
            self.store.append(f"batch-{b}", [NewEvent("PageRead", payload(b * 100 + i), METADATA) for i in range(100)],
                              expected_version=0)

    def read_all(self) -> int:
        return sum(1 for _ in self.store.read_all(batch_size=5000))

    def close(self) -> None:
        self.store.engine.dispose()


class EventSourcing:
    """The same work through eventsourcing's ApplicationRecorder."""

    name = "eventsourcing"

    def __init__(self, datastore, recorder):
        self.datastore, self.recorder = datastore, recorder
        recorder.create_table()
        self.originators = [uuid.uuid4() for _ in range(50)]

    @classmethod
    def sqlite(cls, path: str) -> "EventSourcing":
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

        datastore = SQLiteDatastore(path)
        return cls(datastore, SQLiteApplicationRecorder(datastore))

    @classmethod
    def postgres(cls, url: str, schema: str) -> "EventSourcing":
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        u = sa.make_url(url)
        datastore = PostgresDatastore(u.database, u.host or "127.0.0.1", u.port or 5432, u.username or "postgres",
                                      u.password or "", schema=schema)
        return cls(datastore, PostgresApplicationRecorder(datastore))

    @staticmethod
    def stored(originator, version: int, n: int):
        from eventsourcing.persistence import StoredEvent

        state = {"data": payload(n), "metadata": METADATA, "timestamp": datetime.now(timezone.utc).isoformat()}
        return StoredEvent(originator_id=originator, originator_version=version, topic="PageRead",
                           state=json.dumps(state, ensure_ascii=False).encode())

    def singles(self, numbers: range) -> None:
        for n in numbers:
            self.recorder.insert_events([self.stored(self.originators[n % 50], n // 50 + 1, n)])

    def batches(self, numbers: range) -> None:
        for b in numbers:
            originator = uuid.uuid4()
            self.recorder.insert_events([self.stored(originator, i + 1, b * 100 + i) for i in range(100)])

    def read_all(self) -> int:
        count, start = 0, 1
        while True:
            page = self.recorder.select_notifications(start, 5000)
            for notification in page:
                json.loads(notification.state)
            count += len(page)
            if len(page) < 5000:
                return count
            start = page[-1].id + 1

    def close(self) -> None:
        self.datastore.close()


def race(sides, workload: str, total: int, slices: int = 10) -> dict[str, tuple[float, float]]:
    """Run `workload` on every side in alternating slices, so a busy machine (2 cores,
    shared) slows both sides alike; return (events per second, events per CPU-second of
    this process) for each. The second ignores time spent waiting for a busy machine, and
    on SQLite the process is all the work there is."""
    seconds = {side.name: 0.0 for side in sides}
    cpu = {side.name: 0.0 for side in sides}
    counts = {side.name: 0 for side in sides}
    step = max(total // slices, 1)
    for start in range(0, total, step):
        for side in sides:
            t, c = time.perf_counter(), time.process_time()
            if workload == "read":
                counts[side.name] += side.read_all()
            else:
                getattr(side, workload)(range(start, min(start + step, total)))
                counts[side.name] += (min(start + step, total) - start) * (100 if workload == "batches" else 1)
            seconds[side.name] += time.perf_counter() - t
            cpu[side.name] += time.process_time() - c
    return {name: (rate(counts[name], seconds[name]), rate(counts[name], cpu[name])) for name in seconds}


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


def run_backend(backend: str, events: int, pg_url: str) -> dict[str, tuple[tuple[float, float], tuple[float, float]]]:
    singles, batches = max(events // 10, 50), max(events // 100, 1)
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            sides = [Zhili(f"sqlite:///{tmp}/zhili.db"), EventSourcing.sqlite(f"{tmp}/es.db")]
        else:
            ours, theirs = stack.enter_context(PgSchema(pg_url)), stack.enter_context(PgSchema(pg_url))
            sides = [Zhili(ours.scoped_url), EventSourcing.postgres(pg_url, theirs.name)]
        try:
            results = {
                "single": race(sides, "singles", singles),
                "batch": race(sides, "batches", batches),
                "read": race(sides, "read", 3, slices=3),
            }
        finally:
            for side in sides:
                side.close()
    return {k: (v["zhili"], v["eventsourcing"]) for k, v in results.items()}


LABELS = {"single": "append, 1 event/transaction", "batch": "append, batches of 100", "read": "read all, decoded"}


def print_table(results: dict[str, dict[str, tuple[tuple[float, float], tuple[float, float]]]], events: int) -> None:
    print(f"\nevent store, {events} batched + {max(events // 10, 50)} single events per backend, events/s "
          f"(sides alternate in slices; read all = the whole log, three times each)")
    print(f"{'backend':<10} {'workload':<30} {'zhili':>10} {'eventsourcing':>14} {'ratio':>7}")
    for backend, rows in results.items():
        for key, ((ours, _), (theirs, _)) in rows.items():
            print(f"{backend:<10} {LABELS[key]:<30} {ours:>10,.0f} {theirs:>14,.0f} {ours / theirs:>6.2f}x")
    if "sqlite" in results:
        (_, ours), (_, theirs) = results["sqlite"]["read"]
        print(f"sqlite read all per CPU-second (load-independent): zhili {ours:,.0f}, eventsourcing {theirs:,.0f}")


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
