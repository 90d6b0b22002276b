"""`zhili ingest`: identity by bytes, duplicates, resume, crashes, retries, SIGKILL."""
from __future__ import annotations

import os
import re
import signal
import time

from domain import vocabulary as v
from events import NewEvent, open_store
from ingest.docstore import DocumentStore
from tests.ingest.helpers import (events_of, files_under, finished_once, good_pdf, per_document, start_zhili,
                                  write, zhili)

SUMMARY = re.compile(r"^(\d+) received, (\d+) duplicates, (\d+) needs-review, (\d+) rejected$", re.M)


def summary(out: str) -> tuple[int, ...]:
    match = SUMMARY.search(out)
    assert match, out
    return tuple(int(x) for x in match.groups())


def test_same_bytes_under_other_names_make_one_document_and_no_second_read(db_url, tmp_path):
    intake, docs = tmp_path / "in", tmp_path / "docs"
    pdf = good_pdf(1)
    write(intake / "泰山区" / "a.pdf", pdf)
    write(intake / "泰山区" / "sub" / "copy of a.pdf", pdf)
    write(intake / "某某县" / "b.pdf", good_pdf(2))
    write(intake / "泰山区" / "empty.pdf", b"")
    write(intake / "泰山区" / "notes.docx", b"PK\x03\x04 not for us")
    result = zhili(db_url, "ingest", str(intake), "--move", docs=docs)
    assert result.returncode == 0, result.stderr
    received, duplicates, _, rejected = summary(result.stdout)
    assert (received, duplicates, rejected) == (3, 1, 2)  # the empty file is refused at once, unread
    events = events_of(db_url)
    assert finished_once(events)
    assert len(per_document(events, v.DOCUMENT_RECEIVED)) == 3
    assert sum(per_document(events, v.DUPLICATE_RECEIVED).values()) == 1
    codes = {e.data["filename"]: e.data["reason_code"] for e in events if e.type == v.DOCUMENT_REJECTED}
    assert codes == {"notes.docx": "unsupported_type"}
    assert [e.data["reason_code"] for e in events if e.type == v.FILE_REFUSED] == ["empty"]
    # an unknown county folder is kept as given and put in front of a clerk
    county_reviews = [e for e in events if e.type == v.FIELD_NEEDS_REVIEW and e.data["field"] == "county"]
    assert [(r.data["record"], r.data["value"]) for r in county_reviews] == [("document", "某某县")]
    assert files_under(intake) == sorted([
        ".done/泰山区/a.pdf", ".done/泰山区/sub/copy of a.pdf", ".done/某某县/b.pdf",
        ".rejected/泰山区/empty.pdf", ".rejected/泰山区/empty.pdf.reason.txt",
        ".rejected/泰山区/notes.docx", ".rejected/泰山区/notes.docx.reason.txt"])
    reason = (intake / ".rejected/泰山区/notes.docx.reason.txt").read_text("utf-8")
    assert "unsupported_type" in reason and "不支持" in reason and "not supported" in reason
    for e in events:
        if e.type == v.DOCUMENT_RECEIVED:
            assert DocumentStore(docs).has(e.data["doc_id"])
    pages_before = sum(per_document(events, v.PAGE_READ).values())

    # the same bytes again, under yet another name: a duplicate, and nothing is read again
    write(tmp_path / "again" / "泰山区" / "renamed.pdf", pdf)
    again = zhili(db_url, "ingest", str(tmp_path / "again"), docs=docs)
    assert summary(again.stdout) == (0, 1, 0, 0)
    events = events_of(db_url)
    assert sum(per_document(events, v.PAGE_READ).values()) == pages_before
    assert sum(per_document(events, v.DUPLICATE_RECEIVED).values()) == 2
    assert (tmp_path / "again" / "泰山区" / "renamed.pdf").exists()  # --keep is the default


