"""Whole synthetic intakes: many documents of mixed kinds and captures under
`out_dir/<county>/...`, with one ground-truth line per file in `truth.jsonl`.

    python -m synth.corpus OUT_DIR [--n 50] [--seed 1]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Mapping

from synth import degrade
from synth.certificates import CertificateTruth, random_certificate, render_certificate, render_wild_certificate
from synth.pdfs import cid_pdf, query_printout, text_pdf
from synth.people import TAIAN_COUNTIES, random_name
from synth.reports import ReportTruth, random_report, render_report
from synth.rosters import random_roster, write_csv, write_xlsx
from synth.units import random_unit

COUNTY_FOLDERS = tuple(TAIAN_COUNTIES.values()) + ("高新区",)
COUNTY_CODES = {name: code for code, name in TAIAN_COUNTIES.items()}
# Functional zones have no division code; their units sit in the host district's code space.
ZONE_HOST = {"高新区": "370911"}

# "kind/capture" -> weight.
DEFAULT_MIX: dict[str, float] = {
    "certificate/clean": 8, "certificate/flatbed": 18, "certificate/photocopy": 10,
    "certificate/phone": 14, "certificate/two_cards": 4, "certificate/text_pdf": 6,
    "certificate/image_pdf": 6, "certificate/cid_pdf": 2, "certificate/tiff": 3,
    "self_check_report/image_pdf": 8, "self_check_report/tiff": 2, "self_check_report/phone": 2,
    "roster/xlsx": 4, "roster/csv": 2, "roster/csv_gbk": 1,
}


# Share of certificate documents that repeat an earlier card's number under another name.
CONFLICT_RATE = 0.04


def _conflicting_copy(card: CertificateTruth, rng: random.Random) -> CertificateTruth:
    """The same certificate number and ID under another holder's name (a forged copy)."""
    name = card.name
    while name == card.name:
        name = random_name(rng, card.sex)
    return replace(card, name=name, anomalies=card.anomalies + ("conflicting_holder",))


@dataclass(frozen=True)
class DocTruth:
    path: str                 # relative to the intake root, "/"-separated
    kind: str                 # certificate | self_check_report | roster | bad
    capture: str
    county: str
    sha256: str
    records: tuple[dict, ...] = field(default=())

    def to_json(self) -> str:
        return json.dumps({"path": self.path, "kind": self.kind, "capture": self.capture,
                           "county": self.county, "sha256": self.sha256, "records": list(self.records)},
                          ensure_ascii=False, sort_keys=True)


def _card_record(card: CertificateTruth, record: str) -> dict:
    return {"record": record, **card.to_dict()}


# Captures of cards in other designs and wordings (domain.md §2.1): the card is drawn by
# synth.certificates.render_wild_certificate, then captured as the base kind says.
WILD_CAPTURES = {"wild_clean": "clean", "wild_flatbed": "flatbed", "wild_phone": "phone", "ecert": "ecert"}


def render_certificate_doc(cards: list[CertificateTruth], capture: str, rng: random.Random) -> tuple[bytes, str]:
    """File bytes and extension for one certificate document (two cards for two_cards).
    For the wild captures, `cards` is updated in place to what the card prints."""
    if capture in ("text_pdf", "cid_pdf", "query_wild"):
        queried = datetime.combine(date(2024, 5, 1) + timedelta(days=rng.randrange(40)),
                                   time(rng.randrange(8, 18), rng.randrange(60), rng.randrange(60)))
        wording = rng.choice(("platform", "local")) if capture == "query_wild" else "default"
        layout = query_printout(cards[0], queried, wording)
        return (cid_pdf([layout]) if capture == "cid_pdf" else text_pdf([layout])), ".pdf"
    if capture in WILD_CAPTURES:
        base = WILD_CAPTURES[capture]
        img, cards[0] = render_wild_certificate(cards[0], rng, e_certificate=base == "ecert")
        if base == "ecert":  # an e-certificate: a clean render saved as a PDF
            return degrade.image_pdf([img], dpi=200, quality=90), ".pdf"
        img = degrade.capture(img, base, rng)
        if base == "phone":
            return degrade.encode(img, "jpeg", quality=90), ".jpg"
        return degrade.encode(img, "png"), ".png"
    images = [render_certificate(card, rng) for card in cards]
    if capture == "two_cards":
        page = degrade.two_cards(images[0], images[1], rng)
        return (degrade.image_pdf([page], dpi=300), ".pdf") if rng.random() < 0.5 \
            else (degrade.encode(page, "png"), ".png")
    if capture == "image_pdf":
        return degrade.image_pdf([degrade.flatbed(images[0], rng)], dpi=300), ".pdf"
    if capture == "tiff":
        return degrade.encode(degrade.photocopy(images[0], rng), "tiff"), ".tif"
    img = degrade.capture(images[0], capture, rng)
    if capture == "phone":
        return degrade.encode(img, "jpeg", quality=90), ".jpg"
    ext = rng.choice((".png", ".jpg")) if capture == "flatbed" else ".png"
    return (degrade.encode(img, ext[1:], quality=88)), ext


