"""Projection throughput: a full replay of a generated history, memory, scaling, one update.

    python bench/projections.py [--events N] [--backends sqlite,postgres] [--no-ratio]

The history (tests/projections/history.py) is about 10 events per document: certificates
(≈ 88 % of documents, some low-confidence then corrected), duplicates, self-check reports
and rosters over N/200 enterprises; N = 1M gives ≈ 100k certificates over 5k entities. It
is appended in bulk (many documents per `store.append`). For each backend it prints: the
full replay of all projections (log events/s; goal ≥ 30k/s on SQLite), the replay's peak
RSS in a fresh process (goal ≤ 1 GiB), one new document caught up (goal ≤ 50 ms on SQLite),
the read side (export of all certificates), and on SQLite the replay time at 2N against N
(linear: ≈ 2.0). The machine is shared: the replay's own CPU time is printed beside the
wall time (on SQLite the database work runs in the process, so it counts there).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

import projections  # noqa: E402
from events import open_store  # noqa: E402
from projections import views  # noqa: E402
from tests.projections import history as h  # noqa: E402

DEFAULT_PG = os.environ.get("ZHILI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fill(store, n_events: int, seed: int = 1) -> int:
    """Append the generated history, many documents per append (one transaction each)."""
    pending, count, chunk = [], 0, 0
    for _stream, events in h.generate(n_events, seed=seed, n_entities=max(3, n_events // 200)):
        pending.extend(events)
        if len(pending) >= 5000:
            store.append(f"bench-{chunk}", pending)
            count, chunk, pending = count + len(pending), chunk + 1, []
    if pending:
        store.append(f"bench-{chunk}", pending)
        count += len(pending)
    return count


def replay_in_fresh_process(url: str) -> dict:
    """Time a full replay in a child process, so its peak RSS is the replay's alone."""
    out = subprocess.run([sys.executable, __file__, "--replay-only", url], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def replay_only(url: str) -> None:
    store = open_store(url)
    before = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    applied = projections.replay(store)
    seconds = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "applied": applied, "peak_mib": high_water_mib()}))


def high_water_mib() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over from the parent
    across fork and exec, so a child would report its parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_document(store) -> float:
    """Milliseconds to catch up after one new certificate document (5 events)."""
    label = uuid.uuid4().hex
    doc = h.doc_id(label)
    pid = h.person_id(7)
    h.add(store, doc, h.received(doc), h.certificate(doc, cert_no="T" + pid, id_number=pid), h.processed(doc))
    t = time.perf_counter()
    projections.catch_up(store)
    return (time.perf_counter() - t) * 1000


def run(url: str, n_events: int) -> dict:
    store = open_store(url)
    t = time.perf_counter()
    count = fill(store, n_events)
    fill_s = time.perf_counter() - t
    result = replay_in_fresh_process(url)
    update_ms = sorted(one_document(store) for _ in range(5))[2]
    t = time.perf_counter()
    certs = views.certificates(views.load(store.engine), views.as_of_date(None))
    read_s = time.perf_counter() - t
    export_mib = high_water_mib()
    store.engine.dispose()
    return {"events": count, "fill_s": fill_s, "replay_s": result["seconds"], "rate": count / result["seconds"],
            "cpu_s": result["cpu_seconds"], "cpu_rate": count / result["cpu_seconds"],
            "peak_mib": result["peak_mib"], "update_ms": update_ms, "certificates": len(certs), "export_s": read_s,
            "export_mib": export_mib}


class PgSchema:
    """A throwaway schema on the shared server, dropped afterwards."""

    def __init__(self, url: str):
        self.url, self.schema = url, f"bench_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        self.admin = sa.create_engine(self.url)
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {self.schema}")
        return f"{self.url}?options=-csearch_path%3D{self.schema}"

    def __exit__(self, *exc):
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {self.schema} CASCADE")
        self.admin.dispose()


def report(backend: str, r: dict) -> None:
    print(f"{backend:9} {r['events']:>9,} events  fill {r['fill_s']:6.1f}s  replay {r['replay_s']:6.1f}s "
          f"= {r['rate']:8,.0f} ev/s (goal 30,000: x{r['rate'] / 30000:.2f}; per CPU-second of this "
          f"process {r['cpu_rate']:8,.0f})  peak {r['peak_mib']:6.0f} MiB "
          f"(goal 1024)  one document {r['update_ms']:5.1f} ms (goal 50)  export {r['certificates']:,} "
          f"certificates {r['export_s']:.1f}s (process peak {r['export_mib']:.0f} MiB)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--no-ratio", action="store_true", help="skip the 2N run on SQLite")
    parser.add_argument("--replay-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up the PostgreSQL schema when stopped
    if args.replay_only:
        replay_only(args.replay_only)
        return
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                results[backend] = run(f"sqlite:///{folder}/n.db", args.events)
            else:
                with PgSchema(args.pg) as url:
                    results[backend] = run(url, args.events)
            report(backend, results[backend])
        if "sqlite" in results and not args.no_ratio:
            double = run(f"sqlite:///{folder}/2n.db", 2 * args.events)
            report("sqlite 2N", double)
            single = results["sqlite"]
            print(f"scaling: replay at 2N / N = {double['replay_s'] / single['replay_s']:.2f} wall, "
                  f"{double['cpu_s'] / single['cpu_s']:.2f} CPU (linear: 2.00)")


if __name__ == "__main__":
    main()
