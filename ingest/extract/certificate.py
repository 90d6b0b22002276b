"""Certificate cards: fields by layout, then cross-checked so confidence is honest."""
from __future__ import annotations

import re
from datetime import date

from ingest.extract import facts
from ingest.extract.layout import Hit, TextLine, Value, alnum, find_labels, split_regions, value_of
from ingest.extract.model import MISSING, Field, Record

# Label wording per field; the national query printout calls 准操项目 操作项目.
CERT_LABELS: dict[str, tuple[str, ...]] = {
    "cert_no": ("证号", "证书编号", "证书号码", "证件号码"),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号码", "公民身份号码", "身份证号"),
    "category": ("作业类别",),
    "item": ("准操项目", "操作项目"),
    "first_issued": ("初领日期",),
    "validity": ("有效期限", "有效期"),
    "valid_from": ("有效期开始日期", "有效期起始日期"),
    "valid_until": ("有效期结束日期", "有效期截止日期"),
    "review_due": ("应复审日期",),
    "reviews": ("实际复审日期", "复审记录"),
    "issuer": ("发证机关",),
}

ID_CHARS = re.compile(r"[0-9Xx]{15,18}")


def card_regions(lines: list[TextLine]) -> list[list[TextLine]]:
    """One list of lines per card on the page (two 证号 labels → two cards)."""
    hits = find_labels(lines, {"cert_no": CERT_LABELS["cert_no"], "name": CERT_LABELS["name"]})
    anchors = [h for h in hits if h.key == "name" and h.score == 1.0] or [h for h in hits if h.key == "cert_no"]
    return split_regions(lines, anchors)


def read_certificate(lines: list[TextLine], record: str) -> Record:
    hits = find_labels(lines, CERT_LABELS)
    best: dict[str, Hit] = {}
    for h in hits:
        if h.key not in best or h.score > best[h.key].score:
            best[h.key] = h
    values: dict[str, Value | None] = {k: value_of(h, lines, hits) for k, h in best.items()}
    text = "".join(ln.text for ln in lines)
    fields: dict[str, Field] = {}

    fields["cert_no"] = _cert_no(values.get("cert_no"), best.get("cert_no"))
    fields["id_number"] = _id_number(values.get("id_number"), best.get("id_number"))
    fields["name"] = _name(values.get("name"), best.get("name"))
    fields["sex"] = _sex(values.get("sex"), best.get("sex"))
    fields["category"], fields["item"] = _category_item(values.get("category"), values.get("item"))
    fields["first_issued"] = _date(values.get("first_issued"), best.get("first_issued"))
    fields["valid_from"], fields["valid_until"] = _validity(values, best)
    fields["review_due"] = _date(values.get("review_due"), best.get("review_due"), optional=True)
    fields["reviews"] = _reviews(values.get("reviews"), best.get("reviews"))
    fields["issuer"] = _issuer(values.get("issuer"), best.get("issuer"))
    certificate_kind = facts.certificate_kind(text)
    if certificate_kind != "special_operation":
        for key in ("category", "item"):
            f = fields[key]
            fields[key] = Field(f.value, f.confidence, f.page, f.box, None if f.value is None else f.reason)
    cross_check(fields, certificate_kind)
    return Record("certificate", record, {k: fields[k] for k in facts.CERTIFICATE_FIELDS},
                  {"certificate_kind": certificate_kind})


def _field(value, v: Value | None, confidence: float | None = None, reason: str | None = None) -> Field:
    conf = v.confidence if confidence is None else confidence
    return Field(value, max(0.0, min(1.0, conf)), v.page if v else None, v.box if v else None, reason)


def _missing(hit: Hit | None, optional: bool = False) -> Field:
    if optional and hit is None:
        return Field(None, 0.95, None, None, None)
    if hit is not None:
        return Field(None, 0.3, hit.line.page, hit.box, "not_found")
    return MISSING


def _cert_no(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    raw = alnum(v.text).upper()
    if not raw:
        # Other certificate kinds carry a province abbreviation (鲁A0120...): keep as read.
        return _field(v.text, v)
    return _field(raw, v)


def _id_number(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    m = ID_CHARS.search(alnum(v.text))
    raw = (m.group(0) if m else alnum(v.text)).upper()
    if facts.id_valid(raw):
        return _field(raw, v, max(v.confidence, 0.97))
    repaired = facts.id_repair(raw)
    if repaired:
        return _field(repaired, v, min(v.confidence, 0.93))
    return _field(raw, v, min(v.confidence, 0.5), "id_checksum_invalid")


def _name(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    name = "".join(ch for ch in v.text if "\u4e00" <= ch <= "\u9fff" or ch == "·")
    if not 2 <= len(name) <= 5:
        return _field(name or v.text, v, min(v.confidence, 0.5), "name_unreadable")
    return _field(name, v)


def _sex(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    found = [s for s in ("男", "女") if s in v.text]
    if len(found) != 1:
        return _field(v.text, v, 0.3, "sex_unreadable")
    return _field(found[0], v)


def _date(v: Value | None, hit: Hit | None, optional: bool = False) -> Field:
    if v is None:
        return _missing(hit, optional)
    d = facts.parse_date(v.text)
    if d is None:
        return _field(v.text, v, min(v.confidence, 0.4), "date_unparseable")
    return _field(d.isoformat(), v)


def _validity(values: dict, best: dict) -> tuple[Field, Field]:
    v = values.get("validity")
    if v is not None:
        span = facts.parse_validity(v.text)
        if span is not None:
            start, end = span
            return (_field(start.isoformat() if start else None, v), _field(end.isoformat() if end else None, v))
    return _date(values.get("valid_from"), best.get("valid_from")), _date(values.get("valid_until"), best.get("valid_until"))


def _reviews(v: Value | None, hit: Hit | None) -> Field:
    if hit is None:
        return Field([], 0.95, None, None, None)
    if v is None:
        return Field([], 0.9, hit.line.page, hit.box, None)
    dates = facts.find_dates(v.text)
    return _field([d.isoformat() for d in dates], v)


def _issuer(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    text = "".join(ch for ch in v.text if not ch.isdigit())
    if facts.issuer_class(text) is None:
        return _field(text, v, min(v.confidence, 0.5), "issuer_unknown")
    return _field(text, v)


def _category_item(cv: Value | None, iv: Value | None) -> tuple[Field, Field]:
    cat = facts.match_category(cv.text) if cv else None
    item = facts.match_item(iv.text, cat.value if cat else None) if iv else None
    cf = _matched(cat, cv, "unknown_category")
    itf = _matched(item, iv, "unknown_item")
    return cf, itf


def _matched(match, v: Value | None, reason: str) -> Field:
    if v is None:
        return MISSING
    if match is None:
        return _field(v.text, v, min(v.confidence, 0.4), reason)
    if match.ambiguous:
        return _field(match.value, v, min(v.confidence, 0.5), "ambiguous_item")
    return _field(match.value, v, v.confidence * match.score)


def cross_check(fields: dict[str, Field], certificate_kind: str) -> None:
    """Two sources that agree raise confidence; disagreement sends the fields to review."""
    # Filled in with the extraction rules (cert no vs ID, sex digit, 6-year span...).
    return None
