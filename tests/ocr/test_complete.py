"""check_complete tells a file still being written from a whole one, cheaply."""
from __future__ import annotations

from ocr import check_complete
from tests.ocr import samples


def write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_whole_pdf_complete_half_written_not(tmp_path):
    whole = samples.text_layer_pdf()
    assert check_complete(write(tmp_path / "a.pdf", whole))
    assert not check_complete(write(tmp_path / "b.pdf", whole[: len(whole) // 2]))
    assert not check_complete(write(tmp_path / "c.pdf", whole[: len(whole) - 10]))


def test_encrypted_pdf_is_complete(tmp_path):
    assert check_complete(write(tmp_path / "e.pdf", samples.encrypted_pdf()))


def test_whole_images_complete_half_written_not(tmp_path):
    image = samples.text_image()
    for fmt, suffix in (("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif")):
        data = samples.encode(image, fmt)
        assert check_complete(write(tmp_path / f"whole.{suffix}", data)), fmt
        assert not check_complete(write(tmp_path / f"half.{suffix}", data[: len(data) // 2])), fmt


def test_empty_file_not_complete(tmp_path):
    assert not check_complete(write(tmp_path / "new.pdf", b""))
    assert not check_complete(tmp_path / "missing.pdf")


def test_xlsx_needs_its_zip_directory(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["姓名", "身份证号"])
    book.save(tmp_path / "roster.xlsx")
    data = (tmp_path / "roster.xlsx").read_bytes()
    assert check_complete(tmp_path / "roster.xlsx")
    assert not check_complete(write(tmp_path / "half.xlsx", data[: len(data) // 2]))


def test_csv_is_complete_when_readable(tmp_path):
    assert check_complete(write(tmp_path / "roster.csv", "姓名,身份证号\n".encode()))


def test_decompression_bomb_is_complete_and_left_for_the_reader_to_refuse(tmp_path):
    assert check_complete(write(tmp_path / "bomb.png", samples.png_claiming_size(100_000, 100_000)))
