"""Verify a zhili event log from a CSV dump, with nothing but Python (for auditors).

    sqlite3 -header -csv zhili.db "SELECT * FROM zhili_events ORDER BY position" > log.csv
    psql -c "\\copy (SELECT * FROM zhili_events ORDER BY position) TO 'log.csv' CSV HEADER"
    python3 audit.py log.csv        # prints: ok: N events, head POSITION:HASH

This file is the README's auditor script, kept here so a test proves it right.
"""
import csv, hashlib, json, sys

def sha256(text): return hashlib.sha256(text.encode("utf-8")).hexdigest()

def audit(path):
    csv.field_size_limit(sys.maxsize)
    prev, position, unrecorded = "0" * 64, 0, set()
    for row in csv.DictReader(open(path, encoding="utf-8", newline="")):
        position += 1
        where = f"position {position}"
        assert int(row["position"]) == position, f"{where} is missing (found {row['position']})"
        assert row["prev_hash"] == prev, f"{where}: prev_hash is not the previous row's hash"
        if row["erased"] in ("1", "t", "true", "True"):  # erased: payload gone, digests kept
            unrecorded.add(position)
        else:
            assert sha256(row["data"]) == row["data_digest"], f"{where}: data was changed"
            assert sha256(row["metadata"]) == row["metadata_digest"], f"{where}: metadata was changed"
            if (row["stream_id"], row["type"]) == ("zhili-erasures", "PayloadsErased"):
                try:
                    unrecorded -= set(json.loads(row["data"])["positions"])
                except (KeyError, TypeError):  # not the shape erase() writes: it records nothing
                    pass
        header = {k: row[k] for k in ("event_id", "stream_id", "type", "data_digest", "metadata_digest", "recorded_at")}
        header.update({k: int(row[k]) for k in ("position", "stream_version", "schema_version")})
        prev = sha256(prev + json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
        assert prev == row["hash"], f"{where}: hash does not match the header"
    assert not unrecorded, f"position {min(unrecorded)}: erased, but no PayloadsErased event records it"
    return f"ok: {position} events, head {position}:{prev}"

if __name__ == "__main__":
    try:
        print(audit(sys.argv[1]))
    except AssertionError as problem:
        sys.exit(f"BAD: {problem}")
