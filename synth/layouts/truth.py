"""What a held-out document says: the holder's card as the contract's export record, and
the flags and status the contract's rules give it on an as-of date.

The truth is drawn here, independently of `synth.certificates`, so that the second
generator does not share the first one's habits (its review timing, its issuer list,
its share of printed review dates). Expected flags and status come from `domain.certificates`
(the rules the product applies), never from a copy of them.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain import certificates as rules
from domain.dates import add_years
from synth.catalogue import CATALOGUE, CATEGORY_WEIGHTS
from synth.people import corrupt_check_digit, random_person

AS_OF = date(2024, 6, 1)
BUREAU_RENAMED = date(2019, 3, 1)

LOCAL = ("泰安市应急管理局",)
LOCAL_OLD = ("泰安市安全生产监督管理局",)
COUNTY_LOCAL = ("新泰市应急管理局", "肥城市应急管理局")  # county bureaus count as local
OUT_OF_CITY = ("济南市应急管理局", "潍坊市应急管理局", "聊城市应急管理局", "菏泽市应急管理局",
               "枣庄市应急管理局", "烟台市应急管理局", "山东省应急管理厅")
OUT_OF_PROVINCE = ("河南省应急管理厅", "江苏省应急管理厅", "山西省应急管理厅", "天津市应急管理局",
                   "徐州市应急管理局", "洛阳市应急管理局", "安徽省应急管理厅", "河北省应急管理厅")
EQUIPMENT_ITEMS = ("N1 叉车司机", "Q1 起重机指挥", "Q2 起重机司机", "G1 工业锅炉司炉", "R1 快开门式压力容器操作",
                   "T1 观光车和观光列车司机")
CONSTRUCTION_TRADES = (("01", "建筑电工"), ("02", "建筑架子工"), ("03", "建筑起重司索信号工"),
                       ("04", "建筑起重机械司机"), ("05", "建筑起重机械安装拆卸工"), ("06", "高处作业吊篮安装拆卸工"))
# The 住建 numbering: province abbreviation, city letter (泰安 J, 济南 A, 济宁 H).
CONSTRUCTION_CITIES = (("J", "泰安市住房和城乡建设局"), ("A", "山东省住房和城乡建设厅"), ("H", "山东省住房和城乡建设厅"))

# Shares of the deliberate anomalies (each group at most one).
ISSUER_MIX = {"local": 0.72, "out_of_city": 0.13, "out_of_province": 0.15}
TIMING_MIX = {"current": 0.80, "expired": 0.10, "review_overdue": 0.10}
IDENTITY_MIX = {"none": 0.90, "bad_check_digit": 0.04, "cert_no_mismatch": 0.04, "sex_mismatch": 0.02}

FIELDS = ("cert_no", "name", "sex", "id_number", "category", "item", "first_issued", "valid_from",
          "valid_until", "review_due", "reviews", "issuer")
# Other kinds of card are judged by who and when only: their categories are no catalogue's.
OTHER_KIND_FIELDS = ("cert_no", "name", "sex", "id_number", "valid_from", "valid_until", "issuer")


@dataclass(frozen=True)
class Card:
    """One printed card. Dates are dates; a review printed as year-month only is a
    (year, month) tuple. `printed_due` is the 应复审日期 as printed (None when the card has
    no such line); `id_printed` says whether the document prints the ID number apart from
    the 证号 (without it, a 证号 ≠ ID cannot be seen)."""
    kind: str                       # special_operation | construction | special_equipment
    cert_no: str
    name: str
    sex: str
    id_number: str
    category: str
    item: str
    first_issued: date
    valid_from: date
    valid_until: date
    printed_due: date | None
    reviews: tuple = ()
    issuer: str = ""
    serial: str = ""                # the card's own serial (No. ...), never the 证号
    licence_no: str = ""            # an e-certificate's 证照编号
    id_printed: bool = False
    anomalies: tuple[str, ...] = field(default=())


def _iso(d) -> str | None:
    if d is None:
        return None
    if isinstance(d, tuple):
        return f"{d[0]:04d}-{d[1]:02d}"
    return d.isoformat()


def export_record(card: Card) -> dict:
    """The contract's export fields (reviews as printed: YYYY-MM-DD, or YYYY-MM when the
    document gives year-month only; review_due as the contract derives it)."""
    due = rules.review_due(card.valid_from, card.valid_until, card.printed_due)
    return {
        "cert_no": card.cert_no, "name": card.name, "sex": card.sex, "id_number": card.id_number,
        "category": card.category, "item": card.item, "first_issued": _iso(card.first_issued),
        "valid_from": _iso(card.valid_from), "valid_until": _iso(card.valid_until),
        "review_due": _iso(due), "reviews": [_iso(r) for r in card.reviews], "issuer": card.issuer,
    }


def _review_as_date(review) -> date:
    return date(review[0], review[1], 1) if isinstance(review, tuple) else review


def expected(card: Card, as_of: date = AS_OF) -> tuple[list[str], str]:
    """Flags and status by the contract's rules (a year-month review counts from the 1st)."""
    record = export_record(card)
    record["reviews"] = [_review_as_date(r).isoformat() for r in card.reviews]
    record["review_due"] = _iso(card.printed_due)  # the rules read what is printed (a due = end stretches it)
    record["certificate_kind"] = card.kind
    flags = rules.intrinsic_flags(record, as_of)
    return flags, rules.status(flags)


