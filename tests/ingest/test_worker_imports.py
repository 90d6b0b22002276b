"""A reader process loads the readers, not the database layer or the command line."""
from __future__ import annotations

import subprocess
import sys


def test_a_reader_process_does_not_load_sqlalchemy():
    # What a spawned reader imports: the `zhili` script it re-runs (multiprocessing's spawn
    # re-imports the parent's main module), then the readers.
    code = ("import sys, zhili.cli, ingest.workers, ingest.processing, ingest.extract, ocr.reader; "
            "print(sorted(m for m in ('sqlalchemy', 'psycopg', 'kafka', 'click.testing') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
