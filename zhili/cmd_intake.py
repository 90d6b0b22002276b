"""Commands that take files in: ingest, watch (and `process_document` for the Kafka worker)."""
from __future__ import annotations

import json
import os
import signal
import sys
from datetime import datetime, timezone

import click

from ingest.docstore import DocumentStore, default_docs_dir
from ingest.intake import Intake, Settings
from ingest.watching import Watcher, collect_drops, ingest_once
from ingest.workers import InlinePool, WorkerPool
from projections import catch_up

EXPECTED_ERRORS: tuple = ()


def docs_for(ctx, docs: str | None) -> DocumentStore:
    return DocumentStore(docs or default_docs_dir(ctx.db_url))


def log_lines(stream=sys.stderr):
    """Structured log lines for a log file (no terminal): one JSON object per event."""

    def log(event: str, **fields) -> None:
        record = {"ts": datetime.now(timezone.utc).isoformat(timespec="seconds"), "event": event,
                  **{k: v for k, v in fields.items() if v is not None}}
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        stream.flush()

    return log


def quiet_driver_logs() -> None:
    """A terminated database connection is reported once, as `store_unavailable`, and
    retried: the pool's and the driver's own tracebacks about it say nothing more."""
    import logging

    for name in ("sqlalchemy.pool", "psycopg", "psycopg.pool"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def make_intake(store, docs: DocumentStore, settings: Settings, log, inline: bool = False) -> Intake:
    quiet_driver_logs()
    pool = InlinePool() if inline else WorkerPool(settings.jobs)
    return Intake(store, docs, settings, pool, log)


def process_document(store, docs: DocumentStore, doc_id: str, settings: Settings | None = None,
                     inline: bool = False, log=None) -> tuple[str | None, str | None]:
    """Read one claimed document to its end (idempotent); (finishing event type, reason code).

    For the Kafka worker: the document's `DocumentReceived` must be in the store and its
    bytes in `docs`. Reads in an isolated worker process unless `inline`.
    """
    from domain import vocabulary as v
    from ingest import ledger

    intake = make_intake(store, docs, settings or Settings(), log or (lambda *a, **k: None), inline)
    try:
        intake.enqueue(doc_id)
        intake.drain()
    finally:
        intake.close()
    return ledger.status(store.read_stream(v.document_stream(doc_id)))


def _county_option(ctx, param, value):
    """`--county` names one folder under the intake: `../../X` or `a/b` would move files out."""
    from ingest.folder import plain_folder_name

    if value is not None and not plain_folder_name(value):
        raise click.BadParameter(f"{value!r} is not a plain folder name (no /, \\, .., leading dot or control "
                                 "characters); give the county's name, e.g. 泰山区", ctx, param)
    return value


def _catch_up_retrying(store, attempts: int = 5) -> None:
    """The last catch-up of a watcher that rode out database outages: a few more tries."""
    import time

    from sqlalchemy.exc import DBAPIError

    from events import StoreError

    for attempt in range(attempts):
        try:
            catch_up(store)
            return
        except (StoreError, DBAPIError):
            if attempt == attempts - 1:
                raise
            time.sleep(2.0)


def _intake_options(f):
    f = click.option("--engine", type=click.Choice(["tesseract", "rapidocr", "auto"]), default="auto",
                     show_default=True, help="OCR engine for scans.")(f)
    f = click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
                     help="OCR worker processes (one thread each).")(f)
    f = click.option("--docs", metavar="DIR", envvar="ZHILI_DOCS",
                     help="Document store folder [default: zhili-docs beside the SQLite file, else ./zhili-docs; env ZHILI_DOCS].")(f)
    f = click.option("--time-limit", type=click.FloatRange(1), default=600, show_default=True,
                     help="Seconds one document may take before its reader is stopped.")(f)
    f = click.option("--max-pages", type=click.IntRange(1), default=200, show_default=True,
                     help="Pages a document may have.")(f)
    f = click.option("--attempts", type=click.IntRange(1, 10), default=3, show_default=True,
                     help="Tries per document before it is quarantined.")(f)
    return f


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--county", metavar="NAME", callback=_county_option,
              help="County for all files (else the first folder level); a plain folder name.")
