"""Bad input: each gets a clear reason, the watcher keeps running, nothing is lost."""
from __future__ import annotations

import hashlib
import os
import subprocess

from domain import vocabulary as v
from ingest import folder
from ingest.docstore import DocumentStore
from ingest.intake import Intake, Settings
from ingest.workers import InlinePool
from events import open_store
from synth import badfiles
from tests.ingest.helpers import ZHILI, events_of, finished_once, good_pdf, per_document, write, zhili

WATCH_ONCE = ("watch", "--once", "--settle-seconds", "0.2", "--give-up-seconds", "1", "--engine", "tesseract")


def reason_code(path) -> str:
    text = path.read_text("utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("原因代码 Reason code:"))
    assert "原因：" in text and "处理办法：" in text and "Reason:" in text and "What to do:" in text
    return line.split(":", 1)[1].strip()


def test_every_kind_of_bad_file_is_refused_with_its_reason(tmp_path):
    db, docs, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "docs", tmp_path / "in"
    expected = {"zero_bytes": "empty", "truncated_pdf": "truncated_pdf", "encrypted_pdf": "encrypted_pdf",
                "random_bytes": "not_an_image", "text_named_png": "not_an_image",
                "bomb_png": "decompression_bomb", "many_pages_pdf": "too_many_pages"}
    originals = {}
    for name, (suffix, make) in badfiles.BAD_FILES.items():
        data = make()
        originals[name + suffix] = data
        write(intake / "泰山区" / (name + suffix), data)
    write(intake / "泰山区" / "garbled text layer.pdf", badfiles.cid_garbage_pdf(1))
    os.mkfifo(intake / "泰山区" / "pipe.pdf")
    outside = write(tmp_path / "outside" / "secret.pdf", good_pdf(9))
    os.symlink(outside, intake / "泰山区" / "link.pdf")

    result = zhili(db, *WATCH_ONCE, str(intake), docs=docs, timeout=180)
    assert result.returncode == 0, result.stderr
    rejected = intake / ".rejected" / "泰山区"
    for name, (suffix, _) in badfiles.BAD_FILES.items():
        assert reason_code(rejected / f"{name}{suffix}.reason.txt") == expected[name], name
        # nothing lost: the bytes are in the document store and in the quarantine
        # (an empty file is refused at once: no bytes to keep, no document)
        assert name == "zero_bytes" or DocumentStore(docs).get(hashlib.sha256(originals[name + suffix]).hexdigest()) == originals[name + suffix]
        assert (rejected / f"{name}{suffix}").read_bytes() == originals[name + suffix]
    pages_reason = (rejected / "many_pages_pdf.pdf.reason.txt").read_text("utf-8")
    assert "2001" in pages_reason  # the page count is reported
    assert reason_code(rejected / "pipe.pdf.reason.txt") == "not_a_file"
    assert reason_code(rejected / "link.pdf.reason.txt") == "symlink"
    assert os.path.islink(rejected / "link.pdf") and outside.read_bytes() == good_pdf(9)  # not followed
    assert (intake / ".done" / "泰山区" / "garbled text layer.pdf").exists()
    events = events_of(db)
    assert finished_once(events)
    refused = {e.data["relative_path"]: e.data["reason_code"] for e in events if e.type == v.FILE_REFUSED}
    assert refused == {"泰山区/pipe.pdf": "not_a_file", "泰山区/link.pdf": "symlink", "泰山区/zero_bytes.pdf": "empty"}  # on the record too
    garbled = [e for e in events if e.type == v.PAGE_READ]
    assert garbled and all(e.data["engine"] == "tesseract" for e in garbled)  # OCR'd, not trusted
    assert not any("(cid:" in e.data["text"] for e in garbled)
    assert os.listdir(intake / "泰山区") == []


def test_odd_file_names_are_taken(tmp_path):
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "in"
    long_name = "证书" * 39 + ".pdf"  # 238 bytes
    names = ["with  spaces .pdf", "证书📄✅.pdf", long_name]
    for i, name in enumerate(names):
        write(intake / "泰山区" / name, good_pdf(20 + i))
    undecodable = os.path.join(os.fsencode(intake / "泰山区"), b"scan-\xff\xfe-\xb5.pdf")
    with open(undecodable, "wb") as f:
        f.write(good_pdf(30))
    result = zhili(db, *WATCH_ONCE, str(intake), docs=tmp_path / "docs")
    assert result.returncode == 0, result.stderr
    done = os.fsencode(intake / ".done" / "泰山区")
    assert sorted(os.listdir(done)) == sorted([os.fsencode(n) for n in names] + [b"scan-\xff\xfe-\xb5.pdf"])
    events = events_of(db)
    assert len(per_document(events, v.DOCUMENT_PROCESSED)) == 4
    filenames = {e.data["filename"] for e in events if e.type == v.DOCUMENT_RECEIVED}
    assert "scan-\ufffd\ufffd-\ufffd.pdf" in filenames and long_name in filenames


def test_a_file_root_may_not_read_is_refused_and_kept(tmp_path):
    """Tests run as root, who reads everything: the watcher runs without the capabilities
    that bypass file permissions (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH)."""
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "in"
    secret = write(intake / "泰山区" / "locked.pdf", good_pdf(40))
    secret.chmod(0)
    write(intake / "泰山区" / "open.pdf", good_pdf(41))
    result = subprocess.run(
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", ZHILI, "--db", db, *WATCH_ONCE, str(intake)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "ZHILI_DOCS": str(tmp_path / "docs")})
    assert result.returncode == 0, result.stderr
    rejected = intake / ".rejected" / "泰山区"
    assert reason_code(rejected / "locked.pdf.reason.txt") == "unreadable"
    (rejected / "locked.pdf").chmod(0o644)
    assert (rejected / "locked.pdf").read_bytes() == good_pdf(40)  # kept, for the clerk to fix
    assert (intake / ".done" / "泰山区" / "open.pdf").exists()  # the watcher went on


def test_a_file_that_vanishes_before_it_is_read_leaves_no_trace(db_url, tmp_path):
    store = open_store(db_url)
    intake = Intake(store, DocumentStore(tmp_path / "docs"), Settings(), InlinePool())
    path = write(tmp_path / "in" / "泰山区" / "gone.pdf", good_pdf(50))
    drop = folder.scan(str(tmp_path / "in"))[0]
    path.unlink()  # deleted by the clerk between the scan and the read
    assert intake.offer(drop) == "vanished"
    path = write(tmp_path / "in" / "泰山区" / "kept.pdf", good_pdf(51))
    assert intake.offer(folder.scan(str(tmp_path / "in"))[0]) == "new"  # and the next one is taken
    intake.drain()
    assert [e.type for e in store.read_all()][0] == v.DOCUMENT_RECEIVED
    assert len(per_document(list(store.read_all()), v.DOCUMENT_PROCESSED)) == 1
    store.engine.dispose()


def test_a_rejected_file_replaced_under_the_same_name_is_taken_again(tmp_path):
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "in"
    write(intake / "泰山区" / "scan.pdf", badfiles.truncated_pdf())
    assert zhili(db, *WATCH_ONCE, str(intake), docs=tmp_path / "docs").returncode == 0
    assert (intake / ".rejected" / "泰山区" / "scan.pdf").exists()
    write(intake / "泰山区" / "scan.pdf", good_pdf(60))  # the clerk's corrected file, same name
    result = zhili(db, *WATCH_ONCE, str(intake), docs=tmp_path / "docs")
    assert result.returncode == 0, result.stderr
    assert (intake / ".done" / "泰山区" / "scan.pdf").read_bytes() == good_pdf(60)
    events = events_of(db)
    assert len(per_document(events, v.DOCUMENT_PROCESSED)) == 1
    assert len(per_document(events, v.DOCUMENT_REJECTED)) == 1


def test_a_file_too_large_to_hold_is_refused_before_it_is_read(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/z.db")
    big = write(tmp_path / "in" / "泰山区" / "huge.pdf", b"%PDF-1.4\n" + b"0" * 4096)
    intake = Intake(store, DocumentStore(tmp_path / "docs"), Settings(max_bytes=1024), InlinePool())
    assert intake.offer(folder.scan(str(tmp_path / "in"))[0]) == "refused"
    kept = tmp_path / "in" / ".rejected" / "泰山区" / "huge.pdf"
    assert not big.exists() and kept.stat().st_size == 4105
    assert reason_code(tmp_path / "in" / ".rejected" / "泰山区" / "huge.pdf.reason.txt") == "too_large"
    [event] = store.read_all()  # no document, but the refusal is on the record
    assert (event.stream_id, event.type) == (v.REFUSED_FILES_STREAM, v.FILE_REFUSED)
    assert event.data["relative_path"] == "泰山区/huge.pdf" and event.data["reason_code"] == "too_large"
    assert "4105" in event.data["detail"] and event.data["reason_zh"]
    store.engine.dispose()


def test_a_refused_file_left_in_place_is_recorded_once_however_often_it_is_seen(db_url, tmp_path):
    store = open_store(db_url)
    big = write(tmp_path / "in" / "泰山区" / "huge.pdf", b"%PDF-1.4\n" + b"0" * 4096)
    intake = Intake(store, DocumentStore(tmp_path / "docs"), Settings(max_bytes=1024, move=False), InlinePool())
    for _ in range(3):  # a watcher's rescans meet it again and again
        assert intake.offer(folder.scan(str(tmp_path / "in"))[0]) == "refused"
    assert big.exists()
    assert [e.type for e in store.read_all()] == [v.FILE_REFUSED]
    write(big, b"%PDF-1.4\n" + b"1" * 8192)  # the clerk drops a new (still too large) file
    assert intake.offer(folder.scan(str(tmp_path / "in"))[0]) == "refused"
    assert [e.type for e in store.read_all()] == [v.FILE_REFUSED, v.FILE_REFUSED]
    store.engine.dispose()
