"""Where the grid cannot be read: the page's lines split among the columns at the rules,
or, without an image (a text-layer PDF), by the header cells; then grouped into rows."""
from __future__ import annotations

import re

import numpy as np

from ingest.extract.layout import Hit, TextLine
from ingest.extract.report.cells import _Cell
from ingest.extract.report.marks import _rgb


def _is_header_line(ln: TextLine, header: list[Hit]) -> bool:
    return any(h.line is ln for h in header)


def _columns(header: list[Hit], rgb, top: int, bottom: int, width: int) -> list[tuple[str, int, int]]:
    """(column key, x0, x1) left to right: between the table's vertical rules when the image
    shows them, else halfway between neighbouring header cells."""
    heads = sorted({h.key: h for h in header}.values(), key=lambda h: h.box[0])
    rules = _vertical_rules(rgb, top, bottom) if rgb is not None else []
    out = []
    for h in heads:
        cx = (h.box[0] + h.box[2]) / 2
        left = max([r for r in rules if r < cx], default=None)
        right = min([r for r in rules if r > cx], default=None)
        out.append([h.key, left, right, h.box])
    for i, col in enumerate(out):
        if col[1] is None:
            col[1] = (out[i - 1][3][2] + col[3][0]) // 2 if i else 0
        if col[2] is None:
            col[2] = (col[3][2] + out[i + 1][3][0]) // 2 if i + 1 < len(out) else width
    return [(k, int(a), int(b)) for k, a, b, _ in out]


def _vertical_rules(rgb: np.ndarray, top: int, bottom: int) -> list[int]:
    import cv2

    grey = rgb[max(0, top):bottom].mean(axis=2).astype(np.uint8)
    if grey.size == 0:
        return []
    dark = (grey < 128).astype(np.uint8)
    tall = max(20, (bottom - top) // 6)
    lines = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((tall, 1), np.uint8))
    cols = np.where(lines.sum(axis=0) > tall)[0]
    return _runs_centres(cols)


def _row_edges(rgb: np.ndarray, top: int, bottom: int, columns) -> list[int] | None:
    import cv2

    x0, x1 = columns[0][1], columns[-1][2]
    grey = rgb[max(0, top - 10):bottom, max(0, x0):x1].mean(axis=2).astype(np.uint8)
    if grey.size == 0:
        return None
    dark = (grey < 128).astype(np.uint8)
    wide = max(40, (x1 - x0) // 3)
    lines = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, wide), np.uint8))
    rows = np.where(lines.sum(axis=1) > wide)[0]
    edges = [r + max(0, top - 10) for r in _runs_centres(rows)]
    return edges if len(edges) >= 2 else None


