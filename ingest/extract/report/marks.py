"""Ink and seal from pixels: a signature is dark, unsaturated-or-blue strokes in the box
right of 主要负责人签字; a seal is a blob of saturated red of a seal's size."""
from __future__ import annotations

import numpy as np

from ingest.extract.layout import Hit
from ingest.extract.model import Field


# Pixel measures, relative to the label's character height (so they hold at any
# resolution): (at most this is surely absent, from this on present, from this on surely
# present); between the sure ends a clerk looks. Measured with RapidOCR on 60 generated
# reports (seeds 13 and 21: scans, TIFFs, phone photos): unsigned areas held no ink at all
# and signed ones at least 0.40 (thin pen strokes, seals across them); unsealed pages no
# seal-like blob and sealed colour pages at least 1.53.
SIGNATURE_INK = (0.02, 0.2, 0.4)   # dark stroke pixels beside the signature label / height²
SEAL_RED = (0.1, 1.0, 1.5)         # red pixels in the largest seal-like blob / height²


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
