"""Certificate flags on their boundary days, and the status they fold into."""
from datetime import date, timedelta

import pytest

from domain.certificates import BLOCKING_FLAGS, FLAGS, intrinsic_flags, normalise_cert_no, review_due, status
from domain.ids import make_id

BORN = date(1985, 3, 15)
HOLDER = make_id("370902", BORN, 11)  # a man
START, END = date(2021, 3, 5), date(2027, 3, 5)
DUE = date(2024, 3, 5)
DAY = timedelta(days=1)


def card(**changes):
    fields = dict(cert_no="T" + HOLDER, name="张三", sex="男", id_number=HOLDER, category="电工作业",
                  item="低压电工作业", first_issued="2021-03-05", valid_from=START.isoformat(),
                  valid_until=END.isoformat(), review_due=None, reviews=[DUE.isoformat()],
                  issuer="泰安市应急管理局")
    fields.update(changes)
    return fields


def test_a_clean_card_has_no_flags():
    assert intrinsic_flags(card(), date(2024, 6, 30)) == []
    assert status([], needs_review=False) == "valid"


def test_expiry_day_itself_is_still_valid():
    assert "expired" not in intrinsic_flags(card(), END)
    assert "expired" in intrinsic_flags(card(), END + DAY)


def test_not_yet_valid_until_the_first_day():
    assert "not_yet_valid" in intrinsic_flags(card(), START - DAY)
    assert "not_yet_valid" not in intrinsic_flags(card(), START)


@pytest.mark.parametrize("review, as_of, overdue", [
    (None, DUE, False),                          # due today: not yet overdue
    (None, DUE + DAY, True),
    (DUE - timedelta(days=90), DUE + DAY, False),  # the earliest review that counts
    (DUE - timedelta(days=91), DUE + DAY, True),   # too early to count
    (DUE + timedelta(days=30), DUE + timedelta(days=60), False),  # late, but on record
])
def test_review_overdue_around_the_due_date(review, as_of, overdue):
    flags = intrinsic_flags(card(reviews=[review] if review else []), as_of)
    assert ("review_overdue" in flags) is overdue


def test_month_only_reviews_and_plain_strings_count():
    assert "review_overdue" not in intrinsic_flags(card(reviews="2024年3月"), date(2024, 6, 30))


def test_printed_review_due_is_used_and_equal_to_end_means_none():
    assert review_due(START, END, "2024-06-01") == date(2024, 6, 1)
    assert review_due(START, END) == DUE
    assert review_due(START, END, END) is None
    assert review_due(START, END, END - DAY) is None
    assert review_due(None, None) is None
    assert "review_overdue" not in intrinsic_flags(card(reviews=[], review_due=END.isoformat()), END)


def test_reviews_falling_due_after_the_2026_rules_change_are_not_owed():
    later = card(first_issued="2023-07-01", valid_from="2023-07-01", valid_until="2029-07-01", reviews=[])
    assert review_due("2023-07-01", "2029-07-01") == date(2026, 7, 1)
    assert "review_overdue" not in intrinsic_flags(later, date(2026, 8, 1))
    # one missed under the old rules stays missed when judged after the change
    assert "review_overdue" in intrinsic_flags(card(reviews=[]), date(2026, 8, 1))


@pytest.mark.parametrize("end, inconsistent", [
    (END, False), (END - DAY, False), (END + DAY, False),
    (END - 2 * DAY, True), (END + 2 * DAY, True), (date(2024, 3, 5), True), (START, True),
    (START - DAY, True),
])
def test_validity_span_is_six_years_plus_or_minus_a_day(end, inconsistent):
    flags = intrinsic_flags(card(valid_until=end.isoformat()), date(2022, 1, 1))
    assert ("date_inconsistent" in flags) is inconsistent


def test_first_issue_after_validity_start_is_inconsistent():
    assert "date_inconsistent" in intrinsic_flags(card(first_issued="2021-04-01"), date(2022, 1, 1))
    assert "date_inconsistent" not in intrinsic_flags(card(first_issued="2015-04-01"), date(2022, 1, 1))


def test_feb_29_start():
    flags = intrinsic_flags(card(valid_from="2024-02-29", valid_until="2030-02-28", first_issued="2024-02-29",
                                 reviews=[]), date(2025, 1, 1))
    assert "date_inconsistent" not in flags


def test_eighteenth_birthday():
    young = make_id("370902", date(2003, 3, 5), 11)
    base = dict(cert_no="T" + young, id_number=young)
    assert "underage_at_issue" not in intrinsic_flags(card(**base, first_issued="2021-03-05"), date(2022, 1, 1))
    assert "underage_at_issue" in intrinsic_flags(card(**base, first_issued="2021-03-04"), date(2022, 1, 1))
    # without a first-issue date, a validity start before the birthday tells the same
    flags = intrinsic_flags(card(**base, first_issued=None, valid_from="2021-03-04", valid_until="2027-03-04"),
                            date(2022, 1, 1))
    assert "underage_at_issue" in flags


