"""The compacted record topics: the latest certificate and entity export records by key.

`<prefix>.certificates` (key = cert_no) and `<prefix>.entities` (key = entity_id) carry
one message per record that changed since the relay last published it, and a null value
(a tombstone) for a record that left the export. Changes are found by a digest per key
of what was last acknowledged, kept in `relay_record_digest`; digests are written only
after the broker acknowledged, so a crash re-sends, never skips.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from events import EventStore
from events.store import digest
from relay import broker, tables
from relay.settings import CERTIFICATES, ENTITIES, KafkaSettings

Export = Callable[[], list[dict[str, Any]]]


@dataclass(frozen=True)
class RecordTopic:
    topic: str
    key_field: str
    export: Export


class RecordPublisher:
    """Publishes what changed in each export since the last acknowledged publication."""

    def __init__(self, store: EventStore, settings: KafkaSettings, topics: list[RecordTopic]):
        self.engine = store.engine
        self.settings = settings
        self.topics = topics
        tables.create_tables(self.engine)

    @classmethod
    def for_store(cls, store: EventStore, settings: KafkaSettings) -> "RecordPublisher":
        """Certificates and entities, as `zhili export` gives them (one computation for both)."""
        from relay.projection_api import export_records

        cache: dict[str, list] = {}

        def certificates() -> list[dict[str, Any]]:
            cache["certificates"], cache["entities"] = export_records(store)
            return cache["certificates"]

        return cls(store, settings, [
            RecordTopic(settings.topic(CERTIFICATES), "cert_no", certificates),
            RecordTopic(settings.topic(ENTITIES), "entity_id", lambda: cache.pop("entities")),
        ])

    def publish(self, producer) -> int:
        """Send changed records and tombstones; return how many messages were sent."""
        sent = 0
        for topic in self.topics:
            sent += self._publish_topic(producer, topic)
        return sent

    def forget(self) -> None:
        """The broker lost its data: everything must be published again."""
        with self.engine.begin() as conn:
            conn.execute(tables.relay_record_digest.delete().where(
                tables.relay_record_digest.c.topic.in_([t.topic for t in self.topics])))

    def _publish_topic(self, producer, topic: RecordTopic) -> int:
        digests = self._digests(topic.topic)
        current: dict[str, tuple[str, bytes]] = {}
        for record in topic.export():
            key = record.get(topic.key_field)
            if key is None:  # a record without its key (unread number) has nowhere to go
                continue
            value = json.dumps(record, ensure_ascii=False).encode("utf-8")
            current[str(key)] = (digest(record), value)
        changed = {k: v for k, v in current.items() if digests.get(k) != v[0]}
        gone = [k for k in digests if k not in current]
        if not changed and not gone:
            return 0
        with broker.broker_errors(self.settings, f"publishing {topic.topic}"):
            futures = [producer.send(topic.topic, key=k.encode("utf-8"), value=v) for k, (_, v) in changed.items()]
            futures += [producer.send(topic.topic, key=k.encode("utf-8"), value=None) for k in gone]
            producer.flush(timeout=self.settings.timeout_s * 2)
            for future in futures:
                future.get(timeout=0)
        table = tables.relay_record_digest
        with self.engine.begin() as conn:
            keys = list(changed) + gone
            for start in range(0, len(keys), 500):
                conn.execute(table.delete().where(table.c.topic == topic.topic, table.c.key.in_(keys[start:start + 500])))
            if changed:
                conn.execute(table.insert(), [
                    {"topic": topic.topic, "key": k, "digest": d} for k, (d, _) in changed.items()])
        return len(futures)

    def _digests(self, topic: str) -> dict[str, str]:
        table = tables.relay_record_digest
        with self.engine.connect() as conn:
            return dict(conn.execute(sa.select(table.c.key, table.c.digest).where(table.c.topic == topic)).all())
