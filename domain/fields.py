"""What a clerk may write into a field: the field names, their Chinese labels, and the
checked value of each kind.

Pure functions, one place for every way a correction arrives (`zhili review correct`, the
HTTP API's `POST /api/corrections`): `field_name` turns a Chinese label (`有效期至`) into the
field's name, `parse_value` turns the clerk's text into the value the event records, or
raises `FieldProblem` saying what would be accepted. A correction is a fact about the
document, so a value that cannot be real (2026-13-45, a 5-digit ID number, 是 for a
date) never enters the log. An ID number whose check digit fails is refused unless forced:
a printed number can be fake, and recording it as printed is how that becomes a finding.
"""
from __future__ import annotations

import json
import re
from datetime import date
from difflib import get_close_matches
from typing import Any, Iterable

from domain import catalogue, ids
from domain.counties import COUNTIES, county_from_folder
from domain.dates import find_dates
from domain.entities import unit_kind_from_text
from domain.vocabulary import ENTITY_KINDS


class FieldProblem(ValueError):
    """A field name or value a correction cannot take. `param` is "FIELD" or "VALUE";
    `needs_force` when only the check digit stands in the way."""

    def __init__(self, message: str, param: str = "VALUE", needs_force: bool = False):
        super().__init__(message)
        self.param = param
        self.needs_force = needs_force


DATE_FIELDS = frozenset({"first_issued", "valid_from", "valid_until", "review_due", "report_date", "deadline"})
BOOLEAN_FIELDS = frozenset({"signed", "sealed", "rectified"})
TEXT_FIELDS = frozenset({"name", "issuer", "unit_name", "credit_code", "employer", "job", "description",
                         "measure", "owner", "kind"})
PROBLEM_KEYS = ("seq", "description", "measure", "deadline", "owner", "rectified")

TRUE_WORDS = ("是", "有", "已", "对", "√", "已签字", "已签", "已盖章", "已整改", "true", "yes", "y", "1")
FALSE_WORDS = ("否", "无", "未", "没有", "×", "未签字", "未签", "未盖章", "未整改", "false", "no", "n", "0")
SEX_WORDS = {"男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女"}
UNIT_KIND_WORDS = {"培训机构": "training_institution", "考试点": "exam_site", "企业": "enterprise",
                   "生产经营单位": "enterprise"}

# The labels printed on cards, reports and rosters, as clerks type them.
LABELS = {
    "证号": "cert_no", "证件号": "cert_no", "证件号码": "cert_no", "操作证号": "cert_no", "证书编号": "cert_no",
    "姓名": "name", "性别": "sex",
    "身份证号": "id_number", "身份证号码": "id_number", "身份证": "id_number", "公民身份号码": "id_number",
    "作业类别": "category", "类别": "category", "准操项目": "item", "操作项目": "item", "作业项目": "item",
    "初领日期": "first_issued", "初次领证日期": "first_issued",
    "有效期起": "valid_from", "有效期自": "valid_from", "有效期开始": "valid_from", "起始日期": "valid_from",
    "有效期至": "valid_until", "有效期止": "valid_until", "截止日期": "valid_until", "有效期限至": "valid_until",
    "应复审日期": "review_due", "复审日期": "reviews", "实际复审日期": "reviews", "复审记录": "reviews",
    "发证机关": "issuer", "签发机关": "issuer",
    "单位名称": "unit_name", "单位": "unit_name", "单位类型": "unit_kind",
    "县市区": "county", "县区": "county", "区县": "county", "所属县区": "county", "所属县市区": "county",
    "报告日期": "report_date", "主要负责人签字": "signed", "签字": "signed", "盖章": "sealed", "公章": "sealed",
    "统一社会信用代码": "credit_code", "用人单位": "employer", "工作单位": "employer", "工种": "job", "岗位": "job",
    "文档类型": "kind",
}


def field_name(text: str) -> str:
    """`有效期至` -> `valid_until`, `card2.姓名` -> `card2.name`, `rows.3.身份证号` ->
    `rows.3.id_number`; a name that is no label comes back as given."""
    text = text.strip()
    head, dot, last = text.rpartition(".")
    return head + dot + LABELS.get(last, last)


def unknown_field(given: str, valid: Iterable[str], where: str) -> FieldProblem:
    """The error for a field a record does not have: the valid names, the nearest first."""
    valid = sorted(set(valid))
    near = get_close_matches(given, valid, n=2, cutoff=0.6)
    hint = f" (did you mean {' or '.join(near)}?)" if near else ""
    return FieldProblem(f"{where} has no field {given!r}{hint}; fields: {', '.join(valid)} "
                        f"(Chinese labels such as 姓名, 有效期至 are accepted too)", "FIELD")


def kind_of(field: str) -> str:
    """The kind of value a field holds, by its own name (the last part of `rows.3.name`)."""
    if re.fullmatch(r"problems\.[^.]+", field):
        return "problem"
    short = field.rsplit(".", 1)[-1]
    if short in DATE_FIELDS:
        return "date"
    if short in BOOLEAN_FIELDS:
        return "boolean"
    return {"reviews": "dates", "id_number": "id_number", "cert_no": "cert_no", "sex": "sex", "county": "county",
            "category": "category", "item": "item", "unit_kind": "unit_kind"}.get(short, "text")


def parse_value(field: str, text: Any, force: bool = False) -> Any:
    """The value `text` gives `field`, checked for the field's kind; None for an empty text
    (the field is cleared). Raises FieldProblem naming what would be accepted."""
    if not isinstance(text, str):  # from JSON (the HTTP API): true, a list of dates...
        if text is None:
            return None
        if isinstance(text, bool) and kind_of(field) == "boolean":
            return text
        if isinstance(text, list) and kind_of(field) == "dates":
            return [parse_date_value(field, str(t)) for t in text]
        if isinstance(text, dict) and kind_of(field) == "problem":
            return _problem(field, text, force)
        text = str(text)
    if text.strip() == "":
        return None
    parse = _PARSERS[kind_of(field)]
    return parse(field, text.strip(), force)


