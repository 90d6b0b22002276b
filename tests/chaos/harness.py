"""Fault probes over real `zhili watch` processes, and the invariants checked after each.

Shared by `tests/chaos` (small counts, in CI) and `bench/chaos.py` (hundreds of kills).
A `Run` is one intake folder, one document store and one database; faults are applied
from outside, the way they happen: SIGKILL of the watcher's process group, a second
watcher, PostgreSQL terminating the watcher's connections, a full disk under the
document store. Afterwards `check()` asserts:

- every dropped file is in exactly one place (still in the intake, `.done` or `.rejected`):
  none lost, none doubled;
- one document per content: every distinct content has one `DocumentReceived`, its id
  is the content's SHA-256, and it is finished exactly once;
- `zhili verify` passes;
- the exports equal a fresh replay (`zhili replay`, then the same exports).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from domain import vocabulary as v
from tests.ingest.helpers import events_of, good_pdf, start_zhili, write, zhili

COUNTIES = ("泰山区", "岱岳区", "新泰市")
EXPORTS = (("export", "certificates"), ("export", "entities"), ("export", "review"), ("report", "summary"))


@dataclass
class Findings:
    """What a run's invariants found (all zero when nothing went wrong)."""

    files: int = 0
    lost: int = 0
    doubled: int = 0
    documents_wrong: int = 0
    verify_failures: int = 0
    export_mismatches: int = 0
    tracebacks: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.doubled or self.documents_wrong or self.verify_failures
                    or self.export_mismatches or self.tracebacks)

    def add(self, other: "Findings") -> None:
        for name in ("files", "lost", "doubled", "documents_wrong", "verify_failures", "export_mismatches",
                     "tracebacks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notes += other.notes


class Run:
    """One intake, document store and database, with `n` files (some the same bytes)."""

    def __init__(self, root: Path, db_url: str, n: int, seed: int = 0, docs: Path | None = None):
        self.root, self.db, self.n = Path(root), db_url, n
        self.intake = self.root / "in"
        self.docs = docs or self.root / "docs"
        self.dropped: dict[str, bytes] = {}  # relative path → bytes
        rng = random.Random(seed)
        for i in range(n):
            # every fifth file repeats an earlier one's bytes under another name
            content = good_pdf(1000 + (rng.randrange(i) if i and i % 5 == 0 else i) + seed * 10000)
            rel = f"{COUNTIES[i % len(COUNTIES)]}/c{seed}-{i:03}.pdf"
            self.dropped[rel] = content
        self.stderr: list[str] = []

    def drop(self) -> None:
        for rel, content in self.dropped.items():
            write(self.intake / rel, content)

    def watch_args(self, *more: str) -> tuple[str, ...]:
        return ("watch", str(self.intake), "--settle-seconds", "0.1", "--rescan-seconds", "1",
                "--give-up-seconds", "5", "--attempts", "3", *more)

    def start_watcher(self, *more: str) -> subprocess.Popen:
        return start_zhili(self.db, *self.watch_args(*more), docs=self.docs, start_new_session=True)

    def finish(self, timeout: float = 300) -> subprocess.CompletedProcess:
        """A clean `watch --once` that completes whatever the faults left."""
        done = zhili(self.db, *self.watch_args("--once"), docs=self.docs, timeout=timeout)
        self.stderr.append(done.stderr)
        return done

    def received(self) -> int:
        try:
            return sum(1 for e in events_of(self.db) if e.type == v.DOCUMENT_RECEIVED)
        except Exception:  # the log is being created
            return 0

    # -- invariants ---------------------------------------------------------------------
    def places(self, rel: str) -> int:
        county, name = rel.split("/", 1)
        stem, ext = os.path.splitext(name)
        found = 0
        for base in (self.intake / county, self.intake / ".done" / county, self.intake / ".rejected" / county):
            if not base.is_dir():
                continue
            for entry in os.listdir(base):
                if entry == name or (entry.startswith(stem + " (") and entry.endswith(")" + ext)):
                    found += 1
        return found

    def check(self, finished: bool = True) -> Findings:
        f = Findings(files=len(self.dropped))
        for rel in self.dropped:
            n = self.places(rel)
            if n == 0:
                f.lost += 1
                f.notes.append(f"lost {rel}")
            elif n > 1:
                f.doubled += 1
                f.notes.append(f"doubled {rel} ({n} places)")
        if finished:
            left = [rel for rel in self.dropped if (self.intake / rel).exists()]
            f.notes += [f"still in the intake: {rel}" for rel in left]
            f.lost += len(left)  # after a clean finish nothing may wait in the intake
        events = events_of(self.db)
        received = Counter(e.data["doc_id"] for e in events if e.type == v.DOCUMENT_RECEIVED)
        finishes = Counter(e.data["doc_id"] for e in events if e.type in (v.DOCUMENT_PROCESSED, v.DOCUMENT_REJECTED))
        contents = {hashlib.sha256(c).hexdigest() for c in self.dropped.values()}
        wrong = {d for d, k in received.items() if k != 1} | (set(received) - contents)
        if finished:
            wrong |= (contents - set(received)) | {d for d in contents if finishes.get(d) != 1}
        else:
            wrong |= {d for d, k in finishes.items() if k != 1}
        f.documents_wrong = len(wrong)
        f.notes += [f"document {d[:12]}: received {received.get(d, 0)}, finished {finishes.get(d, 0)}" for d in wrong]
        verified = zhili(self.db, "verify")
        if verified.returncode != 0:
            f.verify_failures = 1
            f.notes.append("verify: " + (verified.stderr or verified.stdout).strip()[:200])
        before = [zhili(self.db, *e).stdout for e in EXPORTS]
        replayed = zhili(self.db, "replay")
        after = [zhili(self.db, *e).stdout for e in EXPORTS]
        if replayed.returncode != 0 or before != after or not all(json.loads(x) is not None for x in after):
            f.export_mismatches = 1
            f.notes.append("exports differ after a fresh replay")
        f.tracebacks = sum(err.count("Traceback") for err in self.stderr)
        return f


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def sigkill_loop(run: Run, kills: int, rng: random.Random, low: float = 0.3, high: float = 2.0) -> int:
    """Start a watcher and SIGKILL it (with its readers) after a random while, `kills` times."""
    done = 0
    for _ in range(kills):
        proc = run.start_watcher()
        time.sleep(rng.uniform(low, high))
        kill_group(proc)
        run.stderr.append(proc.stderr.read() if proc.stderr else "")
        done += 1
    return done


def two_watchers(run: Run, kills: int, rng: random.Random) -> int:
    """Two watchers on one folder (one polling); one of them killed and restarted `kills` times."""
    steady = run.start_watcher("--once")
    done = 0
    for _ in range(kills):
        other = run.start_watcher("--poll")
        time.sleep(rng.uniform(0.3, 1.5))
        kill_group(other)
        run.stderr.append(other.stderr.read() if other.stderr else "")
        done += 1
    _, err = steady.communicate(timeout=300)
    run.stderr.append(err)
    if steady.returncode != 0:
        run.stderr.append(f"watch --once exited {steady.returncode}")
    return done


def terminate_connections(admin_url: str, application_name: str, stop: threading.Event, every: float,
                          rounds: int = 1_000_000) -> list[int]:
    """Terminate the named application's PostgreSQL sessions every `every` seconds, until
    stopped or `rounds` rounds have cut at least one session each."""
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url)
    counts: list[int] = []
    try:
        while not stop.wait(every) and sum(1 for c in counts if c) < rounds:
            with engine.begin() as conn:
                counts.append(len(conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid <> pg_backend_pid()"), {"name": application_name}).all()))
    finally:
        engine.dispose()
    return counts
