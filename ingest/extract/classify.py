"""Which kind of document a set of pages is, by its telltale words."""
from __future__ import annotations

from ingest.extract.layout import TextLine

TELLTALES: dict[str, tuple[tuple[str, float], ...]] = {
    "certificate": (("特种作业操作证", 3.0), ("操作证", 1.5), ("证号", 1.0), ("准操项目", 2.0), ("操作项目", 1.5),
                    ("作业类别", 1.5), ("初领日期", 1.5), ("有效期", 1.0), ("发证机关", 1.0), ("复审", 0.5),
                    ("资格证书", 1.5), ("作业人员证", 1.5)),
    "self_check_report": (("自查整改报告", 3.0), ("自查", 1.0), ("整改", 1.0), ("问题清单", 2.0), ("问题描述", 1.5),
                          ("整改措施", 1.5), ("主要负责人", 1.0), ("单位名称", 0.5), ("整改时限", 1.0)),
}


def classify(lines: list[TextLine]) -> tuple[str, float]:
    """(kind, confidence); "unknown" when no kind has enough telltales."""
    text = "".join(ln.text for ln in lines)
    scores = {kind: sum(w for word, w in words if word in text) for kind, words in TELLTALES.items()}
    kind, score = max(scores.items(), key=lambda kv: kv[1])
    other = max((s for k, s in scores.items() if k != kind), default=0.0)
    if score < 2.5 or score <= other:
        return "unknown", 0.5
    return kind, min(0.99, 0.6 + 0.08 * score - 0.05 * other)
