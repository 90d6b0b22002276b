"""Synthetic 特种作业操作证 cards: ground truth with a realistic mix of anomalies, and card renders.

`random_certificate` draws the truth (what is printed on the card, including deliberately
wrong things); `render_certificate` draws it like the national card, with varied layouts
and date formats so that reading label → value by position is necessary.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Iterable

from PIL import Image, ImageDraw

from synth.catalogue import CATALOGUE, CATEGORY_WEIGHTS, COMMON_ITEMS, CONSTRUCTION_TRADES
from synth.dates import add_years, fmt, random_date
from synth.fonts import font
from synth.people import Person, corrupt_check_digit, random_person

CARD_SIZE = (1000, 640)
TITLE = "中华人民共和国特种作业操作证"
CONSTRUCTION_TITLE = "建筑施工特种作业操作资格证书"

LOCAL_ISSUER = "泰安市应急管理局"
OLD_LOCAL_ISSUER = "泰安市安全生产监督管理局"
# Emergency-management bureaus replaced the work-safety bureaus early in 2019.
BUREAU_RENAMED = date(2019, 3, 1)
# 应急管理部令第19号: reviews falling due from this day on are no longer owed, so a card can
# only be overdue for a review that fell due before it.
REVIEWS_OWED_BEFORE = date(2026, 6, 1)
OUT_OF_CITY_ISSUERS = {
    "济南市应急管理局": "370102", "青岛市应急管理局": "370203", "淄博市应急管理局": "370303",
    "济宁市应急管理局": "370811", "临沂市应急管理局": "371302", "德州市应急管理局": "371402",
}
OUT_OF_PROVINCE_ISSUERS = {
    "河南省应急管理厅": "henan", "江苏省应急管理厅": "jiangsu", "河北省应急管理厅": "hebei",
    "安徽省应急管理厅": "anhui", "郑州市应急管理局": "410102", "四川省应急管理厅": "sichuan",
}

# Anomalies a card may carry on purpose; most are named after the contract's flag codes.
ANOMALIES = (
    "out_of_city", "out_of_province", "old_issuer", "expired", "review_overdue", "not_yet_valid",
    "id_checksum_invalid", "cert_no_mismatch", "underage_at_issue", "sex_mismatch",
    "date_inconsistent", "other_certificate_kind",
)
ISSUER_RATES = {"out_of_city": 0.10, "out_of_province": 0.10, "old_issuer": 0.08}
TIMING_RATES = {"expired": 0.07, "review_overdue": 0.07}
IDENTITY_RATES = {"id_checksum_invalid": 0.03, "cert_no_mismatch": 0.03,
                  "underage_at_issue": 0.02, "sex_mismatch": 0.02}
CONSTRUCTION_RATE = 0.03
EQUIPMENT_RATE = 0.015
CONSTRUCTION_ISSUER = "山东省住房和城乡建设厅"
EQUIPMENT_TITLE = "特种设备安全管理和作业人员证"
EQUIPMENT_ISSUERS = ("泰安市市场监督管理局", "山东省市场监督管理局")
# 特种设备作业项目: code and name as printed on 市场监管 cards.
EQUIPMENT_ITEMS = (("N1", "叉车司机"), ("Q2", "桥式起重机司机"), ("G1", "工业锅炉司炉"),
                   ("R1", "快开门式压力容器操作"), ("A", "特种设备安全管理"))


@dataclass(frozen=True)
class CertificateTruth:
    """What the card says (wrong things included), and which anomalies were put there on purpose."""
    cert_no: str
    name: str
    sex: str
    id_number: str
    category: str
    item: str
    first_issued: date
    valid_from: date
    valid_until: date
    review_due: date | None          # printed 应复审日期, None on older cards
    reviews: tuple[date, ...]
    issuer: str
    certificate_kind: str = "special_operation"
    anomalies: tuple[str, ...] = ()
    holder: Person | None = field(default=None, compare=False)

    def fields(self) -> dict:
        """The contract's certificate fields, dates as YYYY-MM-DD, missing as None."""
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {
            "cert_no": self.cert_no, "name": self.name, "sex": self.sex, "id_number": self.id_number,
            "category": self.category, "item": self.item, "first_issued": iso(self.first_issued),
            "valid_from": iso(self.valid_from), "valid_until": iso(self.valid_until),
            "review_due": iso(self.review_due), "reviews": [d.isoformat() for d in self.reviews],
            "issuer": self.issuer,
        }

    def to_dict(self) -> dict:
        return {"certificate_kind": self.certificate_kind, **self.fields(),
                "anomalies": list(self.anomalies)}


