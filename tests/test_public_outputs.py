"""A whole intake, then a grep of every public output for every name and ID number in it.

One small county intake from `synth` (text-layer PDFs and clean card images, so it reads
in seconds; a roster CSV; a self-check report), with file names that carry names and ID
numbers the ways clerks write them (`王芳_370902198503150011.jpg`, `王芳操作证.png`,
`欧阳娜娜.png`, an ID with spaces). It is ingested with the real CLI; then every public
output — `export ... --public` (JSON, CSV, entities with `--detail`), `report summary`
(JSON, CSV, the XLSX cells), `explain --public` of every record, the ingest log lines and
the masked Kafka record topics — must hold no full name and no ID number: neither whole,
nor its birth date `YYYYMMDD`, nor any 6 consecutive digits of it outside the region
prefix that the mask keeps. The same outputs without `--public` must hold all of them, so
the grep can find what it looks for.
"""
from __future__ import annotations

import dataclasses
import io
import json
import random
import re
from datetime import date
from pathlib import Path

import pytest

from synth import degrade
from synth.certificates import random_certificate, render_certificate
from synth.corpus import render_certificate_doc, render_report_doc
from synth.people import random_person
from synth.reports import random_report
from synth.rosters import random_roster, write_csv, write_xlsx
from synth.units import random_unit
from tests.ingest.helpers import write, zhili
from tests.relay.conftest import broker, prefix, read_topic  # noqa: F401 (fixtures)

pytestmark = pytest.mark.kafka

COUNTY = "泰山区"


def _card(rng: random.Random, name: str | None = None, id_number: str | None = None):
    card = random_certificate(rng, anomalies=(), as_of=date(2024, 6, 1))
    if name:
        card = dataclasses.replace(card, name=name)
    if id_number:
        card = dataclasses.replace(card, id_number=id_number, cert_no="T" + id_number)
    return card


def make_intake(root: Path) -> tuple[list[str], list[str], list[str]]:
    """The intake folder; returns the names and ID numbers in it (the generator's truth) and
    the report's problem owners (names OCR may misread, so not all of them reach the log)."""
    rng = random.Random(11)
    wang = _card(rng, "王芳", "370902198503150011")
    ouyang = _card(rng, "欧阳娜娜")
    spaced = _card(rng)
    plain = [_card(rng) for _ in range(2)]
    county = root / COUNTY
    image = lambda card: degrade.encode(render_certificate(card, rng), "png")  # noqa: E731
    write(county / "王芳_370902198503150011.jpg", degrade.encode(render_certificate(wang, rng), "jpeg", quality=92))
    write(county / "王芳操作证.png", image(dataclasses.replace(wang, reviews=())))  # a second scan of her card
    write(county / "欧阳娜娜.png", image(ouyang))
    n = spaced.id_number
    spaced_name = f"{n[:4]} {n[4:8]} {n[8:12]} {n[12:16]} {n[16:]}.pdf"
    write(county / spaced_name, render_certificate_doc([spaced], "text_pdf", rng)[0])
    for i, card in enumerate(plain):
        write(county / f"证书{i + 1}.pdf", render_certificate_doc([card], "text_pdf", rng)[0])
    cards = [wang, ouyang, spaced, *plain]
    unit = dataclasses.replace(random_unit(rng, "enterprise"), county=COUNTY)
    roster = random_roster(rng, employer=unit, certificates=cards, mismatch_rate=0.0, uncertified_rate=0.0)
    worker = random_person(rng)  # a worker without a certificate
    roster = dataclasses.replace(roster, rows=(*roster.rows, dataclasses.replace(
        roster.rows[0], name=worker.name, id_number=worker.id_number, cert_no=None, status="no_certificate")))
    write(county / "花名册.xlsx", write_xlsx(roster))  # with its 单位名称 title row
    write(county / "人员名单.csv", write_csv(roster))  # no unit: a review item
    report = random_report(rng, unit=unit, n_problems=2)
    data, ext, _ = render_report_doc(report, "clean", rng)
    write(county / f"自查整改报告{ext}", data)
    names = {c.name for c in cards} | {r.name for r in roster.rows}
    numbers = {c.id_number for c in cards} | {r.id_number for r in roster.rows}
    owners = {p.owner for p in report.problems if p.owner}
    return sorted(names | owners), sorted(numbers), sorted(owners)


