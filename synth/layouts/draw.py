"""Drawing primitives of the held-out designs: fonts, text that reports its box, red seals,
QR-like codes, photo boxes, guilloche and handwritten-looking dates. Pure PIL, in memory."""
from __future__ import annotations

import functools
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from synth.fonts import SC_FACE_INDEX, SANS, SANS_BOLD, SERIF, SERIF_BOLD, truetype_cjk_path

INK = (25, 25, 30)
BLUE_INK = (30, 45, 120)
RED = (200, 30, 35)

FAMILIES = ("sans", "serif", "droid")


@functools.lru_cache(maxsize=None)
def font(size: int, family: str = "sans", bold: bool = False) -> ImageFont.FreeTypeFont:
    """A CJK face by family: Noto Sans / Noto Serif CJK (fonts-noto-cjk) or Droid Sans
    Fallback (fonts-droid-fallback, no bold: drawn with a stroke instead)."""
    if family == "droid":
        return ImageFont.truetype(truetype_cjk_path(), size)
    path = {("sans", False): SANS, ("sans", True): SANS_BOLD,
            ("serif", False): SERIF, ("serif", True): SERIF_BOLD}[(family, bold)]
    from synth.fonts import _locate  # the one place that finds font files
    return ImageFont.truetype(_locate(path), size, index=SC_FACE_INDEX)


def _runs(s: str, family: str):
    """Droid Sans Fallback has no Latin glyphs: its ASCII is drawn in Noto Sans."""
    if family != "droid":
        yield s, family
        return
    chunk, ascii_mode = "", None
    for ch in s:
        is_ascii = ord(ch) < 128
        if chunk and is_ascii != ascii_mode:
            yield chunk, "sans" if ascii_mode else "droid"
            chunk = ""
        chunk, ascii_mode = chunk + ch, is_ascii
    if chunk:
        yield chunk, "sans" if ascii_mode else "droid"


def text(draw: ImageDraw.ImageDraw, xy, s: str, size: int, family: str = "sans", *, bold: bool = False,
         fill=INK, anchor: str = "la") -> tuple[int, int, int, int]:
    """Draw `s`; returns its bounding box."""
    total = width(s, size, family)
    x, y = xy
    if anchor[0] == "m":
        x -= total / 2
    elif anchor[0] == "r":
        x -= total
    vertical = "l" + anchor[1]
    box = None
    for chunk, fam in _runs(s, family):
        f = font(size, fam, bold and fam != "droid")
        stroke = 1 if bold and fam == "droid" else 0
        draw.text((x, y), chunk, font=f, fill=fill, anchor=vertical, stroke_width=stroke, stroke_fill=fill)
        b = draw.textbbox((x, y), chunk, font=f, anchor=vertical, stroke_width=stroke)
        box = b if box is None else (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3]))
        x += f.getlength(chunk)
    return box or (int(x), int(y), int(x), int(y))


def width(s: str, size: int, family: str = "sans") -> float:
    return sum(font(size, fam).getlength(chunk) for chunk, fam in _runs(s, family))


def spaced(s: str, n: int = 1) -> str:
    """Letter-spaced label as printed on cards: 姓　名."""
    return ("\u3000" * n).join(s)


def guilloche(img: Image.Image, rng: random.Random, tint, step: int = 16) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    a, f1, f2 = rng.uniform(4, 10), rng.uniform(0.006, 0.02), rng.uniform(0.02, 0.05)
    for y0 in range(-20, h + 20, step):
        pts = [(x, y0 + a * math.sin(f1 * x + y0 * 0.03) + 2 * math.sin(f2 * x)) for x in range(0, w + 1, 6)]
        draw.line(pts, fill=tint, width=1)


def photo(draw: ImageDraw.ImageDraw, box, rng: random.Random) -> None:
    x0, y0, x1, y1 = box
    bg = rng.choice(((235, 238, 245), (200, 220, 245), (245, 245, 245), (220, 60, 60)))
    draw.rectangle(box, fill=bg, outline=(140, 140, 150), width=2)
    cx, w, h = (x0 + x1) // 2, x1 - x0, y1 - y0
    skin = (rng.randint(170, 215), rng.randint(140, 180), rng.randint(110, 150))
    draw.ellipse((cx - w * 0.22, y0 + h * 0.18, cx + w * 0.22, y0 + h * 0.58), fill=skin)
    draw.pieslice((x0 + w * 0.08, y0 + h * 0.6, x1 - w * 0.08, y1 + h * 0.5), 180, 360,
                  fill=rng.choice(((40, 40, 60), (60, 70, 90), (20, 30, 40))))
    draw.ellipse((cx - w * 0.23, y0 + h * 0.13, cx + w * 0.23, y0 + h * 0.35), fill=(30, 25, 25))


