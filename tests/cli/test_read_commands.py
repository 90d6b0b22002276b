"""zhili replay / export / report / explain / review, run as a user runs them."""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

import openpyxl
import pytest

from events import open_store
from tests.projections import history as h

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def zhili(db_url, *args, check=True):
    """Run the CLI in this process (the import of a fresh interpreter dominates otherwise)."""
    from zhili.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            main(["--db", db_url, *args])
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
    done = subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())
    if check:
        assert done.returncode == 0, done.stderr
    return done


def zhili_process(db_url, *args):
    done = subprocess.run([sys.executable, "-m", "zhili", "--db", db_url, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=dict(os.environ, ZHILI_DB=""))
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def filled(db_url):
    store = open_store(db_url)
    doc = h.doc_id("card-one")
    h.add(store, doc, h.received(doc, "泰山区", filename="张三证.jpg"), h.certificate(doc, name="张三"),
          h.needs_review(doc, "name", "张三"), h.processed(doc, needs=1))
    expired = h.add_certificate_document(store, "card-two", "岱岳区", cert_no="T" + h.person_id(3), id_number=h.person_id(3),
                                         valid_from="2017-01-01", valid_until="2023-01-01", review_due="2020-01-01",
                                         reviews=["2019-12-01"])
    two = h.doc_id("two-cards")
    h.add(store, two, h.received(two, "岱岳区"), h.certificate(two, record="card1", cert_no="T" + h.person_id(5), id_number=h.person_id(5)),
          h.certificate(two, record="card2", cert_no="T" + h.person_id(7), id_number=h.person_id(7)))
    store.engine.dispose()
    return db_url, doc, expired, two


def test_empty_database_prints_json_lists(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    for args in (["export", "certificates", "--format", "json"], ["report", "summary", "--format", "json"],
                 ["export", "entities"], ["export", "review"]):
        assert isinstance(json.loads(zhili_process(url, *args).stdout), list)
    rows = json.loads(zhili(url, "report", "summary").stdout)
    assert [r["county"] for r in rows][-1] == "合计" and len(rows) == 7


def test_review_list_and_correct(filled):
    url, doc, _, two = filled
    queue = json.loads(zhili(url, "review", "list").stdout)
    assert [(i["doc_id"], i["field"], i["filename"], i["county"]) for i in queue] == [(doc, "name", "张三证.jpg", "泰山区")]
    done = zhili(url, "review", "correct", doc[:10], "name", "张叁", "--by", "王芳", "--reason", "对照原件")
    assert "张三" in done.stdout and "张叁" in done.stdout
    assert json.loads(zhili(url, "review", "list", "--format", "json").stdout) == []
    [record] = json.loads(zhili(url, "export", "certificates", "--county", "泰山区").stdout)
    assert record["name"] == "张叁" and record["status"] != "needs_review"
    stored = [e for e in open_store(url).read_stream(f"doc-{doc}") if e.type == "FieldCorrected"]
    assert stored[-1].data | {} == {"doc_id": doc, "record": "card1", "field": "name", "old": "张三", "new": "张叁",
                                     "by": "王芳", "reason": "对照原件"}
    # Two records carry `name`: the bare field is ambiguous, `card2.name` is not.
    bad = zhili(url, "review", "correct", two[:12], "name", "李四", "--by", "王芳", check=False)
    assert bad.returncode == 1 and "card1.name" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    zhili(url, "review", "correct", two[:12], "card2.name", "李四", "--by", "王芳")
    names = {r["cert_no"]: r["name"] for r in json.loads(zhili(url, "export", "certificates").stdout)}
    assert names["T" + h.person_id(7)] == "李四" and names["T" + h.person_id(5)] == "张三"
    bad = zhili(url, "review", "correct", "ffffffffff", "name", "x", "--by", "王芳", check=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    bad = zhili(url, "review", "correct", doc[:10], "nonsense", "x", "--by", "王芳", check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "valid_until" in bad.stderr  # the valid names


def test_export_filters_public_masking_and_csv(filled):
    url, *_ = filled
    rows = json.loads(zhili(url, "export", "certificates", "--county", "岱岳区", "--flag", "expired").stdout)
    assert [r["cert_no"] for r in rows] == ["T" + h.person_id(3)]
    summary = json.loads(zhili(url, "report", "summary", "--as-of", "2099-01-01").stdout)
    assert all(r["certificates_checked"] == r["expired"] for r in summary)  # everything has expired by 2099
    assert summary[-1]["expired"] == 4
    past = json.loads(zhili(url, "export", "certificates", "--known-at", "2001-01-01").stdout)
    assert past == []  # nothing had been recorded by then
    judged = json.loads(zhili(url, "export", "certificates", "--as-of", "2001-01-01").stdout)
    assert len(judged) == 4 and all("not_yet_valid" in r["flags"] for r in judged)  # all known, judged in 2001
    public = json.loads(zhili(url, "export", "certificates", "--public").stdout)
    assert all("*" in r["name"] and r["id_number"][6:14] == "********" for r in public)
    assert all(r["cert_no"].startswith("T") and "*" in r["cert_no"] for r in public)
    text = zhili(url, "export", "certificates", "--format", "csv").stdout
    assert text.splitlines()[0].startswith("cert_no,name,sex,id_number") and "source.doc_id" in text.splitlines()[0]
    assert len(text.splitlines()) == 5


def test_report_xlsx_table_deadlines_explain_and_replay(filled, tmp_path):
    url, doc, *_ = filled
    target = tmp_path / "汇总表.xlsx"
    zhili(url, "report", "summary", "--format", "xlsx", "-o", str(target))
    ws = openpyxl.load_workbook(target).active
    assert ws["A1"].value.startswith("泰安市特种作业人员") and ws["A3"].value == "县市区"
    table = zhili(url, "report", "summary", "--format", "table").stdout
    assert "合计" in table and "岱岳区" in table
    deadlines = json.loads(zhili(url, "report", "deadlines", "--format", "json", "--as-of", "2024-07-01").stdout)
    assert {d["milestone"] for d in deadlines} >= {"self_check", "progress_report_1", "final_report"}
    explained = json.loads(zhili(url, "explain", "T" + h.person_id()).stdout)
    assert explained["fields"]["name"]["events"][0]["doc_id"] == doc
    missing = zhili(url, "explain", "T000", check=False)
    assert missing.returncode == 1 and "no certificate or entity" in missing.stderr
    assert "replayed" in zhili(url, "replay").stdout
    assert "replayed" in zhili(url, "replay", "--only", "review").stdout
    past = zhili(url, "replay", "--known-at", "2000-01-01").stdout
    assert "0 certificates" in past and "live tables untouched" in past
    assert zhili(url, "replay", "--only", "nope", check=False).returncode == 1
    assert zhili(url, "export", "certificates", "--as-of", "yesterday", check=False).returncode == 2


def test_correcting_a_problem_row_of_a_self_check_report(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = open_store(url)
    doc = h.doc_id("report")
    h.add(store, doc, h.received(doc, "宁阳县"), h.report(doc, "宁阳县兴达化工有限公司", problems=[{"rectified": False}]),
          h.needs_review(doc, "problems.1", {"seq": 1, "rectified": False}, record="report"))
    [entity] = json.loads(zhili(url, "export", "entities").stdout)
    assert entity["status"] == "needs_review"  # the row waits for a clerk
    bad = zhili(url, "review", "correct", doc[:8], "problems.1", "yes", "--by", "王芳", check=False)
    assert bad.returncode == 2 and "JSON" in bad.stderr
    zhili(url, "review", "correct", doc[:8], "problems.1", '{"rectified": true}', "--by", "王芳")
    [entity] = json.loads(zhili(url, "export", "entities", "--detail").stdout)
    assert entity["status"] == "ok" and entity["problems"][0]["rectified"] is True
    assert entity["self_check"]["problems_rectified"] == 1
    assert json.loads(zhili(url, "review", "list").stdout) == []


def test_a_binary_report_stops_quietly_when_the_reader_goes_away(tmp_path):
    """`zhili report summary --format xlsx | head -c 4`: exit 0, no traceback."""
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{tmp_path / 'p.db'}"
    open_store(url).engine.dispose()
    child = subprocess.Popen([str(Path(sys.executable).parent / "zhili"), "--db", url, "report", "summary",
                              "--format", "xlsx"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.read(4) == b"PK\x03\x04"  # a zip, i.e. an xlsx, had started
    child.stdout.close()
    assert child.wait(60) == 0
    assert child.stderr.read() == b""
