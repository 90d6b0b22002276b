"""自查整改报告: one record per report, with its problem table."""
from __future__ import annotations

from domain import vocabulary as v
from ingest.extract.kinds import DocumentKind
from ingest.extract.model import Record


def read(pages: list, county: str | None) -> list[Record]:
    from ingest.extract.report import read_report

    return [read_report(pages, county)]


def event_data(rec: Record) -> dict:
    return {
        "record": rec.record,
        "fields": {name: f.to_event() for name, f in rec.fields.items()},
        "problems": rec.extra.get("problems", []),
    }


KIND = DocumentKind(
    name="self_check_report",
    telltales=(("自查整改报告", 3.0), ("自查", 1.0), ("整改", 1.0), ("问题清单", 2.0), ("问题描述", 1.5),
               ("整改措施", 1.5), ("主要负责人", 1.0), ("单位名称", 0.5), ("整改时限", 1.0)),
    read=read,
    event=v.SELF_CHECK_REPORT_RECOGNISED,
    event_data=event_data,
    projection="entities",
)