# --- truth -------------------------------------------------------------------------------

def _draw_kind(rng: random.Random) -> str:
    roll = rng.random()
    if roll < CONSTRUCTION_RATE:
        return "construction"
    if roll < CONSTRUCTION_RATE + EQUIPMENT_RATE:
        return "special_equipment"
    return "special_operation"


def _draw_anomalies(rng: random.Random) -> set[str]:
    chosen: set[str] = set()
    for rates in (ISSUER_RATES, TIMING_RATES, IDENTITY_RATES):
        roll = rng.random()
        for name, rate in rates.items():  # at most one of each group
            if roll < rate:
                chosen.add(name)
                break
            roll -= rate
    return chosen


def random_certificate(rng: random.Random, *, as_of: date = date(2024, 6, 1),
                       anomalies: Iterable[str] | None = None, person: Person | None = None,
                       kind: str | None = None) -> CertificateTruth:
    """A card's truth. `anomalies=None` draws the usual mix; an iterable forces exactly those
    (empty: a clean, valid Tai'an card; {"other_certificate_kind"}: a construction card).
    `kind` forces the certificate kind (special_operation | construction | special_equipment).
    `person` fixes the holder (rosters use it)."""
    if kind is None:
        if anomalies is None:
            kind = _draw_kind(rng)
        else:
            kind = "construction" if "other_certificate_kind" in anomalies else "special_operation"
    if kind == "construction":
        return _construction_card(rng, as_of, person)
    if kind == "special_equipment":
        return _equipment_card(rng, as_of, person)
    if kind != "special_operation":
        raise ValueError(f"unknown certificate kind {kind!r}")
    wanted = _draw_anomalies(rng) if anomalies is None else set(anomalies)
    unknown = wanted - set(ANOMALIES)
    if unknown or "other_certificate_kind" in wanted:
        raise ValueError(f"not anomalies of a special-operation card: {sorted(unknown)}")
    if "review_overdue" in wanted and not review_can_be_overdue(as_of):
        if anomalies is not None:
            raise ValueError(f"no card can be review_overdue on {as_of} (reviews no longer owed)")
        wanted.discard("review_overdue")

    issuer, region = _issuer(rng, wanted)
    valid_from = _valid_from(rng, wanted, issuer, as_of)
    # Keep the bureau's name true to the card's era when the date window forced it.
    if issuer == LOCAL_ISSUER and valid_from < BUREAU_RENAMED:
        issuer = OLD_LOCAL_ISSUER
        wanted.add("old_issuer")
    elif issuer == OLD_LOCAL_ISSUER and valid_from >= BUREAU_RENAMED:
        issuer = LOCAL_ISSUER
        wanted.discard("old_issuer")
    # Longer spans only, so a wrong span never also makes the card expire.
    years_valid = rng.choice((7, 8, 10)) if "date_inconsistent" in wanted else 6
    valid_until = add_years(valid_from, years_valid) - timedelta(days=rng.choices((1, 0), (7, 3))[0])

    renewals = 0 if "underage_at_issue" in wanted else rng.choices((0, 1, 2), (60, 30, 10))[0]
    first_issued = add_years(valid_from, -6 * renewals)
    if person is None:
        age_lo, age_hi = (16, 17) if "underage_at_issue" in wanted else (19, 52)
        age = rng.randint(age_lo, age_hi)
        born_hi = add_years(first_issued, -age) - timedelta(days=1)
        born = (add_years(born_hi, -1) + timedelta(days=2), born_hi)
        person = random_person(rng, region, born_between=born)

    printed_due = None
    if valid_from >= date(2019, 1, 1) and rng.random() < 0.8:
        stretched = not wanted & {"review_overdue", "date_inconsistent"} and rng.random() < 0.05
        printed_due = valid_until if stretched else add_years(valid_until, -3)
    due = printed_due or add_years(valid_from, 3)
    reviews: tuple[date, ...] = ()
    if due != valid_until and due <= as_of and "review_overdue" not in wanted:
        reviews = (due - timedelta(days=rng.randint(7, 58)),)

    id_number = person.id_number
    if "id_checksum_invalid" in wanted:
        id_number = corrupt_check_digit(id_number, rng)
    cert_id = id_number
    if "cert_no_mismatch" in wanted:
        other = random_person(rng, id_number[:6], sex=person.sex)
        cert_id = other.id_number
    cert_no = ("T" if rng.random() < 0.4 else "") + cert_id
    sex = person.sex
    if "sex_mismatch" in wanted:
        sex = "女" if sex == "男" else "男"

    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    common = COMMON_ITEMS.get(category)
    item = rng.choice(common) if common and rng.random() < 0.85 else rng.choice(CATALOGUE[category])

    return CertificateTruth(
        cert_no=cert_no, name=person.name, sex=sex, id_number=id_number, category=category,
        item=item, first_issued=first_issued, valid_from=valid_from, valid_until=valid_until,
        review_due=printed_due, reviews=reviews, issuer=issuer,
        anomalies=tuple(a for a in ANOMALIES if a in wanted), holder=person)


