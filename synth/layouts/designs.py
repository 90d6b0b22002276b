"""Document designs: card generations, a booklet, the query platform's printouts and
screens, an e-certificate, and the cards of other kinds. Each design draws its truth
(what it can print decides what can be wrong on it) and renders it in memory.

Every design belongs to one split, by name (see `synth.layouts` for the rule):
`dev` designs may be looked at while developing extraction; `heldout` ones may not.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Callable

from PIL import Image, ImageDraw

from synth.layouts import draw as d
from synth.layouts import truth as t
from synth.layouts.grammar import (Entry, Style, due_sentence, fmt, label, lay_out, random_style,
                                   validity_entries)
from synth.pdfs import PageLayout, Rule, Run

TITLE = "中华人民共和国特种作业操作证"
SUBTITLES = ("SPECIAL OPERATION CERTIFICATE", "Special Operation Certificate of the People's Republic of China")
IMPRINTS = ("中华人民共和国应急管理部监制", "国家安全生产监督管理总局监制", "应急管理部监制")
NOTICE = ("持证须知：1.本证限本人使用，不得涂改、转借。2.本证每3年复审一次，",
          "持证人应在复审期满前60日内申请复审。3.本证在全国范围内有效。")


@dataclass
class Render:
    image: Image.Image
    dpi: int
    boxes: dict = field(default_factory=dict)   # field key -> boxes, for captures that cover dates
    layout: PageLayout | None = None            # the same page as a text layer, when it is a printout


@dataclass(frozen=True)
class Design:
    name: str
    split: str                                   # dev | heldout
    medium: str                                  # card | printout | screen | ecert
    draw_truth: Callable[..., t.Card]
    render: Callable[..., Render]
    has_review_table: bool = False


def _card_truth(**kw):
    def draw_truth(rng, *, reviewed: bool = False):
        for _ in range(40):
            card = t.special_operation(rng, **kw)
            if not reviewed or card.reviews:
                return card
        return card
    return draw_truth


def _core_entries(card: t.Card, rng: random.Random, style: Style, *, id_line: bool, cert_label=None,
                  validity: str | None = None) -> list[Entry]:
    cert_label = cert_label or label(rng, "cert_no")
    entries = [Entry("name", "姓名", card.name), Entry("sex", "性别", card.sex),
               Entry("cert_no", cert_label, card.cert_no)]
    if id_line:
        entries.append(Entry("id_number", label(rng, "id_number"), card.id_number))
    entries += [Entry("category", "作业类别", card.category), Entry("item", label(rng, "item"), card.item),
                Entry("first_issued", label(rng, "first_issued"), fmt(card.first_issued, style.dates))]
    entries += validity_entries(rng, card.valid_from, card.valid_until, style, validity)
    return entries


def _canvas(size, rng, tint=None) -> Image.Image:
    base = rng.choice(((250, 248, 240), (246, 250, 252), (252, 246, 240), (255, 255, 255)))
    img = Image.new("RGB", size, base)
    if tint is not False:
        d.guilloche(img, rng, tint or rng.choice(((228, 232, 240), (238, 228, 222), (226, 238, 228))))
    return img


def _review_table(img, rng, x, y, w, card: t.Card, style: Style, *, handwritten: bool, rows: int = 3,
                  heading: str | None = None) -> dict:
    """The 复审记录 table: a date and a result per row, often handwritten and stamped."""
    draw = ImageDraw.Draw(img)
    heading = heading or rng.choice(("复审记录", "复 审 记 录"))
    d.text(draw, (x + w // 2, y), heading, style.value_size, style.family, bold=True, anchor="ma")
    y += int(style.value_size * 1.8)
    row_h = int(style.value_size * 2.1)
    cols = (0, int(w * 0.45), int(w * 0.7), w)
    draw.rectangle((x, y, x + w, y + row_h * (rows + 1)), outline=d.INK, width=2)
    for k in range(1, rows + 1):
        draw.line((x, y + row_h * k, x + w, y + row_h * k), fill=d.INK, width=1)
    for c in cols[1:-1]:
        draw.line((x + c, y, x + c, y + row_h * (rows + 1)), fill=d.INK, width=1)
    for c, head in zip(cols, ("复审日期", "复审结果", "签章")):
        d.text(draw, (x + c + 10, y + row_h * 0.25), head, style.label_size, style.family, fill=style.label_ink)
    boxes = []
    result_word = rng.choice(("合格", "复审合格"))
    hand_style = rng.choice(("dot", "iso", "cn_nopad", "cn"))
    for k, review in enumerate(card.reviews[:rows]):
        ry = y + row_h * (k + 1) + int(row_h * 0.2)
        s = fmt(review, hand_style if handwritten else style.dates)
        if handwritten:
            boxes.append(d.handwritten(img, (x + 14, ry), s, int(style.value_size * 1.05), rng))
            d.handwritten(img, (x + cols[1] + 14, ry), result_word, int(style.value_size * 1.05), rng)
        else:
            boxes.append(d.text(draw, (x + 12, ry), s, style.value_size, style.family))
            d.text(draw, (x + cols[1] + 12, ry), result_word, style.value_size, style.family)
        d.seal(img, (x + cols[2] + (cols[3] - cols[2]) // 2, ry + row_h // 3), int(row_h * 0.8),
               card.issuer, rng, alpha=rng.randint(90, 150))
    return {"reviews": boxes}


# --- dev designs ---------------------------------------------------------------------------

def render_card_classic(card: t.Card, rng: random.Random, *, handwritten: bool = False) -> Render:
    """The older national card as photocopied for the file: front (holder) and back
    (复审记录 table) side by side; no QR, no printed review due."""
    style = random_style(rng, above=False, columns=1, spaced=rng.random() < 0.6)
    W, H = 1010, 640
    img = _canvas((W * 2 + 40, H), rng)
    draw = ImageDraw.Draw(img)
    draw.rectangle((4, 4, W - 4, H - 4), outline=(120, 40, 40), width=3)
    draw.rectangle((W + 36, 4, 2 * W + 36, H - 4), outline=(120, 40, 40), width=3)
    d.text(draw, (W // 2, 26), TITLE, 40, style.family, bold=True, fill=d.RED, anchor="ma")
    d.photo(draw, (40, 120, 250, 400), rng)
    boxes, _ = lay_out(img, _core_entries(card, rng, style, id_line=False), 290, 110, W - 320, style, rng)
    ib = d.text(draw, (290, H - 70), f"{label(rng, 'issuer')}：{card.issuer}", style.label_size, style.family)
    boxes["issuer"] = [ib]
    d.seal(img, (W - 200, H - 110), 85, card.issuer, rng)
    boxes.update(_review_table(img, rng, W + 80, 40, W - 90, card, style, handwritten=handwritten, rows=4))
    return Render(img, 300, boxes)


def render_card_modern(card: t.Card, rng: random.Random, *, handwritten: bool = False) -> Render:
    """The newer card: QR code, printed 应复审日期, 实际复审日期 line, one or two columns."""
    style = random_style(rng, above=False)
    W, H = 1010, 640 if style.columns == 2 else 720
    img = _canvas((W, H), rng)
    draw = ImageDraw.Draw(img)
    d.text(draw, (W // 2, 20), TITLE, 38, style.family, bold=True, fill=d.RED, anchor="ma")
    d.photo(draw, (30, 100, 200, 330), rng)
    d.qr(draw, rng, 40, 370, 150)
    entries = _core_entries(card, rng, style, id_line=False)
    if card.printed_due:
        entries.append(Entry("review_due", "应复审日期", fmt(card.printed_due, style.dates)))
    reviews = "，".join(fmt(r, style.dates) for r in card.reviews)
    entries.append(Entry("reviews", label(rng, "reviews"), reviews))
    entries.append(Entry("issuer", label(rng, "issuer"), card.issuer))
    boxes, bottom = lay_out(img, entries, 230, 90, W - 250, style, rng)
    d.seal(img, (W - 170, H - 120), 80, card.issuer, rng)
    if handwritten and card.reviews:
        box = boxes.get("reviews", [(230, bottom - 60, 600, bottom)])[0]
        draw.rectangle(box, fill=img.getpixel((5, 5)))
        boxes["reviews"] = [d.handwritten(img, (box[0], box[1]), fmt(card.reviews[-1], "dot"), 30, rng)]
    return Render(img, 300, boxes)


def query_layout(card: t.Card, rng: random.Random, queried: datetime) -> PageLayout:
    """The national query platform's result, printed to PDF: a two-column table."""
    runs = [Run(150, 78, 19, "特种作业操作证及安全生产知识和管理能力考核合格信息查询", bold=True),
            Run(60, 112, 11, f"查询条件：证件号码 {card.id_number}")]
    reviews = "，".join(fmt(r, "iso") for r in card.reviews) or rng.choice(("无", "", "—"))
    due = fmt(t.rules.review_due(card.valid_from, card.valid_until, card.printed_due), "iso")
    rows = [("姓名", card.name), ("性别", card.sex), ("证件号码", card.id_number), ("证号", card.cert_no),
            ("作业类别", card.category), ("操作项目", card.item), ("初领日期", fmt(card.first_issued, "iso")),
            ("有效期开始时间", fmt(card.valid_from, "iso")), ("有效期结束时间", fmt(card.valid_until, "iso")),
            ("应复审日期", due or "—"), ("实际复审时间", reviews), ("发证机关", card.issuer)]
    rng.shuffle(rows[4:6])
    y, rules = 128.0, [Rule(60, 128, 535, 128)]
    for name, value in rows:
        runs += [Run(70, y + 20, 11, name), Run(205, y + 20, 11, value)]
        y += 28
        rules.append(Rule(60, y, 535, y))
    rules += [Rule(60, 128, 60, y), Rule(195, 128, 195, y), Rule(535, 128, 535, y)]
    runs += [Run(60, y + 36, 9, f"打印时间：{queried:%Y-%m-%d %H:%M}"),
             Run(60, y + 52, 9, "数据来源：应急管理部政府网站 特种作业操作证查询"), Run(290, 815, 9, "第1页 共1页")]
    return PageLayout(tuple(runs), tuple(rules))


