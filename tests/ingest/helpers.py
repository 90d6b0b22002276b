"""Shared helpers for intake tests: sample files, running `zhili`, reading the log back."""
from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path

from domain import vocabulary as v
from events import open_store

ZHILI = str(Path(sys.executable).parent / "zhili")


@lru_cache(maxsize=None)
def good_pdf(seed: int) -> bytes:
    """A one-page certificate record with a clean text layer: read without OCR, fast."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from synth.certificates import random_certificate

    card = random_certificate(random.Random(seed), anomalies=(), as_of=date(2024, 6, 1))
    f = card.fields()
    rows = ["特种作业操作证", f"证号 {f['cert_no']}", f"姓名 {f['name']}", f"性别 {f['sex']}",
            f"作业类别 {f['category']}", f"准操项目 {f['item']}", f"初领日期 {f['first_issued']}",
            f"有效期限 {f['valid_from']} 至 {f['valid_until']}", f"应复审日期 {f['review_due'] or f['valid_until']}",
            f"发证机关 {f['issuer']}"]
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=1)  # invariant: the same seed gives the same bytes
    pdf.setFont("STSong-Light", 14)
    for i, row in enumerate(rows):
        pdf.drawString(60, 780 - 26 * i, row)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def zhili(db_url: str, *args: str, docs: Path | None = None, env: dict | None = None, timeout: float = 120,
          **kwargs) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "OMP_THREAD_LIMIT": "1", **(env or {})}
    if docs is not None:
        full_env["ZHILI_DOCS"] = str(docs)
    return subprocess.run([ZHILI, "--db", db_url, *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout, **kwargs)


def start_zhili(db_url: str, *args: str, docs: Path | None = None, env: dict | None = None, **kwargs):
    full_env = {**os.environ, "OMP_THREAD_LIMIT": "1", **(env or {})}
    if docs is not None:
        full_env["ZHILI_DOCS"] = str(docs)
    return subprocess.Popen([ZHILI, "--db", db_url, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=full_env, **kwargs)


def events_of(db_url: str):
    store = open_store(db_url)
    try:
        return list(store.read_all())
    finally:
        store.engine.dispose()


def per_document(events, event_type: str) -> Counter:
    return Counter(e.data["doc_id"] for e in events if e.type == event_type)


def finished_once(events) -> bool:
    """Every received document has exactly one finishing event."""
    received = set(per_document(events, v.DOCUMENT_RECEIVED))
    finishes = per_document(events, v.DOCUMENT_PROCESSED) + per_document(events, v.DOCUMENT_REJECTED)
    return set(finishes) == received and all(n == 1 for n in finishes.values())


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())
