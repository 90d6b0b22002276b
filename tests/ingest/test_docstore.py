"""The document store keeps originals by content, atomically, read-only."""
from __future__ import annotations

import hashlib
import os

from ingest.docstore import DocumentStore, default_docs_dir


def test_put_is_content_addressed_atomic_and_idempotent(tmp_path):
    docs = DocumentStore(tmp_path / "docs")
    data = "证书 scan".encode() * 100
    doc_id = docs.put(data)
    assert doc_id == hashlib.sha256(data).hexdigest()
    path = docs.path(doc_id)
    assert path == tmp_path / "docs" / doc_id[:2] / doc_id[2:4] / doc_id
    assert path.read_bytes() == data and docs.get(doc_id) == data
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # stored read-only (root may write anyway)
    assert oct(path.stat().st_mode & 0o777) == "0o444"
    assert docs.put(data) == doc_id  # the same bytes again: nothing new
    assert os.listdir(path.parent) == [doc_id]  # no temporary files left behind


def test_empty_bytes_are_a_document_too(tmp_path):
    docs = DocumentStore(tmp_path)
    doc_id = docs.put(b"")
    assert docs.has(doc_id) and docs.get(doc_id) == b""


def test_default_folder_beside_sqlite_or_here_or_from_env(tmp_path, monkeypatch):
    monkeypatch.delenv("ZHILI_DOCS", raising=False)
    assert default_docs_dir(f"sqlite:///{tmp_path}/sub/z.db") == tmp_path / "sub" / "zhili-docs"
    monkeypatch.chdir(tmp_path)
    assert default_docs_dir("postgresql+psycopg://postgres@127.0.0.1/test") == tmp_path / "zhili-docs"
    monkeypatch.setenv("ZHILI_DOCS", str(tmp_path / "elsewhere"))
    assert default_docs_dir("sqlite:///z.db") == tmp_path / "elsewhere"
