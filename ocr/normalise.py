"""One spelling for every line of recognised text, whichever engine read it.

NFKC folds full-width Latin letters, digits and the full-width forms of : , ; ( ) ! ? to
their ASCII forms, so extraction needs one pattern per label ("姓名:"), not two. Chinese-only
marks with no ASCII twin (。、《》“”〔〕) are kept. Engines disagree about spaces in Chinese
text (Tesseract puts one between every character), so spaces that touch a Chinese character
are dropped; spaces between Latin words and between digit groups stay, collapsed to one.
"""
from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_PUNCT = r":;,.!?()\[\]<>《》“”‘’\"'、。·/\-"
# A run of spaces with a Chinese character on one side and a Chinese character,
# punctuation or a digit on the other; or punctuation on the left and a digit on the right
# ("证号: 3709…" -> "证号:3709…").
_SPACE_TOUCHING_CJK = re.compile(
    rf"(?<=[{_CJK}])\s+(?=[{_CJK}{_PUNCT}0-9A-Za-z])"
    rf"|(?<=[{_PUNCT}0-9A-Za-z])\s+(?=[{_CJK}])"
    rf"|(?<=[:：])\s+(?=[0-9A-Za-z])"
)
_RUNS_OF_SPACE = re.compile(r"\s+")
# Dashes and look-alikes engines pick for "-" in dates and numbers.
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-", "−": "-", "﹣": "-"})


def normalise_line(text: str) -> str:
    """NFKC, ASCII forms of shared punctuation, no spaces inside Chinese text."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = _RUNS_OF_SPACE.sub(" ", text).strip()
    return _SPACE_TOUCHING_CJK.sub("", text)
