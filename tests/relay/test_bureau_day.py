"""The relay re-publishes date-driven records when the bureau's day changes (Asia/Shanghai)."""
from datetime import date, datetime, timezone

from relay.outbox import bureau_today


def test_the_day_turns_over_at_midnight_in_taian_not_on_the_host():
    assert bureau_today(datetime(2024, 6, 30, 15, 59, tzinfo=timezone.utc)) == date(2024, 6, 30)
    assert bureau_today(datetime(2024, 6, 30, 16, 0, tzinfo=timezone.utc)) == date(2024, 7, 1)  # 00:00 in Tai'an
