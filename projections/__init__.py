"""Events in, tables and exports out: certificates, entities, the review queue, the summary.

Projections (`PROJECTIONS`): `documents` (proj_documents), `certificates`
(proj_cert_records), `entities` (proj_self_checks, proj_roster_rows), `review`
(proj_review_items, proj_corrections). Stored rows are facts, independent of today's date;
flags, statuses and cross-checks are computed when reading, for an as-of date
(`projections.views`).

Public API:

- `catch_up(store, only=None) -> int`: apply everything recorded since the checkpoints
  (intake calls it after every ingest).
- `follow(store, stop=lambda: False, interval=1.0) -> int`: catch up, then keep polling.
- `replay(store, as_of=None, only=None, progress=None) -> int`: rebuild into `*__new`
  tables and swap them in in one transaction; with `as_of` build into a temporary SQLite
  file instead (`as_of_engine(store, as_of)` yields it) and leave the live tables alone.
- `apply(engine, events, checkpoint_key=None, position_of=lambda e: e.position, only=None)
  -> int`: the same projection code for events from any source. `events` are
  RecordedEvent-like (`type, data, position, event_id, recorded_at`); each projection NAME
  checkpoints under `NAME@checkpoint_key`, e.g. `apply(engine, batch,
  checkpoint_key=f"kafka:{topic}:{partition}", position_of=lambda e: e.offset)`. Applying is
  exactly-once per key: a batch's rows and its checkpoint commit together.
- `source(store, as_of=None)`: a context manager yielding where to read (live or as-of);
  `views.load(engine)` then `views.certificates/entities/review_queue/summary`.
"""
from projections.engine import (
    PROJECTIONS,
    ProjectionError,
    apply,
    as_of_engine,
    catch_up,
    checkpoints,
    follow,
    replay,
    source,
)

__all__ = ["PROJECTIONS", "ProjectionError", "apply", "as_of_engine", "catch_up", "checkpoints", "follow", "replay", "source"]
