"""Personal data out of public outputs (PIPL): masking names, ID numbers, phone numbers.

One set of pure functions for every output that leaves the bureau or goes to a log: the
public exports, `explain --public`, the summary, log lines, the masked Kafka topics and the
API's downstream role. Auditors see the data in full; everything else goes through here.

- `mask_id("370902198503150011")` → `370902********0011` (a `T` certificate prefix stays);
- `mask_name("张三")` → `张*`, `欧阳娜娜` → `欧***`;
- `scrub_text(text, known)` masks every name and number in `known` wherever it occurs (an
  ID also when written with spaces or dashes between its digits) and anything that looks
  like an ID number (12 or more digits) or a mobile number, known or not;
- `scrub_path(path, known)` does the same to a file name, and since a clerk's file name is
  usually the holder's name plus words like 操作证, it also masks every run of Chinese
  characters that is not a known document, county or catalogue word (`王芳操作证.png` →
  `王*操作证.png`): a file name may carry a name nobody has read yet;
- `public(value, known)` masks a whole JSON-like value: personal fields by their key,
  file names by theirs, every other string by `scrub_text`.

Limits: a name is recognised in free text only when it is known (read from a document or
a roster); in file names, unknown names are caught by the rule above, so a unit's name in a
file name is masked too. Names in pinyin or Latin letters are not recognised.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable

from domain.catalogue import CATEGORIES, ITEMS
from domain.counties import COUNTIES

__all__ = ["Known", "mask_id", "mask_name", "mask_number", "public", "scrub_path", "scrub_text",
           "NAME_KEYS", "NUMBER_KEYS", "FILE_KEYS"]

# Keys whose value is a person's name or number, wherever they appear in a record.
NAME_KEYS = frozenset({"name", "owner", "holder", "signer", "contact", "principal", "responsible_person"})
NUMBER_KEYS = frozenset({"id_number", "cert_no", "phone", "mobile"})
FILE_KEYS = frozenset({"filename", "relative_path", "file", "path", "original_name"})
# Records that carry "name" as a unit's name, not a person's.
_UNIT_MARKERS = ("entity_id", "unit_kind", "credit_code")

_SEP = r"[\s\-_.·]?"
# 12 to 18 digits (an ID, a partial ID, a certificate number), separators allowed between.
_LONG_NUMBER = re.compile(rf"(?<![0-9])[0-9](?:{_SEP}[0-9]){{10,16}}(?:{_SEP}[0-9Xx])(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9](?:[\s\-]?[0-9]){8}(?![0-9])")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


def mask_number(text: str) -> str:
    """Keep the region (6) and the last 4 characters of a long number, hide the rest."""
    chars = re.sub(r"[\s\-_.·]", "", text)
    if len(chars) >= 15:
        return chars[:6] + "*" * (len(chars) - 10) + chars[-4:]
    if len(chars) >= 11:  # a mobile number or a shortened ID
        return chars[:3] + "*" * (len(chars) - 7) + chars[-4:]
    return "*" * len(chars)


def mask_id(value: Any) -> Any:
    """370902198503150011 → 370902********0011; T370902... keeps its T."""
    if value is None or value == "":
        return value
    text = str(value).strip()
    if text[:1] in "Tt" and len(text) > 1:
        return "T" + mask_number(text[1:])
    return mask_number(text)


def mask_name(name: Any) -> Any:
    """张三 → 张*, 欧阳小明 → 欧***: the first character only."""
    if name is None or name == "":
        return name
    text = str(name).strip()
    return text[:1] + "*" * max(1, len(text) - 1)


def _id_forms(number: str) -> str:
    """A known number as a pattern that also matches it with separators between digits."""
    return _SEP.join(re.escape(c) for c in number)


@dataclass(frozen=True)
class Known:
    """The names and numbers read from documents: masked wherever they occur."""

    names: frozenset[str] = field(default_factory=frozenset)
    numbers: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, names: Iterable[Any] = (), numbers: Iterable[Any] = ()) -> "Known":
        clean_names = {str(n).strip() for n in names if isinstance(n, str) and len(n.strip()) >= 2}
        clean_numbers = set()
        for n in numbers:
            if not isinstance(n, str):
                continue
            digits = re.sub(r"[\s\-_.·]", "", n).upper()
            if digits[:1] == "T":
                digits = digits[1:]
            if len(digits) >= 8:
                clean_numbers.add(digits)
        return cls(frozenset(clean_names), frozenset(clean_numbers))

    def __or__(self, other: "Known") -> "Known":
        return Known(self.names | other.names, self.numbers | other.numbers)

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        parts = [_id_forms(n) for n in sorted(self.numbers, key=len, reverse=True)]
        parts += [re.escape(n) for n in sorted(self.names, key=len, reverse=True)]
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None


NOBODY = Known()


def _replace_known(match: re.Match) -> str:
    text = match.group(0)
    if re.search(r"[0-9]", text):
        return mask_number(text)
    return mask_name(text)


def scrub_text(text: Any, known: Known = NOBODY) -> Any:
    """Free text with every known name and number, and every ID-like or mobile number, masked."""
    if not isinstance(text, str) or not text:
        return text
    pattern = known._pattern
    if pattern is not None:
        text = pattern.sub(_replace_known, text)
    text = _LONG_NUMBER.sub(lambda m: mask_number(m.group(0)) if "*" not in m.group(0) else m.group(0), text)
    return _MOBILE.sub(lambda m: mask_number(m.group(0)), text)


# Words that file names are made of besides a name: document kinds, places, catalogue items.
_DOCUMENT_WORDS = (
    "特种作业人员操作证", "特种作业操作证", "特种作业人员", "特种作业", "操作证书", "操作证", "资格证", "证书", "证件",
    "自查整改报告", "自查报告", "整改报告", "整改", "自查", "报告", "花名册", "名册", "名单", "台账", "统计表", "汇总表",
    "持证人员", "人员", "身份证", "复印件", "扫描件", "扫描", "照片", "图片", "正面", "反面", "背面", "封面", "内页",
    "副本", "原件", "复审", "换证", "补证", "新证", "旧证", "有限责任公司", "股份有限公司", "有限公司", "公司", "集团",
    "分公司", "培训机构", "培训中心", "培训学校", "学校", "考试点", "考点", "应急管理局", "泰安市", "山东省", "第", "页",
    "附件", "材料", "登记表", "信息", "企业", "单位", "工厂", "厂",
)
_PLACE_WORDS = tuple(alias for c in COUNTIES for alias in (c.name, *c.aliases))
_VOCABULARY = sorted({w for w in (*_DOCUMENT_WORDS, *_PLACE_WORDS, *ITEMS, *CATEGORIES) if w}, key=len, reverse=True)
_WORD = re.compile("|".join(re.escape(w) for w in _VOCABULARY))


def _mask_han_run(run: str) -> str:
    """Inside one run of Chinese characters, mask what is left between the known words."""
    out, rest, at = [], "", 0
    for m in _WORD.finditer(run):
        rest = run[at:m.start()]
        out.append(mask_name(rest) if len(rest) >= 2 else rest)
        out.append(m.group(0))
        at = m.end()
    rest = run[at:]
    out.append(mask_name(rest) if len(rest) >= 2 else rest)
    return "".join(out)


def scrub_path(path: Any, known: Known = NOBODY) -> Any:
    """A file name or relative path fit for a log or a public export.

    Folders (the county level) keep their names; the file name gets `scrub_text` and then
    every run of Chinese characters outside the known words masked.
    """
    if not isinstance(path, str) or not path:
        return path
    head, sep, name = path.rpartition("/")
    head = scrub_text(head, known)
    name = scrub_text(name, known)
    name = _HAN_RUN.sub(lambda m: _mask_han_run(m.group(0)), name)
    return f"{head}{sep}{name}"


def _is_unit(record: dict) -> bool:
    return any(k in record for k in _UNIT_MARKERS)


def public(value: Any, known: Known = NOBODY, key: str | None = None, unit: bool = False) -> Any:
    """A copy of a JSON-like value fit for publication.

    Personal fields are masked by their key (`name`, `id_number`, `cert_no`, `owner`...), a
    review item's `value` by its `field`, file names by `scrub_path`, and every other string
    by `scrub_text`. A unit's `name` (a record with `entity_id`) is a unit's, kept.
    """
    if isinstance(value, dict):
        is_unit = _is_unit(value)
        field_name = value.get("field")
        short = str(field_name).rsplit(".", 1)[-1] if field_name else None
        if short is None and key in NAME_KEYS | NUMBER_KEYS and not unit:
            short = key  # e.g. explain's fields.name = {"value": ..., "events": [...]}
        out = {}
        for k, v in value.items():
            if k in ("value", "old", "new") and short and not isinstance(v, (dict, list)):
                out[k] = _by_key(short, v, known, False)
            else:
                out[k] = public(v, known, k, is_unit)
        return out
    if isinstance(value, (list, tuple)):
        return [public(v, known, key, unit) for v in value]
    return _by_key(key, value, known, unit)


def _by_key(key: str | None, value: Any, known: Known, unit: bool) -> Any:
    if not isinstance(value, str) or not value:
        return value
    if key in NAME_KEYS and not (unit and key == "name"):
        return mask_name(value)
    if key in NUMBER_KEYS:
        return mask_id(value)
    if key in FILE_KEYS:
        return scrub_path(value, known)
    return scrub_text(value, known)
