"""Events in, tables and exports out: certificates, entities, the review queue, the summary.

Projections (`PROJECTIONS`): `documents` (proj_documents), `certificates`
(proj_cert_records), `entities` (proj_self_checks, proj_roster_rows), `review`
(proj_review_items, proj_corrections). Stored rows are facts, independent of today's date;
flags, statuses and cross-checks are computed when reading, for an as-of date
(`projections.views`).

Two clocks, never one: the *as-of* day is a parameter of evaluation (`views.*(facts, day)`:
which flags hold on that day), the *known-at* instant bounds the log read (`source(store,
known_at)`: which events count). Either can be given without the other.

Public API:

- `catch_up(store, only=None) -> int`: apply everything recorded since the checkpoints
  (intake calls it after every ingest).
- `follow(store, stop=lambda: False, interval=1.0) -> int`: catch up, then keep polling.
- `replay(store, known_at=None, only=None, progress=None) -> int`: rebuild into `*__new`
  tables and swap them in in one transaction; with `known_at` build into a temporary SQLite
  file instead (`known_at_engine(store, known_at)` yields it) and leave the live tables alone.
  Returns the events applied (the types projections read); `log_counts(store, known_at)` counts
  every event by type (their sum is what `verify` counts).
- `apply(engine, events, checkpoint_key=None, position_of=lambda e: e.position, only=None)
  -> int`: the same projection code for events from any source. `events` are
  RecordedEvent-like (`type, data, position, event_id, recorded_at`); each projection NAME
  checkpoints under `NAME@checkpoint_key`, e.g. `apply(engine, batch,
  checkpoint_key=f"kafka:{topic}:{partition}", position_of=lambda e: e.offset)`. Applying is
  exactly-once per key: a batch's rows and its checkpoint commit together.
- `source(store, known_at=None)`: a context manager yielding where to read (live, or the
  log as known at an instant); `views.load(engine)` then
  `views.certificates/entities/review_queue/summary(facts, day)`.
"""
from projections.engine import (
    PROJECTIONS,
    ProjectionError,
    apply,
    as_of_engine,
    catch_up,
    known_at_engine,
    log_counts,
    checkpoints,
    follow,
    replay,
    source,
)

__all__ = ["PROJECTIONS", "ProjectionError", "apply", "as_of_engine", "catch_up", "checkpoints", "follow",
           "known_at_engine", "log_counts", "replay", "source"]
