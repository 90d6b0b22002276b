"""How events become text: payloads as stored JSON with their digests, and the canonical
JSON of the chain's headers. Light to import (no database): events are serialised where
they are made."""
from __future__ import annotations

import json
from hashlib import sha256
from typing import Any, Callable

import orjson

# Stdlib json, not a faster library, writes the chain's headers: an auditor recomputes
# them with nothing but Python. NaN and Infinity are not JSON and are refused.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def canonical_json(value: Any) -> str:
    """The serialisation of a chain header (documented in the README), and of whatever
    else must be reproducible from the value alone (relay digests)."""
    return _CANONICAL.encode(value)


def text_digest(text: str) -> str:
    """The digest of a stored payload column: sha256 of its UTF-8 text."""
    return sha256(text.encode("utf-8")).hexdigest()


def digest(value: Any) -> str:
    return text_digest(canonical_json(value))


# A stored payload is hashed as stored, so no auditor ever re-serialises one: its text
# need not be stdlib's, only valid JSON of exactly the value given. orjson writes it in a
# fraction of the time, but is laxer than the stdlib: it writes NaN and Infinity as null
# and turns UUIDs and enums into strings and numbers. Passthrough makes it refuse the
# types it can be told to refuse (handing them to a default that raises); whatever it did
# write must read back equal to the value (a NaN never equals the null written for it, a
# UUID never equals its string), or the stdlib encoder decides, which writes the
# canonical form or refuses, as it always did. It also decides for what orjson cannot
# write at all: ints beyond 64 bits, keys that are not strings, nesting deeper than 254.
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def payload_writer() -> Callable[[Any], tuple[str, str]]:
    """A payload_json with a memory of the last payload it wrote.

    Events made together usually share their metadata (one actor, one source): a value
    whose JSON is byte for byte the last one's, and which equals what that JSON reads back
    as, passes the same check the last one did (it reads back equal to itself), so it has
    the same text and digest without parsing and hashing it again. Equality alone would
    not do: 1, 1.0 and True are equal but written differently.
    """
    dumps, loads, encode_error, options = orjson.dumps, orjson.loads, orjson.JSONEncodeError, _OPTIONS
    # (bytes, the value they read back as, (text, digest)): one object, so that threads
    # sharing the writer each see one whole payload, never parts of two.
    memory = (b"{}", {}, ("{}", text_digest("{}")))

    def write(value: Any) -> tuple[str, str]:
        """(text, digest) of a payload as stored: compact JSON with sorted keys, and the
        sha256 of its UTF-8 bytes. Raises TypeError or ValueError, as canonical_json does,
        for a value that is not JSON."""
        nonlocal memory
        try:
            encoded = dumps(value, default=_refuse, option=options)
        except encode_error:
            return _canonical_payload(value)
        last = memory
        if encoded == last[0] and value == last[1]:
            return last[2]
        read_back = loads(encoded)
        if read_back != value:
            return _canonical_payload(value)
        payload = encoded.decode("utf-8"), sha256(encoded).hexdigest()
        memory = (encoded, read_back, payload)
        return payload

    return write


def _canonical_payload(value: Any) -> tuple[str, str]:
    text = canonical_json(value)
    return text, text_digest(text)


payload_json = payload_writer()


def load_json(text: str) -> Any:
    """Parse a stored payload: orjson for speed, stdlib for what orjson refuses (ints
    beyond 64 bits), so every stored payload reads back."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
