"""What each projection does with a batch of events: facts in, rows out, in bulk.

Handlers store facts as recorded (OCR fields with their confidences, corrections, roster
rows); nothing here depends on today's date or on another record, so the stored tables are
the same whether built incrementally or by a full replay. Cross-checks and date-dependent
flags are computed when reading (see `projections.views`).

Each handler aggregates its batch in memory first (last write per key wins, counters
summed) and then writes with one executemany per statement: no per-event SELECT.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Sequence

import orjson
import sqlalchemy as sa

from domain import vocabulary as v


def dumps(value: Any) -> str:
    """Canonical JSON text (sorted keys, no spaces), the same for every path to a row."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def instant(event) -> str:
    at = event.recorded_at
    return at if isinstance(at, str) else _isoformat(at)


@lru_cache(maxsize=256)  # events appended together share one instant
def _isoformat(at) -> str:
    return at.isoformat(timespec="microseconds")


def bulk(conn, sql: str, rows: list[tuple]) -> None:
    """executemany on the driver's cursor: SQLAlchemy's per-row parameter processing
    costs more than the insert itself at replay volumes. `sql` uses `?` placeholders."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _names(columns) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def insert(conn, table: sa.Table, rows: list[dict], keep_first: Sequence[str] = ()) -> None:
    """Insert rows; with `keep_first` (the key columns) a row whose key is stored is skipped."""
    if rows:
        columns = list(rows[0])
        sql = f'INSERT INTO "{table.name}" ({_names(columns)}) VALUES ({", ".join("?" * len(columns))})'
        if keep_first:
            sql += f" ON CONFLICT ({_names(keep_first)}) DO NOTHING"
        bulk(conn, sql, [tuple(r[c] for c in columns) for r in rows])


def upsert(conn, table: sa.Table, rows: list[dict], keys: Sequence[str]) -> None:
    """Insert or replace rows by primary key (rows must be unique per key).

    `INSERT ... ON CONFLICT (keys) DO UPDATE SET c = excluded.c` reads the same on SQLite
    and PostgreSQL."""
    if not rows:
        return
    columns = list(rows[0])
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in keys)
    sql = (f'INSERT INTO "{table.name}" ({_names(columns)}) VALUES ({", ".join("?" * len(columns))}) '
           f'ON CONFLICT ({_names(keys)}) DO UPDATE SET {updates}')
    bulk(conn, sql, [tuple(r[c] for c in columns) for r in rows])


def _field_value(fields: dict, name: str) -> Any:
    f = fields.get(name)
    return f.get("value") if isinstance(f, dict) else f


def apply_documents(conn, tables: dict[str, sa.Table], events: list) -> None:
    table = tables["proj_documents"]
    new: dict[str, dict] = {}
    updates: dict[str, dict] = {}  # doc_id -> column changes for documents stored before
    duplicates: dict[str, int] = {}
    for e in events:
        d = e.data
        doc_id = d.get("doc_id")
        if e.type == v.DOCUMENT_RECEIVED:
            if doc_id in new:
                continue  # a document is claimed once; a second claim is a no-op
            new[doc_id] = {
                "doc_id": doc_id, "filename": d.get("filename"), "relative_path": d.get("relative_path"),
                "county": d.get("county"), "county_known": bool(d.get("county_known", True)),
                "media_type": d.get("media_type"), "kind": None, "state": "received",
                "reason_code": None, "pages": None, "duplicates": 0,
                "position": e.position, "recorded_at": instant(e),
            }
            continue
        if e.type == v.DUPLICATE_RECEIVED:
            if doc_id in new:
                new[doc_id]["duplicates"] += 1
            else:
                duplicates[doc_id] = duplicates.get(doc_id, 0) + 1
            continue
        if e.type == v.DOCUMENT_CLASSIFIED:
            change = {"kind": d.get("kind")}
        elif e.type == v.DOCUMENT_REJECTED:
            change = {"state": "rejected", "reason_code": d.get("reason_code")}
        elif e.type == v.DOCUMENT_PROCESSED:
            change = {"state": "processed", "pages": d.get("pages"), "kind": d.get("kind")}
        else:
            continue
        if doc_id in new:
            new[doc_id].update(change)
        else:
            updates.setdefault(doc_id, {}).update(change)
    if new:
        insert(conn, table, list(new.values()), keep_first=("doc_id",))  # claimed once; a re-claim is a no-op
    for columns in sorted({tuple(sorted(c)) for c in updates.values()}):
        assignments = ", ".join(f'"{c}" = ?' for c in columns)
        sql = f'UPDATE "{table.name}" SET {assignments} WHERE doc_id = ?'
        bulk(conn, sql, [tuple(c[k] for k in columns) + (d,) for d, c in updates.items() if tuple(sorted(c)) == columns])
    bulk(conn, f'UPDATE "{table.name}" SET duplicates = duplicates + ? WHERE doc_id = ?',
         [(n, d) for d, n in duplicates.items()])


def cert_key(cert_no: Any) -> str | None:
    from projections.rules import normalise_cert_no

    return normalise_cert_no(cert_no) if cert_no else None


def apply_certificates(conn, tables: dict[str, sa.Table], events: list) -> None:
    rows: dict[tuple, dict] = {}
    for e in events:
        d = e.data
        fields = d.get("fields") or {}
        rows[(d["doc_id"], d.get("record") or "card1")] = {
            "doc_id": d["doc_id"], "record": d.get("record") or "card1",
            "cert_key": cert_key(_field_value(fields, "cert_no")),
            "certificate_kind": d.get("certificate_kind"), "fields": dumps(fields),
            "position": e.position, "recorded_at": instant(e),
        }
    upsert(conn, tables["proj_cert_records"], list(rows.values()), ("doc_id", "record"))


def apply_entities(conn, tables: dict[str, sa.Table], events: list) -> None:
    reports: dict[tuple, dict] = {}
    rosters: dict[str, Any] = {}  # doc_id -> its latest RosterRecognised (a re-read replaces all rows)
    for e in events:
        d = e.data
        if e.type == v.SELF_CHECK_REPORT_RECOGNISED:
            reports[(d["doc_id"], d.get("record") or "report")] = {
                "doc_id": d["doc_id"], "record": d.get("record") or "report",
                "fields": dumps(d.get("fields") or {}), "problems": dumps(d.get("problems") or []),
                "position": e.position, "recorded_at": instant(e),
            }
        elif e.type == v.ROSTER_RECOGNISED:
            rosters[d["doc_id"]] = e
    upsert(conn, tables["proj_self_checks"], list(reports.values()), ("doc_id", "record"))
    if rosters:
        table = tables["proj_roster_rows"]
        bulk(conn, f'DELETE FROM "{table.name}" WHERE doc_id = ?', [(k,) for k in rosters])
        rows = []
        for doc_id, e in rosters.items():
            d = e.data
            seen = set()
            for i, r in enumerate(d.get("rows") or [], start=1):
                number = r.get("row") or i
                if number in seen:
                    continue
                seen.add(number)
                rows.append({
                    "doc_id": doc_id, "row": number, "employer": d.get("employer"), "county": d.get("county"),
                    "name": r.get("name"), "id_number": (r.get("id_number") or None) and str(r["id_number"]).upper(),
                    "cert_no": r.get("cert_no"), "job": r.get("job"), "position": e.position, "recorded_at": instant(e),
                })
        insert(conn, table, rows)


def apply_review(conn, tables: dict[str, sa.Table], events: list) -> None:
    items: dict[tuple, dict] = {}
    corrections: list[dict] = []
    for e in events:
        d = e.data
        if e.type == v.FIELD_NEEDS_REVIEW:
            key = (d["doc_id"], d.get("record") or "", d["field"])
            items[key] = {
                "doc_id": key[0], "record": key[1], "field": key[2], "value": dumps(d.get("value")),
                "confidence": d.get("confidence"), "page": d.get("page"), "box": dumps(d.get("box")),
                "reason": d.get("reason"), "position": e.position, "recorded_at": instant(e),
            }
        elif e.type == v.FIELD_CORRECTED:
            corrections.append({
                "position": e.position, "event_id": e.event_id, "doc_id": d["doc_id"], "record": d.get("record") or "",
                "field": d["field"], "old": dumps(d.get("old")), "new": dumps(d.get("new")), "by": d.get("by"),
                "reason": d.get("reason"), "recorded_at": instant(e),
            })
    upsert(conn, tables["proj_review_items"], list(items.values()), ("doc_id", "record", "field"))
    insert(conn, tables["proj_corrections"], corrections)


Handler = Callable[[Any, dict[str, sa.Table], list], None]

HANDLERS: dict[str, tuple[frozenset[str], Handler]] = {
    "documents": (
        frozenset({v.DOCUMENT_RECEIVED, v.DUPLICATE_RECEIVED, v.DOCUMENT_CLASSIFIED, v.DOCUMENT_REJECTED, v.DOCUMENT_PROCESSED}),
        apply_documents,
    ),
    "certificates": (frozenset({v.CERTIFICATE_RECOGNISED}), apply_certificates),
    "entities": (frozenset({v.SELF_CHECK_REPORT_RECOGNISED, v.ROSTER_RECOGNISED}), apply_entities),
    "review": (frozenset({v.FIELD_NEEDS_REVIEW, v.FIELD_CORRECTED}), apply_review),
}
