"""schemathesis against the served OpenAPI document: no generated request gets a 5xx.

A real server (uvicorn on 127.0.0.1, a free port) over a SQLite log holding two ingested
certificates, called with a token that has every right, so generated requests reach the
handlers instead of stopping at 401/403. Bounded and deterministic: a few examples per
operation, derandomized, no example database, no deadline (the machine is shared).
"""
from __future__ import annotations

import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from events import open_store
from ingest.docstore import DocumentStore
from tests.conftest import sqlite_url
from tests.ingest.helpers import good_pdf
from tests.web.server import serving
from web.app import create_app
from web.auth import LOCAL_ROLE, Tokens, User

TOKEN = "schemathesis-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = 25  # per operation; 14 operations


@pytest.fixture
def base_url(tmp_path):
    store = open_store(sqlite_url(tmp_path))
    # The local role holds every right (upload, correct, read, events, verify).
    app = create_app(store, DocumentStore(tmp_path / "docs"), Tokens({TOKEN: User(LOCAL_ROLE, "schemathesis")}))
    with serving(app) as url:
        with httpx.Client(base_url=url, headers=AUTH, timeout=30) as c:
            for seed, county in ((3, "泰山区"), (5, "岱岳区")):
                r = c.post("/api/documents", files={"file": (f"card{seed}.pdf", good_pdf(seed))}, data={"county": county})
                assert r.status_code == 202, r.text
            deadline = time.monotonic() + 60
            while len(c.get("/api/certificates").json()["items"]) < 2:
                assert time.monotonic() < deadline, "the two uploads were never read"
                time.sleep(0.3)
        yield url
    store.engine.dispose()


def test_no_server_error_on_any_generated_request(base_url):
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12, [op.label for op in operations]
    failures = []
    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case):
            response = case.call(base_url=base_url, headers=AUTH, timeout=30)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            call()
        except Exception as exc:  # collect every operation's failure, then fail once
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
