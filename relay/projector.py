"""Projections fed from `<prefix>.events` instead of the local log: a read model anywhere.

One implementation, two sources: events from Kafka go through the same
`projections.apply` as the embedded runner. Per topic-partition, each batch's rows and
its checkpoint commit in one transaction (checkpoint key `kafka:<topic>:<partition>`).

The checkpoint is the last applied *log position*, not the Kafka offset. A stream lives
in one partition and the relay publishes in log order, so positions only grow along a
partition, except for copies the relay re-sent after a crash; those are at or below the
checkpoint and `apply` skips them. That is the dedupe by event id (a position names one
event) done atomically with the rows. The offsets are kept as a seek hint beside them
(`relay_partition_offset`) and committed to the consumer group for lag monitoring: a hint
that lags only means re-reading messages the checkpoint then skips.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import orjson
import sqlalchemy as sa
from kafka import ConsumerRebalanceListener, TopicPartition

from events import RecordedEvent
from relay import broker, tables
from relay.errors import RelayError
from relay.settings import EVENTS, KafkaSettings

log = logging.getLogger(__name__)


def _loads(value: bytes):
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:  # e.g. integers beyond 64 bits, which json reads
        return json.loads(value)


def event_from_message(value: bytes) -> RecordedEvent:
    """The event as the relay published it (`RecordedEvent.to_json()`)."""
    e = _loads(value)
    return RecordedEvent(
        position=e["position"], event_id=e["event_id"], stream_id=e["stream_id"],
        stream_version=e["stream_version"], type=e["type"], schema_version=e["schema_version"],
        data=e["data"], metadata=e["metadata"], recorded_at=datetime.fromisoformat(e["recorded_at"]),
        prev_hash=e["prev_hash"], hash=e["hash"], erased=e.get("erased", False),
    )


@dataclass
class ProjectorStats:
    received: int = 0
    applied: int = 0
    partitions: set = field(default_factory=set)


class _SeekToHint(ConsumerRebalanceListener):
    def __init__(self, projector: "KafkaProjector"):
        self.projector = projector

    def on_partitions_revoked(self, revoked):
        pass

    def on_partitions_assigned(self, assigned):
        hints = self.projector.offset_hints()
        for tp in assigned:
            if tp.partition in hints:
                self.projector.consumer.seek(tp, hints[tp.partition] + 1)
        self.projector.stats.partitions = {tp.partition for tp in assigned}


class KafkaProjector:
    """Consumes the events topic in a consumer group and applies it to the projections."""

    def __init__(self, engine: sa.engine.Engine, settings: KafkaSettings, group_id: str | None = None,
                 apply: Callable | None = None, **consumer_overrides):
        if apply is None:
            from projections import apply
        self.engine = engine
        self.settings = settings
        self.topic = settings.topic(EVENTS)
        self.group_id = group_id or f"{settings.prefix}.projector"
        self.apply = apply
        self.consumer_overrides = consumer_overrides
        self.consumer = None
        self.stats = ProjectorStats()
        tables.create_tables(engine)

    def run(self, stop: Callable[[], bool] = lambda: False, once: bool = False,
            join_timeout_s: float = 120.0) -> ProjectorStats:
        """Apply until `stop()`; with `once`, until every assigned partition is drained."""
        broker.ensure_topics(self.settings, (EVENTS,))
        # Larger fetches mean fewer, larger transactions (one per partition per poll).
        fetch = {"max_partition_fetch_bytes": 8 << 20, "fetch_max_bytes": 64 << 20, **self.consumer_overrides}
        self.consumer = broker.consumer(self.settings, self.group_id, **fetch)
        started = time.monotonic()
        try:
            with broker.broker_errors(self.settings, "reading events"):
                self.consumer.subscribe([self.topic], listener=_SeekToHint(self))
                while not stop():
                    batch = self.consumer.poll(timeout_ms=500, max_records=5000)
                    for tp, records in batch.items():
                        self._apply(tp, records)
                    if batch:
                        self.consumer.commit()
                    elif once and self._drained():
                        break
                    if once and not self.consumer.assignment() and time.monotonic() - started > join_timeout_s:
                        raise RelayError(f"no partition of {self.topic} was assigned within {join_timeout_s:.0f}s")
        finally:
            self.consumer.close(autocommit=False)
        return self.stats

    def _apply(self, tp: TopicPartition, records: list) -> None:
        events = [event_from_message(r.value) for r in records if r.value is not None]
        self.stats.received += len(events)
        self.stats.applied += self.apply(self.engine, events, checkpoint_key=f"kafka:{tp.topic}:{tp.partition}")
        self._save_hint(tp.partition, records[-1].offset)

    def _drained(self) -> bool:
        assigned = self.consumer.assignment()
        if not assigned:
            return False
        ends = self.consumer.end_offsets(list(assigned))
        return all(self.consumer.position(tp) >= ends[tp] for tp in assigned)

    def offset_hints(self) -> dict[int, int]:
        t = tables.relay_partition_offset
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.partition, t.c.offset).where(
                t.c.consumer == self.group_id, t.c.topic == self.topic)).all()
        return dict(rows)

    def _save_hint(self, partition: int, offset: int) -> None:
        with self.engine.begin() as conn:
            tables.upsert(conn, tables.relay_partition_offset,
                           {"consumer": self.group_id, "topic": self.topic, "partition": partition},
                           {"offset": offset})
