"""Fault probes in CI, small counts: kills, two watchers, PostgreSQL cut off, a full disk.

Each ends with the invariants of `harness.Run.check`: every file in exactly one place,
one document per content, `zhili verify` passes, exports equal a fresh replay.
`bench/chaos.py` runs the same probes with hundreds of kills.
"""
from __future__ import annotations

import random
import threading
import uuid


from tests.chaos.harness import Run, sigkill_loop, terminate_connections, two_watchers, wait_for
from tests.conftest import PG_URL


def assert_ok(findings) -> None:
    assert findings.ok, findings.notes
    assert findings.lost == findings.doubled == findings.documents_wrong == 0


def test_sigkill_loop_over_watch(db_url, tmp_path):
    run = Run(tmp_path, db_url, n=12, seed=1)
    run.drop()
    kills = sigkill_loop(run, kills=6, rng=random.Random(1))
    assert kills == 6
    assert_ok(run.check(finished=False))  # mid-way: nothing lost or doubled already
    assert run.finish().returncode == 0
    assert_ok(run.check())


def test_two_watchers_one_killed_again_and_again(db_url, tmp_path):
    run = Run(tmp_path, db_url, n=12, seed=2)
    run.drop()
    two_watchers(run, kills=4, rng=random.Random(2))
    assert run.finish().returncode == 0
    assert_ok(run.check())


def test_postgres_connections_terminated_mid_run(pg_url, tmp_path):
    """The watcher retries by itself: `watch --once` ends with everything finished, without
    a restart and without a traceback."""
    name = f"zhili_chaos_{uuid.uuid4().hex[:8]}"
    run = Run(tmp_path, f"{pg_url}&application_name={name}", n=24, seed=3)
    run.drop()
    stop = threading.Event()
    counts: list[int] = []
    killer = threading.Thread(target=lambda: counts.extend(terminate_connections(PG_URL, name, stop, 0.2, rounds=5)))
    proc = run.start_watcher("--once")
    # cut connections once the watcher is at work (a store that cannot be opened at all is
    # a one-line error at start, not this probe)
    assert wait_for(lambda: run.received() > 0 or proc.poll() is not None), "the watcher took nothing"
    killer.start()
    try:
        _, err = proc.communicate(timeout=240)
    finally:
        stop.set()
        killer.join()
    run.stderr.append(err)
    assert sum(counts) >= 3, counts  # connections were really cut, more than once
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err, err[-3000:]
    assert '"store_unavailable"' in err
    assert_ok(run.check())
