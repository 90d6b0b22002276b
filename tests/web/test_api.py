"""The HTTP API on SQLite and PostgreSQL: roles, masking, upload through the intake, corrections, errors."""
from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from events import open_store
from ingest.docstore import DocumentStore
from tests.ingest.helpers import good_pdf
from web.app import create_app
from web.auth import Tokens, parse_tokens

TOKENS = "clerk clerk-token-1 王芳\nauditor audit-token-1 李审计\ndownstream down-token-1 下游\n"
CLERK, AUDITOR, DOWN = ({"Authorization": f"Bearer {t}"} for t in ("clerk-token-1", "audit-token-1", "down-token-1"))


@pytest.fixture
def client(db_url, tmp_path):
    store = open_store(db_url)
    app = create_app(store, DocumentStore(tmp_path / "docs"), Tokens(parse_tokens(TOKENS)))
    with TestClient(app) as c:
        yield c
    store.engine.dispose()


def _wait_for_certificate(client, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = client.get("/api/certificates", headers=AUDITOR).json()["items"]
        if items:
            return items[0]
        time.sleep(0.5)
    raise AssertionError("the uploaded certificate never appeared")


def test_roles_upload_masking_and_correction(client):
    assert client.get("/api/certificates").status_code == 401
    assert client.get("/api/certificates", headers={"Authorization": "Bearer nope-nope"}).json()["error"] == "unauthorized"
    assert client.get("/api/review", headers=DOWN).status_code == 403
    assert client.get("/api/events", headers=CLERK).status_code == 403
    assert client.post("/api/documents", headers=AUDITOR, files={"file": ("a.pdf", b"%PDF-1.4")},
                       data={"county": "泰山区"}).status_code == 403
    bad = client.post("/api/documents", headers=CLERK, files={"file": ("a.exe", b"MZ")}, data={"county": "泰山区"})
    assert bad.status_code == 415 and bad.json()["error"] == "unsupported_type"
    assert client.post("/api/documents", headers=CLERK, files={"file": ("a.pdf", b"%PDF")},
                       data={"county": "火星区"}).status_code == 422

    pdf = good_pdf(7)
    up = client.post("/api/documents", headers=CLERK, files={"file": ("card.pdf", pdf)}, data={"county": "泰山区"})
    assert up.status_code == 202, up.text
    doc_id = up.json()["doc_id"]
    again = client.post("/api/documents", headers=CLERK, files={"file": ("copy.pdf", pdf)}, data={"county": "泰山区"})
    assert again.json()["doc_id"] == doc_id and again.json()["state"] == "duplicate"

    cert = _wait_for_certificate(client)
    assert cert["county"] == "泰山区" and cert["source"]["doc_id"] == doc_id
    masked = client.get(f"/api/certificates/{cert['cert_no']}", headers=DOWN).json()
    assert masked["name"] == cert["name"][0] + "*" * (len(cert["name"]) - 1)
    assert "*" in masked["id_number"] and masked["id_number"][-4:] == cert["id_number"][-4:]
    assert client.get("/api/certificates/NOSUCH", headers=CLERK).status_code == 404
    assert client.get("/api/certificates?flag=nosuch", headers=CLERK).status_code == 422

    fixed = client.post("/api/corrections", headers=CLERK,
                        json={"doc_id": doc_id, "field": "name", "value": "张三丰", "reason": "对照原件"})
    assert fixed.status_code == 201, fixed.text
    assert client.get(f"/api/certificates/{cert['cert_no']}", headers=AUDITOR).json()["name"] == "张三丰"
    events = client.get("/api/events?type=FieldCorrected", headers=AUDITOR).json()["items"]
    assert events[-1]["metadata"]["actor"] == "王芳"
    assert client.post("/api/corrections", headers=CLERK, json={"doc_id": doc_id, "field": "nosuch", "value": "x"}).status_code == 422
    assert client.post("/api/corrections", headers={**CLERK, "content-type": "application/json"},
                       content=b"{not json").status_code == 422

    summary = client.get("/api/summary?format=csv", headers=DOWN)
    assert summary.status_code == 200 and summary.text.startswith("county,")
    doc = client.get(f"/api/documents/{doc_id}", headers=CLERK).json()
    assert doc["state"] == "processed" and any(e["type"] == "FieldCorrected" for e in doc["events"])
    assert client.get(f"/api/documents/{doc_id}/original", headers=CLERK).content == pdf
    page = client.get("/", cookies={"zhili_token": "audit-token-1"})
    assert page.status_code == 200 and "总览" in page.text


def test_every_page_renders_behind_the_login(client):
    assert client.get("/review", follow_redirects=False).status_code == 303  # no cookie: to the login form
    pdf = good_pdf(11)
    doc_id = client.post("/api/documents", headers=CLERK, files={"file": ("card.pdf", pdf)},
                         data={"county": "岱岳区"}).json()["doc_id"]
    cert = _wait_for_certificate(client)
    client.cookies.set("zhili_token", "audit-token-1")
    for path in ("/", "/certificates", f"/certificates?q={cert['name']}", f"/certificates/{cert['cert_no']}",
                 "/entities", f"/audit?key={doc_id}", "/audit?verify=true", "/review"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
    assert "发证机关" in client.get(f"/certificates/{cert['cert_no']}").text
    assert "请记下链头" in client.get("/audit?verify=true").text
    client.cookies.set("zhili_token", "clerk-token-1")
    assert client.get("/upload").status_code == 200
    assert client.get(f"/documents/{doc_id}/pages/1.png").headers["content-type"] == "image/png"
    client.cookies.set("zhili_token", "down-token-1")
    assert cert["name"] not in client.get("/certificates").text  # masked for downstream
