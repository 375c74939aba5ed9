"""What one client can make the embedded server hold: bytes, not request counts.

Statement caches forget their least recently used entries past a byte budget (an
evicted prepared id answers Unprepared and the driver prepares it again); a client that
pipelines requests without reading the answers costs `REPLY_BUDGET`, not its backlog;
a frame that stops arriving is dropped after `FRAME_TIMEOUT`; frames still arriving on
all connections share `PARTIAL_FRAME_BUDGET`.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cassandra.cluster import Session
from cassandra.protocol import ResultMessage

from scylla_lite import planner as planner_module
from scylla_lite import server as server_module
from scylla_lite.server import BackgroundServer
from spec.server_process import private_server
from spec.wire import Client

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SCYLLA_HOSTS")), reason="looks inside the embedded server"
)


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[BackgroundServer, Session]]:
    """A private server whose budgets are small enough to reach in a test, and a session on it."""
    monkeypatch.setattr(planner_module, "PREPARED_CACHE_BYTES", 64 * 1024)
    monkeypatch.setattr(planner_module, "PLAN_CACHE_BYTES", 4 * 1024 * 1024)
    monkeypatch.setattr(server_module, "FRAME_TIMEOUT", 0.5)
    monkeypatch.setattr(server_module, "PARTIAL_FRAME_BUDGET", 1024 * 1024)
    with private_server() as (server, session):
        session.execute(
            "CREATE KEYSPACE l WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE l.t (k int, c int, v text, PRIMARY KEY (k, c))")
        insert = session.prepare("INSERT INTO l.t (k, c, v) VALUES (0, ?, ?)")
        for c in range(200):
            session.execute(insert, (c, "x" * 100))
        yield server, session


def test_prepared_statements_past_the_budget_are_evicted_and_prepared_again(
    small: tuple[BackgroundServer, Session],
) -> None:
    server, session = small
    first = session.prepare("SELECT v FROM l.t WHERE k = 0 AND c = ?")
    for i in range(2000):  # a flood of distinct statements
        session.prepare(f"SELECT v FROM l.t WHERE k = 0 AND c = ? LIMIT {i + 1}")
    prepared = server.engine.planner.prepared  # type: ignore[attr-defined]
    assert prepared.cost <= 64 * 1024 and len(prepared) < 2000
    assert first.query_id not in prepared
    assert session.execute(first, (7,)).one().v == "x" * 100  # Unprepared, prepared again, answered


def test_statements_past_the_plan_budget_are_forgotten(small: tuple[BackgroundServer, Session]) -> None:
    server, session = small
    for i in range(40):  # each ~6 KB of text, each distinct: ~17 MB of plans by the estimate
        session.execute(f"INSERT INTO l.t (k, c, v) VALUES (1, {i}, '{'y' * 6000}')")
    plans = server.engine.planner.plans  # type: ignore[attr-defined]
    assert 0 < plans.cost <= 4 * 1024 * 1024 and len(plans) < 40
    assert session.execute("SELECT count(*) FROM l.t WHERE k = 1").one()[0] == 40


def query_frame(text: str, stream: int) -> bytes:
    body = struct.pack(">i", len(text)) + text.encode() + struct.pack(">HB", 1, 0)
    return struct.pack(">BBhBi", 4, 0, stream, 0x07, len(body)) + body


def test_a_client_that_never_reads_its_answers_costs_a_bounded_buffer(
    small: tuple[BackgroundServer, Session],
) -> None:
    server, session = small
    client = Client(server.host, server.port)
    try:
        client.startup()
        backlog = b"".join(query_frame("SELECT * FROM l.t WHERE k = 0", i % 30000) for i in range(3000))
        client.sock.settimeout(30)
        sender = threading.Thread(target=client.send_raw, args=(backlog,))
        sender.start()  # 3000 answers of ~25 KB: 75 MB if all were made at once
        peak = 0
        for _ in range(20):
            time.sleep(0.05)
            peak = max(peak, max(_write_buffered(server)))
            assert session.execute("SELECT v FROM l.t WHERE k = 0 AND c = 1").one().v  # others still served
        assert peak <= 4 * server_module.REPLY_BUDGET
        answers = [client.recv() for _ in range(3000)]
        sender.join(10)
        assert all(isinstance(a, ResultMessage) and len(a.parsed_rows) == 200 for a in answers)
    finally:
        client.close()


def _write_buffered(server: BackgroundServer) -> list[int]:
    def sizes() -> list[int]:
        return [c.transport.get_write_buffer_size() for c in server.server.connections if c.transport] or [0]

    return list(server.call(sizes))


def test_a_frame_that_stops_arriving_is_dropped(small: tuple[BackgroundServer, Session]) -> None:
    server, _ = small
    client = Client(server.host, server.port)
    try:
        client.startup()
        client.send_raw(struct.pack(">BBhBi", 4, 0, 1, 0x07, 10_000_000) + b"\0" * 1000)
        assert client.is_closed(timeout=5)
    finally:
        client.close()
    assert server.call(lambda: server.server._buffered_total) == 0


def test_frames_still_arriving_share_one_budget(small: tuple[BackgroundServer, Session]) -> None:
    server, _ = small
    text = f"SELECT count(*) FROM l.t WHERE k = 0 AND c = 1 AND v = '{'x' * 100}' ALLOW FILTERING -- {'.' * 700_000}"
    frames = [query_frame(text, 1) for _ in range(2)]  # ~700 KB each: two do not fit 1 MB at once
    first, second = Client(server.host, server.port), Client(server.host, server.port)
    try:
        for c in (first, second):
            c.startup()
        first.send_raw(frames[0][:600_000])
        time.sleep(0.1)
        second.send_raw(frames[1][:600_000])
        time.sleep(0.1)
        assert server.call(lambda: len(server.server.starved)) == 1  # the second waits
        first.send_raw(frames[0][600_000:])
        second.send_raw(frames[1][600_000:])
        answers: list[Any] = [first.recv(), second.recv()]
        assert all(isinstance(a, ResultMessage) and a.parsed_rows[0][0] == 1 for a in answers)
    finally:
        first.close()
        second.close()
