"""The CJK fonts the renderers draw with: fixed files and face indexes, so renders are repeatable."""
from __future__ import annotations

import functools
import os
import subprocess

from PIL import ImageFont

# Face 2 of the Noto CJK collections is Simplified Chinese (JP, KR, SC, TC, HK order).
SC_FACE_INDEX = 2
_NOTO_DIR = "/usr/share/fonts/opentype/noto"
SANS = os.path.join(_NOTO_DIR, "NotoSansCJK-Regular.ttc")
SANS_BOLD = os.path.join(_NOTO_DIR, "NotoSansCJK-Bold.ttc")
SERIF = os.path.join(_NOTO_DIR, "NotoSerifCJK-Regular.ttc")
SERIF_BOLD = os.path.join(_NOTO_DIR, "NotoSerifCJK-Bold.ttc")
# reportlab embeds TrueType outlines only (Noto CJK is CFF), hence a glyf-based face for PDFs.
TRUETYPE_CJK = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"


class FontMissing(RuntimeError):
    """A CJK font the generator needs is not installed (apt: fonts-noto-cjk, fonts-droid-fallback)."""


def _locate(path: str) -> str:
    if os.path.exists(path):
        return path
    # Another distribution may keep the same family elsewhere; ask fontconfig by file name.
    name = os.path.basename(path)
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                 text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    for line in listing.splitlines():
        candidate = line.split(":")[0].strip()
        if os.path.basename(candidate) == name:
            return candidate
    raise FontMissing(f"font not found: {name}")


@functools.lru_cache(maxsize=None)
def font(size: int, *, serif: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = (SERIF_BOLD if bold else SERIF) if serif else (SANS_BOLD if bold else SANS)
    return ImageFont.truetype(_locate(path), size, index=SC_FACE_INDEX)


def truetype_cjk_path() -> str:
    return _locate(TRUETYPE_CJK)
