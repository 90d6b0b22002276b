"""Projection records out: JSON, CSV, the XLSX statistics table, terminal tables, masking.

Auditors get full data by default; `public=True` masks holders' names (张*) and ID and
certificate numbers (370902********0011) for anything that leaves the bureau.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Iterable

from domain import privacy
from projections import sheets
from projections.views import SUMMARY_COLUMNS, TOTAL

TITLE = "泰安市特种作业人员安全技术培训考核专项治理工作情况汇总表"


def mask_record(record: dict) -> dict:
    """A copy of a certificate, entity or review record with personal data masked (by key
    and by pattern; `projections.public.records` also hides the names the log knows)."""
    return privacy.public(record)


def to_json(records: Any) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def _flatten(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[prefix + key] = ";".join(json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else str(x) for x in value)
        elif value is None:
            out[prefix + key] = ""
        else:
            out[prefix + key] = value
    return out


def to_csv(records: Iterable[dict], columns: list[str] | None = None) -> str:
    rows = [_flatten(r) for r in records]
    if columns is None:
        columns = []
        for r in rows:
            columns.extend(c for c in r if c not in columns)
    return sheets.csv_text(rows, columns)


def summary_csv(rows: list[dict]) -> str:
    return to_csv(rows, [k for k, _ in SUMMARY_COLUMNS])


def summary_xlsx(rows: list[dict], day: date, target) -> None:
    """Write the 汇总表 to a path or binary stream: title, as-of date, Chinese headers, totals."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总表"
    width = len(SUMMARY_COLUMNS)
    sheets.append(ws, [TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    sheets.append(ws, [f"统计截止日期：{day.isoformat()}"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheets.append(ws, [label for _, label in SUMMARY_COLUMNS])
    thin = Side(style="thin")
    for row in rows:
        sheets.append(ws, [row[k] for k, _ in SUMMARY_COLUMNS])
    for r in ws.iter_rows(min_row=3, max_row=ws.max_row):
        for cell in r:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            if cell.row == 3 or ws.cell(cell.row, 1).value == TOTAL:
                cell.font = Font(bold=True)
    rate_col = [k for k, _ in SUMMARY_COLUMNS].index("rectification_rate") + 1
    for cell in ws.iter_cols(min_col=rate_col, max_col=rate_col, min_row=4).__next__():
        cell.number_format = "0.0%"
    for i, (_, label) in enumerate(SUMMARY_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 12 if i > 1 else 14
    ws.row_dimensions[3].height = 36
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = "B4"
    wb.save(target)


def rich_table(records: list[dict], columns: list[tuple[str, str]], title: str | None = None):
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for _, label in columns:
        table.add_column(label, overflow="fold")
    for r in records:
        style = "bold" if r.get("county") == TOTAL else None
        table.add_row(*("" if r.get(k) is None else (f"{r[k]:.1%}" if k == "rectification_rate" else str(r[k])) for k, _ in columns), style=style)
    return table