def _issuer(rng: random.Random, wanted: set[str]) -> tuple[str, str | None]:
    """The issuing authority and the region group its holders mostly come from."""
    if "out_of_city" in wanted:
        issuer = rng.choice(sorted(OUT_OF_CITY_ISSUERS))
        return issuer, OUT_OF_CITY_ISSUERS[issuer] if rng.random() < 0.7 else None
    if "out_of_province" in wanted:
        issuer = rng.choice(sorted(OUT_OF_PROVINCE_ISSUERS))
        return issuer, OUT_OF_PROVINCE_ISSUERS[issuer] if rng.random() < 0.7 else None
    issuer = OLD_LOCAL_ISSUER if "old_issuer" in wanted else LOCAL_ISSUER
    # A Tai'an card may lawfully belong to someone born in another province.
    return issuer, "taian" if rng.random() < 0.85 else rng.choice(("henan", "jiangsu", "shandong"))


def _review_overdue_window(as_of: date) -> tuple[date, date]:
    """Start dates whose review fell due (start + 3 years) well before `as_of` and before
    the rule change, on a card not yet expired."""
    lo = add_years(as_of, -6) + timedelta(days=30)
    hi = min(add_years(as_of, -3), add_years(REVIEWS_OWED_BEFORE, -3)) - timedelta(days=30)
    return lo, hi


def review_can_be_overdue(as_of: date) -> bool:
    lo, hi = _review_overdue_window(as_of)
    return lo <= hi


def _valid_from(rng: random.Random, wanted: set[str], issuer: str, as_of: date) -> date:
    if "not_yet_valid" in wanted:
        lo, hi = as_of + timedelta(days=5), as_of + timedelta(days=60)
    elif "expired" in wanted:
        lo, hi = add_years(as_of, -9), add_years(as_of, -6) - timedelta(days=30)
    elif "review_overdue" in wanted:
        lo, hi = _review_overdue_window(as_of)
    else:
        lo, hi = add_years(as_of, -6) + timedelta(days=30), as_of - timedelta(days=15)
    # Keep the issuer's name true to its era when the window allows it.
    if issuer == OLD_LOCAL_ISSUER and lo < BUREAU_RENAMED:
        hi = min(hi, BUREAU_RENAMED - timedelta(days=1))
    elif issuer == LOCAL_ISSUER and hi >= BUREAU_RENAMED:
        lo = max(lo, BUREAU_RENAMED)
    return random_date(rng, lo, hi)


def _construction_card(rng: random.Random, as_of: date, person: Person | None) -> CertificateTruth:
    person = person or random_person(rng, "taian")
    code, trade = rng.choice(CONSTRUCTION_TRADES)
    valid_from = random_date(rng, add_years(as_of, -2) + timedelta(days=20), as_of - timedelta(days=20))
    cert_no = f"鲁J{code}{valid_from.year}{rng.randrange(1, 20000):06d}"
    return CertificateTruth(
        cert_no=cert_no, name=person.name, sex=person.sex, id_number=person.id_number,
        category="建筑施工特种作业", item=trade, first_issued=valid_from, valid_from=valid_from,
        valid_until=add_years(valid_from, 2) - timedelta(days=1), review_due=None, reviews=(),
        issuer=CONSTRUCTION_ISSUER, certificate_kind="construction",
        anomalies=("other_certificate_kind",), holder=person)


