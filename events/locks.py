"""The database's advisory lock ids, in one registry: every writer that serialises on
PostgreSQL takes a key of its own here, so no two jobs queue behind each other by accident.
(SQLite has one writer at a time and takes no key.)"""
from __future__ import annotations

import enum


@enum.unique  # two names for one id would make two writers one
class AdvisoryLock(enum.IntEnum):
    LOG = 7468011  # appends and erasures: positions commit in position order
    PROJECTIONS = 7468012  # a projection's tables: projecting never blocks appends
