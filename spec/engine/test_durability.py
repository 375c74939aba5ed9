"""--data-dir: every acknowledged write survives SIGKILL; restart replays the log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import BatchStatement, BatchType

from scylla_lite.durability import LOG_HEADER_SIZE
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
    assert (data_dir / "commitlog").stat().st_size == LOG_HEADER_SIZE  # a header, no records

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


# --------------------------------------------------------------------------- batches

MAX, MIN = 2**63 - 1, -(2**63)
BATCH_SETUP = (
    "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TABLE d.kv (k int PRIMARY KEY, v int)",
    "CREATE TABLE d.ls (k int PRIMARY KEY, l list<int>, v int)",
    "CREATE TABLE d.ct (k int PRIMARY KEY, n counter)",
    "INSERT INTO d.ls (k, l) VALUES (0, [1, 2])",
    "UPDATE d.ct SET n = n + 1 WHERE k = 0",
)


def batch_tables(s: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the batch tests' tables, each table's sorted."""
    return {
        t: sorted((tuple(r) for r in s.execute(f"SELECT * FROM d.{t}")), key=repr) for t in ("kv", "ls", "ct")
    }


def after_a_crash(server: ScyllaLiteProcess, data_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """kill -9 the server, start another on its data and read the tables back."""
    server.kill()
    restarted = ScyllaLiteProcess(data_dir)
    try:
        return batch_tables(restarted.connect())
    finally:
        assert restarted.stop() == 0


def test_a_batch_refused_at_its_third_statement_stays_unwritten_after_a_crash(data_dir: Path) -> None:
    """Text and protocol batches whose third statement is refused: nothing of them is
    applied in memory or logged, so after kill -9 and a restart the tables read as the
    clients were told, with the write acknowledged after them."""
    server = ScyllaLiteProcess(data_dir)
    s = server.connect()
    for statement in BATCH_SETUP:
        s.execute(statement)
    with pytest.raises(InvalidRequest, match="List index 5 out of bound, list has size 2"):
        s.execute(
            "BEGIN BATCH INSERT INTO d.kv (k, v) VALUES (1, 1); UPDATE d.ls SET l = l + [3] WHERE k = 0; "
            "UPDATE d.ls SET l[5] = 1 WHERE k = 0 APPLY BATCH"
        )
    with pytest.raises(InvalidRequest, match="The negation of -9223372036854775808 overflows"):
        s.execute(
            "BEGIN COUNTER BATCH UPDATE d.ct SET n = n + 1 WHERE k = 0; UPDATE d.ct SET n = n + 1 WHERE k = 1; "
            f"UPDATE d.ct SET n = n - {MIN} WHERE k = 0 APPLY BATCH"
        )
    counter = BatchStatement(batch_type=BatchType.COUNTER)
    counter.add(s.prepare("UPDATE d.ct SET n = n + ? WHERE k = ?"), (1, 0))
    counter.add(s.prepare("UPDATE d.ct SET n = n + ? WHERE k = ?"), (1, 1))
    counter.add(s.prepare("UPDATE d.ct SET n = n - ? WHERE k = ?"), (MIN, 0))
    with pytest.raises(InvalidRequest, match="The negation of -9223372036854775808 overflows"):
        s.execute(counter)
    logged = BatchStatement(batch_type=BatchType.LOGGED)
    logged.add(s.prepare("INSERT INTO d.kv (k, v) VALUES (?, ?)"), (2, 2))
    logged.add(s.prepare("UPDATE d.ls SET l = l + ? WHERE k = ?"), ([3], 0))
    logged.add(s.prepare("DELETE l[?] FROM d.ls WHERE k = ?"), (2, 0))
    with pytest.raises(InvalidRequest, match="List index 2 out of bound, list has size 2"):
        s.execute(logged)
    s.execute("INSERT INTO d.kv (k, v) VALUES (9, 9)")
    told = batch_tables(s)
    assert told == {"kv": [(9, 9)], "ls": [(0, [1, 2], None)], "ct": [(0, 1)]}
    assert after_a_crash(server, data_dir) == told


def test_batches_read_back_after_a_crash_as_acknowledged(data_dir: Path) -> None:
    """Text and protocol batches, plain, counter (summing past 2^63 - 1, which wraps)
    and conditional, each logged as one record: after kill -9 and a restart every
    table reads exactly as the clients last read it."""
    server = ScyllaLiteProcess(data_dir)
    s = server.connect()
    for statement in BATCH_SETUP:
        s.execute(statement)
    s.execute(  # l[1] is the element at index 1 before the batch: 2
        "BEGIN BATCH INSERT INTO d.kv (k, v) VALUES (1, 1); UPDATE d.ls SET l = l + [3] WHERE k = 0; "
        "UPDATE d.ls SET l = [0] + l WHERE k = 0; UPDATE d.ls SET l[1] = 7 WHERE k = 0 APPLY BATCH"
    )
    s.execute(
        f"BEGIN COUNTER BATCH UPDATE d.ct SET n = n + {MAX} WHERE k = 0; UPDATE d.ct SET n = n + 5 WHERE k = 1; "
        f"UPDATE d.ct SET n = n + {MAX} WHERE k = 0 APPLY BATCH"
    )
    assert s.execute(
        "BEGIN BATCH UPDATE d.ls SET v = 1 WHERE k = 0 IF v = null; UPDATE d.ls SET l = l - [1] WHERE k = 0 APPLY BATCH"
    ).was_applied
    unlogged = BatchStatement(batch_type=BatchType.UNLOGGED)
    for k in (2, 3):
        unlogged.add(s.prepare("INSERT INTO d.kv (k, v) VALUES (?, ?)"), (k, k))
    unlogged.add(s.prepare("UPDATE d.ls SET l = l + ? WHERE k = ?"), ([4], 1))
    s.execute(unlogged)
    counter = BatchStatement(batch_type=BatchType.COUNTER)
    for _ in range(2):
        counter.add(s.prepare("UPDATE d.ct SET n = n + ? WHERE k = ?"), (MAX, 1))
    s.execute(counter)
    conditional = BatchStatement(batch_type=BatchType.LOGGED)
    conditional.add(s.prepare("UPDATE d.ls SET v = ? WHERE k = ? IF v = ?"), (2, 0, 1))
    conditional.add(s.prepare("UPDATE d.ls SET l = l + ? WHERE k = ?"), ([5], 0))
    assert s.execute(conditional).was_applied
    assert not s.execute("UPDATE d.ls SET v = 99 WHERE k = 0 IF v = 42").was_applied
    told = batch_tables(s)
    assert told == {
        "kv": [(1, 1), (2, 2), (3, 3)],
        "ls": [(0, [0, 7, 3, 5], 2), (1, [4], None)],
        "ct": [(0, -1), (1, 3)],
    }
    assert after_a_crash(server, data_dir) == told
