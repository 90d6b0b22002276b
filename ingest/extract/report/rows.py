"""One problem row from its cells, checked against what each cell looks like when read
right; and the table against the narrative's counts."""
from __future__ import annotations

import re

from ingest.extract import facts
from ingest.extract.model import Field
from ingest.extract.report.cells import PROBLEM_COLUMNS, _Cell
from ingest.extract.report.columns import chinese_punctuation


RECTIFIED_WORDS = ("已整改", "已完成", "完成整改", "已落实")
OPEN_WORDS = ("整改中", "未整改", "未完成", "正在整改", "进行中")


# What each cell of a problem row looks like when read right. A cell that reads otherwise
# may still hold the right value, but is not taken on trust (FORM_CONFIDENCE, under the
# review bar): an OCR slip that keeps a confident score shows up here, as a stray Latin
# letter in a description, a character too many in a name, a date with a tail.
CELL_FORMS = {
    "seq": re.compile(r"\d{1,3}"),
    "description": re.compile(r"[\u4e00-\u9fff\d，、；：。“”（）《》]+"),
    "measure": re.compile(r"[\u4e00-\u9fff\d，、；：。“”（）《》]+"),
    "owner": re.compile(r"[\u4e00-\u9fff]{2,4}"),
    "deadline": re.compile(r"(?:19|20)\d\d(?:年\d{1,2}月\d{1,2}日|-\d\d-\d\d|\.\d\d\.\d\d)"),
}
FORM_CONFIDENCE = 0.8


def _problem_from_row(row: list[_Cell], page: int, expected_seq: int | None = None) -> tuple[dict | None, Field | None]:
    text = {k: "".join(c.text for c in row if c.column == k) for k in PROBLEM_COLUMNS}
    if not any(text.values()):
        return None, None
    conf = min(c.confidence for c in row)
    reasons = []
    seq_digits = re.sub(r"\D", "", text["seq"])
    seq = int(seq_digits) if seq_digits else None
    if seq is None:
        reasons.append("seq_unread")
    elif expected_seq is not None and seq != expected_seq:
        reasons.append("seq_out_of_order")  # a row lost, split or read twice
    shapes = {k: chinese_punctuation(text[k]) if k in ("description", "measure") else text[k] for k in CELL_FORMS}
    if not all(form.fullmatch(shapes[k]) for k, form in CELL_FORMS.items()) or \
            text["status"] not in RECTIFIED_WORDS + OPEN_WORDS:
        conf = min(conf, FORM_CONFIDENCE)
    read = facts.read_dates(text["deadline"])
    deadline = read.dates[0].isoformat() if read.dates else None
    if deadline is None:
        reasons.append("deadline_unread")
    elif read.loose or read.incomplete:
        conf *= facts.LOOSE_DATE_FACTOR
    status = text["status"]
    if any(w in status for w in RECTIFIED_WORDS) or (status.startswith("已") and "未" not in status):
        rectified = True
    elif any(w in status for w in OPEN_WORDS) or "未" in status or status.endswith("中"):
        rectified = False
    else:
        rectified = None
        reasons.append("status_unread")
    if not text["description"]:
        reasons.append("description_unread")
    problem = {"seq": seq, "description": chinese_punctuation(text["description"]) or None,
               "measure": chinese_punctuation(text["measure"]) or None,
               "deadline": deadline, "owner": text["owner"] or None, "rectified": rectified,
               "confidence": round(conf if not reasons else min(conf, 0.5), 4), "page": page}
    xs = [c.box for c in row]
    box = (min(b[0] for b in xs), min(b[1] for b in xs), max(b[2] for b in xs), max(b[3] for b in xs))
    return problem, Field(problem, problem["confidence"], page, box, ";".join(reasons) or None)


def _check_counts(problems: list[dict], fields: dict[str, Field], stated: tuple[int, int] | None) -> Field | None:
    """The narrative's counts against the table: agreement raises every row's confidence;
    disagreement puts the problem list itself up for review."""
    found = (len(problems), sum(1 for p in problems if p["rectified"]))
    if stated is None:
        return None
    if stated == found:
        return None  # no row missing; the rows' own text is only as sure as its reading
    return Field({"stated": list(stated), "found": list(found)}, 0.3, None, None, "problem_count_disagrees_with_text")
