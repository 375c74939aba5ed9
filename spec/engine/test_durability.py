"""--data-dir: every acknowledged write survives SIGKILL; restart replays the log."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cassandra.cluster import Cluster
from cassandra.concurrent import execute_concurrent_with_args

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SCYLLA_HOSTS")), reason="kills and restarts the embedded server process"
)


class Process:
    def __init__(self, data_dir: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scylla_lite",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data-dir",
                str(data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert m, (
            f"no listening line: {line!r} {self.proc.stderr.read() if self.proc.poll() is not None else ''}"
        )
        self.port = int(m.group(1))

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(10)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def _session(port: int) -> tuple[Cluster, object]:
    cluster = Cluster(["127.0.0.1"], port=port, connect_timeout=10)
    return cluster, cluster.connect()


def test_acknowledged_writes_survive_sigkill(data_dir: Path) -> None:
    server = Process(data_dir)
    cluster, s = _session(server.port)
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE d.t (k int, c int, v text, tags set<text>, PRIMARY KEY (k, c))")
    ins = s.prepare("INSERT INTO d.t (k, c, v, tags) VALUES (?, ?, ?, ?)")
    results = execute_concurrent_with_args(
        s, ins, [(i % 50, i, f"v{i}", {f"t{i}"}) for i in range(2000)], concurrency=64
    )
    assert all(ok for ok, _ in results)
    s.execute("UPDATE d.t SET tags = tags + {'extra'}, v = 'changed' WHERE k = 0 AND c = 0")
    s.execute("DELETE FROM d.t WHERE k = 1 AND c = 1")
    cluster.shutdown()
    server.kill()

    server = Process(data_dir)
    try:
        cluster, s = _session(server.port)
        rows = {(r.k, r.c): r for r in s.execute("SELECT * FROM d.t")}
        assert len(rows) == 1999
        assert rows[(0, 0)].v == "changed" and rows[(0, 0)].tags == {"t0", "extra"}
        assert (1, 1) not in rows
        assert all(rows[(i % 50, i)].v == f"v{i}" for i in range(2, 2000))
        cluster.shutdown()
    finally:
        assert server.stop() == 0


def test_clean_restart_uses_snapshot_and_torn_tail_is_dropped(data_dir: Path) -> None:
    server = Process(data_dir)
    cluster, s = _session(server.port)
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE d.kv (k text PRIMARY KEY, v int)")
    for i in range(100):
        s.execute("INSERT INTO d.kv (k, v) VALUES (%s, %s)", (f"k{i}", i))
    cluster.shutdown()
    assert server.stop() == 0  # clean stop writes a snapshot and empties the log
    assert (data_dir / "snapshot").exists()
    assert (data_dir / "commitlog").stat().st_size == 0

    server = Process(data_dir)
    cluster, s = _session(server.port)
    s.execute("INSERT INTO d.kv (k, v) VALUES ('after', 1)")
    cluster.shutdown()
    server.kill()
    with open(data_dir / "commitlog", "ab") as f:  # a write torn by the crash
        f.write(b"\x00\x00\x01\x00garbage")

    server = Process(data_dir)
    try:
        cluster, s = _session(server.port)
        got = {r.k: r.v for r in s.execute("SELECT k, v FROM d.kv")}
        assert len(got) == 101 and got["after"] == 1 and got["k42"] == 42
        cluster.shutdown()
    finally:
        assert server.stop() == 0