def test_received_but_unfinished_documents_are_resumed_from_the_document_store(db_url, tmp_path):
    docs = DocumentStore(tmp_path / "docs")
    doc_id = docs.put(good_pdf(3))
    store = open_store(db_url)
    store.append(v.document_stream(doc_id), [NewEvent(v.DOCUMENT_RECEIVED, {
        "doc_id": doc_id, "filename": "lost.pdf", "relative_path": "泰山区/lost.pdf", "county": "泰山区",
        "county_known": True, "size": 1, "media_type": "application/pdf"})], expected_version=0)
    store.engine.dispose()
    (tmp_path / "nothing").mkdir()
    result = zhili(db_url, "ingest", str(tmp_path / "nothing"), docs=tmp_path / "docs")
    assert result.returncode == 0, result.stderr
    events = events_of(db_url)
    assert per_document(events, v.DOCUMENT_PROCESSED) == {doc_id: 1}
    # running again finds nothing left to do
    zhili(db_url, "ingest", str(tmp_path / "nothing"), docs=tmp_path / "docs")
    assert per_document(events_of(db_url), v.DOCUMENT_PROCESSED) == {doc_id: 1}


def test_crashing_and_hanging_readers_cost_one_document_each(tmp_path):
    db = f"sqlite:///{tmp_path}/z.db"
    intake = tmp_path / "in"
    write(intake / "泰山区" / "crashme.pdf", good_pdf(4))
    write(intake / "泰山区" / "hangme.pdf", good_pdf(5))
    write(intake / "泰山区" / "oomme.pdf", good_pdf(6))
    write(intake / "泰山区" / "fine.pdf", good_pdf(7))
    result = zhili(db, "ingest", str(intake), "--move", "--jobs", "2", "--attempts", "2", "--time-limit", "2",
                   env={"ZHILI_FAULTS": "crash:crashme,hang:hangme,oom:oomme"}, docs=tmp_path / "docs")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout)[3] == 3
    events = events_of(db)
    assert finished_once(events)
    failed = {e.data["doc_id"]: e.data["attempt"] for e in events if e.type == v.PROCESSING_FAILED}
    assert sorted(failed.values()) == [2, 2, 2]
    codes = {e.data["filename"]: e.data["reason_code"] for e in events if e.type == v.DOCUMENT_REJECTED}
    assert codes == {"crashme.pdf": "processing_failed", "hangme.pdf": "document_timeout",
                     "oomme.pdf": "processing_failed"}
    assert (intake / ".done" / "泰山区" / "fine.pdf").exists()
    assert "多次处理均失败" in (intake / ".rejected" / "泰山区" / "crashme.pdf.reason.txt").read_text("utf-8")


def test_sigkill_mid_run_then_rerun_finishes_every_document_exactly_once(tmp_path):
    db = f"sqlite:///{tmp_path}/z.db"
    intake = tmp_path / "in"
    for i in range(12):
        write(intake / "泰山区" / f"c{i:02}.pdf", good_pdf(100 + i))
    # One reader hangs on c11 until it is killed, so the run is surely cut off mid-way
    # however fast the other reader gets through the rest.
    proc = start_zhili(db, "ingest", str(intake), "--jobs", "2", docs=tmp_path / "docs", start_new_session=True,
                       env={"ZHILI_FAULTS": "hang:c11"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if os.path.exists(tmp_path / "z.db"):
            try:
                done = sum(per_document(events_of(db), v.DOCUMENT_PROCESSED).values())
            except Exception:  # the log is being created
                continue
            if done >= 2:
                break
    os.killpg(proc.pid, signal.SIGKILL)  # the intake and its readers, mid-run
    proc.wait()
    before = events_of(db)
    assert 2 <= sum(per_document(before, v.DOCUMENT_PROCESSED).values()) < 12
    rerun = zhili(db, "ingest", str(intake), "--jobs", "2", docs=tmp_path / "docs")
    assert rerun.returncode == 0, rerun.stderr
    events = events_of(db)
    assert finished_once(events)
    assert len(per_document(events, v.DOCUMENT_PROCESSED)) == 12


def test_a_missing_path_is_one_line_and_exit_1(tmp_path):
    db = f"sqlite:///{tmp_path}/z.db"
    for args in (("ingest", str(tmp_path / "nope")), ("watch", str(tmp_path / "nope"), "--once")):
        result = zhili(db, *args)
        assert result.returncode == 1
        assert result.stderr.strip().startswith("zhili: no such") and "Traceback" not in result.stderr
