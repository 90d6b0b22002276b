"""Certificate records: every flag code, status rules, corrections, cross-checks, duplicates."""
from __future__ import annotations

from datetime import date

import pytest

import projections
from projections import views
from tests.projections import history as h

DAY = date(2024, 7, 1)


def _pid(seq: int, birth: date = date(1985, 3, 15)) -> str:
    return h.person_id(seq, birth)


def _holder(seq: int, birth: date = date(1985, 3, 15)) -> dict:
    pid = _pid(seq, birth)
    return {"cert_no": "T" + pid, "id_number": pid, "sex": "男" if seq % 2 else "女"}


FLAG_CASES = {
    "valid": ({}, []),
    "expired": ({"valid_from": "2017-01-01", "valid_until": "2023-01-01", "review_due": "2020-01-01",
                 "reviews": ["2019-12-01"]}, ["expired"]),
    "not_yet_valid": ({"valid_from": "2024-09-01", "valid_until": "2030-09-01", "review_due": "2027-09-01",
                       "first_issued": "2024-09-01"}, ["not_yet_valid"]),
    "review_overdue": ({"valid_from": "2020-01-01", "valid_until": "2026-01-01", "review_due": "2023-01-01",
                        "first_issued": "2020-01-01"}, ["review_overdue"]),
    "id_checksum_invalid": ("bad_check", ["id_checksum_invalid"]),
    "cert_no_mismatch": ("other_number", ["cert_no_mismatch"]),
    "unknown_item": ({"item": "飞行驾驶作业"}, ["unknown_item"]),
    "underage_at_issue": ("minor", ["underage_at_issue"]),
    "date_inconsistent": ({"valid_until": "2027-05-01"}, ["date_inconsistent"]),
    "other_certificate_kind": ("construction", ["other_certificate_kind"]),
    "sex_mismatch": ("wrong_sex", ["sex_mismatch"]),
    "out_of_province": ({"issuer": "河南省应急管理厅"}, ["out_of_province"]),
    "out_of_city": ({"issuer": "济南市应急管理局"}, ["out_of_city"]),
}


def _build_flag_cases(store) -> dict[str, str]:
    keys = {}
    for seq, (label, (overrides, _)) in enumerate(FLAG_CASES.items(), start=11):
        values = _holder(seq)
        kind = "special_operation"
        if overrides == "bad_check":
            bad = values["id_number"][:17] + ("0" if values["id_number"][17] != "0" else "1")
            values.update(cert_no="T" + bad, id_number=bad)
        elif overrides == "other_number":
            values["cert_no"] = "T" + _pid(seq + 100)
        elif overrides == "minor":
            values = _holder(seq, date(2008, 1, 1))
        elif overrides == "construction":
            kind = "construction"
        elif overrides == "wrong_sex":
            values["sex"] = "女" if values["sex"] == "男" else "男"
        else:
            values.update(overrides)
        doc = h.doc_id(label)
        h.add(store, doc, h.received(doc), h.certificate(doc, kind=kind, **values))
        keys[label] = values["cert_no"][1:]
    return keys


def _by_key(certs):
    from projections.rules import normalise_cert_no

    return {normalise_cert_no(c["cert_no"]): c for c in certs}


def test_every_intrinsic_flag_and_its_status(store):
    keys = _build_flag_cases(store)
    projections.catch_up(store)
    certs = _by_key(views.certificates(views.load(store.engine), DAY))
    for label, (_, flags) in FLAG_CASES.items():
        record = certs[keys[label]]
        assert record["flags"] == flags, label
        expected = "valid" if not flags else ("attention" if flags[0] in ("sex_mismatch", "out_of_province", "out_of_city") else "invalid")
        assert record["status"] == expected, label
    # Date-dependent flags follow the as-of date, not the day the rows were stored.
    early = _by_key(views.certificates(views.load(store.engine), date(2022, 6, 1)))
    assert early[keys["expired"]]["flags"] == []
    assert early[keys["review_overdue"]]["flags"] == []


def test_conflicting_holder_name_mismatch_employer_and_workers_without_certificate(store):
    pid = _pid(1)
    first, second = h.doc_id("a"), h.doc_id("b")
    h.add(store, first, h.received(first), h.certificate(first, name="张三"))
    h.add(store, second, h.received(second, "岱岳区"), h.certificate(second, name="李四"))
    other = _pid(3)
    sheet = h.doc_id("roster")
    h.add(store, sheet, h.received(sheet), h.roster(sheet, "泰安恒通机械有限公司", [
        {"name": "张三", "id_number": pid}, {"name": "钱七", "id_number": other}]))
    lone = _pid(5)
    h.add(store, h.doc_id("c"), h.received(h.doc_id("c")), h.certificate(h.doc_id("c"), name="王五", cert_no="T" + lone, id_number=lone))
    h.add(store, h.doc_id("r2"), h.received(h.doc_id("r2")), h.roster(h.doc_id("r2"), "泰安宏达化工有限公司", [
        {"name": "王六", "id_number": lone}]))
    projections.catch_up(store)
    facts = views.load(store.engine)
    certs = _by_key(views.certificates(facts, DAY))
    assert len(certs) == 2
    record = certs[pid]
    assert record["name"] == "李四" and record["county"] == "岱岳区"  # the latest scan is the record
    assert "conflicting_holder" in record["flags"] and record["status"] == "invalid"
    assert "name_mismatch" in record["flags"]  # the roster says 张三 for this ID
    assert record["employer"] == "泰安恒通机械有限公司"
    assert certs[lone]["flags"] == ["name_mismatch"]
    entities = {e["name"]: e for e in views.entities(facts, DAY, detail=True)}
    hengtong = entities["泰安恒通机械有限公司"]
    assert hengtong["certificates_on_file"] == 1 and hengtong["certificates_flagged"] == 1
    assert [w["id_number"] for w in hengtong["workers_without_certificate"]] == [other]
    assert hengtong["status"] == "self_check_missing" and hengtong["self_check"] is None


