"""scylla_lite under load that one client makes: who waits, what it costs, how long a restart takes.

Run with ``nox -s reliability`` (or ``python bench/reliability.py [--rows N]``). The
server runs as ``python -m scylla_lite`` in its own process, as users run it; every
number comes from one run, through the unmodified scylla-driver.

* the longest wait of a small query (a point read from another process, issued every
  5 ms) while each big request runs: a 100,000-statement text batch (refused, as
  ScyllaDB refuses a batch over 1 MiB across partitions), the largest one allowed, an
  unpaged read of every row, a 50,000-element IN, each the worst of three runs, beside
  the longest wait with nothing else running (goal: < 100 ms);
* the server's resident memory after 300 distinct 1 MB statements and after 100,000
  PREPAREs (the caches are bounded in bytes);
* time to ready after kill -9 (replay) and from a snapshot, and a clean stop, at
  ``--rows`` rows (goal: < 3 s).
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cassandra import InvalidRequest
from cassandra.cluster import Cluster, Session
from cassandra.concurrent import execute_concurrent_with_args


class Server:
    """``python -m scylla_lite --data-dir DIR`` on a free port."""

    def __init__(self, data_dir: Path) -> None:
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scylla_lite", "--port", "0", "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.ready = time.perf_counter() - started
        found = re.search(r":(\d+) ", line)
        if not found:
            raise SystemExit(f"reliability: the server did not start: {line!r}")
        self.port = int(found.group(1))

    def session(self) -> tuple[Cluster, Session]:
        cluster = Cluster(["127.0.0.1"], port=self.port, protocol_version=4, connect_timeout=20)
        return cluster, cluster.connect()

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]

    def stop(self, sig: int = signal.SIGTERM) -> float:
        started = time.perf_counter()
        self.proc.send_signal(sig)
        self.proc.wait(120)
        return time.perf_counter() - started


def poll(port: int, ready: Any, stop: Any, longest: Any) -> None:
    """A point read every 5 ms until ``stop``; the longest it waited goes to ``longest``."""
    cluster = Cluster(["127.0.0.1"], port=port, protocol_version=4, connect_timeout=20)
    probe = cluster.connect()
    point = probe.prepare("SELECT v FROM r.kv WHERE k = 1")
    waits: list[float] = []
    ready.set()
    while not stop.is_set():
        started = time.perf_counter()
        probe.execute(point, timeout=120)
        waits.append(time.perf_counter() - started)
        time.sleep(0.005)
    cluster.shutdown()
    longest.put(max(waits))


def longest_wait(port: int, big: Callable[[], object]) -> tuple[float, float]:
    """(seconds the big request took, the longest a small read waited meanwhile). The
    small reads come from a process of their own: in this one they would also wait
    for the driver decoding the big request's answer, which is not the server's doing."""
    spawn = multiprocessing.get_context("spawn")
    ready, stop, longest = spawn.Event(), spawn.Event(), spawn.Queue()
    poller = spawn.Process(target=poll, args=(port, ready, stop, longest))
    poller.start()
    ready.wait(60)
    time.sleep(0.2)
    started = time.perf_counter()
    big()
    took = time.perf_counter() - started
    stop.set()
    wait = float(longest.get(timeout=120))
    poller.join(30)
    return took, wait


def load(session: Session, rows: int) -> None:
    session.execute(
        "CREATE KEYSPACE r WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.execute("CREATE TABLE r.kv (k int PRIMARY KEY, v text)")
    session.execute("CREATE TABLE r.t (p int, c int, v text, PRIMARY KEY (p, c))")
    session.execute("INSERT INTO r.kv (k, v) VALUES (1, 'one')")
    insert = session.prepare("INSERT INTO r.t (p, c, v) VALUES (?, ?, ?)")
    execute_concurrent_with_args(
        session, insert, [(i % 1000, i, f"row {i}") for i in range(rows)], concurrency=100
    )


def text_batch(first: int, count: int) -> str:
    return (
        "BEGIN UNLOGGED BATCH "
        + " ".join(f"INSERT INTO r.kv (k, v) VALUES ({i}, 'b');" for i in range(first, first + count))
        + " APPLY BATCH"
    )


def refused(session: Session, query: str) -> None:
    """Run ``query``, which ScyllaDB refuses too (a batch over its size limit)."""
    try:
        session.execute(query, timeout=600)
    except InvalidRequest as exc:
        assert "Batch too large" in str(exc), exc
    else:
        raise SystemExit("reliability: a batch over 1 MiB across partitions was accepted")


ROUNDS = 3
"""Each big request runs this many times; the worst is printed (one of them may meet a
snapshot falling due, or a garbage collection)."""


def stalls(server: Server, session: Session, rows: int) -> None:
    huge, largest = text_batch(2, 100_000), text_batch(2, 20_000)  # ~4 MB, ~0.8 MB
    keys = ",".join(str(i) for i in range(50_000))
    cases: list[tuple[str, Callable[[], object]]] = [
        ("100,000-statement text batch (refused)", lambda: refused(session, huge)),
        ("20,000-statement text batch (0.8 MB)", lambda: session.execute(largest, timeout=600)),
        (f"unpaged read of {rows:,} rows", lambda: session.execute("SELECT * FROM r.t", timeout=600)),
        (
            "50,000-element IN",
            lambda: session.execute(f"SELECT * FROM r.kv WHERE k IN ({keys})", timeout=600),
        ),
    ]
    session.default_fetch_size = None
    took, wait = longest_wait(server.port, lambda: time.sleep(2))
    print(f"  {'nothing else (2 s)':40} {'':14} longest small-read wait {wait * 1000:8.1f} ms")
    for name, big in cases:
        runs = [longest_wait(server.port, big) for _ in range(ROUNDS)]
        took = max(t for t, _ in runs)
        wait = max(w for _, w in runs)
        print(f"  {name:40} took {took:6.2f} s   longest small-read wait {wait * 1000:8.1f} ms")


def memory(server: Server, session: Session) -> None:
    before = server.rss_mb()
    pad = "x" * 1_000_000
    for i in range(300):
        session.execute(f"SELECT v FROM r.kv WHERE k = {i} AND v = '{pad}' ALLOW FILTERING", timeout=120)
    after_big = server.rss_mb()
    for i in range(100_000):
        session.prepare(f"SELECT v FROM r.kv WHERE k = ? LIMIT {i + 1}")
    print(
        f"  resident: {before:.0f} MB, after 300 distinct 1 MB statements {after_big:.0f} MB, "
        f"after 100,000 PREPAREs {server.rss_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows loaded (default 200000)")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="reliability-")) / "data"
    try:
        server = Server(data)
        cluster, session = server.session()
        started = time.perf_counter()
        load(session, args.rows)
        print(f"loaded {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        print(f"stalls, worst of {ROUNDS} runs (goal: every wait < 100 ms):")
        stalls(server, session, args.rows)
        print("memory:")
        memory(server, session)
        cluster.shutdown()
        server.stop(signal.SIGKILL)
        print(f"restart at {args.rows:,} rows (goal < 3 s):")
        server = Server(data)
        print(f"  ready after kill -9 (snapshot + replay): {server.ready:.2f} s")
        cluster, session = server.session()
        session.execute(text_batch(1_000_000, 1_000))  # a write since the last snapshot
        cluster.shutdown()
        print(f"  clean stop (final snapshot):             {server.stop():.2f} s")
        server = Server(data)
        print(f"  ready from the snapshot:                 {server.ready:.2f} s")
        print(f"  clean stop with nothing written since:   {server.stop():.2f} s")
    finally:
        shutil.rmtree(data.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
