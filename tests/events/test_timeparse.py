"""`--as-of` parsing shared by the CLI modules (zhili/timeparse.py)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from zhili.timeparse import as_of_date, parse_as_of


def test_a_date_alone_is_the_end_of_that_day_in_shanghai():
    instant = parse_as_of("2026-05-31")
    assert instant.astimezone(timezone.utc) == datetime(2026, 5, 31, 15, 59, 59, 999999, tzinfo=timezone.utc)
    assert as_of_date("2026-05-31") == date(2026, 5, 31)


def test_instants_keep_their_offset_and_naive_ones_are_beijing_time():
    assert parse_as_of("2026-05-31T10:00:00Z") == datetime(2026, 5, 31, 10, tzinfo=timezone.utc)
    assert parse_as_of("2026-05-31T10:00:00+00:00") == datetime(2026, 5, 31, 10, tzinfo=timezone.utc)
    assert parse_as_of("2026-05-31T18:00") == datetime(2026, 5, 31, 10, tzinfo=timezone.utc)
    # 01:00 UTC on the 1st is already 09:00 on the 1st in Tai'an.
    assert as_of_date("2026-06-01T01:00:00+00:00") == date(2026, 6, 1)
    assert as_of_date("2026-05-31T17:00:00+00:00") == date(2026, 6, 1)
    assert parse_as_of("2026-05-31T10:00:00+08:00").utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-02-30", "31/05/2026", ""])
def test_nonsense_is_a_value_error_naming_the_input(text):
    with pytest.raises(ValueError, match="is not a date"):
        parse_as_of(text)