def pieces(number: str) -> set[str]:
    """What of an ID number must not show: itself, its birth date, any 6 digits of it that
    reach past the 6-digit region prefix and the 4-digit suffix the mask keeps."""
    digits = re.sub(r"\D", "", number[:17]) + number[17:]
    out = {digits, digits[6:14]}
    for start in range(1, len(digits) - 5):
        window = digits[start:start + 6]
        if start + 6 > 6 and start < len(digits) - 4:  # not wholly inside the kept parts
            out.add(window)
    return out


# Digest-like runs (document ids, HMAC keys) are hex noise, not personal data.
_HEX = re.compile(r"(?=[0-9a-f]*[a-f])[0-9a-f]{16,}")


def leaks(text: str, names: list[str], numbers: list[str]) -> list[str]:
    text = _HEX.sub("#", text)
    found = [f"name {n}" for n in names if len(n) >= 2 and n in text]
    for number in numbers:
        found += [f"number {number}: {p}" for p in sorted(pieces(number)) if p in text]
    return found


def xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows()
                     for cell in row if cell.value is not None)


def test_no_public_output_names_anyone(tmp_path, broker, prefix):
    intake = tmp_path / "in"
    names, numbers, owners = make_intake(intake)
    db = f"sqlite:///{tmp_path / 'z.db'}"
    docs = tmp_path / "docs"
    run = lambda *args: zhili(db, *args, docs=docs, timeout=180)  # noqa: E731

    ingested = run("ingest", str(intake), "--jobs", "1")
    assert ingested.returncode == 0, ingested.stderr[-3000:]
    log = ingested.stderr
    assert log.count("\n") >= 7  # one line per file at least

    def out(*args: str) -> str:
        done = run(*args)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done.stdout

    certs = json.loads(out("export", "certificates"))
    entities = json.loads(out("export", "entities"))
    assert len(certs) >= 5 and entities
    keys = [c["cert_no"] for c in certs] + [e["entity_id"] for e in entities]

    public: dict[str, str] = {"ingest log": log}
    full: dict[str, str] = {}
    for what in ("certificates", "entities", "review"):
        for fmt in ("json", "csv"):
            detail = ("--detail",) if what == "entities" else ()
            public[f"export {what} {fmt}"] = out("export", what, "--format", fmt, "--public", *detail)
            full[f"export {what} {fmt}"] = out("export", what, "--format", fmt, *detail)
    for fmt in ("json", "csv"):
        public[f"report summary {fmt}"] = out("report", "summary", "--format", fmt)
    xlsx = tmp_path / "summary.xlsx"
    out("report", "summary", "--format", "xlsx", "-o", str(xlsx))
    public["report summary xlsx"] = xlsx_text(xlsx.read_bytes())
    for key in keys:
        public[f"explain {key}"] = out("explain", key, "--public")
        full[f"explain {key}"] = out("explain", key)

    out("relay", "--bootstrap", broker.bootstrap, "--topic", prefix, "--once")
    for topic in (f"{prefix}.certificates.public", f"{prefix}.entities.public"):
        records = read_topic(broker.bootstrap, topic)
        assert records, topic
        public[topic] = "\n".join((r.key or b"").decode() + " " + (r.value or b"").decode() for r in records)

    # the grep can find what it looks for: the auditor's outputs hold every one of them
    everything = "\n".join(full.values())
    assert [n for n in names if n not in everything and n not in owners] == []
    assert any(n in everything for n in owners), owners  # the report's problems were read
    assert [n for n in numbers if n not in everything] == []
    found = {where: hits for where, text in public.items() if (hits := leaks(text, names, numbers))}
    assert found == {}
