"""Make clean renders look captured: flatbed scans, photocopies, phone photos, two cards on a
page; and encode them as PNG/JPEG/TIFF or image-only PDFs, byte for byte repeatably."""
from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

IMAGE_CAPTURES = ("clean", "flatbed", "photocopy", "phone")
A4_300DPI = (2480, 3508)


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _noise(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    arr = np.asarray(img).astype(np.float32)
    arr += _np_rng(rng).standard_normal(arr.shape, dtype=np.float32) * np.float32(sigma)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), img.mode)


def _on_page(img: Image.Image, margin: float, fill) -> Image.Image:
    w, h = img.size
    mx, my = int(w * margin), int(h * margin)
    page = Image.new(img.mode, (w + 2 * mx, h + 2 * my), fill)
    page.paste(img, (mx, my))
    return page


def flatbed(img: Image.Image, rng: random.Random) -> Image.Image:
    """A flatbed scan: white bed around the card, slight skew (±2°), mild sensor noise."""
    img = _on_page(img.convert("RGB"), 0.06, (252, 252, 250))
    img = img.rotate(rng.uniform(-2.0, 2.0), resample=Image.BICUBIC, expand=True, fillcolor=(252, 252, 250))
    return _noise(img, rng, rng.uniform(2.0, 4.0))


def photocopy(img: Image.Image, rng: random.Random) -> Image.Image:
    """A photocopy: greyscale, crushed contrast, speckle and toner streaks."""
    grey = _on_page(ImageOps.grayscale(img), 0.05, 255)
    grey = grey.rotate(rng.uniform(-1.5, 1.5), resample=Image.BICUBIC, expand=True, fillcolor=255)
    arr = np.asarray(grey).astype(np.float32) / 255.0
    gamma = rng.uniform(1.6, 2.4)
    arr = np.clip((arr ** gamma - 0.1) * 1.35, 0, 1)  # pale backgrounds wash out, ink goes black
    gen = _np_rng(rng)
    speckle = gen.random(arr.shape)
    arr[speckle < 0.0015] = 0.0
    arr[speckle > 0.9985] = 1.0
    out = Image.fromarray((arr * 255).astype(np.uint8), "L")
    draw = ImageDraw.Draw(out)
    w, h = out.size
    for _ in range(rng.randint(1, 3)):  # toner streaks down the page
        x = rng.randrange(w)
        draw.line((x, 0, x + rng.randint(-6, 6), h), fill=rng.randint(90, 170), width=rng.randint(1, 3))
    return out.filter(ImageFilter.GaussianBlur(0.5))


def phone(img: Image.Image, rng: random.Random, *, rotate: int | None = None) -> Image.Image:
    """A phone photo on a desk: perspective, uneven light, blur, JPEG artefacts, maybe turned
    by 90/180/270°. `rotate` forces a quarter-turn count."""
    card = np.asarray(img.convert("RGB"))
    h, w = card.shape[:2]
    pad_x, pad_y = int(w * 0.18), int(h * 0.22)
    out_w, out_h = w + 2 * pad_x, h + 2 * pad_y
    gen = _np_rng(rng)
    desk = np.ones((out_h, out_w, 3), np.float32) * np.array(rng.choice(
        ((120, 96, 70), (70, 74, 80), (160, 150, 135), (40, 42, 48))), np.float32)
    desk += gen.standard_normal(desk.shape, dtype=np.float32) * np.float32(6)
    jitter = lambda s: rng.uniform(-0.06, 0.06) * s  # noqa: E731
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[pad_x + jitter(w), pad_y + jitter(h)], [pad_x + w + jitter(w), pad_y + jitter(h)],
                      [pad_x + w + jitter(w), pad_y + h + jitter(h)], [pad_x + jitter(w), pad_y + h + jitter(h)]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(card, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (out_w, out_h)) > 127
    scene = np.where(mask[..., None], warped.astype(np.float32), desk)
    # Light falls off from a random bright spot.
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    cx, cy = rng.uniform(0, out_w), rng.uniform(0, out_h)
    dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / np.hypot(out_w, out_h)
    light = rng.uniform(1.0, 1.1) - rng.uniform(0.25, 0.4) * dist
    scene = scene * light[..., None] + gen.standard_normal(scene.shape, dtype=np.float32) * np.float32(3)
    scene = np.clip(scene, 0, 255).astype(np.uint8)
    photo = Image.fromarray(scene, "RGB").filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.3)))
    turns = rotate if rotate is not None else rng.choices((0, 1, 2, 3), weights=(70, 12, 10, 8))[0]
    if turns:
        photo = photo.rotate(90 * turns, expand=True)
    return Image.open(io.BytesIO(encode(photo, "jpeg", quality=rng.randint(45, 70)))).convert("RGB")


def two_cards(first: Image.Image, second: Image.Image, rng: random.Random) -> Image.Image:
    """Two cards copied onto one A4 page (300 DPI), one above the other, greyscale."""
    page = Image.new("L", A4_300DPI, 255)
    for k, card in enumerate((first, second)):
        grey = ImageOps.grayscale(card)
        grey = grey.rotate(rng.uniform(-1.5, 1.5), resample=Image.BICUBIC, expand=True, fillcolor=255)
        x = (A4_300DPI[0] - grey.width) // 2 + rng.randint(-120, 120)
        y = 300 + k * 1500 + rng.randint(-60, 60)
        page.paste(grey, (x, y))
    return _noise(page, rng, 2.0)


def capture(img: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """Apply one image capture kind (see IMAGE_CAPTURES)."""
    if kind == "clean":
        return img
    return {"flatbed": flatbed, "photocopy": photocopy, "phone": phone}[kind](img, rng)


# --- encoding ----------------------------------------------------------------------------

def encode(img: Image.Image, fmt: str, *, quality: int = 85) -> bytes:
    """PNG, JPEG or TIFF bytes (no timestamps inside, so repeatable)."""
    buf = io.BytesIO()
    fmt = fmt.lower()
    if fmt == "png":
        img.save(buf, "PNG", compress_level=6)
    elif fmt in ("jpg", "jpeg"):
        img.convert("RGB" if img.mode not in ("L", "RGB") else img.mode).save(
            buf, "JPEG", quality=quality, optimize=False)
    elif fmt in ("tif", "tiff"):
        img.save(buf, "TIFF", compression="tiff_lzw", dpi=(300, 300))
    else:
        raise ValueError(f"unsupported image format {fmt}")
    return buf.getvalue()


def multipage_tiff(pages: list[Image.Image]) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", compression="tiff_lzw", save_all=True, append_images=pages[1:], dpi=(300, 300))
    return buf.getvalue()


def image_pdf(pages: list[Image.Image], *, dpi: int = 150, quality: int = 80) -> bytes:
    """A scanned, image-only PDF: one JPEG per page, sized from `dpi`, no text layer."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=1)
    for page in pages:
        w_pt, h_pt = page.width * 72.0 / dpi, page.height * 72.0 / dpi
        pdf.setPageSize((w_pt, h_pt))
        pdf.drawImage(ImageReader(io.BytesIO(encode(page, "jpeg", quality=quality))), 0, 0, w_pt, h_pt)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()
