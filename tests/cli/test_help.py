"""Every command is documented: a user can learn the CLI from `--help` alone."""
from __future__ import annotations

import click
from click.testing import CliRunner

from zhili.cli import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def test_every_command_and_option_has_help_text():
    seen = []
    for path, command in _commands(cli):
        seen.append(" ".join(path))
        assert (command.help or "").strip(), f"zhili {' '.join(path)} has no help text"
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and param.name != "help":
                assert (param.help or "").strip(), f"zhili {' '.join(path)} {param.opts[0]} has no help text"
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, result.output
    for contract_command in ("ingest", "watch", "replay", "verify", "events", "export", "report summary",
                             "explain", "review list", "review correct", "relay"):
        assert contract_command in seen
