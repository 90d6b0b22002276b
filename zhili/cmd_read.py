"""Commands that read projections: replay, export, report, explain, review.

Two clocks on every reading command (`clock_options`): `--as-of` is the day flags,
statuses and deadlines are judged on (default today, Asia/Shanghai), from everything the
log knows; `--known-at` reads only the events recorded up to an instant (built in a
temporary store, live tables untouched). Without `--known-at` a command first catches the
live projections up with the log.
"""
from __future__ import annotations

import sys
from datetime import date

import click

from projections import ProjectionError, catch_up, filters, log_counts, replay as replay_projections, source, views
from projections import export as out
from projections import public as public_output
from projections.corrections import BadCorrection, build_correction
from projections.engine import check_names, handled_types, known_at_engine
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


def clock_options(f):
    """`--as-of` and `--known-at`, with the same meaning on every reading command."""
    f = click.option("--known-at", "known_at", type=AS_OF, metavar="DATE|INSTANT",
                     help="Read only the events recorded up to this instant: what the log knew then "
                          "(a date alone: the end of that day, Asia/Shanghai). Default: everything.")(f)
    f = click.option("--as-of", "as_of", type=AS_OF, metavar="DATE|INSTANT",
                     help="The day flags, statuses and deadlines are judged on, from every event read "
                          "(a date alone: that day, Asia/Shanghai). Default: today.")(f)
    return f


def _load(ctx, known_at, boxes: bool = False):
    """Facts from the events recorded up to `known_at` (the live tables when that is all of them)."""
    with source(ctx.store, known_at) as src:
        return views.load(src.engine, boxes=boxes)


def _usage(exc: filters.UnknownCode) -> click.BadParameter:
    return click.BadParameter(str(exc), param_hint=exc.option)


def _check(what: str, flag, status) -> tuple:
    try:
        return filters.flag(flag, what), filters.status(status, what)
    except filters.UnknownCode as exc:
        raise _usage(exc) from None


def _filtered(records: list[dict], county, flag, status) -> list[dict]:
    try:
        county = filters.county(county, {r.get("county") for r in records})
    except filters.UnknownCode as exc:
        raise _usage(exc) from None
    return [r for r in records
            if (county is None or r.get("county") == county)
            and (flag is None or flag in (r.get("flags") or ()))
            and (status is None or r.get("status") == status)]


def _counted(count: int, names: tuple[str, ...], by_type: dict[str, int], known_at, target: str) -> str:
    """What the replay's number counts, beside what `verify` counts."""
    total = sum(by_type.values())
    read = set(handled_types(names))
    others = sorted(((n, t) for t, n in by_type.items() if t not in read), reverse=True)
    where = f"recorded up to {known_at.isoformat()}" if known_at else "in the log"
    text = (f"replayed {count} events into {target}: the types projections read, of {total} {where} "
            f"(every event, as `zhili verify` counts them)")
    if others:
        text += "; not projected: " + ", ".join(f"{n} {t}" for n, t in others)
    return text


@click.command()
@clock_options
@click.option("--only", metavar="NAME", help="Rebuild only this projection (documents, certificates, entities, review).")
@click.pass_obj
def replay(ctx, as_of, known_at, only) -> None:
    """Rebuild projections from the event log.

    With --known-at: build from the events recorded up to that instant in a temporary store
    (live tables untouched) and say what it holds, judged on --as-of. With --as-of alone:
    rebuild the live tables, then say what they hold on that day.
    """
    names = check_names(only)
    if known_at is None:
        count = replay_projections(ctx.store, only=only)
        click.echo(_counted(count, names, log_counts(ctx.store), None, only or "all projections"))
        if as_of is not None:
            click.echo(_holds(views.load(ctx.store.engine), _day(as_of)))
        return
    with known_at_engine(ctx.store, known_at, only=only) as (engine, count):
        click.echo(_counted(count, names, log_counts(ctx.store, known_at), known_at,
                            "a temporary store (live tables untouched)"))
        click.echo(_holds(views.load(engine), _day(as_of)))


def _holds(facts: views.Facts, day: date) -> str:
    certs = views.certificates(facts, day)
    invalid = sum(1 for c in certs if c["status"] == "invalid")
    return (f"on {day.isoformat()}: {len(certs)} certificates ({invalid} invalid), "
            f"{len(views.entity_facts(facts))} entities, {len(views.review_queue(facts))} fields to review")


