"""Extraction logic on hand-made pages (no OCR): labels by position, two cards, cross-checks,
review decisions, events."""
from __future__ import annotations

import uuid

import pytest

from domain import vocabulary as v
from domain.ids import make_id
from ingest.extract import Field, to_events, understand
from ingest.extract.recording import NAMESPACE
from ocr.page import Line, Page

HOLDER = make_id("370902", __import__("datetime").date(1985, 3, 15), 1)  # a man


def card_lines(x: int = 40, y: int = 100, *, cert_no: str = "T" + HOLDER, name: str = "张伟", sex: str = "男",
               glued: bool = False, conf: float = 0.97, validity: str = "2021.09.06至2027.09.05",
               issuer: str = "泰安市应急管理局", category: str = "电工作业", item: str = "低压电工作业") -> list[Line]:
    """A single-column card: label at x, value at x+160, one row every 50 px."""
    rows = [("证号", cert_no), ("姓名", name), ("性别", sex), ("作业类别", category), ("准操项目", item),
            ("初领日期", "2015年09月06日"), ("有效期限", validity), ("应复审日期", "2024.09.05"),
            ("实际复审日期", "2024.08.01"), ("发证机关", issuer)]
    lines = [Line("中华人民共和国特种作业操作证", conf, (x + 180, y - 70, x + 740, y - 30))]
    for k, (label, value) in enumerate(rows):
        top = y + 50 * k
        if glued:
            lines.append(Line(label + value, conf, (x, top, x + 30 * len(label + value), top + 30)))
        else:
            lines.append(Line(label, conf, (x, top, x + 26 * len(label), top + 30)))
            lines.append(Line(value, conf, (x + 160, top, x + 160 + 26 * len(value), top + 30)))
    return lines


def page(lines: list[Line], number: int = 1, engine: str = "rapidocr") -> Page:
    return Page(number, engine, lines, 1000, 800)


def test_card_fields_by_position():
    u = understand([page(card_lines())], "card.png", "泰山区")
    assert u.kind == "certificate"
    [card] = u.records
    values = {k: f.value for k, f in card.fields.items()}
    assert values == {
        "cert_no": "T" + HOLDER, "name": "张伟", "sex": "男", "id_number": HOLDER, "category": "电工作业",
        "item": "低压电工作业", "first_issued": "2015-09-06", "valid_from": "2021-09-06",
        "valid_until": "2027-09-05", "review_due": "2024-09-05", "reviews": ["2024-08-01"],
        "issuer": "泰安市应急管理局"}
    assert all(f.page == 1 and f.box is not None for f in card.fields.values())
    assert all(f.reason is None and f.confidence >= 0.9 for f in card.fields.values())
    # The name's box is the value's, right of its label.
    assert card.fields["name"].box[0] == 200


def test_labels_glued_to_values_and_misread_label_characters():
    lines = card_lines(glued=True)
    # OCR misreads one character of a label: 初领日基 for 初领日期, 准操项 cut short.
    lines = [Line(ln.text.replace("初领日期", "初领日基").replace("准操项目", "准操项"), ln.confidence, ln.box) for ln in lines]
    [card] = understand([page(lines)], "card.png", None).records
    assert card.fields["name"].value == "张伟"
    assert card.fields["first_issued"].value == "2015-09-06"
    assert card.fields["item"].value == "低压电工作业"
    assert card.fields["valid_until"].value == "2027-09-05"


def test_two_cards_on_one_page_are_two_records():
    other = make_id("370911", __import__("datetime").date(1990, 1, 2), 2)  # a woman
    lines = card_lines(y=100) + card_lines(y=900, cert_no=other, name="李娜", sex="女")
    u = understand([Page(1, "tesseract", lines, 2480, 3508)], "two.png", None)
    assert [r.record for r in u.records] == ["card1", "card2"]
    assert [r.fields["name"].value for r in u.records] == ["张伟", "李娜"]
    assert u.records[1].fields["id_number"].value == other


