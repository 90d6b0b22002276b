"""Self-check rectification reports (自查整改报告): unit, problem table, signature, seal."""
from __future__ import annotations

from ingest.extract.layout import TextLine
from ingest.extract.model import MISSING, Field, Record


def read_report(pages: list, lines: list[TextLine]) -> Record:
    fields = {k: MISSING for k in ("unit_name", "unit_kind", "county", "report_date", "signed", "sealed", "credit_code")}
    return Record("self_check_report", "report", fields, {"problems": []})