def _equipment_card(rng: random.Random, as_of: date, person: Person | None) -> CertificateTruth:
    """A 市场监管 special-equipment card: numbered by the holder's ID, valid 4 years."""
    person = person or random_person(rng, "taian")
    code, item = rng.choice(EQUIPMENT_ITEMS)
    valid_from = random_date(rng, add_years(as_of, -4) + timedelta(days=20), as_of - timedelta(days=20))
    return CertificateTruth(
        cert_no=person.id_number, name=person.name, sex=person.sex, id_number=person.id_number,
        category="特种设备作业", item=f"{code} {item}", first_issued=valid_from, valid_from=valid_from,
        valid_until=add_years(valid_from, 4) - timedelta(days=1), review_due=None, reviews=(),
        issuer=rng.choice(EQUIPMENT_ISSUERS), certificate_kind="special_equipment",
        anomalies=("other_certificate_kind",), holder=person)


# --- rendering ---------------------------------------------------------------------------

INK = (20, 20, 24)
LABEL_INK = (40, 52, 90)
TITLE_RED = (176, 30, 35)
SEAL_RED = (214, 40, 40)


def _spaced(label: str, style: str) -> str:
    # Two-character labels are often printed with a wide gap (姓　名); some cards add a colon.
    if style == "spaced" and len(label) == 2:
        return "\u3000".join(label)
    return label + "：" if style == "colon" else label


def _background(rng: random.Random, size: tuple[int, int], tint: tuple[int, int, int]) -> Image.Image:
    img = Image.new("RGB", size, (250, 249, 244))
    draw = ImageDraw.Draw(img)
    w, h = size
    phase, freq = rng.uniform(0, 6.28), rng.uniform(0.010, 0.018)
    for k in range(0, h + 60, 14):  # fine guilloche waves, pale enough not to bother OCR
        pts = [(x, k + 9 * math.sin(freq * x + phase + k * 0.05)) for x in range(0, w + 1, 8)]
        draw.line(pts, fill=tint, width=1)
    return img


