"""How the held-out documents reach the intake: the captures, written here apart from
`synth.degrade` so that the second generator's scans, copies and photos differ from the first's.

Each capture takes a design's `Render` and returns (file bytes, extension). Each has a
`dev` and a `heldout` flavour with different parameters (paper, background, angle, dpi,
pattern, where the thumb sits): the flavour is part of the variant family and follows the split.

ORDINARY: flatbed (200–300 dpi), photocopy, phone photo, printout (a printed page scanned),
text_pdf (the printout's own text layer), screenshot.
HARD: four_up (four cards on one A4 page), tablecloth (a card photographed on a patterned
cloth), jpeg_low (quality 20–35), fax (100–120 dpi), dark_tilted, seal_over_dates, thumb,
rotated (90/180/270°), handwritten (a flatbed scan of handwritten review dates).
"""
from __future__ import annotations

import io
import math
import random

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from synth.layouts import draw as d
from synth.layouts.designs import Render
from synth.pdfs import text_pdf

ORDINARY = ("flatbed", "photocopy", "phone", "printout", "text_pdf", "screenshot")
HARD = ("four_up", "tablecloth", "jpeg_low", "fax", "dark_tilted", "seal_over_dates", "thumb", "rotated",
        "handwritten")
# Which media each capture applies to.
MEDIA = {
    "flatbed": ("card",), "photocopy": ("card", "printout"), "phone": ("card", "printout", "screen", "ecert"),
    "printout": ("printout", "screen", "ecert"), "text_pdf": ("printout", "ecert"), "screenshot": ("screen", "ecert"),
    "four_up": ("card",), "tablecloth": ("card",), "jpeg_low": ("card", "printout", "screen", "ecert"),
    "fax": ("card", "printout", "ecert"), "dark_tilted": ("card", "screen"), "seal_over_dates": ("card",),
    "thumb": ("card",), "rotated": ("card", "printout", "ecert"), "handwritten": ("card",),
}
A4_MM = (210, 297)


def _np(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(2 ** 32))


def _scale(img: Image.Image, factor: float) -> Image.Image:
    return img.resize((max(1, int(img.width * factor)), max(1, int(img.height * factor))), Image.LANCZOS)


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def _pdf(img: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "PDF", resolution=float(dpi))
    return buf.getvalue()


