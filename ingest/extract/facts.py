"""The domain facts extraction leans on, in the shapes extraction needs them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain import dates, ids
from domain.issuers import classify_issuer
from domain.catalogue import certificate_kind, match_category, match_item  # noqa: F401
from domain.vocabulary import CERTIFICATE_FIELDS  # noqa: F401  (re-exported)


def id_valid(raw: str | None) -> bool:
    return bool(raw) and ids.is_valid(raw)


def id_repair(raw: str) -> str | None:
    """The number with its one OCR confusion undone, or None when no single fix is certain."""
    result = ids.repair(raw)
    return result.value if result.repaired else None


# Dates as Tesseract garbles the printed 2024年04月23日: 年 read as "4 F" or "生F", 月 as "A",
# 日 as "8". Tried only when the domain parser finds fewer dates; a date read this way
# costs confidence (see LOOSE_DATE_FACTOR).
LOOSE_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:4?\s?[^\d\s]{0,2}\s?)([01]\d)[^\d]{1,2}([0-3]\d)(?!\d\d)")
LOOSE_DATE_FACTOR = 0.9


@dataclass(frozen=True)
class DatesRead:
    """Dates found in a text: `loose` when the garbled-form pattern was needed, `incomplete`
    when one of them was a year and month without its day."""
    dates: list[date]
    loose: bool = False
    incomplete: bool = False


def read_dates(text: str) -> DatesRead:
    found = dates.find_dates(text)
    strict = [d.value for d in found]
    loose = []
    for m in LOOSE_DATE.finditer(text):
        try:
            loose.append(date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        except ValueError:
            continue
    if len(loose) > len(strict):
        return DatesRead(loose, loose=True)
    return DatesRead(strict, incomplete=any(d.month_only for d in found))


def find_dates(text: str) -> list[date]:
    return read_dates(text).dates


def issuer_class(text: str) -> str | None:
    cls = classify_issuer(text)
    return None if cls == "unknown" else cls
