"""Reading by position: find label words on a page and take the value beside or below them.

OCR engines cut a card into lines differently: Tesseract often glues a whole row
("姓名张三 性别男") into one line, RapidOCR gives each label and value its own box, and a
text-layer PDF gives table cells. So every line is compacted (whitespace dropped, with a
map back to the original characters so that a label or value inside a line still gets a
box), labels are found by fuzzy matching, and a label's value is the text after it up to
the next label on the same line, else the nearest line to its right on the same row, else
the line just below within its column.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.extract.model import Box

LEADING_NOISE = set("|_-—~`'\"“”‘’.,:;·、，。!（）()[]【】")
SEPARATORS = ":：;；|丨,，.。·、\"'“”‘’「」『』`_-~"


@dataclass(frozen=True)
class TextLine:
    """A line of one page, compacted, with per-character x positions for sub-line boxes."""
    page: int
    index: int
    text: str            # compacted: no whitespace, full-width forms folded
    confidence: float
    box: Box
    xs: tuple[float, ...]  # left edge of each compacted character, plus the right edge

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def height(self) -> int:
        return max(1, self.box[3] - self.box[1])

    def sub_box(self, start: int, end: int) -> Box:
        x0 = self.xs[start] if start < len(self.xs) else self.box[2]
        x1 = self.xs[end] if end < len(self.xs) else self.box[2]
        return (int(x0), self.box[1], int(max(x1, x0 + 1)), self.box[3])


@dataclass(frozen=True)
class Hit:
    """A label found in a line: which label, where in the line's text, how well it matched."""
    key: str
    line: TextLine
    start: int
    end: int
    score: float  # 1.0 exact, lower for a fuzzy match

    @property
    def box(self) -> Box:
        return self.line.sub_box(self.start, self.end)


@dataclass(frozen=True)
class Value:
    """A value read for a label: its text, the confidence of the line it came from, its box."""
    text: str
    confidence: float
    page: int
    box: Box
    lines: tuple[int, ...] = ()  # indices of the lines it was read from


def fold(text: str) -> str:
    """Full-width letters and digits to ASCII, other text kept; whitespace kept."""
    return unicodedata.normalize("NFKC", text)


def _char_weight(ch: str) -> float:
    return 0.55 if ord(ch) < 0x2E80 else 1.0


def compact_line(page: int, index: int, text: str, confidence: float, box) -> TextLine:
    folded = fold(text)
    weights = [_char_weight(c) if not c.isspace() else 0.5 for c in folded]
    total = sum(weights) or 1.0
    x0, _, x1, _ = box
    scale = (x1 - x0) / total
    kept, xs, pos = [], [], float(x0)
    for i, (ch, w) in enumerate(zip(folded, weights)):
        # Spaces go, except one between two Latin letters or digits ("2021-01-09 2027-01-06"
        # must stay two dates); leading rule marks and quotes go too, so labels start lines.
        keep_space = ch.isspace() and kept and kept[-1].isascii() and kept[-1].isalnum() \
            and i + 1 < len(folded) and folded[i + 1].isascii() and folded[i + 1].isalnum()
        if keep_space and kept[-1] != " ":
            kept.append(" ")
            xs.append(pos)
        elif not ch.isspace() and (kept or ch not in LEADING_NOISE):
            kept.append(ch)
            xs.append(pos)
        pos += w * scale
    xs.append(float(x1))
    return TextLine(page, index, "".join(kept), float(confidence), tuple(int(b) for b in box), tuple(xs))


def page_lines(page) -> list[TextLine]:
    return [compact_line(page.number, i, ln.text, ln.confidence, ln.box) for i, ln in enumerate(page.lines) if ln.text.strip()]


def find_labels(lines: list[TextLine], labels: dict[str, tuple[str, ...]]) -> list[Hit]:
    """Every label occurrence, best match first per place; overlapping weaker hits dropped.

    Exact aliases match anywhere. A fuzzy match (one character misread) is accepted for
    labels of three or more characters anywhere, and for two-character labels only at
    the start of a line, where a label is expected and a value rarely starts.
    """
    hits: list[Hit] = []
    for line in lines:
        candidates: list[Hit] = []
        for key, aliases in labels.items():
            for alias in aliases:
                candidates.extend(_matches(key, alias, line))
        candidates.sort(key=lambda h: (-h.score, -(h.end - h.start), h.start))
        taken: list[Hit] = []
        for h in candidates:
            if all(h.end <= t.start or h.start >= t.end for t in taken) and all(t.key != h.key for t in taken):
                taken.append(h)
        hits.extend(sorted(taken, key=lambda h: h.start))
    return hits


