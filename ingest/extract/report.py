"""Self-check rectification reports (自查整改报告): unit, problem table, signature, seal.

The header fields are read like a card's (label, then the value by position). The 问题清单
is read cell by cell: the table's web of rules is found in the page image and straightened
(skew, a phone photo's perspective), and each cell's text lines are cut out and recognised
on their own (`_read_cells`). Where that cannot be done (no image, no grid found, an engine
that cannot read cut-out lines) the page's lines are split among the columns at the rules,
or, without an image (a text-layer PDF), by the header cells. A report that runs over
several pages is one table. The count of problems and of rectified ones that the
narrative states ("共发现问题12项，已整改6项") is a second source for the table.

Ink and seal come from pixels: a signature is dark, unsaturated-or-blue strokes in the box
right of 主要负责人签字; a seal is a blob of saturated red of a seal's size.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from ingest.extract import facts
from ingest.extract.layout import Hit, TextLine, Value, compact_line, find_labels, page_lines, value_of
from ingest.extract.model import MISSING, Field, Record

REPORT_LABELS: dict[str, tuple[str, ...]] = {
    "unit_name": ("单位名称", "单位全称"),
    "unit_kind": ("单位类型", "单位类别", "单位性质"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "county": ("所属县市区", "所属区县", "所属县区", "县市区", "所在县区"),
    "report_date": ("自查时间", "自查日期", "报告日期", "填报日期"),
    "signature": ("主要负责人签字", "主要负责人(签字)", "负责人签字", "负责人(签字)"),
    "seal": ("单位(盖章)", "单位盖章", "(盖章)"),
}
# Problem-table header wording → column. Forms differ between counties: extend here.
PROBLEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "description": ("问题描述", "存在问题", "问题内容"),
    "category": ("问题类别", "问题类型"),
    "measure": ("整改措施", "整改方案"),
    "owner": ("整改责任人", "责任人"),
    "deadline": ("整改时限", "整改期限", "完成时限"),
    "status": ("整改状态", "整改情况", "完成情况", "是否整改"),
    "done_date": ("完成日期", "完成时间"),
    "remark": ("备注",),
}
RECTIFIED_WORDS = ("已整改", "已完成", "完成整改", "已落实")
OPEN_WORDS = ("整改中", "未整改", "未完成", "正在整改", "进行中")
NO_PROBLEMS = ("未发现问题", "无问题")
COUNTS = re.compile(r"发现(?:问题)?(\d+)项.{0,6}?已整改(\d+)项")
SKIP_IN_TABLE = ("问题清单", "第", "页")

# Pixel measures, relative to the label's character height (so they hold at any
# resolution): (at most this is surely absent, from this on present, from this on surely
# present); between the sure ends a clerk looks. Measured with RapidOCR on 60 generated
# reports (seeds 13 and 21: scans, TIFFs, phone photos): unsigned areas held no ink at all
# and signed ones at least 0.40 (thin pen strokes, seals across them); unsealed pages no
# seal-like blob and sealed colour pages at least 1.53.
SIGNATURE_INK = (0.02, 0.2, 0.4)   # dark stroke pixels beside the signature label / height²
SEAL_RED = (0.1, 1.0, 1.5)         # red pixels in the largest seal-like blob / height²


def read_report(pages: list, county: str | None = None) -> Record:
    lines_by_page = {p.number: page_lines(p) for p in pages}
    lines = [ln for p in pages for ln in lines_by_page[p.number]]
    # A signature label must hold its 签: "以主要负责人为组长" in the body is close enough to
    # "主要负责人签字" for a fuzzy match, and measuring ink beside it reported a signed
    # report as unsigned, confidently (Tesseract, which misreads the real label more often).
    hits = [h for h in find_labels(lines, REPORT_LABELS) if h.key != "signature" or "签" in h.line.text[h.start:h.end]]
    best: dict[str, Hit] = {}
    for h in hits:
        if h.key not in best or h.score > best[h.key].score:
            best[h.key] = h
    accept = {"report_date": lambda t: bool(facts.find_dates(t)), "credit_code": lambda t: len(t) >= 15}
    values = {k: value_of(h, lines_by_page[h.line.page], hits, accept.get(k, lambda t: len(t) >= 2))
              for k, h in best.items() if k not in ("signature", "seal")}

    guessed_name = values.get("unit_name") is None and _guess_unit_name(lines, values)
    fields: dict[str, Field] = {
        "unit_name": _text(values.get("unit_name"), best.get("unit_name")),
        "unit_kind": _unit_kind(values.get("unit_kind"), values.get("unit_name"), best.get("unit_kind")),
        "county": _county(values.get("county"), best.get("county"), county),
        "report_date": _report_date(values.get("report_date"), best.get("report_date"), lines),
        "credit_code": _credit_code(values.get("credit_code"), best.get("credit_code")),
    }
    if guessed_name:
        f = fields["unit_name"]
        fields["unit_name"] = replace(f, confidence=min(f.confidence, 0.85))
    page_of = {p.number: p for p in pages}
    fields["signed"] = _signed(best.get("signature"), page_of)
    fields["sealed"] = _sealed(best.get("seal") or best.get("signature"), page_of, pages)

    problems, problem_fields, stated = _problems(pages, lines_by_page)
    count_field = _check_counts(problems, problem_fields, stated)
    extra = {"problems": problems, "row_fields": problem_fields}
    if count_field is not None:
        extra["row_fields"] = {**problem_fields, "problems": count_field}
    return Record("self_check_report", "report", fields, extra)


# --- header fields ------------------------------------------------------------------------

def _field(value, v: Value | None, confidence: float | None = None, reason: str | None = None) -> Field:
    conf = v.confidence if confidence is None else confidence
    return Field(value, max(0.0, min(1.0, conf)), v.page if v else None, v.box if v else None, reason)


def _missing(hit: Hit | None) -> Field:
    return Field(None, 0.3, hit.line.page, hit.box, "not_found") if hit else MISSING


def _text(v: Value | None, hit: Hit | None) -> Field:
    if v is None:
        return _missing(hit)
    return _field(v.text, v)


def _guess_unit_name(lines: list[TextLine], values: dict) -> bool:
    """With the 单位名称 label unread: the first "label: value" line near the top whose value
    reads like a unit's name. Returns whether one was found (it goes in `values`)."""
    from domain.entities import unit_kind_from_text

    for ln in lines[:12]:
        head, sep, tail = ln.text.partition(":")
        if sep and len(tail) >= 4 and unit_kind_from_text(tail) and not unit_kind_from_text(head) \
                and not any(w in tail for w in ("生产经营单位", "培训机构", "考试点")) or (
                sep and tail.endswith(("公司", "学校", "中心", "考点", "考场", "厂"))):
            start = len(head) + 1
            values["unit_name"] = Value(tail, ln.confidence, ln.page, ln.sub_box(start, len(ln.text)), (ln.index,))
            return True
    return False


