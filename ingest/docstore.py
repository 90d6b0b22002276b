"""The document store: every original a clerk dropped, kept by the SHA-256 of its bytes.

Layout `<root>/ab/cd/<sha256>`. A write goes to a temporary file in the same folder,
is fsynced, then renamed into place (and the folder fsynced), so a reader never sees a
half-written original and a crash leaves at most a stray temporary file. Writing bytes
that are already stored is a no-op: identity is the content.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

DOCS_FOLDER = "zhili-docs"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def default_docs_dir(db_url: str) -> Path:
    """`$ZHILI_DOCS`, else `zhili-docs` beside a SQLite file, else in the current folder."""
    if env := os.environ.get("ZHILI_DOCS"):
        return Path(env)
    from sqlalchemy.engine import make_url  # here: a reader process never needs SQLAlchemy

    try:
        url = make_url(db_url)
    except Exception:  # a bad URL is reported by the store; the folder choice does not matter
        return Path.cwd() / DOCS_FOLDER
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / DOCS_FOLDER
    return Path.cwd() / DOCS_FOLDER


class DocumentStore:
    """Content-addressed originals on the local file system (or a shared mount)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, doc_id: str) -> Path:
        return self.root / doc_id[:2] / doc_id[2:4] / doc_id

    def has(self, doc_id: str) -> bool:
        return self.path(doc_id).is_file()

    def get(self, doc_id: str) -> bytes:
        return self.path(doc_id).read_bytes()

    def put(self, data: bytes) -> str:
        """Store the bytes durably (idempotent) and return their SHA-256."""
        doc_id = sha256_hex(data)
        target = self.path(doc_id)
        if target.is_file() and target.stat().st_size == len(data):
            return doc_id
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, 0o444)
            os.replace(temp, target)
        except BaseException:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
            raise
        _fsync_dir(target.parent)
        return doc_id


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk too.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
