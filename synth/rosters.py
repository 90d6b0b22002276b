"""Synthetic employer rosters of special-operations workers (姓名/身份证号/证号/工种), written
as .xlsx (with a 单位名称 title row) or .csv (UTF-8 with BOM, or GBK), repeatably. Some rows
name someone other than the certificate's holder (人证不一致); some workers hold no card."""
from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from synth.certificates import CertificateTruth, random_certificate
from synth.people import random_name, random_person
from synth.units import Unit, random_unit

HEADER = ("姓名", "身份证号", "证号", "工种")
INFORMAL_JOBS = {
    "低压电工作业": ("电工", "低压电工", "电工证"), "高压电工作业": ("高压电工",),
    "熔化焊接与热切割作业": ("电焊工", "焊工", "电焊"), "防爆电气作业": ("防爆电工",),
    "登高架设作业": ("登高架设", "架子工"), "高处安装、维护、拆除作业": ("高处安装维护", "高空作业"),
    "制冷与空调设备运行操作作业": ("制冷工", "制冷证"),
}
FIXED_ZIP_TIME = (2024, 6, 1, 0, 0, 0)


@dataclass(frozen=True)
class RosterRow:
    name: str
    id_number: str
    cert_no: str | None
    job: str
    status: str = "matches"      # matches | name_mismatch | no_certificate


@dataclass(frozen=True)
class RosterTruth:
    employer: str
    county: str
    rows: tuple[RosterRow, ...]

    def to_dict(self) -> dict:
        return {"employer": self.employer, "county": self.county,
                "rows": [{"row": k, "name": r.name, "id_number": r.id_number, "cert_no": r.cert_no,
                          "job": r.job, "status": r.status} for k, r in enumerate(self.rows, 1)]}


def job_for(item: str, rng: random.Random) -> str:
    informal = INFORMAL_JOBS.get(item)
    return rng.choice(informal) if informal and rng.random() < 0.7 else item


def random_roster(rng: random.Random, *, employer: Unit | None = None,
                  certificates: list[CertificateTruth] | None = None, n_rows: int = 12,
                  mismatch_rate: float = 0.1, uncertified_rate: float = 0.1) -> RosterTruth:
    """A roster over `certificates` (generated when None); mismatches and uncertified workers
    are marked in each row's `status`."""
    employer = employer or random_unit(rng, "enterprise")
    if certificates is None:
        certificates = [random_certificate(rng) for _ in range(n_rows)]
    rows = []
    for card in certificates:
        if card.certificate_kind != "special_operation":
            continue
        if rng.random() < mismatch_rate:
            rows.append(RosterRow(random_name(rng, card.sex), card.id_number, card.cert_no,
                                  job_for(card.item, rng), "name_mismatch"))
        else:
            rows.append(RosterRow(card.name, card.id_number, card.cert_no, job_for(card.item, rng)))
        if rng.random() < uncertified_rate:
            worker = random_person(rng)
            rows.append(RosterRow(worker.name, worker.id_number, None,
                                  rng.choice(("电工", "焊工", "普工", "登高作业")), "no_certificate"))
    return RosterTruth(employer.name, employer.county, tuple(rows))


def write_xlsx(truth: RosterTruth) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "特种作业人员"
    ws.append([f"单位名称：{truth.employer}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(list(HEADER))
    for row in truth.rows:
        ws.append([row.name, row.id_number, row.cert_no or "", row.job])
    for col, width in zip("ABCD", (12, 24, 26, 22)):
        ws.column_dimensions[col].width = width
    stamp = datetime(2024, 6, 1)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "synth"
    buf = io.BytesIO()
    wb.save(buf)
    return _fix_zip_times(buf.getvalue())


def _fix_zip_times(data: bytes) -> bytes:
    """openpyxl stamps every zip member with the current time; pin them for byte-identical runs."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl writes "modified" as the save time
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-06-01T00:00:00Z", body)
            dst.writestr(fixed, body)
    return out.getvalue()


def write_csv(truth: RosterTruth, *, encoding: str = "utf-8-sig") -> bytes:
    """CSV as clerks export it: UTF-8 with BOM by default, or `encoding="gbk"`."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in truth.rows:
        writer.writerow([row.name, row.id_number, row.cert_no or "", row.job])
    return text.getvalue().encode(encoding)
