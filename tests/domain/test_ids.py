"""ID numbers: the domain.md examples, 15-digit numbers, masking, and OCR repair."""
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from domain.ids import CONFUSABLES, check_char, make_id, mask, repair, sex_of, validate

VALID = ["11010519491231002X", "440524188001010014", "810000199408230021"]


@pytest.mark.parametrize("number", VALID)
def test_domain_examples_are_valid(number):
    assert validate(number).ok
    assert validate(number).problems == ()


def test_lowercase_x_is_accepted_and_stored_upper():
    check = validate("11010519491231002x")
    assert check.ok and check.normalised == "11010519491231002X"


def test_full_width_digits_and_spaces_are_normalised():
    assert validate("１１０１０５ 1949 1231 002X").normalised == "11010519491231002X"


def test_wrong_check_digit():
    check = validate("110105194912310021")
    assert not check.ok and check.problems == ("checksum",)


def test_impossible_birth_date():
    check = validate("110105194902300020")
    assert not check.ok and "birth_date" in check.problems and check.birth_date is None


def test_birth_after_as_of_is_rejected():
    number = make_id("370902", date(2030, 1, 1), 11)
    assert validate(number).ok
    assert "birth_date" in validate(number, as_of=date(2026, 1, 1)).problems


def test_fields_read_from_the_number():
    check = validate("11010519491231002X")
    assert check.birth_date == date(1949, 12, 31)
    assert check.sex == "女"  # 17th digit 2
    assert (check.province_code, check.city_code, check.region_code) == ("11", "1101", "110105")
    assert check.province == "北京"
    assert validate("440524188001010014").sex == "男"


def test_fifteen_digit_number_is_flagged_not_converted():
    check = validate("370902850315001")
    assert not check.ok and check.problems == ("fifteen_digit",)
    assert check.normalised == "370902850315001"
    assert repair("370902850315001").problem == "fifteen_digit"
    assert not repair("370902850315001").repaired


@pytest.mark.parametrize("raw, problem", [("", "empty"), (None, "empty"), ("3709021985", "length"),
                                          ("37090219850315001A", "characters")])
def test_malformed(raw, problem):
    assert validate(raw).problems == (problem,)


def test_unknown_province_is_a_warning_only():
    number = make_id("990101", date(1990, 1, 1), 1)
    check = validate(number)
    assert check.ok and check.problems == ("unknown_province",)


def test_make_id_sex_digit():
    assert sex_of(make_id("370902", date(1990, 5, 6), 1)) == "男"
    assert sex_of(make_id("370902", date(1990, 5, 6), 2)) == "女"
    with pytest.raises(ValueError):
        make_id("3709", date(1990, 5, 6), 1)


def test_mask():
    assert mask("370902198503150011") == "370902********0011"
    assert mask("370902850315001") == "370902*****5001"
    assert mask("张三") == "**"


def test_repair_one_confusable():
    assert repair("1101O519491231002X").value == "11010519491231002X"
    assert repair("1101O519491231002X").repaired
    assert repair("11010519491231002×").value == "11010519491231002X"
    assert repair("44O524188OO1O1OO14").problem == "unrepairable"  # many letters: no single fix


def test_repair_leaves_a_valid_number_alone():
    result = repair("11010519491231002X")
    assert result.value == "11010519491231002X" and not result.repaired and result.problem is None


def test_repair_refuses_when_the_fix_gives_an_impossible_birth_date():
    # O -> 0 fixes the check digit, but the date it then spells is Feb 30
    first17 = "11010519490230002"
    raw = first17 + check_char(first17)
    assert repair(raw.replace("0230", "O230", 1)).problem == "unrepairable"


def test_repair_does_not_guess_plain_digit_errors():
    result = repair("110105194912310021")
    assert not result.repaired and result.problem == "unrepairable" and result.candidates == ()


# --- properties --------------------------------------------------------------------------

regions = st.sampled_from(["370902", "370911", "370921", "370923", "370982", "370983", "410102",
                           "320106", "110105", "440524"])
births = st.dates(min_value=date(1950, 1, 1), max_value=date(2008, 12, 31))
ids = st.builds(make_id, regions, births, st.integers(0, 999))
DISGUISES = {}
for glyph, meant in CONFUSABLES.items():
    DISGUISES.setdefault(meant, []).append(glyph)


@settings(max_examples=150, deadline=None)
@given(ids)
def test_make_id_is_valid(number):
    check = validate(number)
    assert check.ok and len(number) == 18 and check.birth_date is not None


def _disguise(number, position, choice):
    glyphs = DISGUISES[number[position]]
    return number[:position] + glyphs[choice % len(glyphs)] + number[position + 1:]


def _disguisable(number):
    return [i for i, c in enumerate(number) if c in DISGUISES]


@settings(max_examples=200, deadline=None)
@given(ids, st.data())
def test_one_confusable_substitution_is_repaired(number, data):
    positions = _disguisable(number)
    if not positions:
        return
    position = data.draw(st.sampled_from(positions))
    raw = _disguise(number, position, data.draw(st.integers(0, 10)))
    result = repair(raw)
    assert number in result.candidates
    if len(result.candidates) == 1:
        assert result.repaired and result.value == number
    else:
        assert not result.repaired and result.problem == "ambiguous"


@settings(max_examples=200, deadline=None)
@given(ids, st.data())
def test_two_confusable_substitutions_are_not_repaired(number, data):
    positions = _disguisable(number)
    if len(positions) < 2:
        return
    first, second = data.draw(st.lists(st.sampled_from(positions), min_size=2, max_size=2, unique=True))
    raw = _disguise(_disguise(number, first, data.draw(st.integers(0, 10))), second,
                    data.draw(st.integers(0, 10)))
    result = repair(raw)
    assert not result.repaired
    assert result.value == raw.upper()
    assert result.problem in ("unrepairable", "ambiguous")