def _unit_kind(v: Value | None, name: Value | None, hit: Hit | None) -> Field:
    from domain.entities import unit_kind_from_text

    kind = unit_kind_from_text(v.text) if v else None
    by_name = unit_kind_from_text(name.text) if name else None
    if kind and by_name and by_name != kind and by_name != "enterprise":
        return _field(kind, v, min(v.confidence, 0.6), "unit_kind_disagrees_with_name")
    if kind:
        return _field(kind, v)
    if by_name:
        # No type line read: the name's own words (…培训学校, …考试点, …有限公司) tell it.
        return _field(by_name, name, min(name.confidence, 0.85))
    return _missing(hit) if v is None else _field(v.text, v, 0.3, "unit_kind_unknown")


def _county(v: Value | None, hit: Hit | None, folder_county: str | None) -> Field:
    from domain.counties import county_from_folder

    if v is None:
        if folder_county:
            return Field(county_from_folder(folder_county)[0], 0.95, None, None, None)
        return _missing(hit)
    name, known = county_from_folder(v.text)
    if not known:
        return _field(v.text, v, min(v.confidence, 0.5), "county_unknown")
    if folder_county and county_from_folder(folder_county)[0] != name:
        return _field(name, v, min(v.confidence, 0.6), "county_disagrees_with_folder")
    return _field(name, v, max(v.confidence, 0.97) if folder_county else v.confidence)


