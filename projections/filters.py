"""Checking what a reader filters by: county, flag code, status, event type.

An unknown code must never give a silent empty answer (`--flag expird` listing nothing
looks like "no expired certificates"). Each check returns the canonical value or raises
`UnknownCode`, which names the valid values; a county is read the way intake reads a
folder name (`泰山` is 泰山区), so the names a clerk uses to drop files also filter. The
CLI turns `UnknownCode` into a usage error (exit 2), the HTTP API into a 400.
"""
from __future__ import annotations

from difflib import get_close_matches
from typing import Iterable

from domain import vocabulary as v
from domain.certificates import FLAGS, STATUSES
from domain.counties import COUNTIES, county_from_folder, sorted_counties

ENTITY_STATUSES = ("self_check_missing", "needs_review", "unsigned", "open_problems", "ok")
EVENT_TYPES = tuple(sorted(
    value for name, value in vars(v).items()
    if name.isupper() and isinstance(value, str) and value[:1].isupper() and value.isalpha()
))


class UnknownCode(ValueError):
    """A filter value that matches nothing the system knows; `option` names the option."""

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option


def _unknown(option: str, given: str, valid: Iterable[str], what: str) -> UnknownCode:
    valid = list(valid)
    near = get_close_matches(given, valid, n=1, cutoff=0.6)
    hint = f" (did you mean {near[0]}?)" if near else ""
    return UnknownCode(option, f"unknown {what} {given!r}{hint}; valid: {', '.join(valid)}")


def county(given: str | None, present: Iterable[str] = ()) -> str | None:
    """The canonical county for a filter: a county or zone under any name intake accepts,
    or a folder name that some record carries as given (an unknown folder, 未注明)."""
    if given is None:
        return None
    present = {p for p in present if p}
    if given in present:
        return given
    name, known = county_from_folder(given)
    if known:
        return name
    if name in present:
        return name
    valid = [c.name for c in COUNTIES] + [p for p in sorted_counties(present) if p not in {c.name for c in COUNTIES}]
    raise _unknown("--county", given, valid, "county or zone")


def flag(given: str | None, what: str = "certificates") -> str | None:
    if given is None:
        return None
    if what != "certificates":
        raise UnknownCode("--flag", f"{what} have no flags: --flag applies to certificates")
    if given not in FLAGS:
        raise _unknown("--flag", given, FLAGS, "flag code")
    return given


def status(given: str | None, what: str = "certificates") -> str | None:
    if given is None:
        return None
    valid = {"certificates": STATUSES, "entities": ENTITY_STATUSES}.get(what)
    if valid is None:
        raise UnknownCode("--status", f"{what} have no status: --status applies to certificates and entities")
    if given not in valid:
        raise _unknown("--status", given, valid, {"certificates": "certificate", "entities": "entity"}[what] + " status")
    return given


def event_types(given: Iterable[str], present: Iterable[str] = ()) -> list[str]:
    """Every type given, checked against the vocabulary and the types the log holds."""
    valid = sorted(set(EVENT_TYPES) | set(present))
    for t in given:
        if t not in valid:
            raise _unknown("--type", t, valid, "event type")
    return list(given)
