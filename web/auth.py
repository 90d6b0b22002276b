"""Roles by bearer token: who may read what, who may write, whose reads are masked.

Tokens come from `zhili serve --tokens FILE` or the environment variable ZHILI_TOKENS,
one `ROLE TOKEN NAME` per line (NAME may contain spaces; `#` starts a comment). The name
is the actor recorded in the metadata of every event a request appends.
"""
from __future__ import annotations

import hmac
import os
from dataclasses import dataclass

ROLES = {
    # projections: certificates, entities, summary, deadlines. review: the queue, documents,
    # originals, explain. events: the log itself and the chain check.
    "clerk": frozenset({"projections", "review", "upload", "correct"}),
    "auditor": frozenset({"projections", "review", "events", "verify"}),
    "downstream": frozenset({"projections"}),
}
# No tokens configured (allowed on 127.0.0.1 only): the one person at this machine may do
# what a clerk and an auditor may, and is recorded as local:$USER.
LOCAL_ROLE = "local"
ROLES[LOCAL_ROLE] = ROLES["clerk"] | ROLES["auditor"]
MASKED_ROLES = frozenset({"downstream"})
ROLE_NAMES_ZH = {"clerk": "业务员", "auditor": "审计员", "downstream": "下游系统", LOCAL_ROLE: "本机用户"}


class TokenFileError(ValueError):
    """A tokens file line that is not `ROLE TOKEN NAME`."""


@dataclass(frozen=True)
class User:
    role: str
    name: str

    def may(self, right: str) -> bool:
        return right in ROLES[self.role]

    @property
    def masked(self) -> bool:
        return self.role in MASKED_ROLES


def parse_tokens(text: str, origin: str = "tokens") -> dict[str, User]:
    users: dict[str, User] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise TokenFileError(f"{origin} line {number}: expected ROLE TOKEN NAME")
        role, token, name = parts
        if role not in ROLES or role == LOCAL_ROLE:
            raise TokenFileError(f"{origin} line {number}: unknown role {role!r} (valid: clerk, auditor, downstream)")
        if len(token) < 8:
            raise TokenFileError(f"{origin} line {number}: a token needs at least 8 characters")
        if token in users:
            raise TokenFileError(f"{origin} line {number}: the same token twice")
        users[token] = User(role, name.strip())
    return users


def load_tokens(path: str | None) -> dict[str, User]:
    """The file named, else ZHILI_TOKENS (the text itself, or a path to a file), else none."""
    if path:
        with open(path, encoding="utf-8") as f:
            return parse_tokens(f.read(), path)
    env = os.environ.get("ZHILI_TOKENS", "")
    if env and "\n" not in env and os.path.isfile(env):
        with open(env, encoding="utf-8") as f:
            return parse_tokens(f.read(), env)
    return parse_tokens(env, "ZHILI_TOKENS")


class Tokens:
    def __init__(self, users: dict[str, User]):
        self._users = users

    def __bool__(self) -> bool:
        return bool(self._users)

    def user(self, token: str | None) -> User | None:
        if not self._users:
            return User(LOCAL_ROLE, "local:" + (os.environ.get("USER") or "user"))
        if not token:
            return None
        for known, user in self._users.items():  # compare every token in constant time
            if hmac.compare_digest(known.encode(), token.encode()):
                return user
        return None
