"""Cleaning OCR text before fields are read from it.

`normalise_ocr_text` makes the many ways OCR renders the same Chinese text into one:
NFKC (full-width letters, digits, colons, brackets become ASCII), dashes unified to "-",
spaces inside Chinese text removed, and only confusions that cannot change meaning fixed:
曰 after a digit is 日; runs of O/o and l/I/| between digits
(or a digit and 年月日) are 0s and 1s. Line breaks are kept.
"""
from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff01-\uff65"  # 、。〈〉《》「」 etc. (NFKC keeps some)
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2500\u30fc\uff0d]")
_SPACES = re.compile(r"[^\S\n]+")  # whitespace except line breaks
_SPACE_BESIDE_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}:;,()])[^\S\n]+|[^\S\n]+(?=[{_CJK}{_CJK_PUNCT}:;,()])")
# Between digits, or between a digit and a date character (2O2l年, 年l2月).
_O_IN_DIGITS = re.compile(r"(?<=\d)[Oo]+(?=[\d年月日号])|(?<=[年月])[Oo]+(?=\d)")
_L_IN_DIGITS = re.compile(r"(?<=\d)[lI|]+(?=[\d年月日号])|(?<=[年月])[lI|]+(?=\d)")
_YUE_AFTER_DIGIT = re.compile(r"(?<=\d)曰")


def normalise_ocr_text(text: str | None) -> str:
    """One spelling for OCR'd Chinese text (rules in the module docstring)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _DASHES.sub("-", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BESIDE_CJK.sub("", text)
    for _ in range(2):  # runs such as 2O1l need a second pass
        text = _O_IN_DIGITS.sub(lambda m: "0" * len(m.group()), text)
        text = _L_IN_DIGITS.sub(lambda m: "1" * len(m.group()), text)
    text = _YUE_AFTER_DIGIT.sub("日", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    # once more: removing a space can leave a combining mark to compose (A + ´ -> Á)
    return unicodedata.normalize("NFKC", text)


__all__ = ["normalise_ocr_text"]
