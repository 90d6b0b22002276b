"""Commands that read projections: replay, export, report, explain, review.

Every reading command first catches the projections up with the log, or with `--as-of`
builds them from the events recorded up to that instant in a temporary store.
"""
from __future__ import annotations

import sys
from datetime import date

import click

from projections import ProjectionError, catch_up, replay as replay_projections, source, views
from projections import export as out
from projections import public as public_output
from projections.corrections import build_correction
from projections.engine import as_of_engine
from projections.provenance import NotFound, explain as explain_record
from zhili.timeparse import AS_OF

EXPECTED_ERRORS: tuple = (ProjectionError, NotFound)

FORMATS = ["json", "csv"]


def _day(as_of) -> date:
    return views.as_of_date(as_of)


def _echo(text: str, output: str | None = None) -> None:
    if output:
        with open(output, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def _console(output: str | None = None):
    """A rich console; off a terminal (a pipe, a file, make's log) wide enough for the table."""
    from rich.console import Console

    if output:
        return Console(file=open(output, "w", encoding="utf-8"), width=200)
    return Console() if sys.stdout.isatty() else Console(width=200)


def _load(ctx, as_of, boxes: bool = False):
    """Facts as of the instant (live tables when the log has nothing later)."""
    with source(ctx.store, as_of) as src:
        return views.load(src.engine, boxes=boxes)


@click.command()
@click.option("--as-of", "as_of", type=AS_OF, metavar="ISO-DATETIME",
              help="Build from the events recorded up to this instant, in a temporary store (live tables untouched).")
@click.option("--only", metavar="NAME", help="Rebuild only this projection (documents, certificates, entities, review).")
@click.pass_obj
def replay(ctx, as_of, only) -> None:
    """Rebuild projections from the event log."""
    if as_of is None:
        count = replay_projections(ctx.store, only=only)
        click.echo(f"replayed {count} events into {only or 'all projections'}")
        return
    with as_of_engine(ctx.store, as_of, only=only) as (engine, count):
        facts = views.load(engine)
        day = _day(as_of)
        certs = views.certificates(facts, day)
        click.echo(
            f"replayed {count} events recorded up to {as_of.isoformat()} into a temporary store: "
            f"{len(certs)} certificates, {len(views.entity_facts(facts))} entities, "
            f"{len(views.review_queue(facts))} fields to review (live tables untouched)")


def _filtered(records: list[dict], county, flag, status) -> list[dict]:
    return [r for r in records
            if (county is None or r.get("county") == county)
            and (flag is None or flag in (r.get("flags") or ()))
            and (status is None or r.get("status") == status)]


@click.command()
@click.argument("what", type=click.Choice(["certificates", "entities", "review"]))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True,
              help="A JSON list, or CSV with one row per record.")
@click.option("--as-of", "as_of", type=AS_OF, metavar="DATE",
              help="State as of this date (end of day, Asia/Shanghai) or instant; flags for that day.")
@click.option("--county", metavar="NAME", help="Only records of this county or zone.")
@click.option("--flag", metavar="CODE", help="Only certificates with this flag code (e.g. expired).")
@click.option("--status", metavar="STATUS", help="Only records with this status (e.g. invalid, needs_review).")
@click.option("--detail", is_flag=True, help="Entities: add problems and workers without a certificate.")
@click.option("--public", is_flag=True, help="Mask names and ID/certificate numbers (for publication).")
@click.pass_obj
def export(ctx, what, fmt, as_of, county, flag, status, detail, public) -> None:
    """Print a projection (JSON list or CSV). Auditors see full data unless --public."""
    facts = _load(ctx, as_of)
    day = _day(as_of)
    if what == "certificates":
        records = views.certificates(facts, day)
    elif what == "entities":
        records = views.entities(facts, day, detail=detail)
    else:
        records = views.review_queue(facts)
    records = _filtered(records, county, flag, status)
    if public:
        records = public_output.records(records, facts)
    _echo(out.to_json(records) if fmt == "json" else out.to_csv(records))


@click.group()
def report() -> None:
    """Reports: the statistics table (汇总表) and the campaign deadlines."""


@report.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx", "table"]), default="json", show_default=True,
              help="json/csv for systems, xlsx for printing (binary: -o FILE or redirect), table for a terminal.")
@click.option("--as-of", "as_of", type=AS_OF, metavar="DATE",
              help="What the log knew at this date (end of day, Asia/Shanghai), judged on it.")
