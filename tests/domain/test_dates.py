"""Dates in every printed form, with OCR slop; validity periods; year arithmetic."""
from datetime import date

import pytest
from hypothesis import given, strategies as st

from domain.dates import add_years, find_dates, format_date, parse_date, parse_date_detail, parse_validity, to_date

MARCH_5 = date(2024, 3, 5)


@pytest.mark.parametrize("text", [
    "2024年3月5日", "2024年03月05日", "2024.03.05", "2024.3.5", "2024-3-5", "2024-03-05", "2024/3/5",
    "20240305", "二〇二四年三月五日", "二○二四年三月五日", "二O二四年三月五日",
    # OCR slop
    "2024 年 3 月 5 日", "２０２４年３月５日", "2024年3月5曰", "2O24.O3.O5", "2024. 03. 05", "2024 03 05",
    "2024年3月5", "2024－03－05", "初领日期：2024年3月5日", "2024年3月5号",
    "2024午3月5日", "2024年3目5日", "2024年3月5目", "2O24牛O3月O5曰",
])
def test_every_form_reads_as_march_5(text):
    detail = parse_date_detail(text)
    assert detail.value == MARCH_5 and detail.precision == "day" and not detail.month_only


def test_chinese_numerals_with_tens():
    assert parse_date("二〇一九年十二月三十一日") == date(2019, 12, 31)
    assert parse_date("二〇二〇年十月二十日") == date(2020, 10, 20)
    assert parse_date("二〇二〇年二月十日") == date(2020, 2, 10)


@pytest.mark.parametrize("text", ["2024年03月", "2024年3月", "2024.03", "2024-3"])
def test_year_month_gives_first_of_month_with_a_flag(text):
    detail = parse_date_detail(text)
    assert detail.value == date(2024, 3, 1) and detail.month_only
    assert parse_date(text) == date(2024, 3, 1)


@pytest.mark.parametrize("text", ["", None, "有效期", "2024年2月30日", "2024.13.01", "370902198503150011",
                                  "1234"])
def test_no_date(text):
    assert parse_date(text) is None


def test_dates_and_strings_pass_through():
    assert parse_date(MARCH_5) == MARCH_5
    assert to_date("2024-03-05") == MARCH_5 and to_date(None) is None and to_date("") is None
    assert to_date("2024年3月5日") == MARCH_5


@pytest.mark.parametrize("text, expected", [
    ("2021.03.05至2027.03.05", (date(2021, 3, 5), date(2027, 3, 5))),
    ("2021年3月5日至2027年3月4日", (date(2021, 3, 5), date(2027, 3, 4))),
    ("2021-03-05 - 2027-03-05", (date(2021, 3, 5), date(2027, 3, 5))),
    ("2021-03-05-2027-03-05", (date(2021, 3, 5), date(2027, 3, 5))),
    ("有效期限：2021年03月05日 至 2027年03月05日", (date(2021, 3, 5), date(2027, 3, 5))),
    ("2021.03.05—2027.03.05", (date(2021, 3, 5), date(2027, 3, 5))),
    ("20210305至20270305", (date(2021, 3, 5), date(2027, 3, 5))),
    ("2021.03.05至", (date(2021, 3, 5), None)),
    ("至", (None, None)),
])
def test_validity(text, expected):
    assert parse_validity(text) == expected


def test_find_dates_in_reading_order():
    found = find_dates("复审 2022年3月 2024.06.01")
    assert [(d.value, d.precision) for d in found] == [(date(2022, 3, 1), "month"), (date(2024, 6, 1), "day")]


def test_add_years_feb_29():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2021, 3, 5), 6) == date(2027, 3, 5)


def test_format_date():
    assert format_date(MARCH_5) == "2024-03-05"
    assert format_date(MARCH_5, "zh") == "2024年3月5日"
    assert format_date(MARCH_5, "dot") == "2024.03.05"
    assert format_date(MARCH_5, "cn") == "二〇二四年三月五日"
    assert format_date(date(2020, 12, 31), "cn") == "二〇二〇年十二月三十一日"
    assert format_date(date(2020, 10, 20), "cn") == "二〇二〇年十月二十日"
    assert format_date(None) is None


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_round_trip_through_every_style(d):
    for style in ("iso", "zh", "dot", "cn"):
        assert parse_date(format_date(d, style)) == d
    assert parse_date(f"{d:%Y%m%d}") == d
