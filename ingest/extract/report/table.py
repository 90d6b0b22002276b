"""The 问题清单 across a report's pages: where its table is, its rows, and the counts the
narrative states."""
from __future__ import annotations

import re

import numpy as np

from ingest.extract.layout import Hit, TextLine, find_labels
from ingest.extract.model import Field
from ingest.extract.report.cells import PROBLEM_COLUMNS, _Cell
from ingest.extract.report.columns import _cells_of_line, _columns, _group_rows, _is_header_line, _row_edges
from ingest.extract.report.grid import _read_cells
from ingest.extract.report.header import REPORT_LABELS
from ingest.extract.report.marks import _rgb
from ingest.extract.report.rows import _problem_from_row


NO_PROBLEMS = ("未发现问题", "无问题")
COUNTS = re.compile(r"发现(?:问题)?(\d+)项.{0,6}?已整改(\d+)项")
SKIP_IN_TABLE = ("问题清单", "第", "页")


def _problems(pages: list, lines_by_page: dict) -> tuple[list[dict], dict[str, Field], tuple[int, int] | None]:
    problems: list[dict] = []
    fields: dict[str, Field] = {}
    stated = None
    for page in pages:
        lines = lines_by_page[page.number]
        m = COUNTS.search("".join(ln.text for ln in lines))
        if m and stated is None:
            stated = (int(m.group(1)), int(m.group(2)))
        table = _table_on_page(page, lines)
        if table is None:
            continue
        for row in table:
            problem, field = _problem_from_row(row, page.number, expected_seq=len(problems) + 1)
            if problem is None:
                continue
            problems.append(problem)
            fields[f"problems.{len(problems)}"] = field
    return problems, fields, stated


def _table_on_page(page, lines: list[TextLine]) -> list[list[_Cell]] | None:
    """Rows of cells under the page's table header, or None when the page has no table."""
    # Header cells are lines made (mostly) of header words; a sentence that mentions
    # 整改措施 is not one.
    header_hits = find_labels(lines, PROBLEM_COLUMNS)
    covered: dict[int, int] = {}
    for h in header_hits:
        covered[h.line.index] = covered.get(h.line.index, 0) + h.end - h.start
    header_hits = [h for h in header_hits if covered[h.line.index] >= 0.7 * len(h.line.text)]
    header: list[Hit] = []
    for h in sorted(header_hits, key=lambda h: h.line.box[1]):
        if not header or h.line.box[1] <= header[0].line.box[3]:
            header.append(h)
        elif len({x.key for x in header}) < 3:
            header = [h]
    # A header row names at least three different columns.
    if len({h.key for h in header}) < 3:
        return None
    header_top = min(h.line.box[1] for h in header)
    header_bottom = max(h.line.box[3] for h in header)
    unit = int(np.median([h.line.height for h in header]))
    end = next((h.line.box[1] for h in find_labels(lines, {"signature": REPORT_LABELS["signature"]})
                if h.line.box[1] > header_bottom), page.height)
    body = [ln for ln in lines if ln.box[1] >= header_bottom - unit * 0.3 and ln.box[3] <= end + unit * 0.3
            and not _is_header_line(ln, header) and not (ln.text.startswith("第") and "页" in ln.text)]
    if any(w in ln.text for ln in body for w in NO_PROBLEMS):
        return []
    rows = _read_cells(page, header, unit)
    if rows is not None:
        return rows
    rgb = _rgb(page)
    columns = _columns(header, rgb, header_top, end, page.width)
    row_edges = _row_edges(rgb, header_bottom, end, columns) if rgb is not None else None
    cells = []
    for ln in body:
        cells.extend(_cells_of_line(ln, columns, page, unit))
    return _group_rows(cells, row_edges, unit)
