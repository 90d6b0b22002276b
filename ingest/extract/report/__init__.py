"""Self-check rectification reports (自查整改报告): unit, problem table, signature, seal.

The header fields are read like a card's (label, then the value by position). The 问题清单
is read cell by cell: the table's web of rules is found in the page image and straightened
(skew, a phone photo's perspective), and each cell's text lines are cut out and recognised
on their own (`_read_cells`). Where that cannot be done (no image, no grid found, an engine
that cannot read cut-out lines) the page's lines are split among the columns at the rules,
or, without an image (a text-layer PDF), by the header cells. A report that runs over
several pages is one table. The count of problems and of rectified ones that the
narrative states ("共发现问题12项，已整改6项") is a second source for the table.

Ink and seal come from pixels: a signature is dark, unsaturated-or-blue strokes in the box
right of 主要负责人签字; a seal is a blob of saturated red of a seal's size.

    header   the header fields
    marks    signature ink and the red seal
    cells    the problem table's columns and cells
    table    the 问题清单 across pages, and the stated counts
    grid     the table read cell by cell from its ruled grid
    columns  the page's lines split among columns (no grid)
    rows     one problem row and its checks
"""
from __future__ import annotations

from dataclasses import replace

from ingest.extract import facts
from ingest.extract.layout import Hit, find_labels, page_lines, value_of
from ingest.extract.model import Field, Record
from ingest.extract.report.header import (REPORT_LABELS, _county, _credit_code, _guess_unit_name, _report_date, _text,
                                          _unit_kind)
from ingest.extract.report.marks import _sealed, _signed
from ingest.extract.report.rows import _check_counts
from ingest.extract.report.table import _problems

# The parts tests look at directly, where they were before the split.
from ingest.extract.report.cells import _Cell  # noqa: E402,F401
from ingest.extract.report.grid import _cell_lines, _ink_runs, _rule_pixels  # noqa: E402,F401
from ingest.extract.report.rows import _problem_from_row  # noqa: E402,F401


def read_report(pages: list, county: str | None = None) -> Record:
    lines_by_page = {p.number: page_lines(p) for p in pages}
    lines = [ln for p in pages for ln in lines_by_page[p.number]]
    # A signature label must hold its 签: "以主要负责人为组长" in the body is close enough to
    # "主要负责人签字" for a fuzzy match, and measuring ink beside it reported a signed
    # report as unsigned, confidently (Tesseract, which misreads the real label more often).
    hits = [h for h in find_labels(lines, REPORT_LABELS) if h.key != "signature" or "签" in h.line.text[h.start:h.end]]
    best: dict[str, Hit] = {}
    for h in hits:
        if h.key not in best or h.score > best[h.key].score:
            best[h.key] = h
    accept = {"report_date": lambda t: bool(facts.find_dates(t)), "credit_code": lambda t: len(t) >= 15}
    values = {k: value_of(h, lines_by_page[h.line.page], hits, accept.get(k, lambda t: len(t) >= 2))
              for k, h in best.items() if k not in ("signature", "seal")}

    guessed_name = values.get("unit_name") is None and _guess_unit_name(lines, values)
    fields: dict[str, Field] = {
        "unit_name": _text(values.get("unit_name"), best.get("unit_name")),
        "unit_kind": _unit_kind(values.get("unit_kind"), values.get("unit_name"), best.get("unit_kind")),
        "county": _county(values.get("county"), best.get("county"), county),
        "report_date": _report_date(values.get("report_date"), best.get("report_date"), lines),
        "credit_code": _credit_code(values.get("credit_code"), best.get("credit_code")),
    }
    if guessed_name:
        f = fields["unit_name"]
        fields["unit_name"] = replace(f, confidence=min(f.confidence, 0.85))
    page_of = {p.number: p for p in pages}
    fields["signed"] = _signed(best.get("signature"), page_of)
    fields["sealed"] = _sealed(best.get("seal") or best.get("signature"), page_of, pages)

    problems, problem_fields, stated = _problems(pages, lines_by_page)
    count_field = _check_counts(problems, problem_fields, stated)
    extra = {"problems": problems, "row_fields": problem_fields}
    if count_field is not None:
        extra["row_fields"] = {**problem_fields, "problems": count_field}
    return Record("self_check_report", "report", fields, extra)
