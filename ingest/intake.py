"""Taking files in: read, keep, claim, read out in workers, record, then move the file.

The order is what makes a crash harmless. (1) The bytes go to the document store first,
(2) then `DocumentReceived` claims them, (3) workers read the document, (4) the results are
appended in one batch, (5) the file leaves the intake folder last. A crash before (2)
leaves the file in place to be taken again; after (2) the document is unfinished and
resumed from the document store on the next start; after (4) only the move remains, which
the next look at the file completes. Two intakes on one folder meet in the store (one
claim wins) and in a per-document lock file (only one reads a document at a time).
"""
from __future__ import annotations

import fcntl
import hashlib
import mimetypes
import os
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from domain import privacy
from domain import vocabulary as v
from ingest import folder, ledger
from ingest.docstore import DocumentStore
from ingest.folder import Drop, Snapshot, county_from_folder
from ingest.processing import Failed, Processed, Rejected, Task
from ingest.reasons import reason, reason_text

@dataclass(frozen=True)
class Settings:
    engine: str = "auto"
    jobs: int = 1
    county: str | None = None  # overrides the folder's county
    move: bool = True  # move taken files to .done/.rejected (watch); `ingest` may keep them
    max_attempts: int = 3
    time_limit: float = 600.0
    max_pages: int = 200
    max_bytes: int = 200 * 1024 * 1024  # larger files are refused before being read into memory
    review_bar: float = 0.9
    retry_delay: float = 1.0
    claim_only: bool = False  # keep and claim, but leave the reading to `zhili worker`s


@dataclass
class Summary:
    received: int = 0
    duplicates: int = 0
    needs_review: int = 0
    rejected: int = 0
    processed: int = 0
    failed_attempts: int = 0

    def line(self) -> str:
        return (f"{self.received} received, {self.duplicates} duplicates, "
                f"{self.needs_review} needs-review, {self.rejected} rejected")


def mask(path: str) -> str:
    """A path fit for a log line: names and ID numbers in it masked (`domain.privacy`)."""
    return privacy.scrub_path(path)


def drop_key(drop: Drop, snap: Snapshot | None) -> str:
    """Names this very file (path, size, mtime, inode): the same drop seen twice is not a duplicate."""
    raw = os.fsencode(drop.path) + b"|" + (snap.key if snap else "bytes").encode()
    return hashlib.sha256(raw).hexdigest()[:32]


Log = Callable[..., None]


def _quiet(event: str, **fields) -> None:
    pass


@dataclass
class _Pending:
    task: Task
    not_before: float = 0.0


