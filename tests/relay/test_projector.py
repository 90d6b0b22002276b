"""`zhili project --from-kafka` builds the same read model as the embedded runner, exactly
once per event even when the relay re-sends, and resumes where it stopped."""
from __future__ import annotations

import pytest

from events import open_store
from relay import tables
from tests.projections import history
from tests.relay.conftest import run_cli, zhili

pytestmark = pytest.mark.kafka

READS = (("export", "certificates"), ("export", "entities", "--detail"), ("export", "review"),
         ("report", "summary"))


def fill(store, n_events: int, seed: int) -> None:
    for stream, events in history.generate(n_events, seed=seed):
        store.append(stream, events)


def reads(db_url: str) -> dict[tuple, str]:
    return {args: run_cli(*args, db_url=db_url) for args in READS}


def test_project_from_kafka_gives_the_embedded_export_once_per_event(tmp_path, db_url, broker, prefix):
    log_url = f"sqlite:///{tmp_path / 'log.db'}"  # the log; the read model is db_url (SQLite, PostgreSQL)
    log = open_store(log_url)
    fill(log, 600, seed=11)
    kafka = ("--bootstrap", broker.bootstrap, "--topic", prefix, "--timeout", "5")
    relay = ("relay", *kafka, "--once", "--no-records")
    project = ("project", "--from-kafka", *kafka, "--once", "--max-poll-interval", "2")

    run_cli(*relay, db_url=log_url)
    run_cli(*project, db_url=db_url)
    embedded = reads(log_url)
    assert '"cert_no"' in embedded[READS[0]] and '"entity_id"' in embedded[READS[1]]
    assert reads(db_url) == embedded

    # The relay forgets its checkpoint (as after a crash before checkpointing): everything is
    # re-sent. More events follow. The projector resumes and drops every copy.
    tables.save_checkpoint(log.engine, f"{prefix}.events", 0, {})
    fill(log, 200, seed=12)
    run_cli(*relay, db_url=log_url)
    done = zhili(*project, db_url=db_url)
    head = log.head()[0]
    applied, received = (int(w) for w in done.stderr.split()[1:4:2])
    assert received >= head and applied < received  # the re-sent copies arrived and were dropped
    assert reads(db_url) == reads(log_url)


def test_project_refuses_the_database_that_holds_the_log(tmp_path, broker, prefix):
    log_url = f"sqlite:///{tmp_path / 'log.db'}"
    fill(open_store(log_url), 20, seed=1)
    done = zhili("project", "--from-kafka", "--bootstrap", broker.bootstrap, "--topic", prefix,
                 db_url=log_url, check=False)
    assert done.returncode == 1 and "read-model database of its own" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_projector_killed_mid_run_resumes_to_the_same_export(tmp_path, broker, prefix):
    import os
    import signal
    import subprocess
    import sys
    import time

    import sqlalchemy as sa

    log_url = f"sqlite:///{tmp_path / 'log.db'}"
    read_url = f"sqlite:///{tmp_path / 'read.db'}"
    log = open_store(log_url)
    fill(log, 6000, seed=21)
    kafka = ("--bootstrap", broker.bootstrap, "--topic", prefix, "--timeout", "5")
    run_cli("relay", *kafka, "--once", "--no-records", db_url=log_url)
    read = open_store(read_url)
    tables.create_tables(read.engine)
    child = subprocess.Popen([sys.executable, "-m", "zhili", "project", "--from-kafka", *kafka,
                              "--max-poll-interval", "2"], env={**os.environ, "ZHILI_DB": read_url},
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    with read.engine.connect() as conn:
        while not conn.execute(sa.select(sa.func.count()).select_from(tables.relay_partition_offset)).scalar():
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.02)
            conn.rollback()
    child.send_signal(signal.SIGKILL)
    child.wait()
    resumed = zhili("project", "--from-kafka", *kafka, "--once", "--max-poll-interval", "2", db_url=read_url)
    assert int(resumed.stderr.split()[1]) > 0, "the projector must die mid-run for this test to mean anything"
    assert reads(read_url) == reads(log_url)


def test_an_event_read_back_from_the_topic_keeps_its_erased_mark(tmp_path):
    """The projector skips erased payloads only if the mark survives the trip through Kafka."""
    import json

    from events import NewEvent
    from relay.projector import event_from_message

    store = open_store(f"sqlite:///{tmp_path / 'log.db'}")
    store.append("doc-a", [NewEvent("CertificateRecognised", {"name": "张伟"})])
    store.append("doc-b", [NewEvent("CertificateRecognised", {"name": "李娜"})])
    store.erase(stream_id="doc-a", reason="PIPL request")
    erased, kept = [event_from_message(json.dumps(e.to_json(), ensure_ascii=False).encode())
                    for e in store.read_stream("doc-a") + store.read_stream("doc-b")]
    assert erased.erased is True and "张伟" not in json.dumps(erased.data, ensure_ascii=False)
    assert kept.erased is False and kept.data == {"name": "李娜"}
