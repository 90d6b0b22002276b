"""The transactional-outbox relay: the event log, in order, onto `<prefix>.events`.

The event store is the outbox. The relay reads it from its last published position,
sends each event (key = stream id, value = the event JSON as `zhili events` prints it,
header `event_id`), waits until the broker acknowledged every message of the chunk
(acks=all), and only then advances its checkpoint in the database. A crash between the
acknowledgement and the checkpoint re-sends that chunk: delivery is at least once, and
consumers drop repeats by event_id. Per key, order is log order: one producer, sent in
log order, idempotent (or one request in flight), so retries cannot reorder a stream.
"""
from __future__ import annotations

import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable

from domain.dates import local_day
from domain.vocabulary import DOCUMENT_PROCESSED, DOCUMENT_RECEIVED, DOCUMENT_REJECTED
from events import EventStore, RecordedEvent
from relay import broker, tables
from relay.errors import BrokerUnavailable
from relay.intake import intake_message
from relay.settings import EVENTS, INTAKE, KafkaSettings

log = logging.getLogger(__name__)

FINISHED = {DOCUMENT_PROCESSED, DOCUMENT_REJECTED}
MAX_CHUNKS_IN_FLIGHT = 4


# `zhili events` prints json.dumps(event.to_json(), ensure_ascii=False): the same encoder,
# made once rather than per call.
_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def event_message(event: RecordedEvent) -> dict:
    """The producer arguments for one event: the contract of `<prefix>.events`."""
    return {
        "key": event.stream_id.encode("utf-8"),
        "value": _encode(event.to_json()).encode("utf-8"),
        "headers": [("event_id", event.event_id.encode("ascii"))],
    }


def bureau_today(now: datetime | None = None) -> date:
    """The bureau's day (Asia/Shanghai): date-driven flags turn over at its midnight, not
    at the host's (a UTC host would re-publish eight hours late)."""
    return local_day(now or datetime.now(timezone.utc))


@dataclass(frozen=True)
class RelayPass:
    """What one pass over the log did."""

    published: int
    position: int
    intake: int = 0
    records: int = 0