# -- one parser per kind --------------------------------------------------------------------

def parse_date_value(field: str, text: str, _force: bool = False) -> str:
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        found = find_dates(text)
        if len(found) == 1 and found[0].precision == "day" and _only_date(text):
            day = found[0].value
    if day is None or not 1900 <= day.year <= 2100:
        raise FieldProblem(f"{field} takes a real date, YYYY-MM-DD (e.g. 2025-05-01) or 2025年5月1日; "
                           f"{text!r} is not one")
    return day.isoformat()


def _only_date(text: str) -> bool:
    return not re.search(r"[^\d\s年月日号./\-〇○零一二三四五六七八九十]", text)


def _dates(field: str, text: str, _force: bool) -> list[str]:
    parts = [p for p in re.split(r"[,，;；、\s]+", text) if p]
    return [parse_date_value(field, p) for p in parts]


def _boolean(field: str, text: str, _force: bool) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise FieldProblem(f"{field} takes yes or no: {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)}; not {text!r}")


def _id_number(field: str, text: str, force: bool) -> str:
    check = ids.validate(text)
    number = check.normalised
    if check.ok:
        return number
    problem = check.problems[0]
    if problem in ("checksum", "birth_date"):
        what = ("its check digit is wrong (the last character should be "
                f"{ids.check_char(number[:17])})" if problem == "checksum"
                else f"its birth date {number[6:14]} is not a real date")
        if force:
            return number
        raise FieldProblem(f"{field} {number!r}: {what}; check the card, or give --force to record it as printed "
                           f"(it will be flagged id_checksum_invalid)", needs_force=True)
    why = {
        "length": f"it has {len(number)} characters",
        "fifteen_digit": "it is the old 15-digit form: write the 18-character number",
        "characters": "only digits, and X as the last character, are allowed",
    }.get(problem, problem)
    raise FieldProblem(f"{field} takes an 18-character ID number (17 digits, then a digit or X); "
                       f"{text!r} is not one: {why}")


def _cert_no(field: str, text: str, _force: bool) -> str:
    number = ids.normalise(text)
    if not re.fullmatch(r"T?[0-9A-Z]{6,30}", number):
        raise FieldProblem(f"{field} takes a certificate number as printed: letters and digits, usually T and "
                           f"the holder's 18-character ID number; not {text!r}")
    return number


def _sex(field: str, text: str, _force: bool) -> str:
    found = SEX_WORDS.get(text.strip().lower())
    if found is None:
        raise FieldProblem(f"{field} takes 男 or 女 (M/F, male/female); not {text!r}")
    return found


def _county(field: str, text: str, _force: bool) -> str:
    name, known = county_from_folder(text)
    if not known:
        raise FieldProblem(f"{field} takes a county or zone of Tai'an: {', '.join(c.name for c in COUNTIES)} "
                           f"(or a name intake accepts, e.g. 泰山 for 泰山区); not {text!r}")
    return name


def _category(field: str, text: str, _force: bool) -> str:
    match = catalogue.match_category(text)
    if match.value and match.score >= 1.0:
        return match.value
    near = f" (did you mean {match.value}?)" if match.value else ""
    raise FieldProblem(f"{field} takes a category of the 特种作业目录{near}: {', '.join(catalogue.CATEGORIES)}; "
                       f"not {text!r}")


def _item(field: str, text: str, _force: bool) -> str:
    match = catalogue.match_item(text)
    if match.value and match.score >= 1.0:
        return match.value
    near = [c for c in (match.candidates or ()) if c]
    hint = f" (did you mean {' or '.join(near[:3])}?)" if near else ""
    raise FieldProblem(f"{field} takes an item of the 特种作业目录{hint}: {', '.join(catalogue.ITEMS)}; not {text!r}")


def _unit_kind(field: str, text: str, _force: bool) -> str:
    word = text.strip()
    kind = word if word in ENTITY_KINDS else UNIT_KIND_WORDS.get(word) or unit_kind_from_text(word)
    if kind is None:
        raise FieldProblem(f"{field} takes {', '.join(ENTITY_KINDS)} (培训机构, 考试点, 企业); not {text!r}")
    return kind


def _text(_field: str, text: str, _force: bool) -> str:
    return text


def _problem(field: str, text: Any, force: bool) -> dict:
    """A problem row: a JSON object with the keys to change, e.g. {"rectified": true}."""
    value = text
    if isinstance(text, str):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
    if not isinstance(value, dict) or not value:
        raise FieldProblem(f'{field} takes a JSON object with some of {", ".join(PROBLEM_KEYS)}, '
                           f'e.g. \'{{"rectified": true}}\'')
    unknown = [k for k in value if k not in PROBLEM_KEYS]
    if unknown:
        raise FieldProblem(f"{field}: a problem row has no key {unknown[0]!r}; keys: {', '.join(PROBLEM_KEYS)}")
    out = {}
    for key, v in value.items():
        if key == "seq":
            out[key] = v
        else:
            out[key] = parse_value(key, v if isinstance(v, (str, bool)) or v is None else str(v), force)
    return out


_PARSERS = {
    "date": parse_date_value, "dates": _dates, "boolean": _boolean, "id_number": _id_number, "cert_no": _cert_no,
    "sex": _sex, "county": _county, "category": _category, "item": _item, "unit_kind": _unit_kind,
    "text": _text, "problem": _problem,
}
