"""The relay's own bookkeeping tables, beside the event log in the store's database.

Created with SQLAlchemy on the store's engine, idempotently, the first time a relay,
worker or projector runs; the embedded default never creates them.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

# How far the outbox relay has published the log to one topic, and the last offset the
# broker acknowledged per partition (a lower offset later means the broker lost data).
relay_checkpoint = sa.Table(
    "relay_checkpoint",
    metadata,
    sa.Column("topic", sa.String(249), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("partition_offsets", sa.Text, nullable=False, default="{}"),
    sa.Column("updated_at", sa.String(32), nullable=False),
)

# What the relay last published per key on a compacted record topic (digest of the value).
relay_record_digest = sa.Table(
    "relay_record_digest",
    metadata,
    sa.Column("topic", sa.String(249), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
)

# A projector fed from Kafka: the last offset it applied per topic-partition, where to seek
# on assignment. Only a hint: the projections' own checkpoint (the last log position per
# partition, committed with the rows) decides what is applied, so a stale hint is harmless.
relay_partition_offset = sa.Table(
    "relay_partition_offset",
    metadata,
    sa.Column("consumer", sa.String(200), primary_key=True),
    sa.Column("topic", sa.String(249), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("offset", sa.BigInteger, nullable=False),
)


# A random secret per database: the masked certificate topic's keys are HMACs of the
# certificate number under it, stable for downstream, not reversible by trying numbers.
relay_secret = sa.Table(
    "relay_secret",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)


def secret(engine: Engine, name: str) -> str:
    """The named secret, created on first use (two relays racing: the first insert wins)."""
    import secrets

    from sqlalchemy.exc import IntegrityError

    def read():
        with engine.connect() as conn:
            return conn.execute(sa.select(relay_secret.c.value).where(relay_secret.c.name == name)).scalar()

    value = read()
    if value is None:
        try:
            with engine.begin() as conn:
                conn.execute(relay_secret.insert().values(name=name, value=secrets.token_hex(32)))
        except IntegrityError:
            pass
        value = read()
    return value


def create_tables(engine: Engine) -> None:
    metadata.create_all(engine)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def load_checkpoint(engine: Engine, topic: str) -> tuple[int, dict[int, int]]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(relay_checkpoint.c.position, relay_checkpoint.c.partition_offsets).where(
                relay_checkpoint.c.topic == topic
            )
        ).first()
    if row is None:
        return 0, {}
    return row.position, {int(k): v for k, v in json.loads(row.partition_offsets).items()}


def save_checkpoint(engine: Engine, topic: str, position: int, offsets: dict[int, int]) -> None:
    values = {"position": position, "partition_offsets": json.dumps(offsets), "updated_at": now()}
    with engine.begin() as conn:
        upsert(conn, relay_checkpoint, {"topic": topic}, values)


def upsert(conn: Connection, table: sa.Table, key: dict, values: dict) -> None:
    # Portable upsert: one writer per key (one relay per topic), so update-then-insert is enough.
    where = [table.c[k] == v for k, v in key.items()]
    if conn.execute(table.update().where(*where).values(**values)).rowcount == 0:
        conn.execute(table.insert().values(**key, **values))
