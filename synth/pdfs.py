"""PDF documents with a text layer: the national query printout (全国特种作业操作证查询) drawn
once as a layout, then written either with real, extractable text (reportlab, embedded
TrueType with ToUnicode) or as `(cid:NNN)` garbage (Type3 bitmap glyphs, no Unicode mapping)
that renders fine but extracts as nothing useful."""
from __future__ import annotations

import functools
import io
import zlib
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from synth.certificates import CertificateTruth
from synth.fonts import font, truetype_cjk_path

A4_PT = (595.0, 842.0)
LATIN_FONT, LATIN_BOLD = "Helvetica", "Helvetica-Bold"
CJK_FONT = "SynthCJK"


@dataclass(frozen=True)
class Run:
    """Text at (x, y) in points from the page's top-left corner; y is the baseline."""
    x: float
    y: float
    size: float
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class PageLayout:
    runs: tuple[Run, ...]
    rules: tuple[Rule, ...] = ()
    size: tuple[float, float] = A4_PT


# The validity and review labels other printings of the query record use (domain.md §2.1).
QUERY_WORDINGS = {
    "default": ("有效期开始日期", "有效期结束日期", "实际复审日期"),
    "platform": ("有效期开始时间", "有效期结束时间", "实际复审时间"),
    "local": ("有效期从", "有效期到", "复审记录"),
}


def query_printout(truth: CertificateTruth, queried_at: datetime, wording: str = "default") -> PageLayout:
    """The national query site's result page as printed to PDF by a clerk."""
    runs = [Run(170, 80, 20, "全国特种作业操作证查询", bold=True),
            Run(250, 112, 12, "查询结果（1条）")]
    rules = [Rule(60, 128, 535, 128)]
    reviews = "，".join(d.isoformat() for d in truth.reviews) or "无"
    start_label, end_label, reviews_label = QUERY_WORDINGS[wording]
    rows = [("姓名", truth.name), ("性别", truth.sex), ("证件号码", truth.id_number),
            ("证号", truth.cert_no), ("作业类别", truth.category), ("操作项目", truth.item),
            ("初领日期", truth.first_issued.isoformat()),
            (start_label, truth.valid_from.isoformat()),
            (end_label, truth.valid_until.isoformat()),
            ("应复审日期", truth.review_due.isoformat() if truth.review_due else "—"),
            (reviews_label, reviews), ("发证机关", truth.issuer)]
    y = 128.0
    for label, value in rows:
        runs += [Run(70, y + 22, 12, label), Run(200, y + 22, 12, value)]
        y += 32
        rules.append(Rule(60, y, 535, y))
    rules += [Rule(60, 128, 60, y), Rule(190, 128, 190, y), Rule(535, 128, 535, y)]
    runs += [Run(60, y + 40, 10, f"查询时间：{queried_at:%Y-%m-%d %H:%M:%S}"),
             Run(60, y + 58, 10, "数据来源：应急管理部特种作业操作证及安全生产知识和管理能力考核合格信息查询平台"),
             Run(280, 810, 9, "1/1")]
    return PageLayout(tuple(runs), tuple(rules))


# --- real text layer (reportlab) ---------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _register_cjk() -> str:
    pdfmetrics.registerFont(TTFont(CJK_FONT, truetype_cjk_path()))
    return CJK_FONT


def _script_runs(text: str):
    """Split text into (is_ascii, chunk): the CJK TrueType face has no Latin glyphs."""
    chunk, ascii_mode = "", None
    for ch in text:
        is_ascii = ord(ch) < 128
        if chunk and is_ascii != ascii_mode:
            yield ascii_mode, chunk
            chunk = ""
        chunk, ascii_mode = chunk + ch, is_ascii
    if chunk:
        yield ascii_mode, chunk


def text_pdf(pages: list[PageLayout], *, title: str = "查询结果") -> bytes:
    """A PDF whose text pdfplumber extracts as the real characters."""
    cjk = _register_cjk()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=1)
    pdf.setTitle(title)
    for page in pages:
        w, h = page.size
        pdf.setPageSize(page.size)
        pdf.setLineWidth(0.6)
        for r in page.rules:
            pdf.line(r.x0, h - r.y0, r.x1, h - r.y1)
        for run in page.runs:
            x = run.x
            for is_ascii, chunk in _script_runs(run.text):
                name = (LATIN_BOLD if run.bold else LATIN_FONT) if is_ascii else cjk
                text = pdf.beginText(x, h - run.y)
                text.setFont(name, run.size)
                if run.bold and not is_ascii:
                    text.setTextRenderMode(2)  # fill and stroke: a poor man's bold
                text.textOut(chunk)
                pdf.drawText(text)
                x += pdfmetrics.stringWidth(chunk, name, run.size)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


# --- garbage text layer (hand-written PDF with Type3 bitmap glyphs) ----------------------

# Codes no standard encoding maps to a character, so extractors can only say (cid:N).
_FREE_CODES = tuple(range(1, 32)) + tuple(range(127, 161))
_GLYPH_PX = 96          # bitmap em size
_UNITS = 1000           # glyph space units per em
_DESCENT = 120


