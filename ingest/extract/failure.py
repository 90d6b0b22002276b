"""A reader's exception turned into something a document can carry: it goes to a clerk
(review reason `extraction_failed`) and to the log, never back to the OCR.

The log line must show the bug without showing whom the document is about: the frames
(file:line, function) are kept as they are; the exception's message, which can quote what
was read, and the code lines keep their shape but not their digits runs or Han text.
"""
from __future__ import annotations

import os
import re
import traceback

from ingest.extract.model import ExtractionFailure

_ID_RUN = re.compile(r"[0-9Xx]{6,}")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_FRAMES = 8


def mask_message(text: str) -> str:
    """Digits runs (ID and certificate numbers) and every Han character (names, units)
    masked: `'张三' not in '370902…0011'` → `'**' not in '******'`."""
    return _HAN.sub("*", _ID_RUN.sub(lambda m: "*" * len(m.group(0)), text))[:300]


def caught(step: str, exc: BaseException) -> ExtractionFailure:
    frames = traceback.extract_tb(exc.__traceback__)[-MAX_FRAMES:]
    last = frames[-1] if frames else None
    where = f" at {os.path.basename(last.filename)}:{last.lineno}" if last else ""
    lines = [f"{type(exc).__name__}: {mask_message(str(exc))}"]
    # The code lines are masked too: a line can hold a value (a test's, a generated one).
    lines += [f"  {_short(f.filename)}:{f.lineno} in {f.name}: {mask_message((f.line or '').strip())}" for f in frames]
    return ExtractionFailure(step, f"{type(exc).__name__}{where}", "\n".join(lines))


def _short(path: str) -> str:
    """`.../ingest/extract/certificate.py` (from our package root on), else the base name."""
    parts = path.replace("\\", "/").split("/")
    for root in ("ingest", "ocr", "domain", "synth"):
        if root in parts:
            return "/".join(parts[len(parts) - 1 - parts[::-1].index(root):])
    return parts[-1]
