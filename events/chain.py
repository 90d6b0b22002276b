"""The hash chain: what each row's hash covers, and the fast spelling of its header."""
from __future__ import annotations

import json
from hashlib import sha256
from typing import Any, Callable

from events.payload import canonical_json

GENESIS_HASH = "0" * 64


def chain_hash(prev_hash: str, header: dict[str, Any]) -> str:
    return sha256((prev_hash + canonical_json(header)).encode("utf-8")).hexdigest()


_json_string = json.encoder.encode_basestring  # the very function canonical_json uses for str


def header_writer(stream_id: str, recorded_at: str) -> Callable[[int, str, int, str, int, str, str], str]:
    """For a batch's events (one stream, one instant): a function of an event's other
    header fields giving canonical_json(hash_header(row)), spelled out with the keys in
    sorted order. The append path builds a header per event without a dict and a sort,
    and escapes what the batch shares once; digests are sha256 hex, which JSON writes as
    it is. A test holds the result equal to canonical_json's."""
    stream_json, recorded_json = _json_string(stream_id), _json_string(recorded_at)

    def header(position: int, event_id: str, stream_version: int, type: str, schema_version: int,
               data_digest: str, metadata_digest: str) -> str:
        if schema_version.__class__ is not int:  # e.g. a bool, which JSON spells differently
            return canonical_json({
                "position": position, "event_id": event_id, "stream_id": stream_id, "stream_version": stream_version,
                "type": type, "schema_version": schema_version, "data_digest": data_digest,
                "metadata_digest": metadata_digest, "recorded_at": recorded_at,
            })
        return (
            f'{{"data_digest":"{data_digest}","event_id":{_json_string(event_id)},'
            f'"metadata_digest":"{metadata_digest}","position":{position},"recorded_at":{recorded_json},'
            f'"schema_version":{schema_version},"stream_id":{stream_json},"stream_version":{stream_version},'
            f'"type":{_json_string(type)}}}'
        )

    return header


def hash_header(row: dict[str, Any]) -> dict[str, Any]:
    """The fields the chain covers: payload digests, not payloads, so data can be erased."""
    return {
        "position": row["position"],
        "event_id": row["event_id"],
        "stream_id": row["stream_id"],
        "stream_version": row["stream_version"],
        "type": row["type"],
        "schema_version": row["schema_version"],
        "data_digest": row["data_digest"],
        "metadata_digest": row["metadata_digest"],
        "recorded_at": row["recorded_at"],
    }