def test_id_repaired_only_by_one_confusable_and_less_sure():
    misread = HOLDER[:8] + "O" + HOLDER[9:] if HOLDER[8] == "0" else HOLDER.replace("1", "l", 1)
    [card] = understand([page(card_lines(cert_no=misread))], "c.png", None).records
    assert card.fields["cert_no"].value == HOLDER
    assert card.fields["id_number"].value == HOLDER
    assert card.fields["cert_no"].confidence <= 0.93


def test_wrong_values_go_to_review_not_through():
    wrong_digit = HOLDER[:-2] + str((int(HOLDER[-2]) + 1) % 10) + HOLDER[-1]  # check digit now fails
    [card] = understand([page(card_lines(cert_no=wrong_digit, sex="女", validity="2021.09.06至2026.09.05",
                                         item="登高证", issuer="某某"))], "c.png", None).records
    f = card.fields
    assert f["cert_no"].reason and f["cert_no"].value == wrong_digit       # left as read
    assert f["id_number"].reason                                          # checksum fails
    assert f["valid_until"].reason == "validity_not_six_years"
    assert f["item"].reason == "ambiguous_item"
    assert f["issuer"].reason
    # The sex cannot be checked against a broken ID number, but it is not "fixed" either.
    assert f["sex"].value == "女"


def test_sex_against_id_and_low_ocr_confidence_go_to_review():
    [card] = understand([page(card_lines(sex="女", conf=0.97))], "c.png", None).records
    assert card.fields["sex"].reason == "sex_disagrees_with_id"
    [card] = understand([page(card_lines(conf=0.6))], "c.png", None).records
    assert card.fields["name"].confidence < 0.9   # nothing vouches for a name but the OCR


def test_other_certificate_kind_is_not_matched_against_the_catalogue():
    lines = [Line("建筑施工特种作业操作资格证书", 0.99, (200, 30, 760, 70)),
             Line("姓名", 0.99, (50, 110, 100, 140)), Line("王强", 0.99, (230, 110, 300, 140)),
             Line("证书编号", 0.99, (50, 330, 150, 360)), Line("鲁J012023000123", 0.99, (230, 330, 450, 360)),
             Line("操作类别", 0.99, (50, 270, 150, 300)), Line("建筑电工", 0.99, (230, 270, 330, 300)),
             Line("发证机关", 0.99, (50, 500, 150, 530)), Line("山东省住房和城乡建设厅", 0.99, (230, 500, 520, 530))]
    [card] = understand([page(lines)], "c.png", None).records
    assert card.extra["certificate_kind"] == "construction"
    assert card.fields["cert_no"].value == "鲁J012023000123"
    assert card.fields["item"].value == "建筑电工" and card.fields["item"].reason is None


def test_unknown_document_goes_to_review():
    u = understand([page([Line("会议通知", 0.99, (10, 10, 200, 40))])], "x.png", None)
    assert u.kind == "unknown"
    events = to_events(u, "d" * 64, [page([Line("会议通知", 0.99, (10, 10, 200, 40))])])
    reviews = [e for e in events if e.type == v.FIELD_NEEDS_REVIEW]
    assert [(e.data["record"], e.data["field"]) for e in reviews] == [("document", "kind")]


def test_events_in_order_deterministic_with_provenance():
    pages = [page(card_lines(sex="女"))]
    u = understand(pages, "c.png", None)
    events = to_events(u, "a" * 64, pages)
    types = [e.type for e in events]
    assert types[0] == v.PAGE_READ and types[1] == v.DOCUMENT_CLASSIFIED and types[2] == v.CERTIFICATE_RECOGNISED
    assert types[-1] == v.DOCUMENT_PROCESSED
    reviews = [e for e in events if e.type == v.FIELD_NEEDS_REVIEW]
    assert [e.data["field"] for e in reviews] == ["sex"]
    assert events[-1].data == {"doc_id": "a" * 64, "kind": "certificate", "pages": 1, "needs_review": 1}
    recognised = events[2].data
    assert set(recognised["fields"]) == set(v.CERTIFICATE_FIELDS)
    assert recognised["fields"]["name"]["page"] == 1 and len(recognised["fields"]["name"]["box"]) == 4
    assert all(e.metadata["actor"] == "zhili-ingest" and e.metadata["source"]["doc_id"] == "a" * 64 for e in events)
    again = to_events(understand(pages, "c.png", None), "a" * 64, pages)
    assert [e.event_id for e in again] == [e.event_id for e in events]
    assert events[0].event_id == str(uuid.uuid5(NAMESPACE, f"{'a' * 64}/page/1"))
    assert len({e.event_id for e in events}) == len(events)