def _runs_centres(positions: np.ndarray) -> list[int]:
    out, run = [], []
    for p in positions.tolist():
        if run and p - run[-1] > 2:
            out.append(sum(run) // len(run))
            run = []
        run.append(p)
    if run:
        out.append(sum(run) // len(run))
    return out


def _cells_of_line(ln: TextLine, columns, page, text_height: int) -> list[_Cell]:
    """The pieces of one text line per column. A line OCR ran across a column rule is cut
    at the rule and each piece re-read from the image when there is one."""
    inside = [(k, a, b) for k, a, b in columns if min(ln.box[2], b) - max(ln.box[0], a) > 0.3 * ln.height]
    if not inside:
        return []
    if len(inside) == 1:
        k = inside[0][0]
        return [_Cell(k, ln.text, ln.confidence, ln.cy, ln.box)]
    return _split_line(ln, inside, _rgb(page), text_height)


def _ink_width(dark: np.ndarray, text_height: int) -> float:
    """Width of the text in one cell's slice of a line box. On a skewed scan the box is
    taller than the text and takes in the edges of the lines above and below, so only the
    band of one text height with the most ink is measured."""
    if dark.size == 0:
        return 0.0
    rows = dark.sum(axis=1)
    band = max(1, min(len(rows), int(text_height * 0.8)))
    sums = np.convolve(rows, np.ones(band), mode="valid")
    top = int(np.argmax(sums)) if len(sums) else 0
    on = np.where(dark[top:top + band].any(axis=0))[0]
    return float(on[-1] - on[0] + 1) if len(on) else 0.0


def _cuts(text: str, widths: list[float], digit: float) -> tuple[float, list[int]]:
    """Where to cut `text` into pieces whose ink widths are `widths`, and how badly the
    worst piece's character count misfits its width (in characters)."""
    n = len(text)
    # Punctuation in Chinese text is printed full width even where OCR gave ASCII.
    weights = [1.0 if ord(c) >= 0x2E80 or c in ",;:()!?" else digit for c in text]
    cum = [0.0]
    for wt in weights:
        cum.append(cum[-1] + wt)
    per_px = cum[-1] / sum(widths)
    cuts, target, start = [0], 0.0, 0
    for w in widths[:-1]:
        target += w * per_px
        j = min(range(start, n + 1), key=lambda j: abs(cum[j] - target))
        j = _snap_to_script_change(text, j, start)
        cuts.append(j)
        start = j
    cuts.append(n)

    def misfit_at(m: int) -> float:
        return abs(widths[m] * per_px - (cum[cuts[m + 1]] - cum[cuts[m]])) if widths[m] > 0 else 0.0

    # Each cut moves by a character where that makes both neighbours fit their ink better.
    for m in range(1, len(cuts) - 1):
        here = cuts[m]
        options = [j for j in (here - 1, here, here + 1) if cuts[m - 1] < j < cuts[m + 1]] or [here]
        cost = {}
        for j in options:
            cuts[m] = j
            cost[j] = misfit_at(m - 1) + misfit_at(m)
        cuts[m] = min(options, key=lambda j: (round(cost[j], 3), j != here))
    return max(misfit_at(m) for m in range(len(widths))), cuts


def _split_line(ln: TextLine, inside, rgb, text_height: int) -> list[_Cell]:
    """Cut a line's characters among the columns it crosses. The share of characters each
    column gets is the share of the line's ink (seen in the image) inside it, so the empty
    space OCR kept between cells does not shift the cut; without an image, the characters'
    estimated positions decide."""
    n = len(ln.text)
    if rgb is not None:
        x0, y0, x1, y1 = ln.box
        dark = rgb[y0:y1, x0:x1].mean(axis=2) < 128
        widths = [_ink_width(dark[:, max(0, a - x0 + 3): max(0, b - x0 - 3)], text_height)  # rules skipped
                  for _, a, b in inside]
        total = sum(widths)
        if total > 0:
            # Digits' width relative to a Chinese character depends on the font: try a few.
            misfit, cuts = min(_cuts(ln.text, widths, digit) for digit in (0.5, 0.55, 0.6, 0.65))
            # Only a cut where Chinese meets digits (张三|2024-05-18) is certain; one between
            # two Chinese characters can be a character off even when the ink fits.
            certain = all(_is_cjk(ln.text[j - 1]) != _is_cjk(ln.text[j]) for j in cuts[1:-1] if 0 < j < n)
            conf = ln.confidence if misfit <= 0.45 and certain else min(ln.confidence, CUT_CONFIDENCE)
            out = [_Cell(k, ln.text[a:b], conf, ln.cy, ln.sub_box(a, b))
                   for (k, _, _), a, b in zip(inside, cuts, cuts[1:]) if b > a]
            return _settle_cuts(out)
    out = []
    for k, a, b in inside:
        idx = [i for i in range(n) if a <= (ln.xs[i] + ln.xs[i + 1]) / 2 < b]
        if idx:
            out.append(_Cell(k, ln.text[idx[0]: idx[-1] + 1], ln.confidence * 0.9, ln.cy, ln.sub_box(idx[0], idx[-1] + 1)))
    return out


def _settle_cuts(cells: list[_Cell]) -> list[_Cell]:
    """A 序号 cell holds digits only: what follows belongs to the description."""
    out = list(cells)
    for k in range(len(out) - 1):
        a, b = out[k], out[k + 1]
        if a.column == "seq":
            digits = re.match(r"\d*", a.text).group(0)
            if digits != a.text:
                out[k] = replace_cell(a, text=digits)
                out[k + 1] = b = replace_cell(b, text=a.text[len(digits):] + b.text)
    return [c for c in out if c.text]


CUT_CONFIDENCE = 0.85


def replace_cell(cell: _Cell, **changes) -> _Cell:
    return _Cell(**{**cell.__dict__, **changes})


def _is_cjk(ch: str) -> bool:
    return bool(ch) and "\u4e00" <= ch <= "\u9fff"


def _snap_to_script_change(text: str, j: int, floor: int) -> int:
    """A cut one character off a change between Chinese and digits moves onto it: cells
    rarely mix the two at their edges (张三 | 2024-05-18)."""
    def change(k: int) -> bool:
        return 0 < k < len(text) and (ord(text[k - 1]) >= 0x2E80) != (ord(text[k]) >= 0x2E80)
    if 0 < j < len(text) and text[j] in "年月日号" and text[j - 1].isdigit():
        return j + 1  # a date keeps its 日
    if change(j):
        return j
    for k in (j - 1, j + 1):
        if k > floor and change(k):
            return k
    return j


CJK_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？"})


def chinese_punctuation(text: str) -> str:
    """ASCII punctuation the OCR normaliser made of Chinese text, back to full width."""
    return re.sub(r"(?<=[\u4e00-\u9fff])[,;:()!?]|[,;:()!?](?=[\u4e00-\u9fff])",
                  lambda m: m.group(0).translate(CJK_PUNCT), text)


def _group_rows(cells: list[_Cell], row_edges: list[int] | None, unit: int) -> list[list[_Cell]]:
    if row_edges:
        rows: dict[int, list[_Cell]] = {}
        for c in cells:
            i = sum(1 for e in row_edges if e <= c.y)
            rows.setdefault(i, []).append(c)
        return [sorted(rows[i], key=lambda c: c.y) for i in sorted(rows)]
    # No rules to see: each row is centred on its 序号, so a cell belongs to the nearest one.
    anchors = sorted(c.y for c in cells if c.column == "seq" and c.text.isdigit())
    if not anchors:
        return [cells] if cells else []
    rows = {a: [] for a in anchors}
    for c in cells:
        rows[min(anchors, key=lambda a: abs(a - c.y))].append(c)
    return [sorted(rows[a], key=lambda c: c.y) for a in anchors]
