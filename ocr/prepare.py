"""Make a page image fit to read: working resolution, upright, straight, good contrast.

`prepare(image)` returns the upright colour image (kept for seal and signature detection),
the greyscale image handed to the OCR engine, and the quarter turns applied.
"""
from __future__ import annotations

import functools
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

from ocr.engines import CJK_OR_DIGIT, CLEARLY_UPRIGHT_CONFIDENCE
from ocr.page import UnreadableDocument

# Long side of the working image. A4 at 2400 px is ~200 DPI: certificate and report text
# (>= 9 pt) is then >= 25 px high, which both engines read well, and Tesseract's time
# grows with the pixel count.
WORKING_LONG_SIDE = 2400
# Text lines lower than this are enlarged to TARGET_LINE_HEIGHT: Tesseract misreads
# Chinese under ~20 px, while enlarging text that is already legible only blurs it.
MIN_LINE_HEIGHT = 20
TARGET_LINE_HEIGHT = 32
# Skews below this are left alone: both engines take them in their stride, and the
# resampling costs sharpness. Measured on 16 flatbed and photocopy captures (skew up to
# 2 degrees): Tesseract character accuracy 0.922 when straightening from 0.5 degrees,
# 0.985 when straightening only from 2 degrees.
MIN_SKEW_CORRECTION = 2.0
MAX_SKEW_DEGREES = 10.0
# Tesseract's orientation-and-script detection reports a confidence; below this we
# check its answer by reading the page each way round instead.
OSD_TRUSTED_CONFIDENCE = 1.0


@dataclass(frozen=True)
class Prepared:
    colour: Image.Image  # RGB, upright, deskewed
    grey: Image.Image  # L, same geometry as colour, contrast stretched
    rotation: int  # quarter turns applied, in degrees clockwise
    skew: float  # small-angle correction applied, degrees counter-clockwise
    # 3x3 matrix taking a point of `grey`/`colour` (x, y, 1) to the pixels of the image
    # handed to prepare(): every box read can be drawn on the original.
    to_original: tuple = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def to_working_resolution(image: Image.Image) -> Image.Image:
    """Shrink to the working long side; never enlarge (see `enlarge_small_text`)."""
    long_side = max(image.size)
    if long_side <= WORKING_LONG_SIDE:
        return image
    return _scaled(image, WORKING_LONG_SIDE / long_side, Image.Resampling.LANCZOS)


def _scaled(image: Image.Image, scale: float, resample) -> Image.Image:
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, resample)


def line_height(grey: Image.Image) -> float | None:
    """Median height (px) of the bands of rows holding ink: the text size of an upright page."""
    ink = _strokes(np.asarray(grey))
    inked_rows = ink.sum(axis=1) > max(2, 0.002 * ink.shape[1])
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked_rows.astype(np.int8), [0]))))
    heights = edges[1::2] - edges[0::2]
    heights = heights[heights >= 4]  # table rules and specks are not text
    return float(np.median(heights)) if heights.size else None


def greyscale(image: Image.Image) -> Image.Image:
    """Luminance with the darkest and lightest 1% clipped: faint scans and grey paper."""
    return ImageOps.autocontrast(image.convert("L"), cutoff=1)