def _photo_box(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=(222, 230, 240), outline=(120, 130, 150), width=2)
    cx, w = (x0 + x1) // 2, x1 - x0
    head = w // 5
    hy = y0 + (y1 - y0) * 2 // 5
    draw.ellipse((cx - head, hy - head, cx + head, hy + head), fill=(150, 160, 175))
    draw.chord((x0 + w // 8, hy + head + 4, x1 - w // 8, y1 + (y1 - y0) // 3), 180, 360,
               fill=(150, 160, 175))


def _fake_qr(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int, size: int) -> None:
    n = 25
    cell = size // n
    for i in range(n):
        for j in range(n):
            if rng.random() < 0.5:
                draw.rectangle((x + i * cell, y + j * cell, x + (i + 1) * cell - 1, y + (j + 1) * cell - 1),
                               fill=INK)
    for fx, fy in ((0, 0), (n - 7, 0), (0, n - 7)):  # the three finder squares
        ox, oy = x + fx * cell, y + fy * cell
        draw.rectangle((ox, oy, ox + 7 * cell - 1, oy + 7 * cell - 1), fill=(255, 255, 255))
        draw.rectangle((ox, oy, ox + 7 * cell - 1, oy + 7 * cell - 1), outline=INK, width=cell)
        draw.rectangle((ox + 2 * cell, oy + 2 * cell, ox + 5 * cell - 1, oy + 5 * cell - 1), fill=INK)


def draw_seal(img: Image.Image, center: tuple[int, int], radius: int, text: str,
              rng: random.Random, *, alpha: int = 150) -> None:
    """A red round official seal (circle, star, name around the arc) blended onto `img`."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cx, cy = center
    colour = SEAL_RED + (alpha,)
    width = max(3, radius // 18)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=colour, width=width)
    star_r = radius * 0.28
    pts = []
    for k in range(10):
        r = star_r if k % 2 == 0 else star_r * 0.4
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(pts, fill=colour)
    size = max(12, int(radius * 0.26))
    f = font(size, serif=True, bold=True)
    n = len(text)
    sweep = min(250.0, 22.0 * n) * math.pi / 180
    for k, ch in enumerate(text):
        a = -math.pi / 2 - sweep / 2 + sweep * (k + 0.5) / n
        r = radius - width - size * 0.75
        glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((size, size), ch, font=f, fill=colour, anchor="mm")
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
        gx, gy = cx + r * math.cos(a) - size, cy + r * math.sin(a) - size
        layer.alpha_composite(glyph, (int(gx), int(gy)))
    if rng.random() < 0.5:  # uneven ink: fade a random sector
        fade = Image.new("L", img.size, 255)
        ImageDraw.Draw(fade).pieslice((cx - radius - 5, cy - radius - 5, cx + radius + 5, cy + radius + 5),
                                      rng.uniform(0, 360), rng.uniform(0, 360) + 60, fill=150)
        layer.putalpha(Image.composite(layer.getchannel("A"),
                                       Image.new("L", img.size, 0), fade).point(lambda v: v))
    base = img.convert("RGBA")
    base.alpha_composite(layer)
    img.paste(base.convert(img.mode))


def _rows(truth: CertificateTruth, rng: random.Random) -> list[tuple[str, str]]:
    style = rng.choice(("iso", "cn", "cn", "dot"))
    if style == "cn":
        validity = f"{fmt(truth.valid_from, style)}至{fmt(truth.valid_until, style)}"
    else:
        validity = f"{fmt(truth.valid_from, style)} 至 {fmt(truth.valid_until, style)}"
    reviews = "，".join(fmt(d, style) for d in truth.reviews)
    rows = [("证号", truth.cert_no), ("姓名", truth.name), ("性别", truth.sex),
            ("作业类别", truth.category), ("准操项目", truth.item),
            ("初领日期", fmt(truth.first_issued, style)), ("有效期限", validity)]
    if truth.review_due is not None:
        rows += [("应复审日期", fmt(truth.review_due, style)), ("实际复审日期", reviews)]
    else:
        rows += [("复审记录", reviews)]
    rows.append(("发证机关", truth.issuer))
    return rows


def render_certificate(truth: CertificateTruth, rng: random.Random) -> Image.Image:
    """The card, about 1000×640 px (a 85.6×54 mm card at ~300 DPI)."""
    if truth.certificate_kind != "special_operation":
        return _render_other_kind(truth, rng)
    tint = rng.choice(((214, 228, 240), (220, 236, 222), (238, 226, 214)))
    img = _background(rng, CARD_SIZE, tint)
    draw = ImageDraw.Draw(img)
    w, h = CARD_SIZE
    draw.rounded_rectangle((8, 8, w - 9, h - 9), radius=24, outline=(90, 110, 150), width=3)
    title_font = font(40, serif=True, bold=True)
    draw.text((w // 2, 52), TITLE, font=title_font, fill=TITLE_RED, anchor="mm")
    spaced = rng.choices(("plain", "spaced", "colon"), weights=(55, 30, 15))[0]
    label_font = font(25, bold=rng.random() < 0.5)
    value_font = font(27)
    rows = _rows(truth, rng)
    if rng.random() < 0.5:
        _single_column(img, draw, rng, rows, label_font, value_font, spaced)
    else:
        _two_column(img, draw, rng, rows, label_font, value_font, spaced)
    return img


def _issuer_seal(img: Image.Image, rng: random.Random, x: int, y: int, issuer: str) -> None:
    draw_seal(img, (x, y), 62, issuer, rng, alpha=110)


def _single_column(img, draw, rng, rows, label_font, value_font, spaced) -> None:
    _photo_box(draw, (46, 112, 236, 352))
    if rng.random() < 0.7:
        _fake_qr(draw, rng, 66, 400, 150)
    label_x, value_x = 270, 270 + rng.choice((165, 180, 195)) + (25 if spaced == "colon" else 0)
    y, step = 100, min(50, 500 // len(rows))
    for label, value in rows:
        draw.text((label_x, y), _spaced(label, spaced), font=label_font, fill=LABEL_INK)
        draw.text((value_x, y - 1), value, font=value_font, fill=INK)
        if label == "发证机关":
            _issuer_seal(img, rng, min(value_x + 320, 900), y + 5, value)
        y += step


def _two_column(img, draw, rng, rows, label_font, value_font, spaced) -> None:
    d = dict(rows)
    _photo_box(draw, (806, 92, 956, 284))
    if rng.random() < 0.7:
        _fake_qr(draw, rng, 812, 420, 140)
    y, step = 100, 50
    extra = 25 if spaced == "colon" else 0
    lx, vx = 40, 40 + rng.choice((165, 180)) + extra
    rx, rvx = 440, 440 + rng.choice((140, 155)) + extra

    def pair(left: str, right: str | None) -> None:
        nonlocal y
        draw.text((lx, y), _spaced(left, spaced), font=label_font, fill=LABEL_INK)
        draw.text((vx, y - 1), d[left], font=value_font, fill=INK)
        if right is not None:
            draw.text((rx, y), _spaced(right, spaced), font=label_font, fill=LABEL_INK)
            draw.text((rvx, y - 1), d[right], font=value_font, fill=INK)
        y += step

    pair("姓名", "性别")
    pair("证号", None)
    pair("作业类别", None)
    pair("准操项目", None)
    if "应复审日期" in d:
        pair("初领日期", "应复审日期")
        pair("有效期限", None)
        pair("实际复审日期", None)
    else:
        pair("初领日期", None)
        pair("有效期限", None)
        pair("复审记录", None)
    pair("发证机关", None)
    _issuer_seal(img, rng, vx + 330, y - step + 5, d["发证机关"])


def _render_other_kind(truth: CertificateTruth, rng: random.Random) -> Image.Image:
    """Construction (住建) and special-equipment (市场监管) cards: other titles and labels."""
    if truth.certificate_kind == "construction":
        title, tint, frame = CONSTRUCTION_TITLE, (236, 222, 222), (130, 60, 60)
        rows = [("姓名", truth.name), ("性别", truth.sex), ("身份证号", truth.id_number),
                ("操作类别", truth.item), ("证书编号", truth.cert_no),
                ("初次领证日期", fmt(truth.first_issued, "cn")),
                ("有效期", f"{fmt(truth.valid_from, 'cn')}至{fmt(truth.valid_until, 'cn')}"),
                ("发证机关", truth.issuer)]
    else:
        title, tint, frame = EQUIPMENT_TITLE, (222, 232, 238), (50, 90, 120)
        code, _, name = truth.item.partition(" ")
        rows = [("证书编号", truth.cert_no), ("姓名", truth.name), ("性别", truth.sex),
                ("作业项目", name), ("项目代号", code), ("批准日期", fmt(truth.valid_from, "cn")),
                ("有效期至", fmt(truth.valid_until, "cn")), ("发证机关", truth.issuer)]
    img = _background(rng, CARD_SIZE, tint)
    draw = ImageDraw.Draw(img)
    w, h = CARD_SIZE
    draw.rectangle((10, 10, w - 11, h - 11), outline=frame, width=3)
    draw.text((w // 2, 52), title, font=font(38, serif=True, bold=True), fill=TITLE_RED, anchor="mm")
    _photo_box(draw, (780, 110, 950, 330))
    label_font, value_font = font(25), font(27)
    y = 110
    for label, value in rows:
        draw.text((50, y), label, font=label_font, fill=LABEL_INK)
        draw.text((230, y - 1), value, font=value_font, fill=INK)
        y += 56
    draw_seal(img, (840, y - 60), 66, truth.issuer, rng, alpha=110)
    return img



# --- wordings in the wild (domain.md §2.1) ----------------------------------------------------
# Cards of other generations and designs: other label words, the validity as two fields or
# as a span broken over two lines, the review due as a sentence, bilingual subtitles with a
# card serial that is not the 证号, an e-certificate's own 证照编号, labels glued to values,
# and cards that print no review due at all. The truth returned is what the card prints.

WILD_SUBTITLE = "SPECIAL OPERATION CERTIFICATE"
WILD_IMPRINTS = ("中华人民共和国应急管理部监制", "国家安全生产监督管理总局监制")


def _wild_rows(truth: CertificateTruth, rng: random.Random) -> tuple[list[tuple[str, str]], CertificateTruth]:
    style = rng.choice(("iso", "cn", "dot", "cn_short"))
    f = lambda d: fmt(d, style)  # noqa: E731
    rows: list[tuple[str, str]] = []
    rows.append((rng.choice(("证号", "证号", "证书编号")), truth.cert_no))
    rows += [("姓名", truth.name), ("性别", truth.sex)]
    if rng.random() < 0.3:
        rows.append((rng.choice(("身份证号", "公民身份号码")), truth.id_number))
    rows += [("作业类别", truth.category), (rng.choice(("准操项目", "操作项目")), truth.item),
             (rng.choice(("初领日期", "初次发证日期")), f(truth.first_issued))]
    shape = rng.choice(("span", "split", "from_to", "start_end"))
    if shape == "span":
        rows.append(("有效期限", f"{f(truth.valid_from)} 至 {f(truth.valid_until)}"))
    elif shape == "split":  # 有效期限2022.04.02 on one line, 至2028.04.01 on the next
        rows += [("有效期限", f(truth.valid_from)), ("", "至" + f(truth.valid_until))]
    elif shape == "from_to":
        rows += [("有效期从", f(truth.valid_from)), ("有效期到", f(truth.valid_until))]
    else:
        rows += [("有效期开始时间", f(truth.valid_from)), ("有效期结束时间", f(truth.valid_until))]
    reviews = "，".join(fmt(d, style) for d in truth.reviews)
    due = truth.review_due
    due_shape = rng.choice(("row", "sentence", "none")) if due else "none"
    if due_shape == "row":
        rows.append(("应复审日期", f(due)))
    elif due_shape == "sentence":
        rows.append(("", f"应于{fmt(due, 'cn')}前复审"))
    else:
        due = None
    rows.append((rng.choice(("实际复审日期", "实际复审时间", "复审记录", "一次复审期")), reviews))
    rows.append((rng.choice(("发证机关", "发证机关", "签发机关")), truth.issuer))
    return rows, replace(truth, review_due=due)


def render_wild_certificate(truth: CertificateTruth, rng: random.Random, *,
                            e_certificate: bool = False) -> tuple[Image.Image, CertificateTruth]:
    """A 特种作业操作证 of another design, and the truth as this card prints it (a card
    that prints no review due has review_due None)."""
    if truth.certificate_kind != "special_operation":
        return render_certificate(truth, rng), truth
    rows, truth = _wild_rows(truth, rng)
    w, h = CARD_SIZE[0], 110 + 44 * (len(rows) + 1)
    img = _background(rng, (w, max(h, CARD_SIZE[1])), rng.choice(((226, 232, 240), (236, 232, 220))))
    draw = ImageDraw.Draw(img)
    draw.text((w // 2, 40), "特种作业操作证" if rng.random() < 0.5 else TITLE,
              font=font(36, serif=rng.random() < 0.5, bold=True), fill=TITLE_RED, anchor="mm")
    sub = WILD_SUBTITLE
    if rng.random() < 0.7:
        sub += f" No.{rng.randrange(10**9, 10**10)}"
    draw.text((w // 2, 80), sub, font=font(20), fill=LABEL_INK, anchor="mm")
    if e_certificate:
        rows.insert(0, ("证照编号", f"{rng.randrange(10**11, 10**12)}{rng.choice('ABCDEFGH')}{rng.randrange(10**5, 10**6)}"))
    glue = rng.random() < 0.35  # labels printed hard against their values (姓名亓鑫)
    label_font, value_font = font(24, bold=rng.random() < 0.5), font(26, serif=rng.random() < 0.3)
    _photo_box(draw, (w - 210, 120, w - 50, 330))
    y = 118
    vx = 260 + rng.choice((0, 20, 40))
    for label, value in rows:
        if label and glue:
            draw.text((50, y), label + value, font=value_font, fill=INK)
        elif label:
            draw.text((50, y), label + ("：" if rng.random() < 0.3 else ""), font=label_font, fill=LABEL_INK)
            draw.text((vx, y - 1), value, font=value_font, fill=INK)
        else:  # a continuation or a sentence, under the values
            draw.text((vx if value.startswith("至") else 50, y - 1), value, font=value_font, fill=INK)
        if label in ("发证机关", "签发机关"):
            draw_seal(img, (min(vx + 330, w - 120), y + 5), 62, value, rng, alpha=110)
        y += 44
    draw.text((w // 2, y + 20), rng.choice(WILD_IMPRINTS), font=font(18), fill=LABEL_INK, anchor="mm")
    return img, truth


__all__ = ["CertificateTruth", "random_certificate", "render_certificate", "draw_seal", "ANOMALIES",
           "CARD_SIZE", "review_can_be_overdue", "render_wild_certificate"]
