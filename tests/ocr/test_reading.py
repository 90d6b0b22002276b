"""Reading real (generated) documents with the real engines."""
from __future__ import annotations

import pytest
from PIL import Image

from ocr import Limits, read_document
from ocr.engines import get_engine
from ocr.normalise import normalise_line
from ocr.prepare import estimate_skew, greyscale, prepare
from tests.ocr import samples

pytestmark = pytest.mark.ocr


@pytest.fixture(scope="module")
def card() -> Image.Image:
    return samples.text_image()


def squeeze(text: str) -> str:
    return text.replace(" ", "")


@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_engine_reads_chinese_and_an_eighteen_digit_number(engine, card):
    lines = get_engine(engine).recognise(greyscale(card), timeout_s=60)
    text = "\n".join(line.text for line in lines)
    assert samples.ID_NUMBER in squeeze(text)
    assert "泰安市应急管理局" in text
    assert "身份证号" in text
    for line in lines:
        assert 0 <= line.confidence <= 1
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= card.width + 2 and 0 <= y0 < y1 <= card.height + 2
    id_line = next(line for line in lines if samples.ID_NUMBER in squeeze(line.text))
    assert id_line.confidence > 0.7
    # Lines come top to bottom: the ID line is the second printed line.
    assert [line.text for line in lines].index(id_line.text) == 1


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_quarter_turned_scan_read_upright(turn, card):
    turned = card.rotate(turn, expand=True)  # counter-clockwise, as if scanned sideways
    [page] = read_document(samples.encode(turned), "sideways.png", engine="tesseract")
    assert page.rotation == turn  # turned `turn` degrees clockwise back
    assert page.image.width > page.image.height  # upright: the card is landscape again
    assert samples.ID_NUMBER in squeeze(page.text)
    assert page.text.index("姓名") < page.text.index("发证机关")


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_tesseract_reading_shows_upright_only_for_an_upright_page(turn, card):
    lines, upright = get_engine("tesseract").recognise_as_lying(greyscale(card.rotate(turn, expand=True)), 60)
    assert upright == (turn == 0)
    if turn == 0:
        assert samples.ID_NUMBER in squeeze("".join(line.text for line in lines))


def test_upright_page_read_in_one_pass_without_orientation_detection(card, monkeypatch):
    import ocr.prepare

    def no_detection(*args, **kwargs):
        raise AssertionError("orientation detection ran on an upright page")

    monkeypatch.setattr(ocr.prepare, "detect_rotation", no_detection)
    [page] = read_document(samples.encode(card), "card.png", engine="tesseract")
    assert page.rotation == 0
    assert samples.ID_NUMBER in squeeze(page.text)


def test_rotation_reported_is_the_clockwise_turn_applied(card):
    turned = card.rotate(90, expand=True)  # counter-clockwise by 90: needs 90 clockwise back
    assert prepare(turned).rotation == 90


@pytest.mark.parametrize("angle", [-4.0, 2.5, 6.0])
def test_small_skew_measured_and_straightened(angle, card):
    skewed = card.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    assert estimate_skew(greyscale(skewed)) == pytest.approx(-angle, abs=0.4)
    if angle == 6.0:  # one full read is enough to show the straightened page reads well
        [page] = read_document(samples.encode(skewed), "skewed.png", engine="tesseract")
        assert samples.ID_NUMBER in squeeze(page.text)


def test_exif_rotated_phone_photo_read_upright(card):
    data = samples.jpeg_with_exif_orientation(card, 6)
    stored = Image.open(__import__("io").BytesIO(data))
    assert stored.height > stored.width  # the pixels themselves are sideways
    [page] = read_document(data, "IMG_0001.JPG", engine="tesseract")
    assert page.width > page.height
    assert page.rotation == 0  # EXIF made it upright; no further turn needed
    assert samples.ID_NUMBER in squeeze(page.text)


