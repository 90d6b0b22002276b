"""Every way a file can be unreadable ends in UnreadableDocument with the right code, fast."""
from __future__ import annotations

import os
import time

import pytest

from ocr import Limits, UnreadableDocument, read_document
from tests.ocr import samples


def refusal(data: bytes, filename: str, **kwargs) -> UnreadableDocument:
    with pytest.raises(UnreadableDocument) as caught:
        read_document(data, filename, **kwargs)
    return caught.value


def test_zero_bytes_is_empty():
    error = refusal(b"", "scan.pdf")
    assert error.code == "empty"
    assert error.reason_zh == "文件为空"


def test_password_protected_pdf_is_encrypted():
    assert refusal(samples.encrypted_pdf(), "report.pdf").code == "encrypted_pdf"


def test_pdf_cut_off_mid_write_is_truncated():
    whole = samples.text_layer_pdf()
    assert refusal(whole[: len(whole) // 2], "report.pdf").code == "truncated_pdf"


def test_pdf_with_end_marker_but_mangled_body_is_truncated():
    whole = samples.text_layer_pdf()
    mangled = whole[:20] + os.urandom(len(whole) - 40) + b"\n%%EOF\n"
    assert refusal(mangled, "report.pdf").code == "truncated_pdf"


@pytest.mark.parametrize(
    "filename, code",
    [("scan.pdf", "truncated_pdf"), ("scan.png", "not_an_image"), ("scan.bin", "unsupported_type")],
)
def test_random_bytes_are_refused_by_what_the_name_promised(filename, code):
    assert refusal(os.urandom(4096), filename).code == code


def test_text_file_named_png_is_not_an_image():
    error = refusal("这不是图片\nnot a picture\n".encode(), "证书.png")
    assert error.code == "not_an_image"
    assert error.reason_zh and error.reason_en


def test_image_header_with_missing_pixels_is_truncated():
    whole = samples.encode(samples.text_image(), "PNG")
    assert refusal(whole[: len(whole) // 2], "card.png").code == "truncated_image"


def test_decompression_bomb_refused_without_decoding():
    started = time.monotonic()
    # Beyond Pillow's own hard limit (2x MAX_IMAGE_PIXELS): Pillow refuses at open.
    assert refusal(samples.png_claiming_size(100_000, 100_000), "bomb.png").code == "decompression_bomb"
    # Between the limits: Pillow would only warn; our limit refuses.
    assert refusal(samples.png_claiming_size(10_000, 10_000), "bomb.png").code == "decompression_bomb"
    # A caller's stricter limit applies too.
    small_limit = Limits(max_pixels=1000 * 1000)
    assert refusal(samples.png_claiming_size(2000, 2000), "big.png", limits=small_limit).code == (
        "decompression_bomb"
    )
    # Generous bound: decoding a 10,000 x 10,000 image alone would take longer.
    assert time.monotonic() - started < 5


def test_two_thousand_page_pdf_refused_before_any_page_is_read():
    data = samples.many_pages_pdf(2000)
    started = time.monotonic()
    error = refusal(data, "roster.pdf")
    elapsed = time.monotonic() - started
    assert error.code == "too_many_pages"
    assert "2000" in error.reason_en
    # Generous bound against regressions that parse or render every page first.
    assert elapsed < 3, elapsed


def test_multi_frame_tiff_over_the_page_limit():
    frames = [samples.text_image(lines=("第一页",))] * 3
    buffer = samples.encode(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    error = refusal(buffer, "scan.tif", limits=Limits(max_pages=2))
    assert error.code == "too_many_pages"


def test_file_over_the_byte_limit():
    assert refusal(samples.text_layer_pdf(), "a.pdf", limits=Limits(max_bytes=100)).code == "too_large"


def test_spreadsheet_is_not_for_ocr():
    assert refusal(b"PK\x03\x04" + os.urandom(200), "roster.xlsx").code == "unsupported_type"


def test_unreadable_document_survives_pickling_between_processes():
    import pickle

    error = pickle.loads(pickle.dumps(UnreadableDocument("page_timeout", "tesseract > 1s")))
    assert (error.code, error.reason_zh) == ("page_timeout", "页面识别超时")
    assert "tesseract > 1s" in error.reason_en


def test_runaway_tesseract_page_is_a_page_timeout():
    from ocr.engines import get_engine

    image = samples.text_image()
    with pytest.raises(UnreadableDocument) as caught:
        get_engine("tesseract").recognise(image, timeout_s=0.01)  # the process is killed
    assert caught.value.code == "page_timeout"
    data = samples.encode(image)
    error = refusal(data, "card.png", engine="tesseract", limits=Limits(page_timeout_s=0.01))
    assert error.code == "page_timeout"


def test_spent_document_budget_stops_reading():
    data = samples.encode(samples.text_image())
    error = refusal(data, "card.png", engine="tesseract", limits=Limits(document_timeout_s=0))
    assert error.code == "document_timeout"