class Intake:
    """One intake: a store, a document store, a pool of readers, and what is in flight."""

    def __init__(self, store, docs: DocumentStore, settings: Settings, pool, log: Log = _quiet):
        self.store, self.docs, self.settings, self.pool, self.log = store, docs, settings, pool, log
        self.summary = Summary()
        self.queue: deque[_Pending] = deque()
        self.running: set[str] = set()
        self.active: set[str] = set()  # queued or running here
        self.held: set[str] = set()  # paths of files waiting for their document to finish
        self.waiting: dict[str, list[tuple[Drop, Snapshot | None]]] = {}
        self.locks: dict[str, int] = {}
        self.finished: int = 0  # documents this intake saw to an end (for progress)
        self.on_finish: Callable[[str], None] | None = None

    # -- taking files ------------------------------------------------------------------
    def offer(self, drop: Drop) -> str:
        """Take one file; returns what happened to it (for logs and tests)."""
        county = self.settings.county or drop.county
        if folder.link_escapes(drop):
            return self._refuse(drop, county, "symlink", "link target " + folder.display(os.path.realpath(drop.path)))
        if os.path.islink(drop.path):
            return "skipped_link"  # a link within the folder: its target is taken on its own
        before = folder.snapshot(drop.path)
        if before is None:
            self.log("vanished", file=mask(folder.display(drop.relative)))
            return "vanished"
        if before.size == 0 and folder.is_regular(drop.path):  # nothing to wait for, nothing to read
            return self._refuse(drop, county, "empty", "0 bytes")
        if before.size > self.settings.max_bytes:
            return self._refuse(drop, county, "too_large", f"{before.size} bytes > {self.settings.max_bytes}")
        try:
            data = folder.read_regular(drop.path)
        except FileNotFoundError:
            self.log("vanished", file=mask(folder.display(drop.relative)))
            return "vanished"
        except IsADirectoryError:
            return self._refuse(drop, county, "not_a_file", "")
        except PermissionError as exc:
            return self._refuse(drop, county, "unreadable", exc.strerror or "")
        except OSError as exc:
            if exc.errno in (getattr(os, "ELOOP", 40),):  # a link swapped in after the scan
                return self._refuse(drop, county, "symlink", "")
            raise
        if folder.snapshot(drop.path) != before or before.size != len(data):
            self.log("changed_while_reading", file=mask(folder.display(drop.relative)))
            return "changed"
        return self.offer_bytes(data, drop, before)

    def offer_bytes(self, data: bytes, drop: Drop, snap: Snapshot | None) -> str:
        """Keep the bytes, claim the document, and queue it (or place the file if finished)."""
        doc_id = self.docs.put(data)
        county_name, known = county_from_folder(self.settings.county or drop.county) \
            if (self.settings.county or drop.county) else (None, False)
        media_type = mimetypes.guess_type("x" + drop.suffix)[0] or "application/octet-stream"
        arrival = ledger.Arrival(
            doc_id=doc_id, filename=folder.display(drop.name), relative_path=folder.display(drop.relative),
            county=county_name, county_known=known, size=len(data), media_type=media_type,
            drop=drop_key(drop, snap),
        )
        claim = ledger.claim(self.store, arrival)
        self.log(claim.state, doc=doc_id[:12], county=county_name, file=mask(arrival.relative_path))
        if claim.state in ("new", "resume"):
            self.summary.received += 1
        else:
            self.summary.duplicates += 1
        if claim.counties_in_question:  # the same bytes in another county's folder: a clerk decides
            self.summary.needs_review += 1
            self.log("county_conflict", doc=doc_id[:12], counties="/".join(claim.counties_in_question),
                     file=mask(arrival.relative_path))
        if claim.outcome:
            self._place(drop, snap, doc_id, claim.outcome, claim.reason_code)
        else:
            self.waiting.setdefault(doc_id, []).append((drop, snap))
            self.held.add(drop.path)
            self.enqueue(doc_id)
        return claim.state

    def _refuse(self, drop: Drop, county: str | None, code: str, detail: str) -> str:
        """A file that cannot even be read: no document, but an event, a reason file, and
        the file kept."""
        self.summary.rejected += 1
        self.log("refused", code=code, file=mask(folder.display(drop.relative)))
        r = reason(code, detail)
        ledger.record_refusal(self.store, drop_key(drop, folder.snapshot(drop.path)), {
            "filename": folder.display(drop.name), "relative_path": folder.display(drop.relative),
            "county": county, "reason_code": code, "reason_zh": r.zh, "reason_en": r.en, "detail": detail,
        })
        if self.settings.move and drop.root is not None:
            moved = folder.move(drop.path, folder.destination(drop, folder.REJECTED, county), None)
            if moved:
                folder.write_reason(moved, reason_text(r, folder.display(drop.relative), None))
        return "refused"

    # -- reading documents -------------------------------------------------------------
    def enqueue(self, doc_id: str, delay: float = 0.0) -> None:
        if doc_id in self.active:
            return
        received = ledger.received_event(self.store, doc_id)
        if received is None:
            raise ValueError(f"document {doc_id[:12]} was never received")
        d = received.data
        task = Task(doc_id, str(self.docs.root), d["filename"], d.get("county"), bool(d.get("county_known")),
                    self.settings.engine, self.settings.max_pages, self.settings.review_bar, self.settings.time_limit)
        self.queue.append(_Pending(task, time.monotonic() + delay))
        self.active.add(doc_id)
        if not self.settings.claim_only:
            self.pool.start()

    def resume_unfinished(self) -> int:
        """Queue every document received but not finished (by anyone, at any time)."""
        pending = ledger.unfinished(self.store)
        for doc_id in pending:
            self.enqueue(doc_id)
        if pending:
            self.log("resume", documents=len(pending))
        return len(pending)

    @property
    def idle(self) -> bool:
        return not self.queue and not self.running

    def pump(self, timeout: float = 0.2) -> None:
        """Hand queued documents to idle readers; record what the readers finished."""
        self._dispatch()
        finished = self.pool.collect(timeout if self.running else 0)
        recorded = 0
        try:
            if finished:
                self._dispatch()  # the freed readers start on the next documents while these are recorded
            for task, result in finished:
                self._record(task, result)
                recorded += 1
        except Exception:
            # The store went away (a terminated connection, a restart) before these results
            # were on the record. Forget the documents here: they are still unfinished in
            # the log, and `resume_unfinished` reads them again.
            for task, _ in finished[recorded:]:
                self._forget(task.doc_id)
            raise
        if not self.running and self.queue:
            # everything queued waits for a retry delay or another intake's lock
            time.sleep(min(timeout, 0.2))

    def drain(self) -> None:
        while not self.idle:
            self.pump(0.5)

    def _dispatch(self) -> None:
        now = time.monotonic()
        for _ in range(len(self.queue)):
            if self.pool.idle <= 0:
                return
            pending = self.queue.popleft()
            doc_id = pending.task.doc_id
            if pending.not_before > now:
                self.queue.append(pending)
                continue
            try:
                self._dispatch_one(pending, now)
            except Exception:
                if doc_id not in self.running:  # the store went away before a reader had it
                    self._forget(doc_id)  # unfinished in the log: `resume_unfinished` queues it again
                raise

    def _dispatch_one(self, pending: _Pending, now: float) -> None:
        doc_id = pending.task.doc_id
        events = self.store.read_stream(v.document_stream(doc_id))
        outcome, code = ledger.status(events)
        if outcome:  # another intake finished it meanwhile
            self._done(doc_id, outcome, code)
            return
        if self.settings.claim_only:  # a worker elsewhere reads it: look again later
            pending.not_before = now + 2.0
            self.queue.append(pending)
            return
        if not self._lock(doc_id):  # another intake reads it now: look again soon
            pending.not_before = now + 1.0
            self.queue.append(pending)
            return
        if sum(1 for e in events if e.type == v.PROCESSING_FAILED) >= self.settings.max_attempts:
            self._finish(pending.task, self._give_up(events))
            return
        if not self.docs.has(doc_id):
            self._unlock(doc_id)
            self.active.discard(doc_id)
            self.log("missing_original", doc=doc_id[:12])
            return
        self.running.add(doc_id)
        self.pool.submit(pending.task)

    def _forget(self, doc_id: str) -> None:
        """Stop tracking a document here (it stays unfinished in the log, held drops kept)."""
        self.running.discard(doc_id)
        self.active.discard(doc_id)
        self.queue = deque(p for p in self.queue if p.task.doc_id != doc_id)
        self._unlock(doc_id)

    def _give_up(self, events) -> Rejected:
        last = next((e.data.get("error", "") for e in reversed(events) if e.type == v.PROCESSING_FAILED), "")
        code = "document_timeout" if "time limit" in last else "processing_failed"
        r = reason(code, last)
        return Rejected(code, r.zh, r.en, last)

    def _record(self, task: Task, result) -> None:
        doc_id = task.doc_id
        self.running.discard(doc_id)
        if isinstance(result, Failed):
            attempt = ledger.record_failure(self.store, doc_id, result.error)
            self.summary.failed_attempts += 1
            self.log("failed", doc=doc_id[:12], attempt=attempt, error=result.error.split(" | ")[0][:120])
            if attempt >= self.settings.max_attempts:
                self._finish(task, self._give_up(self.store.read_stream(v.document_stream(doc_id))))
            else:
                self._unlock(doc_id)
                self.active.discard(doc_id)
                self.enqueue(doc_id, delay=self.settings.retry_delay)
            return
        if isinstance(result, Processed) and result.extraction_failure:
            # The bug must be seen and fixed; the document itself went to review, not to a retry.
            self.log("extraction_failed", doc=doc_id[:12], file=mask(folder.display(task.filename)),
                     error=result.extraction_failure)
        self._finish(task, result)

    def _finish(self, task: Task, result: Processed | Rejected) -> None:
        doc_id = task.doc_id
        if isinstance(result, Processed):
            events = list(result.events)
        else:
            events = ledger.rejection(doc_id, task.filename, result.code, result.reason_zh,
                                      result.reason_en, result.detail)
        outcome, code = ledger.finish(self.store, doc_id, events)
        ours = outcome == ledger.status(events)[0]
        if ours and isinstance(result, Processed):
            self.summary.processed += 1
            self.summary.needs_review += 1 if result.needs_review else 0
        elif ours:
            self.summary.rejected += 1
        self.log("processed" if outcome == v.DOCUMENT_PROCESSED else "rejected", doc=doc_id[:12],
                 code=code, needs_review=getattr(result, "needs_review", None))
        self._done(doc_id, outcome, code)

    def _done(self, doc_id: str, outcome: str, code: str | None) -> None:
        self.active.discard(doc_id)
        for drop, snap in self.waiting.pop(doc_id, []):
            self.held.discard(drop.path)
            self._place(drop, snap, doc_id, outcome, code)
        self._unlock(doc_id)
        self.finished += 1
        if self.on_finish:
            self.on_finish(doc_id)

    def _place(self, drop: Drop, snap: Snapshot | None, doc_id: str, outcome: str, code: str | None) -> None:
        """Move the file out of the intake: the last step, after everything is recorded."""
        if not self.settings.move or drop.root is None:
            return
        county = self.settings.county or drop.county
        if outcome == v.DOCUMENT_PROCESSED:
            folder.move(drop.path, folder.destination(drop, folder.DONE, county), snap)
            return
        moved = folder.move(drop.path, folder.destination(drop, folder.REJECTED, county), snap)
        if moved:
            r = reason(code or "processing_failed", self._detail(doc_id))
            folder.write_reason(moved, reason_text(r, folder.display(drop.relative), doc_id))

    def _detail(self, doc_id: str) -> str:
        for e in self.store.read_stream(v.document_stream(doc_id)):
            if e.type == v.DOCUMENT_REJECTED:
                return e.data.get("detail", "")
        return ""

    # -- one reader per document across processes on this machine ------------------------
    def _lock(self, doc_id: str) -> bool:
        """Lock the stored original itself (flock works on a read-only file): no lock files
        pile up, and the kernel releases the lock when its holder dies, even by SIGKILL."""
        if doc_id in self.locks:
            return True
        try:
            fd = os.open(self.docs.path(doc_id), os.O_RDONLY)
        except FileNotFoundError:
            return True  # no original here: `_dispatch` reports it missing
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.locks[doc_id] = fd
        return True

    def _unlock(self, doc_id: str) -> None:
        fd = self.locks.pop(doc_id, None)
        if fd is not None:
            os.close(fd)  # closing releases the lock

    def close(self) -> None:
        for doc_id in list(self.locks):
            self._unlock(doc_id)
        self.pool.close()
