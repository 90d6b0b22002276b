"""The projections' tables: every name starts with `proj_`; each projection owns its own.

Tables are built per name suffix: `""` for the live tables, `"__new"` for a rebuild that is
swapped in at the end of `replay`. Index and primary-key names carry a random token because
both SQLite and PostgreSQL keep them schema-wide and a renamed table keeps its index names:
a fixed name would collide with the previous generation on the next rebuild.
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa

CHECKPOINTS = "proj_checkpoints"


def checkpoints_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        CHECKPOINTS,
        metadata,
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def _pk(base: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=f"pk_{base}_{secrets.token_hex(4)}")


def _ix(base: str, column: sa.Column | str) -> sa.Index:
    return sa.Index(f"ix_{base}_{secrets.token_hex(4)}", column)


def _documents(md: sa.MetaData, suffix: str) -> list[sa.Table]:
    base = "proj_documents"
    return [
        sa.Table(
            base + suffix,
            md,
            sa.Column("doc_id", sa.String(64)),
            sa.Column("filename", sa.Text),
            sa.Column("relative_path", sa.Text),
            sa.Column("county", sa.Text),
            sa.Column("county_known", sa.Boolean),
            sa.Column("media_type", sa.Text),
            sa.Column("kind", sa.Text),
            sa.Column("state", sa.String(20), nullable=False),
            sa.Column("reason_code", sa.Text),
            sa.Column("pages", sa.Integer),
            sa.Column("duplicates", sa.Integer, nullable=False),
            sa.Column("position", sa.BigInteger, nullable=False),
            sa.Column("recorded_at", sa.String(32), nullable=False),
            _pk(base, "doc_id"),
        )
    ]


def _certificates(md: sa.MetaData, suffix: str) -> list[sa.Table]:
    base = "proj_cert_records"
    table = sa.Table(
        base + suffix,
        md,
        sa.Column("doc_id", sa.String(64)),
        sa.Column("record", sa.String(40)),
        sa.Column("cert_key", sa.Text),
        sa.Column("certificate_kind", sa.String(40)),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        _pk(base, "doc_id", "record"),
    )
    _ix(base, table.c.cert_key)
    return [table]


def _entities(md: sa.MetaData, suffix: str) -> list[sa.Table]:
    reports = sa.Table(
        "proj_self_checks" + suffix,
        md,
        sa.Column("doc_id", sa.String(64)),
        sa.Column("record", sa.String(40)),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        _pk("proj_self_checks", "doc_id", "record"),
    )
    rows = sa.Table(
        "proj_roster_rows" + suffix,
        md,
        sa.Column("doc_id", sa.String(64)),
        sa.Column("row", sa.Integer),
        sa.Column("employer", sa.Text),
        sa.Column("county", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("id_number", sa.Text),
        sa.Column("cert_no", sa.Text),
        sa.Column("job", sa.Text),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        _pk("proj_roster_rows", "doc_id", "row"),
    )
    _ix("proj_roster_rows", rows.c.id_number)
    return [reports, rows]


def _review(md: sa.MetaData, suffix: str) -> list[sa.Table]:
    items = sa.Table(
        "proj_review_items" + suffix,
        md,
        sa.Column("doc_id", sa.String(64)),
        sa.Column("record", sa.String(40)),
        sa.Column("field", sa.String(60)),
        sa.Column("value", sa.Text),
        sa.Column("confidence", sa.Float),
        sa.Column("page", sa.Integer),
        sa.Column("box", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        _pk("proj_review_items", "doc_id", "record", "field"),
    )
    corrections = sa.Table(
        "proj_corrections" + suffix,
        md,
        sa.Column("position", sa.BigInteger, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("doc_id", sa.String(64), nullable=False),
        sa.Column("record", sa.String(40), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("old", sa.Text),
        sa.Column("new", sa.Text),
        sa.Column("by", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        _pk("proj_corrections", "position"),
    )
    _ix("proj_corrections", corrections.c.doc_id)
    return [items, corrections]


TABLE_BUILDERS = {
    "documents": _documents,
    "certificates": _certificates,
    "entities": _entities,
    "review": _review,
}


def build_tables(name: str, suffix: str = "") -> dict[str, sa.Table]:
    """The tables of projection `name`, keyed by their live (unsuffixed) name."""
    md = sa.MetaData()
    return {t.name[: len(t.name) - len(suffix)] if suffix else t.name: t for t in TABLE_BUILDERS[name](md, suffix)}
