"""What a correction may write into each field (domain/fields.py)."""
import pytest

from domain.fields import FieldProblem, field_name, kind_of, parse_value, unknown_field
from domain.ids import make_id
from datetime import date

GOOD_ID = make_id("370902", date(1985, 3, 15), 1)
BAD_CHECK = GOOD_ID[:17] + ("1" if GOOD_ID[17] != "1" else "2")


@pytest.mark.parametrize("field, text, value", [
    ("review_due", "2025-05-01", "2025-05-01"),
    ("valid_until", "2025年5月1日", "2025-05-01"),
    ("problems.2", '{"deadline": "2024年6月30日", "rectified": "是"}', {"deadline": "2024-06-30", "rectified": True}),
    ("reviews", "2019-12-01，2022-11-30", ["2019-12-01", "2022-11-30"]),
    ("sealed", "是", True), ("signed", "否", False), ("signed", "YES", True), ("sealed", "false", False),
    ("id_number", GOOD_ID.lower(), GOOD_ID.upper()),
    ("cert_no", "t" + GOOD_ID, "T" + GOOD_ID),
    ("sex", "F", "女"),
    ("county", "泰山", "泰山区"), ("county", "泰安高新区", "高新区"),
    ("category", "电工", "电工作业"), ("item", "低压电工作业", "低压电工作业"), ("item", "焊工证", "熔化焊接与热切割作业"),
    ("unit_kind", "培训机构", "training_institution"),
    ("name", " 张三 ", "张三"), ("rows.3.name", "李四", "李四"), ("rows.3.id_number", GOOD_ID, GOOD_ID),
    ("valid_until", "", None),
])
def test_accepted_values(field, text, value):
    assert parse_value(field, text) == value


@pytest.mark.parametrize("field, text, accepted", [
    ("review_due", "2026-13-45", "YYYY-MM-DD"), ("valid_from", "是", "real date"), ("valid_from", "2024年6月", "real date"),
    ("reviews", "2019-12-01,2019-02-30", "real date"),
    ("id_number", "12345", "18-character"), ("id_number", "37090219850315001", "18-character"),
    ("rows.1.id_number", "3709021985031500AB", "digits"),
    ("sealed", "maybe", "是"), ("sex", "x", "男 or 女"), ("county", "火星区", "泰山区"),
    ("category", "电气", "电工作业"), ("item", "低压", "低压电工作业"), ("unit_kind", "什么", "exam_site"),
    ("problems.1", "yes", "JSON object"), ("problems.1", '{"fixed": true}', "rectified"),
    ("cert_no", "T-1", "letters and digits"),
])
def test_refused_values_name_what_is_accepted(field, text, accepted):
    with pytest.raises(FieldProblem) as caught:
        parse_value(field, text)
    assert accepted in str(caught.value) and caught.value.param == "VALUE"


def test_a_wrong_check_digit_needs_force():
    with pytest.raises(FieldProblem) as caught:
        parse_value("id_number", BAD_CHECK)
    assert caught.value.needs_force and GOOD_ID[17] in str(caught.value)
    assert parse_value("id_number", BAD_CHECK, force=True) == BAD_CHECK
    with pytest.raises(FieldProblem):  # force is for a check digit, not for a wrong length
        parse_value("id_number", "12345", force=True)


def test_chinese_labels_and_near_misses():
    assert field_name("有效期至") == "valid_until" and field_name("card2.姓名") == "card2.name"
    assert field_name("rows.3.身份证号") == "rows.3.id_number" and field_name("复审日期") == "reviews"
    assert field_name("id_numbr") == "id_numbr"
    problem = unknown_field("id_numbr", ["name", "id_number", "valid_until"], "document abc")
    assert "did you mean id_number" in str(problem) and "valid_until" in str(problem) and problem.param == "FIELD"


def test_json_values_from_the_api():
    assert parse_value("sealed", True) is True and parse_value("reviews", ["2024年1月2日"]) == ["2024-01-02"]
    assert parse_value("problems.1", {"rectified": True}) == {"rectified": True}
    assert kind_of("problems.1") == "problem" and kind_of("rows.2.id_number") == "id_number"
