"""Certificate cards: fields by layout, then cross-checked so confidence is honest."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from ingest.extract import facts
from ingest.extract.layout import Hit, TextLine, Value, alnum, find_labels, split_regions, value_of
from ingest.extract.model import MISSING, Field, Record

# Label wording per field; the national query printout calls 准操项目 操作项目.
CERT_LABELS: dict[str, tuple[str, ...]] = {
    "cert_no": ("证号", "证书编号", "证书号码"),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号码", "公民身份号码", "身份证号", "证件号码"),
    "category": ("作业类别",),
    "item": ("准操项目", "操作项目", "操作类别"),
    "first_issued": ("初领日期", "初次领证日期"),
    "validity": ("有效期限", "有效期"),
    "valid_from": ("有效期开始日期", "有效期起始日期"),
    "valid_until": ("有效期结束日期", "有效期截止日期"),
    "review_due": ("应复审日期",),
    "reviews": ("实际复审日期", "复审记录"),
    "issuer": ("发证机关",),
}

OTHER_KIND_CATEGORY = {"construction": "建筑施工特种作业", "special_equipment": "特种设备作业"}
ID_CHARS = re.compile(r"[0-9Xx]{15,18}")


def card_regions(lines: list[TextLine]) -> list[list[TextLine]]:
    """One list of lines per card on the page (two 证号 labels → two cards)."""
    hits = find_labels(lines, {"cert_no": CERT_LABELS["cert_no"], "name": CERT_LABELS["name"]})
    anchors = [h for h in hits if h.key == "name" and h.score == 1.0] or [h for h in hits if h.key == "cert_no"]
    return split_regions(lines, anchors)


def _cjk(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def _id_like(text: str) -> bool:
    return sum(ch.isdigit() for ch in text) >= 14


ISSUER_WORDS = ("应急管理", "安全生产监督", "监督管理", "管理局", "管理厅", "住房和城乡", "建设厅")

# What a value must look like for each label, so stray marks beside a label are skipped.
ACCEPT = {
    "cert_no": lambda t: len(alnum(t)) >= 8 or bool(re.search(r"[\u4e00-\u9fff][A-Z]\d{6,}", t)),
    "id_number": _id_like,
    "name": lambda t: 2 <= len(_cjk(t)) <= 6,
    "sex": lambda t: ("男" in t) != ("女" in t),
    "category": lambda t: len(_cjk(t)) >= 2,
    "item": lambda t: len(_cjk(t)) >= 2,
    "first_issued": lambda t: bool(facts.find_dates(t)),
    "validity": lambda t: len(facts.find_dates(t)) >= 1,
    "valid_from": lambda t: bool(facts.find_dates(t)),
    "valid_until": lambda t: bool(facts.find_dates(t)),
    "review_due": lambda t: bool(facts.find_dates(t)),
    "reviews": lambda t: bool(facts.find_dates(t)),
    "issuer": lambda t: len(_cjk(t)) >= 4,
}
TITLE_WORDS = ("操作证", "资格证书", "中华人民共和国", "作业人员证")


def read_certificate(lines: list[TextLine], record: str) -> Record:
    hits = find_labels(lines, CERT_LABELS)
    best: dict[str, Hit] = {}
    for h in hits:
        if h.key not in best or h.score > best[h.key].score:
            best[h.key] = h
    values: dict[str, Value | None] = {k: value_of(h, lines, hits, ACCEPT[k]) for k, h in best.items()}
    used = {h.line.index for h in hits} | {i for v in values.values() if v for i in v.lines}
    orphans = [ln for ln in lines if ln.index not in used and not any(w in ln.text for w in TITLE_WORDS)]
    guessed = _by_content(orphans, values)
    text = "".join(ln.text for ln in lines)
    certificate_kind = facts.certificate_kind(text)
    fields: dict[str, Field] = {}

    fields["cert_no"] = _cert_no(values.get("cert_no"), best.get("cert_no"))
    fields["id_number"] = _id_number(values.get("id_number"), best.get("id_number"))
    fields["name"] = _name(values.get("name"), best.get("name"))
    fields["sex"] = _sex(values.get("sex"), best.get("sex"))
    fields["category"], fields["item"] = _category_item(values.get("category"), values.get("item"), certificate_kind)
    fields["first_issued"] = _date(values.get("first_issued"), best.get("first_issued"))
    fields["valid_from"], fields["valid_until"] = _validity(values, best)
    fields["review_due"] = _date(values.get("review_due"), best.get("review_due"), optional=True)
    fields["reviews"] = _reviews(values.get("reviews"), best.get("reviews"))
    fields["issuer"] = _issuer(values.get("issuer"), best.get("issuer"))
    if "validity" in guessed:
        guessed = (guessed - {"validity"}) | {"valid_from", "valid_until"}
    for key in sorted(guessed):
        # Found by what it looks like, not by its label: a clerk confirms unless a
        # cross-check below vouches for it.
        f = fields[key]
        fields[key] = replace(f, confidence=min(f.confidence, LABEL_UNREAD_CONFIDENCE.get(key, 0.85)))
    cross_check(fields, certificate_kind, "id_number" in best)
    return Record("certificate", record, {k: fields[k] for k in facts.CERTIFICATE_FIELDS},
                  {"certificate_kind": certificate_kind})


# Confidence ceiling for a value whose label could not be read, by how unmistakable the
# value's form is on its own (an 18-digit number is; a two-character name is not).
LABEL_UNREAD_CONFIDENCE = {"cert_no": 0.95, "validity": 0.95, "valid_from": 0.95, "valid_until": 0.95,
                           "category": 0.95, "item": 0.95, "issuer": 0.95, "sex": 0.93, "name": 0.7,
                           "first_issued": 0.85, "review_due": 0.85, "reviews": 0.8}


def _by_content(orphans: list[TextLine], values: dict[str, Value | None]) -> set[str]:
    """Fill fields whose label was not read from unlabelled lines whose form says what they
    are. Returns the keys filled this way."""
    def as_value(ln: TextLine) -> Value:
        return Value(ln.text, ln.confidence, ln.page, ln.box, (ln.index,))

    kinds: dict[str, list[TextLine]] = {}
    for ln in orphans:
        t = ln.text
        n_dates = len(facts.find_dates(t))
        if n_dates >= 2 and "至" in t or n_dates == 2:
            kinds.setdefault("validity", []).append(ln)
        elif n_dates == 1:
            kinds.setdefault("date", []).append(ln)
        elif _id_like(t):
            kinds.setdefault("cert_no", []).append(ln)
        elif t in ("男", "女"):
            kinds.setdefault("sex", []).append(ln)
        elif any(w in t for w in ISSUER_WORDS):
            kinds.setdefault("issuer", []).append(ln)
        elif facts.match_category(t).score >= 0.8:
            kinds.setdefault("category", []).append(ln)
        elif facts.match_item(t).score >= 0.8 or facts.match_item(t).candidates:
            kinds.setdefault("item", []).append(ln)
        elif 2 <= len(_cjk(t)) <= 4 and len(_cjk(t)) == len(t):
            kinds.setdefault("name", []).append(ln)
    filled: set[str] = set()
    for key in ("cert_no", "sex", "issuer", "category", "item", "name", "validity"):
        if values.get(key) is None and len(kinds.get(key, [])) == 1:
            values[key] = as_value(kinds[key][0])
            filled.add(key)
    dates = sorted(kinds.get("date", []), key=lambda ln: (ln.box[1], ln.box[0]))
    span = facts.parse_validity(values["validity"].text) if values.get("validity") else None
    start = span[0] if span else None
    for ln in dates:
        d = facts.find_dates(ln.text)[0]
        key = None
        if start is not None:
            if d <= start and values.get("first_issued") is None:
                key = "first_issued"
            elif abs((d - _plus_years(start, 3)).days) <= 1 or (span[1] and abs((d - span[1]).days) <= 1 and d > start):
                key = "review_due" if values.get("review_due") is None else None
            elif start < d and values.get("reviews") is None:
                key = "reviews"
        if key:
            values[key] = as_value(ln)
            filled.add(key)
    return filled


def _field(value, v: Value | None, confidence: float | None = None, reason: str | None = None) -> Field:
    conf = v.confidence if confidence is None else confidence
    return Field(value, max(0.0, min(1.0, conf)), v.page if v else None, v.box if v else None, reason)


def _missing(hit: Hit | None, optional: bool = False) -> Field:
    if optional and hit is None:
        return Field(None, 0.95, None, None, None)
    if hit is not None:
        return Field(None, 0.3, hit.line.page, hit.box, "not_found")
    return MISSING


ID_RUN = re.compile(r"[0-9A-Za-z|!〇○×]{15,19}")


def _cert_no(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    m = re.search(r"[\u4e00-\u9fff][A-Z]\d{6,}", v.text)
    if m:
        # Other certificate kinds carry a province abbreviation (鲁J0120...): keep as read.
        return _field(m.group(0), v)
    m = ID_RUN.search(v.text)
    raw = m.group(0) if m else alnum(v.text)
    prefix, core = ("T", raw[1:]) if raw[:1] in ("T", "t") and len(raw) == 19 else ("", raw)
    if facts.id_valid(core.upper()):
        return _field(prefix + core.upper(), v)
    repaired = facts.id_repair(core)
    if repaired:
        return _field(prefix + repaired, v, min(v.confidence, 0.93))
    return _field(prefix + core.upper(), v)


def _id_number(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    m = ID_RUN.search(v.text)
    raw = m.group(0) if m else alnum(v.text)
    if len(raw) == 19 and raw[:1] in ("T", "t"):
        raw = raw[1:]
    if facts.id_valid(raw.upper()):
        return _field(raw.upper(), v, max(v.confidence, 0.97))
    repaired = facts.id_repair(raw)
    if repaired:
        # The documented repair: one confusable character undone, and still a little less sure.
        return _field(repaired, v, min(v.confidence, 0.93))
    return _field(raw.upper(), v, min(v.confidence, 0.5), "id_checksum_invalid")


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
    if v is None:
        if hit is None:
            return Field([], 0.95, None, None, None)
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


def _category_item(cv: Value | None, iv: Value | None, certificate_kind: str) -> tuple[Field, Field]:
    if certificate_kind != "special_operation":
        # Not in the 特种作业目录: keep what is printed, never match it against the catalogue.
        return (Field(OTHER_KIND_CATEGORY.get(certificate_kind), 0.95, None, None, None),
                _field(iv.text, iv) if iv else MISSING)
    cat = facts.match_category(cv.text) if cv else None
    item = facts.match_item(iv.text, cat.value if cat else None) if iv else None
    cf = _matched(cat, cv, "unknown_category")
    itf = _matched(item, iv, "unknown_item")
    if cat and item and item.value and cat.value and item.category != cat.value:
        itf = replace(itf, confidence=min(itf.confidence, 0.5), reason="item_not_in_category")
    return cf, itf


def _matched(match, v: Value | None, reason: str) -> Field:
    if v is None:
        return MISSING
    if match.value is None:
        if match.candidates:
            return _field(v.text, v, min(v.confidence, 0.5), "ambiguous_item")
        return _field(v.text, v, min(v.confidence, 0.4), reason)
    # An exact catalogue name keeps the line's confidence; each misread character costs.
    return _field(match.value, v, v.confidence * (1.0 if match.score >= 0.999 else 0.9 * match.score))


def cross_check(fields: dict[str, Field], certificate_kind: str, id_label_present: bool = True) -> None:
    """Two sources that agree raise confidence; disagreement sends the fields to review.

    Nothing is corrected here: a value that disagrees with another keeps what was read and
    gets a reason, so a clerk decides. A genuine irregularity (a card whose number is
    someone else's ID) looks like two clean readings that differ a lot; an OCR slip looks
    like one or two characters apart, and only that is sent to review.
    """
    def up(key: str, to: float) -> None:
        f = fields[key]
        if f.reason is None and f.value is not None:
            fields[key] = replace(f, confidence=max(f.confidence, to))

    def doubt(key: str, reason: str) -> None:
        f = fields[key]
        if f.reason is None:
            fields[key] = replace(f, confidence=min(f.confidence, 0.6), reason=reason)

    cert, idf = fields["cert_no"], fields["id_number"]
    core = _cert_core(cert.value)
    if certificate_kind == "special_operation" and core:
        if idf.value is None and not id_label_present and facts.id_valid(core):
            # Cards without a separate ID line: the number IS the holder's ID (证号 = 身份证号).
            fields["id_number"] = replace(cert, value=core)
            idf = fields["id_number"]
        if idf.value and core == idf.value:
            if facts.id_valid(core):
                up("cert_no", 0.99)
                up("id_number", 0.99)
        elif idf.value and isinstance(idf.value, str):
            apart = _distance(core, idf.value)
            if apart <= 2 or not (facts.id_valid(core) and facts.id_valid(idf.value)):
                doubt("cert_no", "cert_no_disagrees_with_id")
                doubt("id_number", "id_disagrees_with_cert_no")
        elif not facts.id_valid(core):
            doubt("cert_no", "cert_no_checksum_invalid")

    idv = fields["id_number"].value
    if isinstance(idv, str) and facts.id_valid(idv):
        birth = date(int(idv[6:10]), int(idv[10:12]), int(idv[12:14]))
        if not (1920 <= birth.year <= date.today().year - 14):
            doubt("id_number", "implausible_birth_date")
        sex = fields["sex"].value
        id_sex = "男" if int(idv[16]) % 2 else "女"
        if sex in ("男", "女"):
            if sex == id_sex:
                up("sex", 0.99)
            else:
                doubt("sex", "sex_disagrees_with_id")

    start, end = _as_date(fields["valid_from"].value), _as_date(fields["valid_until"].value)
    if start and end:
        if abs((end - _plus_years(start, 6)).days) <= 1:
            up("valid_from", 0.99)
            up("valid_until", 0.99)
        else:
            doubt("valid_from", "validity_not_six_years")
            doubt("valid_until", "validity_not_six_years")
    first = _as_date(fields["first_issued"].value)
    if first and start:
        if first > start:
            doubt("first_issued", "first_issued_after_valid_from")
        elif any(abs((_plus_years(first, 6 * k) - start).days) <= 1 for k in range(0, 8)):
            up("first_issued", 0.98)
    due = _as_date(fields["review_due"].value)
    if due and start:
        if abs((due - _plus_years(start, 3)).days) <= 1 or (end and abs((due - end).days) <= 1):
            up("review_due", 0.99)
        else:
            doubt("review_due", "review_due_inconsistent")
    reviews = fields["reviews"].value or []
    if start and end and reviews:
        if any(not (start <= _as_date(r) <= end) for r in reviews if _as_date(r)):
            doubt("reviews", "review_outside_validity")


def _cert_core(value) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value[1:] if value[:1] in ("T", "t") else value


def _distance(a: str, b: str) -> int:
    if len(a) != len(b):
        return max(len(a), len(b))
    return sum(x != y for x, y in zip(a, b))


def _as_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _plus_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
