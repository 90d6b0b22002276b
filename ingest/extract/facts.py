"""The domain facts extraction leans on, in the shapes extraction needs them."""
from __future__ import annotations

import re
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


def find_dates(text: str) -> list[date]:
    return [d.value for d in dates.find_dates(text)]


def parse_date(text: str) -> date | None:
    """The one date in `text`; None when there is none or more than one (ambiguous)."""
    found = dates.find_dates(text)
    return found[0].value if len(found) == 1 else None


def parse_validity(text: str) -> tuple[date | None, date | None] | None:
    found = dates.find_dates(text)
    return (found[0].value, found[1].value) if len(found) == 2 else None


def issuer_class(text: str) -> str | None:
    cls = classify_issuer(text)
    return None if cls == "unknown" else cls
