"""Commands that read projections: replay, export, report, explain, review."""
from __future__ import annotations

import click

EXPECTED_ERRORS: tuple = ()


@click.command()
@click.option("--as-of", "as_of", metavar="ISO-DATETIME", help="Replay only events recorded up to this instant.")
@click.option("--only", metavar="NAME", help="Rebuild only this projection.")
@click.pass_obj
def replay(ctx, as_of, only) -> None:
    """Rebuild projections from the event log."""
    raise click.ClickException("replay: not implemented yet")


@click.command()
@click.argument("what", type=click.Choice(["certificates", "entities", "review"]))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--as-of", "as_of", metavar="DATE")
@click.pass_obj
def export(ctx, what, fmt, as_of) -> None:
    """Print a projection."""
    click.echo("[]")


@click.group()
def report() -> None:
    """Reports: the statistics table (汇总表)."""


@report.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True)
@click.option("--as-of", "as_of", metavar="DATE")
@click.option("-o", "output", type=click.Path(), help="Write to FILE instead of standard output.")
@click.pass_obj
def summary(ctx, fmt, as_of, output) -> None:
    """The statistics table: one row per county or zone and a 合计 row."""
    click.echo("[]")


@click.command()
@click.argument("key", metavar="CERT_NO|ENTITY_ID")
@click.pass_obj
def explain(ctx, key) -> None:
    """The events and source pages behind each field and flag of one record."""
    raise click.ClickException("explain: not implemented yet")


@click.group()
def review() -> None:
    """The clerks' review queue; a correction is an event, never an edit."""


@review.command("list")
@click.pass_obj
def review_list(ctx) -> None:
    """Fields waiting for a person."""
    raise click.ClickException("review list: not implemented yet")


@review.command("correct")
@click.argument("doc_id")
@click.argument("field")
@click.argument("value")
@click.option("--by", required=True, metavar="NAME")
@click.option("--reason", metavar="TEXT")
@click.pass_obj
def review_correct(ctx, doc_id, field, value, by, reason) -> None:
    """Correct FIELD of document DOC_ID (a unique prefix is enough)."""
    raise click.ClickException("review correct: not implemented yet")


COMMANDS = [replay, export, report, explain, review]
