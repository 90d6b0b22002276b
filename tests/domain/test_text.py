"""OCR text normalisation."""
from domain.text import normalise_ocr_text


def test_full_width_and_spaces_inside_chinese():
    assert normalise_ocr_text("姓 名 ：张 三") == "姓名:张三"
    assert normalise_ocr_text("（有色）") == "(有色)"
    assert normalise_ocr_text("２０２１年３月５日") == "2021年3月5日"


def test_dashes_unified_and_spaces_around_chinese_removed():
    assert normalise_ocr_text("有效期限：2021－03－05 至 2027—03—05") == "有效期限:2021-03-05至2027-03-05"


def test_latin_spacing_kept():
    assert normalise_ocr_text("No. 12  AB") == "No. 12 AB"


def test_safe_confusables_only():
    assert normalise_ocr_text("T37090219850315OO11") == "T370902198503150011"
    assert normalise_ocr_text("2O2l年3月5曰") == "2021年3月5日"
    assert normalise_ocr_text("OK 10 Oil") == "OK 10 Oil"  # letters not between digits stay
    assert normalise_ocr_text("我曰") == "我曰"


def test_lines_kept():
    assert normalise_ocr_text(" 第一行 \n 第 二 行 ") == "第一行\n第二行"
    assert normalise_ocr_text(None) == ""
