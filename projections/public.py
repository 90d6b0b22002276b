"""What `--public` outputs hide: every name and number the projections hold, masked.

`known(facts)` collects the people the log knows of (certificate holders, roster rows,
problem owners, what OCR read into name and number fields, corrections of them);
`records(items, facts)` masks any export or explain value with `domain.privacy`, so a
name is hidden wherever it appears (a file name, a problem's text), not only in its field.
"""
from __future__ import annotations

from typing import Any, Iterable

from domain import privacy
from projections import views


def _short(field: str | None) -> str:
    return str(field or "").rsplit(".", 1)[-1]


def known(facts: views.Facts) -> privacy.Known:
    names: list[Any] = []
    numbers: list[Any] = []

    def take(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                take(k, v)
        elif isinstance(value, list):
            for v in value:
                take(key, v)
        elif key in privacy.NAME_KEYS:
            names.append(value)
        elif key in privacy.NUMBER_KEYS:
            numbers.append(value)

    for row in facts.cert_rows:
        for name, f in (row.get("fields") or {}).items():
            take(name, f.get("value") if isinstance(f, dict) else f)
    for r in facts.roster_rows:
        names.append(r.get("name"))
        numbers.extend((r.get("id_number"), r.get("cert_no")))
    for r in facts.reports:
        take("problems", r.get("problems") or [])
        for name, f in (r.get("fields") or {}).items():
            if name in privacy.NAME_KEYS and isinstance(f, dict):
                names.append(f.get("value"))
    for item in facts.review_items:
        take(_short(item["field"]), item["value"])
    for changes in facts.corrections.values():
        for c in changes:
            take(_short(c["field"]), c["old"])
            take(_short(c["field"]), c["new"])
    return privacy.Known.of(names, numbers)


def records(items: Iterable[dict] | dict, facts: views.Facts, who: privacy.Known | None = None) -> Any:
    """Masked copies of export records (a list) or of one explain result (a dict)."""
    who = who if who is not None else known(facts)
    if isinstance(items, dict):
        return privacy.public(items, who)
    return [privacy.public(r, who) for r in items]
