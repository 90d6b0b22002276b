"""Kafka clients made from `KafkaSettings`, with broker failures turned into `BrokerUnavailable`.

The only module (with the others in this package) that imports kafka-python: the embedded
default never loads it.
"""
from __future__ import annotations

import contextlib
import functools
import logging
from typing import Iterator

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.partitioner import DefaultPartitioner
from kafka.partitioner.default import murmur2

from relay.errors import BrokerUnavailable
from relay.settings import CERTIFICATES, ENTITIES, EVENTS, INTAKE, KafkaSettings, PUBLIC_CERTIFICATES, PUBLIC_ENTITIES

log = logging.getLogger(__name__)


def _version() -> tuple[int, ...]:
    return tuple(int(p) for p in kafka.__version__.split(".")[:3] if p.isdigit())


# kafka-python learned the idempotent producer in 2.1. Without it, a retried batch could
# overtake the next one, so we allow one request in flight to keep each stream's order.
IDEMPOTENCE = _version() >= (2, 1)


@functools.lru_cache(maxsize=1 << 16)
def _key_hash(key: bytes) -> int:
    return murmur2(key) & 0x7FFFFFFF


class KeyHashPartitioner(DefaultPartitioner):
    """Kafka's default placement (murmur2 of the key, as the Java client), with the hash
    remembered: a document's events share a key, and the pure-Python hash was the
    relay's largest single cost."""

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):
        if serialized_key is None:
            return super().partition(topic, key, serialized_key, value, serialized_value, cluster)
        partitions = cluster.partitions_for_topic(topic)
        if not partitions:
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        ordered = sorted(partitions)
        return ordered[_key_hash(serialized_key) % len(ordered)]


@contextlib.contextmanager
def broker_errors(settings: KafkaSettings, doing: str) -> Iterator[None]:
    """Turn any client failure inside the block into one line naming the broker."""
    try:
        yield
    except BrokerUnavailable:
        raise
    except (KafkaError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrokerUnavailable(f"Kafka broker {settings.bootstrap} unavailable while {doing}: {reason}") from None


def producer(settings: KafkaSettings, **overrides) -> KafkaProducer:
    """A producer that never reorders a key and counts a message sent only once all replicas have it."""
    config = settings.client_config()
    timeout_ms = int(settings.timeout_s * 1000)
    config.update(
        acks="all",
        retries=2**31 - 1,
        linger_ms=5,
        compression_type=settings.compression,
        partitioner=KeyHashPartitioner(),
        batch_size=256 * 1024,
        max_block_ms=timeout_ms,
        # a topic missing after a broker restart must be re-created by us, with our partitions
        allow_auto_create_topics=False,
        # delivery must outlast one request; give a retried batch room within our timeout
        delivery_timeout_ms=timeout_ms + max(timeout_ms, 1000) + 5,
    )
    if IDEMPOTENCE:
        config.update(enable_idempotence=True, max_in_flight_requests_per_connection=5)
    else:
        config.update(max_in_flight_requests_per_connection=1)
    config.update(overrides)
    with broker_errors(settings, "connecting the producer"):
        return KafkaProducer(**config)


def consumer(settings: KafkaSettings, group_id: str, **overrides) -> KafkaConsumer:
    config = settings.client_config()
    config.update(
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    config.update(overrides)
    with broker_errors(settings, "connecting the consumer"):
        return KafkaConsumer(**config)


COMPACTED = {CERTIFICATES, ENTITIES, PUBLIC_CERTIFICATES, PUBLIC_ENTITIES}


def topic_specs(settings: KafkaSettings, names: tuple[str, ...]) -> list[NewTopic]:
    """The topics as we create them: record topics keep the latest value per key (compacted)."""
    return [
        NewTopic(
            settings.topic(name),
            settings.partitions,
            settings.replication_factor,
            topic_configs={"cleanup.policy": "compact"} if name in COMPACTED else {},
        )
        for name in names
    ]


def ensure_topics(settings: KafkaSettings, names: tuple[str, ...] = (EVENTS, INTAKE, CERTIFICATES, ENTITIES,
                                                                      PUBLIC_CERTIFICATES, PUBLIC_ENTITIES)) -> None:
    """Create the topics that are missing (existing ones are left as their owner configured them)."""
    with broker_errors(settings, "creating topics"):
        admin = KafkaAdminClient(**settings.client_config())
        try:
            existing = set(admin.list_topics())
            wanted = [spec for spec in topic_specs(settings, names) if spec.name not in existing]
            if wanted:
                try:
                    admin.create_topics(wanted)
                except TopicAlreadyExistsError:  # another relay or worker won the race
                    pass
                log.info("created topics %s", ", ".join(t.name for t in wanted))
        finally:
            admin.close()
