"""Intake work on `<prefix>.intake`: documents received but not yet processed, for OCR workers.

A message is the `DocumentReceived` event (key = doc_id, value = its JSON, header
`event_id`). Workers in one consumer group share the topic; each processes a document
with the intake engineer's function (passed in by the CLI: this package never imports
ingest), which appends to the shared store under the document's claim, and commits the
offset only after that append. A message delivered twice finds the document finished and
is skipped; two workers racing on one document are settled by the store's
expected-version check.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from domain.vocabulary import DOCUMENT_PROCESSED, DOCUMENT_REJECTED, document_stream
from events import EventStore, RecordedEvent
from relay import broker
from relay.settings import INTAKE, KafkaSettings

log = logging.getLogger(__name__)

FINISHED = {DOCUMENT_PROCESSED, DOCUMENT_REJECTED}

# process([(doc_id, received_event_json), ...]) -> None: read each document to its end
# (OCR, extract, append its events under its claim), possibly several at once.
Process = Callable[[list[tuple[str, dict[str, Any]]]], None]


def intake_message(event: RecordedEvent) -> dict:
    return {
        "key": event.data["doc_id"].encode("utf-8"),
        "value": json.dumps(event.to_json(), ensure_ascii=False).encode("utf-8"),
        "headers": [("event_id", event.event_id.encode("ascii"))],
    }


def publish_received(settings: KafkaSettings, events: list[RecordedEvent]) -> None:
    """Put DocumentReceived events on the intake topic now (a watcher that does not wait for the relay)."""
    producer = broker.producer(settings)
    try:
        with broker.broker_errors(settings, "publishing intake work"):
            futures = [producer.send(settings.topic(INTAKE), **intake_message(e)) for e in events]
            producer.flush(timeout=settings.timeout_s * 2)
            for future in futures:
                future.get(timeout=0)
    finally:
        producer.close(timeout=1)


def is_finished(store: EventStore, doc_id: str) -> bool:
    return any(e.type in FINISHED for e in store.read_stream(document_stream(doc_id)))


@dataclass
class WorkerStats:
    processed: int = 0
    skipped: int = 0


class IntakeWorker:
    """Consumes intake work in a consumer group and processes each document once."""

    def __init__(self, store: EventStore, settings: KafkaSettings, process: Process,
                 group_id: str | None = None, jobs: int = 1, **consumer_overrides):
        self.store = store
        self.jobs = jobs
        self.settings = settings
        self.process = process
        self.group_id = group_id or f"{settings.prefix}.workers"
        self.consumer_overrides = consumer_overrides
        self.stats = WorkerStats()

    def run(self, stop: Callable[[], bool] = lambda: False, idle_exit_s: float | None = None) -> WorkerStats:
        """Work until `stop()`; with `idle_exit_s`, also stop after that long without a message."""
        broker.ensure_topics(self.settings)
        consumer = broker.consumer(self.settings, self.group_id, max_poll_records=self.jobs, **self.consumer_overrides)
        idle_since = time.monotonic()
        try:
            with broker.broker_errors(self.settings, "reading intake work"):
                consumer.subscribe([self.settings.topic(INTAKE)])
                while not stop():
                    batch = consumer.poll(timeout_ms=500)
                    if not consumer.assignment():  # still joining the group: not idle yet
                        idle_since = time.monotonic()
                    if not batch:
                        if idle_exit_s is not None and time.monotonic() - idle_since > idle_exit_s:
                            break
                        continue
                    self._handle([json.loads(r.value) for records in batch.values() for r in records])
                    # after the appends: a crash before this line redelivers, harmlessly
                    consumer.commit()
                    idle_since = time.monotonic()
        finally:
            consumer.close(autocommit=False)
        return self.stats

    def _handle(self, messages: list[dict[str, Any]]) -> None:
        work: dict[str, dict[str, Any]] = {}
        for received in messages:
            doc_id = received["data"]["doc_id"]
            if doc_id in work or is_finished(self.store, doc_id):
                self.stats.skipped += 1  # a redelivery, or another worker got there first
            else:
                work[doc_id] = received
        if work:
            self.process(list(work.items()))
            self.stats.processed += len(work)
