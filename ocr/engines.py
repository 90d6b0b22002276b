"""OCR engines behind one interface: an upright greyscale image in, normalised Lines out.

Both engines run one thread per process (the machine's cores belong to the worker
processes, not to one engine) and are created once per process by `get_engine`.
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from ocr.normalise import normalise_line
from ocr.page import Line, UnreadableDocument

# Measured in bench/ocr_engines.py on generated certificates (numbers in its docstring):
# character accuracy RapidOCR 1.000, Tesseract 0.934; Tesseract is faster (x1.2-2)
# (on A4 report pages about four times: ~3 s against ~12 s a page on one core).
AUTO_ENGINE = "rapidocr"


class Engine(Protocol):
    name: str
    # Whether a reading can show that its image was upright; then the reader reads a page
    # as it lies first, and looks for its orientation only when the reading does not.
    shows_orientation: bool

    def recognise(self, image: Image.Image, timeout_s: float = 0) -> list[Line]:
        """Lines read from an upright image, top to bottom; timeout_s=0 means no limit."""
        ...

    def recognise_as_lying(self, image: Image.Image, timeout_s: float = 0) -> tuple[list[Line], bool]:
        """recognise() on an image of unknown orientation, and whether the reading shows
        it was upright (never, for an engine that cannot tell)."""
        ...


_ASCII_WORD = re.compile(r"[0-9A-Za-z]$")


class TesseractEngine:
    """Tesseract 5 through pytesseract, Simplified Chinese, automatic page layout.

    chi_sim alone, not chi_sim+eng: chi_sim already holds digits and Latin letters, and
    adding eng made reading slower (x1.5) and less accurate on generated certificates
    (character accuracy 0.83 against 0.88, bench/ocr_engines.py) and reports. psm 3
    (layout analysis) beats psm 6 (one block) on report pages with tables, though psm 6
    reads single cards a little better.
    """

    name = "tesseract"
    shows_orientation = True

    def __init__(self, lang: str = "chi_sim", psm: int = 3) -> None:
        # Tesseract's OpenMP threads fight the other workers for the two cores and make
        # it slower, not faster; the subprocess inherits this.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        import pytesseract

        self._tesseract = pytesseract
        self.lang = lang
        self.config = f"--psm {psm}"

    def recognise(self, image: Image.Image, timeout_s: float = 0) -> list[Line]:
        return _tesseract_lines(self._words(image, timeout_s))

    def recognise_as_lying(self, image: Image.Image, timeout_s: float = 0) -> tuple[list[Line], bool]:
        words = self._words(image, timeout_s)
        return _tesseract_lines(words), _runs_upright(words)

    def read_crops(self, images: list[Image.Image], charset: str | None = None) -> list[tuple[str, float]]:
        """Each image read as one line (psm 7), restricted to `charset` when given."""
        config = "--psm 7" + (f" -c tessedit_char_whitelist={charset}" if charset else "")
        out = []
        for image in images:
            data = self._tesseract.image_to_data(image.convert("L"), lang=self.lang, config=config,
                                                 output_type=self._tesseract.Output.DICT)
            words = [(w.strip(), float(c)) for w, c in zip(data["text"], data["conf"]) if w.strip() and float(c) >= 0]
            text = normalise_line("".join(w for w, _ in words))
            out.append((text, round(sum(c for _, c in words) / len(words) / 100, 4) if words else 0.0))
        return out

    def _words(self, image: Image.Image, timeout_s: float) -> dict:
        # Handed over as an uncompressed PGM file: pytesseract would write a PNG, and
        # compressing it costs a third of Tesseract's own time on a card (0.13 s) and
        # nearly as much as reading an A4 page (0.4 s).
        with tempfile.NamedTemporaryFile(suffix=".pgm", dir=_SCRATCH) as file:
            image.convert("L").save(file, format="PPM")
            file.flush()
            try:
                return self._tesseract.image_to_data(
                    file.name, lang=self.lang, config=self.config,
                    output_type=self._tesseract.Output.DICT, timeout=timeout_s,
                )
            except RuntimeError as error:  # pytesseract signals its timeout this way
                if "timeout" in str(error).lower():
                    raise UnreadableDocument("page_timeout", f"tesseract > {timeout_s:g}s") from None
                raise


# Page images for Tesseract go to memory-backed storage where there is some.
_SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
# What counts as clearly read text when judging a reading (orientation checks here and in
# prepare): these characters, at this confidence (0..1) or more. Read sideways or upside
# down, Chinese comes out at confidences around 0.2.
CJK_OR_DIGIT = re.compile(r"[\u4e00-\u9fff0-9]")
CLEARLY_UPRIGHT_CONFIDENCE = 0.85
# Measured on 168 generated captures (cards and report pages; flatbed, photocopy, phone;
# each turned 0/90/180/270 degrees): upright pages had 41 to 340 such characters, turned
# ones at most 11 (psm 3 reads sideways pages as vertical text, in columns).
UPRIGHT_CHARACTERS = 30


def _runs_upright(data: dict) -> bool:
    """Whether Tesseract's words show an upright page: at least UPRIGHT_CHARACTERS
    confidently read Chinese characters or digits in lines whose words run left to right,
    and more of them than in lines whose words run any other way.

    Confidence alone cannot tell: Tesseract's layout analysis takes a page lying on its side
    for vertical Chinese and reads it well, in columns.
    """
    lines: dict[tuple[int, int, int], list[tuple[float, float, int]]] = {}
    for i, word in enumerate(data["text"]):
        if float(data["conf"][i]) >= 100 * CLEARLY_UPRIGHT_CONFIDENCE and word.strip():
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            centre = (data["left"][i] + data["width"][i] / 2, data["top"][i] + data["height"][i] / 2)
            lines.setdefault(key, []).append((*centre, len(CJK_OR_DIGIT.findall(word))))
    along = across = 0
    for words in lines.values():
        if len(words) < 2:
            continue  # one word has no direction
        count = sum(chars for _, _, chars in words)
        if all(b[0] - a[0] > abs(b[1] - a[1]) for a, b in zip(words, words[1:])):
            along += count
        else:
            across += count
    return along >= UPRIGHT_CHARACTERS and along > across


def _tesseract_lines(data: dict) -> list[Line]:
    """Group Tesseract's words into lines by (block, paragraph, line) number.

    A line is split where the gap between two words is wider than twice the line's
    height: on forms that gap separates fields ("姓名 张三      性别 男").
    """
    groups: dict[tuple[int, int, int], list[tuple[str, float, tuple[int, int, int, int]]]] = {}
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not word.strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
        groups.setdefault(key, []).append((word.strip(), conf / 100, (x, y, x + w, y + h)))
    lines: list[Line] = []
    for words in groups.values():
        words.sort(key=lambda word: word[2][0])
        height = max(box[3] - box[1] for _, _, box in words)
        run = [words[0]]
        for word in words[1:]:
            if word[2][0] - run[-1][2][2] > 2 * height:
                lines.append(_join_words(run))
                run = []
            run.append(word)
        lines.append(_join_words(run))
    return merge_row_fragments([line for line in lines if line.text])


def _join_words(words: list[tuple[str, float, tuple[int, int, int, int]]]) -> Line:
    text = words[0][0]
    for previous, word in zip(words, words[1:]):
        # Chinese is written without spaces; Latin words and digit groups keep theirs.
        if _ASCII_WORD.search(previous[0]) and word[0][:1].isascii() and word[0][:1].isalnum():
            text += " "
        text += word[0]
    boxes = [box for _, _, box in words]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
           max(b[2] for b in boxes), max(b[3] for b in boxes))
    confidence = sum(conf for _, conf, _ in words) / len(words)
    return Line(normalise_line(text), round(confidence, 4), box)


def merge_row_fragments(lines: list[Line]) -> list[Line]:
    """Join pieces of one printed line that an engine returned separately; sort top-down.

    Tesseract's layout analysis often puts a label and its value ("身份证号:" and the
    number) into different blocks. Pieces are joined when they share most of their height
    and the gap between them is under 1.5 line heights (wider gaps separate form fields).
    """
    merged: list[Line] = []
    for line in sorted(lines, key=lambda line: line.box[0]):
        for i, left in enumerate(merged):
            if _continues(left, line):
                merged[i] = _concatenate(left, line)
                break
        else:
            merged.append(line)
    return reading_order(merged)


def reading_order(lines: list[Line]) -> list[Line]:
    """Rows top to bottom, left to right within a row.

    A line belongs to the row above when its vertical centre falls inside that row's
    first line: a label in small type and its value in larger type start at different
    heights but are one row ("姓名" then "张三", not the other way round).
    """
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: (line.box[1] + line.box[3]) / 2):
        centre = (line.box[1] + line.box[3]) / 2
        if rows and rows[-1][0].box[1] <= centre <= rows[-1][0].box[3]:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda line: line.box[0])]


def _continues(left: Line, right: Line) -> bool:
    height = min(left.box[3] - left.box[1], right.box[3] - right.box[1])
    overlap = min(left.box[3], right.box[3]) - max(left.box[1], right.box[1])
    gap = right.box[0] - left.box[2]
    return height > 0 and overlap >= 0.5 * height and -0.5 * height <= gap <= 1.5 * height


def _concatenate(left: Line, right: Line) -> Line:
    space = " " if _ASCII_WORD.search(left.text) and right.text[:1].isascii() and right.text[:1].isalnum() else ""
    total = len(left.text) + len(right.text)
    confidence = (left.confidence * len(left.text) + right.confidence * len(right.text)) / total
    box = (min(left.box[0], right.box[0]), min(left.box[1], right.box[1]),
           max(left.box[2], right.box[2]), max(left.box[3], right.box[3]))
    return Line(normalise_line(left.text + space + right.text), round(confidence, 4), box)


def _rapidocr_models() -> dict[str, str]:
    """The model files bundled in the rapidocr wheel; naming them stops any download."""
    import rapidocr

    models = Path(rapidocr.__file__).parent / "models"
    found = {
        "Det.model_path": sorted(models.glob("*det*.onnx")),
        "Rec.model_path": sorted(models.glob("*rec*.onnx")),
        "Cls.model_path": sorted(models.glob("*cls*.onnx")),
    }
    missing = [key for key, paths in found.items() if not paths]
    if missing:
        raise RuntimeError(f"rapidocr models missing from {models}: {missing}")
    return {key: str(paths[0]) for key, paths in found.items()}


class RapidOcrEngine:
    """RapidOCR 3 (PP-OCR models on onnxruntime) with the models shipped in its wheel.

    onnxruntime cannot be interrupted mid-inference, so `timeout_s` is not enforced here:
    a runaway page is bounded by the caller's process isolation (the ingest worker), and
    `read_document` stops between pages when the document budget is spent.
    """

    name = "rapidocr"
    # Its angle classifier turns upside-down lines and reads them confidently, so a good
    # reading says nothing about which way up the page was.
    shows_orientation = False

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        params = {
            "Global.log_level": "error",  # an empty page is not worth a warning
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            **_rapidocr_models(),
        }
        self._ocr = RapidOCR(params=params)
        self._lock = threading.Lock()  # one inference at a time per process

    def recognise(self, image: Image.Image, timeout_s: float = 0) -> list[Line]:
        array = np.asarray(image.convert("RGB"))
        with self._lock:
            result = self._ocr(array)
        if result.txts is None:
            return []
        lines = []
        for points, text, score in zip(result.boxes, result.txts, result.scores):
            xs, ys = points[:, 0], points[:, 1]
            box = (int(xs.min()), int(ys.min()), int(round(xs.max())), int(round(ys.max())))
            text = normalise_line(text)
            if text:
                lines.append(Line(text, round(float(score), 4), box))
        return merge_row_fragments(lines)

    def recognise_as_lying(self, image: Image.Image, timeout_s: float = 0) -> tuple[list[Line], bool]:
        return self.recognise(image, timeout_s), False

    def recognise_crops(self, images: list[Image.Image]) -> list[tuple[str, float]]:
        """Each image read as one line of text, recognition only (no detection, no angle
        classifier): (normalised text, confidence) per image, in order."""
        if not images:
            return []
        arrays = [np.asarray(image.convert("RGB")) for image in images]
        with self._lock:
            result = self._ocr.recognize_txt(arrays)
        return [(normalise_line(text), round(float(score), 4)) for text, score in zip(result.txts, result.scores)]

    def read_crops(self, images: list[Image.Image], charset: str | None = None) -> list[tuple[str, float]]:
        """recognise_crops(), restricted to `charset` when given."""
        if not charset or not images:
            return self.recognise_crops(images)
        with self._lock:
            return _constrained_crops(self._ocr, images, charset)


def _constrained_crops(ocr, images: list[Image.Image], charset: str) -> list[tuple[str, float]]:
    """RapidOCR recognition with every class outside `charset` masked before CTC decoding:
    the best reading made only of those characters, not a reading filtered afterwards."""
    rec = ocr._load_rec_model()
    decode = rec.postprocess_op
    allowed = np.zeros(len(decode.character), dtype=bool)
    allowed[0] = True  # CTC blank
    for char in set(charset):
        if char in decode.dict:
            allowed[decode.dict[char]] = True
    out = []
    for image in images:
        array = np.asarray(image.convert("RGB"))
        h, w = array.shape[:2]
        _, height, width = rec.rec_image_shape
        norm = rec.resize_norm_img(array, max(width / height, w / max(h, 1)))[np.newaxis, :]
        preds = np.asarray(rec.session(norm.astype(np.float32)))
        preds = np.where(allowed[None, None, : preds.shape[2]], preds, -np.inf)
        (text, score), = decode.decode(preds.argmax(axis=2), preds.max(axis=2), remove_duplicate=True)[0]
        out.append((normalise_line(text), round(float(score), 4)))
    return out


def recognise_crops(images: list[Image.Image], engine: str = "auto") -> list[tuple[str, float]] | None:
    """Text lines already cut out of a page (table cells, say), read one image per line by
    `engine`: (normalised text, confidence) each, or None when the engine cannot read bare
    line images (Tesseract here)."""
    read = getattr(get_engine(engine), "recognise_crops", None)
    return read(images) if read else None


_ENGINES: dict[str, Engine] = {}
_ENGINE_CLASSES = {"tesseract": TesseractEngine, "rapidocr": RapidOcrEngine}


def get_engine(name: str = "auto") -> Engine:
    """The process-wide engine called `name` ("auto", "tesseract" or "rapidocr")."""
    if name == "auto":
        name = AUTO_ENGINE
    if name not in _ENGINE_CLASSES:
        raise ValueError(f"unknown OCR engine {name!r}; choose auto, tesseract or rapidocr")
    if name not in _ENGINES:
        _ENGINES[name] = _ENGINE_CLASSES[name]()
    return _ENGINES[name]
