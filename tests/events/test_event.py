"""Events apart from any database: payloads that are not JSON, snapshots, pickling, the
fast chain header, event ids."""
from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import NewEvent

class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int


# What the stdlib canonical encoder refuses, payloads refuse too, though orjson (which
# writes most of them) would write NaN as null, a UUID as its string, an enum as its value.
NOT_JSON = [float("nan"), float("inf"), -float("inf"), datetime(2026, 3, 1), date(2026, 3, 1),
            uuid.UUID(int=7), Colour.RED, Point(1), {1, 2}, b"bytes", object()]


@pytest.mark.parametrize("value", NOT_JSON, ids=repr)
def test_a_payload_that_is_not_json_is_refused_like_the_canonical_encoder_does(value):
    from events.payload import canonical_json, payload_json

    for payload in ({"v": value}, {"v": [1, {"w": value}]}):
        with pytest.raises((TypeError, ValueError)) as canonical:
            canonical_json(payload)
        with pytest.raises(canonical.type):
            payload_json(payload)


def test_equal_metadata_written_differently_is_stored_as_given():
    # Events made in a row share their metadata's serialisation when it is the same JSON;
    # 1, 1.0 and True are equal in Python but are not the same JSON.
    events = [NewEvent("A", {}, {"n": n}) for n in (1, 1.0, True, 1, float("1"))]
    assert [e.metadata_json for e in events] == ['{"n":1}', '{"n":1.0}', '{"n":true}', '{"n":1}', '{"n":1.0}']
    assert [type(e.metadata["n"]) for e in events] == [int, float, bool, int, float]


def test_a_new_event_survives_pickling_for_worker_processes():
    import pickle

    event = NewEvent("A", {"text": "泰山区", "n": 2**70}, {"actor": "reader"}, event_id="e-1", schema_version=2)
    copy = pickle.loads(pickle.dumps(event))
    assert copy == event and copy.data == {"text": "泰山区", "n": 2**70} and copy.schema_version == 2
    assert event.replace(data={"n": 3}) == NewEvent("A", {"n": 3}, {"actor": "reader"}, event_id="e-1", schema_version=2)


HEX_DIGEST = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@settings(max_examples=200, deadline=None)
@given(stream_id=st.text(max_size=30), type_=st.text(max_size=20), event_id=st.text(max_size=40),
       recorded_at=st.text(max_size=40), digests=st.tuples(HEX_DIGEST, HEX_DIGEST),
       numbers=st.tuples(st.integers(0, 2**62), st.integers(0, 2**31), st.integers(-5, 2**31) | st.booleans()))
def test_the_fast_header_is_exactly_the_canonical_one(stream_id, type_, event_id, recorded_at, digests, numbers):
    from events.chain import hash_header, header_writer
    from events.payload import canonical_json

    position, stream_version, schema_version = numbers
    data_digest, metadata_digest = digests
    row = {"position": position, "event_id": event_id, "stream_id": stream_id, "stream_version": stream_version,
           "type": type_, "schema_version": schema_version, "data_digest": data_digest,
           "metadata_digest": metadata_digest, "recorded_at": recorded_at}
    header = header_writer(stream_id, recorded_at)
    assert header(position, event_id, stream_version, type_, schema_version, data_digest, metadata_digest) == (
        canonical_json(hash_header(row)))


def test_default_event_ids_are_time_ordered_uuid7():
    import uuid

    from events.event import new_event_id

    ids = [new_event_id() for _ in range(50)]
    assert all(uuid.UUID(i).version == 7 and str(uuid.UUID(i)) == i for i in ids)
    assert len(set(ids)) == 50
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)  # the millisecond prefix never goes back


def test_a_forked_process_does_not_repeat_its_parents_event_ids():
    import multiprocessing

    from events.event import new_event_id

    new_event_id()
    mp = multiprocessing.get_context("fork")
    child_ids = mp.Queue()
    child = mp.Process(target=lambda: child_ids.put([new_event_id() for _ in range(20)]))
    child.start()
    theirs = child_ids.get(timeout=30)
    child.join(30)
    ours = [new_event_id() for _ in range(20)]
    # Past the millisecond and the version digit, an id is all random bits.
    assert not {i[15:] for i in ours} & {i[15:] for i in theirs}