def truth_record(card: Card, as_of: date = AS_OF, record: str = "card1") -> dict:
    flags, status = expected(card, as_of)
    return {"record": record, "certificate_kind": card.kind, **export_record(card),
            "expected_flags": flags, "expected_status": status,
            "score_fields": list(FIELDS if card.kind == "special_operation" else OTHER_KIND_FIELDS),
            "anomalies": list(card.anomalies), "serial": card.serial, "licence_no": card.licence_no}


def _pick(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randrange(max(1, (hi - lo).days + 1)))


def _serial(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(10))


def special_operation(rng: random.Random, *, as_of: date = AS_OF, id_printed: bool = False,
                      prints_due: bool = True, month_only_reviews: bool = False,
                      review_history: bool = False) -> Card:
    """A 特种作业操作证 with the usual mix of anomalies. `prints_due`: the design has an
    应复审日期 line (newer generations); `review_history`: the document lists reviews of
    an earlier validity period too (booklets)."""
    issuer_kind, timing, identity = _pick(rng, ISSUER_MIX), _pick(rng, TIMING_MIX), _pick(rng, IDENTITY_MIX)
    if identity == "cert_no_mismatch" and not id_printed:
        identity = "none"
    if timing == "expired":
        start = _day(rng, add_years(as_of, -9), add_years(as_of, -6) - timedelta(days=20))
    elif timing == "review_overdue":
        start = _day(rng, add_years(as_of, -6) + timedelta(days=40), add_years(as_of, -3) - timedelta(days=100))
    else:
        start = _day(rng, add_years(as_of, -6) + timedelta(days=20), as_of - timedelta(days=10))
    end = add_years(start, 6) - timedelta(days=rng.choice((0, 1, 1)))
    renewals = rng.choices((0, 1, 2), weights=(55, 35, 10))[0]
    first = add_years(start, -6 * renewals)
    if issuer_kind == "local":
        issuer = rng.choice(LOCAL_OLD if start < BUREAU_RENAMED else LOCAL + LOCAL + COUNTY_LOCAL)
        region = "taian" if rng.random() < 0.85 else rng.choice(("henan", "shandong", "anhui"))
    elif issuer_kind == "out_of_city":
        issuer, region = rng.choice(OUT_OF_CITY), ("shandong" if rng.random() < 0.7 else "taian")
    else:
        issuer, region = rng.choice(OUT_OF_PROVINCE), rng.choice(("henan", "jiangsu", "hebei", "anhui"))
    age = rng.randint(19, 50)
    born_hi = add_years(first, -age)
    person = random_person(rng, region, born_between=(add_years(born_hi, -1) + timedelta(days=1), born_hi))

    printed_due = None
    if prints_due:
        stretched = timing != "review_overdue" and rng.random() < 0.05
        printed_due = end if stretched else rng.choice((add_years(start, 3), add_years(end, -3)))
    due = rules.review_due(start, end, printed_due)
    reviews: list = []
    if review_history and renewals:
        prev_start = add_years(start, -6)
        reviews.append(add_years(prev_start, 3) - timedelta(days=rng.randint(5, 50)))
    if due and due <= as_of and timing != "review_overdue":
        reviews.append(_day(rng, due - timedelta(days=55), min(as_of, due + timedelta(days=20))))
    if month_only_reviews:
        reviews = [(r.year, r.month) for r in reviews]

    id_number = person.id_number
    anomalies = [a for a in (issuer_kind, timing, identity) if a not in ("local", "current", "none")]
    if identity == "bad_check_digit":
        id_number = corrupt_check_digit(id_number, rng)
    cert_id = id_number
    if identity == "cert_no_mismatch":
        cert_id = random_person(rng, id_number[:6], sex=person.sex).id_number
    sex = person.sex if identity != "sex_mismatch" else ("女" if person.sex == "男" else "男")
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    item = rng.choice(CATALOGUE[category])
    return Card("special_operation", ("T" if rng.random() < 0.45 else "") + cert_id, person.name, sex,
                id_number, category, item, first, start, end, printed_due, tuple(reviews), issuer,
                serial=_serial(rng), id_printed=id_printed, anomalies=tuple(anomalies))


def construction(rng: random.Random, *, as_of: date = AS_OF) -> Card:
    """A 住建 建筑施工特种作业操作资格证书 (number like 鲁A012008000001), valid 2 years."""
    person = random_person(rng, "taian")
    code, trade = rng.choice(CONSTRUCTION_TRADES)
    letter, issuer = rng.choice(CONSTRUCTION_CITIES)
    start = _day(rng, add_years(as_of, -2) + timedelta(days=10), as_of - timedelta(days=10))
    first = start - timedelta(days=rng.randint(0, 900))
    number = f"鲁{letter}{code}{first.year}{rng.randrange(1, 30000):06d}"
    return Card("construction", number, person.name, person.sex, person.id_number, "建筑施工特种作业", trade,
                first, start, add_years(start, 2) - timedelta(days=1), None, (), issuer,
                serial=_serial(rng), id_printed=True, anomalies=("other_certificate_kind",))


def special_equipment(rng: random.Random, *, as_of: date = AS_OF) -> Card:
    """A 市场监管 特种设备作业人员证: numbered by the ID number, valid 4 years."""
    person = random_person(rng, "taian")
    start = _day(rng, add_years(as_of, -4) + timedelta(days=10), as_of - timedelta(days=10))
    issuer = rng.choice(("泰安市市场监督管理局", "山东省市场监督管理局", "泰安市质量技术监督局"))
    return Card("special_equipment", person.id_number, person.name, person.sex, person.id_number,
                "特种设备作业", rng.choice(EQUIPMENT_ITEMS), start, start, add_years(start, 4) - timedelta(days=1),
                None, (), issuer, serial=_serial(rng), id_printed=True, anomalies=("other_certificate_kind",))
