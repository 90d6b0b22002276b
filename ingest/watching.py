"""Running an intake: once over given paths (`ingest`), or continuously over folders (`watch`).

The watcher learns of changes from the file system (inotify through watchdog, or polling
where inotify is unavailable, e.g. on network shares) and also rescans everything
periodically, because events get lost. A file is taken only after it has stopped changing
for `settle` seconds and its format says it is complete (`ocr.check_complete`): a file
still being copied in over SMB or FTP is never read half-written. A file that stays
incomplete and unchanged for `give_up` seconds is taken anyway, and then refused with
its reason, so a truncated upload does not wait forever.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Callable, Iterable

from sqlalchemy.exc import DBAPIError

from events import StoreError
from ingest import folder
from ingest.folder import Drop, Settler
from ingest.intake import Intake, mask


def collect_drops(paths: Iterable[str], county: str | None) -> list[Drop]:
    """The files named on the command line, folders expanded; a missing path is an error."""
    drops: list[Drop] = []
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            drops.extend(folder.scan(path, county))
        elif os.path.lexists(path):
            drops.append(folder.drop_for_file(path, county))
        else:
            raise FileNotFoundError(f"no such file or folder: {folder.display(path)}")
    return drops


def ingest_once(intake: Intake, drops: list[Drop], progress: Callable[[int, int], None] | None = None) -> None:
    """Resume what an earlier run left unfinished, take every drop, wait for all readers."""
    intake.resume_unfinished()
    total = len(drops) + len(intake.queue)
    done = 0

    def advance(_doc_id: str | None = None) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(min(done, total), total)

    intake.on_finish = advance
    for drop in drops:
        intake.offer(drop)
        if drop.path not in intake.held:
            advance()  # nothing left to wait for: refused, vanished, or already finished
        intake.pump(0)
    intake.drain()
    if progress:
        progress(total, total)


def complete(path: str) -> bool:
    """The format's own end marker is present (PDF %%EOF, PNG IEND, JPEG EOI, ZIP directory)."""
    if not folder.is_regular(path):
        return True  # links, pipes, folders: refused on their own, never waited for
    snap = folder.snapshot(path)
    if snap is not None and snap.size == 0:
        return True  # an empty file is refused at once (it has stopped changing: settled)
    try:
        import ocr

        return bool(ocr.check_complete(path))
    except Exception:  # unreadable now (permissions) or no checker: let the reader decide
        return True


class Watcher:
    """Takes files from intake folders until stopped."""

    def __init__(self, intake: Intake, roots: list[str], settle: float = 2.0, rescan: float = 60.0,
                 poll: bool = False, give_up: float = 600.0, log=None):
        self.intake = intake
        self.roots = [os.path.abspath(r) for r in roots]
        self.settler = Settler(settle)
        self.rescan = rescan
        self.poll = poll
        self.give_up = give_up
        self.log = log or intake.log
        self.dirty = threading.Event()
        self.stopped = threading.Event()
        self.tracked: dict[str, Drop] = {}
        self.refused: dict[str, folder.Snapshot | None] = {}
        self.incomplete_logged: set[str] = set()
        self.observer = None

    # -- change notifications -------------------------------------------------------------
    def _start_observer(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers.polling import PollingObserver

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                path = os.fsdecode(event.src_path)
                if f"{os.sep}{folder.DONE}" not in path and f"{os.sep}{folder.REJECTED}" not in path:
                    watcher.dirty.set()

        def start(observer_class) -> None:
            observer = observer_class()
            for root in self.roots:
                observer.schedule(Handler(), root, recursive=True)
            observer.daemon = True
            observer.start()
            self.observer = observer

        if not self.poll:
            try:
                from watchdog.observers import Observer

                start(Observer)
                return
            except OSError as exc:  # no inotify (limits reached, some file systems): poll instead
                self.log("inotify_unavailable", error=str(exc)[:100])
        start(PollingObserver)
        self.log("polling")

    # -- the loop -------------------------------------------------------------------------
    def stop(self) -> None:
        self.stopped.set()

    def run(self, once: bool = False) -> None:
        for root in self.roots:
            if not os.path.isdir(root):
                raise FileNotFoundError(f"no such intake folder: {folder.display(root)}")
        self._start_observer()
        try:
            resume_due = True  # at the start, and after every outage, until it succeeds
            next_scan = 0.0
            while not self.stopped.is_set():
                now = time.monotonic()
                try:
                    if resume_due:
                        self.intake.resume_unfinished()
                        resume_due = False
                    if self.dirty.is_set() or now >= next_scan:
                        self.dirty.clear()
                        self._scan()
                        next_scan = now + self.rescan
                    self._take_steady()
                    self.intake.pump(0.2 if self.intake.running else 0)
                except (StoreError, DBAPIError) as exc:
                    # The database is away (restart, network): files stay where they are and
                    # claimed documents stay unfinished; try again, then resume them.
                    self.log("store_unavailable", error=str(exc)[:200])
                    self.stopped.wait(5.0)
                    next_scan, resume_due = 0.0, True
                    continue
                if once and not self.tracked and self.intake.idle:
                    return
                if not self.intake.running:
                    self.stopped.wait(0.2)
        finally:
            if self.observer is not None:
                self.observer.stop()

    def _scan(self) -> None:
        drops = [d for root in self.roots if os.path.isdir(root) for d in folder.scan(root, self.intake.settings.county)]
        self.tracked = {d.path: d for d in drops}
        present = set(self.tracked)
        self.settler.prune(present)
        for path in list(self.refused):
            if path not in present:
                del self.refused[path]

    def _take_steady(self) -> None:
        for path, drop in list(self.tracked.items()):
            if path in self.intake.held:
                continue
            if path in self.refused and folder.snapshot(path) == self.refused[path]:
                del self.tracked[path]  # refused and could not be moved away; unchanged since
                continue
            if os.path.islink(path):
                self._offer(drop)
                continue
            snap = self.settler.steady(path)
            if snap is None:
                if not os.path.lexists(path):
                    self.tracked.pop(path, None)
                continue
            if not complete(path):
                waited = self.settler.unchanged_for(path)
                if waited < self.give_up:
                    if path not in self.incomplete_logged:
                        self.incomplete_logged.add(path)
                        self.log("incomplete_waiting", file=mask(folder.display(drop.relative)))
                    continue
            self._offer(drop)

    def _offer(self, drop: Drop) -> None:
        self.tracked.pop(drop.path, None)
        self.settler.forget(drop.path)
        self.incomplete_logged.discard(drop.path)
        if self.intake.offer(drop) == "refused" and os.path.lexists(drop.path):
            self.refused[drop.path] = folder.snapshot(drop.path)
