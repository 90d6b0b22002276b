"""Dates as printed on Chinese certificates and forms, read through OCR.

`parse_date` understands 2024年3月5日, 2024.03.05, 2024-3-5, 2024/3/5, 20240305,
二〇二四年三月五日 and year-month forms (2024年03月, 2024.03), tolerating OCR slop: spaces,
full-width digits, 曰 for 日 (and 午/牛/车 for 年, 目/用 for 月, 目/白 for 日 between
digits), O/o for 0 and l/I for 1 among digits. `parse_validity` reads a
validity period "start 至 end". `add_years` is calendar arithmetic with Feb 29 -> Feb 28.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

# Tai'an keeps Beijing time: UTC+8, no daylight saving since 1991, so a fixed offset needs
# no tz database. The log stores UTC; every "day" a user means is a day here.
TAIAN_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_day(instant: datetime) -> date:
    """The calendar day in Tai'an on which an aware `instant` falls."""
    return instant.astimezone(TAIAN_TIME).date()


EARLIEST_YEAR, LATEST_YEAR = 1900, 2100

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "Ｏ": 0, "0": 0,
              "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_YEAR = "[〇○零OoＯ0一二三四五六七八九]"
_CN_SMALL = "[一二三四五六七八九十]"
_CN_DATE = re.compile(rf"({_CN_YEAR}{{4}})\s*年\s*({_CN_SMALL}{{1,3}})\s*月(?:\s*({_CN_SMALL}{{1,3}})\s*[日曰])?")

_SEP = r"(?:\s*[./\-]\s*|\s+)"
# Order matters: the first pattern that matches at a position wins.
_PATTERNS = (
    ("day", re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*(?:[日曰号]|(?!\d))")),
    ("day", re.compile(rf"(?<!\d)(\d{{4}})(?:{_SEP})(\d{{1,2}})(?:{_SEP})(\d{{1,2}})(?!\d)")),
    ("day", re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")),
    ("month", re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*(?:月(?!\s*\d{1,2}(?!\d))|(?![\d月]))")),
    ("month", re.compile(r"(?<!\d)(\d{4})\s*[./\-]\s*(\d{1,2})(?![\d./\-])")),
)


@dataclass(frozen=True)
class ParsedDate:
    """A date found in text. `precision` is "day", or "month" when the text gave only year
    and month (then `value` is the first of that month); `span` is where it was found in
    the cleaned text."""
    value: date
    precision: str
    span: tuple[int, int] = (0, 0)

    @property
    def month_only(self) -> bool:
        return self.precision == "month"


_CN_NUMERALS = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    """1..31 to 一..三十一."""
    tens, units = divmod(n, 10)
    return ((_CN_NUMERALS[tens] if tens > 1 else "") + ("十" if tens else "")
            + (_CN_NUMERALS[units] if units else ""))


def _small_number(text: str) -> int:
    """一..三十一 to 1..31."""
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _, units = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _chinese_to_digits(text: str) -> str:
    def convert(m: re.Match) -> str:
        year = "".join(str(_CN_DIGITS[c]) for c in m.group(1))
        out = f"{year}年{_small_number(m.group(2))}月"
        return out + (f"{_small_number(m.group(3))}日" if m.group(3) else "")
    return _CN_DATE.sub(convert, text)


_O_AMONG_DIGITS = re.compile(r"(?<=[\d.\-/年月])[Oo](?=[\dOo])|(?<=\d)[Oo]|[Oo](?=\d)")
_L_AMONG_DIGITS = re.compile(r"(?<=\d)[lI|](?=[\d.\-/年月日])|(?<=[\d.\-/年月])[lI|](?=\d)")


def clean(text: str) -> str:
    """Text with dates made regular: NFKC, Chinese numerals to digits, 曰->日, O->0 and
    l/I->1 where they sit among digits."""
    text = unicodedata.normalize("NFKC", text)
    text = _chinese_to_digits(text)
    for _ in range(2):  # runs like "2O0O" need a second pass
        text = _O_AMONG_DIGITS.sub("0", text)
        text = _L_AMONG_DIGITS.sub("1", text)
    text = re.sub(r"(?<=\d)\s*曰", "日", text)
    # 年 月 日 misread as look-alikes, only where the digits around leave no doubt
    text = re.sub(r"(?<!\d)(\d{4})\s*[午牛车]\s*(?=\d{1,2}\s*[月目用])", r"\1年", text)
    text = re.sub(r"(年\s*\d{1,2})\s*[目用]\s*(?=\d)", r"\1月", text)
    text = re.sub(r"(月\s*\d{1,2})\s*[目白]", r"\1日", text)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return text


def _build(year: str, month: str, day: str | None) -> date | None:
    try:
        value = date(int(year), int(month), int(day) if day else 1)
    except ValueError:
        return None
    return value if EARLIEST_YEAR <= value.year <= LATEST_YEAR else None


def find_dates(text: str | None) -> list[ParsedDate]:
    """Every date in `text`, in reading order, non-overlapping."""
    if not text:
        return []
    cleaned = clean(str(text))
    found: list[ParsedDate] = []
    position = 0
    while position < len(cleaned):
        best = None
        for precision, pattern in _PATTERNS:
            m = pattern.search(cleaned, position)
            while m is not None:
                value = _build(m.group(1), m.group(2), m.group(3) if precision == "day" else None)
                if value is not None:
                    break
                m = pattern.search(cleaned, m.start() + 1)
            if m is not None and (best is None or m.start() < best[0].start()):
                best = (m, ParsedDate(value, precision, m.span()))
        if best is None:
            break
        found.append(best[1])
        position = best[0].end()
    return found


def parse_date_detail(text: str | None) -> ParsedDate | None:
    """The first date in `text` with its precision, or None."""
    if isinstance(text, datetime):
        return ParsedDate(text.date(), "day")
    if isinstance(text, date):
        return ParsedDate(text, "day")
    found = find_dates(text)
    return found[0] if found else None


def parse_date(text: str | date | None) -> date | None:
    """The first date in `text` (a year-month gives the 1st of the month), or None."""
    parsed = parse_date_detail(text)
    return parsed.value if parsed else None


def parse_validity(text: str | None) -> tuple[date | None, date | None]:
    """A validity period: "2021.03.05至2027.03.05", "2021年3月5日至2027年3月4日",
    "2021-03-05 - 2027-03-05". (None, None) when no date is found; (start, None) with one."""
    found = find_dates(text)
    start = found[0].value if found else None
    end = found[1].value if len(found) > 1 else None
    return start, end


def to_date(value: str | date | None) -> date | None:
    """A date from a date, datetime, ISO string or any form `parse_date` reads."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return parse_date(str(value))


def add_years(d: date, n: int) -> date:
    """The same day n years on; Feb 29 becomes Feb 28 in a common year."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


def format_date(d: date | str | None, style: str = "iso") -> str | None:
    """"iso" -> 2024-03-05 (the export form), "zh" -> 2024年3月5日, "dot" -> 2024.03.05,
    "cn" -> 二〇二四年三月五日 (as on seals and signed reports)."""
    d = to_date(d)
    if d is None:
        return None
    if style == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "dot":
        return f"{d:%Y.%m.%d}"
    if style == "cn":
        return f"{''.join(_CN_NUMERALS[int(c)] for c in str(d.year))}年{_cn_small(d.month)}月{_cn_small(d.day)}日"
    return d.isoformat()


__all__ = ["ParsedDate", "parse_date", "parse_date_detail", "parse_validity", "find_dates",
           "to_date", "add_years", "format_date", "clean"]