@pytest.mark.parametrize("bar, expected", [(0.9, 0), (0.999, 1)])
def test_review_bar_decides(bar, expected):
    from ingest.extract.recording import needs_review

    f = Field("张伟", 0.95, 1, (0, 0, 1, 1))
    assert (needs_review(f, bar) is not None) == bool(expected)


def report_page(number: int, rows: list[tuple[str, str, str, str, str, str]], *, first: bool) -> Page:
    """A text-layer page of a 自查整改报告: header fields on the first, then the table."""
    lines, y = [], 100
    if first:
        lines.append(Line("自查整改报告", 1.0, (480, 40, 760, 80)))
        for text in ("单位名称：泰安市某某安全培训学校", "单位类型：培训机构", "所属县市区：岱岳区", "自查时间：2024年5月20日",
                     "本次自查共发现问题3项，已整改2项，具体见问题清单。"):
            lines.append(Line(text, 1.0, (90, y, 90 + 26 * len(text), y + 30)))
            y += 46
    heads = [("序号", 90, 154), ("问题描述", 154, 448), ("整改措施", 448, 732), ("整改责任人", 732, 862),
             ("整改时限", 862, 1048), ("整改状态", 1048, 1160)]
    for text, a, b in heads:
        lines.append(Line(text, 1.0, (a + 8, y, a + 8 + 24 * len(text), y + 30)))
    y += 60
    for row in rows:
        for text, (_, a, b) in zip(row, heads):
            width = sum(24 if ord(ch) > 0x2E80 else 12 for ch in text)
            lines.append(Line(text, 1.0, (a + 8, y, min(b - 8, a + 8 + width), y + 30)))
        y += 60
    return Page(number, "text_layer", lines, 1240, 1754)


def test_report_table_continues_across_pages_and_counts_are_checked():
    p1 = report_page(1, [("1", "教师未持证授课", "限期取证", "张伟", "2024-06-30", "已整改"),
                         ("2", "培训学时不足", "补足学时", "李娜", "2024-07-15", "整改中")], first=True)
    p2 = report_page(2, [("3", "签到记录不全", "完善制度", "王强", "2024-06-10", "已整改")], first=False)
    u = understand([p1, p2], "report.pdf", "岱岳区")
    assert u.kind == "self_check_report"
    [report] = u.records
    assert report.fields["unit_kind"].value == "training_institution"
    assert report.fields["county"].value == "岱岳区" and report.fields["report_date"].value == "2024-05-20"
    problems = report.extra["problems"]
    assert [(p["seq"], p["owner"], p["deadline"], p["rectified"], p["page"]) for p in problems] == [
        (1, "张伟", "2024-06-30", True, 1), (2, "李娜", "2024-07-15", False, 1), (3, "王强", "2024-06-10", True, 2)]
    # Without an image, signature and seal cannot be judged: review, not a guess.
    assert report.fields["signed"].reason and report.fields["sealed"].reason
    assert "problems" not in report.extra["row_fields"]  # the stated counts (3, 2) agree
    short = understand([p1], "report.pdf", "岱岳区").records[0]
    assert short.extra["row_fields"]["problems"].reason == "problem_count_disagrees_with_text"