def _grain(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    a = np.asarray(img).astype(np.float32)
    a += _np(rng).normal(0, sigma, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def _on_paper(img: Image.Image, dpi: int, rng: random.Random, paper=(252, 252, 250), a4: bool = True) -> Image.Image:
    """The image laid on a page of A4 (or a snug crop) at `dpi`, a little off square."""
    if a4:
        W, H = int(A4_MM[0] / 25.4 * dpi), int(A4_MM[1] / 25.4 * dpi)
        if img.width > W - 40:
            img = _scale(img, (W - 40) / img.width)
    else:
        W, H = img.width + int(dpi * 0.4), img.height + int(dpi * 0.4)
    page = Image.new("RGB", (W, H), paper)
    x = rng.randint(20, max(21, W - img.width - 20))
    y = rng.randint(20, max(21, min(H - img.height - 20, int(H * 0.3))))
    page.paste(img, (x, y))
    return page


def _native(r: Render, dpi: int) -> Image.Image:
    return _scale(r.image, dpi / r.dpi)


def _warp(img: Image.Image, rng: random.Random, strength: float, background, out_w: int) -> Image.Image:
    """A camera view: perspective, the document on a background, resized to the photo's width."""
    a = np.asarray(img.convert("RGB"))
    h, w = a.shape[:2]
    pad = int(max(w, h) * 0.18)
    canvas = np.empty((h + 2 * pad, w + 2 * pad, 3), np.uint8)
    canvas[:] = background if not callable(background) else 0
    if callable(background):
        canvas = np.asarray(background(canvas.shape[1], canvas.shape[0]))
        canvas = canvas.copy()
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    j = lambda: rng.uniform(-strength, strength) * w  # noqa: E731
    dst = np.float32([[pad + j(), pad + j()], [pad + w + j(), pad + j()],
                      [pad + w + j(), pad + h + j()], [pad + j(), pad + h + j()]])
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(a, m, (canvas.shape[1], canvas.shape[0]), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (canvas.shape[1], canvas.shape[0]))
    out = np.where(mask[..., None] > 127, warped, canvas)
    photo = Image.fromarray(out)
    return _scale(photo, out_w / photo.width)


def _light(img: Image.Image, rng: random.Random, lo: float, hi: float) -> Image.Image:
    """Uneven light: a brightness gradient across the frame."""
    a = np.asarray(img).astype(np.float32)
    h, w = a.shape[:2]
    ang = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w]
    g = (np.cos(ang) * xx / w + np.sin(ang) * yy / h)
    g = (g - g.min()) / max(1e-6, g.max() - g.min())
    a *= (lo + (hi - lo) * g)[..., None]
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


# --- ordinary --------------------------------------------------------------------------------

def flatbed(r: Render, rng: random.Random, flavour: str, *, dpi: int | None = None) -> tuple[bytes, str]:
    dpi = dpi or (rng.choice((300, 250)) if flavour == "dev" else rng.choice((200, 220, 240)))
    img = _native(r, dpi)
    if flavour == "heldout":  # a snug scan with the scanner lid's grey around the card
        page = _on_paper(img, dpi, rng, paper=(rng.randint(200, 225),) * 3, a4=False)
    else:
        page = _on_paper(img, dpi, rng)
    page = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.BICUBIC, fillcolor=page.getpixel((2, 2)))
    page = _grain(page, rng, 3.0)
    if rng.random() < 0.5:
        return _jpeg(page, rng.randint(82, 92)), ".jpg"
    return _png(page), ".png"


def photocopy(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    dpi = 200 if flavour == "dev" else rng.choice((180, 200))
    g = _on_paper(_native(r, dpi), dpi, rng).convert("L")
    g = ImageEnhance.Contrast(g).enhance(rng.uniform(1.4, 2.0))
    g = ImageEnhance.Brightness(g).enhance(rng.uniform(1.0, 1.15))
    a = np.asarray(g).astype(np.float32)
    rg = _np(rng)
    a[rg.random(a.shape) < 0.002] = 40  # toner specks
    if flavour == "heldout":  # a worn drum leaves a grey band down the page
        x = rng.randrange(a.shape[1])
        a[:, x:x + rng.randint(4, 15)] *= 0.8
    g = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    if rng.random() < 0.5:
        return _pdf(g, dpi), ".pdf"
    return _png(g), ".png"


def _desk(rng: random.Random):
    colour = rng.choice(((120, 90, 60), (70, 70, 75), (180, 170, 150), (40, 40, 45)))
    return lambda w, h: _grain(Image.new("RGB", (w, h), colour), rng, 8)


def phone(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    strength = 0.05 if flavour == "dev" else 0.09
    photo = _warp(r.image, rng, strength, _desk(rng), rng.choice((2400, 2000) if flavour == "dev" else (1800, 2400, 3000)))
    photo = photo.rotate(rng.uniform(-4, 4), resample=Image.BICUBIC, expand=False)
    photo = _light(photo, rng, 0.8, 1.05).filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.1)))
    return _jpeg(_grain(photo, rng, 5), rng.randint(78, 90)), ".jpg"


