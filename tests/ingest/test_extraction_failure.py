"""A reader's exception never rejects a document: the pages and the classification are
recorded, a clerk gets the document (`extraction_failed`), the log gets the traceback with
personal data masked, and the pages are not OCR'd again."""
from __future__ import annotations

import json

import orjson

from domain import vocabulary as v
from ingest.extract import to_events, understand
from ingest.extract.failure import caught, mask_message
from tests.ingest.helpers import events_of, good_pdf, write, zhili
from tests.ingest.test_extract import card_lines, page
from tests.ingest.test_ingest import summary


def test_a_cert_no_label_beside_words_is_not_found_instead_of_a_type_error():
    # The outside corpus' TypeError: 证号 followed by words, not a number, read as "" and
    # then `None in str` in the repair check. A lone "T" was accepted as the number.
    for words in ("见背面", "T见背面"):
        u = understand([page(card_lines(cert_no=words))], "c.png", None)
        assert u.failure is None
        [card] = u.records
        assert card.fields["cert_no"].value is None and card.fields["cert_no"].reason == "not_found"
        assert card.fields["name"].value == "张伟"  # the rest of the card is read as before


def test_pages_that_break_a_reader_are_recorded_and_sent_to_review(monkeypatch):
    monkeypatch.setenv("ZHILI_FAULTS", "extract:broken")
    pages = [page(card_lines())]
    u = understand(pages, "broken-张伟.png", None)
    assert (u.kind, u.records) == ("certificate", [])
    assert u.failure.step == "certificate" and u.failure.error.startswith("RuntimeError at ")
    events = to_events(u, "d" * 64, pages)
    types = [e.type for e in events]
    assert types == [v.PAGE_READ, v.DOCUMENT_CLASSIFIED, v.FIELD_NEEDS_REVIEW, v.DOCUMENT_PROCESSED]
    assert events[0].data["text"].startswith("中华人民共和国特种作业操作证")  # the OCR is kept
    assert events[1].data["kind"] == "certificate"
    review = events[2].data
    assert (review["record"], review["field"], review["value"], review["reason"]) == \
        ("document", "extraction", "certificate", "extraction_failed")
    assert "出错" in review["reason_zh"] and "failed" in review["reason_en"] and review["error"] == u.failure.error
    assert events[3].data["needs_review"] == 1
    for e in events:
        orjson.dumps(e.data)


def test_a_roster_reader_that_raises_records_the_roster_for_review(monkeypatch):
    from ingest.extract import read_roster

    monkeypatch.setenv("ZHILI_FAULTS", "extract:broken")
    u = read_roster("姓名,身份证号,证号\n张伟,370902198503150011,T370902198503150011\n".encode(), "broken.csv", "泰山区")
    assert (u.kind, u.records, u.failure.step) == ("roster", [], "roster")
    [review] = [e.data for e in to_events(u, "e" * 64, []) if e.type == v.FIELD_NEEDS_REVIEW]
    assert (review["field"], review["value"], review["reason"], review["page"]) == \
        ("extraction", "roster", "extraction_failed", None)


def test_the_logged_traceback_masks_what_was_read():
    try:  # a reader's bug quoting a name and an ID in its message
        raise ValueError("bad id 370902198503150011 for 张伟")
    except ValueError as exc:
        told = caught("certificate", exc)
    assert "370902198503150011" not in told.traceback and "张伟" not in told.traceback
    assert told.traceback.startswith("ValueError: bad id ****************** for **")
    assert "test_extraction_failure.py" in told.traceback  # the frame: where to fix it
    assert mask_message("'亓鑫' not in 'T3709'") == "'**' not in 'T3709'"


def test_an_extraction_failure_ends_processed_in_review_read_once_and_a_correction_clears_it(db_url, tmp_path):
    intake, docs = tmp_path / "in", tmp_path / "docs"
    write(intake / "泰山区" / "broken-张伟-370902198503150011.pdf", good_pdf(3))
    result = zhili(db_url, "ingest", str(intake), docs=docs, env={"ZHILI_FAULTS": "extract:broken"})
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 0, 1, 0)  # received, in review, not rejected
    events = events_of(db_url)
    types = [e.type for e in events]
    assert v.PROCESSING_FAILED not in types and v.DOCUMENT_REJECTED not in types
    assert types.count(v.PAGE_READ) == 1 and types.count(v.DOCUMENT_PROCESSED) == 1
    [review] = [e.data for e in events if e.type == v.FIELD_NEEDS_REVIEW]
    assert review["reason"] == "extraction_failed"
    doc_id = review["doc_id"]

    logged = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [failure] = [r for r in logged if r["event"] == "extraction_failed"]
    assert "RuntimeError: injected extraction fault" in failure["error"]
    assert "ingest/extract/__init__.py" in failure["error"]
    assert "张伟" not in result.stderr and "370902198503150011" not in result.stderr
    assert failure["file"] == "broken-张*-370902********0011.pdf"

    listed = zhili(db_url, "review", "list", "--format", "json", docs=docs)
    assert listed.returncode == 0, listed.stderr
    [item] = json.loads(listed.stdout)
    assert (item["doc_id"], item["field"], item["reason"]) == (doc_id, "extraction", "extraction_failed")

    fixed = zhili(db_url, "review", "correct", doc_id[:12], "extraction", "checked", "--by", "李四",
                  "--reason", "对照原件", docs=docs)
    assert fixed.returncode == 0, fixed.stderr
    [correction] = [e for e in events_of(db_url) if e.type == v.FIELD_CORRECTED]
    assert correction.data["field"] == "extraction" and correction.data["new"] == "checked"
    assert json.loads(zhili(db_url, "review", "list", "--format", "json", docs=docs).stdout) == []