@click.option("--move/--keep", default=False, show_default=True,
              help="Move taken files to .done/.rejected under the folder given (as `watch` does).")
@_intake_options
@click.pass_obj
def ingest(ctx, paths, county, move, engine, jobs, docs, time_limit, max_pages, attempts) -> None:
    """Take files or folders once: OCR, extract, append events, update projections.

    Ends with a summary line: N received, N duplicates, N needs-review, N rejected.
    """
    drops = collect_drops([os.fsdecode(os.fsencode(p)) for p in paths], county)
    store = ctx.store
    settings = Settings(engine=engine, jobs=jobs, county=county, move=move, max_attempts=attempts,
                        time_limit=time_limit, max_pages=max_pages)
    tty = sys.stderr.isatty()
    intake = make_intake(store, docs_for(ctx, docs), settings, (lambda *a, **k: None) if tty else log_lines())
    try:
        if tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("ingest", total=len(drops))
                ingest_once(intake, drops, lambda done, total: bar.update(task, completed=done, total=total))
        else:
            ingest_once(intake, drops)
    finally:
        intake.close()
    catch_up(store)
    click.echo(intake.summary.line())


@click.command()
@click.argument("intake_dirs", nargs=-1, required=True, type=click.Path())
@click.option("--county", metavar="NAME", callback=_county_option,
              help="County for all files (else the first folder level); a plain folder name.")
@click.option("--settle-seconds", type=click.FloatRange(0), default=2.0, show_default=True,
              help="A file is taken after its size and time stayed the same this long.")
@click.option("--rescan-seconds", type=click.FloatRange(0.5), default=60.0, show_default=True,
              help="Full rescan period (file-system events can be lost).")
@click.option("--give-up-seconds", type=click.FloatRange(0), default=600.0, show_default=True,
              help="An unchanged but incomplete file is taken (and refused) after this long.")
@click.option("--poll", is_flag=True, help="Poll instead of inotify (network shares); automatic without inotify.")
@click.option("--once", is_flag=True, help="Stop when every file present has been taken.")
@click.option("--claim-only", is_flag=True,
              help="Keep and claim files but let `zhili worker`s read them (files move when they finish).")
@_intake_options
@click.pass_obj
def watch(ctx, intake_dirs, county, settle_seconds, rescan_seconds, give_up_seconds, poll, once, claim_only,
          engine, jobs, docs, time_limit, max_pages, attempts) -> None:
    """Take files that clerks drop into INTAKE_DIR/<county>/..., continuously.

    Taken files move to INTAKE_DIR/.done/<county>/..., refused ones to INTAKE_DIR/.rejected/
    with NAME.reason.txt beside them; the original bytes stay in the document store.
    """
    store = ctx.store
    settings = Settings(engine=engine, jobs=jobs, county=county, move=True, max_attempts=attempts,
                        time_limit=time_limit, max_pages=max_pages, claim_only=claim_only)
    intake = make_intake(store, docs_for(ctx, docs), settings, log_lines())
    watcher = Watcher(intake, list(intake_dirs), settle=settle_seconds, rescan=rescan_seconds,
                      poll=poll, give_up=give_up_seconds)
    caught_up_at = [0]

    def after_finish(_doc_id: str) -> None:
        # keep projections current while watching, without a catch-up per document in a burst
        if intake.idle:
            catch_up(store)
            caught_up_at[0] = intake.finished

    intake.on_finish = after_finish
    previous = signal.signal(signal.SIGTERM, lambda *_: watcher.stop())
    try:
        watcher.run(once=once)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        intake.close()
    if caught_up_at[0] != intake.finished:
        _catch_up_retrying(store)
    click.echo(intake.summary.line())


COMMANDS = [ingest, watch]
