"""A report's header fields (单位名称, 单位类型, 县市区, 自查时间, 信用代码), read like a card's: label, then the value by position."""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.extract import facts
from ingest.extract.layout import Hit, TextLine, Value
from ingest.extract.model import Field, MISSING


REPORT_LABELS: dict[str, tuple[str, ...]] = {
    "unit_name": ("单位名称", "单位全称"),
    "unit_kind": ("单位类型", "单位类别", "单位性质"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "county": ("所属县市区", "所属区县", "所属县区", "县市区", "所在县区"),
    "report_date": ("自查时间", "自查日期", "报告日期", "填报日期"),
    "signature": ("主要负责人签字", "主要负责人(签字)", "负责人签字", "负责人(签字)"),
    "seal": ("单位(盖章)", "单位盖章", "(盖章)"),
}


# --- header fields ------------------------------------------------------------------------

def _field(value, v: Value | None, confidence: float | None = None, reason: str | None = None) -> Field:
    conf = v.confidence if confidence is None else confidence
    return Field(value, max(0.0, min(1.0, conf)), v.page if v else None, v.box if v else None, reason)


def _missing(hit: Hit | None) -> Field:
    return Field(None, 0.3, hit.line.page, hit.box, "not_found") if hit else MISSING


def _text(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    return _field(v.text, v)


def _guess_unit_name(lines: list[TextLine], values: dict) -> bool:
    """With the 单位名称 label unread: the first "label: value" line near the top whose value
    reads like a unit's name. Returns whether one was found (it goes in `values`)."""
    from domain.entities import unit_kind_from_text

    for ln in lines[:12]:
        head, sep, tail = ln.text.partition(":")
        if sep and len(tail) >= 4 and unit_kind_from_text(tail) and not unit_kind_from_text(head) \
                and not any(w in tail for w in ("生产经营单位", "培训机构", "考试点")) or (
                sep and tail.endswith(("公司", "学校", "中心", "考点", "考场", "厂"))):
            start = len(head) + 1
            values["unit_name"] = Value(tail, ln.confidence, ln.page, ln.sub_box(start, len(ln.text)), (ln.index,))
            return True
    return False


def _unit_kind(v: Value | None, name: Value | None, hit: Hit | None) -> Field:
    from domain.entities import unit_kind_from_text

    kind = unit_kind_from_text(v.text) if v else None
    by_name = unit_kind_from_text(name.text) if name else None
    if kind and by_name and by_name != kind and by_name != "enterprise":
        return _field(kind, v, min(v.confidence, 0.6), "unit_kind_disagrees_with_name")
    if kind:
        return _field(kind, v)
    if by_name:
        # No type line read: the name's own words (…培训学校, …考试点, …有限公司) tell it.
        return _field(by_name, name, min(name.confidence, 0.85))
    return _missing(hit) if v is None else _field(v.text, v, 0.3, "unit_kind_unknown")


def _county(v: Value | None, hit: Hit | None, folder_county: str | None) -> Field:
    from domain.counties import county_from_folder

    if v is None:
        if folder_county:
            return Field(county_from_folder(folder_county)[0], 0.95, None, None, None)
        return _missing(hit)
    name, known = county_from_folder(v.text)
    if not known:
        return _field(v.text, v, min(v.confidence, 0.5), "county_unknown")
    if folder_county and county_from_folder(folder_county)[0] != name:
        return _field(name, v, min(v.confidence, 0.6), "county_disagrees_with_folder")
    return _field(name, v, max(v.confidence, 0.97) if folder_county else v.confidence)


def _report_date(v: Value | None, hit: Hit | None, lines: list[TextLine]) -> Field:
    # The date under the seal is a second printing of the report date.
    closing = [d for ln in lines[-12:] if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln.text)
               for d in facts.find_dates(ln.text)]
    if v is None:
        if closing:
            ln = next(ln for ln in lines[-12:] if facts.find_dates(ln.text))
            return Field(closing[-1].isoformat(), min(ln.confidence, 0.85), ln.page, ln.box, None)
        return _missing(hit)
    read = facts.read_dates(v.text)
    found = read.dates
    if not found:
        return _field(v.text, v, 0.3, "date_unparseable")
    f = _field(found[0].isoformat(), v, v.confidence * (facts.LOOSE_DATE_FACTOR if read.loose or read.incomplete else 1.0))
    if closing:
        if closing[-1] == found[0]:
            f = replace(f, confidence=max(f.confidence, 0.98))
        else:
            f = replace(f, confidence=min(f.confidence, 0.6), reason="report_date_disagrees_with_signature_date")
    return f


def _credit_code(v: Value | None, hit: Hit | None) -> Field:
    from domain.entities import credit_code_problem, repair_credit_code

    if v is None:
        return _missing(hit)
    raw = re.sub(r"[^0-9A-Za-z]", "", v.text).upper()
    if credit_code_problem(raw) is None:
        return _field(raw, v, max(v.confidence, 0.97))
    repaired = repair_credit_code(raw)
    if repaired.repaired:
        return _field(repaired.value, v, min(v.confidence, 0.93))
    return _field(raw, v, min(v.confidence, 0.5), "credit_code_invalid")
