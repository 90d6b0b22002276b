"""The outbox relay against a real broker: what lands on `<prefix>.events`, and what
survives a killed relay, a broker that is down, and a broker that restarts."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict

import pytest

from events import open_store
from relay import tables
from relay.settings import KafkaSettings
from relay.outbox import MAX_CHUNKS_IN_FLIGHT
from tests.relay.conftest import fill_log, read_topic, run_cli, zhili

pytestmark = pytest.mark.kafka


def relay_args(broker, prefix, *extra):
    return ("relay", "--bootstrap", broker.bootstrap, "--topic", prefix, "--no-records", "--timeout", "3", *extra)


def checkpoint(store, prefix) -> int:
    return tables.load_checkpoint(store.engine, f"{prefix}.events")[0]


def positions_on(broker, prefix) -> list[int]:
    return [json.loads(r.value)["position"] for r in read_topic(broker.bootstrap, f"{prefix}.events")]


def assert_order_per_key(records) -> None:
    """Per key, the first copy of each event comes in log order (repeats are dropped by event_id)."""
    seen, by_key = set(), defaultdict(list)
    for r in records:
        event = json.loads(r.value)
        if event["event_id"] not in seen:
            seen.add(event["event_id"])
            by_key[r.key].append(event["stream_version"])
    for key, versions in by_key.items():
        assert versions == sorted(versions), key


def test_librdkafka_reads_exactly_what_zhili_events_prints(db_url, broker, prefix):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    store = open_store(db_url)
    fill_log(store, documents=40, events_per_document=4)
    run_cli(*relay_args(broker, prefix, "--once", "--partitions", "3"), db_url=db_url)
    printed = run_cli("events", db_url=db_url).splitlines()

    settings = KafkaSettings(bootstrap=broker.bootstrap, prefix=prefix)
    consumer = Consumer({**settings.librdkafka_config(), "group.id": f"{prefix}-reader", "enable.auto.commit": False})
    topic = f"{prefix}.events"
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    assert len(partitions) == 3
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    got: dict[int, list] = defaultdict(list)
    # Read until a second of silence after the expected count (Tansu's end offsets lag, see
    # conftest.read_topic), so an extra copy would still be caught.
    deadline = time.monotonic() + 30
    quiet_since = None
    while quiet_since is None or time.monotonic() - quiet_since < 1.0:
        assert time.monotonic() < deadline
        message = consumer.poll(0.2)
        if message is not None and message.error() is None:
            got[message.partition()].append(message)
            quiet_since = None
        elif sum(len(v) for v in got.values()) >= len(printed) and quiet_since is None:
            quiet_since = time.monotonic()
    consumer.close()

    messages = [m for p in sorted(got) for m in got[p]]
    assert sorted(m.value().decode() for m in messages) == sorted(printed)  # exactly once, byte for byte
    order = {json.loads(line)["event_id"]: n for n, line in enumerate(printed)}
    for m in messages:
        event = json.loads(m.value())
        assert m.key().decode() == event["stream_id"]
        assert dict(m.headers()) == {"event_id": event["event_id"].encode()}
    by_key: dict[bytes, list[int]] = defaultdict(list)
    for m in messages:
        by_key[m.key()].append(order[json.loads(m.value())["event_id"]])
    assert all(seq == sorted(seq) for seq in by_key.values())
    assert checkpoint(store, prefix) == store.head()[0]


def test_sigkill_mid_run_loses_nothing_and_repeats_only_the_unacknowledged(tmp_path, broker, prefix):
    db_url = f"sqlite:///{tmp_path / 'zhili.db'}"
    store = open_store(db_url)
    fill_log(store, documents=2000, events_per_document=8)
    head = store.head()[0]
    tables.create_tables(store.engine)
    child = subprocess.Popen([sys.executable, "-m", "zhili", *relay_args(broker, prefix, "--chunk", "200")],
                             env={**os.environ, "ZHILI_DB": db_url}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while checkpoint(store, prefix) < 2000:
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    at_kill = checkpoint(store, prefix)
    assert 0 < at_kill < head, "the relay must die mid-run for this test to mean anything"

    zhili(*relay_args(broker, prefix, "--once"), db_url=db_url)
    records = read_topic(broker.bootstrap, f"{prefix}.events")
    copies = Counter(json.loads(r.value)["position"] for r in records)
    assert set(copies) == set(range(1, head + 1))  # none missing
    repeated = {p for p, n in copies.items() if n > 1}
    assert set(copies.values()) <= {1, 2}
    # Only the unacknowledged window may repeat: chunks in flight after the last checkpoint.
    window = (MAX_CHUNKS_IN_FLIGHT + 2) * 200
    assert all(at_kill < p <= at_kill + window for p in repeated), (at_kill, min(repeated), max(repeated))
    assert_order_per_key(records)


def test_broker_down_is_one_line_and_exit_1_then_resumes(db_url, own_broker, prefix):
    store = open_store(db_url)
    fill_log(store, documents=10)
    own_broker.stop()
    down = zhili(*relay_args(own_broker, prefix, "--once", "--timeout", "1"), db_url=db_url, check=False)
    assert down.returncode == 1
    lines = down.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in down.stderr
    assert lines[0].startswith("zhili: Kafka broker 127.0.0.1:") and "unavailable" in lines[0]
    assert checkpoint(store, prefix) == 0
    own_broker.start()
    zhili(*relay_args(own_broker, prefix, "--once"), db_url=db_url)
    assert sorted(positions_on(own_broker, prefix)) == list(range(1, store.head()[0] + 1))


def test_worker_and_projector_report_a_down_broker_in_one_line(tmp_path, own_broker, prefix):
    own_broker.stop()
    kafka = ("--bootstrap", own_broker.bootstrap, "--topic", prefix, "--timeout", "1")
    for args in (("worker", *kafka, "--docs", str(tmp_path / "docs")), ("project", "--from-kafka", *kafka)):
        done = zhili(*args, db_url=f"sqlite:///{tmp_path / args[0]}.db", check=False)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("zhili: Kafka broker 127.0.0.1:"), done.stderr


def test_broker_restart_mid_run_ends_with_every_event_on_the_topic(tmp_path, own_broker, prefix):
    db_url = f"sqlite:///{tmp_path / 'zhili.db'}"
    store = open_store(db_url)
    fill_log(store, documents=200)
    tables.create_tables(store.engine)
    child = subprocess.Popen([sys.executable, "-m", "zhili", *relay_args(own_broker, prefix, "--poll", "0.1")],
                             env={**os.environ, "ZHILI_DB": db_url}, stderr=subprocess.PIPE, text=True)
    stop_writing = threading.Event()

    def keep_writing():
        n = 200
        while not stop_writing.is_set():
            fill_log(store, documents=5, start=n)
            n += 5
            time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while checkpoint(store, prefix) < 600:
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.05)
        own_broker.stop()  # an in-memory broker: it comes back empty
        time.sleep(1.5)
        own_broker.start()
        time.sleep(1.5)
    finally:
        stop_writing.set()
        writer.join()
    head = store.head()[0]
    deadline = time.monotonic() + 60
    while checkpoint(store, prefix) < head:
        assert time.monotonic() < deadline and child.poll() is None, "relay did not catch up after the restart"
        time.sleep(0.1)
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "unavailable" in stderr and "is back" in stderr  # the outage was noticed and reported
    assert "publishing the whole log again" in stderr  # ... and the broker's loss of the topic
    assert set(positions_on(own_broker, prefix)) == set(range(1, head + 1))