def test_text_layer_pdf_read_without_ocr():
    [page] = read_document(samples.text_layer_pdf(), "report.pdf", engine="tesseract")
    assert page.engine == "text_layer"
    assert page.image is None
    assert page.lines[1].text == samples.ID_LINE
    assert page.confidence == 1.0
    # Exactly the printed text, in the normal spelling (no space inside Chinese text).
    assert [line.text for line in page.lines] == [normalise_line(line) for line in samples.LINES]
    # Boxes are in page pixels, top to bottom, inside the page.
    tops = [line.box[1] for line in page.lines]
    assert tops == sorted(tops) and all(line.box[2] <= page.width for line in page.lines)


def test_pdf_text_layer_of_glyph_numbers_is_ocrd_instead():
    import io

    import pdfplumber

    data = samples.cid_garbage_pdf()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert "(cid:" in pdf.pages[0].extract_text()  # the premise: the layer is garbage
    [page] = read_document(data, "scan.pdf", engine="tesseract")
    assert page.engine == "tesseract"
    assert "泰安市应急管理局" in page.text
    assert page.image is not None and page.image.mode == "RGB"


def test_scan_with_a_few_words_of_text_layer_is_ocrd(card):
    data = samples.image_pdf(card, caption="Scanned by MFP-01")
    [page] = read_document(data, "scan.pdf", engine="tesseract")
    assert page.engine == "tesseract"
    assert samples.ID_NUMBER in squeeze(page.text)


def test_multi_frame_tiff_is_pages():
    frames = [samples.text_image(lines=(line,)) for line in (samples.ID_LINE, samples.ISSUER_LINE)]
    data = samples.encode(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    pages = read_document(data, "scan.tiff", engine="tesseract")
    assert [page.number for page in pages] == [1, 2]
    assert samples.ID_NUMBER in squeeze(pages[0].text)
    assert "泰安市" in pages[1].text


def test_page_keeps_colour_for_seal_detection():
    image = samples.text_image(red_seal=True)
    [page] = read_document(samples.encode(image), "card.png", engine="tesseract",
                           limits=Limits(page_timeout_s=30))
    import numpy as np

    pixels = np.asarray(page.image)
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 90)
    assert red.sum() > 100


@pytest.mark.parametrize("colour", ["white", "black"])
def test_blank_page_is_a_page_without_lines(colour):
    [page] = read_document(samples.encode(Image.new("RGB", (800, 600), colour)), "blank.png",
                           engine="tesseract")
    assert (page.lines, page.text, page.confidence, page.rotation) == ([], "", 0.0, 0)
    assert page.image.size == (800, 600)


def test_searchable_scan_keeps_its_picture_for_seal_detection():
    """A scanner's PDF: the page picture plus a real text layer over it."""
    import io

    import pypdf

    picture = samples.image_pdf(samples.text_image(red_seal=True))
    words = pypdf.PdfReader(io.BytesIO(samples.text_layer_pdf()))
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(picture)))
    writer.pages[0].merge_page(words.pages[0])
    out = io.BytesIO()
    writer.write(out)
    [page] = read_document(out.getvalue(), "searchable.pdf", engine="tesseract")
    assert page.engine == "text_layer"
    assert samples.ID_LINE in page.text
    assert page.image is not None and page.image.size == (page.width, page.height)


def test_rapidocr_uses_the_models_in_its_wheel():
    """Named model files mean RapidOCR never tries to download one (no network at run time)."""
    from pathlib import Path

    import rapidocr

    from ocr.engines import _rapidocr_models

    wheel_models = Path(rapidocr.__file__).parent / "models"
    paths = _rapidocr_models()
    assert set(paths) == {"Det.model_path", "Rec.model_path", "Cls.model_path"}
    for path in map(Path, paths.values()):
        assert path.parent == wheel_models and path.stat().st_size > 100_000


def test_engines_are_created_once_per_process():
    import ocr

    ocr.warm_up("tesseract")
    assert get_engine("tesseract") is get_engine("tesseract")
    assert get_engine("auto") is get_engine(get_engine("auto").name)
    with pytest.raises(ValueError):
        get_engine("text_layer")
