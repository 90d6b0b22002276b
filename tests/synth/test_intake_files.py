"""Bad files, the corpus and the demo intake."""
from __future__ import annotations

import io
import json
from datetime import date

import pdfplumber
import pypdf
import pytest
from PIL import Image, UnidentifiedImageError

from domain.certificates import intrinsic_flags
from synth import badfiles
from synth.corpus import generate, read_truth
from synth.demo import build


def test_bomb_png_is_small_and_refused_by_pillow():
    data = badfiles.bomb_png()
    assert len(data) < 100_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data)).load()


def test_encrypted_pdf_needs_a_password():
    reader = pypdf.PdfReader(io.BytesIO(badfiles.encrypted_pdf()))
    assert reader.is_encrypted
    assert reader.decrypt("wrong") == pypdf.PasswordType.NOT_DECRYPTED


def test_many_pages_pdf_has_that_many_pages():
    assert len(pypdf.PdfReader(io.BytesIO(badfiles.many_pages_pdf(2001))).pages) == 2001


def test_broken_files_do_not_open():
    assert badfiles.zero_bytes() == b""
    truncated = badfiles.truncated_pdf()
    assert truncated.startswith(b"%PDF") and b"%%EOF" not in truncated
    for data in (badfiles.random_bytes(), badfiles.text_named_png()):
        with pytest.raises(UnidentifiedImageError):
            Image.open(io.BytesIO(data))
    text = pdfplumber.open(io.BytesIO(badfiles.cid_garbage_pdf())).pages[0].extract_text()
    assert "(cid:" in text


LIGHT_MIX = {"certificate/clean": 3, "certificate/text_pdf": 1, "certificate/cid_pdf": 1,
             "self_check_report/image_pdf": 1, "roster/csv": 1, "roster/xlsx": 1}


def test_corpus_is_byte_identical_and_truthful(tmp_path):
    first = generate(tmp_path / "a", 8, seed=5, mix=LIGHT_MIX)
    second = generate(tmp_path / "b", 8, seed=5, mix=LIGHT_MIX)
    assert [d.to_json() for d in first] == [d.to_json() for d in second]
    for doc in first:
        assert (tmp_path / "a" / doc.path).read_bytes() == (tmp_path / "b" / doc.path).read_bytes()
        assert doc.path.split("/")[0] == doc.county
    truth = read_truth(tmp_path / "a" / "truth.jsonl")
    assert [t["path"] for t in truth] == [d.path for d in first]
    assert all(t["records"] for t in truth)


DEMO_AS_OF = date(2024, 6, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    return root, build(root / "intake", DEMO_AS_OF)


def test_demo_has_a_duplicate_a_rejection_and_several_counties(demo):
    tmp_path, docs = demo
    assert 10 <= len(docs) <= 16
    assert len({d.county for d in docs}) >= 3
    hashes = [d.sha256 for d in docs]
    assert len(hashes) - len(set(hashes)) == 1
    assert [d.kind for d in docs].count("bad") == 1
    reports = [d.records[0] for d in docs if d.kind == "self_check_report"]
    assert len(reports) == 3 and [r["signed"] for r in reports].count(False) == 1
    rosters = [d.records[0] for d in docs if d.kind == "roster"]
    assert any(row["status"] == "name_mismatch" for row in rosters[0]["rows"])
    for doc in docs:
        assert (tmp_path / "intake" / doc.path).exists()
    json.loads(docs[0].to_json())


def test_demo_cards_carry_the_flags_intended_on_its_date(demo):
    _, docs = demo
    cards = [r for d in docs if d.kind == "certificate" for r in d.records]
    assert len(cards) >= 7
    for card in cards:
        flags = set(intrinsic_flags(card, DEMO_AS_OF))
        if card["certificate_kind"] == "special_operation":
            assert flags == set(card["anomalies"]) - {"old_issuer"}, card
        else:
            assert "other_certificate_kind" in flags


def test_conflicting_copy_keeps_the_number_under_another_name():
    import random

    from synth.certificates import random_certificate
    from synth.corpus import _conflicting_copy
    card = random_certificate(random.Random(3), anomalies=())
    copy = _conflicting_copy(card, random.Random(4))
    assert (copy.cert_no, copy.id_number) == (card.cert_no, card.id_number)
    assert copy.name != card.name and copy.anomalies == ("conflicting_holder",)
