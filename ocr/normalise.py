"""One spelling for every line of recognised text, whichever engine read it.

The rules live with the domain (`domain.text.normalise_ocr_text`: NFKC, one dash, no
spaces inside Chinese text, digit look-alikes between digits) so that text read here and
text typed into rosters are cleaned the same way. A line never contains a line break.
"""
from __future__ import annotations

from domain.text import normalise_ocr_text


def normalise_line(text: str) -> str:
    return normalise_ocr_text(" ".join(text.splitlines())).strip()
