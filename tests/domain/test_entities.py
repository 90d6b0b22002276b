"""Unit name keys, entity ids and unit kinds."""
import pytest

from domain.entities import entity_id, normalise_name, unit_kind_from_text


@pytest.mark.parametrize("a, b", [
    ("泰安市某某机械有限责任公司", "泰安市某某机械有限公司"),
    ("泰安市 某某 机械有限公司", "泰安市某某机械有限公司"),
    ("泰安市某某机械（集团）有限公司", "泰安市某某机械(集团)有限公司"),
    ("泰安市某某机械【集团】有限公司", "泰安市某某机械(集团)有限公司"),
    ("ＡＢＣ化工有限公司", "abc化工有限公司"),
    ("“泰安市某某”化工有限公司", "泰安市某某化工有限公司"),
    ("泰安市某某化工有限公司\u3000", "泰安市某某化工有限公司"),
])
def test_same_unit_same_key(a, b):
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize("a, b", [
    ("泰安市某某机械股份有限公司", "泰安市某某机械有限公司"),
    ("泰安市某某机械有限公司岱岳分公司", "泰安市某某机械有限公司"),
    ("泰安市某某机械有限公司", "新泰市某某机械有限公司"),
])
def test_different_units_different_keys(a, b):
    assert normalise_name(a) != normalise_name(b)


def test_entity_id_stable_and_distinct():
    one = entity_id("enterprise", "泰安市某某机械有限责任公司", "泰山")
    assert one == entity_id("enterprise", "泰安市某某机械有限公司", "泰山区")
    assert one.startswith("E-") and len(one) == 12
    assert one != entity_id("enterprise", "泰安市某某机械有限公司", "岱岳区")
    assert one != entity_id("training_institution", "泰安市某某机械有限公司", "泰山区")


@pytest.mark.parametrize("text, kind", [
    ("培训机构", "training_institution"), ("泰安市某某安全培训学校", "training_institution"),
    ("某某职业培训中心", "training_institution"), ("某某安全培训考试中心", "training_institution"),
    ("考试点", "exam_site"), ("泰安市某某培训学校考试点", "exam_site"), ("某某考场", "exam_site"),
    ("某某特种作业考试中心", "exam_site"),
    ("生产经营单位", "enterprise"), ("泰安市某某化工有限公司", "enterprise"), ("某某水泥厂", "enterprise"),
    ("", None), ("张三", None),
])
def test_unit_kind(text, kind):
    assert unit_kind_from_text(text) == kind


def test_credit_code():
    from domain.entities import credit_code_check_char, credit_code_problem, repair_credit_code
    assert credit_code_problem("91350100M000100Y43") is None  # the standard's worked example
    assert credit_code_problem("91350100M000100Y44") == "checksum"
    assert credit_code_problem("91350100M000100Y4") == "length"
    assert credit_code_problem("9135O100M000100Y43") == "characters"
    assert credit_code_problem(None) == "empty"
    assert credit_code_check_char("91350100M000100Y4") == "3"
    fixed = repair_credit_code("9135O100M000100Y43")
    assert fixed.repaired and fixed.value == "91350100M000100Y43"
    assert not repair_credit_code("9135O1OOM000100Y43").repaired  # two letters: not guessed
    assert repair_credit_code("91350100M000100Y44").problem == "unrepairable"