@click.command()
@click.argument("what", type=click.Choice(["certificates", "entities", "review"]))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True,
              help="A JSON list, or CSV with one row per record.")
@clock_options
@click.option("--county", metavar="NAME", help="Only records of this county or zone.")
@click.option("--flag", metavar="CODE", help="Only certificates with this flag code (e.g. expired).")
@click.option("--status", metavar="STATUS", help="Only records with this status (e.g. invalid, needs_review).")
@click.option("--detail", is_flag=True, help="Entities: add problems and workers without a certificate.")
@click.option("--public", is_flag=True, help="Mask names and ID/certificate numbers (for publication).")
@click.pass_obj
def export(ctx, what, fmt, as_of, known_at, county, flag, status, detail, public) -> None:
    """Print a projection (JSON list or CSV). Auditors see full data unless --public."""
    flag, status = _check(what, flag, status)
    facts = _load(ctx, known_at)
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
@clock_options
@click.option("-o", "output", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.pass_obj
def summary(ctx, fmt, as_of, known_at, output) -> None:
    """The statistics table: one row per county or zone and a 合计 row.

    Every cell is traceable: e.g. `zhili export certificates --county 泰山区 --flag expired`
    lists the certificates behind the 泰山区 row's expired cell (--status invalid and
    --status needs_review for those two columns).
    """
    day = _day(as_of)
    rows = views.summary(_load(ctx, known_at), day)
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
        known = f"，据 {known_at.isoformat(timespec='seconds')} 前记录" if known_at else ""
        _console(output).print(out.rich_table(rows, columns, title=f"{out.TITLE}（截至 {day.isoformat()}{known}）"))


@report.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Default: a table on a terminal, JSON otherwise.")
@clock_options
@click.option("--year", type=int, default=None, help="The campaign year [default: the year of the --as-of day].")
@click.pass_obj
def deadlines(ctx, fmt, as_of, known_at, year) -> None:
    """Campaign deadlines per county: what is due, done, late."""
    day = _day(as_of)
    rows = views.deadlines(_load(ctx, known_at), day, year or day.year)
    if (fmt or ("table" if sys.stdout.isatty() else "json")) == "json":
        _echo(out.to_json(rows))
        return
    columns = [("county", "县市区"), ("label", "节点"), ("due", "截止"), ("state", "状态"), ("days_left", "剩余天数"),
               ("entities", "单位"), ("done", "按时"), ("late", "逾期"), ("open", "未交")]
    _console().print(out.rich_table(rows, columns, title="专项治理时间节点"))


@click.command()
@click.argument("key", metavar="CERT_NO|ENTITY_ID")
@clock_options
@click.option("--public", is_flag=True, help="Mask names and ID numbers everywhere in the answer (fields, events, file names).")
@click.pass_obj
def explain(ctx, key, as_of, known_at, public) -> None:
    """The events and source pages behind each field and flag of one record (JSON)."""
    facts = _load(ctx, known_at, boxes=True)
    result = explain_record(facts, key, _day(as_of))
    result["known_at"] = known_at.isoformat() if known_at else None
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
    items = _filtered(views.review_queue(views.load(ctx.store.engine)), county, None, None)  # checks --county
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
@click.option("--force", is_flag=True,
              help="Record an ID number whose check digit fails, as printed (a fake number is a finding).")
@click.pass_obj
def review_correct(ctx, doc_id, field, value, by, reason, force) -> None:
    """Correct FIELD (`name`, `card2.name`, `有效期至`, `rows.3.id_number`) of document DOC_ID
    (a unique prefix is enough). The value is checked for the field: real dates, ID numbers,
    是/否, counties, catalogue items; a bad one is a usage error listing what is accepted."""
    store = ctx.store
    catch_up(store)
    try:
        correction = build_correction(views.load(store.engine), doc_id, field, value, by, reason, force=force)
    except BadCorrection as exc:
        raise click.BadParameter(str(exc), param_hint=exc.param) from None
    [position] = store.append(correction.stream_id, [correction.event])
    catch_up(store)
    click.echo(f"corrected {correction.doc_id[:12]} {correction.record}.{correction.field}: "
               f"{correction.old!r} -> {correction.new!r} (event {position})")


COMMANDS = [replay, export, report, explain, review]
