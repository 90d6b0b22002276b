"""`zhili` with a database URL it cannot use at all: one line, exit 1. (The commands on
each backend are in the suite, persistence.py.)"""
from __future__ import annotations

from tests.events.helpers import assert_one_line_failure, zhili

def test_bad_url_fails_in_one_line(run):
    for url in ("mysql://x@127.0.0.1/y", "not a url", "postgresql+nosuchdriver://x@127.0.0.1/y"):
        result = run(url, "events")
        assert_one_line_failure(result)

    for url in ("nonsense://", "sqlite:///no/such/folder/z.db"):
        result = zhili(url, "verify")
        assert_one_line_failure(result)
        assert "Traceback" not in result.stderr
