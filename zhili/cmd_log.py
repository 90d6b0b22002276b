"""Commands over the event log itself: verify, events."""
from __future__ import annotations

import json
import sys

import click

from events.store import db_errors
from events.verify import parse_head, verify_chain
from zhili.timeparse import AS_OF

EXPECTED_ERRORS: tuple = ()


class ChainBroken(click.ClickException):
    """The log was altered: exit 1 with the first bad position."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"zhili: verify: {self.message}", err=True)


def _head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    try:
        return parse_head(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expect") from None


@click.command()
@click.option("--head", is_flag=True, help="Print only the chain head (POSITION:HASH) for an auditor to keep.")
@click.option("--expect", metavar="POSITION:HASH", help="Also fail if the history up to POSITION no longer hashes to HASH.")
@click.pass_obj
def verify(ctx, head: bool, expect: str | None) -> None:
    """Recompute the event log's hash chain; exit 1 naming the first bad position.

    Prints `ok: N events, head POSITION:HASH`. Keep a head somewhere the database's
    owner cannot reach; `--expect` with it later proves that nothing up to it was
    rewritten, not even by someone who recomputed every hash.
    """
    expected = _head(expect)
    report = verify_chain(ctx.store, expect=expected)
    if not report.ok:
        raise ChainBroken(f"position {report.bad_position} is bad: {report.reason} "
                          f"(the {report.count} events before it are intact)")
    click.echo(report.head if head else f"ok: {report.count} events, head {report.head}")


@click.command()
@click.option("--stream", "stream_id", metavar="ID", help="Only this stream.")
@click.option("--type", "types", metavar="T", multiple=True, help="Only events of this type (repeatable).")
@click.option("--since", type=click.IntRange(min=0), default=0, metavar="POSITION", help="Only events after this position.")
@click.option("--known-at", "known_at", type=AS_OF, metavar="DATE|INSTANT",
              help="Only events recorded up to this instant (a date alone: the end of that day, Asia/Shanghai).")
@click.option("--as-of", "as_of", type=AS_OF, metavar="DATE|INSTANT",
              help="Not for events: an event is not judged on a day. Use --known-at (this was its old name).")
@click.pass_obj
def events(ctx, stream_id, types, since, known_at, as_of) -> None:
    """Print events as JSON Lines, in log order."""
    if as_of is not None:
        # `--as-of` once bounded the log read here; it now means the day flags are judged on
        # everywhere, which events do not have. Silently reading it either way would mislead.
        raise click.BadParameter("events are not judged on a day; --known-at INSTANT prints the events "
                                 "recorded up to that instant", param_hint="--as-of")
    store = ctx.store
    write = sys.stdout.write
    with db_errors("cannot read the event log"):
        if types:
            _check_types(store, types)
        for event in store.read_all(since=since, types=types or None, as_of=known_at, stream_id=stream_id):
            write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")


def _check_types(store, types) -> None:
    """An unknown --type is a usage error naming the valid ones, not an empty answer."""
    import sqlalchemy as sa

    from events.store import PAYLOADS_ERASED, events_table
    from projections.filters import EVENT_TYPES, UnknownCode, event_types

    if all(t in EVENT_TYPES or t == PAYLOADS_ERASED for t in types):
        return
    with store.engine.connect() as conn:
        present = [t for (t,) in conn.execute(sa.select(events_table.c.type).distinct())]
    try:
        event_types(types, present + [PAYLOADS_ERASED])
    except UnknownCode as exc:
        raise click.BadParameter(str(exc), param_hint="--type") from None


COMMANDS = [verify, events]