def test_id_checksum_and_impossible_birth_date():
    assert "id_checksum_invalid" in intrinsic_flags(card(id_number="110105194912310021",
                                                         cert_no="T110105194912310021"), date(2022, 1, 1))
    assert "id_checksum_invalid" in intrinsic_flags(card(id_number="110105194902300020",
                                                         cert_no="110105194902300020"), date(2022, 1, 1))
    assert "id_checksum_invalid" in intrinsic_flags(card(id_number="370902850315001",
                                                         cert_no="370902850315001"), date(2022, 1, 1))


def test_cert_no_mismatch():
    other = make_id("370902", BORN, 13)
    assert "cert_no_mismatch" in intrinsic_flags(card(cert_no="T" + other), date(2022, 1, 1))
    assert "cert_no_mismatch" not in intrinsic_flags(card(cert_no=HOLDER), date(2022, 1, 1))
    assert "cert_no_mismatch" not in intrinsic_flags(card(cert_no="t" + HOLDER.lower()), date(2022, 1, 1))
    assert "cert_no_mismatch" in intrinsic_flags(card(cert_no="TT" + HOLDER), date(2022, 1, 1))
    # no ID number read: the certificate number is checked in its place
    assert "id_checksum_invalid" in intrinsic_flags(card(id_number=None, cert_no="T110105194912310021"),
                                                    date(2022, 1, 1))


def test_unknown_item_and_other_certificate_kind():
    assert "unknown_item" in intrinsic_flags(card(item="挖掘机作业"), date(2022, 1, 1))
    assert "unknown_item" in intrinsic_flags(card(category="焊接与热切割作业"), date(2022, 1, 1))
    assert "unknown_item" in intrinsic_flags(card(category="其他作业", item=None), date(2022, 1, 1))
    assert "unknown_item" not in intrinsic_flags(card(category=None), date(2022, 1, 1))
    flags = intrinsic_flags(card(item="建筑电工", certificate_kind="construction"), date(2022, 1, 1))
    assert "other_certificate_kind" in flags and "unknown_item" not in flags
    construction = card(item="建筑电工", cert_no="鲁A012008000001", certificate_kind="construction")
    assert intrinsic_flags(construction, date(2022, 1, 1)) == ["other_certificate_kind"]


def test_sex_mismatch_and_issuer_classes():
    assert intrinsic_flags(card(sex="女"), date(2022, 1, 1)) == ["sex_mismatch"]
    assert intrinsic_flags(card(issuer="河南省应急管理厅"), date(2022, 1, 1)) == ["out_of_province"]
    assert intrinsic_flags(card(issuer="济南市应急管理局"), date(2022, 1, 1)) == ["out_of_city"]
    assert intrinsic_flags(card(issuer=None), date(2022, 1, 1)) == []


def test_fields_in_event_form_are_read():
    wrapped = {k: {"value": v, "confidence": 0.9} for k, v in card(sex="女").items()}
    assert intrinsic_flags(wrapped, date(2022, 1, 1)) == ["sex_mismatch"]


def test_flags_come_in_contract_order():
    flags = intrinsic_flags(card(sex="女", issuer="济南市应急管理局", valid_until="2027-03-08",
                                 item="焊工", reviews=[]), date(2027, 3, 9))
    assert flags == ["expired", "review_overdue", "unknown_item", "date_inconsistent",
                     "sex_mismatch", "out_of_city"]
    assert flags == [f for f in FLAGS if f in flags]


def test_status():
    assert status(["out_of_city"], needs_review=True) == "needs_review"
    assert status(["expired", "out_of_city"]) == "invalid"
    assert status(["out_of_city", "sex_mismatch"]) == "attention"
    assert status(["name_mismatch"]) == "invalid"
    assert status([]) == "valid"
    assert BLOCKING_FLAGS == set(FLAGS) - {"sex_mismatch", "out_of_province", "out_of_city"}


@pytest.mark.parametrize("raw, expected", [
    ("T370902198503150011", "370902198503150011"), ("t37090219850315001x", "37090219850315001X"),
    ("370902198503150011", "370902198503150011"), ("证号：T370902198503150011", "370902198503150011"),
    ("Ｔ３７０９０２１９８５０３１５００１１", "370902198503150011"), ("T 3709 0219 8503 1500 11", "370902198503150011"),
    (None, ""),
])
def test_normalise_cert_no(raw, expected):
    assert normalise_cert_no(raw) == expected


def test_other_certificate_kinds_are_not_judged_by_special_operation_rules():
    from datetime import date

    from domain.certificates import intrinsic_flags

    construction = {
        "cert_no": "鲁A012008000001", "certificate_kind": "construction",
        "valid_from": "2022-01-01", "valid_until": "2024-01-01",  # a 2-year card
        "issuer": "山东省住房和城乡建设厅",
    }
    assert intrinsic_flags(construction, date(2023, 6, 1)) == ["other_certificate_kind"]
    assert intrinsic_flags(construction, date(2024, 6, 1)) == ["expired", "other_certificate_kind"]
