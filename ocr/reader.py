"""Read one document (PDF or image bytes) into Pages, safely and within limits.

The file's content decides how it is read (magic bytes); the extension only decides which
complaint a clerk sees when the content is not what the name promises. Every way a file
can be unreadable ends in `UnreadableDocument` with a stable code, before any expensive
work where possible: sizes and page counts are checked before anything is decoded.
"""
from __future__ import annotations

import io
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, ImageSequence

from ocr.engines import get_engine
from ocr.normalise import normalise_line
from ocr.page import Limits, Line, Page, UnreadableDocument
from ocr.prepare import WORKING_LONG_SIDE, prepare

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"}
PDF_SUFFIXES = {".pdf"}
_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
    b"GIF87a",
    b"GIF89a",
)
# The PDF standard lets readers look for %%EOF only in the last 1024 bytes.
_EOF_WINDOW = 1024
# A text layer is believed only if it holds at least this many Chinese characters,
# letters or digits; scanners often add an empty or a few-word layer over the image.
MIN_TEXT_LAYER_CHARS = 20
_MEANINGFUL_CHAR = re.compile(r"[\u3400-\u9fff0-9A-Za-z]")
# Glyph numbers instead of text (fonts without a Unicode map), or characters lost to a
# broken map (NUL, U+FFFD): one lost digit spoils an ID number, so the page is OCR'd.
_GARBAGE = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
# Render scanned PDF pages at 300 DPI unless that makes the long side exceed the working
# resolution (then smaller, as an image would be resampled to it anyway).
RENDER_DPI = 300


def sniff(data: bytes, filename: str) -> str:
    """"pdf" or "image" from the content; UnreadableDocument if it is neither."""
    if not data:
        raise UnreadableDocument("empty")
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    suffix = Path(filename).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        raise UnreadableDocument("not_an_image", f"{suffix} file with other content")
    if suffix in PDF_SUFFIXES:
        raise UnreadableDocument("truncated_pdf", "no PDF header")
    raise UnreadableDocument("unsupported_type", suffix or "no extension")


def read_document(
    data: bytes, filename: str, engine: str = "auto", limits: Limits = Limits()
) -> list[Page]:
    """Pages of a PDF or image file, upright, with recognised (or text-layer) lines.

    `engine` is "auto", "tesseract" or "rapidocr" and is used for pages without a
    trustworthy text layer. Raises UnreadableDocument (see ocr.page.REASONS for codes).
    """
    if len(data) > limits.max_bytes:
        raise UnreadableDocument("too_large", f"{len(data)} bytes > {limits.max_bytes}")
    kind = sniff(data, filename)
    budget = _Budget(limits)
    if kind == "pdf":
        return _read_pdf(data, engine, limits, budget)
    return _read_image(data, engine, limits, budget)


def warm_up(engine: str = "auto") -> None:
    """Load the engine's models now (a worker calls this before its first task's clock)."""
    from ocr.prepare import _has_osd

    get_engine(engine)
    _has_osd()


class _Budget:
    """The document's time budget; each page gets the smaller of its own and what is left."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.document_timeout_s

    def page_timeout(self) -> float:
        """Seconds the next step may take (> 0: pytesseract reads 0 as "no limit")."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise UnreadableDocument("document_timeout", f"> {self.limits.document_timeout_s:g}s")
        return max(0.01, min(self.limits.page_timeout_s, left))


def _recognise(image: Image.Image, number: int, engine_name: str, budget: _Budget) -> Page:
    """Prepare and read one page image.

    Most pages arrive upright. With an engine whose reading shows that (Tesseract), the
    page is read as it lies first, and its orientation is looked for only when the reading
    does not show it upright: one OCR pass for an upright page instead of two. The
    reading is kept when the page turns out upright after all (same image, same lines).
    """
    engine = get_engine(engine_name)
    page_deadline = time.monotonic() + budget.page_timeout()

    def time_left() -> float:
        left = min(page_deadline - time.monotonic(), budget.page_timeout())
        if left <= 0:
            raise UnreadableDocument("page_timeout", f"page {number}")
        return left

    lines = None
    if engine.shows_orientation:
        prepared = prepare(image, budget.page_timeout(), rotation=0)
        lines, upright = engine.recognise_as_lying(prepared.grey, time_left())
        if not upright:
            oriented = prepare(image, time_left())
            if oriented.rotation:
                prepared, lines = oriented, None
    else:
        prepared = prepare(image, budget.page_timeout())
    if lines is None:
        lines = engine.recognise(prepared.grey, time_left())
    return Page(
        number=number,
        engine=engine.name,
        lines=lines,
        width=prepared.colour.width,
        height=prepared.colour.height,
        rotation=prepared.rotation,
        image=prepared.colour,
        transform=prepared.to_original,
        source_size=image.size,
    )


