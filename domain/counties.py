"""Tai'an's six county-level divisions and its functional zones, and how clerks name them.

The divisions carry their GB/T 2260 codes; the zones (高新区, 泰山景区, 徂汶景区, 旅游经济开发区)
have no official code, so they carry the bureau's own label only (`code` None), never a
made-up division code. `county_from_folder` maps an intake folder name to the canonical
name, keeping an unknown name as given; `county_order` sorts report rows: divisions in code
order, then zones, then anything unknown by name.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class County:
    name: str  # canonical, as the summary table prints it
    code: str | None  # GB/T 2260 for divisions, None for functional zones
    aliases: tuple[str, ...] = ()

    @property
    def is_zone(self) -> bool:
        return self.code is None


DIVISIONS = (
    County("泰山区", "370902", ("泰山", "泰安市泰山区")),
    County("岱岳区", "370911", ("岱岳", "泰安市岱岳区")),
    County("宁阳县", "370921", ("宁阳", "泰安市宁阳县")),
    County("东平县", "370923", ("东平", "泰安市东平县")),
    County("新泰市", "370982", ("新泰", "泰安市新泰市")),
    County("肥城市", "370983", ("肥城", "泰安市肥城市")),
)
ZONES = (
    County("高新区", None, ("泰安高新区", "泰安高新技术产业开发区", "高新技术产业开发区", "高新技术开发区",
                        "泰安市高新区", "高新技术区")),
    County("泰山景区", None, ("泰山风景名胜区", "泰山风景区", "泰安市泰山景区", "泰山景区管委会")),
    County("徂汶景区", None, ("徂汶", "徂汶景区管委会", "徂徕山汶河景区", "泰安市徂汶景区")),
    County("旅游经济开发区", None, ("泰安旅游经济开发区", "旅游开发区", "旅游经济区", "泰安市旅游经济开发区")),
)
COUNTIES = DIVISIONS + ZONES
BY_NAME = {c.name: c for c in COUNTIES}
BY_CODE = {c.code: c for c in DIVISIONS}
# Old codes that still appear in ID numbers (GB/T 2260 history).
OLD_CODES = {"370922": "肥城市", "379019": "肥城市", "379005": "新泰市"}

_ALIASES = {alias: c.name for c in COUNTIES for alias in (c.name, *c.aliases)}
# Longest first, so 泰山景区 is found before 泰山 inside a longer folder name.
_BY_LENGTH = sorted(_ALIASES, key=len, reverse=True)
_DECORATION = re.compile(r"^[\d\s._\-、()（）\[\]【】]+|[\s._\-]+$")


def _clean(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").strip()
    return _DECORATION.sub("", text).replace(" ", "")


def county_from_folder(name: str | None) -> tuple[str, bool]:
    """(canonical name, known). "01泰山区", "泰山", "泰安高新技术产业开发区材料", "秦山区" (泰
    misread) are known; anything else is returned cleaned of numbering but
    otherwise as given, known=False."""
    cleaned = _clean(name or "")
    if cleaned in _ALIASES:
        return _ALIASES[cleaned], True
    for alias in _BY_LENGTH:
        if len(alias) >= 3 and alias in cleaned:
            return _ALIASES[alias], True
    # 泰 is OCR's most common misreading here (秦山区, 新秦市); no county is named with 秦.
    if "秦" in cleaned:
        guess, known = county_from_folder(cleaned.replace("秦", "泰"))
        if known:
            return guess, True
    return cleaned or (name or ""), False


def county_from_code(region6: str | None) -> str | None:
    """The Tai'an division of a 6-digit address code (current or old), else None."""
    if not region6:
        return None
    if region6 in BY_CODE:
        return BY_CODE[region6].name
    return OLD_CODES.get(region6)


def county_order(name: str) -> tuple[int, str]:
    """Sort key for report rows: divisions (code order), zones, then unknown names."""
    for position, county in enumerate(COUNTIES):
        if county.name == name:
            return position, name
    return len(COUNTIES), name


def sorted_counties(names) -> list[str]:
    return sorted(set(names), key=county_order)


__all__ = ["County", "DIVISIONS", "ZONES", "COUNTIES", "BY_NAME", "BY_CODE", "county_from_folder",
           "county_from_code", "county_order", "sorted_counties"]
