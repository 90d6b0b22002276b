"""Child-process bodies for the concurrency and crash tests (module level, so they pickle)."""
from __future__ import annotations

import time

from events import ConcurrencyError, NewEvent, open_store


def contend(url, stream_id, rounds, barrier, results, name):
    """Each round, append at the same expected version as the rival, at the same moment."""
    store = open_store(url)
    for round_ in range(rounds):
        barrier.wait()
        try:
            store.append(stream_id, [NewEvent("Tick", {"round": round_, "by": name})], expected_version=round_)
            results.put((round_, name, "won"))
        except ConcurrencyError:
            results.put((round_, name, "lost"))
        barrier.wait()  # both have finished this round before either starts the next
    store.engine.dispose()


def write_stream(url, stream_id, batches, batch_size, pause=0.0):
    store = open_store(url)
    for n in range(batches):
        store.append(
            stream_id,
            [NewEvent("Tick", {"batch": n, "i": i}) for i in range(batch_size)],
            expected_version=n * batch_size,
        )
        time.sleep(pause)
    store.engine.dispose()


def append_and_hang(url, stream_id, size, inside):
    """Append a big batch and stop dead once all its rows are written, just before
    COMMIT: the parent kills this process there with SIGKILL."""
    from events import backends

    store = open_store(url)
    backend = backends.of(store.engine.dialect.name)
    insert_rows = backend.insert_rows

    def insert_then_hang(conn, rows):
        insert_rows(conn, rows)
        (written,) = conn.exec_driver_sql(f"SELECT count(*) FROM zhili_events WHERE stream_id = '{stream_id}'").one()
        if written == size:  # visible inside this transaction only
            inside.set()
            time.sleep(120)

    backend.insert_rows = insert_then_hang
    store.append(stream_id, [NewEvent("Big", {"i": i, "pad": "x" * 200}) for i in range(size)], expected_version=0)