def prepare(image: Image.Image, timeout_s: float = 30, rotation: int | None = None) -> Prepared:
    """Working resolution, upright (quarter turns), deskewed, greyscale for the engine.

    `rotation` is the clockwise quarter turns known to make the page upright; None means
    detect them. `timeout_s` bounds the whole preparation (detection runs Tesseract).
    The result depends only on the image and the rotation used.
    """
    original_size = image.size
    colour = to_working_resolution(image.convert("RGB"))
    forward = _scaling(colour.width / original_size[0], colour.height / original_size[1])
    grey = greyscale(colour)
    if not has_text_like_ink(grey):
        return Prepared(colour, grey, 0, 0.0, _back(forward))  # blank or solid: nothing to turn or read
    if rotation is None:
        rotation = detect_rotation(grey, timeout_s)
    if rotation:
        # PIL turns counter-clockwise; the detected rotation is clockwise.
        size = colour.size
        colour = colour.rotate(-rotation, expand=True)
        grey = grey.rotate(-rotation, expand=True)
        forward = _turning(size, colour.size, -rotation) @ forward
    skew = estimate_skew(grey)
    if abs(skew) >= MIN_SKEW_CORRECTION:
        size = colour.size
        colour = colour.rotate(skew, Image.Resampling.BICUBIC, expand=True, fillcolor="white")
        grey = grey.rotate(skew, Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        forward = _turning(size, colour.size, skew) @ forward
    else:
        skew = 0.0
    height = line_height(grey)
    if height and height < MIN_LINE_HEIGHT and max(colour.size) < 2 * WORKING_LONG_SIDE:
        # Enlarged at most threefold and to twice the working size: time grows with pixels.
        scale = min(3.0, TARGET_LINE_HEIGHT / height, 2 * WORKING_LONG_SIDE / max(colour.size))
        size = colour.size
        colour = _scaled(colour, scale, Image.Resampling.BICUBIC)
        grey = _scaled(grey, scale, Image.Resampling.BICUBIC)
        forward = _scaling(colour.width / size[0], colour.height / size[1]) @ forward
    return Prepared(colour, grey, rotation, skew, _back(forward))


def _back(forward: np.ndarray) -> tuple:
    return tuple(tuple(float(v) for v in row) for row in np.linalg.inv(forward))


def _scaling(factor_x: float, factor_y: float) -> np.ndarray:
    return np.diag([factor_x, factor_y, 1.0])


def _turning(size: tuple[int, int], turned: tuple[int, int], degrees: float) -> np.ndarray:
    """The matrix of PIL's `rotate(degrees, expand=True)` (counter-clockwise, y down):
    a point of the image of `size` to the turned image of size `turned`."""
    theta = np.radians(degrees)
    c, s = np.cos(theta), np.sin(theta)
    to_centre = np.array([[1, 0, -size[0] / 2], [0, 1, -size[1] / 2], [0, 0, 1.0]])
    turn = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1.0]])
    from_centre = np.array([[1, 0, turned[0] / 2], [0, 1, turned[1] / 2], [0, 0, 1.0]])
    return from_centre @ turn @ to_centre


def map_box(matrix, box: tuple[int, int, int, int], size: tuple[int, int] | None = None) -> tuple[int, int, int, int]:
    """The axis-aligned box around `box`'s four corners taken through `matrix`, clipped to `size`."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=float).T
    mapped = np.asarray(matrix, dtype=float) @ corners
    xs, ys = mapped[0] / mapped[2], mapped[1] / mapped[2]
    out = [int(np.floor(xs.min())), int(np.floor(ys.min())), int(np.ceil(xs.max())), int(np.ceil(ys.max()))]
    if size is not None:
        out = [min(max(out[0], 0), size[0]), min(max(out[1], 0), size[1]),
               min(max(out[2], 0), size[0]), min(max(out[3], 0), size[1])]
    return tuple(out)


def _strokes(pixels: np.ndarray) -> np.ndarray:
    """1 where a pixel is clearly darker than its neighbourhood (pen and print strokes).

    A local threshold, not a global one: on a phone photo of a card on a dark desk a
    global threshold calls the whole desk ink.
    """
    return cv2.adaptiveThreshold(pixels, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)


def _ink(grey: Image.Image, side: int = 1000) -> np.ndarray:
    small = grey.copy()
    small.thumbnail((side, side))
    return _strokes(np.asarray(small))


def has_text_like_ink(grey: Image.Image) -> bool:
    """False for blank and solid pages: nothing to turn or read."""
    low, high = grey.getextrema()
    return high - low >= 32 and float(_ink(grey).mean()) >= 0.0005


def estimate_skew(grey: Image.Image) -> float:
    """Small text-line angle (degrees, counter-clockwise to straighten) by projection profile.

    Rotating the ink until the row sums are sharpest (lines of text and the gaps between
    them fall into separate rows) works on sparse forms, where minAreaRect on all ink is
    thrown off by margins, stamps and table rules.
    """
    ink = _ink(grey)
    if ink.sum() < 50:
        return 0.0

    def sharpness(ink: np.ndarray, angle: float) -> float:
        height, width = ink.shape
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
        rows = turned.sum(axis=1, dtype=np.int64)
        return float(np.square(np.diff(rows)).sum())

    # The coarse search (41 angles, 0.5 degrees apart) needs only half the resolution: at
    # 500 px half a degree still moves a line end by 4 px. The fine one uses it all.
    half = ink[::2, ::2]
    coarse = np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5)
    best = max(coarse, key=lambda angle: sharpness(half, angle))
    fine = np.arange(best - 0.4, best + 0.41, 0.1)
    best = max(fine, key=lambda angle: sharpness(ink, angle))
    # cv2 and PIL both take positive angles as counter-clockwise (cv2 with y down too).
    return round(float(best), 1)


@functools.cache
def _has_osd() -> bool:
    if not shutil.which("tesseract"):
        return False
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    return "osd" in listed.stdout.split()


def detect_rotation(grey: Image.Image, timeout_s: float = 30) -> int:
    """Clockwise quarter turns (0, 90, 180, 270) that make the page upright.

    First the inkiest third of the page is read as it is: a clearly good reading means
    upright, the usual case, for the price of a small Tesseract pass. Otherwise
    Tesseract's orientation detection (OSD) is trusted when it is confident: on 120
    generated card captures (30 cards x 4 turns) all 55 answers with confidence >= 1 were
    right; 5 of 37 less confident answers were wrong (2 called an upside-down photocopy
    upright), and 28 times it gave no answer. Its less confident answers are checked by
    reading the page along the axis it named (upright first), then across it, until one
    reading is clearly good; with no answer, all four ways.
    """
    deadline = time.monotonic() + timeout_s
    small = grey.copy()
    small.thumbnail((1600, 1600))
    if _reads_clearly(_densest_band(small), deadline):
        return 0  # most pages arrive upright; a third of the page read is enough to tell
    answer = _osd_rotation(small, _left(deadline)) if _has_osd() else None
    if answer is None:
        return _rotation_by_reading(small, (0, 180, 90, 270), deadline)
    rotation, confidence = answer
    if confidence >= OSD_TRUSTED_CONFIDENCE:
        return rotation
    along_axis = (0, 180) if rotation in (0, 180) else (rotation, (rotation + 180) % 360)
    across = tuple(turn for turn in (0, 180, 90, 270) if turn not in along_axis)
    return _rotation_by_reading(small, along_axis + across, deadline)


def _osd_rotation(grey: Image.Image, timeout_s: float) -> tuple[int, float] | None:
    import pytesseract

    try:
        report = pytesseract.image_to_osd(
            grey, config="--psm 0 -c min_characters_to_try=10", timeout=timeout_s
        )
    except pytesseract.TesseractError:
        return None  # too few characters to decide
    except RuntimeError as error:
        if "timeout" in str(error).lower():
            raise UnreadableDocument("page_timeout", "orientation detection") from None
        raise
    rotate = re.search(r"Rotate: (\d+)", report)
    confidence = re.search(r"Orientation confidence: ([\d.]+)", report)
    if not rotate or not confidence:
        return None
    return int(rotate.group(1)) % 360, float(confidence.group(1))


def _left(deadline: float) -> float:
    """Seconds left before `deadline` for the next Tesseract call (> 0: 0 means no limit)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise UnreadableDocument("page_timeout", "orientation detection")
    return max(0.01, left)


