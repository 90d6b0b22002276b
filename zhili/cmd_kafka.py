"""Commands that run zhili on Kafka: relay, worker, project.

Kafka is optional: the `relay` package (the only one that imports a Kafka client) is
loaded inside these commands, so every other command works with no broker and no client.
"""
from __future__ import annotations

import logging
import signal
import sys

import click

from relay.errors import RelayError

EXPECTED_ERRORS: tuple = (RelayError,)


def kafka_options(command):
    """The connection options every Kafka command shares."""
    options = [
        click.option("--bootstrap", default="127.0.0.1:9092", show_default=True, metavar="HOST:PORT",
                     envvar="ZHILI_KAFKA", help="Broker(s), comma-separated [env ZHILI_KAFKA]."),
        click.option("--topic", "prefix", default="zhili", show_default=True, metavar="PREFIX",
                     help="Topic prefix: PREFIX.events, PREFIX.intake, PREFIX.certificates, PREFIX.entities."),
        click.option("--partitions", type=click.IntRange(1, 1000), default=3, show_default=True,
                     help="Partitions for topics this command creates."),
        click.option("--security-protocol", default="PLAINTEXT", show_default=True,
                     type=click.Choice(["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"])),
        click.option("--sasl-mechanism", type=click.Choice(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])),
        click.option("--sasl-username", metavar="NAME"),
        click.option("--sasl-password", metavar="SECRET", envvar="ZHILI_KAFKA_PASSWORD",
                     help="[env ZHILI_KAFKA_PASSWORD]"),
        click.option("--ssl-cafile", type=click.Path(exists=True, dir_okay=False), help="CA bundle for SSL."),
        click.option("--timeout", "timeout_s", type=click.FloatRange(0.5, 600), default=15.0, show_default=True,
                     metavar="SECONDS", help="How long to wait for the broker before giving up."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_from(options: dict):
    from relay.settings import KafkaSettings

    keys = ("bootstrap", "prefix", "partitions", "security_protocol", "sasl_mechanism",
            "sasl_username", "sasl_password", "ssl_cafile", "timeout_s")
    return KafkaSettings(**{k: options.pop(k) for k in keys})


def _say(line: str) -> None:
    click.echo(f"zhili: {line}", err=True)


def _stop_on_sigterm() -> "list[bool]":
    stopped = [False]

    def handle(_signum, _frame):
        stopped[0] = True

    signal.signal(signal.SIGTERM, handle)
    return stopped


def _quiet_kafka_logs() -> None:
    # kafka-python logs every failed reconnect at ERROR with a traceback: we report one line.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)


@click.command()
@kafka_options
@click.option("--once", is_flag=True, help="Publish what is pending, then exit (exit 1 if the broker is down).")
@click.option("--intake", is_flag=True,
              help="Also put received, unprocessed documents on PREFIX.intake for `zhili worker`.")
@click.option("--records/--no-records", default=True, show_default=True,
              help="Publish changed certificate and entity records to the compacted topics.")
@click.option("--poll", type=click.FloatRange(0.05, 60), default=1.0, show_default=True, metavar="SECONDS",
              help="Continuous mode: pause between passes when the log is idle.")
@click.option("--chunk", type=click.IntRange(1, 100000), default=5000, show_default=True,
              help="Events per acknowledged-and-checkpointed chunk.")
@click.pass_obj
def relay(ctx, once, intake, records, poll, chunk, **options) -> None:
    """Publish the event log to Kafka, resuming where it stopped.

    Events go to PREFIX.events (key = stream id, value = the event JSON that `zhili events`
    prints, header event_id), in log order per stream, at least once: the published
    position is checkpointed in the database only after the broker acknowledged.
    """
    from relay.outbox import OutboxRelay

    _quiet_kafka_logs()
    settings = settings_from(options)
    publisher = None
    if records:
        from relay.records import RecordPublisher

        publisher = RecordPublisher.for_store(ctx.store, settings)
    outbox = OutboxRelay(ctx.store, settings, intake=intake, record_publisher=publisher, chunk=chunk)
    try:
        if once:
            result = outbox.run_once()
            click.echo(f"published {result.published} events up to position {result.position}"
                       f" ({result.intake} intake, {result.records} records)", err=True)
        else:
            stopped = _stop_on_sigterm()
            outbox.run_forever(poll_s=poll, stop=lambda: stopped[0], say=_say)
    finally:
        outbox.close()


COMMANDS = [relay]
