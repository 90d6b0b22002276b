"""The domain facts extraction leans on, in the shapes extraction needs them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain import ids
from domain.vocabulary import CERTIFICATE_FIELDS  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class Match:
    value: str
    score: float
    ambiguous: bool = False


def id_valid(raw: str) -> bool:
    if len(raw) != 18 or not raw[:17].isdigit() or raw[17] not in "0123456789X":
        return False
    if ids.check_char(raw[:17]) != raw[17]:
        return False
    try:
        date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return False
    return True


def id_repair(raw: str) -> str | None:
    repair = getattr(ids, "repair", None)
    if repair is None:
        return None
    result = repair(raw)
    return getattr(result, "value", result) if result else None


DATE_RE = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*(?:[月./\-]\s*(\d{1,2})\s*日?)?")


def find_dates(text: str) -> list[date]:
    out = []
    for m in DATE_RE.finditer(text):
        try:
            out.append(date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)))
        except ValueError:
            continue
    return out


def parse_date(text: str) -> date | None:
    found = find_dates(text)
    return found[0] if len(found) == 1 else None


def parse_validity(text: str) -> tuple[date | None, date | None] | None:
    found = find_dates(text)
    return (found[0], found[1]) if len(found) == 2 else None


def certificate_kind(text: str) -> str:
    if "建筑施工" in text or "住房和城乡建设" in text:
        return "construction"
    if "特种设备" in text or "市场监督管理" in text:
        return "special_equipment"
    return "special_operation"


def issuer_class(text: str) -> str | None:
    if "泰安" in text:
        return "local"
    if "省" in text or "市" in text:
        return "other"
    return None


def match_category(text: str) -> Match | None:
    return Match(text, 1.0) if text.endswith("作业") else None


def match_item(text: str, category: str | None) -> Match | None:
    return Match(text, 1.0) if text.endswith("作业") else None
