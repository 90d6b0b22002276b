"""Commands that run zhili on Kafka: relay, worker, project.

Kafka is optional: the `relay` package (the only one that imports a Kafka client) is
loaded inside these commands, so every other command works with no broker and no client.
"""
from __future__ import annotations

import logging
import signal

import click

from relay.errors import RelayError

EXPECTED_ERRORS: tuple = (RelayError,)


def kafka_options(command):
    """The connection options every Kafka command shares."""
    options = [
        click.option("--bootstrap", default="127.0.0.1:9092", show_default=True, metavar="HOST:PORT",
                     envvar="ZHILI_KAFKA", help="Broker(s), comma-separated [env ZHILI_KAFKA]."),
        click.option("--topic", "prefix", default="zhili", show_default=True, metavar="PREFIX",
                     help="Topic prefix: PREFIX.events, PREFIX.intake, PREFIX.certificates[.public], PREFIX.entities[.public]."),
        click.option("--partitions", type=click.IntRange(1, 1000), default=3, show_default=True,
                     help="Partitions for topics this command creates."),
        click.option("--security-protocol", default="PLAINTEXT", show_default=True,
                     type=click.Choice(["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]),
                     help="How to reach the brokers (passed to the Kafka client)."),
        click.option("--sasl-mechanism", type=click.Choice(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
                     help="SASL mechanism, with --sasl-username and a password."),
        click.option("--sasl-username", metavar="NAME", help="SASL user name."),
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
              help="Publish changed certificate and entity records, masked, to the compacted topics "
                   "PREFIX.certificates.public and PREFIX.entities.public.")
@click.option("--full-records", is_flag=True,
              help="Also publish them unmasked (names, ID numbers) to PREFIX.certificates and PREFIX.entities, "
                   "for systems inside the bureau only.")
@click.option("--poll", type=click.FloatRange(0.05, 60), default=1.0, show_default=True, metavar="SECONDS",
              help="Continuous mode: pause between passes when the log is idle.")
@click.option("--records-every", "records_every_s", type=click.FloatRange(0), default=10.0, show_default=True,
              metavar="SECONDS", help="Continuous mode: refresh the record topics at most this often.")
@click.option("--chunk", type=click.IntRange(1, 100000), default=2000, show_default=True,
              help="Events per acknowledged-and-checkpointed chunk.")
@click.pass_obj
def relay(ctx, once, intake, records, full_records, poll, records_every_s, chunk, **options) -> None:
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

        publisher = RecordPublisher.for_store(ctx.store, settings, full=full_records)
    outbox = OutboxRelay(ctx.store, settings, intake=intake, record_publisher=publisher, chunk=chunk,
                         records_every_s=0 if once else records_every_s, say=_say)
    try:
        if once:
            result = outbox.run_once()
            click.echo(f"published {result.published} events up to position {result.position}"
                       f" ({result.intake} intake, {result.records} records)", err=True)
        else:
            stopped = _stop_on_sigterm()
            outbox.run_forever(poll_s=poll, stop=lambda: stopped[0])
    finally:
        outbox.close()



def _group_options(command):
    command = click.option("--group", metavar="ID", help="Consumer group [default: PREFIX.workers / PREFIX.projector].")(command)
    command = click.option(
        "--max-poll-interval", "max_poll_interval_s", type=click.FloatRange(1, 3600), default=300.0, show_default=True,
        metavar="SECONDS", help="Longest pause between polls before the group reassigns our partitions "
                                "(also how long some brokers wait for members when the group forms).")(command)
    return command


def _consumer_overrides(max_poll_interval_s: float) -> dict:
    interval_ms = int(max_poll_interval_s * 1000)
    session_ms = min(10000, interval_ms)
    return {"max_poll_interval_ms": interval_ms, "session_timeout_ms": session_ms,
            "heartbeat_interval_ms": max(100, session_ms // 3)}


@click.command()
@kafka_options
@_group_options
@click.option("--engine", type=click.Choice(["tesseract", "rapidocr", "auto"]), default="auto", show_default=True,
              help="OCR engine for scans.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Documents read at once (OCR processes).")
@click.option("--docs", metavar="DIR", envvar="ZHILI_DOCS",
              help="The shared document store folder [env ZHILI_DOCS].")
@click.option("--idle-exit", "idle_exit_s", type=click.FloatRange(0), metavar="SECONDS",
              help="Stop after this long without work (default: run until stopped).")
@click.pass_obj
def worker(ctx, group, max_poll_interval_s, engine, jobs, docs, idle_exit_s, **options) -> None:
    """Read documents from PREFIX.intake (filled by `zhili relay --intake`) into the shared store.

    Workers in one consumer group share the work. A document's offset is committed only
    after its events are appended; a redelivered document is found finished and skipped.
    Needs the document store the watcher writes (a shared folder, --docs).
    """
    from ingest.intake import Settings
    from relay.intake import IntakeWorker
    from zhili.cmd_intake import docs_for, log_lines, make_intake

    _quiet_kafka_logs()
    settings = settings_from(options)
    store = ctx.store
    intake = make_intake(store, docs_for(ctx, docs), Settings(engine=engine, jobs=jobs, move=False), log_lines())

    def process(work) -> None:
        for doc_id, _received in work:
            intake.enqueue(doc_id)
        intake.drain()

    stopped = _stop_on_sigterm()
    runner = IntakeWorker(store, settings, process, group_id=group, jobs=jobs,
                          **_consumer_overrides(max_poll_interval_s))
    try:
        stats = runner.run(stop=lambda: stopped[0], idle_exit_s=idle_exit_s)
    finally:
        intake.close()
    click.echo(f"{stats.processed} processed, {stats.skipped} already done", err=True)


@click.command()
@click.option("--from-kafka", "from_kafka", is_flag=True, help="Read the events from PREFIX.events (required).")
@kafka_options
@_group_options
@click.option("--once", is_flag=True, help="Stop once the assigned partitions are drained.")
@click.pass_obj
def project(ctx, from_kafka, group, max_poll_interval_s, once, **options) -> None:
    """Keep a read-model database's projections current from PREFIX.events.

    --db names the read model, a database of its own: `zhili export` and `zhili report`
    work on it as on the embedded one. Projectors in one consumer group share the
    partitions; each applies exactly once per partition, dropping re-sent events.
    """
    if not from_kafka:
        raise click.UsageError("project reads the log from Kafka: give --from-kafka "
                               "(with the embedded log, ingest and replay keep projections current)")
    from relay.projector import KafkaProjector

    _quiet_kafka_logs()
    settings = settings_from(options)
    store = ctx.store
    held, _ = store.head()
    if held:
        raise RelayError(f"this database holds the event log itself ({held} events), whose projections the "
                         "embedded runner keeps: give `project --from-kafka` a read-model database of its own")
    stopped = _stop_on_sigterm()
    projector = KafkaProjector(store.engine, settings, group_id=group, **_consumer_overrides(max_poll_interval_s))
    stats = projector.run(stop=lambda: stopped[0], once=once)
    click.echo(f"applied {stats.applied} of {stats.received} events received", err=True)


COMMANDS = [relay, worker, project]
