"""Recognising lines already cut out of a page (table cells): one result per image, in
order, normalised like page lines; an engine that cannot read bare lines says so."""
from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.engines import recognise_crops
from tests.ocr.samples import noto_sans_sc


def line_image(text: str, size: int = 32) -> Image.Image:
    font = ImageFont.truetype(noto_sans_sc(), size, index=2)  # face 2: Simplified Chinese
    width = int(font.getlength(text)) + 2 * size
    image = Image.new("L", (width, int(size * 1.6)), 255)
    ImageDraw.Draw(image).text((size, size * 0.8), text, font=font, fill=20, anchor="lm")
    return image


@pytest.mark.ocr
def test_rapidocr_reads_each_crop_in_order():
    texts = ["清退相关人员，追究班组管理责任", "2024年6月3日", "张伟"]
    read = recognise_crops([line_image(t) for t in texts], "rapidocr")
    # Normalised as page lines are: the full-width comma comes back as ASCII.
    assert [t for t, _ in read] == ["清退相关人员,追究班组管理责任", "2024年6月3日", "张伟"]
    assert all(0.9 <= conf <= 1.0 for _, conf in read)
    assert recognise_crops([], "rapidocr") == []


def test_tesseract_cannot_read_bare_crops():
    assert recognise_crops([line_image("张伟")], "tesseract") is None
