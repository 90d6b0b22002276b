"""Reading projections: certificate and entity records, the review queue, the summary table.

Stored tables hold facts; this module joins them and evaluates everything that depends on
another record or on the date, for one as-of date:

- corrections: the latest `FieldCorrected` (by log position) of a (doc_id, record, field)
  replaces the OCR value, with confidence 1.0;
- a certificate is one normalised certificate number (`normalise_cert_no`: uppercase, one
  leading T stripped); when several scans carry it, the latest recognised one is the record
  and any other scan with another name or ID number raises `conflicting_holder`;
- a `FieldNeedsReview` is pending until a later correction of that field (a correction with
  the same value confirms it); a pending field on any scan, or on its document itself
  (record `document`: its county, its kind), keeps the certificate at `needs_review`;
- a document dropped in two counties' folders (a pending `county_conflict` on its county)
  counts for no county (`UNKNOWN_COUNTY`) until a clerk corrects it;
- entities are matched by `entity_id(kind, normalise_name(name), county)`: a self-check
  report's unit and a roster's employer (kind enterprise) with the same normalised name in
  the same county are one entity. The county is the document's intake folder
  (`DocumentReceived.county`), falling back to the county printed on the report/roster.
  Entity status, first that applies: `self_check_missing` (no report), `needs_review` (a
  field of the latest report waits for a clerk: an unsure reading is not yet a fact),
  `unsigned` (latest report not signed by the principal), `open_problems` (a listed problem
  not rectified), else `ok`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timezone
from typing import Any

import orjson
import sqlalchemy as sa

from domain.dates import local_day
from projections import rules
from projections.engine import live_tables as LIVE
from projections.engine import without_gc
from projections.engine import ensure_tables, read_transaction

CERT_EXPORT_FIELDS = (
    "cert_no", "name", "sex", "id_number", "category", "item", "first_issued", "valid_from", "valid_until",
    "review_due", "reviews", "issuer",
)
UNKNOWN_COUNTY = "未注明"
COUNTY_CONFLICT = "county_conflict"  # the review reason of a document dropped in two counties
DOCUMENT_RECORD = "document"  # corrections of the document itself (its county)
ROSTER_RECORD = "roster"
ROSTER_ROW_FIELDS = ("name", "id_number", "cert_no", "job")


def as_of_date(as_of: datetime | date | None) -> date:
    if as_of is None:
        return local_day(datetime.now(timezone.utc))
    if isinstance(as_of, datetime):
        return local_day(as_of)
    return as_of


def _loads(text: str | None) -> Any:
    # orjson shares the repeated keys ("value", "confidence", ...) between rows: half the memory.
    return orjson.loads(text) if text is not None else None


@dataclass
class Facts:
    """Everything the projections store, loaded in one snapshot."""

    documents: dict[str, dict]
    cert_rows: list[dict]
    reports: list[dict]
    roster_rows: list[dict]
    review_items: list[dict]
    corrections: dict[tuple, list[dict]] = field(default_factory=dict)
    corrected_names: dict[tuple, set[str]] = field(default_factory=dict)

    def correction(self, doc_id: str, record: str, name: str) -> dict | None:
        found = self.corrections.get((doc_id, record, name))
        return found[-1] if found else None

    def pending_reviews(self) -> list[dict]:
        out = []
        for item in self.review_items:
            c = self.correction(item["doc_id"], item["record"], item["field"])
            if c is None or c["position"] < item["position"]:
                out.append(item)
        return out

    def documents_in_review(self) -> frozenset[str]:
        return frozenset(item["doc_id"] for item in self.pending_reviews())

    @cached_property
    def counties_in_question(self) -> frozenset[str]:
        """Documents dropped in several counties' folders, waiting for a clerk to say whose."""
        return frozenset(item["doc_id"] for item in self.pending_reviews()
                         if item["record"] == DOCUMENT_RECORD and item["field"] == "county"
                         and item["reason"] == COUNTY_CONFLICT)

    def county_of(self, doc_id: str, fallback: str | None = None, corrected: str | None = None) -> str:
        """A clerk's correction of the document's county, else of the record's (`corrected`),
        else the intake folder, else what the record printed (`fallback`)."""
        c = self.correction(doc_id, DOCUMENT_RECORD, "county")
        if doc_id in self.counties_in_question:
            return UNKNOWN_COUNTY  # path order must not decide: no county's figures until a clerk does
        if c is not None and c["new"]:
            return c["new"]
        if corrected:
            return corrected
        doc = self.documents.get(doc_id)
        return (doc and doc["county"]) or fallback or UNKNOWN_COUNTY


