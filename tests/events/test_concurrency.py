"""Many processes on one log: one winner per conflict, a gap-free order readers can trust,
and a batch killed inside its transaction leaves nothing behind."""
from __future__ import annotations

import multiprocessing
import os
import signal
import time

from events import NewEvent, open_store
from events.verify import verify_chain
from tests.events import workers

mp = multiprocessing.get_context("fork")


def test_two_writers_same_expected_version_exactly_one_wins_every_round(store, db_url):
    rounds = 30
    barrier, results = mp.Barrier(2), mp.Queue()
    procs = [mp.Process(target=workers.contend, args=(db_url, "race", rounds, barrier, results, name)) for name in "ab"]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in range(2 * rounds)]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    for round_ in range(rounds):
        this_round = sorted(outcome for r, _, outcome in outcomes if r == round_)
        assert this_round == ["lost", "won"], f"round {round_}: {this_round}"
    stream = store.read_stream("race")
    assert [e.stream_version for e in stream] == list(range(1, rounds + 1))
    assert [e.data["round"] for e in stream] == list(range(rounds))


def test_concurrent_writers_leave_no_gap_a_polling_reader_could_skip(store, db_url):
    writers, batches, batch_size = 4, 40, 3
    total = writers * batches * batch_size
    # Writers pause a millisecond between batches, so the reader keeps catching up with a
    # log they are still writing; unpaced, they could finish inside one read_all, which
    # follows the head as it moves.
    procs = [mp.Process(target=workers.write_stream, args=(db_url, f"w{n}", batches, batch_size, 0.001))
             for n in range(writers)]
    for p in procs:
        p.start()
    seen, last, caught_up_mid_write, deadline = [], 0, 0, time.monotonic() + 90
    while len(seen) < total and time.monotonic() < deadline:
        for event in store.read_all(since=last, batch_size=7):
            # Had a later position become visible before an earlier one, the reader would
            # have moved past the earlier one here and never see it.
            assert event.position == last + 1, f"saw {event.position} right after {last}"
            last = event.position
            seen.append(event)
        caught_up_mid_write += 0 < len(seen) < total
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert [e.position for e in seen] == list(range(1, total + 1))
    assert caught_up_mid_write > writers, "the reader never overlapped the writers"
    for n in range(writers):
        assert [e.stream_version for e in store.read_stream(f"w{n}")] == list(range(1, batches * batch_size + 1))
    assert verify_chain(store).ok


def test_batch_killed_inside_its_transaction_writes_nothing(store, db_url):
    store.append("before", [NewEvent("A", {"n": n}) for n in range(3)], expected_version=0)
    head_before = store.head()
    inside = mp.Event()
    child = mp.Process(target=workers.append_and_hang, args=(db_url, "big", 2000, inside))
    child.start()
    assert inside.wait(60), "the child never wrote its batch"
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL

    reopened = open_store(db_url)
    try:
        assert reopened.head() == head_before
        assert reopened.read_stream("big") == []
        assert reopened.stream_version("big") == 0
        # The dead writer's lock is gone and its rows never existed: the log goes on.
        assert reopened.append("big", [NewEvent("Big", {"i": 0})], expected_version=0) == [head_before[0] + 1]
        assert verify_chain(reopened).ok
    finally:
        reopened.engine.dispose()