class OutboxRelay:
    """Publishes the store's log to Kafka from a checkpoint kept in the same database."""

    def __init__(
        self,
        store: EventStore,
        settings: KafkaSettings,
        *,
        intake: bool = False,
        record_publisher=None,
        chunk: int = 2000,
        records_every_s: float = 0.0,
        say: Callable[[str], None] = log.warning,
    ):
        self.store = store
        self.settings = settings
        self.intake = intake
        self.record_publisher = record_publisher
        self.chunk = chunk
        self.topic = settings.topic(EVENTS)
        self._producer = None
        self.records_every_s = records_every_s
        self.say = say  # one line for the operator
        self._records_day: date | None = None
        self._records_at = float("-inf")
        self._records_stale = False
        tables.create_tables(store.engine)

    # -- one pass ------------------------------------------------------------------------
    def run_once(self, limit: int | None = None) -> RelayPass:
        """Publish every event after the checkpoint (at most `limit`), then the record topics."""
        while True:
            try:
                return self._pass(limit)
            except _Republish:
                continue

    def _pass(self, limit: int | None) -> RelayPass:
        producer = self._connect()
        position, offsets = tables.load_checkpoint(self.store.engine, self.topic)
        published = intake = 0
        # Chunks sent but not yet checkpointed, oldest first. The next chunk is sent while
        # the broker acknowledges the previous ones; checkpoints still advance in log order.
        in_flight: deque[_Chunk] = deque()
        chunk = _Chunk()
        last = position
        with broker.broker_errors(self.settings, "publishing events"):
            for event in self.store.read_all(since=position, batch_size=self.chunk):
                if limit is not None and published >= limit:
                    break
                chunk.events.append(producer.send(self.topic, **event_message(event)))
                if self.intake and event.type == DOCUMENT_RECEIVED and not self._finished(event.stream_id):
                    chunk.side.append(producer.send(self.settings.topic(INTAKE), **intake_message(event)))
                    intake += 1
                published += 1
                last = chunk.last = event.position
                if len(chunk.events) >= self.chunk:
                    in_flight.append(chunk)
                    chunk = _Chunk()
                    offsets = self._settle(in_flight, offsets, wait=len(in_flight) > MAX_CHUNKS_IN_FLIGHT)
            if chunk.events:
                in_flight.append(chunk)
            producer.flush(timeout=self.settings.timeout_s * 2)
            offsets = self._settle(in_flight, offsets, wait=True)
        records = 0
        # Records change with new events, and with the date (expired, review_overdue...).
        # Computing them reads every record, so a busy log refreshes them at most every
        # `records_every_s`; the events themselves are never held back.
        self._records_stale = self._records_stale or bool(published)
        today = bureau_today()
        due = self._records_stale and time.monotonic() - self._records_at >= self.records_every_s
        if self.record_publisher is not None and (due or self._records_day != today):
            with broker.broker_errors(self.settings, "publishing record topics"):
                records = self.record_publisher.publish(producer)
            self._records_day, self._records_at, self._records_stale = today, time.monotonic(), False
        return RelayPass(published, last, intake, records)

    def run_forever(self, poll_s: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
        """Keep publishing; when the broker is away, say so once per outage and retry with backoff."""
        say = self.say
        backoff = 1.0
        outage = False
        while not stop():
            try:
                result = self.run_once()
            except BrokerUnavailable as exc:
                if not outage:
                    say(f"{exc}; retrying")
                outage = True
                self._disconnect()
                time.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if outage:
                say(f"Kafka broker {self.settings.bootstrap} is back; publishing resumed at position {result.position}")
            outage, backoff = False, 1.0
            if result.published == 0:
                time.sleep(poll_s)

    def close(self) -> None:
        self._disconnect()

    # -- internals -----------------------------------------------------------------------
    def _connect(self):
        if self._producer is None:
            broker.ensure_topics(self.settings)
            self._producer = broker.producer(self.settings)
        return self._producer

    def _disconnect(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=0)
            except Exception:  # closing a producer whose broker vanished may fail: nothing to keep
                pass
            self._producer = None

    def _settle(self, in_flight: "deque[_Chunk]", offsets: dict[int, int], wait: bool) -> dict[int, int]:
        """Checkpoint acknowledged chunks in order: all of them if `wait`, else those already done."""
        while in_flight and (wait or in_flight[0].done()):
            chunk = in_flight.popleft()
            acked: dict[int, int] = {}
            first: dict[int, int] = {}
            for future in chunk.events:
                meta = future.get(timeout=self.settings.timeout_s * 2)  # raises the send's error
                acked[meta.partition] = max(acked.get(meta.partition, -1), meta.offset)
                first[meta.partition] = min(first.get(meta.partition, meta.offset), meta.offset)
            for future in chunk.side:
                future.get(timeout=self.settings.timeout_s * 2)
            if any(offset <= offsets.get(partition, -1) for partition, offset in first.items()):
                # Offsets only grow on a durable log: going back means the topic was recreated
                # or the broker lost its data (an in-memory broker restarted). Publish it all again.
                self.say(f"{self.topic} is behind what the broker acknowledged before (topic recreated or "
                         "broker storage lost): publishing the whole log again")
                broker.ensure_topics(self.settings)
                tables.save_checkpoint(self.store.engine, self.topic, 0, acked)
                if self.record_publisher is not None:
                    self.record_publisher.forget()
                    self._records_day = None
                raise _Republish()
            offsets = {**offsets, **acked}
            tables.save_checkpoint(self.store.engine, self.topic, chunk.last, offsets)
        return offsets

    def _finished(self, stream_id: str) -> bool:
        return any(e.type in FINISHED for e in self.store.read_stream(stream_id))


@dataclass
class _Chunk:
    """Sends whose acknowledgement moves the checkpoint to `last`."""

    events: list = field(default_factory=list)
    side: list = field(default_factory=list)  # intake work: checked, not offset-tracked
    last: int = 0

    def done(self) -> bool:
        return all(f.is_done for f in self.events) and all(f.is_done for f in self.side)


class _Republish(Exception):
    """The broker forgot what we published: start the pass again from position 0."""