@without_gc
def load(engine: sa.engine.Engine, boxes: bool = False) -> Facts:
    """Every stored fact in one snapshot; field boxes only when asked (explain): they are
    most of the objects and nothing else reads them."""
    ensure_tables(engine)
    with read_transaction(engine) as conn:
        def rows(table: str, order: tuple[str, ...]):
            t = LIVE_BY_NAME[table]
            return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(*(t.c[o] for o in order)))]

        documents = {d["doc_id"]: d for d in rows("proj_documents", ("doc_id",))}
        certs = rows("proj_cert_records", ("position", "doc_id", "record"))
        reports = rows("proj_self_checks", ("position", "doc_id", "record"))
        roster = rows("proj_roster_rows", ("position", "doc_id", "row"))
        items = rows("proj_review_items", ("doc_id", "record", "field"))
        corrections = rows("proj_corrections", ("position",))
    for c in certs:
        c["fields"] = _loads(c["fields"])
        if not boxes:
            for f in c["fields"].values():
                if isinstance(f, dict):
                    f.pop("box", None)
    for r in reports:
        r["fields"], r["problems"] = _loads(r["fields"]), _loads(r["problems"])
    for i in items:
        i["value"], i["box"] = _loads(i["value"]), _loads(i["box"])
    by_field: dict[tuple, list[dict]] = defaultdict(list)
    for c in corrections:
        c["old"], c["new"] = _loads(c["old"]), _loads(c["new"])
        by_field[(c["doc_id"], c["record"], c["field"])].append(c)
    names: dict[tuple, set[str]] = defaultdict(set)
    for doc_id, record, name in by_field:
        names[(doc_id, record)].add(name)
    facts = Facts(documents, certs, reports, roster, items, dict(by_field), dict(names))
    _correct_roster_rows(facts)
    return facts


def _correct_roster_rows(facts: Facts) -> None:
    """Apply the latest correction of `employer`, `county` and `rows.N.FIELD` of a roster
    to its rows (the value as read is kept as `source_FIELD`, for the review's `old`)."""
    for r in facts.roster_rows:
        corrected = facts.corrected_names.get((r["doc_id"], ROSTER_RECORD))
        if not corrected:
            continue
        for name in ("employer", "county", *ROSTER_ROW_FIELDS):
            key = name if name in ("employer", "county") else f"rows.{r['row']}.{name}"
            if key in corrected:
                new = facts.correction(r["doc_id"], ROSTER_RECORD, key)["new"]
                r["source_" + name] = r[name]
                r[name] = str(new).upper() if name == "id_number" and new else new


LIVE_BY_NAME = {name: table for tables in LIVE.values() for name, table in tables.items()}


def corrected_fields(facts: Facts, doc_id: str, record: str, fields: dict) -> dict[str, dict]:
    """The record's fields with the latest correction of each applied."""
    corrected = facts.corrected_names.get((doc_id, record))
    if not corrected:
        return fields
    out = dict(fields)
    for name in corrected:
        f = fields.get(name)
        f = dict(f) if isinstance(f, dict) else {"value": f, "confidence": None, "page": None, "box": None}
        c = facts.correction(doc_id, record, name)
        f.update(value=c["new"], confidence=1.0, corrected=c)
        out[name] = f
    return out


# -- certificates --------------------------------------------------------------------------

@dataclass
class CertFacts:
    """One certificate number: its chosen scan, the other scans, and the stored facts behind it."""

    key: str
    record: dict  # the chosen proj_cert_records row
    fields: dict[str, dict]
    scans: list[tuple[dict, dict[str, dict]]]  # every (row, corrected fields) with this number
    county: str
    roster_rows: list[dict]
    needs_review: list[dict]

    def value(self, name: str) -> Any:
        return (self.fields.get(name) or {}).get("value")


def _norm_id(value: Any) -> str | None:
    return str(value).strip().upper() if value else None