@click.option("-o", "output", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.pass_obj
def summary(ctx, fmt, as_of, output) -> None:
    """The statistics table: one row per county or zone and a 合计 row.

    Every cell is traceable: e.g. `zhili export certificates --county 泰山区 --flag expired`
    lists the certificates behind the 泰山区 row's expired cell (--status invalid and
    --status needs_review for those two columns).
    """
    day = _day(as_of)
    rows = views.summary(_load(ctx, as_of), day)
    if fmt == "json":
        _echo(out.to_json(rows), output)
    elif fmt == "csv":
        _echo(out.summary_csv(rows), output)
    elif fmt == "xlsx":
        if output is None and sys.stdout.isatty():
            raise click.UsageError("xlsx is binary: give -o FILE or redirect standard output")
        out.summary_xlsx(rows, day, output or sys.stdout.buffer)
    else:
        columns = [(k, views.SHORT_LABELS[k]) for k, _ in views.SUMMARY_COLUMNS]
        _console(output).print(out.rich_table(rows, columns, title=f"{out.TITLE}（截至 {day.isoformat()}）"))


@report.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Default: a table on a terminal, JSON otherwise.")
@click.option("--as-of", "as_of", type=AS_OF, metavar="DATE",
              help="What the log knew at this date (end of day, Asia/Shanghai), judged on it.")
@click.option("--year", type=int, default=2024, show_default=True, help="The campaign year.")
@click.pass_obj
def deadlines(ctx, fmt, as_of, year) -> None:
    """Campaign deadlines per county: what is due, done, late."""
    rows = views.deadlines(_load(ctx, as_of), _day(as_of), year)
    if (fmt or ("table" if sys.stdout.isatty() else "json")) == "json":
        _echo(out.to_json(rows))
        return
    columns = [("county", "县市区"), ("label", "节点"), ("due", "截止"), ("state", "状态"), ("days_left", "剩余天数"),
               ("entities", "单位"), ("done", "按时"), ("late", "逾期"), ("open", "未交")]
    _console().print(out.rich_table(rows, columns, title="专项治理时间节点"))


@click.command()
@click.argument("key", metavar="CERT_NO|ENTITY_ID")
@click.option("--as-of", "as_of", type=AS_OF, metavar="DATE",
              help="What the log knew at this date (end of day, Asia/Shanghai), judged on it.")
@click.option("--public", is_flag=True, help="Mask names and ID numbers everywhere in the answer (fields, events, file names).")
@click.pass_obj
def explain(ctx, key, as_of, public) -> None:
    """The events and source pages behind each field and flag of one record (JSON)."""
    facts = _load(ctx, as_of, boxes=True)
    result = explain_record(facts, key, _day(as_of))
    if public:
        result = public_output.records(result, facts)
    _echo(out.to_json(result))


@click.group()
def review() -> None:
    """The clerks' review queue; a correction is an event, never an edit."""


@review.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Default: a table on a terminal, JSON otherwise.")
@click.option("--county", metavar="NAME", help="Only items of this county or zone.")
@click.pass_obj
def review_list(ctx, fmt, county) -> None:
    """Fields waiting for a person."""
    catch_up(ctx.store)
    items = _filtered(views.review_queue(views.load(ctx.store.engine)), county, None, None)
    if (fmt or ("table" if sys.stdout.isatty() else "json")) == "json":
        _echo(out.to_json(items))
        return
    columns = [("doc", "文档"), ("record", "记录"), ("field", "字段"), ("value", "识别值"), ("confidence", "置信度"),
               ("page", "页"), ("reason", "原因"), ("filename", "文件"), ("county", "县市区")]
    rows = [dict(i, doc=i["doc_id"][:12]) for i in items]
    _console().print(out.rich_table(rows, columns, title=f"待人工核对 {len(items)} 项"))


@review.command("correct")
@click.argument("doc_id")
@click.argument("field")
@click.argument("value")
@click.option("--by", required=True, metavar="NAME", help="Who corrects (recorded in the event).")
@click.option("--reason", metavar="TEXT", help="Why (e.g. 对照原件): kept in the event for auditors.")
@click.pass_obj
def review_correct(ctx, doc_id, field, value, by, reason) -> None:
    """Correct FIELD (`name` or `card2.name`) of document DOC_ID (a unique prefix is enough)."""
    store = ctx.store
    catch_up(store)
    correction = build_correction(views.load(store.engine), doc_id, field, value, by, reason)
    [position] = store.append(correction.stream_id, [correction.event])
    catch_up(store)
    click.echo(f"corrected {correction.doc_id[:12]} {correction.record}.{correction.field}: "
               f"{correction.old!r} -> {correction.new!r} (event {position})")


COMMANDS = [replay, export, report, explain, review]
