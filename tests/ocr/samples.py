"""Small documents made on the spot for the OCR tests: rendered text, PDFs, broken files."""
from __future__ import annotations

import io
import struct
import subprocess
import zlib

from PIL import Image, ImageDraw, ImageFont

NAME_LINE = "姓名:王建国 作业类别:电工作业"
ID_LINE = "身份证号:370902198805120017"
ISSUER_LINE = "发证机关:泰安市应急管理局"
LINES = (NAME_LINE, ID_LINE, ISSUER_LINE)
ID_NUMBER = "370902198805120017"


def noto_sans_sc() -> str:
    listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
    paths = sorted(line.split(":")[0].strip() for line in listing.splitlines())
    for path in paths:
        if "NotoSansCJK-Regular" in path:
            return path
    raise RuntimeError("fonts-noto-cjk is not installed")


def text_image(lines=LINES, size: int = 40, red_seal: bool = False) -> Image.Image:
    """Black text on white, a line every 2.2 font sizes, like a certificate's inner page."""
    font = ImageFont.truetype(noto_sans_sc(), size, index=2)  # face 2: Simplified Chinese
    width = int(size * 1.1 * max(len(line) for line in lines)) + 2 * size
    image = Image.new("RGB", (width, int(size * 2.2 * len(lines)) + 2 * size), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((size, size + i * size * 2.2), line, font=font, fill="black")
    if red_seal:
        x, y = width - 5 * size, size
        draw.ellipse((x, y, x + 4 * size, y + 4 * size), outline=(220, 30, 30), width=6)
    return image


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def text_layer_pdf(lines=LINES) -> bytes:
    """A PDF whose text is real text (Adobe's STSong CID font: no embedding, full Unicode)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("STSong-Light", 16)
    for i, line in enumerate(lines):
        pdf.drawString(72, 760 - i * 30, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_pdf(image: Image.Image, caption: str = "") -> bytes:
    """A scan: the page is one picture, with an optional tiny text layer (a scanner's stamp)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width = 500
    height = width * image.height / image.width
    pdf.drawImage(ImageReader(image), 48, 800 - height, width=width, height=height)
    if caption:
        pdf.setFont("Helvetica", 8)
        pdf.drawString(48, 30, caption)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def cid_garbage_pdf(lines=LINES) -> bytes:
    """Real text drawn with an embedded TrueType font whose /ToUnicode map is removed:
    text extraction then yields "(cid:NN)" glyph numbers, as with many scanner PDFs."""
    import pypdf
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Fallback", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("Fallback", 18)
    for i, line in enumerate(lines):
        pdf.drawString(72, 760 - i * 34, line)
    pdf.showPage()
    pdf.save()
    reader = pypdf.PdfReader(io.BytesIO(buffer.getvalue()))
    writer = pypdf.PdfWriter(clone_from=reader)
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            font.pop("/ToUnicode", None)
            for descendant in font.get("/DescendantFonts", []):
                descendant.get_object().pop("/ToUnicode", None)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(text_layer_pdf())))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def many_pages_pdf(pages: int) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = compressor.compress(row * 8) + compressor.flush()  # only a few rows: never decoded
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def jpeg_with_exif_orientation(image: Image.Image, orientation: int) -> bytes:
    """Store the pixels turned the way a phone camera does, with the EXIF tag that says so."""
    # Orientation 6: the viewer must turn the stored pixels 90° clockwise to show them.
    stored = {6: image.rotate(90, expand=True), 8: image.rotate(-90, expand=True),
              3: image.rotate(180)}[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=92, exif=exif)
