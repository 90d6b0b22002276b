"""The compacted record topics: one message per changed record, a tombstone when one leaves."""
from __future__ import annotations

import json

import pytest

from events import open_store
from tests.projections import history as h
from tests.relay.conftest import read_topic, run_cli

pytestmark = pytest.mark.kafka


def latest(records) -> dict[str, dict | None]:
    """What a compacted topic means: the last value per key."""
    return {r.key.decode(): (json.loads(r.value) if r.value is not None else None) for r in records}


def test_record_topics_carry_changes_and_tombstones(db_url, broker, prefix):
    from relay.broker import topic_specs
    from relay.settings import CERTIFICATES, ENTITIES, EVENTS, PUBLIC_CERTIFICATES, PUBLIC_ENTITIES, KafkaSettings

    store = open_store(db_url)
    first = h.add_certificate_document(store, "first", cert_no="T" + h.person_id(1), id_number=h.person_id(1))
    h.add_certificate_document(store, "second", cert_no="T" + h.person_id(2), id_number=h.person_id(2), name="李四")
    unit = h.doc_id("report")
    h.add(store, unit, h.received(unit), h.report(unit, "泰安一号机械有限公司"), h.processed(unit, "self_check_report"))
    relay = ("relay", "--bootstrap", broker.bootstrap, "--topic", prefix, "--once", "--full-records")

    run_cli(*relay, db_url=db_url)
    certs = read_topic(broker.bootstrap, f"{prefix}.certificates")
    entities = read_topic(broker.bootstrap, f"{prefix}.entities")
    exported = json.loads(run_cli("export", "certificates", db_url=db_url))
    assert latest(certs) == {c["cert_no"]: c for c in exported} and len(certs) == 2
    assert latest(entities) == {e["entity_id"]: e for e in json.loads(run_cli("export", "entities", db_url=db_url))}
    assert len(entities) == 1

    run_cli(*relay, db_url=db_url)  # nothing changed: nothing sent
    assert len(read_topic(broker.bootstrap, f"{prefix}.certificates")) == 2
    before = {(r.partition, r.offset) for r in certs}

    # A clerk corrects the first card's number: that record leaves under its old key.
    old_no, new_no = "T" + h.person_id(1), "T" + h.person_id(3)
    h.add(store, first, h.corrected(first, "cert_no", old_no, new_no))
    run_cli(*relay, db_url=db_url)
    certs = read_topic(broker.bootstrap, f"{prefix}.certificates")
    added = [(r.key.decode(), r.value) for r in certs if (r.partition, r.offset) not in before]
    assert sorted(k for k, _ in added) == sorted([old_no, new_no])  # only what changed
    assert dict(added)[old_no] is None  # the tombstone
    assert latest(certs) | {old_no: None} == latest(certs)
    now = {c["cert_no"]: c for c in json.loads(run_cli("export", "certificates", db_url=db_url))}
    assert {k: v for k, v in latest(certs).items() if v is not None} == now

    # Tansu 0.6 accepts but does not report topic configs (DescribeConfigs answers {}), so
    # we check what we ask the broker for.
    names = (EVENTS, CERTIFICATES, ENTITIES, PUBLIC_CERTIFICATES, PUBLIC_ENTITIES)
    specs = {t.name: t.topic_configs for t in topic_specs(KafkaSettings(prefix=prefix), names)}
    assert specs == {f"{prefix}.events": {}, f"{prefix}.certificates": {"cleanup.policy": "compact"},
                     f"{prefix}.entities": {"cleanup.policy": "compact"},
                     f"{prefix}.certificates.public": {"cleanup.policy": "compact"},
                     f"{prefix}.entities.public": {"cleanup.policy": "compact"}}


def test_downstream_gets_masked_records_by_default(db_url, broker, prefix):
    store = open_store(db_url)
    first = h.add_certificate_document(store, "first", cert_no="T" + h.person_id(1), id_number=h.person_id(1),
                                       name="王芳")
    h.add_certificate_document(store, "second", cert_no="T" + h.person_id(2), id_number=h.person_id(2), name="欧阳娜娜")
    relay = ("relay", "--bootstrap", broker.bootstrap, "--topic", prefix, "--once")
    run_cli(*relay, db_url=db_url)
    public = read_topic(broker.bootstrap, f"{prefix}.certificates.public")
    assert read_topic(broker.bootstrap, f"{prefix}.certificates") == []  # full records only when asked
    masked = json.loads(run_cli("export", "certificates", "--public", db_url=db_url))
    assert sorted(latest(public).values(), key=json.dumps) == sorted(masked, key=json.dumps) and len(public) == 2
    raw = b"".join(r.key + (r.value or b"") for r in public)
    for secret in ("王芳", "欧阳娜娜", h.person_id(1), h.person_id(2), h.person_id(1)[6:14]):
        assert secret.encode() not in raw, secret
    assert all(r.key.startswith(b"P-") for r in public)
    assert {json.loads(r.value)["name"] for r in public} == {"王*", "欧***"}

    # a correction of the number: the old pseudonym gets its tombstone, the new one the record
    h.add(store, first, h.corrected(first, "cert_no", "T" + h.person_id(1), "T" + h.person_id(3)))
    run_cli(*relay, db_url=db_url)
    after = latest(read_topic(broker.bootstrap, f"{prefix}.certificates.public"))
    assert len(after) == 3 and list(after.values()).count(None) == 1
    assert sorted((v for v in after.values() if v), key=json.dumps) == \
        sorted(json.loads(run_cli("export", "certificates", "--public", db_url=db_url)), key=json.dumps)
    store.engine.dispose()