def render_report_doc(report: ReportTruth, capture: str, rng: random.Random) -> tuple[bytes, str, str]:
    """File bytes, extension and the capture actually used (a phone photo only of a
    one-page report; longer ones fall back to a scanned PDF)."""
    pages = render_report(report, rng)
    if capture == "phone" and len(pages) == 1:
        return degrade.encode(degrade.phone(pages[0], rng, rotate=0), "jpeg", quality=90), ".jpg", "phone"
    pages = [degrade.flatbed(page, rng) if rng.random() < 0.5 else page for page in pages]
    if capture == "tiff":
        return degrade.multipage_tiff([p.convert("L") for p in pages]), ".tif", "tiff"
    return degrade.image_pdf(pages, dpi=150), ".pdf", "image_pdf"


def generate(out_dir: str | Path, n_docs: int, seed: int, mix: Mapping[str, float] | None = None, *,
             as_of: date = date(2024, 6, 1), truth_path: str | Path | None = None) -> list[DocTruth]:
    """Write `n_docs` files under `out_dir/<county>/...` and their truth (default
    `out_dir/truth.jsonl`). Same arguments, same bytes."""
    out = Path(out_dir)
    mix = dict(mix or DEFAULT_MIX)
    plan_rng = random.Random(f"plan:{seed}")
    plan = plan_rng.choices(list(mix), weights=list(mix.values()), k=n_docs)
    # Rosters last, so they can name the workers whose cards were dropped in the same county.
    order = sorted(range(n_docs), key=lambda i: (plan[i].startswith("roster/"), i))
    pool: dict[str, list[CertificateTruth]] = {}
    docs: dict[int, DocTruth] = {}
    for i in order:
        kind, capture = plan[i].split("/")
        rng = random.Random(f"doc:{seed}:{i}")
        county = rng.choice(COUNTY_FOLDERS)
        code = COUNTY_CODES.get(county) or ZONE_HOST[county]
        if kind == "certificate":
            cards = [random_certificate(rng, as_of=as_of) for _ in range(2 if capture == "two_cards" else 1)]
            known = [c for county_cards in pool.values() for c in county_cards
                     if c.certificate_kind == "special_operation"]
            if known and rng.random() < CONFLICT_RATE:
                cards[0] = _conflicting_copy(rng.choice(known), rng)
            pool.setdefault(county, []).extend(cards)
            data, ext = render_certificate_doc(cards, capture, rng)
            rel = f"{county}/{rng.choice(('证件扫描', '持证人员', '特种作业证'))}/IMG_{i:04d}{ext}"
            records = tuple(_card_record(c, f"card{k}") for k, c in enumerate(cards, 1))
        elif kind == "self_check_report":
            report = random_report(rng, unit=random_unit(rng, county_code=code))
            report = _in_county(report, county)
            data, ext, capture = render_report_doc(report, capture, rng)
            rel = f"{county}/自查报告/{report.unit_name}自查整改报告_{i:04d}{ext}"
            records = ({"record": "report", **report.to_dict()},)
        elif kind == "roster":
            known = pool.get(county, [])
            cards = rng.sample(known, min(len(known), 8)) + [random_certificate(rng, as_of=as_of)
                                                             for _ in range(rng.randint(2, 5))]
            roster = random_roster(rng, employer=random_unit(rng, "enterprise", code), certificates=cards)
            roster = type(roster)(roster.employer, county, roster.rows)
            if capture == "xlsx":
                data, ext = write_xlsx(roster), ".xlsx"
            else:
                data, ext = write_csv(roster, encoding="gbk" if capture == "csv_gbk" else "utf-8-sig"), ".csv"
            rel = f"{county}/花名册/{roster.employer}特种作业人员花名册_{i:04d}{ext}"
            records = ({"record": "roster", **roster.to_dict()},)
        else:
            raise ValueError(f"unknown document kind {kind!r}")
        docs[i] = _write(out, rel, data, kind, capture, county, records)
    result = [docs[i] for i in range(n_docs)]
    write_truth(result, Path(truth_path) if truth_path else out / "truth.jsonl")
    return result


def _in_county(report: ReportTruth, county: str) -> ReportTruth:
    return ReportTruth(report.unit_name, report.unit_kind, county, report.credit_code, report.report_date,
                       report.signed, report.sealed, report.problems)


def _write(out: Path, rel: str, data: bytes, kind: str, capture: str, county: str,
           records: tuple[dict, ...]) -> DocTruth:
    target = out / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return DocTruth(rel, kind, capture, county, hashlib.sha256(data).hexdigest(), records)


def write_truth(docs: list[DocTruth], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(d.to_json() + "\n" for d in docs), encoding="utf-8")


def read_truth(path: str | Path) -> list[dict]:
    """The truth lines as dicts (what benchmarks compare against)."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synth.corpus", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--n", type=int, default=50, help="number of documents")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    docs = generate(args.out_dir, args.n, args.seed)
    print(f"{len(docs)} documents written under {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
