"""特种作业操作证 and the other cards: one record per card on the pages."""
from __future__ import annotations

from domain import vocabulary as v
from ingest.extract.kinds import DocumentKind
from ingest.extract.model import Record


def read(pages: list, county: str | None) -> list[Record]:
    from ingest.extract.certificate import card_regions, read_certificate
    from ingest.extract.layout import page_lines

    records: list[Record] = []
    for page in pages:
        on_page = page_lines(page)
        found = getattr(page, "regions", None)  # cards the OCR found by segmentation
        regions = [[ln for ln in on_page if ln.index in set(r)] for r in found] if found else card_regions(on_page)
        for region in regions:
            record = read_certificate(region, f"card{len(records) + 1}")
            # A repeated title word (a printout's header and its data-source line) can
            # split a page; a part that names nobody is not a card.
            if len(regions) == 1 or _names_someone(record):
                records.append(record)
    return records


def _names_someone(record: Record) -> bool:
    return any(record.fields[key].value for key in ("cert_no", "id_number", "name"))


def event_data(rec: Record) -> dict:
    return {
        "record": rec.record,
        "certificate_kind": rec.extra.get("certificate_kind", "special_operation"),
        "fields": {name: f.to_event() for name, f in rec.fields.items()},
    }


KIND = DocumentKind(
    name="certificate",
    telltales=(("特种作业操作证", 3.0), ("操作证", 1.5), ("证号", 1.0), ("准操项目", 2.0), ("操作项目", 1.5),
               ("作业类别", 1.5), ("初领日期", 1.5), ("有效期", 1.0), ("发证机关", 1.0), ("复审", 0.5),
               ("资格证书", 1.5), ("作业人员证", 1.5)),
    read=read,
    event=v.CERTIFICATE_RECOGNISED,
    event_data=event_data,
    projection="certificates",
)
