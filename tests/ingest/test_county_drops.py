"""The same file dropped into two counties' folders: every drop kept, a clerk decides whose."""
from __future__ import annotations

import json

from domain import vocabulary as v
from tests.ingest.helpers import events_of, good_pdf, per_document, write, zhili

JUDGED = "2099-01-01"  # every generated card has run out by then: each one is 过期


def _json(db_url: str, *args: str, docs=None):
    result = zhili(db_url, *args, docs=docs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _county_reviews(events):
    return [e for e in events if e.type == v.FIELD_NEEDS_REVIEW and e.data["field"] == "county"]


def _confirm_other_fields(db_url: str) -> None:
    """The generated cards list no review dates (`reviews`, not_found): a clerk confirms
    that, so what is left in the queue is the county alone."""
    for item in _json(db_url, "review", "list"):
        if item["field"] == "reviews":
            fixed = zhili(db_url, "review", "correct", item["doc_id"][:12], "reviews", "", "--by", "王芳")
            assert fixed.returncode == 0, fixed.stderr


def _summary(db_url: str) -> dict[str, dict]:
    return {r["county"]: r for r in _json(db_url, "report", "summary", "--as-of", JUDGED)}


def test_a_card_in_two_counties_waits_for_a_clerk_and_the_correction_settles_it(db_url, tmp_path):
    intake, docs = tmp_path / "in", tmp_path / "docs"
    card = good_pdf(21)
    write(intake / "岱岳区" / "a.pdf", card)  # scanned first: path order would give it to 岱岳区
    write(intake / "泰山区" / "b.pdf", card)
    write(intake / "泰山区" / "other.pdf", good_pdf(22))
    result = zhili(db_url, "ingest", str(intake), docs=docs)
    assert result.returncode == 0, result.stderr
    # each card waits for its review dates, and the county question is one more
    assert "2 received, 1 duplicates, 3 needs-review" in result.stdout, result.stdout
    _confirm_other_fields(db_url)

    events = events_of(db_url)
    [doc_id] = [d for d, n in per_document(events, v.DUPLICATE_RECEIVED).items()]
    assert per_document(events, v.DOCUMENT_RECEIVED)[doc_id] == 1  # one document ...
    drops = [e.data["relative_path"] for e in events
             if e.data.get("doc_id") == doc_id and e.type in (v.DOCUMENT_RECEIVED, v.DUPLICATE_RECEIVED)]
    assert sorted(drops) == ["岱岳区/a.pdf", "泰山区/b.pdf"]  # ... and both drops on the record
    first_county = next(e.data["county"] for e in events if e.type == v.DOCUMENT_RECEIVED and e.data["doc_id"] == doc_id)
    [review] = _county_reviews(events)
    assert review.data["doc_id"] == doc_id and review.data["record"] == "document"
    assert review.data["reason"] == "county_conflict"
    assert sorted(review.data["value"]) == ["岱岳区", "泰山区"] and review.data["value"][0] == first_county

    [item] = _json(db_url, "review", "list")
    assert item["doc_id"] == doc_id and item["field"] == "county" and item["reason"] == "county_conflict"
    certs = {c["source"]["doc_id"]: c for c in _json(db_url, "export", "certificates", "--as-of", JUDGED)}
    assert certs[doc_id]["status"] == "needs_review"
    assert certs[doc_id]["county"] not in ("岱岳区", "泰山区")
    other = next(d for d in certs if d != doc_id)
    assert certs[other]["county"] == "泰山区" and certs[other]["status"] != "needs_review"
    rows = _summary(db_url)
    assert rows[first_county]["expired"] == 0 and rows[first_county]["certificates_checked"] == 0
    assert rows["泰山区"]["expired"] == 1  # the other card only
    assert rows["合计"]["expired"] == 2 and rows["合计"]["needs_review"] == 1  # counted, but for no county

    # Running the same intake again adds nothing at all.
    again = zhili(db_url, "ingest", str(intake), docs=docs)
    assert again.returncode == 0, again.stderr
    assert len(events_of(db_url)) == len(events)

    # The clerk decides: 泰山区. The item is gone and the card counts there, everywhere.
    fixed = zhili(db_url, "review", "correct", doc_id[:12], "county", "泰山区", "--by", "王芳")
    assert fixed.returncode == 0, fixed.stderr

    def settled():
        assert _json(db_url, "review", "list") == []
        certs = {c["source"]["doc_id"]: c for c in _json(db_url, "export", "certificates", "--as-of", JUDGED)}
        assert certs[doc_id]["county"] == "泰山区" and certs[doc_id]["status"] != "needs_review"
        assert "expired" in certs[doc_id]["flags"]
        rows = _summary(db_url)
        assert rows["泰山区"]["expired"] == 2 and rows["泰山区"]["certificates_checked"] == 2
        assert rows["岱岳区"]["expired"] == 0 and rows["合计"]["needs_review"] == 0

    settled()
    assert zhili(db_url, "replay").returncode == 0
    settled()  # the same from a rebuild

    # A new drop in a county already chosen between asks nothing again.
    write(tmp_path / "later" / "岱岳区" / "c.pdf", card)
    later = zhili(db_url, "ingest", str(tmp_path / "later"), docs=docs)
    assert later.returncode == 0, later.stderr
    assert len(_county_reviews(events_of(db_url))) == 1
    settled()


def test_the_same_bytes_twice_in_one_county_are_a_plain_duplicate(db_url, tmp_path):
    intake, docs = tmp_path / "in", tmp_path / "docs"
    card = good_pdf(23)
    write(intake / "宁阳县" / "a.pdf", card)
    write(intake / "宁阳县" / "sub" / "a copy.pdf", card)
    write(intake / "某某县" / "a.pdf", card)  # an unknown folder is no county to disagree with
    result = zhili(db_url, "ingest", str(intake), docs=docs)
    assert result.returncode == 0, result.stderr
    assert "1 received, 2 duplicates, 1 needs-review" in result.stdout, result.stdout  # the card's review dates
    _confirm_other_fields(db_url)
    events = events_of(db_url)
    assert sum(per_document(events, v.DUPLICATE_RECEIVED).values()) == 2
    assert _county_reviews(events) == []
    [cert] = _json(db_url, "export", "certificates", "--as-of", JUDGED)
    assert cert["county"] == "宁阳县" and cert["status"] != "needs_review"
    assert _summary(db_url)["宁阳县"]["expired"] == 1
