"""scylla_lite benchmark: throughput through scylla-driver, the protocol ceiling, time to ready.

Run with ``nox -s bench`` (or ``python bench/run.py [--ops N]``). The server runs in its
own process, as in real use, so the driver and the server do not share a GIL.

* prepared INSERT and SELECT ops/s with 64 requests in flight, against the real engine;
* the same client against ``NullStorageEngine`` (answers each prepared statement from
  its first result, never touching storage): the protocol ceiling;
* their ratio (goal: >= 50 %);
* time to ready: from process start to the "listening" line, and for ``serve()``;
* top-10 ANN (``ORDER BY v ANN OF ? LIMIT 10``) over 100,000 x 384 vectors (clustered
  unit vectors, cosine, like sentence embeddings): p50/p99 latency of single queries and
  recall@10 against an exact search, beside the exact numpy scan of the same queries
  in the client (goal: p50 <= 20 ms with recall@10 >= 0.95).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import RoundRobinPolicy

SERVER = """
import signal, sys, threading
from scylla_lite.engine import Engine, NullStorageEngine
from scylla_lite.server import serve
engine = (NullStorageEngine if sys.argv[1] == "null" else Engine)()
with serve(port=0, engine=engine, admin_port=0) as s:
    print(f"listening on {s.host}:{s.port} admin {s.admin_url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    stop.wait()
"""


@contextmanager
def server_process(kind: str) -> Iterator[int]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, kind], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r":(\d+) admin (\S+)$", line.strip())
    if not m:
        proc.kill()
        raise SystemExit(f"bench: the {kind} server did not start: {line!r}")
    try:
        ADMIN[port := int(m.group(1))] = m.group(2)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def measure(port: int, ops: int, concurrency: int, check: bool) -> dict[str, float]:
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy())
    cluster = Cluster(
        ["127.0.0.1"], port=port, protocol_version=4, execution_profiles={EXEC_PROFILE_DEFAULT: profile}
    )
    session = cluster.connect()
    session.execute(
        "CREATE KEYSPACE IF NOT EXISTS bench WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.set_keyspace("bench")
    session.execute("CREATE TABLE IF NOT EXISTS kv (k int PRIMARY KEY, v text, n bigint)")
    insert = session.prepare("INSERT INTO kv (k, v, n) VALUES (?, ?, ?)")
    select = session.prepare("SELECT k, v, n FROM kv WHERE k = ?")
    ins_args = [(i, f"value-{i}", i * 7) for i in range(ops)]
    sel_args = [(i,) for i in range(ops)]
    # warm up both paths (prepared caches, plan caches, JIT-free Python still likes warm caches)
    execute_concurrent_with_args(session, insert, ins_args[:2000], concurrency=concurrency)
    execute_concurrent_with_args(session, select, sel_args[:2000], concurrency=concurrency)
    out = {}
    for name, stmt, args in (("insert", insert, ins_args), ("select", select, sel_args)):
        t0 = time.perf_counter()
        results = execute_concurrent_with_args(
            session, stmt, args, concurrency=concurrency, raise_on_first_error=True
        )
        elapsed = time.perf_counter() - t0
        assert len(results) == ops
        out[name] = ops / elapsed
    found = session.execute(select, (ops // 2,)).one()
    assert not check or (found is not None and found.v == f"value-{ops // 2}"), (
        "SELECT did not read back what was inserted"
    )
    cluster.shutdown()
    return out


def ann_dataset(rows: int, dim: int, queries: int, seed: int = 42) -> tuple[Any, Any]:
    """Unit vectors around 1000 random centres (embeddings cluster by topic), and
    queries drawn the same way."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((1000, dim)).astype(np.float32)

    def draw(n: int) -> Any:
        x = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    return draw(rows), draw(queries)


#: the admin URL of each bench server, by CQL port
ADMIN: dict[int, str] = {}


def _vector_search_mode(port: int) -> str:
    """How the server searches the bench index now (its admin ``GET /indexes``)."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{ADMIN[port]}/indexes", timeout=10) as reply:
        states = json.loads(reply.read())["vector_indexes"]
    return next(s["search"] for s in states if s["keyspace"] == "bench_ann")


def measure_ann(
    port: int, rows: int, dim: int, queries: int, connectivity: int, beam: int
) -> dict[str, float]:
    import numpy as np

    data, qs = ann_dataset(rows, dim, queries)
    cluster = Cluster(["127.0.0.1"], port=port, protocol_version=4)
    session = cluster.connect()
    session.default_timeout = 600
    session.execute(
        "CREATE KEYSPACE bench_ann WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.execute(f"CREATE TABLE bench_ann.items (id int PRIMARY KEY, v vector<float, {dim}>)")
    insert = session.prepare("INSERT INTO bench_ann.items (id, v) VALUES (?, ?)")
    start = time.perf_counter()
    execute_concurrent_with_args(
        session, insert, ((i, data[i].tolist()) for i in range(rows)), concurrency=64
    )
    load = time.perf_counter() - start
    start = time.perf_counter()
    session.execute(
        "CREATE CUSTOM INDEX ON bench_ann.items (v) USING 'vector_index' WITH OPTIONS = "
        f"{{'similarity_function': 'COSINE', 'maximum_node_connections': '{connectivity}', "
        f"'search_beam_width': '{beam}'}}"
    )
    select = session.prepare("SELECT id FROM bench_ann.items ORDER BY v ANN OF ? LIMIT 10")
    session.execute(select, (qs[0].tolist(),))  # starts the graph build (exact search meanwhile)
    while _vector_search_mode(port) != "graph":
        time.sleep(0.2)
    build = time.perf_counter() - start
    latencies, hits = [], 0
    start = time.perf_counter()
    exact = np.argsort(-(qs @ data.T), axis=1)[:, :10]
    scan = (time.perf_counter() - start) / len(qs)
    for i, q in enumerate(qs):
        t0 = time.perf_counter()
        got = [r[0] for r in session.execute(select, (q.tolist(),))]
        latencies.append(time.perf_counter() - t0)
        hits += len(set(got) & set(exact[i].tolist()))
    cluster.shutdown()
    latencies.sort()
    return {
        "load": load,
        "build": build,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "recall": hits / (10 * len(qs)),
        "scan": scan,
    }


def time_to_ready(runs: int) -> tuple[float, float]:
    """Median seconds from spawning ``python -m scylla_lite`` to its listening line, and
    of ``serve()`` in-process (imports excluded)."""
    cli = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "scylla_lite", "--port", "0"], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        proc.stdout.readline()
        cli.append(time.perf_counter() - t0)
        proc.terminate()
        proc.wait(10)
    from scylla_lite import serve

    inproc = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with serve(port=0):
            inproc.append(time.perf_counter() - t0)
    return statistics.median(cli), statistics.median(inproc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=20000, help="operations per measurement (default 20000)")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight (default 64)")
    parser.add_argument(
        "--ann-rows", type=int, default=100_000, help="vectors in the ANN benchmark (0: skip it)"
    )
    parser.add_argument("--ann-dim", type=int, default=384, help="their dimension (default 384)")
    parser.add_argument("--ann-queries", type=int, default=200, help="ANN queries timed (default 200)")
    parser.add_argument(
        "--ann-connectivity", type=int, default=16, help="maximum_node_connections (default 16)"
    )
    parser.add_argument("--ann-beam", type=int, default=128, help="search_beam_width (default 128)")
    parser.add_argument("--only-ann", action="store_true", help="run the ANN benchmark alone")
    args = parser.parse_args()

    ann = None
    if args.ann_rows:
        with server_process("real") as port:
            ann = measure_ann(
                port, args.ann_rows, args.ann_dim, args.ann_queries, args.ann_connectivity, args.ann_beam
            )
        print(
            f"\nANN top-10 over {args.ann_rows:,} x {args.ann_dim} vectors (cosine, connectivity "
            f"{args.ann_connectivity}, search beam {args.ann_beam}), {args.ann_queries} queries, one at a time:\n"
            f"  load {ann['load']:.1f} s, index build {ann['build']:.1f} s\n"
            f"  latency p50 {ann['p50'] * 1000:.1f} ms, p99 {ann['p99'] * 1000:.1f} ms; "
            f"recall@10 {ann['recall']:.3f}\n"
            f"  exact numpy scan of the same queries (client side, no driver): {ann['scan'] * 1000:.1f} ms/query\n"
            f"  goal p50 <= 20 ms with recall@10 >= 0.95: "
            f"{'met' if ann['p50'] <= 0.02 and ann['recall'] >= 0.95 else 'NOT met'}"
        )
    if args.only_ann:
        return

    results = {}
    for kind in ("real", "null"):
        with server_process(kind) as port:
            results[kind] = measure(port, args.ops, args.concurrency, check=kind == "real")
    cli_ready, serve_ready = time_to_ready(5)

    print(
        f"\nscylla_lite benchmark — scylla-driver, prepared statements, {args.concurrency} in flight, "
        f"{args.ops} ops each\n"
    )
    print(f"{'':10} {'real ops/s':>12} {'null ops/s':>12} {'real/null':>10}")
    for op in ("insert", "select"):
        real, null = results["real"][op], results["null"][op]
        print(f"{op:10} {real:12,.0f} {null:12,.0f} {real / null:10.0%}")
    print(
        f"\ntime to ready: {cli_ready * 1000:.0f} ms (python -m scylla_lite, process start to listening line), "
        f"{serve_ready * 1000:.1f} ms (serve() in-process, after imports)"
    )
    goal = min(results["real"][op] / results["null"][op] for op in ("insert", "select"))
    print(f"goal real/null >= 50 %: {'met' if goal >= 0.5 else 'NOT met'} ({goal:.0%})")


if __name__ == "__main__":
    main()
