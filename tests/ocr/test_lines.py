"""How engine output becomes lines: fragments joined, rows in reading order."""
from __future__ import annotations

from ocr.engines import merge_row_fragments, reading_order
from ocr.page import Line


def test_reading_order_is_row_major_even_when_sizes_differ():
    value = Line("张三", 0.9, (300, 96, 420, 140))  # larger type, starts higher
    label = Line("姓名", 0.9, (40, 104, 120, 132))
    next_row = Line("性别", 0.9, (40, 170, 120, 198))
    assert [line.text for line in reading_order([next_row, value, label])] == ["姓名", "张三", "性别"]


def test_label_and_value_split_by_the_engine_are_joined_but_distant_fields_are_not():
    label = Line("身份证号:", 0.9, (40, 100, 200, 130))
    number = Line("370902198805120017", 0.8, (210, 101, 560, 131))
    far_field = Line("性别:男", 0.9, (700, 100, 800, 130))  # gap of 140 px > 1.5 line heights
    lines = merge_row_fragments([far_field, number, label])
    assert [line.text for line in lines] == ["身份证号:370902198805120017", "性别:男"]
    assert lines[0].box == (40, 100, 560, 131)
    assert 0.8 < lines[0].confidence < 0.9
