"""docker-compose.yml runs real zhili commands (Docker itself cannot run here)."""
from __future__ import annotations

from pathlib import Path

import click
import yaml

from zhili.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def services() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def parse(args: list[str]) -> click.Context:
    """Parse a zhili command line exactly as the CLI would, without running it."""
    name, *rest = args  # the services set --db through ZHILI_DB, so the command comes first
    group_ctx = click.Context(cli, info_name="zhili")
    command = cli.get_command(group_ctx, name)
    if command is None:
        raise click.UsageError(f"no such command {name!r}")
    return command.make_context(name, rest, parent=group_ctx)


def test_every_zhili_service_runs_a_real_command_with_valid_options():
    zhili_services = {n: s for n, s in services().items() if s.get("image", "").startswith("zhili")}
    commands = {n: s["command"] for n, s in zhili_services.items()}
    assert sorted(c[0] for c in commands.values()) == ["project", "relay", "watch", "worker", "worker"]
    for name, command in commands.items():
        ctx = parse(command)  # raises on an unknown command or option
        assert ctx.command.name == command[0], name
    assert "--from-kafka" in commands["projector"] and "--intake" in commands["relay"]
    assert "--claim-only" in commands["watcher"]  # reading is the workers' job, not done twice


def test_the_stack_has_its_broker_database_and_shared_volumes():
    found = services()
    assert found["kafka"]["image"].startswith("apache/kafka:")
    assert found["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert found["postgres"]["image"].startswith("postgres:")
    mounts = {n: {v.split(":")[1] for v in s.get("volumes", [])} for n, s in found.items()}
    assert "/intake" in mounts["watcher"]
    assert all("/docs" in mounts[n] for n in ("watcher", "worker-1", "worker-2"))
    assert (ROOT / "Dockerfile").is_file()
    read_model = found["projector"]["environment"]["ZHILI_DB"]
    assert read_model != found["relay"]["environment"]["ZHILI_DB"]  # the projector writes its own database
