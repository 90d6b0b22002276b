"""Files that must be rejected, as bytes: empty, truncated, encrypted, garbage-text, wrong
type, decompression bomb, too many pages. For intake tests."""
from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import date, datetime

from PIL import Image
from pypdf import PdfWriter

from synth.certificates import random_certificate
from synth.pdfs import cid_pdf, query_printout, text_pdf


def zero_bytes() -> bytes:
    return b""


def _sample_pdf(seed: int) -> bytes:
    card = random_certificate(random.Random(seed), anomalies=(), as_of=date(2024, 6, 1))
    return text_pdf([query_printout(card, datetime(2024, 5, 20, 9, 30))])


def truncated_pdf(seed: int = 0) -> bytes:
    """A real PDF cut off before its cross-reference table and trailer."""
    data = _sample_pdf(seed)
    return data[: len(data) * 3 // 5]


def encrypted_pdf(password: str = "zhili-secret") -> bytes:
    """A one-page PDF that needs a user password to open."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def cid_garbage_pdf(seed: int = 0) -> bytes:
    """Renders readably, extracts as (cid:N)."""
    card = random_certificate(random.Random(seed), anomalies=())
    return cid_pdf([query_printout(card, datetime(2024, 5, 20, 9, 30))])


def random_bytes(n: int = 4096, seed: int = 0) -> bytes:
    """Noise, to be named .jpg."""
    return random.Random(seed).randbytes(n)


def text_named_png() -> bytes:
    """Plain text, to be named .png."""
    return "这不是图片。This is a text file with a .png name.\n".encode("utf-8")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def bomb_png(width: int | None = None, height: int = 12000) -> bytes:
    """A ~25 KB 1-bit PNG whose pixel count exceeds twice Pillow's MAX_IMAGE_PIXELS, so
    opening it raises DecompressionBombError (unless a reader lifts the limit)."""
    limit = Image.MAX_IMAGE_PIXELS or 89_478_485
    width = width or (2 * limit) // height + 1000
    row = b"\x00" * (1 + (width + 7) // 8)     # filter byte + packed zero bits
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", b"".join(parts))
            + _png_chunk(b"IEND", b""))


def many_pages_pdf(n_pages: int = 2001) -> bytes:
    """A PDF of `n_pages` tiny blank pages (for the page-count limit)."""
    writer = PdfWriter()
    for _ in range(n_pages):
        writer.add_blank_page(width=72, height=72)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# name -> (file name suffix, maker): everything intake should refuse.
BAD_FILES = {
    "zero_bytes": (".pdf", zero_bytes),
    "truncated_pdf": (".pdf", truncated_pdf),
    "encrypted_pdf": (".pdf", encrypted_pdf),
    "random_bytes": (".jpg", random_bytes),
    "text_named_png": (".png", text_named_png),
    "bomb_png": (".png", bomb_png),
    "many_pages_pdf": (".pdf", many_pages_pdf),
}
