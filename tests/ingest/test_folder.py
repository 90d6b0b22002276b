"""Intake folder rules: what is taken, when, where it goes; masking in logs."""
from __future__ import annotations

import os

from ingest import folder
from ingest.folder import Settler
from ingest.intake import mask


def test_scan_skips_hidden_done_rejected_and_partial_copies(tmp_path):
    for rel in ["泰山区/a.pdf", "泰山区/deep/er/b.png", ".done/泰山区/old.pdf", ".rejected/x.pdf",
                "泰山区/.hidden.pdf", "泰山区/~$roster.xlsx", "泰山区/c.pdf.part", "top.pdf"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    drops = folder.scan(str(tmp_path))
    assert [d.relative for d in drops] == ["top.pdf", "泰山区/a.pdf", "泰山区/deep/er/b.png"]
    assert [d.county for d in drops] == [None, "泰山区", "泰山区"]
    assert folder.scan(str(tmp_path), county="东平县")[0].county == "东平县"


def test_settler_waits_until_size_and_time_hold_still(tmp_path):
    now = [0.0]
    settler = Settler(2.0, clock=lambda: now[0])
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1")
    assert settler.steady(str(path)) is None
    now[0] = 1.0
    with open(path, "ab") as f:
        f.write(b"more")
    os.utime(path, ns=(1, 10**9))
    assert settler.steady(str(path)) is None  # changed: the clock starts again
    now[0] = 2.5
    assert settler.steady(str(path)) is None
    now[0] = 3.1
    assert settler.steady(str(path)) is not None


def test_move_keeps_path_and_never_overwrites(tmp_path):
    root = tmp_path / "in"
    for i in range(2):
        (root / "泰山区" / "sub").mkdir(parents=True, exist_ok=True)
        (root / "泰山区" / "sub" / "a.pdf").write_bytes(b"v%d" % i)
        drop = folder.scan(str(root))[0]
        target = folder.destination(drop, folder.DONE, drop.county)
        folder.move(drop.path, target, folder.snapshot(drop.path))
    done = root / ".done" / "泰山区" / "sub"
    assert sorted(os.listdir(done)) == ["a (1).pdf", "a.pdf"]
    assert (done / "a.pdf").read_bytes() == b"v0" and (done / "a (1).pdf").read_bytes() == b"v1"


def test_move_refuses_a_file_changed_since_it_was_read(tmp_path):
    path = tmp_path / "泰山区" / "a.pdf"
    path.parent.mkdir()
    path.write_bytes(b"one")
    snap = folder.snapshot(str(path))
    path.write_bytes(b"two, longer")
    drop = folder.scan(str(tmp_path))[0]
    assert folder.move(drop.path, folder.destination(drop, folder.DONE, "泰山区"), snap) is None
    assert path.read_bytes() == b"two, longer"


def test_reason_file_fits_a_very_long_name(tmp_path):
    name = "证" * 80 + ".pdf"  # 244 bytes
    assert len(os.fsencode(name)) <= 255
    written = folder.write_reason(str(tmp_path / name), "text")
    assert os.path.basename(written).endswith(".reason.txt")
    assert len(os.fsencode(os.path.basename(written))) <= 255


def test_mask_hides_ids_and_names_not_counties():
    assert mask("泰山区/张三-370902198503150011.jpg") == "泰山区/张*-370902********0011.jpg"
    assert mask("泰山区/自查整改报告.pdf") == "泰山区/自查整改报告.pdf"


def test_a_move_cut_short_by_a_crash_is_finished_not_duplicated(tmp_path):
    source = tmp_path / "泰山区" / "a.pdf"
    source.parent.mkdir()
    source.write_bytes(b"pdf")
    drop = folder.scan(str(tmp_path))[0]
    target = folder.destination(drop, folder.DONE, "泰山区")
    os.makedirs(os.path.dirname(target))
    os.link(source, target)  # killed between the link and the unlink
    assert folder.move(drop.path, target, folder.snapshot(drop.path)) == target
    assert not source.exists() and os.listdir(os.path.dirname(target)) == ["a.pdf"]


def test_a_move_finished_by_another_watcher_keeps_the_file(tmp_path, monkeypatch):
    """Watcher B finds A's fresh link, takes it for a crash's leftover and removes the
    source; A must then keep its link, the file's last name, not undo it."""
    source = tmp_path / "in" / "a.pdf"
    source.parent.mkdir()
    source.write_bytes(b"%PDF-1.4 clerk's scan")
    real_link = os.link

    def link_then_rival_finishes(src, dst, **kwargs):
        real_link(src, dst, **kwargs)
        assert folder.move(str(source), dst, None) == dst  # B, between A's link and unlink

    monkeypatch.setattr(folder.os, "link", link_then_rival_finishes)
    placed = folder.move(str(source), str(tmp_path / "done" / "a.pdf"), None)
    assert placed == str(tmp_path / "done" / "a.pdf")
    assert (tmp_path / "done" / "a.pdf").read_bytes() == b"%PDF-1.4 clerk's scan"
    assert not source.exists()
