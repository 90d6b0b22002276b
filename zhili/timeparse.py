"""`--as-of` for every command: an ISO instant, or a date meaning the end of that day in Tai'an.

Users think in Beijing time (`domain.dates.TAIAN_TIME`); the log stores UTC. A date alone, `2026-05-31`, means
the end of that day: everything recorded on the 31st, Beijing time, counts. A date-time
without an offset is Beijing time too.
"""
from __future__ import annotations

from datetime import date, datetime, time

import click

from domain.dates import TAIAN_TIME as SHANGHAI, local_day
_END_OF_DAY = time(23, 59, 59, 999999)


def parse_as_of(text: str) -> datetime:
    """An aware instant for `text`; ValueError with a readable message if it is neither
    `YYYY-MM-DD` nor an ISO 8601 date-time."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), _END_OF_DAY, SHANGHAI)
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date (YYYY-MM-DD) or an ISO date-time (YYYY-MM-DDTHH:MM[:SS][+08:00])"
        ) from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=SHANGHAI)


def as_of_date(text: str) -> date:
    """The calendar day in Asia/Shanghai that `--as-of TEXT` falls on (for date-based rules)."""
    return local_day(parse_as_of(text))


class AsOf(click.ParamType):
    """click type for `--as-of`: a bad value is a usage error (exit 2) naming the option."""

    name = "ISO-DATETIME"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            return parse_as_of(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


AS_OF = AsOf()
