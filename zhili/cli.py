"""The `zhili` command line: one group, a `--db` option, and one-line errors.

Commands live in the cmd_* modules beside this one, one per area of the system. This
module turns expected failures into a one-line reason and exit 1; usage errors exit 2.
"""
from __future__ import annotations

import os
import sys

import click

from events import StoreError, open_store
from zhili import cmd_intake, cmd_kafka, cmd_log, cmd_read

DEFAULT_DB = "sqlite:///zhili.db"


class Context:
    """What every command gets: the database URL and, on first use, the opened store."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self._store = None

    @property
    def store(self):
        if self._store is None:
            self._store = open_store(self.db_url)
        return self._store


def _reader_left() -> None:
    """The reader has had enough (`zhili events | head`): not a failure. Point stdout at
    /dev/null so the interpreter's final flush (and a half-written zip) cannot complain."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)


class ZhiliGroup(click.Group):
    def invoke(self, ctx: click.Context):
        # Caught here, inside click: click's own main turns a closed pipe into exit 1.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _reader_left()


@click.group(cls=ZhiliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=lambda: os.environ.get("ZHILI_DB") or DEFAULT_DB,
    show_default="$ZHILI_DB, else sqlite:///zhili.db",
    help="Event store: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB.",
)
@click.pass_context
def cli(ctx: click.Context, db_url: str) -> None:
    """zhili: event-sourced OCR intake for the special-operations certificate campaign."""
    ctx.obj = Context(db_url)


for module in (cmd_log, cmd_intake, cmd_read, cmd_kafka):
    for command in module.COMMANDS:
        cli.add_command(command)


def expected_errors() -> tuple[type[BaseException], ...]:
    """Failures a user can cause and fix: reported in one line, never as a traceback."""
    errors: list[type[BaseException]] = [StoreError, OSError]
    for module in (cmd_log, cmd_intake, cmd_read, cmd_kafka):
        errors.extend(getattr(module, "EXPECTED_ERRORS", ()))
    return tuple(errors)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="zhili", standalone_mode=False)
        sys.stdout.flush()  # here, where a closed pipe can still be caught
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        _reader_left()
    except click.exceptions.Abort:
        click.echo("zhili: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except expected_errors() as exc:
        click.echo(f"zhili: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # an unexpected failure is a bug: one line, details on demand
        if os.environ.get("ZHILI_DEBUG"):
            raise
        click.echo(f"zhili: internal error: {type(exc).__name__}: {exc} (set ZHILI_DEBUG=1 for details)", err=True)
        sys.exit(1)
    sys.exit(0)