def _matches(key: str, alias: str, line: TextLine):
    text, n = line.text, len(alias)
    pos = text.find(alias)
    while pos >= 0:
        yield Hit(key, line, pos, pos + n, 1.0)
        pos = text.find(alias, pos + 1)
    if n < 2:
        return
    if n >= 3:
        # A label cut short by one character (准操项 for 准操项目), only where a label starts.
        for k in range(n):
            shorter = alias[:k] + alias[k + 1:]
            if text.startswith(shorter) and not text.startswith(alias):
                yield Hit(key, line, 0, n - 1, 0.8)
    for i in range(0, len(text) - n + 1):
        if n == 2 and i > 0:
            break
        window = text[i:i + n]
        mismatches = sum(a != b for a, b in zip(window, alias))
        allowed = 1 if n <= 4 else 2
        # A misread label character is still a Chinese character; a digit there is a value.
        if 0 < mismatches <= allowed and all(_is_cjk(c) for c in window):
            yield Hit(key, line, i, i + n, 1.0 - 0.25 * mismatches / n * 2)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def value_of(hit: Hit, lines: list[TextLine], hits: list[Hit], accept=bool) -> Value | None:
    """The text belonging to a label: right of it on its line, else the nearest line to its
    right on the same row, else the first line below it within its column.

    `accept` says whether a text can be this field's value (a date for a date field...):
    stray marks beside a label (a character split off the label, a speck of a seal) are
    passed over for the next candidate by position.
    """
    line = hit.line
    later = [h.start for h in hits if h.line is line and h.start >= hit.end]
    stop = min(later) if later else len(line.text)
    start = hit.end
    while start < stop and line.text[start] in SEPARATORS:
        start += 1
    text = line.text[start:stop].strip(SEPARATORS)
    glued = Value(text, line.confidence, line.page, line.sub_box(start, stop), (line.index,)) if text else None
    if glued and accept(text):
        return glued
    labelled = {h.line.index for h in hits if h.start == 0}
    hx0, hy0, hx1, hy1 = hit.box
    same_row = [ln for ln in lines if ln is not line and ln.box[0] >= hx1 - 4 and _v_overlap(ln.box, line.box) > 0.5
                and ln.index not in labelled and ln.box[0] - hx1 < 8 * line.height]
    fallback = glued
    for ln in sorted(same_row, key=lambda ln: ln.box[0]):
        v = _whole_line_value(ln, hits)
        if v and accept(v.text):
            return v
        if v and len(v.text) >= 3 and fallback is None:
            fallback = v  # unreadable but substantial: the value is here, not below
    if fallback is not None:
        return fallback
    # Labels printed above their values: the next line down, starting within the label.
    below = [ln for ln in lines if ln.box[1] >= hy1 - 0.3 * line.height and ln.box[1] - hy1 < 1.5 * line.height
             and ln.box[0] <= hx1 and ln.box[2] > hx0 and ln.index not in labelled]
    for ln in sorted(below, key=lambda ln: ln.box[1]):
        v = _whole_line_value(ln, hits)
        if v and accept(v.text):
            return v
    return None


def _whole_line_value(ln: TextLine, hits: list[Hit]) -> Value | None:
    later = [h.start for h in hits if h.line is ln]
    stop = min(later) if later else len(ln.text)
    text = ln.text[:stop].strip(SEPARATORS)
    if not text:
        return None
    return Value(text, ln.confidence, ln.page, ln.sub_box(0, stop), (ln.index,))


def _v_overlap(a: Box, b: Box) -> float:
    inter = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, inter) / max(1, min(a[3] - a[1], b[3] - b[1]))


def _h_overlap(a: Box, b: Box) -> float:
    inter = min(a[2], b[2]) - max(a[0], b[0])
    return max(0, inter) / max(1, min(a[2] - a[0], b[2] - b[0]))


def split_regions(lines: list[TextLine], anchors: list[Hit]) -> list[list[TextLine]]:
    """Lines grouped by card when one page carries several: cut the page between anchor
    labels (one per card) along the axis where they lie apart, at the widest empty gap."""
    if len(anchors) <= 1:
        return [lines]
    ys = [a.line.cy for a in anchors]
    xs = [a.box[0] for a in anchors]
    axis = 1 if (max(ys) - min(ys)) >= (max(xs) - min(xs)) else 0
    ordered = sorted(anchors, key=lambda a: a.line.cy if axis else a.box[0])
    first, rest = ordered[0], ordered[1:]
    lo = first.line.box[1] if axis else first.box[0]
    hi = rest[0].line.box[1] if axis else rest[0].box[0]
    cut = _widest_gap(lines, lo, hi, axis)
    side_a = [ln for ln in lines if _centre(ln, axis) < cut]
    side_b = [ln for ln in lines if _centre(ln, axis) >= cut]
    anchors_b = [a for a in rest]
    return [side_a] + split_regions(side_b, anchors_b)


def _centre(ln: TextLine, axis: int) -> float:
    return (ln.box[axis] + ln.box[axis + 2]) / 2


def _widest_gap(lines: list[TextLine], lo: float, hi: float, axis: int) -> float:
    spans = sorted((ln.box[axis], ln.box[axis + 2]) for ln in lines)
    best, best_at, reach = -1.0, (lo + hi) / 2, lo
    for a, b in spans:
        if b <= lo:
            continue
        if a >= hi:
            break
        if a > reach and a - reach > best:
            best, best_at = a - reach, (a + reach) / 2
        reach = max(reach, b)
    if hi > reach and hi - reach > best:
        best_at = (hi + reach) / 2
    return best_at


def alnum(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text)