def qr(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int, size: int, modules: int = 29) -> None:
    cell = max(1, size // modules)
    draw.rectangle((x - cell, y - cell, x + modules * cell + cell, y + modules * cell + cell), fill=(255, 255, 255))
    for i in range(modules):
        for j in range(modules):
            if rng.random() < 0.48:
                draw.rectangle((x + i * cell, y + j * cell, x + (i + 1) * cell - 1, y + (j + 1) * cell - 1), fill=INK)
    for fi, fj in ((0, 0), (modules - 7, 0), (0, modules - 7)):
        ox, oy = x + fi * cell, y + fj * cell
        draw.rectangle((ox, oy, ox + 7 * cell - 1, oy + 7 * cell - 1), fill=INK)
        draw.rectangle((ox + cell, oy + cell, ox + 6 * cell - 1, oy + 6 * cell - 1), fill=(255, 255, 255))
        draw.rectangle((ox + 2 * cell, oy + 2 * cell, ox + 5 * cell - 1, oy + 5 * cell - 1), fill=INK)


def seal(img: Image.Image, center, radius: int, name: str, rng: random.Random, *, alpha: int | None = None,
         oval: bool = False, label: str = "") -> None:
    """A red official seal: ring, star, the authority's name around the upper arc, a
    horizontal label (专用章) below; blended, slightly patchy, at a random angle."""
    size = radius * 2 + 8
    layer = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(layer)
    c = size // 2
    ry = int(radius * (0.7 if oval else 1.0))
    ring = max(3, radius // 16)
    d.ellipse((c - radius, c - ry, c + radius, c + ry), outline=255, width=ring)
    r = radius * 0.22
    star = [(c + (r if k % 2 == 0 else r * 0.4) * math.sin(k * math.pi / 5),
             c - (r if k % 2 == 0 else r * 0.4) * math.cos(k * math.pi / 5)) for k in range(10)]
    if not oval:
        d.polygon(star, fill=255)
    chars = list(name)
    fsize = max(10, int(radius * (0.30 if len(chars) < 12 else 0.24)))
    f = font(fsize, "serif", True)
    span = min(250.0, 18.0 * len(chars) + 40)
    for k, ch in enumerate(chars):
        ang = math.radians(-span / 2 + span * (k + 0.5) / len(chars))
        glyph = Image.new("L", (fsize * 2, fsize * 2), 0)
        ImageDraw.Draw(glyph).text((fsize, fsize), ch, font=f, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(ang), resample=Image.BICUBIC)
        rr = radius - ring - fsize * 0.7
        gx = c + rr * math.sin(ang) - fsize
        gy = c - rr * math.cos(ang) * (ry / radius) - fsize
        layer.paste(255, (int(gx), int(gy)), glyph)
    if label:
        d.text((c, c + ry * 0.5), label, font=font(max(9, int(radius * 0.2)), "serif", True), fill=255, anchor="mm")
    layer = layer.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)
    # patchy ink: some of the seal printed faintly
    patchy = np.random.default_rng(rng.randrange(2 ** 32)).random((size, size)) < 0.2
    layer = Image.fromarray(np.where(patchy, np.asarray(layer) * 0.55, np.asarray(layer)).astype(np.uint8))
    a = alpha if alpha is not None else rng.randint(130, 200)
    layer = layer.point(lambda v: v * a // 255)
    colour = Image.new("RGB", (size, size), (rng.randint(190, 225), rng.randint(20, 50), rng.randint(30, 55)))
    img.paste(colour, (int(center[0] - c), int(center[1] - c)), layer)


def handwritten(img: Image.Image, xy, s: str, size: int, rng: random.Random, *, ink=None) -> tuple[int, int, int, int]:
    """A date written by hand: each character leaning, wobbling, its own size and stroke,
    in ballpoint blue or black. Returns the box written over."""
    ink = ink or rng.choice((BLUE_INK, (20, 20, 60), (40, 40, 40)))
    x, y = xy
    x0 = x
    lean = rng.uniform(-18, -4)
    for ch in s:
        sz = int(size * rng.uniform(0.85, 1.15))
        f = font(sz, rng.choice(("sans", "serif")), False)
        tile = Image.new("L", (sz * 2, sz * 2), 0)
        ImageDraw.Draw(tile).text((sz // 2, sz // 2), ch, font=f, fill=255,
                                  stroke_width=rng.choice((0, 1)), stroke_fill=255)
        tile = tile.transform(tile.size, Image.AFFINE, (1, math.tan(math.radians(lean)) * 0.4, -sz * 0.1, 0, 1, 0),
                              resample=Image.BICUBIC)
        tile = tile.rotate(rng.uniform(-8, 8), resample=Image.BICUBIC)
        dy = int(rng.uniform(-0.08, 0.08) * size)
        img.paste(Image.new("RGB", tile.size, ink), (int(x - sz // 2), int(y - sz // 2 + dy)), tile)
        x += (f.getlength(ch) or sz * 0.6) * rng.uniform(0.92, 1.1)
    return (int(x0), int(y - size * 0.1), int(x), int(y + size * 1.2))
