"""The documentation tells the truth about the code (as sqlite-utils tests its docs).

- every `zhili ...` command shown in README.md or docs/ names a real command, and every
  option it shows is an option of that command;
- every command of the CLI is shown somewhere in the docs;
- the auditor's script printed in docs/event-log.md is, line for line, `events/audit.py`;
- the clerks' manual explains every reason code a clerk can meet.
"""
from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from zhili.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])\b")


def _code_blocks(path: Path) -> list[str]:
    return FENCE.findall(path.read_text(encoding="utf-8"))


def _shown_commands() -> list[tuple[Path, str]]:
    """(file, command line) for every `zhili ...` line in a code block; a synopsis's
    continuation lines (indented, starting with `[`) are joined to their command."""
    shown = []
    for path in DOCS:
        for block in _code_blocks(path):
            for line in block.splitlines():
                text = line.split(" # ")[0].strip()
                if shown and shown[-1][0] == path and line.startswith(" ") and text.startswith("["):
                    shown[-1] = (path, shown[-1][1] + " " + text)
                elif re.match(r"^(\.\./)?(\.venv/bin/)?zhili( |$)", text):
                    shown.append((path, text))
    return shown


def _resolve(words: list[str]) -> tuple[list[str], click.Command]:
    """The command a line names, and its path: `--db URL` skipped, groups descended."""
    command: click.Command = cli
    path: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--db":
            i += 2
            continue
        if isinstance(command, click.Group) and word in command.commands:
            command = command.commands[word]
            path.append(word)
            i += 1
            continue
        break
    return path, command


def _options(command: click.Command) -> set[str]:
    opts = {"--help", "-h"}
    for param in command.params:
        opts.update(param.opts)
        opts.update(param.secondary_opts)
    return opts


def _shown_ids():
    return [f"{p.name}: {line[:60]}" for p, line in _shown_commands()]


@pytest.mark.parametrize("where,line", _shown_commands(), ids=_shown_ids())
def test_a_shown_command_is_a_real_command_with_real_options(where, line):
    words = line.split("|")[0].replace("\\", " ").split()[1:]
    path, command = _resolve(words)
    assert path, f"{where.name}: `{line}` names no zhili command"
    if isinstance(command, click.Group):
        rest = [w for w in words[len(path):] if not w.startswith("-")]
        # `zhili review list|correct`-style alternatives in a synopsis name subcommands
        names = [n for w in rest[:1] for n in re.split(r"[|/]", w) if n]
        assert names and all(n in command.commands for n in names), f"{where.name}: `{line}`: no subcommand"
        return
    known = _options(command) | _options(cli)
    for option in OPTION.findall(" ".join(words[len(path):])):
        assert option in known, f"{where.name}: `{line}`: zhili {' '.join(path)} has no option {option}"


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _all_commands(command, prefix + (name,))
        else:
            yield prefix + (name,)


def test_every_command_is_documented():
    shown = {tuple(_resolve(line.split()[1:])[0]) for _, line in _shown_commands()}
    tables = " ".join(p.read_text(encoding="utf-8") for p in DOCS)
    for path in _all_commands(cli):
        documented = path in shown or f"zhili {' '.join(path)}" in tables
        assert documented, f"zhili {' '.join(path)} is not shown in README.md or docs/"


def test_the_auditors_script_in_the_docs_is_events_audit_py():
    audit = (ROOT / "events" / "audit.py").read_text(encoding="utf-8")
    code = audit[audit.index('"""', 3) + 3:].strip()  # the file less its docstring
    printed = [b.strip() for b in _code_blocks(ROOT / "docs" / "event-log.md") if "def audit(" in b]
    assert printed, "docs/event-log.md prints no auditor's script"
    assert printed[0] == code, "the script in docs/event-log.md differs from events/audit.py"


def test_the_clerks_manual_explains_every_reason_code():
    from ingest.reasons import REASONS
    from ocr.page import REASONS as READING_REASONS

    manual = (ROOT / "docs" / "操作手册.md").read_text(encoding="utf-8")
    for code in sorted(set(REASONS) | set(READING_REASONS)):
        assert f"`{code}`" in manual, f"docs/操作手册.md does not explain the reason code {code}"
