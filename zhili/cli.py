"""The `zhili` command line: one group, a `--db` option, and one-line errors.

Commands live in the cmd_* modules beside this one, one per area of the system. This
module turns expected failures into a one-line reason and exit 1; usage errors exit 2.
"""
from __future__ import annotations

import importlib
import os
import sys

import click

DEFAULT_DB = "sqlite:///zhili.db"
# Imported when a command is first looked up, not with this module: the commands pull in
# SQLAlchemy, OCR and Kafka clients (0.3 s), and every reader process re-runs the imports
# of the `zhili` script that started it (multiprocessing's spawn) but needs none of them.
COMMAND_MODULES = ("zhili.cmd_log", "zhili.cmd_intake", "zhili.cmd_read", "zhili.cmd_kafka", "zhili.cmd_serve")


class Context:
    """What every command gets: the database URL and, on first use, the opened store."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from events import open_store

            self._store = open_store(self.db_url)
        return self._store


def _reader_left() -> None:
    """The reader has had enough (`zhili events | head`): not a failure. Point stdout at
    /dev/null so the interpreter's final flush (and a half-written zip) cannot complain."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)


class ZhiliGroup(click.Group):
    _loading = False

    @property
    def commands(self) -> dict[str, click.Command]:
        if not self._loading:
            self._loading = True  # stays set: load once; add_command below reads this too
            for module in COMMAND_MODULES:
                for command in importlib.import_module(module).COMMANDS:
                    self.add_command(command)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

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


def expected_errors() -> tuple[type[BaseException], ...]:
    """Failures a user can cause and fix: reported in one line, never as a traceback."""
    from events import StoreError

    errors: list[type[BaseException]] = [StoreError, OSError]
    for module in COMMAND_MODULES:
        errors.extend(getattr(importlib.import_module(module), "EXPECTED_ERRORS", ()))
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
