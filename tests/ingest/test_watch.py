"""`zhili watch`: half-written files wait, two watchers share a folder, polling works."""
from __future__ import annotations

import json
import signal
import time

from domain import vocabulary as v
from tests.ingest.helpers import events_of, files_under, finished_once, good_pdf, per_document, start_zhili, write


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def received(db) -> int:
    try:
        return len(per_document(events_of(db), v.DOCUMENT_RECEIVED))
    except Exception:  # not created yet
        return 0


def test_a_file_being_copied_in_is_taken_only_when_complete(tmp_path):
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "in"
    (intake / "泰山区").mkdir(parents=True)
    watcher = start_zhili(db, "watch", str(intake), "--settle-seconds", "0.5", "--rescan-seconds", "1",
                          docs=tmp_path / "docs")
    try:
        pdf = good_pdf(70)
        target = intake / "泰山区" / "slow copy.pdf"
        with open(target, "wb") as f:  # a copy over SMB that stalls halfway
            f.write(pdf[: len(pdf) // 2])
            f.flush()
            time.sleep(3.0)  # longer than the settle time: steady, but not complete
            assert received(db) == 0 and target.exists()
            f.write(pdf[len(pdf) // 2:])
        assert wait_for(lambda: (intake / ".done" / "泰山区" / "slow copy.pdf").exists())
        # and a second file dropped while it runs is noticed too
        write(intake / "泰山区" / "later.pdf", good_pdf(71))
        assert wait_for(lambda: (intake / ".done" / "泰山区" / "later.pdf").exists())
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, err
    assert out.strip().endswith("2 received, 0 duplicates, " + out.split("duplicates, ")[1].split(" needs")[0]
                                + " needs-review, 0 rejected")
    assert any(json.loads(line)["event"] == "incomplete_waiting" for line in err.splitlines() if line.startswith("{"))
    events = events_of(db)
    assert finished_once(events) and len(per_document(events, v.DOCUMENT_PROCESSED)) == 2


def test_two_watchers_on_one_folder_process_every_file_exactly_once(db_url, tmp_path):
    db, intake, docs = db_url, tmp_path / "in", tmp_path / "docs"
    for i in range(10):
        write(intake / ("泰山区" if i % 2 else "岱岳区") / f"c{i}.pdf", good_pdf(80 + i))
    write(intake / "泰山区" / "same bytes as c1.pdf", good_pdf(81))
    args = ("watch", str(intake), "--once", "--settle-seconds", "0.2")
    first = start_zhili(db, *args, docs=docs)
    second = start_zhili(db, *args, "--poll", docs=docs)  # one on inotify, one polling
    for proc in (first, second):
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    events = events_of(db)
    processed = per_document(events, v.DOCUMENT_PROCESSED)
    assert len(processed) == 10 and set(processed.values()) == {1}
    assert finished_once(events)
    assert sum(per_document(events, v.DUPLICATE_RECEIVED).values()) == 1
    assert [f for f in files_under(intake) if not f.startswith(".done/")] == []
    assert len(files_under(intake / ".done")) == 11
