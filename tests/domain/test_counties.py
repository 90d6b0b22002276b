"""Tai'an's divisions and zones: folder names, codes, report order."""
import pytest

from domain.counties import COUNTIES, county_from_code, county_from_folder, county_order, sorted_counties


@pytest.mark.parametrize("folder, expected", [
    ("泰山区", "泰山区"), ("泰山", "泰山区"), ("01泰山区", "泰山区"), ("岱岳", "岱岳区"), (" 宁阳县 ", "宁阳县"),
    ("2-东平县", "东平县"), ("新泰市自查材料", "新泰市"), ("肥城", "肥城市"),
    ("高新区", "高新区"), ("泰安高新技术产业开发区", "高新区"), ("泰山景区", "泰山景区"),
    ("泰山风景名胜区", "泰山景区"), ("徂汶景区", "徂汶景区"), ("徂汶", "徂汶景区"),
])
def test_known_folders(folder, expected):
    assert county_from_folder(folder) == (expected, True)


@pytest.mark.parametrize("read, expected", [("秦山区", "泰山区"), ("新秦市", "新泰市"), ("秦安高新区", "高新区")])
def test_tai_misread_as_qin(read, expected):
    assert county_from_folder(read) == (expected, True)


@pytest.mark.parametrize("other", ["宁津县", "东明县", "东阿县", "新县", "秦皇岛"])
def test_similar_counties_elsewhere_are_not_taken_for_taian(other):
    assert county_from_folder(other) == (other, False)


def test_unknown_folder_kept_as_given():
    assert county_from_folder("济宁市") == ("济宁市", False)  # a real other city, not 新泰/肥城
    assert county_from_folder("济南市") == ("济南市", False)
    assert county_from_folder("其他") == ("其他", False)


def test_codes():
    assert county_from_code("370902") == "泰山区"
    assert county_from_code("370983") == "肥城市"
    assert county_from_code("370922") == "肥城市"  # the old 肥城县 code
    assert county_from_code("410102") is None
    assert all(c.code is None for c in COUNTIES if c.is_zone)


def test_report_order_divisions_then_zones_then_unknown():
    names = ["高新区", "济南", "泰山区", "肥城市", "泰山景区", "岱岳区", "东平县", "新泰市", "宁阳县"]
    assert sorted_counties(names) == ["泰山区", "岱岳区", "宁阳县", "东平县", "新泰市", "肥城市", "高新区",
                                      "泰山景区", "济南"]
    assert county_order("泰山区") < county_order("徂汶景区") < county_order("某某区")
