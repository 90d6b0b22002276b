"""Boxes map back to the original's pixels through rotation and deskew; crops are read by
the page's own engine, optionally restricted to a character set."""
from __future__ import annotations

import random

from PIL import Image, ImageDraw

from ocr import read_document
from synth.certificates import random_certificate, render_certificate
from synth.degrade import encode, flatbed
from synth.fonts import font


def _overlap(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / max(1, (b[2] - b[0]) * (b[3] - b[1]))


def _card_with_known_line(rng):
    """A generated card, flatbed-scanned, with a dark bar of known position for reference,
    and the card's certificate number located by reading the upright scan."""
    card = flatbed(render_certificate(random_certificate(rng), rng), rng)
    return card


def _turned(image: Image.Image, quarter_turns: int) -> Image.Image:
    return image.rotate(90 * quarter_turns, expand=True)


def _turned_box(box, size, quarter_turns):
    """Where a box of an image of `size` lands after PIL rotate(90*k, expand=True) (CCW)."""
    x0, y0, x1, y1 = box
    w, h = size
    for _ in range(quarter_turns % 4):
        x0, y0, x1, y1 = y0, w - x1, y1, w - x0
        w, h = h, w
    return (x0, y0, x1, y1)


def test_boxes_land_on_the_text_in_a_turned_original():
    rng = random.Random("original-boxes")
    upright = _card_with_known_line(rng)
    [page] = read_document(encode(upright, "png"), "card.png", "rapidocr")
    target = max(page.lines, key=lambda line: len(line.text))  # a line of real text
    truth_upright = page.to_original(target.box)
    for k in (1, 2, 3):
        turned = _turned(upright, k)
        [read] = read_document(encode(turned, "png"), "card.png", "rapidocr")
        same = [line for line in read.lines if line.text == target.text]
        assert same, f"{target.text!r} not read on the page turned {90 * k}°"
        truth = _turned_box(truth_upright, upright.size, k)
        mapped = read.to_original(same[0].box)
        assert _overlap(mapped, truth) > 0.6, (k, mapped, truth)
        # the reading frame itself is upright: the box there is not where the text is
        assert read.rotation in (90, 180, 270)


def test_read_crops_restricted_to_digits():
    image = Image.new("RGB", (420, 60), "white")
    ImageDraw.Draw(image).text((10, 8), "复审2025年04月01日", fill="black", font=font(36))
    [page] = read_document(encode(image.resize((840, 120)), "png"), "x.png", "rapidocr")
    [(free, _)] = page.read_crops([image])
    [(digits, conf)] = page.read_crops([image], charset="0123456789.-/")
    assert "复" in free or "年" in free
    assert digits and set(digits) <= set("0123456789.-/"), digits
    assert "2025" in digits and conf > 0


def test_understood_field_boxes_are_in_the_original_of_a_card_turned_180():
    from ingest.extract import understand

    rng = random.Random("original-boxes-fields")
    truth = random_certificate(rng)
    upright = flatbed(render_certificate(truth, rng), rng)
    [page] = read_document(encode(upright, "png"), "card.png", "rapidocr")
    [record] = understand([page], "card.png", None).records
    [turned] = read_document(encode(_turned(upright, 2), "png"), "card.png", "rapidocr")
    [turned_record] = understand([turned], "card.png", None).records
    for key in ("cert_no", "name"):
        assert turned_record.fields[key].value == record.fields[key].value
        expected = _turned_box(record.fields[key].box, upright.size, 2)
        assert _overlap(turned_record.fields[key].box, expected) > 0.5, (key, turned_record.fields[key].box, expected)
