"""Commands over the event log itself: verify, events."""
from __future__ import annotations

import json
import sys

import click

EXPECTED_ERRORS: tuple = ()


@click.command()
@click.option("--head", is_flag=True, help="Print the chain head (POSITION:HASH) for an auditor to keep.")
@click.option("--expect", metavar="POSITION:HASH", help="Fail if the history up to POSITION no longer hashes to HASH.")
@click.pass_obj
def verify(ctx, head: bool, expect: str | None) -> None:
    """Recompute the event log's hash chain; exit 1 naming the first bad position."""
    raise click.ClickException("verify: not implemented yet")


@click.command()
@click.option("--stream", "stream_id", metavar="ID", help="Only this stream.")
@click.option("--type", "types", metavar="T", multiple=True, help="Only events of this type (repeatable).")
@click.option("--since", type=int, default=0, metavar="POSITION", help="Only events after this position.")
@click.option("--as-of", "as_of", metavar="ISO-DATETIME", help="Only events recorded up to this instant.")
@click.pass_obj
def events(ctx, stream_id, types, since, as_of) -> None:
    """Print events as JSON Lines, in log order."""
    store = ctx.store
    for event in store.read_all(since=since, types=types or None):
        if stream_id and event.stream_id != stream_id:
            continue
        sys.stdout.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")


COMMANDS = [verify, events]
