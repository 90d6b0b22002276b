"""The 问题清单 of a self-check report read cell by cell from its grid of rules: a skewed
scan and a phone photo (perspective) of a generated table read exactly and pass without
review; lines run together in a blurred cell are cut apart; rows that break the running
count or do not read like their columns go to review."""
from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from ingest.extract import report as rp
from ingest.extract.recording import needs_review
from ocr import read_document
from synth import degrade
from synth.reports import random_report, render_report

KEYS = ("seq", "description", "measure", "deadline", "owner", "rectified")


def table_only(seed: int, n_problems: int):
    """A generated report's truth and its first page cut down to the problem table (with a
    margin), so that reading it costs one small image."""
    rng = random.Random(seed)
    truth = random_report(rng, n_problems=n_problems, signed=True, sealed=False)
    page = render_report(truth, rng)[0]
    dark = (np.asarray(page.convert("L")) < 128).sum(axis=1)
    rules = np.flatnonzero(dark > 0.6 * page.width)  # the table's horizontal rules
    return truth, rng, page.crop((0, int(rules[0]) - 40, page.width, int(rules[-1]) + 40))


def read_table(image: Image.Image):
    pages = read_document(degrade.encode(image, "png"), "table.png", "rapidocr")
    record = rp.read_report(pages)
    return record.extra["problems"], record.extra["row_fields"], pages


@pytest.mark.ocr
@pytest.mark.parametrize("capture", ["skewed_scan", "phone"])
def test_a_tilted_table_is_read_cell_by_cell_and_trusted(capture):
    # Seed 5: four rows, several cells wrapped over two or three lines (a deadline too).
    truth, rng, table = table_only(5, 4)
    if capture == "skewed_scan":
        # 2 degrees: the largest a flatbed scan has here, and below the page deskew's threshold.
        image = table.rotate(2.0, resample=Image.BICUBIC, expand=True, fillcolor=(252, 252, 250))
    else:
        image = degrade.phone(table, rng, rotate=0)
    problems, fields, pages = read_table(image)
    expected = [{k: getattr(p, k) if k != "deadline" else p.deadline.isoformat() for k in KEYS} for p in truth.problems]
    assert [{k: p[k] for k in KEYS} for p in problems] == expected
    assert [needs_review(fields[f"problems.{k}"], 0.9) for k in range(1, len(expected) + 1)] == [None] * len(expected)
    # A header cell the page's reading missed is read from the grid itself.
    kept = [ln for ln in pages[0].lines if ln.text != "问题描述"]
    assert len(kept) == len(pages[0].lines) - 1
    pages[0].lines = kept
    again = rp.read_report(pages).extra["problems"]
    assert [p["description"] for p in again] == [p.description for p in truth.problems]


def test_two_lines_run_together_are_cut_apart():
    # One cell, 200 x 80 px: two text lines of 20 px whose ink touches (one row between
    # them keeps a little ink, as blur leaves it).
    ink = np.zeros((100, 240), np.uint8)
    ink[20:40, 30:200] = 1
    ink[40:42, 30:200:7] = 1
    ink[42:62, 30:150] = 1
    ink[80:82, 30:40] = 1  # a speck
    runs = rp._ink_runs(ink, 10, 10, 230, 95, unit=30)
    assert len(runs) == 1  # one band of ink to begin with
    boxes = rp._cell_lines(ink, 10, 10, 230, 95, 30, runs, line_height=20.0)
    assert len(boxes) == 2
    (_, top0, right0, bottom0), (_, top1, right1, bottom1) = boxes
    assert bottom0 < 62 and top1 > 20 and right0 > right1  # the long line, then the short one


def test_rules_a_few_degrees_off_are_found_and_text_strokes_are_not():
    ink = np.zeros((300, 600), np.uint8)
    for x in range(40, 560):  # a rule 3 degrees off horizontal, 2 px thick
        y = 100 + int(round((x - 40) * np.tan(np.radians(3))))
        ink[y:y + 2, x] = 1
    ink[200:202, 100:130] = 1  # a character's stroke, 30 px long
    rules = rp._rule_pixels(ink, unit=30)
    assert rules[100:130, 40:560].any(axis=0).mean() > 0.9
    assert not rules[195:210, 95:135].any()


def cells(**texts) -> list:
    return [rp._Cell(k, t, 0.99, 50.0, (0, 0, 10, 10)) for k, t in texts.items()]


GOOD = dict(seq="2", description="特种作业人员台账不完善，未记录证件有效期", measure="重新建立台账，逐人登记",
            owner="张伟", deadline="2024年6月3日", status="已整改")


def test_a_row_that_reads_right_passes():
    problem, field = rp._problem_from_row(cells(**GOOD), 1, expected_seq=2)
    assert needs_review(field, 0.9) is None
    assert problem["deadline"] == "2024-06-03" and problem["rectified"] is True and problem["owner"] == "张伟"


@pytest.mark.parametrize("change", [
    {"seq": "3"},                        # the running count says 2: a row lost or read twice
    {"owner": "张伟2"},                  # a digit of the next cell in the name
    {"deadline": "2024年6月3日2"},        # a date with a tail
    {"description": "特种作业人员台账不完善，未记录证件有效期l"},  # a stray Latin letter
    {"status": "已整"},                  # not a status word
])
def test_a_row_that_does_not_read_like_its_columns_goes_to_review(change):
    _, field = rp._problem_from_row(cells(**{**GOOD, **change}), 1, expected_seq=2)
    assert needs_review(field, 0.9) is not None