@without_gc
def certificate_facts(facts: Facts) -> list[CertFacts]:
    groups: dict[str, list] = defaultdict(list)
    for row in facts.cert_rows:
        fields = corrected_fields(facts, row["doc_id"], row["record"], row["fields"])
        number = (fields.get("cert_no") or {}).get("value")
        key = rules.normalise_cert_no(number) if number else None
        groups[key or f"?{row['doc_id'][:12]}:{row['record']}"].append((row, fields))
    roster_by_id: dict[str, list[dict]] = defaultdict(list)
    for r in facts.roster_rows:
        if r["id_number"]:
            roster_by_id[r["id_number"]].append(r)
    pending: dict[tuple, list[dict]] = defaultdict(list)
    about_document: dict[str, list[dict]] = defaultdict(list)  # the document itself: every record of it waits
    for item in facts.pending_reviews():
        pending[(item["doc_id"], item["record"])].append(item)
        if item["record"] == DOCUMENT_RECORD:
            about_document[item["doc_id"]].append(item)
    out = []
    for key in sorted(groups):
        scans = groups[key]
        row, fields = scans[-1]  # rows are loaded in log order: the latest scan wins
        id_number = _norm_id((fields.get("id_number") or {}).get("value"))
        out.append(CertFacts(
            key=key, record=row, fields=fields, scans=scans,
            county=facts.county_of(row["doc_id"]),
            roster_rows=roster_by_id.get(id_number, []) if id_number else [],
            needs_review=[i for r, _ in scans
                          for i in pending.get((r["doc_id"], r["record"]), []) + about_document.get(r["doc_id"], [])],
        ))
    return out


def _holder(fields: dict) -> tuple:
    return (rules.normalise_name((fields.get("name") or {}).get("value")),
            _norm_id((fields.get("id_number") or {}).get("value")))


def conflicting_scans(cf: CertFacts) -> list[tuple[dict, dict]]:
    name, id_number = _holder(cf.fields)
    out = []
    for row, fields in cf.scans:
        other_name, other_id = _holder(fields)
        if (name and other_name and other_name != name) or (id_number and other_id and other_id != id_number):
            out.append((row, fields))
    return out


def mismatched_roster_rows(cf: CertFacts) -> list[dict]:
    name = rules.normalise_name(cf.value("name"))
    return [r for r in cf.roster_rows if name and r["name"] and rules.normalise_name(r["name"]) != name]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def certificate_record(cf: CertFacts, day: date) -> dict:
    values = {name: cf.value(name) for name in CERT_EXPORT_FIELDS}
    if values["id_number"]:
        values["id_number"] = _norm_id(values["id_number"])
    values["reviews"] = list(values["reviews"] or [])
    facts_for_rules = dict(values, certificate_kind=cf.record["certificate_kind"])
    values["review_due"] = _iso(rules.review_due(facts_for_rules))
    flags = list(rules.intrinsic_flags(facts_for_rules, day))
    if conflicting_scans(cf):
        flags.append("conflicting_holder")
    if mismatched_roster_rows(cf):
        flags.append("name_mismatch")
    flags = sorted(set(flags))
    confidences = [f.get("confidence") for f in cf.fields.values() if f.get("confidence") is not None]
    employer_rows = sorted(cf.roster_rows, key=lambda r: r["position"])
    cert_field = cf.fields.get("cert_no") or {}
    return {
        **{k: values[k] for k in CERT_EXPORT_FIELDS},
        "county": cf.county,
        "employer": employer_rows[-1]["employer"] if employer_rows else None,
        "source": {"doc_id": cf.record["doc_id"], "page": cert_field.get("page")},
        "confidence": round(min(confidences), 4) if confidences else None,
        "flags": flags,
        "status": rules.status(flags, bool(cf.needs_review)),
    }


@without_gc
def certificates(facts: Facts, day: date) -> list[dict]:
    return [certificate_record(cf, day) for cf in certificate_facts(facts)]


# -- entities ----------------------------------------------------------------------------

@dataclass
class EntityFacts:
    entity_id: str
    kind: str
    name: str
    county: str
    reports: list[tuple[dict, dict]] = field(default_factory=list)  # (row, corrected fields), log order
    roster_rows: list[dict] = field(default_factory=list)


@without_gc
def entity_facts(facts: Facts) -> dict[str, EntityFacts]:
    out: dict[str, EntityFacts] = {}

    def entity(kind: str, name: str, county: str) -> EntityFacts:
        eid = rules.entity_id(kind, name, county)
        if eid not in out:
            out[eid] = EntityFacts(eid, kind, name, county)
        return out[eid]

    for row in facts.reports:
        fields = corrected_fields(facts, row["doc_id"], row["record"], row["fields"])
        name = (fields.get("unit_name") or {}).get("value")
        if not name:
            continue
        kind = (fields.get("unit_kind") or {}).get("value") or "enterprise"
        printed = fields.get("county") or {}
        county = facts.county_of(row["doc_id"], printed.get("value"), printed.get("value") if printed.get("corrected") else None)
        e = entity(kind, name, county)
        e.name = name  # the latest report's spelling is the entity's name
        e.reports.append((row, fields))
    for r in facts.roster_rows:
        if r["employer"]:
            corrected = r["county"] if "source_county" in r else None
            entity("enterprise", r["employer"], facts.county_of(r["doc_id"], r["county"], corrected)).roster_rows.append(r)
    return out


