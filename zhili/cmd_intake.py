"""Commands that take files in: ingest, watch, worker."""
from __future__ import annotations

import click

EXPECTED_ERRORS: tuple = ()


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--county", metavar="NAME", help="County for files not under INTAKE/<county>/.")
@click.option("--engine", type=click.Choice(["tesseract", "rapidocr", "auto"]), default="auto", show_default=True)
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="OCR worker processes.")
@click.pass_obj
def ingest(ctx, paths, county, engine, jobs) -> None:
    """Take files or folders once: OCR, extract, append events, update projections."""
    raise click.ClickException("ingest: not implemented yet")


@click.command()
@click.argument("intake_dirs", nargs=-1, required=True, type=click.Path())
@click.pass_obj
def watch(ctx, intake_dirs) -> None:
    """Take files that clerks drop into INTAKE_DIR/<county>/..., continuously."""
    raise click.ClickException("watch: not implemented yet")


COMMANDS = [ingest, watch]
