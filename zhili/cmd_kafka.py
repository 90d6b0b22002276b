"""Commands that run zhili on Kafka: relay, worker, project."""
from __future__ import annotations

import click

EXPECTED_ERRORS: tuple = ()


@click.command()
@click.option("--bootstrap", default="127.0.0.1:9092", show_default=True, metavar="HOST:PORT")
@click.option("--topic", "prefix", default="zhili", show_default=True, metavar="PREFIX")
@click.pass_obj
def relay(ctx, bootstrap, prefix) -> None:
    """Publish the event log to Kafka, resuming where it stopped."""
    raise click.ClickException("relay: not implemented yet")


COMMANDS = [relay]