def printout(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    """The page printed on an office laser and scanned back to PDF."""
    dpi = 200 if flavour == "dev" else 150
    img = _native(r, dpi)
    page = _on_paper(img, dpi, rng) if img.width < img.height * 0.9 or r.layout is None else img
    page = ImageEnhance.Contrast(page.convert("L")).enhance(1.3).filter(ImageFilter.GaussianBlur(0.5))
    page = _grain(page, rng, 4)
    return _pdf(page, dpi), ".pdf"


def text_layer(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    return text_pdf([r.layout]), ".pdf"


def screenshot(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    img = r.image if flavour == "dev" else _scale(r.image, rng.uniform(0.66, 0.8))  # re-sent through WeChat
    if flavour == "heldout":
        return _jpeg(img, rng.randint(70, 85)), ".jpg"
    return _png(img), ".png"


# --- hard ---------------------------------------------------------------------------------

def four_up(renders: list[Render], rng: random.Random, flavour: str) -> tuple[bytes, str]:
    """Four cards copied onto one A4 page, as clerks file them."""
    dpi = 300
    W, H = int(A4_MM[0] / 25.4 * dpi), int(A4_MM[1] / 25.4 * dpi)
    page = Image.new("RGB", (W, H), (253, 253, 252))
    cell_w, cell_h = (W - 90) // 2, (H - 120) // 2
    for k, r in enumerate(renders[:4]):
        img = _native(r, dpi)
        img = _scale(img, min(1.0, (cell_w - 30) / img.width, (cell_h - 30) / img.height))
        if flavour == "heldout":
            img = img.rotate(rng.uniform(-3, 3), resample=Image.BICUBIC, expand=True, fillcolor=(253, 253, 252))
        cx, cy = 30 + (k % 2) * (cell_w + 30), 40 + (k // 2) * (cell_h + 40)
        jx = rng.randint(0, max(0, cell_w - img.width)) if flavour == "heldout" else (cell_w - img.width) // 2
        page.paste(img, (cx + jx, cy + rng.randint(0, max(0, min(60, cell_h - img.height)))))
    page = _grain(page.convert("L"), rng, 3)
    if rng.random() < 0.5:
        return _pdf(page, dpi), ".pdf"
    return _png(page), ".png"


def _cloth(rng: random.Random, flavour: str):
    def make(w: int, h: int) -> Image.Image:
        img = Image.new("RGB", (w, h), (245, 240, 230))
        dr = ImageDraw.Draw(img)
        if flavour == "dev":  # red and white gingham
            step = rng.randint(40, 70)
            for x in range(0, w, step * 2):
                dr.rectangle((x, 0, x + step, h), fill=(220, 150, 150))
            for y in range(0, h, step * 2):
                dr.rectangle((0, y, w, y + step), fill=(200, 110, 110))
        else:  # a flowered oilcloth with text-like sprigs
            img.paste((200, 225, 240), (0, 0, w, h))
            for _ in range(w * h // 6000):
                x, y, s = rng.randrange(w), rng.randrange(h), rng.randint(10, 40)
                dr.ellipse((x, y, x + s, y + s), fill=rng.choice(((230, 90, 120), (250, 200, 60), (60, 140, 80))))
                dr.line((x, y, x + s * 2, y + s), fill=(40, 100, 60), width=3)
        return img
    return make


def tablecloth(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    photo = _warp(_scale(r.image, 0.7), rng, 0.07, _cloth(rng, flavour), 2400)
    photo = photo.rotate(rng.uniform(-10, 10), resample=Image.BICUBIC, fillcolor=(200, 200, 200))
    photo = _light(photo, rng, 0.75, 1.05).filter(ImageFilter.GaussianBlur(0.8))
    return _jpeg(_grain(photo, rng, 6), 85), ".jpg"


def jpeg_low(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    dpi = 200 if r.dpi >= 200 else r.dpi
    page = _on_paper(_native(r, dpi), dpi, rng, a4=False)
    q = rng.randint(28, 35) if flavour == "dev" else rng.randint(20, 27)
    return _jpeg(page, q), ".jpg"


def fax(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    dpi = 120 if flavour == "dev" else rng.choice((100, 110))
    page = _on_paper(_native(r, dpi * 2), dpi * 2, rng).convert("L")
    page = _scale(page, 0.5)
    a = np.asarray(page).astype(np.float32) + _np(rng).normal(0, 12, (page.height, page.width))
    bw = np.where(a > rng.randint(150, 185), 255, 0).astype(np.uint8)
    if flavour == "heldout":  # scan-line dropouts
        for _ in range(rng.randint(3, 8)):
            y = rng.randrange(bw.shape[0])
            bw[y:y + 1, :] = 255 if rng.random() < 0.5 else 0
    img = Image.fromarray(bw)
    ImageDraw.Draw(img).text((10, 4), f"FAX {rng.randint(100, 999)}-{rng.randint(1000, 9999)}  P.01",
                             fill=0, font=d.font(max(10, dpi // 8)))
    buf = io.BytesIO()
    img.convert("1").save(buf, "TIFF", compression="group4", dpi=(dpi, dpi))
    return buf.getvalue(), ".tif"


def dark_tilted(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    photo = _warp(r.image, rng, 0.08, _desk(rng), 2400)
    angle = rng.uniform(8, 15) if flavour == "dev" else rng.uniform(14, 22)
    photo = photo.rotate(angle * rng.choice((-1, 1)), resample=Image.BICUBIC, fillcolor=(30, 30, 30))
    photo = _light(photo, rng, 0.3, 0.6).filter(ImageFilter.GaussianBlur(1.0))
    return _jpeg(_grain(photo, rng, 10), 80), ".jpg"


def seal_over_dates(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    img = r.image.copy()
    keys = [k for k in ("valid", "valid_from", "valid_until", "first_issued") if k in r.boxes]
    for key in keys[:1 if flavour == "dev" else 2]:
        box = r.boxes[key][0]
        cx, cy = (box[0] + box[2]) // 2 + rng.randint(-40, 40), (box[1] + box[3]) // 2
        d.seal(img, (cx, cy), rng.randint(80, 110), rng.choice(("泰安市应急管理局", "培训中心专用章")), rng,
               alpha=rng.randint(150, 210))
    return flatbed(Render(img, r.dpi, r.boxes, r.layout), rng, flavour, dpi=250)


def thumb(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    img = r.image.copy()
    w, h = img.size
    layer = Image.new("L", img.size, 0)
    dr = ImageDraw.Draw(layer)
    tw, th = int(w * 0.16), int(h * 0.5)
    if flavour == "dev":  # from the left edge
        x, y = -tw // 3, rng.randint(h // 4, h // 2)
    else:  # the bottom right corner
        x, y = w - tw + tw // 4, h - th // 2
    dr.ellipse((x, y, x + tw, y + th), fill=255)
    layer = layer.filter(ImageFilter.GaussianBlur(8))
    skin = Image.new("RGB", img.size, (rng.randint(190, 225), rng.randint(140, 170), rng.randint(110, 140)))
    img.paste(skin, (0, 0), layer)
    photo = _warp(img, rng, 0.05, _desk(rng), 2400)
    photo = _light(photo, rng, 0.8, 1.0).filter(ImageFilter.GaussianBlur(0.7))
    return _jpeg(_grain(photo, rng, 5), 85), ".jpg"


def rotated(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    dpi = 250 if r.dpi >= 250 else r.dpi
    page = _on_paper(_native(r, dpi), dpi, rng)
    turns = (90, 180, 270) if flavour == "heldout" else (90, 270)
    page = page.rotate(rng.choice(turns), expand=True)
    return (_png(page), ".png") if rng.random() < 0.5 else (_pdf(page, dpi), ".pdf")


def handwritten(r: Render, rng: random.Random, flavour: str) -> tuple[bytes, str]:
    return flatbed(r, rng, flavour, dpi=300 if flavour == "dev" else 250)


CAPTURES = {"flatbed": flatbed, "photocopy": photocopy, "phone": phone, "printout": printout,
            "text_pdf": text_layer, "screenshot": screenshot, "tablecloth": tablecloth, "jpeg_low": jpeg_low,
            "fax": fax, "dark_tilted": dark_tilted, "seal_over_dates": seal_over_dates, "thumb": thumb,
            "rotated": rotated, "handwritten": handwritten}
