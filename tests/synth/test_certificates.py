"""Certificate truth follows the domain rules it claims to; renders are repeatable and readable."""
from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date

import pytesseract
import pytest

from domain.certificates import intrinsic_flags
from domain.ids import check_char
from synth.catalogue import CATALOGUE
from synth.certificates import ANOMALIES, CARD_SIZE, random_certificate, render_certificate
from synth.degrade import encode
from synth.people import TAIAN_COUNTIES, random_person

AS_OF = date(2024, 6, 1)


def _flags(card, as_of: date = AS_OF) -> set[str]:
    return set(intrinsic_flags({**card.fields(), "certificate_kind": card.certificate_kind}, as_of))


def test_people_have_valid_ids_from_their_region():
    rng = random.Random(5)
    for _ in range(200):
        person = random_person(rng, "taian")
        assert person.id_number[:6] in TAIAN_COUNTIES
        assert person.id_number[17] == check_char(person.id_number[:17])
        assert person.id_number[6:14] == f"{person.birth:%Y%m%d}"
        assert (int(person.id_number[16]) % 2 == 1) == (person.sex == "男")


def test_default_mix_flags_match_domain_rules_exactly():
    seen = Counter()
    for seed in range(600):
        card = random_certificate(random.Random(seed), as_of=AS_OF)
        seen.update(card.anomalies or ("clean",))
        seen[card.certificate_kind] += 1
        if card.certificate_kind != "special_operation":
            assert "other_certificate_kind" in _flags(card)
            assert card.cert_no.startswith("鲁J") == (card.certificate_kind == "construction")
            continue
        assert _flags(card) == set(card.anomalies) - {"old_issuer"}, card.to_dict()
        assert card.item in CATALOGUE[card.category]
    assert seen["clean"] > 250  # mostly valid cards
    for anomaly in ("out_of_city", "out_of_province", "old_issuer", "expired", "review_overdue",
                    "id_checksum_invalid", "cert_no_mismatch", "sex_mismatch", "construction",
                    "special_equipment"):
        assert seen[anomaly] >= 5, anomaly


@pytest.mark.parametrize("as_of", [date(2025, 3, 1), date(2026, 11, 30), date(2031, 1, 1)])
def test_truth_holds_on_other_dates_including_after_the_2026_rule_change(as_of):
    for seed in range(300):
        card = random_certificate(random.Random(seed), as_of=as_of)
        if card.certificate_kind == "special_operation":
            assert _flags(card, as_of) == set(card.anomalies) - {"old_issuer"}, card.to_dict()
    with pytest.raises(ValueError):  # reviews falling due after 2026-06-01 are not owed
        random_certificate(random.Random(0), as_of=date(2031, 1, 1), anomalies=["review_overdue"])


@pytest.mark.parametrize("anomaly", ANOMALIES)
def test_forced_anomaly_gives_exactly_its_flag(anomaly):
    for seed in range(25):
        card = random_certificate(random.Random(seed), anomalies=[anomaly])
        expected = {"old_issuer": set()}.get(anomaly, {anomaly})
        assert expected <= _flags(card) if anomaly == "other_certificate_kind" else _flags(card) == expected


def test_other_kinds_render_with_their_own_titles():
    for kind, title_issuer in (("construction", "住房和城乡建设厅"), ("special_equipment", "市场监督管理局")):
        card = random_certificate(random.Random(1), kind=kind)
        assert card.certificate_kind == kind and title_issuer in card.issuer
        assert render_certificate(card, random.Random(1)).size == CARD_SIZE


def test_clean_cards_are_local_with_true_ids():
    for seed in range(100):
        card = random_certificate(random.Random(seed), anomalies=())
        assert card.issuer == "泰安市应急管理局" and not _flags(card)
        assert card.cert_no.removeprefix("T") == card.id_number
        assert card.id_number[17] == check_char(card.id_number[:17])


def test_card_render_is_byte_identical_for_a_seed():
    def png(seed: int) -> bytes:
        rng = random.Random(seed)
        return encode(render_certificate(random_certificate(rng), rng), "png")
    assert png(11) == png(11)
    assert png(11) != png(12)


def test_renders_have_card_size_in_both_layouts():
    sizes = {render_certificate(random_certificate(random.Random(s)), random.Random(s)).size for s in range(6)}
    assert sizes == {CARD_SIZE}


def test_tesseract_reads_the_id_number_from_a_clean_card():
    rng = random.Random(1)
    card = random_certificate(rng, anomalies=())
    text = pytesseract.image_to_string(render_certificate(card, rng), lang="chi_sim+eng")
    assert card.id_number in re.sub(r"\s", "", text)
