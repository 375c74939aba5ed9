"""One big request does not stall every other client of the embedded server.

An unpaged read goes in internal pages with other clients served between them, and a
long statement is parsed on a worker thread. The order in which answers arrive shows
it: a small read sent after the big request started is answered before it ends.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cassandra import InvalidRequest, cqltypes
from cassandra.cluster import Cluster, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.protocol import SyntaxException
from cassandra.query import BatchStatement, BatchType

from scylla_lite import engine as engine_module
from scylla_lite import errors, serve
from scylla_lite.engine import Engine
from scylla_lite.execution import batch as batch_module
from scylla_lite.execution.select import SelectPlan
from scylla_lite.execution.where import Where
from scylla_lite.protocol import messages
from scylla_lite.requests import ClientState, QueryOptions
from scylla_lite.results import ColumnSpec, Rows

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SCYLLA_HOSTS")), reason="changes the embedded server's slicing"
)


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Session, Session]]:
    """Two connections to a private server holding 3,000 rows, read unpaged ten rows a slice."""
    monkeypatch.setattr(engine_module, "INTERNAL_PAGE_ROWS", 10)
    run = SelectPlan.run

    def slow_internal_page(plan: SelectPlan, ex: Any, page_size: int | None, state: bytes | None) -> Any:
        if page_size == 10:
            time.sleep(0.002)  # 300 internal pages: the unpaged read takes over half a second
        return run(plan, ex, page_size, state)

    monkeypatch.setattr(SelectPlan, "run", slow_internal_page)
    with serve(port=0) as server:
        clusters = [Cluster([server.host], port=server.port, connect_timeout=10) for _ in range(2)]
        try:
            big, small = (c.connect() for c in clusters)
            big.execute(
                "CREATE KEYSPACE f WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            big.execute("CREATE TABLE f.t (p int, c int, v int, PRIMARY KEY (p, c))")
            insert = big.prepare("INSERT INTO f.t (p, c, v) VALUES (?, ?, ?)")
            execute_concurrent_with_args(big, insert, [(i % 7, i, i) for i in range(3000)], concurrency=50)
            big.default_fetch_size = None  # unpaged
            yield big, small
        finally:
            for c in clusters:
                c.shutdown()


def race(big: Session, query: Any, small: Session) -> tuple[list[float], object]:
    """(when the small reads finished, relative to the big request's end; its result)."""
    done: dict[str, object] = {}

    def run_big() -> None:
        done["result"] = big.execute(query, timeout=120)
        done["at"] = time.perf_counter()

    thread = threading.Thread(target=run_big)
    thread.start()
    time.sleep(0.05)
    finished = []
    for _ in range(3):
        small.execute("SELECT v FROM f.t WHERE p = 1 AND c = 1")
        finished.append(time.perf_counter())
    thread.join(120)
    return [t - float(done["at"]) for t in finished], done["result"]  # type: ignore[arg-type]


def race_watched(
    big: Session, statement: Any, small: Session, read: Callable[[], list[int]]
) -> tuple[list[float], set[int]]:
    """`race`, while another thread calls ``read`` over and over: (race's timings, every
    value ``read`` returned meanwhile)."""
    done = threading.Event()
    seen: set[int] = set()

    def watch() -> None:
        while not done.is_set():
            seen.update(read())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        relative, _ = race(big, statement, small)
    finally:
        done.set()
        watcher.join(30)
    return relative, seen


def test_an_unpaged_read_lets_others_in_between_its_pages_and_misses_no_row(
    sessions: tuple[Session, Session],
) -> None:
    big, small = sessions
    relative, result = race(big, "SELECT p, c, v FROM f.t", small)
    rows = list(result)  # type: ignore[call-overload]
    assert sorted(r.c for r in rows) == list(range(3000))
    assert all(t < 0 for t in relative), f"the small reads waited for the whole unpaged read: {relative}"


def test_a_long_result_is_encoded_in_parts_with_others_served_between(
    sessions: tuple[Session, Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One internal page (no slicing of the read), 300 parts of ten rows to encode,
    each made slow: the small reads are answered between the parts."""
    monkeypatch.setattr(engine_module, "INTERNAL_PAGE_ROWS", 100_000)
    monkeypatch.setattr(messages, "ROWS_PER_PART", 10)
    parts = messages.encode_result_parts

    def slow_parts(result: Any, version: int = 4) -> Iterator[bytes]:
        for part in parts(result, version):
            time.sleep(0.002)
            yield part

    monkeypatch.setattr(messages, "encode_result_parts", slow_parts)
    big, small = sessions
    relative, result = race(big, "SELECT p, c, v FROM f.t", small)
    assert sorted(r.c for r in result) == list(range(3000))  # type: ignore[attr-defined]
    assert all(t < 0 for t in relative), f"the small reads waited for the whole encoding: {relative}"


def test_the_parts_of_a_result_make_the_whole_result() -> None:
    columns = [ColumnSpec("k", "t", "a", cqltypes.Int32Type), ColumnSpec("k", "t", "b", cqltypes.UTF8Type)]
    rows = Rows(columns, [[i.to_bytes(4, "big"), None if i % 3 else b"x" * i] for i in range(5000)])
    parts = list(messages.encode_result_parts(rows))
    assert len(parts) > 2 and b"".join(parts) == messages.encode_result(rows)


def test_a_long_statement_is_parsed_while_others_are_served(sessions: tuple[Session, Session]) -> None:
    big, small = sessions
    batch = (
        "BEGIN UNLOGGED BATCH "
        + " ".join(f"INSERT INTO f.t (p, c, v) VALUES (9, {i}, {i});" for i in range(6000))
        + " APPLY BATCH"
    )
    relative, _ = race(big, batch, small)
    assert all(t < 0 for t in relative), "the small reads waited for the long statement's parse"
    assert big.execute("SELECT count(*) FROM f.t WHERE p = 9").one()[0] == 6000


def test_a_long_in_lists_partitions_are_found_while_others_are_served(
    sessions: tuple[Session, Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Working out where 50,000 listed keys sit takes the event loop ~110 ms: for a list
    of literals it is done with the compiling, on the worker thread; the answer is whole."""
    on_loop: list[bool] = []
    partition_keys = Where.partition_keys

    def watched(where: Where, table: Any, ex: Any) -> Any:
        if (table.keyspace, table.name) == ("f", "t"):  # not the driver's reads of system tables
            try:
                on_loop.append(asyncio.get_running_loop() is not None)
            except RuntimeError:
                on_loop.append(False)
        return partition_keys(where, table, ex)

    monkeypatch.setattr(Where, "partition_keys", watched)
    big, _ = sessions
    keys = ",".join(str(k) for k in range(-4000, 4000))
    rows = big.execute(f"SELECT c FROM f.t WHERE p IN ({keys})")
    assert sorted(r.c for r in rows) == list(range(3000))
    assert on_loop == [False]
    with pytest.raises(InvalidRequest, match="Invalid null value in condition for column p"):
        big.execute(f"SELECT c FROM f.t WHERE p IN ({keys}, null)")  # still refused, when run


def test_a_long_bad_statement_is_still_a_syntax_error(sessions: tuple[Session, Session]) -> None:
    big, _ = sessions
    with pytest.raises(SyntaxException):
        big.execute("SELECT * FROM f.t WHERE p IN (" + ",".join(["1"] * 20_000) + ",)")
    with pytest.raises(InvalidRequest, match="unconfigured table nope"):
        big.execute("SELECT * FROM f.nope WHERE p IN (" + ",".join(["1"] * 20_000) + ")")


def test_a_plan_made_ahead_is_not_used_once_the_schema_changed() -> None:
    """`Engine.plan_ahead` compiles on a worker thread; a schema change before the loop
    takes the plan means compiling again, against the schema as it now is."""
    engine = Engine()
    client = ClientState()
    for text in (
        "CREATE KEYSPACE a WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE a.t (k int PRIMARY KEY, v int, w int)",
    ):
        engine.query(client, text, QueryOptions())
    batch = (
        "BEGIN BATCH "
        + " ".join(f"INSERT INTO a.t (k, v) VALUES ({k}, {k});" for k in range(500))
        + " APPLY BATCH"
    )
    engine.plan_ahead(batch, None)
    engine.query(client, "ALTER TABLE a.t DROP v", QueryOptions())
    with pytest.raises(errors.InvalidRequest, match="Unknown identifier v"):
        engine.query(client, batch, QueryOptions())
    engine.plan_ahead(batch.replace("(k, v)", "(k, w)"), None)
    engine.query(client, batch.replace("(k, v)", "(k, w)"), QueryOptions())
    count = engine.query(client, "SELECT count(*) FROM a.t", QueryOptions())
    assert int.from_bytes(count.rows[0][0] or b"", "big") == 500  # type: ignore[union-attr]


def test_a_batch_computed_in_slices_is_seen_whole_or_not_at_all(
    sessions: tuple[Session, Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long batch's writes are computed a slice at a time, others served in between,
    and applied in one step at the end: a reader meanwhile sees none of them or all."""
    monkeypatch.setattr(batch_module, "COMPUTE_SLICE", 5)
    big, small = sessions
    count_p8 = "SELECT count(*) FROM f.t WHERE p = 8"
    batch = (
        "BEGIN UNLOGGED BATCH "
        + " ".join(f"INSERT INTO f.t (p, c, v) VALUES (8, {i}, {i});" for i in range(400))
        + " APPLY BATCH"
    )
    relative, seen = race_watched(big, batch, small, lambda: [small.execute(count_p8).one()[0]])
    assert seen <= {0, 400}
    assert all(t < 0 for t in relative), "the small reads waited for the whole batch"
    assert big.execute("SELECT count(*) FROM f.t WHERE p = 8").one()[0] == 400


def test_a_long_batch_across_partitions_is_applied_whole_partitions_at_a_time(
    sessions: tuple[Session, Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ScyllaDB applies a batch's writes to each partition in isolation, not the whole
    batch at once: applied a few partitions a turn (each write made slow here), the batch
    lets the small reads in, and a reader sees each partition whole or not at all."""
    monkeypatch.setattr(batch_module, "APPLY_SLICE", 20)
    grouped = batch_module.by_partition

    def slow_writes(done: Any) -> list[list[Any]]:
        def slow(apply: Any) -> Any:
            return lambda: (time.sleep(0.001), apply())

        return [[slow(apply) for apply in group] for group in grouped(done)]

    monkeypatch.setattr(batch_module, "by_partition", slow_writes)
    big, small = sessions
    insert = big.prepare("INSERT INTO f.t (p, c, v) VALUES (?, ?, ?)")
    batch = BatchStatement(batch_type=BatchType.UNLOGGED)
    for i in range(600):  # 40 partitions of 15 rows, interleaved
        batch.add(insert, (100 + i % 40, i, i))
    counts = small.prepare("SELECT p, count(*) FROM f.t WHERE p IN ? GROUP BY p")
    keys = list(range(100, 140))
    relative, seen = race_watched(
        big, batch, small, lambda: [row[1] for row in small.execute(counts, (keys,))]
    )
    assert seen <= {15}, f"a partition was seen half written: {seen}"
    assert all(t < 0 for t in relative), "the small reads waited for the whole batch to be applied"
    assert [r[1] for r in big.execute(counts, (list(range(100, 140)),))] == [15] * 40


def test_a_long_statements_plan_is_freed_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeing a 100,000-statement batch's plan takes ~0.3 s: the server lets a worker
    thread do it, a statement at a time (`Engine.release`), not its event loop."""
    freed_on: list[threading.Thread] = []

    class Sentinel:
        def __del__(self) -> None:
            freed_on.append(threading.current_thread())

    plan_ahead = Engine.plan_ahead

    def marked(engine: Engine, text: str, keyspace: str | None) -> Any:
        plan = plan_ahead(engine, text, keyspace)
        plan.compiled.children[0].freed = Sentinel()  # type: ignore[union-attr]
        return plan

    monkeypatch.setattr(Engine, "plan_ahead", marked)
    with serve(port=0) as server:
        cluster = Cluster([server.host], port=server.port, connect_timeout=10)
        try:
            s = cluster.connect()
            s.execute(
                "CREATE KEYSPACE g WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            s.execute("CREATE TABLE g.t (k int PRIMARY KEY)")
            batch = " ".join(f"INSERT INTO g.t (k) VALUES ({i});" for i in range(2000))
            s.execute(f"BEGIN UNLOGGED BATCH {batch} APPLY BATCH")
            loop_thread = server.call(threading.current_thread)
        finally:
            cluster.shutdown()
    assert len(freed_on) == 1 and freed_on[0] is not loop_thread
