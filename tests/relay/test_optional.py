"""Kafka stays optional: the embedded default never loads a Kafka client."""
from __future__ import annotations

import subprocess
import sys


def test_the_command_line_loads_no_kafka_client_until_a_kafka_command_runs(tmp_path):
    probe = (
        "import sys\n"
        "from zhili.cli import main\n"
        "try:\n"
        f"    main(['--db', 'sqlite:///{tmp_path / 'z.db'}', 'events'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('kafka', 'confluent_kafka'))\n"
        "assert not loaded, loaded\n"
        "print('clean')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "clean", done.stderr
