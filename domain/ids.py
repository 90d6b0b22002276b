"""Resident ID numbers (GB 11643-1999): check digit, birth date, sex digit, repair.

An ID number is 6 digits of address code, 8 of birth date, 3 of sequence (the 17th digit
odd for men, even for women) and a check character. `validate` says what is wrong with a
number as read; `repair` undoes one OCR confusion when exactly one fix makes it valid;
`make_id` builds numbers for synthetic data; `mask` hides them in logs.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# Two-digit province codes (GB/T 2260), plus 71 Taiwan and the 81/82/83 residence permits
# for Hong Kong, Macau and Taiwan residents.
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门", "83": "台湾",
}

# Problem codes that make a number invalid. "unknown_province" is only a warning: old and
# unusual address codes are lawful.
ERRORS = ("empty", "length", "fifteen_digit", "characters", "birth_date", "checksum")

# What OCR reads in place of each character an ID number can hold (GB 11643 allows only
# digits, and X last). Each entry: the glyph seen -> the characters it may stand for.
CONFUSABLES: dict[str, str] = {
    "O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "○": "0",
    "I": "1", "l": "1", "i": "1", "|": "1", "!": "1",
    "B": "8",
    "S": "5", "s": "5",
    "Z": "2", "z": "2",
    "×": "X", "χ": "X",
}

EARLIEST_BIRTH_YEAR = 1850


@dataclass(frozen=True)
class IdCheck:
    """What `validate` found. `ok` means no error; `problems` lists error codes (see
    ERRORS) then warnings ("unknown_province")."""
    normalised: str
    ok: bool
    problems: tuple[str, ...] = ()
    birth_date: date | None = None
    sex: str | None = None  # "男" | "女"
    province_code: str | None = None  # "37"
    city_code: str | None = None  # "3709"
    region_code: str | None = None  # "370902"

    @property
    def province(self) -> str | None:
        return PROVINCES.get(self.province_code or "")


@dataclass(frozen=True)
class Repair:
    """What `repair` did. `value` is the repaired number, or the number as read (only
    normalised) when no single fix worked; `candidates` are all single fixes that would
    have made it valid; `problem` says why it was left alone (None when valid or repaired)."""
    value: str
    repaired: bool
    candidates: tuple[str, ...] = ()
    problem: str | None = None  # "ambiguous" | "unrepairable" | "fifteen_digit" | "length"


def check_char(first17: str) -> str:
    """The 18th character for 17 leading digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def normalise(raw: str | None) -> str:
    """Full-width to ASCII, whitespace removed, x -> X. Nothing is guessed."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw))
    return "".join(text.split()).upper()


def _birth_date(digits8: str, as_of: date | None) -> date | None:
    try:
        born = date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None
    if born.year < EARLIEST_BIRTH_YEAR or (as_of is not None and born > as_of):
        return None
    return born


def validate(id_number: str | None, as_of: date | None = None) -> IdCheck:
    """Check an 18-character ID number: length, characters, birth date, check digit.

    `as_of`, when given, also rejects birth dates after it. 15-digit numbers (the pre-1999
    form, no check digit) are reported as "fifteen_digit" and not converted.
    """
    number = normalise(id_number)
    if not number:
        return IdCheck(number, False, ("empty",))
    if len(number) == 15 and number.isdigit():
        born = _birth_date("19" + number[6:12], as_of)
        return IdCheck(number, False, ("fifteen_digit",), born, _sex(number[14]),
                       number[:2], number[:4], number[:6])
    if len(number) != 18:
        return IdCheck(number, False, ("length",))
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        return IdCheck(number, False, ("characters",))
    problems = []
    born = _birth_date(number[6:14], as_of)
    if born is None:
        problems.append("birth_date")
    if check_char(number[:17]) != number[17]:
        problems.append("checksum")
    ok = not problems
    if number[:2] not in PROVINCES:
        problems.append("unknown_province")
    return IdCheck(number, ok, tuple(problems), born, _sex(number[16]),
                   number[:2], number[:4], number[:6])


def _sex(digit: str) -> str:
    return "男" if int(digit) % 2 else "女"


def is_valid(id_number: str | None, as_of: date | None = None) -> bool:
    return validate(id_number, as_of).ok


def _prepare(raw: str | None) -> str:
    """Normalise what OCR read without touching the confusable letters: full-width forms
    and spaces go (not counted as fixes); lowercase x last becomes X."""
    text = "".join(unicodedata.normalize("NFKC", str(raw or "")).split())
    if text.endswith("x"):
        text = text[:-1] + "X"
    return text


def repair(raw: str | None, as_of: date | None = None) -> Repair:
    """Undo exactly one OCR confusion (O->0, I/l->1, B->8, S->5, Z->2, ×->X, ...).

    A fix is accepted only if it is the one single substitution that yields a valid number
    (check digit right and birth date real). With no such fix, or more than one, the number
    is returned as read (uppercased) with `problem` set, for a clerk to review.
    """
    text = _prepare(raw)
    read_as = text.upper()
    if len(text) == 15 and text.isdigit():
        return Repair(text, False, (), "fifteen_digit")
    if len(text) != 18:
        return Repair(read_as, False, (), "length")
    if validate(text, as_of).ok:
        return Repair(text, False, (text,), None)
    candidates = []
    for position, glyph in enumerate(text):
        for meant in CONFUSABLES.get(glyph, ""):
            if meant == "X" and position != 17:
                continue
            fixed = text[:position] + meant + text[position + 1:]
            if fixed not in candidates and validate(fixed, as_of).ok:
                candidates.append(fixed)
    if len(candidates) == 1:
        return Repair(candidates[0], True, tuple(candidates), None)
    return Repair(read_as, False, tuple(candidates), "ambiguous" if candidates else "unrepairable")


def make_id(region6: str, birth: date, seq3: int) -> str:
    """A well-formed ID number (for synthetic data): seq3 odd -> male, even -> female."""
    if not (len(region6) == 6 and region6.isdigit()) or not 0 <= seq3 <= 999:
        raise ValueError(f"bad region {region6!r} or sequence {seq3}")
    first17 = f"{region6}{birth:%Y%m%d}{seq3:03d}"
    return first17 + check_char(first17)


def mask(id_number: str | None) -> str:
    """For logs and public exports: 370902********0011. Short strings are masked whole."""
    number = normalise(id_number)
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return "*" * len(number)


def sex_of(id_number: str | None) -> str | None:
    """"男"/"女" from the sequence digit of a well-formed number, else None."""
    check = validate(id_number)
    return check.sex if check.sex and "length" not in check.problems else None


__all__ = [
    "WEIGHTS", "CHECK_CHARS", "PROVINCES", "CONFUSABLES", "IdCheck", "Repair",
    "check_char", "normalise", "validate", "is_valid", "repair", "make_id", "mask", "sex_of",
]
