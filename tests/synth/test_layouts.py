"""synth.layouts: determinism, truth that follows the domain's rules, files that open, the split."""
from __future__ import annotations

import io
import json
import random
from datetime import date, timedelta

import pdfplumber
import pytest
from PIL import Image

from domain import ids
from domain.certificates import normalise_cert_no
from domain.dates import add_years, find_dates
from synth.layouts import families, generate
from synth.layouts import truth as t
from synth.layouts.captures import HARD, ORDINARY
from synth.layouts.designs import DESIGNS
from synth.pdfs import text_pdf

AS_OF = date(2024, 6, 1)


def test_same_seed_same_bytes_and_truth(tmp_path):
    a = generate(tmp_path / "a", 4, 3, "heldout")
    b = generate(tmp_path / "b", 4, 3, "heldout")
    c = generate(tmp_path / "c", 4, 4, "heldout")
    assert a == b
    assert [d["sha256"] for d in a] != [d["sha256"] for d in c]
    assert (tmp_path / "a" / "truth.jsonl").read_bytes() == (tmp_path / "b" / "truth.jsonl").read_bytes()


def _cards(n=400):
    rng = random.Random(11)
    kinds = [dict(), dict(id_printed=True), dict(prints_due=False), dict(month_only_reviews=True),
             dict(id_printed=True, review_history=True, prints_due=False)]
    return [t.special_operation(rng, as_of=AS_OF, **kinds[k % len(kinds)]) for k in range(n)]


def test_truth_follows_the_card_rules():
    for card in _cards():
        bad_check = "bad_check_digit" in card.anomalies
        assert ids.is_valid(card.id_number) != bad_check
        assert (normalise_cert_no(card.cert_no) == card.id_number) != ("cert_no_mismatch" in card.anomalies)
        assert card.valid_until in (add_years(card.valid_from, 6), add_years(card.valid_from, 6) - timedelta(days=1))
        assert card.first_issued <= card.valid_from
        born = ids.validate(card.id_number[:17] + ids.check_char(card.id_number[:17])).birth_date
        assert add_years(born, 18) <= card.first_issued
        if "cert_no_mismatch" in card.anomalies:
            assert card.id_printed  # only a document that prints both can show it


def test_expected_flags_are_the_anomalies_put_there():
    seen = set()
    for card in _cards():
        flags, status = t.expected(card, AS_OF)
        wanted = {"out_of_city": "out_of_city", "out_of_province": "out_of_province", "expired": "expired",
                  "review_overdue": "review_overdue", "bad_check_digit": "id_checksum_invalid",
                  "cert_no_mismatch": "cert_no_mismatch", "sex_mismatch": "sex_mismatch"}
        assert set(flags) == {wanted[a] for a in card.anomalies}, (card, flags)
        assert status == ("valid" if not flags else
                          "attention" if set(flags) <= {"out_of_city", "out_of_province", "sex_mismatch"} else "invalid")
        seen |= set(flags)
    # a realistic share of everything the campaign looks for
    assert {"expired", "review_overdue", "out_of_city", "out_of_province", "id_checksum_invalid",
            "cert_no_mismatch"} <= seen


def test_other_kinds_are_flagged_as_such():
    rng = random.Random(2)
    for card in (t.construction(rng), t.special_equipment(rng)):
        record = t.truth_record(card, AS_OF)
        assert "other_certificate_kind" in record["expected_flags"] and record["expected_status"] == "invalid"
        assert "category" not in record["score_fields"]
    assert t.construction(random.Random(5)).cert_no[:1] == "鲁"


def _open(path):
    data = path.read_bytes()
    if path.suffix == ".pdf":
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            assert len(pdf.pages) == 1
            return pdf.pages[0].width
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return img.size


@pytest.mark.parametrize("split,hard", [("dev", False), ("heldout", True)])
def test_files_open_and_families_follow_the_split(tmp_path, split, hard):
    docs = generate(tmp_path, 9 if hard else 8, 1, split, hard=hard)  # 9: every hard kind once
    lines = [json.loads(x) for x in (tmp_path / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines == docs
    for doc in docs:
        assert _open(tmp_path / doc["path"])
        assert doc["capture"] in (HARD if hard else ORDINARY)
        assert set(doc["families"]) <= families(split)
        assert doc["path"].split("/")[0] in ("泰山区", "岱岳区", "宁阳县", "东平县", "新泰市", "肥城市", "高新区")
        assert len(doc["records"]) == (4 if doc["capture"] == "four_up" else 1)


def test_dev_and_heldout_are_disjoint():
    dev, held = families("dev"), families("heldout")
    assert not dev & held
    assert {d.split for d in DESIGNS.values()} == {"dev", "heldout"}
    for split in ("dev", "heldout"):  # each split has cards, printouts and another kind of card
        media = {d.medium for d in DESIGNS.values() if d.split == split}
        assert {"card", "printout"} <= media
        assert any(d.split == split and d.draw_truth(random.Random(1)).kind != "special_operation"
                   for d in DESIGNS.values())


@pytest.mark.parametrize("design", ["query_table", "local_printout", "ecert", "ecert_wallet"])
def test_a_clean_printout_says_what_the_truth_says(design):
    rng = random.Random(9)
    des = DESIGNS[design]
    card = des.draw_truth(rng, reviewed=True)
    render = des.render(card, rng)
    with pdfplumber.open(io.BytesIO(text_pdf([render.layout]))) as pdf:
        text = "".join(pdf.pages[0].extract_text().split())
    record = t.export_record(card)
    for key in ("name", "id_number", "cert_no", "category", "item", "issuer"):
        assert record[key] in text, key
    printed = {found.value.isoformat() for found in find_dates(text)}
    for key in ("first_issued", "valid_from", "valid_until"):
        assert record[key] in printed, key
    assert set(record["reviews"]) <= printed