def _problem(p: dict) -> dict:
    return {k: p.get(k) for k in ("seq", "description", "measure", "deadline", "owner")} | {"rectified": bool(p.get("rectified"))}


def corrected_problems(problems: list[dict], fields: dict) -> list[dict]:
    """The report's problem list with corrections of `problems.N` (N: the problem's seq, or
    its 1-based place) applied; a correction's value is the whole problem or some of its keys."""
    out = [_problem(p) for p in problems]
    for name, f in fields.items():
        if not (name.startswith("problems.") and f.get("corrected") and isinstance(f.get("value"), dict)):
            continue
        number = name.split(".", 1)[1]
        for i, p in enumerate(out):
            if str(p["seq"]) == number or (not any(str(q["seq"]) == number for q in out) and str(i + 1) == number):
                out[i] = _problem({**p, **f["value"]})
                break
    return out


def entity_record(e: EntityFacts, certs_by_id: dict[str, list[dict]], day: date, detail: bool = False,
                  docs_in_review: frozenset[str] = frozenset()) -> dict:
    self_check = None
    problems: list[dict] = []
    if e.reports:
        row, fields = e.reports[-1]
        problems = corrected_problems(row["problems"], fields)

        def value(name):
            return (fields.get(name) or {}).get("value")

        self_check = {
            "doc_id": row["doc_id"], "report_date": value("report_date"),
            "signed": bool(value("signed")), "sealed": bool(value("sealed")),
            "problems_total": len(problems),
            "problems_rectified": sum(1 for p in problems if p["rectified"]),
            "problems_overdue": sum(1 for p in problems if not p["rectified"] and p["deadline"] and str(p["deadline"]) < day.isoformat()),
        }
    ids = sorted({r["id_number"] for r in e.roster_rows if r["id_number"]})
    on_file = [c for i in ids for c in certs_by_id.get(i, [])]
    if self_check is None:
        status = "self_check_missing"
    elif self_check["doc_id"] in docs_in_review:
        status = "needs_review"
    elif not self_check["signed"]:
        status = "unsigned"
    elif self_check["problems_total"] > self_check["problems_rectified"]:
        status = "open_problems"
    else:
        status = "ok"
    record = {
        "entity_id": e.entity_id, "name": e.name, "kind": e.kind, "county": e.county, "self_check": self_check,
        "certificates_on_file": len(on_file), "certificates_flagged": sum(1 for c in on_file if c["flags"]), "status": status,
    }
    if detail:
        record["problems"] = problems
        seen = set()
        without = []
        for r in sorted(e.roster_rows, key=lambda r: (r["doc_id"], r["row"])):
            if r["id_number"] in seen or (r["id_number"] and r["id_number"] in certs_by_id):
                continue
            seen.add(r["id_number"])
            without.append({"name": r["name"], "id_number": r["id_number"], "job": r["job"], "source": {"doc_id": r["doc_id"], "row": r["row"]}})
        record["workers_without_certificate"] = without
    return record


def certificates_by_holder(certs: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for c in certs:
        if c["id_number"]:
            out[c["id_number"]].append(c)
    return out


@without_gc
def entities(facts: Facts, day: date, detail: bool = False, certs: list[dict] | None = None) -> list[dict]:
    by_id = certificates_by_holder(certs if certs is not None else certificates(facts, day))
    found = entity_facts(facts)
    in_review = facts.documents_in_review()
    return [entity_record(found[k], by_id, day, detail, in_review) for k in sorted(found)]


# -- review queue --------------------------------------------------------------------------

@without_gc
def review_queue(facts: Facts) -> list[dict]:
    out = []
    for item in facts.pending_reviews():
        doc = facts.documents.get(item["doc_id"]) or {}
        out.append({
            "doc_id": item["doc_id"], "record": item["record"], "field": item["field"], "value": item["value"],
            "confidence": item["confidence"], "page": item["page"], "box": item["box"], "reason": item["reason"],
            "filename": doc.get("filename"), "county": facts.county_of(item["doc_id"]),
        })
    return sorted(out, key=lambda i: (i["doc_id"], i["record"], i["field"]))


# -- summary table ---------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    ("county", "县市区"), ("training_institutions", "培训机构(家)"), ("exam_sites", "考试点(个)"),
    ("enterprises", "生产经营单位(家)"), ("self_checks_received", "收到自查报告(份)"),
    ("self_checks_signed", "主要负责人签字(份)"), ("problems_found", "发现问题(项)"),
    ("problems_rectified", "已整改(项)"), ("rectification_rate", "整改率"),
    ("certificates_checked", "核查证件(本)"), ("certificates_invalid", "无效证件(本)"),
    ("out_of_province", "持外省证件(人)"), ("out_of_city", "持外地证件(人)"), ("expired", "证件过期(本)"),
    ("review_overdue", "逾期未复审(本)"), ("needs_review", "待人工核对(本)"),
)
TOTAL = "合计"
# Short headers for a terminal, where sixteen columns must fit.
SHORT_LABELS = {
    "county": "县市区", "training_institutions": "培训机构", "exam_sites": "考试点", "enterprises": "企业",
    "self_checks_received": "自查报告", "self_checks_signed": "已签字", "problems_found": "问题",
    "problems_rectified": "已整改", "rectification_rate": "整改率", "certificates_checked": "核查证件",
    "certificates_invalid": "无效", "out_of_province": "外省证", "out_of_city": "外地证", "expired": "过期",
    "review_overdue": "逾期复审", "needs_review": "待核对",
}


