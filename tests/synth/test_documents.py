"""Reports, rosters, PDFs and captures: structure, truth and repeatability."""
from __future__ import annotations

import csv
import io
import random
from datetime import datetime

import numpy as np
import openpyxl
import pdfplumber
import pypdf

from domain.entities import credit_code_problem
from synth import degrade
from synth.certificates import random_certificate, render_certificate
from synth.pdfs import cid_pdf, query_printout, text_pdf
from synth.reports import PAGE, random_report, render_report
from synth.rosters import HEADER, random_roster, write_csv, write_xlsx
from synth.units import random_unit

QUERIED = datetime(2024, 5, 20, 10, 31, 22)


def _card(seed: int = 3):
    return random_certificate(random.Random(seed), anomalies=("out_of_province",))


def test_text_pdf_extracts_the_truth_and_is_repeatable():
    card = _card()
    data = text_pdf([query_printout(card, QUERIED)])
    assert data == text_pdf([query_printout(card, QUERIED)])
    text = pdfplumber.open(io.BytesIO(data)).pages[0].extract_text()
    assert card.name in text and card.cert_no in text and card.issuer in text


def test_cid_pdf_extracts_as_cid_garbage_but_keeps_its_page():
    card = _card()
    data = cid_pdf([query_printout(card, QUERIED)])
    assert data == cid_pdf([query_printout(card, QUERIED)])
    text = pdfplumber.open(io.BytesIO(data)).pages[0].extract_text()
    assert "(cid:" in text
    assert card.name not in text and card.id_number not in text
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1


def test_image_pdf_has_no_text_and_is_repeatable():
    rng = random.Random(4)
    page = render_certificate(_card(), rng)
    data = degrade.image_pdf([page, page])
    assert data == degrade.image_pdf([page, page])
    pdf = pdfplumber.open(io.BytesIO(data))
    assert len(pdf.pages) == 2 and not (pdf.pages[0].extract_text() or "").strip()


def test_captures_are_repeatable_and_change_the_image():
    clean = render_certificate(_card(), random.Random(1))
    for kind in ("flatbed", "photocopy", "phone"):
        a = degrade.capture(clean, kind, random.Random(9))
        b = degrade.capture(clean, kind, random.Random(9))
        assert degrade.encode(a, "png") == degrade.encode(b, "png")
        assert a.size != clean.size
    assert degrade.photocopy(clean, random.Random(2)).mode == "L"
    turned = degrade.phone(clean, random.Random(2), rotate=1)
    assert turned.height > turned.width  # a landscape card turned a quarter


def test_report_pages_table_signature_and_seal():
    rng = random.Random(7)
    long = random_report(rng, n_problems=12, signed=True, sealed=True)
    pages = render_report(long, rng)
    assert len(pages) >= 2 and all(p.size == PAGE for p in pages)
    assert [p.seq for p in long.problems] == list(range(1, 13))
    assert {p.status for p in long.problems} <= {"已整改", "整改中", "未整改"}
    assert all(p.rectified == (p.status == "已整改") for p in long.problems)

    def red_pixels(img) -> int:
        a = np.asarray(img).astype(int)
        return int(((a[..., 0] > 180) & (a[..., 1] < 150) & (a[..., 2] < 150)).sum())

    def blue_ink(img) -> int:
        a = np.asarray(img).astype(int)
        return int(((a[..., 2] > a[..., 0] + 40) & (a[..., 0] < 90)).sum())

    unit = random_unit(random.Random(1), "enterprise")
    bare = render_report(random_report(random.Random(2), unit=unit, n_problems=2, signed=False, sealed=False),
                         random.Random(2))
    assert len(bare) == 1 and red_pixels(bare[0]) == 0
    assert red_pixels(pages[-1]) > 2000
    # Blue-black signature ink appears only where signed (seed chosen for a blue pen).
    signed = render_report(random_report(random.Random(2), unit=unit, n_problems=2, signed=True, sealed=False),
                           random.Random(2))
    assert blue_ink(bare[0]) == 0 and blue_ink(signed[0]) > 300


def test_report_credit_codes_are_well_formed():
    for seed in range(50):
        unit = random_unit(random.Random(seed))
        code = unit.credit_code
        assert credit_code_problem(code) is None  # 18 characters of the charset, check character right
        assert code[2:8].startswith("3709")


def test_roster_xlsx_and_csv():
    roster = random_roster(random.Random(3), n_rows=20, mismatch_rate=0.2, uncertified_rate=0.2)
    statuses = {row.status for row in roster.rows}
    assert {"matches", "name_mismatch", "no_certificate"} <= statuses
    data = write_xlsx(roster)
    assert data == write_xlsx(roster)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"单位名称：{roster.employer}"
    assert tuple(rows[1]) == HEADER
    assert [r[1] for r in rows[2:]] == [r.id_number for r in roster.rows]
    utf8 = write_csv(roster)
    assert utf8.startswith(b"\xef\xbb\xbf")
    gbk_rows = list(csv.reader(io.StringIO(write_csv(roster, encoding="gbk").decode("gbk"))))
    assert tuple(gbk_rows[0]) == HEADER and gbk_rows[1][0] == roster.rows[0].name
    uncertified = [r for r in roster.rows if r.status == "no_certificate"]
    assert all(r.cert_no is None for r in uncertified)