def test_body_text_naming_the_principal_is_not_taken_for_the_signature_label():
    from PIL import Image

    p1 = report_page(1, [("1", "教师未持证授课", "限期取证", "张伟", "2024-06-30", "已整改")], first=True)
    body = "我单位成立了以主要负责人为组长的自查工作小组"
    p1.lines.insert(6, Line(body, 1.0, (90, 330, 90 + 26 * len(body), 360)))
    p1.image = Image.new("RGB", (p1.width, p1.height), "white")  # no ink anywhere
    [report] = understand([p1], "report.pdf", "岱岳区").records
    signed = report.fields["signed"]
    assert signed.value is None and signed.reason == "signature_label_not_found"  # review, not "unsigned"
    label = "主要负责人签字："
    p1.lines.append(Line(label, 1.0, (700, 1500, 700 + 26 * len(label), 1530)))
    [report] = understand([p1], "report.pdf", "岱岳区").records
    assert report.fields["signed"].value is False and report.fields["signed"].page == 1  # the real label is judged


def test_national_query_printout_is_one_card_not_two():
    import random
    from datetime import datetime

    import ocr
    from synth.certificates import random_certificate
    from synth.pdfs import query_printout, text_pdf

    truth = random_certificate(random.Random(5), anomalies=())
    pages = ocr.read_document(text_pdf([query_printout(truth, datetime(2024, 5, 7, 11, 53))]), "q.pdf")
    assert [p.engine for p in pages] == ["text_layer"]
    [card] = understand(pages, "q.pdf", None).records
    assert card.fields["name"].value == truth.name
    assert card.fields["id_number"].value == truth.id_number


def test_a_construction_cards_own_term_is_not_doubted_by_the_six_year_rule():
    lines = [Line("建筑施工特种作业操作资格证书", 0.99, (200, 30, 760, 70)),
             Line("姓名", 0.99, (50, 110, 100, 140)), Line("王强", 0.99, (230, 110, 300, 140)),
             Line("证书编号", 0.99, (50, 330, 150, 360)), Line("鲁J012023000123", 0.99, (230, 330, 450, 360)),
             Line("有效期限", 0.99, (50, 390, 150, 420)), Line("2023-09-05至2025-09-04", 0.99, (230, 390, 560, 420))]
    [card] = understand([page(lines)], "c.png", None).records
    assert card.fields["valid_from"].value == "2023-09-05"
    assert card.fields["valid_until"].value == "2025-09-04"
    assert card.fields["valid_until"].reason is None


def test_signature_ink_is_measured_against_the_label_not_the_line_ocr_merged_it_into():
    from PIL import Image, ImageDraw

    p1 = report_page(1, [("1", "教师未持证授课", "限期取证", "张伟", "2024-06-30", "已整改")], first=True)
    merged = "主要负责人签字：宁阳岱达有限公司"  # the label run into the seal's words: a 200 px tall line
    p1.lines.append(Line(merged, 0.95, (700, 1300, 700 + 26 * len(merged), 1500)))
    p1.image = Image.new("RGB", (p1.width, p1.height), "white")
    ImageDraw.Draw(p1.image).line([(915, 1315), (1000, 1290), (1080, 1320)], fill=(20, 20, 90), width=4)
    signed = understand([p1], "report.pdf", "岱岳区").records[0].fields["signed"]
    assert signed.value is True  # the pen stroke counts at the label's own character size
    assert signed.confidence < 0.9  # but where such a label ends is a guess: a clerk confirms


def test_a_signature_area_without_ink_is_unsigned_and_sure():
    from PIL import Image

    p1 = report_page(1, [("1", "教师未持证授课", "限期取证", "张伟", "2024-06-30", "已整改")], first=True)
    p1.lines.append(Line("主要负责人签字：", 0.98, (700, 1300, 908, 1330)))
    p1.image = Image.new("RGB", (p1.width, p1.height), "white")
    signed = understand([p1], "report.pdf", "岱岳区").records[0].fields["signed"]
    assert signed.value is False and signed.confidence >= 0.9
