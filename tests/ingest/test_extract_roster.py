"""Roster spreadsheets: .xlsx with a title row, CSV in UTF-8 with BOM and in GBK, header
variants, employer from the title or the file name, IDs checked."""
from __future__ import annotations

import random

import pytest

from domain import vocabulary as v
from ingest.extract import RosterUnreadable, read_roster, to_events
from synth.rosters import random_roster, write_csv, write_xlsx


def truth_rows(truth):
    return [{k: r[k] for k in ("row", "name", "id_number", "cert_no", "job")} for r in truth.to_dict()["rows"]]


def got_rows(understood):
    return [{k: r[k] for k in ("row", "name", "id_number", "cert_no", "job")} for r in understood.records[0].extra["rows"]]


def test_xlsx_with_title_row():
    truth = random_roster(random.Random(1), n_rows=8)
    understood = read_roster(write_xlsx(truth), "花名册.xlsx", "泰山区")
    assert understood.kind == "roster"
    [roster] = understood.records
    assert roster.fields["employer"].value == truth.employer
    assert got_rows(understood) == truth_rows(truth)
    events = to_events(understood, "b" * 64, [])
    recognised = next(e for e in events if e.type == v.ROSTER_RECOGNISED)
    assert recognised.data["employer"] == truth.employer and recognised.data["county"] == "泰山区"
    assert len(recognised.data["rows"]) == len(truth.rows)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_in_gbk_and_utf8_bom_employer_from_file_name(encoding):
    truth = random_roster(random.Random(2), n_rows=6)
    name = f"{truth.employer}特种作业人员花名册_0007.csv"
    understood = read_roster(write_csv(truth, encoding=encoding), name, "岱岳区")
    assert got_rows(understood) == truth_rows(truth)
    assert understood.records[0].fields["employer"].value == truth.employer


def test_header_variants_and_bad_ids_go_to_review():
    text = "单位名称：泰安市某某化工有限公司\n序号,人员姓名,公民身份号码,操作证号,岗位\n1,张三,370902198503150011,T370902198503150011,电工\n2,李四,370902198503150012,,焊工\n"
    understood = read_roster(text.encode("utf-8"), "r.csv", None)
    [roster] = understood.records
    assert roster.fields["employer"].value == "泰安市某某化工有限公司"
    rows = roster.extra["rows"]
    assert [(r["name"], r["cert_no"], r["job"], r["item"]) for r in rows] == [
        ("张三", "T370902198503150011", "电工", "低压电工作业"), ("李四", None, "焊工", "熔化焊接与热切割作业")]
    events = to_events(understood, "c" * 64, [])
    reviews = [e.data["field"] for e in events if e.type == v.FIELD_NEEDS_REVIEW]
    assert "rows.2.id_number" in reviews and "rows.1.id_number" not in reviews


def test_unreadable_spreadsheet_is_an_expected_failure():
    with pytest.raises(RosterUnreadable):
        read_roster(b"PK\x03\x04 not really a workbook", "r.xlsx", None)
