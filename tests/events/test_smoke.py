from events import ConcurrencyError, NewEvent


def test_append_read_and_conflict(store):
    assert store.append("s", [NewEvent("A", {"n": 1})], expected_version=0) == [1]
    try:
        store.append("s", [NewEvent("A", {"n": 2})], expected_version=0)
    except ConcurrencyError:
        pass
    else:
        raise AssertionError("stale expected version was accepted")
    assert [e.data for e in store.read_all()] == [{"n": 1}]