def test_corrections_later_wins_and_review_holds_status(store):
    doc = h.doc_id("card")
    h.add(store, doc, h.received(doc), h.certificate(doc, name="张三", issuer="泰安市应急管理局"),
          h.needs_review(doc, "name", "张三"))
    projections.catch_up(store)
    [record] = views.certificates(views.load(store.engine), DAY)
    assert record["status"] == "needs_review"
    h.add(store, doc, h.corrected(doc, "issuer", "泰安市应急管理局", "河南省应急管理厅"))
    projections.catch_up(store)
    [record] = views.certificates(views.load(store.engine), DAY)
    assert record["issuer"] == "河南省应急管理厅" and record["flags"] == ["out_of_province"]
    assert record["status"] == "needs_review"  # a correction of another field does not clear name
    h.add(store, doc, h.corrected(doc, "name", "张三", "张三"))  # confirmed with the same value
    h.add(store, doc, h.corrected(doc, "issuer", "河南省应急管理厅", "泰安市应急管理局", by="李明"))
    projections.catch_up(store)
    facts = views.load(store.engine)
    [record] = views.certificates(facts, DAY)
    assert record["issuer"] == "泰安市应急管理局" and record["flags"] == [] and record["status"] == "valid"
    assert record["confidence"] == 0.97
    assert views.review_queue(facts) == []
    # A review raised after a correction is pending again.
    h.add(store, doc, h.needs_review(doc, "name", "张三"))
    projections.catch_up(store)
    assert [i["field"] for i in views.review_queue(views.load(store.engine))] == ["name"]


def test_duplicates_do_not_double_count(store):
    doc = h.doc_id("same")
    h.add(store, doc, h.received(doc), h.certificate(doc), h.processed(doc))
    h.add(store, doc, h.duplicate(doc), h.duplicate(doc))
    projections.catch_up(store)
    facts = views.load(store.engine)
    assert len(views.certificates(facts, DAY)) == 1
    assert facts.documents[doc]["duplicates"] == 2
    taishan = views.summary(facts, DAY)[0]
    assert taishan["county"] == "泰山区" and taishan["certificates_checked"] == 1


def test_entity_status_precedence(store):
    cases = [("甲公司", dict(signed=False, problems=[{"rectified": False}]), "unsigned"),
             ("乙公司", dict(problems=[{"rectified": False, "deadline": "2024-06-01"}, {"rectified": True}]), "open_problems"),
             ("丙培训学校", dict(unit_kind="training_institution", problems=[{"rectified": True}]), "ok")]
    for name, kwargs, _ in cases:
        doc = h.doc_id(name)
        h.add(store, doc, h.received(doc, "新泰市"), h.report(doc, name, **kwargs))
    projections.catch_up(store)
    entities = {e["name"]: e for e in views.entities(views.load(store.engine), DAY)}
    for name, _, status in cases:
        assert entities[name]["status"] == status, name
    assert entities["乙公司"]["self_check"]["problems_overdue"] == 1
    assert entities["乙公司"]["self_check"]["problems_rectified"] == 1
    assert entities["丙培训学校"]["kind"] == "training_institution" and entities["丙培训学校"]["county"] == "新泰市"


def test_an_entity_whose_report_waits_for_a_clerk_is_needs_review_until_corrected(store):
    doc = h.doc_id("丁公司")
    h.add(store, doc, h.received(doc), h.report(doc, "丁公司", signed=False),
          h.needs_review(doc, "signed", False, record="report"))
    projections.catch_up(store)
    [entity] = views.entities(views.load(store.engine), DAY)
    assert entity["status"] == "needs_review"

    h.add(store, doc, h.corrected(doc, "signed", False, True, record="report"))
    projections.catch_up(store)
    [entity] = views.entities(views.load(store.engine), DAY)
    assert entity["status"] == "ok" and entity["self_check"]["signed"] is True


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unknown_county_folder_gets_its_own_row(store):
    doc = h.doc_id("odd")
    h.add(store, doc, h.received(doc, "安监科杂项", known=False), h.certificate(doc))
    projections.catch_up(store)
    rows = views.summary(views.load(store.engine), DAY)
    assert [r["county"] for r in rows][:6] == ["泰山区", "岱岳区", "宁阳县", "东平县", "新泰市", "肥城市"]
    assert rows[-2]["county"] == "安监科杂项" and rows[-2]["certificates_checked"] == 1
    assert rows[-1]["county"] == "合计" and rows[-1]["certificates_checked"] == 1


def test_erased_person_leaves_every_projection_on_replay(store):
    from events import verify_chain

    kept = h.add_certificate_document(store, "kept")
    erased = h.add_certificate_document(store, "erased", **_holder(42))
    projections.catch_up(store)
    assert len(views.certificates(views.load(store.engine), DAY)) == 2

    store.erase(stream_id=f"doc-{erased}", reason="PIPL request")
    projections.replay(store)

    certs = views.certificates(views.load(store.engine), DAY)
    assert [c["source"]["doc_id"] for c in certs] == [kept]
    assert verify_chain(store).ok
