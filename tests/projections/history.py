"""Hand-built events for projection tests, and a generated history for determinism and bench.

Events follow `domain/vocabulary.py`; documents get fake 64-hex ids derived from a label.
"""
from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from domain import vocabulary as v
from domain.ids import make_id
from events import NewEvent


def doc_id(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def field(value, confidence=0.97, page=1, box=(10, 10, 200, 40)):
    return {"value": value, "confidence": confidence, "page": page, "box": list(box) if box else None}


def person_id(seq: int = 1, birth: date = date(1985, 3, 15), region: str = "370902") -> str:
    return make_id(region, birth, seq)


def cert_values(**overrides) -> dict:
    values = {
        "cert_no": "T" + person_id(), "name": "张三", "sex": "男", "id_number": person_id(),
        "category": "电工作业", "item": "低压电工作业", "first_issued": "2016-05-01",
        "valid_from": "2022-05-01", "valid_until": "2028-05-01", "review_due": "2025-05-01",
        "reviews": [], "issuer": "泰安市应急管理局",
    }
    values.update(overrides)
    return values


def received(doc: str, county: str = "泰山区", filename: str | None = None, known: bool = True) -> NewEvent:
    return NewEvent(v.DOCUMENT_RECEIVED, {
        "doc_id": doc, "filename": filename or f"{doc[:8]}.png", "relative_path": f"{county}/{doc[:8]}.png",
        "county": county, "county_known": known, "size": 1000, "media_type": "image/png"})


def certificate(doc: str, record: str = "card1", kind: str = "special_operation", confidence: float = 0.97, **overrides) -> NewEvent:
    values = cert_values(**overrides)
    return NewEvent(v.CERTIFICATE_RECOGNISED, {
        "doc_id": doc, "record": record, "certificate_kind": kind,
        "fields": {k: field(val, confidence) for k, val in values.items()}})


def report(doc: str, unit_name: str, unit_kind: str = "enterprise", signed: bool = True, sealed: bool = True,
           report_date: str = "2024-06-15", problems=(), county: str | None = None) -> NewEvent:
    return NewEvent(v.SELF_CHECK_REPORT_RECOGNISED, {
        "doc_id": doc, "record": "report",
        "fields": {"unit_name": field(unit_name), "unit_kind": field(unit_kind), "county": field(county),
                   "report_date": field(report_date), "signed": field(signed), "sealed": field(sealed),
                   "credit_code": field(None)},
        "problems": [dict({"seq": i, "description": f"问题{i}", "measure": f"措施{i}", "deadline": "2024-06-30",
                           "owner": "李四", "rectified": False, "confidence": 0.9, "page": 2}, **p)
                     for i, p in enumerate(problems, start=1)]})


def roster(doc: str, employer: str, rows, county: str = "泰山区") -> NewEvent:
    return NewEvent(v.ROSTER_RECOGNISED, {
        "doc_id": doc, "record": "roster", "employer": employer, "county": county,
        "rows": [dict({"row": i, "job": "电工", "cert_no": None}, **r) for i, r in enumerate(rows, start=1)]})


def needs_review(doc: str, field_name: str, value, record: str = "card1", confidence: float = 0.4) -> NewEvent:
    return NewEvent(v.FIELD_NEEDS_REVIEW, {
        "doc_id": doc, "record": record, "field": field_name, "value": value, "confidence": confidence,
        "page": 1, "box": [1, 2, 3, 4], "reason": "low_confidence"})


def corrected(doc: str, field_name: str, old, new, record: str = "card1", by: str = "王芳", reason: str = "对照原件") -> NewEvent:
    return NewEvent(v.FIELD_CORRECTED, {"doc_id": doc, "record": record, "field": field_name, "old": old, "new": new,
                                        "by": by, "reason": reason})


def duplicate(doc: str, county: str = "泰山区") -> NewEvent:
    return NewEvent(v.DUPLICATE_RECEIVED, {"doc_id": doc, "filename": "copy.png", "relative_path": "x/copy.png", "county": county})


def processed(doc: str, kind: str = "certificate", needs: int = 0) -> NewEvent:
    return NewEvent(v.DOCUMENT_PROCESSED, {"doc_id": doc, "kind": kind, "pages": 1, "needs_review": needs})


def add(store, doc: str, *events: NewEvent) -> list[int]:
    return store.append(v.document_stream(doc), list(events))


def add_certificate_document(store, label: str, county: str = "泰山区", **overrides) -> str:
    doc = doc_id(label)
    add(store, doc, received(doc, county), certificate(doc, **overrides), processed(doc))
    return doc


# -- a generated history ---------------------------------------------------------------------

COUNTIES = ("泰山区", "岱岳区", "新泰市", "肥城市", "宁阳县", "东平县", "高新区", "泰山景区")
ISSUERS = ("泰安市应急管理局",) * 8 + ("济南市应急管理局", "河南省应急管理厅")
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def generate(n_events: int, seed: int = 7, n_entities: int | None = None):
    """Yield (stream_id, [NewEvent]) document batches adding up to about `n_events` events:
    certificates (some expired, out-of-city, reviewed, low-confidence then corrected),
    duplicates, self-check reports and rosters naming the certificate holders."""
    rng = random.Random(seed)
    n_docs = max(1, n_events // 10)
    n_entities = n_entities or max(3, n_docs // 20)
    employers = [f"泰安{ i }号机械有限公司" for i in range(n_entities)]
    holders: dict[int, list] = {i: [] for i in range(n_entities)}
    emitted = 0
    doc_no = 0
    while emitted < n_events:
        doc_no += 1
        doc = hashlib.sha256(f"{seed}:{doc_no}".encode()).hexdigest()
        county = rng.choice(COUNTIES)
        roll = rng.random()
        events = [received(doc, county)]
        if roll < 0.88 or doc_no < 3:
            # A distinct holder per certificate document (birth day and sequence from its number).
            seq = (doc_no // 14_600) % 1000
            pid = make_id("370902", date(1960, 1, 1) + timedelta(days=doc_no % 14_600), seq)
            start = date(2016 + rng.randrange(9), 1 + rng.randrange(12), 1 + rng.randrange(28))
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            values = {"cert_no": "T" + pid, "id_number": pid, "name": name, "sex": "男" if seq % 2 else "女",
                      "valid_from": start.isoformat(), "valid_until": start.replace(year=start.year + 6).isoformat(),
                      "review_due": start.replace(year=start.year + 3).isoformat(),
                      "first_issued": start.isoformat(), "issuer": rng.choice(ISSUERS),
                      "reviews": [start.replace(year=start.year + 3).isoformat()] if rng.random() < 0.5 else []}
            low = rng.random() < 0.08
            events += [NewEvent("PageRead", {"doc_id": doc, "page": 1, "engine": "tesseract", "text": "特种作业操作证",
                                             "confidence": 0.9, "rotation": 0, "width": 800, "height": 500, "lines": []}),
                       NewEvent(v.DOCUMENT_CLASSIFIED, {"doc_id": doc, "kind": "certificate", "confidence": 0.95}),
                       certificate(doc, confidence=0.6 if low else 0.95, **values)]
            if low:
                events.append(needs_review(doc, "name", name))
            events.append(processed(doc, needs=int(low)))
            holders[rng.randrange(n_entities)].append((name, pid))
            yield v.document_stream(doc), events
            if low and rng.random() < 0.7:
                yield v.document_stream(doc), [corrected(doc, "name", name, name if rng.random() < 0.5 else name + "一")]
                emitted += 1
            if rng.random() < 0.05:
                yield v.document_stream(doc), [duplicate(doc, county)]
                emitted += 1
        elif roll < 0.94:
            e = rng.randrange(n_entities)
            county = COUNTIES[e % len(COUNTIES)]
            events = [received(doc, county)]
            problems = [{"rectified": rng.random() < 0.6, "deadline": f"2024-0{rng.randrange(5, 10)}-15"}
                        for _ in range(rng.randrange(4))]
            events += [report(doc, employers[e], signed=rng.random() < 0.9, problems=problems, county=county),
                       processed(doc, "self_check_report")]
            yield v.document_stream(doc), events
        else:
            e = rng.randrange(n_entities)
            county = COUNTIES[e % len(COUNTIES)]
            events = [received(doc, county)]
            rows = [{"name": n, "id_number": p} for n, p in holders[e][:50]]
            rows.append({"name": "赵无证", "id_number": make_id("370911", date(1990, 1, 1), doc_no % 999)})
            events += [roster(doc, employers[e], rows, county), processed(doc, "roster")]
            yield v.document_stream(doc), events
        emitted += len(events)
