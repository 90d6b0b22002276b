"""Issue 11: two clocks (--as-of judged on, --known-at read up to), checked corrections that
reach every figure, and no silent empty answers. Each test fails on the main before it."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from domain import vocabulary as v
from events import NewEvent, open_store
from tests.cli.test_read_commands import zhili
from tests.projections import history as h


def _json(url, *args):
    return json.loads(zhili(url, *args).stdout)


@pytest.fixture
def clocked(db_url):
    """Last year's cards scanned in two sittings: one on 2024-06-10, one on 2024-07-15,
    and a card expired on 2024-08-01 scanned "today" (2026)."""
    now = [datetime(2024, 6, 10, 2, 0, tzinfo=timezone.utc)]
    store = open_store(db_url, clock=lambda: now[0])
    h.add_certificate_document(store, "june", cert_no="T" + h.person_id(1), id_number=h.person_id(1),
                               valid_from="2018-08-01", valid_until="2024-08-01", review_due="2021-08-01",
                               reviews=["2021-07-01"])
    now[0] = datetime(2024, 7, 15, 2, 0, tzinfo=timezone.utc)
    h.add_certificate_document(store, "july", "岱岳区", cert_no="T" + h.person_id(3), id_number=h.person_id(3),
                               valid_from="2022-05-01", valid_until="2028-05-01", review_due="2025-05-01")
    now[0] = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
    today = h.add_certificate_document(store, "today", cert_no="T" + h.person_id(5), id_number=h.person_id(5),
                                       valid_from="2018-08-20", valid_until="2024-08-20", review_due="2021-08-20",
                                       reviews=["2021-08-01"])
    h.add(store, today, NewEvent(v.PAGE_READ, {"doc_id": today, "page": 1, "engine": "tesseract", "text": "",
                                               "confidence": 0.9, "rotation": 0, "width": 1, "height": 1, "lines": []}))
    store.engine.dispose()
    return db_url


def _flags(records):
    return {r["cert_no"]: r["flags"] for r in records}


def test_as_of_judges_everything_known_on_that_day(clocked):
    url = clocked
    records = _json(url, "export", "certificates", "--as-of", "2024-09-01")
    assert len(records) == 3  # the card scanned in 2026 is judged on 2024-09-01 too
    flags = _flags(records)
    assert flags["T" + h.person_id(5)] == ["expired"] and flags["T" + h.person_id(1)] == ["expired"]
    assert flags["T" + h.person_id(3)] == []
    expired = _json(url, "export", "certificates", "--as-of", "2024-09-01", "--flag", "expired")
    assert sorted(r["cert_no"] for r in expired) == sorted(["T" + h.person_id(1), "T" + h.person_id(5)])
    [total] = [r for r in _json(url, "report", "summary", "--as-of", "2024-09-01") if r["county"] == "合计"]
    assert total["certificates_checked"] == 3 and total["expired"] == 2
    # On 2024-08-10 only the first card had expired.
    assert _flags(_json(url, "export", "certificates", "--as-of", "2024-08-10"))["T" + h.person_id(5)] == []


def test_known_at_reads_the_log_as_it_stood(clocked):
    url = clocked
    assert _json(url, "export", "certificates", "--known-at", "2024-06-01") == []  # before any scan
    known = _json(url, "export", "certificates", "--known-at", "2024-06-20")
    assert [r["cert_no"] for r in known] == ["T" + h.person_id(1)]
    assert known[0]["flags"] == ["expired"]  # judged today (2026): it has expired since
    # Both clocks: the 2024-06-20 table as it stood on 2024-06-20.
    past = _json(url, "export", "certificates", "--as-of", "2024-06-20", "--known-at", "2024-06-20")
    assert [(r["cert_no"], r["flags"], r["status"]) for r in past] == [("T" + h.person_id(1), [], "valid")]
    [total] = [r for r in _json(url, "report", "summary", "--as-of", "2024-06-20", "--known-at", "2024-06-20")
               if r["county"] == "合计"]
    assert total["certificates_checked"] == 1 and total["expired"] == 0
    explained = _json(url, "explain", "T" + h.person_id(1), "--as-of", "2024-09-01", "--known-at", "2024-06-20")
    assert explained["as_of"] == "2024-09-01" and explained["known_at"].startswith("2024-06-20T23:59:59")
    assert list(explained["flags"]) == ["expired"]
    missing = zhili(url, "explain", "T" + h.person_id(3), "--known-at", "2024-06-20", check=False)
    assert missing.returncode == 1  # recorded only in July
    events = zhili(url, "events", "--known-at", "2024-06-20").stdout.splitlines()
    assert len(events) == 3 and all(json.loads(e)["recorded_at"] < "2024-06-11" for e in events)


def test_deadlines_default_to_the_campaign_year_of_the_as_of_day(clocked):
    url = clocked
    rows = _json(url, "report", "deadlines", "--format", "json", "--as-of", "2025-07-01")
    assert {r["due"][:4] for r in rows} == {"2025"}
    rows = _json(url, "report", "deadlines", "--format", "json", "--as-of", "2025-07-01", "--year", "2024")
    assert {r["due"][:4] for r in rows} == {"2024"} and {r["state"] for r in rows} == {"passed"}


def test_replay_says_what_its_count_counts_and_takes_both_clocks(clocked):
    url = clocked
    verified = zhili(url, "verify").stdout  # ok: 10 events, ...
    assert verified.startswith("ok: 10 events")
    done = zhili(url, "replay").stdout
    assert "replayed 9 events into all projections: the types projections read, of 10 in the log" in done
    assert "not projected: 1 PageRead" in done  # the others, by type
    past = zhili(url, "replay", "--known-at", "2024-06-20", "--as-of", "2024-09-01").stdout
    assert "of 3 recorded up to 2024-06-20" in past and "live tables untouched" in past
    assert "on 2024-09-01: 1 certificates (1 invalid)" in past
    judged = zhili(url, "replay", "--as-of", "2024-06-20").stdout
    assert "on 2024-06-20: 3 certificates (0 invalid)" in judged
    # events --as-of would be ambiguous (it once meant --known-at): a usage error that says so.
    bad = zhili(url, "events", "--as-of", "2024-06-20", check=False)
    assert bad.returncode == 2 and "--known-at" in bad.stderr


def test_unknown_codes_are_usage_errors_and_county_aliases_filter(clocked):
    url = clocked
    for args, valid in ((["--flag", "expird"], "expired"), (["--status", "bogus"], "needs_review"),
                        (["--county", "泰山乡"], "泰山区")):
        bad = zhili(url, "export", "certificates", *args, check=False)
        assert bad.returncode == 2 and valid in bad.stderr and "Traceback" not in bad.stderr, args
    assert "did you mean expired" in zhili(url, "export", "certificates", "--flag", "expird", check=False).stderr
    bad = zhili(url, "export", "entities", "--status", "valid", check=False)
    assert bad.returncode == 2 and "self_check_missing" in bad.stderr
    by_alias = _json(url, "export", "certificates", "--county", "泰山")
    assert len(by_alias) == 2 and {r["county"] for r in by_alias} == {"泰山区"}
    bad = zhili(url, "events", "--type", "FieldCorected", check=False)
    assert bad.returncode == 2 and "FieldCorrected" in bad.stderr
    assert zhili(url, "events", "--type", "FieldCorrected").stdout == ""  # a real type with no events: fine
    bad = zhili(url, "review", "list", "--county", "nowhere", check=False)
    assert bad.returncode == 2


# -- corrections -------------------------------------------------------------------------------

@pytest.fixture
def documents(db_url):
    store = open_store(db_url)
    card = h.doc_id("card")
    h.add(store, card, h.received(card, "旅游区", known=False), h.certificate(card, item="低压电工作业"),
          h.needs_review(card, "county", "旅游区", record="document"), h.processed(card, needs=1))
    report = h.doc_id("report")
    h.add(store, report, h.received(report, "宁阳县"), h.report(report, "宁阳县兴达化工有限公司", signed=False))
    sheet = h.doc_id("sheet")
    h.add(store, sheet, h.received(sheet, "泰山区"), h.roster(sheet, "泰安恒通机械有限公司", [
        {"name": "李四", "id_number": h.person_id()}]),
        h.needs_review(sheet, "rows.1.name", "李四", record="roster"))
    store.engine.dispose()
    return db_url, card, report, sheet


def _correct(url, doc, field, value, *more, check=True):
    return zhili(url, "review", "correct", doc[:12], field, value, "--by", "王芳", *more, check=check)


def test_bad_values_and_field_names_are_refused_with_what_would_be_accepted(documents):
    url, card, report, _ = documents
    cases = [
        (card, "review_due", "2026-13-45", "YYYY-MM-DD"),
        (card, "id_number", "12345", "18-character"),
        (card, "valid_until", "是", "real date"),
        (card, "sex", "x", "男 or 女"),
        (card, "item", "低压电", "低压电工作业"),
        (card, "county", "火星区", "泰山区"),
        (report, "sealed", "maybe", "是"),
        (card, "id_numbr", "370902198503150011", "did you mean id_number"),
        (card, "有效期", "2030-01-01", "valid_until"),
    ]
    for doc, field, value, hint in cases:
        bad = _correct(url, doc, field, value, check=False)
        assert bad.returncode == 2 and hint in bad.stderr and "Traceback" not in bad.stderr, (field, value, bad.stderr)
    # A wrong check digit: refused, then recorded as printed with --force (and flagged).
    fake = h.person_id()[:17] + ("1" if h.person_id()[17] != "1" else "2")
    bad = _correct(url, card, "id_number", fake, check=False)
    assert bad.returncode == 2 and "--force" in bad.stderr
    _correct(url, card, "id_number", fake, "--force")
    [record] = _json(url, "export", "certificates", "--county", "旅游区")
    assert record["id_number"] == fake and "id_checksum_invalid" in record["flags"]
    stored = [e.data for e in open_store(url).read_stream(f"doc-{card}") if e.type == "FieldCorrected"]
    assert [d["field"] for d in stored] == ["id_number"]  # nothing refused reached the log


def test_a_correction_of_each_kind_reaches_every_projection_and_the_summary(documents):
    url, card, report, sheet = documents
    assert _json(url, "export", "certificates")[0]["county"] == "旅游区"
    _correct(url, card, "county", "泰山")  # an alias, as intake accepts it
    _correct(url, card, "有效期至", "2024年1月1日")  # a Chinese label and a Chinese date
    _correct(url, card, "item", "高压电工")  # an informal name the catalogue knows: 高压电工作业
    _correct(url, report, "signed", "是")
    _correct(url, report, "county", "东平")
    _correct(url, sheet, "rows.1.name", "张三")
    _correct(url, sheet, "employer", "泰安恒通机械股份有限公司")

    def check():
        [record] = _json(url, "export", "certificates")
        assert record["county"] == "泰山区" and record["valid_until"] == "2024-01-01"
        assert record["item"] == "高压电工作业" and record["employer"] == "泰安恒通机械股份有限公司"
        assert "expired" in record["flags"] and "name_mismatch" not in record["flags"]
        assert _json(url, "review", "list") == []
        rows = {r["county"]: r for r in _json(url, "report", "summary")}
        assert rows["泰山区"]["certificates_checked"] == 1 and rows["泰山区"]["expired"] == 1
        assert "旅游区" not in rows
        assert rows["东平县"]["self_checks_signed"] == 1 and rows["宁阳县"]["self_checks_received"] == 0
        entities = {e["name"]: e for e in _json(url, "export", "entities")}
        assert entities["宁阳县兴达化工有限公司"]["county"] == "东平县"
        assert entities["宁阳县兴达化工有限公司"]["status"] == "ok"
        assert entities["泰安恒通机械股份有限公司"]["certificates_on_file"] == 1
        explained = _json(url, "explain", record["cert_no"])
        assert explained["fields"]["county"]["events"][-1]["new"] == "泰山区"

    check()
    zhili(url, "replay")
    check()  # the same from a rebuild


def test_roster_rows_and_their_id_numbers_can_be_corrected(documents):
    url, _, _, sheet = documents
    other = h.person_id(9)
    _correct(url, sheet, "rows.1.身份证号", other)
    [record] = _json(url, "export", "certificates")
    assert record["employer"] is None  # the roster row now names someone else
    [entity] = [e for e in _json(url, "export", "entities", "--detail") if e["kind"] == "enterprise"
                and e["name"].startswith("泰安恒通")]
    assert [w["id_number"] for w in entity["workers_without_certificate"]] == [other]
    bad = _correct(url, sheet, "rows.7.name", "王五", check=False)
    assert bad.returncode == 2 and "rows.N.name" in bad.stderr
