"""A real browser: Debian's chromium, headless, driven by playwright against a real server.

A clerk logs in, uploads a certificate record for 泰山区 whose 准操项目 is not in the
catalogue (so the field goes to review), waits for it in 待复核, corrects the field in
place with the keyboard, and sees the certificate's status change on its page. The drawn
box of the field must lie on the field's line of the page image. Screenshots go to tmp_path.

The page is a text-layer PDF: read without OCR, so the test is fast and deterministic, and
the text's position on the page is known from how it was drawn.
"""
from __future__ import annotations

import io
import random
import shutil
import time
from datetime import date

import pytest

from events import open_store
from ingest.docstore import DocumentStore
from tests.conftest import sqlite_url
from tests.web.server import serving
from web.app import create_app
from web.auth import Tokens, parse_tokens

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
CLERK_TOKEN = "clerk-token-browser"
PAGE_W, PAGE_H = 595.2756, 841.8898  # reportlab's A4, points
FONT, LEFT, TOP, STEP = 14, 60, 780, 26
UNKNOWN_ITEM = "飞船驾驶作业"  # in no catalogue: the reader sends 准操项目 to review


def card_pdf(seed: int) -> tuple[bytes, dict, list[str]]:
    """A one-page certificate record with a text layer whose 准操项目 (row 5) is unknown."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from synth.certificates import random_certificate

    f = random_certificate(random.Random(seed), anomalies=(), as_of=date(2024, 6, 1)).fields()
    rows = ["特种作业操作证", f"证号 {f['cert_no']}", f"姓名 {f['name']}", f"性别 {f['sex']}",
            f"作业类别 {f['category']}", f"准操项目 {UNKNOWN_ITEM}", f"初领日期 {f['first_issued']}",
            f"有效期限 {f['valid_from']} 至 {f['valid_until']}", f"应复审日期 {f['review_due']}",
            f"实际复审日期 {'，'.join(f['reviews'])}",
            f"发证机关 {f['issuer']}"]
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=1)
    pdf.setFont("STSong-Light", FONT)
    for i, row in enumerate(rows):
        pdf.drawString(LEFT, TOP - STEP * i, row)
    pdf.showPage()
    pdf.save()
    return buf.getvalue(), f, rows


def row_band(i: int, row: str) -> tuple[float, float, float, float]:
    """Where row i's text lies on the page, as fractions of the page (left, top, right, bottom)."""
    baseline = TOP - STEP * i
    return (LEFT / PAGE_W, (PAGE_H - baseline - FONT) / PAGE_H,
            (LEFT + FONT * len(row)) / PAGE_W, (PAGE_H - baseline + 0.25 * FONT) / PAGE_H)


@pytest.fixture
def base_url(tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (the Makefile's APT_PACKAGES lists it)")
    store = open_store(sqlite_url(tmp_path))
    app = create_app(store, DocumentStore(tmp_path / "docs"), Tokens(parse_tokens(f"clerk {CLERK_TOKEN} 王芳\n")))
    with serving(app) as url:
        yield url
    store.engine.dispose()


def test_clerk_uploads_reviews_corrects_and_sees_the_status_change(base_url, tmp_path):
    pdf, truth, rows = card_pdf(26)  # a newer card with one review on record: only 准操项目 is in doubt
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page.set_default_timeout(15_000)

            page.goto(f"{base_url}/upload")  # behind the login: the form comes first
            assert "/login" in page.url
            page.fill("input[name=token]", CLERK_TOKEN)
            page.click("form.login button[type=submit]")
            page.wait_for_url("**/upload")

            page.select_option("select[name=county]", "泰山区")
            page.set_input_files("input[name=files]", files=[{"name": "card.pdf", "mimeType": "application/pdf", "buffer": pdf}])
            page.click("#upload-form button[type=submit]")
            page.wait_for_selector("#taken li")
            assert "已接收" in page.inner_text("#taken")
            page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)

            form = 'form.field[data-field$=".item"]'
            deadline = time.monotonic() + 40
            while True:  # the intake reads in its own thread: poll the queue, bounded
                page.goto(f"{base_url}/review?county=泰山区")
                if page.locator(form).count():
                    break
                assert time.monotonic() < deadline, "the upload never reached 待复核: " + page.inner_text("main")[:300]
                time.sleep(0.5)
            assert page.locator(form + " input[name=value]").input_value() == UNKNOWN_ITEM
            page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

            field = page.get_attribute(form, "data-field")
            box = page.locator(f'rect.box[data-field="{field}"]').first.bounding_box()
            image = page.locator("svg.scan image").first.bounding_box()
            assert box and image and box["width"] > 0 and box["height"] > 0
            left, top, right, bottom = row_band(rows.index(f"准操项目 {UNKNOWN_ITEM}"), f"准操项目 {UNKNOWN_ITEM}")
            text = (image["x"] + left * image["width"], image["y"] + top * image["height"],
                    image["x"] + right * image["width"], image["y"] + bottom * image["height"])
            overlap_w = min(box["x"] + box["width"], text[2]) - max(box["x"], text[0])
            overlap_h = min(box["y"] + box["height"], text[3]) - max(box["y"], text[1])
            assert overlap_w > 0 and overlap_h > 0, (box, text)
            centre = box["y"] + box["height"] / 2
            line = STEP / PAGE_H * image["height"]  # one line's pitch on screen
            assert text[1] - line / 4 <= centre <= text[3] + line / 4, ("the box is on another line", box, text)

            page.goto(f"{base_url}/certificates/{truth['cert_no']}")
            assert "needs_review" in page.get_attribute("#status", "class")
            page.goto(f"{base_url}/review?county=泰山区")
            value = page.locator(form + " input[name=value]")
            value.fill(truth["item"])
            value.press("Enter")  # keyboard: Enter saves the field in place
            page.wait_for_selector("#saved")
            assert page.locator("form.field").count() == 0  # the record's one doubt is cleared from the queue

            page.goto(f"{base_url}/certificates/{truth['cert_no']}")
            status = page.locator("#status")
            assert "needs_review" not in (status.get_attribute("class") or "")
            assert status.inner_text() != "待核对"
            assert truth["item"] in page.inner_text("main")
            page.screenshot(path=str(tmp_path / "certificate.png"), full_page=True)
        finally:
            browser.close()
