"""--data-dir: every acknowledged write survives SIGKILL; restart replays the log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cassandra.concurrent import execute_concurrent_with_args

from spec.server_process import ScyllaLiteProcess

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SCYLLA_HOSTS")), reason="kills and restarts the embedded server process"
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """Where the subprocess server keeps its data for this test."""
    yield tmp_path / "data"


def test_acknowledged_writes_survive_sigkill(data_dir: Path) -> None:
    server = ScyllaLiteProcess(data_dir)
    s = server.connect()
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE d.t (k int, c int, v text, tags set<text>, PRIMARY KEY (k, c))")
    ins = s.prepare("INSERT INTO d.t (k, c, v, tags) VALUES (?, ?, ?, ?)")
    results = execute_concurrent_with_args(
        s, ins, [(i % 50, i, f"v{i}", {f"t{i}"}) for i in range(2000)], concurrency=64
    )
    assert all(ok for ok, _ in results)
    s.execute("UPDATE d.t SET tags = tags + {'extra'}, v = 'changed' WHERE k = 0 AND c = 0")
    s.execute("DELETE FROM d.t WHERE k = 1 AND c = 1")
    server.kill()

    server = ScyllaLiteProcess(data_dir)
    try:
        s = server.connect()
        rows = {(r.k, r.c): r for r in s.execute("SELECT * FROM d.t")}
        assert len(rows) == 1999
        assert rows[(0, 0)].v == "changed" and rows[(0, 0)].tags == {"t0", "extra"}
        assert (1, 1) not in rows
        assert all(rows[(i % 50, i)].v == f"v{i}" for i in range(2, 2000))
    finally:
        assert server.stop() == 0


def test_clean_restart_uses_snapshot_and_torn_tail_is_dropped(data_dir: Path) -> None:
    server = ScyllaLiteProcess(data_dir)
    s = server.connect()
    s.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute("CREATE TABLE d.kv (k text PRIMARY KEY, v int)")
    for i in range(100):
        s.execute("INSERT INTO d.kv (k, v) VALUES (%s, %s)", (f"k{i}", i))
    assert server.stop() == 0  # clean stop writes a snapshot and empties the log
    assert (data_dir / "snapshot").exists()
    assert (data_dir / "commitlog").stat().st_size == 0

    server = ScyllaLiteProcess(data_dir)
    s = server.connect()
    s.execute("INSERT INTO d.kv (k, v) VALUES ('after', 1)")
    server.kill()
    with open(data_dir / "commitlog", "ab") as f:  # a write torn by the crash
        f.write(b"\x00\x00\x01\x00garbage")

    server = ScyllaLiteProcess(data_dir)
    try:
        s = server.connect()
        got = {r.k: r.v for r in s.execute("SELECT k, v FROM d.kv")}
        assert len(got) == 101 and got["after"] == 1 and got["k42"] == 42
    finally:
        assert server.stop() == 0
