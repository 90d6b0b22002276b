"""The one writer of CSV and XLSX cells: nothing a spreadsheet would run as a formula.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or
becomes one) in Excel, WPS and LibreOffice. Text from scans and rosters can start that way
(a roster title `单位名称：=HYPERLINK(...)`), so every text cell zhili writes goes through
`neutralise`, which puts an apostrophe in front, the convention spreadsheets themselves use
for "text, not a formula". Real numbers and dates are not text: they stay numbers and dates
(a negative number too), and text that is only a number (`-3`, `-0.5`) is left alone:
it is not a formula, and an apostrophe would turn a legitimate value into another one.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any, Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def neutralise(value: Any) -> Any:
    """The value a cell may safely hold: text that could start a formula gets a leading `'`."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_text(rows: Iterable[dict], columns: list[str]) -> str:
    """A CSV document (header row, then one row per dict); missing keys are empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(row.get(c, "")) for c in columns])
    return buffer.getvalue()


def append(ws, values: list[Any]) -> None:
    """One XLSX row: numbers and dates as themselves, text always as text (never a formula)."""
    ws.append([neutralise(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl would store any text starting with "=" as a formula
        elif isinstance(cell.value, (date, datetime)) and not cell.number_format.startswith(("yy", "d")):
            cell.number_format = "yyyy-mm-dd"
