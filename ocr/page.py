"""What reading a document produces: pages of text lines, or a reason it cannot be read."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image as PILImage

ENGINES = ("text_layer", "tesseract", "rapidocr")


@dataclass(frozen=True)
class Line:
    """One line of text as read, with the engine's confidence (0..1) and its box.

    The box is (x0, y0, x1, y1) in pixels of the upright page (for text-layer pages: PDF
    points scaled to the page's `width`/`height`).
    """

    text: str
    confidence: float
    box: tuple[int, int, int, int]


@dataclass
class Page:
    """One upright page and the lines read from it."""

    number: int  # 1-based
    engine: str  # "text_layer" | "tesseract" | "rapidocr"
    lines: list[Line]
    width: int
    height: int
    rotation: int = 0  # 0/90/180/270: degrees turned clockwise to make it upright (deskew not included)
    # Upright colour image; None for text-layer pages. Extraction looks for red seals
    # and signature ink in it.
    image: "PILImage | None" = field(default=None, repr=False, compare=False)
    # 3x3 matrix from this page's pixels (the frame of `lines` and `image`) to the
    # original's: the image file as decoded (EXIF orientation applied), or the PDF page
    # rendered at `source_scale` pixels per point. Identity when nothing was changed.
    transform: tuple = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    source_size: tuple[int, int] | None = None  # (width, height) of the original, pixels
    source_scale: float | None = None  # PDF pages: original pixels per PDF point
    # One list of line indices per card found on the page by segmentation; empty when the
    # page was not segmented (extraction then splits by repeated labels).
    regions: list[list[int]] = field(default_factory=list)

    def to_original(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """`box` (this page's pixels) as the box around it in the original's pixels."""
        from ocr.prepare import map_box

        return map_box(self.transform, box, self.source_size)

    def read_crops(self, images: list, charset: str | None = None) -> list[tuple[str, float]] | None:
        """Line images cut out of this page, read by the engine that read the page:
        (normalised text, confidence) each, or None when that engine cannot read bare
        line images (text-layer pages). `charset` restricts recognition to those
        characters (handwritten dates: digits and separators)."""
        if self.engine not in ("tesseract", "rapidocr"):
            return None
        from ocr.engines import get_engine

        read = getattr(get_engine(self.engine), "read_crops", None)
        return read(images, charset) if read else None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float:
        """Mean line confidence weighted by text length; 0.0 for a page with no text."""
        total = sum(len(line.text) for line in self.lines)
        if total == 0:
            return 0.0
        return sum(line.confidence * len(line.text) for line in self.lines) / total


# Bilingual reasons per code; the quarantine shows them to clerks.
REASONS: dict[str, tuple[str, str]] = {
    "empty": ("the file is empty", "文件为空"),
    "truncated_pdf": ("the PDF is truncated or damaged", "PDF 文件不完整或已损坏"),
    "encrypted_pdf": ("the PDF is password-protected", "PDF 文件已加密"),
    "not_an_image": ("the file is not a readable image", "文件不是可读取的图片"),
    "truncated_image": ("the image is incomplete", "图片文件不完整"),
    "decompression_bomb": ("the image is too large to open safely", "图片尺寸过大，无法安全打开"),
    "too_many_pages": ("the document has too many pages", "文档页数过多"),
    "too_large": ("the file is too large", "文件过大"),
    "page_timeout": ("reading a page took too long", "页面识别超时"),
    "document_timeout": ("reading the document took too long", "文档识别超时"),
    "unsupported_type": ("this file type is not supported", "不支持的文件类型"),
}


class UnreadableDocument(Exception):
    """The document cannot be read; `code` is stable, the reasons are for people."""

    def __init__(self, code: str, detail: str = "") -> None:
        reason_en, reason_zh = REASONS.get(code, (code.replace("_", " "), code))
        self.code = code
        self.reason_en = reason_en + (f": {detail}" if detail else "")
        self.reason_zh = reason_zh
        super().__init__(f"{code}: {self.reason_en}")

    def __reduce__(self):  # survives pickling across worker processes
        return (_rebuild_unreadable, (self.code, self.reason_en, self.reason_zh))


def _rebuild_unreadable(code: str, reason_en: str, reason_zh: str) -> UnreadableDocument:
    error = UnreadableDocument(code)
    error.reason_en, error.reason_zh = reason_en, reason_zh
    error.args = (f"{code}: {reason_en}",)
    return error


@dataclass(frozen=True)
class Limits:
    """Bounds on reading one document; exceeding one raises UnreadableDocument."""

    max_pages: int = 200
    max_pixels: int = Image.MAX_IMAGE_PIXELS or 89_478_485
    page_timeout_s: float = 60
    document_timeout_s: float = 600
    max_bytes: int = 200 * 1024 * 1024
