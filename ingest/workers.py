"""Worker processes that read documents, each in isolation, each under a time limit.

A crash of the reader (segfault, SIGKILL, MemoryError) costs the document it was reading,
never the watcher: the parent notices the dead process, reports `Failed` for that task
and starts a fresh worker. A task running past its time limit is killed the same way.
Workers are started with "spawn" (no inherited locks, database connections or threads)
and run single-threaded (OMP_THREAD_LIMIT=1), so N jobs use N cores.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait

from ingest.processing import Failed, Task, process

SINGLE_THREAD = {"OMP_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


READY = "ready"
STARTUP_LIMIT = 180.0  # seconds a fresh worker may take to load the readers


def _serve(conn) -> None:
    """A worker's life: load the readers, say so, then answer tasks until told to stop.

    The OCR engines load on a document's first scanned page, not here: text-layer PDFs and
    rosters need none (loading RapidOCR's models in every reader cost a text-layer intake
    a fifth of its speed)."""
    try:
        import ingest.extract  # noqa: F401  (slow imports happen before any task's clock starts)
        import ocr.reader  # noqa: F401
    except Exception:  # reported per task by `process`
        pass
    conn.send(READY)
    while True:
        try:
            task = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if task is None:
            return
        try:
            _inject_fault(task)
            result = process(task)
        except MemoryError:
            result = Failed("out of memory")
        except Exception as exc:  # a bug of the reading (OCR) itself: the parent retries, then quarantines
            result = _failed(exc)
        conn.send(result)


def _failed(exc: BaseException) -> Failed:
    """The error as logged and recorded in ProcessingFailed: its message masked (it can quote
    what was read), then the last frames. Extraction's own exceptions never get here
    (`process` sends those documents to review)."""
    try:
        from ingest.extract.failure import caught
    except Exception:  # the readers do not even import: the type is all that is safe to tell
        return Failed(type(exc).__name__)
    told = caught("reading", exc)
    first, _, frames = told.traceback.partition("\n")
    return Failed(first[:300] + " | " + frames[-400:])


def _inject_fault(task: Task) -> None:
    """Test hook (fault injection, as OCRmyPDF's tests do): `ZHILI_FAULTS=crash:NAME,hang:NAME,
    oom:NAME` makes the reader of a file whose name contains NAME die, hang or run out of memory."""
    for fault in filter(None, os.environ.get("ZHILI_FAULTS", "").split(",")):
        kind, _, needle = fault.partition(":")
        if needle and needle in task.filename:
            if kind == "crash":
                os.kill(os.getpid(), signal.SIGKILL)
            elif kind == "hang":
                time.sleep(3600)
            elif kind == "oom":
                raise MemoryError


@dataclass
class _Slot:
    process: multiprocessing.Process
    conn: object
    task: Task | None = None
    started: float = 0.0
    done: int = 0
    ready: bool = False
    born: float = 0.0


class WorkerPool:
    """`jobs` worker processes; `submit` a task to an idle one, `collect` finished results."""

    def __init__(self, jobs: int, max_tasks_per_worker: int = 200):
        for key, value in SINGLE_THREAD.items():
            os.environ.setdefault(key, value)
        self.jobs = jobs
        self.max_tasks = max_tasks_per_worker
        self.context = multiprocessing.get_context("spawn")
        self.slots: list[_Slot | None] = [None] * jobs

    def start(self) -> None:
        """Start every missing worker now, so that they load their readers while the caller
        is still finding and claiming documents (a worker takes about half a second)."""
        for i, slot in enumerate(self.slots):
            if slot is None:
                self.slots[i] = self._start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def idle(self) -> int:
        return sum(1 for s in self.slots if s is None or s.task is None)

    @property
    def busy(self) -> int:
        return self.jobs - self.idle

    def _start(self) -> _Slot:
        parent, child = self.context.Pipe()
        proc = self.context.Process(target=_serve, args=(child,), daemon=True, name="zhili-reader")
        proc.start()
        child.close()
        return _Slot(proc, parent, born=time.monotonic())

    def submit(self, task: Task) -> None:
        for i, slot in enumerate(self.slots):
            if slot is None or not slot.process.is_alive():
                if slot is not None:
                    self._stop(slot)
                slot = self.slots[i] = self._start()
            if slot.task is None:
                slot.task, slot.started = task, time.monotonic()
                try:
                    slot.conn.send(task)
                except OSError:  # it died just now: `collect` reports the task as failed
                    pass
                return
        raise RuntimeError("no idle worker")

    def collect(self, timeout: float) -> list[tuple[Task, object]]:
        """Results ready within `timeout` seconds: (task, Processed | Rejected | Failed)."""
        busy = [s for s in self.slots if s is not None and s.task is not None]
        if not busy:
            if timeout > 0:
                time.sleep(timeout)
            return []
        deadline = min(self._deadline(s) for s in busy)
        wait_for = max(0.0, min(timeout, deadline - time.monotonic()))
        ready = wait([x for s in busy for x in (s.conn, s.process.sentinel)], timeout=wait_for)
        results = []
        for i, slot in enumerate(self.slots):
            if slot is None or slot.task is None:
                continue
            task = slot.task
            if slot.conn in ready:
                try:
                    result = slot.conn.recv()
                except (EOFError, OSError):
                    result = None
                if result == READY:  # the task's clock starts now, not while the worker loaded
                    slot.ready, slot.started = True, time.monotonic()
                    if not slot.conn.poll():
                        continue
                    try:
                        result = slot.conn.recv()
                    except (EOFError, OSError):
                        result = None
                if result is not None:
                    slot.task, slot.done = None, slot.done + 1
                    results.append((task, result))
                    if slot.done >= self.max_tasks:  # bound what a leaky library can hold
                        self._stop(slot)
                        self.slots[i] = None
                    continue
            if slot.process.sentinel in ready or slot.conn in ready or not slot.process.is_alive():
                slot.process.join(1)
                code = slot.process.exitcode
                results.append((task, Failed(f"reader process died (exit code {code})")))
            elif time.monotonic() > self._deadline(slot):
                limit = task.time_limit if slot.ready else STARTUP_LIMIT
                results.append((task, Failed(f"time limit of {limit:g} s exceeded")))
            else:
                continue
            self._kill(slot)
            self.slots[i] = None
        return results

    @staticmethod
    def _deadline(slot: _Slot) -> float:
        if not slot.ready:
            return slot.born + STARTUP_LIMIT
        return slot.started + slot.task.time_limit

    def _kill(self, slot: _Slot) -> None:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join(5)
        slot.conn.close()

    def _stop(self, slot: _Slot) -> None:
        try:
            slot.conn.send(None)
        except (OSError, ValueError):
            pass
        slot.process.join(2)
        self._kill(slot)

    def close(self) -> None:
        slots = [slot for slot in self.slots if slot is not None]
        self.slots = [None] * self.jobs
        idle = [slot for slot in slots if slot.task is None]
        for slot in idle:  # all told first, so that they wind down together
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        for slot in idle:
            slot.process.join(2)
        for slot in slots:
            self._kill(slot)


class InlinePool:
    """The same interface, reading in this process: for tests and single-document callers."""

    def __init__(self):
        self.results: list = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    idle = 1
    busy = 0

    def start(self) -> None:
        pass

    def submit(self, task: Task) -> None:
        try:
            self.results.append((task, process(task)))
        except Exception as exc:
            self.results.append((task, _failed(exc)))

    def collect(self, timeout: float) -> list:
        out, self.results = self.results, []
        return out

    def close(self) -> None:
        pass
