"""Certificate cards: fields read by layout, then cross-checked so that confidence is honest.

Reading goes in three steps. (1) Labels are found (fuzzily) and each label's value is taken
by position, checked for the form the field needs. (2) A field whose label could not be read
is filled from unlabelled lines whose form says what they are (an 18-digit number, a
"date 至 date" span, a catalogue name, an authority's name); dates left over are placed by
the card's own arithmetic (review due = start + 3 years, first issue = start − 6k years).
Such a value is capped below the review bar unless a cross-check vouches for it.
(3) Cross-checks: the number less T against the ID, the sex against the ID's sex digit,
the six-year span, the review date; agreement raises confidence, disagreement sends the
fields to review. Nothing is silently corrected except the documented one-character ID
repair, which still lowers confidence.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from domain.dates import add_years
from ingest.extract import facts
from ingest.extract.layout import Hit, TextLine, Value, alnum, find_labels, split_regions, value_of
from ingest.extract.model import MISSING, Field, Record

# Label wording per field; the national query printout calls 准操项目 操作项目 and prints the
# validity as two rows; the 住建 card says 操作类别, 初次领证日期 and 证书编号.
CERT_LABELS: dict[str, tuple[str, ...]] = {
    "cert_no": ("证号", "证书编号", "证书号码"),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号码", "公民身份号码", "身份证号", "证件号码"),
    "category": ("作业类别",),
    "item": ("准操项目", "操作项目", "操作类别", "作业项目"),
    "item_code": ("项目代号",),
    "approved": ("批准日期",),
    "first_issued": ("初领日期", "初次领证日期"),
    "validity": ("有效期限", "有效期"),
    "valid_from": ("有效期开始日期", "有效期起始日期"),
    "valid_until": ("有效期结束日期", "有效期截止日期", "有效期至"),
    "review_due": ("应复审日期",),
    "reviews": ("实际复审日期", "复审记录"),
    "issuer": ("发证机关",),
}
TITLE_WORDS = ("操作证", "资格证书", "中华人民共和国", "作业人员证", "查询")
OTHER_KIND_CATEGORY = {"construction": "建筑施工特种作业", "special_equipment": "特种设备作业"}
ISSUER_WORDS = ("应急管理", "安全生产监督", "监督管理", "管理局", "管理厅", "住房和城乡", "建设厅")
# An authority's name ends in one of these; anything after it is a seal's or OCR's noise.
ISSUER_ENDINGS = re.compile(r"^.*?(?:应急管理[局厅部]|监督管理[局厅]|建设[厅局]|委员会|管理局|管理厅)")
# A name cut short by OCR, completed when only one completion exists; capped below the bar.
ISSUER_COMPLETIONS = ("安全生产监督管理局", "应急管理局", "住房和城乡建设厅", "市场监督管理局")
EMPTY_MARKS = {"", "-", "—", "无", "/", "空", "暂无"}
ID_RUN = re.compile(r"[0-9A-Za-z|!〇○×]{15,19}")
OTHER_NUMBER = re.compile(r"[\u4e00-\u9fff][A-Z]\d{6,}")
LABEL_WORDS = tuple(a for aliases in CERT_LABELS.values() for a in aliases) + ("复审", "日期", "作业", "管理", "证")

# Common surnames (with the compound ones): a "name" that starts otherwise is more likely
# a misreading, so it is not trusted without a look.
SURNAMES = set(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余"
    "潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
    "庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍韦申尤毕聂丛焦向柳邢路岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜"
    "路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强柴华车冉房"
    "边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来嵺苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦"
    "迟宇敖糜鄢冷卓花仇艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薄伏岑习胥保和蔺")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙")


def _cjk(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def _id_like(text: str) -> bool:
    return sum(ch.isdigit() for ch in text) >= 14


def _name_like(text: str) -> bool:
    name = _cjk(text)
    return 2 <= len(name) <= 5 and not any(w in text for w in LABEL_WORDS)


# What a value must look like for each label, so stray marks beside a label are skipped.
ACCEPT = {
    "cert_no": lambda t: len(alnum(t)) >= 8 or bool(OTHER_NUMBER.search(t)),
    "id_number": _id_like,
    "name": _name_like,
    "sex": lambda t: ("男" in t) != ("女" in t),
    "category": lambda t: len(_cjk(t)) >= 2,
    "item": lambda t: len(_cjk(t)) >= 2,
    "validity": lambda t: bool(facts.find_dates(t)),
    "item_code": lambda t: bool(re.search(r"[A-Z]\d?", t)),
    "issuer": lambda t: len(_cjk(t)) >= 4,
}
DATE_KEYS = ("first_issued", "valid_from", "valid_until", "review_due", "reviews", "approved")
for _key in DATE_KEYS:
    ACCEPT[_key] = lambda t: bool(facts.find_dates(t)) or t in EMPTY_MARKS

# Confidence ceiling for a value whose label could not be read, by how unmistakable the
# value's form is on its own (an 18-digit number is; a two-character name is not).
LABEL_UNREAD_CONFIDENCE = {"cert_no": 0.95, "valid_from": 0.95, "valid_until": 0.95, "category": 0.95,
                           "item": 0.95, "issuer": 0.95, "sex": 0.93, "name": 0.7,
                           "first_issued": 0.85, "review_due": 0.85, "reviews": 0.8}


REPAIRED_CONFIDENCE = 0.93


def card_regions(lines: list[TextLine]) -> list[list[TextLine]]:
    """One list of lines per card on the page: when a page shows a label (or the card's
    title) more than once, it carries that many cards, split by position."""
    hits = find_labels(lines, {**CERT_LABELS, "title": ("特种作业操作证", "操作资格证书", "作业人员证")})
    counts: dict[str, list[Hit]] = {}
    for h in hits:
        if h.score == 1.0 and h.key in ("title", "cert_no", "name", "issuer", "category"):
            counts.setdefault(h.key, []).append(h)
    anchors = max(counts.values(), key=len, default=[])
    return split_regions(lines, anchors) if len(anchors) > 1 else [lines]


def read_certificate(lines: list[TextLine], record: str) -> Record:
    hits = find_labels(lines, CERT_LABELS)
    best: dict[str, Hit] = {}
    for h in hits:
        if h.key not in best or h.score > best[h.key].score:
            best[h.key] = h
    values: dict[str, Value | None] = {k: value_of(h, lines, hits, ACCEPT[k]) for k, h in best.items()}
    for key in ("category", "item"):
        _reconsider_fuzzy_label_end(key, best, values)
    used = {h.line.index for h in hits} | {i for v in values.values() if v for i in v.lines}
    orphans = [ln for ln in lines if ln.index not in used and not any(w in ln.text for w in TITLE_WORDS)]
    guessed = _by_content(orphans, values)
    certificate_kind = facts.certificate_kind("".join(ln.text for ln in lines))

    fields: dict[str, Field] = {
        "cert_no": _cert_no(values.get("cert_no"), best.get("cert_no")),
        "id_number": _id_number(values.get("id_number"), best.get("id_number")),
        "name": _name(values.get("name"), best.get("name")),
        "sex": _sex(values.get("sex"), best.get("sex")),
        "first_issued": _date(values.get("first_issued"), best.get("first_issued")),
        "issuer": _issuer(values.get("issuer"), best.get("issuer")),
    }
    fields["category"], fields["item"] = _category_item(values.get("category"), values.get("item"), certificate_kind)
    fields["valid_from"], fields["valid_until"] = _validity(values, best)
    if certificate_kind == "special_equipment":
        _equipment_fields(fields, values, best)
    fields["review_due"] = _date(values.get("review_due"), best.get("review_due"))
    fields["reviews"] = _reviews(values.get("reviews"), best.get("reviews"))
    guessed |= _place_loose_dates(lines, fields)
    _expect_review_fields(fields, best, certificate_kind)
    for key in sorted(guessed):
        # Found by what it looks like, not by its label: a clerk confirms unless a
        # cross-check below vouches for it.
        f = fields[key]
        fields[key] = replace(f, confidence=min(f.confidence, LABEL_UNREAD_CONFIDENCE.get(key, 0.85)))
    cross_check(fields, certificate_kind, "id_number" in best)
    for key in ("cert_no", "id_number"):
        f, v = fields[key], values.get(key) or values.get("cert_no")
        core = _cert_core(f.value)  # None for an empty reading: nothing was repaired
        if core and v and core not in v.text.replace(" ", "").upper():
            # The documented one-character repair happened: agreement elsewhere does not
            # make it as sure as a clean reading.
            fields[key] = replace(f, confidence=min(f.confidence, REPAIRED_CONFIDENCE))
    return Record("certificate", record, {k: fields[k] for k in facts.CERTIFICATE_FIELDS},
                  {"certificate_kind": certificate_kind})


def _reconsider_fuzzy_label_end(key: str, best: dict[str, Hit], values: dict[str, Value | None]) -> None:
    """准操项低压电工作业: was 低 a misread 目 or is 目 missing? For catalogue fields, keep
    whichever reading of the glued value matches the catalogue better."""
    hit, v = best.get(key), values.get(key)
    if hit is None or v is None or hit.score >= 1.0 or v.lines != (hit.line.index,) or hit.end < 1:
        return
    alt = hit.line.text[hit.end - 1] + v.text
    match = facts.match_category if key == "category" else facts.match_item
    if match(alt).score > match(v.text).score:
        values[key] = replace(v, text=alt)


def _equipment_fields(fields: dict[str, Field], values: dict, best: dict) -> None:
    """A 特种设备 card prints 批准日期 (first issue and start at once) and the item as a
    name plus a code (作业项目 工业锅炉司炉, 项目代号 G1)."""
    approved = _date(values.get("approved"), best.get("approved"))
    for key in ("first_issued", "valid_from"):
        if fields[key].value is None and approved.value is not None:
            fields[key] = approved
    code, item = values.get("item_code"), fields["item"]
    if code is not None and isinstance(item.value, str):
        m = re.search(r"[A-Z]\d?", code.text)
        fields["item"] = replace(item, value=f"{m.group(0)} {item.value}", confidence=min(item.confidence, code.confidence))


def _by_content(orphans: list[TextLine], values: dict[str, Value | None]) -> set[str]:
    """Fill fields whose label was not read from unlabelled lines whose form says what they
    are (one candidate only). Returns the field keys filled this way."""
    kinds: dict[str, list[TextLine]] = {}
    for ln in orphans:
        t = ln.text
        n_dates = len(facts.find_dates(t))
        if n_dates == 2:
            kinds.setdefault("validity", []).append(ln)
        elif n_dates:
            continue  # single dates are placed by arithmetic later
        elif _id_like(t) or OTHER_NUMBER.search(t):
            kinds.setdefault("cert_no", []).append(ln)
        elif t in ("男", "女"):
            kinds.setdefault("sex", []).append(ln)
        elif any(w in t for w in ISSUER_WORDS):
            kinds.setdefault("issuer", []).append(ln)
        elif facts.match_category(t).score >= 0.8:
            kinds.setdefault("category", []).append(ln)
        elif facts.match_item(t).score >= 0.8 or facts.match_item(t).candidates:
            kinds.setdefault("item", []).append(ln)
        elif _name_like(t) and len(_cjk(t)) == len(t) <= 4:
            kinds.setdefault("name", []).append(ln)
    filled: set[str] = set()
    for key in ("cert_no", "sex", "issuer", "category", "item", "name", "validity"):
        if values.get(key) is None and len(kinds.get(key, [])) == 1:
            ln = kinds[key][0]
            values[key] = Value(ln.text, ln.confidence, ln.page, ln.box, (ln.index,))
            filled |= {"valid_from", "valid_until"} if key == "validity" else {key}
    return filled


def _place_loose_dates(lines: list[TextLine], fields: dict[str, Field]) -> set[str]:
    """Dates on the card not claimed by any field, placed where the card's arithmetic says:
    start − 6k years → first issue; start + 3 years or end − 3 years → review due; a date
    inside the validity → a review. Returns the fields filled this way."""
    start, end = _as_date(fields["valid_from"].value), _as_date(fields["valid_until"].value)
    if start is None:
        return set()
    claimed = {fields[k].value for k in ("first_issued", "valid_from", "valid_until", "review_due")}
    claimed |= set(fields["reviews"].value or []) if isinstance(fields["reviews"].value, list) else set()
    filled: set[str] = set()
    for ln in lines:
        for d in facts.find_dates(ln.text):
            if d.isoformat() in claimed:
                continue
            key = None
            if fields["first_issued"].value is None and d <= start and any(
                    abs((add_years(d, 6 * k) - start).days) <= 1 for k in range(8)):
                key = "first_issued"
            elif fields["review_due"].value is None and (abs((d - add_years(start, 3)).days) <= 1 or (
                    end and abs((d - add_years(end, -3)).days) <= 1)):
                key = "review_due"
            elif not fields["reviews"].value and end and start < d < end and fields["reviews"].reason is None \
                    and fields["reviews"].page is None:
                key = "reviews"
            if key:
                value = [d.isoformat()] if key == "reviews" else d.isoformat()
                fields[key] = Field(value, ln.confidence, ln.page, ln.box, None)
                claimed.add(d.isoformat())
                filled.add(key)
    return filled


def _expect_review_fields(fields: dict[str, Field], best: dict[str, Hit], certificate_kind: str) -> None:
    """Whether a missing 应复审日期 / 复审记录 is an absence or an unread value: newer cards
    print 应复审日期 with 实际复审日期; older ones only 复审记录; other kinds neither."""
    due, reviews = fields["review_due"], fields["reviews"]
    reviews_label = best["reviews"].line.text[best["reviews"].start:best["reviews"].end] if "reviews" in best else ""
    newer = "review_due" in best or reviews_label.startswith("实际")
    older = reviews_label.startswith("复审记录")
    if due.value is None and due.reason is None:
        if certificate_kind != "special_operation" or (older and not newer):
            fields["review_due"] = Field(None, 0.95, due.page, due.box, None)
        else:
            fields["review_due"] = Field(None, 0.3, due.page, due.box, "not_found")
    if reviews.value == [] and reviews.reason is None and "reviews" not in best:
        sure = certificate_kind != "special_operation"
        fields["reviews"] = Field([], 0.95 if sure else 0.5, None, None, None if sure else "not_found")


def _field(value, v: Value | None, confidence: float | None = None, reason: str | None = None) -> Field:
    conf = v.confidence if confidence is None else confidence
    return Field(value, max(0.0, min(1.0, conf)), v.page if v else None, v.box if v else None, reason)


def _missing(hit: Hit | None) -> Field:
    if hit is not None:
        return Field(None, 0.3, hit.line.page, hit.box, "not_found")
    return MISSING


def _cert_no(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    m = OTHER_NUMBER.search(v.text)
    if m:
        # Other certificate kinds carry a province abbreviation (鲁J0120...): keep as read.
        return _field(m.group(0), v)
    m = ID_RUN.search(v.text.replace(" ", ""))
    raw = m.group(0) if m else alnum(v.text)
    if not any(ch.isdigit() for ch in raw):  # 见背面, a lone T: words beside the label, no number
        return _missing(hit)
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
    m = ID_RUN.search(v.text.replace(" ", ""))
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
    if name[0] not in SURNAMES and not name.startswith(COMPOUND_SURNAMES):
        return _field(name, v, min(v.confidence, 0.6), "name_unusual_surname")
    return _field(name, v)


def _sex(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    found = [s for s in ("男", "女") if s in v.text]
    if len(found) != 1 or len(v.text) > 3:
        return _field(v.text, v, 0.3, "sex_unreadable")
    return _field(found[0], v)


def _date(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    if v.text in EMPTY_MARKS:
        return _field(None, v)
    read = facts.read_dates(v.text)
    found = read.dates
    if not found:
        return _field(v.text, v, min(v.confidence, 0.4), "date_unparseable")
    # The first date right of (or below) the label is its value; more than one in the text
    # means the line ran into a neighbour's, which costs a little confidence.
    if len(found) > 2:
        return _field(found[0].isoformat(), v, min(v.confidence, 0.5), "several_dates")
    factor = (facts.LOOSE_DATE_FACTOR if read.loose else 1.0) * (1.0 if len(found) == 1 else 0.95)
    if read.incomplete:
        # Only a year and month were legible: the day is a guess, for a clerk to read.
        return _field(found[0].isoformat(), v, min(v.confidence, 0.5), "date_incomplete")
    return _field(found[0].isoformat(), v, v.confidence * factor)


def _validity(values: dict, best: dict) -> tuple[Field, Field]:
    v = values.get("validity")
    if v is not None:
        read = facts.read_dates(v.text)
        found = read.dates
        if len(found) >= 2:
            conf = v.confidence * (1.0 if len(found) == 2 else 0.9) * (facts.LOOSE_DATE_FACTOR if read.loose else 1.0)
            if read.incomplete:
                return (_field(found[0].isoformat(), v, min(conf, 0.5), "date_incomplete"),
                        _field(found[1].isoformat(), v, min(conf, 0.5), "date_incomplete"))
            return _field(found[0].isoformat(), v, conf), _field(found[1].isoformat(), v, conf)
        if found:
            return (_field(found[0].isoformat(), v, min(v.confidence, 0.5), "validity_end_unread"),
                    _field(None, v, 0.3, "not_found"))
    return _date(values.get("valid_from"), best.get("valid_from")), _date(values.get("valid_until"), best.get("valid_until"))


def _reviews(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        if hit is None:
            return Field([], 0.5, None, None, None)
        # The label with nothing beside it: no review on record, as sure as the label's
        # own reading (a blurred row can hide a date).
        return Field([], min(0.9, hit.line.confidence) * hit.score, hit.line.page, hit.box, None)
    if v.text in EMPTY_MARKS:
        return _field([], v)
    read = facts.read_dates(v.text)
    return _field([d.isoformat() for d in read.dates], v, v.confidence * (facts.LOOSE_DATE_FACTOR if read.loose else 1.0))


def _issuer(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    text = re.sub(r"^[^\u4e00-\u9fff]+", "", v.text)
    m = ISSUER_ENDINGS.match(text)
    if m:
        text = m.group(0)
        conf = v.confidence
    else:
        completed = _complete_issuer(_cjk(text))
        if completed is None:
            return _field(_cjk(text) or v.text, v, min(v.confidence, 0.5), "issuer_unreadable")
        text, conf = completed, min(v.confidence, 0.85)
    if facts.issuer_class(text) is None:
        return _field(text, v, min(conf, 0.5), "issuer_unknown")
    return _field(text, v, conf)


def _complete_issuer(text: str) -> str | None:
    """An authority's name whose last characters were lost (under a seal, usually)."""
    options = set()
    for ending in ISSUER_COMPLETIONS:
        for cut in range(2, len(ending)):
            if text.endswith(ending[:cut]):
                head = text[: len(text) - cut]
                if ending == "应急管理局" and head.endswith("省"):
                    options.add(head + "应急管理厅")
                else:
                    options.add(head + ending)
    return options.pop() if len(options) == 1 else None