def _report_date(v: Value | None, hit: Hit | None, lines: list[TextLine]) -> Field:
    # The date under the seal is a second printing of the report date.
    closing = [d for ln in lines[-12:] if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln.text)
               for d in facts.find_dates(ln.text)]
    if v is None:
        if closing:
            ln = next(ln for ln in lines[-12:] if facts.find_dates(ln.text))
            return Field(closing[-1].isoformat(), min(ln.confidence, 0.85), ln.page, ln.box, None)
        return _missing(hit)
    read = facts.read_dates(v.text)
    found = read.dates
    if not found:
        return _field(v.text, v, 0.3, "date_unparseable")
    f = _field(found[0].isoformat(), v, v.confidence * (facts.LOOSE_DATE_FACTOR if read.loose or read.incomplete else 1.0))
    if closing:
        if closing[-1] == found[0]:
            f = replace(f, confidence=max(f.confidence, 0.98))
        else:
            f = replace(f, confidence=min(f.confidence, 0.6), reason="report_date_disagrees_with_signature_date")
    return f


def _credit_code(v: Value | None, hit: Hit | None) -> Field:
    from domain.entities import credit_code_problem, repair_credit_code

    if v is None:
        return _missing(hit)
    raw = re.sub(r"[^0-9A-Za-z]", "", v.text).upper()
    if credit_code_problem(raw) is None:
        return _field(raw, v, max(v.confidence, 0.97))
    repaired = repair_credit_code(raw)
    if repaired.repaired:
        return _field(repaired.value, v, min(v.confidence, 0.93))
    return _field(raw, v, min(v.confidence, 0.5), "credit_code_invalid")


# --- ink and seal ---------------------------------------------------------------------------

def _rgb(page) -> np.ndarray | None:
    if page is None or page.image is None:
        return None
    return np.asarray(page.image.convert("RGB"))


def _red_mask(rgb: np.ndarray) -> np.ndarray:
    import cv2

    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    return ((h <= 8) | (h >= 172)) & (s >= 45) & (v >= 70)


