"""An upload takes the watcher's path: kept by SHA-256, claimed once, read, quarantined with a reason.

The server owns one `ingest` intake (the same `Intake` the watcher runs) in one thread:
the intake is not thread-safe, so request threads hand it bytes through a queue and wait
for the claim, and the thread reads documents between uploads. Nothing is reimplemented
here; this module only adapts an HTTP upload to an intake drop.
"""
from __future__ import annotations

import queue
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass

from domain.counties import COUNTIES, county_from_folder
from ingest.docstore import DocumentStore, sha256_hex
from ingest.folder import SUPPORTED, Drop
from ingest.intake import Intake, Settings
from ingest.workers import WorkerPool

COUNTY_NAMES = tuple(c.name for c in COUNTIES)


class UploadRefused(ValueError):
    """An upload the intake will not take: `status` is the HTTP status, `code` the error code."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Taken:
    doc_id: str
    state: str  # "new", "duplicate", "resume", ... (the intake's claim state)
    county: str
    filename: str


def check(filename: str, county: str, size: int, max_bytes: int) -> tuple[str, str]:
    """(county, suffix) of an acceptable upload, else UploadRefused."""
    if size > max_bytes:
        raise UploadRefused(413, "too_large", f"文件过大：{size} 字节，上限 {max_bytes} 字节")
    if size == 0:
        raise UploadRefused(422, "empty", "文件为空")
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if suffix not in SUPPORTED:
        raise UploadRefused(415, "unsupported_type",
                            f"不支持的文件类型 {suffix or '（无扩展名）'}；可上传 {' '.join(sorted(SUPPORTED))}")
    name, known = county_from_folder(county or "")
    if not county or not known:
        raise UploadRefused(422, "unknown_county", f"未知的县市区 {county!r}；可选：{'、'.join(COUNTY_NAMES)}")
    return name, suffix


class Uploads:
    """The server's intake thread."""

    def __init__(self, store, docs: DocumentStore, settings: Settings | None = None, on_finish=None):
        self.settings = settings or Settings(move=False, jobs=1)
        self.store, self.docs = store, docs
        self.on_finish = on_finish
        self._requests: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.intake: Intake | None = None
        self.reading: set[str] = set()
        self.waiting: int = 0

    @property
    def max_bytes(self) -> int:
        return self.settings.max_bytes

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="zhili-intake", daemon=True)
        self._thread.start()
        ready.wait()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)

    def take(self, data: bytes, filename: str, county: str, timeout: float = 60) -> Taken:
        """Keep and claim one uploaded file (reading goes on after this returns)."""
        county, _suffix = check(filename, county, len(data), self.max_bytes)
        safe = filename.replace("/", "_").replace("\\", "_").lstrip(".") or "upload"
        done: Future = Future()
        self._requests.put((data, safe, county, done))
        state = done.result(timeout)
        return Taken(sha256_hex(data), state, county, safe)

    def _run(self, ready: threading.Event) -> None:
        intake = Intake(self.store, self.docs, self.settings, WorkerPool(self.settings.jobs))
        intake.on_finish = self._finished
        self.intake = intake
        try:
            intake.resume_unfinished()
        finally:
            ready.set()
        try:
            while not self._stop.is_set():
                try:
                    data, name, county, done = self._requests.get(timeout=0.05 if not intake.idle else 0.2)
                except queue.Empty:
                    pass
                else:
                    try:
                        drop = Drop(path=f"/upload/{uuid.uuid4().hex}/{name}", root=None,
                                    relative=f"{county}/{name}", county=county)
                        done.set_result(intake.offer_bytes(data, drop, None))
                    except BaseException as exc:  # the request thread reports it
                        done.set_exception(exc)
                if not intake.idle:
                    intake.pump(0.05)
                self.reading = set(intake.running)
                self.waiting = len(intake.queue)
        finally:
            intake.close()

    def _finished(self, doc_id: str) -> None:
        if self.on_finish:
            self.on_finish(doc_id)
