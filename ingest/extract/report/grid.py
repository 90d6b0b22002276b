"""The table read cell by cell from its ruled grid: the web of rules found in the page
image and straightened (skew, a phone photo's perspective), each cell's lines cut out and
recognised on their own."""
from __future__ import annotations

import numpy as np
from PIL import Image

from ingest.extract.layout import Hit
from ingest.extract.report.cells import PROBLEM_COLUMNS, _Cell
from ingest.extract.report.columns import _runs_centres


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