@without_gc
def summary(facts: Facts, day: date) -> list[dict]:
    certs = certificates(facts, day)
    ents = entities(facts, day, certs=certs)
    rows: dict[str, dict] = {}

    def row(county: str) -> dict:
        if county not in rows:
            rows[county] = {k: 0 for k, _ in SUMMARY_COLUMNS} | {"county": county}
        return rows[county]

    for county in rules.county_order([]):
        row(county)
    for e in ents:
        r = row(e["county"])
        r[{"training_institution": "training_institutions", "exam_site": "exam_sites"}.get(e["kind"], "enterprises")] += 1
        if e["self_check"]:
            r["self_checks_received"] += 1
            r["self_checks_signed"] += e["self_check"]["signed"]
            r["problems_found"] += e["self_check"]["problems_total"]
            r["problems_rectified"] += e["self_check"]["problems_rectified"]
    for c in certs:
        r = row(c["county"])
        r["certificates_checked"] += 1
        r["certificates_invalid"] += c["status"] == "invalid"
        r["needs_review"] += c["status"] == "needs_review"
        for flag in ("out_of_province", "out_of_city", "expired", "review_overdue"):
            r[flag] += flag in c["flags"]
    ordered = [rows[c] for c in rules.county_order(rows)]
    total = {k: sum(r[k] for r in ordered) for k, _ in SUMMARY_COLUMNS if k not in ("county", "rectification_rate")}
    ordered.append({"county": TOTAL, **total})
    for r in ordered:
        r["rectification_rate"] = round(r["problems_rectified"] / r["problems_found"], 4) if r["problems_found"] else None
    return [{k: r[k] for k, _ in SUMMARY_COLUMNS} for r in ordered]


# -- campaign deadlines ----------------------------------------------------------------------

MILESTONES = (
    ("self_check", "06-30", "自查自改完成"),
    ("progress_report_1", "06-20", "第一次进展报告及汇总表"),
    ("inspection_round", "08-31", "培训机构和重点企业全覆盖检查"),
    ("progress_report_2", "09-02", "第二次进展报告及汇总表"),
    ("enforcement", "10-31", "执法检查完成"),
    ("final_report", "11-01", "总结报告"),
)


@without_gc
def deadlines(facts: Facts, day: date, year: int = 2024) -> list[dict]:
    """Per county and milestone: the due date and its state on `day`; for the self-check,
    how many entities filed in time (done), after it (late), or not yet (open)."""
    ents = entity_facts(facts)
    counties = rules.county_order({e.county for e in ents.values()})
    out = []
    for county in counties:
        mine = [e for e in ents.values() if e.county == county]
        for code, month_day, label in sorted(MILESTONES, key=lambda m: m[1]):
            due = date.fromisoformat(f"{year}-{month_day}")
            item = {"county": county, "milestone": code, "label": label, "due": due.isoformat(),
                    "state": "passed" if day > due else "upcoming", "days_left": (due - day).days}
            if code == "self_check":
                filed = [(e.reports[0][1].get("report_date") or {}).get("value") or "" for e in mine if e.reports]
                done = sum(1 for d in filed if d and d <= due.isoformat())
                item.update(entities=len(mine), done=done, late=len(filed) - done + (len(mine) - len(filed) if day > due else 0),
                            open=0 if day > due else len(mine) - len(filed))
            out.append(item)
    return out