def signature_ink(page, label_box) -> float:
    """Dark, non-red stroke pixels in the box right of the signature label, per label
    height squared (0 when there is nothing there)."""
    rgb = _rgb(page)
    x0, y0, x1, y1 = label_box
    h = max(8, y1 - y0)
    box = (x1 + h // 4, max(0, y0 - int(1.3 * h)), min(rgb.shape[1], x1 + 9 * h), min(rgb.shape[0], y1 + int(1.3 * h)))
    crop = rgb[box[1]:box[3], box[0]:box[2]]
    if crop.size == 0:
        return 0.0
    grey = crop.mean(axis=2)
    dark = (grey < 110) & ~_red_mask(crop)
    # Printed text on the same row (a colon, a date) is small and regular; ink strokes are
    # long and connected. Count pixels only in components larger than a printed character.
    return _big_component_pixels(dark, min_pixels=int(0.6 * h * h) // 4) / (h * h)


def _big_component_pixels(mask: np.ndarray, min_pixels: int) -> int:
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA] if n > 1 else np.array([], dtype=int)
    return int(areas[areas >= max(1, min_pixels)].sum())


def is_greyscale(rgb: np.ndarray) -> bool:
    """No coloured pixels to speak of (a grey scan or photocopy saved as colour)."""
    sample = rgb[::3, ::3].astype(np.int16)
    spread = sample.max(axis=2) - sample.min(axis=2)
    return int((spread > 40).sum()) < 50


def _seal_mask(rgb: np.ndarray) -> np.ndarray:
    """Red for a colour image. A greyscale scan has turned the red into mid-grey: printed
    text is near black there, so a seal-sized blob of mid-grey stands for it."""
    if not is_greyscale(rgb):
        return _red_mask(rgb)
    grey = rgb[..., 0]
    return (grey >= 50) & (grey <= 210)


def red_seal_score(page, unit: int) -> float:
    """Pixels of the largest seal-like blob on the page, per `unit`² (0 if none). Seal-like:
    a seal's size, round-ish, a ring's sparse fill (not a solid patch of desk or a block of
    text) and, on a grey scan, more mid-grey than black."""
    import cv2

    rgb = _rgb(page)
    grey_scan = is_greyscale(rgb)
    mask = _seal_mask(rgb).astype(np.uint8)
    dark = (rgb[..., 0] < 50) if grey_scan else None
    # Close the ring, star and characters of a seal into one blob.
    k = max(3, unit // 3)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    best = 0
    for i in range(1, n):
        x, y, w, hgt, _ = stats[i]
        if not (2 * unit <= w <= 14 * unit and 2 * unit <= hgt <= 14 * unit and 0.7 <= w / max(1, hgt) <= 1.4):
            continue
        window = (slice(y, y + hgt), slice(x, x + w))
        inside = labels[window] == i
        pixels = int(mask[window][inside].sum())
        if not 0.04 <= pixels / float(w * hgt) <= 0.55:
            continue
        if grey_scan and int(dark[window][inside].sum()) > pixels:
            continue
        best = max(best, pixels)
    return best / (unit * unit)


def label_height(hit: Hit) -> int:
    """The height of a label's characters. Usually its line's height, but OCR sometimes
    merges the label with a seal's or a signature's text below it into one tall line, and
    measuring ink against that height hid a signature; a Chinese character is about as
    wide as it is high, so the label's width per character bounds it."""
    x0, y0, x1, y1 = hit.box
    chinese = sum(1 for ch in hit.line.text[hit.start:hit.end] if "\u4e00" <= ch <= "\u9fff")
    return max(8, min(y1 - y0, (x1 - x0) // max(1, chinese)))


def _verdict(score: float, scale: tuple[float, float, float]) -> tuple[bool, float]:
    """(present?, confidence) for a pixel measure: sure only at its sure ends."""
    absent, present, surely = scale
    if score <= absent or score >= surely:
        return score >= present, 0.99
    return score >= present, 0.6


def _signed(hit: Hit | None, page_of: dict) -> Field:
    if hit is None:
        return Field(None, 0.0, None, None, "signature_label_not_found")
    page = page_of.get(hit.line.page)
    if page is None or page.image is None:
        return Field(None, 0.0, hit.line.page, hit.box, "no_image")
    h = label_height(hit)
    x0, y0, x1, _ = hit.box
    signed, conf = _verdict(signature_ink(page, (x0, y0, x1, y0 + h)), SIGNATURE_INK)
    if hit.line.text[hit.end:].strip(" :："):
        # OCR ran the label into something else (the signature read as letters, a seal's
        # words): where the label ends, and so where to look for ink, is a guess.
        conf = min(conf, 0.6)
    box = (x1, y0 - int(1.3 * h), x1 + 9 * h, y0 + h + int(1.3 * h))
    return Field(signed, conf, hit.line.page, box, None)


def _sealed(hit: Hit | None, page_of: dict, pages: list) -> Field:
    candidates = [page_of[hit.line.page]] if hit else list(pages)
    candidates = [p for p in candidates if p.image is not None]
    if not candidates:
        return Field(None, 0.0, hit.line.page if hit else None, None, "no_image")
    unit = label_height(hit) if hit else max(12, candidates[0].height // 60)
    score, page = max(((red_seal_score(p, unit), p) for p in candidates), key=lambda sp: sp[0])
    sealed, conf = _verdict(score, SEAL_RED)
    if is_greyscale(_rgb(page)):
        # No colour to go by: a grey ring is a guess, for a clerk to confirm.
        return Field(sealed, min(conf, 0.5), page.number, hit.box if hit else None, "greyscale_scan")
    return Field(sealed, conf, page.number, hit.box if hit else None, None)


# --- the problem table -----------------------------------------------------------------------

@dataclass
class _Cell:
    column: str
    text: str
    confidence: float
    y: float
    box: tuple[int, int, int, int]


def _problems(pages: list, lines_by_page: dict) -> tuple[list[dict], dict[str, Field], tuple[int, int] | None]:
    problems: list[dict] = []
    fields: dict[str, Field] = {}
    stated = None
    for page in pages:
        lines = lines_by_page[page.number]
        m = COUNTS.search("".join(ln.text for ln in lines))
        if m and stated is None:
            stated = (int(m.group(1)), int(m.group(2)))
        table = _table_on_page(page, lines)
        if table is None:
            continue
        for row in table:
            problem, field = _problem_from_row(row, page.number, expected_seq=len(problems) + 1)
            if problem is None:
                continue
            problems.append(problem)
            fields[f"problems.{len(problems)}"] = field
    return problems, fields, stated


def _table_on_page(page, lines: list[TextLine]) -> list[list[_Cell]] | None:
    """Rows of cells under the page's table header, or None when the page has no table."""
    # Header cells are lines made (mostly) of header words; a sentence that mentions
    # 整改措施 is not one.
    header_hits = find_labels(lines, PROBLEM_COLUMNS)
    covered: dict[int, int] = {}
    for h in header_hits:
        covered[h.line.index] = covered.get(h.line.index, 0) + h.end - h.start
    header_hits = [h for h in header_hits if covered[h.line.index] >= 0.7 * len(h.line.text)]
    header: list[Hit] = []
    for h in sorted(header_hits, key=lambda h: h.line.box[1]):
        if not header or h.line.box[1] <= header[0].line.box[3]:
            header.append(h)
        elif len({x.key for x in header}) < 3:
            header = [h]
    # A header row names at least three different columns.
    if len({h.key for h in header}) < 3:
        return None
    header_top = min(h.line.box[1] for h in header)
    header_bottom = max(h.line.box[3] for h in header)
    unit = int(np.median([h.line.height for h in header]))
    end = next((h.line.box[1] for h in find_labels(lines, {"signature": REPORT_LABELS["signature"]})
                if h.line.box[1] > header_bottom), page.height)
    body = [ln for ln in lines if ln.box[1] >= header_bottom - unit * 0.3 and ln.box[3] <= end + unit * 0.3
            and not _is_header_line(ln, header) and not (ln.text.startswith("第") and "页" in ln.text)]
    if any(w in ln.text for ln in body for w in NO_PROBLEMS):
        return []
    rows = _read_cells(page, header, unit)
    if rows is not None:
        return rows
    rgb = _rgb(page)
    columns = _columns(header, rgb, header_top, end, page.width)
    row_edges = _row_edges(rgb, header_bottom, end, columns) if rgb is not None else None
    cells = []
    for ln in body:
        cells.extend(_cells_of_line(ln, columns, page, unit))
    return _group_rows(cells, row_edges, unit)


# --- the table read cell by cell from its ruled grid --------------------------------------------

def _read_cells(page, header: list[Hit], unit: int) -> list[list[_Cell]] | None:
    """Rows of cells read one cell at a time: the table's grid of rules is found in the page
    image and straightened (a skewed scan, a phone photo's perspective), every cell's text
    lines are cut out between its rules and read on their own, so no text crosses from one
    cell or row into another. None when there is no image, no grid to be found, or an
    engine that cannot read cut-out lines (the caller then splits the page's lines)."""
    if page.image is None:
        return None
    import cv2

    grey = np.asarray(page.image.convert("L"))
    grid = _grid(grey, header, unit)
    if grid is None:
        return None
    matrix, size = grid
    width, height = size
    flat = cv2.warpPerspective(grey, matrix, size, flags=cv2.INTER_LINEAR, borderValue=255)
    ink = _ink(flat)
    ys = _rules(ink, horizontal=True, unit=unit)
    xs = _rules(ink, horizontal=False, unit=unit)
    # The straightened image ends at the table's outer rules; one the straightening left a
    # little crooked (a phone photo's lens) does not show as a straight rule, but is there.
    ys = ([0] if not ys or ys[0] > 0.8 * unit else []) + ys + ([height] if not ys or height - ys[-1] > 0.8 * unit else [])
    xs = ([0] if not xs or xs[0] > 0.8 * unit else []) + xs + ([width] if not xs or width - xs[-1] > 0.8 * unit else [])
    rows = [(a, b) for a, b in zip(ys, ys[1:]) if b - a > 0.8 * unit]
    cols = [(a, b) for a, b in zip(xs, xs[1:]) if b - a > 0.8 * unit]
    if len(rows) < 1 or len(cols) < 3:
        return None
    # Which column is which: the header cells' centres, carried into the straightened table.
    centres = np.float32([[[(h.box[0] + h.box[2]) / 2, (h.box[1] + h.box[3]) / 2]] for h in header])
    mapped = cv2.perspectiveTransform(centres, matrix)[:, 0, :]
    keys: dict[int, str] = {}
    header_row = None
    for h, (cx, cy) in zip(header, mapped):
        col = next((i for i, (a, b) in enumerate(cols) if a <= cx < b), None)
        row = next((i for i, (a, b) in enumerate(rows) if a <= cy < b), None)
        if col is not None and col not in keys:
            keys[col] = h.key
        if row is not None:
            header_row = row if header_row is None else min(header_row, row)
    if header_row is None or len(set(keys.values())) < 2:
        return None
    body = rows[header_row + 1:]
    # What is left of the rules where the straightening is a pixel or two off must not be
    # read as a character (a 1 beside each 序号): rules come out of the ink first.
    ink = ink & ~cv2.dilate(_rule_pixels(ink, unit), np.ones((5, 5), np.uint8))
    from ocr.engines import recognise_crops

    # A header cell the page's reading missed (问题描述 lost on a phone photo) is read here.
    unnamed = [c for c in range(len(cols)) if c not in keys]
    if unnamed:
        y0, y1 = rows[header_row]
        boxes = []
        for c in unnamed:
            x0, x1 = cols[c]
            runs = _ink_runs(ink, x0, y0, x1, y1, unit)
            boxes.append((c, _cell_lines(ink, x0, y0, x1, y1, unit, runs, line_height=10.0 * unit)))
        crops = [Image.fromarray(flat[b[1]:b[3], b[0]:b[2]]) for _, cell in boxes for b in cell]
        read = recognise_crops(crops, page.engine) if crops else []
        if read is None:
            return None
        texts = iter(read)
        for c, cell in boxes:
            name = "".join(next(texts)[0] for _ in cell)
            key = next((k for k, aliases in PROBLEM_COLUMNS.items() if name in aliases), None)
            if key is not None and key not in keys.values():
                keys[c] = key
    if len(set(keys.values())) < 3:
        return None
    # Every text line of every cell, cut out.
    runs = {(r, c): _ink_runs(ink, x0, y0, x1, y1, unit) for r, (y0, y1) in enumerate(body)
            for c, (x0, x1) in enumerate(cols) if c in keys}
    heights = [b - a for cell in runs.values() for a, b in cell]
    if not heights:
        return None
    line_height = float(np.median(heights))
    crops, owners = [], []
    for (r, c), cell in runs.items():
        (x0, x1), (y0, y1) = cols[c], body[r]
        for box in _cell_lines(ink, x0, y0, x1, y1, unit, cell, line_height):
            crops.append(Image.fromarray(flat[box[1]:box[3], box[0]:box[2]]))
            owners.append((r, c))
    read = recognise_crops(crops, page.engine) if crops else []
    if read is None:
        return None
    texts: dict[tuple[int, int], list[tuple[str, float]]] = {}
    for owner, (text, conf) in zip(owners, read):
        texts.setdefault(owner, []).append((text, conf))
    back = np.linalg.inv(matrix)
    out: list[list[_Cell]] = []
    for r, (y0, y1) in enumerate(body):
        row = []
        for c, (x0, x1) in enumerate(cols):
            if c not in keys or (r, c) not in texts:
                continue
            parts = texts[(r, c)]
            corners = cv2.perspectiveTransform(np.float32([[[x0, y0]], [[x1, y0]], [[x1, y1]], [[x0, y1]]]), back)[:, 0, :]
            box = (int(corners[:, 0].min()), int(corners[:, 1].min()), int(corners[:, 0].max()), int(corners[:, 1].max()))
            row.append(_Cell(keys[c], "".join(t for t, _ in parts), min(cf for _, cf in parts), (box[1] + box[3]) / 2, box))
        if row:
            out.append(row)
    return out


def _ink(grey: np.ndarray) -> np.ndarray:
    """Dark against its surroundings (a phone photo is lit unevenly): 1 for ink, 0 for paper."""
    import cv2

    block = max(15, (min(grey.shape) // 40) | 1)
    return cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def _rule_pixels(ink: np.ndarray, unit: int) -> np.ndarray:
    """Ink in long horizontal or vertical runs (rules, not text strokes), a few degrees off
    straight included: each direction is thickened across itself before the long runs are
    kept."""
    import cv2

    across = max(3, unit // 5)
    length = max(15, int(1.6 * unit))
    return cv2.morphologyEx(cv2.dilate(ink, np.ones((across, 1), np.uint8)), cv2.MORPH_OPEN,
                            np.ones((1, length), np.uint8)) | \
        cv2.morphologyEx(cv2.dilate(ink, np.ones((1, across), np.uint8)), cv2.MORPH_OPEN,
                         np.ones((length, 1), np.uint8))


def _grid(grey: np.ndarray, header: list[Hit], unit: int):
    """The perspective transform that straightens the table whose header is `header`, and
    the straightened table's size; None when no grid of rules is found around the header.

    Rules are long thin runs of ink (text strokes are shorter than a character); the table
    is the connected web of rules that passes just above its header, and its outer
    corners are the web's extreme points."""
    import cv2

    rules = _rule_pixels(_ink(grey), unit)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    if n < 2:
        return None
    x0 = max(0, min(h.box[0] for h in header))
    x1 = max(h.box[2] for h in header)
    y0 = max(0, min(h.line.box[1] for h in header) - int(1.2 * unit))
    y1 = max(h.line.box[3] for h in header) + int(1.2 * unit)
    band = labels[y0:y1, x0:x1]
    counts = np.bincount(band[band > 0].ravel(), minlength=n) if band.size else np.zeros(n, int)
    if counts.sum() == 0:
        return None
    label = int(np.argmax(counts))
    ys, xs = np.nonzero(labels == label)
    s, d = xs + ys, xs - ys
    quad = np.float32([[xs[s.argmin()], ys[s.argmin()]], [xs[d.argmax()], ys[d.argmax()]],
                       [xs[s.argmax()], ys[s.argmax()]], [xs[d.argmin()], ys[d.argmin()]]])
    top, bottom = np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])
    left, right = np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])
    width, height = int(round(max(top, bottom))), int(round(max(left, right)))
    # A web of rules narrower than the header, or not taller than it, is not the table.
    if width < 0.9 * (x1 - x0) or height < 1.5 * unit or min(top, bottom) < 0.8 * max(top, bottom):
        return None
    m = 4  # keep the outer rules inside the straightened image
    target = np.float32([[m, m], [m + width, m], [m + width, m + height], [m, m + height]])
    return cv2.getPerspectiveTransform(quad, target), (width + 2 * m, height + 2 * m)


def _rules(ink: np.ndarray, horizontal: bool, unit: int) -> list[int]:
    """Positions of the straightened table's rules that run (nearly) its whole width or height."""
    import cv2

    span = ink.shape[1] if horizontal else ink.shape[0]
    length = max(15, span // 4 if horizontal else int(1.2 * unit))
    kernel = np.ones((1, length) if horizontal else (length, 1), np.uint8)
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    sums = lines.sum(axis=1 if horizontal else 0)
    return _runs_centres(np.where(sums > 0.5 * span)[0])


def _cell_inside(x0: int, y0: int, x1: int, y1: int, unit: int) -> tuple[int, int, int, int]:
    pad = max(3, unit // 8)  # clear of the rules
    return x0 + pad, y0 + pad, x1 - pad, y1 - pad


def _ink_runs(ink: np.ndarray, x0: int, y0: int, x1: int, y1: int, unit: int) -> list[tuple[int, int]]:
    """(top, bottom) of the bands of rows holding ink inside one cell, cell-relative."""
    cx0, cy0, cx1, cy1 = _cell_inside(x0, y0, x1, y1, unit)
    if cx1 <= cx0 or cy1 <= cy0:
        return []
    cell = ink[cy0:cy1, cx0:cx1]
    out = []
    for a, b in _true_runs(cell.sum(axis=1) > 0, gap=max(1, unit // 10)):
        if b - a >= max(3, unit // 5) and cell[a:b].sum() >= unit // 2:  # not a speck or a rule's edge
            out.append((a, b))
    return out


def _cell_lines(ink: np.ndarray, x0: int, y0: int, x1: int, y1: int, unit: int,
                runs: list[tuple[int, int]], line_height: float) -> list[tuple[int, int, int, int]]:
    """Boxes of the text lines inside one cell, top to bottom. A band of ink much taller
    than the table's usual text line is lines run together (a blurred photo): it is cut
    where the ink is thinnest."""
    cx0, cy0, cx1, cy1 = _cell_inside(x0, y0, x1, y1, unit)
    cell = ink[cy0:cy1, cx0:cx1]
    profile = cell.sum(axis=1)
    bands = []
    for a, b in runs:
        while b - a > 1.6 * line_height:
            lo, hi = a + int(0.6 * line_height), min(b - int(0.6 * line_height), a + int(1.4 * line_height))
            if hi <= lo:
                break
            cut = lo + int(np.argmin(profile[lo:hi]))
            bands.append((a, cut))
            a = cut
        bands.append((a, b))
    boxes = []
    margin = max(2, unit // 4)
    for a, b in bands:
        cols = np.where(cell[a:b].any(axis=0))[0]
        if len(cols) == 0:
            continue
        boxes.append((max(x0 + 1, cx0 + int(cols[0]) - margin), max(y0 + 1, cy0 + a - margin),
                      min(x1, cx0 + int(cols[-1]) + 1 + margin), min(y1, cy0 + b + margin)))
    return boxes


def _true_runs(flags: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(start, end) of the runs of True, joining runs separated by fewer than `gap` Falses."""
    runs: list[list[int]] = []
    for i in np.flatnonzero(flags).tolist():
        if runs and i - runs[-1][1] <= gap:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(a, b) for a, b in runs]


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


# What each cell of a problem row looks like when read right. A cell that reads otherwise
# may still hold the right value, but is not taken on trust (FORM_CONFIDENCE, under the
# review bar): an OCR slip that keeps a confident score shows up here, as a stray Latin
# letter in a description, a character too many in a name, a date with a tail.
CELL_FORMS = {
    "seq": re.compile(r"\d{1,3}"),
    "description": re.compile(r"[\u4e00-\u9fff\d，、；：。“”（）《》]+"),
    "measure": re.compile(r"[\u4e00-\u9fff\d，、；：。“”（）《》]+"),
    "owner": re.compile(r"[\u4e00-\u9fff]{2,4}"),
    "deadline": re.compile(r"(?:19|20)\d\d(?:年\d{1,2}月\d{1,2}日|-\d\d-\d\d|\.\d\d\.\d\d)"),
}
FORM_CONFIDENCE = 0.8


def _problem_from_row(row: list[_Cell], page: int, expected_seq: int | None = None) -> tuple[dict | None, Field | None]:
    text = {k: "".join(c.text for c in row if c.column == k) for k in PROBLEM_COLUMNS}
    if not any(text.values()):
        return None, None
    conf = min(c.confidence for c in row)
    reasons = []
    seq_digits = re.sub(r"\D", "", text["seq"])
    seq = int(seq_digits) if seq_digits else None
    if seq is None:
        reasons.append("seq_unread")
    elif expected_seq is not None and seq != expected_seq:
        reasons.append("seq_out_of_order")  # a row lost, split or read twice
    shapes = {k: chinese_punctuation(text[k]) if k in ("description", "measure") else text[k] for k in CELL_FORMS}
    if not all(form.fullmatch(shapes[k]) for k, form in CELL_FORMS.items()) or \
            text["status"] not in RECTIFIED_WORDS + OPEN_WORDS:
        conf = min(conf, FORM_CONFIDENCE)
    read = facts.read_dates(text["deadline"])
    deadline = read.dates[0].isoformat() if read.dates else None
    if deadline is None:
        reasons.append("deadline_unread")
    elif read.loose or read.incomplete:
        conf *= facts.LOOSE_DATE_FACTOR
    status = text["status"]
    if any(w in status for w in RECTIFIED_WORDS) or (status.startswith("已") and "未" not in status):
        rectified = True
    elif any(w in status for w in OPEN_WORDS) or "未" in status or status.endswith("中"):
        rectified = False
    else:
        rectified = None
        reasons.append("status_unread")
    if not text["description"]:
        reasons.append("description_unread")
    problem = {"seq": seq, "description": chinese_punctuation(text["description"]) or None,
               "measure": chinese_punctuation(text["measure"]) or None,
               "deadline": deadline, "owner": text["owner"] or None, "rectified": rectified,
               "confidence": round(conf if not reasons else min(conf, 0.5), 4), "page": page}
    xs = [c.box for c in row]
    box = (min(b[0] for b in xs), min(b[1] for b in xs), max(b[2] for b in xs), max(b[3] for b in xs))
    return problem, Field(problem, problem["confidence"], page, box, ";".join(reasons) or None)


def _check_counts(problems: list[dict], fields: dict[str, Field], stated: tuple[int, int] | None) -> Field | None:
    """The narrative's counts against the table: agreement raises every row's confidence;
    disagreement puts the problem list itself up for review."""
    found = (len(problems), sum(1 for p in problems if p["rectified"]))
    if stated is None:
        return None
    if stated == found:
        return None  # no row missing; the rows' own text is only as sure as its reading
    return Field({"stated": list(stated), "found": list(found)}, 0.3, None, None, "problem_count_disagrees_with_text")
