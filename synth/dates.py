"""Date helpers for synthetic truth: year arithmetic and the printed formats seen on cards."""
from __future__ import annotations

import random
from datetime import date, timedelta

from domain.dates import add_years

__all__ = ["DATE_STYLES", "add_years", "fmt", "random_date"]

DATE_STYLES = ("iso", "cn", "cn_short", "dot")


def random_date(rng: random.Random, lo: date, hi: date) -> date:
    """Uniform in [lo, hi]; lo when the range is empty."""
    span = (hi - lo).days
    return lo + timedelta(days=rng.randrange(span + 1)) if span > 0 else lo


def fmt(d: date, style: str) -> str:
    if style == "cn":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    if style == "cn_short":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    return d.isoformat()
