"""The compacted record topics: the latest certificate and entity export records by key.

By default the relay publishes the masked records (`zhili export --public`):
`<prefix>.certificates.public` (key = a pseudonym of the certificate number, an HMAC under
a secret kept in the database) and `<prefix>.entities.public` (key = entity_id). Only
with `--full-records` does it also publish `<prefix>.certificates` (key = cert_no) and
`<prefix>.entities` (key = entity_id) with names and ID numbers in full, for systems
inside the bureau. Each carries one message per record that changed since the relay last
published it, and a null value (a tombstone) for a record that left the export. Changes are found by a digest per key
of what was last acknowledged, kept in `relay_record_digest`; digests are written only
after the broker acknowledged, so a crash re-sends, never skips.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from events import EventStore
from events.store import digest
from relay import broker, tables
from relay.settings import CERTIFICATES, ENTITIES, PUBLIC_CERTIFICATES, PUBLIC_ENTITIES, KafkaSettings

Export = Callable[[], list[tuple[Any, dict[str, Any]]]]  # (message key or None, record value)


@dataclass(frozen=True)
class RecordTopic:
    topic: str
    export: Export


def pseudonym(secret: str) -> Callable[[str], str]:
    """A stable key that names a certificate without showing (or letting one guess) its number."""
    def key(value: str) -> str:
        return "P-" + hmac.new(secret.encode(), str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:24]

    return key


class RecordPublisher:
    """Publishes what changed in each export since the last acknowledged publication."""

    def __init__(self, store: EventStore, settings: KafkaSettings, topics: list[RecordTopic]):
        self.engine = store.engine
        self.settings = settings
        self.topics = topics
        tables.create_tables(self.engine)

    @classmethod
    def for_store(cls, store: EventStore, settings: KafkaSettings, full: bool = False) -> "RecordPublisher":
        """Masked certificates and entities as `zhili export --public` gives them, and with
        `full` the unmasked ones as `zhili export` does (one computation for all)."""
        from relay.projection_api import public_and_full_records

        tables.create_tables(store.engine)
        cache: dict[str, list] = {}

        key_of = pseudonym(tables.secret(store.engine, "record_key"))

        def by(field: str, records: list[dict], masked: list[dict] | None = None, key=str):
            return [(None if r.get(field) is None else key(r[field]), m)
                    for r, m in zip(records, masked if masked is not None else records)]

        def compute():
            c, e, pc, pe = public_and_full_records(store)
            cache.update(certificates=by("cert_no", c), entities=by("entity_id", e),
                         public_entities=by("entity_id", e, pe))
            return by("cert_no", c, pc, key_of)

        topics = [
            RecordTopic(settings.topic(PUBLIC_CERTIFICATES), compute),
            RecordTopic(settings.topic(PUBLIC_ENTITIES), lambda: cache.pop("public_entities")),
        ]
        if full:
            topics += [
                RecordTopic(settings.topic(CERTIFICATES), lambda: cache.pop("certificates")),
                RecordTopic(settings.topic(ENTITIES), lambda: cache.pop("entities")),
            ]
        return cls(store, settings, topics)

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
        for key, record in topic.export():
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
