"""The one adapter between the web and the projections: clocks, records, masking, corrections.

Everything the pages and the API read goes through `Reads`; when the projections grow
their own functions for the two clocks, validated corrections or masking, only this
module changes.

Caching: the facts and the records derived from them are kept for the projection
checkpoints they were read at (and the as-of day). Any new event moves a checkpoint, so a
kept answer is never stale: each read first catches the projections up and compares the
checkpoints (one small query) before reusing anything.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from domain import vocabulary as v
from events.verify import verify_chain
from ingest.reasons import reason as reason_for
from projections import ProjectionError, catch_up, checkpoints, rules, source, views
from projections import export as out
from projections.corrections import build_correction
from projections.engine import live_tables as LIVE
from projections.provenance import NotFound, explain as explain_record
from zhili.timeparse import parse_as_of

__all__ = ["Reads", "NotFound", "ProjectionError", "BadClock", "mask", "parse_day", "parse_instant",
           "FLAG_CODES", "STATUSES"]

FLAG_CODES = ("expired", "not_yet_valid", "review_overdue", "id_checksum_invalid", "cert_no_mismatch",
              "unknown_item", "conflicting_holder", "underage_at_issue", "date_inconsistent",
              "other_certificate_kind", "sex_mismatch", "out_of_province", "out_of_city", "name_mismatch")
STATUSES = ("valid", "invalid", "attention", "needs_review")
EVENT_TYPES = tuple(sorted({value for name, value in vars(v).items() if name.isupper() and isinstance(value, str)
                            and value[:1].isupper() and not name.endswith("_STREAM")} | {"PayloadsErased"}))
ENTITY_STATUSES = ("self_check_missing", "needs_review", "unsigned", "open_problems", "ok")


class BadClock(ValueError):
    """An `as_of` or `known_at` that is neither a date nor an ISO instant."""


def parse_instant(text: str | None) -> datetime | None:
    if text is None or text == "":
        return None
    try:
        return parse_as_of(text)
    except ValueError as exc:
        raise BadClock(str(exc)) from None


def parse_day(text: str | None) -> date:
    """The day flags are judged on (`as_of`): a date, or the Beijing day of an instant."""
    return views.as_of_date(parse_instant(text))


def mask(record: dict) -> dict:
    """Personal data masked for downstream systems (张*, 370902********1234)."""
    return out.mask_record(record)


def mask_name(name: Any) -> Any:
    return rules.mask_name(name)


def mask_id(value: Any) -> Any:
    return rules.mask_id(value)


def page_key(cert: dict) -> str:
    """A certificate's place in number order (the keyset of `after`)."""
    if cert["cert_no"]:
        return rules.normalise_cert_no(cert["cert_no"])
    return "?" + cert["source"]["doc_id"]


class _Keys:
    """The page keys of a sorted list, for bisect, without building them all."""

    def __init__(self, items: list[dict]):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> str:
        return page_key(self.items[i])


@dataclass
class Snapshot:
    """The facts at one set of checkpoints and the records derived from them, per as-of day."""

    key: tuple
    facts: views.Facts
    by_day: "OrderedDict[date, dict]"
    texts: dict | None = None


