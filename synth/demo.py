"""The demo intake: about a dozen files over four county folders, showing every path a
document can take (read, flagged, unsigned report, roster mismatch, duplicate, rejected).

    python -m synth.demo DIR [--as-of YYYY-MM-DD]

Cards are drawn relative to the as-of date (default: today in Asia/Shanghai), so that the
summary printed right after ingesting shows the intended mix; the same date gives the same
bytes. The truth goes to DIR.truth.jsonl, outside the intake.
"""
from __future__ import annotations

import argparse
import random
from datetime import date, datetime, timezone
from pathlib import Path

from domain.dates import local_day
from synth.corpus import (DocTruth, _card_record, _in_county, _write, render_certificate_doc, render_report_doc,
                          write_truth)
from synth.badfiles import text_named_png
from synth.certificates import random_certificate, review_can_be_overdue
from synth.reports import random_report
from synth.rosters import random_roster, write_xlsx
from synth.people import random_name
from synth.units import random_unit

SEED = 20240602


def today_in_taian() -> date:
    return local_day(datetime.now(timezone.utc))


def build(out_dir: str | Path, as_of: date | None = None) -> list[DocTruth]:
    out = Path(out_dir)
    as_of = as_of or today_in_taian()
    rng = random.Random(SEED)
    docs: list[DocTruth] = []

    def card_doc(county: str, name: str, capture: str, anomalies: tuple[str, ...] = ()):
        card = random_certificate(rng, anomalies=anomalies, as_of=as_of)
        data, ext = render_certificate_doc([card], capture, rng)
        doc = _write(out, f"{county}/{name}{ext}", data, "certificate", capture, county,
                     (_card_record(card, "card1"),))
        docs.append(doc)
        return card, data, ext

    def report_doc(county: str, code: str, kind: str, capture: str, **kw):
        unit = random_unit(rng, kind, code)
        report = _in_county(random_report(rng, unit=unit, **kw), county)
        data, ext, capture = render_report_doc(report, capture, rng)
        docs.append(_write(out, f"{county}/自查报告/{unit.name}自查整改报告{ext}", data, "self_check_report",
                           capture, county, ({"record": "report", **report.to_dict()},)))

    # 泰山区: clean and flagged cards, a signed report, the enterprise roster.
    valid, _, _ = card_doc("泰山区", "证件/张师傅操作证", "flatbed")
    expired, dup_bytes, dup_ext = card_doc("泰山区", "证件/焊工证", "phone", ("expired",))
    report_doc("泰山区", "370902", "enterprise", "image_pdf", n_problems=3, signed=True, sealed=True)
    roster = random_roster(rng, employer=random_unit(rng, "enterprise", "370902"),
                           certificates=[valid, expired] + [random_certificate(rng, as_of=as_of, anomalies=())
                                                            for _ in range(4)],
                           mismatch_rate=0.0, uncertified_rate=0.0)
    # One deliberate 人证不一致: the roster lists someone else under the expired card's ID.
    rows = list(roster.rows)
    rows[1] = type(rows[1])(random_name(rng, "男"), rows[1].id_number, rows[1].cert_no, rows[1].job, "name_mismatch")
    roster = type(roster)(roster.employer, "泰山区", tuple(rows))
    docs.append(_write(out, f"泰山区/花名册/{roster.employer}特种作业人员花名册.xlsx", write_xlsx(roster),
                       "roster", "xlsx", "泰山区", ({"record": "roster", **roster.to_dict()},)))

    # 岱岳区: an out-of-province card, a national query printout, an unsigned report, a duplicate.
    card_doc("岱岳区", "外包人员/河南籍电工", "photocopy", ("out_of_province",))
    card_doc("岱岳区", "核查/全国查询结果", "text_pdf",
             ("review_overdue",) if review_can_be_overdue(as_of) else ("expired",))
    report_doc("岱岳区", "370911", "training_institution", "image_pdf", n_problems=4, signed=False, sealed=True)
    docs.append(_write(out, f"岱岳区/重复提交/焊工证(1){dup_ext}", dup_bytes, "certificate", "phone", "岱岳区",
                       docs[1].records))

    # 新泰市: an out-of-city card, a construction card, and a file that is not an image.
    card_doc("新泰市", "证件/济南证", "clean", ("out_of_city",))
    card_doc("新泰市", "证件/建筑电工证", "flatbed", ("other_certificate_kind",))
    docs.append(_write(out, "新泰市/证件/扫描失败.png", text_named_png(), "bad", "text_named_png", "新泰市", ()))

    # 高新区: a card with a wrong check digit, an exam site's report as TIFF.
    card_doc("高新区", "证件/考评员证", "image_pdf", ("id_checksum_invalid",))
    report_doc("高新区", "370911", "exam_site", "tiff", n_problems=2, signed=True, sealed=True)
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synth.demo", description="Write the demo intake.")
    parser.add_argument("dir", help="intake folder to create (county folders go inside)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="date the cards are judged on (default: today, Asia/Shanghai)")
    args = parser.parse_args(argv)
    out = Path(args.dir)
    docs = build(out, args.as_of)
    write_truth(docs, out.with_name(out.name + ".truth.jsonl"))
    print(f"{len(docs)} demo files written under {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
