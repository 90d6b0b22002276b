"""The summary table (totals, XLSX), traceability of its cells, deadlines, and explain."""
from __future__ import annotations

from datetime import date

import openpyxl

import projections
from projections import provenance, views
from projections.export import TITLE, summary_xlsx
from tests.projections import history as h

DAY = date(2024, 7, 1)


def _history(store, n=1500):
    for stream, events in h.generate(n, seed=5):
        store.append(stream, events)
    projections.catch_up(store)
    return views.load(store.engine)


def test_summary_totals_add_up_and_cells_are_traceable(store):
    facts = _history(store)
    rows = views.summary(facts, DAY)
    total = rows[-1]
    assert total["county"] == "合计"
    for key, _ in views.SUMMARY_COLUMNS:
        if key not in ("county", "rectification_rate"):
            assert total[key] == sum(r[key] for r in rows[:-1]), key
    assert total["certificates_checked"] > 0 and total["expired"] > 0 and total["enterprises"] > 0
    certs = views.certificates(facts, DAY)
    for row in rows[:-1]:
        mine = [c for c in certs if c["county"] == row["county"]]
        assert row["expired"] == sum("expired" in c["flags"] for c in mine)
        assert row["certificates_invalid"] == sum(c["status"] == "invalid" for c in mine)
    assert total["rectification_rate"] == round(total["problems_rectified"] / total["problems_found"], 4)


def test_summary_xlsx_opens_with_title_headers_and_totals(store, tmp_path):
    facts = _history(store, 800)
    rows = views.summary(facts, DAY)
    path = tmp_path / "summary.xlsx"
    summary_xlsx(rows, DAY, path)
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == TITLE
    assert "2024-07-01" in ws["A2"].value
    assert [c.value for c in ws[3]] == [label for _, label in views.SUMMARY_COLUMNS]
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert body[-1][0] == "合计" and [r[0] for r in body] == [r["county"] for r in rows]
    checked = [k for k, _ in views.SUMMARY_COLUMNS].index("certificates_checked")
    assert body[-1][checked] == sum(r[checked] for r in body[:-1]) > 0
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert all(ws.column_dimensions[c].width >= 12 for c in "ABCDEF")


def test_explain_names_the_events_behind_fields_and_flags(store):
    doc = h.doc_id("explained")
    positions = h.add(store, doc, h.received(doc, "肥城市"),
                      h.certificate(doc, issuer="济南市应急管理局", valid_until="2023-01-01", valid_from="2017-01-01",
                                    review_due="2020-01-01", reviews=["2019-11-01"]),
                      h.needs_review(doc, "name", "张三"))
    fix = h.add(store, doc, h.corrected(doc, "name", "张三", "张叁", by="王芳", reason="对照原件"))
    sheet = h.doc_id("sheet")
    roster_at = h.add(store, sheet, h.received(sheet, "肥城市"), h.roster(sheet, "肥城恒泰建材有限公司", [
        {"name": "张三", "id_number": h.person_id()}]))
    projections.catch_up(store)
    result = provenance.explain(views.load(store.engine, boxes=True), "T" + h.person_id(), DAY)
    assert result["record"]["flags"] == ["expired", "name_mismatch", "out_of_city"]
    name_events = result["fields"]["name"]["events"]
    assert [e["position"] for e in name_events] == [positions[1], positions[2], fix[0]]
    correction = name_events[-1]
    assert (correction["type"], correction["by"], correction["old"], correction["new"], correction["reason"]) == (
        "FieldCorrected", "王芳", "张三", "张叁", "对照原件")
    assert correction["recorded_at"]
    assert name_events[0]["box"] == [10, 10, 200, 40] and name_events[0]["page"] == 1
    assert result["fields"]["county"]["events"][0]["position"] == positions[0]
    assert [e["position"] for e in result["flags"]["expired"]["events"]] == [positions[1]]
    assert result["flags"]["expired"]["events"][0]["doc_id"] == doc
    assert roster_at[1] in [e["position"] for e in result["flags"]["name_mismatch"]["events"]]
    assert result["fields"]["employer"]["value"] == "肥城恒泰建材有限公司"
    # The same certificate by its normalised number, and an entity by its id.
    assert provenance.explain(views.load(store.engine), h.person_id(), DAY)["key"] == h.person_id()
    [entity] = views.entities(views.load(store.engine), DAY)
    about = provenance.explain(views.load(store.engine), entity["entity_id"], DAY)
    assert about["kind"] == "entity" and about["rosters"][0]["position"] == roster_at[1]


def test_deadlines_count_done_and_late_self_checks(store):
    for name, filed in (("早公司", "2024-06-10"), ("晚公司", "2024-07-05")):
        doc = h.doc_id(name)
        h.add(store, doc, h.received(doc, "东平县"), h.report(doc, name, report_date=filed))
    sheet = h.doc_id("nofile")
    h.add(store, sheet, h.received(sheet, "东平县"), h.roster(sheet, "未交公司", [{"name": "甲", "id_number": h.person_id()}], "东平县"))
    projections.catch_up(store)
    facts = views.load(store.engine)
    [item] = [d for d in views.deadlines(facts, date(2024, 7, 10)) if d["county"] == "东平县" and d["milestone"] == "self_check"]
    assert (item["entities"], item["done"], item["late"], item["open"], item["state"]) == (3, 1, 2, 0, "passed")
    [item] = [d for d in views.deadlines(facts, date(2024, 6, 20)) if d["county"] == "东平县" and d["milestone"] == "self_check"]
    assert item["state"] == "upcoming" and item["open"] == 1
