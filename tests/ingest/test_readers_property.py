"""Every reader, fed what OCR can hand it: random, shuffled, truncated and glued lines, built
from real generated documents' lines and from random text. No exception escapes a reader
(the unguarded readers are called, not `understand`'s safety net), and what comes out is
well formed: every field has a value or a reason, a confidence in [0, 1], a page and a box
of the right shape, and the events serialise as the store writes them.

Deterministic (derandomize) and small: a property run costs a few seconds, not minutes.
"""
from __future__ import annotations

import io
import random
import zipfile
from datetime import date
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import vocabulary as v
from events.payload import canonical_json
from ingest.extract.classify import classify
from ingest.extract import to_events, understand
from ingest.extract.certificate import card_regions, read_certificate
from ingest.extract.layout import page_lines
from ingest.extract.model import Field, Record
from ingest.extract.report import read_report
from ingest.extract.roster import RosterUnreadable, read_roster
from ocr.page import Line, Page

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- real lines, from the generators -------------------------------------------------------

@lru_cache(maxsize=None)
def real_texts() -> tuple[str, ...]:
    """The lines of generated cards (every layout's label/value rows, glued and apart), a
    query printout, reports and rosters: what the readers see on a good day."""
    from synth.certificates import _rows, random_certificate
    from synth.pdfs import query_printout
    from synth.reports import random_report

    texts: list[str] = ["中华人民共和国特种作业操作证", "特种作业操作证", "SPECIAL OPERATION CERTIFICATE", "自查整改报告",
                        "问题清单", "序号", "问题描述", "整改措施", "整改责任人", "整改时限", "整改状态",
                        "主要负责人签字：", "单位（盖章）", "本次自查共发现问题3项，已整改2项。"]
    for seed in range(6):
        rng = random.Random(seed)
        card = random_certificate(rng, as_of=date(2024, 6, 1))
        for label, value in _rows(card, rng):
            texts += [label, value, label + value, f"{label}：{value}"]
        layout = query_printout(card, __import__("datetime").datetime(2024, 6, 1, 9, 30))
        texts += [run.text for run in layout.runs]
        report = random_report(rng)
        f = report.fields()
        texts += [f"单位名称：{f['unit_name']}", f"统一社会信用代码：{f['credit_code']}", f"所属县市区：{f['county']}",
                  f"自查时间：{report.report_date:%Y年%m月%d日}"]
        for p in report.problems:
            texts += [str(p.seq), p.description, p.measure, p.owner, p.deadline.isoformat(), p.status]
    return tuple(dict.fromkeys(t for t in texts if t))


OCR_ALPHABET = st.sampled_from(list("证号姓名性别男女作业类别准操项目初领日期有效期限至复审发证机关应急管理局年月日"
                                    "单位名称自查整改报告问题清单序号描述措施责任人时限状态已未完成中主要负责人签字盖章"
                                    "张王李伟娜强0123456789TXx-.:：，,（）() /·—") + ["\u3000", "\t", "\n", "\x00", "é", "🙂"])
random_text = st.text(OCR_ALPHABET, min_size=0, max_size=40)
real_text = st.sampled_from(real_texts())
LABELS = ("证号", "证件号码", "姓名", "性别", "作业类别", "准操项目", "操作项目", "初领日期", "有效期限", "有效期",
          "应复审日期", "实际复审日期", "发证机关", "单位名称", "自查时间", "统一社会信用代码", "所属县市区")
# A label with whatever OCR put after it (words, a fragment, nothing): the outside corpus'
# TypeError was 证号 followed by words.
labelled = st.builds(lambda label, sep, text: label + sep + text, st.sampled_from(LABELS),
                     st.sampled_from(("", "：", " ")), st.one_of(random_text, real_text))
line_text = st.one_of(real_text, real_text, random_text, labelled)


@st.composite
def lines(draw, texts=line_text) -> list[Line]:
    """OCR-like lines: texts placed down a page (or anywhere), boxes that may be thin,
    overlapping or out of the page, confidences anywhere in [0, 1]; then shuffled,
    truncated and glued."""
    n = draw(st.integers(0, 24))
    out: list[Line] = []
    y = draw(st.integers(0, 200))
    for _ in range(n):
        text = draw(texts)
        x0 = draw(st.integers(0, 1600))
        if draw(st.booleans()):
            y = draw(st.integers(0, 3600))
        height = draw(st.integers(0, 60))
        width = draw(st.integers(0, 40 * max(1, len(text))))
        out.append(Line(text, draw(st.floats(0, 1)), (x0, y, x0 + width, y + height)))
        y += height + draw(st.integers(0, 40))
    if out and draw(st.booleans()):  # a line cut short
        i = draw(st.integers(0, len(out) - 1))
        cut = draw(st.integers(0, len(out[i].text)))
        out[i] = Line(out[i].text[:cut], out[i].confidence, out[i].box)
    if len(out) > 1 and draw(st.booleans()):  # two lines read as one
        i = draw(st.integers(0, len(out) - 2))
        a, b = out[i], out.pop(i + 1)
        box = (min(a.box[0], b.box[0]), min(a.box[1], b.box[1]), max(a.box[2], b.box[2]), max(a.box[3], b.box[3]))
        out[i] = Line(a.text + b.text, min(a.confidence, b.confidence), box)
    if draw(st.booleans()):
        out = draw(st.permutations(out))
    return list(out)


@st.composite
def pages(draw) -> list[Page]:
    count = draw(st.integers(1, 3))
    engine = draw(st.sampled_from(("text_layer", "tesseract", "rapidocr")))
    return [Page(n, engine, draw(lines()), draw(st.integers(1, 2480)), draw(st.integers(1, 3508)),
                 draw(st.sampled_from((0, 90, 180, 270)))) for n in range(1, count + 1)]