def _category_item(cv: Value | None, iv: Value | None, certificate_kind: str) -> tuple[Field, Field]:
    if certificate_kind != "special_operation":
        # Not in the 特种作业目录: keep what is printed, never match it against the catalogue.
        item = re.sub(r"^[^\u4e00-\u9fff]+", "", iv.text) if iv else None
        return (Field(OTHER_KIND_CATEGORY.get(certificate_kind), 0.95, None, None, None),
                _field(_fold_brackets(item), iv) if iv else MISSING)
    cat = facts.match_category(cv.text) if cv else None
    item = facts.match_item(iv.text, cat.value if cat else None) if iv else None
    cf = _matched(cat, cv, "unknown_category")
    itf = _matched(item, iv, "unknown_item")
    if cat and item and item.value and cat.value and item.category != cat.value:
        itf = replace(itf, confidence=min(itf.confidence, 0.5), reason="item_not_in_category")
    return cf, itf


def _fold_brackets(text: str) -> str:
    return text.replace("(", "（").replace(")", "）")


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
    someone else's ID) looks like two clean readings far apart; an OCR slip looks like one
    or two characters apart, and only that is sent to review.
    """
    def up(key: str, to: float) -> None:
        f = fields[key]
        if f.reason is None and f.value is not None:
            fields[key] = replace(f, confidence=max(f.confidence, to))

    def doubt(key: str, reason: str) -> None:
        f = fields[key]
        if f.reason is None:
            fields[key] = replace(f, confidence=min(f.confidence, 0.6), reason=reason)

    def independent(a: str, b: str) -> bool:
        # Agreement only counts between two readings, not one reading used twice.
        return fields[a].box != fields[b].box

    cert, idf = fields["cert_no"], fields["id_number"]
    core = _cert_core(cert.value)
    if certificate_kind == "special_equipment" and core and idf.value is None and facts.id_valid(core):
        fields["id_number"] = replace(cert, value=core, reason=None)  # numbered by the holder's ID
    if certificate_kind == "special_operation" and core:
        if idf.value is None and not id_label_present and len(core) == 18:
            # Cards without a separate ID line: the number IS the holder's ID (证号 = 身份证号),
            # and one that fails the check digit is that ID failing it.
            if facts.id_valid(core):
                fields["id_number"] = replace(cert, value=core, reason=None)
            else:
                fields["id_number"] = replace(cert, value=core, confidence=min(cert.confidence, 0.5),
                                              reason="id_checksum_invalid")
            idf = fields["id_number"]
        if idf.value and core == idf.value and facts.id_valid(core):
            # Two readings that agree are sure; one reading whose check digit holds (one
            # misread digit in eleven passes it) is nearly so.
            sure = 0.99 if independent("cert_no", "id_number") else 0.95
            up("cert_no", sure)
            up("id_number", sure)
        elif idf.value and isinstance(idf.value, str) and core != idf.value:
            apart = _distance(core, idf.value)
            if apart <= 2 or not (facts.id_valid(core) and facts.id_valid(idf.value)):
                doubt("cert_no", "cert_no_disagrees_with_id")
                doubt("id_number", "id_disagrees_with_cert_no")
        elif not facts.id_valid(core):
            doubt("cert_no", "cert_no_checksum_invalid")
    elif certificate_kind != "special_operation" and isinstance(cert.value, str) and OTHER_NUMBER.fullmatch(cert.value):
        up("cert_no", 0.95)

    idv = fields["id_number"].value
    if isinstance(idv, str) and facts.id_valid(idv):
        birth = date(int(idv[6:10]), int(idv[10:12]), int(idv[12:14]))
        if not (1920 <= birth.year <= date.today().year - 14):
            doubt("id_number", "implausible_birth_date")
        id_sex = "男" if int(idv[16]) % 2 else "女"
        sex = fields["sex"]
        if sex.value in ("男", "女"):
            if sex.value == id_sex:
                up("sex", 0.99)
            else:
                doubt("sex", "sex_disagrees_with_id")
        elif sex.value is None:
            # Unread: offer what the ID number says, for a clerk to confirm.
            fields["sex"] = Field(id_sex, 0.5, sex.page, sex.box, "sex_unread_suggested_from_id")

    start, end = _as_date(fields["valid_from"].value), _as_date(fields["valid_until"].value)
    # Six years is the 特种作业操作证's span; 住建 and 特种设备 cards run for other terms.
    if start and end and certificate_kind == "special_operation":
        gap = (end - add_years(start, 6)).days
        if gap in (0, -1):
            up("valid_from", 0.97)
            up("valid_until", 0.97)
        elif abs(gap) > 1:
            doubt("valid_from", "validity_not_six_years")
            doubt("valid_until", "validity_not_six_years")
    first = _as_date(fields["first_issued"].value)
    if first and start and independent("first_issued", "valid_from"):
        if first > start:
            doubt("first_issued", "first_issued_after_valid_from")
        elif any(abs((add_years(first, 6 * k) - start).days) <= 1 for k in range(0, 8)):
            up("first_issued", 0.97)
            up("valid_from", 0.99)
    due = _as_date(fields["review_due"].value)
    if due and start and independent("review_due", "valid_from"):
        if abs((due - add_years(start, 3)).days) <= 1 or (end and abs((due - add_years(end, -3)).days) <= 1):
            up("review_due", 0.97)
            if end and due == add_years(end, -3):
                up("valid_until", 0.99)
        elif not (end and due == end):
            doubt("review_due", "review_due_inconsistent")
    reviews = fields["reviews"].value
    if start and end and isinstance(reviews, list) and reviews:
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
