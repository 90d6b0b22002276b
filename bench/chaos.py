"""Fault probes at scale: hundreds of SIGKILLs of `zhili watch`, and a second watcher.

    .venv/bin/python bench/chaos.py [--runs 10] [--kills 30] [--files 20] [--db sqlite|postgres]

Each run drops `--files` text-layer PDFs (every fifth the same bytes as an earlier one)
into a fresh intake, kills a watcher with SIGKILL `--kills` times at random moments (half
the runs with a second watcher on the same folder), finishes with one clean `watch --once`,
and checks the invariants of `tests/chaos/harness.py`: every file in exactly one place,
one document per content, `zhili verify` passes, exports equal a fresh replay. Prints
runs, kills, files lost, doubled, documents wrong, verify failures, export mismatches.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import uuid
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

from tests.chaos.harness import Findings, Run, sigkill_loop, two_watchers  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--kills", type=int, default=30)
    p.add_argument("--files", type=int, default=20)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    total, kills = Findings(), 0
    for n in range(a.runs):
        rng = random.Random(a.seed * 1000 + n)
        with tempfile.TemporaryDirectory() as tmp:
            if a.db == "sqlite":
                url = f"sqlite:///{tmp}/z.db"
            else:
                import sqlalchemy as sa

                schema = f"chaos_{uuid.uuid4().hex[:10]}"
                with sa.create_engine(PG).begin() as conn:
                    conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
                url = f"{PG}?options=-csearch_path%3D{schema}"
            run = Run(Path(tmp), url, n=a.files, seed=n)
            run.drop()
            if n % 2:
                kills += two_watchers(run, a.kills, rng)
            else:
                kills += sigkill_loop(run, a.kills, rng, 0.2, 1.5)
            run.finish()
            found = run.check()
            total.add(found)
            print(f"run {n + 1}: {a.kills} kills, {'ok' if found.ok else found.notes[:5]}", flush=True)
    print(f"runs {a.runs}, kills {kills}, files {total.files}, lost {total.lost}, doubled {total.doubled}, "
          f"documents wrong {total.documents_wrong}, verify failures {total.verify_failures}, "
          f"export mismatches {total.export_mismatches}, tracebacks {total.tracebacks}")
    return 0 if total.ok else 1


if __name__ == "__main__":
    sys.exit(main())
