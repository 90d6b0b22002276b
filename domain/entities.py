"""Names of units (training institutions, exam sites, enterprises) as matching keys.

The same unit is written many ways: full- or half-width brackets, stray spaces, 有限责任公司
beside 有限公司. `normalise_name` gives the key two spellings of one unit share; the rule is
deliberately conservative, so two different units never share a key:

1. NFKC (full-width letters, digits and brackets become half-width), Latin letters upper-case;
2. all whitespace removed; quotes, 《》, middle dots and bullets removed;
3. brackets of any kind become ASCII "(" ")";
4. a trailing "有限责任公司" becomes "有限公司" (the same legal form, written both ways).
   Nothing else changes: 股份有限公司 stays (another legal form), 分公司 stays (another
   unit), 泰安市 prefixes stay.

`entity_id(kind, name, county)` is "E-" + 10 hex digits of SHA-1 over kind, canonical
county and key: stable across runs and machines.

The 统一社会信用代码 (GB 32100-2015) is checked too: 18 characters from a 31-character set
without I, O, S, V, Z, the last one a check character (weights 3^i mod 31). Since I, O, S
and Z never occur, OCR reading them is undone when that alone makes the check right.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from domain.counties import county_from_folder
from domain.ids import Repair

_DROP = re.compile(r"[\s\"'“”‘’「」『』《》<>·・•‧.。,，、]+")
_OPEN, _CLOSE = re.compile(r"[（(〔［\[【]"), re.compile(r"[）)〕］\]】]")

TRAINING_WORDS = ("培训机构", "培训学校", "培训中心", "职业培训", "技术培训", "安全培训", "培训")
EXAM_WORDS = ("考试点", "考场", "考点", "考核点", "考试站", "考核基地")
EXAM_CENTRE_WORDS = ("考试中心", "考核中心")
ENTERPRISE_WORDS = ("生产经营单位", "企业", "公司", "集团", "厂", "矿", "有限", "商行", "加油站", "车间",
                    "工贸", "工程", "合作社", "经营部", "门市部", "店")


def normalise_name(name: str | None) -> str:
    """The matching key of a unit name (rules in the module docstring)."""
    text = unicodedata.normalize("NFKC", name or "")
    text = _DROP.sub("", text)
    text = _CLOSE.sub(")", _OPEN.sub("(", text)).upper()
    if text.endswith("有限责任公司"):
        text = text[: -len("有限责任公司")] + "有限公司"
    # once more: removing a space can leave a combining mark to compose (A + ´ -> Á)
    return unicodedata.normalize("NFKC", text)


def entity_id(kind: str, name: str, county: str | None = None) -> str:
    """"E-" + 10 hex digits, stable for the same kind, county and name key."""
    canonical_county = county_from_folder(county)[0] if county else ""
    material = f"{kind}|{canonical_county}|{normalise_name(name)}"
    return "E-" + hashlib.sha1(material.encode("utf-8")).hexdigest()[:10]


def unit_kind_from_text(text: str | None) -> str | None:
    """"training_institution" | "exam_site" | "enterprise" from a unit type field or a
    unit name, or None when no word tells. An exam site named after its training school
    (某某培训学校考试点) is an exam site; a 培训考试中心 is a training institution."""
    flat = _DROP.sub("", unicodedata.normalize("NFKC", text or ""))
    if not flat:
        return None
    if any(w in flat for w in EXAM_WORDS):
        return "exam_site"
    if any(w in flat for w in TRAINING_WORDS):
        return "training_institution"
    if any(w in flat for w in EXAM_CENTRE_WORDS):
        return "exam_site"
    if any(w in flat for w in ENTERPRISE_WORDS):
        return "enterprise"
    return None


CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Letters the code never holds -> the character OCR most likely misread as them.
_CREDIT_CODE_CONFUSABLES = {"O": "0", "I": "1", "S": "5", "Z": "2"}


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str | None) -> str | None:
    """None for a well-formed 统一社会信用代码, else "empty", "length", "characters" or
    "checksum"."""
    code = "".join(unicodedata.normalize("NFKC", code or "").split()).upper()
    if not code:
        return "empty"
    if len(code) != 18:
        return "length"
    if any(c not in CREDIT_CODE_CHARSET for c in code):
        return "characters"
    return None if credit_code_check_char(code[:17]) == code[17] else "checksum"


def repair_credit_code(raw: str | None) -> Repair:
    """Like `ids.repair`: O/I/S/Z, which the code never holds, replaced by 0/1/5/2 when
    exactly one such replacement makes the check character right."""
    code = "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()
    if len(code) != 18:
        return Repair(code, False, (), "length")
    if credit_code_problem(code) is None:
        return Repair(code, False, (code,), None)
    misread = sum(c in _CREDIT_CODE_CONFUSABLES for c in code)
    fixed = "".join(_CREDIT_CODE_CONFUSABLES.get(c, c) for c in code)
    if misread == 1 and credit_code_problem(fixed) is None:
        return Repair(fixed, True, (fixed,), None)
    return Repair(code, False, (), "unrepairable")


__all__ = ["normalise_name", "entity_id", "unit_kind_from_text", "credit_code_check_char",
           "credit_code_problem", "repair_credit_code"]
