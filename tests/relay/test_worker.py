"""`zhili worker`: documents received by one machine, read by workers elsewhere, once each."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter

import pytest

from domain import vocabulary as v
from events import open_store
from ingest.docstore import DocumentStore
from ingest.ledger import Arrival, claim
from relay import tables
from synth.rosters import random_roster, write_csv
from tests.relay.conftest import read_topic, run_cli

pytestmark = pytest.mark.kafka


def receive_rosters(store, docs: DocumentStore, count: int) -> list[str]:
    """Rosters claimed as a watcher claims them (DocumentReceived, bytes stored), not yet read."""
    doc_ids = []
    for n in range(count):
        data = write_csv(random_roster(random.Random(n), n_rows=4))
        doc_id = docs.put(data)
        claim(store, Arrival(doc_id, f"花名册{n}.csv", f"泰山区/花名册{n}.csv", "泰山区", True, len(data),
                             "text/csv", f"test-drop-{n}"))
        doc_ids.append(doc_id)
    return doc_ids


def test_workers_read_each_document_once_despite_redelivery(tmp_path, db_url, broker, prefix):
    store = open_store(db_url)
    docs = DocumentStore(tmp_path / "docs")
    doc_ids = receive_rosters(store, docs, 4)
    relay = ("relay", "--bootstrap", broker.bootstrap, "--topic", prefix, "--once", "--intake", "--no-records")
    run_cli(*relay, db_url=db_url)
    tables.save_checkpoint(store.engine, f"{prefix}.events", 0, {})  # a relay crash: all sent again
    run_cli(*relay, db_url=db_url)
    work = read_topic(broker.bootstrap, f"{prefix}.intake")
    assert Counter(r.key.decode() for r in work) == {d: 2 for d in doc_ids}

    worker = [sys.executable, "-m", "zhili", "worker", "--bootstrap", broker.bootstrap, "--topic", prefix,
              "--docs", str(tmp_path / "docs"), "--max-poll-interval", "3", "--idle-exit", "4"]
    env = {**os.environ, "ZHILI_DB": db_url}
    children = [subprocess.Popen(worker, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    totals = [line.split() for _, err in outputs for line in err.splitlines() if "already done" in line]
    assert sum(int(t[0]) for t in totals) >= 4 and sum(int(t[2]) for t in totals) >= 4  # copies were skipped

    for doc_id in doc_ids:
        types = Counter(e.type for e in store.read_stream(v.document_stream(doc_id)))
        assert types[v.DOCUMENT_PROCESSED] == 1 and types[v.ROSTER_RECOGNISED] == 1, types
        assert types[v.DOCUMENT_REJECTED] == 0
    assert sum(1 for _ in store.read_all(types=[v.DOCUMENT_PROCESSED])) == 4
