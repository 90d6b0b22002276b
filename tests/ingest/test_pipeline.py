"""The intake in-process: rosters skip OCR, claim-only hands reading to workers, finishing is idempotent."""
from __future__ import annotations

from domain import vocabulary as v
from events import open_store
from ingest import folder, ledger
from ingest.docstore import DocumentStore
from ingest.intake import Intake, Settings
from ingest.processing import Task, process
from ingest.workers import InlinePool
from tests.ingest.helpers import good_pdf, per_document, write
from zhili.cmd_intake import process_document

ROSTER = "姓名,身份证号码,操作证号,工种\n张三,370902198503150011,T370902198503150011,电工\n".encode("utf-8")


def test_a_roster_is_read_without_ocr(db_url, tmp_path):
    store = open_store(db_url)
    write(tmp_path / "in" / "东平县" / "花名册.csv", ROSTER)
    intake = Intake(store, DocumentStore(tmp_path / "docs"), Settings(), InlinePool())
    assert intake.offer(folder.scan(str(tmp_path / "in"))[0]) == "new"
    intake.drain()
    events = list(store.read_all())
    types = [e.type for e in events]
    assert v.PAGE_READ not in types and v.ROSTER_RECOGNISED in types and types[-1] == v.DOCUMENT_PROCESSED
    roster = next(e for e in events if e.type == v.ROSTER_RECOGNISED)
    assert roster.data["rows"][0]["id_number"] == "370902198503150011"
    assert (tmp_path / "in" / ".done" / "东平县" / "花名册.csv").exists()
    store.engine.dispose()


def test_claim_only_intake_moves_the_file_once_a_worker_has_finished_it(db_url, tmp_path):
    store = open_store(db_url)
    docs = DocumentStore(tmp_path / "docs")
    write(tmp_path / "in" / "泰山区" / "a.pdf", good_pdf(90))
    watcher = Intake(store, docs, Settings(claim_only=True), InlinePool())
    watcher.offer(folder.scan(str(tmp_path / "in"))[0])
    watcher.pump(0)
    assert [e.type for e in store.read_all()] == [v.DOCUMENT_RECEIVED]
    assert (tmp_path / "in" / "泰山区" / "a.pdf").exists()
    doc_id = next(store.read_all()).data["doc_id"]
    assert process_document(store, docs, doc_id, inline=True) == (v.DOCUMENT_PROCESSED, None)
    assert process_document(store, docs, doc_id, inline=True) == (v.DOCUMENT_PROCESSED, None)  # redelivered
    assert per_document(list(store.read_all()), v.DOCUMENT_PROCESSED) == {doc_id: 1}
    watcher.queue[0].not_before = 0
    watcher.pump(0)
    assert watcher.idle and (tmp_path / "in" / ".done" / "泰山区" / "a.pdf").exists()
    store.engine.dispose()


def test_the_same_result_appended_twice_is_stored_once(db_url, tmp_path):
    store = open_store(db_url)
    docs = DocumentStore(tmp_path / "docs")
    doc_id = docs.put(good_pdf(91))
    claim = ledger.claim(store, ledger.Arrival(doc_id, "a.pdf", "泰山区/a.pdf", "泰山区", True, 1, "application/pdf", "x"))
    assert claim.state == "new"
    again = ledger.claim(store, ledger.Arrival(doc_id, "a.pdf", "泰山区/a.pdf", "泰山区", True, 1, "application/pdf", "x"))
    assert again.state == "resume"  # the same drop seen again (a second watcher, a restart)
    result = process(Task(doc_id, str(docs.root), "a.pdf", "泰山区", True))
    first = ledger.finish(store, doc_id, list(result.events))
    second = ledger.finish(store, doc_id, list(process(Task(doc_id, str(docs.root), "a.pdf", "泰山区", True)).events))
    assert first == second == (v.DOCUMENT_PROCESSED, None)
    events = store.read_stream(v.document_stream(doc_id))
    assert sum(e.type == v.DOCUMENT_PROCESSED for e in events) == 1
    assert len(events) == 1 + len(result.events)
    # a third drop of the same bytes elsewhere is a duplicate, recorded once however often it is seen
    other = ledger.Arrival(doc_id, "b.pdf", "泰山区/b.pdf", "泰山区", True, 1, "application/pdf", "y")
    assert ledger.claim(store, other).state == "duplicate"
    assert ledger.claim(store, other).state == "finished"  # that drop, seen again
    assert sum(e.type == v.DUPLICATE_RECEIVED for e in store.read_stream(v.document_stream(doc_id))) == 1
    store.engine.dispose()