class Reads:
    """Reads for one store; thread-safe (the server's worker threads share one)."""

    def __init__(self, store, docs=None):
        self.store = store
        self.docs = docs
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    # -- facts, at the live checkpoints or as the log knew them at an instant -------------
    def _live(self) -> Snapshot:
        with self._lock:
            catch_up(self.store)
            key = tuple(sorted(checkpoints(self.store.engine).items()))
            if self._snapshot is not None and self._snapshot.key == key:
                return self._snapshot
            facts = views.load(self.store.engine)
            after = tuple(sorted(checkpoints(self.store.engine).items()))
            snapshot = Snapshot(key, facts, OrderedDict())
            if after == key:  # nobody caught up meanwhile: the facts are those of `key`
                self._snapshot = snapshot
            return snapshot

    def _derived(self, snap: Snapshot, day: date) -> dict:
        with self._lock:
            found = snap.by_day.get(day)
            if found is not None:
                snap.by_day.move_to_end(day)
                return found
        certs = views.certificates(snap.facts, day)
        derived = {"certificates": certs, "by_key": {rules.normalise_cert_no(c["cert_no"]) if c["cert_no"] else None: c
                                                      for c in certs}}
        with self._lock:
            snap.by_day[day] = derived
            while len(snap.by_day) > 4:
                snap.by_day.popitem(last=False)
        return derived

    def _facts_at(self, known_at: datetime | None):
        """(facts, snapshot-or-None): live facts are shared, facts known at an instant are built apart."""
        if known_at is None:
            snap = self._live()
            return snap.facts, snap
        with source(self.store, known_at) as src:
            return views.load(src.engine), None

    # -- records -------------------------------------------------------------------------
    def certificates(self, day: date, known_at: datetime | None = None) -> list[dict]:
        facts, snap = self._facts_at(known_at)
        if snap is None:
            return views.certificates(facts, day)
        return self._derived(snap, day)["certificates"]

    def find_certificates(self, day: date, known_at: datetime | None, county: str | None, flag: str | None,
                          status: str | None, q: str | None, after: str | None, limit: int) -> dict:
        """A page of certificates in number order, filtered; `q` searches name, ID number,
        certificate number, employer and the text read from the page."""
        facts, snap = self._facts_at(known_at)
        if snap is None:
            certs = views.certificates(facts, day)
            derived = {}
        else:
            derived = self._derived(snap, day)
            certs = derived["certificates"]
        wanted = (county, flag, status)
        found = derived.get(("filtered", wanted)) if snap else None
        if found is None:
            found = sorted((c for c in certs if (county is None or c["county"] == county)
                            and (flag is None or flag in c["flags"]) and (status is None or c["status"] == status)),
                           key=page_key)
            if snap:
                with self._lock:
                    derived[("filtered", wanted)] = found
        if q:
            needle = q.strip().upper()
            texts = self._page_texts(snap)
            found = [c for c in found if any(needle in str(c.get(k) or "").upper()
                                             for k in ("name", "id_number", "cert_no", "employer"))
                     or needle in texts.get(c["source"]["doc_id"], "")]
        if after is not None:
            import bisect

            keys = [page_key(c) for c in found] if q else None
            start = bisect.bisect_right(keys, after) if keys is not None else bisect.bisect_right(
                _Keys(found), after)
            found = found[start:]
        page = found[:limit]
        return {"items": page, "next": page_key(page[-1]) if len(found) > limit else None}

    def _page_texts(self, snap: Snapshot | None) -> dict[str, str]:
        """doc_id -> the text read from its pages (upper-cased), kept with the snapshot."""
        if snap is not None and getattr(snap, "texts", None) is not None:
            return snap.texts
        texts: dict[str, str] = {}
        for e in self.store.read_all(types=[v.PAGE_READ]):
            d = e.data
            texts[d.get("doc_id")] = texts.get(d.get("doc_id"), "") + "\n" + (d.get("text") or "").upper()
        if snap is not None:
            snap.texts = texts
        return texts

    def certificate(self, cert_no: str, day: date, known_at: datetime | None = None) -> dict:
        facts, snap = self._facts_at(known_at)
        key = rules.normalise_cert_no(cert_no)
        if snap is not None:
            found = self._derived(snap, day)["by_key"].get(key)
            if found is None:
                raise NotFound(f"no certificate {cert_no!r}")
            return found
        for c in views.certificates(facts, day):
            if c["cert_no"] and rules.normalise_cert_no(c["cert_no"]) == key:
                return c
        raise NotFound(f"no certificate {cert_no!r}")

    def entities(self, day: date, known_at: datetime | None = None, detail: bool = False) -> list[dict]:
        facts, snap = self._facts_at(known_at)
        certs = self._derived(snap, day)["certificates"] if snap else views.certificates(facts, day)
        return views.entities(facts, day, detail=detail, certs=certs)

    def entity(self, entity_id: str, day: date, known_at: datetime | None = None) -> dict:
        for e in self.entities(day, known_at, detail=True):
            if e["entity_id"] == entity_id:
                return e
        raise NotFound(f"no entity {entity_id!r}")

    def review(self, known_at: datetime | None = None) -> list[dict]:
        facts, _ = self._facts_at(known_at)
        return views.review_queue(facts)

    def summary(self, day: date, known_at: datetime | None = None) -> list[dict]:
        facts, snap = self._facts_at(known_at)
        if snap is None:
            return views.summary(facts, day)
        derived = self._derived(snap, day)
        if "summary" not in derived:
            derived["summary"] = views.summary(facts, day)
        return derived["summary"]

    def deadlines(self, day: date, known_at: datetime | None = None, year: int = 2024) -> list[dict]:
        facts, _ = self._facts_at(known_at)
        return views.deadlines(facts, day, year)

    def explain(self, key: str, day: date, known_at: datetime | None = None) -> dict:
        """`zhili explain`; live, from the shared facts with the boxes of the scans read apart."""
        facts, snap = self._facts_at(known_at)
        result = explain_record(facts, key, day)
        boxes = {}
        for scan in result.get("scans", ()):
            for b in self.field_boxes(scan["doc_id"]):
                boxes[(scan["doc_id"], b["record"], b["field"])] = b["box"]
        for name, f in (result.get("fields") or {}).items():
            for e in f.get("events", ()):
                if e.get("type") == v.CERTIFICATE_RECOGNISED and e.get("box") is None:
                    e["box"] = boxes.get((e.get("doc_id"), e.get("record"), name))
        return result

    def counties(self) -> list[str]:
        facts, _ = self._facts_at(None)
        return rules.county_order({d["county"] for d in facts.documents.values() if d["county"]})

    # -- documents -------------------------------------------------------------------------
    def document(self, doc_id: str) -> dict:
        """The document's projection row and its events, in stream order."""
        facts, _ = self._facts_at(None)
        doc = facts.documents.get(doc_id)
        if doc is None:
            raise NotFound(f"no document {doc_id!r}")
        events = [e.to_json() for e in self.store.read_stream(v.document_stream(doc_id))]
        record = {k: doc[k] for k in ("doc_id", "filename", "relative_path", "county", "media_type", "kind",
                                      "state", "reason_code", "pages", "duplicates", "recorded_at")}
        if doc["reason_code"]:
            record["reason_zh"] = next((e["data"].get("reason_zh") for e in events if e["type"] == v.DOCUMENT_REJECTED),
                                       None) or reason_for(doc["reason_code"]).zh
        record["events"] = events
        return record

    def pages(self, doc_id: str) -> dict[int, dict]:
        """page number -> {width, height, rotation, lines}: the space the field boxes are drawn in.

        Today's boxes are in the reader's upright, deskewed working image (PageRead's width
        and height); when boxes come mapped to the original's pixels this is the one place
        to say so.
        """
        out = {}
        for e in self.store.read_stream(v.document_stream(doc_id)):
            if e.type == v.PAGE_READ:
                d = e.data
                out[d["page"]] = {"width": d.get("width"), "height": d.get("height"),
                                  "rotation": d.get("rotation"), "text": d.get("text") or ""}
        return out

    def original(self, doc_id: str) -> tuple[bytes, str, str]:
        doc = self.document_row(doc_id)
        if self.docs is None or not self.docs.has(doc_id):
            raise NotFound(f"the original of {doc_id[:12]} is not in this server's document store")
        return self.docs.get(doc_id), doc["media_type"] or "application/octet-stream", doc["filename"]

    def document_row(self, doc_id: str) -> dict:
        facts, _ = self._facts_at(None)
        doc = facts.documents.get(doc_id)
        if doc is None:
            raise NotFound(f"no document {doc_id!r}")
        return doc

    def documents(self) -> list[dict]:
        facts, _ = self._facts_at(None)
        return list(facts.documents.values())

    def field_boxes(self, doc_id: str) -> list[dict]:
        """Every recognised field of a document with its box (for drawing on the page)."""
        table = LIVE["certificates"]["proj_cert_records"]
        import orjson

        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.record, table.c.fields).where(table.c.doc_id == doc_id)).all()
        out = []
        for record, fields in rows:
            for name, f in orjson.loads(fields).items():
                if isinstance(f, dict) and f.get("box"):
                    out.append({"record": record, "field": name, "value": f.get("value"), "page": f.get("page"),
                                "box": f["box"], "confidence": f.get("confidence")})
        return out

    def refused_files(self) -> list[dict]:
        """Files that could not even be taken (too large, unreadable ...), newest first."""
        events = self.store.read_stream(v.REFUSED_FILES_STREAM)
        return [dict(e.data, recorded_at=e.to_json()["recorded_at"]) for e in reversed(events)]

    # -- the log -----------------------------------------------------------------------------
    def events(self, after: int = 0, limit: int = 100, stream_id: str | None = None, types=None,
               known_at: datetime | None = None) -> list[dict]:
        out = []
        for e in self.store.read_all(since=after, types=types or None, as_of=known_at, stream_id=stream_id,
                                     batch_size=min(max(limit, 1), 2000)):
            out.append(e.to_json())
            if len(out) >= limit:
                break
        return out

    def verify(self) -> dict:
        report = verify_chain(self.store)
        return {"ok": report.ok, "count": report.count, "head": report.head, "bad_position": report.bad_position,
                "reason": report.reason}

    # -- the one write a reader makes: a correction ----------------------------------------------
    def correct(self, doc_id: str, field: str, value: str, reason: str | None, actor: str) -> dict:
        """Validate as `zhili review correct` does, append `FieldCorrected`, catch up."""
        facts, _ = self._facts_at(None)
        if doc_id not in facts.documents:
            raise NotFound(f"no document {doc_id!r}")
        correction = build_correction(facts, doc_id, field, value, actor, reason)
        [position] = self.store.append(correction.stream_id, [correction.event])
        catch_up(self.store)
        return {"position": position, "doc_id": correction.doc_id, "record": correction.record,
                "field": correction.field, "old": correction.old, "new": correction.new, "by": actor}
