"""Fixtures of the event-store suite, on whichever database the test's `db_url` names."""
from __future__ import annotations

import subprocess

import pytest

from events import NewEvent, open_store
from tests.events.helpers import StepClock

@pytest.fixture
def clocked(db_url):
    s = open_store(db_url, clock=StepClock())
    yield s
    s.engine.dispose()


@pytest.fixture
def run(capsys):
    """The same command in this process (no interpreter start-up): for the many cases
    whose point is what the command does, not how the process ends."""

    def run(db_url, *args):
        from zhili.cli import main

        try:
            main(["--db", db_url, *args])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


@pytest.fixture
def log(store):
    """Ten events over three streams."""
    for n in range(10):
        store.append(f"doc-{n % 3}", [NewEvent("PageRead", {"n": n, "text": f"第{n}页"}, {"actor": "t"})])
    return store
