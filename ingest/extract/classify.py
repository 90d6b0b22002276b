"""Which kind of document a set of pages is, by its telltale words (each kind declares its
own in `ingest.extract.kinds`)."""
from __future__ import annotations

from ingest.extract.kinds import KINDS, UNKNOWN
from ingest.extract.layout import TextLine

TELLTALES: dict[str, tuple[tuple[str, float], ...]] = {name: k.telltales for name, k in KINDS.items() if k.telltales}


def classify(lines: list[TextLine]) -> tuple[str, float]:
    """(kind, confidence); "unknown" when no kind has enough telltales."""
    text = "".join(ln.text for ln in lines)
    scores = {kind: sum(w for word, w in words if word in text) for kind, words in TELLTALES.items()}
    kind, score = max(scores.items(), key=lambda kv: kv[1])
    other = max((s for k, s in scores.items() if k != kind), default=0.0)
    if score < 2.5 or score <= other:
        return UNKNOWN, 0.5
    return kind, min(0.99, 0.6 + 0.08 * score - 0.05 * other)