def _queried(rng) -> datetime:
    return datetime.combine(t.AS_OF - timedelta(days=rng.randrange(60)), time(rng.randrange(8, 18), rng.randrange(60)))


def page_image(layout: PageLayout, dpi: int, family: str = "droid") -> Image.Image:
    """A PDF page layout drawn as pixels (what the printer puts on paper)."""
    k = dpi / 72
    w, h = layout.size
    img = Image.new("RGB", (int(w * k), int(h * k)), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for r in layout.rules:
        draw.line((r.x0 * k, r.y0 * k, r.x1 * k, r.y1 * k), fill=d.INK, width=max(1, int(0.6 * k)))
    for run in layout.runs:
        d.text(draw, (run.x * k, run.y * k), run.text, int(run.size * k), family, bold=run.bold, anchor="ls")
    return img


def render_query_table(card: t.Card, rng: random.Random, **_) -> Render:
    layout = query_layout(card, rng, _queried(rng))
    return Render(page_image(layout, 200, rng.choice(("droid", "sans"))), 200, {}, layout)


def render_ecert(card: t.Card, rng: random.Random, **_) -> Render:
    """An 电子证照 downloaded from the government service app, as a PDF page: its own
    证照编号, a QR code, 有效期从 / 有效期到."""
    licence = card.licence_no
    runs = [Run(200, 90, 22, "电子证照", bold=True), Run(150, 120, 14, "特种作业操作证"),
            Run(60, 160, 10, f"证照编号：{licence}")]
    rows = [("持证人", card.name), ("性别", card.sex), ("身份证号", card.id_number), ("证号", card.cert_no),
            ("作业类别", card.category), ("准操项目", card.item), ("初领日期", fmt(card.first_issued, "cn")),
            ("有效期从", fmt(card.valid_from, "cn")), ("有效期到", fmt(card.valid_until, "cn")),
            ("发证机关", card.issuer)]
    if card.reviews:
        rows.insert(9, ("复审记录", "，".join(fmt(r, "cn") + "复审合格" for r in card.reviews)))
    y = 190.0
    for name, value in rows:
        runs += [Run(80, y, 12, name + "："), Run(180, y, 12, value)]
        y += 26
    runs += [Run(80, y + 30, 9, f"生成时间：{_queried(rng):%Y年%m月%d日}"),
             Run(80, y + 46, 9, "本电子证照与纸质证件具有同等效力，可通过扫描二维码核验。")]
    layout = PageLayout(tuple(runs), (Rule(60, 170, 535, 170), Rule(60, y + 10, 535, y + 10)))
    img = page_image(layout, 200, "sans")
    d.qr(ImageDraw.Draw(img), rng, int(440 * 200 / 72), int(40 * 200 / 72), 200)
    d.seal(img, (int(450 * 200 / 72), int((y - 40) * 200 / 72)), 150, card.issuer, rng, alpha=150)
    return Render(img, 200, {}, layout)


def _other_card(card: t.Card, rng: random.Random, title: str, rows: list[tuple[str, str]]) -> Render:
    style = random_style(rng, above=False, columns=1)
    W, H = 1010, 700
    img = _canvas((W, H), rng, tint=(222, 234, 226))
    draw = ImageDraw.Draw(img)
    d.text(draw, (W // 2, 24), title, 36, style.family, bold=True, fill=(20, 60, 130), anchor="ma")
    d.photo(draw, (40, 110, 220, 350), rng)
    entries = [Entry(k, lab, v) for k, lab, v in rows]
    boxes, _ = lay_out(img, entries, 250, 100, W - 270, style, rng)
    d.seal(img, (W - 180, H - 120), 85, card.issuer, rng)
    return Render(img, 300, boxes)


def render_construction(card: t.Card, rng: random.Random, **_) -> Render:
    dates = rng.choice(("dot", "cn", "iso"))
    return _other_card(card, rng, "建筑施工特种作业操作资格证书", [
        ("name", "姓名", card.name), ("sex", "性别", card.sex), ("id_number", "身份证号", card.id_number),
        ("item", "操作类别", card.item), ("cert_no", "证书编号", card.cert_no),
        ("first_issued", "初次领证日期", fmt(card.first_issued, dates)),
        ("valid", "有效期", f"{fmt(card.valid_from, dates)}至{fmt(card.valid_until, dates)}"),
        ("issuer", "发证机关", card.issuer)])


# --- held-out designs (held-out: do not tune extraction on these) --------------------------

def render_card_bilingual(card: t.Card, rng: random.Random, *, handwritten: bool = False) -> Render:
    """A card with bilingual labels above their values (姓名 Name), the English subtitle with
    a card serial, the due date as a sentence, the printer's imprint and the holder's notice."""
    style = random_style(rng, above=True, columns=2, spaced=False)
    W, H = 1010, 760
    img = _canvas((W, H), rng)
    draw = ImageDraw.Draw(img)
    d.text(draw, (W // 2, 16), TITLE, 36, style.family, bold=True, fill=d.RED, anchor="ma")
    d.text(draw, (W // 2, 62), f"{rng.choice(SUBTITLES)}  No.{card.serial}", 20, "sans", fill=(120, 40, 40), anchor="ma")
    english = {"name": "Name", "sex": "Sex", "cert_no": "Certificate No.", "category": "Category",
               "item": "Operation Item", "first_issued": "Date of First Issue", "valid": "Valid Period",
               "valid_from": "Valid From", "valid_until": "Valid Until", "issuer": "Issued by"}
    entries = [Entry(e.key, f"{e.label} {english.get(e.key, '')}".strip(), e.value, e.more)
               for e in _core_entries(card, rng, style, id_line=False, validity=rng.choice(("span", "broken")))]
    entries.append(Entry("issuer", f"{label(rng, 'issuer')} Issued by", card.issuer))
    d.photo(draw, (W - 190, 110, W - 30, 320), rng)
    boxes, bottom = lay_out(img, entries, 30, 105, W - 240, style, rng)
    if card.printed_due:
        boxes["review_due"] = [d.text(draw, (30, bottom + 4), due_sentence(card.printed_due), 26, style.family)]
    d.qr(draw, rng, W - 175, 350, 130)
    d.text(draw, (30, H - 78), NOTICE[0], 17, style.family, fill=(90, 90, 90))
    d.text(draw, (30, H - 54), NOTICE[1], 17, style.family, fill=(90, 90, 90))
    d.text(draw, (W - 30, H - 28), rng.choice(IMPRINTS), 16, style.family, fill=(110, 110, 110), anchor="rs")
    d.seal(img, (W - 260, bottom - 70), 85, card.issuer, rng)
    return Render(img, 300, boxes)


def render_card_two_column(card: t.Card, rng: random.Random, *, handwritten: bool = False) -> Render:
    """Two columns with the validity span broken across two lines, labels often glued to
    their values, the seal over the issuer and a serial printed top right."""
    style = random_style(rng, above=False, columns=2, aligned=False,
                         sep=rng.choice(("glued", "glued", "：", "gap")), family=rng.choice(("droid", "serif")))
    W, H = 1120, 660
    img = _canvas((W, H), rng)
    draw = ImageDraw.Draw(img)
    d.text(draw, (40, 22), "特种作业操作证", 42, style.family, bold=True, fill=d.RED)
    d.text(draw, (W - 30, 34), f"No.{card.serial}", 22, "sans", fill=(150, 50, 50), anchor="ra")
    entries = _core_entries(card, rng, style, id_line=False, validity="broken")
    if card.printed_due:
        entries.append(Entry("review_due", "", due_sentence(card.printed_due)) if rng.random() < 0.5
                       else Entry("review_due", "应复审日期", fmt(card.printed_due, style.dates)))
    entries.append(Entry("issuer", label(rng, "issuer"), card.issuer))
    boxes, bottom = lay_out(img, entries, 40, 110, W - 250, style, rng)
    d.photo(draw, (W - 190, 110, W - 30, 330), rng)
    ib = boxes.get("issuer", [(40, bottom - 40, 400, bottom)])[-1]
    d.seal(img, ((ib[0] + ib[2]) // 2, (ib[1] + ib[3]) // 2), 80, card.issuer, rng, alpha=rng.randint(110, 160))
    if card.reviews:
        y = bottom + 10
        words = rng.choice((("复审记录1", "复审记录2"), ("一次复审期", "二次复审期")))
        for k, review in enumerate(card.reviews[:2]):
            lb = d.text(draw, (40 + k * 480, y), words[k] + "：", style.label_size, style.family, fill=style.label_ink)
            s = fmt(review, style.dates)
            box = (d.handwritten(img, (lb[2] + 8, y), s, style.value_size, rng) if handwritten
                   else d.text(draw, (lb[2] + 8, y), s, style.value_size, style.family))
            boxes.setdefault("reviews", []).append(box)
    return Render(img, 300, boxes)


def render_booklet(card: t.Card, rng: random.Random, *, handwritten: bool = True) -> Render:
    """A booklet (证书本) opened flat: the holder's page with ID number and photo, and the
    复审记录 page with handwritten dates, 合格 and a seal per entry; year-month only on older ones."""
    style = random_style(rng, above=False, columns=1, value_size=rng.randint(30, 36))
    PW, H = 1000, 1400
    img = _canvas((PW * 2 + 20, H), rng, tint=False)
    draw = ImageDraw.Draw(img)
    draw.line((PW + 10, 0, PW + 10, H), fill=(200, 195, 185), width=6)
    d.text(draw, (PW // 2, 60), "特种作业操作证", 48, style.family, bold=True, fill=d.INK, anchor="ma")
    d.photo(draw, (PW // 2 - 120, 150, PW // 2 + 120, 450), rng)
    entries = _core_entries(card, rng, style, id_line=True)
    entries.append(Entry("issuer", label(rng, "issuer"), card.issuer))
    boxes, bottom = lay_out(img, entries, 70, 500, PW - 120, style, rng)
    d.seal(img, (PW - 260, bottom - 60), 110, card.issuer, rng)
    boxes.update(_review_table(img, rng, PW + 70, 80, PW - 140, card, style, handwritten=handwritten, rows=5,
                               heading=rng.choice(("复审记录", "复审情况记录"))))
    d.text(draw, (PW + PW // 2, H - 60), rng.choice(IMPRINTS), 22, style.family, fill=(120, 120, 120), anchor="ma")
    return Render(img, 250, boxes)


def local_layout(card: t.Card, rng: random.Random, queried: datetime) -> PageLayout:
    """A local system's printout: label: value lines, 有效期从 / 有效期到, 签发机关."""
    dates = rng.choice(("iso", "cn", "dot"))
    runs = [Run(180, 70, 18, rng.choice(("特种作业人员信息登记表", "持证人员信息查询结果")), bold=True)]
    reviews = "；".join(fmt(r, dates) for r in card.reviews) or "无"
    rows = [("姓名", card.name), ("性别", card.sex), ("身份证号码", card.id_number), ("证书编号", card.cert_no),
            ("作业类别", card.category), ("准操项目", card.item), ("初次发证日期", fmt(card.first_issued, dates)),
            ("有效期从", fmt(card.valid_from, dates)), ("有效期到", fmt(card.valid_until, dates)),
            ("实际复审日期", reviews), ("签发机关", card.issuer)]
    y = 110.0
    two = rng.random() < 0.5
    for k, (name, value) in enumerate(rows):
        if two and k < 2:  # name and sex share the first line
            runs.append(Run(70 + 250 * k, y, 12, f"{name}：{value}"))
            if k == 1:
                y += 26
            continue
        runs.append(Run(70, y, 12, f"{name}：{value}"))
        y += 26
    runs += [Run(70, y + 30, 9, f"导出时间：{queried:%Y-%m-%d %H:%M:%S}  操作员：{rng.randint(1000, 9999)}")]
    return PageLayout(tuple(runs), (Rule(60, 84, 535, 84),))


def render_local_printout(card: t.Card, rng: random.Random, **_) -> Render:
    layout = local_layout(card, rng, _queried(rng))
    return Render(page_image(layout, 200, rng.choice(("droid", "serif"))), 200, {}, layout)


def render_query_screen(card: t.Card, rng: random.Random, **_) -> Render:
    """The query platform on a phone, as a screenshot: status bar, one card of results,
    labels left and values right-aligned."""
    W, H = 1080, 2100
    img = Image.new("RGB", (W, H), (242, 243, 247))
    draw = ImageDraw.Draw(img)
    fam = rng.choice(("sans", "droid"))
    draw.rectangle((0, 0, W, 90), fill=(30, 90, 200))
    d.text(draw, (40, 28), f"{rng.randint(8, 18)}:{rng.randint(10, 59)}", 34, "sans", fill=(255, 255, 255))
    draw.rectangle((0, 90, W, 220), fill=(40, 110, 220))
    d.text(draw, (W // 2, 130), "特种作业操作证查询", 46, fam, bold=True, fill=(255, 255, 255), anchor="ma")
    draw.rounded_rectangle((30, 260, W - 30, 1900), 24, fill=(255, 255, 255))
    reviews = "，".join(fmt(r, "iso") for r in card.reviews) or "暂无"
    rows = [("姓名", card.name), ("性别", card.sex), ("证件号码", card.id_number), ("证号", card.cert_no),
            ("作业类别", card.category), ("操作项目", card.item), ("初领日期", fmt(card.first_issued, "iso")),
            ("有效期开始时间", fmt(card.valid_from, "iso")), ("有效期结束时间", fmt(card.valid_until, "iso")),
            ("实际复审时间", reviews), ("发证机关", card.issuer)]
    y = 300
    for name, value in rows:
        d.text(draw, (70, y), name, 36, fam, fill=(120, 120, 130))
        size = 38
        while d.width(value, size, fam) > W - 420 and size > 24:
            size -= 2
        d.text(draw, (W - 70, y), value, size, fam, fill=d.INK, anchor="ra")
        y += 110
        draw.line((70, y - 30, W - 70, y - 30), fill=(230, 230, 235), width=2)
    d.text(draw, (W // 2, 1960), "数据来源：应急管理部", 30, fam, fill=(150, 150, 150), anchor="ma")
    return Render(img, 300, {})


def ecert_wallet_layout(card: t.Card, rng: random.Random, issued: datetime) -> PageLayout:
    """The e-certificate as the provincial service app exports it: a landscape licence with
    the 证照编号 at the top, the holder's ID as 持证人身份证号, the validity as one span."""
    dates = rng.choice(("cn", "cn_nopad", "iso"))
    runs = [Run(300, 60, 20, "电子证照", bold=True), Run(250, 88, 13, "特种作业操作证（电子）"),
            Run(470, 60, 9, f"证照编号 {card.licence_no}"),
            Run(40, 130, 12, f"持证人：{card.name}"), Run(300, 130, 12, f"性别：{card.sex}"),
            Run(40, 158, 12, f"持证人身份证号：{card.id_number}"),
            Run(40, 186, 12, f"{rng.choice(('证号', '证书编号'))}：{card.cert_no}"),
            Run(40, 214, 12, f"作业类别：{card.category}"), Run(40, 242, 12, f"准操项目：{card.item}"),
            Run(40, 270, 12, f"{rng.choice(('初领日期', '初次发证日期'))}：{fmt(card.first_issued, dates)}"),
            Run(40, 298, 12, f"有效期限：{fmt(card.valid_from, dates)}至{fmt(card.valid_until, dates)}")]
    y = 326.0
    if card.printed_due:
        runs.append(Run(40, y, 12, f"应复审日期：{fmt(card.printed_due, dates)}"))
        y += 28
    if card.reviews:
        runs.append(Run(40, y, 12, "复审记录：" + "、".join(fmt(r, dates) + " 复审合格" for r in card.reviews)))
        y += 28
    runs += [Run(40, y, 12, f"{rng.choice(('发证机关', '签发机关'))}：{card.issuer}"),
             Run(40, y + 40, 8, f"签发时间：{issued:%Y-%m-%d %H:%M:%S}  本证照由山东省电子证照库签发，扫码验证真伪")]
    return PageLayout(tuple(runs), (Rule(30, 104, 812, 104),), size=(842.0, 595.0))


def render_ecert_wallet(card: t.Card, rng: random.Random, **_) -> Render:
    layout = ecert_wallet_layout(card, rng, _queried(rng))
    img = page_image(layout, 200, rng.choice(("sans", "serif")))
    d.qr(ImageDraw.Draw(img), rng, int(640 * 200 / 72), int(150 * 200 / 72), 300)
    d.seal(img, (int(560 * 200 / 72), int(330 * 200 / 72)), 160, card.issuer, rng, alpha=140)
    return Render(img, 200, {}, layout)


def render_equipment(card: t.Card, rng: random.Random, **_) -> Render:
    dates = rng.choice(("dot", "cn", "iso"))
    return _other_card(card, rng, rng.choice(("特种设备作业人员证", "特种设备安全管理和作业人员证")), [
        ("name", "姓名", card.name), ("sex", "性别", card.sex), ("id_number", "身份证号", card.id_number),
        ("cert_no", "证书编号", card.cert_no), ("item", "作业项目", card.item),
        ("first_issued", "批准日期", fmt(card.first_issued, dates)),
        ("valid", "有效期", f"{fmt(card.valid_from, dates)} 至 {fmt(card.valid_until, dates)}"),
        ("issuer", "发证机关", card.issuer)])


def _ecert_truth(rng, *, prints_due: bool = False, **_):
    card = t.special_operation(rng, id_printed=True, prints_due=prints_due)
    licence = f"{rng.randint(10, 99)}{card.id_number[:6]}{rng.randint(10**9, 10**10 - 1)}"
    return replace(card, licence_no=licence)


DESIGNS: dict[str, Design] = {des.name: des for des in (
    # dev
    Design("card_classic", "dev", "card", _card_truth(prints_due=False, month_only_reviews=False), render_card_classic, True),
    Design("card_modern", "dev", "card", _card_truth(prints_due=True), render_card_modern),
    Design("query_table", "dev", "printout", _card_truth(id_printed=True, prints_due=True), render_query_table),
    Design("ecert", "dev", "ecert", _ecert_truth, render_ecert),
    Design("construction_card", "dev", "card", lambda rng, **_: t.construction(rng), render_construction),
    # held-out: do not tune extraction on these
    Design("card_bilingual", "heldout", "card", _card_truth(prints_due=True), render_card_bilingual),
    Design("card_two_column", "heldout", "card", _card_truth(prints_due=True), render_card_two_column),
    Design("booklet", "heldout", "card", _card_truth(id_printed=True, prints_due=False, review_history=True),
           render_booklet, True),
    Design("booklet_month_only", "heldout", "card",
           _card_truth(id_printed=True, prints_due=False, month_only_reviews=True), render_booklet, True),
    Design("local_printout", "heldout", "printout", _card_truth(id_printed=True, prints_due=False), render_local_printout),
    Design("query_screen", "heldout", "screen", _card_truth(id_printed=True, prints_due=True), render_query_screen),
    Design("ecert_wallet", "heldout", "ecert", lambda rng, **kw: _ecert_truth(rng, prints_due=True),
           render_ecert_wallet),
    Design("equipment_card", "heldout", "card", lambda rng, **_: t.special_equipment(rng), render_equipment),
)}
