"""The layout grammar: how a field may be labelled, separated, dated and placed.

Every choice is drawn per document from the wordings of domain.md §2.1, so that no two
documents need share a label, a separator, a date form or a position. `lay_out` draws a
list of label → value entries in one or two columns, label beside or above its value,
with spans that continue on the next line, and returns each field's box.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from synth.layouts import draw as d

LABELS = {
    "cert_no": ("证号", "证件号码", "证书编号"),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "category": ("作业类别",),
    "item": ("准操项目", "操作项目"),
    "first_issued": ("初领日期", "初次发证日期"),
    "issuer": ("发证机关", "签发机关"),
    "review_due": ("应复审日期",),
    "reviews": ("实际复审日期", "实际复审时间"),
}
DATE_STYLES = ("dot", "iso", "cn", "cn_nopad")
SEPARATORS = ("：", ":", "gap", "glued")


def fmt(value, style: str) -> str:
    """A date, or a (year, month) pair, as printed: 2019.04.14, 2019-04-14, 2019年04月14日, 2019年4月14日."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        y, m = value
        return {"dot": f"{y}.{m:02d}", "iso": f"{y}-{m:02d}", "cn": f"{y}年{m:02d}月",
                "cn_nopad": f"{y}年{m}月"}[style]
    y, m, dd = value.year, value.month, value.day
    return {"dot": f"{y}.{m:02d}.{dd:02d}", "iso": f"{y}-{m:02d}-{dd:02d}",
            "cn": f"{y}年{m:02d}月{dd:02d}日", "cn_nopad": f"{y}年{m}月{dd}日"}[style]


def due_sentence(due) -> str:
    return f"应于{due.year}年{due.month:02d}月{due.day:02d}日前复审"


@dataclass(frozen=True)
class Style:
    family: str = "sans"
    label_size: int = 28
    value_size: int = 30
    sep: str = "："
    above: bool = False
    columns: int = 1
    dates: str = "dot"
    spaced: bool = False      # 姓　名
    aligned: bool = True      # values start in one column
    label_ink: tuple = (60, 60, 90)
    value_ink: tuple = d.INK
    bold_values: bool = False


def random_style(rng: random.Random, **fixed) -> Style:
    size = rng.randint(26, 34)
    sep = rng.choices(SEPARATORS, weights=(4, 2, 3, 1))[0]
    style = Style(family=rng.choice(d.FAMILIES), label_size=size - rng.randint(0, 6), value_size=size, sep=sep,
                  above=rng.random() < 0.2, columns=rng.choice((1, 1, 2)), dates=rng.choice(DATE_STYLES),
                  spaced=sep != "glued" and rng.random() < 0.4, aligned=sep != "glued" and rng.random() < 0.7,
                  label_ink=rng.choice(((60, 60, 90), (25, 25, 30), (90, 70, 60), (40, 80, 130))),
                  bold_values=rng.random() < 0.25)
    return Style(**{**style.__dict__, **fixed})


def label(rng: random.Random, key: str, avoid: tuple[str, ...] = ()) -> str:
    return rng.choice([w for w in LABELS[key] if w not in avoid] or LABELS[key])


@dataclass(frozen=True)
class Entry:
    key: str             # the field (several entries may share one: valid, reviews)
    label: str           # "" for a sentence printed without a label
    value: str
    more: str = ""       # continued on the next line (a span broken across lines)


def validity_entries(rng: random.Random, start, end, style: Style, form: str | None = None) -> list[Entry]:
    form = form or rng.choice(("span", "span", "broken", "from_to"))
    a, b = fmt(start, style.dates), fmt(end, style.dates)
    if form == "span":
        return [Entry("valid", "有效期限", f"{a} {rng.choice(('至', '至'))} {b}" if rng.random() < 0.7 else f"{a}至{b}")]
    if form == "broken":
        return [Entry("valid", "有效期限", a, f"至{b}" if rng.random() < 0.5 else f"至 {b}")]
    if form == "start_end":
        return [Entry("valid_from", "有效期开始时间", a), Entry("valid_until", "有效期结束时间", b)]
    return [Entry("valid_from", "有效期从", a), Entry("valid_until", "有效期到", b)]


def lay_out(img: Image.Image, entries: list[Entry], x: int, y: int, w: int, style: Style,
            rng: random.Random) -> tuple[dict[str, list], int]:
    """Draw the entries from (x, y) in a box `w` wide; returns the boxes drawn per field
    key and the y below the last row."""
    draw = ImageDraw.Draw(img)
    boxes: dict[str, list] = {}
    cols = [entries] if style.columns == 1 else [entries[:(len(entries) + 1) // 2], entries[(len(entries) + 1) // 2:]]
    col_w = w // len(cols)
    bottom = y
    for c, column in enumerate(cols):
        cx, cy = x + c * col_w, y
        shown = [(_label_text(e.label, style)) for e in column]
        label_col = max((d.width(s, style.label_size, style.family) for s in shown if s), default=0) + 14
        for e, shown_label in zip(column, shown):
            vsize = style.value_size
            room = col_w - 16 - (0 if style.above or not shown_label else
                                 (label_col if style.aligned else d.width(shown_label, style.label_size, style.family) + 12))
            while vsize > 16 and d.width(max(e.value, e.more, key=len), vsize, style.family) > room:
                vsize -= 2
            if style.above and shown_label:
                d.text(draw, (cx, cy), shown_label.rstrip("：:"), int(style.label_size * 0.8), style.family,
                       fill=style.label_ink)
                cy += int(style.label_size * 1.05)
                vx = cx
            elif shown_label:
                lb = d.text(draw, (cx, cy), shown_label, style.label_size, style.family, fill=style.label_ink)
                vx = cx + label_col if style.aligned else lb[2] + (0 if style.sep == "glued" else 12)
            else:
                vx = cx
            box = d.text(draw, (vx, cy), e.value, vsize, style.family, bold=style.bold_values, fill=style.value_ink)
            boxes.setdefault(e.key, []).append(box)
            cy += int(max(vsize, style.label_size) * rng.uniform(1.45, 1.7))
            if e.more:
                box = d.text(draw, (vx, cy), e.more, vsize, style.family, bold=style.bold_values, fill=style.value_ink)
                boxes.setdefault(e.key, []).append(box)
                cy += int(vsize * rng.uniform(1.45, 1.7))
        bottom = max(bottom, cy)
    return boxes, bottom


def _label_text(text: str, style: Style) -> str:
    if not text:
        return ""
    shown = d.spaced(text) if style.spaced and len(text) == 2 else text
    if style.sep in ("：", ":"):
        shown += style.sep
    return shown