# --- what well formed means ----------------------------------------------------------------

def assert_field(name: str, f: Field) -> None:
    assert isinstance(f, Field), name
    assert f.value is not None or f.reason, (name, f)
    assert 0.0 <= f.confidence <= 1.0, (name, f)
    assert f.page is None or isinstance(f.page, int), (name, f)
    assert f.box is None or (len(f.box) == 4 and all(isinstance(c, int) for c in f.box)), (name, f)
    canonical_json(f.to_event())


def assert_record(rec: Record, expected_fields: tuple[str, ...]) -> None:
    assert set(rec.fields) == set(expected_fields), rec.fields.keys()
    for name, f in rec.fields.items():
        assert_field(name, f)
    for name, f in rec.extra.get("row_fields", {}).items():
        assert_field(name, f)
    canonical_json({k: val for k, val in rec.extra.items() if k != "row_fields"})


# --- the properties --------------------------------------------------------------------------

@PROPERTY
@given(pages())
def test_classify_names_a_kind_with_a_confidence(pp):
    kind, confidence = classify([ln for p in pp for ln in page_lines(p)])
    assert kind in v.DOCUMENT_KINDS and kind != "roster"
    assert 0.0 <= confidence <= 1.0


@PROPERTY
@given(lines())
def test_card_regions_and_certificate_reading_give_whole_records(ls):
    page = Page(1, "rapidocr", ls, 1000, 1400)
    regions = card_regions(page_lines(page))
    assert all(isinstance(r, list) for r in regions)
    for n, region in enumerate(regions, start=1):
        rec = read_certificate(region, f"card{n}")
        assert (rec.kind, rec.record) == ("certificate", f"card{n}")
        assert rec.extra["certificate_kind"] in v.CERTIFICATE_KINDS
        assert_record(rec, v.CERTIFICATE_FIELDS)


@PROPERTY
@given(pages(), st.sampled_from((None, "岱岳区", "某某县")))
def test_report_reading_gives_a_whole_record(pp, county):
    rec = read_report(pp, county)
    assert_record(rec, v.REPORT_FIELDS)
    for p in rec.extra["problems"]:
        assert set(p) >= {"seq", "description", "measure", "deadline", "owner", "rectified", "confidence", "page"}
        assert 0.0 <= p["confidence"] <= 1.0


@PROPERTY
@given(pages(), st.booleans())
def test_understanding_needs_no_safety_net_and_its_events_serialise(pp, county_known):
    u = understand(pp, "x.png", "泰山区" if county_known else None)
    assert u.failure is None, u.failure and u.failure.traceback
    events = to_events(u, "f" * 64, pp)
    assert events[-1].type == v.DOCUMENT_PROCESSED
    assert [e.type for e in events[:len(pp) + 1]] == [v.PAGE_READ] * len(pp) + [v.DOCUMENT_CLASSIFIED]
    reviews = [e for e in events if e.type == v.FIELD_NEEDS_REVIEW]
    assert events[-1].data["needs_review"] == len(reviews)
    assert len({e.event_id for e in events}) == len(events)
    for e in events:
        canonical_json(e.data)
        canonical_json(e.metadata)


# --- rosters from bytes --------------------------------------------------------------------------

@lru_cache(maxsize=None)
def real_rosters() -> tuple[bytes, bytes]:
    from synth.rosters import random_roster, write_csv, write_xlsx

    truth = random_roster(random.Random(5))
    return write_csv(truth), write_xlsx(truth)


def assert_roster(data: bytes, filename: str) -> None:
    try:
        u = read_roster(data, filename, "泰山区")
    except RosterUnreadable:
        return  # the clerk's to fix: rejected with a reason, not a bug
    assert u.kind in ("roster", "unknown") and u.failure is None
    for rec in u.records:
        assert_record(rec, ("employer", "county"))
        for row in rec.extra["rows"]:
            assert isinstance(row["row"], int)
    for e in to_events(u, "a" * 64, []):
        canonical_json(e.data)


cell = st.one_of(real_text, random_text, st.sampled_from(("姓名", "身份证号", "证号", "工种", "单位名称：某公司", "")))


@PROPERTY
@given(st.lists(st.lists(cell, max_size=7), max_size=12), st.sampled_from(("utf-8-sig", "gb18030", "utf-16")),
       st.integers(0, 4000), st.booleans())
def test_roster_reading_of_random_csv_bytes(rows, encoding, cut, with_real):
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    data = buf.getvalue().encode(encoding, errors="replace")
    if with_real:
        real = real_rosters()[0].splitlines(keepends=True)
        data = b"".join(random.Random(cut).sample(real, len(real))) + data
    assert_roster(data[:cut] if cut < len(data) else data, "花名册.csv")


@PROPERTY
@given(st.integers(0, 20000), st.binary(max_size=64), st.sampled_from(("cut", "flip", "junk")))
def test_roster_reading_of_damaged_xlsx_bytes(at, junk, how):
    good = real_rosters()[1]
    at = at % (len(good) + 1)
    if how == "cut":
        data = good[:at]
    elif how == "flip":
        data = good[:at] + bytes([(good[at] ^ 0xFF)]) + good[at + 1:] if at < len(good) else good
    else:
        data = junk
    assert_roster(data, "花名册.xlsx")


@PROPERTY
@given(st.lists(st.lists(cell, max_size=6), max_size=10))
def test_roster_reading_of_random_xlsx_sheets(rows):
    import openpyxl

    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append([c.replace("\x00", "") or None for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    assert zipfile.is_zipfile(io.BytesIO(buf.getvalue()))
    assert_roster(buf.getvalue(), "花名册.xlsx")