# ---------------------------------------------------------------- images


def _open_image(data: bytes, limits: Limits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # We apply our own pixel limit below; Pillow's own (2x its warning limit)
            # still raises DecompressionBombError, caught here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise UnreadableDocument("decompression_bomb", str(error)) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise UnreadableDocument("not_an_image", str(error)) from None
    return image


def _check_pixels(image: Image.Image, limits: Limits) -> None:
    pixels = image.width * image.height
    if pixels > limits.max_pixels:
        raise UnreadableDocument(
            "decompression_bomb", f"{image.width}x{image.height} > {limits.max_pixels} pixels"
        )


def _load_frame(frame: Image.Image) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            frame.load()
            upright = ImageOps.exif_transpose(frame)  # phone photos: EXIF says which way up
            return upright.convert("RGB")
    except Image.DecompressionBombError as error:
        raise UnreadableDocument("decompression_bomb", str(error)) from None
    except (OSError, SyntaxError, ValueError) as error:
        code = "truncated_image" if "truncated" in str(error) else "not_an_image"
        raise UnreadableDocument(code, str(error)) from None


def _read_image(data: bytes, engine: str, limits: Limits, budget: _Budget) -> list[Page]:
    image = _open_image(data, limits)
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_pages:
        raise UnreadableDocument("too_many_pages", f"{frames} frames > {limits.max_pages}")
    pages = []
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        _check_pixels(frame, limits)
        if image.format == "GIF" and number > 1:
            break  # an animated GIF is one picture, not pages
        pages.append(_recognise(_load_frame(frame), number, engine, budget))
    return pages


# ---------------------------------------------------------------- PDFs


def _open_pdf(data: bytes, limits: Limits):
    """The pdfium document, after the structural checks; page count checked, nothing rendered."""
    import pypdfium2 as pdfium

    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise UnreadableDocument("truncated_pdf", "no %%EOF at the end")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise UnreadableDocument("encrypted_pdf") from None
        raise UnreadableDocument("truncated_pdf", str(error)) from None
    count = len(document)
    if count > limits.max_pages:
        document.close()
        raise UnreadableDocument("too_many_pages", f"{count} pages > {limits.max_pages}")
    if count == 0:
        document.close()
        raise UnreadableDocument("empty", "the PDF has no pages")
    return document


def _render_scale(width_pt: float, height_pt: float, limits: Limits) -> float:
    scale = min(RENDER_DPI / 72, WORKING_LONG_SIDE / max(width_pt, height_pt, 1))
    # A page with an absurd MediaBox must not become an absurd bitmap.
    if width_pt * height_pt * scale * scale > limits.max_pixels:
        scale = (limits.max_pixels / (width_pt * height_pt)) ** 0.5
    return scale


def _read_pdf(data: bytes, engine: str, limits: Limits, budget: _Budget) -> list[Page]:
    document = _open_pdf(data, limits)
    try:
        text_layers = _text_layers(data, len(document))
        pages = []
        for index in range(len(document)):
            pdf_page = document[index]
            width_pt, height_pt = pdf_page.get_size()
            scale = _render_scale(width_pt, height_pt, limits)
            layer = text_layers[index]
            if layer is not None:
                budget.page_timeout()  # the document budget holds for text pages too
                page = _text_layer_page(index + 1, layer.lines, width_pt, height_pt, scale)
                page.source_scale, page.source_size = scale, (page.width, page.height)
                if layer.has_picture:
                    # A searchable scan: the words are in the text layer, but seals and
                    # signatures are only in the picture.
                    page.image = pdf_page.render(scale=scale).to_pil().convert("RGB")
                pages.append(page)
            else:
                bitmap = pdf_page.render(scale=scale, rotation=0)
                image = bitmap.to_pil().convert("RGB")
                page = _recognise(image, index + 1, engine, budget)
                page.source_scale = scale
                pages.append(page)
            pdf_page.close()
        return pages
    finally:
        document.close()


@dataclass(frozen=True)
class _TextLayer:
    lines: list[dict]  # pdfplumber text lines
    has_picture: bool  # an embedded image covers a tenth of the page or more


def _text_layers(data: bytes, count: int) -> list[_TextLayer | None]:
    """Per page, the text layer if it is real text, else None (the page gets OCR'd)."""
    import pdfplumber

    layers: list[_TextLayer | None] = [None] * count
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index, page in enumerate(pdf.pages[:count]):
                try:
                    lines = page.extract_text_lines(return_chars=False)
                except Exception:  # noqa: BLE001 - a broken text layer means: OCR the page
                    continue
                text = "".join(line["text"] for line in lines)
                if _GARBAGE.search(text):
                    continue
                if len(_MEANINGFUL_CHAR.findall(text)) < MIN_TEXT_LAYER_CHARS:
                    continue
                area = float(page.width * page.height) or 1.0
                pictured = sum(
                    max(0.0, float(im["x1"] - im["x0"])) * max(0.0, float(im["bottom"] - im["top"]))
                    for im in page.images
                )
                layers[index] = _TextLayer(lines, pictured / area >= 0.1)
    except Exception:  # noqa: BLE001 - pdfminer cannot parse it; pdfium can still render it
        pass
    return layers


def _text_layer_page(
    number: int, lines: list[dict], width_pt: float, height_pt: float, scale: float
) -> Page:
    """A page from its text layer, boxes in the pixels a rendering at `scale` would have."""
    result = []
    for line in lines:
        text = normalise_line(line["text"])
        if not text:
            continue
        box = (
            int(line["x0"] * scale),
            int(line["top"] * scale),
            int(round(line["x1"] * scale)),
            int(round(line["bottom"] * scale)),
        )
        result.append(Line(text, 1.0, box))
    result.sort(key=lambda line: (line.box[1], line.box[0]))
    return Page(
        number=number,
        engine="text_layer",
        lines=result,
        width=round(width_pt * scale),
        height=round(height_pt * scale),
        rotation=0,
        image=None,
    )


# ---------------------------------------------------------------- completeness


def check_complete(path: str | Path) -> bool:
    """Is the file structurally whole (not still being written)? Cheap; never raises.

    PDF: %%EOF at the end and pdfium opens it (an encrypted PDF is complete). Image: it
    decodes fully (within the pixel limit; a too-large image is complete, and refused
    later). ZIP-based files (xlsx): the end-of-central-directory record is present.
    Anything else (csv, txt): complete if it can be read.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size == 0:
            return False
        with path.open("rb") as handle:
            head = handle.read(1024)
            handle.seek(max(0, size - 65_536))
            tail = handle.read()
    except OSError:
        return False
    if b"%PDF-" in head:
        return _pdf_complete(path, tail)
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return _image_complete(path)
    if head.startswith(b"PK\x03\x04"):
        return b"PK\x05\x06" in tail
    return True


def _pdf_complete(path: Path, tail: bytes) -> bool:
    import pypdfium2 as pdfium

    if b"%%EOF" not in tail[-_EOF_WINDOW:]:
        return False
    try:
        pdfium.PdfDocument(str(path)).close()
    except pdfium.PdfiumError as error:
        return "password" in str(error).lower()
    return True


def _image_complete(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > Limits().max_pixels:
                    return True  # whole or not, it will be refused as too large
                for frame in ImageSequence.Iterator(image):
                    frame.load()
    except Image.DecompressionBombError:
        return True
    except (OSError, SyntaxError, ValueError):
        return False
    return True