def _densest_band(grey: Image.Image) -> Image.Image:
    """The horizontal third of a (reduced) page holding the most ink."""
    small = grey.copy()
    small.thumbnail((1200, 1200))
    rows = _strokes(np.asarray(small)).sum(axis=1)
    band = max(1, small.height // 3)
    totals = np.convolve(rows, np.ones(band), mode="valid")
    top = int(np.argmax(totals))
    return small.crop((0, top, small.width, top + band))


def _reads_clearly(grey: Image.Image, deadline: float) -> bool:
    return _clearly_upright(_single_block_tesseract().recognise(grey, _left(deadline)))


def _clearly_upright(lines) -> bool:
    """Ten or more Chinese characters or digits in lines read with high confidence.

    Read sideways or upside down, Chinese comes out at line confidences around 0.2; a
    seal, a photo or a line cut in half lowers the mean of an upright page, not the
    confidence of its good lines.
    """
    clear = [line for line in lines if line.confidence >= CLEARLY_UPRIGHT_CONFIDENCE]
    return sum(len(CJK_OR_DIGIT.findall(line.text)) for line in clear) >= 10


def _rotation_by_reading(grey: Image.Image, candidates, deadline: float) -> int:
    """Read the page each candidate way round with Tesseract; keep the most confident text.

    A clearly upright reading ends the search; otherwise the best score (mean confidence
    x number of Chinese characters and digits) wins. Tesseract reads a single uniform block
    (psm 6) here because its page layout analysis (psm 3) quietly flips upside-down
    blocks itself and would score 0 and 180 alike.
    """
    engine = _single_block_tesseract()
    small = grey.copy()
    small.thumbnail((1200, 1200))
    scores: dict[int, float] = {}
    for rotation in candidates:
        lines = engine.recognise(small.rotate(-rotation, expand=True), _left(deadline))
        if _clearly_upright(lines):
            return rotation
        chars = sum(len(CJK_OR_DIGIT.findall(line.text)) for line in lines)
        confidence = sum(line.confidence for line in lines) / len(lines) if lines else 0.0
        scores[rotation] = confidence * chars
    return max(scores, key=scores.__getitem__)


@functools.cache
def _single_block_tesseract():
    from ocr.engines import TesseractEngine

    return TesseractEngine(psm=6)