class _PdfWriter:
    def __init__(self) -> None:
        self.objects: list[bytes] = []

    def reserve(self) -> int:
        self.objects.append(b"")
        return len(self.objects)

    def put(self, num: int, body: bytes) -> int:
        self.objects[num - 1] = body
        return num

    def add(self, body: bytes) -> int:
        return self.put(self.reserve(), body)

    def stream(self, head: str, data: bytes) -> int:
        packed = zlib.compress(data, 9)
        return self.add(f"<< {head} /Filter /FlateDecode /Length {len(packed)} >>\nstream\n".encode()
                        + packed + b"\nendstream")

    def finish(self, root: int) -> bytes:
        out = io.BytesIO()
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for num, body in enumerate(self.objects, 1):
            offsets.append(out.tell())
            out.write(f"{num} 0 obj\n".encode() + body + b"\nendobj\n")
        xref = out.tell()
        out.write(f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode())
        for off in offsets:
            out.write(f"{off:010d} 00000 n \n".encode())
        out.write(f"trailer\n<< /Size {len(self.objects) + 1} /Root {root} 0 R >>\n"
                  f"startxref\n{xref}\n%%EOF\n".encode())
        return out.getvalue()


def _glyph_bitmap(ch: str, bold: bool) -> tuple[Image.Image, int]:
    f = font(_GLYPH_PX, bold=bold)
    advance = max(1, round(f.getlength(ch)))
    img = Image.new("1", (advance, _GLYPH_PX), 1)
    # Baseline sits DESCENT/UNITS of the em above the bottom edge.
    baseline = _GLYPH_PX - round(_GLYPH_PX * _DESCENT / _UNITS)
    ImageDraw.Draw(img).text((0, baseline), ch, font=f, fill=0, anchor="ls")
    return img, advance


def cid_pdf(pages: list[PageLayout]) -> bytes:
    """A PDF that looks right when rendered but whose text extracts as (cid:N) garbage."""
    glyphs: dict[tuple[str, bool], tuple[int, int]] = {}   # (char, bold) -> (font index, code)
    for page in pages:
        for run in page.runs:
            for ch in run.text:
                if ch != " " and (ch, run.bold) not in glyphs:
                    n = len(glyphs)
                    glyphs[(ch, run.bold)] = (n // len(_FREE_CODES), _FREE_CODES[n % len(_FREE_CODES)])
    w = _PdfWriter()
    font_ids: dict[int, int] = {}
    advances: dict[tuple[str, bool], float] = {}
    n_fonts = max((i for i, _ in glyphs.values()), default=-1) + 1
    for fi in range(n_fonts):
        members = sorted(((code, key) for key, (i, code) in glyphs.items() if i == fi))
        procs, xobjects, widths = [], [], {}
        for code, key in members:
            bitmap, advance_px = _glyph_bitmap(*key)
            width_units = round(advance_px * _UNITS / _GLYPH_PX)
            advances[key] = width_units / _UNITS
            widths[code] = width_units
            img_id = w.stream(f"/Type /XObject /Subtype /Image /Width {bitmap.width} /Height {bitmap.height}"
                              f" /ImageMask true /BitsPerComponent 1", bitmap.tobytes())
            xobjects.append(f"/I{code} {img_id} 0 R")
            proc = (f"{width_units} 0 0 {-_DESCENT} {width_units} {_UNITS - _DESCENT} d1\n"
                    f"q {width_units} 0 0 {_UNITS} 0 {-_DESCENT} cm /I{code} Do Q").encode()
            procs.append(f"/g{code} {w.stream('', proc)} 0 R")
        first, last = members[0][0], members[-1][0]
        width_list = " ".join(str(widths.get(c, 0)) for c in range(first, last + 1))
        diffs = " ".join(f"{code} /g{code}" for code, _ in members)
        font_ids[fi] = w.add((
            f"<< /Type /Font /Subtype /Type3 /FontBBox [0 {-_DESCENT} {_UNITS * 2} {_UNITS - _DESCENT}]"
            f" /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << {' '.join(procs)} >>"
            f" /Encoding << /Type /Encoding /Differences [{diffs}] >>"
            f" /FirstChar {first} /LastChar {last} /Widths [{width_list}]"
            f" /Resources << /XObject << {' '.join(xobjects)} >> >> >>").encode())
    font_res = " ".join(f"/T{fi} {fid} 0 R" for fi, fid in font_ids.items())
    pages_id = w.reserve()
    kids = []
    for page in pages:
        pw, ph = page.size
        ops = ["0.6 w"] + [f"{r.x0:.2f} {ph - r.y0:.2f} m {r.x1:.2f} {ph - r.y1:.2f} l S" for r in page.rules]
        for run in page.runs:
            x = run.x
            for ch in run.text:
                if ch == " ":
                    x += run.size * 0.3
                    continue
                fi, code = glyphs[(ch, run.bold)]
                ops.append(f"BT /T{fi} {run.size} Tf {x:.2f} {ph - run.y:.2f} Td <{code:02x}> Tj ET")
                x += advances[(ch, run.bold)] * run.size
        content = w.stream("", "\n".join(ops).encode())
        kids.append(w.add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {pw} {ph}]"
                          f" /Resources << /Font << {font_res} >> >> /Contents {content} 0 R >>".encode()))
    w.put(pages_id, f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode())
    root = w.add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    return w.finish(root)
